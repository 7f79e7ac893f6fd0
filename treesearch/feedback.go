package treesearch

import (
	"fmt"
	"strings"
)

// Test statuses in a TestResult.
const (
	TestPassed  = "passed"
	TestFailed  = "failed"  // the assert or the comparison was false
	TestError   = "error"   // the test raised something other than AssertionError
	TestTimeout = "timeout" // the test ran past its time limit
)

// Feedback is what became of one candidate on the visible tests.
type Feedback struct {
	// LoadError is set when the tests could not run: the code does not
	// compile, raised or timed out while loading, or the sandbox ended the
	// run (time or memory limit, an early exit, a crash). Every test then
	// counts as failed.
	LoadError string
	Tests     []TestResult
	Passed    int
	Total     int
	// TimedOut reports whether a test, the loading or the run hit a time
	// limit.
	TimedOut bool
}

// TestResult is the outcome of one visible test.
type TestResult struct {
	Assert string
	Status string // TestPassed, TestFailed, TestError or TestTimeout
	// Actual and Expected are the reprs of both sides of a failed
	// comparison (a Test with Call and Expected), each cut at 300 chars.
	Actual   string
	Expected string
	// Error is the exception's type and message with the candidate's own
	// traceback frames (TestError), the message of a failed assert, or why
	// the test did not run.
	Error string
	// Output is the first 2 KB of what the candidate printed in the test.
	Output string
}

// AllPassed reports whether there were tests and all of them passed.
func (f Feedback) AllPassed() bool { return f.Total > 0 && f.Passed == f.Total }

// Fraction is the share of tests passed, 0 when there are none.
func (f Feedback) Fraction() float64 {
	if f.Total == 0 {
		return 0
	}
	return float64(f.Passed) / float64(f.Total)
}

// Format renders the feedback for a model in plain ASCII: the load error
// if any, "Tests passed: P/T", then one entry per test, those that did not
// pass first, in test order otherwise. The text is at most max bytes
// (max <= 0: no cap); entries that do not fit are counted in a final
// "... (N more tests)" line.
func (f Feedback) Format(max int) string {
	var head strings.Builder
	if f.LoadError != "" {
		head.WriteString("Error before the tests ran:\n")
		head.WriteString(indent(strings.TrimRight(f.LoadError, "\n")))
		head.WriteString("\n")
	}
	fmt.Fprintf(&head, "Tests passed: %d/%d\n", f.Passed, f.Total)

	var entries []string
	for _, pass := range []bool{false, true} {
		for _, r := range f.Tests {
			if (r.Status == TestPassed) == pass {
				entries = append(entries, r.entry())
			}
		}
	}

	out := head.String()
	if max <= 0 {
		return out + strings.Join(entries, "")
	}
	if len(out) > max {
		return cutBytes(out, max)
	}
	for i, e := range entries {
		rest := len(entries) - i
		more := ""
		if rest > 1 {
			more = fmt.Sprintf("... (%d more tests)\n", rest-1)
		}
		// Take this entry only if the remainder's summary still fits after it.
		if len(out)+len(e)+len(more) <= max {
			out += e
			continue
		}
		trailer := fmt.Sprintf("... (%d more tests)\n", rest)
		if len(out)+len(trailer) <= max {
			out += trailer
		}
		break
	}
	return out
}

func (r TestResult) entry() string {
	var b strings.Builder
	switch r.Status {
	case TestPassed:
		b.WriteString("PASS ")
	case TestFailed:
		b.WriteString("FAIL ")
	case TestError:
		b.WriteString("ERROR ")
	case TestTimeout:
		b.WriteString("TIMEOUT ")
	default:
		b.WriteString(strings.ToUpper(r.Status) + " ")
	}
	b.WriteString(oneLine(r.Assert))
	var detail string
	switch {
	case r.Status == TestTimeout:
		detail = "time limit exceeded"
	case r.Status == TestFailed && (r.Actual != "" || r.Expected != ""):
		detail = "got " + r.Actual + ", expected " + r.Expected
	case r.Status != TestPassed && r.Error != "":
		detail = strings.TrimRight(r.Error, "\n")
	}
	if detail != "" {
		if strings.Contains(detail, "\n") {
			b.WriteString(" --\n" + indent(detail))
		} else {
			b.WriteString(" -- " + detail)
		}
	}
	b.WriteString("\n")
	if r.Status != TestPassed && r.Output != "" {
		b.WriteString("  printed:\n")
		b.WriteString(indent(indent(strings.TrimRight(r.Output, "\n"))))
		b.WriteString("\n")
	}
	return b.String()
}

func oneLine(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", " ")
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// cutBytes cuts s to at most n bytes without splitting a UTF-8 sequence.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
