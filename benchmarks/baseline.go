package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// BaselineGold scores the problems' reference solutions the way the
// official harness does, without a sandbox: one child python3 process per
// sample (fork and exec), a fixed timeout, a pool of workers. It exists to
// measure `codetree eval` against it (make bench-eval). It runs only the
// datasets' own reference solutions, which are trusted code, never a
// sample: untrusted code runs only in the sandbox.
func BaselineGold(ctx context.Context, python string, problems []*Problem, workers int, timeout time.Duration) (passed int, err error) {
	var n atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, workers))
	for _, p := range problems {
		prog := p.program(p.GoldSample())
		g.Go(func() error {
			ok, err := runHostProcess(ctx, python, prog, timeout)
			if err != nil {
				return fmt.Errorf("%s: %w", p.ID(), err)
			}
			if ok {
				n.Add(1)
			}
			return nil
		})
	}
	err = g.Wait()
	return int(n.Load()), err
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
	case errors.As(err, &ee):
		return false, nil
	case ctx.Err() != nil:
		return false, nil
	}
	return false, fmt.Errorf("run %s: %w", python, err)
}
