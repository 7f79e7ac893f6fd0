package runner

import "time"

// ArgRunner is the first argument that turns a codetree binary (or a test
// binary that calls MaybeMain) into the in-container runner.
const ArgRunner = "__codetree-runner"

// MountPath is where the harness bind-mounts the runner binary, read-only,
// inside every sandbox container.
const MountPath = "/.codetree/runner"

// EnvTokenFile names the environment variable through which a job that asked
// for a pass token learns the path of the file holding it. The test driver
// reads the file, deletes it, runs the program under test, and prints the
// token as its last line of standard output after the last assertion.
const EnvTokenFile = "CODETREE_TOKEN_FILE"

// Job is one program run. The harness writes it as one JSON line on the
// runner's standard input.
type Job struct {
	// ID is echoed in the Report so that the harness can match them.
	ID uint64 `json:"id"`
	// Files are written into the job's fresh working directory before the
	// command starts. Keys are slash-separated relative paths.
	Files map[string][]byte `json:"files,omitempty"`
	// Command is the argv to run; Command[0] is looked up in PATH.
	Command []string `json:"command"`
	// Env holds extra KEY=VALUE pairs appended to the job's environment:
	// the runner's own (the container's, set by the harness; never the
	// host's) with HOME, TMPDIR and PWD set to the job's folder. Later
	// entries win; PATH from here is the one Command[0] is looked up in.
	Env []string `json:"env,omitempty"`
	// Timeout is the wall-clock limit of the run, enforced with SIGKILL.
	// Zero or less means DefaultTimeout.
	Timeout time.Duration `json:"timeout"`
	// OutputLimit caps each of stdout and stderr in bytes; a program that
	// writes more is killed and reported with OutputExceeded. Zero or less
	// means DefaultOutputLimit.
	OutputLimit int64 `json:"output_limit"`
	// Token, when set, is written to a file named by EnvTokenFile.
	Token string `json:"token,omitempty"`
}

// Report is the runner's answer to one Job: one JSON line on its stdout.
type Report struct {
	ID uint64 `json:"id"`
	// Started is false when the command could not be started at all
	// (not found, not executable); StartError then says why.
	Started    bool   `json:"started"`
	StartError string `json:"start_error,omitempty"`
	// ExitCode is the main process's exit status, or -1 if a signal ended it.
	ExitCode int `json:"exit_code"`
	// Signal is the signal that ended the main process, 0 if it exited.
	Signal int `json:"signal,omitempty"`

	Stdout          []byte `json:"stdout,omitempty"`
	Stderr          []byte `json:"stderr,omitempty"`
	StdoutTruncated bool   `json:"stdout_truncated,omitempty"`
	StderrTruncated bool   `json:"stderr_truncated,omitempty"`

	// TimedOut: the runner killed the job at its deadline.
	TimedOut bool `json:"timed_out,omitempty"`
	// OutputExceeded: the runner killed the job for writing past OutputLimit.
	OutputExceeded bool `json:"output_exceeded,omitempty"`
	// OOMKilled: the kernel's OOM killer ended a process during the job.
	OOMKilled bool `json:"oom_killed,omitempty"`

	Duration time.Duration `json:"duration"`

	// Clean is true when, after the job, no process of the job's uid is
	// left and its files are removed. A false value is an anomaly: the
	// harness recycles the container.
	Clean bool `json:"clean"`
	// Anomaly describes what went wrong in the runner itself, if anything.
	Anomaly string `json:"anomaly,omitempty"`
	// UID is the uid (and gid) the job ran as; 0 if it never got one.
	UID uint32 `json:"uid,omitempty"`
}

// Hello is the first line the runner writes when it is ready for jobs.
type Hello struct {
	Ready   bool   `json:"ready"`
	Version string `json:"version"`
	// Missing lists the probed commands (runner flag -need) not found in PATH.
	Missing []string `json:"missing,omitempty"`
	// Reason says why the runner is not ready; empty when Ready.
	Reason string `json:"reason,omitempty"`
	// OOMFile is the cgroup file the runner reads the OOM kill counter
	// from; empty when it found none and cannot report OOMKilled.
	OOMFile string `json:"oom_file,omitempty"`
}
