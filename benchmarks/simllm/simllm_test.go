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
	if g := p.GoldSample(); g.Completion == "" {
		return g.Solution
	}
	return p.Task().Prompt + p.GoldSample().Completion
}

// sameCode compares code line by line, ignoring trailing space and blank
// lines at either end, as code parsed from a reply differs from its source.
func sameCode(a, b string) bool {
	norm := func(s string) string {
		lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " \t")
		}
		return strings.Trim(strings.Join(lines, "\n"), "\n")
	}
	return norm(a) == norm(b)
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

// loadDataset loads the first n problems of ds (all when n is 0), or skips.
func loadDataset(t *testing.T, ds benchmarks.Dataset, n int) []*benchmarks.Problem {
	t.Helper()
	dir := os.Getenv("CODETREE_DATA_DIR")
	if dir == "" {
		t.Skip("CODETREE_DATA_DIR is not set: no data to simulate from")
	}
	ps, err := benchmarks.Load(t.Context(), ds, benchmarks.LoadOptions{DataDir: dir})
	if err != nil {
		t.Fatalf("load %s: %v", ds, err)
	}
	if n > 0 && n < len(ps) {
		ps = ps[:n]
	}
	return ps
}

// TestRepliesParse sends every role's requests to a model with varied
// reply formats and to the same model with Options.Plain, and checks that
// the agent parsers read the same answers from both: the variation
// (reasoning blocks, prose, fences, bare code, list markers, score and
// verdict forms) changes the form only. It also checks that each form
// occurs, and that the Critic rejects every non-reference candidate at
// RejectRate 1 with a reason naming a line.
func TestRepliesParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ds benchmarks.Dataset
		n  int
	}{{benchmarks.HumanEval, 0}, {benchmarks.MBPP, 0}} {
		t.Run(string(tc.ds), func(t *testing.T) {
			t.Parallel()
			ps := loadDataset(t, tc.ds, tc.n)
			opts := simllm.Options{Seed: 5, RejectRate: 1}
			styled := client(t, simllm.New(ps, opts))
			opts.Plain = true
			plain := client(t, simllm.New(ps, opts))
			forms := map[string]int{}
			count := func(reply string) {
				for name, seen := range map[string]bool{
					"think":      strings.HasPrefix(reply, "<think>"),
					"untagged":   strings.Contains(reply, "```\n") && !strings.Contains(reply, "```python"),
					"bare code":  !strings.Contains(reply, "```") && strings.Contains(reply, "def "),
					"prose":      strings.Contains(reply, "Here is") || strings.Contains(reply, "Sure."),
					"1)":         strings.Contains(reply, "\n1) ") || strings.HasPrefix(reply, "1) "),
					"**1.**":     strings.Contains(reply, "**1.**"),
					"labelled":   strings.Contains(reply, "**Strategy 1:**") || strings.Contains(reply, "**Fix 1:**"),
					"Score: N":   strings.Contains(reply, "\nScore: "),
					"N/5":        strings.HasSuffix(reply, "/5"),
					"**False**":  strings.HasSuffix(reply, "**False**"),
					"Verdict: X": strings.Contains(reply, "\nVerdict: "),
				} {
					if seen {
						forms[name]++
					}
				}
			}
			// The model tells problems apart by their prompts only: it may
			// answer a problem whose prompt another one shares (MBPP 76 and
			// 347) with the other's reference.
			prompts := map[string]int{}
			for _, p := range ps {
				prompts[strings.TrimSpace(p.Task().Prompt)]++
			}
			ctx := t.Context()
			for _, p := range ps {
				task := p.Task()
				if prompts[strings.TrimSpace(task.Prompt)] > 1 {
					continue
				}
				for sample := range 3 {
					a, errA := solve(ctx, styled, p, sample)
					b, errB := solve(ctx, plain, p, sample)
					if errA != nil || errB != nil {
						t.Fatalf("%s: solve: %v / plain %v\n%s", p.ID(), errA, errB, a.Response.Content)
					}
					count(a.Response.Content)
					if a.Code != b.Code {
						t.Fatalf("%s sample %d: the varied reply parses to other code:\n%s\n--- plain:\n%s", p.ID(), sample, a.Response.Content, b.Code)
					}
					ref := sameCode(reference(p), a.Code)
					va, errA := agent.Critic{C: styled}.Verify(ctx, agent.VerifyRequest{ProblemID: task.ID, Lang: "python",
						Problem: task.Prompt, Code: a.Code, Feedback: "Tests passed:\nassert f(1) == 1\n"})
					vb, errB := agent.Critic{C: plain}.Verify(ctx, agent.VerifyRequest{ProblemID: task.ID, Lang: "python",
						Problem: task.Prompt, Code: a.Code, Feedback: "Tests passed:\nassert f(1) == 1\n"})
					if errA != nil || errB != nil || va.OK != vb.OK || va.OK != ref {
						t.Fatalf("%s: verdict %v (%v), plain %v (%v); reference %v:\n%s", p.ID(), va.OK, errA, vb.OK, errB, ref, va.Response.Content)
					}
					count(va.Response.Content)
					if !ref && (!strings.Contains(va.Analysis, "line ") || strings.HasSuffix(va.Analysis, "False")) {
						t.Errorf("%s: rejection analysis without a line, or with the verdict:\n%s", p.ID(), va.Analysis)
					}
					if !ref {
						// The search passes the rejection on: the Thinker takes up its finding.
						rq := agent.ReflectionsRequest{ProblemID: task.ID, Lang: "python", Problem: task.Prompt, Code: a.Code,
							Feedback: "Tests passed:\nassert f(1) == 1\n\nThe code passes the visible tests, but a reviewer rejected it:\n" + va.Analysis}
						ra, errA := agent.Thinker{C: styled}.Reflections(ctx, rq)
						rb, errB := agent.Thinker{C: plain}.Reflections(ctx, rq)
						if errA != nil || errB != nil || strings.Join(ra.Reflections, "\n") != strings.Join(rb.Reflections, "\n") ||
							!strings.Contains(ra.Reflections[0], "review") {
							t.Fatalf("%s: reflections on a review %q (%v), plain %q (%v):\n%s", p.ID(), ra.Reflections, errA, rb.Reflections, errB, ra.Response.Content)
						}
						count(ra.Response.Content)
					}
				}
				da, errA := debug(ctx, styled, p, failing)
				db, errB := debug(ctx, plain, p, failing)
				if errA != nil || errB != nil || da.Code != db.Code {
					t.Fatalf("%s: debug %v / %v, codes differ:\n%s\n---\n%s", p.ID(), errA, errB, da.Response.Content, db.Code)
				}
				count(da.Response.Content)
				for _, fb := range []string{"Tests passed:\nassert f(1) == 1\n\nTests failed:\n", failing} {
					sa, errA := agent.Critic{C: styled}.Score(ctx, agent.ScoreRequest{ProblemID: task.ID, Lang: "python", Problem: task.Prompt, Code: reference(p), Feedback: fb})
					sb, errB := agent.Critic{C: plain}.Score(ctx, agent.ScoreRequest{ProblemID: task.ID, Lang: "python", Problem: task.Prompt, Code: reference(p), Feedback: fb})
					if errA != nil || errB != nil || sa.Score != sb.Score {
						t.Fatalf("%s: score %d (%v), plain %d (%v):\n%s", p.ID(), sa.Score, errA, sb.Score, errB, sa.Response.Content)
					}
					count(sa.Response.Content)
				}
				sta, errA := agent.Thinker{C: styled}.Strategies(ctx, agent.StrategiesRequest{ProblemID: task.ID, Lang: "python", Problem: task.Prompt})
				stb, errB := agent.Thinker{C: plain}.Strategies(ctx, agent.StrategiesRequest{ProblemID: task.ID, Lang: "python", Problem: task.Prompt})
				if errA != nil || errB != nil || strings.Join(sta.Strategies, "\n") != strings.Join(stb.Strategies, "\n") {
					t.Fatalf("%s: strategies %q (%v), plain %q (%v):\n%s", p.ID(), sta.Strategies, errA, stb.Strategies, errB, sta.Response.Content)
				}
				count(sta.Response.Content)
				rq := agent.ReflectionsRequest{ProblemID: task.ID, Lang: "python", Problem: task.Prompt, Code: reference(p), Feedback: failing}
				ra, errA := agent.Thinker{C: styled}.Reflections(ctx, rq)
				rb, errB := agent.Thinker{C: plain}.Reflections(ctx, rq)
				if errA != nil || errB != nil || strings.Join(ra.Reflections, "\n") != strings.Join(rb.Reflections, "\n") {
					t.Fatalf("%s: reflections %q (%v), plain %q (%v):\n%s", p.ID(), ra.Reflections, errA, rb.Reflections, errB, ra.Response.Content)
				}
				count(ra.Response.Content)
			}
			for _, f := range []string{"think", "untagged", "bare code", "prose", "1)", "**1.**", "labelled", "Score: N", "N/5", "**False**", "Verdict: X"} {
				if forms[f] == 0 {
					t.Errorf("no reply of the form %s", f)
				}
			}
			t.Logf("forms: %v", forms)
		})
	}
}

