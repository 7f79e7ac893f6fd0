package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/internal/browser/browsertest"
	"github.com/codetree/codetree/internal/htmlreport"
	"github.com/codetree/codetree/treesearch"
	"github.com/codetree/codetree/treesearch/report"
)

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }

// screenshotDir is where TestReportsInBrowser saves its screenshots:
// $CODETREE_SCREENSHOTS (make screenshots: the README's images), else a
// folder of the temporary folder that outlives the test.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("CODETREE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "codetree-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pageCharts is what the test reads of a report in the browser: per
// chart id, its series in order with their marks; the problems' rows.
type pageCharts struct {
	Charts map[string][]struct {
		Name  string `json:"name"`
		Marks int    `json:"marks"`
	} `json:"charts"`
	Trees    map[string]int `json:"trees"` // problem anchor -> nodes drawn
	Rings    map[string]int `json:"rings"` // problem anchor -> hidden-verdict rings
	Problems int            `json:"problems"`
	Visible  int            `json:"visible"`
}

// readCharts is the browser's view of the page's charts; trees are the
// <svg data-chart="tree"> of each problem, by its details' id.
const readCharts = `(() => {
  const charts = {}, trees = {}, rings = {};
  for (const svg of document.querySelectorAll('svg[data-chart]')) {
    const id = svg.dataset.chart;
    if (id === 'tree') {
      trees[svg.closest('details.problem').id] = svg.querySelectorAll('circle.node').length;
      rings[svg.closest('details.problem').id] = svg.querySelectorAll('circle.hidden, circle.chosen').length;
      continue;
    }
    charts[id] = [...svg.querySelectorAll('g.series')].map(g => ({name: g.dataset.series, marks: g.querySelectorAll('.point, .bar').length}));
  }
  const problems = document.querySelectorAll('details.problem, table.matrix tr[id]');
  const visible = [...problems].filter(e => e.offsetParent !== null).length;
  return {charts, trees, rings, problems: problems.length, visible};
})()`

type markCount struct {
	Name  string
	Marks int
}

func seriesOf(c pageCharts, id string) []markCount {
	var out []markCount
	for _, s := range c.Charts[id] {
		out = append(out, markCount{s.Name, s.Marks})
	}
	return out
}

