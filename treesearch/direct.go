package treesearch

import (
	"context"

	"github.com/codetree/codetree/agent"
)

// Direct asks the Solver once and returns its code: the baseline with one
// generation, whatever the budget.
type Direct struct{ Env Env }

var _ Strategy = (*Direct)(nil)

// Name is "direct".
func (Direct) Name() string { return "direct" }

// Search solves p with one generation.
func (d Direct) Search(ctx context.Context, p Problem) (*Tree, error) {
	r := NewRecorder(d.Env, p, d.Name())
	res, err := d.Env.CandidateCoder().Solve(ctx, p, "", 0)
	n, err := r.Add(ctx, &Node{Parent: -1, Role: string(agent.RoleSolver)}, res, err)
	if err != nil {
		return r.Tree(), err
	}
	if n.Feedback != nil && n.Feedback.Passes() {
		r.Accept(n, AcceptedByTests)
	}
	r.Choose()
	return r.Tree(), nil
}
