package treesearch

import (
	"context"

	"github.com/codetree/codetree/agent"
)

// Order says how CodeTree picks the next node to expand.
type Order int

const (
	// BestFirst expands the highest-valued open node (CodeTree with its
	// Critic).
	BestFirst Order = iota
	// BreadthFirst and DepthFirst expand in tree order, without the
	// Critic (codetree-bfs, codetree-dfs).
	BreadthFirst
	DepthFirst
)

// CodeTree is the search of arXiv 2411.04329: the Thinker proposes
// strategies, the Solver implements each, every candidate runs against the
// visible tests, and the Critic scores the results; a node is refined into
// children (the Thinker's reflections, implemented by the Debugger),
// aborted when it does worse than its parent, or accepted when it passes
// every visible test and the Critic verifies it. Without the Critic
// (BreadthFirst, DepthFirst) a node is accepted when it passes the visible
// tests.
type CodeTree struct {
	Env   Env
	Order Order
	// Width caps strategies and reflections per node (default 3); Depth
	// caps the tree's depth below the strategies (default 3).
	Width, Depth int
	// Parallel asks for a node's children (and the strategies' first
	// candidates) all at once instead of one after the other: less wall
	// time with a slow model, more generations spent (see expand).
	Parallel bool
}

var _ Strategy = (*CodeTree)(nil)

// Name is "codetree", "codetree-bfs" or "codetree-dfs".
func (c CodeTree) Name() string {
	switch c.Order {
	case BreadthFirst:
		return "codetree-bfs"
	case DepthFirst:
		return "codetree-dfs"
	}
	return "codetree"
}

func (c CodeTree) width() int {
	if c.Width <= 0 {
		return 3
	}
	return c.Width
}

func (c CodeTree) depth() int {
	if c.Depth <= 0 {
		return 3
	}
	return c.Depth
}

func (c CodeTree) critic() bool { return c.Order == BestFirst }

// Search solves p with up to the budget's generations.
func (c CodeTree) Search(ctx context.Context, p Problem) (*Tree, error) {
	r := newRecorder(c.Env, p, c.Name())
	accepted, err := c.search(ctx, r, p)
	if accepted != nil {
		r.tree.Chosen = accepted.ID
	} else {
		r.choose()
	}
	return r.tree, err
}

func (c CodeTree) search(ctx context.Context, r *recorder, p Problem) (*Node, error) {
	strategies, err := c.strategies(ctx, p)
	if err != nil {
		return nil, err
	}
	cands := make([]candidate, len(strategies))
	for i, s := range strategies {
		cands[i] = candidate{
			node: &Node{Parent: -1, Role: string(agent.RoleSolver), Strategy: s},
			call: func(ctx context.Context, sample int) (agent.CodeResult, error) {
				return c.Env.coder().Solve(ctx, p, s, sample)
			},
		}
	}
	nodes, accepted, err := c.expand(ctx, r, p, cands)
	if err != nil || accepted != nil {
		return accepted, err
	}
	var open []*Node
	for _, n := range nodes {
		if n.Code != "" {
			open = append(open, n)
		}
	}
	for len(open) > 0 && r.left() > 0 {
		var n *Node
		n, open = c.next(open)
		if n.Depth >= c.depth() {
			continue
		}
		children, acc, err := c.refine(ctx, r, p, n)
		if err != nil || acc != nil {
			return acc, err
		}
		open = append(open, children...)
	}
	return nil, nil
}

func accept(n *Node, ok bool) *Node {
	if ok {
		return n
	}
	return nil
}

// strategies asks the Thinker; a reply without a list still lets the
// search go on, with the Solver unguided.
func (c CodeTree) strategies(ctx context.Context, p Problem) ([]string, error) {
	res, err := agent.Thinker{C: c.Env.Model}.Strategies(ctx, agent.StrategiesRequest{
		ProblemID: p.ID, Lang: p.Lang, Problem: p.Prompt, Max: c.width(),
	})
	switch {
	case err == nil && len(res.Strategies) > 0:
		return res.Strategies, nil
	case err != nil && !agent.IsModelOutput(err):
		return nil, err
	}
	return []string{""}, nil
}

