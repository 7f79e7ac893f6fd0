package swebench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/internal/htmlreport"
)

// reportFixture is a run folder written as Run writes one, and an
// evaluation folder of its predictions, as Evaluate writes one.
type reportFixture struct {
	run, eval string
	preds     []Prediction
}

const scriptPatch = "diff --git a/x.go b/x.go\n--- a/x.go\n+++ b/x.go\n@@ -1 +1 @@\n-a\n+<script>alert(1)</script> & \"q\"\n"

func stages(calls int, secs float64) []StageAccount {
	return []StageAccount{
		{Name: StageLocalize, Calls: calls, PromptTokens: 100 * calls, CompletionTokens: 10 * calls, Seconds: secs},
		{Name: StageRepair, Calls: 2 * calls, PromptTokens: 300 * calls, CompletionTokens: 40 * calls, Seconds: 3 * secs},
		{Name: StageSelect, Seconds: 0.0001234},
	}
}

// newReportFixture writes a run folder of eight instances, out of
// order: resolved, unresolved, unapplied, an evaluation error, an empty
// patch, a run error, an interrupted attempt and a patch changed after
// the evaluation; then the evaluation folder of its predictions.
func newReportFixture(t *testing.T, simulated bool) reportFixture {
	t.Helper()
	root := t.TempDir()
	f := reportFixture{run: filepath.Join(root, "run"), eval: filepath.Join(root, "eval")}
	for _, d := range []string{f.run, filepath.Join(f.eval, "reports")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	type inst struct {
		id, patch string
		passed    bool
		res       []RunResult // extra results lines before the last
		errClass  string
		edited    []string
	}
	insts := []inst{
		{id: "acme__b-10", patch: "diff b10\n", passed: false},
		{id: "acme__b-9", patch: "diff b9\n", passed: true},
		{id: "acme__a-2", patch: scriptPatch, passed: true, edited: []string{"x_test.go"}},
		{id: "acme__c-5", patch: "diff c5\n", passed: true},
		{id: "pyco__e-3", patch: "", passed: false},
		{id: "pyco__f-7", errClass: "checkout"},
		{id: "pyco__g-8", errClass: ClassInterrupted},
		{id: "acme__d-6", patch: "diff d6 new\n", passed: true},
	}
	var lines []any
	for i, in := range insts {
		r := RunResult{InstanceID: in.id, Passed: in.passed, PatchBytes: len(in.patch), Stages: stages(i+1, 1.2345),
			EditedTests: in.edited, Simulated: simulated, Seconds: 10.5 + float64(i), Started: start}
		if in.errClass != "" {
			r.Error, r.ErrorClass, r.Passed = "clone <failed> for "+in.id, in.errClass, false
		} else {
			f.preds = append(f.preds, Prediction{InstanceID: in.id, ModelNameOrPath: "m", ModelPatch: in.patch})
		}
		if in.id == "acme__b-9" { // an earlier attempt hit an error, then this one made the prediction
			e := r
			e.Error, e.ErrorClass = "timeout", "error"
			lines = append(lines, e)
		}
		lines = append(lines, r)
	}
	var predLines []any
	for _, p := range f.preds {
		predLines = append(predLines, p)
	}
	if err := writeJSONLines(filepath.Join(f.run, PredictionsFile), predLines); err != nil {
		t.Fatal(err)
	}
	if err := writeJSONLines(filepath.Join(f.run, RunResultsFile), lines); err != nil {
		t.Fatal(err)
	}
	var all []Instance
	for _, in := range insts {
		all = append(all, Instance{InstanceID: in.id})
	}
	if _, err := writeRunSummary(RunOptions{Out: f.run, ModelName: "m", Instances: all}, 83*time.Second); err != nil {
		t.Fatal(err)
	}

	// The evaluation: acme__d-6 was scored with another patch.
	ts := &TestsStatus{FailToPass: Outcome{Success: []string{"TestA"}, Failure: []string{}}, PassToPass: Outcome{Success: []string{"TestB", "TestC"}, Failure: []string{}}}
	failing := &TestsStatus{FailToPass: Outcome{Success: []string{}, Failure: []string{"TestFix<1>"}}, PassToPass: Outcome{Success: []string{"TestB"}, Failure: []string{}}}
	reports := []InstanceReport{
		{InstanceID: "acme__a-2", PatchExists: true, PatchSuccessfullyApplied: true, Resolved: true, TestsStatus: ts},
		{InstanceID: "acme__b-10", PatchExists: true, PatchSuccessfullyApplied: true, TestsStatus: failing},
		{InstanceID: "acme__b-9", PatchExists: true},
		{InstanceID: "pyco__e-3", PatchIsNone: true},
		{InstanceID: "acme__d-6", PatchExists: true, PatchSuccessfullyApplied: true, Resolved: true, TestsStatus: ts},
	}
	for _, r := range reports {
		if err := writeJSON(filepath.Join(f.eval, "reports", r.InstanceID+".json"), Keyed(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeJSON(filepath.Join(f.eval, EvalReportFile), Keyed(reports...)); err != nil {
		t.Fatal(err)
	}
	sum := Summarize(reports, map[string]error{"acme__c-5": os.ErrDeadlineExceeded})
	if err := writeJSON(filepath.Join(f.eval, EvalSummaryFile), sum); err != nil {
		t.Fatal(err)
	}
	return f
}

// link records the evaluation in the run folder as swe eval does, with
// acme__d-6's patch as it was when it was scored.
func (f reportFixture) link(t *testing.T) {
	t.Helper()
	scored := slices.Clone(f.preds)
	for i := range scored {
		if scored[i].InstanceID == "acme__d-6" {
			scored[i].ModelPatch = "diff d6 old\n"
		}
	}
	if err := LinkEval(f.run, f.eval, filepath.Join(f.run, PredictionsFile), scored); err != nil {
		t.Fatal(err)
	}
}

var (
	statusAttr = regexp.MustCompile(`<details class="instance" id="([^"]+)" data-status="([^"]+)"`)
	seriesAttr = regexp.MustCompile(`<g class="series" data-series="([^"]+)"`)
	// rawDuration is a Go duration's String ("1.2345s", "83s", "12.5ms").
	rawDuration = regexp.MustCompile(`\d(ns|µs|ms|s|m|h)\b`)
)

// instanceStatuses are the page's instances, in order, by anchor, with
// their status.
func instanceStatuses(page string) [][2]string {
	var out [][2]string
	for _, m := range statusAttr.FindAllStringSubmatch(page, -1) {
		out = append(out, [2]string{m[1], m[2]})
	}
	return out
}

// anchored is want with each id made into its anchor.
func anchored(want [][2]string) [][2]string {
	out := slices.Clone(want)
	for i := range out {
		out[i][0] = htmlreport.Anchor(out[i][0])
	}
	return out
}

// chart is the SVG of the page's chart id.
func chart(t *testing.T, page, id string) string {
	t.Helper()
	start := strings.Index(page, `data-chart="`+id+`"`)
	if start < 0 {
		t.Fatalf("no chart %q", id)
	}
	end := strings.Index(page[start:], "</svg>")
	return page[start : start+end]
}

// seriesBars is a chart's series, in order, with their bars.
func seriesBars(svg string) [][2]any {
	var out [][2]any
	parts := seriesAttr.FindAllStringSubmatchIndex(svg, -1)
	for i, m := range parts {
		end := len(svg)
		if i+1 < len(parts) {
			end = parts[i+1][0]
		}
		out = append(out, [2]any{svg[m[2]:m[3]], strings.Count(svg[m[1]:end], `class="bar"`)})
	}
	return out
}

// checkPageHygiene: self-contained, escaped, durations for people.
func checkPageHygiene(t *testing.T, page string) {
	t.Helper()
	for _, bad := range []string{"http", "<script", "<img", "1 instances", "1 attempts", "1 calls", "1 tokens"} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds %q", bad)
		}
	}
	if m := rawDuration.FindString(page); m != "" {
		t.Errorf("page holds a raw Go duration near %q", m)
	}
}

func TestRunReportNotEvaluated(t *testing.T) {
	t.Parallel()
	f := newReportFixture(t, true)
	path, page := writtenRunPage(t, f.run, RunReportOptions{ScoreCommand: "codetree swe eval --instances i.jsonl --predictions " + filepath.Join(f.run, PredictionsFile)})
	if path != filepath.Join(f.run, ReportHTMLFile) {
		t.Errorf("path %s", path)
	}
	want := [][2]string{
		{"acme__a-2", "not evaluated"}, {"acme__b-9", "not evaluated"}, {"acme__b-10", "not evaluated"},
		{"acme__c-5", "not evaluated"}, {"acme__d-6", "not evaluated"}, {"pyco__e-3", "empty patch"},
		{"pyco__f-7", "error"}, {"pyco__g-8", "interrupted"},
	}
	if diff := cmp.Diff(anchored(want), instanceStatuses(page)); diff != "" {
		t.Errorf("instances (-want +got):\n%s", diff)
	}
	for _, s := range []string{
		"Not evaluated yet", "codetree swe eval --instances i.jsonl --predictions", "id=\"simulated\"",
		"&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;q&#34;", // the patch, escaped
		"edits existing tests", "<code>x_test.go</code>",
		"checkout: clone &lt;failed&gt; for pyco__f-7",
		"<b>8</b><span>instances</span>", "<b>6</b><span>predictions (5 patched, 1 empty)</span>",
		"<b>4</b><span>passed their own tests</span>", "<b>1</b><span>infrastructure errors</span>",
		"<b>1 min 23 s</b><span>wall time (last invocation)</span>",
		"1.23 s",                    // a stage's 1.2345 seconds
		"123 µs",                    // select's 0.0001234 seconds
		"2 attempts",                // acme__b-9
		"<b>unknown (no price for ", // calls made, none priced
	} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if strings.Contains(page, "resolved (") {
		t.Error("an unevaluated run's page shows a resolved figure")
	}
	// The stages' chart: no price, so tokens, a bar per stage of the summary.
	sum, err := readJSONFile[RunSummary](filepath.Join(f.run, RunSummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	n := len(sum.Stages)
	if diff := cmp.Diff([][2]any{{"prompt tokens", n}, {"completion tokens", n}}, seriesBars(chart(t, page, "stages"))); diff != "" {
		t.Errorf("stages chart (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][2]any{{"time", n}}, seriesBars(chart(t, page, "stage-time"))); diff != "" {
		t.Errorf("time chart (-want +got):\n%s", diff)
	}
	want2 := [][2]any{{"empty patch", 1}, {"not evaluated", 1}, {"error", 1}, {"interrupted", 1}}
	if diff := cmp.Diff(want2, seriesBars(chart(t, page, "outcome"))); diff != "" {
		t.Errorf("outcome chart (-want +got):\n%s", diff)
	}
	if !strings.Contains(chart(t, page, "outcome"), "not evaluated: 5 of 8 instances (62.5%)") {
		t.Error("outcome chart lacks its tooltip")
	}
	// The stage rows are in the summary's order, with calls and time.
	svg := chart(t, page, "stages")
	if a, b := strings.Index(svg, ">localize<"), strings.Index(svg, ">repair<"); a < 0 || b < a {
		t.Errorf("stage order: localize at %d, repair at %d", a, b)
	}
	if !strings.Contains(svg, "4,180 tokens · 38 calls · 11.1 s") {
		t.Errorf("stage label lacks tokens and calls:\n%s", svg)
	}
	md := readFile(t, filepath.Join(f.run, ReportMarkdownFile))
	if a, b := strings.Index(md, "| acme__b-9 |"), strings.Index(md, "| acme__b-10 |"); a < 0 || b < a {
		t.Errorf("report.md order: b-9 at %d, b-10 at %d\n%s", a, b, md)
	}
}

func TestRunReportWithEval(t *testing.T) {
	t.Parallel()
	f := newReportFixture(t, false)
	f.link(t)
	_, page := writtenRunPage(t, f.run, RunReportOptions{})
	want := [][2]string{
		{"acme__a-2", "resolved"}, {"acme__b-9", "did not apply"}, {"acme__b-10", "applied but not resolved"},
		{"acme__c-5", "error"}, {"acme__d-6", "not evaluated"}, {"pyco__e-3", "empty patch"},
		{"pyco__f-7", "error"}, {"pyco__g-8", "interrupted"},
	}
	if diff := cmp.Diff(anchored(want), instanceStatuses(page)); diff != "" {
		t.Errorf("instances (-want +got):\n%s", diff)
	}
	for _, s := range []string{
		"Resolution from <code>codetree swe eval</code>",
		"<b>12.5%</b><span>resolved (1 of 8 instances)</span>", "<b>2</b><span>applied</span>", "<b>1</b><span>did not apply</span>",
		"FAIL_TO_PASS: 0 of 1 test succeeded; failing: <code>TestFix&lt;1&gt;</code>", "PASS_TO_PASS: 2 of 2 tests succeeded",
		"Evaluation error: i/o timeout",
	} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if strings.Contains(page, `id="simulated"`) {
		t.Error("a real model's page has the simulated banner")
	}
	want2 := [][2]any{{"resolved", 1}, {"applied but not resolved", 1}, {"did not apply", 1}, {"empty patch", 1},
		{"not evaluated", 1}, {"error", 1}, {"interrupted", 1}}
	if diff := cmp.Diff(want2, seriesBars(chart(t, page, "outcome"))); diff != "" {
		t.Errorf("outcome chart (-want +got):\n%s", diff)
	}

	// The evaluation gone: patches are not evaluated again, the page says so.
	if err := os.RemoveAll(f.eval); err != nil {
		t.Fatal(err)
	}
	_, page = writtenRunPage(t, f.run, RunReportOptions{})
	if !strings.Contains(page, "is gone") || strings.Contains(page, `data-status="resolved"`) {
		t.Errorf("a run whose evaluation is gone: the page shows no note, or verdicts")
	}
}

func TestRunReportPriced(t *testing.T) {
	t.Parallel()
	f := newReportFixture(t, false)
	var sum RunSummary
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(f.run, RunSummaryFile))), &sum); err != nil {
		t.Fatal(err)
	}
	sum.Stages[1].CostUSD, sum.Total.CostUSD = 0.25, 0.25
	if err := writeJSONAtomic(filepath.Join(f.run, RunSummaryFile), sum); err != nil {
		t.Fatal(err)
	}
	_, page := writtenRunPage(t, f.run, RunReportOptions{})
	svg := chart(t, page, "stages")
	if diff := cmp.Diff([][2]any{{"cost", len(sum.Stages)}}, seriesBars(svg)); diff != "" {
		t.Errorf("priced stages chart (-want +got):\n%s", diff)
	}
	if !strings.Contains(svg, "$0.2500 · 76 calls") {
		t.Errorf("priced stage label lacks cost and calls:\n%s", svg)
	}
}

func TestEvalReport(t *testing.T) {
	t.Parallel()
	f := newReportFixture(t, true)
	f.link(t)
	path, err := WriteEvalReport(f.eval)
	if err != nil {
		t.Fatal(err)
	}
	page := readFile(t, path)
	checkPageHygiene(t, page)
	want := [][2]string{
		{"acme__a-2", "resolved"}, {"acme__b-9", "did not apply"}, {"acme__b-10", "applied but not resolved"},
		{"acme__c-5", "error"}, {"acme__d-6", "resolved"}, {"pyco__e-3", "empty patch"},
	}
	if diff := cmp.Diff(anchored(want), instanceStatuses(page)); diff != "" {
		t.Errorf("instances (-want +got):\n%s", diff)
	}
	for _, s := range []string{
		`id="simulated"`, "<b>33.3%</b><span>resolved (2 of 6 instances)</span>", "<b>3</b><span>applied</span>",
		"<b>1</b><span>errors</span>", f.run, "i/o timeout",
	} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	want2 := [][2]any{{"resolved", 1}, {"applied but not resolved", 1}, {"did not apply", 1}, {"empty patch", 1}, {"error", 1}}
	if diff := cmp.Diff(want2, seriesBars(chart(t, page, "outcome"))); diff != "" {
		t.Errorf("outcome chart (-want +got):\n%s", diff)
	}
	if !IsEvalFolder(f.eval) || IsRunFolder(f.eval) || !IsRunFolder(f.run) || IsEvalFolder(f.run) {
		t.Error("folder kinds are confused")
	}
}

func TestInstanceStatusString(t *testing.T) {
	t.Parallel()
	if s := InstanceStatus(0).String(); s != "invalid" {
		t.Errorf("zero status is %q", s)
	}
	if s := InstanceStatus(99).String(); s != "InstanceStatus(99)" {
		t.Errorf("out of range: %q", s)
	}
	ids := []string{"b__x-10", "a__y-2", "b__x-9", "b__x-100"}
	slices.SortFunc(ids, compareIDs)
	if diff := cmp.Diff([]string{"a__y-2", "b__x-9", "b__x-10", "b__x-100"}, ids); diff != "" {
		t.Errorf("id order (-want +got):\n%s", diff)
	}
}

// writtenRunPage writes dir's run report and returns its path and text, checked
// by checkPageHygiene.
func writtenRunPage(t *testing.T, dir string, opts RunReportOptions) (path, page string) {
	t.Helper()
	path, err := WriteRunReport(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	page = readFile(t, path)
	checkPageHygiene(t, page)
	return path, page
}
