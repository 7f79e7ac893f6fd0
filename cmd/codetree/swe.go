package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/benchmarks/swebench"
	"github.com/codetree/codetree/sandbox"
)

// sweLimits are the default limits of one SWE-bench test run: a
// repository's tests build and run far longer than a function's.
func sweLimits() sandbox.Limits {
	return sandbox.Limits{Timeout: 30 * time.Minute, Memory: 4 * sandbox.GiB, CPUs: 2, Pids: 1024, Tmpfs: 1 * sandbox.GiB, Output: 8 * sandbox.MiB}
}

// sweCommand is `codetree swe`, the SWE-bench commands.
func sweCommand() *cli.Command { return newSweCommand(nil, nil) }

// newSweCommand returns `swe` with its subcommands; evalF and runF as in
// newSweEvalCommand and newSweRunCommand.
func newSweCommand(evalF func(context.Context, *sweEvalOptions) error, runF func(context.Context, *sweRunOptions) error) *cli.Command {
	return &cli.Command{
		Name:        "swe",
		Usage:       "SWE-bench: make patches for repository issues, and score them",
		Subcommands: []*cli.Command{newSweRunCommand(runF), newSweEvalCommand(evalF)},
	}
}

// sweRepoURLFlag is --repo-url of swe run and swe eval.
func sweRepoURLFlag() cli.Flag {
	return &cli.StringFlag{Name: "repo-url", Value: swebench.DefaultRepoURL, Usage: "clone URL template with {owner} and {repo} (a mirror: file:///srv/mirrors/{owner}+{repo})"}
}

// sweRepoURLFrom reads --repo-url.
func sweRepoURLFrom(c *cli.Context) (string, error) {
	tmpl := c.String("repo-url")
	if !strings.Contains(tmpl, "{repo}") {
		return "", usageErrorf("--repo-url %q: want a template with {repo} (and {owner}), like %s", tmpl, swebench.DefaultRepoURL)
	}
	return tmpl, nil
}

// sweIDsFrom reads --ids: instance ids separated by commas.
func sweIDsFrom(c *cli.Context) []string {
	var ids []string
	for id := range strings.SplitSeq(c.String("ids"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// readSweInstances reads an instances file; what is wrong with it is a
// usage error.
func readSweInstances(path string) ([]swebench.Instance, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErrorf("--instances: %v", err)
	}
	defer f.Close()
	insts, err := swebench.ReadInstances(f, path)
	if err != nil {
		return nil, usageErrorf("--instances: %v", err)
	}
	return insts, nil
}

// sweEvalOptions are codetree swe eval's flags, read and checked.
type sweEvalOptions struct {
	Instances   string
	Predictions string // empty with Gold
	Gold        bool
	IDs         []string
	RepoURL     string
	Out         string
	WorkDir     string // empty: Out/work
	Concurrency int
	Image       string
	Limits      sandbox.Limits
	Sandbox     sandbox.Config
	Stdout      io.Writer
}

// newSweEvalCommand returns `swe eval`; runF, when not nil, is run with
// the options in place of runSweEval (tests: flags without Docker).
func newSweEvalCommand(runF func(context.Context, *sweEvalOptions) error) *cli.Command {
	return &cli.Command{
		Name:  "eval",
		Usage: "score predictions (or the gold patches) on SWE-bench instances, tests in the sandbox",
		Description: "For each instance: a clean checkout of base_commit, the model patch (git apply, then\n" +
			"patch --fuzz=3), the test patch, then FAIL_TO_PASS and PASS_TO_PASS in the sandbox.\n" +
			"Writes OUT/reports/<id>.json, OUT/logs/<id>.log, OUT/report.json (SWE-bench's shape),\n" +
			"OUT/summary.json and OUT/report.html; when --predictions is a swe run folder's, that\n" +
			"folder's report.html is rewritten with the resolution (its eval.json names OUT). An\n" +
			"instance with a report is skipped on rerun. --gold scores the\n" +
			"instances' own patches and exits 1 unless all resolve. git runs on the host only to\n" +
			"clone, check out and apply; repository code runs only in the sandbox.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "instances", Required: true, Usage: "SWE-bench instances (JSONL or a JSON array)"},
			&cli.StringFlag{Name: "predictions", Usage: "predictions (JSONL: instance_id, model_name_or_path, model_patch)"},
			&cli.BoolFlag{Name: "gold", Usage: "score the instances' gold patches instead of predictions"},
			&cli.StringFlag{Name: "ids", Usage: "only these instance ids, separated by commas"},
			sweRepoURLFlag(),
			&cli.StringFlag{Name: "out", Value: "swe-eval", Usage: "output folder"},
			&cli.StringFlag{Name: "work-dir", Usage: "clone cache, worktrees and Go module cache (default: OUT/work)"},
			&cli.IntFlag{Name: "concurrency", Value: 2, Usage: "instances evaluated at once"},
		}, sandboxFlagsFor(sweLimits())...),
		Action: optionsAction(sweEvalOptionsFrom, runF, runSweEval),
	}
}

