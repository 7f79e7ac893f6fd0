package main

import (
	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/treesearch"
)

// searchFlags are the flags that choose and shape a search, shared by
// bench, solve and fix; width is the codetree strategies' default width
// for the command (0: the released code's, see treesearch.DefaultShape).
func searchFlags(width int) []cli.Flag {
	widthUsage := "codetree strategies: at most this many strategies, and reflections per node (default: 10 for codetree, 3 for -bfs and -dfs, as the released code)"
	if width > 0 {
		widthUsage = "codetree strategies: at most this many strategies, and reflections per node"
	}
	return []cli.Flag{
		&cli.StringFlag{Name: "strategy", Value: "codetree", Usage: treesearch.StrategyNames()},
		&cli.IntFlag{Name: "width", Value: width, Usage: widthUsage},
		&cli.IntFlag{Name: "depth", Usage: "codetree strategies: levels of the tree, the Solver's included (default: 3 for codetree, 4 for -bfs and -dfs, as the released code)"},
		&cli.StringFlag{Name: "temperatures", Usage: "sampling temperature by role, as thinker=0,solver=1.0,debugger=0.8,critic=0 (default: the strategy's, as the released code: resample's Solver 1.0, reflexion 0.8, the rest 0; --temperature sets every role)"},
		parallelFlag(),
	}
}

// parallelFlag is CodeTree's Parallel.
func parallelFlag() cli.Flag {
	return &cli.BoolFlag{Name: "parallel", Usage: "codetree strategies: ask for a node's children all at once (less wall time with a slow model, more generations spent)"}
}

// temperaturesFrom are the roles' temperatures: the strategy's defaults,
// then --temperature for every role if set, then --temperatures.
func temperaturesFrom(c *cli.Context, cfg agent.Config) (treesearch.Temperatures, error) {
	t := treesearch.DefaultTemperatures(c.String("strategy"))
	if c.IsSet("temperature") {
		t.SetAll(cfg.Temperature)
	}
	t, err := treesearch.ParseTemperatures(t, c.String("temperatures"))
	if err != nil {
		return nil, usageErrorf("--temperatures: %v", err)
	}
	return t, nil
}

// searchOptions are the search flags, parsed: which strategy, its shape
// and the roles' temperatures.
type searchOptions struct {
	Strategy     string
	Shape        treesearch.StrategyOptions
	Temperatures treesearch.Temperatures
}

// searchOptionsFrom reads the search flags; cfg is the model flags' (for
// --temperature).
func searchOptionsFrom(c *cli.Context, cfg agent.Config) (searchOptions, error) {
	temps, err := temperaturesFrom(c, cfg)
	if err != nil {
		return searchOptions{}, err
	}
	o := searchOptions{Strategy: c.String("strategy"), Temperatures: temps,
		Shape: treesearch.StrategyOptions{Width: c.Int("width"), Depth: c.Int("depth"), Parallel: c.Bool("parallel")}}
	for _, name := range []string{"width", "depth"} {
		if c.Int(name) < 0 || c.IsSet(name) && c.Int(name) == 0 {
			return o, usageErrorf("--%s %d: want at least 1", name, c.Int(name))
		}
	}
	if !c.IsSet("width") && !isShaped(o.Strategy) {
		o.Shape.Width = 0 // a command's default width shapes only the tree searches
	}
	if _, err := o.strategy(treesearch.Env{}); err != nil {
		return o, err
	}
	return o, nil
}

// strategy makes the strategy for env, with the options' temperatures.
func (o searchOptions) strategy(env treesearch.Env) (treesearch.Strategy, error) {
	env.Temperatures = o.Temperatures
	s, err := treesearch.NewStrategy(o.Strategy, env, o.Shape)
	if err != nil {
		return nil, usageErrorf("--strategy: %v", err)
	}
	return s, nil
}

func isShaped(name string) bool {
	for _, s := range treesearch.Strategies() {
		if s.Name == name {
			return s.Shaped
		}
	}
	return false
}

// widthOf is a strategy's width (1 for those without one).
func widthOf(s treesearch.Strategy) int {
	if t, ok := s.(treesearch.CodeTree); ok {
		w, _ := t.Shape()
		return w
	}
	return 1
}
