package main

import (
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
