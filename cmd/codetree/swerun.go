package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/benchmarks/simllm"
	"github.com/codetree/codetree/benchmarks/swebench"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch"
	"github.com/codetree/codetree/treesearch/pipeline"
	"github.com/codetree/codetree/treesearch/repo"
)

// sweRunOptions are codetree swe run's flags, read and checked.
type sweRunOptions struct {
	Instances string
	IDs       []string
	Limit     int
	// Concurrency is the number of instances worked on at once.
	Concurrency int
	Out         string
	RepoURL     string
	WorkDir     string // empty: Out/work
	Agent       agent.Config
	// Sim is the simulated model's options when --model is sim (oracle
	// mode over the selected instances: it measures the harness).
	Sim    *simllm.Options
	Search searchOptions
	// Budget is the candidate patches per instance.
	Budget int
	// Test overrides the repository's test command; KeepReproduction puts
	// the reproduction test into the patch.
	Test             string
	KeepReproduction bool
	Image            string
	Limits           sandbox.Limits
	Sandbox          sandbox.Config
	JSON             bool
	// Shard is the part of the selection this run does (shard.go); the
	// run folder is then shardDir(Out, Shard). Config is what a sharded
	// run's shard.json records of the configuration.
	Shard          shard
	Config         map[string]any
	Stdout, Stderr io.Writer
}

// newSweRunCommand returns `swe run`; runF, when not nil, is run with the
// options in place of runSweRun (tests: flags without Docker or a model).
func newSweRunCommand(runF func(context.Context, *sweRunOptions) error) *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "make a patch for each SWE-bench instance: localize, reproduce, repair, select",
		Description: "The model sees each instance's issue and hints on a checkout of base_commit, never its gold\n" +
			"patch, test patch or test names. Writes OUT/predictions.jsonl (SWE-bench's format, for\n" +
			"codetree swe eval), OUT/results.jsonl, a tree per instance in OUT/trees/ and OUT/summary.json\n" +
			"(tokens and cost per stage). Rerun the same command to continue: instances with a prediction\n" +
			"are skipped, those that hit an infrastructure error are tried again. git and `go mod\n" +
			"download` run on the host; repository code runs only in the sandbox. --model sim runs the\n" +
			"built-in simulated model, which answers from the gold patches: it measures the harness.\n" +
			"--shard I/N does positions I, I+N, ... of the selection in OUT/shard-I-of-N (one command\n" +
			"line for every task of an array); codetree merge --out OUT OUT/shard-* joins the shards.",
		Flags:  sweRunFlags(),
		Action: optionsAction(sweRunOptionsFrom, runF, runSweRun),
	}
}

// sweRunFlags are swe run's own flags, then the search, model and
// sandbox flags.
func sweRunFlags() []cli.Flag {
	own := []cli.Flag{
		&cli.StringFlag{Name: "instances", Required: true, Usage: "SWE-bench instances (JSONL or a JSON array)"},
		&cli.StringFlag{Name: "ids", Usage: "only these instance ids, separated by commas (in the file's order)"},
		&cli.IntFlag{Name: "limit", Usage: "only the first N instances (after --ids)"},
		&cli.StringFlag{Name: "shard", Usage: "only shard I of N of the instances (after --ids and --limit), in OUT/shard-I-of-N (codetree merge joins the shards): I/N, or N with I from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX"},
		&cli.IntFlag{Name: "concurrency", Value: 1, Usage: "instances worked on at once"},
		&cli.StringFlag{Name: "out", Required: true, Usage: "run folder (rerun with the same folder to continue)"},
		sweRepoURLFlag(),
		&cli.StringFlag{Name: "work-dir", Usage: "clone cache, checkouts and Go module cache (default: OUT/work)"},
		&cli.IntFlag{Name: "budget", Value: 8, Usage: "candidate patches to try per instance (every Solver or Debugger output counts one)"},
		&cli.StringFlag{Name: "test", Usage: "test command, run in the repository's root, in place of the regression tests the pipeline picks (the reproduction test runs after it) (default: the reproduction test and the localized code's passing tests by name)"},
		&cli.BoolFlag{Name: "keep-reproduction", Usage: "put the reproduction test into the patch (default: the fix alone)"},
		&cli.BoolFlag{Name: "json", Usage: "print the summary as JSON"},
	}
	return append(append(append(append(own, searchFlags(repo.DefaultWidth)...), simFlags()...), llmFlags()...), sandboxFlagsFor(sweLimits())...)
}