// TestSimulatedHeader: the server's header reaches agent.Response and the
// client, through the real agent client.
func TestSimulatedHeader(t *testing.T) {
	t.Parallel()
	if agent.SimulatedHeader != simllm.SimulatedHeader {
		t.Fatalf("agent.SimulatedHeader %q != simllm.SimulatedHeader %q", agent.SimulatedHeader, simllm.SimulatedHeader)
	}
	ps := loadProblems(t, 1)
	c := client(t, simllm.New(ps, simllm.Options{}))
	if c.Simulated() {
		t.Fatal("Simulated before any call")
	}
	r, err := solve(t.Context(), c, ps[0], 0)
	if err != nil {
		t.Fatalf("solve: %v", err)
	}
	if !r.Response.Simulated || !c.Simulated() {
		t.Errorf("Response.Simulated %v, Client.Simulated() %v; want both true", r.Response.Simulated, c.Simulated())
	}
}

// TestSolverSamplesAtTemperature: asked the same thing again at a
// temperature above 0, the Solver draws anew (resampling yields other
// programs) and the same seed repeats the same sequence; at temperature 0
// it answers the same every time.
func TestSolverSamplesAtTemperature(t *testing.T) {
	t.Parallel()
	ps := loadProblems(t, 10)
	samples := func(temp float64) [][]string {
		m := simllm.New(ps, simllm.Options{Seed: 3})
		c := (treesearchTemps{temp}).wrap(client(t, m))
		var out [][]string
		for _, p := range ps {
			var codes []string
			for i := range 6 {
				r, err := solve(t.Context(), c, p, i)
				if err != nil {
					t.Fatalf("%s: solve: %v", p.ID(), err)
				}
				codes = append(codes, r.Code)
			}
			out = append(out, codes)
		}
		return out
	}
	distinct := func(codes []string) int {
		seen := map[string]bool{}
		for _, c := range codes {
			seen[c] = true
		}
		return len(seen)
	}
	hot, again, cold := samples(1.0), samples(1.0), samples(0)
	varied := 0
	for i := range hot {
		if distinct(cold[i]) != 1 {
			t.Errorf("%s: at temperature 0, %d different programs in 6 requests; want 1", ps[i].ID(), distinct(cold[i]))
		}
		if distinct(hot[i]) > 1 {
			varied++
		}
		for j := range hot[i] {
			if hot[i][j] != again[i][j] {
				t.Errorf("%s sample %d: the same seed drew another program", ps[i].ID(), j)
			}
		}
	}
	if varied < len(hot)/2 {
		t.Errorf("at temperature 1.0 only %d of %d problems got more than one program in 6 samples", varied, len(hot))
	}
}

// treesearchTemps sets one temperature on every request.
type treesearchTemps struct{ t float64 }

func (s treesearchTemps) wrap(c agent.Completer) agent.Completer {
	return completerFunc(func(ctx context.Context, req agent.Request) (agent.Response, error) {
		req.Temperature = &s.t
		return c.Complete(ctx, req)
	})
}

type completerFunc func(context.Context, agent.Request) (agent.Response, error)

func (f completerFunc) Complete(ctx context.Context, req agent.Request) (agent.Response, error) {
	return f(ctx, req)
}
