package sandbox

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"
)

// Runner runs one program and returns its verdict, under the contract of
// Sandbox.Run: a program's failure is a Result, an error means the runtime
// or the harness failed. It is all that consumers need to run code
// (treesearch's testers, benchmarks' Evaluator, Analyze); *Sandbox, the
// Docker runtime, implements it, and another runtime would too.
type Runner interface {
	Run(ctx context.Context, req Request) (Result, error)
}

var _ Runner = (*Sandbox)(nil)

// Request is one program run.
type Request struct {
	// Lang selects the default image and the command the image must have
	// (python3 for Python, go for Go).
	Lang Lang
	// Image overrides the image chosen for Lang.
	Image string
	// Files are written into the run's fresh, writable working directory.
	// Keys are slash-separated relative paths without "..".
	Files map[string][]byte
	// Command is the argv, run in the working directory; Command[0] is
	// looked up in the image's PATH.
	Command []string
	// Env holds extra KEY=VALUE pairs. The host environment never enters a
	// sandbox; only the image's own environment and these pairs do.
	Env []string
	// Limits bound the run; zero fields take DefaultLimits.
	Limits Limits
	// Mounts are host folders made visible read-only in the container,
	// such as a Go module cache (see Mount). In pool mode, runs share a
	// container only when their mounts are the same.
	Mounts []Mount
	// FixedDir runs the program in FixedDir rather than in a folder named
	// after the run: the same path in every run that sets it, so that the
	// Go build cache entries of a repository's own packages (keyed by
	// their folder's path) serve from one run to the next.
	FixedDir bool
	// Export, when set, hands the Go build cache entries the job leaves in
	// ExportDir back to a host folder, checked (see Export): how a run's
	// cache reaches later runs, which read it through a read-only Mount.
	Export *Export
	// PassToken asks for a per-run random token: the program finds its path
	// in $CODETREE_TOKEN_FILE and must print it as the last line of stdout
	// to pass. A program that exits 0 early (os._exit(0) before the
	// asserts) cannot pass. See PythonDriver.
	PassToken bool
	// Samples, when positive, runs Command as a batch zygote: a trusted
	// program started as root in the container that runs each of that
	// many untrusted samples in a child switched to the sample's own uid,
	// with the runner killing and cleaning up after each sample before
	// the next (see internal/runner/batch.go; benchmarks' harness.py is
	// one). Never for a command that is not trusted.
	Samples int
}

// Result is what became of a run. Every program outcome, including a
// crash, a timeout or an output flood, is a Result; only failures of Docker
// or of the harness are errors.
type Result struct {
	Status Status `json:"status"`
	// ExitCode is the program's exit status, -1 when a signal ended it.
	ExitCode int `json:"exit_code"`
	// Signal is the signal that ended the program, 0 if it exited.
	Signal          int           `json:"signal,omitempty"`
	Stdout          string        `json:"stdout"`
	Stderr          string        `json:"stderr"`
	StdoutTruncated bool          `json:"stdout_truncated,omitempty"`
	StderrTruncated bool          `json:"stderr_truncated,omitempty"`
	Duration        time.Duration `json:"-"`
	// Detail explains a verdict that the exit code does not (the start
	// error, the sandbox anomaly, the missing pass token).
	Detail string `json:"detail,omitempty"`
	// Export is what became of Request.Export; nil without one.
	Export *ExportResult `json:"export,omitempty"`
}

// Truncated reports whether either output stream was cut.
func (r Result) Truncated() bool { return r.StdoutTruncated || r.StderrTruncated }

// Passed reports whether the run passed.
func (r Result) Passed() bool { return r.Status == StatusPassed }

func (r Request) validate() error {
	if len(r.Command) == 0 || r.Command[0] == "" {
		return fmt.Errorf("sandbox request: empty command")
	}
	for name := range r.Files {
		if err := checkRelPath(name); err != nil {
			return fmt.Errorf("sandbox request: file %q: %w", name, err)
		}
	}
	for _, kv := range r.Env {
		if !strings.Contains(kv, "=") {
			return fmt.Errorf("sandbox request: env entry %q is not KEY=VALUE", kv)
		}
	}
	if err := validateMounts(r.Mounts); err != nil {
		return err
	}
	if err := r.Export.validate(); err != nil {
		return err
	}
	return r.Limits.Validate()
}

func checkRelPath(name string) error {
	switch {
	case name == "" || strings.HasPrefix(name, "/"):
		return fmt.Errorf("want a relative path")
	case path.Clean(name) != name || name == "." || strings.HasPrefix(name, "../") || name == "..":
		return fmt.Errorf("want a clean path inside the working directory")
	}
	return nil
}
