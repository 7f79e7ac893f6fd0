package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch/repo"
)

// sweBenchCommand is codetree swe-bench (make bench-swe): what a
// candidate's test run costs in the sandbox against the host.
func sweBenchCommand() *cli.Command {
	return &cli.Command{
		Name:      "swe-bench",
		Usage:     "time a candidate's test run of Go repositories: sandbox with and without the build cache, against the host",
		ArgsUsage: "DIR...",
		Description: "For each Go repository DIR (a checkout of OUR OWN test repositories: this command runs\n" +
			"their test command on the host as the comparison baseline, which codetree never does with a\n" +
			"user's repository), prints the median time of --runs candidate test runs, each with a new\n" +
			"comment in one source file, as codetree solve and fix run them: on the host with a warm\n" +
			"build cache, in the sandbox with the build cache the baseline run filled, and in the sandbox\n" +
			"without it; and the ratios, measured in the same run. Dependencies must be in the host's\n" +
			"module cache (go mod download).",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "runs", Value: 3, Usage: "timed candidate runs per measure (the median is shown)"},
			&cli.StringFlag{Name: "test", Value: "go test ./...", Usage: "the test command"},
			&cli.BoolFlag{Name: "json", Usage: "print the measures as JSON"},
			runtimeFlag(),
		},
		Action: runSweBench,
	}
}

// sweBenchRow is one repository's measures. Times are medians in ms.
type sweBenchRow struct {
	Repo string `json:"repo"`
	// HostMS: the test command on the host, warm build cache.
	HostMS float64 `json:"host_warm_ms"`
	// BaselineMS: the sandboxed baseline run that fills the build cache.
	BaselineMS float64 `json:"sandbox_baseline_ms"`
	// CachedMS: a sandboxed candidate run with the baseline's cache.
	CachedMS float64 `json:"sandbox_cached_ms"`
	// ColdMS: a sandboxed candidate run without it (the image's cache only).
	ColdMS float64 `json:"sandbox_cold_ms"`
	// CacheFiles and CacheBytes: what the baseline exported.
	CacheFiles int   `json:"cache_files"`
	CacheBytes int64 `json:"cache_bytes"`
	// Time to the first model call goes here when it is measured.
}

