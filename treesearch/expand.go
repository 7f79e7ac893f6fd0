package treesearch

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/codetree/codetree/agent"
)

// candidate is one generation CodeTree is about to ask for: the node it
// will fill and the Coder call that writes it, given its sample index.
type candidate struct {
	node *Node
	call func(ctx context.Context, sample int) (agent.CodeResult, error)
}

// expand asks for the candidates' code within the budget, runs and judges
// each, and returns the nodes recorded; an accepted one becomes the
// tree's answer (r.Tree().Accepted is set).
//
// One after the other (the default, the paper's order), it stops at the
// first accepted candidate. With Parallel, the model calls of all the
// candidates the budget allows go out at once, then their Critic calls;
// the nodes are recorded in the candidates' order and the accepted one is
// the first in that order, so the tree does not depend on which reply
// came first. Parallel trades generations for wall time: the candidates
// after an accepted one were asked for too.
func (c CodeTree) expand(ctx context.Context, r *Recorder, p Problem, cands []candidate) ([]*Node, error) {
	if !c.Parallel {
		var nodes []*Node
		for _, cand := range cands {
			if r.Left() <= 0 {
				break
			}
			res, gerr := cand.call(ctx, r.Tree().Generations)
			n, err := r.Add(ctx, cand.node, res, gerr)
			if err != nil {
				return nodes, err
			}
			nodes = append(nodes, n)
			ok, err := c.judge(ctx, p, n)
			if err != nil {
				return nodes, err
			}
			if ok {
				r.Accept(n, c.acceptedBy())
				return nodes, nil
			}
		}
		return nodes, nil
	}

	k := min(len(cands), r.Left())
	if k <= 0 {
		return nil, nil
	}
	base := r.Tree().Generations
	results := make([]agent.CodeResult, k)
	errs := make([]error, k)
	var g errgroup.Group
	for i := range k {
		g.Go(func() error {
			results[i], errs[i] = cands[i].call(ctx, base+i)
			return nil
		})
	}
	_ = g.Wait()
	nodes := make([]*Node, 0, k)
	for i := range k {
		n, err := r.Add(ctx, cands[i].node, results[i], errs[i])
		if err != nil {
			return nodes, err
		}
		nodes = append(nodes, n)
	}
	oks := make([]bool, k)
	var jg errgroup.Group
	for i, n := range nodes {
		jg.Go(func() error {
			var err error
			oks[i], err = c.judge(ctx, p, n)
			return err
		})
	}
	if err := jg.Wait(); err != nil {
		return nodes, err
	}
	for i, n := range nodes {
		if oks[i] {
			r.Accept(n, c.acceptedBy())
			return nodes, nil
		}
	}
	return nodes, nil
}

// acceptedBy is how this search accepts: by the Critic's verification,
// or by the visible tests alone without it.
func (c CodeTree) acceptedBy() string {
	if c.critic() {
		return AcceptedByCritic
	}
	return AcceptedByTests
}
