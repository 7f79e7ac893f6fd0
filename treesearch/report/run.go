package report

import (
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/internal/htmlreport"
	"github.com/codetree/codetree/treesearch"
)

// The report files of a run folder.
const (
	MarkdownFile = "report.md"
	HTMLFile     = "report.html"
)

// Info is what a run's report says besides its problems, from its
// summary: the caller knows the dataset, model and configuration.
type Info struct {
	Title string
	// Simulated marks a simulated model's run: the figures measure the
	// harness, never a model.
	Simulated bool
	// Facts are the settings and totals, in order; Figures the headline
	// numbers.
	Facts, Figures [][2]string
	// Budget is the generations per problem; Accounts the run's model
	// use (by role for the chart).
	Budget   int
	Accounts agent.Accounts
}

// Write writes report.md and report.html into a run folder from its
// results, errors and trees and info.
func Write(dir string, info Info) error {
	problems, err := loadProblems(dir)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, MarkdownFile), []byte(markdown(info, problems)), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return runPage(info, problems).WriteFile(filepath.Join(dir, HTMLFile))
}

// runPage is a run's HTML page.
func runPage(info Info, problems []Problem) htmlreport.Page {
	results := make(map[string]treesearch.TaskResult)
	for _, p := range problems {
		if p.Result != nil {
			results[p.ID] = *p.Result
		}
	}
	var body strings.Builder
	body.WriteString(`<h2 id="charts">Charts</h2><div class="charts">`)
	curve := NewAnytime(results, info.Budget)
	body.WriteString(string(anytimeChart(curve, oracleCurve(problems, len(curve.Solved)), len(results))))
	body.WriteString(string(rolesChart(info.Accounts)))
	body.WriteString(string(generationsChart(problems, info.Budget)))
	body.WriteString(`</div>`)
	if err := problemsSection.Execute(&body, newProblemsView(problems)); err != nil {
		// The template and its data are ours: a failure is a bug.
		panic(fmt.Sprintf("report: render problems: %v", err))
	}
	return htmlreport.Page{Title: info.Title, Simulated: info.Simulated, Figures: info.Figures, Facts: info.Facts,
		Body: template.HTML(body.String())} //nolint:gosec // charts and template output, escaped
}

// markdown is report.md: the facts, then a row per problem.
func markdown(info Info, problems []Problem) string {
	var b strings.Builder
	b.WriteString(htmlreport.MarkdownHead(info.Title, info.Simulated, info.Facts))
	b.WriteString("\n| problem | verdict | result | generations | nodes | accepted |\n|---|---|---|---|---|---|\n")
	for _, p := range problems {
		nodes := 0
		if p.Tree != nil {
			nodes = len(p.Tree.Nodes)
		}
		if p.Result == nil {
			fmt.Fprintf(&b, "| %s | error | %s: %s | | %d | |\n", p.ID, htmlreport.MarkdownCell(p.Error.Class), htmlreport.MarkdownCell(p.Error.Error), nodes)
			continue
		}
		verdict := "FAIL"
		if p.Result.Passed {
			verdict = "pass"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %s |\n", p.ID, verdict, htmlreport.MarkdownCell(p.Result.Result),
			p.Result.Generations, nodes, p.Result.Accepted)
	}
	return b.String()
}