// judge scores a run node and says whether to accept it. The value is
// the released code's: the visible pass fraction, plus the Critic's score
// over 15, plus 5/15 when every visible test passes.
func (c CodeTree) judge(ctx context.Context, p Problem, n *Node) (bool, error) {
	if n.Code == "" {
		return false, nil
	}
	fb := n.Feedback
	if !c.critic() {
		return fb.AllPassed(), nil
	}
	feedback := fb.Format(c.Env.feedbackMax())
	if fb.AllPassed() {
		n.Score += 5.0 / 15
		v, err := agent.Critic{C: c.Env.Model}.Verify(ctx, agent.VerifyRequest{
			ProblemID: p.ID, Lang: p.Lang, Problem: p.Prompt, Code: c.Env.coder().Show(n.Code), Feedback: feedback,
		})
		if err != nil && !agent.IsModelOutput(err) {
			return false, err
		}
		n.Verified = boolPtr(err == nil && v.OK)
		return err == nil && v.OK, nil
	}
	s, err := agent.Critic{C: c.Env.Model}.Score(ctx, agent.ScoreRequest{
		ProblemID: p.ID, Lang: p.Lang, Problem: p.Prompt, Code: c.Env.coder().Show(n.Code), Feedback: feedback,
	})
	if err != nil && !agent.IsModelOutput(err) {
		return false, err
	}
	if err == nil {
		n.CriticScore = &s.Score
		n.Score += float64(s.Score) / 15
	}
	return false, nil
}

func boolPtr(b bool) *bool { return &b }

// next takes the node to expand from open.
func (c CodeTree) next(open []*Node) (*Node, []*Node) {
	i := 0
	switch c.Order {
	case DepthFirst:
		i = len(open) - 1
	case BestFirst:
		for j, n := range open {
			if n.Score > open[i].Score {
				i = j
			}
		}
	}
	n := open[i]
	return n, append(open[:i:i], open[i+1:]...)
}

// refine asks for reflections on n and implements each as a child. A
// child that does worse than n is aborted (not expanded further); an
// accepted child ends the search.
func (c CodeTree) refine(ctx context.Context, r *recorder, p Problem, n *Node) ([]*Node, *Node, error) {
	feedback := n.Feedback.Format(c.Env.feedbackMax())
	refl, err := agent.Thinker{C: c.Env.Model}.Reflections(ctx, agent.ReflectionsRequest{
		ProblemID: p.ID, Lang: p.Lang, Problem: p.Prompt, Strategy: n.Strategy,
		Code: c.Env.coder().Show(n.Code), Feedback: feedback, Max: c.width(),
	})
	reflections := refl.Reflections
	switch {
	case err != nil && !agent.IsModelOutput(err):
		return nil, nil, err
	case len(reflections) == 0:
		reflections = []string{""}
	}
	cands := make([]candidate, len(reflections))
	for i, rf := range reflections {
		cands[i] = candidate{
			node: &Node{Parent: n.ID, Depth: n.Depth + 1, Role: string(agent.RoleDebugger), Strategy: n.Strategy, Reflection: rf},
			call: func(ctx context.Context, sample int) (agent.CodeResult, error) {
				return c.Env.coder().Repair(ctx, p, n.Code, feedback, rf, sample)
			},
		}
	}
	nodes, accepted, err := c.expand(ctx, r, p, cands)
	if err != nil || accepted != nil {
		return nil, accepted, err
	}
	var children []*Node
	for _, child := range nodes {
		if child.Code != "" && child.Score >= n.Score {
			children = append(children, child)
		} else if child.Code != "" {
			child.Aborted = true
		}
	}
	return children, nil, nil
}
