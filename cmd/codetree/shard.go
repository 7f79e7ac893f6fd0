package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// shard is the part of a run one task of a scheduler's array does: the
// problems at positions i of the whole selection (after --ids and
// --limit, in the dataset's order) with i % Count == Index. Count 0 means
// no sharding. The split depends only on the selection, so every task
// of an array, given the same flags, agrees on it.
type shard struct {
	Index, Count int
}

// shardIndexEnv are the variables that hold an array task's index: Slurm's
// job arrays (with --array=0-(N-1)) and Kubernetes' Indexed Jobs.
var shardIndexEnv = []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"}

// parseShard reads --shard: "I/N", or "N" alone with I from the first of
// shardIndexEnv that getenv finds. Empty: no sharding.
func parseShard(v string, getenv func(string) string) (shard, error) {
	if v == "" {
		return shard{}, nil
	}
	idx, count, explicit := strings.Cut(v, "/")
	if !explicit {
		count, idx = v, ""
		for _, name := range shardIndexEnv {
			if idx = getenv(name); idx != "" {
				break
			}
		}
		if idx == "" {
			return shard{}, usageErrorf("--shard %s: no shard index: write --shard I/%s, or run as a task of an array (%s)", v, v, strings.Join(shardIndexEnv, " or "))
		}
	}
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if err != nil || n < 1 {
		return shard{}, usageErrorf("--shard %s: the shard count must be a positive whole number (I/N, such as 0/4)", v)
	}
	i, err := strconv.Atoi(strings.TrimSpace(idx))
	if err != nil || i < 0 || i >= n {
		return shard{}, usageErrorf("--shard %s: the shard index %q must be a whole number from 0 to %d", v, idx, n-1)
	}
	return shard{Index: i, Count: n}, nil
}

// shardFrom reads --shard with the process's environment.
func shardFrom(v string) (shard, error) { return parseShard(v, os.Getenv) }

// String is "I/N"; empty without sharding.
func (s shard) String() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// pickShard returns the items of shard s, in order: all of them without
// sharding.
func pickShard[T any](items []T, s shard) []T {
	if s.Count <= 1 {
		return items
	}
	var out []T
	for i, it := range items {
		if i%s.Count == s.Index {
			out = append(out, it)
		}
	}
	return out
}
