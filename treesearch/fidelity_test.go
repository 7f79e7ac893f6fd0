package treesearch

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/agent"
)

// promptOf joins the messages of a recorded request.
func promptOf(req agent.Request) string {
	var b strings.Builder
	for _, m := range req.Messages {
		b.WriteString(m.Content)
		b.WriteString("\n")
	}
	return b.String()
}

// partialTests passes, of each candidate, as many visible tests as the
// first of its markers found in the code says; others fail every test.
type partialTests struct{ passed map[string]int }

func (f partialTests) Test(_ context.Context, p Problem, code string) (Feedback, error) {
	fb := Feedback{Total: len(p.Tests)}
	for marker, n := range f.passed {
		if strings.Contains(code, marker) {
			fb.Passed = min(n, fb.Total)
			break
		}
	}
	for i, t := range p.Tests {
		tr := TestResult{Assert: t.Assert, Status: TestFailed, Actual: "-1", Expected: t.Expected}
		if i < fb.Passed {
			tr.Status, tr.Actual = TestPassed, t.Expected
		}
		fb.Tests = append(fb.Tests, tr)
	}
	return fb, nil
}

// TestCriticReviewReachesRepair: the Critic's reason for rejecting a
// candidate that passes the visible tests, and its analysis behind a low
// score, reach the Thinker's reflection prompt and the Debugger's prompt.
func TestCriticReviewReachesRepair(t *testing.T) {
	t.Parallel()
	const rejection = "add(-0.0, 0.0) keeps the sign of zero wrongly"
	const analysis = "Every result is off by exactly one"
	m := &scriptedModel{replies: []string{
		"1. Add the operands.\n2. Count up.",
		code("a + b"), "The visible tests pass, but " + rejection + ".\nFalse",
		code("a - b"), analysis + ".\nScore: 1",
		"1. Normalise the zero.",
		code("a + b + 0.0"), "Nothing is hard-coded.\nTrue",
	}}
	tree, err := CodeTree{Env: Env{Model: m, Tests: &fakeTests{}, Budget: 20}}.Search(t.Context(), addProblem)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tree.Nodes[0].Review, rejection) || tree.Nodes[0].Verified == nil || *tree.Nodes[0].Verified {
		t.Errorf("node 0: review %q, verified %v; want the rejection kept", tree.Nodes[0].Review, tree.Nodes[0].Verified)
	}
	if !strings.Contains(tree.Nodes[1].Review, analysis) {
		t.Errorf("node 1 review %q, want the score's analysis", tree.Nodes[1].Review)
	}
	reflect, debug := promptOf(m.reqs[5]), promptOf(m.reqs[6])
	if m.reqs[5].Role != agent.RoleThinker || m.reqs[6].Role != agent.RoleDebugger {
		t.Fatalf("requests 5 and 6 are %s and %s, want the reflection and the repair", m.reqs[5].Role, m.reqs[6].Role)
	}
	for name, p := range map[string]string{"reflection": reflect, "repair": debug} {
		if !strings.Contains(p, rejection) {
			t.Errorf("the %s prompt lacks the Critic's reason %q:\n%s", name, rejection, p)
		}
	}
	if tree.Chosen != 2 || tree.Accepted != AcceptedByCritic {
		t.Errorf("chosen %d accepted %q, want node 2 by verification", tree.Chosen, tree.Accepted)
	}
}

// TestCriticScoreAnalysisReachesRepair: a failing candidate's score
// analysis is in its reflection prompt.
func TestCriticScoreAnalysisReachesRepair(t *testing.T) {
	t.Parallel()
	const analysis = "The sign is flipped on every case"
	m := &scriptedModel{replies: []string{
		"1. Subtract.",
		code("a - b"), analysis + ".\nScore: 3",
		"1. Add instead.",
		code("a + b"), "True",
	}}
	if _, err := (CodeTree{Env: Env{Model: m, Tests: &fakeTests{}, Budget: 20}}).Search(t.Context(), addProblem); err != nil {
		t.Fatal(err)
	}
	if p := promptOf(m.reqs[3]); !strings.Contains(p, analysis) {
		t.Errorf("the reflection prompt lacks the score's analysis:\n%s", p)
	}
}

