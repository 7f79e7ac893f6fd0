package benchmarks

import (
	"fmt"
	"maps"
	"slices"
)

// humanEvalRecord is one line of HumanEval.jsonl.gz or
// HumanEvalPlus.jsonl.gz. HumanEval+'s contract field is not read.
type humanEvalRecord struct {
	TaskID            string  `json:"task_id"`
	Prompt            string  `json:"prompt"`
	EntryPoint        string  `json:"entry_point"`
	CanonicalSolution string  `json:"canonical_solution"`
	Test              string  `json:"test"`
	Atol              float64 `json:"atol"`
}

// wrongDocExamples lists docstring examples, by task and call, that the
// dataset's reference solution and hidden test contradict. They are not
// shown as visible tests: a search would be steered by a wrong assert.
// The list is checked by running every extracted assert against the
// reference solutions (TestRealHumanEvalVisiblePassReference).
var wrongDocExamples = map[string][]string{
	// The median of [-10, 4, 6, 1000, 10, 20] is 8.0, not 15.0.
	"HumanEval/47": {"median([-10, 4, 6, 1000, 10, 20])"},
	// The docstring sorts by value; the task (and test) sort by the
	// number of ones in the binary representation.
	"HumanEval/116": {"sort_array([1, 5, 2, 3, 4])", "sort_array([-2, -3, -4, -5, -6])", "sort_array([1, 0, 2, 3, 4])"},
	// tri(1) = 3 and tri(2) = 1 + (2 / 2) = 2 describe the sequence's
	// terms, but the function returns the list of the first n + 1 terms.
	"HumanEval/130": {"tri(1)", "tri(2)", "tri(4)"},
}

// parseHumanEval parses HumanEval, or HumanEval+ (a dataset with a
// PlusName: base and plus inputs and atol). The visible tests
// are the CodeTree paper's (given, by task id) under VisibleCodeTree, the
// docstring examples under VisibleDocstring, none under VisibleNone; the
// prompt is the dataset's either way.
func parseHumanEval(in parseInput) ([]*Problem, error) {
	name, d, policy, given := in.name, in.dataset, in.policy, in.given
	var inputs []string
	if in.plus {
		inputs = []string{"base_input", "plus_input"}
	}
	var ps []*Problem
	err := eachJSONLine(name, in.data, func(line []byte) error {
		var r humanEvalRecord
		raw, err := decodePyRecord(line, &r, inputs...)
		if err != nil {
			return err
		}
		if err := requireFields(map[string]string{
			"task_id": r.TaskID, "prompt": r.Prompt, "entry_point": r.EntryPoint,
			"canonical_solution": r.CanonicalSolution, "test": r.Test,
		}); err != nil {
			return fmt.Errorf("%s: %w", r.TaskID, err)
		}
		var visible []Test
		switch policy {
		case VisibleCodeTree:
			asserts, ok := given[r.TaskID]
			if !ok {
				return fmt.Errorf("%s: no CodeTree visible tests for this task", r.TaskID)
			}
			for _, a := range filterGiven(asserts, r.EntryPoint) {
				visible = append(visible, visibleTest("", a))
			}
		case VisibleDocstring:
			visible = humanEvalVisible(r.TaskID, r.Prompt, r.EntryPoint)
		case VisibleNone:
		default:
			return fmt.Errorf("visible-test policy %q does not apply to %s", policy, d)
		}
		ps = append(ps, &Problem{
			task: Task{
				ID:         r.TaskID,
				Dataset:    d,
				Lang:       "python",
				Prompt:     r.Prompt,
				EntryPoint: r.EntryPoint,
				Visible:    visible,
				Policy:     policy,
			},
			hidden: hidden{
				prompt:     r.Prompt,
				reference:  r.CanonicalSolution,
				test:       r.Test,
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

// humanEvalVisible returns the docstring examples of a HumanEval prompt,
// without the known-wrong ones.
func humanEvalVisible(id, prompt, entryPoint string) []Test {
	wrong := wrongDocExamples[id]
	return slices.DeleteFunc(extractExamples(prompt, entryPoint), func(t Test) bool {
		return slices.Contains(wrong, t.Call)
	})
}

// requireFields returns an error naming the first empty field, in a
// stable order.
func requireFields(fields map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if fields[k] == "" {
			return fmt.Errorf("missing or empty field %q", k)
		}
	}
	return nil
}
