package treesearch

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/agent/agenttest"
)

// instantTests fails every visible test at once, without a sandbox.
type instantTests struct{}

func (instantTests) Test(_ context.Context, p Problem, _ string) (Feedback, error) {
	fb := Feedback{Total: len(p.Tests)}
	for _, t := range p.Tests {
		fb.Tests = append(fb.Tests, TestResult{Assert: t.Assert, Status: TestFailed, Actual: "-1", Expected: t.Expected})
	}
	return fb, nil
}

// BenchmarkCodeTreeOverhead measures the harness's own time per model
// call: a full CodeTree search (budget 20, nothing accepted) through the
// real client, prompts, parsers, ledger and tree recording, against an
// instant in-process OpenAI server and instant tests. The server's time is
// included, so µs/call is an upper bound on the harness's share.
func BenchmarkCodeTreeOverhead(b *testing.B) {
	srv := agenttest.NewServer(b, agenttest.WithHandler(func(r agenttest.RecordedRequest) agenttest.Reply {
		switch promptKind(r) {
		case "strategies":
			return agenttest.Reply{Content: "1. Subtract.\n2. Multiply.\n3. Divide."}
		case "reflections":
			return agenttest.Reply{Content: "1. Check the sign.\n2. Check the operator.\n3. Check the types."}
		case "score":
			return agenttest.Reply{Content: "The outputs are off by a pattern.\nScore: 2"}
		case "verify":
			return agenttest.Reply{Content: "False"}
		}
		return agenttest.Reply{Content: fmt.Sprintf("```python\ndef add(a, b):\n    return a - b - %d\n```", r.Seq)}
	}))
	client, err := agent.New(agent.Config{Model: "instant", BaseURL: srv.URL(), MaxTokens: 512})
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	s := CodeTree{Env: Env{Model: client, Tests: instantTests{}, Budget: 20}}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		tree, err := s.Search(b.Context(), e2eProblem)
		if err != nil || tree.Generations != 20 {
			b.Fatalf("search: %v, %d generations", err, tree.Generations)
		}
	}
	elapsed := time.Since(start)
	calls := client.Ledger().Snapshot().Total.Calls
	b.ReportMetric(float64(elapsed.Microseconds())/float64(calls), "µs/call")
	b.ReportMetric(float64(calls)/float64(b.N), "calls/search")
}
