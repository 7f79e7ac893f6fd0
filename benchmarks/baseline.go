package benchmarks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/codetree/codetree/sandbox"
)

// BaselineTimes are the wall times of a baseline evaluation.
type BaselineTimes struct {
	// Reference is the time spent computing expected outputs of EvalPlus
	// inputs (zero for the other datasets).
	Reference time.Duration
	// Samples is the time spent scoring the samples.
	Samples time.Duration
	Passed  int // samples that passed (plus inputs included where present)
}

// BaselineGold scores the problems' reference solutions the way the
// official harnesses do, without a sandbox: one host python process per
// sample (fork and exec), workers at a time, human-eval's fixed 3 s limit.
// For HumanEval and MBPP the process runs the program and nothing else;
// for HumanEval+ and MBPP+ the reference outputs are computed first and
// each sample's process runs codetree's EvalPlus harness, as EvalPlus
// does with its own. It exists to measure `codetree eval` against it (make
// bench-eval) and runs only the datasets' own reference solutions, which
// are trusted code, never a sample: untrusted code runs only in the
// sandbox.
func BaselineGold(ctx context.Context, python string, problems []*Problem, workers int) (BaselineTimes, error) {
	ev := NewEvaluator(hostRunner{python: python}, EvalOptions{TimeoutFloor: 3 * time.Second, TimeoutCap: 3 * time.Second})
	var t BaselineTimes
	start := time.Now()
	if err := ev.PreparePlus(ctx, problems, ""); err != nil {
		return t, err
	}
	t.Reference = time.Since(start)
	start = time.Now()
	passed := make([]bool, len(problems))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, workers))
	for i, p := range problems {
		g.Go(func() error {
			if !hasPlusInputs(p) {
				// human-eval's kind: a process runs the program, no more.
				ok, err := runHostProcess(ctx, python, p.program(p.GoldSample()), 3*time.Second)
				passed[i] = ok
				return err
			}
			v, err := ev.Evaluate(ctx, p, p.GoldSample())
			if err != nil {
				return err
			}
			passed[i] = v.Passed && v.Plus.Passed
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return t, err
	}
	t.Samples = time.Since(start)
	for _, ok := range passed {
		if ok {
			t.Passed++
		}
	}
	return t, nil
}

// hostRunner runs a request as a plain host process in a temporary
// folder, with the pass token handled as the sandbox handles it. It has
// none of the sandbox's isolation: BaselineGold gives it only reference
// solutions.
type hostRunner struct{ python string }

func (h hostRunner) Run(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
	dir, err := os.MkdirTemp("", "codetree-baseline-")
	if err != nil {
		return sandbox.Result{}, err
	}
	defer os.RemoveAll(dir)
	for name, data := range req.Files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return sandbox.Result{}, err
		}
	}
	token := fmt.Sprintf("codetree-baseline-%d", time.Now().UnixNano())
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "TMPDIR=" + dir}
	if req.PassToken {
		tf := filepath.Join(dir, ".token")
		if err := os.WriteFile(tf, []byte(token), 0o600); err != nil {
			return sandbox.Result{}, err
		}
		env = append(env, "CODETREE_TOKEN_FILE="+tf)
	}
	ctx, cancel := context.WithTimeout(ctx, req.Limits.Timeout)
	defer cancel()
	args := req.Command[1:]
	cmd := exec.CommandContext(ctx, h.python, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	res := sandbox.Result{Stdout: stdout.String(), Stderr: stderr.String(), Duration: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		res.Status, res.ExitCode = sandbox.StatusTimeLimit, -1
	case errors.As(err, &ee):
		res.Status, res.ExitCode = sandbox.StatusFailed, ee.ExitCode()
	case err != nil:
		return res, fmt.Errorf("run %s: %w", h.python, err)
	default:
		res.Status = sandbox.StatusPassed
		if req.PassToken {
			out, ok := strings.CutSuffix(strings.TrimRight(res.Stdout, "\n"), "\n"+token)
			if !ok {
				res.Status = sandbox.StatusFailed
			}
			res.Stdout = out + "\n"
		}
	}
	return res, nil
}

// runHostProcess runs prog with python on stdin and reports whether it
// exited 0 within timeout. Only for trusted reference code.
func runHostProcess(ctx context.Context, python, prog string, timeout time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-")
	cmd.Stdin = strings.NewReader(prog)
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ee), ctx.Err() != nil:
		return false, nil
	}
	return false, fmt.Errorf("run %s: %w", python, err)
}
