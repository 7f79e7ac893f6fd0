package treesearch

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/agent"
)

// fakeStrategy answers a problem with one node whose code is its
// behaviour ("ok" or "bad"), or fails with an infrastructure error when
// the behaviour is "err". It counts Search calls per problem; hook, if
// set, runs first.
type fakeStrategy struct {
	mu    sync.Mutex
	code  map[string]string
	calls map[string]int
	hook  func(ctx context.Context, p Problem) error
}

func newFake(code map[string]string) *fakeStrategy {
	return &fakeStrategy{code: code, calls: make(map[string]int)}
}

func (f *fakeStrategy) Name() string { return "fake" }

func (f *fakeStrategy) Search(ctx context.Context, p Problem) (*Tree, error) {
	f.mu.Lock()
	f.calls[p.ID]++
	c := f.code[p.ID]
	f.mu.Unlock()
	if f.hook != nil {
		if err := f.hook(ctx, p); err != nil {
			return nil, err
		}
	}
	if c == "err" {
		return &Tree{Problem: p.ID, Strategy: "fake", Chosen: -1, Generations: 1}, errors.New("503 from the model")
	}
	tree := &Tree{Problem: p.ID, Strategy: "fake", Nodes: []*Node{{Code: c}, {ID: 1, Code: c, Duplicate: true}}, Chosen: 0, Generations: 3}
	if c == "ok" {
		tree.Accepted = AcceptedByCritic
	} else {
		tree.NoVisibleTests = true
	}
	return tree, nil
}

func (f *fakeStrategy) callCount() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int)
	for k, v := range f.calls {
		out[k] = v
	}
	return out
}

// fakeScore passes "ok" code; plus tests pass it too, except for the
// problem "P/plusfail".
func fakeScore(_ context.Context, p Problem, code string) (Verdict, error) {
	passed := code == "ok"
	plus := passed && p.ID != "P/plusfail"
	result := "passed"
	if !passed {
		result = "failed: wrong answer"
	}
	return Verdict{Passed: passed, Result: result, PlusPassed: &plus}, nil
}

func problems(ids ...string) []Problem {
	var ps []Problem
	for _, id := range ids {
		ps = append(ps, Problem{ID: id})
	}
	return ps
}

func readJSONL[T any](t *testing.T, path string) []T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("%s: bad line %q: %v", filepath.Base(path), line, err)
		}
		out = append(out, v)
	}
	return out
}

func TestRunWritesFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := newFake(map[string]string{"P/0": "ok", "P/1": "bad", "P/plusfail": "ok", "P/3": "err"})
	var outcomes []Outcome
	cfg := RunConfig{Strategy: s, Concurrency: 3, OutDir: dir, OnFinish: func(o Outcome) { outcomes = append(outcomes, o) },
		Classify: func(error) string { return "server" },
		Describe: func(sum RunSummary) any {
			return struct {
				RunSummary
				Dataset string `json:"dataset"`
			}{sum, "fake-set"}
		}}
	sum, err := Run(t.Context(), cfg, problems("P/0", "P/1", "P/plusfail", "P/3"), fakeScore)
	if err != nil {
		t.Fatal(err)
	}

	if sum.Problems != 4 || sum.Attempted != 3 || sum.Solved != 2 || sum.Generations != 9 {
		t.Errorf("summary %+v; want 4 problems, 3 attempted, 2 solved, 9 generations", sum)
	}
	if sum.Distinct != 3 || sum.Duplicates != 3 || sum.Accepted[AcceptedByCritic] != 2 || sum.NoVisibleTests != 1 {
		t.Errorf("summary %+v; want 3 distinct, 3 duplicates, 2 accepted by verification, 1 without visible tests", sum)
	}
	if sum.PassAt1 != 2.0/3 || sum.PlusPassAt1 == nil || *sum.PlusPassAt1 != 1.0/3 {
		t.Errorf("pass@1 %v, plus %v; want 2/3 and 1/3", sum.PassAt1, sum.PlusPassAt1)
	}
	if len(sum.Errors) != 1 || sum.Errors["server"] != 1 {
		t.Errorf("errors %v; want server:1", sum.Errors)
	}
	if len(outcomes) != 4 {
		t.Fatalf("%d outcomes, want 4: %+v", len(outcomes), outcomes)
	}
	for i, o := range outcomes {
		if o.Finished != i+1 || o.Todo != 4 || o.Total != 4 {
			t.Errorf("outcome %d %+v: want finished %d of 4", i, o, i+1)
		}
		if (o.TaskID == "P/3") != (o.Err != nil && o.ErrClass == "server") {
			t.Errorf("outcome %+v: only P/3 ends in a server error", o)
		}
	}
	if last := outcomes[3]; last.Attempted != 3 || last.Solved != 2 {
		t.Errorf("last outcome %+v: want 3 attempted, 2 solved", last)
	}

	samples := readJSONL[map[string]any](t, filepath.Join(dir, SamplesFile))
	if len(samples) != 3 {
		t.Fatalf("%d samples, want 3", len(samples))
	}
	for _, s := range samples {
		if _, ok := s["solution"].(string); !ok || s["task_id"] == "" || len(s) != 2 {
			t.Errorf("sample %v; want task_id and solution only", s)
		}
	}
	results := readJSONL[TaskResult](t, filepath.Join(dir, ResultsFile))
	byID := make(map[string]TaskResult)
	for _, r := range results {
		byID[r.TaskID] = r
	}
	if r := byID["P/0"]; !r.Passed || r.Result != "passed" || r.Generations != 3 || r.Chosen != 0 || r.Strategy != "fake" || r.PlusPassed == nil || !*r.PlusPassed {
		t.Errorf("P/0 result %+v", r)
	}
	if r := byID["P/1"]; r.Passed || !strings.HasPrefix(r.Result, "failed") {
		t.Errorf("P/1 result %+v; want failed", r)
	}
	errs := readJSONL[TaskError](t, filepath.Join(dir, ErrorsFile))
	if len(errs) != 1 || errs[0].TaskID != "P/3" || errs[0].Class != "server" || !strings.Contains(errs[0].Error, "503") {
		t.Errorf("errors %+v; want one server error for P/3", errs)
	}
	// Trees, including the partial tree of the failed search.
	for _, name := range []string{"P_0.json", "P_1.json", "P_plusfail.json", "P_3.json"} {
		var tree Tree
		b, err := os.ReadFile(filepath.Join(dir, TreesDir, name))
		if err != nil || json.Unmarshal(b, &tree) != nil || tree.Strategy != "fake" {
			t.Errorf("tree %s: %v %s", name, err, b)
		}
	}
	var raw map[string]any
	b, _ := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err := json.Unmarshal(b, &raw); err != nil || raw["pass@1"] == nil || raw["pass@1_plus"] == nil || raw["dataset"] != "fake-set" {
		t.Errorf("summary.json %s; want pass@1, pass@1_plus and the caller's dataset", b)
	}
}

func TestRunResume(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ps := problems("A", "B", "C")
	first := newFake(map[string]string{"A": "ok", "B": "err", "C": "bad"})
	sum, err := Run(t.Context(), RunConfig{Strategy: first, OutDir: dir}, ps, fakeScore)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Attempted != 2 || sum.Errors["error"] != 1 {
		t.Fatalf("first run %+v; want 2 attempted, 1 error of the default class", sum)
	}

	second := newFake(map[string]string{"A": "ok", "B": "ok", "C": "bad"})
	sum, err = Run(t.Context(), RunConfig{Strategy: second, OutDir: dir}, ps, fakeScore)
	if err != nil {
		t.Fatal(err)
	}
	if calls := second.callCount(); len(calls) != 1 || calls["B"] != 1 {
		t.Errorf("second run searched %v; want only B, once", calls)
	}
	if sum.Attempted != 3 || sum.Solved != 2 || len(sum.Errors) != 0 || sum.Generations != 9 {
		t.Errorf("second run %+v; want 3 attempted (resumed ones included), 2 solved, no errors", sum)
	}
	if n := len(readJSONL[sampleLine](t, filepath.Join(dir, SamplesFile))); n != 3 {
		t.Errorf("%d samples, want 3", n)
	}
}