// sweRunOptionsFrom reads swe run's flags; bad values are usage errors.
func sweRunOptionsFrom(c *cli.Context) (*sweRunOptions, error) {
	o := &sweRunOptions{Instances: c.String("instances"), IDs: sweIDsFrom(c), Limit: c.Int("limit"),
		Concurrency: c.Int("concurrency"), Out: c.String("out"), WorkDir: c.String("work-dir"), Budget: c.Int("budget"),
		KeepReproduction: c.Bool("keep-reproduction"), Image: c.String("image"), JSON: c.Bool("json"),
		Stdout: c.App.Writer, Stderr: c.App.ErrWriter}
	if err := o.checkCounts(); err != nil {
		return nil, err
	}
	if c.IsSet("test") {
		if o.Test = c.String("test"); strings.TrimSpace(o.Test) == "" {
			return nil, usageErrorf("--test: want a command")
		}
	}
	var err error
	if o.Shard, err = shardFrom(c.String("shard")); err != nil {
		return nil, err
	}
	if o.RepoURL, err = sweRepoURLFrom(c); err != nil {
		return nil, err
	}
	if o.Agent, err = agentConfig(c); err != nil {
		return nil, err
	}
	if !c.IsSet("llm-concurrency") {
		o.Agent.Concurrency = max(o.Agent.Concurrency, o.Concurrency)
	}
	if o.Agent.Model == "sim" {
		sim, err := simOptions(c)
		if err != nil {
			return nil, err
		}
		o.Sim = &sim
	}
	if o.Search, err = searchOptionsFrom(c, o.Agent); err != nil {
		return nil, err
	}
	if o.Limits, err = limitsFrom(c); err != nil {
		return nil, err
	}
	if o.Sandbox, err = sandboxConfigFrom(c); err != nil {
		return nil, err
	}
	o.Config = sweRunConfig(c, o)
	return o, nil
}

// checkCounts checks --out, --limit, --concurrency and --budget.
func (o *sweRunOptions) checkCounts() error {
	switch {
	case strings.TrimSpace(o.Out) == "":
		return usageErrorf("--out: want a folder")
	case o.Limit < 0:
		return usageErrorf("--limit %d: want 0 (all) or more", o.Limit)
	case o.Concurrency < 1:
		return usageErrorf("--concurrency %d: want at least 1", o.Concurrency)
	case o.Budget < 1:
		return usageErrorf("--budget %d: want at least 1", o.Budget)
	}
	return nil
}

// runSweRun reads the instances (what is wrong with them is a usage
// error), opens the model and the sandbox, runs swebench.Run with the
// pipeline and prints the summary.
func runSweRun(ctx context.Context, o *sweRunOptions) error {
	all, err := readSweInstances(o.Instances)
	if err != nil {
		return err
	}
	insts, err := swebench.SelectInstances(all, o.IDs, o.Limit)
	if err != nil {
		return usageErrorf("--ids: %v (in %s)", err, o.Instances)
	}
	if len(insts) == 0 {
		return usageErrorf("--instances %s: no instance to run", o.Instances)
	}
	// The simulated model knows the whole selection, so that a shard's
	// conversations are answered as in the unsharded run.
	selected := insts
	if insts, err = o.pickShard(selected); err != nil {
		return err
	}
	client, sb, closeAll, err := o.openSession(ctx, selected)
	if err != nil {
		return err
	}
	defer closeAll()
	patcher, err := newPipelinePatcher(pipelineConfig{Model: client, Sandbox: sb, Search: o.Search, Budget: o.Budget,
		Limits: o.Limits, Image: o.Image, Test: o.Test, KeepReproduction: o.KeepReproduction})
	if err != nil {
		return err
	}
	prog := newProgress(o.Stderr, "swe run (solved: passes its own tests)", len(insts),
		func() agent.Tally { return client.Ledger().Snapshot().Total })
	sum, runErr := swebench.Run(ctx, swebench.RunOptions{Instances: insts, Out: o.runDir(), ModelName: o.Agent.Model,
		Patcher: patcher, RepoURL: o.RepoURL, WorkDir: o.WorkDir, Concurrency: o.Concurrency,
		Classify: classifyError, Progress: sweProgress(prog)})
	prog.stop()
	sum.Simulated = sum.Simulated || client.Simulated()
	return o.report(sum, runErr)
}

