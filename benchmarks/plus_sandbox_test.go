package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

// plusSandbox opens a real sandbox for the EvalPlus tests (skipped with
// -short, and without Docker outside CI).
func plusSandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	if testing.Short() {
		t.Skip("sandbox integration test (-short)")
	}
	return sandboxtest.New(t, sandbox.Config{})
}

// plusProblem is a HumanEval+-style problem made by hand: shift(xs, k)
// returns xs sorted, each plus k. Base inputs have at most 5 elements;
// plus input 17 is the first with more, and has 7.
func plusProblem(id string) *Problem {
	base := []string{`[[3, 1, 2], 1]`, `[[], 5]`, `[[5, 4, 3, 2, 1], -1]`}
	var plus []string
	for i := range 20 {
		n := 1 + i%5
		if i == 17 {
			n = 7
		}
		xs := make([]string, n)
		for j := range xs {
			xs[j] = fmt.Sprint((i*7 + j*13) % 23)
		}
		plus = append(plus, fmt.Sprintf("[[%s], %d]", strings.Join(xs, ", "), i))
	}
	return &Problem{
		task: Task{ID: id, Dataset: HumanEvalPlus, Lang: "python", EntryPoint: "shift"},
		hidden: hidden{
			prompt:     "def shift(xs, k):\n    \"\"\"Return xs sorted, each element plus k.\"\"\"\n",
			reference:  "    return sorted(x + k for x in xs)\n",
			baseInputs: base,
			plusInputs: plus,
		},
	}
}

