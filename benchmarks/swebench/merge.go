package swebench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/codetree/codetree/internal/fsutil"
)

// RunPart is one run folder that MergeRuns reads: a shard of a run, with
// the instances it was given, in its order.
type RunPart struct {
	Dir string
	IDs []string
}

// MergeRuns writes into out the run folder made of parts, as one Run over
// the instances of order would have left it: PredictionsFile and
// RunResultsFile hold the parts' lines in order's order (an instance's
// results lines, every attempt, in the order its part wrote them),
// RunTreesDir their trees, and RunSummaryFile is recomputed from the
// merged files as Run computes it, with Instances len(order) and
// WallSeconds the longest part's (from its RunSummaryFile: the parts run
// side by side).
//
// Every id of order must be in exactly one part's IDs, and every part's
// IDs in order; a part's files may hold only its own instances, and its
// predictions only model's. Out's own files (an earlier merge) are
// replaced; nothing of the parts is changed. A part's instance without a
// prediction is merged as it is: pending, interrupted or an error in the
// summary (Unpredicted lists them first).
func MergeRuns(out, model string, parts []RunPart, order []string) (RunSummary, error) {
	owner, err := partOwners(parts, order)
	if err != nil {
		return RunSummary{}, err
	}
	m := runMerge{preds: make(map[string]Prediction), results: make(map[string][]RunResult)}
	for i, p := range parts {
		if err := m.read(p, i, owner, model); err != nil {
			return RunSummary{}, err
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return RunSummary{}, fmt.Errorf("create merged run folder: %w", err)
	}
	if err := m.write(out, order); err != nil {
		return RunSummary{}, err
	}
	if err := copyTrees(out, parts, order, owner); err != nil {
		return RunSummary{}, err
	}
	return writeMergedSummary(out, model, parts, order)
}

// Unpredicted returns the ids, in order, that have no prediction in the
// run folder dir: not reached, interrupted, or ended with an
// infrastructure error. A folder without predictions owes every id.
func Unpredicted(dir string, ids []string) ([]string, error) {
	preds, err := readRunPredictions(filepath.Join(dir, PredictionsFile))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	done := make(map[string]bool, len(preds))
	for _, p := range preds {
		done[p.InstanceID] = true
	}
	var owed []string
	for _, id := range ids {
		if !done[id] {
			owed = append(owed, id)
		}
	}
	return owed, nil
}

// partOwners maps each instance to the index of the part given it,
// checking that order and the parts' IDs name the same instances, each
// once.
func partOwners(parts []RunPart, order []string) (map[string]int, error) {
	owner := make(map[string]int)
	for i, p := range parts {
		for _, id := range p.IDs {
			if j, dup := owner[id]; dup {
				return nil, fmt.Errorf("merge runs: instance %s is in both %s and %s", id, parts[j].Dir, p.Dir)
			}
			owner[id] = i
		}
	}
	inOrder := make(map[string]bool, len(order))
	for _, id := range order {
		if _, ok := owner[id]; !ok {
			return nil, fmt.Errorf("merge runs: instance %s is in no part", id)
		}
		if inOrder[id] {
			return nil, fmt.Errorf("merge runs: instance %s is twice in the order", id)
		}
		inOrder[id] = true
	}
	for id, i := range owner {
		if !inOrder[id] {
			return nil, fmt.Errorf("merge runs: instance %s of %s is not in the order", id, parts[i].Dir)
		}
	}
	return owner, nil
}

// runMerge holds the parts' lines by instance.
type runMerge struct {
	preds   map[string]Prediction
	results map[string][]RunResult
}

// read takes part i's predictions and results lines, which must be of its
// own instances and, for the predictions, of model.
func (m *runMerge) read(p RunPart, i int, owner map[string]int, model string) error {
	foreign := func(id, file string) error {
		if j, ok := owner[id]; !ok || j != i {
			return fmt.Errorf("merge runs: %s holds instance %s, which is not one of its part's: is it a folder of another run?",
				filepath.Join(p.Dir, file), id)
		}
		return nil
	}
	preds, err := readRunPredictions(filepath.Join(p.Dir, PredictionsFile))
	if err != nil {
		return fmt.Errorf("%s: %w", p.Dir, err)
	}
	for _, pr := range preds {
		if err := foreign(pr.InstanceID, PredictionsFile); err != nil {
			return err
		}
		if pr.ModelNameOrPath != model {
			return fmt.Errorf("merge runs: %s holds a prediction of model %q (instance %s), not of %q",
				filepath.Join(p.Dir, PredictionsFile), pr.ModelNameOrPath, pr.InstanceID, model)
		}
		m.preds[pr.InstanceID] = pr
	}
	results, err := readRunResults(filepath.Join(p.Dir, RunResultsFile))
	if err != nil {
		return fmt.Errorf("%s: %w", p.Dir, err)
	}
	for _, r := range results {
		if err := foreign(r.InstanceID, RunResultsFile); err != nil {
			return err
		}
		m.results[r.InstanceID] = append(m.results[r.InstanceID], r)
	}
	return nil
}

// write writes out's predictions and results, in order's order.
func (m *runMerge) write(out string, order []string) error {
	var preds, results []any
	for _, id := range order {
		if p, ok := m.preds[id]; ok {
			preds = append(preds, p)
		}
		for _, r := range m.results[id] {
			results = append(results, r)
		}
	}
	if err := writeJSONLines(filepath.Join(out, PredictionsFile), preds); err != nil {
		return err
	}
	return writeJSONLines(filepath.Join(out, RunResultsFile), results)
}

// writeJSONLines writes vs as a JSONL file, atomically.
func writeJSONLines(path string, vs []any) error {
	var data []byte
	for _, v := range vs {
		line, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode a line of %s: %w", filepath.Base(path), err)
		}
		data = append(append(data, line...), '\n')
	}
	if err := fsutil.WriteFileAtomic(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// copyTrees replaces out's trees with the parts' trees of the instances
// of order.
func copyTrees(out string, parts []RunPart, order []string, owner map[string]int) error {
	dst := filepath.Join(out, RunTreesDir)
	if err := os.RemoveAll(dst); err != nil {
		return fmt.Errorf("remove the earlier merge's trees: %w", err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	for _, id := range order {
		name := id + ".json"
		err := copyFile(filepath.Join(parts[owner[id]].Dir, RunTreesDir, name), filepath.Join(dst, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("copy the tree of %s: %w", id, err)
		}
	}
	return nil
}

// copyFile copies src to dst; an error wrapping fs.ErrNotExist when src
// does not exist.
func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, out.Close()) }()
	_, err = io.Copy(out, in)
	return err
}

// writeMergedSummary recomputes the summary from out's merged files and
// writes RunSummaryFile.
func writeMergedSummary(out, model string, parts []RunPart, order []string) (RunSummary, error) {
	instances := make([]Instance, len(order))
	for i, id := range order {
		instances[i] = Instance{InstanceID: id}
	}
	sum, err := summarizeRun(out, model, instances)
	if err != nil {
		return sum, err
	}
	for _, p := range parts {
		var ps RunSummary
		b, err := os.ReadFile(filepath.Join(p.Dir, RunSummaryFile))
		if err != nil || json.Unmarshal(b, &ps) != nil {
			continue // a shard killed before its summary: its wall time is unknown
		}
		sum.WallSeconds = max(sum.WallSeconds, ps.WallSeconds)
	}
	if err := writeJSONAtomic(filepath.Join(out, RunSummaryFile), sum); err != nil {
		return sum, fmt.Errorf("write %s: %w", RunSummaryFile, err)
	}
	return sum, nil
}
