package repo

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

// TestGoBuildCacheRequests: the baseline run exports its new cache
// entries into the folder, a candidate only reads it; both run in the
// fixed folder with the folder mounted read-only; a custom image or a
// Python repository gets none of it.
func TestGoBuildCacheRequests(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "gobuild")
	ex := &scriptExec{out: func(_ map[string][]byte, m string) sandbox.Result {
		return sandbox.Result{Status: sandbox.StatusPassed, Stdout: "\n" + m + " test 0\n"}
	}}
	tr := &Tester{Exec: ex, Base: calcBase(), Lang: sandbox.LangGo, Commands: Commands{Test: "go test ./..."},
		Env: []string{"GOFLAGS=-mod=mod"}, GoBuildCache: dir}
	mount := sandbox.Mount{Source: dir, Target: GoBuildCacheTarget}

	if _, err := tr.RunBaseline(t.Context(), tr.Base); err != nil {
		t.Fatal(err)
	}
	base := ex.last
	if base.Export == nil || base.Export.To != dir || !base.FixedDir || !slices.Contains(base.Mounts, mount) ||
		!slices.Contains(base.Env, "GOCACHEPROG="+sandbox.GoCacheProg(sandbox.ExportDir, GoBuildCacheTarget)) {
		t.Errorf("baseline request: export %+v, fixed dir %v, mounts %v, env %v", base.Export, base.FixedDir, base.Mounts, base.Env)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("cache folder: %v, %v; want it made, mode 0755", fi, err)
	}
	if _, err := tr.Run(t.Context(), tr.Base); err != nil {
		t.Fatal(err)
	}
	cand := ex.last
	if cand.Export != nil || !cand.FixedDir || !slices.Contains(cand.Mounts, mount) ||
		!slices.Contains(cand.Env, "GOCACHEPROG="+sandbox.GoCacheProg("", GoBuildCacheTarget)) || cand.Env[0] != "GOFLAGS=-mod=mod" {
		t.Errorf("candidate request: export %+v, fixed dir %v, mounts %v, env %v", cand.Export, cand.FixedDir, cand.Mounts, cand.Env)
	}
	if len(tr.Env) != 1 || len(tr.Mounts) != 0 {
		t.Errorf("the requests changed the Tester's own Env %v or Mounts %v", tr.Env, tr.Mounts)
	}

	if goBuildCache(dir, "my/image:1") != "" || goBuildCache(dir, "") != dir {
		t.Error("goBuildCache: want the folder with the default image only")
	}
	py := &Tester{Exec: ex, Base: calcBase(), Lang: sandbox.LangPython, Commands: Commands{Test: "pytest"}, GoBuildCache: dir}
	if _, err := py.RunBaseline(t.Context(), py.Base); err != nil {
		t.Fatal(err)
	}
	if ex.last.Export != nil || ex.last.FixedDir || len(ex.last.Mounts) != 0 {
		t.Errorf("Python request with a build cache: %+v", ex.last)
	}
}

// TestGoBuildCacheHit: after the baseline, a candidate with the same code
// compiles nothing (its tests' results come from the cache too); a
// candidate that changes a package compiles it and leaves the folder as
// the baseline made it.
func TestGoBuildCacheHit(t *testing.T) {
	if testing.Short() {
		t.Skip("Docker integration test")
	}
	t.Parallel()
	files := map[string][]byte{"dep/dep.go": []byte("package dep\n\n// Twice doubles n.\nfunc Twice(n int) int { return 2 * n }\n")}
	for name, content := range goCalcFiles {
		files[name] = []byte(content)
	}
	dir := filepath.Join(t.TempDir(), "gobuild")
	tr := &Tester{Exec: sandboxtest.New(t, sandbox.Config{PoolSize: 1}), Base: files, Lang: sandbox.LangGo,
		Commands: Commands{Test: `echo "compiled $(go test -x ./... 2>&1 | grep -c '/compile ')"`},
		Limits:   DefaultLimits(), GoBuildCache: dir}
	compiled := func(c Check) int {
		t.Helper()
		m := regexp.MustCompile(`compiled (\d+)`).FindStringSubmatch(c.TestOutput)
		if m == nil {
			t.Fatalf("no count in %+v", c)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	begin := time.Now()
	c, err := tr.RunBaseline(t.Context(), files)
	t.Logf("baseline %v", time.Since(begin))
	if err != nil {
		var ie *sandbox.ImageError
		if errors.As(err, &ie) {
			sandboxtest.Unavailable(t, err)
		}
		t.Fatal(err)
	}
	if n := compiled(c); n < 2 {
		t.Fatalf("baseline compiled %d packages: %s", n, c.TestOutput)
	}
	x := tr.Exported()
	if x == nil || x.Files == 0 || x.Err != "" {
		t.Fatalf("baseline export %+v", x)
	}
	entries := func() []string {
		es, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		return names
	}
	filled := entries()

	if c, err = tr.Run(t.Context(), files); err != nil {
		t.Fatal(err)
	}
	t.Logf("candidate %v: %s", time.Since(begin), c.TestOutput)
	if n := compiled(c); n != 0 {
		t.Errorf("a candidate with the baseline's code compiled %d packages, want 0 (cache hit)", n)
	}
	changed, err := tr.Files(agent.FormatEdits([]agent.Edit{{Path: "calc.go", Search: "\treturn a - b\n", Replace: "\treturn a + b\n"}}))
	if err != nil {
		t.Fatal(err)
	}
	if c, err = tr.Run(t.Context(), changed); err != nil {
		t.Fatal(err)
	}
	if n := compiled(c); n == 0 {
		t.Error("a changed candidate compiled nothing")
	}
	if got := entries(); !slices.Equal(got, filled) {
		t.Errorf("candidates changed the cache folder: %d entries, had %d", len(got), len(filled))
	}
}
