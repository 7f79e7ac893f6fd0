package benchmarks

import (
	"fmt"
	"slices"
	"strings"
)

// VisiblePolicies returns every visible-test policy, in a stable order.
func VisiblePolicies() []VisiblePolicy {
	return []VisiblePolicy{VisibleCodeTree, VisibleDocstring, VisibleFirst, VisibleAll, VisibleNone}
}

// Policies returns the policies dataset d accepts (DatasetSpec.Policies),
// its default first, or nil for an unknown dataset.
func Policies(d Dataset) []VisiblePolicy {
	s, err := specFor(d)
	if err != nil {
		return nil
	}
	return slices.Clone(s.Policies)
}

// DefaultPolicy returns dataset d's visible-test policy when none is
// asked for: VisibleCodeTree for humaneval, humaneval+, mbpp and mbpp+,
// VisibleFirst for mbpp-full and mbpp-sanitized; empty for an unknown
// dataset.
func DefaultPolicy(d Dataset) VisiblePolicy {
	if s, err := specFor(d); err == nil && len(s.Policies) > 0 {
		return s.Policies[0]
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
	spec, err := specFor(d)
	if err != nil {
		return "", err
	}
	return spec.policyFor(p)
}

// policyFor resolves parsed policy p for the dataset: empty means its
// default, and a policy it does not list is an error naming those it does.
func (s *DatasetSpec) policyFor(p VisiblePolicy) (VisiblePolicy, error) {
	if p == "" {
		return s.Policies[0], nil
	}
	if !slices.Contains(s.Policies, p) {
		return "", fmt.Errorf("visible-test policy %q does not apply to %s: want one of %s", p, s.Name, joinPolicies(s.Policies))
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
