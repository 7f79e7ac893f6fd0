package repo

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// loadTree writes files under a new directory and loads it with the walk.
func loadTree(t *testing.T, files map[string]string) *Snapshot {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, strFiles(files))
	snap, err := Load(t.Context(), dir, LoadOptions{NoGit: true})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return snap
}

func TestWriteChanges(t *testing.T) {
	t.Parallel()
	snap := loadTree(t, map[string]string{
		"run.sh":      "#!/bin/sh\necho old\n",
		"calc.py":     calcPy,
		"keep.txt":    "keep\n",
		"old/gone.py": "x\n",
	})
	script := filepath.Join(snap.Dir, "run.sh")
	if err := os.Chmod(script, 0o755); err != nil {
		t.Fatal(err)
	}
	after, err := Apply(snap.Files, []Edit{
		{Path: "run.sh", Search: "echo old\n", Replace: "echo new\n"},
		{Path: "calc.py", Search: "def add(a, b):\n    return a - b\n", Replace: "def add(a, b):\n    return a + b\n"},
		{Path: "pkg/new/mod.py", Search: "", Replace: "VALUE = 1\n"},
	})
	if err != nil {
		t.Fatal(err)
	}
	delete(after, "old/gone.py")

	written, err := WriteChanges(snap, after)
	if err != nil {
		t.Fatalf("WriteChanges: %v", err)
	}
	if diff := cmp.Diff([]string{"calc.py", "old/gone.py", "pkg/new/mod.py", "run.sh"}, written); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(fileStrings(after), readTree(t, snap.Dir)); diff != "" {
		t.Errorf("working tree (-want +got):\n%s", diff)
	}
	fi, err := os.Stat(script)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o755 {
		t.Errorf("run.sh mode = %v, want 0755 kept", fi.Mode().Perm())
	}
	if fi, err := os.Stat(filepath.Join(snap.Dir, "pkg", "new", "mod.py")); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("new file: %v, %v; want mode 0644", fi, err)
	}
	// No temporary file is left behind.
	filepath.WalkDir(snap.Dir, func(name string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".codetree-") {
			t.Errorf("temporary file left: %s", name)
		}
		return nil
	})

	// Nothing to do when after is the snapshot.
	if written, err := WriteChanges(snap, snap.Files); err != nil || len(written) != 0 {
		t.Errorf("WriteChanges(no change) = %v, %v; want nothing written", written, err)
	}
}

