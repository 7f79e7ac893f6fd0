package treesearch

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/codetree/codetree/agent"
	"github.com/google/go-cmp/cmp"
)

func writeResults(t *testing.T, lines ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ResultsFile), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestReadResults: the last line of a task counts, unknown fields and bad
// lines are ignored, and a folder without results.jsonl is an error.
func TestReadResults(t *testing.T) {
	t.Parallel()
	dir := writeResults(t,
		`{"task_id":"HumanEval/0","passed":false,"result":"failed: wrong","generations":3,"strategy":"direct"}`,
		`not json`,
		``,
		`{"passed":true}`,
		`{"task_id":"HumanEval/1","passed":true,"result":"passed","plus_passed":false,"generations":2,"new_field":[1,2]}`,
		`{"task_id":"HumanEval/0","passed":true,"result":"passed","generations":5,"chosen":3,"strategy":"codetree","accepted":"verification","distinct":4,"duplicates":1,"accounts":{"solver":{"calls":5}}}`,
	)
	got, err := ReadResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d tasks, want 2: %+v", len(got), got)
	}
	want0 := TaskResult{TaskID: "HumanEval/0", Passed: true, Result: "passed", Generations: 5, Strategy: "codetree",
		Chosen: 3, Accepted: AcceptedByCritic, Distinct: 4, Duplicates: 1, Accounts: map[agent.Role]agent.Tally{agent.RoleSolver: {Calls: 5}}}
	if diff := cmp.Diff(want0, got["HumanEval/0"]); diff != "" {
		t.Errorf("HumanEval/0, want its last line (-want +got):\n%s", diff)
	}
	r1 := got["HumanEval/1"]
	if !r1.Passed || r1.PlusPassed == nil || *r1.PlusPassed || r1.Generations != 2 {
		t.Errorf("HumanEval/1 = %+v, want passed, plus failed, 2 generations", r1)
	}

	_, err = ReadResults(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), ResultsFile) {
		t.Errorf("folder without results: err %v, want one naming %s", err, ResultsFile)
	}
}

func results(solved map[string]bool) map[string]TaskResult {
	out := make(map[string]TaskResult)
	for id, ok := range solved {
		out[id] = TaskResult{TaskID: id, Passed: ok}
	}
	return out
}

func TestCompare(t *testing.T) {
	t.Parallel()
	a := results(map[string]bool{"P/1": true, "P/2": true, "P/10": false, "P/3": false, "P/9": true})
	b := results(map[string]bool{"P/1": true, "P/2": false, "P/10": true, "P/3": false, "P/4": true})
	c := results(map[string]bool{"P/1": false, "P/2": true, "P/10": true, "P/3": true, "P/4": false, "P/9": true})
	got := Compare([]map[string]TaskResult{a, b, c})
	want := Comparison{
		Common:  []string{"P/1", "P/2", "P/3", "P/10"},
		Partial: [][]string{{"P/9"}, {"P/4"}, {"P/4", "P/9"}},
		Pairs: []PairDiff{
			{A: 0, B: 1, BothSolved: 1, OnlyA: 1, OnlyB: 1, Neither: 1, OnlyAIDs: []string{"P/2"}, OnlyBIDs: []string{"P/10"}},
			{A: 0, B: 2, BothSolved: 1, OnlyA: 1, OnlyB: 2, Neither: 0, OnlyAIDs: []string{"P/1"}, OnlyBIDs: []string{"P/3", "P/10"}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Compare =\n%+v\nwant\n%+v", got, want)
	}

	one := Compare([]map[string]TaskResult{a})
	if len(one.Pairs) != 0 || len(one.Common) != len(a) {
		t.Errorf("one run: %+v, want no pairs and all its problems common", one)
	}
}

func TestCompareTaskIDs(t *testing.T) {
	t.Parallel()
	ids := []string{"HumanEval/10", "Mbpp/2", "HumanEval/2", "HumanEval/100", "HumanEval/", "11", "9"}
	slices.SortFunc(ids, CompareTaskIDs)
	want := []string{"9", "11", "HumanEval/", "HumanEval/2", "HumanEval/10", "HumanEval/100", "Mbpp/2"}
	if !slices.Equal(ids, want) {
		t.Errorf("sorted %q, want %q", ids, want)
	}
}
