package swebench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/codetree/codetree/internal/fsutil"
)

// RunResult is one line of RunResultsFile: an attempt at an instance that
// ended, with a prediction or with an infrastructure error (Error set:
// no prediction, the next run tries again).
type RunResult struct {
	InstanceID string `json:"instance_id"`
	// Passed is the attempt's own verdict (Attempt.Passed).
	Passed bool `json:"passed"`
	// PatchBytes is the size of the patch, 0 for none.
	PatchBytes int            `json:"patch_bytes"`
	Stages     []StageAccount `json:"stages"`
	Notes      []string       `json:"notes,omitempty"`
	// EditedTests are the test files of base_commit the patch changes or
	// deletes: a patch may pass by weakening the tests.
	EditedTests []string `json:"edited_tests,omitempty"`
	Simulated   bool     `json:"simulated,omitempty"`
	Error       string   `json:"error,omitempty"`
	ErrorClass  string   `json:"error_class,omitempty"`
	// Seconds is the attempt's wall time; SetupSeconds its part before
	// the Patcher (checkout, Go modules).
	Seconds      float64   `json:"seconds"`
	SetupSeconds float64   `json:"setup_seconds"`
	Started      time.Time `json:"started"`
	// FirstModelCallSeconds is the time from the attempt's start to its
	// first model call (0: none).
	FirstModelCallSeconds float64 `json:"first_model_call_seconds,omitempty"`
}

func newRunResult(id string, att Attempt, start time.Time, facts attemptFacts) RunResult {
	stages := att.Stages
	if stages == nil {
		stages = []StageAccount{}
	}
	res := RunResult{
		InstanceID: id, Passed: att.Passed, PatchBytes: len(att.Patch), Stages: stages,
		Notes: att.Notes, EditedTests: facts.editedTests, Simulated: att.Simulated,
		Seconds: time.Since(start).Seconds(), SetupSeconds: facts.setup.Seconds(), Started: start.UTC(),
	}
	if !att.FirstModelCall.IsZero() {
		res.FirstModelCallSeconds = att.FirstModelCall.Sub(start).Seconds()
	}
	return res
}

// runFiles are the run folder's files.
type runFiles struct {
	out     string
	model   string
	done    map[string]bool // instances with a prediction when the run started
	preds   *PredictionWriter
	results *lineWriter
}

// openRunFiles creates the run folder, reads which instances have a
// prediction and opens the files for appending. A folder holding another
// model's predictions is an error.
func openRunFiles(out, model string) (*runFiles, error) {
	if err := os.MkdirAll(filepath.Join(out, RunTreesDir), 0o755); err != nil {
		return nil, fmt.Errorf("create run folder: %w", err)
	}
	preds, err := readRunPredictions(filepath.Join(out, PredictionsFile))
	if err != nil {
		return nil, err
	}
	f := &runFiles{out: out, model: model, done: make(map[string]bool, len(preds))}
	for _, p := range preds {
		if p.ModelNameOrPath != model {
			return nil, fmt.Errorf("%s holds predictions of model %q (instance %s), not of %q: use another output folder",
				filepath.Join(out, PredictionsFile), p.ModelNameOrPath, p.InstanceID, model)
		}
		f.done[p.InstanceID] = true
	}
	if f.preds, _, err = OpenPredictionWriter(filepath.Join(out, PredictionsFile)); err != nil {
		return nil, err
	}
	if f.results, err = openLineWriter(filepath.Join(out, RunResultsFile)); err != nil {
		return nil, errors.Join(err, f.preds.Close())
	}
	return f, nil
}

// record writes an ended attempt: its tree, its results line, then (no
// error) its prediction, which marks the instance done.
func (f *runFiles) record(res RunResult, att Attempt) error {
	if len(att.Tree) > 0 {
		path := filepath.Join(f.out, RunTreesDir, res.InstanceID+".json")
		if err := fsutil.WriteFileAtomic(path, append(append([]byte(nil), att.Tree...), '\n'), 0o644); err != nil {
			return fmt.Errorf("write tree of %s: %w", res.InstanceID, err)
		}
	}
	if err := f.results.write(res); err != nil {
		return fmt.Errorf("write result of %s: %w", res.InstanceID, err)
	}
	if res.Error != "" {
		return nil
	}
	return f.preds.Write(Prediction{InstanceID: res.InstanceID, ModelNameOrPath: f.model, ModelPatch: att.Patch})
}

func (f *runFiles) close() {
	if err := errors.Join(f.preds.Close(), f.results.close()); err != nil {
		slog.Warn("swe run: close the run files", "error", err)
	}
}

// lineWriter appends JSON lines to a file, each fsync'd before write
// returns; a torn last line left by a crash is cut off when it opens.
type lineWriter struct {
	mu sync.Mutex
	f  *os.File
}

func openLineWriter(path string) (*lineWriter, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	if _, err := cutTornTail(f); err != nil {
		return nil, errors.Join(fmt.Errorf("repair %s: %w", path, err), f.Close())
	}
	return &lineWriter{f: f}, nil
}

func (w *lineWriter) write(v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.Write(append(line, '\n')); err != nil {
		return err
	}
	return w.f.Sync()
}

func (w *lineWriter) close() error { return w.f.Close() }

// readRunPredictions reads a run's predictions; a missing file has none.
func readRunPredictions(path string) ([]Prediction, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read predictions: %w", err)
	}
	defer f.Close()
	preds, _, err := ReadPredictions(f, path)
	return preds, err
}

// readRunResults reads RunResultsFile (none when missing). A torn last
// line is ignored: its attempt has no prediction and is done again.
func readRunResults(path string) ([]RunResult, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	recs, err := readRecords(f, path)
	if err != nil {
		return nil, err
	}
	out := make([]RunResult, 0, len(recs))
	for i, rec := range recs {
		var r RunResult
		if err := json.Unmarshal(rec.data, &r); err != nil {
			if i == len(recs)-1 && rec.unterminated {
				break
			}
			return nil, decodeError(path, rec.line, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// writeJSONAtomic writes v indented, atomically (fsutil.WriteFileAtomic).
func writeJSONAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, append(data, '\n'), 0o644)
}
