package swebench

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codetree/codetree/benchmarks/swebench/swebenchtest"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

// countingRunner counts the sandbox runs.
type countingRunner struct {
	sandbox.Runner
	runs atomic.Int32
}

func (c *countingRunner) Run(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
	c.runs.Add(1)
	if c.Runner == nil {
		return sandbox.Result{}, errors.New("no sandbox in this test")
	}
	return c.Runner.Run(ctx, req)
}

func loadSweInstances(t *testing.T, path string) []Instance {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	insts, err := ReadInstances(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return insts
}

func sweTestdata(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(swebenchtest.Dir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func newSweSandbox(t *testing.T) *countingRunner {
	t.Helper()
	if testing.Short() {
		t.Skip("Docker integration test")
	}
	return &countingRunner{Runner: sandboxtest.New(t, sandbox.Config{})}
}

var sweLimits = sandbox.Limits{Timeout: 3 * time.Minute, Memory: 1 * sandbox.GiB, CPUs: 2, Pids: 512}

func readSummary(t *testing.T, out string) Summary {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSweEvaluateGold: every test instance's gold patch resolves it, the
// tests ran (FAIL_TO_PASS successes are listed), and the files are written.
// acme/confdiff imports github.com/google/go-cmp: it resolves only if its
// module was downloaded into WorkDir/gomodcache and mounted in the sandbox.
func TestSweEvaluateGold(t *testing.T) {
	t.Parallel()
	runner := newSweSandbox(t)
	tmpl, instPath := swebenchtest.Remotes(t)
	insts := loadSweInstances(t, instPath)
	out := t.TempDir()
	res, err := Evaluate(t.Context(), EvalOptions{
		Instances: insts, Gold: true, RepoURL: tmpl, OutDir: out,
		Runner: runner, Limits: sweLimits, Concurrency: 3,
	})
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	if res.Summary.Resolved != len(insts) || len(insts) < 6 {
		t.Errorf("resolved %d of %d: %+v", res.Summary.Resolved, len(insts), res.Summary)
	}
	for _, r := range res.Reports {
		if r.TestsStatus == nil || len(r.TestsStatus.FailToPass.Success) == 0 || len(r.TestsStatus.PassToPass.Success) == 0 {
			t.Errorf("%s: tests did not run: %+v", r.InstanceID, r.TestsStatus)
		}
	}
	if got := readSummary(t, out); got.Resolved != len(insts) {
		t.Errorf("summary.json resolved %d, want %d", got.Resolved, len(insts))
	}
	var keyed map[string]InstanceReport
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &keyed); err != nil {
		t.Fatal(err)
	}
	for _, in := range insts {
		if !keyed[in.InstanceID].Resolved {
			t.Errorf("report.json: %s not resolved", in.InstanceID)
		}
		if _, err := os.Stat(filepath.Join(out, "reports", in.InstanceID+".json")); err != nil {
			t.Errorf("no per-instance report: %v", err)
		}
	}
	if int(runner.runs.Load()) != len(insts) {
		t.Errorf("%d sandbox runs, want one per instance (%d)", runner.runs.Load(), len(insts))
	}
	zip := filepath.Join(out, "work", "gomodcache", "cache", "download", "github.com", "google", "go-cmp", "@v", "v0.7.0.zip")
	if _, err := os.Stat(zip); err != nil {
		t.Errorf("go-cmp is not in the run's module cache: %v", err)
	}
}

// TestSweEvaluateVerdicts: empty, test-breaking, wrong and unappliable
// patches get their verdicts, and a rerun evaluates only what has no
// report.
func TestSweEvaluateVerdicts(t *testing.T) {
	t.Parallel()
	runner := newSweSandbox(t)
	tmpl, instPath := swebenchtest.Remotes(t)
	insts := loadSweInstances(t, instPath)
	byRepo := make(map[string]Instance)
	for _, in := range insts {
		byRepo[in.Repo] = in
	}
	noApply := "diff --git a/kv.go b/kv.go\n--- a/kv.go\n+++ b/kv.go\n@@ -1,3 +1,3 @@\n-// no such line\n+// replaced\n nor this one\n"
	wrong := strings.Replace(byRepo["pyco/units"].Patch, `"km": 1000.0`, `"km": 100.0`, 1)
	// A patch that also edits the test the test patch brings must not
	// change the verdict: the test files are reset before the test patch.
	slugsWithTestEdit := byRepo["pyco/slugs"].Patch +
		"diff --git a/tests/test_slugs.py b/tests/test_slugs.py\n--- a/tests/test_slugs.py\n+++ b/tests/test_slugs.py\n" +
		"@@ -5,3 +5,3 @@\n \n def test_spaces():\n-    assert slugify(\"a  b c\") == \"a-b-c\"\n+    assert False\n"
	preds := []Prediction{
		{InstanceID: byRepo["acme/strutil"].InstanceID, ModelPatch: ""},
		{InstanceID: byRepo["acme/mathx"].InstanceID, ModelPatch: sweTestdata(t, "acme+mathx/breaks_p2p.patch")},
		{InstanceID: byRepo["acme/kvparse"].InstanceID, ModelPatch: noApply},
		{InstanceID: byRepo["pyco/slugs"].InstanceID, ModelPatch: slugsWithTestEdit},
		{InstanceID: byRepo["pyco/units"].InstanceID, ModelPatch: wrong},
		{InstanceID: byRepo["acme/confdiff"].InstanceID, ModelPatch: byRepo["acme/confdiff"].Patch},
	}
	out := t.TempDir()
	opts := EvalOptions{
		Instances: insts, Predictions: preds, RepoURL: tmpl, OutDir: out,
		Runner: runner, Limits: sweLimits, Concurrency: 2,
	}
	res, err := Evaluate(t.Context(), opts)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	got := Keyed(res.Reports...)
	tests := []struct {
		repo                 string
		exists, applied, res bool
		f2pFail, p2pFail     []string
	}{
		{repo: "acme/strutil"},
		{repo: "acme/mathx", exists: true, applied: true, f2pFail: []string{}, p2pFail: []string{"TestMax"}},
		{repo: "acme/kvparse", exists: true},
		{repo: "pyco/slugs", exists: true, applied: true, res: true, f2pFail: []string{}, p2pFail: []string{}},
		{repo: "pyco/units", exists: true, applied: true, f2pFail: []string{"test_units.py::test_kilometres"}, p2pFail: []string{}},
		{repo: "acme/confdiff", exists: true, applied: true, res: true, f2pFail: []string{}, p2pFail: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.repo, func(t *testing.T) {
			r := got[byRepo[tt.repo].InstanceID]
			if r.PatchExists != tt.exists || r.PatchIsNone == tt.exists || r.PatchSuccessfullyApplied != tt.applied || r.Resolved != tt.res {
				t.Errorf("report = %+v, want exists %v applied %v resolved %v", r, tt.exists, tt.applied, tt.res)
			}
			if !tt.applied {
				if r.TestsStatus != nil {
					t.Errorf("tests_status without an applied patch: %+v", r.TestsStatus)
				}
				return
			}
			if r.TestsStatus == nil {
				t.Fatal("no tests_status")
			}
			if !slices.Equal(r.TestsStatus.FailToPass.Failure, tt.f2pFail) || !slices.Equal(r.TestsStatus.PassToPass.Failure, tt.p2pFail) {
				t.Errorf("failures: FAIL_TO_PASS %v, PASS_TO_PASS %v; want %v, %v",
					r.TestsStatus.FailToPass.Failure, r.TestsStatus.PassToPass.Failure, tt.f2pFail, tt.p2pFail)
			}
		})
	}
	s := res.Summary
	if s.Resolved != 2 || s.EmptyPatch != 1 || s.Unapplied != 1 || s.Unresolved != 2 {
		t.Errorf("summary = %+v", s)
	}
	if ran := runner.runs.Load(); ran != 4 {
		t.Errorf("%d sandbox runs, want 4 (no run for an empty or unapplied patch)", ran)
	}

	// Rerun: every instance has a report, nothing runs.
	runner.runs.Store(0)
	res2, err := Evaluate(t.Context(), opts)
	if err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if res2.Reused != len(insts) || runner.runs.Load() != 0 || res2.Summary.Resolved != 2 || res2.Summary.Unresolved != 2 {
		t.Errorf("rerun: reused %d, %d runs, summary %+v", res2.Reused, runner.runs.Load(), res2.Summary)
	}
	// Without its report, one instance runs again.
	if err := os.Remove(filepath.Join(out, "reports", byRepo["acme/mathx"].InstanceID+".json")); err != nil {
		t.Fatal(err)
	}
	res3, err := Evaluate(t.Context(), opts)
	if err != nil {
		t.Fatalf("third run: %v", err)
	}
	if res3.Reused != len(insts)-1 || runner.runs.Load() != 1 || Keyed(res3.Reports...)[byRepo["acme/mathx"].InstanceID].PatchSuccessfullyApplied != true {
		t.Errorf("third run: reused %d, %d runs", res3.Reused, runner.runs.Load())
	}
}

// TestSweEvaluateCloneError: a repository that cannot be cloned is an
// error of its instances, not a verdict, and leaves no report (a rerun
// tries again).
func TestSweEvaluateCloneError(t *testing.T) {
	t.Parallel()
	_, instPath := swebenchtest.Remotes(t)
	insts := loadSweInstances(t, instPath)[:2]
	runner := &countingRunner{}
	out := t.TempDir()
	res, err := Evaluate(t.Context(), EvalOptions{
		Instances: insts, Gold: true, RepoURL: "file://" + filepath.ToSlash(t.TempDir()) + "/missing/{owner}+{repo}.git",
		OutDir: out, Runner: runner,
	})
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	if res.Summary.Errors != 2 || len(res.Reports) != 0 || runner.runs.Load() != 0 {
		t.Errorf("summary %+v, %d reports, %d runs", res.Summary, len(res.Reports), runner.runs.Load())
	}
	if msg := res.Summary.ErrorMessages[insts[0].InstanceID]; !strings.Contains(msg, "clone") {
		t.Errorf("error message %q does not say clone", msg)
	}
	if s := readSummary(t, out); s.Errors != 2 {
		t.Errorf("summary.json errors %d, want 2", s.Errors)
	}
	if _, err := os.Stat(filepath.Join(out, "reports", insts[0].InstanceID+".json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a report was written for an error: %v", err)
	}
}

// TestSweEvaluateModDownloadError: a Go module that `go mod download`
// cannot fetch is an error of its instance, with the go command's message,
// not a verdict: no sandbox run, no report (a rerun tries again).
func TestSweEvaluateModDownloadError(t *testing.T) {
	t.Parallel()
	tmpl, instPath := swebenchtest.Remotes(t)
	var in Instance
	for _, i := range loadSweInstances(t, instPath) {
		if i.Repo == "acme/confdiff" {
			in = i
		}
	}
	badDep := in.Patch + "diff --git a/go.mod b/go.mod\n--- a/go.mod\n+++ b/go.mod\n@@ -3,3 +3,5 @@\n go 1.21\n \n require github.com/google/go-cmp v0.7.0\n+\n+require example.invalid/nope v1.0.0\n"
	runner := &countingRunner{}
	out := t.TempDir()
	res, err := Evaluate(t.Context(), EvalOptions{
		Instances: []Instance{in}, Predictions: []Prediction{{InstanceID: in.InstanceID, ModelPatch: badDep}},
		RepoURL: tmpl, OutDir: out, Runner: runner,
	})
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	if res.Summary.Errors != 1 || len(res.Reports) != 0 || runner.runs.Load() != 0 {
		t.Fatalf("summary %+v, %d reports, %d runs", res.Summary, len(res.Reports), runner.runs.Load())
	}
	if msg := res.Summary.ErrorMessages[in.InstanceID]; !strings.Contains(msg, "go mod download") || !strings.Contains(msg, "example.invalid/nope") {
		t.Errorf("error message %q does not give the go command's failure", msg)
	}
	if _, err := os.Stat(filepath.Join(out, "reports", in.InstanceID+".json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a report was written for an error: %v", err)
	}
}

func TestSweEvaluateMissingPrediction(t *testing.T) {
	t.Parallel()
	insts := []Instance{{InstanceID: "a__b-1", Repo: "a/b", BaseCommit: "c"}}
	_, err := Evaluate(t.Context(), EvalOptions{Instances: insts, OutDir: t.TempDir(), Runner: &countingRunner{}})
	if err == nil || !strings.Contains(err.Error(), "no prediction for instance a__b-1") {
		t.Errorf("err = %v", err)
	}
}

func TestSweTestCommand(t *testing.T) {
	t.Parallel()
	goMod := map[string][]byte{"go.mod": []byte("module x\n")}
	tests := []struct {
		name     string
		in       Instance
		files    map[string][]byte
		wantLang sandbox.Lang
		want     []string
	}{
		{
			name:     "go: subtests run under their top-level name",
			in:       Instance{FailToPass: []string{"TestParse/spaces", "TestParse"}, PassToPass: []string{"TestB", "TestParse/simple"}},
			files:    goMod,
			wantLang: sandbox.LangGo,
			want:     []string{"go", "test", "-v", "-count=1", "-run", "^(TestB|TestParse)$", "./..."},
		},
		{
			name:     "go: names are quoted for the regexp",
			in:       Instance{FailToPass: []string{"Test.A"}},
			files:    goMod,
			wantLang: sandbox.LangGo,
			want:     []string{"go", "test", "-v", "-count=1", "-run", `^(Test\.A)$`, "./..."},
		},
		{
			name:     "python: node ids, deduplicated",
			in:       Instance{FailToPass: []string{"t.py::a[x y]"}, PassToPass: []string{"t.py::b", "t.py::a[x y]"}},
			files:    map[string][]byte{"t.py": nil},
			wantLang: sandbox.LangPython,
			want:     []string{"python3", "-m", "pytest", "-rA", "-p", "no:cacheprovider", "t.py::a[x y]", "t.py::b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lang, argv := testCommand(tt.in, tt.files)
			if lang != tt.wantLang || !slices.Equal(argv, tt.want) {
				t.Errorf("testCommand = %v %q, want %v %q", lang, argv, tt.wantLang, tt.want)
			}
		})
	}
}

func TestSweRepoURLFor(t *testing.T) {
	t.Parallel()
	in := Instance{Repo: "pallets/flask"}
	tests := []struct{ tmpl, want string }{
		{DefaultRepoURL, "https://github.com/pallets/flask.git"},
		{"file:///srv/mirrors/{owner}+{repo}", "file:///srv/mirrors/pallets+flask"},
	}
	for _, tt := range tests {
		if got := RepoURLFor(tt.tmpl, in); got != tt.want {
			t.Errorf("RepoURLFor(%q) = %q, want %q", tt.tmpl, got, tt.want)
		}
	}
}

// TestGoDependencies: a Go tree needs the module cache when its go.mod
// requires modules and it vendors none; a vendored tree builds from
// vendor/ (the image's -mod=mod would ignore it).
func TestGoDependencies(t *testing.T) {
	t.Parallel()
	gomod := []byte("module m\n\ngo 1.22\n\nrequire github.com/google/go-cmp v0.7.0\n")
	for _, tc := range []struct {
		name           string
		files          map[string][]byte
		cache, vendors bool
	}{
		{"stdlib only", map[string][]byte{"go.mod": []byte("module m\n\ngo 1.22\n")}, false, false},
		{"requires", map[string][]byte{"go.mod": gomod}, true, false},
		{"vendored", map[string][]byte{"go.mod": gomod, "vendor/modules.txt": nil}, false, true},
	} {
		if got := needsModCache(tc.files); got != tc.cache {
			t.Errorf("%s: needsModCache %v, want %v", tc.name, got, tc.cache)
		}
		if got := hasVendor(tc.files); got != tc.vendors {
			t.Errorf("%s: hasVendor %v, want %v", tc.name, got, tc.vendors)
		}
	}
}
