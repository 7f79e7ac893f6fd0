package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"

	"github.com/codetree/codetree/treesearch"
)

// manifest is the shard.json of a sharded bench run: its problems and the
// whole run's configuration, the descriptive fields of summary.json
// included.
func (o *benchOptions) manifest(describe func(treesearch.RunSummary) benchSummary, problems []treesearch.Problem) shardManifest {
	d := describe(treesearch.RunSummary{})
	cfg := maps.Clone(o.Config)
	for k, v := range map[string]any{
		"dataset": d.Dataset, "strategy": d.Strategy, "model": d.Model, "simulated": d.Simulated,
		"visible_test_policy": d.Policy, "budget": d.Budget, "selection": d.Select,
		"temperatures": d.Temperatures, "width": d.Width, "depth": d.Depth,
	} {
		cfg[k] = v
	}
	m := shardManifest{Kind: "bench", Shard: o.Shard.String(), Selected: o.selected, Config: cfg, Version: d.Version}
	for _, p := range problems {
		m.TaskIDs = append(m.TaskIDs, p.ID)
	}
	return m
}

// mergeBench merges the shards of a bench run: the run's files, its
// summary recomputed from them, its report.
func mergeBench(_ context.Context, o *mergeOptions, parts []shardPart, missing []int) error {
	owed, unscored, err := benchOwed(parts)
	if err != nil {
		return err
	}
	if unscored > 0 && !o.AllowPartial {
		return unscoredShards("bench", parts, owed)
	}
	full, err := mergedDescription(o, parts)
	if err != nil {
		return err
	}
	dirs := make([]string, len(parts))
	for i, p := range parts {
		dirs[i] = p.Dir
	}
	order, err := selectionOrder(parts)
	if err != nil {
		return err
	}
	sum, _, err := treesearch.MergeRuns(o.Out, dirs, order)
	if err != nil {
		return err
	}
	sum.WallTime = full.WallTime
	from := newMergedFrom(parts, missing, unscored)
	full.RunSummary, full.Shard, full.Selected, full.Merged = sum, "", parts[0].Manifest.Selected, &from
	if err := treesearch.WriteJSONFile(filepath.Join(o.Out, treesearch.SummaryFile), full); err != nil {
		return err
	}
	if err := writeMergeMarker(o.Out, from); err != nil {
		return err
	}
	fmt.Fprintf(o.Stdout, "merged %d shard(s) of %d into %s\n", len(parts), parts[0].Shard.Count, o.Out)
	return finishBench(o.Out, o.Stdout, full)
}

// benchOwed lists, per shard folder, the problems of its manifest without
// a result, and their number.
func benchOwed(parts []shardPart) (map[string][]string, int, error) {
	owed := make(map[string][]string)
	n := 0
	for _, p := range parts {
		results, err := treesearch.ReadResults(p.Dir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, 0, fmt.Errorf("shard %s: %w", p.Dir, err)
		}
		for _, id := range p.Manifest.TaskIDs {
			if _, ok := results[id]; !ok {
				owed[p.Dir] = append(owed[p.Dir], id)
				n++
			}
		}
	}
	return owed, n, nil
}

// mergedDescription is the merged summary's description of the run, from
// the shards' summaries (a shard killed before writing one has none), with
// the longest shard's wall time.
func mergedDescription(o *mergeOptions, parts []shardPart) (benchSummary, error) {
	var full benchSummary
	found := false
	for _, p := range parts {
		b, err := os.ReadFile(filepath.Join(p.Dir, treesearch.SummaryFile))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return full, fmt.Errorf("shard %s: %w", p.Dir, err)
		}
		var s benchSummary
		if err := json.Unmarshal(b, &s); err != nil {
			return full, usageErrorf("%s is malformed (%v): rerun its shard with --resume to rewrite it", filepath.Join(p.Dir, treesearch.SummaryFile), err)
		}
		if !found {
			full, found = s, true
		} else if s.Version != full.Version {
			fmt.Fprintf(o.Stderr, "codetree: warning: shards ran different code versions (%s, %s)\n", full.Version, s.Version)
		}
		full.WallTime = max(full.WallTime, s.WallTime)
	}
	if !found {
		return full, usageErrorf("no shard has a %s: finish the shards with --resume first", treesearch.SummaryFile)
	}
	return full, nil
}
