package benchmarks

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/sandbox"
)

// countingPlusRunner counts the runs it passes on to r.
type countingPlusRunner struct {
	r sandbox.Runner
	n atomic.Int32
}

func (c *countingPlusRunner) Run(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
	c.n.Add(1)
	return c.r.Run(ctx, req)
}

// plusRunnerFunc is a fake Runner.
type plusRunnerFunc func(ctx context.Context, req sandbox.Request) (sandbox.Result, error)

func (f plusRunnerFunc) Run(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
	return f(ctx, req)
}

func TestPlusTimeLimits(t *testing.T) {
	t.Parallel()
	// Two base inputs, three plus inputs; one plus input is slow.
	times := []float64{0.001, 2, 0.5, 30, 0}
	limits, budgets := plusTimeLimits(times, 2, 4*time.Second, 4, 60*time.Second)
	if diff := cmp.Diff([]float64{4, 8, 4, 120, 4}, limits); diff != "" {
		t.Errorf("limits (-want +got):\n%s", diff)
	}
	// Base: min(60, 12) + 1; plus: min(60, 128) + 1.
	if want := [2]float64{13, 61}; budgets != want {
		t.Errorf("budgets = %v, want %v", budgets, want)
	}
	_, budgets = plusTimeLimits(nil, 0, 4*time.Second, 4, 60*time.Second)
	if want := [2]float64{1, 1}; budgets != want {
		t.Errorf("budgets of no inputs = %v, want %v", budgets, want)
	}
}

func TestTaskNumber(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]int{"Mbpp/255": 255, "HumanEval/0": 0, "11": 11, "Test/add": -1, "": -1} {
		if got := taskNumber(id); got != want {
			t.Errorf("taskNumber(%q) = %d, want %d", id, got, want)
		}
	}
}

