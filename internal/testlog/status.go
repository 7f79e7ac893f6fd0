package testlog

// Status is the outcome of one test in one run. The zero value is invalid.
type Status int

// Test statuses. Expected failures (pytest XFAIL) and unexpected passes of a
// non-strict xfail (XPASS) are Passed: pytest counts neither as a failure,
// and SWE-bench counts XFAIL as passed.
const (
	StatusInvalid Status = iota
	Passed
	Failed
	Skipped
	Error
)

// String returns the upper-case name SWE-bench's logs use.
func (s Status) String() string {
	switch s {
	case Passed:
		return "PASSED"
	case Failed:
		return "FAILED"
	case Skipped:
		return "SKIPPED"
	case Error:
		return "ERROR"
	default:
		return "INVALID"
	}
}

// severity orders statuses for a test reported more than once (two packages
// with the same test name, -count=2): the worst report wins.
func (s Status) severity() int {
	switch s {
	case Error:
		return 4
	case Failed:
		return 3
	case Passed:
		return 2
	case Skipped:
		return 1
	default:
		return 0
	}
}

// record sets name's status in m unless a worse status is already there.
func record(m map[string]Status, name string, s Status) {
	if old, ok := m[name]; ok && old.severity() >= s.severity() {
		return
	}
	m[name] = s
}
