package treesearch

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/agent/agenttest"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

// e2eProblem has two visible tests, so that "a * b" passes one of them
// (2*2 == 4) and "a - b" none.
var e2eProblem = Problem{
	ID: "E2E/add", Lang: "python", EntryPoint: "add",
	Prompt: "def add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n",
	Tests: []Test{
		{Assert: "assert add(1, 2) == 3", Call: "add(1, 2)", Expected: "3"},
		{Assert: "assert add(2, 2) == 4", Call: "add(2, 2)", Expected: "4"},
	},
}

// promptKind names the role prompt of a recorded request by its system
// message.
func promptKind(r agenttest.RecordedRequest) string {
	if len(r.Messages) == 0 {
		return "?"
	}
	sys := r.Messages[0].Content
	for _, k := range []struct{ marker, kind string }{
		{"who plans solutions", "strategies"},
		{"who reviews failing code", "reflections"},
		{"who judges test results", "score"},
		{"who reviews code before", "verify"},
		{"who repairs code", "debug"},
	} {
		if strings.Contains(sys, k.marker) {
			return k.kind
		}
	}
	return "solve"
}

func prompt(r agenttest.RecordedRequest) string {
	var b strings.Builder
	for _, m := range r.Messages {
		b.WriteString(m.Content)
		b.WriteByte('\n')
	}
	return b.String()
}

// e2eNode is what the test pins of each node.
type e2eNode struct {
	Parent   int
	Role     string
	Strategy string
	Passed   int
	Actual   string // the first test's actual value ("" when it passed)
}

