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
	r := NewRecorder(s.Env, p, s.Name())
	for i := 0; r.Left() > 0; i++ {
		res, err := s.Env.CandidateCoder().Solve(ctx, p, "", i)
		n, err := r.Add(ctx, &Node{Parent: -1, Role: string(agent.RoleSolver)}, res, err)
		if err != nil {
			r.Choose()
			return r.Tree(), err
		}
		if n.Feedback != nil && n.Feedback.Passes() {
			r.Accept(n, AcceptedByTests)
			break
		}
	}
	r.Choose()
	return r.Tree(), nil
}
