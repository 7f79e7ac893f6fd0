package benchmarks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The CodeTree paper's visible tests (codetree/humaneval.jsonl and
// codetree/mbpp.jsonl in the data folder, from the paper's repository) are
// read by task id ("HumanEval/0", "MBPP/11"); only task_id and given_tests
// are used. given_tests is a JSON array of assert statements in the files
// as released; it is also accepted as a string holding a Python list
// literal of string literals, the form the data's description gives.
//
// Filter (the released code's, applied before a search sees the tests):
// an assert holding "assert False" or not naming the task's entry point
// is dropped. The entry point is the one the benchmark's tests call, not
// the file's entry_point field: for 18 MBPP tasks (18, 30, 45, 56, 70,
// 148, 151, 164, 181, 323, 338, 348, 364, 367, 466, 485, 486, 501) that
// field names a helper of the reference solution, and filtering on it
// would leave those tasks without a visible test. On the files as
// released the filter drops nothing: 460 HumanEval asserts (each task at
// least one) and 500 MBPP asserts (one per task) are visible. One MBPP
// assert contradicts the reference solution and is replaced
// (wrongGivenTests).
//
// Overlap with the hidden tests, by the design of the paper's data (the
// search never sees a hidden test that is not also one of these): 165 of
// the 460 HumanEval asserts, over 74 tasks, are also asserts of the
// hidden test (the docstring examples it repeats); each MBPP visible
// assert is the first hidden assert of its task (498 verbatim, MBPP/323
// up to spacing, MBPP/436 by the replacement above).

// wrongGivenTests lists CodeTree visible asserts, by task, that the
// dataset's reference solution and hidden test contradict; the first
// assert of the task's test_list is shown in their place. MBPP/436's
// given test is the official first assert `assert neg_nos([-1,4,5,-6]) ==
// -1,-6` (an assert with a message: it checks the result is -1) rewritten
// to compare with the tuple (-1,-6), which the reference solution fails.
var wrongGivenTests = map[string]string{
	"MBPP/436": "assert neg_nos([-1,4,5,-6]) == (-1,-6)",
}

// fixGiven returns given with task id's known-wrong assert replaced by
// first.
func fixGiven(id string, given []string, first string) []string {
	wrong, ok := wrongGivenTests[id]
	if !ok {
		return given
	}
	out := make([]string, len(given))
	for i, a := range given {
		if strings.TrimSpace(a) == wrong {
			a = strings.TrimSpace(first)
		}
		out[i] = a
	}
	return out
}

// givenRecord is the part of a CodeTree data record that is read.
type givenRecord struct {
	TaskID     string          `json:"task_id"`
	GivenTests json.RawMessage `json:"given_tests"`
}

// parseGivenTests reads a CodeTree data file into its given_tests by task
// id; name is used in errors.
func parseGivenTests(name string, data []byte) (map[string][]string, error) {
	given := make(map[string][]string)
	err := eachJSONLine(name, data, func(line []byte) error {
		var r givenRecord
		if err := json.Unmarshal(line, &r); err != nil {
			return err
		}
		if r.TaskID == "" {
			return errors.New("missing or empty field \"task_id\"")
		}
		tests, err := decodeGivenTests(r.GivenTests)
		if err != nil {
			return fmt.Errorf("%s: given_tests: %w", r.TaskID, err)
		}
		if _, dup := given[r.TaskID]; dup {
			return fmt.Errorf("task %s appears twice", r.TaskID)
		}
		given[r.TaskID] = tests
		return nil
	})
	if err != nil {
		return nil, err
	}
	return given, nil
}

// decodeGivenTests reads given_tests: a JSON array of strings, or a JSON
// string holding a Python list literal of string literals.
func decodeGivenTests(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, errors.New("missing")
	}
	switch raw[0] {
	case '[':
		var tests []string
		if err := json.Unmarshal(raw, &tests); err != nil {
			return nil, err
		}
		return tests, nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return parsePyStringList(s)
	}
	return nil, fmt.Errorf("%.20s...: want a list of asserts or a string holding one", raw)
}

// filterGiven drops the asserts a search must not run, as the released
// code does: those holding "assert False" and those not naming entry.
func filterGiven(asserts []string, entry string) []string {
	var out []string
	for _, a := range asserts {
		if a = strings.TrimSpace(a); a != "" && !strings.Contains(a, "assert False") && strings.Contains(a, entry) {
			out = append(out, a)
		}
	}
	return out
}

