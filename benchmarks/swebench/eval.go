package swebench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/codetree/codetree/sandbox"
)

// DefaultRepoURL is the repository URL template of EvalOptions.RepoURL.
const DefaultRepoURL = "https://github.com/{owner}/{repo}.git"

// EvalOptions configure Evaluate.
type EvalOptions struct {
	// Instances are evaluated in order; each needs a prediction unless Gold.
	Instances []Instance
	// Predictions by instance; ignored with Gold.
	Predictions []Prediction
	// Gold scores each instance's own Patch (an instance whose gold patch
	// does not resolve it is not a valid instance).
	Gold bool
	// RepoURL is the clone URL with {owner} and {repo} substituted
	// (default DefaultRepoURL); a mirror: "file:///srv/mirrors/{owner}+{repo}".
	RepoURL string
	// WorkDir holds the clone cache (repos/, one mirror per repository per
	// run), the per-instance worktrees (trees/, removed after the run) and
	// the Go module cache (gomodcache/, kept). Default: OutDir/work.
	WorkDir string
	// OutDir receives reports/<instance_id>.json, logs/<instance_id>.log,
	// report.json and summary.json.
	OutDir string
	Runner sandbox.Runner
	// Image overrides the sandbox image of the instance's language.
	Image  string
	Limits sandbox.Limits
	// Concurrency is the number of instances evaluated at once (default 1).
	Concurrency int
}

// EvalResult is what Evaluate found. Reports holds every instance with a
// verdict, those of earlier runs included (Reused counts them); Errors the
// instances whose evaluation failed for an infrastructure reason (no
// report is written for them, so a rerun tries them again).
type EvalResult struct {
	Reports []InstanceReport
	Errors  map[string]error
	Reused  int
	Summary Summary
}

// Evaluate scores predictions SWE-bench's way. For each instance it makes
// a clean worktree at base_commit from a clone cached for the run, applies
// the model patch (git apply, then patch --fuzz=3), resets the files the
// test patch touches and applies it, runs the FAIL_TO_PASS and
// PASS_TO_PASS tests in the sandbox and grades their statuses. git runs on
// the host only to clone, check out and apply; the repository's code runs
// only in the sandbox.
//
// A Go repository whose go.mod requires modules and that has no vendor/
// folder gets them from WorkDir/gomodcache, shared by the run's instances
// and kept for the next runs: `go mod download` fills it on the host
// (sources only, nothing built or run) and the sandbox mounts it read-only
// at GoModCacheTarget with GOPROXY=off.
//
// An instance whose report file exists is not evaluated again. A test
// failure, a timeout or a patch that does not apply is a verdict; a failed
// clone, checkout, test-patch application, `go mod download` or sandbox
// run is an error of that instance, recorded in EvalResult.Errors and summary.json. The
// returned error is for what stops the whole run: bad options, an
// unwritable OutDir, a cancelled ctx.
func Evaluate(ctx context.Context, opts EvalOptions) (EvalResult, error) {
	if err := opts.check(); err != nil {
		return EvalResult{}, err
	}
	preds := make(map[string]Prediction, len(opts.Predictions))
	for _, p := range opts.Predictions {
		preds[p.InstanceID] = p
	}
	if !opts.Gold {
		for _, in := range opts.Instances {
			if _, ok := preds[in.InstanceID]; !ok {
				return EvalResult{}, fmt.Errorf("evaluate: no prediction for instance %s", in.InstanceID)
			}
		}
	}
	for _, d := range []string{filepath.Join(opts.OutDir, "reports"), filepath.Join(opts.OutDir, "logs"), opts.WorkDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return EvalResult{}, fmt.Errorf("create output folder: %w", err)
		}
	}
	e := &evaluator{opts: opts, checkouts: newCheckouts(opts.RepoURL, opts.WorkDir, filepath.Join(opts.WorkDir, "trees"))}
	defer os.RemoveAll(e.checkouts.trees)

	n := len(opts.Instances)
	reports := make([]*InstanceReport, n)
	errs := make([]error, n)
	reused := make([]bool, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(opts.Concurrency, 1))
	for i, in := range opts.Instances {
		if r, ok, err := readReport(opts.reportPath(in.InstanceID), in.InstanceID); err != nil {
			return EvalResult{}, err
		} else if ok {
			reports[i], reused[i] = &r, true
			continue
		}
		patch := in.Patch
		if !opts.Gold {
			patch = preds[in.InstanceID].ModelPatch
		}
		g.Go(func() error {
			r, err := e.instance(gctx, in, patch)
			if err != nil {
				if gctx.Err() != nil {
					return gctx.Err()
				}
				errs[i] = err
				return nil
			}
			if err := writeJSON(opts.reportPath(in.InstanceID), Keyed(r)); err != nil {
				return fmt.Errorf("write report of %s: %w", in.InstanceID, err)
			}
			reports[i] = &r
			return nil
		})
	}
	runErr := g.Wait()

	res := EvalResult{Errors: make(map[string]error)}
	for i, in := range opts.Instances {
		switch {
		case reports[i] != nil:
			res.Reports = append(res.Reports, *reports[i])
			if reused[i] {
				res.Reused++
			}
		case errs[i] != nil:
			res.Errors[in.InstanceID] = errs[i]
		}
	}
	res.Summary = Summarize(res.Reports, res.Errors)
	if runErr != nil {
		return res, runErr
	}
	if err := writeJSON(filepath.Join(opts.OutDir, EvalReportFile), Keyed(res.Reports...)); err != nil {
		return res, fmt.Errorf("write report.json: %w", err)
	}
	if err := writeJSON(filepath.Join(opts.OutDir, EvalSummaryFile), res.Summary); err != nil {
		return res, fmt.Errorf("write summary.json: %w", err)
	}
	return res, nil
}

