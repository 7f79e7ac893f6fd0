package swebench

import (
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/codetree/codetree/internal/htmlreport"
	"github.com/codetree/codetree/internal/svgchart"
)

// RunReportOptions configure WriteRunReport.
type RunReportOptions struct {
	// ScoreCommand is the command line that scores the run's
	// predictions, which the page shows while no evaluation is known
	// (default: swe eval with the folder's predictions file).
	ScoreCommand string
}

// WriteRunReport writes ReportHTMLFile and ReportMarkdownFile into the
// run folder dir, from its files: the headline figures, the spend and
// time per stage, the outcome of the instances and each instance (its
// status, own tests, patch, stages, error), in instance id order. The
// resolution comes from the evaluation EvalLinkFile names (LinkEval);
// without one every patch is "not evaluated" and the page says how to
// score them. It returns the HTML file's path.
func WriteRunReport(dir string, o RunReportOptions) (string, error) {
	d, err := loadRunData(dir)
	if err != nil {
		return "", fmt.Errorf("report of %s: %w", dir, err)
	}
	if o.ScoreCommand == "" {
		o.ScoreCommand = "codetree swe eval --instances INSTANCES --predictions " + filepath.Join(dir, PredictionsFile) + " --out EVAL"
	}
	if err := os.WriteFile(filepath.Join(dir, ReportMarkdownFile), []byte(runMarkdown(d)), 0o644); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	path := filepath.Join(dir, ReportHTMLFile)
	return path, runPage(d, o).WriteFile(path)
}

// runTitle is the title of a run's pages.
func runTitle(s RunSummary) string {
	t := "SWE-bench run of " + s.ModelName
	if s.Simulated {
		t += " (simulated model)"
	}
	return t
}

// runCounts are a run's instances by status, and their number: the
// instances named by its files, or the last invocation's if more.
func runCounts(d runData) (map[InstanceStatus]int, int) {
	counts := make(map[InstanceStatus]int)
	for _, in := range d.Instances {
		counts[in.Status]++
	}
	return counts, max(len(d.Instances), d.Summary.Instances)
}

// priced reports whether the run's calls had a price: cost rather than
// tokens in the charts.
func priced(s RunSummary) bool { return s.Total.CostUSD > 0 }

// runFigures are the headline numbers of a run's page.
func runFigures(d runData) [][2]string {
	s := d.Summary
	counts, n := runCounts(d)
	figures := [][2]string{
		{"instances", htmlreport.Count(n)},
		{fmt.Sprintf("predictions (%s patched, %s empty)", htmlreport.Count(s.Patched), htmlreport.Count(s.EmptyPatch)), htmlreport.Count(s.Predicted)},
		{"passed their own tests", htmlreport.Count(s.PassedOwnTests)},
		{"infrastructure errors", htmlreport.Count(s.Errors)},
	}
	if d.evaluated() {
		resolved := counts[InstanceResolved]
		rate := 0.0
		if n > 0 {
			rate = float64(resolved) / float64(n)
		}
		figures = append(figures,
			[2]string{fmt.Sprintf("resolved (%s of %s)", htmlreport.Count(resolved), htmlreport.Plural(n, "instance")), htmlreport.Percent(rate)},
			[2]string{"applied", htmlreport.Count(resolved + counts[InstanceUnresolved])},
			[2]string{"did not apply", htmlreport.Count(counts[InstanceUnapplied])})
	}
	return append(figures,
		[2]string{"tokens", htmlreport.Count(s.Total.Tokens())},
		[2]string{"cost", s.Total.CostText()},
		[2]string{"wall time (last invocation)", seconds(s.WallSeconds)})
}

