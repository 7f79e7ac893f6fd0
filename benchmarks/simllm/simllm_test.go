package simllm_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/benchmarks"
	"github.com/codetree/codetree/benchmarks/simllm"
)

// loadProblems loads the first n HumanEval problems, or skips.
func loadProblems(t *testing.T, n int) []*benchmarks.Problem {
	t.Helper()
	dir := os.Getenv("CODETREE_DATA_DIR")
	if dir == "" {
		t.Skip("CODETREE_DATA_DIR is not set: no HumanEval data to simulate from")
	}
	ps, err := benchmarks.Load(t.Context(), benchmarks.HumanEval, benchmarks.LoadOptions{DataDir: dir})
	if err != nil {
		t.Fatalf("load HumanEval: %v", err)
	}
	return ps[:n]
}

func reference(p *benchmarks.Problem) string {
	return p.Task().Prompt + p.GoldSample().Completion
}

// client serves m and returns an agent client talking to it.
func client(t *testing.T, m *simllm.Model) *agent.Client {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	c, err := agent.New(agent.Config{Model: "sim", BaseURL: srv.URL + "/v1", MaxRetries: 0})
	if err != nil {
		t.Fatalf("agent.New: %v", err)
	}
	return c
}

func solve(ctx context.Context, c agent.Completer, p *benchmarks.Problem, sample int) (agent.CodeResult, error) {
	task := p.Task()
	return agent.Solver{C: c}.Solve(ctx, agent.SolveRequest{ProblemID: task.ID, Lang: "python",
		Problem: task.Prompt, EntryPoint: task.EntryPoint, Strategy: "Do it directly.", Sample: sample})
}

const failing = "Tests passed:\n\nTests failed:\nassert f(1) == 2 # output: 3\n"

func debug(ctx context.Context, c agent.Completer, p *benchmarks.Problem, fb string) (agent.CodeResult, error) {
	task := p.Task()
	return agent.Debugger{C: c}.Debug(ctx, agent.DebugRequest{ProblemID: task.ID, Lang: "python",
		Problem: task.Prompt, EntryPoint: task.EntryPoint, PrevCode: task.Prompt + "    return None\n",
		Feedback: fb, Reflection: "Fix it."})
}

func TestSolverDeterministic(t *testing.T) {
	t.Parallel()
	ps := loadProblems(t, 10)
	codes := func(seed int64) []string {
		c := client(t, simllm.New(ps, simllm.Options{Seed: seed}))
		var out []string
		for _, p := range ps {
			r, err := solve(t.Context(), c, p, 0)
			if err != nil {
				t.Fatalf("%s: solve: %v", p.ID(), err)
			}
			if !strings.Contains(r.Code, "def "+p.Task().EntryPoint+"(") {
				t.Errorf("%s: code does not define %s:\n%s", p.ID(), p.Task().EntryPoint, r.Code)
			}
			out = append(out, r.Code)
		}
		return out
	}
	a, b, c := codes(1), codes(1), codes(2)
	differ := false
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("%s: same seed, different code", ps[i].ID())
		}
		differ = differ || a[i] != c[i]
	}
	if !differ {
		t.Error("seeds 1 and 2 gave the same code for every problem")
	}
}

func TestDebuggerRepairsOnlyWithFeedback(t *testing.T) {
	t.Parallel()
	ps := loadProblems(t, 10)
	c := client(t, simllm.New(ps, simllm.Options{Seed: 3, RepairRate: 1}))
	for _, p := range ps {
		r, err := debug(t.Context(), c, p, failing)
		if err != nil {
			t.Fatalf("%s: debug: %v", p.ID(), err)
		}
		if strings.TrimSpace(r.Code) != strings.TrimSpace(reference(p)) {
			t.Errorf("%s: with failing feedback and RepairRate 1, got a non-reference:\n%s", p.ID(), r.Code)
		}
		r, err = debug(t.Context(), c, p, "")
		if err != nil {
			t.Fatalf("%s: debug without feedback: %v", p.ID(), err)
		}
		if strings.TrimSpace(r.Code) == strings.TrimSpace(reference(p)) {
			t.Errorf("%s: repaired without feedback", p.ID())
		}
	}
}

