package treesearch

import (
	"fmt"
	"strings"

	"github.com/codetree/codetree/sandbox"
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
	// Findings are the static analyzers' complaints about the candidate's
	// code (solution.py): pyflakes', found in the test run itself, and
	// those of the Tester's Analyzer if any. They hold no syntax error
	// (LoadError has it) and no unused import (see keepFinding), and are
	// in feedback order: errors first, then warnings, each by line.
	Findings []sandbox.Finding `json:",omitempty"`
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

// Passes reports whether the candidate passes the visible tests: all of
// them, or, when there are none, it loaded without error (vacuously: only
// the Critic can then tell a candidate apart).
func (f Feedback) Passes() bool {
	return f.AllPassed() || f.Total == 0 && f.LoadError == ""
}

// Fraction is the share of tests passed, 0 when there are none.
func (f Feedback) Fraction() float64 {
	if f.Total == 0 {
		return 0
	}
	return float64(f.Passed) / float64(f.Total)
}

// Format renders the feedback for a model in plain ASCII: the load error
// if any, "Tests passed: P/T", then one entry per test, those that did not
// pass first, in test order otherwise; then, when there are findings, a
// "Static analysis:" section of one line each (see findingLine), in the
// order of Findings.
//
// The text is at most max bytes (max <= 0: no cap). The tests come first
// and the findings get the bytes they leave, except that room is kept for
// the section's heading and first finding when max allows. Entries that do
// not fit are counted in a "... (N more tests)" or "... (N more findings)"
// line.
func (f Feedback) Format(max int) string {
	var head strings.Builder
	if f.LoadError != "" {
		head.WriteString("Error before the tests ran:\n")
		head.WriteString(indent(strings.TrimRight(f.LoadError, "\n")))
		head.WriteString("\n")
	}
	fmt.Fprintf(&head, "Tests passed: %d/%d\n", f.Passed, f.Total)
	if f.Total == 0 && f.LoadError == "" {
		head.WriteString("(no visible tests: the code loads without error)\n")
	}

	var entries []string
	for _, pass := range []bool{false, true} {
		for _, r := range f.Tests {
			if (r.Status == TestPassed) == pass {
				entries = append(entries, r.entry())
			}
		}
	}
	lines := make([]string, len(f.Findings))
	for i, fd := range f.Findings {
		lines[i] = findingLine(fd)
	}

	out := head.String()
	if max <= 0 {
		out += strings.Join(entries, "")
		if len(lines) > 0 {
			out += findingsHeading + strings.Join(lines, "")
		}
		return out
	}

	// Room for the findings' heading, first line and count of the rest.
	reserve := 0
	if len(lines) > 0 {
		reserve = len(findingsHeading) + len(lines[0])
		if len(lines) > 1 {
			reserve += len(moreFindings(len(lines) - 1))
		}
		if reserve >= max {
			reserve = 0 // too small a cap: the tests take it all
		}
	}
	budget := max - reserve
	switch {
	case len(out) <= budget:
		out = fitEntries(out, entries, budget, moreTests)
	case reserve > 0:
		out = cutBytes(out, budget-1) + "\n"
	default:
		return cutBytes(out, max)
	}
	if len(lines) > 0 && len(out)+len(findingsHeading)+len(moreFindings(len(lines))) <= max {
		out = fitEntries(out+findingsHeading, lines, max, moreFindings)
	}
	return out
}

const findingsHeading = "Static analysis:\n"

func moreTests(n int) string    { return fmt.Sprintf("... (%d more tests)\n", n) }
func moreFindings(n int) string { return fmt.Sprintf("... (%d more findings)\n", n) }

// fitEntries appends to out, in order, the entries that fit in max bytes
// together with a more(n) line counting the n entries left out, taking an
// entry only if that count still fits after it.
func fitEntries(out string, entries []string, max int, more func(int) string) string {
	for i, e := range entries {
		rest := len(entries) - i
		tail := ""
		if rest > 1 {
			tail = more(rest - 1)
		}
		if len(out)+len(e)+len(tail) <= max {
			out += e
			continue
		}
		if t := more(rest); len(out)+len(t) <= max {
			out += t
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