// TestStrategiesEndToEnd runs every strategy with a real model client
// against a scripted OpenAI server and real sandbox runs of the visible
// tests. It pins the exact call order, the tree, the feedback each node
// got from the sandbox, and that every repair prompt carries the failing
// feedback of the node it repairs.
func TestStrategiesEndToEnd(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.New(t, sandbox.Config{})
	tests := &Tester{Exec: sb, Limits: sandbox.Limits{Memory: 256 * sandbox.MiB}, PerTest: 5 * time.Second}
	sub, mul, add := code("a - b"), code("a * b"), code("a + b")
	for _, tc := range []struct {
		name    string
		make    func(Env) Strategy
		budget  int
		replies []string
		kinds   []string
		nodes   []e2eNode
		chosen  int
		// repairs maps the index of a request to the node whose feedback
		// it must carry.
		repairs map[int]int
	}{{
		name: "direct", make: func(e Env) Strategy { return Direct{Env: e} }, budget: 1,
		replies: []string{sub},
		kinds:   []string{"solve"},
		nodes:   []e2eNode{{-1, "solver", "", 0, "-1"}},
		chosen:  0,
	}, {
		name: "resample", make: func(e Env) Strategy { return Resample{Env: e} }, budget: 5,
		replies: []string{sub, mul, add},
		kinds:   []string{"solve", "solve", "solve"},
		nodes:   []e2eNode{{-1, "solver", "", 0, "-1"}, {-1, "solver", "", 1, "2"}, {-1, "solver", "", 2, ""}},
		chosen:  2,
	}, {
		name: "reflexion", make: func(e Env) Strategy { return Reflexion{Env: e} }, budget: 5,
		replies: []string{sub, "1. Multiply instead.", mul, "1. Add the operands.", add},
		kinds:   []string{"solve", "reflections", "debug", "reflections", "debug"},
		nodes:   []e2eNode{{-1, "solver", "", 0, "-1"}, {0, "debugger", "", 1, "2"}, {1, "debugger", "", 2, ""}},
		chosen:  2,
		repairs: map[int]int{1: 0, 2: 0, 3: 1, 4: 1},
	}, {
		name: "codetree", make: func(e Env) Strategy { return CodeTree{Env: e} }, budget: 20,
		replies: []string{"1. Subtract.\n2. Multiply.", sub, "Score: 1", mul, "Score: 3", "1. Use +.", add, "True"},
		kinds:   []string{"strategies", "solve", "score", "solve", "score", "reflections", "debug", "verify"},
		nodes:   []e2eNode{{-1, "solver", "Subtract.", 0, "-1"}, {-1, "solver", "Multiply.", 1, "2"}, {1, "debugger", "Multiply.", 2, ""}},
		chosen:  2,
		repairs: map[int]int{5: 1, 6: 1},
	}, {
		name: "codetree-bfs", make: func(e Env) Strategy { return CodeTree{Env: e, Order: BreadthFirst} }, budget: 20,
		replies: []string{"1. Subtract.\n2. Multiply.", sub, mul, "1. Use +.", add},
		kinds:   []string{"strategies", "solve", "solve", "reflections", "debug"},
		// bfs.py ranks the strategies' candidates by value: Multiply
		// passes one test of two, so it is refined first.
		nodes:   []e2eNode{{-1, "solver", "Subtract.", 0, "-1"}, {-1, "solver", "Multiply.", 1, "2"}, {1, "debugger", "Multiply.", 2, ""}},
		chosen:  2,
		repairs: map[int]int{3: 1, 4: 1},
	}, {
		name: "codetree-dfs", make: func(e Env) Strategy { return CodeTree{Env: e, Order: DepthFirst} }, budget: 20,
		replies: []string{"1. Subtract.\n2. Multiply.", sub, mul, "1. Use +.", add},
		kinds:   []string{"strategies", "solve", "solve", "reflections", "debug"},
		nodes:   []e2eNode{{-1, "solver", "Subtract.", 0, "-1"}, {-1, "solver", "Multiply.", 1, "2"}, {1, "debugger", "Multiply.", 2, ""}},
		chosen:  2,
		repairs: map[int]int{3: 1, 4: 1},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := agenttest.NewServer(t)
			for _, r := range tc.replies {
				srv.Reply(r)
			}
			client, err := agent.New(agent.Config{Model: "scripted", BaseURL: srv.URL(), MaxTokens: 512, Concurrency: 1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { client.Close() })
			s := tc.make(Env{Model: client, Tests: tests, Budget: tc.budget})
			if s.Name() != tc.name {
				t.Errorf("name %q", s.Name())
			}
			tree, err := s.Search(t.Context(), e2eProblem)
			if err != nil {
				t.Fatal(err)
			}
			reqs := srv.Requests()
			var kinds []string
			for _, r := range reqs {
				kinds = append(kinds, promptKind(r))
			}
			if diff := cmp.Diff(tc.kinds, kinds); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			var nodes []e2eNode
			for _, n := range tree.Nodes {
				if n.ModelTime <= 0 || (!n.Duplicate && n.Duration <= 0) {
					t.Errorf("node %d: model time %s, test time %s; want both recorded", n.ID, n.ModelTime, n.Duration)
				}
				e := e2eNode{Parent: n.Parent, Role: n.Role, Strategy: n.Strategy}
				if n.Feedback != nil {
					e.Passed = n.Feedback.Passed
					if len(n.Feedback.Tests) > 0 {
						e.Actual = n.Feedback.Tests[0].Actual
					}
				}
				nodes = append(nodes, e)
			}
			if diff := cmp.Diff(tc.nodes, nodes); diff != "" {
				t.Errorf("tree (-want +got):\n%s", diff)
			}
			if tree.Chosen != tc.chosen || tree.Generations != len(tc.nodes) {
				t.Errorf("chosen %d after %d generations; want %d after %d", tree.Chosen, tree.Generations, tc.chosen, len(tc.nodes))
			}
			for i, id := range tc.repairs {
				fb := tree.Nodes[id].Feedback
				first := fb.Tests[0]
				if first.Status == TestPassed {
					first = fb.Tests[1]
				}
				p := prompt(reqs[i])
				if !strings.Contains(p, first.Actual) || !strings.Contains(p, first.Assert) ||
					!strings.Contains(p, tree.Nodes[id].Code) {
					t.Errorf("request %d (%s) lacks node %d's code or failing feedback (%s: actual %s):\n%s",
						i, kinds[i], id, first.Assert, first.Actual, p)
				}
			}
			if c := client.Ledger().Snapshot().Total; c.Calls != len(tc.replies) || c.Generations != len(tc.nodes) {
				t.Errorf("ledger: %d calls, %d generations; want %d and %d", c.Calls, c.Generations, len(tc.replies), len(tc.nodes))
			}
		})
	}
}
