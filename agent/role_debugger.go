package agent

import (
	"context"
	"fmt"
	"strings"
)

// Debugger rewrites failing code from its test results and one reflection.
type Debugger struct {
	C Completer
}

// DebugRequest asks for an improved implementation.
type DebugRequest struct {
	ProblemID  string
	Lang       string // "python" or "go"
	Problem    string
	EntryPoint string
	// PrevCode is the implementation to improve.
	PrevCode string
	// Feedback is the result of running PrevCode against the visible tests.
	Feedback string
	// Reflection is the fix to follow (one of the Thinker's reflections).
	Reflection string
	Sample     int
}

// Debug asks for an improved implementation in Reflexion's turns: the
// problem (user), PrevCode (assistant), the test results (user), the
// reflection (assistant), and the request for the improved implementation
// (user). A reply without usable code is a model-output error; the Response
// is returned with it.
func (d Debugger) Debug(ctx context.Context, req DebugRequest) (CodeResult, error) {
	data, err := newPromptData(req.Lang, req.Problem)
	if err != nil {
		return CodeResult{}, fmt.Errorf("debug: %w", err)
	}
	if strings.TrimSpace(req.PrevCode) == "" {
		return CodeResult{}, fmt.Errorf("debug: empty previous code")
	}
	data.EntryPoint, data.Code, data.Feedback, data.Reflection = req.EntryPoint, req.PrevCode, req.Feedback, req.Reflection
	msgs, err := conversation(data,
		turn{role: "system", template: "debugger_system"},
		turn{role: "user", template: "debugger_problem"},
		turn{role: "assistant", template: "debugger_code"},
		turn{role: "user", template: "debugger_feedback"},
		turn{role: "assistant", template: "debugger_reflection"},
		turn{role: "user", template: "debugger_improve"})
	if err != nil {
		return CodeResult{}, fmt.Errorf("debug: %w", err)
	}
	return completeCode(ctx, d.C, Request{Role: RoleDebugger, Problem: req.ProblemID, Messages: msgs, Sample: req.Sample},
		data.Lang.ID, req.EntryPoint, "debug")
}
