package benchmarks

import (
	"slices"
	"strings"
	"testing"
)

// TestDatasetSpecs checks the table every other part reads: each entry
// is complete, its files are in DataFiles, and the derived views (names,
// gold set, usage, families) are the ones the commands and the Makefile
// rely on.
func TestDatasetSpecs(t *testing.T) {
	t.Parallel()
	specs := DatasetSpecs()
	for _, s := range specs {
		if s.parse == nil || s.Family == familyInvalid || len(s.Policies) == 0 || s.Data.Path == "" {
			t.Errorf("%s: incomplete entry %+v", s.Name, s)
		}
		for _, f := range s.Files() {
			if !slices.Contains(DataFiles(), f) {
				t.Errorf("%s: file %s is not in DataFiles", s.Name, f.Path)
			}
		}
		if s.Given == nil && s.Name != MBPPPlus && slices.Contains(s.Policies, VisibleCodeTree) {
			t.Errorf("%s: the codetree policy without a file of the paper's visible tests", s.Name)
		}
		for _, a := range append([]string{string(s.Name)}, s.Aliases...) {
			if d, err := ParseDataset(a); err != nil || d != s.Name {
				t.Errorf("ParseDataset(%q) = %q, %v; want %s", a, d, err, s.Name)
			}
		}
	}
	var gold []Dataset
	for _, s := range specs {
		if s.Gold {
			gold = append(gold, s.Name)
		}
	}
	if want := []Dataset{HumanEval, HumanEvalPlus, MBPP, MBPPSanitized, MBPPPlus}; !slices.Equal(gold, want) {
		t.Errorf("gold datasets %v, want %v", gold, want)
	}
	if got, want := DatasetUsage(), "humaneval, humaneval+, mbpp (test split), mbpp-full (all 974 tasks), mbpp-sanitized or mbpp+"; got != want {
		t.Errorf("DatasetUsage() = %q, want %q", got, want)
	}
	for d, want := range map[Dataset]Family{
		HumanEval: FamilyHumanEval, HumanEvalPlus: FamilyHumanEval, MBPP: FamilyMBPP, MBPPFull: FamilyMBPP,
		MBPPSanitized: FamilyMBPPImportsFirst, MBPPPlus: FamilyMBPPImportsFirst, "apps": familyInvalid,
	} {
		if got := familyOf(d); got != want {
			t.Errorf("family of %s = %v, want %v", d, got, want)
		}
	}
	if plusName(HumanEvalPlus) != "humaneval" || plusName(MBPPPlus) != "mbpp" || plusName(MBPP) != "" {
		t.Error("plusName: want EvalPlus's names for humaneval+ and mbpp+ only")
	}
	// DatasetSpecs returns a copy.
	specs[0].Aliases = append(specs[0].Aliases, "changed")
	specs[0].Policies[0] = VisibleNone
	if s := DatasetSpecs()[0]; slices.Contains(s.Aliases, "changed") || s.Policies[0] == VisibleNone {
		t.Error("DatasetSpecs returned the package's table")
	}
	if !strings.Contains(FamilyMBPPImportsFirst.String(), "imports-first") || !strings.HasPrefix(familyInvalid.String(), "Family(") {
		t.Error("Family.String")
	}
}
