package treesearch

import (
	"context"

	"github.com/codetree/codetree/agent"
)

// Reflexion solves, runs the visible tests, asks the Thinker for a
// reflection on the failure and the Debugger for a repair, and repeats
// along one line until the tests pass or the budget is spent; it returns
// the best-scored candidate. A repair whose reply has no code is asked
// for again from the same candidate (it costs its generation); only a
// Solver reply without code starts the line again.
type Reflexion struct{ Env Env }

var _ Strategy = (*Reflexion)(nil)

// Name is "reflexion".
func (Reflexion) Name() string { return "reflexion" }

// Search solves p with up to the budget's generations.
func (s Reflexion) Search(ctx context.Context, p Problem) (*Tree, error) {
	r := NewRecorder(s.Env, p, s.Name())
	var cur *Node
	for gen := 0; r.Left() > 0; gen++ {
		var (
			n   *Node
			err error
		)
		if cur == nil {
			// No code to repair: the start, or a Solver reply without code.
			res, gerr := s.Env.CandidateCoder().Solve(ctx, p, "", gen)
			n, err = r.Add(ctx, &Node{Parent: -1, Role: string(agent.RoleSolver)}, res, gerr)
		} else {
			n, err = s.repair(ctx, r, p, cur, gen)
		}
		if err != nil {
			r.Choose()
			return r.Tree(), err
		}
		if n.Code != "" {
			cur = n
		}
		if n.Feedback != nil && n.Feedback.Passes() {
			r.Accept(n, AcceptedByTests)
			break
		}
	}
	r.Choose()
	return r.Tree(), nil
}

// repair asks for one reflection on cur's failure, then for the code that
// follows it, and records the child.
func (s Reflexion) repair(ctx context.Context, r *Recorder, p Problem, cur *Node, sample int) (*Node, error) {
	feedback := cur.Feedback.Format(s.Env.feedbackMax())
	reflection := ""
	refl, err := agent.Thinker{C: s.Env.TemperedModel()}.Reflections(ctx, agent.ReflectionsRequest{
		ProblemID: p.ID, Lang: p.Lang, Problem: p.Prompt, Strategy: cur.Strategy,
		Code: s.Env.CandidateCoder().Show(cur.Code), Feedback: feedback, Max: 1,
	})
	switch {
	case err == nil && len(refl.Reflections) > 0:
		reflection = refl.Reflections[0]
	case err != nil && !agent.IsModelOutput(err):
		return nil, err
	}
	res, gerr := s.Env.CandidateCoder().Repair(ctx, p, cur.Code, feedback, reflection, sample)
	n := &Node{Parent: cur.ID, Depth: cur.Depth + 1, Role: string(agent.RoleDebugger), Strategy: cur.Strategy, Reflection: reflection}
	return r.Add(ctx, n, res, gerr)
}
