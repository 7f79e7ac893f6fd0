package benchmarks

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codetree/codetree/sandbox"
)

// countingRunner answers every run with the harness report of result,
// taking elapsed seconds, and counts the runs.
func countingRunner(calls *atomic.Int32, result string, elapsed float64) sandbox.Runner {
	return evalRunnerFunc(func(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
		calls.Add(1)
		if got := string(req.Files["manifest.json"]); !strings.HasSuffix(got, `"timeout":60}]`) {
			return sandbox.Result{}, errors.New("calibration run with manifest " + got + ", want a time limit of 60")
		}
		return sandbox.Result{Status: sandbox.StatusPassed, Stdout: reportStdout(result, elapsed)}, nil
	})
}

func TestCalibrateCache(t *testing.T) {
	t.Parallel()
	cache := filepath.Join(t.TempDir(), "reftimes.json")
	problems := func() []*Problem {
		return []*Problem{humanEvalProblem(), mbppProblem(MBPP, "123", "def f():\n  return 1\n", "", "assert f() == 1")}
	}

	var calls atomic.Int32
	e := NewEvaluator(countingRunner(&calls, "passed", 3.8), EvalOptions{})
	ps := problems()
	if err := e.Calibrate(t.Context(), ps, cache); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 {
		t.Errorf("first calibration ran %d references, want 2", calls.Load())
	}
	for _, p := range ps {
		if p.RefTime() != 3800*time.Millisecond {
			t.Errorf("%s: reference time %v, want 3.8s", p.ID(), p.RefTime())
		}
		if got := e.Timeout(p); got != 15200*time.Millisecond {
			t.Errorf("%s: timeout %v, want 4 x 3.8s", p.ID(), got)
		}
	}
	var file refTimeCache
	b, err := os.ReadFile(cache)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &file); err != nil || len(file.Entries) != 2 || file.Version != refTimeCacheVersion {
		t.Fatalf("cache file = %s (%v), want 2 entries", b, err)
	}
	for key := range file.Entries {
		if !strings.Contains(key, e.machineKey()) {
			t.Errorf("cache key %q does not name the machine %q", key, e.machineKey())
		}
	}

	// A rerun reads the cache and runs nothing.
	calls.Store(0)
	e = NewEvaluator(countingRunner(&calls, "passed", 99), EvalOptions{})
	ps = problems()
	if err := e.Calibrate(t.Context(), ps, cache); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 0 {
		t.Errorf("rerun ran %d references, want 0", calls.Load())
	}
	if ps[0].RefTime() != 3800*time.Millisecond {
		t.Errorf("cached reference time %v, want 3.8s", ps[0].RefTime())
	}
	// Measured problems are not measured again, even without a cache.
	if err := e.Calibrate(t.Context(), ps, ""); err != nil || calls.Load() != 0 {
		t.Errorf("recalibration ran %d references (err %v), want 0", calls.Load(), err)
	}

	// A changed reference is measured again.
	ps = problems()
	ps[1].hidden.reference = "def f():\n  return 2 - 1\n"
	if err := e.Calibrate(t.Context(), ps, cache); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 || ps[1].RefTime() != 99*time.Second {
		t.Errorf("changed reference: %d runs, time %v; want 1 run and 99s", calls.Load(), ps[1].RefTime())
	}
}

func TestCalibrateReferenceFailure(t *testing.T) {
	t.Parallel()
	cache := filepath.Join(t.TempDir(), "reftimes.json")
	var calls atomic.Int32
	e := NewEvaluator(countingRunner(&calls, "failed: name 'math' is not defined", 0.01), EvalOptions{})
	p := mbppProblem(MBPPPlus, "Mbpp/120", "def f():\n  return math.pi\n", "", "assert f() > 3")
	err := e.Calibrate(t.Context(), []*Problem{p}, cache)
	var rf *ReferenceFailure
	if !errors.As(err, &rf) || rf.Results["Mbpp/120"] != "failed: name 'math' is not defined" {
		t.Fatalf("error = %v, want a ReferenceFailure naming Mbpp/120", err)
	}
	if p.RefTime() != 10*time.Millisecond {
		t.Errorf("reference time %v, want the measured 10ms", p.RefTime())
	}
	if _, err := os.Stat(cache); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failing reference was cached (stat: %v)", err)
	}
}

