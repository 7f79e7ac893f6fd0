package runner

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// What a job and a batch job share: the command's program and
// environment, starting it under the job's data rlimit, draining its
// outputs, waiting for the first of exit, deadline, output flood and
// cancellation, and the report of how it ended.

// limits returns the job's deadline and per-stream output limit, with the
// defaults for zero values.
func (j *jobRun) limits() (time.Duration, int64) {
	timeout := j.job.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	limit := j.job.OutputLimit
	if limit <= 0 {
		limit = DefaultOutputLimit
	}
	return timeout, limit
}

// command returns the path of the job's program and its environment, with
// extra variables and the token file's, if any.
func (j *jobRun) command(extra []string) (string, []string, error) {
	if j.job.Token != "" {
		extra = append(extra, EnvTokenFile+"="+filepath.Join(j.dir, tokenFile))
	}
	env := jobEnv(j.s.cfg.Env, j.dir, j.job.Env, extra)
	prog, err := lookPath(j.job.Command[0], envValue(env, "PATH"), j.dir)
	return prog, env, err
}

// outputPipes makes the stdout and stderr pipes: read ends, then write
// ends.
func outputPipes() (outR, errR, outW, errW *os.File, err error) {
	outR, outW, err = os.Pipe()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	errR, errW, err = os.Pipe()
	if err != nil {
		closeAll(outR, outW)
		return nil, nil, nil, nil, err
	}
	return outR, errR, outW, errW, nil
}

// running is a started main process whose outputs are being drained.
type running struct {
	cmd            *exec.Cmd
	start          time.Time
	stdout, stderr *capture
	outR, errR     *os.File
	pipesDone      chan struct{} // closed once both outputs reach EOF
	exited         chan time.Time
	exceeded       chan struct{} // closed when an output passes its limit
	timer          *time.Timer

	end     time.Time // when the main process exited; zero until then
	aborted bool      // the deadline, an output flood or ctx ended the run
}

// launch starts cmd, whose Stdout and Stderr are the write ends of outR
// and errR, under the job's data rlimit (memlimit.go), closes the write
// ends and the files in closeAfter (the child's ends of other pipes), and
// drains the outputs. On a start failure it records StartError, closes
// the read ends and returns nil.
func (j *jobRun) launch(cmd *exec.Cmd, outR, errR *os.File, closeAfter ...*os.File) *running {
	timeout, limit := j.limits()
	start := time.Now()
	note, err := startLimited(cmd, DataLimit(j.mem.cg.limit))
	if note != "" {
		j.anomalies = append(j.anomalies, note)
	}
	j.clock.lap(&j.phases.Start)
	closeAll(append(closeAfter, cmd.Stdout.(*os.File), cmd.Stderr.(*os.File))...)
	if err != nil {
		closeAll(outR, errR)
		j.rep.StartError = err.Error()
		return nil
	}
	j.rep.Started = true
	j.mainPID = cmd.Process.Pid

	r := &running{cmd: cmd, start: start, outR: outR, errR: errR,
		pipesDone: make(chan struct{}), exited: make(chan time.Time, 1),
		exceeded: make(chan struct{}), timer: time.NewTimer(timeout)}
	over := sync.OnceFunc(func() { close(r.exceeded) })
	r.stdout = &capture{limit: limit, over: over}
	r.stderr = &capture{limit: limit, over: over}
	var wg sync.WaitGroup
	wg.Go(func() { r.stdout.drain(outR) })
	wg.Go(func() { r.stderr.drain(errR) })
	go func() { wg.Wait(); close(r.pipesDone) }()
	go func() { _ = cmd.Wait(); r.exited <- time.Now() }()
	return r
}

// await waits for a line on lines (a nil channel: never), the main
// process's exit (r.end), the deadline (TimedOut), an output flood or the
// end of ctx (the last three set r.aborted). It returns the line and
// whether lines is still open, and got false for any other event.
func (j *jobRun) await(ctx context.Context, r *running, lines <-chan string) (line string, open, got bool) {
	select {
	case line, open = <-lines:
		return line, open, true
	case r.end = <-r.exited:
	case <-r.timer.C:
		j.rep.TimedOut, r.aborted = true, true
	case <-r.exceeded:
		r.aborted = true
	case <-ctx.Done():
		r.aborted = true
		j.anomalies = append(j.anomalies, "job canceled: "+ctx.Err().Error())
	}
	return "", false, false
}

// waitKilled waits for the main process to exit after its kill; what
// names it in the failure.
func (j *jobRun) waitKilled(r *running, what string) {
	select {
	case r.end = <-r.exited:
	case <-time.After(j.s.cfg.KillWait):
		j.fail(what + " did not exit after SIGKILL")
	}
}

// reap waits for the outputs' EOF once the job's processes are killed and
// closes the read ends; who names those processes in the failure.
func (j *jobRun) reap(r *running, who string) {
	select {
	case <-r.pipesDone:
	case <-time.After(j.s.cfg.KillWait):
		j.fail("output pipes still open after " + who + " processes were killed")
	}
	closeAll(r.outR, r.errR) // also ends a drain still blocked in read
	<-r.pipesDone
	j.clock.lap(&j.phases.Reap)
}

// report records the run's outputs, duration, resource use and exit code
// or signal.
func (j *jobRun) report(r *running) {
	r.timer.Stop()
	j.rep.Stdout, j.rep.StdoutTruncated = r.stdout.buf, r.stdout.truncated
	j.rep.Stderr, j.rep.StderrTruncated = r.stderr.buf, r.stderr.truncated
	j.rep.OutputExceeded = r.stdout.truncated || r.stderr.truncated
	for _, c := range []*capture{r.stdout, r.stderr} {
		if c.err != nil {
			j.anomalies = append(j.anomalies, "read job output: "+c.err.Error())
		}
	}
	if r.end.IsZero() {
		j.rep.Duration = time.Since(r.start)
		return
	}
	j.rep.Duration = r.end.Sub(r.start)
	j.mem.noteRusage(r.cmd.ProcessState)
	var ws syscall.WaitStatus
	ok := r.cmd.ProcessState != nil
	if ok {
		ws, ok = r.cmd.ProcessState.Sys().(syscall.WaitStatus)
	}
	switch {
	case !ok:
		j.fail("no wait status for the main process")
	case ws.Signaled():
		j.rep.Signal = int(ws.Signal())
	default:
		j.rep.ExitCode = ws.ExitStatus()
	}
}

// startFailed records a failure of the runner itself to start the job.
func (j *jobRun) startFailed(what string, err error) {
	j.fail(fmt.Sprintf("%s: %v", what, err))
	j.rep.StartError = "runner: " + err.Error()
}
