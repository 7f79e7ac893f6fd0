package treesearch

import (
	"strings"
	"testing"
	"time"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/agent/agenttest"
)

// contentModel answers by what a prompt asks, not by arrival order, so
// that concurrent calls get the same replies as sequential ones. The
// Solver's replies to "Add." come fastest, so concurrent replies arrive
// out of order.
func contentModel(t *testing.T, strategies string) *agenttest.Server {
	return agenttest.NewServer(t, agenttest.WithHandler(func(r agenttest.RecordedRequest) agenttest.Reply {
		switch promptKind(r) {
		case "strategies":
			return agenttest.Reply{Content: strategies}
		case "score":
			return agenttest.Reply{Content: "Score: 1", Delay: 20 * time.Millisecond}
		case "verify":
			return agenttest.Reply{Content: "True"}
		}
		user := prompt(r)
		switch {
		case strings.Contains(user, "Hint: Subtract."):
			return agenttest.Reply{Content: code("a - b"), Delay: 300 * time.Millisecond}
		case strings.Contains(user, "Hint: Multiply."):
			return agenttest.Reply{Content: code("a * b"), Delay: 250 * time.Millisecond}
		}
		return agenttest.Reply{Content: code("a + b"), Delay: 200 * time.Millisecond}
	}))
}

func TestCodeTreeParallel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		strategies string
		parallel   bool
		wantNodes  []string // strategies of the nodes, in order
		chosen     int
		inFlight   int // at least
	}{
		{"sequential, accepted last", "1. Subtract.\n2. Multiply.\n3. Add.", false, []string{"Subtract.", "Multiply.", "Add."}, 2, 1},
		{"parallel, accepted last", "1. Subtract.\n2. Multiply.\n3. Add.", true, []string{"Subtract.", "Multiply.", "Add."}, 2, 3},
		{"sequential, accepted first", "1. Add.\n2. Subtract.\n3. Multiply.", false, []string{"Add."}, 0, 1},
		{"parallel, accepted first: the others were asked for too", "1. Add.\n2. Subtract.\n3. Multiply.", true, []string{"Add.", "Subtract.", "Multiply."}, 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := contentModel(t, tc.strategies)
			client, err := agent.New(agent.Config{Model: "m", BaseURL: srv.URL(), MaxTokens: 256, Concurrency: 8})
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			s := CodeTree{Env: Env{Model: client, Tests: &fakeTests{}, Budget: 20}, Parallel: tc.parallel}
			tree, err := s.Search(t.Context(), addProblem)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range tree.Nodes {
				got = append(got, n.Strategy)
			}
			if strings.Join(got, "|") != strings.Join(tc.wantNodes, "|") || tree.Chosen != tc.chosen || tree.Generations != len(tc.wantNodes) {
				t.Errorf("nodes %q, chosen %d, %d generations; want %q, %d", got, tree.Chosen, tree.Generations, tc.wantNodes, tc.chosen)
			}
			if !strings.Contains(tree.Nodes[tree.Chosen].Code, "a + b") {
				t.Errorf("chose %q", tree.Nodes[tree.Chosen].Code)
			}
			if m := srv.InFlightMax(); m < tc.inFlight || (!tc.parallel && m != 1) {
				t.Errorf("%d calls in flight at most, want %d", m, tc.inFlight)
			}
		})
	}
}
