package treesearch

import "fmt"

// Selection is how a search picks its answer when it accepted none.
type Selection int

const (
	// SelectBest returns the highest-scored candidate, the earliest on
	// ties (the paper's rule).
	SelectBest Selection = iota
	// SelectLatest returns the last candidate with code.
	SelectLatest
	// SelectReleased is the released CodeTree code's rule: the last
	// candidate that failed the visible tests, else the first Solver
	// output.
	SelectReleased
)

var selectionNames = map[Selection]string{SelectBest: "best", SelectLatest: "latest", SelectReleased: "released"}

// ParseSelection reads "best", "latest" or "released".
func ParseSelection(s string) (Selection, error) {
	if s == "" {
		return SelectBest, nil
	}
	for sel, name := range selectionNames {
		if name == s {
			return sel, nil
		}
	}
	return 0, fmt.Errorf("unknown selection rule %q (use best, latest or released)", s)
}

// String is the rule's flag name.
func (s Selection) String() string { return selectionNames[s] }

// pick returns the ID of the node the rule chooses, -1 when no node has
// code.
func (s Selection) pick(nodes []*Node) int {
	chosen := -1
	switch s {
	case SelectLatest:
		for _, n := range nodes {
			if n.Code != "" {
				chosen = n.ID
			}
		}
	case SelectReleased:
		for _, n := range nodes {
			if n.Code != "" && !n.Feedback.Passes() {
				chosen = n.ID
			}
		}
		if chosen < 0 {
			for _, n := range nodes {
				if n.Code != "" && n.Role == "solver" {
					return n.ID
				}
			}
		}
	default:
		for _, n := range nodes {
			if n.Code != "" && (chosen < 0 || n.Score > nodes[chosen].Score) {
				chosen = n.ID
			}
		}
	}
	return chosen
}
