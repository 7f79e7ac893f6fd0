package benchmarks

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseHumanEvalPlusFixture(t *testing.T) {
	t.Parallel()
	ps := loadFixture(t, HumanEvalPlus, VisibleDocstring)
	if len(ps) != 2 {
		t.Fatalf("loaded %d problems, want 2", len(ps))
	}
	p := ps[0]
	if p.ID() != "HumanEval/0" || p.task.Dataset != HumanEvalPlus || p.task.EntryPoint != "add_two" {
		t.Errorf("task %+v", p.task)
	}
	// The same docstring examples as HumanEval; the canonical solution is
	// HumanEval+'s own.
	if diff := cmp.Diff([]Test{exampleTest("add_two(1, 2)", "3"), exampleTest("add_two(-1, 1)", "0")}, p.task.Visible); diff != "" {
		t.Errorf("visible (-want +got):\n%s", diff)
	}
	if p.hidden.reference != "    return   a + b\n" {
		t.Errorf("reference %q", p.hidden.reference)
	}
	// Inputs are kept as the file writes them, NaN and Infinity included.
	wantBase := []string{"[1, 2]", "[-1, 1]"}
	wantPlus := []string{"[Infinity, 1]", "[NaN, 0]", "[-Infinity, 2]", "[1000000000000000000000000000000, 1]"}
	if diff := cmp.Diff(wantBase, p.hidden.baseInputs); diff != "" {
		t.Errorf("base inputs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantPlus, p.hidden.plusInputs); diff != "" {
		t.Errorf("plus inputs (-want +got):\n%s", diff)
	}
	if p.hidden.atol != 0 || ps[1].hidden.atol != 1e-06 {
		t.Errorf("atol %v and %v, want 0 and 1e-06", p.hidden.atol, ps[1].hidden.atol)
	}
	// A string that holds the word Infinity is not changed.
	if diff := cmp.Diff([]string{`["Infinity is a word"]`}, ps[1].hidden.plusInputs); diff != "" {
		t.Errorf("HumanEval/1 plus inputs (-want +got):\n%s", diff)
	}
}

func TestParseMBPPPlusFixture(t *testing.T) {
	t.Parallel()
	for _, policy := range []VisiblePolicy{VisibleFirst, VisibleAll, VisibleCodeTree, VisibleNone} {
		t.Run(string(policy), func(t *testing.T) {
			t.Parallel()
			ps := loadFixture(t, MBPPPlus, policy)
			if len(ps) != 2 {
				t.Fatalf("loaded %d problems, want 2", len(ps))
			}
			p, q := ps[0], ps[1]
			if p.ID() != "Mbpp/11" || p.task.EntryPoint != "uniq" || q.ID() != "Mbpp/12" || q.task.EntryPoint != "circle_area" {
				t.Errorf("tasks %+v, %+v", p.task, q.task)
			}
			first := Test{Assert: "assert set(uniq([1, 1, 2])) == set([1, 2])", Call: "set(uniq([1, 1, 2]))", Expected: "set([1, 2])"}
			wantP := []Test{first}
			wantPrompt := "\"\"\"\nWrite a function to find the unique elements of a list.\nassert set(uniq([1, 1, 2])) == set([1, 2])\n\"\"\"\n"
			wantQ := []Test{{Assert: "assert circle_area(2)==12.566370614359172", Call: "circle_area(2)", Expected: "12.566370614359172"}}
			base := []Test{exampleTest("uniq([1, 1, 2])", "[1, 2]"), exampleTest("uniq([])", "[]"), exampleTest("uniq([3])", "[3]")}
			isclose := Test{Assert: "import math\nassert math.isclose(circle_area(1), 3.141592653589793, rel_tol=0.001)"}
			switch policy {
			case VisibleAll:
				wantP = append(wantP, base...)
				wantPrompt = "\"\"\"\nWrite a function to find the unique elements of a list.\n" +
					"assert set(uniq([1, 1, 2])) == set([1, 2])\nassert uniq([1, 1, 2]) == [1, 2]\nassert uniq([]) == []\nassert uniq([3]) == [3]\n\"\"\"\n"
				// The prompt's assert is also in the assertion: shown once.
				// An assert using math gets the import.
				wantQ = []Test{wantQ[0], isclose}
			case VisibleCodeTree:
				// The released code's test_list: the assertion's asserts,
				// not the prompt's own.
				wantP = base
				wantPrompt = "\"\"\"\nWrite a function to find the unique elements of a list.\n" +
					"assert uniq([1, 1, 2]) == [1, 2]\nassert uniq([]) == []\nassert uniq([3]) == [3]\n\"\"\"\n"
				wantQ = []Test{isclose, wantQ[0]}
			case VisibleNone:
				wantP, wantQ = nil, nil
				wantPrompt = "\"\"\"\nWrite a function to find the unique elements of a list.\nWrite the function: def uniq(xs):\n\"\"\"\n"
			}
			if p.task.Policy != policy {
				t.Errorf("policy %q, want %q", p.task.Policy, policy)
			}
			if diff := cmp.Diff(wantP, p.task.Visible); diff != "" {
				t.Errorf("Mbpp/11 visible (-want +got):\n%s", diff)
			}
			if p.task.Prompt != wantPrompt {
				t.Errorf("Mbpp/11 prompt %q, want %q", p.task.Prompt, wantPrompt)
			}
			if diff := cmp.Diff(wantQ, q.task.Visible); diff != "" {
				t.Errorf("Mbpp/12 visible (-want +got):\n%s", diff)
			}
			if p.hidden.setup != "import math" || p.hidden.prompt != "" || !strings.HasPrefix(p.hidden.test, "\nassert uniq([1, 1, 2]) == [1, 2]\n") {
				t.Errorf("Mbpp/11 hidden: %+v", p.hidden)
			}
			if diff := cmp.Diff([]string{"assert uniq([1, 1, 2]) == [1, 2]", "assert uniq([]) == []", "assert uniq([3]) == [3]"}, p.hidden.asserts); diff != "" {
				t.Errorf("Mbpp/11 asserts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"[[1, 1, 2]]", "[[]]", "[[3]]"}, p.hidden.baseInputs); diff != "" {
				t.Errorf("Mbpp/11 base inputs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"[[Infinity, -Infinity]]", "[[NaN]]", `[["NaN", "Infinity"]]`}, p.hidden.plusInputs); diff != "" {
				t.Errorf("Mbpp/11 plus inputs (-want +got):\n%s", diff)
			}
			// plus_input written as {}: no plus inputs.
			if len(q.hidden.plusInputs) != 0 || len(q.hidden.baseInputs) != 2 || q.hidden.atol != 0.0001 {
				t.Errorf("Mbpp/12 inputs %q %q, atol %v", q.hidden.baseInputs, q.hidden.plusInputs, q.hidden.atol)
			}
		})
	}
}

func TestSanitizePyJSON(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`[1, 2]`, `[1, 2]`},
		{`[NaN, Infinity, -Infinity]`, `[0e0, 1e999999, -1e999999]`},
		{`["NaN", "a \" Infinity", -1]`, `["NaN", "a \" Infinity", -1]`},
		{`{"k": [[-Infinity]], "s": "\\"}`, `{"k": [[-1e999999]], "s": "\\"}`},
	}
	for _, tt := range tests {
		got := string(sanitizePyJSON([]byte(tt.in)))
		if got != tt.want || len(got) != len(tt.in) {
			t.Errorf("sanitizePyJSON(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestDecodePyRecord(t *testing.T) {
	t.Parallel()
	var r struct {
		ID   string  `json:"id"`
		Atol float64 `json:"atol"`
	}
	line := `{"id": "x", "in": [ [1, "a,b"] ,[NaN, {"k": [2]}], [ -Infinity ] ], "atol": 1e-06, "other": [Infinity]}`
	raw, err := decodePyRecord([]byte(line), &r, "in")
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "x" || r.Atol != 1e-06 {
		t.Errorf("record %+v", r)
	}
	if diff := cmp.Diff([]string{`[1, "a,b"]`, `[NaN, {"k": [2]}]`, `[ -Infinity ]`}, raw["in"]); diff != "" {
		t.Errorf("raw elements (-want +got):\n%s", diff)
	}
	for _, bad := range []string{
		`{"id": "x"}`,                 // missing array
		`{"id": "x", "in": 3}`,        // not an array
		`{"id": "x", "in": {"a": 1}}`, // a non-empty object
		`{"id": "x", "in": [[1], 2]}`, // an element that is not an argument list
		`{"id": "x", "in": [[1]]`,     // truncated
	} {
		if _, err := decodePyRecord([]byte(bad), &r, "in"); err == nil {
			t.Errorf("decodePyRecord(%s) succeeded", bad)
		}
	}
}

// TestRealMBPPPlusVisiblePassReference checks the MBPP+ visible asserts
// (the prompt's, and the assertion's under VisibleAll) with the MBPP+
// canonical solutions.
func TestRealMBPPPlusVisiblePassReference(t *testing.T) {
	t.Parallel()
	checkVisibleWithReference(t, loadReal(t, MBPPPlus, VisibleAll))
}
