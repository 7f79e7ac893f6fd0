package benchmarks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// EvalPlus files (HumanEvalPlus.jsonl.gz, MbppPlus.jsonl.gz) are written
// by Python's json module, which writes the floats NaN, Infinity and
// -Infinity as bare words that encoding/json rejects (MBPP+ has some in
// its inputs). Records are read through decodePyRecord, and each input
// is kept as the raw JSON text of its argument list, exactly as in the
// file, for Python's json.loads to read back. Inputs are not converted:
// EvalPlus turns some MBPP+ inputs into tuples, sets or complex numbers
// before calling the function (mbpp_deserialize_inputs), and the scoring
// code must do the same.

// mbppPlusRecord is one line of MbppPlus.jsonl.gz; contract is not read.
type mbppPlusRecord struct {
	TaskID            string  `json:"task_id"`
	Prompt            string  `json:"prompt"`
	EntryPoint        string  `json:"entry_point"`
	CanonicalSolution string  `json:"canonical_solution"`
	Assertion         string  `json:"assertion"`
	Atol              float64 `json:"atol"`
}

// mbppPlusSetup is run before MBPP+ tests: Mbpp/120's assertion calls
// math.isclose without importing math.
const mbppPlusSetup = "import math"

// parseMBPPPlus parses MbppPlus.jsonl.gz.
//
// The prompt is EvalPlus's: a docstring holding the task text and one
// assert, which is the visible test under VisibleFirst. Under VisibleAll
// the visible tests are that assert and every assert of the record's
// assertion (the base tests), and the prompt lists them all in place of
// the one. Under VisibleCodeTree they are the assertion's asserts only,
// which are the task's test_list (the sanitized MBPP asserts, as EvalPlus
// fixed them): CodeTree's released code shows an MBPP+ task's test_list
// in the prompt and runs it as the visible tests (wrap_mbpp_data), so the
// base score is then measured on tests the search saw, as with
// VisibleAll. Under VisibleNone the prompt gives the function's signature
// in place of the assert. The hidden test is the assertion, run after
// `import math`, plus the base and plus inputs.
func parseMBPPPlus(in parseInput) ([]*Problem, error) {
	name, policy := in.name, in.policy
	var ps []*Problem
	err := eachJSONLine(name, in.data, func(line []byte) error {
		var r mbppPlusRecord
		raw, err := decodePyRecord(line, &r, "base_input", "plus_input")
		if err != nil {
			return err
		}
		if err := requireFields(map[string]string{
			"task_id": r.TaskID, "prompt": r.Prompt, "entry_point": r.EntryPoint,
			"canonical_solution": r.CanonicalSolution, "assertion": r.Assertion,
		}); err != nil {
			return fmt.Errorf("%s: %w", r.TaskID, err)
		}
		lines := strings.Split(r.Prompt, "\n")
		at := -1
		for i, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "assert") {
				if at >= 0 {
					return fmt.Errorf("%s: prompt has more than one assert", r.TaskID)
				}
				at = i
			}
		}
		if at < 0 {
			return fmt.Errorf("%s: prompt has no assert", r.TaskID)
		}
		var asserts []string
		for _, l := range strings.Split(r.Assertion, "\n") {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "assert") {
				asserts = append(asserts, l)
			}
		}
		visible := []string{strings.TrimSpace(lines[at])}
		switch policy {
		case VisibleFirst:
		case VisibleAll:
			visible = appendNew(visible, asserts...)
			lines[at] = strings.Join(visible, "\n")
		case VisibleCodeTree:
			visible = filterGiven(appendNew(nil, asserts...), r.EntryPoint)
			lines[at] = strings.Join(visible, "\n")
		case VisibleNone:
			visible = nil
		default:
			return fmt.Errorf("visible-test policy %q does not apply to %s", policy, in.dataset)
		}
		if len(visible) == 0 {
			lines[at] = signaturePrompt(r.CanonicalSolution, r.EntryPoint)
		}
		prompt := strings.Join(lines, "\n")
		var tests []Test
		for _, a := range visible {
			setup := ""
			if strings.Contains(a, "math.") {
				setup = mbppPlusSetup
			}
			tests = append(tests, visibleTest(setup, a))
		}
		ps = append(ps, &Problem{
			task: Task{
				ID:         r.TaskID,
				Dataset:    in.dataset,
				Lang:       "python",
				Prompt:     prompt,
				EntryPoint: r.EntryPoint,
				Visible:    tests,
				Policy:     policy,
			},
			hidden: hidden{
				reference:  r.CanonicalSolution,
				test:       r.Assertion,
				setup:      mbppPlusSetup,
				asserts:    asserts,
				baseInputs: raw["base_input"],
				plusInputs: raw["plus_input"],
				atol:       r.Atol,
			},
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ps, checkUniqueIDs(name, ps)
}

// appendNew appends the items of more not already in list (Mbpp/799's
// assertion repeats an assert).
func appendNew(list []string, more ...string) []string {
	seen := make(map[string]bool, len(list)+len(more))
	for _, s := range list {
		seen[strings.TrimSpace(s)] = true
	}
	for _, s := range more {
		if k := strings.TrimSpace(s); !seen[k] {
			seen[k] = true
			list = append(list, s)
		}
	}
	return list
}

// decodePyRecord decodes one JSON object written by Python's json module
// into v (with encoding/json), and returns the raw text of every element
// of the arrays named in arrays, which must be present. An array written
// as an empty object {} (MbppPlus.jsonl.gz, Mbpp/793's plus_input) has no
// elements.
func decodePyRecord(line []byte, v any, arrays ...string) (map[string][]string, error) {
	clean := sanitizePyJSON(line)
	if err := json.Unmarshal(clean, v); err != nil {
		return nil, err
	}
	if len(arrays) == 0 {
		return nil, nil
	}
	want := make(map[string]bool, len(arrays))
	for _, a := range arrays {
		want[a] = true
	}
	out := make(map[string][]string, len(arrays))
	dec := json.NewDecoder(bytes.NewReader(clean))
	if _, err := dec.Token(); err != nil { // '{', checked by Unmarshal
		return nil, err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		if !want[key] {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
			continue
		}
		elems, err := rawElements(dec, line)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", key, err)
		}
		out[key] = elems
	}
	for _, a := range arrays {
		if _, ok := out[a]; !ok {
			return nil, fmt.Errorf("missing field %q", a)
		}
	}
	return out, nil
}

