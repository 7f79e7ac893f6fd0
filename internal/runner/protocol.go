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
	// FixedDir runs the job in the folder FixedDirName of the work folder
	// (FixedDirPath in a container) rather than in job-ID: the same path
	// for every such job, as a checkout has for its developer. The Go build
	// cache keys a package's compile by its folder's path, so only jobs in
	// one folder can reuse each other's entries for their own packages.
	// Jobs in the fixed folder must not overlap.
	FixedDir bool `json:"fixed_dir,omitempty"`
	// Export asks for the files the job leaves in the export folder
	// (ExportName in the work folder: ExportPath in a container). The
	// runner makes that folder empty, owned by the job's uid, before the
	// job; after the job's processes are killed and before its cleanup, it
	// sends every regular file directly in it as Chunk lines, ahead of the
	// Report, without following symbolic links. Jobs that export must not
	// overlap.
	Export bool `json:"export,omitempty"`
	// ExportMax caps the bytes exported; past it the runner stops and
	// sets Report.ExportTruncated. Zero or less means DefaultExportMax.
	ExportMax int64 `json:"export_max,omitempty"`
	// Samples, when positive, makes the job a batch of that many samples
	// (at most MaxSamples): Command is a zygote, started as root, that
	// runs each sample in a child switched to the sample's own uid, and
	// the runner kills and cleans up after each sample before the next
	// one starts (see batch.go).
	Samples int `json:"samples,omitempty"`
}

// FixedDirName is the folder of a Job with FixedDir in the runner's work
// folder, and FixedDirPath its path in a sandbox container.
const (
	FixedDirName = "src"
	FixedDirPath = "/tmp/" + FixedDirName
)

// ExportName is the export folder's name in the runner's work folder, and
// ExportPath its path in a sandbox container (see Job.Export).
const (
	ExportName = "codetree-export"
	ExportPath = "/tmp/" + ExportName
)

// DefaultExportMax is Job.ExportMax's default.
const DefaultExportMax = 1 << 30

// Chunk is a piece of a file that a job exported (Job.Export). A file's
// chunks come in order, on consecutive lines; the last has End set. An
// empty file is one chunk with no Data.
type Chunk struct {
	ID uint64 `json:"id"`
	// Name is the file's name in the export folder (one path element).
	Name string `json:"name"`
	Data []byte `json:"data,omitempty"`
	End  bool   `json:"end,omitempty"`
}

// Output is one line the runner writes after its Hello: a Chunk of an
// exported file when Chunk is set, otherwise a Report.
type Output struct {
	Report
	Chunk *Chunk `json:"chunk,omitempty"`
}

// chunkLine is how a Chunk goes on the wire: an Output with only Chunk.
type chunkLine struct {
	Chunk *Chunk `json:"chunk"`
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
	// MemoryExceeded: the container's memory reached its cgroup limit
	// during the job while the job held most of it (memlimit.go).
	MemoryExceeded bool `json:"memory_exceeded,omitempty"`

	Duration time.Duration `json:"duration"`

	// Clean is true when, after the job, no process of the job's uid is
	// left and its files are removed. A false value is an anomaly: the
	// harness recycles the container.
	Clean bool `json:"clean"`
	// Anomaly describes what went wrong in the runner itself, if anything.
	Anomaly string `json:"anomaly,omitempty"`
	// UID is the uid (and gid) the job ran as; 0 if it never got one.
	UID uint32 `json:"uid,omitempty"`

	// Exported counts the files sent as Chunks (Job.Export); Skipped
	// those left out (not regular files, unreadable); ExportTruncated is
	// set when Job.ExportMax stopped the export.
	Exported        int  `json:"exported,omitempty"`
	ExportSkipped   int  `json:"export_skipped,omitempty"`
	ExportTruncated bool `json:"export_truncated,omitempty"`

	// Phases is where the runner's time went (timing.go).
	Phases *Phases `json:"phases,omitempty"`
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
