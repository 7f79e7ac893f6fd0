package repo

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// numbered returns n lines "line 1\n" ... with line i replaced by
// changes[i] (1-based; "" deletes the line).
func numbered(n int, changes map[int]string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if c, ok := changes[i]; ok {
			b.WriteString(c)
			continue
		}
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// diffCases are before -> after file sets; a nil value means the file
// does not exist.
var diffCases = []struct {
	name          string
	before, after map[string]*string
}{
	{"one change mid-file", files1("a.txt", numbered(20, nil)), files1("a.txt", numbered(20, map[int]string{10: "LINE TEN\n"}))},
	{"two hunks", files1("a.txt", numbered(40, nil)), files1("a.txt", numbered(40, map[int]string{3: "", 35: "line 35\nextra\n"}))},
	{"change at the start and end", files1("a.txt", numbered(5, nil)), files1("a.txt", numbered(5, map[int]string{1: "first\n", 5: "last\n"}))},
	{"no newline at end, last line changed", files1("a.txt", "a\nb\nc"), files1("a.txt", "a\nb\nC")},
	{"no newline at end, other line changed", files1("a.txt", "a\nb\nc\nd\ne\nf\ng"), files1("a.txt", "A\nb\nc\nd\ne\nf\ng")},
	{"no newline at end, context", files1("a.txt", "a\nb\nc"), files1("a.txt", "a\nB\nc")},
	{"newline added at end", files1("a.txt", "a\nb"), files1("a.txt", "a\nb\n")},
	{"newline removed at end", files1("a.txt", "a\nb\n"), files1("a.txt", "a\nb")},
	{"lines appended after a last line without newline", files1("a.txt", "a\nb"), files1("a.txt", "a\nb\nc\n")},
	{"file created", map[string]*string{"a.txt": ptr("x\n")}, map[string]*string{"a.txt": ptr("x\n"), "pkg/sub/new.py": ptr("def f():\n    return 1\n")}},
	{"file created without final newline", map[string]*string{}, files1("new.txt", "one\ntwo")},
	{"file deleted", map[string]*string{"a.txt": ptr("x\n"), "gone.py": ptr("a\nb\n")}, map[string]*string{"a.txt": ptr("x\n")}},
	{"file without final newline deleted", files1("gone.txt", "a\nb"), map[string]*string{}},
	{"empty file created", files1("a.txt", "x\n"), map[string]*string{"a.txt": ptr("x\n"), "pkg/__init__.py": ptr("")}},
	{"empty file deleted", map[string]*string{"a.txt": ptr("x\n"), "empty.py": ptr("")}, files1("a.txt", "x\n")},
	{"file emptied", files1("a.txt", "a\nb\n"), files1("a.txt", "")},
	{"empty file filled", files1("a.txt", ""), files1("a.txt", "a\nb\n")},
	{"CRLF lines", files1("a.txt", "a\r\nb\r\nc\r\n"), files1("a.txt", "a\r\nB\r\nc\r\n")},
	{"path with spaces", files1("docs/read me.md", "a\nb\n"), files1("docs/read me.md", "a\nB\n")},
	{"non-ASCII path", files1("caf\u00e9/na\u00efve.py", "a\n"), files1("caf\u00e9/na\u00efve.py", "b\n")},
	{"many files", map[string]*string{
		"z.txt": ptr("z\n"), "a.txt": ptr("a\n"), "m/m.txt": ptr(numbered(10, nil)), "keep.txt": ptr("k\n"),
	}, map[string]*string{
		"z.txt": ptr("Z\n"), "b.txt": ptr("b\n"), "m/m.txt": ptr(numbered(10, map[int]string{1: "", 10: "ten\n"})), "keep.txt": ptr("k\n"),
	}},
}

func ptr(s string) *string { return &s }

func files1(p, content string) map[string]*string { return map[string]*string{p: &content} }

func fromPtrs(m map[string]*string) map[string][]byte {
	out := make(map[string][]byte)
	for p, s := range m {
		if s != nil {
			out[p] = []byte(*s)
		}
	}
	return out
}

// writeTree writes files under dir.
func writeTree(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for p, b := range files {
		name := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readTree reads the files under dir, without .git; a symbolic link
// reads as its target.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := make(map[string]string)
	err := filepath.WalkDir(dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(dir, name)
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(name)
			out[filepath.ToSlash(rel)] = "symlink to " + target
			return err
		}
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// applyWith runs a patch tool on the diff in a copy of before and
// returns the resulting files.
func applyWith(t *testing.T, before map[string][]byte, diff string, tool ...string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, before)
	for _, args := range [][]string{append(slices.Clone(tool), checkFlag(tool[0])), tool} {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(diff)
		// Keep git from finding a repository around the temp directory.
		cmd.Env = append(os.Environ(), "GIT_CEILING_DIRECTORIES="+filepath.Dir(dir), "GIT_DIR=", "GIT_WORK_TREE=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s\ndiff:\n%s", strings.Join(args, " "), err, out, diff)
		}
	}
	return readTree(t, dir)
}

func checkFlag(tool string) string {
	if tool == "git" {
		return "--check"
	}
	return "--dry-run"
}

func TestDiffApplies(t *testing.T) {
	t.Parallel()
	tools := [][]string{{"git", "apply", "--whitespace=nowarn"}, {"patch", "-p1", "--batch", "--silent"}}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool[0]); err != nil {
			t.Logf("%s is not installed: its check is skipped", tool[0])
		}
	}
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before, after := fromPtrs(tc.before), fromPtrs(tc.after)
			d := Diff(before, after)
			if d == "" {
				t.Fatal("empty diff for a change")
			}
			for _, tool := range tools {
				t.Run(tool[0], func(t *testing.T) {
					if _, err := exec.LookPath(tool[0]); err != nil {
						t.Skipf("%s is not installed", tool[0])
					}
					got := applyWith(t, before, d, tool...)
					if diff := cmp.Diff(fileStrings(after), got); diff != "" {
						t.Errorf("files after %s (-want +got):\n%s\npatch:\n%s", tool[0], diff, d)
					}
				})
			}
		})
	}
}

