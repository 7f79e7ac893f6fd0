package repo

import (
	"crypto/sha256"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/sandbox"
)

// runGit runs git in dir with a fixed identity and no user or system
// configuration.
func runGit(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=Test", "-c", "user.email=test@example.com",
		"-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_CEILING_DIRECTORIES="+filepath.Dir(dir))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
}

func symlink(t *testing.T, target, name string) {
	t.Helper()
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
}

// repoTree is a repository's files, shared by the git and walk tests:
// the code, what .gitignore excludes, tool directories, and files Load
// must skip.
func repoTree(t *testing.T, dir string) {
	t.Helper()
	writeTree(t, dir, strFiles(map[string]string{
		"main.go":                       "package main\n",
		"pkg/calc/calc.go":              "package calc\n",
		".gitignore":                    "*.log\nbuild/\n",
		"debug.log":                     "ignored\n",
		"build/out.txt":                 "ignored\n",
		"notes.txt":                     "untracked, not ignored\n",
		"big.txt":                       strings.Repeat("x", 2000),
		"image.dat":                     "GIF89a\x00\x01\x02",
		"vendor/modules.txt":            "# example.com/dep v1.0.0\n",
		"vendor/example.com/dep/dep.go": "package dep\n// " + strings.Repeat("v", 3000) + "\n",
		"other/vendor/big.go":           strings.Repeat("y", 3000), // not a Go vendor directory: no modules.txt
		"__pycache__/m.cpython-312.pyc": "cached\n",
		"node_modules/x/index.js":       "module.exports = 1\n",
		".venv/lib/site.py":             "venv\n",
	}))
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	symlink(t, outside, filepath.Join(dir, "link-out"))
	symlink(t, "../../main.go", filepath.Join(dir, "pkg", "calc", "link-in.go"))
	symlink(t, "pkg", filepath.Join(dir, "link-dir"))
	symlink(t, "missing.txt", filepath.Join(dir, "dangling"))
}

var repoTreeSkipped = []Skipped{
	{Path: "big.txt", Reason: SkipTooLarge, Size: 2000},
	{Path: "dangling", Reason: SkipSymlinkOutside},
	{Path: "image.dat", Reason: SkipBinary},
	{Path: "link-dir", Reason: SkipNotRegular},
	{Path: "link-out", Reason: SkipSymlinkOutside},
	{Path: "other/vendor/big.go", Reason: SkipTooLarge, Size: 3000},
}

func TestLoad(t *testing.T) {
	t.Parallel()
	opts := LoadOptions{MaxFileSize: 1 * sandbox.KiB}
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		opts    LoadOptions
		git     bool
		files   []string
		skipped []Skipped
	}{{
		name: "git",
		setup: func(t *testing.T, dir string) {
			needGit(t)
			repoTree(t, dir)
			runGit(t, dir, "init", "-q")
			runGit(t, dir, "add", "main.go", "pkg", ".gitignore", "vendor")
			runGit(t, dir, "add", "-f", "debug.log") // tracked although ignored: git lists it
			writeTree(t, dir, strFiles(map[string]string{"deleted.py": "x\n"}))
			runGit(t, dir, "add", "deleted.py")
			runGit(t, dir, "commit", "-q", "-m", "init")
			if err := os.Remove(filepath.Join(dir, "deleted.py")); err != nil { // listed by git, not on disk
				t.Fatal(err)
			}
		},
		opts: opts, git: true,
		files: []string{".gitignore", "debug.log", "main.go", "notes.txt", "pkg/calc/calc.go", "pkg/calc/link-in.go",
			"vendor/example.com/dep/dep.go", "vendor/modules.txt"},
		skipped: repoTreeSkipped,
	}, {
		name:  "walk",
		setup: repoTree,
		opts:  opts,
		files: []string{".gitignore", "main.go", "notes.txt", "pkg/calc/calc.go", "pkg/calc/link-in.go",
			"vendor/example.com/dep/dep.go", "vendor/modules.txt"},
		skipped: repoTreeSkipped,
	}, {
		name: "walk in a git work tree when asked",
		setup: func(t *testing.T, dir string) {
			needGit(t)
			writeTree(t, dir, strFiles(map[string]string{"a.py": "a\n", "x.log": "x\n", ".gitignore": "*.log\n"}))
			runGit(t, dir, "init", "-q")
		},
		opts:  LoadOptions{NoGit: true},
		files: []string{".gitignore", "a.py"},
	}, {
		name: "gitignore negation and nested patterns in the walk",
		setup: func(t *testing.T, dir string) {
			writeTree(t, dir, strFiles(map[string]string{
				".gitignore": "*.txt\n!keep.txt\n/dist\ndocs/*.md\n",
				"a.txt":      "x\n", "keep.txt": "k\n", "dist/app.js": "d\n", "src/dist/x.js": "s\n",
				"docs/a.md": "m\n", "docs/sub/b.md": "m\n",
			}))
		},
		files: []string{".gitignore", "docs/sub/b.md", "keep.txt", "src/dist/x.js"},
	}, {
		name: "git, a subdirectory",
		setup: func(t *testing.T, dir string) {
			needGit(t)
			writeTree(t, dir, strFiles(map[string]string{"top.py": "t\n", "sub/a.py": "a\n", "sub/x.log": "x\n", ".gitignore": "*.log\n"}))
			runGit(t, dir, "init", "-q")
		},
		git:   true,
		files: []string{"a.py"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tt.setup(t, dir)
			load := dir
			if strings.Contains(tt.name, "subdirectory") {
				load = filepath.Join(dir, "sub")
			}
			snap, err := Load(t.Context(), load, tt.opts)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if snap.Git != tt.git {
				t.Errorf("Git = %v, want %v", snap.Git, tt.git)
			}
			for p, content := range snap.Files {
				want, err := os.ReadFile(filepath.Join(load, filepath.FromSlash(p)))
				if err != nil || string(want) != string(content) {
					t.Errorf("Files[%q] = %q, want the file's content %q (%v)", p, content, want, err)
				}
				if snap.Hashes[p] != sha256.Sum256(content) {
					t.Errorf("Hashes[%q] is not the SHA-256 of the content", p)
				}
			}
			if len(snap.Hashes) != len(snap.Files) {
				t.Errorf("%d hashes for %d files", len(snap.Hashes), len(snap.Files))
			}
			if diff := cmp.Diff(tt.files, slices.Sorted(maps.Keys(snap.Files))); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.skipped, snap.Skipped); diff != "" {
				t.Errorf("Skipped (-want +got):\n%s", diff)
			}
			if abs, _ := filepath.EvalSymlinks(load); snap.Dir != abs {
				t.Errorf("Dir = %q, want %q", snap.Dir, abs)
			}
		})
	}
}

