package swebench

import (
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"

	"github.com/codetree/codetree/internal/htmlreport"
)

// WriteEvalReport writes ReportHTMLFile and ReportMarkdownFile into the
// evaluation folder dir (Evaluate's OutDir), from its report.json and
// summary.json: the resolution figures, the outcome chart and each
// instance's verdict with its tests, in instance id order; the
// simulated-model banner when EvalSourceFile says the predictions came
// from a simulated model's run. It returns the HTML file's path.
func WriteEvalReport(dir string) (string, error) {
	d, err := loadEvalData(dir)
	if err != nil {
		return "", fmt.Errorf("report of %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, ReportMarkdownFile), []byte(evalMarkdown(d)), 0o644); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	path := filepath.Join(dir, ReportHTMLFile)
	return path, evalPage(d).WriteFile(path)
}

func (d evalData) simulated() bool { return d.Source != nil && d.Source.Simulated }

func evalTitle(d evalData) string {
	t := "SWE-bench evaluation"
	if d.simulated() {
		t += " (simulated model)"
	}
	return t
}

// evalCounts are the evaluation's instances by status, from its summary.
func evalCounts(s Summary) map[InstanceStatus]int {
	return map[InstanceStatus]int{InstanceResolved: s.Resolved, InstanceUnresolved: s.Unresolved,
		InstanceUnapplied: s.Unapplied, InstanceEmptyPatch: s.EmptyPatch, InstanceError: s.Errors}
}

// evalFigures are the headline numbers of an evaluation's page.
func evalFigures(d evalData) [][2]string {
	s, n := d.Summary, d.Summary.Total
	rate := 0.0
	if n > 0 {
		rate = float64(s.Resolved) / float64(n)
	}
	return [][2]string{
		{"instances", htmlreport.Count(n)},
		{fmt.Sprintf("resolved (%s of %s)", htmlreport.Count(s.Resolved), htmlreport.Plural(n, "instance")), htmlreport.Percent(rate)},
		{"applied", htmlreport.Count(s.Resolved + s.Unresolved)},
		{"applied but not resolved", htmlreport.Count(s.Unresolved)},
		{"did not apply", htmlreport.Count(s.Unapplied)},
		{"empty patch", htmlreport.Count(s.EmptyPatch)},
		{"errors", htmlreport.Count(s.Errors)},
	}
}

func evalFacts(d evalData) [][2]string {
	facts := [][2]string{{"evaluation folder", d.Dir}}
	if d.Source != nil {
		facts = append(facts, [2]string{"predictions", d.Source.Predictions})
		if d.Source.RunDir != "" {
			facts = append(facts, [2]string{"run folder (its report shows this resolution)", d.Source.RunDir})
		}
	}
	return append(facts,
		[2]string{"resolved", orNone(d.Summary.ResolvedIDs)},
		[2]string{"applied but not resolved", orNone(d.Summary.UnresolvedIDs)},
		[2]string{"did not apply", orNone(d.Summary.UnappliedIDs)},
		[2]string{"empty patch", orNone(d.Summary.EmptyPatchIDs)},
		[2]string{"errors (no verdict; a rerun tries them again)", orNone(d.Summary.ErrorIDs)})
}

// evalRow is one instance of an evaluation page.
type evalRow struct {
	ID, Anchor, Status, Class, Error, Log string
	Tests                                 []testsLine
}

func evalRows(d evalData) []evalRow {
	var rows []evalRow
	for _, in := range d.Instances {
		rows = append(rows, evalRow{ID: in.ID, Anchor: htmlreport.Anchor(in.ID), Status: in.Status.String(),
			Class: in.Status.class(), Error: in.Error, Tests: testsLines(in.Report),
			Log: evalLogPath(d.Dir, in.ID)})
	}
	return rows
}

func evalPage(d evalData) htmlreport.Page {
	var body strings.Builder
	body.WriteString(`<h2 id="charts">Charts</h2><div class="charts">`)
	body.WriteString(string(outcomeChart(evalCounts(d.Summary), d.Summary.Total)))
	body.WriteString(`</div>`)
	if err := evalSection.Execute(&body, evalRows(d)); err != nil {
		// The template and its data are ours: a failure is a bug.
		panic(fmt.Sprintf("swebench: render the evaluation report: %v", err))
	}
	return htmlreport.Page{Title: evalTitle(d), Simulated: d.simulated(), Figures: evalFigures(d), Facts: evalFacts(d),
		Body: template.HTML(body.String())} //nolint:gosec // charts and template output, escaped
}

var evalSection = template.Must(template.New("eval").Parse(`<style>` + reportStyle + `</style>
<h2 id="instances">Instances</h2>
<div class="instances">
{{range .}}<details class="instance" id="{{.Anchor}}" data-status="{{.Status}}"><summary><b>{{.ID}}</b> <span class="badge {{.Class}}">{{.Status}}</span>
{{- if .Error}} · <span class="err">{{.Error}}</span>{{end}}</summary>
{{range .Tests}}<p>{{.Name}}: {{.Passed}}{{if .Failed}}; failing: {{range $i, $t := .Failed}}{{if $i}}, {{end}}<code>{{$t}}</code>{{end}}{{end}}</p>{{end}}
<p class="muted">log: <code>{{.Log}}</code></p>
</details>
{{end}}</div>`))

// evalMarkdown is an evaluation's report.md.
func evalMarkdown(d evalData) string {
	var b strings.Builder
	b.WriteString(htmlreport.MarkdownHead(evalTitle(d), d.simulated(), append(evalFigures(d), evalFacts(d)...)))
	b.WriteString("\n| instance | status | tests | error |\n|---|---|---|---|\n")
	for _, r := range evalRows(d) {
		var tests []string
		for _, t := range r.Tests {
			tests = append(tests, t.Name+" "+t.Passed)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", htmlreport.MarkdownCell(r.ID), r.Status, strings.Join(tests, "; "), htmlreport.MarkdownCell(r.Error))
	}
	return b.String()
}
