package benchmarks

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// mbppRecord is one line of mbpp.jsonl. challenge_test_list (harder
// extra asserts for 11 tasks, not part of the benchmark's score) is not
// read.
type mbppRecord struct {
	TaskID        *int     `json:"task_id"`
	Text          string   `json:"text"`
	Code          string   `json:"code"`
	TestSetupCode string   `json:"test_setup_code"`
	TestList      []string `json:"test_list"`
}

// sanitizedRecord is one element of sanitized-mbpp.json.
type sanitizedRecord struct {
	TaskID      *int     `json:"task_id"`
	Prompt      string   `json:"prompt"`
	Code        string   `json:"code"`
	TestImports []string `json:"test_imports"`
	TestList    []string `json:"test_list"`
}

// The MBPP test split: task ids 11 to 510 (1-10 are few-shot prompts,
// 511-600 validation, 601-974 training).
const (
	mbppTestFirst = 11
	mbppTestLast  = 510
)

// parseMBPPTestSplit parses the MBPP test split of mbpp.jsonl.
func parseMBPPTestSplit(in parseInput) ([]*Problem, error) {
	return parseMBPP(in, mbppTestFirst, mbppTestLast)
}

// parseMBPPFull parses every task of mbpp.jsonl.
func parseMBPPFull(in parseInput) ([]*Problem, error) {
	return parseMBPP(in, math.MinInt, math.MaxInt)
}

