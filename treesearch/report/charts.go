package report

import (
	"fmt"
	"html/template"
	"slices"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/internal/htmlreport"
	"github.com/codetree/codetree/internal/svgchart"
)

// anytimeSeries is a curve as a chart series, a point per generation.
func anytimeSeries(name string, curve []int, attempted int) svgchart.Series {
	s := svgchart.Series{Name: name}
	for g, n := range curve {
		note := fmt.Sprintf("%s: %s of %d solved within %s", name, htmlreport.Count(n), attempted, htmlreport.Plural(g, "generation"))
		s.Points = append(s.Points, svgchart.Point{X: float64(g), Y: float64(n), Note: note})
	}
	return s
}

// anytimeChart is one run's curve: solved (and plus) against
// generations, and the oracle (some candidate passed) when known.
func anytimeChart(a Anytime, oracle []int, attempted int) template.HTML {
	series := []svgchart.Series{anytimeSeries("hidden tests", a.Solved, attempted)}
	if a.Plus != nil {
		plus := anytimeSeries("plus tests", a.Plus, attempted)
		plus.Dashed = true
		series = append(series, plus)
	}
	if oracle != nil {
		o := anytimeSeries("any candidate (oracle)", oracle, attempted)
		o.Dashed = true
		series = append(series, o)
	}
	return svgchart.LineChart{ID: "anytime", Title: "Problems solved against generations spent",
		XLabel: "generations spent per problem", YLabel: "problems solved", Series: series, Step: true,
		XInteger: true, YInteger: true, YMax: float64(attempted), YFormat: countFormat}.SVG()
}

func countFormat(v float64) string { return htmlreport.Count(int(v)) }

// roles orders the roles of accounts: the four CodeTree roles, then the
// others by name.
func roles(a agent.Accounts) []agent.Role {
	known := []agent.Role{agent.RoleThinker, agent.RoleSolver, agent.RoleDebugger, agent.RoleCritic}
	var out, rest []agent.Role
	for _, r := range known {
		if _, ok := a.ByRole[r]; ok {
			out = append(out, r)
		}
	}
	for r := range a.ByRole {
		if !slices.Contains(known, r) {
			rest = append(rest, r)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// rolesChart is tokens by role, prompt and completion stacked, each row
// labelled with its total, cost and calls.
func rolesChart(a agent.Accounts) template.HTML {
	bc := svgchart.BarChart{ID: "roles", Title: "Tokens and cost by role", Stacked: true, Labels: true, Integer: true,
		ValueLabel: "tokens", Format: countFormat,
		Series: []svgchart.BarSeries{{Name: "prompt tokens"}, {Name: "completion tokens"}}}
	priced := a.Total.Cost > 0 || a.Total.UnpricedCalls == 0
	for _, r := range roles(a) {
		t := a.ByRole[r]
		bc.Categories = append(bc.Categories, string(r))
		bc.Series[0].Values = append(bc.Series[0].Values, float64(t.PromptTokens))
		bc.Series[1].Values = append(bc.Series[1].Values, float64(t.CompletionTokens))
		label := htmlreport.Plural(t.Tokens(), "token")
		if priced {
			label += " · " + htmlreport.USD(t.Cost)
		}
		label += " · " + htmlreport.Plural(t.Calls, "call")
		bc.RowLabels = append(bc.RowLabels, label)
		for i, s := range bc.Series {
			bc.Series[i].Notes = append(bc.Series[i].Notes, fmt.Sprintf("%s: %s %s (%s in all)", r, htmlreport.Count(int(s.Values[len(s.Values)-1])), s.Name, label))
		}
	}
	return bc.SVG()
}

// generationsChart is the number of problems by the generations they
// spent, solved and not solved stacked.
func generationsChart(problems []Problem, budget int) template.HTML {
	top := budget
	for _, p := range problems {
		if p.Result != nil {
			top = max(top, p.Result.Generations)
		}
	}
	bc := svgchart.BarChart{ID: "generations", Title: "Generations spent per problem", Vertical: true, Stacked: true,
		Integer: true, ValueLabel: "problems", CategoryLabel: "generations spent", Format: countFormat,
		Series: []svgchart.BarSeries{{Name: "solved", Values: make([]float64, top), Colour: "#009E73"},
			{Name: "not solved", Values: make([]float64, top), Colour: "#D55E00"}}}
	for g := 1; g <= top; g++ {
		bc.Categories = append(bc.Categories, fmt.Sprint(g))
	}
	for _, p := range problems {
		if p.Result == nil || p.Result.Generations < 1 {
			continue
		}
		i := 1
		if p.Solved() {
			i = 0
		}
		bc.Series[i].Values[p.Result.Generations-1]++
	}
	for i := range bc.Series {
		for g, v := range bc.Series[i].Values {
			bc.Series[i].Notes = append(bc.Series[i].Notes,
				fmt.Sprintf("%s %s after %s", htmlreport.Plural(int(v), "problem"), bc.Series[i].Name, htmlreport.Plural(g+1, "generation")))
		}
	}
	return bc.SVG()
}