// openSession opens the model client (with --model sim, the simulated
// model first, answering about insts) and the sandbox; closeAll ends them
// (the sandbox's containers even after Ctrl-C).
func (o *sweRunOptions) openSession(ctx context.Context, insts []swebench.Instance) (*agent.Client, *sandbox.Sandbox, func(), error) {
	cfg, stopSim := o.Agent, func() {}
	if o.Sim != nil {
		opts := *o.Sim
		opts.Instances = insts
		url, stop, err := startSim(opts, nil)
		if err != nil {
			return nil, nil, nil, err
		}
		cfg.BaseURL, stopSim = url, stop
	}
	client, err := agent.New(cfg)
	if err != nil {
		stopSim()
		return nil, nil, nil, usageError{err}
	}
	if err := checkEndpoint(ctx, client); err != nil {
		client.Close()
		stopSim()
		return nil, nil, nil, err
	}
	sb, err := sandbox.New(ctx, o.Sandbox)
	if err != nil {
		client.Close()
		stopSim()
		return nil, nil, nil, err
	}
	return client, sb, func() { closeSandbox(ctx, sb); client.Close(); stopSim() }, nil
}

// sweProgress shows swe run's instances on bench's progress display:
// solved is "passed its own tests", generations the model calls.
func sweProgress(p *progress) func(swebench.RunProgress) {
	return func(e swebench.RunProgress) {
		if e.Result == nil {
			slog.Info("swe run: start", "instance", e.InstanceID)
			return
		}
		calls := 0
		for _, s := range e.Result.Stages {
			calls += s.Calls
		}
		o := treesearch.Outcome{TaskID: e.InstanceID, Passed: e.Result.Passed, Generations: calls,
			Finished: e.Ended, Todo: e.Todo, Attempted: e.Predicted, Solved: e.Passed, Total: e.Total}
		if e.Result.Error != "" {
			o.Err, o.ErrClass = errors.New(e.Result.Error), e.Result.ErrorClass
		}
		p.finished(o)
	}
}

// report writes the run folder's report (before any evaluation: the
// page says how to score it), prints the summary (text or --json, the
// report's path on stderr then) and turns the outcome into the exit
// status: 3 when an instance hit an infrastructure error.
func (o *sweRunOptions) report(sum swebench.RunSummary, runErr error) error {
	var page string
	var pageErr error
	if swebench.IsRunFolder(o.runDir()) {
		page, pageErr = writeSweRunReport(o.runDir(), sweEvalCommandLine(o.Instances, o.runDir(), o.RepoURL))
	}
	if o.JSON {
		enc := json.NewEncoder(o.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			return errors.Join(runErr, err)
		}
		if page != "" {
			fmt.Fprintf(o.Stderr, "report: %s\n", page)
		}
	} else {
		fmt.Fprintln(o.Stdout, sweRunSummaryText(sum, o.Instances, o.runDir(), o.RepoURL))
		if page != "" {
			fmt.Fprintf(o.Stdout, "report: %s\n", page)
		}
	}
	if runErr != nil || pageErr != nil {
		return fmt.Errorf("swe run: %w", errors.Join(runErr, pageErr))
	}
	if sum.Errors > 0 {
		return cli.Exit(fmt.Sprintf("%d instance(s) hit an infrastructure error (see %s): rerun the same command to retry them",
			sum.Errors, filepath.Join(o.runDir(), swebench.RunSummaryFile)), exitInfra)
	}
	return nil
}