func TestCriticAndThinker(t *testing.T) {
	t.Parallel()
	ps := loadProblems(t, 3)
	c := client(t, simllm.New(ps, simllm.Options{Seed: 1}))
	for _, p := range ps {
		task := p.Task()
		sc, err := agent.Critic{C: c}.Score(t.Context(), agent.ScoreRequest{ProblemID: task.ID, Lang: "python",
			Problem: task.Prompt, Code: reference(p), Feedback: "Tests passed:\nassert f(1) == 1\n\nTests failed:\n"})
		if err != nil || sc.Score != 5 {
			t.Errorf("%s: all-pass score = %d, %v; want 5", p.ID(), sc.Score, err)
		}
		sc, err = agent.Critic{C: c}.Score(t.Context(), agent.ScoreRequest{ProblemID: task.ID, Lang: "python",
			Problem: task.Prompt, Code: reference(p), Feedback: failing})
		if err != nil || sc.Score != 2 && sc.Score != 3 {
			t.Errorf("%s: failing score = %d, %v; want 2 or 3", p.ID(), sc.Score, err)
		}
		v, err := agent.Critic{C: c}.Verify(t.Context(), agent.VerifyRequest{ProblemID: task.ID, Lang: "python",
			Problem: task.Prompt, Code: reference(p), Feedback: "Tests passed:\nassert f(1) == 1\n"})
		if err != nil || !v.OK {
			t.Errorf("%s: verify all-pass = %v, %v; want true", p.ID(), v.OK, err)
		}
		st, err := agent.Thinker{C: c}.Strategies(t.Context(), agent.StrategiesRequest{ProblemID: task.ID, Lang: "python", Problem: task.Prompt})
		if err != nil || len(st.Strategies) < 2 || len(st.Strategies) > 3 {
			t.Errorf("%s: strategies = %q, %v", p.ID(), st.Strategies, err)
		}
		rf, err := agent.Thinker{C: c}.Reflections(t.Context(), agent.ReflectionsRequest{ProblemID: task.ID, Lang: "python",
			Problem: task.Prompt, Code: reference(p), Feedback: failing})
		if err != nil || len(rf.Reflections) < 1 || len(rf.Reflections) > 2 {
			t.Errorf("%s: reflections = %q, %v", p.ID(), rf.Reflections, err)
		}
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	ps := loadProblems(t, 1)
	tests := []struct {
		name   string
		faults simllm.Faults
		check  func(error) bool
	}{
		{"rate limit", simllm.Faults{RateLimit: 1}, func(err error) bool { return agent.ClassOf(err) == agent.RateLimited }},
		{"server error", simllm.Faults{ServerError: 1}, func(err error) bool { return agent.ClassOf(err) == agent.ServerError }},
		{"malformed", simllm.Faults{Malformed: 1}, agent.IsInfrastructure},
		{"no code", simllm.Faults{NoCode: 1}, agent.IsModelOutput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := client(t, simllm.New(ps, simllm.Options{Faults: tt.faults}))
			_, err := solve(t.Context(), c, ps[0], 0)
			if err == nil || !tt.check(err) {
				t.Errorf("err = %v (class %v)", err, agent.ClassOf(err))
			}
		})
	}
}

func TestHangHonoursContext(t *testing.T) {
	t.Parallel()
	ps := loadProblems(t, 1)
	c := client(t, simllm.New(ps, simllm.Options{Faults: simllm.Faults{Hang: 1}}))
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := solve(ctx, c, ps[0], 0); err == nil {
		t.Fatal("a hung request returned no error")
	}
}

// TestScriptedEdits: the repository Editor gets the scripted replies in
// order, first edits and repairs alike, then a reply without edits.
func TestScriptedEdits(t *testing.T) {
	t.Parallel()
	first := "a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n"
	second := "a.py\n<<<<<<< SEARCH\nx = 2\n=======\nx = 3\n>>>>>>> REPLACE\n"
	c := client(t, simllm.New(nil, simllm.Options{Edits: []string{first, second}}))
	ed := agent.Editor{C: c}
	res, err := ed.Edit(t.Context(), agent.EditRequest{ProblemID: "repo", Lang: "python", Task: "set x to 2", Context: "a.py\nx = 1\n"})
	if err != nil || len(res.Edits) != 1 || res.Edits[0].Replace != "x = 2\n" {
		t.Fatalf("first edit = %+v, %v", res.Edits, err)
	}
	res, err = ed.Repair(t.Context(), agent.RepairRequest{ProblemID: "repo", Lang: "python", Task: "set x to 3",
		Context: "a.py\nx = 2\n", PrevEdits: first, Feedback: "FAIL"})
	if err != nil || len(res.Edits) != 1 || res.Edits[0].Replace != "x = 3\n" {
		t.Fatalf("repair = %+v, %v", res.Edits, err)
	}
	if _, err := ed.Edit(t.Context(), agent.EditRequest{ProblemID: "repo", Lang: "python", Task: "again", Context: "a.py\n"}); !agent.IsModelOutput(err) {
		t.Errorf("after the script: %v, want a model-output error (no edits)", err)
	}
}