func (o *EvalOptions) check() error {
	if o.Runner == nil {
		return errors.New("evaluate: no sandbox runner")
	}
	if o.OutDir == "" {
		return errors.New("evaluate: no output folder")
	}
	if o.RepoURL == "" {
		o.RepoURL = DefaultRepoURL
	}
	if o.WorkDir == "" {
		o.WorkDir = filepath.Join(o.OutDir, "work")
	}
	var err error
	if o.WorkDir, err = filepath.Abs(o.WorkDir); err != nil {
		return fmt.Errorf("evaluate: work folder: %w", err)
	}
	return nil
}

func (o *EvalOptions) reportPath(id string) string {
	return evalReportPath(o.OutDir, id)
}

// evalReportPath and evalLogPath are an instance's report and test log
// in an evaluation folder.
func evalReportPath(dir, id string) string { return filepath.Join(dir, "reports", id+".json") }
func evalLogPath(dir, id string) string    { return filepath.Join(dir, "logs", id+".log") }

// RepoURLFor substitutes the instance's owner and repository name into a
// RepoURL template.
func RepoURLFor(template string, in Instance) string {
	return strings.NewReplacer("{owner}", in.Owner(), "{repo}", in.Name()).Replace(template)
}

// readReport reads an earlier run's report of id, if there is one.
func readReport(path, id string) (InstanceReport, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return InstanceReport{}, false, nil
	}
	if err != nil {
		return InstanceReport{}, false, fmt.Errorf("read report: %w", err)
	}
	var m map[string]InstanceReport
	if err := json.Unmarshal(data, &m); err != nil {
		return InstanceReport{}, false, fmt.Errorf("read report %s: %w (remove it to evaluate the instance again)", path, err)
	}
	r, ok := m[id]
	if !ok {
		return InstanceReport{}, false, fmt.Errorf("read report %s: no entry for %s", path, id)
	}
	r.InstanceID = id
	return r, true, nil
}

// writeJSON writes v indented, through a temporary file renamed into
// place, so a crash never leaves half a report.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

type evaluator struct {
	opts      EvalOptions
	checkouts *checkouts
}

