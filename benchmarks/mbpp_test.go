package benchmarks

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseMBPPFixture(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d      Dataset
		policy VisiblePolicy
		id     string
		prompt string
		entry  string
		nVis   int
		setup  string
	}{
		{
			d: MBPP, policy: VisibleFirst, id: "11", entry: "uniq", nVis: 1,
			prompt: "Write a function to find the unique elements of a list.\nYour code should pass these tests:\n\n" +
				"assert set(uniq([1, 1, 2])) == set([1, 2])",
		},
		{
			d: MBPP, policy: VisibleAll, id: "11", entry: "uniq", nVis: 3,
			prompt: "Write a function to find the unique elements of a list.\nYour code should pass these tests:\n\n" +
				"assert set(uniq([1, 1, 2])) == set([1, 2])\nassert uniq([]) == []\nassert uniq([3]) == [3]",
		},
		{
			// Setup code comes before the asserts; an assert's trailing
			// newline is dropped from what is shown.
			d: MBPPFull, policy: VisibleAll, id: "12", entry: "circle_area", nVis: 3, setup: "import math",
			prompt: "Write a function to find the area of a circle.\nYour code should pass these tests:\n\nimport math\n" +
				"assert math.isclose(circle_area(1), 3.14159, rel_tol=0.001)\nassert circle_area(0) == 0\n" +
				"assert math.isclose(circle_area(2), 12.566, rel_tol=0.001)",
		},
		{
			d: MBPPFull, policy: VisibleFirst, id: "1", entry: "double", nVis: 1,
			prompt: "Write a function to double a number.\nYour code should pass these tests:\n\nassert double(1) == 2",
		},
		{
			d: MBPPSanitized, policy: VisibleFirst, id: "12", entry: "circle_area", nVis: 1, setup: "import math",
			prompt: "Write a function to find the area of a circle.\nYour code should pass these tests:\n\nimport math\n" +
				"assert math.isclose(circle_area(1), 3.14159, rel_tol=0.001)",
		},
		{
			d: MBPPSanitized, policy: VisibleAll, id: "11", entry: "uniq", nVis: 4,
			prompt: "Write a function to find the unique elements of a list.\nYour code should pass these tests:\n\n" +
				"assert set(uniq([1, 1, 2])) == set([1, 2])\nassert uniq([]) == []\nassert uniq([3]) == [3]\nassert uniq([4, 4]) == [4]",
		},
	}
	for _, tt := range tests {
		t.Run(string(tt.d)+"/"+string(tt.policy)+"/"+tt.id, func(t *testing.T) {
			t.Parallel()
			var p *Problem
			for _, q := range loadFixture(t, tt.d, tt.policy) {
				if q.ID() == tt.id {
					p = q
				}
			}
			if p == nil {
				t.Fatalf("no task %s", tt.id)
			}
			task := p.Task()
			if task.Prompt != tt.prompt {
				t.Errorf("prompt %q\nwant %q", task.Prompt, tt.prompt)
			}
			if task.EntryPoint != tt.entry || len(task.Visible) != tt.nVis || task.Policy != tt.policy || task.Dataset != tt.d {
				t.Errorf("task %+v", task)
			}
			if p.hidden.setup != tt.setup || p.hidden.prompt != "" {
				t.Errorf("setup %q, hidden prompt %q", p.hidden.setup, p.hidden.prompt)
			}
			for i, v := range task.Visible {
				a := strings.TrimSpace(p.hidden.asserts[i])
				want := a
				if tt.setup != "" {
					want = tt.setup + "\n" + a
				}
				if v.Assert != want {
					t.Errorf("visible %d = %q, want %q", i, v.Assert, want)
				}
			}
			if strings.Contains(p.hidden.reference, "\r") {
				t.Errorf("reference keeps \\r: %q", p.hidden.reference)
			}
			if p.hidden.test != strings.Join(p.hidden.asserts, "\n") {
				t.Errorf("test %q is not the asserts joined", p.hidden.test)
			}
		})
	}
}

func TestMBPPHiddenFields(t *testing.T) {
	t.Parallel()
	ps := loadFixture(t, MBPP, VisibleFirst)
	p := ps[0]
	if p.hidden.reference != "def uniq(xs):\n  return list(set(xs))" {
		t.Errorf("reference %q", p.hidden.reference)
	}
	want := []string{"assert set(uniq([1, 1, 2])) == set([1, 2])", "assert uniq([]) == []", "assert uniq([3]) == [3]"}
	if diff := cmp.Diff(want, p.hidden.asserts); diff != "" {
		t.Errorf("asserts (-want +got):\n%s", diff)
	}
	// challenge_test_list is not read.
	if strings.Contains(p.hidden.test, "1000") {
		t.Errorf("test has the challenge asserts: %q", p.hidden.test)
	}
	// Visible test parts.
	if diff := cmp.Diff([]Test{{Assert: want[0], Call: "set(uniq([1, 1, 2]))", Expected: "set([1, 2])"}}, p.task.Visible); diff != "" {
		t.Errorf("visible (-want +got):\n%s", diff)
	}
}

func TestMBPPEntryPoint(t *testing.T) {
	t.Parallel()
	tests := []struct{ assert, code, want string }{
		{"assert remove_Occ(\"hello\",\"l\") == \"heo\"", "def remove_Occ(s,ch): \n  return s", "remove_Occ"},
		{"assert set(similar_elements((3, 4),(5, 4))) == set((4,))", "def similar_elements(a, b):\n  pass", "similar_elements"},
		{"assert math.isclose(volume_sphere(10), 4188.79, rel_tol=0.001)", "import math\ndef volume_sphere(r):\n  pass", "volume_sphere"},
		{"assert is_Diff (12345) == False", "def is_Diff(n): \n  pass", "is_Diff"},
		{"assert int(lobb_num(5, 3)) == 35", "def binomial_coeff(n, k):\n  pass\ndef lobb_num(n, m):\n  pass", "lobb_num"},
		{"assert max_chain_length([Pair(5, 24), Pair(15, 25)], 2) == 1", "class Pair(object):\n  pass\ndef max_chain_length(arr, n):\n  pass", "max_chain_length"},
		{"assert not text_match(\"f(x)\")", "def text_match(s):\n  pass", "text_match"},
		// With no definition to go by: the first call that is not a
		// builtin.
		{"assert sorted(f(1)) == [1]", "", "f"},
		{"assert 1 == 1", "", ""},
	}
	for _, tt := range tests {
		if got := mbppEntryPoint(tt.assert, tt.code); got != tt.want {
			t.Errorf("mbppEntryPoint(%q) = %q, want %q", tt.assert, got, tt.want)
		}
	}
}
