package repo

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMentionedFiles(t *testing.T) {
	t.Parallel()
	goRepo := map[string][]byte{
		"go.mod": []byte("module x\n"), "calc/calc.go": []byte("package calc\n"), "calc/calc_test.go": []byte("package calc\n"),
		"cmd/main.go": []byte("package main\n"), "vendor/y/y.go": []byte("package y\n"),
	}
	pyRepo := map[string][]byte{
		"calc.py": []byte("def add(a, b): pass\n"), "tests/test_calc.py": []byte("from calc import add\n"),
		"other.py": []byte("x = 1\n"),
	}
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		lang  string
		text  string
		want  []string
	}{
		{"go: the failing file and its package", goRepo, "go", "calc_test.go:8: Add(1, 2) = -1", []string{"calc/calc.go", "calc/calc_test.go"}},
		{"go: nothing named", goRepo, "go", "add a flag", nil},
		{"python: the test and its subject", pyRepo, "python", "FAILED tests/test_calc.py::test_add", []string{"calc.py", "tests/test_calc.py"}},
		{"python: named in the task", pyRepo, "python", "rename x in other.py", []string{"other.py"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, MentionedFiles(tc.files, tc.lang, tc.text)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff([]string{"calc/calc.go", "calc/calc_test.go", "cmd/main.go"}, SourceFiles(goRepo, "go")); diff != "" {
		t.Errorf("SourceFiles (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"tests/test_calc.py", "other.py"}, Fit(pyRepo, []string{"tests/test_calc.py", "calc.py", "nope.py", "other.py"}, 30)); diff != "" {
		t.Errorf("Fit (-want +got):\n%s", diff)
	}
	if n := TotalSize(pyRepo, []string{"calc.py", "other.py"}); n != 26 {
		t.Errorf("TotalSize = %d, want 26", n)
	}
}