func TestPlusConfigFor(t *testing.T) {
	t.Parallel()
	p := plusProblem("HumanEval/7")
	p.hidden.atol = 1e-6
	cfg, err := plusConfigFor(p)
	if err != nil {
		t.Fatal(err)
	}
	want := plusConfig{EntryPoint: "shift", Dataset: "humaneval", Task: 7, Atol: 1e-6, NBase: 3, NPlus: 20}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	mb := &Problem{task: Task{ID: "Mbpp/2", Dataset: MBPPPlus, EntryPoint: "f"}, hidden: hidden{baseInputs: []string{"[1]"}}}
	if cfg, err := plusConfigFor(mb); err != nil || cfg.Dataset != "mbpp" || cfg.Task != 2 {
		t.Errorf("MBPP+ config = %+v, %v", cfg, err)
	}
	for name, q := range map[string]*Problem{
		"not a plus dataset": humanEvalProblem(),
		"no inputs":          {task: Task{ID: "Mbpp/3", Dataset: MBPPPlus, EntryPoint: "f"}},
		"no entry point":     {task: Task{ID: "Mbpp/4", Dataset: MBPPPlus}, hidden: hidden{plusInputs: []string{"[1]"}}},
	} {
		if _, err := plusConfigFor(q); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestInputsJSON(t *testing.T) {
	t.Parallel()
	p := &Problem{hidden: hidden{baseInputs: []string{`[1, "a,b"]`, `[[2], {"k": 3}]`}, plusInputs: []string{`[Infinity]`}}}
	got := string(inputsJSON(p))
	if want := `{"base":[[1, "a,b"],[[2], {"k": 3}]],"plus":[[Infinity]]}` + "\n"; got != want {
		t.Errorf("inputsJSON = %q, want %q", got, want)
	}
	// Without Python's words it is plain JSON.
	p.hidden.plusInputs = nil
	var v struct{ Base, Plus []json.RawMessage }
	if err := json.Unmarshal(inputsJSON(p), &v); err != nil || len(v.Base) != 2 || len(v.Plus) != 0 {
		t.Errorf("inputsJSON does not parse back: %v %+v", err, v)
	}
}

func TestReferenceProgram(t *testing.T) {
	t.Parallel()
	he := plusProblem("HumanEval/1")
	if got := referenceProgram(he); got != he.hidden.prompt+he.hidden.reference {
		t.Errorf("HumanEval+ reference program = %q", got)
	}
	mb := &Problem{hidden: hidden{setup: "import math", reference: "def f():\n    return 1\n"}}
	if got, want := referenceProgram(mb), "import math\ndef f():\n    return 1\n"; got != want {
		t.Errorf("MBPP+ reference program = %q, want %q", got, want)
	}
}

// plusReportStdout is what the harness prints in sample mode (the token
// already cut).
func plusReportStdout(report string) string {
	return "noise from the harness\n" + plusReportMark + report + "\n"
}

func TestReadPlusResult(t *testing.T) {
	t.Parallel()
	passed := PlusVerdict{Passed: true, Result: "passed", FailedInput: -1}
	fail := func(result string, i int) PlusVerdict { return PlusVerdict{Result: result, FailedInput: i} }
	tests := []struct {
		name       string
		res        sandbox.Result
		base, plus PlusVerdict
		wantErr    string
	}{
		{"passed", sandbox.Result{Status: sandbox.StatusPassed, Stdout: plusReportStdout(`{"status": "pass", "index": -1}`)}, passed, passed, ""},
		{"wrong on a plus input", sandbox.Result{Status: sandbox.StatusPassed,
			Stdout: plusReportStdout(`{"status": "fail", "phase": "plus", "index": 20, "reason": "wrong output", "where": "on"}`)},
			passed, fail("failed: wrong output on plus input 17", 20), ""},
		{"raised on a base input", sandbox.Result{Status: sandbox.StatusPassed,
			Stdout: plusReportStdout(`{"status": "fail", "phase": "base", "index": 1, "reason": "raised ValueError: x"}`)},
			fail("failed: raised ValueError: x on base input 1", 1), fail("failed: raised ValueError: x on base input 1", 1), ""},
		{"exited during a plus input", sandbox.Result{Status: sandbox.StatusPassed,
			Stdout: plusReportStdout(`{"status": "fail", "phase": "plus", "index": 3, "reason": "the program exited with status 0", "where": "during"}`)},
			passed, fail("failed: the program exited with status 0 during plus input 0", 3), ""},
		{"does not load", sandbox.Result{Status: sandbox.StatusPassed,
			Stdout: plusReportStdout(`{"status": "fail", "phase": "base", "index": -1, "reason": "NameError: name 'x' is not defined while loading the program"}`)},
			fail("failed: NameError: name 'x' is not defined while loading the program", -1), fail("failed: NameError: name 'x' is not defined while loading the program", -1), ""},
		{"timed out on a plus input", sandbox.Result{Status: sandbox.StatusPassed,
			Stdout: plusReportStdout(`{"status": "timeout", "phase": "plus", "index": 5, "reason": "timed out"}`)},
			passed, fail("timed out", 5), ""},
		{"out of memory with a report", sandbox.Result{Status: sandbox.StatusMemoryLimit,
			Stdout: plusReportStdout(`{"status": "fail", "phase": "plus", "index": 4, "reason": "the program was killed by signal 9", "where": "during"}`) + "\ntoken\n"},
			passed, fail("failed: memory limit exceeded during plus input 1", 4), ""},
		{"out of memory", sandbox.Result{Status: sandbox.StatusMemoryLimit}, fail("failed: memory limit exceeded", -1), fail("failed: memory limit exceeded", -1), ""},
		{"sandbox deadline", sandbox.Result{Status: sandbox.StatusTimeLimit}, fail("timed out", -1), fail("timed out", -1), ""},
		{"output flood", sandbox.Result{Status: sandbox.StatusOutputLimit}, fail("failed: output limit exceeded", -1), fail("failed: output limit exceeded", -1), ""},
		{"harness killed", sandbox.Result{Status: sandbox.StatusRuntimeError, Signal: 9}, fail("failed: the run was killed by signal 9", -1), fail("failed: the run was killed by signal 9", -1), ""},
		{"exit 0 without the token", sandbox.Result{Status: sandbox.StatusFailed, Stdout: plusReportStdout(`{"status": "pass", "index": -1}`)},
			fail("failed: the run ended before its verdict", -1), fail("failed: the run ended before its verdict", -1), ""},
		{"harness error", sandbox.Result{Status: sandbox.StatusFailed, ExitCode: 2, Stdout: plusErrorMark + `"oracle.bin does not match config.json"` + "\n"},
			PlusVerdict{}, PlusVerdict{}, "plus harness: oracle.bin does not match config.json"},
		{"harness crashed", sandbox.Result{Status: sandbox.StatusFailed, ExitCode: 1, Stderr: "Traceback: boom"}, PlusVerdict{}, PlusVerdict{}, "exited with status 1: Traceback: boom"},
		{"cannot start", sandbox.Result{Status: sandbox.StatusRuntimeError, Detail: "no python3"}, PlusVerdict{}, PlusVerdict{}, "no python3"},
		{"internal error", sandbox.Result{Status: sandbox.StatusInternalError, Detail: "runner lost"}, PlusVerdict{}, PlusVerdict{}, "sandbox internal error: runner lost"},
		{"no report", sandbox.Result{Status: sandbox.StatusPassed, Stdout: `{"status": "pass"}`}, PlusVerdict{}, PlusVerdict{}, "printed no"},
		{"malformed report", sandbox.Result{Status: sandbox.StatusPassed, Stdout: plusReportStdout(`{"status": `)}, PlusVerdict{}, PlusVerdict{}, "plus harness report"},
		{"unknown status", sandbox.Result{Status: sandbox.StatusPassed, Stdout: plusReportStdout(`{"status": "ok"}`)}, PlusVerdict{}, PlusVerdict{}, "unknown status"},
		{"plus phase on a base input", sandbox.Result{Status: sandbox.StatusPassed, Stdout: plusReportStdout(`{"status": "fail", "phase": "plus", "index": 1, "reason": "wrong output"}`)}, PlusVerdict{}, PlusVerdict{}, "plus phase failed on base input 1 (report "},
		{"invalid status", sandbox.Result{}, PlusVerdict{}, PlusVerdict{}, "unexpected sandbox status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readPlusResult(tt.res, 3)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Base != tt.base || got.Plus != tt.plus {
				t.Errorf("verdicts = base %+v, plus %+v; want %+v, %+v", got.Base, got.Plus, tt.base, tt.plus)
			}
		})
	}
}

