package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/benchmarks"
	"github.com/codetree/codetree/sandbox"
)

// evalOptions are codetree eval's flags, read and checked.
type evalOptions struct {
	Dataset benchmarks.Dataset
	// Policy is resolved: the dataset's default when --policy is empty.
	Policy benchmarks.VisiblePolicy
	// Samples is the samples file; empty with Gold.
	Samples      string
	Gold         bool
	Ks           []int
	JSON         bool
	DataDir      string // --data-dir as given; empty: the user cache folder
	Workers      int
	Batch        int
	AllowMissing bool
	// Shard is the part of the problems this run scores (evalshard.go);
	// zero: all.
	Shard shard
	// OutDir is the run folder (results.jsonl, summary.json, and with
	// --shard shard.json): --out, under it shard-I-of-N with --shard.
	// Empty: the results go next to the samples file, as human-eval's.
	OutDir string
	// ShardOut is the folder of the shards' folders, with --shard or not
	// (codetree slurm and k8s add --shard): --out, or its default.
	ShardOut string
	Eval     benchmarks.EvalOptions
	Sandbox  sandbox.Config
	Out, Err io.Writer
}

func evalCommand() *cli.Command { return newEvalCommand(nil) }

// newEvalCommand returns the eval command; runF, when not nil, is run
// with the options in place of runEval (tests: flags without Docker).
func newEvalCommand(runF func(context.Context, *evalOptions) error) *cli.Command {
	return &cli.Command{
		Name:  "eval",
		Usage: "score a samples file on a benchmark, in the sandbox (a drop-in for human-eval's evaluate_functional_correctness)",
		Description: "Reads {\"task_id\", \"completion\"} (or \"solution\") lines, writes <samples>_results.jsonl\n" +
			"with human-eval's added fields (passed, result) in the samples' order, and prints pass@k\n" +
			"for every k that all problems have samples for. Verdicts are journalled as they come:\n" +
			"after a crash or Ctrl-C, a rerun evaluates only what is missing. --gold scores the\n" +
			"datasets' reference solutions.\n\n" +
			"--out DIR puts results.jsonl and summary.json in DIR instead. --shard I/N scores only\n" +
			"shard I of N of the problems that have samples (those at positions i with i % N == I in\n" +
			"the dataset's order; all samples of a problem go to the same shard) into DIR/shard-I-of-N,\n" +
			"with shard.json recording the whole run's configuration; DIR defaults to the samples\n" +
			"file's name without .jsonl plus _eval (--gold: runs/eval-gold-DATASET). One command line\n" +
			"serves every task of a Slurm or Kubernetes array (--shard N); codetree merge --out DIR\n" +
			"DIR/shard-* then writes the whole run's results and pass@k.\n\n" +
			"Exit status: 0 when every sample has a verdict, whatever the verdicts; 1 when --gold finds\n" +
			"failing reference solutions; 2 for bad flags or samples; 3 when samples are left without\n" +
			"a verdict by an infrastructure error (Docker, the harness): the verdicts so far are kept,\n" +
			"and rerunning the same command scores only the rest; 130 when interrupted.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "dataset", Required: true, Usage: benchmarks.DatasetUsage()},
			&cli.StringFlag{Name: "samples", Usage: "samples file (JSONL)"},
			&cli.BoolFlag{Name: "gold", Usage: "evaluate the reference solutions instead of a samples file"},
			&cli.StringFlag{Name: "k", Value: "1,10,100", Usage: "pass@k values (only those every problem has samples for are reported)"},
			&cli.BoolFlag{Name: "json", Usage: "print the summary as JSON"},
			&cli.StringFlag{Name: "data-dir", Usage: "folder of the dataset files (default: the user cache folder)", EnvVars: []string{"CODETREE_DATA_DIR"}},
			&cli.StringFlag{Name: "policy", Usage: "the samples' " + benchmarks.PolicyUsage() + " (recorded in the summary)"},
			&cli.IntFlag{Name: "workers", Value: runtime.NumCPU(), Usage: "sandbox runs at once (default: the number of CPUs)"},
			&cli.IntFlag{Name: "batch", Value: 16, Usage: "samples per sandbox run, each in its own process as its own uid with its own folders, cleaned up before the next (1: a sandbox job per sample)"},
			&cli.BoolFlag{Name: "allow-missing", Usage: "score the problems that have samples even if some have none"},
			&cli.StringFlag{Name: "out", Usage: "folder for results.jsonl and summary.json (default: the results next to the samples file; with --shard, the samples file's name without .jsonl plus _eval)"},
			&cli.StringFlag{Name: "shard", Usage: "only shard I of N of the problems with samples (in the dataset's order), into --out/shard-I-of-N: I/N, or N with I from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX"},
			&cli.DurationFlag{Name: "timeout-floor", Value: 3 * time.Second, Usage: "per-program time limit floor"},
			&cli.Float64Flag{Name: "timeout-factor", Value: 4, Usage: "per-program time limit as a multiple of the reference solution's measured time"},
			&cli.DurationFlag{Name: "timeout-cap", Value: 60 * time.Second, Usage: "per-program time limit cap"},
		}, sandboxFlags()...),
		Action: optionsAction(evalOptionsFrom, runF, runEval),
	}
}

