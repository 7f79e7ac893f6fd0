package report

import (
	"fmt"
	"slices"

	"github.com/codetree/codetree/treesearch"
)

// Problem is one problem of a run folder: its result, or its last
// infrastructure error, and its tree if the folder has one.
type Problem struct {
	ID     string
	Result *treesearch.TaskResult
	Error  *treesearch.TaskError
	Tree   *treesearch.Tree
}

// Solved reports whether the problem's chosen code passed the hidden
// tests (the base tests, as pass@1).
func (p Problem) Solved() bool { return p.Result != nil && p.Result.Passed }

// loadProblems reads a run folder's results, errors and trees, in task id
// order.
func loadProblems(dir string) ([]Problem, error) {
	results, err := treesearch.ReadResults(dir)
	if err != nil {
		return nil, err
	}
	errs, err := treesearch.ReadErrors(dir, results)
	if err != nil {
		return nil, err
	}
	var out []Problem
	for id, r := range results {
		out = append(out, Problem{ID: id, Result: &r})
	}
	for id, e := range errs {
		out = append(out, Problem{ID: id, Error: &e})
	}
	slices.SortFunc(out, func(a, b Problem) int { return treesearch.CompareTaskIDs(a.ID, b.ID) })
	for i := range out {
		if out[i].Tree, err = treesearch.ReadTree(dir, out[i].ID); err != nil {
			return nil, fmt.Errorf("%s: %w", out[i].ID, err)
		}
	}
	return out, nil
}