// TestEvaluatePlusSandbox scores candidates of every kind of outcome on
// hand-made problems through the real harness in the sandbox.
func TestEvaluatePlusSandbox(t *testing.T) {
	t.Parallel()
	sb := plusSandbox(t)
	e := NewEvaluator(sb, EvalOptions{})

	shift := plusProblem("HumanEval/9001")
	const sig = "def shift(xs, k):\n"
	mean := &Problem{
		task: Task{ID: "HumanEval/9002", Dataset: HumanEvalPlus, Lang: "python", EntryPoint: "mean"},
		hidden: hidden{
			prompt:     "def mean(xs):\n",
			reference:  "    return sum(xs) / len(xs)\n",
			baseInputs: []string{`[[1.0, 2.0]]`, `[[3, 4, 5]]`},
			plusInputs: []string{`[[0.1, 0.2, 0.3]]`, `[[1e6, -1e6, 7]]`},
			atol:       1e-4,
		},
	}
	// find_zero has EvalPlus's special oracle: |poly(xs, x)| <= atol, on
	// the input as given, whatever the program did to it.
	findZero := &Problem{
		task: Task{ID: "HumanEval/32", Dataset: HumanEvalPlus, Lang: "python", EntryPoint: "find_zero"},
		hidden: hidden{
			prompt: "import math\n\ndef poly(xs, x):\n    return sum([c * math.pow(x, i) for i, c in enumerate(xs)])\n\ndef find_zero(xs):\n",
			reference: `    begin, end = -1., 1.
    while poly(xs, begin) * poly(xs, end) > 0:
        begin *= 2.0
        end *= 2.0
    while end - begin > 1e-10:
        center = (begin + end) / 2.0
        if poly(xs, center) * poly(xs, begin) > 0:
            begin = center
        else:
            end = center
    return begin
`,
			baseInputs: []string{`[[1, 2]]`, `[[-6, 11, -6, 1]]`},
			plusInputs: []string{`[[-3, 1]]`, `[[2, -3, 1]]`},
			atol:       1e-4,
		},
	}
	// MBPP+: Mbpp/2's inputs become tuples, and its outputs compare as
	// sets; Mbpp/787's outputs (re.Match objects) compare as not-None.
	similar := &Problem{
		task: Task{ID: "Mbpp/2", Dataset: MBPPPlus, Lang: "python", EntryPoint: "similar_elements"},
		hidden: hidden{
			reference:  "def similar_elements(t1, t2):\n    return tuple(set(t1) & set(t2))\n",
			setup:      "import math",
			baseInputs: []string{`[[3, 4, 5, 6], [5, 7, 4, 10]]`, `[[1, 2, 3, 4], [5, 4, 3, 7]]`},
			plusInputs: []string{`[[11, 12, 14, 13], [17, 15, 14, 13]]`, `[[], []]`},
		},
	}
	textMatch := &Problem{
		task: Task{ID: "Mbpp/787", Dataset: MBPPPlus, Lang: "python", EntryPoint: "text_match_three"},
		hidden: hidden{
			reference:  "import re\ndef text_match_three(text):\n    return re.search('ab{3}?', text)\n",
			baseInputs: []string{`["ac"]`, `["dc"]`, `["abbbba"]`},
			plusInputs: []string{`["caacabbbba"]`, `[""]`},
		},
	}
	// Outputs over 64 KiB are kept as digests; == still decides.
	big := &Problem{
		task: Task{ID: "HumanEval/9003", Dataset: HumanEvalPlus, Lang: "python", EntryPoint: "big"},
		hidden: hidden{
			prompt:     "def big(n, kind):\n",
			reference:  "    return 'x' * n if kind == 's' else list(range(n))\n",
			baseInputs: []string{`[10, "s"]`, `[10, "l"]`},
			plusInputs: []string{`[200000, "s"]`, `[50000, "l"]`},
		},
	}

	tests := []struct {
		name     string
		p        *Problem
		program  string
		base     string // the base verdict's Result
		plus     string // the plus verdict's Result
		failedAt int    // the plus verdict's FailedInput
	}{
		{"correct", shift, shift.hidden.prompt + shift.hidden.reference, "passed", "passed", -1},
		{"a different correct way", shift, sig + "    out = [x + k for x in xs]\n    out.sort()\n    return out\n", "passed", "passed", -1},
		{"wrong only on a plus input", shift, sig + "    if len(xs) > 5:\n        return list(xs)\n    return sorted(x + k for x in xs)\n",
			"passed", "failed: wrong output on plus input 17", 3 + 17},
		{"wrong on a base input", shift, sig + "    return [x + k for x in xs]\n", "failed: wrong output on base input 0", "failed: wrong output on base input 0", 0},
		{"raises on a plus input", shift, sig + "    return sorted(x + k for x in xs) if len(xs) < 7 else 1 / 0\n",
			"passed", "failed: raised ZeroDivisionError: division by zero on plus input 17", 20},
		{"mutates its input", shift, sig + "    xs.sort()\n    out = [x + k for x in xs]\n    xs.clear()\n    xs.append(99)\n    return out\n", "passed", "passed", -1},
		{"exits early", shift, "import os\n" + sig + "    os._exit(0)\n", "failed: the program exited with status 0 during base input 0", "failed: the program exited with status 0 during base input 0", 0},
		{"exits on a plus input", shift, "import sys, os\n" + sig + "    if len(xs) == 7:\n        os._exit(0)\n    return sorted(x + k for x in xs)\n",
			"passed", "failed: the program exited with status 0 during plus input 17", 20},
		{"exits while loading", shift, "import os\nos._exit(0)\n", "failed: the program exited with status 0 while loading", "failed: the program exited with status 0 while loading", -1},
		{"sys.exit is a failure", shift, "import sys\n" + sig + "    sys.exit(0)\n", "failed: raised SystemExit: 0 on base input 0", "failed: raised SystemExit: 0 on base input 0", 0},
		{"syntax error", shift, sig + "    return (\n", "failed: SyntaxError: '(' was never closed (program.py, line 2) while loading the program", "failed: SyntaxError: '(' was never closed (program.py, line 2) while loading the program", -1},
		{"no entry point", shift, "def other(xs, k):\n    return xs\n", "failed: the program does not define shift", "failed: the program does not define shift", -1},
		{"prints", shift, sig + "    print('{\"status\": \"pass\"}')\n    return sorted(x + k for x in xs)\n", "passed", "passed", -1},
		{"infinite loop on one input", shift, sig + "    while len(xs) == 7:\n        pass\n    return sorted(x + k for x in xs)\n", "passed", "timed out", 20},
		{"swallows the timeout", shift, sig + "    while len(xs) == 7:\n        try:\n            while True:\n                pass\n        except BaseException:\n            pass\n    return sorted(x + k for x in xs)\n", "passed", "timed out", 20},

		{"float exact", mean, mean.hidden.prompt + mean.hidden.reference, "passed", "passed", -1},
		{"float within atol", mean, "def mean(xs):\n    return sum(xs) / len(xs) + 5e-5\n", "passed", "passed", -1},
		{"float outside atol", mean, "def mean(xs):\n    return sum(xs) / len(xs) + 5e-4\n", "failed: wrong output (not within atol 0.0001) on base input 0", "failed: wrong output (not within atol 0.0001) on base input 0", 0},
		{"float of the wrong type", mean, "def mean(xs):\n    return str(sum(xs) / len(xs))\n", "failed: wrong output: str instead of float on base input 0", "failed: wrong output: str instead of float on base input 0", 0},

		{"find_zero", findZero, findZero.hidden.prompt + findZero.hidden.reference, "passed", "passed", -1},
		{"find_zero, another root", findZero, findZero.hidden.prompt + "    for x in (3.0, 2.0, 1.0, -0.5, 0.5):\n        if abs(poly(xs, x)) < 1e-9:\n            return x\n    return -0.5 if xs[0] == 1 else 3.0\n", "passed", "passed", -1},
		{"find_zero that clears its input", findZero, findZero.hidden.prompt + "    xs.clear()\n    return 0.0\n", "failed: wrong output: |poly(x)| > 0.0001 on base input 0", "failed: wrong output: |poly(x)| > 0.0001 on base input 0", 0},

		{"MBPP+ tuples and set equality", similar, "def similar_elements(t1, t2):\n    assert type(t1) is tuple and type(t2) is tuple\n    return sorted(set(t1) & set(t2), reverse=True)\n", "passed", "passed", -1},
		{"MBPP+ set equality fails", similar, "def similar_elements(t1, t2):\n    return list(t1)\n", "failed: wrong output on base input 0", "failed: wrong output on base input 0", 0},
		{"MBPP+ output not None", textMatch, "import re\ndef text_match_three(text):\n    return 'abbb' in text\n", "passed", "passed", -1},
		{"MBPP+ output not None fails", textMatch, "import re\ndef text_match_three(text):\n    return re.search('abbb', text) if len(text) < 8 else None\n", "passed", "failed: wrong output on plus input 0", 3},

		{"digested outputs", big, big.hidden.prompt + big.hidden.reference, "passed", "passed", -1},
		{"digested outputs, equal by ==", big, "def big(n, kind):\n    return 'x' * n if kind == 's' else [float(i) for i in range(n)]\n", "passed", "passed", -1},
		{"digested string differs", big, "def big(n, kind):\n    s = 'x' * n if kind == 's' else list(range(n))\n    return s[:-1] + 'y' if n > 100 and kind == 's' else s\n", "passed", "failed: wrong output on plus input 0", 2},
		{"digested list is a tuple", big, "def big(n, kind):\n    return 'x' * n if kind == 's' else tuple(range(n)) if n > 100 else list(range(n))\n", "passed", "failed: wrong output on plus input 1", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := e.scorePlus(t.Context(), tt.p, tt.program, e.Timeout(tt.p))
			if err != nil {
				t.Fatal(err)
			}
			if got.Base.Result != tt.base || got.Base.Passed != (tt.base == ResultPassed) {
				t.Errorf("base = %+v, want result %q", got.Base, tt.base)
			}
			if got.Plus.Result != tt.plus || got.Plus.Passed != (tt.plus == ResultPassed) || got.Plus.FailedInput != tt.failedAt {
				t.Errorf("plus = %+v, want result %q at input %d", got.Plus, tt.plus, tt.failedAt)
			}
			pv, err := e.evaluatePlus(t.Context(), tt.p, tt.program, e.Timeout(tt.p))
			if err != nil || pv.Passed != got.Plus.Passed {
				t.Errorf("evaluatePlus = %+v, %v; scorePlus gave %+v", pv, err, got.Plus)
			}
		})
	}
}

