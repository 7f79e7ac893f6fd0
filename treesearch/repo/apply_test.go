package repo

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// strFiles turns a map of strings into a file set.
func strFiles(m map[string]string) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for p, s := range m {
		out[p] = []byte(s)
	}
	return out
}

// fileStrings turns a file set into a map of strings, for cmp.
func fileStrings(m map[string][]byte) map[string]string {
	out := make(map[string]string, len(m))
	for p, b := range m {
		out[p] = string(b)
	}
	return out
}

const calcPy = `def add(a, b):
    return a - b


def sub(a, b):
    return a - b
`

func TestApply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		edits []Edit
		want  map[string]string // the files the edits change; the rest must stay as they were
	}{{
		name:  "exact",
		files: map[string]string{"calc.py": calcPy, "other.py": "x = 1\n"},
		edits: []Edit{{Path: "calc.py", Search: "def add(a, b):\n    return a - b\n", Replace: "def add(a, b):\n    return a + b\n"}},
		want:  map[string]string{"calc.py": strings.Replace(calcPy, "a - b", "a + b", 1)},
	}, {
		name:  "trailing whitespace in the file",
		files: map[string]string{"a.py": "x = 1   \ny = 2\t\nz = 3\n"},
		edits: []Edit{{Path: "a.py", Search: "x = 1\ny = 2\n", Replace: "x = 10\ny = 20\n"}},
		want:  map[string]string{"a.py": "x = 10\ny = 20\nz = 3\n"},
	}, {
		name:  "CRLF file keeps CRLF",
		files: map[string]string{"a.txt": "one\r\ntwo\r\nthree\r\n"},
		edits: []Edit{{Path: "a.txt", Search: "two\n", Replace: "2\nzwei\n"}},
		want:  map[string]string{"a.txt": "one\r\n2\r\nzwei\r\nthree\r\n"},
	}, {
		name:  "file more indented: REPLACE indented as much",
		files: map[string]string{"c.py": "class C:\n    def f(self):\n        if x:\n            return 1\n        return 2\n"},
		edits: []Edit{{Path: "c.py", Search: "if x:\n    return 1\n", Replace: "if x:\n    log()\n\n    return 10\n"}},
		want:  map[string]string{"c.py": "class C:\n    def f(self):\n        if x:\n            log()\n\n            return 10\n        return 2\n"},
	}, {
		name:  "SEARCH more indented: REPLACE dedented as much",
		files: map[string]string{"m.py": "def f():\n    return 1\n"},
		edits: []Edit{{Path: "m.py", Search: "    def f():\n        return 1\n", Replace: "    def f():\n        return 2\n"}},
		want:  map[string]string{"m.py": "def f():\n    return 2\n"},
	}, {
		name:  "tab indentation added",
		files: map[string]string{"m.go": "func f() {\n\tif ok {\n\t\treturn\n\t}\n}\n"},
		edits: []Edit{{Path: "m.go", Search: "if ok {\n\treturn\n}\n", Replace: "if !ok {\n\tpanic(1)\n}\n"}},
		want:  map[string]string{"m.go": "func f() {\n\tif !ok {\n\t\tpanic(1)\n\t}\n}\n"},
	}, {
		name:  "an exact match wins over an indentation match",
		files: map[string]string{"a.py": "x = 1\nif y:\n    x = 1\n"},
		edits: []Edit{{Path: "a.py", Search: "x = 1\n", Replace: "x = 2\n"}},
		want:  map[string]string{"a.py": "x = 2\nif y:\n    x = 1\n"},
	}, {
		name:  "a trailing-whitespace match wins over an indentation match",
		files: map[string]string{"a.py": "x = 1  \nif y:\n    x = 1\n"},
		edits: []Edit{{Path: "a.py", Search: "x = 1\n", Replace: "x = 2\n"}},
		want:  map[string]string{"a.py": "x = 2\nif y:\n    x = 1\n"},
	}, {
		name:  "empty SEARCH creates a file in a new directory",
		files: map[string]string{"a.py": "x\n"},
		edits: []Edit{{Path: "pkg/new/mod.py", Search: "", Replace: "def f():\n    pass\n"}},
		want:  map[string]string{"pkg/new/mod.py": "def f():\n    pass\n"},
	}, {
		name:  "empty SEARCH writes an empty file",
		files: map[string]string{"__init__.py": ""},
		edits: []Edit{{Path: "__init__.py", Search: "", Replace: "VERSION = 1\n"}},
		want:  map[string]string{"__init__.py": "VERSION = 1\n"},
	}, {
		name:  "REPLACE deleting everything leaves an empty file",
		files: map[string]string{"a.py": "x = 1\ny = 2\n"},
		edits: []Edit{{Path: "a.py", Search: "x = 1\ny = 2\n", Replace: ""}},
		want:  map[string]string{"a.py": ""},
	}, {
		name:  "last line without newline stays without",
		files: map[string]string{"a.txt": "a\nb"},
		edits: []Edit{{Path: "a.txt", Search: "b\n", Replace: "c\nd\n"}},
		want:  map[string]string{"a.txt": "a\nc\nd"},
	}, {
		name:  "SEARCH and REPLACE without final newline",
		files: map[string]string{"a.txt": "a\nb\nc\n"},
		edits: []Edit{{Path: "a.txt", Search: "b", Replace: "B"}},
		want:  map[string]string{"a.txt": "a\nB\nc\n"},
	}, {
		name:  "later blocks see the earlier ones",
		files: map[string]string{"calc.py": calcPy},
		edits: []Edit{
			{Path: "calc.py", Search: "def add(a, b):\n    return a - b\n", Replace: "def add(a, b):\n    return a + b\n"},
			{Path: "calc.py", Search: "def add(a, b):\n    return a + b\n", Replace: "def add(a, b):\n    return b + a\n"},
			{Path: "./calc.py", Search: "def sub(a, b):\n", Replace: "def subtract(a, b):\n"},
		},
		want: map[string]string{"calc.py": "def add(a, b):\n    return b + a\n\n\ndef subtract(a, b):\n    return a - b\n"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := strFiles(tt.files)
			orig := fileStrings(files)
			got, err := Apply(files, tt.edits)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			want := maps.Clone(orig)
			maps.Copy(want, tt.want)
			if diff := cmp.Diff(want, fileStrings(got)); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(orig, fileStrings(files)); diff != "" {
				t.Errorf("Apply modified its input (-was +now):\n%s", diff)
			}
		})
	}
}

