package swebench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// Prediction is one model's patch for one instance, in SWE-bench's
// predictions format. An empty ModelPatch means the model produced no patch.
type Prediction struct {
	InstanceID      string `json:"instance_id"`
	ModelNameOrPath string `json:"model_name_or_path"`
	ModelPatch      string `json:"model_patch"`
}

// ReadPredictions reads predictions from JSONL or a JSON array. A JSONL last
// line that has no newline and is not valid JSON is a write torn by a crash:
// it is ignored and counted in torn (0 or 1) so the caller can warn and
// redo that instance. Any other malformed line, a missing instance_id or a
// duplicate id is an error naming the file and line.
func ReadPredictions(r io.Reader, name string) (preds []Prediction, torn int, err error) {
	recs, err := readRecords(r, name)
	if err != nil {
		return nil, 0, err
	}
	preds = make([]Prediction, 0, len(recs))
	seen := make(map[string]int, len(recs))
	for i, rec := range recs {
		var p Prediction
		if err := json.Unmarshal(rec.data, &p); err != nil {
			if i == len(recs)-1 && rec.unterminated {
				return preds, 1, nil
			}
			return nil, 0, decodeError(name, rec.line, err)
		}
		if strings.TrimSpace(p.InstanceID) == "" {
			return nil, 0, fmt.Errorf("%s:%d: field instance_id: missing", name, rec.line)
		}
		if first, dup := seen[p.InstanceID]; dup {
			return nil, 0, fmt.Errorf("%s:%d: field instance_id: duplicate %q (first on line %d)", name, rec.line, p.InstanceID, first)
		}
		seen[p.InstanceID] = rec.line
		preds = append(preds, p)
	}
	return preds, 0, nil
}

// PredictionWriter appends predictions to a JSONL file, one line each, and
// fsyncs every line before Write returns. It is safe for concurrent use.
type PredictionWriter struct {
	mu sync.Mutex
	f  *os.File
}

// OpenPredictionWriter opens path for appending, creating it if needed. A
// torn last line (bytes after the last newline, left by a crash) is cut off
// first, so the next line starts clean; dropped is how many bytes went.
func OpenPredictionWriter(path string) (w *PredictionWriter, dropped int64, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, 0, fmt.Errorf("open predictions: %w", err)
	}
	dropped, err = cutTornTail(f)
	if err != nil {
		return nil, 0, errors.Join(fmt.Errorf("repair predictions %s: %w", path, err), f.Close())
	}
	return &PredictionWriter{f: f}, dropped, nil
}

// cutTornTail truncates f after its last newline and leaves the offset at
// the end.
func cutTornTail(f *os.File) (int64, error) {
	data, err := io.ReadAll(f)
	if err != nil {
		return 0, fmt.Errorf("read: %w", err)
	}
	keep := int64(bytes.LastIndexByte(data, '\n') + 1)
	dropped := int64(len(data)) - keep
	if dropped > 0 {
		if err := f.Truncate(keep); err != nil {
			return 0, fmt.Errorf("truncate: %w", err)
		}
		if err := f.Sync(); err != nil {
			return 0, fmt.Errorf("sync: %w", err)
		}
	}
	if _, err := f.Seek(keep, io.SeekStart); err != nil {
		return 0, fmt.Errorf("seek: %w", err)
	}
	return dropped, nil
}

// Write appends p as one line and fsyncs the file.
func (w *PredictionWriter) Write(p Prediction) error {
	if strings.TrimSpace(p.InstanceID) == "" {
		return errors.New("write prediction: missing instance_id")
	}
	line, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode prediction %s: %w", p.InstanceID, err)
	}
	line = append(line, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.Write(line); err != nil {
		return fmt.Errorf("write prediction %s: %w", p.InstanceID, err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync prediction %s: %w", p.InstanceID, err)
	}
	return nil
}

// Close closes the file.
func (w *PredictionWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("close predictions: %w", err)
	}
	return nil
}
