package treesearch

import (
	"context"
	"slices"

	"github.com/codetree/codetree/agent"
)

// Order says how CodeTree picks the next node to expand.
type Order int

const (
	// BestFirst expands the highest-valued open node, the earliest on
	// ties, and has the Critic score, verify and abort (codetree).
	BestFirst Order = iota
	// BreadthFirst expands the strategies' candidates by value, then each
	// node's children by value after them, without the Critic: the
	// released bfs.py (codetree-bfs).
	BreadthFirst
	// DepthFirst expands the highest-valued candidate, then its children
	// by value before anything else, without the Critic: the released
	// dfs_real.py (codetree-dfs).
	DepthFirst
)

// CodeTree is the search of arXiv 2411.04329: the Thinker proposes
// strategies, the Solver implements each, every candidate runs against the
// visible tests, and the Critic scores the results; a node is refined into
// children (the Thinker's reflections, implemented by the Debugger),
// aborted when it does worse than its parent, or accepted when it passes
// every visible test and the Critic verifies it. The Critic's analysis of
// a node (why it rejected it, what its score rests on) goes into its
// children's prompts. Without the Critic (BreadthFirst, DepthFirst) a node
// is accepted when it passes the visible tests, and none is aborted.
//
// A duplicate (code already run in this search) costs its generation but
// is not run, judged or expanded again.
type CodeTree struct {
	Env   Env
	Order Order
	// Width caps the strategies and the reflections per node: the Thinker
	// is asked for at most Width. Depth is the number of levels of the
	// tree, the Solver's included: 3 is a Solver's candidate and two
	// levels of repairs. Zero means the Order's defaults (DefaultShape).
	Width, Depth int
	// Parallel asks for a node's children (and the strategies' first
	// candidates) all at once instead of one after the other: less wall
	// time with a slow model, more generations spent (see expand).
	Parallel bool
}

var _ Strategy = (*CodeTree)(nil)

// DefaultShape is the released code's width and depth for an order: the
// CodeTree agent takes up to 10 strategies or reflections a node, three
// levels deep (llm_agent_guide.py); bfs.py and dfs_real.py take 3 and
// refine down to depth 3 counted from 0, four levels.
func DefaultShape(o Order) (width, depth int) {
	if o == BestFirst {
		return 10, 3
	}
	return 3, 4
}

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

// Shape is the width and depth the search uses, defaults filled in.
func (c CodeTree) Shape() (width, depth int) {
	width, depth = DefaultShape(c.Order)
	if c.Width > 0 {
		width = c.Width
	}
	if c.Depth > 0 {
		depth = c.Depth
	}
	return width, depth
}

func (c CodeTree) width() int { w, _ := c.Shape(); return w }

func (c CodeTree) depth() int { _, d := c.Shape(); return d }

func (c CodeTree) critic() bool { return c.Order == BestFirst }

// Search solves p with up to the budget's generations.
func (c CodeTree) Search(ctx context.Context, p Problem) (*Tree, error) {
	r := NewRecorder(c.Env, p, c.Name())
	err := c.search(ctx, r, p)
	r.Choose()
	return r.Tree(), err
}

func (c CodeTree) search(ctx context.Context, r *Recorder, p Problem) error {
	strategies, err := c.strategies(ctx, p)
	if err != nil {
		return err
	}
	cands := make([]candidate, len(strategies))
	for i, s := range strategies {
		cands[i] = candidate{
			node: &Node{Parent: -1, Role: string(agent.RoleSolver), Strategy: s},
			call: func(ctx context.Context, sample int) (agent.CodeResult, error) {
				return c.Env.CandidateCoder().Solve(ctx, p, s, sample)
			},
		}
	}
	roots, err := c.expand(ctx, r, p, cands)
	if err != nil || r.Tree().Accepted != "" {
		return err
	}
	open := c.keep(&Node{ID: -1}, roots)
	if !c.critic() {
		sortByValue(open)
	}
	for len(open) > 0 && r.Left() > 0 {
		var n *Node
		n, open = c.next(open)
		if n.Depth+1 >= c.depth() {
			continue
		}
		children, err := c.refine(ctx, r, p, n)
		if err != nil || r.Tree().Accepted != "" {
			return err
		}
		open = c.push(open, children)
	}
	return nil
}