// TestPlusReferenceFailure checks that a reference solution that raises is
// a *PlusReferenceError naming the input, and that it is remembered rather
// than run again for every sample.
func TestPlusReferenceFailure(t *testing.T) {
	t.Parallel()
	sb := plusSandbox(t)
	var runs countingPlusRunner
	runs.r = sb
	e := NewEvaluator(&runs, EvalOptions{})
	p := plusProblem("HumanEval/9004")
	p.hidden.reference = "    return sorted(x + k for x in xs) if len(xs) != 7 else 1 / 0\n"
	for range 2 {
		_, err := e.evaluatePlus(t.Context(), p, "def shift(xs, k):\n    return xs\n", time.Second)
		var re *PlusReferenceError
		if !errors.As(err, &re) || !strings.Contains(re.Reason, "raised on plus input 17: ZeroDivisionError") {
			t.Fatalf("error = %v, want a *PlusReferenceError about plus input 17", err)
		}
	}
	if n := runs.n.Load(); n != 1 {
		t.Errorf("%d sandbox runs, want 1 (the failing reference, once)", n)
	}
}

// TestPreparePlusCache checks that PreparePlus writes oracles to its cache
// folder and that another process (a fresh memory cache) reads them back
// without running the reference again.
func TestPreparePlusCache(t *testing.T) {
	t.Parallel()
	sb := plusSandbox(t)
	dir := t.TempDir()
	var runs countingPlusRunner
	runs.r = sb
	e := NewEvaluator(&runs, EvalOptions{})
	p := plusProblem("HumanEval/9005")
	p.hidden.reference += "# prepare cache test\n"
	if err := e.PreparePlus(t.Context(), []*Problem{p, humanEvalProblem()}, dir); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.oracle"))
	if len(files) != 1 || runs.n.Load() != 1 {
		t.Fatalf("cache files %v after %d runs, want one file after one run", files, runs.n.Load())
	}
	// Forget the in-memory oracles, as a new process would.
	e.oracles = newOracleCache()
	if err := e.PreparePlus(t.Context(), []*Problem{p}, dir); err != nil {
		t.Fatal(err)
	}
	if runs.n.Load() != 1 {
		t.Errorf("%d runs after reading the cache, want still 1", runs.n.Load())
	}
	pv, err := e.evaluatePlus(t.Context(), p, p.hidden.prompt+p.hidden.reference, e.Timeout(p))
	if err != nil || !pv.Passed {
		t.Errorf("evaluatePlus with the cached oracle = %+v, %v", pv, err)
	}
}

