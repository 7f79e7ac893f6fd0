package agent

import (
	"context"
	"fmt"
	"strings"
)

// Thinker plans: it lists strategies for a problem, and reflections (fixes)
// for failing code.
type Thinker struct {
	C Completer
}

// StrategiesRequest asks for solution strategies.
type StrategiesRequest struct {
	ProblemID string
	Lang      string // "python" or "go"
	// Problem is what the model sees: a signature and docstring, or the
	// task's text.
	Problem string
	// Max caps the number of strategies (the prompt says it too); 0 lets
	// the model decide.
	Max int
}

// StrategiesResult is the Thinker's list of strategies.
type StrategiesResult struct {
	Strategies []string
	Response   Response
}

// Strategies asks the model for distinct strategies, one per numbered line,
// as many as it sees fit up to req.Max. A reply without a list is a
// model-output error (see ParseNumberedList); the Response is returned with
// it.
func (t Thinker) Strategies(ctx context.Context, req StrategiesRequest) (StrategiesResult, error) {
	data, err := newPromptData(req.Lang, req.Problem)
	if err != nil {
		return StrategiesResult{}, fmt.Errorf("thinker strategies: %w", err)
	}
	data.Max = max(req.Max, 0)
	msgs, err := conversation(data,
		turn{role: "system", template: "thinker_strategies_system"},
		turn{role: "user", template: "thinker_strategies_user"})
	if err != nil {
		return StrategiesResult{}, fmt.Errorf("thinker strategies: %w", err)
	}
	items, resp, err := completeList(ctx, t.C, Request{Role: RoleThinker, Problem: req.ProblemID, Messages: msgs}, "thinker strategies")
	if err != nil {
		return StrategiesResult{Response: resp}, err
	}
	return StrategiesResult{Strategies: capItems(items, req.Max), Response: resp}, nil
}

// ReflectionsRequest asks for fixes of failing code.
type ReflectionsRequest struct {
	ProblemID string
	Lang      string
	Problem   string
	// Strategy is the strategy the code follows (may be empty).
	Strategy string
	// Code is the failing implementation.
	Code string
	// Feedback is the result of running Code against the visible tests.
	Feedback string
	// Max caps the number of reflections; 0 lets the model decide.
	Max int
}

// ReflectionsResult is the Thinker's list of self-contained fixes.
type ReflectionsResult struct {
	Reflections []string
	Response    Response
}

// Reflections asks the model to describe what is wrong with req.Code and to
// propose one or more self-contained fixes, one per numbered line. A reply
// without a list is a model-output error; the Response is returned with it.
func (t Thinker) Reflections(ctx context.Context, req ReflectionsRequest) (ReflectionsResult, error) {
	data, err := newPromptData(req.Lang, req.Problem)
	if err != nil {
		return ReflectionsResult{}, fmt.Errorf("thinker reflections: %w", err)
	}
	if strings.TrimSpace(req.Code) == "" {
		return ReflectionsResult{}, fmt.Errorf("thinker reflections: empty code")
	}
	data.Strategy, data.Code, data.Feedback, data.Max = req.Strategy, req.Code, req.Feedback, max(req.Max, 0)
	msgs, err := conversation(data,
		turn{role: "system", template: "thinker_reflections_system"},
		turn{role: "user", template: "thinker_reflections_user"})
	if err != nil {
		return ReflectionsResult{}, fmt.Errorf("thinker reflections: %w", err)
	}
	items, resp, err := completeList(ctx, t.C, Request{Role: RoleThinker, Problem: req.ProblemID, Messages: msgs}, "thinker reflections")
	if err != nil {
		return ReflectionsResult{Response: resp}, err
	}
	return ReflectionsResult{Reflections: capItems(items, req.Max), Response: resp}, nil
}

// completeList sends req and parses the numbered list of the reply; the
// Response is returned with any error.
func completeList(ctx context.Context, c Completer, req Request, op string) ([]string, Response, error) {
	resp, err := c.Complete(ctx, req)
	if err != nil {
		return nil, resp, fmt.Errorf("%s: %w", op, err)
	}
	items, err := ParseNumberedList(resp.Content)
	if err != nil {
		return nil, resp, fmt.Errorf("%s: %w", op, outputFailure(resp, err))
	}
	return items, resp, nil
}

// capItems keeps the first n items when n > 0.
func capItems[T any](items []T, n int) []T {
	if n > 0 && len(items) > n {
		return items[:n]
	}
	return items
}
