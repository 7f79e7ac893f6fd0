package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/codetree/codetree/treesearch"
	"github.com/urfave/cli/v2"
)

// mergeOptions are codetree merge's flags and arguments.
type mergeOptions struct {
	Out    string
	Shards []string
	// AllowPartial merges shards that are missing or owe problems.
	AllowPartial   bool
	Stdout, Stderr io.Writer
}

// mergeFunc merges the shards of one kind of run into o.Out; parts are in
// shard order, missing the absent indices (only with --allow-partial).
type mergeFunc func(ctx context.Context, o *mergeOptions, parts []shardPart, missing []int) error

// mergers are the kinds of sharded runs merge knows, by shard.json's kind.
var mergers = map[string]mergeFunc{
	"bench": mergeBench,
	"eval":  mergeEval,
	"swe":   mergeSwe,
}

// mergedFrom is what a merged run's summary records of its shards.
type mergedFrom struct {
	Shards  []string `json:"shards"`            // the folders, in shard order
	Count   int      `json:"shard_count"`       // N
	Missing []int    `json:"missing,omitempty"` // indices merged without (--allow-partial)
	// Unscored counts the problems of the merged shards without a
	// result (--allow-partial).
	Unscored int `json:"unscored,omitempty"`
}

func mergeCommand() *cli.Command { return newMergeCommand(nil) }

// newMergeCommand is codetree merge; runF, if set, is called with the
// parsed options instead of merging (for tests).
func newMergeCommand(runF func(context.Context, *mergeOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "merge",
		Usage:     "make one run folder of the shards of a run (bench, eval or swe run with --shard)",
		ArgsUsage: "SHARD...",
		Description: "Reads each shard folder's shard.json, checks that they are the parts of one run (same\n" +
			"configuration, each shard once, none missing), and writes into --out the run's files\n" +
			"with the summary recomputed from them, and for bench the report. Refuses shards with\n" +
			"problems left without a result unless --allow-partial (finish them first: bench with\n" +
			"--resume; eval and swe run continue when run again).\n" +
			"Merging again overwrites the earlier merge.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Required: true, Usage: "the merged run folder (it may hold the shard folders)"},
			&cli.BoolFlag{Name: "allow-partial", Usage: "merge even if shards are missing or have problems without a result"},
		},
		Action: optionsAction(mergeOptionsFrom, runF, runMerge),
	}
}

func mergeOptionsFrom(c *cli.Context) (*mergeOptions, error) {
	o := &mergeOptions{Out: c.String("out"), Shards: c.Args().Slice(), AllowPartial: c.Bool("allow-partial"),
		Stdout: c.App.Writer, Stderr: c.App.ErrWriter}
	if len(o.Shards) == 0 {
		return nil, usageErrorf("merge needs shard folders: codetree merge --out RUN RUN/shard-*")
	}
	return o, nil
}

func runMerge(ctx context.Context, o *mergeOptions) error {
	parts, missing, err := readShardSet(o.Shards, o.AllowPartial)
	if err != nil {
		return err
	}
	kind := parts[0].Manifest.Kind
	merge, ok := mergers[kind]
	if !ok {
		return usageErrorf("%s: shards of kind %q cannot be merged (want bench, eval or swe)", parts[0].Dir, kind)
	}
	if err := prepareMergeOut(o.Out, parts); err != nil {
		return err
	}
	if len(missing) > 0 {
		fmt.Fprintf(o.Stderr, "codetree: warning: merging without shard(s) %s of %d (--allow-partial)\n", joinInts(missing), parts[0].Shard.Count)
	}
	return merge(ctx, o, parts, missing)
}

// mergeMarker is the file that marks a folder as a merge's output, which
// a later merge may overwrite.
const mergeMarker = "merged.json"

// prepareMergeOut makes sure out can take the merge: a new or empty
// folder, one holding only shard folders (and codetree slurm's or k8s'
// files), or an earlier merge (which is
// overwritten). It refuses a folder holding anything else, such as a run,
// and a shard as the output.
func prepareMergeOut(out string, parts []shardPart) error {
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	for _, p := range parts {
		if abs(p.Dir) == abs(out) {
			return usageErrorf("--out %s is one of the shards: merge into another folder, such as the shards' parent", out)
		}
	}
	entries, err := os.ReadDir(out)
	if os.IsNotExist(err) {
		return os.MkdirAll(out, 0o755)
	}
	if err != nil {
		return fmt.Errorf("read --out %s: %w", out, err)
	}
	if _, err := os.Stat(filepath.Join(out, mergeMarker)); err == nil {
		return nil
	}
	for _, e := range entries {
		if e.IsDir() && (strings.HasPrefix(e.Name(), "shard-") || e.Name() == "slurm" || e.Name() == "k8s") {
			continue // the shards, and the scheduler's files of codetree slurm and k8s
		}
		return usageErrorf("--out %s already holds %s and is not an earlier merge: choose an empty folder, or the shards' parent", out, e.Name())
	}
	return nil
}

// writeMergeMarker records the merge in out (merged.json).
func writeMergeMarker(out string, from mergedFrom) error {
	return treesearch.WriteJSONFile(filepath.Join(out, mergeMarker), from)
}

// newMergedFrom is the record of the shards merged.
func newMergedFrom(parts []shardPart, missing []int, unscored int) mergedFrom {
	m := mergedFrom{Count: parts[0].Shard.Count, Missing: missing, Unscored: unscored}
	for _, p := range parts {
		m.Shards = append(m.Shards, p.Dir)
	}
	return m
}
