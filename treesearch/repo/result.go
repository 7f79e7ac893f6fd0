package repo

import (
	"context"
	"errors"

	"github.com/codetree/codetree/treesearch"
)

// The outcomes of Solve (Result.Status).
const (
	StatusPassed       = "passed"
	StatusFailed       = "failed"
	StatusNothingToFix = "nothing_to_fix"
)

// Result is what Solve found, as data; its JSON is codetree's --json
// output. WriteText renders it for a terminal.
type Result struct {
	Status string `json:"status"` // StatusPassed, StatusFailed or StatusNothingToFix
	Passed bool   `json:"passed"`
	// Summary is one paragraph: what changed, the tests before and after,
	// and the model's own explanation.
	Summary string   `json:"summary"`
	Diff    string   `json:"diff"`
	Files   []string `json:"files"`
	Added   int      `json:"lines_added"`
	Removed int      `json:"lines_removed"`
	// Before and After are the test and lint runs without and with the
	// change.
	Before      Check   `json:"before"`
	After       *Check  `json:"after,omitempty"`
	Node        int     `json:"node"`
	Generations int     `json:"generations"`
	Tokens      int     `json:"tokens"`
	Cost        float64 `json:"cost_usd"`
	// UnpricedCalls were made to a model without a known price: their
	// cost is not in Cost.
	UnpricedCalls int      `json:"unpriced_calls,omitempty"`
	Applied       []string `json:"applied,omitempty"`
	Notes         []string `json:"notes,omitempty"`
	// NextStep, when set, replaces WriteText's hint for a passing change
	// that was not applied (--apply is solve's and fix's way).
	NextStep string `json:"-"`
	// Tree is the search (nil when there was none: nothing to fix).
	Tree *treesearch.Tree `json:"-"`

	snap  *Snapshot
	after map[string][]byte // the change's files
}

// ErrNoPassingChange is WriteResult's refusal of a result that does not
// pass.
var ErrNoPassingChange = errors.New("no passing change to apply; the working tree is untouched")

// WriteResult writes a passing change to the working tree (WriteChanges:
// nothing is written if a file it touches changed since Load) and lists
// the paths written in res.Applied. A result with nothing to fix writes
// nothing; one that does not pass is ErrNoPassingChange.
func WriteResult(res *Result) error {
	switch {
	case res.Status == StatusNothingToFix:
		return nil
	case !res.Passed || res.snap == nil:
		return ErrNoPassingChange
	}
	written, err := WriteChanges(res.snap, res.after)
	if err != nil {
		return err
	}
	res.Applied = written
	return nil
}

// result reports the chosen candidate: its change, and the search's own
// run of the checks on it (run again only when the search did not keep
// one).
func (s *session) result(ctx context.Context, tree *treesearch.Tree) *Result {
	spend := s.spend()
	res := &Result{Status: StatusFailed, Before: s.baseline.Cut(CheckKeep), Node: -1, Tokens: spend.Tokens(), Cost: spend.Cost,
		UnpricedCalls: spend.UnpricedCalls, Notes: s.notes, Tree: tree, snap: s.snap}
	if tree != nil {
		res.Generations = tree.Generations
	}
	if tree == nil || tree.Chosen < 0 {
		res.Summary = "No candidate change could be made. " + s.beforeText()
		return res
	}
	n := tree.Nodes[tree.Chosen]
	files, err := s.tester.Files(n.Code)
	if err != nil {
		res.Summary = "The best candidate's edits did not apply: " + err.Error()
		return res
	}
	res.Node, res.after = n.ID, files
	res.Diff = Diff(s.snap.Files, files)
	res.Files, res.Added, res.Removed = Stat(s.snap.Files, files)
	res.Passed = n.Feedback != nil && n.Feedback.AllPassed()
	if res.Passed {
		res.Status = StatusPassed
	}
	after, ok := s.tester.Checked(n.Code)
	if !ok {
		var err error
		if after, err = s.tester.Run(context.WithoutCancel(ctx), files); err == nil {
			after, ok = after.Cut(CheckKeep), true
		}
	}
	if ok {
		res.After = &after
	}
	res.Summary = s.summary(res, n)
	return res
}

// nothingToFix is Fix's result when the tests pass already.
func (s *session) nothingToFix() *Result {
	return &Result{Status: StatusNothingToFix, Passed: true, Before: s.baseline.Cut(CheckKeep), Node: -1, Notes: s.notes,
		Summary: s.nothingToFixText(), snap: s.snap}
}

// Changes are the chosen change's files: the new contents of the files it
// creates or changes, and the paths it removes, sorted (a pull request's
// commit is made of them). Both are empty when there is no change.
func (r *Result) Changes() (files map[string][]byte, deleted []string) {
	files = make(map[string][]byte)
	if r.snap == nil || r.after == nil {
		return files, nil
	}
	for _, p := range changedPaths(r.snap.Files, r.after) {
		if content, ok := r.after[p]; ok {
			files[p] = content
		} else {
			deleted = append(deleted, p)
		}
	}
	return files, deleted
}
