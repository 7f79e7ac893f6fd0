package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// slurmUp skips the test (fails it in CI) when no Slurm node answers.
func slurmUp(t *testing.T) {
	t.Helper()
	out, err := exec.Command("sinfo", "-h", "-o", "%T").Output()
	if err == nil && regexp.MustCompile(`(?m)^(idle|mixed|allocated|completing)`).Match(out) {
		return
	}
	msg := "no Slurm node answers (sinfo): start the single-node Slurm with scripts/slurm-up.sh"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// slurmJobState is the state of a job or array task (JobState=...), ""
// when scontrol does not know it.
func slurmJobState(t *testing.T, id string) string {
	out, _ := exec.Command("scontrol", "show", "job", "-o", id).Output()
	m := regexp.MustCompile(`JobState=(\S+)`).FindSubmatch(out)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// waitSlurm waits until job id is in none of the states given.
func waitSlurm(t *testing.T, id string, timeout time.Duration, while ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := slurmJobState(t, id)
		if !slices.Contains(while, st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s after %s", id, st, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// slurmSubmit runs codetree slurm bench in dir and returns the array and
// merge job ids it prints.
func slurmSubmit(t *testing.T, dir string, args ...string) (array, merge string) {
	t.Helper()
	cmd := exec.Command(codetreeBinary(t), append([]string{"slurm", "bench"}, args...)...)
	cmd.Dir = dir
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("codetree slurm bench: %v\n%s", err, b)
	}
	m := regexp.MustCompile(`array job (\d+) \(4 tasks\), merge job (\d+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no job ids in codetree slurm's output:\n%s", b)
	}
	array, merge = string(m[1]), string(m[2])
	t.Cleanup(func() { exec.Command("scancel", array, merge).Run() })
	for _, want := range []string{"squeue -j " + array + "," + merge, "sbatch --array=I"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("codetree slurm does not say how to follow or resubmit (%q):\n%s", want, b)
		}
	}
	return array, merge
}

// TestSlurmBench submits a 40-problem simulated bench run as a 4-task
// Slurm array with its merge job, twice: once left alone, once with a
// task cancelled mid-run (scancel), which cancels the merge job; that
// task is resubmitted (it resumes its shard) and the merge job too. Both
// merged runs equal the unsharded run: the same verdict, generations and
// model use per problem, the same pass@1, and a report.
func TestSlurmBench(t *testing.T) {
	dataDir(t)
	slurmUp(t)
	bin := codetreeBinary(t)
	dir := t.TempDir()
	flags := []string{"--model", "sim", "--dataset", "humaneval", "--limit", "40"}

	// The unsharded run first, alone: a loaded machine can time out a
	// slow program and change its verdict.
	whole := exec.Command(bin, append([]string{"bench", "--out", "whole"}, flags...)...)
	whole.Dir = dir
	if b, err := whole.CombinedOutput(); err != nil {
		t.Fatalf("unsharded bench: %v\n%s", err, b)
	}
	clean, cleanMerge := slurmSubmit(t, dir, append([]string{"--shards", "4", "--out", "clean"}, flags...)...)
	killed, killedMerge := slurmSubmit(t, dir, append([]string{"--shards", "4", "--out", "killed"}, flags...)...)
	_ = clean

	// Cancel task 1 of the second array once it has a result.
	results := filepath.Join(dir, "killed", "shard-1-of-4", "results.jsonl")
	deadline := time.Now().Add(10 * time.Minute)
	for {
		b, _ := os.ReadFile(results)
		if n := strings.Count(string(b), "\n"); n >= 1 && n < 10 {
			break
		} else if n >= 10 || time.Now().After(deadline) {
			t.Fatalf("could not catch task 1 mid-run (%d results)", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if b, err := exec.Command("scancel", killed+"_1").CombinedOutput(); err != nil {
		t.Fatalf("scancel %s_1: %v\n%s", killed, err, b)
	}
	if st := waitSlurm(t, killedMerge, 15*time.Minute, "PENDING", ""); st != "CANCELLED" {
		t.Errorf("merge job after a cancelled task: %s, want CANCELLED (--kill-on-invalid-dep)", st)
	}
	if st := waitSlurm(t, cleanMerge, 15*time.Minute, "PENDING", "RUNNING", "COMPLETING", ""); st != "COMPLETED" {
		b, _ := os.ReadFile(filepath.Join(dir, "clean", "slurm", "merge.out"))
		t.Fatalf("merge job %s: %s\n%s", cleanMerge, st, b)
	}

	// The killed shard owes problems: merge refuses it until it is resumed.
	cmd := exec.Command(bin, append([]string{"merge", "--out", filepath.Join(dir, "killed")}, shardFolders(dir, "killed")...)...)
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "shard 1/4") {
		t.Errorf("merge of the cancelled shard: %v, want a refusal naming shard 1/4:\n%s", err, b)
	}
	script := filepath.Join(dir, "killed", "slurm")
	for _, args := range [][]string{{"--array=1", filepath.Join(script, "array.sbatch")}, {filepath.Join(script, "merge.sbatch")}} {
		cmd := exec.Command("sbatch", append([]string{"--wait"}, args...)...)
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			log, _ := os.ReadFile(filepath.Join(script, "shard-1.out"))
			t.Fatalf("sbatch --wait %v: %v\n%s\n%s", args, err, b, log)
		}
	}

	want, wantSum := readBenchRun(t, filepath.Join(dir, "whole"))
	for _, name := range []string{"clean", "killed"} {
		got, sum := readBenchRun(t, filepath.Join(dir, name))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: merged results differ from the unsharded run's (-unsharded +merged):\n%s", name, diff)
		}
		if sum.PassAt1 != wantSum.PassAt1 || sum.Attempted != 40 || sum.Accounts.Total.Tokens() != wantSum.Accounts.Total.Tokens() {
			t.Errorf("%s: merged pass@1 %v over %d, %d tokens; unsharded %v over 40, %d tokens",
				name, sum.PassAt1, sum.Attempted, sum.Accounts.Total.Tokens(), wantSum.PassAt1, wantSum.Accounts.Total.Tokens())
		}
		if _, err := os.Stat(filepath.Join(dir, name, "report.html")); err != nil {
			t.Errorf("%s: no report: %v", name, err)
		}
	}
}

// shardFolders are the 4 shard folders of run folder name in dir.
func shardFolders(dir, name string) []string {
	var out []string
	for i := range 4 {
		out = append(out, shardDir(filepath.Join(dir, name), shard{Index: i, Count: 4}))
	}
	return out
}