// TestGoldPlus scores every HumanEval+ and MBPP+ reference solution on its
// base and plus inputs (set CODETREE_DATA_DIR), reporting each that fails
// and the time taken.
func TestGoldPlus(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("CODETREE_DATA_DIR")
	if dir == "" {
		t.Skip("set CODETREE_DATA_DIR to the data folder to score every HumanEval+ and MBPP+ reference on its plus inputs")
	}
	sb := plusSandbox(t)
	// What this checks is that every reference passes its base and plus
	// inputs, not how fast: beside the other test packages MBPP+'s slowest
	// reference (Mbpp/255, 18 s on an idle 2-core machine) took more than
	// EvalPlus's 60 s cap twice. `make gold` checks the same references
	// under the default cap on a quiet machine.
	e := NewEvaluator(sb, EvalOptions{TimeoutCap: 5 * time.Minute})
	cacheDir := os.Getenv("CODETREE_PLUS_CACHE") // optional: reuse expected outputs across runs
	for _, d := range []Dataset{HumanEvalPlus, MBPPPlus} {
		t.Run(string(d), func(t *testing.T) {
			problems, err := Load(t.Context(), d, LoadOptions{DataDir: dir, Offline: true})
			if err != nil {
				t.Fatal(err)
			}
			nInputs := 0
			for _, p := range problems {
				nInputs += len(p.hidden.baseInputs) + len(p.hidden.plusInputs)
			}
			start := time.Now()
			if err := e.PreparePlus(t.Context(), problems, cacheDir); err != nil {
				t.Errorf("expected outputs: %v", err)
			}
			prepared := time.Since(start)

			start = time.Now()
			outs := make([]plusOutcome, len(problems))
			errs := make([]error, len(problems))
			var g errgroup.Group
			g.SetLimit(runtime.NumCPU())
			for i, p := range problems {
				g.Go(func() error {
					outs[i], errs[i] = e.scorePlus(t.Context(), p, candidateCode(p, p.GoldSample()), e.Timeout(p))
					return nil
				})
			}
			_ = g.Wait()
			// A reference that timed out beside the other packages' tests
			// is scored again alone: the per-input limits come from its
			// reference timings, which a loaded machine can exceed; a wrong
			// output still fails.
			for i, p := range problems {
				if errs[i] == nil && !outs[i].Plus.Passed && strings.Contains(outs[i].Base.Result+outs[i].Plus.Result, "timed out") {
					t.Logf("%s: timed out (base %q, plus %q) with %d at a time: scored again alone", p.ID(), outs[i].Base.Result, outs[i].Plus.Result, runtime.NumCPU())
					outs[i], errs[i] = e.scorePlus(t.Context(), p, candidateCode(p, p.GoldSample()), e.Timeout(p))
				}
			}
			passed, slowest := 0, 0
			for i, p := range problems {
				switch {
				case errs[i] != nil:
					t.Errorf("%s: %v", p.ID(), errs[i])
				case !outs[i].Plus.Passed:
					t.Errorf("%s: reference: base %q, plus %q", p.ID(), outs[i].Base.Result, outs[i].Plus.Result)
				default:
					passed++
				}
				if outs[i].Duration > outs[slowest].Duration {
					slowest = i
				}
			}
			t.Logf("%s: %d inputs; expected outputs in %v; %d/%d references passed base and plus in %v (%d at a time; slowest %s: %v)",
				d, nInputs, prepared.Round(time.Millisecond), passed, len(problems), time.Since(start).Round(time.Millisecond),
				runtime.NumCPU(), problems[slowest].ID(), outs[slowest].Duration.Round(time.Millisecond))
		})
	}
}

