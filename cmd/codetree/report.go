package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/treesearch"
)

// maxListedIDs caps the task ids listed per discordant list.
const maxListedIDs = 20

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "view a run folder, or put runs side by side",
		ArgsUsage: "RUN [RUN...]",
		Description: "With one run folder (written by codetree bench --out), rewrites its report.md and\n" +
			"report.html from summary.json and prints its summary table. With two or more, prints a\n" +
			"Markdown table of the runs side by side, then for the first run against each other one\n" +
			"the problems solved by one only, on the problems every run has a result for.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "html", Usage: "also write the comparison of two or more runs as one self-contained HTML page to `FILE`"},
		},
		Action: runReport,
	}
}

// reportRun is a run folder as the report command reads it.
type reportRun struct {
	Dir, Name string
	Summary   benchSummary
	Results   map[string]treesearch.TaskResult
}

func runReport(c *cli.Context) error {
	dirs := c.Args().Slice()
	if len(dirs) == 0 {
		return usageErrorf("report needs a run folder: codetree report runs/NAME, or codetree report runs/A runs/B to compare")
	}
	for _, d := range dirs {
		if strings.HasPrefix(d, "-") {
			return usageErrorf("%s: flags go before the run folders: codetree report --html FILE RUN RUN...", d)
		}
	}
	if len(dirs) == 1 && c.IsSet("html") {
		return usageErrorf("--html compares two or more runs; the page of one run is %s", filepath.Join(dirs[0], treesearch.ReportHTML))
	}
	runs := make([]reportRun, len(dirs))
	for i, d := range dirs {
		r, err := loadRun(d)
		if err != nil {
			return err
		}
		runs[i] = r
	}
	if len(runs) == 1 {
		return reportOne(c.App.Writer, runs[0])
	}
	nameRuns(runs)
	if ds := datasets(runs); ds != nil {
		fmt.Fprintf(c.App.ErrWriter, "codetree: warning: the runs are on different datasets (%s): only task ids they share are compared\n", strings.Join(ds, ", "))
	}
	v := newComparisonView(runs)
	if _, err := io.WriteString(c.App.Writer, v.markdown()); err != nil {
		return fmt.Errorf("print comparison: %w", err)
	}
	if file := c.String("html"); file != "" {
		var b bytes.Buffer
		if err := comparisonPage.Execute(&b, v); err != nil {
			return fmt.Errorf("render comparison: %w", err)
		}
		if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write comparison: %w", err)
		}
	}
	return nil
}

// loadRun reads a run folder's summary.json and results.jsonl. What is
// missing or malformed is a usage error that says what to do.
func loadRun(dir string) (reportRun, error) {
	r := reportRun{Dir: dir, Name: filepath.Base(filepath.Clean(dir))}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return r, usageErrorf("%s is not a folder: give the --out folder of a codetree bench run", dir)
	}
	path := filepath.Join(dir, treesearch.SummaryFile)
	resume := fmt.Sprintf("run codetree bench --resume --out %s (with the run's other flags) to finish it", dir)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return r, usageErrorf("%s has no %s: is it a codetree bench run folder? If its run was interrupted, %s", dir, treesearch.SummaryFile, resume)
	}
	if err != nil {
		return r, fmt.Errorf("read summary: %w", err)
	}
	if err := json.Unmarshal(b, &r.Summary); err != nil {
		return r, usageErrorf("%s is malformed (%v): %s and rewrite it", path, err, resume)
	}
	if r.Summary.Dataset == "" || r.Summary.Strategy == "" {
		return r, usageErrorf("%s has no dataset or strategy: it is not a finished codetree bench summary; %s", path, resume)
	}
	if r.Results, err = treesearch.ReadResults(dir); err != nil {
		return r, usageErrorf("%s: %v; %s", dir, err, resume)
	}
	return r, nil
}

