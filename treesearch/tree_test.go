package treesearch

import "testing"

func TestChooseByRule(t *testing.T) {
	t.Parallel()
	nodes := func() []*Node {
		return []*Node{
			{ID: 0, Code: "a", Score: 0.5},
			{ID: 1, Code: "b", Score: 0.9},
			{ID: 2, Code: "c", Score: 0.9},
			{ID: 3, Code: "d", Score: 0.1},
			{ID: 4, ModelError: "no code"},
		}
	}
	for _, tt := range []struct {
		rule string
		want int
	}{{"best", 1}, {"latest", 3}} {
		sel, err := ParseSelection(tt.rule)
		if err != nil {
			t.Fatal(err)
		}
		r := NewRecorder(Env{Select: sel}, Problem{ID: "p"}, "x")
		r.Tree().Nodes = nodes()
		r.Choose()
		if r.Tree().Chosen != tt.want || sel.String() != tt.rule {
			t.Errorf("%s: chose %d (rule %s), want %d", tt.rule, r.Tree().Chosen, sel, tt.want)
		}
	}
	r := NewRecorder(Env{Select: SelectLatest}, Problem{ID: "p"}, "x")
	r.Tree().Nodes = []*Node{{ID: 0, ModelError: "none"}}
	if r.Choose(); r.Tree().Chosen != -1 {
		t.Errorf("no code: chose %d, want -1", r.Tree().Chosen)
	}
	if _, err := ParseSelection("worst"); err == nil {
		t.Error("ParseSelection accepted worst")
	}
}

func TestObserveSeesEveryNode(t *testing.T) {
	t.Parallel()
	m := &scriptedModel{replies: []string{code("a - b"), "no code here", code("a + b")}}
	var seen []int
	var errs []string
	env := Env{Model: m, Tests: &fakeTests{}, Budget: 5, Observe: func(n Node) {
		seen = append(seen, n.ID)
		errs = append(errs, n.ModelError)
	}}
	if _, err := (Resample{Env: env}).Search(t.Context(), addProblem); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 3 || seen[0] != 0 || seen[2] != 2 || errs[1] == "" || errs[0] != "" {
		t.Errorf("observed %v (model errors %q), want nodes 0, 1 (no code), 2", seen, errs)
	}
}
