package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// benchLine is what the merge tests compare of a problem's result.
type benchLine struct {
	Passed      bool           `json:"passed"`
	Result      string         `json:"result"`
	Generations int            `json:"generations"`
	Accounts    map[string]any `json:"accounts"`
}

// readBenchRun reads a run folder's results by task id and its summary.
func readBenchRun(t *testing.T, dir string) (map[string]benchLine, benchSummary) {
	t.Helper()
	results := map[string]benchLine{}
	b, err := os.ReadFile(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r struct {
			TaskID string `json:"task_id"`
			benchLine
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		results[r.TaskID] = r.benchLine
	}
	var sum benchSummary
	b, err = os.ReadFile(filepath.Join(dir, "summary.json"))
	if err == nil {
		err = json.Unmarshal(b, &sum)
	}
	if err != nil {
		t.Fatal(err)
	}
	return results, sum
}

// codetreeCmd runs the codetree binary with extra environment variables
// and returns its exit code and combined output.
func codetreeCmd(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(codetreeBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	b, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(b)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(b)
}

// TestBenchShardsMerge: the shards of a simulated bench run, one given as
// I/N and one with its index from SLURM_ARRAY_TASK_ID, each in OUT/shard-
// I-of-N, merge into a run equal to the unsharded one: the same verdict,
// generations and model use per problem, the same pass@1 and totals, and
// a report. Merge refuses a missing shard, a shard with problems left
// without a result (unless --allow-partial) and shards of another
// configuration; a resumed shard must keep its configuration.
func TestBenchShardsMerge(t *testing.T) {
	dataDir(t)
	flags := []string{"bench", "--model", "sim", "--strategy", "codetree", "--budget", "6", "--limit", "7", "--sim-correct-rate", "0.3"}
	dir := t.TempDir()
	bench := func(env []string, extra ...string) {
		if code, out := codetreeCmd(t, env, append(append([]string{}, flags...), extra...)...); code != 0 {
			t.Fatalf("bench %v: exit %d\n%s", extra, code, out)
		}
	}
	whole := filepath.Join(dir, "whole")
	bench(nil, "--out", whole)
	run := filepath.Join(dir, "run")
	bench(nil, "--out", run, "--shard", "0/2")
	bench([]string{"SLURM_ARRAY_TASK_ID=1"}, "--out", run, "--shard", "2")
	s0, s1 := filepath.Join(run, "shard-0-of-2"), filepath.Join(run, "shard-1-of-2")
	r0, sum0 := readBenchRun(t, s0)
	if _, sum1 := readBenchRun(t, s1); len(r0) != 4 || sum0.Shard != "0/2" || sum1.Shard != "1/2" || sum0.Selected != 7 {
		t.Errorf("shards record %q and %q of %d problems, shard 0 has %d: want 0/2, 1/2, 7 and 4", sum0.Shard, sum1.Shard, sum0.Selected, len(r0))
	}

	if code, out := codetreeCmd(t, nil, "merge", "--out", run, s0); code != exitUsage || !strings.Contains(out, "shard(s) 1 of 2 missing") {
		t.Errorf("merge without shard 1: exit %d, want %d naming it:\n%s", code, exitUsage, out)
	}
	if code, out := codetreeCmd(t, nil, "merge", "--out", run, s0, s1); code != 0 {
		t.Fatalf("merge: exit %d\n%s", code, out)
	}
	wantResults, wantSum := readBenchRun(t, whole)
	gotResults, gotSum := readBenchRun(t, run)
	if diff := cmp.Diff(wantResults, gotResults); diff != "" {
		t.Errorf("merged results differ from the unsharded run's (-unsharded +merged):\n%s", diff)
	}
	if gotSum.PassAt1 != wantSum.PassAt1 || gotSum.Attempted != 7 || gotSum.Generations != wantSum.Generations ||
		gotSum.Accounts.Total.Tokens() != wantSum.Accounts.Total.Tokens() || !reflect.DeepEqual(gotSum.Config, wantSum.Config) {
		t.Errorf("merged summary: pass@1 %v over %d, %d generations, %d tokens; unsharded: %v over 7, %d, %d; configs equal: %v",
			gotSum.PassAt1, gotSum.Attempted, gotSum.Generations, gotSum.Accounts.Total.Tokens(),
			wantSum.PassAt1, wantSum.Generations, wantSum.Accounts.Total.Tokens(), reflect.DeepEqual(gotSum.Config, wantSum.Config))
	}
	if gotSum.Merged == nil || len(gotSum.Merged.Shards) != 2 {
		t.Errorf("merged summary does not record its shards: %+v", gotSum.Merged)
	}
	if _, err := os.Stat(filepath.Join(run, "report.html")); err != nil {
		t.Errorf("no report from the merged folder: %v", err)
	}

	// A shard that lost a result is refused, with the problem named.
	cut := filepath.Join(dir, "cut")
	os.MkdirAll(cut, 0o755)
	s1cut := filepath.Join(cut, "shard-1-of-2")
	if err := os.CopyFS(s1cut, os.DirFS(s1)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(s1, "results.jsonl"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var last struct {
		TaskID string `json:"task_id"`
	}
	json.Unmarshal([]byte(lines[len(lines)-1]), &last)
	os.WriteFile(filepath.Join(s1cut, "results.jsonl"), []byte(strings.Join(lines[:len(lines)-1], "\n")+"\n"), 0o644)
	code, out := codetreeCmd(t, nil, "merge", "--out", filepath.Join(dir, "m2"), s0, s1cut)
	if code != exitUsage || !strings.Contains(out, last.TaskID) || !strings.Contains(out, "--resume") {
		t.Errorf("merge of a shard without %s: exit %d, want %d naming it and --resume:\n%s", last.TaskID, code, exitUsage, out)
	}
	if code, out := codetreeCmd(t, nil, "merge", "--allow-partial", "--out", filepath.Join(dir, "m2"), s0, s1cut); code != 0 {
		t.Errorf("merge --allow-partial: exit %d\n%s", code, out)
	} else if _, sum := readBenchRun(t, filepath.Join(dir, "m2")); sum.Attempted != 6 || sum.Merged == nil || sum.Merged.Unscored != 1 {
		t.Errorf("partial merge: %d attempted, merged %+v; want 6 and 1 unscored", sum.Attempted, sum.Merged)
	}

	// Shards of another configuration are not parts of this run; a
	// resumed shard keeps its configuration.
	other := filepath.Join(dir, "other")
	bench(nil, "--out", other, "--shard", "1/2", "--budget", "5")
	code, out = codetreeCmd(t, nil, "merge", "--out", filepath.Join(dir, "m3"), s0, filepath.Join(other, "shard-1-of-2"))
	if code != exitUsage || !strings.Contains(out, "budget: 6 vs 5") {
		t.Errorf("merge of shards with budgets 6 and 5: exit %d, want %d naming the budget:\n%s", code, exitUsage, out)
	}
	code, out = codetreeCmd(t, nil, append(append([]string{}, flags...), "--out", run, "--shard", "0/2", "--resume", "--sim-seed", "9")...)
	if code != exitUsage || !strings.Contains(out, "sim_seed") {
		t.Errorf("resume of shard 0 with another seed: exit %d, want %d naming sim_seed:\n%s", code, exitUsage, out)
	}
}
