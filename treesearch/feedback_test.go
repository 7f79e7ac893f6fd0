package treesearch

import (
	"slices"
	"strings"
	"testing"

	"github.com/codetree/codetree/sandbox"
)

func sampleFeedback() Feedback {
	return Feedback{
		Passed: 1,
		Total:  4,
		Tests: []TestResult{
			{Assert: "assert add(0, 0) == 0", Status: TestPassed, Output: "ignored\n"},
			{Assert: "assert add(1, 2) == 3", Status: TestFailed, Actual: "-1", Expected: "3", Output: "debug 1 2\n"},
			{Assert: "assert add(1, 'a') == 3", Status: TestError, Error: "Traceback (most recent call last):\n  File \"solution.py\", line 2, in add\nTypeError: bad operand"},
			{Assert: "assert slow()", Status: TestTimeout},
		},
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	want := "Tests passed: 1/4\n" +
		"FAIL assert add(1, 2) == 3 -- got -1, expected 3\n" +
		"  printed:\n" +
		"    debug 1 2\n" +
		"ERROR assert add(1, 'a') == 3 --\n" +
		"  Traceback (most recent call last):\n" +
		"    File \"solution.py\", line 2, in add\n" +
		"  TypeError: bad operand\n" +
		"TIMEOUT assert slow() -- time limit exceeded\n" +
		"PASS assert add(0, 0) == 0\n"
	if got := sampleFeedback().Format(0); got != want {
		t.Errorf("Format(0) =\n%s\nwant\n%s", got, want)
	}
}

func TestFormatLoadError(t *testing.T) {
	t.Parallel()
	f := notRun([]Test{{Assert: "assert f(1) == 2"}}, "  File \"solution.py\", line 1\n    def f(:\nSyntaxError: invalid syntax", false)
	want := "Error before the tests ran:\n" +
		"    File \"solution.py\", line 1\n" +
		"      def f(:\n" +
		"  SyntaxError: invalid syntax\n" +
		"Tests passed: 0/1\n" +
		"FAIL assert f(1) == 2 -- not run\n"
	if got := f.Format(1000); got != want {
		t.Errorf("Format =\n%s\nwant\n%s", got, want)
	}
}

func TestFormatCap(t *testing.T) {
	t.Parallel()
	f := sampleFeedback()
	full := f.Format(0)
	for _, tc := range []struct {
		max  int
		want string
	}{
		{max: len(full), want: full},
		{max: len(full) - 1, want: strings.TrimSuffix(full, "PASS assert add(0, 0) == 0\n") + "... (1 more tests)\n"},
		{max: 40, want: "Tests passed: 1/4\n... (4 more tests)\n"},
		{max: 10, want: "Tests pass"},
	} {
		got := f.Format(tc.max)
		if got != tc.want {
			t.Errorf("Format(%d) =\n%q\nwant\n%q", tc.max, got, tc.want)
		}
		if len(got) > tc.max {
			t.Errorf("Format(%d) is %d bytes", tc.max, len(got))
		}
	}
}

func TestFeedbackScore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f    Feedback
		all  bool
		frac float64
	}{
		{Feedback{}, false, 0},
		{Feedback{Passed: 1, Total: 4}, false, 0.25},
		{Feedback{Passed: 2, Total: 2}, true, 1},
	} {
		if got := tc.f.AllPassed(); got != tc.all {
			t.Errorf("%+v.AllPassed() = %v", tc.f, got)
		}
		if got := tc.f.Fraction(); got != tc.frac {
			t.Errorf("%+v.Fraction() = %v", tc.f, got)
		}
	}
}

var sampleFindings = []sandbox.Finding{
	{Tool: sandbox.ToolMypy, File: "solution.py", Line: 2, Column: 12, Severity: sandbox.SeverityError, Code: "arg-type",
		Message: "Argument 1 to \"f\" has incompatible type \"str\"; expected \"int\"\nSee the docs"},
	{Tool: sandbox.ToolPyflakes, File: "solution.py", Line: 3, Column: 16, Severity: sandbox.SeverityError, Message: "undefined name 'helper'"},
	{Tool: sandbox.ToolPyflakes, File: "solution.py", Line: 5, Column: 5, Severity: sandbox.SeverityWarning, Message: "local variable 'total' is assigned to but never used"},
}

const sampleFindingsText = "Static analysis:\n" +
	"line 2: Argument 1 to \"f\" has incompatible type \"str\"; expected \"int\"; See the docs (mypy arg-type)\n" +
	"line 3: undefined name 'helper' (pyflakes)\n" +
	"line 5: warning: local variable 'total' is assigned to but never used (pyflakes)\n"

func TestFormatFindings(t *testing.T) {
	t.Parallel()
	f := sampleFeedback()
	tests := f.Format(0)
	f.Findings = sampleFindings
	if got, want := f.Format(0), tests+sampleFindingsText; got != want {
		t.Errorf("Format(0) =\n%s\nwant\n%s", got, want)
	}
	// A load error and findings.
	lf := notRun([]Test{{Assert: "assert f(1) == 2"}}, "NameError: name 'helper' is not defined", false)
	lf.Findings = sampleFindings[1:2]
	want := "Error before the tests ran:\n" +
		"  NameError: name 'helper' is not defined\n" +
		"Tests passed: 0/1\n" +
		"FAIL assert f(1) == 2 -- not run\n" +
		"Static analysis:\n" +
		"line 3: undefined name 'helper' (pyflakes)\n"
	if got := lf.Format(1000); got != want {
		t.Errorf("Format =\n%s\nwant\n%s", got, want)
	}
}

