package treesearch

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// treeStrategy returns a copy of its tree for every problem.
type treeStrategy struct{ tree Tree }

func (s treeStrategy) Name() string { return "tree" }

func (s treeStrategy) Search(_ context.Context, p Problem) (*Tree, error) {
	t := s.tree
	t.Problem = p.ID
	t.Nodes = nil
	for _, n := range s.tree.Nodes {
		c := *n
		t.Nodes = append(t.Nodes, &c)
	}
	return &t, nil
}

// TestRunScoreCandidates: with ScoreCandidates every distinct candidate
// is scored once after the search, its verdict recorded in its node (a
// duplicate's taken from the code it repeats, as the search compares
// code: normalized), the chosen one's is the
// result, and the result line and summary say whether some candidate
// passed where the chosen one failed.
func TestRunScoreCandidates(t *testing.T) {
	t.Parallel()
	strategy := treeStrategy{Tree{Strategy: "tree", Chosen: 0, Generations: 4, Nodes: []*Node{
		{ID: 0, Parent: -1, Code: "bad"},
		{ID: 1, Parent: 0, Code: "ok"},
		{ID: 2, Parent: 0, Code: "ok  \n\n", Duplicate: true}, // the same once normalized
		{ID: 3, Parent: 1, ModelError: "no code"},
	}}}
	var mu sync.Mutex
	scored := map[string]int{}
	score := func(ctx context.Context, p Problem, code string) (Verdict, error) {
		mu.Lock()
		scored[code]++
		mu.Unlock()
		return fakeScore(ctx, p, code)
	}
	for _, on := range []bool{true, false} {
		dir := t.TempDir()
		clear(scored)
		sum, err := Run(t.Context(), RunConfig{Strategy: strategy, OutDir: dir, ScoreCandidates: on}, problems("P/1"), score)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, TreesDir, "P_1.json"))
		if err != nil {
			t.Fatal(err)
		}
		var tree Tree
		if err := json.Unmarshal(b, &tree); err != nil {
			t.Fatal(err)
		}
		var hidden []*bool
		for _, n := range tree.Nodes {
			hidden = append(hidden, n.Hidden)
		}
		results := readJSONL[TaskResult](t, filepath.Join(dir, ResultsFile))
		if !on {
			if diff := cmp.Diff(map[string]int{"bad": 1}, scored); diff != "" {
				t.Errorf("without ScoreCandidates, scored (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]*bool{nil, nil, nil, nil}, hidden); diff != "" {
				t.Errorf("without ScoreCandidates, node verdicts (-want +got):\n%s", diff)
			}
			if results[0].AnyPassed != nil || sum.CandidatesScored != 0 {
				t.Errorf("without ScoreCandidates: any_passed %v, candidates scored %d", results[0].AnyPassed, sum.CandidatesScored)
			}
			continue
		}
		if diff := cmp.Diff(map[string]int{"bad": 1, "ok": 1}, scored); diff != "" {
			t.Errorf("each distinct code scored once (-want +got):\n%s", diff)
		}
		f, tr := false, true
		if diff := cmp.Diff([]*bool{&f, &tr, &tr, nil}, hidden); diff != "" {
			t.Errorf("node verdicts (-want +got):\n%s", diff)
		}
		if r := results[0]; r.Passed || r.AnyPassed == nil || !*r.AnyPassed {
			t.Errorf("result %+v: want the chosen code failed, some candidate passed", r)
		}
		if sum.Solved != 0 || sum.CandidatesScored != 1 || sum.AnyPassed != 1 {
			t.Errorf("summary solved %d, candidates scored %d, any passed %d; want 0, 1, 1", sum.Solved, sum.CandidatesScored, sum.AnyPassed)
		}
	}
}
