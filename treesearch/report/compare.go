package report

import (
	"fmt"
	"html/template"
	"maps"
	"slices"
	"strings"

	"github.com/codetree/codetree/internal/htmlreport"
	"github.com/codetree/codetree/internal/svgchart"
	"github.com/codetree/codetree/treesearch"
)

// Compared is one run of a comparison.
type Compared struct {
	Name      string
	Simulated bool
	Budget    int
	Results   map[string]treesearch.TaskResult
	// PassAt1 and PlusPassAt1 are the run's summary's (PlusPassAt1 nil
	// without plus tests).
	PassAt1     float64
	PlusPassAt1 *float64
}

// Comparison is the page of runs side by side.
type Comparison struct {
	Runs []Compared
	// Table is the summary table: a row per fact, its label then a cell
	// per run. Notes are paragraphs below it (what two runs solved
	// differently).
	Table [][]string
	Notes []string
}

// WriteComparison writes the comparison page into file.
func WriteComparison(file string, c Comparison) error {
	return c.page().WriteFile(file)
}

func (c Comparison) page() htmlreport.Page {
	names := make([]string, len(c.Runs))
	simulated := false
	for i, r := range c.Runs {
		names[i] = r.Name
		simulated = simulated || r.Simulated
	}
	var body strings.Builder
	body.WriteString(`<h2 id="charts">Charts</h2><div class="charts">`)
	body.WriteString(string(c.anytimeChart()))
	body.WriteString(string(c.passChart()))
	body.WriteString(`</div>`)
	if err := comparisonBody.Execute(&body, map[string]any{"Names": names, "Table": c.Table, "Notes": c.Notes,
		"Matrix": c.matrix()}); err != nil {
		panic(fmt.Sprintf("report: render comparison: %v", err))
	}
	return htmlreport.Page{Title: "Runs compared: " + strings.Join(names, " vs "), Simulated: simulated,
		Body: template.HTML(body.String())} //nolint:gosec // charts and template output, escaped
}

// anytimeChart draws every run's curve as the share of its problems
// solved, so that runs of different sizes compare.
func (c Comparison) anytimeChart() template.HTML {
	lc := svgchart.LineChart{ID: "anytime", Title: "Share solved against generations spent", Step: true, XInteger: true,
		XLabel: "generations spent per problem", YLabel: "problems solved", YMax: 1, YFormat: htmlreport.Percent}
	for _, r := range c.Runs {
		a := NewAnytime(r.Results, r.Budget)
		s := svgchart.Series{Name: r.Name}
		n := len(r.Results)
		for g, solved := range a.Solved {
			rate := 0.0
			if n > 0 {
				rate = float64(solved) / float64(n)
			}
			s.Points = append(s.Points, svgchart.Point{X: float64(g), Y: rate,
				Note: fmt.Sprintf("%s: %s of %d solved (%s) within %s", r.Name, htmlreport.Count(solved), n, htmlreport.Percent(rate), htmlreport.Plural(g, "generation"))})
		}
		lc.Series = append(lc.Series, s)
	}
	return lc.SVG()
}

// passChart is pass@1 per run, and plus where a run has plus tests.
func (c Comparison) passChart() template.HTML {
	bc := svgchart.BarChart{ID: "pass", Title: "pass@1 by run", Max: 1, Format: htmlreport.Percent, Labels: true,
		ValueLabel: "pass@1", Series: []svgchart.BarSeries{{Name: "pass@1"}}}
	plus := false
	for _, r := range c.Runs {
		plus = plus || r.PlusPassAt1 != nil
	}
	if plus {
		bc.Series = append(bc.Series, svgchart.BarSeries{Name: "pass@1 plus"})
	}
	for _, r := range c.Runs {
		bc.Categories = append(bc.Categories, r.Name)
		bc.Series[0].Values = append(bc.Series[0].Values, r.PassAt1)
		if plus {
			v := 0.0
			note := r.Name + ": no plus tests"
			if r.PlusPassAt1 != nil {
				v, note = *r.PlusPassAt1, fmt.Sprintf("%s, pass@1 plus: %s", r.Name, htmlreport.Percent(*r.PlusPassAt1))
			}
			bc.Series[1].Values = append(bc.Series[1].Values, v)
			bc.Series[1].Notes = append(bc.Series[1].Notes, note)
		}
	}
	return bc.SVG()
}

// matrixRow is a problem's verdict in each run: "pass", "fail" or ""
// (no result); Differ when the runs with a result disagree.
type matrixRow struct {
	ID, Anchor string
	Cells      []string
	Differ     bool
}

func (c Comparison) matrix() []matrixRow {
	ids := map[string]bool{}
	for _, r := range c.Runs {
		for id := range r.Results {
			ids[id] = true
		}
	}
	sorted := slices.SortedFunc(maps.Keys(ids), treesearch.CompareTaskIDs)
	rows := make([]matrixRow, 0, len(sorted))
	for _, id := range sorted {
		row := matrixRow{ID: id, Anchor: "m-" + htmlreport.Anchor(id)}
		seen := map[bool]bool{}
		for _, r := range c.Runs {
			res, ok := r.Results[id]
			switch {
			case !ok:
				row.Cells = append(row.Cells, "")
			case res.Passed:
				row.Cells = append(row.Cells, "pass")
				seen[true] = true
			default:
				row.Cells = append(row.Cells, "fail")
				seen[false] = true
			}
		}
		row.Differ = len(seen) > 1
		rows = append(rows, row)
	}
	return rows
}

var comparisonBody = template.Must(template.New("comparison").Parse(`<h2 id="summary">Summary</h2>
<table><tr><th></th>{{range .Names}}<th>{{.}}</th>{{end}}</tr>
{{range .Table}}<tr>{{range $i, $c := .}}{{if $i}}<td>{{$c}}</td>{{else}}<th>{{$c}}</th>{{end}}{{end}}</tr>
{{end}}</table>
{{range .Notes}}<p>{{.}}</p>
{{end}}
<h2 id="matrix">Problem by problem</h2>
<style>#show-differ:checked~table .same{display:none}</style>
<div class="matrix-section">
<input type="radio" name="rows" id="show-every" checked><label for="show-every">every problem</label>
<input type="radio" name="rows" id="show-differ"><label for="show-differ">only where the runs differ</label>
<table class="matrix"><tr><th>problem</th>{{range .Names}}<th>{{.}}</th>{{end}}</tr>
{{range .Matrix}}<tr id="{{.Anchor}}" class="{{if .Differ}}differ{{else}}same{{end}}"><th>{{.ID}}</th>{{range .Cells}}{{if eq . "pass"}}<td class="y" title="solved">✓</td>{{else if eq . "fail"}}<td class="n" title="not solved">✗</td>{{else}}<td class="muted" title="no result">–</td>{{end}}{{end}}</tr>
{{end}}</table></div>`))