// instance evaluates one instance. Errors are infrastructure failures.
func (e *evaluator) instance(ctx context.Context, in Instance, patch string) (InstanceReport, error) {
	var log bytes.Buffer
	defer func() {
		_ = os.WriteFile(evalLogPath(e.opts.OutDir, in.InstanceID), log.Bytes(), 0o644)
	}()
	if strings.TrimSpace(patch) == "" {
		fmt.Fprintln(&log, "empty patch: nothing to evaluate")
		return Grade(in, false, false, nil), nil
	}
	tree, err := e.checkouts.worktree(ctx, in)
	if err != nil {
		fmt.Fprintln(&log, err)
		return InstanceReport{}, err
	}
	defer os.RemoveAll(tree)

	patchFile := tree + ".patch"
	defer os.Remove(patchFile)
	applied, how, err := applyPatch(ctx, tree, patchFile, patch)
	fmt.Fprintf(&log, ">>> apply model patch: %s\n", how)
	if err != nil {
		return InstanceReport{}, err
	}
	if !applied {
		return Grade(in, false, true, nil), nil
	}

	// As SWE-bench: the test files come from base_commit, whatever the
	// patch did to them, then the test patch goes on top.
	if err := resetTestFiles(ctx, tree, in); err != nil {
		return InstanceReport{}, err
	}
	ok, how, err := applyPatch(ctx, tree, patchFile, in.TestPatch)
	fmt.Fprintf(&log, ">>> apply test patch: %s\n", how)
	if err != nil {
		return InstanceReport{}, err
	}
	if !ok {
		return InstanceReport{}, fmt.Errorf("apply test_patch of %s: %s", in.InstanceID, how)
	}

	files, err := readTree(tree)
	if err != nil {
		return InstanceReport{}, err
	}
	lang, argv := testCommand(in, files)
	var env []string
	var mounts []sandbox.Mount
	if lang == sandbox.LangGo && hasVendor(files) {
		// The image's GOFLAGS=-mod=mod would ignore vendor/.
		env = []string{"GOFLAGS=-mod=vendor", "GOPROXY=off"}
	}
	if lang == sandbox.LangGo && needsModCache(files) {
		cache := filepath.Join(e.opts.WorkDir, "gomodcache")
		fmt.Fprintf(&log, ">>> go mod download (GOMODCACHE=%s)\n", cache)
		if err := goModDownload(ctx, tree, cache); err != nil {
			fmt.Fprintln(&log, err)
			return InstanceReport{}, fmt.Errorf("dependencies of %s: %w", in.InstanceID, err)
		}
		env = []string{"GOMODCACHE=" + GoModCacheTarget, "GOFLAGS=-mod=mod", "GOPROXY=off"}
		mounts = []sandbox.Mount{{Source: cache, Target: GoModCacheTarget}}
	}
	fmt.Fprintf(&log, ">>> run %q\n", argv)
	res, err := e.opts.Runner.Run(ctx, sandbox.Request{
		Lang: lang, Image: e.opts.Image, Files: files, Command: argv, Env: env, Mounts: mounts, Limits: e.opts.Limits,
	})
	if err != nil {
		fmt.Fprintln(&log, err)
		return InstanceReport{}, fmt.Errorf("run the tests of %s: %w", in.InstanceID, err)
	}
	out := res.Stdout + res.Stderr
	fmt.Fprintf(&log, "%s\n>>> status %s, exit %d %s\n", out, res.Status, res.ExitCode, res.Detail)
	var statuses map[string]Status
	if lang == sandbox.LangGo {
		statuses = ParseGoTest(out)
	} else {
		statuses = ParsePytest(out)
	}
	return Grade(in, true, true, statuses), nil
}

// GoModCacheTarget is where Evaluate mounts the run's Go module cache in
// the sandbox.
const GoModCacheTarget = "/gomodcache"

var goRequire = regexp.MustCompile(`(?m)^\s*require\b`)

// needsModCache reports whether a Go tree needs modules from the module
// cache: its go.mod requires some and it has no vendor/ folder.
func needsModCache(files map[string][]byte) bool {
	return goRequire.Match(files["go.mod"]) && !hasVendor(files)
}

// hasVendor reports whether a Go tree vendors its dependencies.
func hasVendor(files map[string][]byte) bool {
	for p := range files {
		if strings.HasPrefix(p, "vendor/") {
			return true
		}
	}
	return false
}