func TestParseReferenceOutput(t *testing.T) {
	t.Parallel()
	stdout := "junk\n" + plusReportMark + `{"n_base": 1, "n_plus": 2, "times": [0.1, 0.2, 0.3], "digests": 1}` + "\naGVsbG8=\n"
	o, err := parseReferenceOutput(stdout)
	if err != nil {
		t.Fatal(err)
	}
	want := &plusOracle{NBase: 1, NPlus: 2, Times: []float64{0.1, 0.2, 0.3}, Digests: 1, Data: []byte("hello")}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("oracle (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", plusReportMark + "{}\n", plusReportMark + `{"n_base": 1}` + "\n!!!\n", plusReportMark + "not json\naGVsbG8=\n"} {
		if _, err := parseReferenceOutput(bad); err == nil {
			t.Errorf("parseReferenceOutput(%q): no error", bad)
		}
	}
}

// TestPlusRequests checks what the reference and sample runs ask of the
// sandbox: the files, the memory floor, limits from the reference's times
// and a sandbox deadline above the harness's budgets.
func TestPlusRequests(t *testing.T) {
	t.Parallel()
	p := plusProblem("HumanEval/9100")
	var reqs []sandbox.Request
	var mu sync.Mutex
	fake := plusRunnerFunc(func(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
		mu.Lock()
		reqs = append(reqs, req)
		mu.Unlock()
		if req.Command[len(req.Command)-1] == "reference" {
			times := make([]float64, 23)
			times[20] = 3 // plus input 17: 12 s limit
			b, _ := json.Marshal(plusOracle{NBase: 3, NPlus: 20, Times: times})
			return sandbox.Result{Status: sandbox.StatusPassed, Stdout: plusReportMark + string(b) + "\nAAEC\n"}, nil
		}
		return sandbox.Result{Status: sandbox.StatusPassed, Stdout: plusReportStdout(`{"status": "pass"}`)}, nil
	})
	e := NewEvaluator(fake, EvalOptions{Limits: sandbox.Limits{Memory: 256 * sandbox.MiB, CPUs: 1}})
	pv, err := e.evaluatePlus(t.Context(), p, "def shift(xs, k):\n    return xs\n", 5*time.Second)
	if err != nil || !pv.Passed {
		t.Fatalf("evaluatePlus = %+v, %v", pv, err)
	}
	if len(reqs) != 2 {
		t.Fatalf("%d runs, want a reference run and a sample run", len(reqs))
	}
	ref, sample := reqs[0], reqs[1]
	if got := string(ref.Files[plusRefFile]); got != referenceProgram(p) {
		t.Errorf("reference.py = %q", got)
	}
	if !ref.PassToken || !sample.PassToken {
		t.Error("a plus run without a pass token")
	}
	if ref.Limits.Memory != plusMemoryFloor || sample.Limits.Memory != plusMemoryFloor || sample.Limits.CPUs != 1 {
		t.Errorf("limits %+v and %+v, want the memory floor and the caller's CPUs", ref.Limits, sample.Limits)
	}
	if got := sample.Files[plusOracleFile]; string(got) != "\x00\x01\x02" {
		t.Errorf("oracle.bin = %q, want the reference run's bytes", got)
	}
	if got := string(sample.Files[plusProgramFile]); got != "def shift(xs, k):\n    return xs\n" {
		t.Errorf("program.py = %q", got)
	}
	var cfg plusConfig
	if err := json.Unmarshal(sample.Files[plusConfigFile], &cfg); err != nil {
		t.Fatal(err)
	}
	// The floor is max(4 s, the 5 s per-program timeout); input 20 gets 4 x 3 s.
	if cfg.Limits[0] != 5 || cfg.Limits[20] != 12 || cfg.Budgets != [2]float64{16, 61} {
		t.Errorf("limits %v, budgets %v", cfg.Limits, cfg.Budgets)
	}
	if want := plusStartSlack + 77*time.Second; sample.Limits.Timeout != want {
		t.Errorf("sandbox deadline %v, want %v", sample.Limits.Timeout, want)
	}
	// A second sample reuses the expected outputs.
	if _, err := e.evaluatePlus(t.Context(), p, "x = 1\n", time.Second); err != nil || len(reqs) != 3 {
		t.Errorf("second sample: %v, %d runs in all, want 3", err, len(reqs))
	}
}

