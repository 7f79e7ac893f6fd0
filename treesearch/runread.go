package treesearch

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ReadErrors reads a run folder's errors.jsonl: by task id, the last
// error of each problem without a result in results. A missing file has
// none.
func ReadErrors(dir string, results map[string]TaskResult) (map[string]TaskError, error) {
	lines, err := readErrorLines(dir)
	if err != nil {
		return nil, fmt.Errorf("read errors: %w", err)
	}
	out := make(map[string]TaskError)
	for _, e := range lines {
		if _, done := results[e.TaskID]; !done {
			out[e.TaskID] = e
		}
	}
	return out, nil
}

// ReadTree reads a problem's search tree from a run folder; (nil, nil)
// when the folder has none for it.
func ReadTree(dir, taskID string) (*Tree, error) {
	path := filepath.Join(dir, TreesDir, sanitize(taskID)+".json")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read tree: %w", err)
	}
	var t Tree
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("read tree %s: %w", path, err)
	}
	return &t, nil
}