func TestDiffText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		before, after map[string][]byte
		want          string
	}{{
		name:   "modified",
		before: strFiles(map[string]string{"x.py": "a\nb\nc\n"}),
		after:  strFiles(map[string]string{"x.py": "a\nB\nc\n"}),
		want:   "diff --git a/x.py b/x.py\nindex de98044..7be73ce\n--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n",
	}, {
		name:   "no newline at end of both",
		before: strFiles(map[string]string{"x": "a\nb"}),
		after:  strFiles(map[string]string{"x": "a\nc"}),
		want: "diff --git a/x b/x\nindex 0a207c0..817f660\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n" +
			"+c\n\\ No newline at end of file\n",
	}, {
		name:   "created and deleted, in path order",
		before: strFiles(map[string]string{"b.txt": "gone\n", "same": "s\n"}),
		after:  strFiles(map[string]string{"a.txt": "new\n", "same": "s\n", "e": ""}),
		want: "diff --git a/a.txt b/a.txt\nnew file mode 100644\nindex 0000000..3e75765\n--- /dev/null\n+++ b/a.txt\n@@ -0,0 +1 @@\n+new\n" +
			"diff --git a/b.txt b/b.txt\ndeleted file mode 100644\nindex 286c5f5..0000000\n--- a/b.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n" +
			"diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n",
	}, {
		name:   "quoted path",
		before: strFiles(map[string]string{"na\u00efve \"q\".txt": "a\n"}),
		after:  strFiles(map[string]string{"na\u00efve \"q\".txt": "b\n"}),
		want: "diff --git \"a/na\\303\\257ve \\\"q\\\".txt\" \"b/na\\303\\257ve \\\"q\\\".txt\"\nindex 7898192..6178079\n" +
			"--- \"a/na\\303\\257ve \\\"q\\\".txt\"\t\n+++ \"b/na\\303\\257ve \\\"q\\\".txt\"\t\n@@ -1 +1 @@\n-a\n+b\n",
	}, {
		name:   "no change",
		before: strFiles(map[string]string{"x": "a\n"}),
		after:  strFiles(map[string]string{"x": "a\n"}),
		want:   "",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Diff(tt.before, tt.after)); diff != "" {
				t.Errorf("Diff (-want +got):\n%s", diff)
			}
		})
	}
}