// reportOne rewrites a run's report files and prints its summary table.
func reportOne(w io.Writer, r reportRun) error {
	facts := reportFacts(r.Summary)
	title := runTitle(r.Summary)
	if err := treesearch.WriteReport(r.Dir, title, facts); err != nil {
		return fmt.Errorf("%s: %w", r.Dir, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n| | |\n|---|---|\n", title)
	for _, f := range facts {
		fmt.Fprintf(&b, "| %s | %s |\n", mdCell(f[0]), mdCell(f[1]))
	}
	fmt.Fprintf(&b, "\nreport: %s, %s\n", filepath.Join(r.Dir, treesearch.ReportMarkdown), filepath.Join(r.Dir, treesearch.ReportHTML))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("print report: %w", err)
	}
	return nil
}

// runTitle is the title bench gives a run's report.
func runTitle(s benchSummary) string {
	label := ""
	if s.Simulated {
		label = " (simulated model)"
	}
	return fmt.Sprintf("%s %s on %s%s", s.Strategy, s.Model, s.Dataset, label)
}

// nameRuns names runs by their folder's base name, or by the path as
// given when two base names clash.
func nameRuns(runs []reportRun) {
	count := make(map[string]int)
	for _, r := range runs {
		count[r.Name]++
	}
	for i := range runs {
		if count[runs[i].Name] > 1 {
			runs[i].Name = filepath.Clean(runs[i].Dir)
		}
	}
}

// datasets lists "name: dataset" for each run if their datasets differ.
func datasets(runs []reportRun) []string {
	differ := false
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.Name + ": " + r.Summary.Dataset
		differ = differ || r.Summary.Dataset != runs[0].Summary.Dataset
	}
	if !differ {
		return nil
	}
	return out
}

// summaryRows are the rows of the side-by-side table: a label, then one
// cell per run.
func summaryRows(runs []reportRun) [][]string {
	rows := [][]string{
		{"dataset"}, {"strategy"}, {"model"}, {"budget"}, {"visible-test policy"},
		{"problems attempted"}, {"pass@1"}, {"pass@1_plus"}, {"generations"},
		{"distinct candidates"}, {"duplicates"}, {"accepted by verification"}, {"accepted by visible tests"},
		{"no visible test"}, {"tokens"}, {"tokens by role"}, {"temperatures"}, {"width x depth"},
		{"cost (USD)"}, {"infrastructure errors"}, {"model faults (retried)"}, {"selection"}, {"wall time"}, {"code version"},
	}
	for _, r := range runs {
		s := r.Summary
		model := s.Model
		if s.Simulated {
			model += " (simulated)"
		}
		plus := "-"
		if s.PlusPassAt1 != nil {
			plus = fmt.Sprintf("%.4f", *s.PlusPassAt1)
		}
		cost := fmt.Sprintf("%.4f", s.Accounts.Total.Cost)
		if n := s.Accounts.Total.UnpricedCalls; n > 0 {
			cost += fmt.Sprintf(" (%d calls unpriced)", n)
		}
		cells := []string{
			s.Dataset, s.Strategy, model, fmt.Sprint(s.Budget), s.Policy,
			fmt.Sprintf("%d of %d", s.Attempted, s.Problems),
			fmt.Sprintf("%.4f (%d solved)", s.PassAt1, s.Solved), plus,
			fmt.Sprint(s.Generations), fmt.Sprint(s.Distinct), fmt.Sprint(s.Duplicates),
			share(s.Accepted[treesearch.AcceptedByCritic], s.Attempted), share(s.Accepted[treesearch.AcceptedByTests], s.Attempted),
			fmt.Sprint(s.NoVisibleTests), fmt.Sprint(s.Accounts.Total.Tokens()), tokensByRole(s.Accounts),
			orDash(s.Temperatures.String()), shape(s), cost,
			describeErrors(s.Errors), describeErrors(s.Faults), orDash(s.Select),
			s.WallTime.Round(time.Millisecond).String(), shortVersion(s.Version),
		}
		for i := range rows {
			rows[i] = append(rows[i], cells[i])
		}
	}
	return rows
}