// Git's variables from a hook or an alias (GIT_DIR, GIT_INDEX_FILE) must
// not point Load's git at another repository.
func TestLoadIgnoresGitEnvironment(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	writeTree(t, dir, strFiles(map[string]string{"a.py": "a\n", "x.log": "x\n", ".gitignore": "*.log\n"}))
	runGit(t, dir, "init", "-q")
	other := t.TempDir()
	runGit(t, other, "init", "-q")
	t.Setenv("GIT_DIR", filepath.Join(other, ".git"))
	t.Setenv("GIT_WORK_TREE", other)
	t.Setenv("GIT_INDEX_FILE", filepath.Join(other, "index"))

	snap, err := Load(t.Context(), dir, LoadOptions{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !snap.Git {
		t.Error("Load did not use git")
	}
	if diff := cmp.Diff([]string{".gitignore", "a.py"}, slices.Sorted(maps.Keys(snap.Files))); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestLoadTooLarge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
	}{
		{"many files", map[string]string{"a.txt": strings.Repeat("a", 800), "b.txt": strings.Repeat("b", 800)}},
		{"a vendored file", map[string]string{"vendor/modules.txt": "#\n", "vendor/x/big.go": strings.Repeat("v", 5000)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeTree(t, dir, strFiles(tt.files))
			_, err := Load(t.Context(), dir, LoadOptions{MaxTotal: 1 * sandbox.KiB, NoGit: true})
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Load error = %v, want ErrTooLarge", err)
			}
			for _, want := range []string{"1KiB", "smaller repository"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "missing"), file} {
		if _, err := Load(t.Context(), p, LoadOptions{}); err == nil {
			t.Errorf("Load(%s) succeeded, want an error", p)
		}
	}
}

func TestLayout(t *testing.T) {
	t.Parallel()
	snap := &Snapshot{Files: strFiles(map[string]string{
		"go.mod": "", "cmd/app/main.go": "", "cmd/app/flags.go": "", "cmd/tool.go": "",
		"internal/x/y/z.go": "", "README.md": "", "a-b/c.txt": "",
	})}
	full := `README.md
a-b/
  c.txt
cmd/
  app/
    flags.go
    main.go
  tool.go
go.mod
internal/
  x/
    y/
      z.go
`
	tests := []struct {
		max  int
		want string
	}{
		{0, full},
		{len(full), full},
		{65, "README.md\na-b/\n  c.txt\ncmd/\n  app/\n    flags.go\n... 4 more files\n"},
		{64, "README.md\na-b/\n  c.txt\n... 5 more files\n"},
		{27, "README.md\n... 6 more files\n"},
		{20, "... 7 more files\n"},
		{5, ""},
	}
	for _, tt := range tests {
		got := snap.Layout(tt.max)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Layout(%d) (-want +got):\n%s", tt.max, diff)
		}
		if tt.max > 0 && len(got) > tt.max {
			t.Errorf("Layout(%d) is %d bytes", tt.max, len(got))
		}
	}
}

// TestLoadIgnoredFolderOfWorkTree: a repository copied into a folder its
// enclosing work tree ignores is walked instead of listed as empty.
func TestLoadIgnoredFolderOfWorkTree(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git on PATH")
	}
	outer := t.TempDir()
	if out, err := exec.Command("git", "-C", outer, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	inner := filepath.Join(outer, "runs", "copy")
	if err := os.MkdirAll(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{".gitignore": "runs/\n", "runs/copy/main.go": "package main\n"} {
		if err := os.WriteFile(filepath.Join(outer, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := Load(t.Context(), inner, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(snap.Files["main.go"]) != "package main\n" || snap.Git {
		t.Errorf("files %v, git %v; want main.go from a walk", snap.Files, snap.Git)
	}
}
