package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/internal/htmlreport"
	"github.com/codetree/codetree/treesearch"
	"github.com/codetree/codetree/treesearch/report"
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
			"the problems solved by one only, on the problems every run has a result for; --html FILE\n" +
			"also writes the comparison page (every run's anytime curve on one chart, pass@1 and plus\n" +
			"bars, the table, the problem-by-problem matrix). A codetree swe run or swe eval folder\n" +
			"(alone) gets its report.md and report.html rewritten. Flags may follow the folders.",
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
	if len(dirs) == 1 && c.IsSet("html") {
		return usageErrorf("--html compares two or more runs; the page of one run is %s", filepath.Join(dirs[0], report.HTMLFile))
	}
	for _, d := range dirs {
		if kind := sweFolderKind(d); kind != "" {
			if len(dirs) > 1 {
				return usageErrorf("%s is a %s folder: codetree report compares bench runs only; give it alone to rewrite its report", d, kind)
			}
			return reportSwe(c.App.Writer, d, kind)
		}
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
		if err := report.WriteComparison(file, v.page(runs)); err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "\ncomparison: %s\n", file)
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
	if err := writeRunReport(r.Dir, r.Summary); err != nil {
		return fmt.Errorf("%s: %w", r.Dir, err)
	}
	var b strings.Builder
	b.WriteString(htmlreport.MarkdownHead(title, false, facts))
	fmt.Fprintf(&b, "\nreport: %s, %s\n", filepath.Join(r.Dir, report.MarkdownFile), filepath.Join(r.Dir, report.HTMLFile))
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
// cell per run. The rows are each run's reportFacts, in order, so the
// table and a run's own page say the same; a fact one run lacks is "-".
func summaryRows(runs []reportRun) [][]string {
	var labels []string // every run's labels, each in its place in the runs' order
	cells := make([]map[string]string, len(runs))
	for i, r := range runs {
		cells[i] = map[string]string{}
		at := 0 // where the next new label goes: after this run's previous one
		for _, f := range reportFacts(r.Summary) {
			cells[i][f[0]] = f[1]
			if k := slices.Index(labels, f[0]); k >= 0 {
				at = k + 1
				continue
			}
			labels = slices.Insert(labels, at, f[0])
			at++
		}
	}
	rows := make([][]string, len(labels))
	for k, label := range labels {
		rows[k] = []string{label}
		for i := range runs {
			rows[k] = append(rows[k], orDash(cells[i][label]))
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
			parts = append(parts, fmt.Sprintf("%s %s", role, htmlreport.Count(t.Tokens())))
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
		fmt.Fprintf(&b, " | %s", htmlreport.MarkdownCell(n))
	}
	b.WriteString(" |\n|---|" + strings.Repeat("---|", len(v.Names)) + "\n")
	for _, row := range v.Rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = htmlreport.MarkdownCell(c)
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

// page is the comparison's HTML page: the same table and pairs, the
// runs' anytime curves and pass@1 bars, the per-problem matrix.
func (v comparisonView) page(runs []reportRun) report.Comparison {
	c := report.Comparison{Table: v.Rows}
	for _, r := range runs {
		c.Runs = append(c.Runs, report.Compared{Name: r.Name, Simulated: r.Summary.Simulated, Budget: r.Summary.Budget,
			Results: r.Results, PassAt1: r.Summary.PassAt1, PlusPassAt1: r.Summary.PlusPassAt1})
	}
	c.Notes = append(c.Notes, fmt.Sprintf("%s have a result in every run.", htmlreport.Plural(v.Common, "problem")))
	if len(v.Partial) > 0 {
		c.Notes = append(c.Notes, "Not in every run, so left out of the pairs: "+strings.Join(v.Partial, "; ")+".")
	}
	for _, p := range v.Pairs {
		c.Notes = append(c.Notes, fmt.Sprintf("%s vs %s: both solved %d, neither %d; solved only by %s (%d): %s; solved only by %s (%d): %s.",
			p.A, p.B, p.BothSolved, p.Neither, p.A, p.OnlyA.Len(), p.OnlyA, p.B, p.OnlyB.Len(), p.OnlyB))
	}
	return c
}

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

// writeRunReport writes a run folder's report.md and report.html.
func writeRunReport(dir string, s benchSummary) error {
	return report.Write(dir, report.Info{Title: runTitle(s), Simulated: s.Simulated, Facts: reportFacts(s),
		Figures: reportFigures(s), Budget: s.Budget, Accounts: s.Accounts})
}

// reportFigures are the headline numbers of a run's page.
func reportFigures(s benchSummary) [][2]string {
	figures := [][2]string{{fmt.Sprintf("pass@1 (%d of %d solved)", s.Solved, s.Attempted), htmlreport.Percent(s.PassAt1)}}
	if s.PlusPassAt1 != nil {
		figures = append(figures, [2]string{"pass@1 plus", htmlreport.Percent(*s.PlusPassAt1)})
	}
	if s.CandidatesScored > 0 {
		figures = append(figures, [2]string{fmt.Sprintf("any candidate passed (oracle, %d of %d)", s.AnyPassed, s.CandidatesScored),
			htmlreport.Percent(float64(s.AnyPassed) / float64(s.CandidatesScored))})
	}
	perProblem := 0.0
	if s.Attempted > 0 {
		perProblem = float64(s.Generations) / float64(s.Attempted)
	}
	figures = append(figures,
		[2]string{fmt.Sprintf("generations per problem (budget %d)", s.Budget), strconv.FormatFloat(perProblem, 'f', 1, 64)},
		[2]string{"tokens", htmlreport.Count(s.Accounts.Total.Tokens())},
		[2]string{"cost", costText(s.Accounts.Total)},
		[2]string{"wall time", htmlreport.Duration(s.WallTime)})
	if n := len(s.Errors); n > 0 {
		figures = append(figures, [2]string{"problems left by infrastructure errors", htmlreport.Count(sumCounts(s.Errors))})
	}
	return figures
}

// oracle is the share of problems some candidate of whose tree passed
// the hidden tests, when every candidate was scored (--score-candidates).
func oracle(s benchSummary) string {
	if s.CandidatesScored == 0 {
		return "not scored (--score-candidates)"
	}
	return fmt.Sprintf("%.4f (%d of %d problems)", float64(s.AnyPassed)/float64(s.CandidatesScored), s.AnyPassed, s.CandidatesScored)
}

// costText is what t cost, with the calls no price was known for.
func costText(t agent.Tally) string { return htmlreport.Cost(t.Cost, t.UnpricedCalls) }

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// reportFacts is the summary table of a run's report, and its column in
// a comparison (summaryRows).
func reportFacts(s benchSummary) [][2]string {
	model := s.Model
	if s.Simulated {
		model += " (simulated)"
	}
	facts := [][2]string{
		{"dataset", s.Dataset}, {"strategy", s.Strategy}, {"model", model},
		{"visible-test policy", s.Policy}, {"budget", fmt.Sprint(s.Budget)}, {"selection", orDash(s.Select)},
		{"pass@1", fmt.Sprintf("%.4f (%d of %d problems)", s.PassAt1, s.Solved, s.Attempted)},
		{"problems", fmt.Sprintf("%d attempted of %d", s.Attempted, s.Problems)},
	}
	if s.PlusPassAt1 != nil {
		facts = append(facts, [2]string{"pass@1 plus", fmt.Sprintf("%.4f", *s.PlusPassAt1)})
	}
	facts = append(facts, [2]string{"solved by any candidate (oracle)", oracle(s)})
	return append(facts,
		[2]string{"generations", htmlreport.Count(s.Generations)},
		[2]string{"distinct candidates", htmlreport.Count(s.Distinct)},
		[2]string{"duplicates", htmlreport.Count(s.Duplicates)},
		[2]string{"accepted by verification", share(s.Accepted[treesearch.AcceptedByCritic], s.Attempted)},
		[2]string{"accepted by visible tests", share(s.Accepted[treesearch.AcceptedByTests], s.Attempted)},
		[2]string{"problems without a visible test", fmt.Sprint(s.NoVisibleTests)},
		[2]string{"tokens", htmlreport.Count(s.Accounts.Total.Tokens())},
		[2]string{"tokens by role", tokensByRole(s.Accounts)},
		[2]string{"temperatures", orDash(s.Temperatures.String())},
		[2]string{"width x depth", shape(s)},
		[2]string{"cost", costText(s.Accounts.Total)},
		[2]string{"infrastructure errors", describeErrors(s.Errors)},
		[2]string{"model faults (retried)", describeErrors(s.Faults)},
		[2]string{"wall time", htmlreport.Duration(s.WallTime)},
		[2]string{"code version", shortVersion(s.Version)},
	)
}
