package benchmarks

import "time"

// Dataset names a benchmark.
type Dataset string

const (
	HumanEval     Dataset = "humaneval"      // 164 tasks
	HumanEvalPlus Dataset = "humaneval+"     // HumanEval+ v0.1.10, 164 tasks
	MBPP          Dataset = "mbpp"           // the 500-task test split, ids 11-510
	MBPPFull      Dataset = "mbpp-full"      // all 974 tasks
	MBPPSanitized Dataset = "mbpp-sanitized" // 427 tasks
	MBPPPlus      Dataset = "mbpp+"          // MBPP+ v0.2.0, 378 tasks
)

// VisiblePolicy says which tests of a problem a search may see. Each
// dataset accepts some policies and has a default (see Policies and
// DefaultPolicy); datasets.go has the table.
type VisiblePolicy string

const (
	// VisibleCodeTree shows the visible tests the CodeTree paper's search
	// saw: the given_tests of its released data files by task id for
	// HumanEval, HumanEval+ and MBPP, and every base assert (the task's
	// test_list) for MBPP+, as its released code builds them. Asserts
	// holding "assert False" or not naming the entry point are dropped,
	// as the released code drops them. The default for those four
	// datasets, so that numbers are comparable with the paper's.
	VisibleCodeTree VisiblePolicy = "codetree"
	// VisibleDocstring shows the examples extracted from a HumanEval
	// docstring (extractExamples).
	VisibleDocstring VisiblePolicy = "docstring"
	// VisibleFirst shows the first assert of an MBPP task; the other
	// asserts and the plus inputs are hidden (the default for mbpp-full
	// and mbpp-sanitized).
	VisibleFirst VisiblePolicy = "first"
	// VisibleAll shows every assert of an MBPP task, as one code path of
	// CodeTree's released code does; scores on those asserts (the MBPP
	// base score) are then measured on tests the search saw.
	VisibleAll VisiblePolicy = "all"
	// VisibleNone shows no test: the search sees the task only.
	VisibleNone VisiblePolicy = "none"
)

// Test is one visible test: an assert statement a search may run and show
// to a model. Call and Expected are filled when the assert has the form
// `assert CALL == EXPECTED`, for feedback with actual and expected values.
type Test struct {
	Assert   string `json:"assert"`
	Call     string `json:"call,omitempty"`
	Expected string `json:"expected,omitempty"`
}

// Task is what a search may see of a problem: no hidden test, no
// reference solution. The tree search gets Tasks, never Problems.
type Task struct {
	ID         string
	Dataset    Dataset
	Lang       string // "python"
	Prompt     string // what the model is given
	EntryPoint string // the function to write
	Visible    []Test
	// Policy is the visible-test policy the Task was made with.
	Policy VisiblePolicy
}

// Problem is a benchmark problem with everything needed to score it. Its
// hidden tests and reference solution are unexported: only this package's
// evaluation reads them.
type Problem struct {
	task   Task
	hidden hidden
}

// Task returns what a search may see of p.
func (p *Problem) Task() Task { return p.task }

// ID is the problem's task id as the dataset writes it ("HumanEval/0",
// "Mbpp/2", "11").
func (p *Problem) ID() string { return p.task.ID }

// hidden is what scoring uses and a search must never see.
type hidden struct {
	// prompt is the text the official harness prepends to a completion
	// (HumanEval: the signature and docstring; MBPP: nothing).
	prompt string
	// reference is the dataset's reference solution, as a full program
	// part (for HumanEval: the body that follows prompt).
	reference string
	// test is the official test code: HumanEval's `test` (defining
	// check(candidate)), MBPP's asserts joined with newlines.
	test string
	// setup is code run before the test (MBPP test_setup_code, sanitized
	// MBPP test_imports, `import math` for MBPP+).
	setup string
	// asserts are MBPP's test_list (all of them, visible or not).
	asserts []string
	// plus: EvalPlus inputs, each a JSON array of arguments; outputs are
	// computed by running the reference solution.
	baseInputs []string
	plusInputs []string
	atol       float64
	// refTime is the reference solution's measured time on this machine,
	// set by calibration; timeouts scale with it.
	refTime time.Duration
}
