package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/sandbox"
)

// withBreakdown runs the bench (action), then, unless --json, where each
// trivial run's time goes in each mode: sequential runs with
// sandbox.Config.Timings, and the median of every phase.
func withBreakdown(action cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := action(c); err != nil || c.Bool("json") {
			return err
		}
		req := sandbox.Request{Lang: sandbox.LangPython, Image: c.String("image"), Command: []string{"python3", "-c", "pass"}}
		var cols [][]sandbox.Timing
		for _, mode := range []sandbox.Mode{sandbox.ModePool, sandbox.ModeFresh} {
			runs := c.Int("n")
			if mode == sandbox.ModeFresh {
				runs = max(10, runs/5)
			}
			t, err := timePhases(c.Context, c.String("docker-host"), mode, req, runs)
			if err != nil {
				return fmt.Errorf("%s mode breakdown: %w", mode, err)
			}
			cols = append(cols, t)
		}
		printBreakdown(c.App.Writer, cols)
		return nil
	}
}

// timePhases runs req n times in sequence in a new Sandbox of mode and
// returns each run's Timing.
func timePhases(ctx context.Context, host string, mode sandbox.Mode, req sandbox.Request, n int) ([]sandbox.Timing, error) {
	var mu sync.Mutex
	var out []sandbox.Timing
	sb, err := sandbox.New(ctx, sandbox.Config{DockerHost: host, Mode: mode, PoolSize: 1, Timings: func(t sandbox.Timing) {
		mu.Lock()
		out = append(out, t)
		mu.Unlock()
	}})
	if err != nil {
		return nil, err
	}
	defer closeSandbox(ctx, sb)
	if err := sb.Warm(ctx, req, 1); err != nil {
		return nil, err
	}
	for range n {
		res, err := sb.Run(ctx, req)
		if err != nil {
			return nil, err
		}
		if res.Status != sandbox.StatusPassed {
			return nil, fmt.Errorf("trivial run ended %s: %s %s", res.Status, res.Detail, res.Stderr)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return out, nil
}

// breakdownRows names the phases of a Timing in the order a run goes
// through them.
var breakdownRows = []struct {
	name string
	of   func(sandbox.Timing) time.Duration
}{
	{"harness: checks, job", func(t sandbox.Timing) time.Duration { return t.Prepare }},
	{"harness: get container", func(t sandbox.Timing) time.Duration { return t.Acquire }},
	{"harness: send job", func(t sandbox.Timing) time.Duration { return t.Send }},
	{"transport to runner", func(t sandbox.Timing) time.Duration { return t.ToRunner }},
	{"runner: decode", func(t sandbox.Timing) time.Duration { return t.Runner.Decode }},
	{"runner: uid, folder, files", func(t sandbox.Timing) time.Duration { return t.Runner.Setup }},
	{"runner: process start", func(t sandbox.Timing) time.Duration { return t.Runner.Start }},
	{"runner: program runs", func(t sandbox.Timing) time.Duration { return t.Runner.Run }},
	{"runner: kill uid, pipes", func(t sandbox.Timing) time.Duration { return t.Runner.Reap }},
	{"runner: cleanup", func(t sandbox.Timing) time.Duration { return t.Runner.Cleanup }},
	{"transport back", func(t sandbox.Timing) time.Duration { return t.Back }},
	{"harness: verdict, pool", func(t sandbox.Timing) time.Duration { return t.Verdict }},
	{"total", func(t sandbox.Timing) time.Duration { return t.Total }},
	{"overhead (total - program)", func(t sandbox.Timing) time.Duration { return t.Total - t.Runner.Run }},
}

// printBreakdown prints the median of each phase, one column per mode.
func printBreakdown(w io.Writer, cols [][]sandbox.Timing) {
	fmt.Fprintf(w, "\nper-run breakdown of python3 -c pass, median ms (runs: ")
	for i, col := range cols {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		mode := "?"
		if len(col) > 0 {
			mode = col[0].Mode.String()
		}
		fmt.Fprintf(w, "%s %d", mode, len(col))
	}
	fmt.Fprintln(w, ")")
	for _, r := range breakdownRows {
		fmt.Fprintf(w, "%-28s", r.name)
		for _, col := range cols {
			fmt.Fprintf(w, " %9.2f", medianMS(col, r.of))
		}
		fmt.Fprintln(w)
	}
}

// medianMS is the median of of over ts, in milliseconds.
func medianMS(ts []sandbox.Timing, of func(sandbox.Timing) time.Duration) float64 {
	if len(ts) == 0 {
		return 0
	}
	d := make([]time.Duration, len(ts))
	for i, t := range ts {
		d[i] = of(t)
	}
	slices.Sort(d)
	return float64(d[len(d)/2].Microseconds()) / 1000
}
