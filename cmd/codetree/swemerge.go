package main

import (
	"context"
	"fmt"

	"github.com/codetree/codetree/benchmarks/swebench"
)

// mergeSwe merges the shards of codetree swe run --shard into o.Out:
// the predictions, results lines and trees in the order of the whole
// selection, and the summary recomputed from them (swebench.MergeRuns),
// then merged.json; it prints swe run's summary paragraph for the merged
// folder. Shards whose instances lack a prediction (not reached,
// interrupted, or an infrastructure error) are refused, naming them,
// unless --allow-partial.
func mergeSwe(_ context.Context, o *mergeOptions, parts []shardPart, missing []int) error {
	owed, unscored, err := sweOwed(parts)
	if err != nil {
		return err
	}
	if unscored > 0 {
		if !o.AllowPartial {
			return unscoredShards("swe run", parts, owed)
		}
		fmt.Fprintf(o.Stderr, "codetree: warning: merging %d instance(s) without a prediction (--allow-partial): rerun their shards' command to finish them, then merge again\n", unscored)
	}
	cfg := parts[0].Manifest.Config
	model, _ := cfg["model"].(string)
	if model == "" {
		return usageErrorf("%s: the configuration names no model: is it a shard of codetree swe run?", parts[0].Dir)
	}
	order, err := selectionOrder(parts)
	if err != nil {
		return err
	}
	runParts := make([]swebench.RunPart, len(parts))
	for i, p := range parts {
		runParts[i] = swebench.RunPart{Dir: p.Dir, IDs: p.Manifest.TaskIDs}
	}
	sum, err := swebench.MergeRuns(o.Out, model, runParts, order)
	if err != nil {
		return fmt.Errorf("merge the swe run shards: %w", err)
	}
	if err := writeMergeMarker(o.Out, newMergedFrom(parts, missing, unscored)); err != nil {
		return fmt.Errorf("write %s: %w", mergeMarker, err)
	}
	instances, _ := cfg["instances"].(string)
	repoURL, _ := cfg["repo_url"].(string)
	page, err := writeSweRunReport(o.Out, sweEvalCommandLine(instances, o.Out, repoURL))
	if err != nil {
		return fmt.Errorf("report of the merged run: %w", err)
	}
	fmt.Fprintln(o.Stdout, sweRunSummaryText(sum, instances, o.Out, repoURL))
	fmt.Fprintf(o.Stdout, "report: %s\n", page)
	return nil
}

// sweOwed lists, by shard folder, the instances of each shard without a
// prediction, and counts them.
func sweOwed(parts []shardPart) (map[string][]string, int, error) {
	owed := make(map[string][]string)
	n := 0
	for _, p := range parts {
		ids, err := swebench.Unpredicted(p.Dir, p.Manifest.TaskIDs)
		if err != nil {
			return nil, 0, fmt.Errorf("read shard %s: %w", p.Manifest.Shard, err)
		}
		owed[p.Dir] = ids
		n += len(ids)
	}
	return owed, n, nil
}