// TestReportsInBrowser makes two real runs with the simulated model,
// their run reports and their comparison, loads the pages in headless
// Chromium and checks that they report no error, draw each chart with the
// series and points the runs call for, filter without a script, and
// saves their screenshots.
func TestReportsInBrowser(t *testing.T) {
	dataDir(t)
	bin := codetreeBinary(t)
	root := t.TempDir()
	runs := map[string]string{"codetree": filepath.Join(root, "codetree"), "resample": filepath.Join(root, "resample")}
	for strategy, out := range runs {
		args := []string{"bench", "--model", "sim", "--dataset", "humaneval+", "--strategy", strategy, "--limit", "8", "--budget", "6",
			"--sim-correct-rate", "0.3", "--sim-repair-rate", "0.5", "--sim-reject-rate", "0.6", "--out", out}
		if strategy == "codetree" {
			args = append(args, "--score-candidates")
		}
		if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("bench --strategy %s: %v\n%s", strategy, err, b)
		}
	}
	compare := filepath.Join(root, "compare.html")
	if b, err := exec.Command(bin, "report", runs["codetree"], runs["resample"], "--html", compare).CombinedOutput(); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	shots := screenshotDir(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	// The run report of the tree search.
	dir := runs["codetree"]
	run, err := loadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	results, sum := run.Results, run.Summary
	page := browsertest.Load(t, filepath.Join(dir, report.HTMLFile))
	var got pageCharts
	if err := page.Eval(ctx, readCharts, &got); err != nil {
		t.Fatal(err)
	}
	curve := report.NewAnytime(results, sum.Budget)
	points := len(curve.Solved)
	wantAnytime := []markCount{{"hidden tests", points}, {"plus tests", points}, {"any candidate (oracle)", points}}
	if diff := cmp.Diff(wantAnytime, seriesOf(got, "anytime")); diff != "" {
		t.Errorf("run report's anytime chart (-want +got):\n%s", diff)
	}
	roles := len(sum.Accounts.ByRole)
	if diff := cmp.Diff([]markCount{{"prompt tokens", roles}, {"completion tokens", roles}}, seriesOf(got, "roles")); diff != "" {
		t.Errorf("run report's roles chart (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]markCount{{"solved", points - 1}, {"not solved", points - 1}}, seriesOf(got, "generations")); diff != "" {
		t.Errorf("run report's generations chart (-want +got):\n%s", diff)
	}
	wantTrees, wantRings := map[string]int{}, map[string]int{}
	for id := range results {
		tree, err := treesearch.ReadTree(dir, id)
		if err != nil || tree == nil {
			t.Fatalf("tree of %s: %v", id, err)
		}
		anchor := htmlreport.Anchor(id)
		wantTrees[anchor] = len(tree.Nodes)
		for _, n := range tree.Nodes {
			// --score-candidates: every node with code has a verdict, and a ring.
			if n.Code != "" {
				wantRings[anchor]++
				if n.Hidden == nil {
					t.Errorf("%s: node %d has code but no hidden verdict", id, n.ID)
				}
			}
		}
	}
	if diff := cmp.Diff(wantTrees, got.Trees); diff != "" {
		t.Errorf("trees drawn, nodes by problem (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantRings, got.Rings); diff != "" {
		t.Errorf("hidden-verdict rings by problem (-want +got):\n%s", diff)
	}
	failed := 0
	for _, r := range results {
		if !r.Passed {
			failed++
		}
	}
	if got.Problems != len(results) || got.Visible != len(results) {
		t.Errorf("%d problems, %d shown; want %d of each", got.Problems, got.Visible, len(results))
	}
	// The "failed" filter is CSS: check the browser applies it.
	if err := page.Eval(ctx, `document.getElementById('show-failed').click(), true`, new(bool)); err != nil {
		t.Fatal(err)
	}
	if err := page.Eval(ctx, readCharts, &got); err != nil {
		t.Fatal(err)
	}
	if got.Visible != failed {
		t.Errorf("the failed filter shows %d problems, want %d", got.Visible, failed)
	}
	// The screenshot: every problem, the first failed one opened.
	if err := page.Eval(ctx, `document.getElementById('show-all').click(),
		(document.querySelector('details.problem.failed') || document.querySelector('details.problem')).open = true, true`, new(bool)); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(shots, "report-run.png")
	if err := page.Screenshot(ctx, shot); err != nil {
		t.Fatal(err)
	}
	t.Logf("run report %s: screenshot %s", page.URL(), shot)
	if errs := page.Errors(); len(errs) > 0 {
		t.Errorf("the run report's page reported errors:\n%s", strings.Join(errs, "\n"))
	}

	// The comparison.
	other, err := treesearch.ReadResults(runs["resample"])
	if err != nil {
		t.Fatal(err)
	}
	cmpPage := browsertest.Load(t, compare)
	if err := cmpPage.Eval(ctx, readCharts, &got); err != nil {
		t.Fatal(err)
	}
	wantCurves := []markCount{{"codetree", points}, {"resample", len(report.NewAnytime(other, sum.Budget).Solved)}}
	if diff := cmp.Diff(wantCurves, seriesOf(got, "anytime")); diff != "" {
		t.Errorf("comparison's anytime chart (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]markCount{{"pass@1", 2}, {"pass@1 plus", 2}}, seriesOf(got, "pass")); diff != "" {
		t.Errorf("comparison's pass chart (-want +got):\n%s", diff)
	}
	differ := 0
	for id, r := range results {
		if other[id].Passed != r.Passed {
			differ++
		}
	}
	if got.Problems != len(results) {
		t.Errorf("comparison matrix has %d rows, want %d", got.Problems, len(results))
	}
	if err := cmpPage.Eval(ctx, `document.getElementById('show-differ').click(), true`, new(bool)); err != nil {
		t.Fatal(err)
	}
	if err := cmpPage.Eval(ctx, readCharts, &got); err != nil {
		t.Fatal(err)
	}
	if got.Visible != differ {
		t.Errorf("'only where the runs differ' shows %d rows, want %d", got.Visible, differ)
	}
	if err := cmpPage.Eval(ctx, `document.getElementById('show-every').click(), true`, new(bool)); err != nil {
		t.Fatal(err)
	}
	shot = filepath.Join(shots, "report-compare.png")
	if err := cmpPage.Screenshot(ctx, shot); err != nil {
		t.Fatal(err)
	}
	t.Logf("comparison %s: screenshot %s", cmpPage.URL(), shot)
	if errs := cmpPage.Errors(); len(errs) > 0 {
		t.Errorf("the comparison's page reported errors:\n%s", strings.Join(errs, "\n"))
	}
}