// evalOptionsFrom reads eval's flags; bad values are usage errors.
func evalOptionsFrom(c *cli.Context) (*evalOptions, error) {
	ds, err := benchmarks.ParseDataset(c.String("dataset"))
	if err != nil {
		return nil, usageErrorf("--dataset: %v", err)
	}
	policy, err := benchmarks.PolicyFor(ds, benchmarks.VisiblePolicy(c.String("policy")))
	if err != nil {
		return nil, usageErrorf("--policy: %v", err)
	}
	ks, err := parseKs(c.String("k"))
	if err != nil {
		return nil, err
	}
	if c.Bool("gold") == (c.String("samples") != "") {
		return nil, usageErrorf("pass either --samples FILE or --gold")
	}
	limits, err := limitsFrom(c)
	if err != nil {
		return nil, err
	}
	sbCfg, err := sandboxConfigFrom(c)
	if err != nil {
		return nil, err
	}
	s, err := shardFrom(c.String("shard"))
	if err != nil {
		return nil, err
	}
	shardOut := evalShardOut(c.String("out"), c.String("samples"), ds)
	return &evalOptions{
		Dataset: ds, Policy: policy, Samples: c.String("samples"), Gold: c.Bool("gold"), Ks: ks,
		Shard: s, ShardOut: shardOut, OutDir: evalOutDir(c.String("out"), shardOut, s),
		JSON: c.Bool("json"), DataDir: c.String("data-dir"), Workers: c.Int("workers"), Batch: c.Int("batch"),
		AllowMissing: c.Bool("allow-missing"),
		Eval: benchmarks.EvalOptions{
			TimeoutFloor: c.Duration("timeout-floor"), TimeoutFactor: c.Float64("timeout-factor"),
			TimeoutCap: c.Duration("timeout-cap"), Limits: limits,
		},
		Sandbox: sbCfg, Out: c.App.Writer, Err: c.App.ErrWriter,
	}, nil
}

// evalSummary is what eval prints (--json) and returns.
type evalSummary struct {
	Dataset   string             `json:"dataset"`
	Policy    string             `json:"visible_test_policy"`
	Samples   int                `json:"samples"`
	Problems  int                `json:"problems"`
	Evaluated int                `json:"evaluated"`
	Reused    int                `json:"reused_from_journal"`
	PassAtK   map[string]float64 `json:"pass_at_k"`
	PlusAtK   map[string]float64 `json:"plus_pass_at_k,omitempty"`
	Results   string             `json:"results_file,omitempty"`
	WallTime  float64            `json:"wall_time_s"`
	Failed    []string           `json:"failed,omitempty"` // --gold: the failing task ids
	// Shard is this run's part ("I/N") of the Selected problems with
	// samples, and Config the whole run's configuration (equal across
	// its shards); empty without --shard.
	Shard    string         `json:"shard,omitempty"`
	Selected int            `json:"selected_problems,omitempty"`
	Config   map[string]any `json:"config,omitempty"`
	Version  string         `json:"code_version,omitempty"`
	// Merged is set on a run made by codetree merge: of which shards.
	Merged *mergedFrom `json:"merged,omitempty"`
}

