package swebench

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
)

// checkouts makes clean worktrees of instances at their base_commit, for
// Evaluate and Run. Each repository is cloned once per run as a mirror
// under WorkDir/repos (an earlier run's mirror is fetched instead), and
// each worktree is a shared clone of it, so a worktree costs a checkout,
// not a clone. git runs with hooks off and no prompts: nothing of the
// repository's runs on the host.
type checkouts struct {
	repoURL string // RepoURL template
	workDir string
	trees   string // the folder of the worktrees, one per instance id

	mu     sync.Mutex
	clones map[string]*clone // by repo
}

func newCheckouts(repoURL, workDir, trees string) *checkouts {
	return &checkouts{repoURL: repoURL, workDir: workDir, trees: trees, clones: make(map[string]*clone)}
}

// clone is one repository's cached mirror, made once per run.
type clone struct {
	once sync.Once
	dir  string
	err  error
}

// mirror returns the run's mirror of the instance's repository, cloning it
// (or fetching into an earlier run's clone) on first use.
func (co *checkouts) mirror(ctx context.Context, in Instance) (string, error) {
	co.mu.Lock()
	c, ok := co.clones[in.Repo]
	if !ok {
		c = &clone{dir: filepath.Join(co.workDir, "repos", in.Owner()+"+"+in.Name()+".git")}
		co.clones[in.Repo] = c
	}
	co.mu.Unlock()
	c.once.Do(func() { c.err = makeMirror(ctx, RepoURLFor(co.repoURL, in), c.dir) })
	return c.dir, c.err
}

// makeMirror clones url as a mirror into dir, or fetches into the mirror
// an earlier run left there.
func makeMirror(ctx context.Context, url, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil {
		if _, err := runGit(ctx, dir, "fetch", "--quiet", "--prune", "origin"); err != nil {
			return fmt.Errorf("fetch %s: %w", url, err)
		}
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clean clone folder: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("create clone folder: %w", err)
	}
	if _, err := runGit(ctx, "", "clone", "--quiet", "--mirror", url, dir); err != nil {
		return fmt.Errorf("clone %s: %w", url, err)
	}
	return nil
}

// worktree makes a fresh worktree of in at base_commit, trees/<instance
// id>, and returns its path; the caller removes it (os.RemoveAll). On an
// error nothing is left behind.
func (co *checkouts) worktree(ctx context.Context, in Instance) (string, error) {
	mirror, err := co.mirror(ctx, in)
	if err != nil {
		return "", err
	}
	tree := filepath.Join(co.trees, in.InstanceID)
	if err := os.RemoveAll(tree); err != nil {
		return "", fmt.Errorf("clean worktree: %w", err)
	}
	if _, err := runGit(ctx, "", "clone", "--quiet", "--shared", "--no-checkout", mirror, tree); err != nil {
		return "", errors.Join(fmt.Errorf("make worktree: %w", err), os.RemoveAll(tree))
	}
	if _, err := runGit(ctx, tree, "checkout", "--quiet", "--detach", in.BaseCommit); err != nil {
		return "", errors.Join(fmt.Errorf("check out %s: %w", in.BaseCommit, err), os.RemoveAll(tree))
	}
	return tree, nil
}

// dirNeedsModCache reports whether the worktree at dir is a Go module
// (go.mod at its root) that needs modules from a module cache: its go.mod
// requires some and it has no vendor/ folder (see needsModCache).
func dirNeedsModCache(dir string) (bool, error) {
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read go.mod: %w", err)
	}
	files := map[string][]byte{"go.mod": gomod}
	if fi, err := os.Stat(filepath.Join(dir, "vendor")); err == nil && fi.IsDir() {
		files["vendor/"] = nil
	}
	return needsModCache(files), nil
}

// testPath matches the paths of test files: Go's _test.go, pytest's
// test_*.py, *_test.py and conftest.py, and anything under a tests/ or
// test/ folder.
var testPath = regexp.MustCompile(`(^|/)(tests?/|test_[^/]*\.py$|conftest\.py$)|_test\.(go|py)$`)

// editedTests are the test files that exist at base and that patch
// changes or deletes (a new test file is not one): a patch that edits
// the tests may pass by weakening them, which the summary flags. dir is
// a clone holding base's objects.
func editedTests(ctx context.Context, dir, base, patch string) []string {
	var out []string
	for _, m := range diffPaths.FindAllStringSubmatch(patch, -1) {
		p := m[1]
		if !testPath.MatchString(p) || slices.Contains(out, p) {
			continue
		}
		if _, err := runGit(ctx, dir, "cat-file", "-e", base+":"+p); err == nil {
			out = append(out, p)
		}
	}
	return out
}
