package treesearch

import (
	"strings"
	"testing"
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
