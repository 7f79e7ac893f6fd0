package sandbox

import (
	"fmt"
	"strings"

	"github.com/codetree/codetree/internal/runner"
)

// classify maps a runner report to a verdict. The order matters: a job
// killed at its deadline is a time limit even if it was also out of memory;
// an OOM kill is a SIGKILL that the program did not ask for.
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
	case rep.TimedOut:
		r.Status = StatusTimeLimit
		r.Detail = fmt.Sprintf("killed at the %s deadline", job.Timeout)
	case rep.OutputExceeded:
		r.Status = StatusOutputLimit
		r.Detail = fmt.Sprintf("killed for writing more than %s to an output stream", ByteSize(job.OutputLimit))
	case rep.OOMKilled:
		r.Status = StatusMemoryLimit
		r.Detail = "killed by the kernel for exceeding the memory limit"
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
