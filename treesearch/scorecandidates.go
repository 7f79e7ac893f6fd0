package treesearch

import "context"

// scoreCandidates scores every distinct candidate of a finished search on
// the hidden tests, recording each node's verdicts (a duplicate takes the
// verdict of the code it repeats, the same normalized code as the search
// found it to repeat), and returns the chosen code's verdict
// and whether any candidate passed. The search has ended: nothing here
// reaches it.
func scoreCandidates(ctx context.Context, p Problem, tree *Tree, score func(context.Context, Problem, string) (Verdict, error)) (Verdict, *bool, error) {
	byCode := make(map[string]Verdict)
	verdict := func(code string) (Verdict, error) {
		key := normalize(code)
		if v, ok := byCode[key]; ok {
			return v, nil
		}
		v, err := score(ctx, p, code)
		if err != nil {
			return v, err
		}
		byCode[key] = v
		return v, nil
	}
	anyPassed := false
	for _, n := range tree.Nodes {
		if n.Code == "" {
			continue
		}
		v, err := verdict(n.Code)
		if err != nil {
			return Verdict{}, nil, err
		}
		n.Hidden, n.HiddenPlus = &v.Passed, v.PlusPassed
		anyPassed = anyPassed || v.Passed
	}
	chosen, err := verdict(tree.Answer())
	if err != nil {
		return Verdict{}, nil, err
	}
	return chosen, &anyPassed, nil
}
