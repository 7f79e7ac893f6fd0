package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sync/errgroup"

	"github.com/codetree/codetree/sandbox"
)

func sandboxBenchCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "measure run latency and throughput of both sandbox modes against a bare host process",
		Description: "Runs `python3 -c pass` as a bare host process, in pool mode and in fresh mode, and\n" +
			"prints p50/p90 latency, throughput and the ratio to the bare process measured in the same run;\n" +
			"under runc, and under gVisor (runsc) too when the Docker daemon has it (make gvisor), and\n" +
			"through Podman's Docker-compatible service with --podman-host (make podman); the\n" +
			"memory bomb's verdict in pool mode, idle and beside a CPU hog; then where a run's time goes.",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "n", Value: 200, Usage: "sequential runs per mode (fresh mode runs n/5)"},
			&cli.IntFlag{Name: "throughput-runs", Value: 400, Usage: "runs for the pool throughput measure"},
			&cli.IntFlag{Name: "workers", Value: 4, Usage: "concurrent runs for the throughput measures"},
			&cli.StringFlag{Name: "host-python", Value: "/usr/bin/python3", Usage: "the host interpreter to compare with (not a pyenv shim)"},
			&cli.StringFlag{Name: "image", Usage: "image to run in (default: the built-in Python image)"},
			&cli.BoolFlag{Name: "json", Usage: "print the measures as JSON"},
			&cli.IntFlag{Name: "memory-runs", Value: 20, Usage: "memory bomb runs in pool mode, idle and beside a CPU hog (0: none)"},
			&cli.StringSliceFlag{Name: "runtime", Usage: "OCI runtimes to measure (default: runc, and " + sandbox.RuntimeGVisor + " when the daemon has it)"},
			&cli.StringFlag{Name: "podman-host", EnvVars: []string{"CODETREE_PODMAN_HOST"}, Usage: "also measure both modes through Podman's Docker-compatible service at this address (rows marked podman; make bench-sandbox: unix:///run/podman/podman.sock)"},
		},
		Action: withBreakdown(runSandboxBench),
	}
}

type benchRow struct {
	Path      string  `json:"path"`
	Runs      int     `json:"runs"`
	P50MS     float64 `json:"p50_ms"`
	P90MS     float64 `json:"p90_ms"`
	PerSecond float64 `json:"runs_per_second,omitempty"`
	Ratio     float64 `json:"ratio_to_bare_p50"`
	Runtime   string  `json:"runtime,omitempty"` // the OCI runtime; empty for the bare process
	Engine    string  `json:"engine,omitempty"`  // "podman" for rows through Podman's service; empty for Docker
	// Verdicts: how many runs got the verdict the row is about.
	Verdicts string `json:"verdicts,omitempty"`
}

