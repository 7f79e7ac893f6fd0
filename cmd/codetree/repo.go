package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch"
	"github.com/codetree/codetree/treesearch/repo"
)

// runRepo runs solve or fix (repo.Solve) with the model and the sandbox
// the options name, and reports the result.
func runRepo(ctx context.Context, o *repoOptions) error {
	if err := o.loadRepo(ctx); err != nil {
		return err
	}
	opts, out, closeAll, err := o.open(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	res, err := repo.Solve(ctx, opts)
	out.endProgress()
	return o.report(out, res, err)
}

// open starts what a repository search runs with: the model client and
// the sandbox, in the options' repo.Options, and the terminal output;
// closeAll ends them.
func (o *repoOptions) open(ctx context.Context) (opts repo.Options, out *repoOutput, closeAll func(), err error) {
	client, err := agent.New(o.Agent)
	if err != nil {
		return opts, nil, nil, usageError{err}
	}
	if err := checkEndpoint(ctx, client); err != nil { // before the repository's tests run
		client.Close()
		return opts, nil, nil, err
	}
	sb, err := sandbox.New(ctx, o.SandboxConfig)
	if err != nil {
		client.Close()
		return opts, nil, nil, err
	}
	out = newRepoOutput(o.Stdout, o.Stderr, o.JSON)
	opts = o.Options
	opts.Model, opts.Ledger, opts.Sandbox, opts.Progress = client, client.Ledger(), sb, out.progress
	opts.Temperatures, opts.Strategy = o.Search.Temperatures, o.Search.strategy
	return opts, out, func() { closeSandbox(ctx, sb); client.Close() }, nil
}

// loadRepo reads the repository, and settles its language, the --files
// and, for Go, the host's module cache.
func (o *repoOptions) loadRepo(ctx context.Context) error {
	snap, err := repo.Load(ctx, o.Dir, repo.LoadOptions{})
	if err != nil {
		return usageError{err}
	}
	o.Snapshot = snap
	if o.Lang == "" {
		if o.Lang, err = repo.DetectLang(snap.Files); err != nil {
			return usageErrorf("%v: pass --lang go or --lang python", err)
		}
	}
	if o.Files, err = repo.MatchFiles(snap, o.Globs); err != nil {
		return usageErrorf("--files %v", err)
	}
	if o.Lang == sandbox.LangGo {
		o.GoModCache = hostModCache(ctx)
		o.GoBuildCache = hostGoBuildCache(snap.Files)
	}
	return nil
}

// report writes the tree and the result, applies it with --apply, and
// turns the outcome into the exit status.
func (o *repoOptions) report(out *repoOutput, res *repo.Result, err error) error {
	if res == nil {
		return err
	}
	if o.TreeFile != "" && res.Tree != nil {
		if err := treesearch.WriteJSONFile(o.TreeFile, res.Tree); err != nil {
			return err
		}
	}
	if err != nil {
		// Ctrl-C or an infrastructure error: show the best change so far.
		out.print(res, "the search stopped early: "+err.Error())
		return err
	}
	if o.Apply {
		if err := repo.WriteResult(res); err != nil {
			out.print(res, "")
			if errors.Is(err, repo.ErrNoPassingChange) {
				return cli.Exit("--apply: "+err.Error(), exitFailure)
			}
			return fmt.Errorf("--apply: %w", err)
		}
	}
	out.print(res, "")
	if !res.Passed {
		return cli.Exit(fmt.Sprintf("no change within the budget of %d passes the tests", o.Budget), exitFailure)
	}
	return nil
}