// sweRunSummaryText is the paragraph swe run prints: what was made, what
// it cost by stage, and how to score it.
func sweRunSummaryText(s swebench.RunSummary, instances, out, repoURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d instance(s): %d with a prediction in %s (%d patched, %d empty); %d patched pass their own tests.",
		s.Instances, s.Predicted, out, s.Patched, s.EmptyPatch, s.PassedOwnTests)
	if len(s.EditedTestsIDs) > 0 {
		fmt.Fprintf(&b, " Patches that change existing tests (check them): %s.", strings.Join(s.EditedTestsIDs, ", "))
	}
	if s.Errors > 0 {
		var ids []string
		for _, id := range s.ErrorIDs {
			ids = append(ids, id+" ("+s.ErrorClasses[id]+")")
		}
		fmt.Fprintf(&b, " Infrastructure errors: %s.", strings.Join(ids, ", "))
	}
	if s.Pending > 0 {
		fmt.Fprintf(&b, " %d not done yet: rerun the same command to continue.", s.Pending)
	}
	fmt.Fprintf(&b, " Tokens %d (%d prompt, %d completion), cost %s over %d attempt(s)",
		s.Total.Tokens(), s.Total.PromptTokens, s.Total.CompletionTokens, s.Total.CostText(), s.Attempts)
	var stages []string
	for _, st := range s.Stages {
		stage := fmt.Sprintf("%s %s tokens", st.Name, compactCount(st.Tokens()))
		if s.Total.CostUSD > 0 { // else every stage's cost is unknown or none: said once above
			stage += " " + st.CostText()
		}
		stages = append(stages, stage)
	}
	if len(stages) > 0 {
		fmt.Fprintf(&b, ": %s", strings.Join(stages, ", "))
	}
	b.WriteString(".")
	if s.Simulated {
		b.WriteString(" Simulated model: these figures measure the harness, not a model.")
	}
	fmt.Fprintf(&b, "\nScore the predictions with: %s", sweEvalCommandLine(instances, out, repoURL))
	return b.String()
}

// pipelineConfig is what the pipeline patcher runs with.
type pipelineConfig struct {
	Model   *agent.Client
	Sandbox sandbox.Runner
	Search  searchOptions
	// Budget is the candidate patches per instance; Limits and Image the
	// sandbox runs'; Test overrides the test command; KeepReproduction
	// puts the reproduction test into the patch.
	Budget           int
	Limits           sandbox.Limits
	Image, Test      string
	KeepReproduction bool
}

// newPipelinePatcher adapts treesearch/pipeline to swebench.Patcher.
func newPipelinePatcher(cfg pipelineConfig) (swebench.Patcher, error) {
	return pipelinePatcher{cfg: cfg}, nil
}

// pipelinePatcher runs the pipeline on one instance's workspace.
type pipelinePatcher struct{ cfg pipelineConfig }

// Patch reads the checkout and runs the pipeline on it; the pipeline's
// result (every stage and the search tree) is the instance's tree file.
func (p pipelinePatcher) Patch(ctx context.Context, w swebench.Workspace) (swebench.Attempt, error) {
	snap, err := repo.Load(ctx, w.Dir, repo.LoadOptions{})
	if err != nil {
		return swebench.Attempt{}, fmt.Errorf("read the checkout of %s: %w", w.Task.InstanceID, err)
	}
	opts := repo.Options{Snapshot: snap, Model: p.cfg.Model, Sandbox: p.cfg.Sandbox, Budget: p.cfg.Budget,
		Image: p.cfg.Image, Limits: p.cfg.Limits, Test: p.cfg.Test, GoModCache: w.GoModCache,
		Temperatures: p.cfg.Search.Temperatures, Strategy: p.cfg.Search.strategy}
	if _, ok := snap.Files["go.mod"]; ok {
		opts.GoBuildCache = hostGoBuildCache(snap.Files)
	}
	res, err := pipeline.Run(ctx, pipeline.Options{ID: w.Task.InstanceID, Issue: sweIssueText(w.Task), Solve: opts,
		KeepReproduction: p.cfg.KeepReproduction})
	if res == nil {
		return swebench.Attempt{}, err
	}
	tree, jerr := json.Marshal(res)
	if jerr != nil {
		return swebench.Attempt{}, fmt.Errorf("encode the tree of %s: %w", w.Task.InstanceID, jerr)
	}
	a := swebench.Attempt{Patch: res.Patch, Passed: res.Passed, Tree: tree, Simulated: res.Simulated, Notes: res.Notes,
		FirstModelCall: res.FirstCallAt}
	for _, st := range res.Stages {
		a.Stages = append(a.Stages, swebench.StageAccount{Name: st.Name, Calls: st.Calls, PromptTokens: st.PromptTokens,
			CompletionTokens: st.CompletionTokens, CostUSD: st.Cost, Seconds: st.Seconds})
	}
	return a, err
}

// sweIssueText is what the model reads of an instance: the problem
// statement, then the hints (the issue's comments before the fix).
func sweIssueText(t swebench.Task) string {
	text := strings.TrimSpace(t.ProblemStatement)
	if h := strings.TrimSpace(t.HintsText); h != "" {
		text += "\n\nHints:\n" + h
	}
	return text
}