// TestDuplicatesAreNotJudgedOrExpanded: repairs that repeat earlier code
// cost their generation but get no Critic call and no children; the other
// strategy gets the turn.
func TestDuplicatesAreNotJudgedOrExpanded(t *testing.T) {
	t.Parallel()
	m := &scriptedModel{replies: []string{
		"1. Subtract.\n2. Multiply.",
		code("a - b"), "Score: 3",
		code("a * b"), "Score: 2",
		"1. Swap.\n2. Negate.",
		code("a - b"), // a copy of node 0
		code("a - b") + "\n\n",
		"1. Add.",
		code("a + b"), "True",
	}}
	tree, err := CodeTree{Env: Env{Model: m, Tests: &fakeTests{}, Budget: 20}}.Search(t.Context(), addProblem)
	if err != nil {
		t.Fatal(err)
	}
	want := []agent.Role{
		agent.RoleThinker, agent.RoleSolver, agent.RoleCritic, agent.RoleSolver, agent.RoleCritic,
		agent.RoleThinker, agent.RoleDebugger, agent.RoleDebugger,
		agent.RoleThinker, agent.RoleDebugger, agent.RoleCritic,
	}
	if diff := cmp.Diff(want, roles(m)); diff != "" {
		t.Errorf("call order (-want +got):\n%s", diff)
	}
	for _, id := range []int{2, 3} {
		n := tree.Nodes[id]
		if !n.Duplicate || n.CriticScore != nil || n.Aborted {
			t.Errorf("node %d: duplicate %v, critic %v, aborted %v; want a duplicate, not judged", id, n.Duplicate, n.CriticScore, n.Aborted)
		}
	}
	if n := tree.Nodes[4]; n.Parent != 1 || tree.Chosen != 4 {
		t.Errorf("node 4's parent %d, chosen %d; want the other strategy refined and accepted", n.Parent, tree.Chosen)
	}
	if tree.Generations != 5 || tree.Distinct() != 3 || tree.Duplicates() != 2 {
		t.Errorf("%d generations, %d distinct, %d duplicates; want 5, 3, 2", tree.Generations, tree.Distinct(), tree.Duplicates())
	}
}

// TestDepthAndWidth: the default depth is three levels (a Solver's
// candidate and two levels of repairs), Depth and Width set them, and the
// Thinker is asked for at most Width strategies.
func TestDepthAndWidth(t *testing.T) {
	t.Parallel()
	chain := func(n int) []string {
		// Score 5 everywhere: no level is aborted for doing no better
		// than its parent (a score below the level would be).
		replies := []string{"1. Subtract.\n2. Multiply.\n3. Divide.", code("a - b"), "Score: 5"}
		for i := 0; i < n; i++ {
			replies = append(replies, "1. Try again.\n2. Or this.", code("a - b - "+string(rune('0'+i+1))), "Score: 5")
		}
		return replies
	}
	for _, tc := range []struct {
		name          string
		width, depth  int
		replies       []string
		generations   int
		maxStrategies string
	}{
		{"defaults: three levels", 1, 0, chain(5), 3, "at most 1"},
		{"depth 2", 1, 2, chain(5), 2, "at most 1"},
		{"depth 5", 1, 5, chain(5), 5, "at most 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &scriptedModel{replies: tc.replies}
			tree, err := CodeTree{Env: Env{Model: m, Tests: &fakeTests{}, Budget: 20}, Width: tc.width, Depth: tc.depth}.Search(t.Context(), addProblem)
			if err != nil {
				t.Fatal(err)
			}
			if tree.Generations != tc.generations {
				t.Errorf("%d generations, want %d (one chain of that depth)", tree.Generations, tc.generations)
			}
			if p := promptOf(m.reqs[0]); !strings.Contains(p, tc.maxStrategies) {
				t.Errorf("the strategies prompt does not say %q:\n%s", tc.maxStrategies, p)
			}
		})
	}
	if w, d := (CodeTree{}).Shape(); w != 10 || d != 3 {
		t.Errorf("codetree's default shape %d x %d, want the released agent's 10 x 3", w, d)
	}
	if w, d := (CodeTree{Order: BreadthFirst}).Shape(); w != 3 || d != 4 {
		t.Errorf("codetree-bfs's default shape %d x %d, want bfs.py's 3 x 4", w, d)
	}
}

