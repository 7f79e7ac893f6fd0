package treesearch

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/agent"
)

func roles(m *scriptedModel) []agent.Role {
	var out []agent.Role
	for _, r := range m.reqs {
		out = append(out, r.Role)
	}
	return out
}

// TestCodeTreeBestFirst checks the exact tree: two strategies, the Critic
// scores both failures, the better one is refined, and its child passes
// and is verified.
func TestCodeTreeBestFirst(t *testing.T) {
	t.Parallel()
	m := &scriptedModel{replies: []string{
		"1. Subtract and negate.\n2. Multiply.",
		code("a - b"), "The sign is wrong on every case.\nScore: 3",
		code("a * b"), "No pattern.\nScore: 1",
		"1. Use + instead of -.",
		code("a + b"), "Nothing is hard-coded.\nTrue",
	}}
	tree, err := CodeTree{Env: Env{Model: m, Tests: &fakeTests{}, Budget: 20}}.Search(t.Context(), addProblem)
	if err != nil {
		t.Fatal(err)
	}
	wantRoles := []agent.Role{agent.RoleThinker, agent.RoleSolver, agent.RoleCritic, agent.RoleSolver, agent.RoleCritic, agent.RoleThinker, agent.RoleDebugger, agent.RoleCritic}
	if diff := cmp.Diff(wantRoles, roles(m)); diff != "" {
		t.Errorf("call order (-want +got):\n%s", diff)
	}
	type shape struct {
		Parent   int
		Role     string
		Strategy string
		Critic   int
	}
	var got []shape
	for _, n := range tree.Nodes {
		s := shape{n.Parent, n.Role, n.Strategy, -1}
		if n.CriticScore != nil {
			s.Critic = *n.CriticScore
		}
		got = append(got, s)
	}
	want := []shape{
		{-1, "solver", "Subtract and negate.", 3},
		{-1, "solver", "Multiply.", 1},
		{0, "debugger", "Subtract and negate.", -1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
	if tree.Chosen != 2 || tree.Nodes[2].Verified == nil || !*tree.Nodes[2].Verified || tree.Generations != 3 {
		t.Errorf("chosen %d, generations %d: want the verified node 2 after 3 generations", tree.Chosen, tree.Generations)
	}
	if tree.Nodes[2].Reflection != "Use + instead of -." {
		t.Errorf("reflection %q", tree.Nodes[2].Reflection)
	}
}

// TestCodeTreeBFS: without the Critic, nodes are expanded in order and a
// node that passes the visible tests is accepted; a reply without code is a
// generation that leaves nothing to expand.
func TestCodeTreeBFS(t *testing.T) {
	t.Parallel()
	half := Problem{ID: "Test/half", Lang: "python", EntryPoint: "add", Prompt: addProblem.Prompt, Tests: addProblem.Tests}
	m := &scriptedModel{replies: []string{
		"1. Add.",
		code("a - b"),
		"1. Try multiplying.\n2. Use +.",
		"I refuse.", // a reply without code: a generation, no node to expand
		code("a + b"),
	}}
	tree, err := CodeTree{Env: Env{Model: m, Tests: &fakeTests{}, Budget: 20}, Order: BreadthFirst}.Search(t.Context(), half)
	if err != nil {
		t.Fatal(err)
	}
	wantRoles := []agent.Role{agent.RoleThinker, agent.RoleSolver, agent.RoleThinker, agent.RoleDebugger, agent.RoleDebugger}
	if diff := cmp.Diff(wantRoles, roles(m)); diff != "" {
		t.Errorf("call order (-want +got):\n%s", diff)
	}
	if tree.Chosen != 2 || tree.Nodes[1].ModelError == "" || tree.Generations != 3 {
		t.Errorf("chosen %d, node 1 %+v, generations %d", tree.Chosen, tree.Nodes[1], tree.Generations)
	}
	if tree.Strategy != "codetree-bfs" {
		t.Errorf("strategy %q", tree.Strategy)
	}
}

// TestCodeTreeAbortsWorseChildren: a child valued below its parent is
// aborted and never refined; its sibling that does as well is.
func TestCodeTreeAbortsWorseChildren(t *testing.T) {
	t.Parallel()
	m := &scriptedModel{replies: []string{
		"1. Subtract.",
		code("a - b"), "Score: 3",
		"1. Multiply.\n2. Swap the operands.",
		code("a * b"), "Score: 1",
		code("b - a"), "Score: 3",
		"1. Add.",
		code("a + b"), "True",
	}}
	tree, err := CodeTree{Env: Env{Model: m, Tests: &fakeTests{}, Budget: 20}}.Search(t.Context(), addProblem)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.Nodes) != 4 {
		t.Fatalf("%d nodes, want 4", len(tree.Nodes))
	}
	if !tree.Nodes[1].Aborted || tree.Nodes[2].Aborted {
		t.Errorf("aborted: node 1 %v, node 2 %v; want only node 1 (worse than its parent)", tree.Nodes[1].Aborted, tree.Nodes[2].Aborted)
	}
	if tree.Nodes[3].Parent != 2 || tree.Chosen != 3 {
		t.Errorf("node 3 parent %d, chosen %d; want the refinement of node 2, accepted", tree.Nodes[3].Parent, tree.Chosen)
	}
}

// TestCodeTreeGivenStrategies: strategies in the Env (the issue pipeline's
// localizations) replace the Thinker's first call, up to the width.
func TestCodeTreeGivenStrategies(t *testing.T) {
	t.Parallel()
	m := &scriptedModel{replies: []string{
		code("a * b"), "No pattern.\nScore: 1",
		code("a + b"), "Nothing is hard-coded.\nTrue",
	}}
	env := Env{Model: m, Tests: &fakeTests{}, Budget: 20,
		Strategies: []string{"Change add.py: add.", "Change calc.py: total.", "Change util.py: sum."}}
	tree, err := CodeTree{Env: env, Width: 2}.Search(t.Context(), addProblem)
	if err != nil {
		t.Fatal(err)
	}
	wantRoles := []agent.Role{agent.RoleSolver, agent.RoleCritic, agent.RoleSolver, agent.RoleCritic}
	if diff := cmp.Diff(wantRoles, roles(m)); diff != "" {
		t.Errorf("call order (-want +got):\n%s", diff)
	}
	var got []string
	for _, n := range tree.Nodes {
		got = append(got, n.Strategy)
	}
	if diff := cmp.Diff([]string{"Change add.py: add.", "Change calc.py: total."}, got); diff != "" {
		t.Errorf("strategies (-want +got):\n%s", diff)
	}
}
