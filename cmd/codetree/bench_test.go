package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchSimulated runs codetree bench with the simulated model on a few
// HumanEval problems and checks the run folder, then that --resume has
// nothing left to do.
func TestBenchSimulated(t *testing.T) {
	if os.Getenv("CODETREE_DATA_DIR") == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CODETREE_DATA_DIR must be set in CI")
		}
		t.Skip("CODETREE_DATA_DIR is not set")
	}
	bin := codetreeBinary(t)
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"bench", "--model", "sim", "--dataset", "humaneval", "--limit", "3", "--budget", "6", "--out", out}
	if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("bench: %v\n%s", err, b)
	}
	var sum map[string]any
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum["simulated"] != true || sum["strategy"] != "codetree" || sum["attempted"] != 3.0 || sum["visible_test_policy"] != "first" {
		t.Errorf("summary %v", sum)
	}
	if _, ok := sum["pass@1"].(float64); !ok {
		t.Errorf("summary has no pass@1: %v", sum)
	}
	for _, f := range []string{"samples.jsonl", "results.jsonl"} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil || strings.Count(string(b), "\n") != 3 {
			t.Errorf("%s: %d lines, %v; want 3", f, strings.Count(string(b), "\n"), err)
		}
	}
	trees, _ := filepath.Glob(filepath.Join(out, "trees", "*.json"))
	if len(trees) != 3 {
		t.Errorf("%d trees, want 3", len(trees))
	}
	// Without --resume the folder is refused; with it nothing is redone.
	if err := exec.Command(bin, args...).Run(); err == nil {
		t.Error("a second run into the same folder was not refused")
	}
	b, err = exec.Command(bin, append(args, "--resume")...).CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	if strings.Contains(string(b), "HumanEval/0 ") {
		t.Errorf("resume searched a finished problem again:\n%s", b)
	}
}
