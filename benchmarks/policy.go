package benchmarks

import (
	"fmt"
	"slices"
	"strings"
)

// datasetPolicies lists the visible-test policies each dataset accepts;
// the first is the dataset's default. A policy that is not listed does
// not apply to the dataset (docstring examples are a HumanEval notion,
// first and all pick among MBPP asserts, and the CodeTree paper released
// visible tests for HumanEval and the 500-task MBPP test split only),
// and asking for it is an error.
var datasetPolicies = map[Dataset][]VisiblePolicy{
	HumanEval:     {VisibleCodeTree, VisibleDocstring, VisibleNone},
	HumanEvalPlus: {VisibleCodeTree, VisibleDocstring, VisibleNone},
	MBPP:          {VisibleCodeTree, VisibleFirst, VisibleAll, VisibleNone},
	MBPPFull:      {VisibleFirst, VisibleAll, VisibleNone},
	MBPPSanitized: {VisibleFirst, VisibleAll, VisibleNone},
	MBPPPlus:      {VisibleCodeTree, VisibleFirst, VisibleAll, VisibleNone},
}

// givenTestFiles names the data file holding the CodeTree paper's visible
// tests (given_tests) for the datasets whose VisibleCodeTree tests are
// read from one. HumanEval+ has HumanEval's task ids and uses HumanEval's
// file, as the released code does (wrap_human_eval_data). MBPP+ has no
// file: the released code shows each MBPP+ task's own test_list
// (wrap_mbpp_data), which MbppPlus.jsonl.gz holds as the assertion.
var givenTestFiles = map[Dataset]string{
	HumanEval:     "codetree/humaneval.jsonl",
	HumanEvalPlus: "codetree/humaneval.jsonl",
	MBPP:          "codetree/mbpp.jsonl",
}

// VisiblePolicies returns every visible-test policy, in a stable order.
func VisiblePolicies() []VisiblePolicy {
	return []VisiblePolicy{VisibleCodeTree, VisibleDocstring, VisibleFirst, VisibleAll, VisibleNone}
}

// Policies returns the policies dataset d accepts, its default first, or
// nil for an unknown dataset.
func Policies(d Dataset) []VisiblePolicy {
	return slices.Clone(datasetPolicies[d])
}

// DefaultPolicy returns dataset d's visible-test policy when none is
// asked for: VisibleCodeTree for humaneval, humaneval+, mbpp and mbpp+,
// VisibleFirst for mbpp-full and mbpp-sanitized; empty for an unknown
// dataset.
func DefaultPolicy(d Dataset) VisiblePolicy {
	if ps := datasetPolicies[d]; len(ps) > 0 {
		return ps[0]
	}
	return ""
}

// ParseVisiblePolicy parses a policy name (one of VisiblePolicies; case
// and surrounding spaces are ignored). Empty parses to empty, which
// PolicyFor and Load read as the dataset's default.
func ParseVisiblePolicy(s string) (VisiblePolicy, error) {
	p := VisiblePolicy(strings.ToLower(strings.TrimSpace(s)))
	if p == "" || slices.Contains(VisiblePolicies(), p) {
		return p, nil
	}
	return "", fmt.Errorf("unknown visible-test policy %q: want one of %s", s, joinPolicies(VisiblePolicies()))
}

// PolicyFor parses policy p for dataset d: empty means d's default, and a
// policy that does not apply to d is an error naming those that do.
func PolicyFor(d Dataset, p VisiblePolicy) (VisiblePolicy, error) {
	p, err := ParseVisiblePolicy(string(p))
	if err != nil {
		return "", err
	}
	ok := datasetPolicies[d]
	if ok == nil {
		return "", fmt.Errorf("unknown dataset %q", string(d))
	}
	if p == "" {
		return ok[0], nil
	}
	if !slices.Contains(ok, p) {
		return "", fmt.Errorf("visible-test policy %q does not apply to %s: want one of %s", p, d, joinPolicies(ok))
	}
	return p, nil
}

// PolicyUsage describes the policies and each dataset's default, for a
// flag's usage string.
func PolicyUsage() string {
	defaults := make(map[VisiblePolicy][]string)
	for _, d := range Datasets() {
		defaults[DefaultPolicy(d)] = append(defaults[DefaultPolicy(d)], string(d))
	}
	var parts []string
	for _, p := range VisiblePolicies() {
		s := string(p)
		if ds := defaults[p]; len(ds) > 0 {
			s += " (default for " + strings.Join(ds, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return "visible tests: " + strings.Join(parts, ", ") + "; empty means the dataset's default"
}

func joinPolicies(ps []VisiblePolicy) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}
