package report

import "github.com/codetree/codetree/treesearch"

// Anytime is a run's anytime curve: Solved[g] is the number of problems
// solved within g generations, for g from 0 to the budget, counting a
// problem solved from the generation at which its chosen candidate
// appeared (its node ID plus one). Plus is the same for the plus tests,
// nil when no result has a plus verdict.
type Anytime struct {
	Solved, Plus []int
}

// NewAnytime computes the curve of results up to budget generations
// (more if a problem spent more).
func NewAnytime(results map[string]treesearch.TaskResult, budget int) Anytime {
	for _, r := range results {
		budget = max(budget, r.Generations, r.Chosen+1)
	}
	a := Anytime{Solved: make([]int, budget+1)}
	for _, r := range results {
		if r.PlusPassed != nil && a.Plus == nil {
			a.Plus = make([]int, budget+1)
		}
	}
	for _, r := range results {
		if r.Chosen < 0 {
			continue
		}
		if r.Passed {
			addFrom(a.Solved, r.Chosen+1)
		}
		if r.PlusPassed != nil && *r.PlusPassed {
			addFrom(a.Plus, r.Chosen+1)
		}
	}
	return a
}

// oracleCurve is, for g from 0 to the length of solved less one, the
// problems where some candidate among the first g generations passed the
// hidden tests; nil when no tree has its candidates scored.
func oracleCurve(problems []Problem, length int) []int {
	var curve []int
	for _, p := range problems {
		if p.Result == nil || p.Result.AnyPassed == nil || p.Tree == nil {
			continue
		}
		if curve == nil {
			curve = make([]int, length)
		}
		for _, n := range p.Tree.Nodes {
			if n.Hidden != nil && *n.Hidden {
				addFrom(curve, n.ID+1)
				break
			}
		}
	}
	return curve
}

// addFrom counts one more from index g on.
func addFrom(curve []int, g int) {
	for i := g; i < len(curve); i++ {
		curve[i]++
	}
}
