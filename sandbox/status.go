package sandbox

import "fmt"

// Status is the verdict of one run. The zero value is invalid so that a
// forgotten assignment never reads as a pass.
type Status int

const (
	StatusInvalid Status = iota
	// StatusPassed: the program exited 0 and, when the run asked for a
	// pass token, printed it as its last line of standard output.
	StatusPassed
	// StatusFailed: the program ended by itself without passing: a non-zero
	// exit code (a failed assertion, an uncaught exception, a compile
	// error), or exit 0 without the required pass token.
	StatusFailed
	// StatusRuntimeError: a signal the harness did not send ended the
	// program (segmentation fault, abort, a kill it sent itself), or its
	// command could not be started.
	StatusRuntimeError
	// StatusTimeLimit: the program was killed at its deadline.
	StatusTimeLimit
	// StatusMemoryLimit: the run's memory reached its limit, whatever
	// ended it: the kernel's OOM killer fired; or the container's cgroup
	// hit its limit while the job held at least 3/4 of it, and the
	// program did not exit 0 (one thrashing at the limit until its
	// deadline included); or the program failed reporting that an
	// allocation failed (Python's MemoryError as the last line of its
	// traceback, Go's "fatal error: runtime: out of memory", Java's
	// OutOfMemoryError, std::bad_alloc). For a fast verdict every process
	// of a job starts with a soft RLIMIT_DATA of the limit less an eighth
	// (at least 64MiB) when the limit is 256MiB or more, so that an
	// allocation past it fails at once rather than thrashing at the cgroup
	// limit, which stays the hard stop. RLIMIT_DATA, unlike RLIMIT_AS,
	// does not count the address space that Go's runtime or the JVM
	// reserve without using, so go build and go test run under it.
	StatusMemoryLimit
	// StatusOutputLimit: the program wrote more than the output limit.
	StatusOutputLimit
	// StatusInternalError: the sandbox itself misbehaved during the run;
	// the program's outcome is unknown. Callers may retry it.
	StatusInternalError
)

var statusNames = [...]string{
	StatusInvalid:       "invalid",
	StatusPassed:        "passed",
	StatusFailed:        "failed",
	StatusRuntimeError:  "runtime_error",
	StatusTimeLimit:     "time_limit",
	StatusMemoryLimit:   "memory_limit",
	StatusOutputLimit:   "output_limit",
	StatusInternalError: "internal_error",
}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return statusNames[s]
}

// MarshalText writes the status by name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a status written by MarshalText.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if n == string(b) {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("unknown sandbox status %q", b)
}