// runFacts are the settings and totals of a run's page.
func runFacts(d runData) [][2]string {
	s := d.Summary
	model := s.ModelName
	if s.Simulated {
		model += " (simulated)"
	}
	evaluation := "none yet"
	switch {
	case d.EvalGone:
		evaluation = d.EvalDir + " (named in " + EvalLinkFile + ", no longer there)"
	case d.EvalDir != "":
		evaluation = d.EvalDir
	}
	return [][2]string{
		{"model", model},
		{"run folder", d.Dir},
		{"instances", fmt.Sprintf("%s (%s pending)", htmlreport.Count(max(len(d.Instances), s.Instances)), htmlreport.Count(s.Pending))},
		{"attempts", htmlreport.Count(s.Attempts)},
		{"patches that change existing tests", orNone(s.EditedTestsIDs)},
		{"infrastructure errors", orNone(s.ErrorIDs)},
		{"interrupted", orNone(s.InterruptedIDs)},
		{"tokens", fmt.Sprintf("%s (%s prompt, %s completion)", htmlreport.Count(s.Total.Tokens()),
			htmlreport.Count(s.Total.PromptTokens), htmlreport.Count(s.Total.CompletionTokens))},
		{"model calls", htmlreport.Count(s.Total.Calls)},
		{"cost", s.Total.CostText()},
		{"wall time (last invocation)", seconds(s.WallSeconds)},
		{"evaluation", evaluation},
	}
}

func orNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// seconds formats a number of seconds for people ("4.50 s", "3 min 5 s").
func seconds(s float64) string {
	return htmlreport.Duration(time.Duration(s * float64(time.Second)))
}

// runPage is a run's HTML page.
func runPage(d runData, o RunReportOptions) htmlreport.Page {
	counts, n := runCounts(d)
	var body strings.Builder
	switch {
	case d.EvalGone:
		fmt.Fprintf(&body, `<p class="banner" id="eval-note">The evaluation %s names is gone (%s): patches show as not evaluated. Score them again with <code>%s</code>.</p>`,
			template.HTMLEscapeString(EvalLinkFile), template.HTMLEscapeString(d.EvalDir), template.HTMLEscapeString(o.ScoreCommand))
	case d.EvalDir != "":
		fmt.Fprintf(&body, `<p id="eval-note">Resolution from <code>codetree swe eval</code> in %s.</p>`, template.HTMLEscapeString(d.EvalDir))
	default:
		fmt.Fprintf(&body, `<p class="banner" id="eval-note">Not evaluated yet: these are the pipeline's own verdicts. Score the predictions with <code>%s</code>; swe eval then rewrites this page with the resolution.</p>`,
			template.HTMLEscapeString(o.ScoreCommand))
	}
	body.WriteString(`<h2 id="charts">Charts</h2><div class="charts">`)
	body.WriteString(string(outcomeChart(counts, n)))
	body.WriteString(string(stageSpendChart(d.Summary)))
	body.WriteString(string(stageTimeChart(d.Summary)))
	body.WriteString(`</div>`)
	if err := runSection.Execute(&body, newRunView(d)); err != nil {
		// The template and its data are ours: a failure is a bug.
		panic(fmt.Sprintf("swebench: render the run report: %v", err))
	}
	return htmlreport.Page{Title: runTitle(d.Summary), Simulated: d.Summary.Simulated, Figures: runFigures(d),
		Facts: runFacts(d), Body: template.HTML(body.String())} //nolint:gosec // charts and template output, escaped
}

// countFormat formats a chart value that counts something.
func countFormat(v float64) string { return htmlreport.Count(int(v + 0.5)) }

// statusColours are the statuses' colours in the outcome chart, the same
// whichever statuses a run has.
var statusColours = map[InstanceStatus]string{
	InstanceResolved: "#009E73", InstanceUnresolved: "#E69F00", InstanceUnapplied: "#D55E00", InstanceEmptyPatch: "#999999",
	InstanceNotEvaluated: "#56B4E9", InstanceError: "#8a6d00", InstanceInterrupted: "#CC79A7",
}