// strategies asks the Thinker for up to Width strategies, unless the Env
// gives them; a reply without a list still lets the search go on, with
// the Solver unguided.
func (c CodeTree) strategies(ctx context.Context, p Problem) ([]string, error) {
	if len(c.Env.Strategies) > 0 {
		return c.Env.Strategies[:min(len(c.Env.Strategies), c.width())], nil
	}
	res, err := agent.Thinker{C: c.Env.TemperedModel()}.Strategies(ctx, agent.StrategiesRequest{
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

// judge values a node that was run and says whether to accept it. The
// value is the released code's: the visible pass fraction, plus the
// Critic's score over 15, plus 5/15 when every visible test passes. The
// Critic's analysis is kept as the node's Review: the reason it rejected
// a candidate that passes the visible tests, or what its score rests on.
func (c CodeTree) judge(ctx context.Context, p Problem, n *Node) (bool, error) {
	if n.Code == "" || n.Duplicate {
		return false, nil
	}
	fb := n.Feedback
	if !c.critic() {
		return fb.Passes(), nil
	}
	critic := agent.Critic{C: c.Env.TemperedModel()}
	feedback := fb.Format(c.Env.feedbackMax())
	code := c.Env.CandidateCoder().Show(n.Code)
	if fb.Passes() {
		n.Score += 5.0 / 15
		v, err := critic.Verify(ctx, agent.VerifyRequest{
			ProblemID: p.ID, Lang: p.Lang, Problem: p.Prompt, Code: code, Feedback: feedback,
		})
		if err != nil && !agent.IsModelOutput(err) {
			return false, err
		}
		ok := err == nil && v.OK
		n.Verified = &ok
		if !ok {
			n.Review = v.Analysis
		}
		return ok, nil
	}
	s, err := critic.Score(ctx, agent.ScoreRequest{
		ProblemID: p.ID, Lang: p.Lang, Problem: p.Prompt, Code: code, Feedback: feedback,
	})
	if err != nil && !agent.IsModelOutput(err) {
		return false, err
	}
	if err == nil {
		n.CriticScore = &s.Score
		n.Score += float64(s.Score) / 15
		n.Review = s.Analysis
	}
	return false, nil
}

// keep returns the nodes that may be expanded: those with code that are
// not duplicates and, with the Critic, not aborted. The Critic aborts a
// node valued below its parent, or equal to it with a score below the
// node's level (the released eval_node's rule); the root's parent values 0.
func (c CodeTree) keep(parent *Node, nodes []*Node) []*Node {
	var out []*Node
	for _, n := range nodes {
		if n.Code == "" || n.Duplicate {
			continue
		}
		if c.critic() {
			parentScore := 0.0
			if parent.ID >= 0 {
				parentScore = parent.Score
			}
			equalButWeak := n.Score == parentScore && n.CriticScore != nil && n.Depth+1 > *n.CriticScore
			if n.Score < parentScore || equalButWeak {
				n.Aborted = true
				continue
			}
		}
		out = append(out, n)
	}
	return out
}

// sortByValue orders nodes by value, highest first, keeping their order
// on ties.
func sortByValue(nodes []*Node) {
	slices.SortStableFunc(nodes, func(a, b *Node) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
}

// next takes the node to expand from open: the highest-valued, earliest
// on ties, with the Critic; else the first (open is kept in order by push).
func (c CodeTree) next(open []*Node) (*Node, []*Node) {
	i := 0
	if c.critic() {
		for j, n := range open {
			if n.Score > open[i].Score {
				i = j
			}
		}
	}
	n := open[i]
	return n, append(open[:i:i], open[i+1:]...)
}

// push adds a node's children to open: after the others breadth-first,
// before them depth-first, by value in both (bfs.py, dfs_real.py); in
// order with the Critic, which picks by value itself.
func (c CodeTree) push(open, children []*Node) []*Node {
	if c.critic() {
		return append(open, children...)
	}
	sortByValue(children)
	if c.Order == DepthFirst {
		return append(children, open...)
	}
	return append(open, children...)
}

// refine asks for reflections on n and implements each as a child; an
// accepted child ends the search (r.Tree().Accepted is set). It returns the
// children that may be expanded.
func (c CodeTree) refine(ctx context.Context, r *Recorder, p Problem, n *Node) ([]*Node, error) {
	feedback := c.feedbackFor(n)
	refl, err := agent.Thinker{C: c.Env.TemperedModel()}.Reflections(ctx, agent.ReflectionsRequest{
		ProblemID: p.ID, Lang: p.Lang, Problem: p.Prompt, Strategy: n.Strategy,
		Code: c.Env.CandidateCoder().Show(n.Code), Feedback: feedback, Max: c.width(),
	})
	reflections := refl.Reflections
	switch {
	case err != nil && !agent.IsModelOutput(err):
		return nil, err
	case len(reflections) == 0:
		reflections = []string{""}
	}
	cands := make([]candidate, len(reflections))
	for i, rf := range reflections {
		cands[i] = candidate{
			node: &Node{Parent: n.ID, Depth: n.Depth + 1, Role: string(agent.RoleDebugger), Strategy: n.Strategy, Reflection: rf},
			call: func(ctx context.Context, sample int) (agent.CodeResult, error) {
				return c.Env.CandidateCoder().Repair(ctx, p, n.Code, feedback, rf, sample)
			},
		}
	}
	children, err := c.expand(ctx, r, p, cands)
	if err != nil || r.Tree().Accepted != "" {
		return nil, err
	}
	return c.keep(n, children), nil
}

// reviewMax caps the Critic's analysis in a repair prompt, in bytes.
const reviewMax = 1500

// feedbackFor is what the Thinker and the Debugger are told of n: its
// test feedback and, when the Critic rejected it or scored it, the
// Critic's analysis (the released code's "[additional review]").
func (c CodeTree) feedbackFor(n *Node) string {
	fb := n.Feedback.Format(c.Env.feedbackMax())
	if n.Review == "" {
		return fb
	}
	review := n.Review
	if len(review) > reviewMax {
		review = cutBytes(review, reviewMax) + "\n[...]"
	}
	head := "A reviewer scored this run and explained:"
	if n.Verified != nil {
		head = "The code passes the visible tests, but a reviewer rejected it:"
	}
	return fb + "\n" + head + "\n" + review + "\n"
}
