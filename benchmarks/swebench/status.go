package swebench

import "github.com/codetree/codetree/internal/testlog"

// Status is the outcome of one test in one run (see testlog.Status).
type Status = testlog.Status

// Test statuses, as testlog has them.
const (
	StatusInvalid = testlog.StatusInvalid
	Passed        = testlog.Passed
	Failed        = testlog.Failed
	Skipped       = testlog.Skipped
	Error         = testlog.Error
)

// ParseGoTest is testlog.ParseGoTest: the status of every test with a
// result line in `go test -v` output.
func ParseGoTest(output string) map[string]Status { return testlog.ParseGoTest(output) }

// ParsePytest is testlog.ParsePytest: test statuses from `pytest -rA`
// output, keyed by node id.
func ParsePytest(output string) map[string]Status { return testlog.ParsePytest(output) }