// runEval loads the dataset and the samples (checked before anything
// runs), scores them with benchmarks.Evaluate and prints the summary.
func runEval(ctx context.Context, o *evalOptions) error {
	start := time.Now()
	problems, lines, err := loadEvalInput(ctx, o)
	if err != nil {
		return err
	}
	part, err := o.preparePart(problems, lines)
	if err != nil {
		return err
	}
	lines = part.Lines
	eo := benchmarks.EvaluateOptions{
		Eval: o.Eval, Problems: problems, Samples: lines, Ks: o.Ks, ResultsPath: o.resultsPath(),
		Workers: o.Workers, Batch: o.Batch, Progress: progressEvery(o.Err, 5*time.Second),
		TimesCache: cachePath("reference-times.json"), PlusCache: cachePath("plus-outputs"),
	}
	if len(lines) > 0 {
		sb, err := sandbox.New(ctx, o.Sandbox)
		if err != nil {
			return err
		}
		defer closeSandbox(ctx, sb)
		eo.Runner = sb
	}
	rep, err := o.evaluatePart(ctx, eo)
	if err != nil {
		return evalUnscoredError(ctx, err, lines, eo.ResultsPath)
	}
	sum := newEvalSummary(o, rep, lines, eo.ResultsPath, time.Since(start))
	if err := o.describePart(&sum, part); err != nil {
		return err
	}
	if err := printSummary(o.Out, sum, rep.Verdicts, lines, o.JSON); err != nil {
		return err
	}
	if len(sum.Failed) > 0 {
		return cli.Exit(fmt.Sprintf("%d of %d reference solutions failed", len(sum.Failed), len(lines)), exitFailure)
	}
	return nil
}

// loadEvalInput loads the dataset, and the samples file or the reference
// solutions; what is wrong with the samples file is a usage error.
func loadEvalInput(ctx context.Context, o *evalOptions) ([]*benchmarks.Problem, []benchmarks.SampleLine, error) {
	dataDir, err := resolveDataDir(o.DataDir)
	if err != nil {
		return nil, nil, err
	}
	problems, err := benchmarks.Load(ctx, o.Dataset, benchmarks.LoadOptions{DataDir: dataDir, Policy: o.Policy})
	if err != nil {
		return nil, nil, err
	}
	if o.Gold {
		return problems, benchmarks.GoldSamples(problems), nil
	}
	f, err := os.Open(o.Samples)
	if err != nil {
		return nil, nil, usageErrorf("--samples: %v", err)
	}
	defer f.Close()
	lines, err := benchmarks.ReadSamplesFor(o.Samples, f, problems, o.AllowMissing)
	var se *benchmarks.SamplesError
	if errors.As(err, &se) {
		return nil, nil, usageError{se}
	}
	return problems, lines, err
}

// newEvalSummary is the summary of a report; gold runs list the failing
// task ids.
func newEvalSummary(o *evalOptions, rep *benchmarks.Report, lines []benchmarks.SampleLine, results string, wall time.Duration) evalSummary {
	sum := evalSummary{
		Dataset: string(o.Dataset), Policy: string(o.Policy), Samples: len(lines), Problems: rep.Problems,
		Evaluated: rep.Evaluated, Reused: rep.Reused, PassAtK: atK(rep.PassAtK), Results: results, WallTime: wall.Seconds(),
	}
	if rep.PlusAtK != nil {
		sum.PlusAtK = atK(rep.PlusAtK)
	}
	if o.Gold {
		for _, i := range rep.Failed {
			sum.Failed = append(sum.Failed, lines[i].Sample.TaskID)
		}
	}
	return sum
}