// parsePyStringList reads a Python list literal whose elements are string
// literals: `['a', "b\n", r'c\d', 'x' "y"]`. Quotes may be single, double
// or tripled, with an r, u or R/U prefix; escapes are Python's (\\, \',
// \", \n, \t, \r, \a, \b, \f, \v, \ooo, \xhh, \uXXXX, \UXXXXXXXX, and a
// backslash before a newline joins lines; an unknown escape keeps its
// backslash). Adjacent literals are joined, a trailing comma is allowed,
// and # comments are not.
func parsePyStringList(s string) ([]string, error) {
	p := pyLiteralReader{s: s}
	p.space()
	if !p.eat('[') {
		return nil, p.errorf("want [")
	}
	var out []string
	for {
		p.space()
		if p.eat(']') {
			break
		}
		var b strings.Builder
		n := 0
		for p.i < len(p.s) && p.startsString() {
			if err := p.stringLiteral(&b); err != nil {
				return nil, err
			}
			n++
			p.space()
		}
		if n == 0 {
			return nil, p.errorf("want a string literal")
		}
		out = append(out, b.String())
		if p.eat(']') {
			break
		}
		if !p.eat(',') {
			return nil, p.errorf("want , or ]")
		}
	}
	p.space()
	if p.i != len(p.s) {
		return nil, p.errorf("text after the list")
	}
	return out, nil
}

type pyLiteralReader struct {
	s string
	i int
}

func (p *pyLiteralReader) errorf(format string, args ...any) error {
	return fmt.Errorf("python list literal at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *pyLiteralReader) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyLiteralReader) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// startsString reports whether a string literal (with its prefix) starts
// at p.i.
func (p *pyLiteralReader) startsString() bool {
	j := p.i
	for j < len(p.s) && j-p.i < 2 && strings.IndexByte("rRuU", p.s[j]) >= 0 {
		j++
	}
	return j < len(p.s) && (p.s[j] == '\'' || p.s[j] == '"')
}

// stringLiteral reads one string literal at p.i into b.
func (p *pyLiteralReader) stringLiteral(b *strings.Builder) error {
	raw := false
	for p.s[p.i] != '\'' && p.s[p.i] != '"' {
		if c := p.s[p.i]; c == 'r' || c == 'R' {
			raw = true
		}
		p.i++
	}
	q := p.s[p.i : p.i+1]
	if strings.HasPrefix(p.s[p.i:], strings.Repeat(q, 3)) {
		q = strings.Repeat(q, 3)
	}
	start := p.i
	p.i += len(q)
	for {
		if p.i >= len(p.s) {
			p.i = start
			return p.errorf("unterminated string")
		}
		if strings.HasPrefix(p.s[p.i:], q) {
			p.i += len(q)
			return nil
		}
		c := p.s[p.i]
		switch {
		case c == '\n' && len(q) == 1:
			return p.errorf("newline in a string")
		case c == '\\' && p.i+1 < len(p.s):
			if raw {
				b.WriteString(p.s[p.i : p.i+2])
				p.i += 2
				continue
			}
			if err := p.escape(b); err != nil {
				return err
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
}

// escape reads the escape sequence at p.i (a backslash and more) into b.
func (p *pyLiteralReader) escape(b *strings.Builder) error {
	c := p.s[p.i+1]
	if simple, ok := map[byte]string{
		'\\': `\`, '\'': `'`, '"': `"`, 'n': "\n", 't': "\t", 'r': "\r",
		'a': "\a", 'b': "\b", 'f': "\f", 'v': "\v", '\n': "",
	}[c]; ok {
		b.WriteString(simple)
		p.i += 2
		return nil
	}
	switch c {
	case '0', '1', '2', '3', '4', '5', '6', '7':
		j := p.i + 1
		for j < len(p.s) && j < p.i+4 && p.s[j] >= '0' && p.s[j] <= '7' {
			j++
		}
		v, _ := strconv.ParseUint(p.s[p.i+1:j], 8, 32)
		b.WriteRune(rune(v))
		p.i = j
		return nil
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		end := p.i + 2 + n
		if end > len(p.s) {
			return p.errorf("truncated \\%c escape", c)
		}
		v, err := strconv.ParseUint(p.s[p.i+2:end], 16, 32)
		if err != nil || v > utf8.MaxRune {
			return p.errorf("bad \\%c escape %q", c, p.s[p.i:end])
		}
		b.WriteRune(rune(v))
		p.i = end
		return nil
	case 'N':
		return p.errorf("\\N{...} escapes are not supported")
	}
	// Python keeps the backslash of an unknown escape.
	b.WriteByte('\\')
	p.i++
	return nil
}
