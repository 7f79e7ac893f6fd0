package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSlurmDryRun: codetree slurm bench --dry-run writes the array script
// (its size, the scheduler flags, the shard command with the user's flags)
// and the merge script (afterok's kill-on-invalid-dep, every shard folder),
// and submits nothing; bad own flags, --shard and --api-key are usage
// errors that write nothing.
func TestSlurmDryRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	common := []string{"--model", "sim", "--dataset", "humaneval", "--limit", "5", "--data-dir", dir, "--out", out}
	var stdout, stderr bytes.Buffer
	args := append([]string{"codetree", "slurm", "bench", "--shards", "3", "--dry-run", "--partition", "gpu", "--time=1:00:00", "--cpus-per-task", "2"}, common...)
	cliMu.Lock() // run sets urfave/cli's globals, as runCLI does
	code := run(t.Context(), args, &stdout, &stderr)
	cliMu.Unlock()
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	array, err := os.ReadFile(filepath.Join(out, "slurm", "array.sbatch"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#SBATCH --array=0-2\n", "#SBATCH --partition=gpu\n", "#SBATCH --time=1:00:00\n", "#SBATCH --cpus-per-task=2\n",
		"images build --quiet python\n", " bench --model sim --dataset humaneval --limit 5 --data-dir " + dir + " --out " + out + " --shard 3 --resume\n"} {
		if !strings.Contains(string(array), want) {
			t.Errorf("array.sbatch lacks %q:\n%s", want, array)
		}
	}
	merge, err := os.ReadFile(filepath.Join(out, "slurm", "merge.sbatch"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#SBATCH --kill-on-invalid-dep=yes\n", " merge --out " + out + " " + out + "/shard-0-of-3 " + out + "/shard-1-of-3 " + out + "/shard-2-of-3\n"} {
		if !strings.Contains(string(merge), want) {
			t.Errorf("merge.sbatch lacks %q:\n%s", want, merge)
		}
	}
	if !strings.Contains(stdout.String(), "sbatch --dependency=afterok:") || strings.Contains(stdout.String(), "submitted") {
		t.Errorf("a dry run says how to submit and submits nothing:\n%s", stdout.String())
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no --shards", []string{"--dry-run"}, "--shards N is required"},
		{"zero shards", []string{"--shards", "0", "--dry-run"}, "at least 1"},
		{"--shard given", []string{"--shards", "2", "--shard", "0/2"}, "gets its shard from the scheduler"},
		{"key on the command line", []string{"--shards", "2", "--api-key", "sk-secret-1"}, "export OPENAI_API_KEY"},
		{"a flag of bench mistyped", []string{"--shards", "2", "--limt", "3"}, "limt"},
		{"a stray argument", []string{"--shards", "2", "humaneval"}, `bench takes no arguments, got ["humaneval"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := filepath.Join(dir, "bad")
			var stdout, stderr bytes.Buffer
			args := append(append([]string{"codetree", "slurm", "bench"}, tc.args...), "--model", "sim", "--data-dir", dir, "--out", other)
			cliMu.Lock()
			code := run(t.Context(), args, &stdout, &stderr)
			cliMu.Unlock()
			if code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want %d saying %q", code, stderr.String(), exitUsage, tc.want)
			}
			if strings.Contains(stdout.String()+stderr.String(), "sk-secret-1") {
				t.Errorf("the key was printed")
			}
			if _, err := os.Stat(other); err == nil {
				t.Errorf("a refused command wrote %s", other)
			}
		})
	}
}
