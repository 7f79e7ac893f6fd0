package repo

import (
	"context"
	"strings"
	"testing"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch"
)

// scriptExec answers a run by calling out with the files it was given.
type scriptExec struct {
	calls int
	last  sandbox.Request
	out   func(files map[string][]byte, marker string) sandbox.Result
}

func (s *scriptExec) Run(_ context.Context, req sandbox.Request) (sandbox.Result, error) {
	s.calls++
	s.last = req
	return s.out(req.Files, req.Command[3]), nil
}

func calcBase() map[string][]byte {
	return map[string][]byte{"calc.go": []byte("package calc\n\nfunc Add(a, b int) int {\n\treturn a - b\n}\n")}
}

func TestTesterFeedback(t *testing.T) {
	t.Parallel()
	fixed := agent.FormatEdits([]agent.Edit{{Path: "calc.go", Search: "\treturn a - b\n", Replace: "\treturn a + b\n"}})
	ex := &scriptExec{out: func(files map[string][]byte, m string) sandbox.Result {
		if strings.Contains(string(files["calc.go"]), "a + b") {
			return sandbox.Result{Status: sandbox.StatusPassed, Stdout: "ok  \tx\t0.1s\n\n" + m + " test 0\n\n" + m + " lint 0\n"}
		}
		return sandbox.Result{Status: sandbox.StatusPassed, Stdout: "--- FAIL: TestAdd (0.00s)\n    calc_test.go:6: Add(1, 2) = -1, want 3\nFAIL\nFAIL\tx\t0.1s\n\n" +
			m + " test 1\n./calc.go:4:2: new finding\n\n" + m + " lint 1\n"}
	}}
	tr := &Tester{Exec: ex, Base: calcBase(), Lang: sandbox.LangGo, Commands: Commands{Test: "go test ./...", Lint: "go vet ./..."},
		LintBaseline: LintFindings("./calc.go:9:1: old finding\n")}

	fb, err := tr.Test(t.Context(), treesearch.Problem{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if fb.Passed != 0 || fb.Total != 2 || fb.Tests[0].Status != treesearch.TestFailed ||
		!strings.Contains(fb.Tests[0].Error, "Add(1, 2) = -1, want 3") || !strings.Contains(fb.Tests[1].Error, "calc.go: new finding") {
		t.Errorf("failing base: %+v", fb)
	}
	if ex.last.Lang != sandbox.LangGo || ex.last.Command[4] != "go test ./..." || ex.last.Command[5] != "go vet ./..." {
		t.Errorf("request %+v", ex.last)
	}

	fb, err = tr.Test(t.Context(), treesearch.Problem{}, fixed)
	if err != nil || !fb.AllPassed() || fb.Total != 2 {
		t.Errorf("fixed: %+v, %v", fb, err)
	}
	if c, ok := tr.Checked(fixed); !ok || !c.TestsPassed() || !strings.Contains(c.TestOutput, "ok  \tx") {
		t.Errorf("Checked(fixed) = %+v, %v; want the run Test made", c, ok)
	}
	if string(calcBase()["calc.go"]) != string(tr.Base["calc.go"]) {
		t.Errorf("Test changed Base")
	}

	// Edits that do not apply are feedback, and nothing runs.
	calls := ex.calls
	bad := agent.FormatEdits([]agent.Edit{{Path: "calc.go", Search: "\treturn a * b\n", Replace: "\treturn a + b\n"}})
	fb, err = tr.Test(t.Context(), treesearch.Problem{}, bad)
	if err != nil || fb.AllPassed() || !strings.Contains(fb.LoadError, "did not apply") || !strings.Contains(fb.LoadError, "calc.go") || ex.calls != calls {
		t.Errorf("edits that do not apply: %+v, %v, %d runs", fb, err, ex.calls-calls)
	}
	if _, ok := tr.Checked(bad); ok {
		t.Errorf("a check kept for edits that never ran")
	}
}

func TestTesterRunEndedEarly(t *testing.T) {
	t.Parallel()
	ex := &scriptExec{out: func(map[string][]byte, string) sandbox.Result {
		return sandbox.Result{Status: sandbox.StatusTimeLimit, Stdout: "=== RUN TestSlow\n"}
	}}
	tr := &Tester{Exec: ex, Base: calcBase(), Commands: Commands{Test: "go test ./..."}}
	fb, err := tr.Test(t.Context(), treesearch.Problem{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if fb.AllPassed() || !fb.TimedOut || fb.Tests[0].Status != treesearch.TestTimeout || !strings.Contains(fb.LoadError, "time") {
		t.Errorf("timed-out run: %+v", fb)
	}
}

// TestTesterNoTestsCollected: pytest's exit status 5 with "no tests ran"
// is nothing failing, like go test's "[no test files]".
func TestTesterNoTestsCollected(t *testing.T) {
	t.Parallel()
	ex := &scriptExec{out: func(_ map[string][]byte, m string) sandbox.Result {
		return sandbox.Result{Status: sandbox.StatusPassed, Stdout: "\nno tests ran in 0.01s\n\n" + m + " test 5\n"}
	}}
	tr := &Tester{Exec: ex, Base: calcBase(), Commands: Commands{Test: "python3 -m pytest -q"}}
	fb, err := tr.Test(t.Context(), treesearch.Problem{}, "")
	if err != nil || !fb.AllPassed() {
		t.Errorf("no tests collected: %+v, %v; want passed", fb, err)
	}
}
