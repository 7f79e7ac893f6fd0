// Package swebenchtest makes the small SWE-bench-shaped repositories of
// benchmarks/swebench/testdata/swe into git remotes for tests.
//
// Each folder testdata/swe/{owner}+{repo} holds base/ (the source tree at
// the base commit), gold.patch (the fix) and test.patch (the tests the fix
// brings); testdata/swe/instances.jsonl lists the instances with real
// FAIL_TO_PASS and PASS_TO_PASS names. Remotes builds one bare repository
// per folder, {owner}+{repo}.git, from a single commit made with a fixed
// author, committer and date, so its hash is the same on every machine
// (the base_commit in instances.jsonl). Remotes checks that hash against
// the file instead of trusting it: a git that hashed differently fails the
// test with a clear message rather than a confusing checkout error.
package swebenchtest

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Dir is the absolute path of benchmarks/swebench/testdata/swe.
func Dir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("swebenchtest: cannot locate the source file")
	}
	return filepath.Join(filepath.Dir(file), "..", "testdata", "swe")
}

// Fixed identity and date of every test commit: they make the hashes
// deterministic.
var commitEnv = []string{
	"GIT_AUTHOR_NAME=codetree", "GIT_AUTHOR_EMAIL=test@codetree.invalid", "GIT_AUTHOR_DATE=2024-01-01T00:00:00Z",
	"GIT_COMMITTER_NAME=codetree", "GIT_COMMITTER_EMAIL=test@codetree.invalid", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z",
	"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
}

// Remotes builds a bare repository {owner}+{repo}.git under a fresh
// temporary folder for every repository of the test data and returns the
// repository URL template that reaches them ("file:///tmp/.../{owner}+{repo}.git")
// and the path of instances.jsonl.
func Remotes(t testing.TB) (template, instances string) {
	t.Helper()
	dir := Dir(t)
	root := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read test data: %v", err)
	}
	commits := make(map[string]string) // "owner/repo" -> hash
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		owner, name, ok := strings.Cut(e.Name(), "+")
		if !ok {
			continue
		}
		commits[owner+"/"+name] = makeRemote(t, filepath.Join(dir, e.Name(), "base"), filepath.Join(root, e.Name()+".git"))
	}
	instances = filepath.Join(dir, "instances.jsonl")
	checkCommits(t, instances, commits)
	return "file://" + filepath.ToSlash(root) + "/{owner}+{repo}.git", instances
}

// makeRemote commits the tree at src as the only commit of a bare
// repository at dst and returns its hash.
func makeRemote(t testing.TB, src, dst string) string {
	t.Helper()
	work := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out := filepath.Join(work, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		// A fixed mode: the commit hash must not depend on the checkout.
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
	git(t, work, "init", "--quiet", "--initial-branch=main")
	git(t, work, "-c", "core.autocrlf=false", "-c", "core.filemode=false", "add", "--all")
	git(t, work, "-c", "commit.gpgsign=false", "commit", "--quiet", "--message", "base")
	hash := strings.TrimSpace(git(t, work, "rev-parse", "HEAD"))
	git(t, work, "clone", "--quiet", "--bare", work, dst)
	return hash
}

func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), commitEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// checkCommits fails the test if an instance's base_commit is not the
// commit made for its repository.
func checkCommits(t testing.TB, instances string, commits map[string]string) {
	t.Helper()
	data, err := os.ReadFile(instances)
	if err != nil {
		t.Fatalf("read instances: %v", err)
	}
	for line := range strings.Lines(string(data)) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var in struct {
			ID         string `json:"instance_id"`
			Repo       string `json:"repo"`
			BaseCommit string `json:"base_commit"`
		}
		if err := json.Unmarshal([]byte(line), &in); err != nil {
			t.Fatalf("%s: %v", instances, err)
		}
		if got := commits[in.Repo]; got != in.BaseCommit {
			t.Fatalf("%s: instance %s: base_commit %s, but the test repository's commit is %q "+
				"(a git that hashes differently, or a changed tree: update instances.jsonl)",
				instances, in.ID, in.BaseCommit, got)
		}
	}
}
