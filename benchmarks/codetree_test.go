package benchmarks

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePyStringList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{`[]`, nil},
		{` [ ] `, nil},
		{`['a']`, []string{"a"}},
		{`["a", 'b',]`, []string{"a", "b"}},
		{"[\n  'assert f(1) == 2',\n  \"assert g('x') == \\\"y\\\"\"\n]", []string{"assert f(1) == 2", `assert g('x') == "y"`}},
		{`['it\'s', "a \"q\""]`, []string{"it's", `a "q"`}},
		{`['a\\b', 'tab\there', 'nl\n']`, []string{`a\b`, "tab\there", "nl\n"}},
		{`['\x41\u00e9\U0001F600\101\0']`, []string{"Aé😀A\x00"}},
		{`['\d\q']`, []string{`\d\q`}},                 // unknown escapes keep the backslash
		{`[r'\d\'x', R"\n"]`, []string{`\d\'x`, `\n`}}, // raw strings
		{`[u'x']`, []string{"x"}},
		{`['a' "b" 'c', 'd']`, []string{"abc", "d"}}, // adjacent literals are joined
		{`['''x'y''', """a"b"""]`, []string{"x'y", `a"b`}},
		{"['a\\\nb']", []string{"ab"}}, // a backslash before a newline joins lines
		{`['[1, 2]', "{'k': 1}"]`, []string{"[1, 2]", "{'k': 1}"}},
	}
	for _, tt := range tests {
		got, err := parsePyStringList(tt.in)
		if err != nil {
			t.Errorf("parsePyStringList(%s): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parsePyStringList(%s) (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{
		``, `'a'`, `['a'`, `['a' 'b`, `['a', 1]`, `['a'] x`, `['a',, 'b']`, `[b'a']`,
		"['a\nb']", `['\x4']`, `['\N{DASH}']`, `[None]`, `['a' + 'b']`,
	} {
		if got, err := parsePyStringList(bad); err == nil {
			t.Errorf("parsePyStringList(%s) = %q, want an error", bad, got)
		}
	}
}

func TestDecodeGivenTests(t *testing.T) {
	t.Parallel()
	want := []string{`assert f("a") == 'b'`, "assert f(1) == 2"}
	// The stored files' form, and the form the data's description gives.
	asJSON, _ := json.Marshal(want)
	asPython, _ := json.Marshal(`['assert f("a") == \'b\'', "assert f(1) == 2"]`)
	for _, raw := range []json.RawMessage{asJSON, asPython} {
		got, err := decodeGivenTests(raw)
		if err != nil {
			t.Errorf("decodeGivenTests(%s): %v", raw, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("decodeGivenTests(%s) (-want +got):\n%s", raw, diff)
		}
	}
	for _, bad := range []string{``, `null`, `3`, `{"a": 1}`, `[1]`, `"not a list"`, `"['a'"`} {
		if got, err := decodeGivenTests(json.RawMessage(bad)); err == nil {
			t.Errorf("decodeGivenTests(%s) = %q, want an error", bad, got)
		}
	}
}

func TestParseGivenTests(t *testing.T) {
	t.Parallel()
	data := []byte(`{"task_id": "HumanEval/0", "given_tests": ["assert f(1) == 1"]}
{"task_id": "HumanEval/1", "given_tests": "['assert g(2) == 2']"}
`)
	got, err := parseGivenTests("x.jsonl", data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]string{"HumanEval/0": {"assert f(1) == 1"}, "HumanEval/1": {"assert g(2) == 2"}}, got); diff != "" {
		t.Errorf("parseGivenTests (-want +got):\n%s", diff)
	}
	for _, tt := range []struct{ data, want string }{
		{`{"task_id": "A", "given_tests": ["a"]}` + "\n" + `{"task_id": "A", "given_tests": ["b"]}`, "x.jsonl line 2: task A appears twice"},
		{`{"given_tests": ["a"]}`, `x.jsonl line 1: missing or empty field "task_id"`},
		{`{"task_id": "A"}`, "x.jsonl line 1: A: given_tests: missing"},
		{`{"task_id": "A", "given_tests": "['a', 2]"}`, "x.jsonl line 1: A: given_tests: python list literal"},
	} {
		if _, err := parseGivenTests("x.jsonl", []byte(tt.data)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseGivenTests(%s) error = %v, want %q", tt.data, err, tt.want)
		}
	}
}

func TestFilterGiven(t *testing.T) {
	t.Parallel()
	got := filterGiven([]string{" assert f(1) == 1 ", "assert False", "assert f(2) == 2 or assert False", "assert g(1) == 1", "", "assert set(f(3)) == {3}"}, "f")
	want := []string{"assert f(1) == 1", "assert set(f(3)) == {3}"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("filterGiven (-want +got):\n%s", diff)
	}
}

// TestLoadCodeTreeFixture loads the fixtures under VisibleCodeTree: the
// visible tests are the codetree files' (one record's given_tests a JSON
// array, another's a Python list literal), filtered, split for feedback,
// and for MBPP shown in the prompt in place of the first assert.
func TestLoadCodeTreeFixture(t *testing.T) {
	t.Parallel()
	for _, d := range []Dataset{HumanEval, HumanEvalPlus} {
		ps := loadFixture(t, d, VisibleCodeTree)
		want := map[string][]Test{
			// "assert False" is dropped.
			"HumanEval/0": {exampleTest("add_two(1, 2)", "3"), exampleTest("add_two(-1, 1)", "0")},
			// A Python list literal; the assert not naming the entry
			// point is dropped.
			"HumanEval/1": {exampleTest(`first_word("hello world")`, `"hello"`), exampleTest(`first_word('')`, `''`)},
			"HumanEval/2": {exampleTest("smallest([3, 1, 2], 2)", "[1, 2]")},
		}
		for _, p := range ps {
			if p.task.Policy != VisibleCodeTree {
				t.Errorf("%s %s: policy %q", d, p.ID(), p.task.Policy)
			}
			if diff := cmp.Diff(want[p.ID()], p.task.Visible); diff != "" {
				t.Errorf("%s %s visible (-want +got):\n%s", d, p.ID(), diff)
			}
			if p.task.Prompt != p.hidden.prompt {
				t.Errorf("%s %s: the prompt is not the dataset's", d, p.ID())
			}
		}
	}

	ps := loadFixture(t, MBPP, VisibleCodeTree)
	want := map[string]struct {
		visible []Test
		prompt  string
	}{
		// The paper's assert, not the first of test_list.
		"11": {[]Test{exampleTest("uniq([3])", "[3]")}, "Your code should pass these tests:\n\nassert uniq([3]) == [3]"},
		// The file's entry_point ("helper") is not the filter's: the
		// function the tests call is. The setup code comes along.
		"12": {
			[]Test{{Assert: "import math\nassert circle_area(0) == 0", Call: "circle_area(0)", Expected: "0"}},
			"Your code should pass these tests:\n\nimport math\nassert circle_area(0) == 0",
		},
		"510": {[]Test{exampleTest(`rev("ab")`, `"ba"`)}, "Your code should pass these tests:\n\nassert rev(\"ab\") == \"ba\""},
	}
	for _, p := range ps {
		w := want[p.ID()]
		if diff := cmp.Diff(w.visible, p.task.Visible); diff != "" {
			t.Errorf("MBPP %s visible (-want +got):\n%s", p.ID(), diff)
		}
		if !strings.HasSuffix(p.task.Prompt, w.prompt) {
			t.Errorf("MBPP %s prompt %q, want it to end with %q", p.ID(), p.task.Prompt, w.prompt)
		}
		if p.ID() == "11" && strings.Contains(p.task.Prompt, "assert set(uniq") {
			t.Errorf("MBPP 11: the prompt shows the first assert of test_list: %q", p.task.Prompt)
		}
	}
}

func TestLoadCodeTreeErrors(t *testing.T) {
	t.Parallel()
	drop := func(target, id string) func(string, []byte) []byte {
		return func(rel string, data []byte) []byte {
			if rel != target {
				return data
			}
			var keep []string
			for _, l := range strings.SplitAfter(string(data), "\n") {
				if !strings.Contains(l, `"`+id+`"`) {
					keep = append(keep, l)
				}
			}
			return []byte(strings.Join(keep, ""))
		}
	}
	for _, tt := range []struct {
		name   string
		d      Dataset
		change func(string, []byte) []byte
		want   string
	}{
		{"HumanEval task missing", HumanEval, drop("codetree/humaneval.jsonl", "HumanEval/1"), "HumanEval/1: no CodeTree visible tests"},
		{"MBPP task missing", MBPP, drop("codetree/mbpp.jsonl", "MBPP/510"), "task 510: no CodeTree visible tests"},
		{"bad record", HumanEvalPlus, func(rel string, data []byte) []byte {
			if rel == "codetree/humaneval.jsonl" {
				return append(data, `{"task_id": "HumanEval/9", "given_tests": "['a'"}`+"\n"...)
			}
			return data
		}, "load humaneval+ visible tests: codetree/humaneval.jsonl line 4: HumanEval/9: given_tests"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(t.Context(), tt.d, fixtureOptions(t, VisibleCodeTree, tt.change))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestLoadCodeTreeFileMissing checks a missing codetree file is a
// *DataFileError naming it, like any data file, and that the other
// policies do not need it.
func TestLoadCodeTreeFileMissing(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		d    Dataset
		file string
	}{{HumanEval, "codetree/humaneval.jsonl"}, {HumanEvalPlus, "codetree/humaneval.jsonl"}, {MBPP, "codetree/mbpp.jsonl"}} {
		opts := fixtureOptions(t, "", nil)
		if err := os.Remove(filepath.Join(opts.DataDir, filepath.FromSlash(tt.file))); err != nil {
			t.Fatal(err)
		}
		_, err := Load(t.Context(), tt.d, opts)
		var de *DataFileError
		if !errors.As(err, &de) || de.File.Path != tt.file || !strings.Contains(err.Error(), "To provide it") {
			t.Errorf("Load(%s) error = %v, want a *DataFileError for %s saying how to provide it", tt.d, err, tt.file)
		}
		for _, p := range Policies(tt.d)[1:] {
			opts.Policy = p
			if _, err := Load(t.Context(), tt.d, opts); err != nil {
				t.Errorf("Load(%s, %s) without %s: %v", tt.d, p, tt.file, err)
			}
		}
	}
}

// The HumanEval problems a docstring extraction finds no example in.
var noDocstringExample = []string{
	"HumanEval/38", "HumanEval/41", "HumanEval/50", "HumanEval/80", "HumanEval/81", "HumanEval/83",
	"HumanEval/105", "HumanEval/115", "HumanEval/116", "HumanEval/149", "HumanEval/160",
}

// TestLoadRealCodeTree checks the counts of the CodeTree paper's visible
// tests in the real files, and counts (as documented in codetree.go and
// the README) how many of them are also hidden asserts.
func TestLoadRealCodeTree(t *testing.T) {
	t.Parallel()
	count := func(d Dataset, p VisiblePolicy) (VisibleStats, map[string]*Problem) {
		ps := loadReal(t, d, p)
		m := make(map[string]*Problem, len(ps))
		want, err := PolicyFor(d, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range ps {
			m[q.ID()] = q
			if q.task.Policy != want {
				t.Errorf("%s %s: policy %q, want %q", d, q.ID(), q.task.Policy, want)
			}
		}
		return CountVisible(ps), m
	}
	for _, tt := range []struct {
		d    Dataset
		want VisibleStats
	}{
		// Nothing is filtered out of the released files.
		{HumanEval, VisibleStats{Problems: 164, WithVisible: 164, Tests: 460}},
		{HumanEvalPlus, VisibleStats{Problems: 164, WithVisible: 164, Tests: 460}},
		{MBPP, VisibleStats{Problems: 500, WithVisible: 500, Tests: 500}},
		// MBPP+: every task's test_list (the assertion's 1,174 asserts,
		// Mbpp/799's repeated one shown once).
		{MBPPPlus, VisibleStats{Problems: 378, WithVisible: 378, Tests: 1173}},
	} {
		got, _ := count(tt.d, VisibleCodeTree)
		if got != tt.want {
			t.Errorf("%s codetree: %+v, want %+v", tt.d, got, tt.want)
		}
		if def, _ := count(tt.d, ""); def != got {
			t.Errorf("%s default policy: %+v, want the codetree counts %+v", tt.d, def, got)
		}
	}

	// The 11 problems without a docstring example have visible tests now.
	doc, docs := count(HumanEval, VisibleDocstring)
	_, paper := count(HumanEval, VisibleCodeTree)
	if doc.WithoutVisible() != len(noDocstringExample) {
		t.Errorf("docstring: %d problems without a visible test, want %d", doc.WithoutVisible(), len(noDocstringExample))
	}
	for _, id := range noDocstringExample {
		if len(docs[id].task.Visible) != 0 || len(paper[id].task.Visible) == 0 {
			t.Errorf("%s: %d docstring and %d codetree visible tests", id, len(docs[id].task.Visible), len(paper[id].task.Visible))
		}
	}

	// Visible tests that are also hidden asserts, by design of the
	// paper's data: HumanEval's come from the docstring examples, which
	// the hidden test repeats for some tasks; MBPP's is the first hidden
	// assert.
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	var heShared, heTasks int
	for _, p := range paper {
		hidden := make(map[string]bool)
		for _, l := range strings.Split(p.hidden.test, "\n") {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "assert") {
				hidden[norm(strings.ReplaceAll(l, "candidate(", p.task.EntryPoint+"("))] = true
			}
		}
		n := 0
		for _, v := range p.task.Visible {
			if hidden[norm(v.Assert)] {
				n++
			}
		}
		heShared += n
		if n > 0 {
			heTasks++
		}
	}
	if heShared != 165 || heTasks != 74 {
		t.Errorf("HumanEval: %d visible asserts of %d tasks are hidden asserts too, want 165 of 74", heShared, heTasks)
	}
	_, mbpp := count(MBPP, VisibleCodeTree)
	var exact, spaced []string
	for _, p := range mbpp {
		v := strings.TrimPrefix(p.task.Visible[0].Assert, p.hidden.setup+"\n")
		switch first := p.hidden.asserts[0]; {
		case strings.TrimSpace(first) == v:
			exact = append(exact, p.ID())
		case norm(first) == norm(v):
			spaced = append(spaced, p.ID())
		default:
			t.Errorf("MBPP %s: visible %q is not the first hidden assert %q", p.ID(), v, first)
		}
	}
	// 498 as released, and MBPP/436's replacement (wrongGivenTests).
	if len(exact) != 499 || strings.Join(spaced, " ") != "323" {
		t.Errorf("MBPP: %d visible asserts are the first hidden one, %v up to spacing; want 499 and [323]", len(exact), spaced)
	}
	if got := mbpp["436"].task.Visible[0].Assert; got != "assert neg_nos([-1,4,5,-6]) == -1,-6" {
		t.Errorf("MBPP 436: visible %q, want the official first assert", got)
	}
}

// TestRealCodeTreeVisiblePassReference runs the CodeTree visible tests
// after the reference solutions: a visible test the reference fails would
// steer a search wrong.
func TestRealCodeTreeVisiblePassReference(t *testing.T) {
	t.Parallel()
	for _, d := range []Dataset{HumanEval, HumanEvalPlus, MBPP, MBPPPlus} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			checkVisibleWithReference(t, loadReal(t, d, VisibleCodeTree))
		})
	}
}

// TestLoadNoneFixture checks VisibleNone: no visible test, and an MBPP
// prompt that names the function to write instead of showing an assert.
func TestLoadNoneFixture(t *testing.T) {
	t.Parallel()
	for _, d := range Datasets() {
		for _, p := range loadFixture(t, d, VisibleNone) {
			task := p.Task()
			if task.Visible != nil || task.Policy != VisibleNone {
				t.Errorf("%s %s: visible %+v, policy %q", d, p.ID(), task.Visible, task.Policy)
			}
			switch d {
			case HumanEval, HumanEvalPlus:
				if task.Prompt != p.hidden.prompt {
					t.Errorf("%s %s: the prompt is not the dataset's", d, p.ID())
				}
			default:
				if strings.Contains(task.Prompt, "assert") || !strings.Contains(task.Prompt, "Write the function: def "+task.EntryPoint+"(") {
					t.Errorf("%s %s: prompt %q", d, p.ID(), task.Prompt)
				}
			}
		}
	}
}
