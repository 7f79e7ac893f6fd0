package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
	"github.com/codetree/codetree/treesearch"
)

// TestBenchSamplesScoredByHumanEval: the samples.jsonl of a simulated
// bench run on HumanEval, scored by an evaluator of human-eval's kind
// (testdata/humaneval_check.py: prompt + completion + test + check, one
// process per sample) inside the sandbox, gives the run's own hidden
// verdicts task by task, passed, failed and empty answers alike; so does
// codetree eval, which scores the solution as EvalPlus does. The
// evaluator fails, as human-eval does, on lines without a completion,
// and a wrong completion changes its verdicts.
func TestBenchSamplesScoredByHumanEval(t *testing.T) {
	dir := dataDir(t)
	bin := codetreeBinary(t)
	out := filepath.Join(t.TempDir(), "run")
	// One generation a problem (direct), most answers mutants and a third
	// of the replies without code; one problem at a time, so that the
	// simulated model's draws, and the verdicts, are the same every run.
	// HumanEval/38's prompt defines a helper; HumanEval/115's imports
	// inside its stub.
	if code, b := codetreeCmd(t, nil, "bench", "--model", "sim", "--strategy", "direct", "--dataset", "humaneval",
		"--ids", "HumanEval/0,HumanEval/2,HumanEval/12,HumanEval/32,HumanEval/38,HumanEval/53,HumanEval/115,HumanEval/140",
		"--sim-correct-rate", "0.4", "--sim-faults", "nocode=0.3", "--concurrency", "1", "--data-dir", dir, "--out", out); code != 0 {
		t.Fatalf("bench: exit %d\n%s", code, b)
	}
	results, err := treesearch.ReadResults(out)
	if err != nil {
		t.Fatal(err)
	}
	want := make(map[string]bool) // the run's hidden verdicts
	for id, r := range results {
		want[id] = r.Passed
	}
	samplesPath := filepath.Join(out, "samples.jsonl")
	samples := readLinesOf[map[string]string](t, samplesPath)
	if len(samples) != 8 || len(want) != 8 {
		t.Fatalf("%d samples and %d results, want 8 of each", len(samples), len(want))
	}
	var passed, failed, empty, redefined int
	for _, s := range samples {
		c, ok := s["completion"]
		if !ok {
			t.Fatalf("sample %s has no completion: human-eval cannot score it", s["task_id"])
		}
		switch {
		case s["solution"] == "":
			empty++
		case want[s["task_id"]] && c == "\n"+s["solution"]:
			redefined++ // a passing solution that does not start with the prompt
		}
	}
	for _, ok := range want {
		if ok {
			passed++
		} else {
			failed++
		}
	}
	if passed == 0 || failed == 0 || empty == 0 || redefined == 0 {
		t.Fatalf("the run has %d passed, %d failed, %d empty answers and %d passing solutions that redefine the prompt's stub: want some of each",
			passed, failed, empty, redefined)
	}

	problems, err := os.ReadFile(filepath.Join(dir, "humaneval", "HumanEval.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join("testdata", "humaneval_check.py"))
	if err != nil {
		t.Fatal(err)
	}
	sb := sandboxtest.New(t, sandbox.Config{RunnerBinary: bin})
	// humanEval scores a samples file with the script, in the sandbox.
	humanEval := func(t *testing.T, samples []byte) (map[string]bool, sandbox.Result) {
		t.Helper()
		res := sandboxtest.Run(t, sb, sandbox.Request{
			Lang: sandbox.LangPython,
			Files: map[string][]byte{
				"humaneval_check.py": script, "samples.jsonl": samples, "HumanEval.jsonl.gz": problems,
			},
			Command: []string{"python3", "-B", "humaneval_check.py", "samples.jsonl", "HumanEval.jsonl.gz", "3"},
			Limits:  sandbox.Limits{Timeout: 2 * time.Minute},
		})
		if !res.Passed() {
			return nil, res
		}
		var verdicts map[string]string
		if err := json.Unmarshal([]byte(res.Stdout), &verdicts); err != nil {
			t.Fatalf("evaluator output %q: %v", res.Stdout, err)
		}
		got := make(map[string]bool, len(verdicts))
		for id, v := range verdicts {
			got[id] = v == "passed"
		}
		t.Logf("human-eval's verdicts: %v", verdicts)
		return got, res
	}

	raw, err := os.ReadFile(samplesPath)
	if err != nil {
		t.Fatal(err)
	}
	got, res := humanEval(t, raw)
	if got == nil {
		t.Fatalf("the evaluator failed on the run's samples: %s\nstdout: %s\nstderr: %s", res.Status, res.Stdout, res.Stderr)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("human-eval's verdicts differ from the run's hidden ones (-run +human-eval):\n%s", diff)
	}

	// codetree eval scores the same lines (their solutions) alike.
	if code, b := codetreeCmd(t, nil, "eval", "--dataset", "humaneval", "--samples", samplesPath, "--allow-missing", "--data-dir", dir); code != 0 {
		t.Fatalf("eval: exit %d\n%s", code, b)
	}
	evalGot := make(map[string]bool)
	for _, r := range readLinesOf[struct {
		TaskID string `json:"task_id"`
		Passed bool   `json:"passed"`
	}](t, samplesPath+"_results.jsonl") {
		evalGot[r.TaskID] = r.Passed
	}
	if diff := cmp.Diff(want, evalGot); diff != "" {
		t.Errorf("codetree eval's verdicts differ from the run's hidden ones (-run +eval):\n%s", diff)
	}

	// The checks above would catch a missing or a wrong completion.
	rewrite := func(edit func(map[string]string)) []byte {
		var b bytes.Buffer
		for _, s := range samples {
			s = maps.Clone(s)
			edit(s)
			line, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(append(line, '\n'))
		}
		return b.Bytes()
	}
	if got, res := humanEval(t, rewrite(func(s map[string]string) { delete(s, "completion") })); got != nil || !strings.Contains(res.Stderr, "KeyError: 'completion'") {
		t.Errorf("without completions the evaluator gave %v (stderr %q); want a KeyError, as human-eval's", got, res.Stderr)
	}
	got, res = humanEval(t, rewrite(func(s map[string]string) { s["completion"] = "" }))
	if got == nil {
		t.Fatalf("the evaluator failed on wrong completions: %s\n%s", res.Status, res.Stderr)
	}
	if cmp.Equal(want, got) {
		t.Errorf("wrong completions got the run's verdicts %v: the comparison cannot catch a wrong completion", got)
	}
}

// readLinesOf reads a JSONL file's lines as Ts.
func readLinesOf[T any](t *testing.T, path string) []T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(line, &v); err != nil {
			t.Fatalf("%s: line %q: %v", filepath.Base(path), line, err)
		}
		out = append(out, v)
	}
	return out
}
