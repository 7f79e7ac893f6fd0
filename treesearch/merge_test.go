package treesearch

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMergeRuns: two shards of a run (one with an error line), merged,
// give the summary and result lines of the whole run done at once, in the
// order given, with the trees; a task in two shards and a task outside
// the order are refused; missing lists the tasks without a result.
func TestMergeRuns(t *testing.T) {
	t.Parallel()
	code := map[string]string{"P/0": "ok", "P/1": "bad", "P/2": "ok", "P/3": "err", "P/4": "ok"}
	run := func(dir string, ids ...string) RunSummary {
		t.Helper()
		sum, err := Run(t.Context(), RunConfig{Strategy: newFake(code), Concurrency: 1, OutDir: dir,
			Classify: func(error) string { return "server" }}, problems(ids...), fakeScore)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	root := t.TempDir()
	order := []string{"P/0", "P/1", "P/2", "P/3", "P/4"}
	whole := run(filepath.Join(root, "whole"), order...)
	s0, s1 := filepath.Join(root, "s0"), filepath.Join(root, "s1")
	run(s0, "P/0", "P/2", "P/4")
	run(s1, "P/1", "P/3")

	out := filepath.Join(root, "merged")
	sum, missing, err := MergeRuns(out, []string{s1, s0}, order)
	if err != nil {
		t.Fatal(err)
	}
	whole.WallTime, sum.WallTime = 0, 0
	if diff := cmp.Diff(whole, sum); diff != "" {
		t.Errorf("merged summary differs from the whole run's (-whole +merged):\n%s", diff)
	}
	if !slices.Equal(missing, []string{"P/3"}) {
		t.Errorf("missing %v, want [P/3]", missing)
	}
	var ids []string
	for _, r := range readJSONL[TaskResult](t, filepath.Join(out, ResultsFile)) {
		ids = append(ids, r.TaskID)
	}
	if !slices.Equal(ids, []string{"P/0", "P/1", "P/2", "P/4"}) {
		t.Errorf("results in order %v, want the order given", ids)
	}
	if errs := readJSONL[TaskError](t, filepath.Join(out, ErrorsFile)); len(errs) != 1 || errs[0].TaskID != "P/3" {
		t.Errorf("errors %+v, want P/3's", errs)
	}
	for _, id := range order {
		if _, err := os.Stat(filepath.Join(out, TreesDir, sanitize(id)+".json")); err != nil {
			t.Errorf("tree of %s: %v", id, err)
		}
	}

	if _, _, err := MergeRuns(filepath.Join(root, "m2"), []string{s0, s0 + "copy"}, order); err != nil {
		t.Fatalf("a folder without files is empty, not an error: %v", err)
	}
	if err := os.CopyFS(filepath.Join(root, "dup"), os.DirFS(s0)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := MergeRuns(filepath.Join(root, "m3"), []string{s0, filepath.Join(root, "dup")}, order); err == nil || !strings.Contains(err.Error(), "two shards") {
		t.Errorf("a task in two shards: %v", err)
	}
	if _, _, err := MergeRuns(filepath.Join(root, "m4"), []string{s0, s1}, order[:3]); err == nil || !strings.Contains(err.Error(), "not a problem of the run's selection") {
		t.Errorf("a task outside the order: %v", err)
	}
}

// TestSampleCompletion: with RunConfig.Completion a sample line holds the
// completion beside the solution (present even when empty), without it
// the solution only; resume's pruning and MergeRuns keep the field.
func TestSampleCompletion(t *testing.T) {
	t.Parallel()
	code := map[string]string{"P/0": "ok", "P/1": "bad", "P/2": "ok", "P/3": "ok"}
	completion := func(p Problem, solution string) (string, bool) {
		switch p.ID {
		case "P/0", "P/1":
			return "\n" + solution, true
		case "P/2":
			return "", true
		}
		return "", false // P/3: no prompt to complete
	}
	root := t.TempDir()
	s0, s1 := filepath.Join(root, "s0"), filepath.Join(root, "s1")
	for dir, ids := range map[string][]string{s0: {"P/0", "P/2"}, s1: {"P/1", "P/3"}} {
		cfg := RunConfig{Strategy: newFake(code), Concurrency: 1, OutDir: dir, Completion: completion}
		if _, err := Run(t.Context(), cfg, problems(ids...), fakeScore); err != nil {
			t.Fatal(err)
		}
		// A resumed run prunes the samples: the lines stay as written.
		if _, err := Run(t.Context(), cfg, problems(ids...), fakeScore); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(root, "merged")
	if _, _, err := MergeRuns(out, []string{s0, s1}, []string{"P/0", "P/1", "P/2", "P/3"}); err != nil {
		t.Fatal(err)
	}
	got := make(map[string]map[string]any)
	for _, s := range readJSONL[map[string]any](t, filepath.Join(out, SamplesFile)) {
		got[s["task_id"].(string)] = s
	}
	want := map[string]map[string]any{
		"P/0": {"task_id": "P/0", "solution": "ok", "completion": "\nok"},
		"P/1": {"task_id": "P/1", "solution": "bad", "completion": "\nbad"},
		"P/2": {"task_id": "P/2", "solution": "ok", "completion": ""},
		"P/3": {"task_id": "P/3", "solution": "ok"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merged sample lines (-want +got):\n%s", diff)
	}
}
