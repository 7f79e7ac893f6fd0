package treesearch

import (
	"context"

	"github.com/codetree/codetree/agent"
)

// Coder writes the candidates of a search: first attempts and repairs.
// FunctionCoder, the default, writes a function from a problem statement
// (the benchmarks); repo.Coder edits a repository. Every Solve or Repair
// counts one generation.
type Coder interface {
	// Solve writes a first candidate, following strategy when it is set.
	Solve(ctx context.Context, p Problem, strategy string, sample int) (agent.CodeResult, error)
	// Repair writes a candidate that fixes prev, given its feedback and a
	// reflection on what went wrong.
	Repair(ctx context.Context, p Problem, prev, feedback, reflection string, sample int) (agent.CodeResult, error)
	// Show renders a candidate for the Thinker and the Critic.
	Show(code string) string
}

// FunctionCoder asks agent.Solver and agent.Debugger for a whole function
// in a fenced code block.
type FunctionCoder struct{ Model agent.Completer }

var _ Coder = FunctionCoder{}

// Solve asks the Solver.
func (f FunctionCoder) Solve(ctx context.Context, p Problem, strategy string, sample int) (agent.CodeResult, error) {
	return agent.Solver{C: f.Model}.Solve(ctx, agent.SolveRequest{
		ProblemID: p.ID, Lang: p.Lang, Problem: p.Prompt, EntryPoint: p.EntryPoint,
		Strategy: strategy, Sample: sample,
	})
}

// Repair asks the Debugger.
func (f FunctionCoder) Repair(ctx context.Context, p Problem, prev, feedback, reflection string, sample int) (agent.CodeResult, error) {
	return agent.Debugger{C: f.Model}.Debug(ctx, agent.DebugRequest{
		ProblemID: p.ID, Lang: p.Lang, Problem: p.Prompt, EntryPoint: p.EntryPoint,
		PrevCode: prev, Feedback: feedback, Reflection: reflection, Sample: sample,
	})
}

// Show returns the code as it is.
func (FunctionCoder) Show(code string) string { return code }
