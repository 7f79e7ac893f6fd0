package benchmarks

import (
	"maps"
	"slices"
	"testing"
)

// TestTally: pass@k, plus pass@k (a sample passes plus only if it passes
// the base tests too), failures and problems, as Evaluate reports them.
func TestTally(t *testing.T) {
	t.Parallel()
	line := func(id string) SampleLine { return SampleLine{Sample: Sample{TaskID: id}} }
	lines := []SampleLine{line("a"), line("b"), line("a"), line("b")}
	verdicts := []Verdict{
		{Passed: true, Plus: &PlusVerdict{Passed: true}},
		{Passed: true, Plus: &PlusVerdict{Passed: false}},
		{Passed: false, Plus: &PlusVerdict{Passed: true}},
		{Passed: true, Plus: &PlusVerdict{Passed: true}},
	}
	r := Tally(lines, verdicts, []int{1, 2, 3})
	if r.Problems != 2 {
		t.Errorf("problems %d, want 2", r.Problems)
	}
	// a: 1 of 2 base, 1 of 2 plus; b: 2 of 2 base, 1 of 2 plus.
	if want := map[int]float64{1: 0.75, 2: 1}; !maps.Equal(r.PassAtK, want) {
		t.Errorf("pass@k %v, want %v", r.PassAtK, want)
	}
	if want := map[int]float64{1: 0.5, 2: 1}; !maps.Equal(r.PlusAtK, want) {
		t.Errorf("plus pass@k %v, want %v", r.PlusAtK, want)
	}
	if want := []int{1, 2}; !slices.Equal(r.Failed, want) {
		t.Errorf("failed %v, want %v", r.Failed, want)
	}
	if r := Tally(lines[:1], verdicts[:1], []int{1}); r.PlusAtK == nil || r.Problems != 1 {
		t.Errorf("one line: %+v", r)
	}
	if r := Tally(lines[:1], []Verdict{{Passed: true}}, []int{1}); r.PlusAtK != nil {
		t.Errorf("no plus part: plus pass@k %v, want nil", r.PlusAtK)
	}
}
