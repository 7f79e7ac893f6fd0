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
	// StatusMemoryLimit: the kernel's OOM killer ended the program.
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
