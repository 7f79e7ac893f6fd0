package repo

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/treesearch"
)

func TestResultWriteText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		res       Result
		out, info []string
	}{
		{"passing, not applied", Result{Summary: "Changes 1 file(s).", Diff: "diff --git a/x b/x\n", Passed: true, Generations: 2, Tokens: 2140, UnpricedCalls: 2, Notes: []string{"dependencies: vendor/"}},
			[]string{"Changes 1 file(s).\n\ndiff --git a/x b/x\n"},
			[]string{"note: dependencies: vendor/\n", "not applied: rerun with --apply, or pipe the diff to git apply\n", "2 generations, 2,140 tokens, unknown (no price for 2 calls)\n"}},
		{"applied", Result{Summary: "S.", Diff: "d\n", Passed: true, Applied: []string{"a.go", "b.go"}, Cost: 0.01234},
			[]string{"S.\n\nd\n"}, []string{"applied to a.go, b.go\n", "0 generations, 0 tokens, $0.0123\n"}},
		{"nothing to fix", Result{Summary: "`go test ./...` passes: nothing to fix.", Passed: true, Status: StatusNothingToFix},
			[]string{"`go test ./...` passes: nothing to fix.\n"}, []string{"0 generations, 0 tokens, $0.0000\n"}},
	} {
		var out, info strings.Builder
		tc.res.WriteText(&out, &info)
		if got := out.String(); got != strings.Join(tc.out, "") {
			t.Errorf("%s: out %q, want %q", tc.name, got, strings.Join(tc.out, ""))
		}
		if got := info.String(); got != strings.Join(tc.info, "") {
			t.Errorf("%s: info %q, want %q", tc.name, got, strings.Join(tc.info, ""))
		}
	}
}

func TestResultWriteJSON(t *testing.T) {
	t.Parallel()
	res := &Result{Status: StatusPassed, Passed: true, Diff: "d", Files: []string{"a.go"}, Added: 1, Removed: 2, Node: 3,
		After: &Check{TestOutput: "ok"}, Tree: &treesearch.Tree{}, after: map[string][]byte{"a.go": nil}}
	var b strings.Builder
	if err := res.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(b.String()), &got); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]any{"status": "passed", "passed": true, "diff": "d", "lines_added": 1.0, "lines_removed": 2.0, "node": 3.0} {
		if got[key] != want {
			t.Errorf("%s = %v, want %v", key, got[key], want)
		}
	}
	for _, key := range []string{"summary", "files", "before", "after", "generations", "tokens", "cost_usd"} {
		if _, ok := got[key]; !ok {
			t.Errorf("no %s in %s", key, b.String())
		}
	}
	if len(got) != 13 || !strings.HasPrefix(b.String(), "{\n  \"status\"") {
		t.Errorf("%d keys (want 13: no tree, no applied or notes when empty):\n%s", len(got), b.String())
	}
}

func TestProgressString(t *testing.T) {
	t.Parallel()
	spend := agent.Tally{PromptTokens: 1000, CompletionTokens: 234, Cost: 0.5}
	for _, tc := range []struct {
		p    Progress
		want string
	}{
		{Progress{Stage: StageBaseline, Test: "go test ./..."}, "running the tests before any change: go test ./..."},
		{Progress{Stage: StageCandidate, Spend: spend, Node: treesearch.Node{ID: 2, Role: "debugger", Depth: 1,
			Feedback: &treesearch.Feedback{Passed: 1, Total: 2, LoadError: "the edits did not apply\nmore"}}},
			"candidate 2 (debugger, depth 1): checks 1/2 (the edits did not apply) · 1,234 tokens · $0.5000"},
		{Progress{Stage: StageCandidate, Spend: agent.Tally{UnpricedCalls: 1}, Node: treesearch.Node{ID: 0, Role: "solver", ModelError: "no edits\nin the reply"}},
			"candidate 0 (solver, depth 0): no change: no edits · 0 tokens · unknown (no price for 1 call)"},
		{Progress{Stage: StageDone}, ""},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.p.Stage, got, tc.want)
		}
	}
}