func runSandboxBench(c *cli.Context) error {
	ctx := c.Context
	n := c.Int("n")
	if n < 10 {
		return usageErrorf("--n %d: want at least 10 runs", n)
	}
	hostPy := c.String("host-python")
	if _, err := exec.LookPath(hostPy); err != nil {
		return usageErrorf("--host-python %s: %v", hostPy, err)
	}
	runBare := func(ctx context.Context) error {
		return exec.CommandContext(ctx, hostPy, "-c", "pass").Run()
	}
	bare, err := timeRuns(ctx, n, runBare)
	if err != nil {
		return fmt.Errorf("run host python: %w", err)
	}
	// The host's own throughput, with pool mode's concurrency: what a
	// machine can start at all bounds the pool's runs/s.
	bareRate, err := throughput(ctx, c.Int("throughput-runs"), c.Int("workers"), runBare)
	if err != nil {
		return fmt.Errorf("run host python: %w", err)
	}
	rows := []benchRow{row("bare host python3", bare, bareRate, 0)}
	base := rows[0].P50MS

	req := sandbox.Request{Lang: sandbox.LangPython, Image: c.String("image"), Command: []string{"python3", "-c", "pass"}}
	runtimes, optional := c.StringSlice("runtime"), false
	if len(runtimes) == 0 {
		runtimes, optional = []string{"runc", sandbox.RuntimeGVisor}, true
	}
	var targets []benchTarget
	for _, rt := range runtimes {
		targets = append(targets, benchTarget{host: c.String("docker-host"), runtime: rt, optional: optional})
	}
	if h := c.String("podman-host"); h != "" {
		targets = append(targets, benchTarget{host: h, podman: true})
	}
	var notes []string
	for _, tgt := range targets {
		for _, mode := range []sandbox.Mode{sandbox.ModePool, sandbox.ModeFresh} {
			r, err := benchMode(ctx, c, tgt, mode, req, n, base)
			var re *sandbox.RuntimeError
			if tgt.optional && errors.As(err, &re) {
				notes = append(notes, fmt.Sprintf("no %s rows: the daemon has no %s runtime (`make gvisor` registers it)", tgt.runtime, tgt.runtime))
				break
			}
			if err != nil {
				return err
			}
			rows = append(rows, r...)
		}
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	printBench(c.App.Writer, rows)
	for _, n := range notes {
		fmt.Fprintln(c.App.Writer, n)
	}
	return nil
}

// benchTarget is a daemon and an OCI runtime to measure.
type benchTarget struct {
	host    string // daemon address; empty: --docker-host, DOCKER_HOST or the local socket
	runtime string // OCI runtime; empty: the daemon's default
	podman  bool   // host is Podman's Docker-compatible service
	// optional: a daemon without the runtime is a note, not an error.
	optional bool
}

// suffix marks the target's rows: nothing for Docker's runc.
func (t benchTarget) suffix() string {
	switch {
	case t.podman:
		return " (podman)"
	case t.runtime != "runc" && t.runtime != "":
		return " (" + t.runtime + ")"
	}
	return ""
}

// mark sets the runtime and engine of the target's rows.
func (t benchTarget) mark(r *benchRow) {
	r.Runtime = t.runtime
	if t.podman {
		r.Runtime, r.Engine = "default", "podman"
	}
}

// benchMode measures one mode on one target; its rows' names carry the
// target (suffix).
func benchMode(ctx context.Context, c *cli.Context, tgt benchTarget, mode sandbox.Mode, req sandbox.Request, n int, base float64) ([]benchRow, error) {
	sb, err := sandbox.New(ctx, sandbox.Config{DockerHost: tgt.host, Mode: mode, PoolSize: c.Int("workers"), Runtime: tgt.runtime})
	if err != nil {
		return nil, err
	}
	defer closeSandbox(ctx, sb)
	if err := sb.Warm(ctx, req, c.Int("workers")); err != nil {
		return nil, err
	}
	runs := n
	if mode == sandbox.ModeFresh {
		runs = max(10, n/5)
	}
	one := func(ctx context.Context) error {
		res, err := sb.Run(ctx, req)
		if err == nil && res.Status != sandbox.StatusPassed {
			err = fmt.Errorf("trivial run ended %s: %s %s", res.Status, res.Detail, res.Stderr)
		}
		return err
	}
	seq, err := timeRuns(ctx, runs, one)
	if err != nil {
		return nil, fmt.Errorf("%s mode: %w", mode, err)
	}
	total := c.Int("throughput-runs")
	if mode == sandbox.ModeFresh {
		total = max(10, total/10)
	}
	perSec, err := throughput(ctx, total, c.Int("workers"), one)
	if err != nil {
		return nil, fmt.Errorf("%s mode throughput: %w", mode, err)
	}
	// The deadline runs from the program's start: take off the time a run
	// spends before that (container start in fresh mode), estimated as
	// this mode's trivial-run p50 less the bare process's.
	suffix := tgt.suffix()
	modeRow := row(mode.String()+" mode"+suffix, seq, perSec, base)
	tgt.mark(&modeRow)
	startup := time.Duration((modeRow.P50MS - base) * float64(time.Millisecond))
	over, err := deadlineOvershoot(ctx, sb, req.Image, 5, max(0, startup))
	if err != nil {
		return nil, fmt.Errorf("%s mode fork bomb: %w", mode, err)
	}
	overRow := row(mode.String()+" fork bomb"+suffix, over, 0, 0)
	tgt.mark(&overRow)
	overRow.Ratio = 0 // no bare baseline: printed as "-"
	rows := []benchRow{modeRow, overRow}
	if mode == sandbox.ModePool && c.Int("memory-runs") > 0 {
		mem, err := memoryRows(ctx, sb, req.Image, tgt, c.Int("memory-runs"))
		if err != nil {
			return nil, fmt.Errorf("%s mode: %w", mode, err)
		}
		rows = append(rows, mem...)
	}
	return rows, nil
}

// forkBomb forks until the pids limit holds it, then keeps trying.
const forkBomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"

// deadlineOvershoot runs a fork bomb n times with a 1 s deadline and
// returns how long after the deadline each time-limit verdict arrived.
func deadlineOvershoot(ctx context.Context, sb sandbox.Runner, image string, n int, startup time.Duration) ([]time.Duration, error) {
	const deadline = time.Second
	req := sandbox.Request{
		Lang: sandbox.LangPython, Image: image,
		Files:   map[string][]byte{"bomb.py": []byte(forkBomb)},
		Command: []string{"python3", "bomb.py"},
		Limits:  sandbox.Limits{Timeout: deadline, Pids: 128},
	}
	d := make([]time.Duration, n)
	for i := range d {
		start := time.Now()
		res, err := sb.Run(ctx, req)
		if err != nil {
			return nil, err
		}
		if res.Status != sandbox.StatusTimeLimit {
			return nil, fmt.Errorf("verdict %s, want time_limit", res.Status)
		}
		d[i] = time.Since(start) - startup - deadline
	}
	return d, nil
}

// timeRuns runs f n times in sequence and returns each duration.
func timeRuns(ctx context.Context, n int, f func(context.Context) error) ([]time.Duration, error) {
	d := make([]time.Duration, n)
	for i := range d {
		start := time.Now()
		if err := f(ctx); err != nil {
			return nil, err
		}
		d[i] = time.Since(start)
	}
	return d, nil
}

// throughput runs f total times with the given concurrency and returns
// runs per second of wall time.
func throughput(ctx context.Context, total, workers int, f func(context.Context) error) (float64, error) {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	var done atomic.Int64
	start := time.Now()
	for range total {
		g.Go(func() error {
			if err := f(ctx); err != nil {
				return err
			}
			done.Add(1)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return float64(done.Load()) / time.Since(start).Seconds(), nil
}

func row(path string, d []time.Duration, perSec, base float64) benchRow {
	s := slices.Clone(d)
	slices.Sort(s)
	ms := func(q float64) float64 { return float64(s[int(q*float64(len(s)-1))].Microseconds()) / 1000 }
	r := benchRow{Path: path, Runs: len(s), P50MS: ms(0.5), P90MS: ms(0.9), PerSecond: perSec, Ratio: 1}
	if base > 0 {
		r.Ratio = r.P50MS / base
	}
	return r
}

func printBench(w io.Writer, rows []benchRow) {
	fmt.Fprintf(w, "%-28s %6s %9s %9s %10s %8s\n", "path", "runs", "p50 ms", "p90 ms", "runs/s", "x bare")
	for _, r := range rows {
		rate := "-"
		if r.PerSecond > 0 {
			rate = fmt.Sprintf("%.1f", r.PerSecond)
		}
		ratio := "-"
		if r.Ratio > 0 {
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		fmt.Fprintf(w, "%-28s %6d %9.1f %9.1f %10s %8s", r.Path, r.Runs, r.P50MS, r.P90MS, rate, ratio)
		if r.Verdicts != "" {
			fmt.Fprintf(w, "  %s", r.Verdicts)
		}
		fmt.Fprintln(w)
	}
	host, _ := os.Hostname()
	fmt.Fprintf(w, "(%s, %d CPUs; targets: pool p50 <= 1.1x bare and >= 60 runs/s, fresh p50 <= 250 ms;\n"+
		" fork bomb rows: time from the 1 s deadline to the time-limit verdict, target <= 300 ms;\n"+
		" memory rows: wall time to the verdict; a bomb's x is over the touch row above it (the same\n"+
		" memory touched, then exit): memory_limit in every run, within 500 ms of that)\n", host, runtime.NumCPU())
}