// outcomeChart is the instances by status, stacked in one bar: a series
// per status that some instance has, in the statuses' order.
func outcomeChart(counts map[InstanceStatus]int, total int) template.HTML {
	bc := svgchart.BarChart{ID: "outcome", Title: "Outcome of the instances", Stacked: true, Labels: true, Integer: true,
		ValueLabel: "instances", Format: countFormat, Categories: []string{"instances"}, Width: 720,
		RowLabels: []string{htmlreport.Plural(total, "instance")}}
	for s := InstanceResolved; s <= InstanceInterrupted; s++ {
		c := counts[s]
		if c == 0 {
			continue
		}
		share := ""
		if total > 0 {
			share = " (" + htmlreport.Percent(float64(c)/float64(total)) + ")"
		}
		bc.Series = append(bc.Series, svgchart.BarSeries{Name: s.String(), Values: []float64{float64(c)}, Colour: statusColours[s],
			Notes: []string{fmt.Sprintf("%s: %s of %s%s", s, htmlreport.Count(c), htmlreport.Plural(total, "instance"), share)}})
	}
	return bc.SVG()
}

// stageLabel is a stage's spend, calls and time in words.
func stageLabel(st StageAccount, cost bool) string {
	label := htmlreport.Plural(st.Tokens(), "token")
	if cost {
		label = htmlreport.USD(st.CostUSD)
	}
	return label + " · " + htmlreport.Plural(st.Calls, "call") + " · " + seconds(st.Seconds)
}

// stageSpendChart is the cost per stage, or its prompt and completion
// tokens stacked when no call had a price, in the summary's stage order.
func stageSpendChart(s RunSummary) template.HTML {
	cost := priced(s)
	bc := svgchart.BarChart{ID: "stages", Stacked: true, Labels: true}
	if cost {
		bc.Title, bc.ValueLabel, bc.Format = "Cost by stage", "cost (USD)", htmlreport.USD
		bc.Series = []svgchart.BarSeries{{Name: "cost"}}
	} else {
		bc.Title, bc.ValueLabel, bc.Format, bc.Integer = "Tokens by stage (no price known)", "tokens", countFormat, true
		bc.Series = []svgchart.BarSeries{{Name: "prompt tokens"}, {Name: "completion tokens"}}
	}
	for _, st := range s.Stages {
		label := stageLabel(st, cost)
		bc.Categories = append(bc.Categories, st.Name)
		bc.RowLabels = append(bc.RowLabels, label)
		values := []float64{st.CostUSD}
		if !cost {
			values = []float64{float64(st.PromptTokens), float64(st.CompletionTokens)}
		}
		for i, v := range values {
			bc.Series[i].Values = append(bc.Series[i].Values, v)
			bc.Series[i].Notes = append(bc.Series[i].Notes, fmt.Sprintf("%s: %s %s (%s in all)", st.Name, bc.Format(v), bc.Series[i].Name, label))
		}
	}
	return bc.SVG()
}

// stageTimeChart is the time per stage, summed over the attempts.
func stageTimeChart(s RunSummary) template.HTML {
	bc := svgchart.BarChart{ID: "stage-time", Title: "Time by stage (summed over the attempts)", Labels: true, Stacked: true,
		ValueLabel: "seconds", Series: []svgchart.BarSeries{{Name: "time"}}}
	for _, st := range s.Stages {
		bc.Categories = append(bc.Categories, st.Name)
		bc.RowLabels = append(bc.RowLabels, seconds(st.Seconds))
		bc.Series[0].Values = append(bc.Series[0].Values, st.Seconds)
		bc.Series[0].Notes = append(bc.Series[0].Notes, fmt.Sprintf("%s: %s over %s", st.Name, seconds(st.Seconds), htmlreport.Plural(st.Calls, "model call")))
	}
	return bc.SVG()
}

// runView is the data of a run page's tables.
type runView struct {
	Cost      bool
	Stages    []stageRow
	Total     stageRow
	Instances []instanceRow
}

// stageRow is a stage's account in words.
type stageRow struct {
	Name, Calls, Prompt, Completion, Tokens, Cost, Time string
}