func TestWriteChangesRefuses(t *testing.T) {
	t.Parallel()
	files := map[string]string{"calc.py": calcPy, "util.py": "def helper():\n    return 42\n", "gone.py": "x\n"}
	edits := []Edit{
		{Path: "calc.py", Search: "def add(a, b):\n", Replace: "def plus(a, b):\n"},
		{Path: "util.py", Search: "    return 42\n", Replace: "    return 43\n"},
		{Path: "pkg/new.py", Search: "", Replace: "NEW = 1\n"},
	}
	tests := []struct {
		name   string
		meddle func(t *testing.T, dir string) // changes the working tree after Load
		after  func(after map[string][]byte)  // changes the result of edits
		path   string
		reason string
	}{{
		name: "a file to change was edited",
		meddle: func(t *testing.T, dir string) {
			writeTree(t, dir, strFiles(map[string]string{"util.py": "def helper():\n    return 41\n"}))
		},
		path: "util.py", reason: "changed on disk since codetree read it",
	}, {
		name: "a file to create exists now",
		meddle: func(t *testing.T, dir string) {
			writeTree(t, dir, strFiles(map[string]string{"pkg/new.py": "mine\n"}))
		},
		path: "pkg/new.py", reason: "exists now",
	}, {
		name: "a file to change is gone",
		meddle: func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "util.py")); err != nil {
				t.Fatal(err)
			}
		},
		path: "util.py", reason: "it is gone",
	}, {
		name: "a file to remove was edited",
		meddle: func(t *testing.T, dir string) {
			writeTree(t, dir, strFiles(map[string]string{"gone.py": "y\n"}))
		},
		after: func(after map[string][]byte) { delete(after, "gone.py") },
		path:  "gone.py", reason: "changed on disk",
	}, {
		name: "a new file's directory is a symbolic link out of the repository",
		meddle: func(t *testing.T, dir string) {
			symlink(t, t.TempDir(), filepath.Join(dir, "pkg"))
		},
		path: "pkg/new.py", reason: "symbolic link",
	}, {
		name: "a file to change became a symbolic link",
		meddle: func(t *testing.T, dir string) {
			name := filepath.Join(dir, "util.py")
			if err := os.Rename(name, name+".orig"); err != nil {
				t.Fatal(err)
			}
			symlink(t, "util.py.orig", name)
		},
		path: "util.py", reason: "symbolic link",
	}, {
		name:   "a path inside .git",
		meddle: func(t *testing.T, dir string) {},
		after:  func(after map[string][]byte) { after[".git/hooks/post-checkout"] = []byte("#!/bin/sh\n") },
		path:   ".git/hooks/post-checkout", reason: "inside .git",
	}, {
		name:   "a path outside the repository",
		meddle: func(t *testing.T, dir string) {},
		after:  func(after map[string][]byte) { after["../escape.txt"] = []byte("x\n") },
		path:   "../escape.txt", reason: "outside the repository",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			snap := loadTree(t, files)
			after, err := Apply(snap.Files, edits)
			if err != nil {
				t.Fatal(err)
			}
			if tt.after != nil {
				tt.after(after)
			}
			tt.meddle(t, snap.Dir)
			disk := readTree(t, snap.Dir)

			written, err := WriteChanges(snap, after)
			var cerr *ConflictError
			if !errors.As(err, &cerr) {
				t.Fatalf("WriteChanges = %v, %v; want a *ConflictError", written, err)
			}
			if len(written) != 0 {
				t.Errorf("written = %v, want nothing", written)
			}
			if len(cerr.Conflicts) != 1 || cerr.Conflicts[0].Path != tt.path || !strings.Contains(cerr.Conflicts[0].Reason, tt.reason) {
				t.Errorf("conflicts = %+v, want one for %s saying %q", cerr.Conflicts, tt.path, tt.reason)
			}
			text := err.Error()
			for _, want := range []string{tt.path, "nothing was written", "Re-run codetree, or apply the patch by hand with git apply"} {
				if !strings.Contains(text, want) {
					t.Errorf("error text lacks %q:\n%s", want, text)
				}
			}
			if diff := cmp.Diff(disk, readTree(t, snap.Dir)); diff != "" {
				t.Errorf("the working tree changed although nothing was to be written (-before +after):\n%s", diff)
			}
		})
	}
}

// Every conflicting file is named, not just the first.
func TestWriteChangesNamesEveryConflict(t *testing.T) {
	t.Parallel()
	snap := loadTree(t, map[string]string{"a.py": "a\n", "b.py": "b\n", "c.py": "c\n"})
	after := maps.Clone(snap.Files)
	after["a.py"], after["b.py"], after["c.py"] = []byte("A\n"), []byte("B\n"), []byte("C\n")
	writeTree(t, snap.Dir, strFiles(map[string]string{"a.py": "a2\n", "c.py": "c2\n"}))
	_, err := WriteChanges(snap, after)
	var cerr *ConflictError
	if !errors.As(err, &cerr) {
		t.Fatalf("error %v, want *ConflictError", err)
	}
	var paths []string
	for _, c := range cerr.Conflicts {
		paths = append(paths, c.Path)
	}
	if diff := cmp.Diff([]string{"a.py", "c.py"}, paths); diff != "" {
		t.Errorf("conflicts (-want +got):\n%s", diff)
	}
	if got := readTree(t, snap.Dir)["b.py"]; got != "b\n" {
		t.Errorf("b.py = %q, want it unwritten", got)
	}
}
