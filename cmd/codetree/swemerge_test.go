package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codetree/codetree/benchmarks/swebench"
	"github.com/codetree/codetree/benchmarks/swebench/swebenchtest"
)

// TestMergeSweOwed: fabricated shards of a selection of five (shard 0:
// p0 p2 p4, shard 1: p1 p3). A shard instance without a prediction is a
// usage error naming it and nothing is merged; with --allow-partial the
// merge is written in the selection's order, with merged.json counting
// the unscored instance.
func TestMergeSweOwed(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	cfg := map[string]any{"model": "m", "instances": "/data/i.jsonl", "budget": 8}
	s0 := fakeSweShard(t, root, shard{0, 2}, 5, []string{"p0", "p2", "p4"}, cfg, []string{"p4", "p0", "p2"})
	s1 := fakeSweShard(t, root, shard{1, 2}, 5, []string{"p1", "p3"}, cfg, []string{"p1"})
	var stdout, stderr bytes.Buffer
	o := &mergeOptions{Out: root, Shards: []string{s1, s0}, Stdout: &stdout, Stderr: &stderr}
	err := runMerge(t.Context(), o)
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "p3") || strings.Contains(err.Error(), "p0") {
		t.Fatalf("merge with p3 unscored: %v; want a usage error naming p3 alone", err)
	}
	if _, err := os.Stat(filepath.Join(root, swebench.PredictionsFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused merge wrote predictions: %v", err)
	}
	o.AllowPartial = true
	if err := runMerge(t.Context(), o); err != nil {
		t.Fatalf("merge --allow-partial: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(root, swebench.PredictionsFile))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for line := range strings.Lines(string(b)) {
		var p swebench.Prediction
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.InstanceID)
	}
	if !slices.Equal(ids, []string{"p0", "p1", "p2", "p4"}) {
		t.Errorf("merged predictions of %v, want p0 p1 p2 p4 (the selection's order)", ids)
	}
	var from mergedFrom
	readJSONFile(t, filepath.Join(root, mergeMarker), &from)
	if from.Count != 2 || from.Unscored != 1 || !slices.Equal(from.Shards, []string{s0, s1}) {
		t.Errorf("merged.json %+v", from)
	}
	var sum swebench.RunSummary
	readJSONFile(t, filepath.Join(root, swebench.RunSummaryFile), &sum)
	if sum.Instances != 5 || sum.Predicted != 4 || sum.Pending != 1 {
		t.Errorf("summary %+v", sum)
	}
	if !strings.Contains(stdout.String(), "5 instance(s): 4 with a prediction in "+root) || !strings.Contains(stderr.String(), "1 instance(s) without a prediction") {
		t.Errorf("stdout %q\nstderr %q", stdout.String(), stderr.String())
	}
}