// sweEvalOptionsFrom reads swe eval's flags; bad values are usage errors.
func sweEvalOptionsFrom(c *cli.Context) (*sweEvalOptions, error) {
	if c.Bool("gold") == (c.String("predictions") != "") {
		return nil, usageErrorf("pass either --predictions FILE or --gold")
	}
	if c.Int("concurrency") < 1 {
		return nil, usageErrorf("--concurrency %d: want at least 1", c.Int("concurrency"))
	}
	if c.String("out") == "" {
		return nil, usageErrorf("--out: want a folder")
	}
	tmpl, err := sweRepoURLFrom(c)
	if err != nil {
		return nil, err
	}
	limits, err := limitsFrom(c)
	if err != nil {
		return nil, err
	}
	sbCfg, err := sandboxConfigFrom(c)
	if err != nil {
		return nil, err
	}
	return &sweEvalOptions{
		Instances: c.String("instances"), Predictions: c.String("predictions"), Gold: c.Bool("gold"),
		IDs: sweIDsFrom(c), RepoURL: tmpl, Out: c.String("out"), WorkDir: c.String("work-dir"),
		Concurrency: c.Int("concurrency"), Image: c.String("image"), Limits: limits, Sandbox: sbCfg,
		Stdout: c.App.Writer,
	}, nil
}

// runSweEval reads the inputs (what is wrong with them is a usage error),
// runs swebench.Evaluate and prints the summary.
func runSweEval(ctx context.Context, o *sweEvalOptions) error {
	insts, preds, err := loadSweInput(o)
	if err != nil {
		return err
	}
	sb, err := sandbox.New(ctx, o.Sandbox)
	if err != nil {
		return err
	}
	defer closeSandbox(ctx, sb)
	res, err := swebench.Evaluate(ctx, swebench.EvalOptions{
		Instances: insts, Predictions: preds, Gold: o.Gold, RepoURL: o.RepoURL,
		WorkDir: o.WorkDir, OutDir: o.Out, Runner: sb, Image: o.Image, Limits: o.Limits,
		Concurrency: o.Concurrency,
	})
	if err != nil {
		return fmt.Errorf("swe eval: %w", err)
	}
	evalPage, runPage, err := writeSweEvalReports(o, preds)
	fmt.Fprintln(o.Stdout, sweSummaryText(res.Summary, res.Reused, o.Out))
	if evalPage != "" {
		fmt.Fprintf(o.Stdout, "report: %s\n", evalPage)
	}
	if runPage != "" {
		fmt.Fprintf(o.Stdout, "run report, with the resolution: %s\n", runPage)
	}
	if err != nil {
		return fmt.Errorf("swe eval: report: %w", err)
	}
	if res.Summary.Errors > 0 {
		return cli.Exit(fmt.Sprintf("%d instance(s) could not be evaluated (see %s/summary.json)", res.Summary.Errors, o.Out), exitInfra)
	}
	if o.Gold && res.Summary.Resolved < res.Summary.Total {
		return cli.Exit(fmt.Sprintf("%d of %d gold patches do not resolve their instance", res.Summary.Total-res.Summary.Resolved, res.Summary.Total), exitFailure)
	}
	return nil
}

// loadSweInput reads the instances and predictions and selects the
// instances to score: with --ids those, else every instance that has a
// prediction (with --gold, every instance).
func loadSweInput(o *sweEvalOptions) ([]swebench.Instance, []swebench.Prediction, error) {
	insts, err := readSweInstances(o.Instances)
	if err != nil {
		return nil, nil, err
	}
	var preds []swebench.Prediction
	hasPred := make(map[string]bool)
	if !o.Gold {
		pf, err := os.Open(o.Predictions)
		if err != nil {
			return nil, nil, usageErrorf("--predictions: %v", err)
		}
		defer pf.Close()
		if preds, _, err = swebench.ReadPredictions(pf, o.Predictions); err != nil {
			return nil, nil, usageErrorf("--predictions: %v", err)
		}
		known := make(map[string]bool, len(insts))
		for _, in := range insts {
			known[in.InstanceID] = true
		}
		for _, p := range preds {
			if !known[p.InstanceID] {
				return nil, nil, usageErrorf("--predictions: instance %q is not in %s", p.InstanceID, o.Instances)
			}
			hasPred[p.InstanceID] = true
		}
	}
	var selected []swebench.Instance
	for _, in := range insts {
		switch {
		case len(o.IDs) > 0 && !slices.Contains(o.IDs, in.InstanceID):
		case !o.Gold && !hasPred[in.InstanceID] && len(o.IDs) == 0:
		default:
			selected = append(selected, in)
		}
	}
	var missing []string
	for _, id := range o.IDs {
		i := slices.IndexFunc(selected, func(in swebench.Instance) bool { return in.InstanceID == id })
		switch {
		case i < 0:
			missing = append(missing, id+" (not an instance)")
		case !o.Gold && !hasPred[id]:
			missing = append(missing, id+" (no prediction)")
		}
	}
	if len(missing) > 0 {
		return nil, nil, usageErrorf("--ids: %s", strings.Join(missing, ", "))
	}
	if len(selected) == 0 {
		return nil, nil, usageError{errors.New("no instance to evaluate")}
	}
	return selected, preds, nil
}

// sweSummaryText is the one-paragraph summary swe eval prints.
func sweSummaryText(s swebench.Summary, reused int, out string) string {
	list := func(ids []string) string {
		if len(ids) == 0 {
			return "none"
		}
		return strings.Join(ids, ", ")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Resolved %d of %d: %s.", s.Resolved, s.Total, list(s.ResolvedIDs))
	fmt.Fprintf(&b, " Unresolved: %s.", list(s.UnresolvedIDs))
	fmt.Fprintf(&b, " Not applied: %s.", list(s.UnappliedIDs))
	fmt.Fprintf(&b, " Empty patch: %s.", list(s.EmptyPatchIDs))
	fmt.Fprintf(&b, " Errors: %s.", list(s.ErrorIDs))
	if reused > 0 {
		fmt.Fprintf(&b, " (%d from an earlier run.)", reused)
	}
	fmt.Fprintf(&b, " Reports in %s.", out)
	return b.String()
}
