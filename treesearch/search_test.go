package treesearch

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/codetree/codetree/agent"
)

// scriptedModel answers requests with canned replies in order and records
// them. A reply "ERR:<class>" fails the call with that infrastructure
// class.
type scriptedModel struct {
	mu      sync.Mutex
	replies []string
	reqs    []agent.Request
}

func (m *scriptedModel) Complete(_ context.Context, req agent.Request) (agent.Response, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reqs = append(m.reqs, req)
	if len(m.replies) == 0 {
		return agent.Response{}, errors.New("scripted model: no reply left")
	}
	r := m.replies[0]
	m.replies = m.replies[1:]
	if r == "ERR:server" {
		return agent.Response{}, agent.NewError(agent.ServerError, errors.New("503 from the fake"))
	}
	return agent.Response{Content: r, Usage: agent.Usage{PromptTokens: 10, CompletionTokens: 5}}, nil
}

// fakeTests passes a candidate on every visible test when it contains
// "a + b", and fails them all otherwise; it counts the runs.
type fakeTests struct{ runs int }

func (f *fakeTests) Test(_ context.Context, p Problem, code string) (Feedback, error) {
	f.runs++
	fb := Feedback{Total: len(p.Tests)}
	for _, t := range p.Tests {
		tr := TestResult{Assert: t.Assert, Status: "failed", Actual: "-1", Expected: t.Expected}
		if strings.Contains(code, "a + b") {
			tr.Status, tr.Actual = "passed", t.Expected
			fb.Passed++
		}
		fb.Tests = append(fb.Tests, tr)
	}
	return fb, nil
}

var addProblem = Problem{
	ID: "Test/add", Lang: "python", EntryPoint: "add",
	Prompt: "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n",
	Tests:  []Test{{Assert: "assert add(1, 2) == 3", Call: "add(1, 2)", Expected: "3"}, {Assert: "assert add(0, 0) == 0", Call: "add(0, 0)", Expected: "0"}},
}

func code(body string) string { return "```python\ndef add(a, b):\n    return " + body + "\n```" }

func TestResample(t *testing.T) {
	t.Parallel()
	m := &scriptedModel{replies: []string{code("a - b"), "I cannot do that.", code("a - b") + "\n\n", code("a + b"), code("never reached")}}
	tests := &fakeTests{}
	tree, err := Resample{Env: Env{Model: m, Tests: tests, Budget: 5}}.Search(t.Context(), addProblem)
	if err != nil {
		t.Fatal(err)
	}
	if tree.Generations != 4 || len(tree.Nodes) != 4 {
		t.Fatalf("%d generations, %d nodes; want 4 and 4 (stop at the first full pass)", tree.Generations, len(tree.Nodes))
	}
	if tree.Nodes[1].ModelError == "" || tree.Nodes[1].Code != "" {
		t.Errorf("node 1 = %+v, want a model-output error and no code", tree.Nodes[1])
	}
	if !tree.Nodes[2].Duplicate || tests.runs != 2 {
		t.Errorf("node 2 duplicate=%v, %d test runs; want the repeat of node 0 not run again (2 runs)", tree.Nodes[2].Duplicate, tests.runs)
	}
	if tree.Chosen != 3 || !strings.Contains(tree.Answer(), "a + b") {
		t.Errorf("chose node %d (%q), want node 3", tree.Chosen, tree.Answer())
	}
	for i, req := range m.reqs {
		if req.Sample != i || req.Role != agent.RoleSolver || req.Problem != "Test/add" {
			t.Errorf("request %d: sample %d role %s problem %s", i, req.Sample, req.Role, req.Problem)
		}
	}
}

func TestResampleBudgetAndBest(t *testing.T) {
	t.Parallel()
	m := &scriptedModel{replies: []string{code("a - b"), code("a * b"), code("b - a")}}
	tree, err := Resample{Env: Env{Model: m, Tests: &fakeTests{}, Budget: 3}}.Search(t.Context(), addProblem)
	if err != nil {
		t.Fatal(err)
	}
	if tree.Generations != 3 || len(m.reqs) != 3 {
		t.Errorf("%d generations, %d requests; want the budget of 3", tree.Generations, len(m.reqs))
	}
	if tree.Chosen != 0 {
		t.Errorf("chose %d; with equal scores the earliest wins", tree.Chosen)
	}
}

func TestDirect(t *testing.T) {
	t.Parallel()
	m := &scriptedModel{replies: []string{code("a - b"), code("a + b")}}
	tree, err := Direct{Env: Env{Model: m, Tests: &fakeTests{}, Budget: 20}}.Search(t.Context(), addProblem)
	if err != nil {
		t.Fatal(err)
	}
	if tree.Generations != 1 || len(m.reqs) != 1 || tree.Chosen != 0 || tree.Nodes[0].Score != 0 {
		t.Errorf("tree %+v: want one failing generation, chosen", tree)
	}
}

// TestInfrastructureErrorStops: an endpoint failure is an error, not a
// wrong answer; the tree keeps what was done.
func TestInfrastructureErrorStops(t *testing.T) {
	t.Parallel()
	m := &scriptedModel{replies: []string{code("a - b"), "ERR:server"}}
	tree, err := Resample{Env: Env{Model: m, Tests: &fakeTests{}, Budget: 5}}.Search(t.Context(), addProblem)
	if !agent.IsInfrastructure(err) {
		t.Fatalf("err = %v, want an infrastructure error", err)
	}
	if len(tree.Nodes) != 1 || tree.Generations != 1 {
		t.Errorf("tree has %d nodes, %d generations; want the one before the failure", len(tree.Nodes), tree.Generations)
	}
}

// TestReflexion: the failing candidate's feedback and the reflection reach
// the Debugger's prompt, and the repair is recorded as its child.
func TestReflexion(t *testing.T) {
	t.Parallel()
	m := &scriptedModel{replies: []string{
		code("a - b"),
		"1. The code subtracts instead of adding: use a + b.",
		code("a + b"),
	}}
	tree, err := Reflexion{Env: Env{Model: m, Tests: &fakeTests{}, Budget: 5}}.Search(t.Context(), addProblem)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.Nodes) != 2 || tree.Generations != 2 || tree.Chosen != 1 {
		t.Fatalf("tree: %d nodes, %d generations, chosen %d; want 2, 2, 1", len(tree.Nodes), tree.Generations, tree.Chosen)
	}
	child := tree.Nodes[1]
	if child.Parent != 0 || child.Depth != 1 || child.Role != "debugger" || !strings.Contains(child.Reflection, "a + b") {
		t.Errorf("child %+v", child)
	}
	roles := []agent.Role{agent.RoleSolver, agent.RoleThinker, agent.RoleDebugger}
	for i, want := range roles {
		if m.reqs[i].Role != want {
			t.Errorf("request %d role %s, want %s", i, m.reqs[i].Role, want)
		}
	}
	var debugPrompt strings.Builder
	for _, msg := range m.reqs[2].Messages {
		debugPrompt.WriteString(msg.Content)
	}
	for _, want := range []string{"return a - b", "assert add(1, 2) == 3", "got -1", "use a + b"} {
		if !strings.Contains(debugPrompt.String(), want) {
			t.Errorf("the debugger's prompt lacks %q:\n%s", want, debugPrompt.String())
		}
	}
}
