package benchmarks

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseHumanEvalFixture(t *testing.T) {
	t.Parallel()
	ps := loadFixture(t, HumanEval, VisibleDocstring)
	tests := []struct {
		id, entry string
		visible   []Test
		reference string
	}{
		{
			id: "HumanEval/0", entry: "add_two",
			visible:   []Test{exampleTest("add_two(1, 2)", "3"), exampleTest("add_two(-1, 1)", "0")},
			reference: "    return a + b\n",
		},
		{
			// The helper's doctest and the example calling another name
			// are not visible tests.
			id: "HumanEval/1", entry: "first_word",
			visible:   []Test{exampleTest(`first_word("hello world")`, `"hello"`), exampleTest(`first_word("")`, `""`)},
			reference: "    return s.split(' ')[0]\n",
		},
		{
			id: "HumanEval/2", entry: "smallest",
			visible:   []Test{exampleTest("smallest([3, 1, 2], 2)", "[1, 2]"), exampleTest("smallest([5], 0)", "[]")},
			reference: "    return sorted(arr)[:k]\n",
		},
	}
	if len(ps) != len(tests) {
		t.Fatalf("loaded %d problems, want %d", len(ps), len(tests))
	}
	for i, tt := range tests {
		p := ps[i]
		task := p.Task()
		if task.ID != tt.id || task.EntryPoint != tt.entry || task.Dataset != HumanEval || task.Policy != VisibleDocstring {
			t.Errorf("problem %d: %+v", i, task)
		}
		if diff := cmp.Diff(tt.visible, task.Visible); diff != "" {
			t.Errorf("%s visible (-want +got):\n%s", tt.id, diff)
		}
		if p.hidden.prompt != task.Prompt || !strings.Contains(task.Prompt, "def "+tt.entry+"(") {
			t.Errorf("%s: prompt %q, hidden prompt %q", tt.id, task.Prompt, p.hidden.prompt)
		}
		if p.hidden.reference != tt.reference || !strings.Contains(p.hidden.test, "def check(candidate)") {
			t.Errorf("%s: reference %q, test %q", tt.id, p.hidden.reference, p.hidden.test)
		}
		if p.hidden.baseInputs != nil || p.hidden.plusInputs != nil || p.hidden.setup != "" || p.hidden.asserts != nil {
			t.Errorf("%s: HumanEval problem has MBPP or plus fields: %+v", tt.id, p.hidden)
		}
	}
}