func TestApplyFailures(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"calc.py":     calcPy,
		"pkg/util.py": "def helper():\n    return 42\n",
		"empty.py":    "",
	}
	okEdit := Edit{Path: "pkg/util.py", Search: "    return 42\n", Replace: "    return 43\n"}
	type failure struct {
		index  int
		kind   FailureKind
		reason string // a part of Reason
	}
	tests := []struct {
		name    string
		edits   []Edit
		failed  []failure
		applied []int
	}{{
		name:   "not found",
		edits:  []Edit{okEdit, {Path: "calc.py", Search: "def add(x, y):\n    return x - y\n", Replace: "pass\n"}},
		failed: []failure{{1, FailNotFound, "SEARCH does not match the file"}}, applied: []int{0},
	}, {
		name:   "matches twice",
		edits:  []Edit{{Path: "calc.py", Search: "    return a - b\n", Replace: "    return 0\n"}},
		failed: []failure{{0, FailAmbiguous, "SEARCH matches 2 places, at lines 2, 6; include more surrounding lines"}},
	}, {
		name:   "matches twice ignoring indentation",
		edits:  []Edit{{Path: "calc.py", Search: "return a - b\n", Replace: "return 0\n"}},
		failed: []failure{{0, FailAmbiguous, "SEARCH matches 2 places (ignoring indentation)"}},
	}, {
		name:   "create over an existing file",
		edits:  []Edit{{Path: "calc.py", Search: "", Replace: "x = 1\n"}},
		failed: []failure{{0, FailFileExists, "the file exists and is not empty"}},
	}, {
		name:   "SEARCH in a missing file suggests a path",
		edits:  []Edit{{Path: "util.py", Search: "def helper():\n", Replace: "def helper2():\n"}},
		failed: []failure{{0, FailNoFile, "the file does not exist; to create it, leave SEARCH empty (did you mean pkg/util.py?)"}},
	}, {
		name:   "SEARCH in an empty file",
		edits:  []Edit{{Path: "empty.py", Search: "x\n", Replace: "y\n"}},
		failed: []failure{{0, FailNoFile, "the file is empty"}},
	}, {
		name:   "non-uniform indentation is not a match",
		edits:  []Edit{{Path: "pkg/util.py", Search: "  def helper():\n  return 42\n", Replace: "x\n"}},
		failed: []failure{{0, FailNotFound, "SEARCH does not match"}},
	}, {
		name: "bad paths",
		edits: []Edit{
			{Path: "../outside.py", Replace: "x\n"},
			{Path: "/etc/passwd", Replace: "x\n"},
			{Path: "pkg/../../outside.py", Replace: "x\n"},
			{Path: ".git/hooks/pre-commit", Replace: "x\n"},
			{Path: "sub/.git/config", Replace: "x\n"},
			{Path: "", Replace: "x\n"},
			{Path: "pkg/", Replace: "x\n"},
			{Path: `pkg\util.py`, Replace: "x\n"},
			{Path: "C:/x.py", Replace: "x\n"},
			{Path: "a\nb.py", Replace: "x\n"},
			{Path: "pkg", Replace: "x\n"},
			{Path: "calc.py/x.py", Replace: "x\n"},
			okEdit,
		},
		failed: []failure{
			{0, FailBadPath, "outside the repository"},
			{1, FailBadPath, "absolute"},
			{2, FailBadPath, "outside the repository"},
			{3, FailBadPath, "inside .git"},
			{4, FailBadPath, "inside .git"},
			{5, FailBadPath, "names no file"},
			{6, FailBadPath, "directory"},
			{7, FailBadPath, "backslash; write paths with forward slashes"},
			{8, FailBadPath, "absolute"},
			{9, FailBadPath, "control character"},
			{10, FailBadPath, "a directory of that name exists"},
			{11, FailBadPath, "calc.py is a file, so it cannot hold other files"},
		},
		applied: []int{12},
	}, {
		name: "every failure is reported",
		edits: []Edit{
			{Path: "calc.py", Search: "nothing like it\n", Replace: "x\n"},
			okEdit,
			{Path: "calc.py", Search: "\n", Replace: "x\n"},
			{Path: "new.py", Search: "", Replace: "x = 1\n"},
		},
		failed:  []failure{{0, FailNotFound, "does not match"}, {2, FailAmbiguous, "matches 2 places"}},
		applied: []int{1, 3},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := strFiles(files)
			got, err := Apply(in, tt.edits)
			if got != nil {
				t.Errorf("Apply returned files despite failures: %v", fileStrings(got))
			}
			var aerr *ApplyError
			if !errors.As(err, &aerr) {
				t.Fatalf("error %v (%T), want *ApplyError", err, err)
			}
			if aerr.Total != len(tt.edits) {
				t.Errorf("Total = %d, want %d", aerr.Total, len(tt.edits))
			}
			if len(aerr.Failed) != len(tt.failed) {
				t.Fatalf("%d failures, want %d:\n%v", len(aerr.Failed), len(tt.failed), aerr)
			}
			for i, w := range tt.failed {
				f := aerr.Failed[i]
				if f.Index != w.index || f.Kind != w.kind || !strings.Contains(f.Reason, w.reason) {
					t.Errorf("failure %d = {%d %v %q}, want {%d %v containing %q}", i, f.Index, f.Kind, f.Reason, w.index, w.kind, w.reason)
				}
			}
			if !slices.Equal(aerr.Applied, tt.applied) {
				t.Errorf("Applied = %v, want %v", aerr.Applied, tt.applied)
			}
			if diff := cmp.Diff(files, fileStrings(in)); diff != "" {
				t.Errorf("Apply modified its input:\n%s", diff)
			}
			if !isASCII(aerr.Error()) {
				t.Errorf("error text is not ASCII:\n%s", aerr)
			}
		})
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// The text the model reads for a SEARCH that was not found shows the
// closest lines, numbered, and which SEARCH lines are not in the file.
func TestApplyErrorText(t *testing.T) {
	t.Parallel()
	var src strings.Builder
	for _, l := range []string{
		"import math",
		"",
		"",
		"def area(r):",
		"    return math.pi * r * r",
		"",
		"",
		"def perimeter(r):",
		"    return 2 * math.pi * r",
		"",
		"",
		"def volume(r):",
		"    return 4 / 3 * math.pi * r ** 3",
	} {
		src.WriteString(l + "\n")
	}
	files := map[string][]byte{"geo.py": []byte(src.String()), "ok.py": []byte("a = 1\n")}
	edits := []Edit{
		{Path: "ok.py", Search: "a = 1\n", Replace: "a = 2\n"},
		// A typo (perimiter) and a wrong expression: nearest are lines 8-9.
		{Path: "geo.py", Search: "def perimiter(r):\n    return 2 * pi * r\n", Replace: "def perimeter(r):\n    return math.tau * r\n"},
	}
	_, err := Apply(files, edits)
	if err == nil {
		t.Fatal("Apply succeeded, want a failure")
	}
	want := `1 of 2 SEARCH/REPLACE blocks failed, so none was applied (blocks apply all or nothing).

Block 2 (geo.py): SEARCH does not match the file.
In geo.py, lines 8-9 are the closest (85% similar); copy SEARCH lines exactly from the file, whitespace included:
8 | def perimeter(r):
9 |     return 2 * math.pi * r
These SEARCH lines occur nowhere in the file:
  def perimiter(r):
  return 2 * pi * r

Block 1 would apply as written.
Send all the blocks again, with the failed ones corrected.
`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error text (-want +got):\n%s", diff)
	}
}

