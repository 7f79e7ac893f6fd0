package main

import (
	"fmt"
	"os/exec"
	"runtime"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/benchmarks"
	"github.com/codetree/codetree/sandbox"
)

func evalBenchCommand() *cli.Command {
	return &cli.Command{
		Name:  "eval-bench",
		Usage: "time codetree eval on the reference solutions against a process-per-sample evaluator",
		Description: "Scores a dataset's reference solutions twice in the same run: with a process-per-sample\n" +
			"evaluator of the official harness's kind (one unsandboxed python3 child per sample, 3 s\n" +
			"timeout, 4 workers; reference solutions only, which are trusted code), then with\n" +
			"`codetree eval --gold`, fully sandboxed. Prints both wall times and the ratio.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dataset", Value: "humaneval", Usage: "dataset to score"},
			&cli.StringFlag{Name: "data-dir", EnvVars: []string{"CODETREE_DATA_DIR"}, Usage: "folder of the dataset files"},
			&cli.StringFlag{Name: "host-python", Value: "/usr/bin/python3", Usage: "interpreter of the baseline (not a pyenv shim)"},
			&cli.IntFlag{Name: "baseline-workers", Value: 4, Usage: "baseline processes at once (human-eval: 4)"},
			&cli.IntFlag{Name: "workers", Value: runtime.NumCPU(), Usage: "sandbox runs codetree makes at once"},
			&cli.IntFlag{Name: "batch", Value: 16, Usage: "samples per sandbox run"},
		},
		Action: runEvalBench,
	}
}

func runEvalBench(c *cli.Context) error {
	ctx := c.Context
	ds, err := benchmarks.ParseDataset(c.String("dataset"))
	if err != nil {
		return usageErrorf("--dataset: %v", err)
	}
	py := c.String("host-python")
	if _, err := exec.LookPath(py); err != nil {
		return usageErrorf("--host-python %s: %v", py, err)
	}
	dataDir, err := resolveDataDir(c.String("data-dir"))
	if err != nil {
		return err
	}
	problems, err := benchmarks.Load(ctx, ds, benchmarks.LoadOptions{DataDir: dataDir})
	if err != nil {
		return err
	}

	base, err := benchmarks.BaselineGold(ctx, py, problems, c.Int("baseline-workers"))
	if err != nil {
		return err
	}
	baseTime := base.Reference + base.Samples

	sb, err := sandbox.New(ctx, sandbox.Config{DockerHost: c.String("docker-host"), PoolSize: c.Int("workers")})
	if err != nil {
		return err
	}
	defer closeSandbox(ctx, sb)
	ev := benchmarks.NewEvaluator(sb, benchmarks.DefaultEvalOptions())
	start := time.Now()
	if err := ev.Calibrate(ctx, problems, cachePath("reference-times.json")); err != nil {
		return fmt.Errorf("measure reference solutions: %w", err)
	}
	calTime := time.Since(start)
	// Expected outputs are computed afresh, as the baseline did.
	start = time.Now()
	if err := ev.PreparePlus(ctx, problems, ""); err != nil {
		return fmt.Errorf("compute expected outputs of the EvalPlus inputs: %w", err)
	}
	refTime := time.Since(start)

	lines, byID := goldLines(problems), indexProblems(problems)
	start = time.Now()
	verdicts, _, err := evaluateAll(ctx, ev, byID, lines, nil, c.Int("workers"), c.Int("batch"), c.App.ErrWriter)
	if err != nil {
		return err
	}
	ourTime := time.Since(start) + refTime
	ourPassed, plusPassed, hasPlus := 0, 0, false
	for _, v := range verdicts {
		if v.Passed {
			ourPassed++
		}
		if v.Plus != nil {
			hasPlus = true
			if v.Passed && v.Plus.Passed {
				plusPassed++
			}
		}
	}
	w := c.App.Writer
	fmt.Fprintf(w, "%s, %d reference solutions\n", ds, len(problems))
	fmt.Fprintf(w, "process-per-sample, unsandboxed (%d workers, 3 s): %6.2f s  passed %d/%d", c.Int("baseline-workers"), baseTime.Seconds(), base.Passed, len(problems))
	if base.Reference > 100*time.Millisecond {
		fmt.Fprintf(w, " (%.2f s of it computing expected outputs)", base.Reference.Seconds())
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "codetree eval, sandboxed (pool, %d runs at once):   %6.2f s  passed %d/%d", c.Int("workers"), ourTime.Seconds(), ourPassed, len(problems))
	if hasPlus {
		fmt.Fprintf(w, ", plus %d/%d", plusPassed, len(problems))
	}
	if refTime > 100*time.Millisecond {
		fmt.Fprintf(w, " (%.2f s of it computing expected outputs)", refTime.Seconds())
	}
	fmt.Fprintf(w, "\n  (+ %.2f s to measure the reference solutions' times, done once and cached)\n", calTime.Seconds())
	fmt.Fprintf(w, "ratio codetree / process-per-sample: %.2f\n", ourTime.Seconds()/baseTime.Seconds())
	return nil
}
