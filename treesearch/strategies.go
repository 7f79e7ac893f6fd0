package treesearch

import (
	"fmt"
	"strings"
)

// StrategyOptions are the settings a strategy may take besides its Env.
// Zero values mean the strategy's defaults.
type StrategyOptions struct {
	// Width and Depth shape the CodeTree searches (see CodeTree).
	Width, Depth int
	// Parallel asks for a node's children at once (CodeTree.Parallel).
	Parallel bool
}

// StrategySpec names a strategy and says how to make it.
type StrategySpec struct {
	Name string
	// About is one line for usage texts and the README.
	About string
	// Shaped is true for the strategies that take Width and Depth.
	Shaped bool
	New    func(Env, StrategyOptions) Strategy
}

// Strategies is the table of search strategies, in the order usage texts
// list them.
func Strategies() []StrategySpec {
	tree := func(o Order) func(Env, StrategyOptions) Strategy {
		return func(e Env, opts StrategyOptions) Strategy {
			return CodeTree{Env: e, Order: o, Width: opts.Width, Depth: opts.Depth, Parallel: opts.Parallel}
		}
	}
	return []StrategySpec{
		{Name: "direct", About: "one Solver candidate", New: func(e Env, _ StrategyOptions) Strategy { return Direct{Env: e} }},
		{Name: "resample", About: "independent Solver samples (temperature 1.0) until one passes the visible tests",
			New: func(e Env, _ StrategyOptions) Strategy { return Resample{Env: e} }},
		{Name: "reflexion", About: "one line of reflections and repairs (temperature 0.8)",
			New: func(e Env, _ StrategyOptions) Strategy { return Reflexion{Env: e} }},
		{Name: "codetree", About: "Thinker strategies, Critic scoring, verification and aborts, best-first", Shaped: true, New: tree(BestFirst)},
		{Name: "codetree-bfs", About: "the tree breadth-first by visible pass rate, no Critic (bfs.py)", Shaped: true, New: tree(BreadthFirst)},
		{Name: "codetree-dfs", About: "the tree depth-first, best child first, no Critic (dfs_real.py)", Shaped: true, New: tree(DepthFirst)},
	}
}

// StrategyNames lists the strategies' names, as "a, b or c".
func StrategyNames() string {
	var names []string
	for _, s := range Strategies() {
		names = append(names, s.Name)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// NewStrategy makes the named strategy. The Env's Temperatures, when nil,
// are the strategy's defaults (DefaultTemperatures).
func NewStrategy(name string, env Env, opts StrategyOptions) (Strategy, error) {
	for _, s := range Strategies() {
		if s.Name != name {
			continue
		}
		if !s.Shaped && (opts.Width > 0 || opts.Depth > 0) {
			return nil, fmt.Errorf("strategy %s has no width or depth: they shape the codetree strategies", name)
		}
		if env.Temperatures == nil {
			env.Temperatures = DefaultTemperatures(name)
		}
		return s.New(env, opts), nil
	}
	return nil, fmt.Errorf("unknown strategy %q: use %s", name, StrategyNames())
}