// progressEvery returns a benchmarks.EvaluateOptions.Progress that prints
// to w at most every d.
func progressEvery(w io.Writer, d time.Duration) func(done, total int) {
	last := time.Now()
	return func(done, total int) {
		if time.Since(last) > d {
			last = time.Now()
			fmt.Fprintf(w, "evaluated %d of %d samples\n", done, total)
		}
	}
}

// indexProblems maps task ids to problems.
func indexProblems(ps []*benchmarks.Problem) map[string]*benchmarks.Problem {
	m := make(map[string]*benchmarks.Problem, len(ps))
	for _, p := range ps {
		m[p.ID()] = p
	}
	return m
}

// prepareEvaluator measures the reference solutions' times and computes
// the expected outputs of EvalPlus inputs, both cached between runs.
func prepareEvaluator(ctx context.Context, ev *benchmarks.Evaluator, problems []*benchmarks.Problem) error {
	if err := ev.Calibrate(ctx, problems, cachePath("reference-times.json")); err != nil {
		return fmt.Errorf("measure reference solutions: %w", err)
	}
	if err := ev.PreparePlus(ctx, problems, cachePath("plus-outputs")); err != nil {
		return fmt.Errorf("compute expected outputs of the EvalPlus inputs: %w", err)
	}
	return nil
}

// resolveDataDir picks --data-dir (or CODETREE_DATA_DIR), else the user
// cache folder.
func resolveDataDir(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	d, err := benchmarks.DefaultDataDir()
	if err != nil {
		return "", fmt.Errorf("no data folder: pass --data-dir or set CODETREE_DATA_DIR: %w", err)
	}
	return d, nil
}

// cachePath is where measured reference times and expected outputs are
// kept between runs, in the user cache folder; "" when there is none.
func cachePath(name string) string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	dir := filepath.Join(d, "codetree")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ""
	}
	return filepath.Join(dir, name)
}

func parseKs(s string) ([]int, error) {
	var ks []int
	for _, f := range strings.Split(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 {
			return nil, usageErrorf("--k %q: want positive integers separated by commas, like 1,10,100", s)
		}
		ks = append(ks, k)
	}
	return ks, nil
}

func atK(m map[int]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out["pass@"+strconv.Itoa(k)] = v
	}
	return out
}

func printSummary(w io.Writer, s evalSummary, verdicts []benchmarks.Verdict, lines []benchmarks.SampleLine, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	fmt.Fprintf(w, "%s: %d samples over %d problems (visible-test policy %s), %.1fs\n", s.Dataset, s.Samples, s.Problems, s.Policy, s.WallTime)
	if s.Reused > 0 {
		fmt.Fprintf(w, "reused %d verdicts from the journal, evaluated %d\n", s.Reused, s.Evaluated)
	}
	printAtK(w, "base", s.PassAtK)
	if s.PlusAtK != nil {
		printAtK(w, "plus", s.PlusAtK)
	}
	if s.Results != "" {
		fmt.Fprintln(w, "results:", s.Results)
	}
	if s.Failed != nil {
		fmt.Fprintf(w, "failed: %d\n", len(s.Failed))
		for i, l := range lines {
			v := verdicts[i]
			if !v.Passed {
				fmt.Fprintf(w, "  %s: %s\n", l.Sample.TaskID, v.Result)
			} else if v.Plus != nil && !v.Plus.Passed {
				fmt.Fprintf(w, "  %s (plus): %s\n", l.Sample.TaskID, v.Plus.Result)
			}
		}
	}
	return nil
}

func printAtK(w io.Writer, name string, m map[string]float64) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.TrimPrefix(keys[i], "pass@"))
		b, _ := strconv.Atoi(strings.TrimPrefix(keys[j], "pass@"))
		return a < b
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %.4f", k, m[k])
	}
	fmt.Fprintf(w, "%s: %s\n", name, strings.Join(parts, "  "))
}