// runDir is the run folder: --out, or with --shard its shard's folder.
func (o *sweRunOptions) runDir() string { return shardDir(o.Out, o.Shard) }

// pickShard returns the instances of the selection this run does: all of
// them without --shard. With it, the shard's, after it has said so on
// stderr and written the shard's manifest into the run folder (refused
// when the folder is another shard's, or was run with other flags).
func (o *sweRunOptions) pickShard(selected []swebench.Instance) ([]swebench.Instance, error) {
	if o.Shard.Count == 0 {
		return selected, nil
	}
	insts := pickShard(selected, o.Shard)
	fmt.Fprintf(o.Stderr, "shard %s: %d of the %d selected instances\n", o.Shard, len(insts), len(selected))
	cfg, err := o.shardConfig()
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(insts))
	for i, in := range insts {
		ids[i] = in.InstanceID
	}
	if err := os.MkdirAll(o.runDir(), 0o755); err != nil {
		return nil, fmt.Errorf("create run folder: %w", err)
	}
	m := shardManifest{Kind: "swe", Shard: o.Shard.String(), Selected: len(selected), TaskIDs: ids, Config: cfg, Version: codeVersion()}
	if err := writeShardManifest(o.runDir(), m); err != nil {
		return nil, err
	}
	return insts, nil
}

// shardConfig is o.Config with the instances file: its absolute path
// and its SHA-256, so that shards of different data do not merge.
func (o *sweRunOptions) shardConfig() (map[string]any, error) {
	sum, err := fileSHA256(o.Instances)
	if err != nil {
		return nil, usageErrorf("--instances: %v", err)
	}
	abs, err := filepath.Abs(o.Instances)
	if err != nil {
		return nil, fmt.Errorf("resolve --instances %s: %w", o.Instances, err)
	}
	cfg := maps.Clone(o.Config)
	cfg["instances"], cfg["instances_sha256"] = abs, sum
	return cfg, nil
}

// sweRunConfig is what a sharded run records of its configuration: every
// flag that can change an instance's patch, verdict, tokens or cost, and
// that must therefore be equal across the shards of one run. Not the API
// key, nor the user info of the base URL; not what only paces the run
// (--concurrency, --llm-concurrency), where it works (--work-dir) or how
// containers are kept (--mode, --pool-size, --runtime).
func sweRunConfig(c *cli.Context, o *sweRunOptions) map[string]any {
	a, l := o.Agent, o.Limits
	m := map[string]any{
		"ids": strings.Join(o.IDs, ","), "limit": o.Limit, "budget": o.Budget, "test": o.Test,
		"keep_reproduction": o.KeepReproduction, "image": o.Image, "repo_url": o.RepoURL,
		"model": a.Model, "base_url": withoutUserInfo(a.BaseURL), "temperature": a.Temperature, "max_tokens": a.MaxTokens,
		"request_timeout": a.RequestTimeout.String(), "max_retries": a.MaxRetries, "max_cost_usd": a.Budget.MaxCost,
		"price_file": c.String("price-file"), "cache": a.Cache.Path, "cache_mode": c.String("cache-mode"),
		"strategy": o.Search.Strategy, "width": o.Search.Shape.Width, "depth": o.Search.Shape.Depth,
		"parallel": o.Search.Shape.Parallel, "temperatures": o.Search.Temperatures,
		"timeout": l.Timeout.String(), "memory": l.Memory.String(), "cpus": l.CPUs, "pids": l.Pids,
		"tmpfs": l.Tmpfs.String(), "output_limit": l.Output.String(),
	}
	if a.Seed != nil {
		m["seed"] = *a.Seed
	}
	if o.Sim != nil {
		m["sim_seed"], m["sim_latency"], m["sim_faults"] = c.Int64("sim-seed"), c.Duration("sim-latency").String(), c.String("sim-faults")
		m["sim_correct_rate"], m["sim_repair_rate"] = c.Float64("sim-correct-rate"), c.Float64("sim-repair-rate")
		m["sim_reject_rate"], m["sim_false_reject_rate"], m["sim_plain"] = c.Float64("sim-reject-rate"), c.Float64("sim-false-reject-rate"), c.Bool("sim-plain")
	}
	return m
}

// withoutUserInfo is u without its user and password, if it has any.
func withoutUserInfo(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return u
	}
	p.User = nil
	return p.String()
}