// TestAblationOrder: BFS refines the strategies' candidates by value and
// DFS goes down the best child first, the first one on ties (bfs.py,
// dfs_real.py).
func TestAblationOrder(t *testing.T) {
	t.Parallel()
	tests := partialTests{passed: map[string]int{"a * b": 1, "b - a": 1, "a + b": 2}}
	t.Run("bfs ranks by value", func(t *testing.T) {
		t.Parallel()
		m := &scriptedModel{replies: []string{"1. Subtract.\n2. Multiply.", code("a - b"), code("a * b"), "1. Use +.", code("a + b")}}
		tree, err := CodeTree{Env: Env{Model: m, Tests: tests, Budget: 20}, Order: BreadthFirst}.Search(t.Context(), addProblem)
		if err != nil {
			t.Fatal(err)
		}
		if tree.Nodes[2].Parent != 1 || tree.Accepted != AcceptedByTests {
			t.Errorf("node 2's parent %d (accepted %q): want the better strategy (node 1) refined first", tree.Nodes[2].Parent, tree.Accepted)
		}
	})
	t.Run("dfs takes the first strategy on ties", func(t *testing.T) {
		t.Parallel()
		m := &scriptedModel{replies: []string{"1. Subtract.\n2. Divide.", code("a - b"), code("a / b"), "1. Use +.", code("a + b")}}
		tree, err := CodeTree{Env: Env{Model: m, Tests: tests, Budget: 20}, Order: DepthFirst}.Search(t.Context(), addProblem)
		if err != nil {
			t.Fatal(err)
		}
		if tree.Nodes[2].Parent != 0 {
			t.Errorf("node 2's parent %d: want the first strategy refined first on a tie", tree.Nodes[2].Parent)
		}
	})
	t.Run("dfs goes down the best child", func(t *testing.T) {
		t.Parallel()
		m := &scriptedModel{replies: []string{
			"1. Subtract.", code("a - b"),
			"1. Divide.\n2. Swap.\n3. Modulo.", code("a / b"), code("b - a"), code("a % b"),
			"1. Use +.", code("a + b"),
		}}
		tree, err := CodeTree{Env: Env{Model: m, Tests: tests, Budget: 20}, Order: DepthFirst}.Search(t.Context(), addProblem)
		if err != nil {
			t.Fatal(err)
		}
		if tree.Nodes[4].Parent != 2 {
			t.Errorf("node 4's parent %d: want the best child (node 2, one test passed) refined next", tree.Nodes[4].Parent)
		}
	})
}

// TestSelectionRules: with nothing accepted, best takes the highest
// value, latest the last candidate, released the last one that failed
// the visible tests, else the first Solver output.
func TestSelectionRules(t *testing.T) {
	t.Parallel()
	tests := partialTests{passed: map[string]int{"a * b": 1, "a + b": 2}}
	run := func(t *testing.T, sel Selection, replies []string) *Tree {
		m := &scriptedModel{replies: replies}
		tree, err := CodeTree{Env: Env{Model: m, Tests: tests, Budget: 3, Select: sel}}.Search(t.Context(), addProblem)
		if err != nil {
			t.Fatal(err)
		}
		return tree
	}
	mixed := []string{"1. A.\n2. B.\n3. C.", code("a - b"), "Score: 1", code("a * b"), "Score: 3", code("a + b"), "It overflows.\nFalse"}
	allPass := []string{"1. A.\n2. B.\n3. C.", code("a + b"), "False", code("a + b + 0"), "False", code("0 + a + b"), "False"}
	for _, tc := range []struct {
		sel     string
		replies []string
		want    int
	}{
		{"best", mixed, 2}, {"latest", mixed, 2}, {"released", mixed, 1},
		{"released", allPass, 0}, {"latest", allPass, 2},
	} {
		sel, err := ParseSelection(tc.sel)
		if err != nil {
			t.Fatal(err)
		}
		if got := run(t, sel, tc.replies).Chosen; got != tc.want {
			t.Errorf("%s: chose %d, want %d", tc.sel, got, tc.want)
		}
	}
	if _, err := ParseSelection("first"); err == nil || !strings.Contains(err.Error(), "released") {
		t.Errorf("ParseSelection(first) = %v, want an error naming the rules", err)
	}
}

