package pipeline

import (
	"strings"
	"testing"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/internal/testlog"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch/repo"
)

// TestJudgeReproduction: a reproduction is kept only when its new tests
// ran and one failed; a test that passes, or did not run (a build or
// collection error), is refused with the reason.
func TestJudgeReproduction(t *testing.T) {
	t.Parallel()
	base := map[string][]byte{"a_test.go": []byte("package a\n\nfunc TestOld(t *testing.T) {}\n")}
	with := map[string][]byte{"a_test.go": []byte("package a\n\nfunc TestOld(t *testing.T) {}\n\nfunc TestNew(t *testing.T) {}\n")}
	r := &run{lang: sandbox.LangGo, opts: Options{Solve: repo.Options{Snapshot: &repo.Snapshot{Files: base}}}}
	for _, tt := range []struct {
		name string
		sts  map[string]testlog.Status
		want string // "" kept
	}{
		{"fails", map[string]testlog.Status{"TestNew": testlog.Failed}, ""},
		{"passes", map[string]testlog.Status{"TestNew": testlog.Passed}, "passes on the current code"},
		{"did not build", map[string]testlog.Status{}, "did not run"},
	} {
		rep := &Reproduction{Files: []string{"a_test.go"}, Tests: []string{"TestNew"}, files: with}
		got, why, err := r.judgeReproduction(rep, tt.sts, "output")
		switch {
		case err != nil:
			t.Fatal(err)
		case tt.want == "" && (got == nil || got.Before != "output" || got.IDs[0] != "TestNew"):
			t.Errorf("%s: %+v, %q; want it kept", tt.name, got, why)
		case tt.want != "" && (got != nil || !strings.Contains(why, tt.want)):
			t.Errorf("%s: %+v, %q; want refused with %q", tt.name, got, why, tt.want)
		}
	}
}

// TestReproductionOnlyInTests: blocks that edit code are refused before
// anything runs.
func TestReproductionOnlyInTests(t *testing.T) {
	t.Parallel()
	r := &run{lang: sandbox.LangPython, opts: Options{Solve: repo.Options{Snapshot: &repo.Snapshot{Files: map[string][]byte{}}}}}
	got, why, err := r.tryReproduction(t.Context(), []agent.Edit{{Path: "calc/core.py", Replace: "x = 1\n"}})
	if err != nil || got != nil || !strings.Contains(why, "calc/core.py is not a test file") {
		t.Errorf("got %+v, %q, %v", got, why, err)
	}
}
