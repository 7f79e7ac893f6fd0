package agent

import (
	"context"
	"fmt"
)

// Solver writes a full implementation of a problem from a strategy.
type Solver struct {
	C Completer
}

// SolveRequest asks for an implementation.
type SolveRequest struct {
	ProblemID string
	Lang      string // "python" or "go"
	// Problem is what the model sees: a signature and docstring, or the
	// task's text.
	Problem string
	// EntryPoint is the function the code must define; empty for a whole
	// program.
	EntryPoint string
	// Strategy is shown as "Hint: <strategy>"; empty for none.
	Strategy string
	// Sample tells apart independent samples of the same prompt.
	Sample int
}

// CodeResult is the code the Solver or the Debugger wrote.
type CodeResult struct {
	// Code is extracted from the reply by ExtractCode.
	Code string
	// Note is what the reply says besides the code, when the caller keeps
	// it (the repository Editor's explanation).
	Note     string
	Response Response
}

// Solve asks the model for a full implementation, code only. A reply without
// usable code is a model-output error (see ExtractCode); the Response is
// returned with it.
func (s Solver) Solve(ctx context.Context, req SolveRequest) (CodeResult, error) {
	data, err := newPromptData(req.Lang, req.Problem)
	if err != nil {
		return CodeResult{}, fmt.Errorf("solve: %w", err)
	}
	data.EntryPoint, data.Strategy = req.EntryPoint, req.Strategy
	msgs, err := conversation(data,
		turn{role: "system", template: "solver_system"},
		turn{role: "user", template: "solver_user"})
	if err != nil {
		return CodeResult{}, fmt.Errorf("solve: %w", err)
	}
	return completeCode(ctx, s.C, Request{Role: RoleSolver, Problem: req.ProblemID, Messages: msgs, Sample: req.Sample},
		data.Lang.ID, req.EntryPoint, "solve")
}

// completeCode sends req and extracts the code of the reply.
func completeCode(ctx context.Context, c Completer, req Request, lang, entryPoint, op string) (CodeResult, error) {
	resp, err := c.Complete(ctx, req)
	if err != nil {
		return CodeResult{Response: resp}, fmt.Errorf("%s: %w", op, err)
	}
	code, err := ExtractCode(resp.Content, lang, entryPoint)
	if err != nil {
		return CodeResult{Response: resp}, fmt.Errorf("%s: %w", op, outputFailure(resp, err))
	}
	return CodeResult{Code: code, Response: resp}, nil
}
