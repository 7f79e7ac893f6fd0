package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/codetree/codetree/treesearch"
)

// ShardFile is the manifest a sharded run writes into its folder before
// its first problem: what it is a part of. merge reads it, so that a shard
// killed before its summary is still known, with the problems it owes.
const ShardFile = "shard.json"

// shardManifest is shard.json.
type shardManifest struct {
	// Kind is the command that wrote the shard: bench, eval or swe.
	Kind  string `json:"kind"`
	Shard string `json:"shard"` // "I/N"
	// Selected is the whole selection's size; TaskIDs this shard's part
	// of it, in order.
	Selected int      `json:"selected_problems"`
	TaskIDs  []string `json:"task_ids"`
	// Config is the whole run's configuration: equal across its shards.
	Config  map[string]any `json:"config"`
	Version string         `json:"code_version"`
}

// shardDir is the run folder of shard s of the run whose folder is out:
// out itself without sharding, else out/shard-I-of-N, so that one command
// line serves every task of an array.
func shardDir(out string, s shard) string {
	if s.Count == 0 {
		return out
	}
	return filepath.Join(out, fmt.Sprintf("shard-%d-of-%d", s.Index, s.Count))
}

// writeShardManifest writes m into dir. A manifest already there (a
// resumed shard) must describe the same part of the same run.
func writeShardManifest(dir string, m shardManifest) error {
	// Round-trip the config through JSON so that it compares equal to
	// one read back from a file (numbers become float64).
	b, err := json.Marshal(m.Config)
	if err != nil {
		return fmt.Errorf("encode the configuration: %w", err)
	}
	m.Config = nil
	if err := json.Unmarshal(b, &m.Config); err != nil {
		return fmt.Errorf("decode the configuration: %w", err)
	}
	path := filepath.Join(dir, ShardFile)
	if old, err := readShardManifest(dir); err == nil {
		if old.Shard != m.Shard || old.Kind != m.Kind || !slices.Equal(old.TaskIDs, m.TaskIDs) {
			return usageErrorf("%s is %s shard %s of %d problems; this command is %s shard %s of %d: use another --out",
				dir, old.Kind, old.Shard, len(old.TaskIDs), m.Kind, m.Shard, len(m.TaskIDs))
		}
		if diff := configDiff(old.Config, m.Config); len(diff) > 0 {
			return usageErrorf("%s was run with another configuration (%s): resume it with the same flags, or use another --out",
				dir, strings.Join(diff, "; "))
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return treesearch.WriteJSONFile(path, m)
}

// readShardManifest reads dir's shard.json; os.ErrNotExist when there is
// none.
func readShardManifest(dir string) (shardManifest, error) {
	var m shardManifest
	b, err := os.ReadFile(filepath.Join(dir, ShardFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return m, err
		}
		return m, fmt.Errorf("read %s: %w", filepath.Join(dir, ShardFile), err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, usageErrorf("%s is malformed: %v", filepath.Join(dir, ShardFile), err)
	}
	return m, nil
}

// configDiff names the keys whose values differ between two
// configurations, "key: a vs b", sorted.
func configDiff(a, b map[string]any) []string {
	keys := make(map[string]bool)
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if !reflect.DeepEqual(a[k], b[k]) {
			out = append(out, fmt.Sprintf("%s: %v vs %v", k, a[k], b[k]))
		}
	}
	sort.Strings(out)
	return out
}

// shardPart is one shard folder given to merge, with its manifest.
type shardPart struct {
	Dir      string
	Manifest shardManifest
	Shard    shard
}

// readShardSet reads the shards' manifests and checks that they are parts
// of one run: the same kind, shard count and configuration, each index
// once. Missing indices are an error unless allowPartial; then they are
// returned.
func readShardSet(dirs []string, allowPartial bool) (parts []shardPart, missing []int, err error) {
	if len(dirs) == 0 {
		return nil, nil, usageErrorf("merge needs shard folders: codetree merge --out RUN RUN/shard-*")
	}
	byIndex := make(map[int]string)
	for _, d := range dirs {
		m, err := readShardManifest(d)
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, usageErrorf("%s has no %s: it is not the folder of a run made with --shard", d, ShardFile)
		}
		if err != nil {
			return nil, nil, err
		}
		s, err := parseShard(m.Shard, func(string) string { return "" })
		if err != nil || s.Count == 0 {
			return nil, nil, usageErrorf("%s: shard %q is not I/N", filepath.Join(d, ShardFile), m.Shard)
		}
		p := shardPart{Dir: d, Manifest: m, Shard: s}
		if len(parts) > 0 {
			if err := sameRun(parts[0], p); err != nil {
				return nil, nil, err
			}
		}
		if prev, ok := byIndex[s.Index]; ok {
			return nil, nil, usageErrorf("shard %s given twice: %s and %s", m.Shard, prev, d)
		}
		byIndex[s.Index] = d
		parts = append(parts, p)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Shard.Index < parts[j].Shard.Index })
	for i := range parts[0].Shard.Count {
		if _, ok := byIndex[i]; !ok {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 && !allowPartial {
		return nil, nil, usageErrorf("shard(s) %s of %d missing: give every shard's folder, or pass --allow-partial to merge without them",
			joinInts(missing), parts[0].Shard.Count)
	}
	return parts, missing, nil
}

// sameRun checks that two shards are parts of the same run.
func sameRun(a, b shardPart) error {
	switch {
	case a.Manifest.Kind != b.Manifest.Kind:
		return usageErrorf("%s is a %s shard and %s a %s shard: merge the shards of one run", a.Dir, a.Manifest.Kind, b.Dir, b.Manifest.Kind)
	case a.Shard.Count != b.Shard.Count:
		return usageErrorf("%s is shard %s and %s shard %s: the shards of one run have the same count", a.Dir, a.Manifest.Shard, b.Dir, b.Manifest.Shard)
	case a.Manifest.Selected != b.Manifest.Selected:
		return usageErrorf("%s and %s split selections of %d and %d problems: they are not parts of one run", a.Dir, b.Dir, a.Manifest.Selected, b.Manifest.Selected)
	}
	if diff := configDiff(a.Manifest.Config, b.Manifest.Config); len(diff) > 0 {
		return usageErrorf("%s and %s were run with different configurations (%s): merge the shards of one run", a.Dir, b.Dir, strings.Join(diff, "; "))
	}
	return nil
}

// unscoredShards is the error of a merge whose shards owe problems:
// which, and how to finish them. owed maps a shard's folder to its
// problems without a result.
func unscoredShards(kind string, parts []shardPart, owed map[string][]string) error {
	var lines []string
	n := 0
	for _, p := range parts {
		ids := owed[p.Dir]
		if len(ids) == 0 {
			continue
		}
		n += len(ids)
		shown := ids
		if len(shown) > maxListedIDs {
			shown = append(slices.Clip(shown[:maxListedIDs]), fmt.Sprintf("and %d more", len(ids)-maxListedIDs))
		}
		lines = append(lines, fmt.Sprintf("  shard %s (%s): %d without a result: %s", p.Manifest.Shard, p.Dir, len(ids), strings.Join(shown, ", ")))
	}
	if n == 0 {
		return nil
	}
	resume := fmt.Sprintf("rerunning its command (codetree %s ... --shard I/N) with --resume", kind)
	if kind != "bench" { // eval and swe run continue where they stopped
		resume = fmt.Sprintf("rerunning its command (codetree %s ... --shard I/N), which continues it", kind)
	}
	return usageErrorf("%d problem(s) have no result:\n%s\nfinish each such shard by %s (with codetree slurm: sbatch --array=I OUT/slurm/array.sbatch), then merge again; or pass --allow-partial to merge what there is",
		n, strings.Join(lines, "\n"), resume)
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

// selectionOrder is the whole selection's task ids in order, rebuilt from
// its shards' manifests: position p is shard p%N's (p/N)th problem. The
// problems of missing shards are left out. A shard whose manifest does not
// list its share of the selection is refused.
func selectionOrder(parts []shardPart) ([]string, error) {
	byIndex := make(map[int][]string, len(parts))
	n, selected := parts[0].Shard.Count, parts[0].Manifest.Selected
	for _, p := range parts {
		if want := (selected - p.Shard.Index + n - 1) / n; len(p.Manifest.TaskIDs) != want {
			return nil, usageErrorf("%s: shard %s lists %d problem(s), but shard %d of %d of a selection of %d has %d: the manifest is not of this run",
				p.Dir, p.Manifest.Shard, len(p.Manifest.TaskIDs), p.Shard.Index, n, selected, want)
		}
		byIndex[p.Shard.Index] = p.Manifest.TaskIDs
	}
	var order []string
	for pos := range selected {
		if ids, ok := byIndex[pos%n]; ok {
			order = append(order, ids[pos/n])
		}
	}
	return order, nil
}
