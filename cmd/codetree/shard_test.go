package main

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseShard(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	for _, tc := range []struct {
		v    string
		vars map[string]string
		want shard
		err  string
	}{
		{"", nil, shard{}, ""},
		{"0/4", nil, shard{0, 4}, ""},
		{"3/4", nil, shard{3, 4}, ""},
		{"4", map[string]string{"SLURM_ARRAY_TASK_ID": "2"}, shard{2, 4}, ""},
		{"4", map[string]string{"JOB_COMPLETION_INDEX": "1"}, shard{1, 4}, ""},
		{"1/4", map[string]string{"SLURM_ARRAY_TASK_ID": "2"}, shard{1, 4}, ""}, // explicit wins
		{"4", nil, shard{}, "no shard index"},
		{"4/4", nil, shard{}, "from 0 to 3"},
		{"-1/4", nil, shard{}, "from 0 to 3"},
		{"0/0", nil, shard{}, "positive"},
		{"a/b", nil, shard{}, "positive"},
		{"4", map[string]string{"SLURM_ARRAY_TASK_ID": "7"}, shard{}, "from 0 to 3"},
	} {
		got, err := parseShard(tc.v, env(tc.vars))
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("parseShard(%q, %v) = %v, %v; want %v", tc.v, tc.vars, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("parseShard(%q, %v) error %v; want one saying %q", tc.v, tc.vars, err, tc.err)
		}
	}
}

// TestPickShard: the shards of a selection are disjoint, cover it, keep
// its order and differ in size by at most one.
func TestPickShard(t *testing.T) {
	items := []int{10, 11, 12, 13, 14, 15, 16}
	if got := pickShard(items, shard{}); !slices.Equal(got, items) {
		t.Errorf("no sharding: %v", got)
	}
	for n := 1; n <= 8; n++ {
		var all []int
		for i := range n {
			part := pickShard(items, shard{i, n})
			if !slices.IsSorted(part) {
				t.Errorf("shard %d/%d out of order: %v", i, n, part)
			}
			if d := len(part) - len(items)/n; d < 0 || d > 1 {
				t.Errorf("shard %d/%d has %d items of %d", i, n, len(part), len(items))
			}
			all = append(all, part...)
		}
		slices.Sort(all)
		if !slices.Equal(all, items) {
			t.Errorf("%d shards cover %v, want %v", n, all, items)
		}
	}
}

// TestBenchShards: the shards of a simulated bench run, one given as I/N
// and one with its index from SLURM_ARRAY_TASK_ID, are disjoint, cover
// the unsharded run's problems, give each the same verdict and record
// their shard; their configurations are equal.
func TestBenchShards(t *testing.T) {
	dataDir(t)
	bin := codetreeBinary(t)
	type summary struct {
		Shard    string         `json:"shard"`
		Selected int            `json:"selected_problems"`
		Config   map[string]any `json:"config"`
	}
	run := func(out string, env []string, extra ...string) (map[string]bool, summary) {
		args := append([]string{"bench", "--model", "sim", "--strategy", "direct", "--limit", "7", "--sim-correct-rate", "0.5", "--out", out}, extra...)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("bench %v: %v\n%s", extra, err, b)
		}
		verdicts := map[string]bool{}
		b, err := os.ReadFile(filepath.Join(out, "results.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var r struct {
				TaskID string `json:"task_id"`
				Passed bool   `json:"passed"`
			}
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatal(err)
			}
			verdicts[r.TaskID] = r.Passed
		}
		var sum summary
		b, err = os.ReadFile(filepath.Join(out, "summary.json"))
		if err == nil {
			err = json.Unmarshal(b, &sum)
		}
		if err != nil {
			t.Fatal(err)
		}
		return verdicts, sum
	}
	dir := t.TempDir()
	whole, _ := run(filepath.Join(dir, "whole"), nil)
	s0, sum0 := run(filepath.Join(dir, "s0"), nil, "--shard", "0/2")
	s1, sum1 := run(filepath.Join(dir, "s1"), []string{"SLURM_ARRAY_TASK_ID=1"}, "--shard", "2")
	if len(s0) != 4 || len(s1) != 3 {
		t.Errorf("shards of %d and %d problems, want 4 and 3", len(s0), len(s1))
	}
	merged := map[string]bool{}
	for _, part := range []map[string]bool{s0, s1} {
		for id, v := range part {
			if _, dup := merged[id]; dup {
				t.Errorf("%s in both shards", id)
			}
			merged[id] = v
		}
	}
	if !maps.Equal(merged, whole) {
		t.Errorf("shards' verdicts %v, unsharded %v", merged, whole)
	}
	if sum0.Shard != "0/2" || sum1.Shard != "1/2" || sum0.Selected != 7 || sum1.Selected != 7 {
		t.Errorf("summaries record shard %q/%q of %d/%d, want 0/2 and 1/2 of 7", sum0.Shard, sum1.Shard, sum0.Selected, sum1.Selected)
	}
	if !reflect.DeepEqual(sum0.Config, sum1.Config) {
		t.Errorf("the shards' configurations differ:\n%v\n%v", sum0.Config, sum1.Config)
	}
}