// parseMBPP parses the tasks of mbpp.jsonl with ids first to last.
// in.given holds the CodeTree visible tests by task id ("MBPP/11") under
// VisibleCodeTree.
func parseMBPP(in parseInput, first, last int) ([]*Problem, error) {
	name, d, policy, given := in.name, in.dataset, in.policy, in.given
	var ps []*Problem
	err := eachJSONLine(name, in.data, func(line []byte) error {
		var r mbppRecord
		if err := json.Unmarshal(line, &r); err != nil {
			return err
		}
		if r.TaskID == nil {
			return errors.New("missing field \"task_id\"")
		}
		id := *r.TaskID
		if id < first || id > last {
			return nil
		}
		var paper []string
		if policy == VisibleCodeTree {
			var ok bool
			key := fmt.Sprintf("MBPP/%d", id)
			if paper, ok = given[key]; !ok {
				return fmt.Errorf("task %d: no CodeTree visible tests for this task", id)
			}
			if len(r.TestList) > 0 {
				paper = fixGiven(key, paper, r.TestList[0])
			}
		}
		p, err := newMBPPProblem(d, id, r.Text, r.Code, r.TestSetupCode, r.TestList, policy, paper)
		if err != nil {
			return fmt.Errorf("task %d: %w", id, err)
		}
		ps = append(ps, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ps, checkUniqueIDs(name, ps)
}

// parseSanitizedMBPP parses sanitized-mbpp.json, one JSON array.
func parseSanitizedMBPP(in parseInput) ([]*Problem, error) {
	name, data, policy := in.name, in.data, in.policy
	var rs []sanitizedRecord
	if err := json.Unmarshal(data, &rs); err != nil {
		return nil, fmt.Errorf("%s: %w", name, locateJSONError(data, err))
	}
	ps := make([]*Problem, 0, len(rs))
	for i, r := range rs {
		if r.TaskID == nil {
			return nil, fmt.Errorf("%s: record %d: missing field \"task_id\"", name, i)
		}
		setup := strings.Join(r.TestImports, "\n")
		p, err := newMBPPProblem(in.dataset, *r.TaskID, r.Prompt, r.Code, setup, r.TestList, policy, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: task %d: %w", name, *r.TaskID, err)
		}
		ps = append(ps, p)
	}
	return ps, checkUniqueIDs(name, ps)
}

// locateJSONError adds the line and column of a syntax or type error.
func locateJSONError(data []byte, err error) error {
	var off int64
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	default:
		return err
	}
	before := data[:min(int(off), len(data))]
	line := strings.Count(string(before), "\n") + 1
	col := len(before) - strings.LastIndexByte(string(before), '\n')
	return fmt.Errorf("line %d column %d: %w", line, col, err)
}

// newMBPPProblem builds an MBPP or sanitized MBPP problem. The prompt is
// the usual MBPP one: the task text, then "Your code should pass these
// tests:" and the visible asserts (the first under VisibleFirst, all under
// VisibleAll, the CodeTree paper's, given as paper, under
// VisibleCodeTree), after the setup code when there is some (the tests
// need it: it builds their inputs or imports math). With no visible
// assert (VisibleNone) the prompt gives the function's signature instead.
// The entry point is the function the first assert calls.
func newMBPPProblem(d Dataset, id int, text, code, setup string, asserts []string, policy VisiblePolicy, paper []string) (*Problem, error) {
	if len(asserts) == 0 {
		return nil, errors.New("no asserts in test_list")
	}
	if code == "" {
		return nil, errors.New("missing or empty field \"code\"")
	}
	code = normalizeNewlines(code)
	setup = strings.TrimSpace(normalizeNewlines(setup))
	entry := mbppEntryPoint(asserts[0], code)
	if entry == "" {
		return nil, fmt.Errorf("no function call in the first assert %q", asserts[0])
	}
	var shown []string
	switch policy {
	case VisibleFirst:
		shown = asserts[:1]
	case VisibleAll:
		shown = asserts
	case VisibleCodeTree:
		shown = filterGiven(paper, entry)
	case VisibleNone:
	default:
		return nil, fmt.Errorf("visible-test policy %q does not apply to %s", policy, d)
	}
	shown = slices.Clone(shown)
	var tests []Test
	for i, a := range shown {
		shown[i] = strings.TrimSpace(a)
		tests = append(tests, visibleTest(setup, shown[i]))
	}
	prompt := strings.TrimSpace(text) + "\n" + signaturePrompt(code, entry)
	if len(shown) > 0 {
		if setup != "" {
			shown = append([]string{setup}, shown...)
		}
		prompt = strings.TrimSpace(text) + "\nYour code should pass these tests:\n\n" + strings.Join(shown, "\n")
	}
	return &Problem{
		task: Task{
			ID:         strconv.Itoa(id),
			Dataset:    d,
			Lang:       "python",
			Prompt:     prompt,
			EntryPoint: entry,
			Visible:    tests,
			Policy:     policy,
		},
		hidden: hidden{
			reference: code,
			test:      strings.Join(asserts, "\n"),
			setup:     setup,
			asserts:   append([]string(nil), asserts...),
		},
	}, nil
}

// visibleTest makes a visible test of an assert; setup code the assert
// needs comes first, so the test runs on its own after a candidate.
func visibleTest(setup, assert string) Test {
	t := Test{Assert: assert}
	if call, exp, ok := splitAssert(assert); ok {
		t.Call, t.Expected = call, exp
	}
	if setup != "" {
		t.Assert = setup + "\n" + assert
	}
	return t
}

// signaturePrompt tells a model with no visible test which function to
// write: the def line of entry in code (a reference solution: only the
// signature is shown), or its bare name.
func signaturePrompt(code, entry string) string {
	sig := "def " + entry + "(...)"
	for _, l := range strings.Split(code, "\n") {
		if m := defRE.FindStringSubmatch(l); m != nil && m[1] == entry {
			sig = strings.TrimSpace(l)
			break
		}
	}
	return "Write the function: " + sig
}

func normalizeNewlines(s string) string {
	return strings.ReplaceAll(s, "\r\n", "\n")
}

var defRE = regexp.MustCompile(`(?m)^[ \t]*def[ \t]+([A-Za-z_]\w*)[ \t]*\(`)

// pyBuiltins are calls that wrap the function under test in asserts
// (assert set(f(x)) == ..., assert int(f(x)) == ...).
var pyBuiltins = map[string]bool{
	"abs": true, "all": true, "any": true, "bool": true, "chr": true, "complex": true,
	"dict": true, "enumerate": true, "filter": true, "float": true, "frozenset": true,
	"hash": true, "int": true, "isinstance": true, "iter": true, "len": true, "list": true,
	"map": true, "max": true, "min": true, "next": true, "ord": true, "print": true,
	"range": true, "repr": true, "reversed": true, "round": true, "set": true,
	"sorted": true, "str": true, "sum": true, "tuple": true, "type": true, "zip": true,
}

// mbppEntryPoint returns the function an MBPP assert tests: the first
// name it calls that the reference code defines, or else the first called
// name that is neither a builtin nor an attribute (math.isclose).
func mbppEntryPoint(assert, code string) string {
	defined := make(map[string]bool)
	for _, m := range defRE.FindAllStringSubmatch(code, -1) {
		defined[m[1]] = true
	}
	calls := calledNames(assert)
	for _, c := range calls {
		if defined[c] {
			return c
		}
	}
	for _, c := range calls {
		if !pyBuiltins[c] {
			return c
		}
	}
	return ""
}

// calledNames returns the names called in Python code s, in order,
// outside strings, without attribute calls (x.f(...)) and keywords.
func calledNames(s string) []string {
	var names []string
	ok := true
	start, last := -1, -1
	walkTopLevel(s, func(i, _ int) bool {
		if start >= 0 && i != last+1 {
			start = -1 // a string ended the name: not a call
		}
		last = i
		if i < len(s) && s[i] < 0x80 && isIdentRune(rune(s[i])) {
			if start < 0 {
				start = i
			}
			return true
		}
		if start >= 0 {
			name := s[start:i]
			j := i
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			attr := start > 0 && s[start-1] == '.'
			if j < len(s) && s[j] == '(' && !attr && !(name[0] >= '0' && name[0] <= '9') && !pyKeywords[name] {
				names = append(names, name)
			}
			start = -1
		}
		return true
	}, &ok)
	return names
}

var pyKeywords = map[string]bool{
	"and": true, "assert": true, "else": true, "for": true, "if": true, "in": true,
	"is": true, "lambda": true, "not": true, "or": true, "return": true,
}
