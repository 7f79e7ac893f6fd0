package swebench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codetree/codetree/benchmarks/swebench/swebenchtest"
)

// fakePatcher answers each instance with patches[id] (passing its own
// tests when set), fails those in fail with an infrastructure error, and
// records what it saw.
type fakePatcher struct {
	patches map[string]string
	fail    map[string]bool
	check   func(Workspace) error // run on the checkout, before returning

	mu    sync.Mutex
	calls []string
	seen  map[string]Workspace
	errs  []error
}

// fakeStages are each attempt's accounts: 2 calls of 100+10 tokens
// ($0.01) in localize and 1 of 50+5 ($0.002) in repair.
var fakeStages = []StageAccount{
	{Name: StageRepair, Calls: 1, PromptTokens: 50, CompletionTokens: 5, CostUSD: 0.002, Seconds: 1},
	{Name: StageLocalize, Calls: 2, PromptTokens: 100, CompletionTokens: 10, CostUSD: 0.01, Seconds: 2},
}

func (f *fakePatcher) Patch(ctx context.Context, w Workspace) (Attempt, error) {
	id := w.Task.InstanceID
	var err error
	if f.check != nil {
		err = f.check(w)
	}
	f.mu.Lock()
	f.calls = append(f.calls, id)
	if f.seen == nil {
		f.seen = make(map[string]Workspace)
	}
	f.seen[id] = w
	if err != nil {
		f.errs = append(f.errs, fmt.Errorf("%s: %w", id, err))
	}
	fail := f.fail[id]
	f.mu.Unlock()
	att := Attempt{Stages: fakeStages, Tree: json.RawMessage(`{"instance":"` + id + `"}`), Notes: []string{"fake"},
		FirstModelCall: time.Now()}
	if fail {
		return att, errors.New("model endpoint unreachable after 3 retries")
	}
	att.Patch, att.Passed = f.patches[id], f.patches[id] != ""
	return att, nil
}

func (f *fakePatcher) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// checkCheckout fails unless w.Dir is a clean checkout of the task's
// base_commit.
func checkCheckout(w Workspace) error {
	head, err := exec.Command("git", "-C", w.Dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return fmt.Errorf("rev-parse: %w", err)
	}
	if got := strings.TrimSpace(string(head)); got != w.Task.BaseCommit {
		return fmt.Errorf("checkout at %s, want %s", got, w.Task.BaseCommit)
	}
	status, err := exec.Command("git", "-C", w.Dir, "status", "--porcelain", "--ignored").Output()
	if err != nil || len(status) > 0 {
		return fmt.Errorf("checkout not clean (nothing may be generated or built in it): %q %v", status, err)
	}
	return nil
}

func instancesOf(t *testing.T, path string, repos ...string) []Instance {
	t.Helper()
	var out []Instance
	for _, in := range loadSweInstances(t, path) {
		if len(repos) == 0 || slices.Contains(repos, in.Repo) {
			out = append(out, in)
		}
	}
	return out
}

func readRunPredictionsT(t *testing.T, out string) map[string]Prediction {
	t.Helper()
	preds, err := readRunPredictions(filepath.Join(out, PredictionsFile))
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[string]Prediction)
	for _, p := range preds {
		m[p.InstanceID] = p
	}
	return m
}