// TestReflexionRetriesARepairWithoutCode: a Debugger reply without code
// is asked for again from the same candidate, not started over.
func TestReflexionRetriesARepairWithoutCode(t *testing.T) {
	t.Parallel()
	m := &scriptedModel{replies: []string{
		code("a - b"),
		"1. Use +.", "I would rather not.",
		"1. Use +.", code("a + b"),
	}}
	tree, err := Reflexion{Env: Env{Model: m, Tests: &fakeTests{}, Budget: 5}}.Search(t.Context(), addProblem)
	if err != nil {
		t.Fatal(err)
	}
	want := []agent.Role{agent.RoleSolver, agent.RoleThinker, agent.RoleDebugger, agent.RoleThinker, agent.RoleDebugger}
	if diff := cmp.Diff(want, roles(m)); diff != "" {
		t.Errorf("call order (-want +got):\n%s", diff)
	}
	if n := tree.Nodes[2]; n.Parent != 0 || n.Role != "debugger" || tree.Chosen != 2 {
		t.Errorf("node 2 %+v, chosen %d: want a repair of node 0, accepted", n, tree.Chosen)
	}
}

// TestNoVisibleTestsAcceptedByVerification: without visible tests a
// candidate that loads is judged by the Critic's verification alone.
func TestNoVisibleTestsAcceptedByVerification(t *testing.T) {
	t.Parallel()
	bare := Problem{ID: "Test/bare", Lang: "python", EntryPoint: "add", Prompt: addProblem.Prompt}
	m := &scriptedModel{replies: []string{
		"1. Subtract.", code("a - b"), "Add must add, not subtract.\nFalse",
		"1. Use +.", code("a + b"), "True",
	}}
	tree, err := CodeTree{Env: Env{Model: m, Tests: &fakeTests{}, Budget: 20}}.Search(t.Context(), bare)
	if err != nil {
		t.Fatal(err)
	}
	if !tree.NoVisibleTests || tree.Accepted != AcceptedByCritic || tree.Chosen != 1 {
		t.Errorf("no visible tests %v, accepted %q, chosen %d; want node 1 accepted by verification", tree.NoVisibleTests, tree.Accepted, tree.Chosen)
	}
	if !strings.Contains(promptOf(m.reqs[3]), "Add must add") {
		t.Errorf("the reflection prompt lacks the rejection:\n%s", promptOf(m.reqs[3]))
	}
}

// TestTemperaturesByRole: each role's requests carry its temperature;
// the defaults are the released code's.
func TestTemperaturesByRole(t *testing.T) {
	t.Parallel()
	m := &scriptedModel{replies: []string{code("a - b"), code("a + b")}}
	env := Env{Model: m, Tests: &fakeTests{}, Budget: 5, Temperatures: DefaultTemperatures("resample")}
	if _, err := (Resample{Env: env}).Search(t.Context(), addProblem); err != nil {
		t.Fatal(err)
	}
	for i, req := range m.reqs {
		if req.Temperature == nil || *req.Temperature != 1.0 {
			t.Errorf("resample request %d: temperature %v, want 1.0", i, req.Temperature)
		}
	}
	m = &scriptedModel{replies: []string{code("a - b"), "1. Use +.", code("a + b")}}
	env = Env{Model: m, Tests: &fakeTests{}, Budget: 5, Temperatures: DefaultTemperatures("reflexion")}
	if _, err := (Reflexion{Env: env}).Search(t.Context(), addProblem); err != nil {
		t.Fatal(err)
	}
	for i, req := range m.reqs {
		if req.Temperature == nil || *req.Temperature != 0.8 {
			t.Errorf("reflexion request %d (%s): temperature %v, want 0.8", i, req.Role, req.Temperature)
		}
	}
	if got := DefaultTemperatures("codetree").String(); got != "critic=0,debugger=0,solver=0,thinker=0" {
		t.Errorf("codetree's temperatures %s", got)
	}
}

func TestParseTemperatures(t *testing.T) {
	t.Parallel()
	got, err := ParseTemperatures(DefaultTemperatures("codetree"), "solver=0.7, Debugger=1")
	if err != nil {
		t.Fatal(err)
	}
	if s := got.String(); s != "critic=0,debugger=1,solver=0.7,thinker=0" {
		t.Errorf("got %s", s)
	}
	for _, bad := range []string{"solver", "painter=1", "solver=3", "solver=x"} {
		if _, err := ParseTemperatures(nil, bad); err == nil {
			t.Errorf("ParseTemperatures(%q) = nil error", bad)
		}
	}
}