func newStageRow(st StageAccount) stageRow {
	return stageRow{Name: st.Name, Calls: htmlreport.Count(st.Calls), Prompt: htmlreport.Count(st.PromptTokens),
		Completion: htmlreport.Count(st.CompletionTokens), Tokens: htmlreport.Count(st.Tokens()),
		Cost: htmlreport.USD(st.CostUSD), Time: seconds(st.Seconds)}
}

// instanceRow is one instance of a run page.
type instanceRow struct {
	ID, Anchor, Status, Class string
	// OwnTests is "passed" or "failed" ("" without an attempt).
	OwnTests    string
	Patch       string
	PatchSize   string
	PatchLines  int
	EditedTests []string
	Total       stageRow
	Stages      []stageRow
	Attempts    string
	Error       string
	EvalError   string
	Tests       []testsLine
	Notes       []string
}

// testsLine is one class of tests of an evaluation's verdict.
type testsLine struct {
	Name, Passed string
	Failed       []string
}

func testsLines(r *InstanceReport) []testsLine {
	if r == nil || r.TestsStatus == nil {
		return nil
	}
	var out []testsLine
	for _, c := range []struct {
		name string
		o    Outcome
	}{{"FAIL_TO_PASS", r.TestsStatus.FailToPass}, {"PASS_TO_PASS", r.TestsStatus.PassToPass}} {
		n := len(c.o.Success) + len(c.o.Failure)
		out = append(out, testsLine{Name: c.name, Passed: fmt.Sprintf("%s of %s succeeded", htmlreport.Count(len(c.o.Success)),
			htmlreport.Plural(n, "test")), Failed: c.o.Failure})
	}
	return out
}

func newRunView(d runData) runView {
	v := runView{Cost: priced(d.Summary), Total: newStageRow(d.Summary.Total)}
	for _, st := range d.Summary.Stages {
		v.Stages = append(v.Stages, newStageRow(st))
	}
	for _, in := range d.Instances {
		row := instanceRow{ID: in.ID, Anchor: htmlreport.Anchor(in.ID), Status: in.Status.String(), Class: in.Status.class(),
			Patch: in.Patch, PatchLines: strings.Count(in.Patch, "\n"), EvalError: in.EvalError, Tests: testsLines(in.Eval),
			Attempts: htmlreport.Plural(in.Attempts, "attempt")}
		if in.Patch != "" {
			row.PatchSize = htmlreport.Plural(len(in.Patch), "byte")
		}
		if r := in.Result; r != nil {
			row.OwnTests = "failed"
			if r.Passed {
				row.OwnTests = "passed"
			}
			var total StageAccount
			for _, st := range r.Stages {
				row.Stages = append(row.Stages, newStageRow(st))
				total.Add(st)
			}
			total.Seconds = r.Seconds
			row.Total = newStageRow(total)
			row.EditedTests, row.Notes = r.EditedTests, r.Notes
			if r.Error != "" {
				row.Error = r.ErrorClass + ": " + r.Error
				row.OwnTests = ""
			}
		}
		v.Instances = append(v.Instances, row)
	}
	return v
}