// share is "n (p%)" of the attempted problems.
func share(n, of int) string {
	if of == 0 {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d (%.1f%%)", n, 100*float64(n)/float64(of))
}

// tokensByRole is "thinker 1200, solver 3400, ..." in role order.
func tokensByRole(a agent.Accounts) string {
	var parts []string
	for _, role := range []agent.Role{agent.RoleThinker, agent.RoleSolver, agent.RoleDebugger, agent.RoleCritic} {
		if t, ok := a.ByRole[role]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", role, t.Tokens()))
		}
	}
	return orDash(strings.Join(parts, ", "))
}

// shape is a tree search's "width x depth", "-" for the other strategies.
func shape(s benchSummary) string {
	if s.Width == 0 {
		return "-"
	}
	return fmt.Sprintf("%d x %d", s.Width, s.Depth)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// shortVersion shortens a commit hash to 12 characters, keeping a
// "+dirty" mark.
func shortVersion(v string) string {
	rev, dirty := strings.CutSuffix(v, "+dirty")
	if len(rev) == 40 && strings.Trim(rev, "0123456789abcdef") == "" {
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}

func mdCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// comparisonView is the comparison of runs, for Markdown and HTML.
type comparisonView struct {
	Names   []string
	Rows    [][]string // summaryRows
	Common  int        // problems with a result in every run
	Partial []string   // per run with some: "name N (ids)"
	Pairs   []pairView
}

// pairView is the first run against another.
type pairView struct {
	A, B string
	treesearch.PairDiff
	OnlyA, OnlyB idList
}

// idList is a capped list of task ids.
type idList struct {
	Shown []string
	More  int
}

func newIDList(ids []string) idList {
	if len(ids) <= maxListedIDs {
		return idList{Shown: ids}
	}
	return idList{Shown: ids[:maxListedIDs], More: len(ids) - maxListedIDs}
}

func (l idList) String() string {
	if len(l.Shown) == 0 {
		return "none"
	}
	s := strings.Join(l.Shown, ", ")
	if l.More > 0 {
		s += fmt.Sprintf(" and %d more", l.More)
	}
	return s
}

func newComparisonView(runs []reportRun) comparisonView {
	results := make([]map[string]treesearch.TaskResult, len(runs))
	v := comparisonView{Rows: summaryRows(runs)}
	for i, r := range runs {
		v.Names = append(v.Names, r.Name)
		results[i] = r.Results
	}
	diff := treesearch.Compare(results)
	v.Common = len(diff.Common)
	for i, ids := range diff.Partial {
		if len(ids) > 0 {
			v.Partial = append(v.Partial, fmt.Sprintf("%s %d (%s)", runs[i].Name, len(ids), newIDList(ids)))
		}
	}
	for _, d := range diff.Pairs {
		v.Pairs = append(v.Pairs, pairView{A: runs[d.A].Name, B: runs[d.B].Name, PairDiff: d,
			OnlyA: newIDList(d.OnlyAIDs), OnlyB: newIDList(d.OnlyBIDs)})
	}
	return v
}

func (v comparisonView) markdown() string {
	var b strings.Builder
	b.WriteString("# Runs compared\n\n|")
	for _, n := range v.Names {
		fmt.Fprintf(&b, " | %s", mdCell(n))
	}
	b.WriteString(" |\n|---|" + strings.Repeat("---|", len(v.Names)) + "\n")
	for _, row := range v.Rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = mdCell(c)
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintf(&b, "\n%d problems have a result in every run.\n", v.Common)
	if len(v.Partial) > 0 {
		fmt.Fprintf(&b, "Not in every run, so left out below: %s.\n", strings.Join(v.Partial, "; "))
	}
	for _, p := range v.Pairs {
		fmt.Fprintf(&b, "\n## %s vs %s\n\nof the %d problems in both: both solved %d, neither %d\n", p.A, p.B, v.Common, p.BothSolved, p.Neither)
		fmt.Fprintf(&b, "- solved only by %s (%d): %s\n", p.A, p.OnlyA.Len(), p.OnlyA)
		fmt.Fprintf(&b, "- solved only by %s (%d): %s\n", p.B, p.OnlyB.Len(), p.OnlyB)
	}
	return b.String()
}

// Len is the number of ids in the list, shown or not.
func (l idList) Len() int { return len(l.Shown) + l.More }

var comparisonPage = template.Must(template.New("compare").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>codetree: {{range $i, $n := .Names}}{{if $i}} vs {{end}}{{$n}}{{end}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}
th{background:#f3f3f3}.only{font-family:ui-monospace,monospace}
</style></head><body>
<h1>Runs compared</h1>
<table><tr><th></th>{{range .Names}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range $i, $c := .}}{{if $i}}<td>{{$c}}</td>{{else}}<th>{{$c}}</th>{{end}}{{end}}</tr>
{{end}}</table>
<p>{{.Common}} problems have a result in every run.{{if .Partial}}
Not in every run, so left out below: {{range $i, $p := .Partial}}{{if $i}}; {{end}}{{$p}}{{end}}.{{end}}</p>
{{range .Pairs}}<h2>{{.A}} vs {{.B}}</h2>
<table><tr><th>both solved</th><td>{{.BothSolved}}</td></tr>
<tr><th>solved only by {{.A}}</th><td>{{.OnlyA.Len}}</td><td class="only">{{.OnlyA}}</td></tr>
<tr><th>solved only by {{.B}}</th><td>{{.OnlyB.Len}}</td><td class="only">{{.OnlyB}}</td></tr>
<tr><th>neither</th><td>{{.Neither}}</td></tr></table>
{{end}}</body></html>
`))

// describeErrors lists counts by class, "none" for none.
func describeErrors(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// reportFacts is the summary table of a run's report.
func reportFacts(s benchSummary) [][2]string {
	model := s.Model
	if s.Simulated {
		model += " (simulated)"
	}
	facts := [][2]string{
		{"dataset", s.Dataset}, {"strategy", s.Strategy}, {"model", model},
		{"visible-test policy", s.Policy}, {"budget", fmt.Sprint(s.Budget)}, {"selection", s.Select},
		{"pass@1", fmt.Sprintf("%.4f (%d of %d problems)", s.PassAt1, s.Solved, s.Attempted)},
	}
	if s.PlusPassAt1 != nil {
		facts = append(facts, [2]string{"pass@1 plus", fmt.Sprintf("%.4f", *s.PlusPassAt1)})
	}
	return append(facts,
		[2]string{"generations", fmt.Sprint(s.Generations)},
		[2]string{"distinct candidates", fmt.Sprint(s.Distinct)},
		[2]string{"duplicates", fmt.Sprint(s.Duplicates)},
		[2]string{"accepted by verification", share(s.Accepted[treesearch.AcceptedByCritic], s.Attempted)},
		[2]string{"accepted by visible tests", share(s.Accepted[treesearch.AcceptedByTests], s.Attempted)},
		[2]string{"problems without a visible test", fmt.Sprint(s.NoVisibleTests)},
		[2]string{"tokens", fmt.Sprint(s.Accounts.Total.Tokens())},
		[2]string{"tokens by role", tokensByRole(s.Accounts)},
		[2]string{"temperatures", orDash(s.Temperatures.String())},
		[2]string{"width x depth", shape(s)},
		[2]string{"cost (USD)", fmt.Sprintf("%.4f", s.Accounts.Total.Cost)},
		[2]string{"infrastructure errors", describeErrors(s.Errors)},
		[2]string{"model faults (retried)", describeErrors(s.Faults)},
		[2]string{"wall time", s.WallTime.Round(time.Millisecond).String()},
		[2]string{"code version", s.Version},
	)
}