// fakeSweShard writes the folder of swe run shard s of a selection of
// selected: its shard.json and an empty-patch prediction and results line
// for each of done.
func fakeSweShard(t *testing.T, root string, s shard, selected int, ids []string, cfg map[string]any, done []string) string {
	t.Helper()
	dir := shardDir(root, s)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	m := shardManifest{Kind: "swe", Shard: s.String(), Selected: selected, TaskIDs: ids, Config: cfg}
	if err := writeShardManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	var preds, results []byte
	for _, id := range done {
		p, _ := json.Marshal(swebench.Prediction{InstanceID: id, ModelNameOrPath: "m"})
		r, _ := json.Marshal(swebench.RunResult{InstanceID: id, Stages: []swebench.StageAccount{}})
		preds, results = append(append(preds, p...), '\n'), append(append(results, r...), '\n')
	}
	for name, data := range map[string][]byte{swebench.PredictionsFile: preds, swebench.RunResultsFile: results} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestSelectionOrder: position q of the selection is shard q%N's
// (q/N)th instance; a missing shard's positions are left out; a manifest
// listing the wrong number of instances is refused.
func TestSelectionOrder(t *testing.T) {
	t.Parallel()
	part := func(i, n, selected int, ids ...string) shardPart {
		return shardPart{Dir: "d" + string(rune('0'+i)), Shard: shard{i, n}, Manifest: shardManifest{Selected: selected, TaskIDs: ids}}
	}
	got, err := selectionOrder([]shardPart{part(0, 3, 7, "a", "d", "g"), part(1, 3, 7, "b", "e"), part(2, 3, 7, "c", "f")})
	if err != nil || !slices.Equal(got, []string{"a", "b", "c", "d", "e", "f", "g"}) {
		t.Errorf("order %v, %v", got, err)
	}
	got, err = selectionOrder([]shardPart{part(0, 3, 7, "a", "d", "g"), part(2, 3, 7, "c", "f")})
	if err != nil || !slices.Equal(got, []string{"a", "c", "d", "f", "g"}) {
		t.Errorf("without shard 1: %v, %v", got, err)
	}
	if _, err := selectionOrder([]shardPart{part(0, 3, 7, "a", "d"), part(1, 3, 7, "b", "e")}); err == nil {
		t.Errorf("a shard 0/3 of 7 listing 2 instances was taken")
	}
}

// TestSweMergeSimE2E runs `codetree swe run --model sim` on three test
// instances (--ids in another order than the file's, then --limit: one
// Go, two Python repositories) once whole and once as two shards
// (--shard 0/2, and --shard 2 with SLURM_ARRAY_TASK_ID=1 as in a Slurm
// array), side by side, then `codetree merge`s the shards: each
// instance's patch, own verdict and tokens, and the summary's totals, are
// the whole run's.
func TestSweMergeSimE2E(t *testing.T) {
	t.Parallel()
	start := time.Now()
	bin := codetreeBinary(t)
	tmpl, instPath := swebenchtest.Remotes(t)
	root := t.TempDir()
	whole, sharded := filepath.Join(root, "whole"), filepath.Join(root, "sharded")
	common := []string{"swe", "run", "--model", "sim", "--instances", instPath, "--repo-url", tmpl, "--timeout", "3m",
		"--ids", "pyco__units-5,acme__confdiff-6,pyco__slugs-4,acme__strutil-1", "--limit", "3"}
	runs := []struct {
		name string
		args []string
		env  []string
	}{
		{"whole", []string{"--out", whole, "--concurrency", "2"}, nil},
		{"shard 0/2", []string{"--out", sharded, "--shard", "0/2", "--concurrency", "2"}, nil},
		{"shard 2, index from Slurm", []string{"--out", sharded, "--shard", "2"}, []string{"SLURM_ARRAY_TASK_ID=1"}},
	}
	results := make([]cmdResult, len(runs))
	var wg sync.WaitGroup
	for i, r := range runs {
		wg.Go(func() { results[i] = runBinary(t.Context(), bin, r.env, slices.Concat(common, r.args)...) })
	}
	wg.Wait()
	for i, r := range results {
		if r.err != nil || r.code != exitOK {
			t.Fatalf("%s: exit %d, %v\nstdout: %s\nstderr: %s", runs[i].name, r.code, r.err, r.stdout, r.stderr)
		}
	}
	if !strings.Contains(results[2].stderr, "shard 1/2: 1 of the 3 selected instances") {
		t.Errorf("the Slurm shard does not say it is shard 1/2:\n%s", results[2].stderr)
	}
	m := runBinary(t.Context(), bin, nil, "merge", "--out", sharded,
		filepath.Join(sharded, "shard-1-of-2"), filepath.Join(sharded, "shard-0-of-2"))
	if m.err != nil || m.code != exitOK || !strings.Contains(m.stdout, "3 instance(s): 3 with a prediction in "+sharded) {
		t.Fatalf("merge: exit %d, %v\nstdout: %s\nstderr: %s", m.code, m.err, m.stdout, m.stderr)
	}
	compareSweRuns(t, sharded, whole, []string{"acme__strutil-1", "pyco__slugs-4", "pyco__units-5"})
	// The merged run's report: printed, and every merged instance in it.
	page := filepath.Join(sharded, swebench.ReportHTMLFile)
	if b, err := os.ReadFile(page); err != nil || !strings.Contains(m.stdout, "report: "+page) ||
		strings.Count(string(b), `data-status="not evaluated"`) != 3 {
		t.Errorf("merged run's report %s (%v): not printed, or not 3 instances not evaluated\nstdout: %s", page, err, m.stdout)
	}
	for id, r := range lastResults(t, whole) {
		t.Logf("whole run: %s in %.0f s (setup %.0f s)", id, r.Seconds, r.SetupSeconds)
	}
	t.Logf("three swe runs and a merge in %s", time.Since(start).Round(time.Second))
}

// compareSweRuns checks that the merged run folder got holds, in the
// selection's order ids, want's predictions, and per instance the same
// own verdict and tokens, and that the summaries agree but for the times
// (and the order of the id lists: want's instances ended in any order).
func compareSweRuns(t *testing.T, got, want string, ids []string) {
	t.Helper()
	gp, wp := predictionsOf(t, got), predictionsOf(t, want)
	var order []string
	for _, p := range gp {
		order = append(order, p.InstanceID)
	}
	if !slices.Equal(order, ids) {
		t.Errorf("merged predictions of %v, want %v (the selection's order)", order, ids)
	}
	gr, wr := lastResults(t, got), lastResults(t, want)
	for _, id := range ids {
		g, w := gr[id], wr[id]
		if i := slices.IndexFunc(wp, func(p swebench.Prediction) bool { return p.InstanceID == id }); i < 0 || !slices.Contains(gp, wp[i]) || wp[i].ModelPatch == "" {
			t.Errorf("%s: the merged prediction is not the whole run's (%d of the whole run's found)", id, len(wp))
		}
		if g.InstanceID == "" || g.Passed != w.Passed || !w.Passed || sweTokens(g) != sweTokens(w) || sweTokens(w) == 0 {
			t.Errorf("%s: merged passed %v, tokens %d; whole run %v, %d", id, g.Passed, sweTokens(g), w.Passed, sweTokens(w))
		}
	}
	var gs, ws swebench.RunSummary
	readJSONFile(t, filepath.Join(got, swebench.RunSummaryFile), &gs)
	readJSONFile(t, filepath.Join(want, swebench.RunSummaryFile), &ws)
	if a, b := summaryCounts(gs), summaryCounts(ws); a != b {
		t.Errorf("merged summary\n%s\nwant the whole run's\n%s", a, b)
	}
	if ws.Instances != len(ids) || ws.PassedOwnTests != len(ids) || !gs.Simulated {
		t.Errorf("whole run: %d instances, %d passed; merged simulated %v", ws.Instances, ws.PassedOwnTests, gs.Simulated)
	}
}

// summaryCounts is a summary without its times and with its id lists
// sorted, as JSON.
func summaryCounts(s swebench.RunSummary) string {
	s.WallSeconds, s.Total.Seconds = 0, 0
	for _, ids := range [][]string{s.PatchedIDs, s.EmptyPatchIDs, s.PassedIDs, s.EditedTestsIDs, s.ErrorIDs, s.InterruptedIDs} {
		slices.Sort(ids)
	}
	s.Stages = slices.Clone(s.Stages)
	for i := range s.Stages {
		s.Stages[i].Seconds = 0
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	return string(b)
}

// lastResults are a run folder's last results line per instance.
func lastResults(t *testing.T, dir string) map[string]swebench.RunResult {
	t.Helper()
	out := make(map[string]swebench.RunResult)
	for line := range strings.Lines(readSweFile(t, dir, swebench.RunResultsFile)) {
		var r swebench.RunResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		out[r.InstanceID] = r
	}
	return out
}

func sweTokens(r swebench.RunResult) int {
	n := 0
	for _, s := range r.Stages {
		n += s.Tokens()
	}
	return n
}

func readSweFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// predictionsOf are a run folder's predictions, in the file's order.
func predictionsOf(t *testing.T, dir string) []swebench.Prediction {
	t.Helper()
	preds, _, err := swebench.ReadPredictions(strings.NewReader(readSweFile(t, dir, swebench.PredictionsFile)), dir)
	if err != nil {
		t.Fatal(err)
	}
	return preds
}

// cmdResult is how a run of the binary ended.
type cmdResult struct {
	code           int
	stdout, stderr string
	err            error
}

// runBinary runs bin with args and env added to the environment; safe
// from any goroutine (it reports, never fails the test). The environment
// goes to the child alone, so the test can run in parallel (t.Setenv
// cannot).
func runBinary(ctx context.Context, bin string, env []string, args ...string) cmdResult {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		err = nil
	}
	code := -1
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	}
	return cmdResult{code: code, stdout: out.String(), stderr: errb.String(), err: err}
}