func TestRunTornLines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A was done; the kill came while B's result was being written, after
	// its sample.
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, ResultsFile),
		[]byte(`{"task_id":"A","passed":true,"result":"passed","generations":2,"chosen":0,"strategy":"fake"}`+"\n"+`{"task_id":"B","pas`), 0o644))
	must(os.WriteFile(filepath.Join(dir, SamplesFile),
		[]byte(`{"task_id":"A","solution":"ok"}`+"\n"+`{"task_id":"B","solution":"bad"}`+"\n"), 0o644))

	s := newFake(map[string]string{"A": "ok", "B": "ok"})
	sum, err := Run(t.Context(), RunConfig{Strategy: s, OutDir: dir}, problems("A", "B"), fakeScore)
	if err != nil {
		t.Fatal(err)
	}
	if calls := s.callCount(); len(calls) != 1 || calls["B"] != 1 {
		t.Errorf("searched %v; want only B", calls)
	}
	if sum.Attempted != 2 || sum.Solved != 2 || sum.Generations != 5 {
		t.Errorf("summary %+v; want 2 attempted, 2 solved, 5 generations", sum)
	}
	samples := readJSONL[sampleLine](t, filepath.Join(dir, SamplesFile))
	if len(samples) != 2 || samples[1].TaskID != "B" || samples[1].Solution != "ok" {
		t.Errorf("samples %+v; want A then the new B only", samples)
	}
	// The torn line stays, ended, and the new result starts a line of
	// its own.
	b, _ := os.ReadFile(filepath.Join(dir, ResultsFile))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var last TaskResult
	if len(lines) != 3 || json.Unmarshal([]byte(lines[2]), &last) != nil || last.TaskID != "B" || !last.Passed {
		t.Errorf("results.jsonl:\n%s\nwant A, the torn line, then B", b)
	}
}

func TestRunCancel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s := newFake(map[string]string{"P0": "ok", "P1": "ok", "P2": "ok", "P3": "ok", "P4": "ok"})
	// P0 is the Ctrl-C: once P1 is in flight it cancels and then
	// finishes normally; P1 waits for the cancellation and returns it.
	started := make(chan struct{})
	s.hook = func(ctx context.Context, p Problem) error {
		switch p.ID {
		case "P0":
			<-started
			cancel()
		case "P1":
			close(started)
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	sum, err := Run(ctx, RunConfig{Strategy: s, Concurrency: 2, OutDir: dir}, problems("P0", "P1", "P2", "P3", "P4"), fakeScore)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if calls := s.callCount(); len(calls) != 2 || calls["P0"] != 1 || calls["P1"] != 1 {
		t.Errorf("searched %v; want only the two in flight", calls)
	}
	if sum.Attempted != 1 || len(sum.Errors) != 0 {
		t.Errorf("summary %+v; want P0 recorded and the cancelled P1 not counted as an error", sum)
	}
	if _, err := os.Stat(filepath.Join(dir, SummaryFile)); err != nil {
		t.Errorf("no summary after cancel: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ErrorsFile)); len(b) != 0 {
		t.Errorf("errors.jsonl = %s; a cancelled problem is retried, not an error", b)
	}
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"HumanEval/0": "HumanEval_0", "Mbpp/12": "Mbpp_12", "..": "_..", "a b:c": "a_b_c", "11": "11"} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSummaryCountsSpendOfEveryLine: the accounts of result and error
// lines (earlier invocations' included) add up by role and problem, and
// the faults are totalled.
func TestSummaryCountsSpendOfEveryLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, lines ...any) {
		var b []byte
		for _, l := range lines {
			j, err := json.Marshal(l)
			if err != nil {
				t.Fatal(err)
			}
			b = append(append(b, j...), '\n')
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	solver := agent.Tally{Calls: 2, PromptTokens: 100, CompletionTokens: 50, Cost: 0.01, Faults: map[string]int{"rate_limited": 1}}
	critic := agent.Tally{Calls: 1, PromptTokens: 10, CompletionTokens: 1}
	write(ResultsFile,
		TaskResult{TaskID: "A", Passed: true, Generations: 2, Accounts: map[agent.Role]agent.Tally{agent.RoleSolver: solver, agent.RoleCritic: critic}},
		TaskResult{TaskID: "B", Generations: 1, Accounts: map[agent.Role]agent.Tally{agent.RoleSolver: solver}})
	write(ErrorsFile, TaskError{TaskID: "B", Class: "server", Accounts: map[agent.Role]agent.Tally{
		agent.RoleSolver: {Failures: 1, Faults: map[string]int{"server_error": 3}}}})
	sum, err := summarize(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	a := sum.Accounts
	if a.Total.Calls != 5 || a.Total.Tokens() != 311 || a.Total.Failures != 1 || a.ByRole[agent.RoleSolver].Calls != 4 ||
		a.ByRole[agent.RoleCritic].Tokens() != 11 || a.ByProblem["B"].Calls != 2 || a.ByProblem["B"].Failures != 1 {
		t.Errorf("accounts %+v", a)
	}
	if diff := cmp.Diff(map[string]int{"rate_limited": 2, "server_error": 3}, sum.Faults); diff != "" {
		t.Errorf("faults (-want +got):\n%s", diff)
	}
	if len(sum.Errors) != 0 || sum.Solved != 1 || sum.Attempted != 2 {
		t.Errorf("summary %+v: B's error was followed by a result, so no error counts", sum)
	}
}
