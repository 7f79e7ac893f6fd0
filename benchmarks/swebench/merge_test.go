package swebench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/codetree/codetree/benchmarks/swebench/swebenchtest"
)

// TestMergeRunsEqualsOneRun: two runs over the halves of a selection
// (positions 0, 2 and 1, as shards 0/2 and 1/2), merged, are the run
// over the whole selection: the same predictions and results lines in
// the same order, the same trees, the same summary but for the wall time.
func TestMergeRunsEqualsOneRun(t *testing.T) {
	t.Parallel()
	tmpl, instPath := swebenchtest.Remotes(t)
	insts := instancesOf(t, instPath, "acme/strutil", "acme/mathx", "pyco/slugs")
	patches := map[string]string{insts[0].InstanceID: insts[0].Patch, insts[1].InstanceID: insts[1].Patch}
	run := func(out string, in []Instance) {
		t.Helper()
		_, err := Run(t.Context(), RunOptions{Instances: in, Out: out, ModelName: "m1", Patcher: &fakePatcher{patches: patches},
			RepoURL: tmpl, WorkDir: filepath.Join(t.TempDir(), "work")})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	}
	whole, a, b := t.TempDir(), t.TempDir(), t.TempDir()
	run(whole, insts)
	run(a, []Instance{insts[0], insts[2]})
	run(b, []Instance{insts[1]})
	order := []string{insts[0].InstanceID, insts[1].InstanceID, insts[2].InstanceID}
	out := filepath.Join(t.TempDir(), "merged")
	sum, err := MergeRuns(out, "m1", []RunPart{{Dir: a, IDs: []string{order[0], order[2]}}, {Dir: b, IDs: []string{order[1]}}}, order)
	if err != nil {
		t.Fatalf("MergeRuns: %v", err)
	}
	want := readRunSummaryT(t, whole)
	if got := readRunSummaryT(t, out); !sameSummary(got, want) || !sameSummary(sum, want) {
		t.Errorf("merged summary\n%+v\nwant (the whole run's)\n%+v", got, want)
	}
	if sum.Instances != 3 || sum.Patched != 2 || sum.EmptyPatch != 1 || sum.Attempts != 3 || sum.Total.Calls != 9 {
		t.Errorf("merged summary %+v", sum)
	}
	if p := readFile(t, filepath.Join(out, PredictionsFile)); p != readFile(t, filepath.Join(whole, PredictionsFile)) {
		t.Errorf("merged predictions\n%s\nwant\n%s", p, readFile(t, filepath.Join(whole, PredictionsFile)))
	}
	if got, want := resultIDs(t, out), resultIDs(t, whole); !slices.Equal(got, want) || !slices.Equal(got, order) {
		t.Errorf("merged results lines of %v, want %v", got, order)
	}
	for _, id := range order {
		if got := readFile(t, filepath.Join(out, RunTreesDir, id+".json")); got != readFile(t, filepath.Join(whole, RunTreesDir, id+".json")) {
			t.Errorf("%s: merged tree %q", id, got)
		}
	}
}