// rawElements reads the array dec is at and returns the raw text of its
// elements, sliced from orig (the same bytes as dec's input, before
// sanitizePyJSON). Each element must be an array (an argument list).
func rawElements(dec *json.Decoder, orig []byte) ([]string, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('['):
	case json.Delim('{'):
		if dec.More() {
			return nil, errors.New("an object, want an array of argument lists")
		}
		_, err := dec.Token()
		return nil, err
	default:
		return nil, fmt.Errorf("%v, want an array of argument lists", tok)
	}
	var out []string
	for dec.More() {
		start := dec.InputOffset()
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
		elem := bytes.TrimLeft(orig[start:dec.InputOffset()], " \t\r\n,")
		if len(elem) == 0 || elem[0] != '[' {
			return nil, fmt.Errorf("input %d is not an argument list", len(out))
		}
		out = append(out, string(elem))
	}
	if _, err := dec.Token(); err != nil { // ']'
		return nil, err
	}
	return out, nil
}

// sanitizePyJSON returns b with the bare words NaN, Infinity and
// -Infinity outside strings replaced by numbers of the same length
// (0e0, 1e999999, -1e999999), so encoding/json accepts it and byte
// offsets still match b. It returns b itself when there is none.
func sanitizePyJSON(b []byte) []byte {
	var out []byte
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		var word, repl string
		switch {
		case c == '"':
			inString = true
			continue
		case c == 'N' && bytes.HasPrefix(b[i:], []byte("NaN")):
			word, repl = "NaN", "0e0"
		case c == 'I' && bytes.HasPrefix(b[i:], []byte("Infinity")):
			word, repl = "Infinity", "1e999999"
		case c == '-' && bytes.HasPrefix(b[i:], []byte("-Infinity")):
			word, repl = "-Infinity", "-1e999999"
		default:
			continue
		}
		if out == nil {
			out = bytes.Clone(b)
		}
		copy(out[i:], repl)
		i += len(word) - 1
	}
	if out == nil {
		return b
	}
	return out
}
