package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codetree/codetree/benchmarks/swebench"
	"github.com/codetree/codetree/benchmarks/swebench/swebenchtest"
	"github.com/codetree/codetree/treesearch/pipeline"
)

// TestSweRunSimE2E runs `codetree swe run --model sim` on the test
// instances (four Go, two Python repositories of our own): the simulated
// model is the gold patches' oracle, so every instance goes through every
// stage (localize, regression, reproduce, repair with a wrong first edit
// and a repair) and passes its own tests; the predictions then resolve
// every instance under `codetree swe eval`, and a second run resumes
// with nothing to do.
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

	evalOut := t.TempDir()
	code, stdout, stderr = run("eval", "--instances", instPath, "--repo-url", tmpl, "--predictions",
		filepath.Join(out, "predictions.jsonl"), "--out", evalOut, "--timeout", "3m", "--concurrency", "3")
	if code != exitOK || !strings.Contains(stdout, "Resolved 6 of 6") {
		t.Fatalf("swe eval of the predictions: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
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
