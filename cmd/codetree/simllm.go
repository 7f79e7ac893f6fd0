package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

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
			"when the prompt carries failing test feedback or a review, the Critic answers from the\n" +
			"feedback and rejects most mutants the visible tests miss (--sim-reject-rate), naming the\n" +
			"faulty line. Replies vary in form as real models' do (reasoning blocks, prose around\n" +
			"code, list and verdict forms) unless --sim-plain. Every response carries the header\n" +
			"X-Codetree-Simulated: true, so a bench run against it is marked simulated.\n" +
			"Point any command at it with --base-url http://ADDR/v1 --model sim.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8765", Usage: "address to listen on (loopback)"},
			&cli.StringFlag{Name: "dataset", Value: "humaneval", Usage: "whose problems to answer"},
			&cli.StringFlag{Name: "data-dir", EnvVars: []string{"CODETREE_DATA_DIR"}, Usage: "folder of the dataset files"},
			&cli.StringFlag{Name: "edits", Usage: "a file of scripted Editor replies for codetree solve and fix, separated by lines of %%% (no dataset is loaded)"},
		}, simFlags()...),
		Action: func(c *cli.Context) error {
			opts, err := simOptions(c)
			if err != nil {
				return err
			}
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

// simFlags are the simulated model's options, for bench --model sim and
// sim-llm.
func simFlags() []cli.Flag {
	d := simllm.DefaultOptions()
	return []cli.Flag{
		&cli.Int64Flag{Name: "sim-seed", Usage: "simulated model: seed"},
		&cli.DurationFlag{Name: "sim-latency", Usage: "simulated model: latency per call"},
		&cli.Float64Flag{Name: "sim-correct-rate", Value: d.CorrectRate, Usage: "simulated model: probability that a Solver reply is the reference solution (else a mutant)"},
		&cli.Float64Flag{Name: "sim-repair-rate", Value: d.RepairRate, Usage: "simulated model: probability that the Debugger, shown failing feedback or a review, repairs"},
		&cli.Float64Flag{Name: "sim-reject-rate", Value: d.RejectRate, Usage: "simulated model: probability that the Critic rejects code that passes the visible tests but is not the reference, naming the faulty line (else it accepts it)"},
		&cli.Float64Flag{Name: "sim-false-reject-rate", Value: d.FalseRejectRate, Usage: "simulated model: probability that the Critic rejects the reference solution, for a wrong reason"},
		&cli.BoolFlag{Name: "sim-plain", Usage: "simulated model: one plain form per reply (no reasoning blocks, prose around code, list or verdict variants)"},
		&cli.StringFlag{Name: "sim-faults", Usage: "simulated model: fault rates, e.g. 429=0.05,500=0.02,hang=0.01,malformed=0,nocode=0"},
	}
}

// simOptions reads simFlags.
func simOptions(c *cli.Context) (simllm.Options, error) {
	opts := simllm.Options{Seed: c.Int64("sim-seed"), Latency: c.Duration("sim-latency"), Plain: c.Bool("sim-plain")}
	for _, r := range []struct {
		flag string
		dst  *float64
	}{
		{"sim-correct-rate", &opts.CorrectRate}, {"sim-repair-rate", &opts.RepairRate},
		{"sim-reject-rate", &opts.RejectRate}, {"sim-false-reject-rate", &opts.FalseRejectRate},
	} {
		v := c.Float64(r.flag)
		if v < 0 || v > 1 {
			return opts, usageErrorf("--%s %g: want a probability from 0 to 1", r.flag, v)
		}
		*r.dst = v
		if v == 0 && r.flag != "sim-false-reject-rate" {
			*r.dst = -1 // simllm.New reads 0 as "the default"
		}
	}
	var err error
	opts.Faults, err = parseFaults(c.String("sim-faults"))
	return opts, err
}

// startSim serves the simulated model on loopback for this run: its base
// URL and the function that stops it.
func startSim(opts simllm.Options, problems []*benchmarks.Problem) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("start simulated model: %w", err)
	}
	srv := &http.Server{Handler: simllm.New(problems, opts).Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String() + "/v1", stop, nil
}

func parseFaults(s string) (simllm.Faults, error) {
	var f simllm.Faults
	if s == "" {
		return f, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		var rate float64
		if _, err := fmt.Sscanf(v, "%g", &rate); !ok || err != nil || rate < 0 || rate > 1 {
			return f, usageErrorf("--sim-faults %q: want KIND=RATE pairs, rates from 0 to 1", s)
		}
		switch k {
		case "429":
			f.RateLimit = rate
		case "500":
			f.ServerError = rate
		case "hang":
			f.Hang = rate
		case "malformed":
			f.Malformed = rate
		case "nocode":
			f.NoCode = rate
		default:
			return f, usageErrorf("--sim-faults: unknown kind %q (use 429, 500, hang, malformed, nocode)", k)
		}
	}
	return f, nil
}