// TestPlusHarnessPython runs the Python tests of the harness's comparison
// pieces (numpy.allclose without numpy, the digests, the special oracles,
// MBPP+ input conversions) in the sandbox's Python.
func TestPlusHarnessPython(t *testing.T) {
	t.Parallel()
	sb := plusSandbox(t)
	test, err := os.ReadFile(filepath.Join("testdata", "plus", "harness_test.py"))
	if err != nil {
		t.Fatal(err)
	}
	req := sandbox.PythonProgram(map[string][]byte{plusHarnessFile: plusHarnessPy, "harness_test.py": test}, "harness_test.py")
	res := sandboxtest.Run(t, sb, req)
	if !res.Passed() || !strings.Contains(res.Stdout, " passed, 0 failed") {
		t.Fatalf("harness tests: %s (%s)\n%s\n%s", res.Status, res.Detail, res.Stdout, res.Stderr)
	}
}

// TestEvaluatePlusBatch: samples scored together in one sandbox run get
// the verdicts they get alone, and one cannot read another's expected
// outputs or disturb it.
func TestEvaluatePlusBatch(t *testing.T) {
	t.Parallel()
	sb := plusSandbox(t)
	var runs atomic.Int32
	e := NewEvaluator(evalRunnerFunc(func(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
		runs.Add(1)
		return sb.Run(ctx, req)
	}), EvalOptions{})
	p := plusProblem("Test/batch")
	right := "    return sorted(x + k for x in xs)\n"
	items := []Item{
		{p, Sample{Completion: right}},
		// Wrong only on plus input 17, the first with 7 elements.
		{p, Sample{Completion: "    return sorted(x + k for x in xs) if len(xs) < 7 else []\n"}},
		// Looks for a sibling's files, exits early, leaves a process behind.
		{p, Sample{Completion: "    import glob, os\n    if glob.glob('../s*/oracle.bin') or glob.glob('../s*/program.py'):\n        return None\n    os.posix_spawn('/bin/sleep', ['sleep', '100'], {})\n    os._exit(0)\n"}},
		{p, Sample{Completion: right}},
	}
	vs, err := e.EvaluateBatch(t.Context(), items)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		base, plus bool
		plusResult string
	}{
		{true, true, "passed"},
		{true, false, "failed: wrong output on plus input 17"},
		{false, false, ""},
		{true, true, "passed"},
	}
	for i, w := range want {
		v := vs[i]
		if v.Plus == nil || v.Passed != w.base || v.Plus.Passed != w.plus {
			t.Errorf("item %d: %+v (plus %+v), want base %v plus %v", i, v, v.Plus, w.base, w.plus)
			continue
		}
		if w.plusResult != "" && v.Plus.Result != w.plusResult {
			t.Errorf("item %d: plus result %q, want %q", i, v.Plus.Result, w.plusResult)
		}
	}
	if strings.Contains(vs[2].Result, "wrong output") {
		t.Errorf("the early-exit sample found a sibling's files: %q", vs[2].Result)
	}
	if n := runs.Load(); n != 2 {
		t.Errorf("%d sandbox runs, want 2: the reference's and one for the batch", n)
	}
}