func TestCalibrateRunnerError(t *testing.T) {
	t.Parallel()
	boom := errors.New("daemon unreachable")
	e := NewEvaluator(evalRunnerFunc(func(context.Context, sandbox.Request) (sandbox.Result, error) {
		return sandbox.Result{}, boom
	}), EvalOptions{})
	p := humanEvalProblem()
	if err := e.Calibrate(t.Context(), []*Problem{p}, ""); !errors.Is(err, boom) {
		t.Fatalf("error = %v, want it to wrap %v", err, boom)
	}
	if p.RefTime() != 0 {
		t.Errorf("reference time %v after a failed run, want 0", p.RefTime())
	}
}

func TestCalibrateCorruptCache(t *testing.T) {
	t.Parallel()
	cache := filepath.Join(t.TempDir(), "reftimes.json")
	if err := os.WriteFile(cache, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	e := NewEvaluator(countingRunner(&calls, "passed", 1), EvalOptions{})
	if err := e.Calibrate(t.Context(), []*Problem{humanEvalProblem()}, cache); err == nil || !strings.Contains(err.Error(), "remove the file") {
		t.Errorf("error = %v, want one that says to remove the file", err)
	}
}

// TestCalibrateSandbox measures a slow reference in the sandbox: with the
// timeout scaled by its time, a candidate slower than the floor but within
// the scaled limit passes, as under EvalPlus's rule; uncalibrated, the same
// candidate times out at the floor.
func TestCalibrateSandbox(t *testing.T) {
	t.Parallel()
	sb := newTestSandbox(t)
	opts := EvalOptions{TimeoutFloor: 300 * time.Millisecond, TimeoutFactor: 3, TimeoutCap: 10 * time.Second}
	newProblem := func() *Problem {
		return mbppProblem(MBPP, "123", "import time\ndef slow(x):\n  time.sleep(0.5)\n  return x\n", "", "assert slow(1) == 1")
	}
	candidate := Sample{Solution: "import time\ndef slow(x):\n  time.sleep(0.7)\n  return x\n"}

	e := NewEvaluator(sb, opts)
	p := newProblem()
	v, err := e.Evaluate(t.Context(), p, candidate)
	if err != nil {
		t.Fatal(err)
	}
	if v.Result != "timed out" || v.Timeout != 300*time.Millisecond {
		t.Errorf("uncalibrated: %q with timeout %v, want timed out at 300ms", v.Result, v.Timeout)
	}

	cache := filepath.Join(t.TempDir(), "reftimes.json")
	if err := e.Calibrate(t.Context(), []*Problem{p}, cache); err != nil {
		t.Fatal(err)
	}
	if ref := p.RefTime(); ref < 500*time.Millisecond || ref > 2*time.Second {
		t.Fatalf("measured reference time %v, want about 0.5s", ref)
	}
	v, err = e.Evaluate(t.Context(), p, candidate)
	if err != nil {
		t.Fatal(err)
	}
	if v.Result != "passed" || v.Timeout != 3*p.RefTime() {
		t.Errorf("calibrated: %q with timeout %v, want passed with 3 x %v", v.Result, v.Timeout, p.RefTime())
	}

	// The cache gives the same time to a fresh problem without a run.
	fresh := newProblem()
	var calls atomic.Int32
	e2 := NewEvaluator(evalRunnerFunc(func(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
		calls.Add(1)
		return sb.Run(ctx, req)
	}), opts)
	if err := e2.Calibrate(t.Context(), []*Problem{fresh}, cache); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 0 || fresh.RefTime() != p.RefTime() {
		t.Errorf("from the cache: %d runs, time %v; want 0 runs and %v", calls.Load(), fresh.RefTime(), p.RefTime())
	}
}
