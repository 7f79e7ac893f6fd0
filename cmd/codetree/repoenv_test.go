package main

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/sandbox"
)

func TestRepoLang(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		flag  string
		files []string
		want  sandbox.Lang
		err   string
	}{
		{"", []string{"go.mod", "main.go", "tool.py"}, sandbox.LangGo, ""},
		{"", []string{"pkg/a.py", "README.md"}, sandbox.LangPython, ""},
		{"python", []string{"go.mod"}, sandbox.LangPython, ""},
		{"", []string{"README.md"}, "", "pass --lang"},
		{"rust", nil, "", "--lang"},
	} {
		files := make(map[string][]byte)
		for _, f := range tc.files {
			files[f] = nil
		}
		got, err := repoLang(tc.flag, files)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("repoLang(%q, %v) = %q, %v; want %q, error with %q", tc.flag, tc.files, got, err, tc.want, tc.err)
		}
	}
}

func TestOfflineProblem(t *testing.T) {
	t.Parallel()
	repoFiles := map[string][]byte{"calc.py": nil, "pkg/__init__.py": nil}
	for _, tc := range []struct {
		name string
		lang sandbox.Lang
		out  string
		want string // substring; "" for no problem
	}{
		{"go cache miss", sandbox.LangGo, "go: downloading example.com/x v1.0.0\nuses.go:3:8: mkdir /gomodcache/cache/download/example.com: read-only file system\n", "example.com/x v1.0.0 cannot be resolved offline"},
		{"go proxy off", sandbox.LangGo, "main.go:3:8: no required module provides package example.com/y; to add it:\n\tgo get example.com/y\nmodule lookup disabled by GOPROXY=off\n", "providing example.com/y"},
		{"go too old", sandbox.LangGo, "go: go.mod requires go >= 1.99 (running go 1.26.0; GOTOOLCHAIN=local)\n", "needs go >= 1.99 and the sandbox image has go 1.26.0"},
		{"go test failure", sandbox.LangGo, "--- FAIL: TestX\nFAIL\n", ""},
		{"python third-party module", sandbox.LangPython, "E   ModuleNotFoundError: No module named 'requests'\n", `"requests" is not in the sandbox image`},
		{"python module of the repo", sandbox.LangPython, "ModuleNotFoundError: No module named 'calc'\n", ""},
		{"python package of the repo", sandbox.LangPython, "ModuleNotFoundError: No module named 'pkg.sub'\n", ""},
	} {
		got := offlineProblem(tc.out, tc.lang, repoFiles)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestGoDeps(t *testing.T) {
	env, mounts, note := goDeps(context.Background(), map[string][]byte{"go.mod": []byte("module x\n"), "vendor/modules.txt": nil})
	if !cmp.Equal(env, []string{"GOFLAGS=-mod=vendor"}) || mounts != nil || !strings.Contains(note, "vendor") {
		t.Errorf("vendor: %v %v %q", env, mounts, note)
	}
	env, mounts, note = goDeps(context.Background(), map[string][]byte{"go.mod": []byte("module x\n\ngo 1.22\n")})
	if env != nil || mounts != nil || note != "" {
		t.Errorf("no dependencies: %v %v %q", env, mounts, note)
	}
	t.Setenv("GOMODCACHE", t.TempDir())
	env, mounts, _ = goDeps(context.Background(), map[string][]byte{"go.mod": []byte("module x\n\nrequire (\n\ta.b/c v1.0.0\n)\n")})
	if len(mounts) != 1 || mounts[0].Target != gomodcacheTarget || !cmp.Equal(env, []string{"GOMODCACHE=" + gomodcacheTarget, "GOFLAGS=-mod=mod"}) {
		t.Errorf("dependencies: %v %v", env, mounts)
	}
}

func TestSplitReplies(t *testing.T) {
	t.Parallel()
	got := splitReplies("first\nreply\n%%%\n\nsecond\n  %%%  \n%%%\n")
	if diff := cmp.Diff([]string{"first\nreply\n", "second\n"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPythonEnv(t *testing.T) {
	t.Parallel()
	env, note := pythonEnv(map[string][]byte{"src/calc/__init__.py": nil, "tests/test_calc.py": nil})
	if !cmp.Equal(env, []string{"PYTHONPATH=src"}) || note == "" {
		t.Errorf("src layout: %v %q", env, note)
	}
	if env, _ := pythonEnv(map[string][]byte{"calc/__init__.py": nil, "src/deep/pkg/__init__.py": nil}); env != nil {
		t.Errorf("flat layout: %v", env)
	}
}