// goModDownload fetches the modules the tree's go.mod requires into
// cache, on the host, with the go command alone: `go mod download` only
// downloads and verifies module sources, it builds and runs nothing of
// the repository's (no build, test or generate). GOTOOLCHAIN=local keeps
// it from fetching and running another toolchain; GOWORK=off keeps a
// go.work above the work folder out, unless the tree has its own.
// -modcacherw leaves the cache removable with the work folder (the
// sandbox mounts it read-only all the same). The go command locks the
// cache, so concurrent instances can share it. The error holds the go
// command's output.
func goModDownload(ctx context.Context, tree, cache string) error {
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return fmt.Errorf("create module cache: %w", err)
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "download")
	cmd.Dir = tree
	cmd.Env = append(os.Environ(), "GOMODCACHE="+cache, "GOFLAGS=-mod=mod -modcacherw", "GOTOOLCHAIN=local")
	if _, err := os.Stat(filepath.Join(tree, "go.work")); err != nil {
		cmd.Env = append(cmd.Env, "GOWORK=off")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go mod download: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// applyPatch applies patch in dir as SWE-bench does: git apply, then
// patch --fuzz=3. Neither runs code from the repository. It reports
// whether the patch applied and how; the error is for a failure to try.
func applyPatch(ctx context.Context, dir, file, patch string) (bool, string, error) {
	if !strings.HasSuffix(patch, "\n") {
		patch += "\n"
	}
	if err := os.WriteFile(file, []byte(patch), 0o644); err != nil {
		return false, "", fmt.Errorf("write patch: %w", err)
	}
	gitOut, err := runGit(ctx, dir, "apply", "--verbose", file)
	if err == nil {
		return true, "git apply", nil
	}
	if ctx.Err() != nil {
		return false, "", ctx.Err()
	}
	cmd := exec.CommandContext(ctx, "patch", "--batch", "--forward", "--fuzz=3", "-p1", "-i", file)
	cmd.Dir = dir
	out, perr := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case perr == nil:
		return true, "patch --fuzz=3", nil
	case errors.As(perr, &exit) && ctx.Err() == nil:
		return false, fmt.Sprintf("did not apply:\ngit apply: %s\npatch: %s", gitOut+err.Error(), out), nil
	default:
		return false, "", fmt.Errorf("run patch: %w", perr)
	}
}

// diffPaths are the paths a unified diff touches (its "diff --git" lines).
var diffPaths = regexp.MustCompile(`(?m)^diff --git a/(\S+) b/(\S+)$`)

// resetTestFiles restores the files the test patch touches to base_commit
// and removes those that base_commit does not have.
func resetTestFiles(ctx context.Context, tree string, in Instance) error {
	var paths []string
	for _, m := range diffPaths.FindAllStringSubmatch(in.TestPatch, -1) {
		paths = append(paths, m[1], m[2])
	}
	slices.Sort(paths)
	for _, p := range slices.Compact(paths) {
		if _, err := runGit(ctx, tree, "cat-file", "-e", in.BaseCommit+":"+p); err != nil {
			if err := os.Remove(filepath.Join(tree, filepath.FromSlash(p))); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("reset test file %s: %w", p, err)
			}
			continue
		}
		if _, err := runGit(ctx, tree, "checkout", "--quiet", in.BaseCommit, "--", p); err != nil {
			return fmt.Errorf("reset test file %s: %w", p, err)
		}
	}
	return nil
}

// readTree reads the worktree's regular files (not .git, not symlinks)
// into a sandbox request's Files.
func readTree(root string) (map[string][]byte, error) {
	files := make(map[string][]byte)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read worktree: %w", err)
	}
	return files, nil
}

// testCommand is the language of the repository (Go when go.mod is at its
// root, else Python) and the argv that runs the instance's tests.
//
// Go: `go test -v -count=1 -run '^(TestA|TestB)$' ./...` over the
// top-level names (a subtest TestX/case runs under -run TestX; grading
// then reads the full names). Python: pytest with -rA over the node ids.
func testCommand(in Instance, files map[string][]byte) (sandbox.Lang, []string) {
	tests := slices.Concat(in.FailToPass, in.PassToPass)
	if _, ok := files["go.mod"]; ok {
		var top []string
		for _, t := range tests {
			name, _, _ := strings.Cut(t, "/")
			top = append(top, regexp.QuoteMeta(name))
		}
		slices.Sort(top)
		argv := []string{"go", "test", "-v", "-count=1"}
		if top = slices.Compact(top); len(top) > 0 {
			argv = append(argv, "-run", "^("+strings.Join(top, "|")+")$")
		}
		return sandbox.LangGo, append(argv, "./...")
	}
	argv := []string{"python3", "-m", "pytest", "-rA", "-p", "no:cacheprovider"}
	seen := make(map[string]bool)
	for _, t := range tests {
		if !seen[t] {
			seen[t] = true
			argv = append(argv, t)
		}
	}
	return sandbox.LangPython, argv
}

// runGit runs git on the host with hooks off and no prompts, returning
// its combined output; the error holds the output.
func runGit(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "core.hooksPath=/dev/null", "-c", "advice.detachedHead=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("git %s: %w: %s", args[0], err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}
