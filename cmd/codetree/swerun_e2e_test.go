package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/benchmarks/swebench"
	"github.com/codetree/codetree/benchmarks/swebench/swebenchtest"
	"github.com/codetree/codetree/internal/browser/browsertest"
	"github.com/codetree/codetree/treesearch/pipeline"
)

// TestSweRunSimE2E runs `codetree swe run --model sim` on the test
// instances (four Go, two Python repositories of our own): the simulated
// model is the gold patches' oracle, so every instance goes through every
// stage (localize, regression, reproduce, repair with a wrong first edit
// and a repair) and passes its own tests; the predictions then resolve
// every instance under `codetree swe eval`, which rewrites the run's
// report.html with the resolution (checked in headless Chromium), and a
// second run resumes with nothing to do.
func TestSweRunSimE2E(t *testing.T) {
	t.Parallel()
	bin := codetreeBinary(t)
	tmpl, instPath := swebenchtest.Remotes(t)
	run := func(args ...string) (int, string, string) {
		t.Helper()
		return runSwe(t, bin, args...)
	}
	out := t.TempDir()
	args := []string{"run", "--model", "sim", "--instances", instPath, "--repo-url", tmpl, "--out", out,
		"--concurrency", "2", "--timeout", "3m"}
	code, stdout, stderr := run(args...)
	if code != exitOK {
		t.Fatalf("swe run: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !strings.Contains(strings.ToLower(stdout), "simulated model: these figures measure the harness") {
		t.Errorf("the summary does not say the model is simulated:\n%s", stdout)
	}
	var sum swebench.RunSummary
	readJSONFile(t, filepath.Join(out, "summary.json"), &sum)
	if !sum.Simulated || sum.Patched != 6 || sum.PassedOwnTests != 6 || sum.Errors != 0 {
		t.Errorf("summary: simulated %v, patched %d, passed %d, errors %v; want 6 patched and passed\nstdout: %s\nstderr: %s",
			sum.Simulated, sum.Patched, sum.PassedOwnTests, sum.ErrorMessages, stdout, stderr)
	}
	insts, err := os.ReadFile(instPath)
	if err != nil {
		t.Fatal(err)
	}
	all, err := swebench.ReadInstances(bytes.NewReader(insts), instPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range all {
		var res pipeline.Result
		readJSONFile(t, filepath.Join(out, "trees", in.InstanceID+".json"), &res)
		checkPipelineTree(t, in, &res)
	}

	runPage := filepath.Join(out, swebench.ReportHTMLFile)
	if !strings.Contains(stdout, "report: "+runPage) || !strings.Contains(readFileT(t, runPage), "Not evaluated yet") {
		t.Errorf("swe run's report %s: not printed, or not saying how to score the run:\n%s", runPage, stdout)
	}

	evalOut := t.TempDir()
	code, stdout, stderr = run("eval", "--instances", instPath, "--repo-url", tmpl, "--predictions",
		filepath.Join(out, "predictions.jsonl"), "--out", evalOut, "--timeout", "3m", "--concurrency", "3")
	if code != exitOK || !strings.Contains(stdout, "Resolved 6 of 6") {
		t.Fatalf("swe eval of the predictions: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, want := range []string{"report: " + filepath.Join(evalOut, swebench.ReportHTMLFile), "run report, with the resolution: " + runPage} {
		if !strings.Contains(stdout, want) {
			t.Errorf("swe eval's summary lacks %q:\n%s", want, stdout)
		}
	}
	checkSweReportInBrowser(t, out, sum, len(all))
	for _, dir := range []string{out, evalOut} { // codetree report rewrites either folder's page
		b, err := exec.CommandContext(t.Context(), bin, "report", dir).CombinedOutput()
		if err != nil || !strings.Contains(string(b), "report: "+filepath.Join(dir, swebench.ReportMarkdownFile)) {
			t.Errorf("codetree report %s: %v\n%s", dir, err, b)
		}
	}
	if n := strings.Count(readFileT(t, filepath.Join(evalOut, swebench.ReportHTMLFile)), `data-status="resolved"`); n != 6 {
		t.Errorf("the evaluation's report shows %d resolved instances, want 6", n)
	}

	code, stdout, stderr = run(args...)
	if code != exitOK {
		t.Fatalf("swe run again: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	preds, err := os.ReadFile(filepath.Join(out, "predictions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(preds), "\n"); n != 6 {
		t.Errorf("%d predictions after the second run, want 6 (nothing redone)", n)
	}
	// The second run rewrote its report: the resolution stays.
	if n := strings.Count(readFileT(t, runPage), `data-status="resolved"`); n != 6 {
		t.Errorf("the run's report after the second run shows %d resolved instances, want 6", n)
	}
}

// checkSweReportInBrowser loads the run folder's report.html (after swe
// eval) in headless Chromium: no error, the stage charts with a bar per
// stage of summary.json, every instance resolved in the outcome chart
// and the instances' list, in id order; it saves a screenshot.
func checkSweReportInBrowser(t *testing.T, out string, sum swebench.RunSummary, instances int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	page := browsertest.Load(t, filepath.Join(out, swebench.ReportHTMLFile))
	var got pageCharts
	if err := page.Eval(ctx, readCharts, &got); err != nil {
		t.Fatal(err)
	}
	n := len(sum.Stages)
	if n == 0 {
		t.Fatal("summary.json has no stages")
	}
	// The simulated model has no price: tokens by stage.
	if diff := cmp.Diff([]markCount{{"prompt tokens", n}, {"completion tokens", n}}, seriesOf(got, "stages")); diff != "" {
		t.Errorf("stages chart (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]markCount{{"time", n}}, seriesOf(got, "stage-time")); diff != "" {
		t.Errorf("time by stage chart (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]markCount{{"resolved", 1}}, seriesOf(got, "outcome")); diff != "" {
		t.Errorf("outcome chart (-want +got):\n%s", diff)
	}
	var rows struct {
		Stages    []string    `json:"stages"`
		Instances [][2]string `json:"instances"`
		Banner    bool        `json:"banner"`
	}
	const readRows = `({
  stages: [...document.querySelector('svg[data-chart="stages"] g.series').querySelectorAll('rect.bar > title')].map(t => t.textContent.split(':')[0]),
  instances: [...document.querySelectorAll('details.instance')].map(d => [d.id, d.dataset.status]),
  banner: !!document.getElementById('simulated'),
})`
	if err := page.Eval(ctx, readRows, &rows); err != nil {
		t.Fatal(err)
	}
	var stages []string
	for _, st := range sum.Stages {
		stages = append(stages, st.Name)
	}
	if diff := cmp.Diff(stages, rows.Stages); diff != "" {
		t.Errorf("stage bars, in order (-summary.json +page):\n%s", diff)
	}
	if len(rows.Instances) != instances || !rows.Banner {
		t.Errorf("%d instances shown, want %d; simulated banner %v", len(rows.Instances), instances, rows.Banner)
	}
	for i, r := range rows.Instances {
		if r[1] != "resolved" || i > 0 && rows.Instances[i-1][0] >= r[0] {
			t.Errorf("instance %d: %v (want resolved, in id order after %v)", i, r, rows.Instances[max(i-1, 0)])
		}
	}
	if err := page.Eval(ctx, `document.querySelector('details.instance').open = true, true`, new(bool)); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(screenshotDir(t), "report-swe.png")
	if err := page.Screenshot(ctx, shot); err != nil {
		t.Fatal(err)
	}
	t.Logf("swe run report %s: screenshot %s", page.URL(), shot)
	if errs := page.Errors(); len(errs) > 0 {
		t.Errorf("the swe run report's page reported errors:\n%s", strings.Join(errs, "\n"))
	}
}

func readFileT(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkPipelineTree checks that an instance went through every stage: the
// localization names the gold patch's files, a reproduction test failed
// before, the search's first candidate failed and a repair passed.
func checkPipelineTree(t *testing.T, in swebench.Instance, res *pipeline.Result) {
	t.Helper()
	if len(res.Stages) != 6 || !res.Passed || res.Reproduction == nil || res.Tree == nil || len(res.Localizations) == 0 {
		t.Errorf("%s: stages %d, passed %v, reproduction %v, localizations %v", in.InstanceID, len(res.Stages), res.Passed,
			res.Reproduction, res.Localizations)
		return
	}
	for _, f := range res.Localizations[0].Files {
		if !strings.Contains(in.Patch, "+++ b/"+f) {
			t.Errorf("%s: localized to %s, not a file of the gold patch", in.InstanceID, f)
		}
	}
	for _, st := range res.Stages {
		if (st.Name == pipeline.StageLocalize || st.Name == pipeline.StageReproduce || st.Name == pipeline.StageRepair) && st.Calls == 0 {
			t.Errorf("%s: stage %s made no model call", in.InstanceID, st.Name)
		}
	}
	nodes := res.Tree.Nodes
	if len(nodes) < 2 || nodes[0].Feedback == nil || nodes[0].Feedback.AllPassed() {
		t.Errorf("%s: %d nodes, want a failing first edit and a repair", in.InstanceID, len(nodes))
	}
	if strings.Contains(res.Patch, res.Reproduction.Files[0]) && !strings.Contains(in.Patch, res.Reproduction.Files[0]) {
		t.Errorf("%s: the patch holds the reproduction test %s", in.InstanceID, res.Reproduction.Files[0])
	}
}

func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
