package repo

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCounts(t *testing.T) {
	t.Parallel()
	goFail := "--- FAIL: TestAdd (0.00s)\n    calc_test.go:8: Add(1, 2) = -1, want 3\nFAIL\nFAIL\texample.com/calc\t0.003s\nok  \texample.com/calc/util\t0.002s\nFAIL\n"
	for _, tc := range []struct {
		name string
		out  string
		exit int
		want counts
	}{
		{"go failing test", goFail, 1, counts{passed: 1, failed: 1, failing: []string{"TestAdd"}}},
		{"go all ok", "ok  \texample.com/a\t0.1s\nok  \texample.com/b\t(cached)\n?   \texample.com/c\t[no test files]\n", 0, counts{passed: 2}},
		{"go build failure", "# example.com/calc\n./calc.go:3:9: undefined: helper\nFAIL\texample.com/calc [build failed]\nFAIL\n", 1, counts{failed: 1}},
		{"pytest", "..F.\n=== FAILURES ===\nFAILED tests/test_calc.py::test_add - assert -1 == 3\n1 failed, 3 passed in 0.05s\n", 1, counts{passed: 3, failed: 1, failing: []string{"tests/test_calc.py::test_add"}}},
		{"pytest errors", "ERROR tests/test_x.py\n1 passed, 2 errors in 0.1s\n", 1, counts{passed: 1, failed: 2, failing: []string{"tests/test_x.py"}}},
		{"unknown tool, failure", "boom\n", 2, counts{failed: 1}},
		{"unknown tool, success", "all good\n", 0, counts{passed: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseCounts(tc.out, tc.exit)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(counts{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestExcerptDropsPassingNoiseAndCuts(t *testing.T) {
	t.Parallel()
	out := "=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n--- FAIL: TestB (0.00s)\n    b_test.go:9: wrong\nok  \tx/y\t0.1s\n?   \tx/z\t[no test files]\nFAIL\n"
	if got, want := Excerpt(out, 0), "--- FAIL: TestB (0.00s)\n    b_test.go:9: wrong\nFAIL"; got != want {
		t.Errorf("Excerpt = %q, want %q", got, want)
	}
	long := strings.Repeat("a", 600) + strings.Repeat("z", 600)
	got := Excerpt(long, 300)
	if !strings.HasPrefix(got, "aaaa") || !strings.HasSuffix(got, "zzzz") || !strings.Contains(got, "bytes left out") || len(got) > 350 {
		t.Errorf("Excerpt of 1200 bytes at 300 = %d bytes: %q", len(got), got)
	}
}

func TestNewFindingsIgnoresMovedLines(t *testing.T) {
	t.Parallel()
	before := "# example.com/calc\n./calc.go:10:2: unreachable code\n"
	after := "# example.com/calc\n./calc.go:14:2: unreachable code\n./calc.go:20:5: fmt.Printf format %d has arg s of wrong type string\n"
	got := NewFindings(after, LintFindings(before))
	want := []string{"calc.go: fmt.Printf format %d has arg s of wrong type string"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("new findings (-want +got):\n%s", diff)
	}
}

func TestSplitCheck(t *testing.T) {
	t.Parallel()
	m := "CODETREE-x"
	out := "ok  \tpkg\t0.1s\n\n" + m + " test 0\n./a.go:3:1: bad\n\n" + m + " lint 1\n"
	c := splitCheck(out, m, true)
	want := Check{TestExit: 0, TestOutput: "ok  \tpkg\t0.1s", LintExit: 1, LintOutput: "./a.go:3:1: bad"}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	c = splitCheck("building...\n", m, true)
	if c.TestExit != -1 || c.Ended == "" || c.TestOutput != "building..." {
		t.Errorf("cut run: %+v", c)
	}
	c = splitCheck("fine\n\n"+m+" test 3\n", m, false)
	if c.TestExit != 3 || c.LintExit != 0 || c.Ended != "" {
		t.Errorf("no lint: %+v", c)
	}
}
