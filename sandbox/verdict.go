package sandbox

import (
	"fmt"
	"strings"

	"github.com/codetree/codetree/internal/runner"
)

// classify maps a runner report to a verdict. The order matters: a run
// whose memory reached its limit is a memory limit whatever ended it (a
// program thrashing at the limit can run into its deadline first), as
// go-judge reports it; an OOM kill is a SIGKILL that the program did not
// ask for; a program that failed reporting that it ran out of memory
// (outOfMemory) hit the per-process data limit the runner sets a little
// under the container's (see runner.DataLimit).
func classify(job runner.Job, rep runner.Report) Result {
	r := Result{
		ExitCode:        rep.ExitCode,
		Signal:          rep.Signal,
		Stdout:          string(rep.Stdout),
		Stderr:          string(rep.Stderr),
		StdoutTruncated: rep.StdoutTruncated,
		StderrTruncated: rep.StderrTruncated,
		Duration:        rep.Duration,
	}
	switch {
	case !rep.Started && rep.StartError != "" && rep.Anomaly != "":
		r.Status = StatusInternalError
		r.Detail = rep.Anomaly
	case !rep.Started:
		r.Status = StatusRuntimeError
		r.ExitCode = -1
		r.Detail = "cannot start the program: " + rep.StartError
	case rep.OOMKilled:
		r.Status = StatusMemoryLimit
		r.Detail = "killed by the kernel for exceeding the memory limit"
	case rep.MemoryExceeded && (rep.ExitCode != 0 || rep.Signal != 0):
		// A program that exited 0 kept within the limit: only reclaimable
		// page cache went past it.
		r.Status = StatusMemoryLimit
		r.Detail = "the program's memory reached the memory limit"
		if rep.TimedOut {
			r.Detail += fmt.Sprintf(" (killed at the %s deadline, slowed down at the limit)", job.Timeout)
		}
	case rep.TimedOut:
		r.Status = StatusTimeLimit
		r.Detail = fmt.Sprintf("killed at the %s deadline", job.Timeout)
	case rep.OutputExceeded:
		r.Status = StatusOutputLimit
		r.Detail = fmt.Sprintf("killed for writing more than %s to an output stream", ByteSize(job.OutputLimit))
	case outOfMemory(rep):
		r.Status = StatusMemoryLimit
		r.Detail = "an allocation failed: the program needs more memory than the limit"
	case rep.Signal != 0:
		r.Status = StatusRuntimeError
		r.Detail = fmt.Sprintf("killed by signal %d", rep.Signal)
	case rep.ExitCode != 0:
		r.Status = StatusFailed
	case job.Token == "":
		r.Status = StatusPassed
	default:
		out, ok := cutToken(r.Stdout, job.Token)
		if ok {
			r.Status = StatusPassed
			r.Stdout = out
		} else {
			r.Status = StatusFailed
			r.Detail = "exited 0 without printing the pass token: the program ended before its last check"
		}
	}
	if rep.Anomaly != "" && r.Detail == "" {
		r.Detail = "sandbox: " + rep.Anomaly
	}
	return r
}

// cutToken reports whether the last non-empty line of out is token, and
// returns out without it and without the line break the driver put before
// it.
func cutToken(out, token string) (string, bool) {
	trimmed := strings.TrimRight(out, "\r\n")
	if trimmed == token {
		return "", true
	}
	rest, ok := strings.CutSuffix(trimmed, "\n"+token)
	if !ok {
		return out, false
	}
	return strings.TrimSuffix(rest, "\r"), true
}

// oomReports are what runtimes print when an allocation fails, as the last
// line of standard error (Python's traceback) or anywhere in it or in
// standard output (go test prints a test binary's crash on stdout).
var oomReports = []struct {
	lastLine bool
	text     string
}{
	{true, "MemoryError"},                          // Python: "MemoryError" or "MemoryError: ..."
	{false, "fatal error: runtime: out of memory"}, // Go
	{false, "fatal error: out of memory"},          // Go, while it starts
	{false, "java.lang.OutOfMemoryError"},
	{false, "std::bad_alloc"},
}

// outOfMemory reports whether a program that failed (a non-zero exit or a
// signal) says an allocation failed. A program could print this to get
// memory_limit instead of failed; it gains nothing by it, neither is a pass.
func outOfMemory(rep runner.Report) bool {
	if rep.ExitCode == 0 && rep.Signal == 0 {
		return false
	}
	stderr := strings.TrimRight(string(rep.Stderr), " \t\r\n")
	last := stderr[strings.LastIndexByte(stderr, '\n')+1:]
	for _, m := range oomReports {
		if m.lastLine {
			if last == m.text || strings.HasPrefix(last, m.text+":") {
				return true
			}
			continue
		}
		if strings.Contains(stderr, m.text) || strings.Contains(string(rep.Stdout), m.text) {
			return true
		}
	}
	return false
}