// runSection is the run page's stage table and instances.
var runSection = template.Must(template.New("run").Parse(`<style>` + reportStyle + `</style>
<h2 id="stages">Stages</h2>
<table class="stages"><tr><th>stage</th><th>calls</th><th>prompt tokens</th><th>completion tokens</th><th>cost</th><th>time</th></tr>
{{range .Stages}}<tr><td>{{.Name}}</td><td class="num">{{.Calls}}</td><td class="num">{{.Prompt}}</td><td class="num">{{.Completion}}</td><td class="num">{{.Cost}}</td><td class="num">{{.Time}}</td></tr>
{{end}}<tr><th>total</th><th class="num">{{.Total.Calls}}</th><th class="num">{{.Total.Prompt}}</th><th class="num">{{.Total.Completion}}</th><th class="num">{{.Total.Cost}}</th><th class="num">{{.Total.Time}}</th></tr></table>
<p class="muted">Time is summed over every attempt of every instance; instances run side by side, so it can exceed the wall time.</p>
<h2 id="instances">Instances</h2>
<div class="instances">
{{range .Instances}}<details class="instance" id="{{.Anchor}}" data-status="{{.Status}}"><summary><b>{{.ID}}</b> <span class="badge {{.Class}}">{{.Status}}</span>
{{- if .OwnTests}} · own tests <span class="{{if eq .OwnTests "passed"}}pass{{else}}fail{{end}}">{{.OwnTests}}</span>{{end}}
{{- if .PatchSize}} · patch {{.PatchSize}}{{end}}
{{- if .EditedTests}} · <span class="warn">edits existing tests</span>{{end}}
{{- if .Stages}} · {{.Total.Tokens}} tokens{{if $.Cost}} · {{.Total.Cost}}{{end}} · {{.Total.Time}}{{end}}
{{- if .Error}} · <span class="err">{{.Error}}</span>{{end}}</summary>
{{if .EditedTests}}<p class="warn">The patch changes or deletes tests of base_commit (check it by hand): {{range $i, $f := .EditedTests}}{{if $i}}, {{end}}<code>{{$f}}</code>{{end}}</p>{{end}}
{{if .Error}}<p class="err">Infrastructure error: {{.Error}}</p>{{end}}
{{if .EvalError}}<p class="err">Evaluation error: {{.EvalError}}</p>{{end}}
{{range .Tests}}<p>{{.Name}}: {{.Passed}}{{if .Failed}}; failing: {{range $i, $t := .Failed}}{{if $i}}, {{end}}<code>{{$t}}</code>{{end}}{{end}}</p>{{end}}
{{if .Stages}}<table class="stages"><tr><th>stage</th><th>calls</th><th>tokens</th><th>cost</th><th>time</th></tr>
{{range .Stages}}<tr><td>{{.Name}}</td><td class="num">{{.Calls}}</td><td class="num">{{.Tokens}}</td><td class="num">{{.Cost}}</td><td class="num">{{.Time}}</td></tr>
{{end}}<tr><th>attempt (wall time)</th><th class="num">{{.Total.Calls}}</th><th class="num">{{.Total.Tokens}}</th><th class="num">{{.Total.Cost}}</th><th class="num">{{.Total.Time}}</th></tr></table>{{end}}
<p class="muted">{{.Attempts}}</p>
{{if .Notes}}<ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Patch}}<details class="patch"><summary>patch ({{.PatchLines}} lines)</summary><pre>{{.Patch}}</pre></details>{{else if not .Error}}<p class="muted">No patch.</p>{{end}}
</details>
{{end}}</div>`))

// reportStyle is what the swe pages add to htmlreport.Style.
const reportStyle = `.badge.none{background:#777}.warn{color:#a15c00;font-weight:600}
details.instance{margin-left:0;border-top:1px solid #eee;padding:.3em 0}table.stages{margin:.4em 0}
code{background:#f3f3f3;padding:0 .2em}`

// runMarkdown is report.md: the facts, the stages, a row per instance.
func runMarkdown(d runData) string {
	var b strings.Builder
	b.WriteString(htmlreport.MarkdownHead(runTitle(d.Summary), d.Summary.Simulated, append(runFigures(d), runFacts(d)...)))
	v := newRunView(d)
	b.WriteString("\n| stage | calls | tokens | cost | time |\n|---|---|---|---|---|\n")
	for _, st := range append(v.Stages, v.Total) {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", st.Name, st.Calls, st.Tokens, st.Cost, st.Time)
	}
	b.WriteString("\n| instance | status | own tests | patch | tokens | cost | time | error |\n|---|---|---|---|---|---|---|---|\n")
	for _, in := range v.Instances {
		patch := in.PatchSize
		if len(in.EditedTests) > 0 {
			patch += " (edits tests)"
		}
		errText := in.Error
		if in.EvalError != "" {
			errText = "evaluation: " + in.EvalError
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", htmlreport.MarkdownCell(in.ID), in.Status, in.OwnTests, patch,
			in.Total.Tokens, in.Total.Cost, in.Total.Time, htmlreport.MarkdownCell(errText))
	}
	return b.String()
}