func TestFormatFindingsCap(t *testing.T) {
	t.Parallel()
	f := sampleFeedback()
	f.Findings = sampleFindings
	full := f.Format(0)
	testsText := sampleFeedback().Format(0)
	first := "Static analysis:\n" + findingLine(sampleFindings[0])
	two := first + findingLine(sampleFindings[1])
	for _, tc := range []struct {
		name string
		max  int
		want string
	}{
		{"everything fits", len(full), full},
		{"one finding short", len(full) - 1, testsText + two + "... (1 more findings)\n"},
		{"the tests take what they need", len(testsText) + len(first) + len("... (2 more findings)\n"),
			testsText + first + "... (2 more findings)\n"},
		{"findings keep their first line", len(testsText),
			"Tests passed: 1/4\n" +
				"FAIL assert add(1, 2) == 3 -- got -1, expected 3\n" +
				"  printed:\n" +
				"    debug 1 2\n" +
				"... (3 more tests)\n" +
				two + "... (1 more findings)\n"},
		{"too small for a finding", 40, "Tests passed: 1/4\n... (4 more tests)\n"},
		{"tiny", 10, "Tests pass"},
	} {
		got := f.Format(tc.max)
		if got != tc.want {
			t.Errorf("%s: Format(%d) =\n%q\nwant\n%q", tc.name, tc.max, got, tc.want)
		}
	}
	// Every cap is honoured; once the head, the findings' heading, the
	// first finding and the count of the rest fit, they are there.
	reserve := len(first) + len("... (2 more findings)\n")
	for max := 1; max <= len(full)+10; max++ {
		got := f.Format(max)
		if len(got) > max {
			t.Fatalf("Format(%d) is %d bytes:\n%s", max, len(got), got)
		}
		if max > reserve+len("Tests passed: 1/4\n") && !strings.Contains(got, first) {
			t.Fatalf("Format(%d) lacks the first finding:\n%s", max, got)
		}
		for i := range len(got) {
			if got[i] > 0x7e || got[i] < 0x20 && got[i] != '\n' {
				t.Fatalf("Format(%d) has byte %#x", max, got[i])
			}
		}
	}
}

// TestFormatFindingsLongLoadError: the findings keep their line even when
// the load error alone would take the whole cap.
func TestFormatFindingsLongLoadError(t *testing.T) {
	t.Parallel()
	f := notRun([]Test{{Assert: "assert f(1) == 2"}}, strings.Repeat("x", 500), false)
	f.Findings = sampleFindings[1:2]
	got := f.Format(200)
	want := "\nStatic analysis:\nline 3: undefined name 'helper' (pyflakes)\n"
	if len(got) != 200 || !strings.HasPrefix(got, "Error before the tests ran:\n  xxx") || !strings.HasSuffix(got, want) {
		t.Errorf("Format(200) = %d bytes:\n%s", len(got), got)
	}
}

func TestFindingLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 400)
	for _, tc := range []struct {
		f    sandbox.Finding
		want string
	}{
		{sandbox.Finding{Tool: "pyflakes", Line: 3, Severity: "error", Message: "undefined name 'helper'"}, "line 3: undefined name 'helper' (pyflakes)\n"},
		{sandbox.Finding{Tool: "pyflakes", Line: 4, Severity: "warning", Message: "redefinition of unused 'x' from line 1"}, "line 4: warning: redefinition of unused 'x' from line 1 (pyflakes)\n"},
		{sandbox.Finding{Tool: "mypy", Line: 1, Severity: "error", Code: "return-value", Message: "Bad\n  note here\n"}, "line 1: Bad; note here (mypy return-value)\n"},
		{sandbox.Finding{Tool: "mypy", Severity: "error", Message: "whole file"}, "whole file (mypy)\n"},
		{sandbox.Finding{Tool: "mypy", Line: 2, Severity: "error", Message: long}, "line 2: " + long[:300] + "... (mypy)\n"},
	} {
		if got := findingLine(tc.f); got != tc.want {
			t.Errorf("findingLine(%+v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

func TestMergeFindings(t *testing.T) {
	t.Parallel()
	pf := func(line, col int, sev, msg string) sandbox.Finding {
		return sandbox.Finding{Tool: "pyflakes", File: "solution.py", Line: line, Column: col, Severity: sev, Message: msg}
	}
	mypy := func(line, col int, code, msg string) sandbox.Finding {
		return sandbox.Finding{Tool: "mypy", File: "solution.py", Line: line, Column: col, Severity: "error", Code: code, Message: msg}
	}
	lint := []sandbox.Finding{
		pf(1, 1, "warning", "'os' imported but unused"),
		pf(4, 5, "warning", "local variable 'x' is assigned to but never used"),
		pf(7, 12, "error", "undefined name 'helper'"),
	}
	analysis := []sandbox.Finding{
		mypy(7, 12, "name-defined", `Name "helper" is not defined`),             // pyflakes said it
		mypy(9, 3, "name-defined", `Name "other" is not defined`),               // pyflakes did not
		pf(4, 5, "warning", "local variable 'x' is assigned to but never used"), // the same again
		mypy(2, 1, "return-value", "Incompatible return value type"),
		{Tool: "mypy", File: "other.py", Line: 1, Severity: "error", Message: "not the candidate's"},
		{Tool: "mypy", Severity: "error", Message: "no file"},
	}
	got := mergeFindings(lint, analysis)
	want := []sandbox.Finding{
		mypy(2, 1, "return-value", "Incompatible return value type"),
		pf(7, 12, "error", "undefined name 'helper'"),
		mypy(9, 3, "name-defined", `Name "other" is not defined`),
		pf(4, 5, "warning", "local variable 'x' is assigned to but never used"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("mergeFindings =\n%v\nwant\n%v", got, want)
	}
}