func readRunSummaryT(t *testing.T, out string) RunSummary {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, RunSummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var s RunSummary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSweRunOutputs: every instance of the test data gets a prediction
// in SWE-bench's format (empty model_patch for no patch), a tree and a
// results line; the Patcher sees a clean checkout of base_commit and a
// Task without the gold fields; the go-cmp instance gets the module
// cache, downloaded, and the checkout stays clean (nothing was built or
// run in it).
func TestSweRunOutputs(t *testing.T) {
	t.Parallel()
	tmpl, instPath := swebenchtest.Remotes(t)
	insts := instancesOf(t, instPath)
	byRepo := make(map[string]Instance)
	for _, in := range insts {
		byRepo[in.Repo] = in
	}
	strutil, confdiff, slugs := byRepo["acme/strutil"], byRepo["acme/confdiff"], byRepo["pyco/slugs"]
	// A patch that also edits an existing test is flagged.
	slugsPatch := slugs.Patch + "diff --git a/tests/test_slugs.py b/tests/test_slugs.py\n--- a/tests/test_slugs.py\n+++ b/tests/test_slugs.py\n" +
		"@@ -5,3 +5,3 @@\n \n def test_spaces():\n-    assert slugify(\"a  b c\") == \"a-b-c\"\n+    assert True\n"
	patches := map[string]string{strutil.InstanceID: strutil.Patch, slugs.InstanceID: slugsPatch}
	p := &fakePatcher{patches: patches, check: checkCheckout}
	out := t.TempDir()
	var events []RunProgress
	sum, err := Run(t.Context(), RunOptions{Instances: insts, Out: out, ModelName: "m1", Patcher: p,
		RepoURL: tmpl, Concurrency: 3, Progress: func(e RunProgress) { events = append(events, e) }})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(p.errs) > 0 {
		t.Errorf("workspaces: %v", p.errs)
	}
	if sum.Predicted != len(insts) || sum.Patched != 2 || sum.EmptyPatch != len(insts)-2 || sum.PassedOwnTests != 2 ||
		sum.Errors != 0 || sum.Pending != 0 || !slices.Equal(slices.Sorted(slices.Values(sum.PatchedIDs)), []string{strutil.InstanceID, slugs.InstanceID}) ||
		!slices.Equal(sum.EditedTestsIDs, []string{slugs.InstanceID}) {
		t.Errorf("summary %+v", sum)
	}
	checkRunFiles(t, out, insts, patches)
	checkTasks(t, p, insts)
	for _, in := range insts {
		cache := p.seen[in.InstanceID].GoModCache
		if (cache != "") != (in.Repo == "acme/confdiff") {
			t.Errorf("%s: GoModCache %q", in.InstanceID, cache)
		}
	}
	zip := filepath.Join(p.seen[confdiff.InstanceID].GoModCache, "cache", "download", "github.com", "google", "go-cmp", "@v", "v0.7.0.zip")
	if _, err := os.Stat(zip); err != nil {
		t.Errorf("go-cmp was not downloaded for %s: %v", confdiff.InstanceID, err)
	}
	if last := events[len(events)-1]; len(events) != 2*len(insts) || last.Ended != len(insts) || last.Predicted != len(insts) || last.Passed != 2 {
		t.Errorf("%d progress events, last %+v", len(events), last)
	}
	if _, err := os.Stat(filepath.Join(out, "work", "checkouts")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("checkouts left behind: %v", err)
	}
}

// checkRunFiles checks predictions.jsonl (SWE-bench's three keys), the
// trees and the results lines of a run where every instance ended.
func checkRunFiles(t *testing.T, out string, insts []Instance, patches map[string]string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, PredictionsFile))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if _, ok := m["model_patch"].(string); len(m) != 3 || !ok || m["model_name_or_path"] != "m1" {
			t.Errorf("prediction line %s: want instance_id, model_name_or_path m1, model_patch", line)
		}
	}
	preds := readRunPredictionsT(t, out)
	results, err := readRunResults(filepath.Join(out, RunResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range insts {
		if p, ok := preds[in.InstanceID]; !ok || p.ModelPatch != patches[in.InstanceID] {
			t.Errorf("%s: prediction %+v (present %v)", in.InstanceID, p, ok)
		}
		tree, err := os.ReadFile(filepath.Join(out, RunTreesDir, in.InstanceID+".json"))
		if err != nil || !strings.Contains(string(tree), in.InstanceID) {
			t.Errorf("%s: tree %q, %v", in.InstanceID, tree, err)
		}
		i := slices.IndexFunc(results, func(r RunResult) bool { return r.InstanceID == in.InstanceID })
		if i < 0 || results[i].PatchBytes != len(patches[in.InstanceID]) || len(results[i].Stages) != 2 || results[i].Notes[0] != "fake" ||
			results[i].FirstModelCallSeconds < results[i].SetupSeconds || results[i].FirstModelCallSeconds > results[i].Seconds {
			t.Errorf("%s: no or wrong results line: %+v", in.InstanceID, results)
		}
	}
}

// checkTasks checks the Patcher saw each instance's Task and nothing of
// the gold patch, the test patch or the test names.
func checkTasks(t *testing.T, p *fakePatcher, insts []Instance) {
	t.Helper()
	for _, in := range insts {
		w := p.seen[in.InstanceID]
		if w.Task != in.Task() {
			t.Errorf("%s: task %+v", in.InstanceID, w.Task)
		}
		data, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		for _, leak := range slices.Concat([]string{in.Patch, in.TestPatch}, in.FailToPass) {
			if b, _ := json.Marshal(leak); strings.Contains(string(data), strings.Trim(string(b), `"`)) {
				t.Errorf("%s: the workspace holds %q", in.InstanceID, leak)
			}
		}
	}
}

// TestSweRunResume: an infrastructure error is a results line and no
// prediction; the rerun skips the done instances, retries the failed one,
// and its summary counts both invocations' spend.
func TestSweRunResume(t *testing.T) {
	t.Parallel()
	tmpl, instPath := swebenchtest.Remotes(t)
	insts := instancesOf(t, instPath, "acme/strutil", "acme/mathx", "pyco/slugs")
	failing := insts[1].InstanceID
	p := &fakePatcher{fail: map[string]bool{failing: true}}
	out := t.TempDir()
	opts := RunOptions{Instances: insts, Out: out, ModelName: "m1", Patcher: p, RepoURL: tmpl, Concurrency: 2,
		Classify: func(error) string { return "network" }}
	sum, err := Run(t.Context(), opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, ok := readRunPredictionsT(t, out)[failing]; ok {
		t.Error("an infrastructure error was written as a prediction")
	}
	if sum.Errors != 1 || sum.ErrorClasses[failing] != "network" || !strings.Contains(sum.ErrorMessages[failing], "unreachable") ||
		sum.Predicted != 2 || sum.Attempts != 3 {
		t.Errorf("first summary %+v", sum)
	}

	p2 := &fakePatcher{}
	opts.Patcher = p2
	sum, err = Run(t.Context(), opts)
	if err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if got := p2.called(); !slices.Equal(got, []string{failing}) {
		t.Errorf("rerun worked on %v, want only %s", got, failing)
	}
	if sum.Errors != 0 || sum.Predicted != 3 || sum.Attempts != 4 || len(readRunPredictionsT(t, out)) != 3 {
		t.Errorf("second summary %+v", sum)
	}
	want := []StageAccount{
		{Name: StageLocalize, Calls: 8, PromptTokens: 400, CompletionTokens: 40, CostUSD: 0.04, Seconds: 8},
		{Name: StageRepair, Calls: 4, PromptTokens: 200, CompletionTokens: 20, CostUSD: 0.008, Seconds: 4},
	}
	if !stagesEqual(sum.Stages, want) || sum.Total.Calls != 12 || sum.Total.Tokens() != 660 || !near(sum.Total.CostUSD, 0.048) {
		t.Errorf("stages %+v, total %+v; want %+v over 4 attempts", sum.Stages, sum.Total, want)
	}
	if file := readRunSummaryT(t, out); file.Attempts != 4 || !near(file.Total.CostUSD, 0.048) {
		t.Errorf("summary.json %+v", file)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func stagesEqual(a, b []StageAccount) bool {
	return slices.EqualFunc(a, b, func(x, y StageAccount) bool {
		return x.Name == y.Name && x.Calls == y.Calls && x.Tokens() == y.Tokens() && near(x.CostUSD, y.CostUSD) && near(x.Seconds, y.Seconds)
	})
}

// TestSweRunCloneError: a repository that cannot be cloned is an error of
// class checkout for its instances; the Patcher is never called.
func TestSweRunCloneError(t *testing.T) {
	t.Parallel()
	_, instPath := swebenchtest.Remotes(t)
	insts := instancesOf(t, instPath, "acme/strutil", "acme/mathx")
	p := &fakePatcher{}
	out := t.TempDir()
	sum, err := Run(t.Context(), RunOptions{Instances: insts, Out: out, ModelName: "m1", Patcher: p,
		RepoURL: "file://" + filepath.ToSlash(t.TempDir()) + "/missing/{owner}+{repo}.git"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if sum.Errors != 2 || sum.Predicted != 0 || len(p.called()) != 0 {
		t.Fatalf("summary %+v, patcher called for %v", sum, p.called())
	}
	for _, in := range insts {
		if sum.ErrorClasses[in.InstanceID] != ClassCheckout || !strings.Contains(sum.ErrorMessages[in.InstanceID], "clone") {
			t.Errorf("%s: class %q, message %q", in.InstanceID, sum.ErrorClasses[in.InstanceID], sum.ErrorMessages[in.InstanceID])
		}
	}
}

// cancellingPatcher ends the run's context during its first attempt.
type cancellingPatcher struct {
	cancel context.CancelFunc
	fakePatcher
}

func (c *cancellingPatcher) Patch(ctx context.Context, w Workspace) (Attempt, error) {
	c.cancel()
	<-ctx.Done()
	att, _ := c.fakePatcher.Patch(ctx, w)
	return att, nil // a pipeline may return what it has: cut short all the same
}

// TestSweRunInterrupted: when ctx ends no new instance starts, the one in
// flight is recorded as interrupted (its spend counted, no prediction),
// and the summary is written.
func TestSweRunInterrupted(t *testing.T) {
	t.Parallel()
	tmpl, instPath := swebenchtest.Remotes(t)
	insts := instancesOf(t, instPath, "acme/strutil", "acme/mathx", "acme/kvparse")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	p := &cancellingPatcher{cancel: cancel}
	out := t.TempDir()
	sum, err := Run(ctx, RunOptions{Instances: insts, Out: out, ModelName: "m1", Patcher: p, RepoURL: tmpl})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want context.Canceled", err)
	}
	if got := p.called(); len(got) != 1 {
		t.Errorf("worked on %v after the cancel, want only the first", got)
	}
	if sum.Predicted != 0 || sum.Errors != 0 || !slices.Equal(sum.InterruptedIDs, []string{insts[0].InstanceID}) ||
		sum.Pending != 3 || sum.Total.Calls != 3 {
		t.Errorf("summary %+v", sum)
	}
	if file := readRunSummaryT(t, out); file.Pending != 3 {
		t.Errorf("summary.json %+v", file)
	}
}

// TestSweRunOtherModel: a run folder holds one model's predictions.
func TestSweRunOtherModel(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	line := `{"instance_id":"a__b-1","model_name_or_path":"m0","model_patch":""}` + "\n"
	if err := os.WriteFile(filepath.Join(out, PredictionsFile), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Run(t.Context(), RunOptions{Out: out, ModelName: "m1", Patcher: &fakePatcher{}})
	if err == nil || !strings.Contains(err.Error(), `model "m0"`) || !strings.Contains(err.Error(), "another output folder") {
		t.Errorf("err = %v", err)
	}
}

func TestSweSelectInstances(t *testing.T) {
	t.Parallel()
	all := []Instance{{InstanceID: "a"}, {InstanceID: "b"}, {InstanceID: "c"}, {InstanceID: "d"}}
	tests := []struct {
		ids     []string
		limit   int
		want    []string
		wantErr string
	}{
		{want: []string{"a", "b", "c", "d"}},
		{limit: 2, want: []string{"a", "b"}},
		{ids: []string{"d", "b"}, want: []string{"b", "d"}},
		{ids: []string{"d", "b", "c"}, limit: 2, want: []string{"b", "c"}},
		{ids: []string{"a", "x", "y"}, wantErr: "no such instance: x, y"},
		{limit: -1, wantErr: "limit -1"},
	}
	for _, tt := range tests {
		got, err := SelectInstances(all, tt.ids, tt.limit)
		var ids []string
		for _, in := range got {
			ids = append(ids, in.InstanceID)
		}
		if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) || tt.wantErr == "" && (err != nil || !slices.Equal(ids, tt.want)) {
			t.Errorf("SelectInstances(%v, %d) = %v, %v; want %v, %q", tt.ids, tt.limit, ids, err, tt.want, tt.wantErr)
		}
	}
}

func TestSweTestPath(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]bool{
		"kv_test.go": true, "pkg/x_test.go": true, "tests/test_slugs.py": true, "test_units.py": true,
		"src/conftest.py": true, "test/data.json": true, "units_test.py": true,
		"kv.go": false, "testing.go": false, "latest/x.py": false, "contest.py": false, "mytests/x.go": false,
	} {
		if got := testPath.MatchString(p); got != want {
			t.Errorf("testPath(%q) = %v, want %v", p, got, want)
		}
	}
}
