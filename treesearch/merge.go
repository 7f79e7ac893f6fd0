package treesearch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// MergeRuns writes into out one run folder made of the run folders dirs
// (the shards of one run): their samples, results and errors, the lines
// of each task together and the tasks in the order given, and their trees.
// Every line of a task is kept, so that the spend of a shard's failed or
// redone attempts counts, as in a resumed run. The summary is recomputed
// from the merged files over len(order) problems; missing lists the tasks
// of order without a result. A task found in two folders is an error.
func MergeRuns(out string, dirs []string, order []string) (sum RunSummary, missing []string, err error) {
	if err := os.MkdirAll(filepath.Join(out, TreesDir), 0o755); err != nil {
		return sum, nil, fmt.Errorf("create merged run folder: %w", err)
	}
	owner := make(map[string]string) // task id -> the folder with its lines
	merged := make(map[string]map[string][][]byte)
	for _, name := range []string{SamplesFile, ResultsFile, ErrorsFile} {
		merged[name] = make(map[string][][]byte)
	}
	for _, dir := range dirs {
		for name, byTask := range merged {
			lines, _, err := readLines(filepath.Join(dir, name))
			if err != nil {
				return sum, nil, err
			}
			for _, raw := range lines {
				var l struct {
					TaskID string `json:"task_id"`
				}
				if json.Unmarshal(raw, &l) != nil || l.TaskID == "" {
					continue
				}
				if prev, ok := owner[l.TaskID]; ok && prev != dir {
					return sum, nil, fmt.Errorf("%s is in two shards, %s and %s: merge the shards of one run", l.TaskID, prev, dir)
				}
				owner[l.TaskID] = dir
				byTask[l.TaskID] = append(byTask[l.TaskID], raw)
			}
		}
	}
	if err := checkOrder(owner, order); err != nil {
		return sum, nil, err
	}
	for name, byTask := range merged {
		var b bytes.Buffer
		for _, id := range order {
			for _, raw := range byTask[id] {
				b.Write(raw)
				b.WriteByte('\n')
			}
		}
		if err := writeFileAtomic(filepath.Join(out, name), b.Bytes()); err != nil {
			return sum, nil, err
		}
	}
	for id, dir := range owner {
		if err := copyTree(dir, out, id); err != nil {
			return sum, nil, err
		}
	}
	if sum, err = summarize(out, len(order)); err != nil {
		return sum, nil, err
	}
	for _, id := range order {
		if len(merged[ResultsFile][id]) == 0 {
			missing = append(missing, id)
		}
	}
	return sum, missing, nil
}

// checkOrder checks that every task with lines is one of order's.
func checkOrder(owner map[string]string, order []string) error {
	in := make(map[string]bool, len(order))
	for _, id := range order {
		in[id] = true
	}
	for id, dir := range owner {
		if !in[id] {
			return fmt.Errorf("%s of %s is not a problem of the run's selection", id, dir)
		}
	}
	return nil
}

// copyTree copies a task's tree file from run folder src to dst, if
// there is one.
func copyTree(src, dst, id string) error {
	name := sanitize(id) + ".json"
	in, err := os.Open(filepath.Join(src, TreesDir, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the tree of %s: %w", id, err)
	}
	defer in.Close()
	outPath := filepath.Join(dst, TreesDir, name)
	o, err := os.Create(outPath)
	if err != nil {
		return fmt.Errorf("write the tree of %s: %w", id, err)
	}
	_, cerr := io.Copy(o, in)
	if err := errors.Join(cerr, o.Close()); err != nil {
		return fmt.Errorf("write the tree of %s: %w", id, err)
	}
	return nil
}
