package benchmarks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/codetree/codetree/internal/fsutil"
)

// Journal records verdicts as they are produced, one JSON line each,
// flushed at once: a crash or Ctrl-C loses at most the samples in flight,
// and a rerun evaluates only what is missing.
type Journal struct {
	mu   sync.Mutex
	f    *os.File
	done map[int]journalEntry
}

type journalEntry struct {
	Index     int     `json:"i"`
	Key       string  `json:"key"`
	Verdict   Verdict `json:"verdict"`
	TimeoutMS int64   `json:"timeout_ms"`
}

// OpenJournal opens (creating it if needed) the journal at path and loads
// the verdicts it holds. A torn last line, from a crash mid-write, is
// ignored.
func OpenJournal(path string) (*Journal, error) {
	j := &Journal{done: make(map[int]journalEntry)}
	if b, err := os.ReadFile(path); err == nil {
		for _, line := range bytes.Split(b, []byte("\n")) {
			var e journalEntry
			if len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &e) != nil {
				continue
			}
			j.done[e.Index] = e
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			// End the torn line so that the next entry starts afresh.
			if err := appendBytes(path, []byte("\n")); err != nil {
				return nil, err
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	j.f = f
	return j, nil
}

func appendBytes(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	_, werr := f.Write(b)
	return errors.Join(werr, f.Close())
}

// Lookup returns the recorded verdict of sample index if it was recorded
// for a sample with the same key.
func (j *Journal) Lookup(index int, key string) (Verdict, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e, ok := j.done[index]
	if !ok || e.Key != key {
		return Verdict{}, false
	}
	v := e.Verdict
	v.Timeout = time.Duration(e.TimeoutMS) * time.Millisecond
	return v, true
}

// Record appends a verdict and flushes it to the file.
func (j *Journal) Record(index int, key string, v Verdict) error {
	e := journalEntry{Index: index, Key: key, Verdict: v, TimeoutMS: v.Timeout.Milliseconds()}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode journal entry: %w", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	j.done[index] = e
	return nil
}

// Close closes the journal file.
func (j *Journal) Close() error { return j.f.Close() }

// ResultsPath is where human-eval writes the results of a samples file.
func ResultsPath(samplesPath string) string { return samplesPath + "_results.jsonl" }

// WriteResults writes one line per sample, in the samples' order: the
// sample's own fields plus human-eval's "passed" and "result", the
// timeout used ("timeout_s"), and for the plus datasets "plus_passed" and
// "plus_result". The file is replaced atomically.
func WriteResults(path string, lines []SampleLine, verdicts []Verdict) error {
	var b bytes.Buffer
	if err := encodeResults(&b, lines, verdicts); err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(path, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

func encodeResults(w io.Writer, lines []SampleLine, verdicts []Verdict) error {
	for i, l := range lines {
		v := verdicts[i]
		fields := make(map[string]any, len(l.Fields)+5)
		for k, raw := range l.Fields {
			fields[k] = raw
		}
		fields["passed"] = v.Passed
		fields["result"] = v.Result
		fields["timeout_s"] = v.Timeout.Seconds()
		if v.Plus != nil {
			fields["plus_passed"] = v.Plus.Passed
			fields["plus_result"] = v.Plus.Result
		}
		// Like Python's json.dumps, keep <, > and & as they are.
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(fields); err != nil {
			return fmt.Errorf("write result of line %d: %w", l.Line, err)
		}
	}
	return nil
}
