package agent

import (
	"context"
	"fmt"
	"strings"
)

// Critic judges code: it scores failing test results and verifies code that
// passes every visible test.
type Critic struct {
	C Completer
}

// ScoreRequest asks for a score of failing test results.
type ScoreRequest struct {
	ProblemID string
	Lang      string // "python" or "go"
	Problem   string
	Code      string
	// Feedback is the result of running Code against the visible tests.
	Feedback string
}

// ScoreResult is the Critic's score of test results.
type ScoreResult struct {
	// Score is from 0 to 5: 0 error or timeout, 1 no pattern, 2 abnormal on
	// part of the cases, 3 a clear pattern such as off-by-one, 4 misses edge
	// cases, 5 matches.
	Score int
	// Analysis is the reply without its final score line.
	Analysis string
	Response Response
}

// Score asks the model to analyse the test results and score them 0 to 5 on
// its last line. A reply without a score is a model-output error (see
// ParseScore); the Response is returned with it.
func (c Critic) Score(ctx context.Context, req ScoreRequest) (ScoreResult, error) {
	msgs, err := criticMessages(req.Lang, req.Problem, req.Code, req.Feedback, "critic_score")
	if err != nil {
		return ScoreResult{}, fmt.Errorf("critic score: %w", err)
	}
	resp, err := c.C.Complete(ctx, Request{Role: RoleCritic, Problem: req.ProblemID, Messages: msgs})
	if err != nil {
		return ScoreResult{Response: resp}, fmt.Errorf("critic score: %w", err)
	}
	score, analysis, err := parseScore(resp.Content)
	if err != nil {
		return ScoreResult{Analysis: analysis, Response: resp}, fmt.Errorf("critic score: %w", outputFailure(resp, err))
	}
	return ScoreResult{Score: score, Analysis: analysis, Response: resp}, nil
}

// VerifyRequest asks whether code that passes every visible test will pass
// unseen ones.
type VerifyRequest struct {
	ProblemID string
	Lang      string
	Problem   string
	Code      string
	// Feedback is the (passing) result of the visible tests; may be empty.
	Feedback string
}

// VerifyResult is the Critic's verdict.
type VerifyResult struct {
	// OK is true when the Critic accepts the code as it is.
	OK bool
	// Analysis is the reply without its final verdict line.
	Analysis string
	Response Response
}

// Verify asks the model to check generalisation (no hard-coded tests),
// boundaries, edge cases and polynomial efficiency, and to answer True or
// False on its last line. Ask it only when every visible test passes. A
// reply without a verdict is a model-output error (see ParseVerdict); the
// Response is returned with it.
func (c Critic) Verify(ctx context.Context, req VerifyRequest) (VerifyResult, error) {
	msgs, err := criticMessages(req.Lang, req.Problem, req.Code, req.Feedback, "critic_verify")
	if err != nil {
		return VerifyResult{}, fmt.Errorf("critic verify: %w", err)
	}
	resp, err := c.C.Complete(ctx, Request{Role: RoleCritic, Problem: req.ProblemID, Messages: msgs})
	if err != nil {
		return VerifyResult{Response: resp}, fmt.Errorf("critic verify: %w", err)
	}
	ok, analysis, err := parseVerdict(resp.Content)
	if err != nil {
		return VerifyResult{Analysis: analysis, Response: resp}, fmt.Errorf("critic verify: %w", outputFailure(resp, err))
	}
	return VerifyResult{OK: ok, Analysis: analysis, Response: resp}, nil
}

// criticMessages renders the system and user turns of a Critic task.
func criticMessages(lang, problem, code, feedback, task string) ([]Message, error) {
	data, err := newPromptData(lang, problem)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(code) == "" {
		return nil, fmt.Errorf("empty code")
	}
	data.Code, data.Feedback = code, feedback
	return conversation(data,
		turn{role: "system", template: task + "_system"},
		turn{role: "user", template: task + "_user"})
}