func TestApplyErrorNothingSimilar(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{"a.py": []byte("x = 1\ny = 2\n")}
	_, err := Apply(files, []Edit{{Path: "a.py", Search: "class Parser:\n    def parse(self, text):\n", Replace: ""}})
	if err == nil || !strings.Contains(err.Error(), "Nothing in a.py resembles the SEARCH lines") {
		t.Errorf("error = %v, want it to say nothing resembles", err)
	}
	if strings.Contains(err.Error(), " | ") {
		t.Errorf("error shows lines although none is similar:\n%s", err)
	}
}

func TestApplyErrorMentionsEarlierBlocks(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{"a.py": []byte("x = 1\ny = 2\nz = 3\n")}
	_, err := Apply(files, []Edit{
		{Path: "a.py", Search: "x = 1\n", Replace: "x = 10\n"},
		{Path: "a.py", Search: "x = 1\ny = 2\n", Replace: "x = 1\ny = 20\n"},
	})
	if err == nil || !strings.Contains(err.Error(), "as the earlier blocks of this reply left it") {
		t.Errorf("error = %v, want a note that SEARCH sees the earlier blocks' result", err)
	}
	if !strings.Contains(err.Error(), "1 | x = 10") {
		t.Errorf("error does not show the file as block 1 left it:\n%s", err)
	}
}

