package repo

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRelevantFiles(t *testing.T) {
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
		name      string
		files     map[string][]byte
		lang      string
		task, out string
		max       int
		want      []string
	}{
		{"go: the failing file and its package", goRepo, "go", "", "calc_test.go:8: Add(1, 2) = -1", 1000, []string{"calc/calc.go", "calc/calc_test.go"}},
		{"go: nothing named, every source file but vendor", goRepo, "go", "add a flag", "", 1000, []string{"calc/calc.go", "calc/calc_test.go", "cmd/main.go"}},
		{"python: the test and its subject", pyRepo, "python", "", "FAILED tests/test_calc.py::test_add", 1000, []string{"calc.py", "tests/test_calc.py"}},
		{"python: named in the task", pyRepo, "python", "rename x in other.py", "", 1000, []string{"other.py"}},
		{"cut at max bytes", pyRepo, "python", "", "", 25, []string{"calc.py"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := RelevantFiles(tc.files, tc.lang, tc.task, tc.out, tc.max)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
