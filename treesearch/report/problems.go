package report

import (
	"html/template"

	"github.com/codetree/codetree/internal/htmlreport"
	"github.com/codetree/codetree/treesearch"
)

// Problem filters of the run page: an id, its label, and the class a
// problem needs to stay shown.
var filters = []struct{ ID, Label, Class string }{
	{"all", "all", ""},
	{"solved", "solved", "solved"},
	{"failed", "failed", "failed"},
	{"verified", "accepted by verification", "verified"},
	{"errored", "errored", "errored"},
}

// problemsView is the problems section's data.
type problemsView struct {
	Filters  []filterView
	Problems []problemView
	Legend   template.HTML
}

type filterView struct {
	ID, Label, Class string
	Count            int
}

type problemView struct {
	Problem
	Anchor  string
	Classes string
	Graph   template.HTML
	Caption string
}

func newProblemsView(problems []Problem) problemsView {
	v := problemsView{Legend: treeLegend()}
	counts := map[string]int{"": len(problems)}
	for _, p := range problems {
		pv := problemView{Problem: p, Anchor: htmlreport.Anchor(p.ID)}
		var classes []string
		switch {
		case p.Result == nil:
			classes = append(classes, "errored")
		case p.Result.Passed:
			classes = append(classes, "solved")
		default:
			classes = append(classes, "failed")
		}
		if p.Result != nil && p.Result.Accepted == treesearch.AcceptedByCritic {
			classes = append(classes, "verified")
		}
		for _, c := range classes {
			counts[c]++
			pv.Classes += " " + c
		}
		if p.Tree != nil && len(p.Tree.Nodes) > 0 {
			var hidden *bool
			if p.Result != nil {
				hidden = &p.Result.Passed
			}
			pv.Graph = treeSVG(p.Tree, pv.Anchor, hidden)
			pv.Caption = chosenCaption(p.Tree, hidden)
		}
		v.Problems = append(v.Problems, pv)
	}
	for _, f := range filters {
		v.Filters = append(v.Filters, filterView{ID: f.ID, Label: f.Label, Class: f.Class, Count: counts[f.Class]})
	}
	return v
}

// filterCSS hides, while a filter's radio button is checked, the
// problems without its class: filtering without a script. The buttons
// must be siblings before the .problems list.
func filterCSS(fs []filterView) template.CSS {
	css := ""
	for _, f := range fs {
		if f.Class != "" {
			css += "#show-" + f.ID + ":checked~.problems .problem:not(." + f.Class + "){display:none}\n"
		}
	}
	return template.CSS(css) //nolint:gosec // our constant ids and classes
}

var problemsSection = template.Must(template.New("problems").Funcs(template.FuncMap{
	"deref":    func(b *bool) bool { return b != nil && *b },
	"plural":   htmlreport.Plural,
	"count":    htmlreport.Count,
	"duration": htmlreport.Duration,
	"usd":      htmlreport.USD,
	"css":      filterCSS,
	"nodeID":   nodeAnchor,
	"verdict":  visibleVerdict,
	"tokens": func(r *treesearch.TaskResult) int {
		n := 0
		for _, t := range r.Accounts {
			n += t.Tokens()
		}
		return n
	},
	"children": func(t *treesearch.Tree, parent int) []*treesearch.Node {
		var out []*treesearch.Node
		for _, n := range t.Nodes {
			if n.Parent == parent || parent == -1 && (n.Parent < 0 || n.Parent >= len(t.Nodes)) {
				out = append(out, n)
			}
		}
		return out
	},
	"dict": func(t *treesearch.Tree, parent int, anchor string) map[string]any {
		return map[string]any{"t": t, "p": parent, "a": anchor}
	},
}).Parse(`<h2 id="problems">Problems</h2>
<style>{{css .Filters}}</style>
<div class="problems-section">
Show: {{range $i, $f := .Filters}}<input type="radio" name="show" id="show-{{$f.ID}}"{{if not $i}} checked{{end}}><label for="show-{{$f.ID}}">{{$f.Label}} ({{count $f.Count}})</label> {{end}}
{{.Legend}}
<div class="problems">
{{range .Problems}}<details class="problem{{.Classes}}" id="{{.Anchor}}"><summary><b>{{.ID}}</b>
{{if .Result}}{{if .Result.Passed}}<span class="badge pass">pass</span>{{else}}<span class="badge fail">fail</span> <span class="fail">{{.Result.Result}}</span>{{end}}
· {{plural .Result.Generations "generation"}}{{if .Result.Accepted}} · accepted by {{.Result.Accepted}}{{end}}{{if .Result.Accounts}} · {{plural (tokens .Result) "token"}}{{end}}
{{else}}<span class="badge err">error</span> <span class="err">{{.Error.Class}}: {{.Error.Error}}</span>{{end}}</summary>
{{if .Graph}}<div class="tree">{{.Graph}}<p class="legend-line">{{.Caption}}</p></div>{{end}}
{{if .Tree}}{{$t := .Tree}}{{template "nodes" (dict $t -1 .Anchor)}}{{else}}<p class="muted">No search tree was recorded.</p>{{end}}
</details>
{{end}}</div></div>
{{define "nodes"}}{{$t := index . "t"}}{{$a := index . "a"}}{{range children $t (index . "p")}}<details id="{{nodeID $a .ID}}"><summary>node {{.ID}} · {{.Role}} · {{verdict .}}{{if .Feedback}}{{if .Feedback.Total}} {{.Feedback.Passed}}/{{.Feedback.Total}}{{end}}{{end}} · score {{printf "%.2f" .Score}}{{if .Verified}}{{if deref .Verified}} · verified{{else}} · rejected by the Critic{{end}}{{end}}{{if .Aborted}} · aborted{{end}}{{if eq .ID $t.Chosen}} · <b>chosen</b>{{if $t.Accepted}} (accepted by {{$t.Accepted}}){{end}}{{end}} · {{plural .Tokens "token"}}{{if .Cost}} · {{usd .Cost}}{{end}} · model {{duration .ModelTime}}{{if .Duration}} · tests {{duration .Duration}}{{end}}</summary>
{{if .Strategy}}<p><i>strategy:</i> {{.Strategy}}</p>{{end}}{{if .Reflection}}<p><i>reflection:</i> {{.Reflection}}</p>{{end}}
{{if .ModelError}}<p class="fail">{{.ModelError}}</p>{{end}}
{{if .Code}}<pre>{{.Code}}</pre>{{end}}
{{if .Feedback}}<pre>{{.Feedback.Format 4000}}</pre>{{end}}
{{if .Review}}<p><i>Critic:</i></p><pre>{{.Review}}</pre>{{end}}
{{template "nodes" (dict $t .ID $a)}}</details>{{end}}{{end}}`))
