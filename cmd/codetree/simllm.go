package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/benchmarks"
	"github.com/codetree/codetree/benchmarks/simllm"
)

func simLLMCommand() *cli.Command {
	return &cli.Command{
		Name:  "sim-llm",
		Usage: "serve the simulated model (OpenAI chat protocol) on loopback for a benchmark's problems",
		Description: "Answers the CodeTree roles' prompts for the problems of --dataset, deterministically per\n" +
			"seed: the Solver gets the reference solution or a mutant of it, the Debugger repairs only\n" +
			"when the prompt carries failing test feedback, the Critic answers from the feedback.\n" +
			"Point any command at it with --base-url http://ADDR/v1 --model sim.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8765", Usage: "address to listen on (loopback)"},
			&cli.StringFlag{Name: "dataset", Value: "humaneval", Usage: "whose problems to answer"},
			&cli.StringFlag{Name: "data-dir", EnvVars: []string{"CODETREE_DATA_DIR"}, Usage: "folder of the dataset files"},
			&cli.Int64Flag{Name: "sim-seed", Usage: "seed"},
			&cli.DurationFlag{Name: "sim-latency", Usage: "latency per call"},
			&cli.StringFlag{Name: "sim-faults", Usage: "fault rates, e.g. 429=0.05,500=0.02,hang=0.01,malformed=0,nocode=0"},
			&cli.StringFlag{Name: "edits", Usage: "a file of scripted Editor replies for codetree solve and fix, separated by lines of %%% (no dataset is loaded)"},
		},
		Action: func(c *cli.Context) error {
			opts := simllm.DefaultOptions()
			if f := c.String("edits"); f != "" {
				b, err := os.ReadFile(f)
				if err != nil {
					return usageErrorf("--edits: %v", err)
				}
				opts.Edits = splitReplies(string(b))
				fmt.Fprintf(c.App.Writer, "simulated model with %d scripted edit replies at http://%s/v1 (model name: sim); Ctrl-C stops it\n", len(opts.Edits), c.String("addr"))
				return simllm.Serve(c.Context, c.String("addr"), simllm.New(nil, opts))
			}
			ds, err := benchmarks.ParseDataset(c.String("dataset"))
			if err != nil {
				return usageErrorf("--dataset: %v", err)
			}
			dataDir, err := resolveDataDir(c.String("data-dir"))
			if err != nil {
				return err
			}
			problems, err := benchmarks.Load(c.Context, ds, benchmarks.LoadOptions{DataDir: dataDir})
			if err != nil {
				return err
			}
			opts.Seed, opts.Latency = c.Int64("sim-seed"), c.Duration("sim-latency")
			if opts.Faults, err = parseFaults(c.String("sim-faults")); err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "simulated model for %d %s problems at http://%s/v1 (model name: sim); Ctrl-C stops it\n", len(problems), ds, c.String("addr"))
			return simllm.Serve(c.Context, c.String("addr"), simllm.New(problems, opts))
		},
	}
}

// splitReplies cuts a file at lines of "%%%".
func splitReplies(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if r := strings.TrimSpace(cur.String()); r != "" {
			out = append(out, r+"\n")
		}
		cur.Reset()
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		if strings.TrimSpace(line) == "%%%" {
			flush()
			continue
		}
		cur.WriteString(line)
	}
	flush()
	return out
}