// A huge SEARCH cannot flood the model's context: each block's text is
// capped.
func TestApplyErrorCapped(t *testing.T) {
	t.Parallel()
	var file, search strings.Builder
	for i := range 400 {
		file.WriteString("value_" + strings.Repeat("x", 50) + " = compute(" + strings.Repeat("y", 20) + ")\n")
		if i < 200 {
			search.WriteString("value_" + strings.Repeat("x", 50) + " = compute(" + strings.Repeat("z", 20) + ")\n")
		}
	}
	files := map[string][]byte{"big.py": []byte(file.String())}
	_, err := Apply(files, []Edit{{Path: "big.py", Search: search.String(), Replace: ""}})
	if err == nil {
		t.Fatal("Apply succeeded, want a failure")
	}
	text := err.Error()
	block := text[strings.Index(text, "Block 1"):]
	if len(block) > blockDetailMax+1 {
		t.Errorf("block text is %d bytes, want at most %d", len(block), blockDetailMax)
	}
	if !strings.HasSuffix(text, "[... cut]\n") {
		t.Errorf("capped text does not say it was cut:\n%s", text[len(text)-200:])
	}
}

func TestClosestWindowLargeFile(t *testing.T) {
	t.Parallel()
	// 20,000 lines; the nearest region is near the end.
	var lines []string
	for i := range 20000 {
		lines = append(lines, "line_"+strings.Repeat("a", i%7)+"_filler = None\n")
	}
	lines[19990] = "def target_function(alpha, beta):\n"
	lines[19991] = "    return alpha * beta + gamma\n"
	search := []string{"def target_function(alpha, beta):\n", "    return alpha * beta + delta\n"}
	start, n, ratio := closestWindow(lines, search)
	if start != 19990 || n != 2 || ratio < 0.8 {
		t.Errorf("closestWindow = %d, %d, %.2f; want 19990, 2, >= 0.8", start, n, ratio)
	}
}