func runSweBench(c *cli.Context) error {
	ctx := c.Context
	if c.NArg() == 0 {
		return usageErrorf("name at least one Go repository folder")
	}
	runs := c.Int("runs")
	if runs < 1 {
		return usageErrorf("--runs %d: want at least 1", runs)
	}
	sb, err := sandbox.New(ctx, sandbox.Config{DockerHost: c.String("docker-host"), PoolSize: 1, Runtime: c.String("runtime")})
	if err != nil {
		return err
	}
	defer closeSandbox(ctx, sb)
	var rows []sweBenchRow
	for _, dir := range c.Args().Slice() {
		r, err := benchRepo(ctx, sb, dir, c.String("test"), runs)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		slog.Info("swe-bench", "repo", r.Repo, "host_ms", r.HostMS, "baseline_ms", r.BaselineMS,
			"cached_ms", r.CachedMS, "cold_ms", r.ColdMS)
		rows = append(rows, r)
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	printSweBench(c.App.Writer, rows)
	return nil
}

// benchRepo measures one repository.
func benchRepo(ctx context.Context, sb *sandbox.Sandbox, dir, test string, runs int) (sweBenchRow, error) {
	row := sweBenchRow{Repo: filepath.Base(dir)}
	snap, err := repo.Load(ctx, dir, repo.LoadOptions{})
	if err != nil {
		return row, err
	}
	target := candidateFile(snap.Files)
	if target == "" {
		return row, fmt.Errorf("no Go source file to change")
	}
	// Candidate i: the repository with a new comment in one file.
	candidate := func(i int) map[string][]byte {
		files := make(map[string][]byte, len(snap.Files))
		for k, v := range snap.Files {
			files[k] = v
		}
		files[target] = append(slices.Clone(snap.Files[target]), fmt.Sprintf("\n// codetree swe-bench candidate %d %d\n", i, time.Now().UnixNano())...)
		return files
	}
	work, err := os.MkdirTemp("", "codetree-swe-bench-")
	if err != nil {
		return row, err
	}
	defer os.RemoveAll(work)

	if row.HostMS, err = hostRuns(ctx, dir, work, test, target, runs, candidate); err != nil {
		return row, fmt.Errorf("host: %w", err)
	}
	cache := filepath.Join(work, "gobuild")
	cached, err := benchTester(snap, sb, test, cache)
	if err != nil {
		return row, err
	}
	start := time.Now()
	if _, err := checkPassed(cached.RunBaseline(ctx, snap.Files)); err != nil {
		return row, fmt.Errorf("sandbox baseline: %w", err)
	}
	row.BaselineMS = ms(time.Since(start))
	if x := cached.Exported(); x != nil {
		row.CacheFiles, row.CacheBytes = x.Files, x.Bytes
	}
	if row.CachedMS, err = sandboxRuns(ctx, cached, runs, candidate); err != nil {
		return row, fmt.Errorf("sandbox with the cache: %w", err)
	}
	cold, err := benchTester(snap, sb, test, "")
	if err != nil {
		return row, err
	}
	// One untimed run starts the pool's container for these mounts.
	if _, err := checkPassed(cold.Run(ctx, snap.Files)); err != nil {
		return row, fmt.Errorf("sandbox without the cache: %w", err)
	}
	if row.ColdMS, err = sandboxRuns(ctx, cold, runs, candidate); err != nil {
		return row, fmt.Errorf("sandbox without the cache: %w", err)
	}
	return row, nil
}

// candidateFile is the file a benchmark candidate changes: the first Go
// source file, not a test, at the shallowest depth.
func candidateFile(files map[string][]byte) string {
	var best string
	for p := range files {
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.HasPrefix(p, "vendor/") {
			continue
		}
		if best == "" || strings.Count(p, "/") < strings.Count(best, "/") ||
			(strings.Count(p, "/") == strings.Count(best, "/") && p < best) {
			best = p
		}
	}
	return best
}

func benchTester(snap *repo.Snapshot, sb *sandbox.Sandbox, test, cache string) (*repo.Tester, error) {
	modCache := ""
	if _, ok := snap.Files["go.sum"]; ok {
		modCache = hostModCache(context.Background())
	}
	t, _, err := repo.NewTester(repo.Options{Snapshot: snap, Lang: sandbox.LangGo, Sandbox: sb,
		GoModCache: modCache, GoBuildCache: cache}, func(sandbox.Lang) repo.Commands { return repo.Commands{Test: test} })
	return t, err
}

func checkPassed(c repo.Check, err error) (repo.Check, error) {
	if err == nil && !c.TestsPassed() {
		err = fmt.Errorf("the tests failed (%s): %s", c.Ended, repo.HeadTail(c.TestOutput, 2000))
	}
	return c, err
}

// sandboxRuns times runs candidate runs and returns the median in ms.
func sandboxRuns(ctx context.Context, t *repo.Tester, runs int, candidate func(int) map[string][]byte) (float64, error) {
	times := make([]time.Duration, 0, runs)
	for i := range runs {
		files := candidate(i)
		start := time.Now()
		if _, err := checkPassed(t.Run(ctx, files)); err != nil {
			return 0, err
		}
		times = append(times, time.Since(start))
	}
	return median(times), nil
}

// hostRuns copies the repository to work, runs the test command there
// once to warm a build cache of its own, then times runs candidates.
// This runs the repository's code on the host: the benchmark's
// repositories are our own test data, never a user's.
func hostRuns(ctx context.Context, dir, work, test, target string, runs int, candidate func(int) map[string][]byte) (float64, error) {
	src := filepath.Join(work, "host")
	if err := os.CopyFS(src, os.DirFS(dir)); err != nil {
		return 0, fmt.Errorf("copy the repository: %w", err)
	}
	env := append(os.Environ(), "GOCACHE="+filepath.Join(work, "host-gocache"), "GOFLAGS=-mod=mod",
		"GOTOOLCHAIN=local", "CGO_ENABLED=0", "GOPROXY=off")
	run := func() error {
		cmd := exec.CommandContext(ctx, "sh", "-c", test)
		cmd.Dir, cmd.Env = src, env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %w\n%s", test, err, repo.HeadTail(string(out), 2000))
		}
		return nil
	}
	if err := run(); err != nil { // warms the cache
		return 0, err
	}
	times := make([]time.Duration, 0, runs)
	for i := range runs {
		if err := os.WriteFile(filepath.Join(src, target), candidate(i)[target], 0o644); err != nil {
			return 0, err
		}
		start := time.Now()
		if err := run(); err != nil {
			return 0, err
		}
		times = append(times, time.Since(start))
	}
	return median(times), nil
}

func median(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return ms(s[len(s)/2])
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func printSweBench(w io.Writer, rows []sweBenchRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "repository\thost warm\tsandbox baseline\tsandbox cached\tsandbox cold\tcached/host\tcold/host\tcache\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%.0f ms\t%.0f ms\t%.0f ms\t%.0f ms\t%.2fx\t%.2fx\t%d files, %.1f MiB\t\n", r.Repo, r.HostMS, r.BaselineMS,
			r.CachedMS, r.ColdMS, r.CachedMS/r.HostMS, r.ColdMS/r.HostMS, r.CacheFiles, float64(r.CacheBytes)/(1<<20))
	}
	tw.Flush()
	fmt.Fprintln(w, "Medians of candidate test runs (a new comment in one file each), measured in this run; target: cached/host <= 1.5x.")
}