func TestOracleCache(t *testing.T) {
	t.Parallel()
	c := &oracleCache{calls: make(map[string]*oracleCall)}
	var computed atomic.Int32
	release := make(chan struct{})
	compute := func(ctx context.Context) (*plusOracle, error) {
		computed.Add(1)
		<-release
		return &plusOracle{NBase: 1}, nil
	}
	var wg sync.WaitGroup
	got := make([]*plusOracle, 8)
	for i := range got {
		wg.Go(func() {
			o, err := c.get(t.Context(), "k", compute)
			if err != nil {
				t.Error(err)
			}
			got[i] = o
		})
	}
	// Wait until the computation started, then let it finish.
	deadline := time.Now().Add(5 * time.Second)
	for computed.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if computed.Load() != 1 {
		t.Errorf("computed %d times, want once", computed.Load())
	}
	for _, o := range got {
		if o != got[0] || o == nil {
			t.Fatalf("callers got different oracles: %v", got)
		}
	}

	// A harness failure is forgotten; a reference failure is kept.
	boom := errors.New("docker gone")
	if _, err := c.get(t.Context(), "f", func(context.Context) (*plusOracle, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("error = %v", err)
	}
	if o, err := c.get(t.Context(), "f", func(context.Context) (*plusOracle, error) { return &plusOracle{}, nil }); err != nil || o == nil {
		t.Errorf("retry after a harness failure = %v, %v", o, err)
	}
	refErr := &PlusReferenceError{TaskID: "X", Reason: "raised"}
	_, _ = c.get(t.Context(), "r", func(context.Context) (*plusOracle, error) { return nil, refErr })
	_, err := c.get(t.Context(), "r", func(context.Context) (*plusOracle, error) {
		t.Error("reference failure computed again")
		return nil, nil
	})
	if !errors.Is(err, refErr) {
		t.Errorf("error = %v, want the remembered reference failure", err)
	}

	// A waiter whose own context ends stops waiting.
	block := make(chan struct{})
	defer close(block)
	started := make(chan struct{})
	go func() {
		_, _ = c.get(context.Background(), "slow", func(context.Context) (*plusOracle, error) {
			close(started)
			<-block
			return nil, nil
		})
	}()
	<-started
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.get(ctx, "slow", compute); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled waiter: %v", err)
	}
}

func TestOracleFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "k.oracle")
	o := &plusOracle{NBase: 1, NPlus: 1, Times: []float64{0.5, 1e-6}, Digests: 1, Data: []byte("\x00bin\nary\xff")}
	if err := writeOracleFile(path, "key1", o); err != nil {
		t.Fatal(err)
	}
	got, err := readOracleFile(path, "key1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(o, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	if _, err := readOracleFile(path, "key2"); err == nil {
		t.Error("an oracle of another key was read")
	}
	if err := os.WriteFile(path, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readOracleFile(path, "key1"); err == nil {
		t.Error("a broken oracle file was read")
	}
}

func TestPlusKey(t *testing.T) {
	t.Parallel()
	e := NewEvaluator(nil, EvalOptions{})
	p := plusProblem("HumanEval/5")
	k := e.plusKey(p)
	if k != e.plusKey(plusProblem("HumanEval/5")) {
		t.Error("the key of the same problem changed")
	}
	changes := map[string]func(q *Problem){
		"input": func(q *Problem) { q.hidden.plusInputs[3] = "[[1], 2]" },
		"input cut": func(q *Problem) {
			q.hidden.baseInputs, q.hidden.plusInputs = q.hidden.baseInputs[:2], append([]string{q.hidden.baseInputs[2]}, q.hidden.plusInputs...)
		},
		"reference": func(q *Problem) { q.hidden.reference += "\n" },
		"atol":      func(q *Problem) { q.hidden.atol = 1e-6 },
		"entry":     func(q *Problem) { q.task.EntryPoint = "f" },
	}
	for name, change := range changes {
		q := plusProblem("HumanEval/5")
		change(q)
		if e.plusKey(q) == k {
			t.Errorf("%s: the key did not change", name)
		}
	}
}