// sameSummary compares summaries but for the wall time.
func sameSummary(a, b RunSummary) bool {
	a.WallSeconds, b.WallSeconds = 0, 0
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// TestMergeRunsOrderAndOwed: fabricated parts. The merged lines follow
// the order given (not the parts'), an instance's every attempt is kept
// in its part's order, an instance without a prediction is owed
// (Unpredicted) and counted (an error, pending) in the summary, the wall
// time is the longest part's, and a second merge replaces the first.
func TestMergeRunsOrderAndOwed(t *testing.T) {
	t.Parallel()
	a, b := t.TempDir(), t.TempDir()
	// Part a: x (an error, then a patch that passes), z (never reached).
	writePart(t, a, []Prediction{{InstanceID: "x", ModelNameOrPath: "m", ModelPatch: "px"}},
		[]RunResult{fakeResult("x", "boom", false), fakeResult("x", "", true)}, 7)
	// Part b: y (an empty patch), w (an infrastructure error).
	writePart(t, b, []Prediction{{InstanceID: "y", ModelNameOrPath: "m"}},
		[]RunResult{fakeResult("w", "docker died", false), fakeResult("y", "", false)}, 11)
	parts := []RunPart{{Dir: a, IDs: []string{"x", "z"}}, {Dir: b, IDs: []string{"y", "w"}}}
	order := []string{"x", "y", "z", "w"}
	if owed, err := Unpredicted(a, parts[0].IDs); err != nil || !slices.Equal(owed, []string{"z"}) {
		t.Errorf("Unpredicted(a) = %v, %v; want [z]", owed, err)
	}
	if owed, err := Unpredicted(b, parts[1].IDs); err != nil || !slices.Equal(owed, []string{"w"}) {
		t.Errorf("Unpredicted(b) = %v, %v; want [w]", owed, err)
	}
	out := t.TempDir()
	// Leftovers of an earlier merge are replaced.
	writePart(t, out, []Prediction{{InstanceID: "old", ModelNameOrPath: "m"}}, nil, 0)
	if err := os.WriteFile(filepath.Join(out, RunTreesDir, "old.json"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := MergeRuns(out, "m", parts, order)
	if err != nil {
		t.Fatalf("MergeRuns: %v", err)
	}
	if sum.Instances != 4 || sum.Predicted != 2 || sum.Patched != 1 || sum.EmptyPatch != 1 || sum.PassedOwnTests != 1 ||
		sum.Pending != 1 || sum.Errors != 1 || !slices.Equal(sum.ErrorIDs, []string{"w"}) || sum.Attempts != 4 ||
		sum.Total.Calls != 4 || sum.WallSeconds != 11 || !slices.Equal(sum.PatchedIDs, []string{"x"}) {
		t.Errorf("summary %+v", sum)
	}
	if got := resultIDs(t, out); !slices.Equal(got, []string{"x", "x", "y", "w"}) {
		t.Errorf("results lines of %v, want x x y w", got)
	}
	if results, _ := readRunResults(filepath.Join(out, RunResultsFile)); results[0].Error != "boom" || results[1].Error != "" {
		t.Errorf("x's attempts out of order: %+v", results[:2])
	}
	preds := readFile(t, filepath.Join(out, PredictionsFile))
	if strings.Index(preds, `"x"`) > strings.Index(preds, `"y"`) || strings.Contains(preds, "old") {
		t.Errorf("predictions:\n%s", preds)
	}
	trees, _ := os.ReadDir(filepath.Join(out, RunTreesDir))
	if len(trees) != 3 || readFile(t, filepath.Join(out, RunTreesDir, "x.json")) != `{"id":"x"}`+"\n" {
		t.Errorf("trees %v: want x, y and w's, the earlier merge's gone", trees)
	}
	if s := readRunSummaryT(t, out); s.Predicted != 2 || s.Errors != 1 {
		t.Errorf("%s: %+v", RunSummaryFile, s)
	}
}

// TestMergeRunsErrors: parts that are not one run's are refused, naming
// the instance.
func TestMergeRunsErrors(t *testing.T) {
	t.Parallel()
	a, b := t.TempDir(), t.TempDir()
	writePart(t, a, []Prediction{{InstanceID: "x", ModelNameOrPath: "m"}}, []RunResult{fakeResult("x", "", false)}, 1)
	writePart(t, b, []Prediction{{InstanceID: "y", ModelNameOrPath: "m"}}, []RunResult{fakeResult("y", "", false)}, 1)
	tests := []struct {
		name  string
		model string
		parts []RunPart
		order []string
		want  string
	}{
		{"an instance in two parts", "m", []RunPart{{a, []string{"x"}}, {b, []string{"y", "x"}}}, []string{"x", "y"}, "x is in both"},
		{"an instance of no part", "m", []RunPart{{a, []string{"x"}}, {b, []string{"y"}}}, []string{"x", "y", "q"}, "q is in no part"},
		{"an instance twice in the order", "m", []RunPart{{a, []string{"x"}}, {b, []string{"y"}}}, []string{"x", "y", "x"}, "x is twice"},
		{"a part's instance not in the order", "m", []RunPart{{a, []string{"x"}}, {b, []string{"y"}}}, []string{"x"}, "y of"},
		{"a folder holding another part's instance", "m", []RunPart{{a, []string{"y"}}, {b, []string{"x"}}}, []string{"x", "y"}, "not one of its part's"},
		{"another model's predictions", "m2", []RunPart{{a, []string{"x"}}, {b, []string{"y"}}}, []string{"x", "y"}, `not of "m2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			_, err := MergeRuns(out, tt.model, tt.parts, tt.order)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("MergeRuns: %v, want an error with %q", err, tt.want)
			}
			if _, serr := os.Stat(filepath.Join(out, PredictionsFile)); serr == nil {
				t.Errorf("a refused merge wrote %s", PredictionsFile)
			}
		})
	}
}

func fakeResult(id, errMsg string, passed bool) RunResult {
	r := RunResult{InstanceID: id, Passed: passed, Stages: []StageAccount{{Name: StageRepair, Calls: 1, PromptTokens: 10}},
		Error: errMsg, Started: time.Unix(0, 0).UTC()}
	if errMsg != "" {
		r.ErrorClass = "sandbox"
	}
	return r
}

// writePart writes a run folder: predictions, results, a tree per
// results line, and a summary with the wall time wall.
func writePart(t *testing.T, dir string, preds []Prediction, results []RunResult, wall float64) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, RunTreesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	var p, r []any
	for _, x := range preds {
		p = append(p, x)
	}
	for _, x := range results {
		r = append(r, x)
		tree := filepath.Join(dir, RunTreesDir, x.InstanceID+".json")
		if err := os.WriteFile(tree, []byte(`{"id":"`+x.InstanceID+`"}`+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeJSONLines(filepath.Join(dir, PredictionsFile), p); err != nil {
		t.Fatal(err)
	}
	if err := writeJSONLines(filepath.Join(dir, RunResultsFile), r); err != nil {
		t.Fatal(err)
	}
	if err := writeJSONAtomic(filepath.Join(dir, RunSummaryFile), RunSummary{WallSeconds: wall}); err != nil {
		t.Fatal(err)
	}
}

func resultIDs(t *testing.T, dir string) []string {
	t.Helper()
	results, err := readRunResults(filepath.Join(dir, RunResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range results {
		ids = append(ids, r.InstanceID)
	}
	return ids
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
