package repo

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/sandbox"
)

func TestDetectLang(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		files []string
		want  sandbox.Lang
		err   error
	}{
		{[]string{"go.mod", "main.go", "tool.py"}, sandbox.LangGo, nil},
		{[]string{"pkg/a.py", "README.md"}, sandbox.LangPython, nil},
		{[]string{"README.md"}, "", ErrUnknownLang},
	} {
		files := make(map[string][]byte)
		for _, f := range tc.files {
			files[f] = nil
		}
		if got, err := DetectLang(files); got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("DetectLang(%v) = %q, %v; want %q, %v", tc.files, got, err, tc.want, tc.err)
		}
	}
}

func TestMatchFiles(t *testing.T) {
	t.Parallel()
	snap := &Snapshot{Files: map[string][]byte{"a.go": nil, "pkg/b.go": nil, "pkg/c_test.go": nil, "cmd/x/main.go": nil}}
	for _, tc := range []struct {
		globs []string
		want  []string
		err   string
	}{
		{[]string{"pkg/*.go", "a.go", "pkg/b.go"}, []string{"a.go", "pkg/b.go", "pkg/c_test.go"}, ""},
		{[]string{"cmd/"}, []string{"cmd/x/main.go"}, ""},
		{[]string{"nowhere/*.go"}, nil, `"nowhere/*.go" matches no file`},
		{[]string{"["}, nil, `"[": syntax error`},
	} {
		got, err := MatchFiles(snap, tc.globs)
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) || !cmp.Equal(got, tc.want) {
			t.Errorf("MatchFiles(%v) = %v, %v; want %v, error with %q", tc.globs, got, err, tc.want, tc.err)
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
	t.Parallel()
	cache := t.TempDir()
	for _, tc := range []struct {
		name   string
		gomod  string
		vendor bool
		cache  string
		env    []string
		mounts []sandbox.Mount
		note   string
	}{
		{"vendor", "module x\n", true, cache, []string{"GOFLAGS=-mod=vendor"}, nil, "dependencies: vendor/"},
		{"no dependencies", "module x\n\ngo 1.22\n", false, cache, nil, nil, ""},
		{"module cache", "module x\n\nrequire (\n\ta.b/c v1.0.0\n)\n", false, cache,
			[]string{"GOMODCACHE=" + GoModCacheTarget, "GOFLAGS=-mod=mod"}, []sandbox.Mount{{Source: cache, Target: GoModCacheTarget}},
			"dependencies: the module cache " + cache + " (read-only)"},
		{"no module cache", "module x\n\nrequire a.b/c v1.0.0\n", false, cache + "/missing", nil, nil, "no module cache at " + cache + "/missing"},
	} {
		files := map[string][]byte{"go.mod": []byte(tc.gomod)}
		if tc.vendor {
			files["vendor/modules.txt"] = nil
		}
		env, mounts, note := goDeps(files, tc.cache)
		if !cmp.Equal(env, tc.env) || !cmp.Equal(mounts, tc.mounts) || !strings.Contains(note, tc.note) || (tc.note == "") != (note == "") {
			t.Errorf("%s: %v %v %q; want %v %v %q", tc.name, env, mounts, note, tc.env, tc.mounts, tc.note)
		}
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