// A one-line change in a long file with many repeated lines gives one
// small hunk.
func TestDiffLongFileSmallHunk(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&b, "func f%d() {\n}\n\n", i)
	}
	before := b.String()
	after := strings.Replace(before, "func f2500() {\n", "func f2500() {\n\tpanic(1)\n", 1)
	d := Diff(strFiles(map[string]string{"f.go": before}), strFiles(map[string]string{"f.go": after}))
	if n := strings.Count(d, "@@ -"); n != 1 {
		t.Errorf("%d hunks, want 1:\n%s", n, d)
	}
	if want := "@@ -7499,6 +7499,7 @@\n"; !strings.Contains(d, want) {
		t.Errorf("diff lacks %q:\n%s", want, d)
	}
	if len(d) > 300 {
		t.Errorf("diff is %d bytes, want a small hunk:\n%s", len(d), d)
	}
}

func TestStat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		before, after  map[string]string
		files          []string
		added, removed int
	}{
		{"none", map[string]string{"a": "x\n"}, map[string]string{"a": "x\n"}, nil, 0, 0},
		{"modified", map[string]string{"a": "x\ny\nz\n"}, map[string]string{"a": "x\nY\nz\nw\n"}, []string{"a"}, 2, 1},
		{"created", map[string]string{}, map[string]string{"n": "1\n2\n"}, []string{"n"}, 2, 0},
		{"deleted", map[string]string{"d": "1\n2\n3\n"}, map[string]string{}, []string{"d"}, 0, 3},
		{"empty created", map[string]string{}, map[string]string{"e": ""}, []string{"e"}, 0, 0},
		{"newline at end added", map[string]string{"a": "x"}, map[string]string{"a": "x\n"}, []string{"a"}, 1, 1},
		{"several, sorted", map[string]string{"b": "1\n", "a": "1\n"}, map[string]string{"b": "2\n", "c": "3\n"}, []string{"a", "b", "c"}, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, added, removed := Stat(strFiles(tt.before), strFiles(tt.after))
			if !slices.Equal(files, tt.files) || added != tt.added || removed != tt.removed {
				t.Errorf("Stat = %v +%d -%d, want %v +%d -%d", files, added, removed, tt.files, tt.added, tt.removed)
			}
		})
	}
}

// Stat's counts agree with git's on the diffs of diffCases.
func TestStatMatchesGit(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	for _, tc := range diffCases {
		before, after := fromPtrs(tc.before), fromPtrs(tc.after)
		cmd := exec.Command("git", "apply", "--numstat", "-")
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "GIT_CEILING_DIRECTORIES="+filepath.Dir(cmd.Dir))
		cmd.Stdin = strings.NewReader(Diff(before, after))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: git apply --numstat: %v", tc.name, err)
		}
		var added, removed int
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			var a, r int
			if _, err := fmt.Sscanf(line, "%d\t%d", &a, &r); err != nil {
				t.Fatalf("%s: numstat line %q: %v", tc.name, line, err)
			}
			added, removed = added+a, removed+r
		}
		files, a, r := Stat(before, after)
		if a != added || r != removed || len(files) != bytes.Count(out, []byte("\n")) {
			t.Errorf("%s: Stat = %d files +%d -%d, git: %d files +%d -%d", tc.name, len(files), a, r, bytes.Count(out, []byte("\n")), added, removed)
		}
	}
}
