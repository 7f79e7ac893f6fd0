package treesearch

import (
	"context"

	"github.com/codetree/codetree/agent"
)

// Resample draws independent samples from the Solver (at temperature 1.0
// by default, as the released code does), runs each against the visible
// tests, and stops at the first that passes them all or when the budget
// is spent; it returns the best-scored sample.
type Resample struct{ Env Env }

var _ Strategy = (*Resample)(nil)

// Name is "resample".
func (Resample) Name() string { return "resample" }

// Search solves p with up to the budget's generations.
func (s Resample) Search(ctx context.Context, p Problem) (*Tree, error) {
	r := newRecorder(s.Env, p, s.Name())
	for i := 0; r.left() > 0; i++ {
		res, err := s.Env.coder().Solve(ctx, p, "", i)
		n, err := r.add(ctx, &Node{Parent: -1, Role: string(agent.RoleSolver)}, res, err)
		if err != nil {
			r.choose()
			return r.tree, err
		}
		if n.Feedback != nil && n.Feedback.Passes() {
			r.accept(n, AcceptedByTests)
			break
		}
	}
	r.choose()
	return r.tree, nil
}
