package swebench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Error classes Run gives its own infrastructure errors.
const (
	ClassCheckout     = "checkout"     // clone, fetch or checkout of base_commit
	ClassDependencies = "dependencies" // go mod download
	ClassInterrupted  = "interrupted"  // the attempt was cut short by ctx
)

// runner is one invocation of Run.
type runner struct {
	opts      RunOptions
	files     *runFiles
	checkouts *checkouts

	mu    sync.Mutex // guards tally and serialises Progress
	todo  []Instance
	tally RunProgress
}

func newRunner(o RunOptions, files *runFiles) (*runner, error) {
	r := &runner{opts: o, files: files,
		checkouts: newCheckouts(o.RepoURL, o.WorkDir, filepath.Join(o.WorkDir, "checkouts"))}
	for _, in := range o.Instances {
		if !files.done[in.InstanceID] {
			r.todo = append(r.todo, in)
		}
	}
	before, err := summarizeRun(o.Out, o.ModelName, o.Instances)
	if err != nil {
		return nil, err
	}
	r.tally = RunProgress{Total: len(o.Instances), Todo: len(r.todo), Predicted: before.Predicted, Passed: before.PassedOwnTests}
	return r, nil
}

// runAll works on the instances to do, Concurrency at a time, until ctx
// ends. The error is a failure to write the run folder.
func (r *runner) runAll(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.Concurrency)
	for _, in := range r.todo {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if gctx.Err() != nil { // ended while waiting for a slot
				return nil
			}
			return r.one(gctx, in)
		})
	}
	return g.Wait()
}

// one makes one instance's attempt and records it.
func (r *runner) one(ctx context.Context, in Instance) error {
	r.event(in.InstanceID, nil)
	start := time.Now()
	att, facts, err := r.attempt(ctx, in)
	res := newRunResult(in.InstanceID, att, start, facts)
	if err != nil || ctx.Err() != nil {
		res.ErrorClass, res.Error = r.classify(ctx, err)
		slog.Info("swe run: instance not done", "instance", in.InstanceID, "class", res.ErrorClass, "error", res.Error)
	}
	if err := r.files.record(res, att); err != nil {
		return err
	}
	r.event(in.InstanceID, &res)
	return nil
}

// attemptFacts are what Run finds out about an attempt besides the
// Patcher's Attempt.
type attemptFacts struct {
	setup       time.Duration // before the Patcher: checkout, Go modules
	editedTests []string      // see RunResult.EditedTests
}

// attempt checks the instance out, fetches its Go modules if needed and
// runs the Patcher.
func (r *runner) attempt(ctx context.Context, in Instance) (Attempt, attemptFacts, error) {
	start := time.Now()
	var facts attemptFacts
	dir, err := r.checkouts.worktree(ctx, in)
	if err != nil {
		facts.setup = time.Since(start)
		return Attempt{}, facts, &classedError{ClassCheckout, err}
	}
	defer os.RemoveAll(dir)
	cache, err := r.modules(ctx, dir)
	facts.setup = time.Since(start)
	if err != nil {
		return Attempt{}, facts, &classedError{ClassDependencies, fmt.Errorf("dependencies of %s: %w", in.InstanceID, err)}
	}
	att, err := r.opts.Patcher.Patch(ctx, Workspace{Task: in.Task(), Dir: dir, GoModCache: cache})
	if err == nil && att.Patch != "" {
		facts.editedTests = editedTests(ctx, dir, in.BaseCommit, att.Patch)
	}
	return att, facts, err
}

// modules fetches the Go modules the checkout at dir needs into
// WorkDir/gomodcache and returns that folder ("" when none are needed).
func (r *runner) modules(ctx context.Context, dir string) (string, error) {
	need, err := dirNeedsModCache(dir)
	if err != nil || !need {
		return "", err
	}
	cache := filepath.Join(r.opts.WorkDir, "gomodcache")
	if err := goModDownload(ctx, dir, cache); err != nil {
		return "", err
	}
	return cache, nil
}

// classedError is an error of Run's own, with its class.
type classedError struct {
	class string
	err   error
}

func (e *classedError) Error() string { return e.err.Error() }
func (e *classedError) Unwrap() error { return e.err }

// classify names the class of an attempt's error and gives its message;
// an attempt that ended with ctx is interrupted, whatever it returned.
func (r *runner) classify(ctx context.Context, err error) (class, msg string) {
	var ce *classedError
	switch {
	case ctx.Err() != nil:
		class = ClassInterrupted
		if err == nil {
			err = fmt.Errorf("stopped with the run: %w", context.Cause(ctx))
		}
	case errors.As(err, &ce):
		class = ce.class
	case r.opts.Classify != nil:
		class = r.opts.Classify(err)
	}
	if class == "" {
		class = "error"
	}
	return class, err.Error()
}

// event updates the tallies and reports an instance starting (res nil) or
// ending.
func (r *runner) event(id string, res *RunResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := &r.tally
	switch {
	case res == nil:
		t.Running++
	case res.Error != "":
		t.Running, t.Ended, t.Errors = t.Running-1, t.Ended+1, t.Errors+1
	default:
		t.Running, t.Ended, t.Predicted = t.Running-1, t.Ended+1, t.Predicted+1
		if res.Passed {
			t.Passed++
		}
	}
	if r.opts.Progress != nil {
		p := *t
		p.InstanceID, p.Result = id, res
		r.opts.Progress(p)
	}
}
