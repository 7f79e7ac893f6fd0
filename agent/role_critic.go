package agent

import (
	"context"
	"fmt"
	"regexp"
	"slices"
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
	// Analysis is the Critic's reasoning: the reply without reasoning
	// blocks, its bare score line and closing pleasantries (see judge).
	Analysis string
	// Response is the last call's, with the usage, cost, duration and
	// retries of both calls when the Critic was asked twice (see judge).
	Response Response
}

// Score asks the model to analyse the test results and score them 0 to 5 on
// its last line. A reply without a score (see ParseScore) is asked for once
// more with a reminder of the format; when that reply has none either, the
// result is a model-output error, returned with the Response.
func (c Critic) Score(ctx context.Context, req ScoreRequest) (ScoreResult, error) {
	msgs, err := criticMessages(req.Lang, req.Problem, req.Code, req.Feedback, "critic_score")
	if err != nil {
		return ScoreResult{}, fmt.Errorf("critic score: %w", err)
	}
	var score int
	resp, analysis, err := judge(ctx, c.C, Request{Role: RoleCritic, Problem: req.ProblemID, Messages: msgs}, "critic_score_reminder",
		func(reply string) (string, error) {
			s, a, err := parseScore(reply)
			score = s
			return a, err
		})
	if err != nil {
		return ScoreResult{Analysis: analysis, Response: resp}, fmt.Errorf("critic score: %w", err)
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
	// Analysis is the Critic's reasoning: the reply without reasoning
	// blocks, its bare verdict line and closing pleasantries (see judge).
	Analysis string
	// Response is the last call's, with the usage, cost, duration and
	// retries of both calls when the Critic was asked twice (see judge).
	Response Response
}

// Verify asks the model to check generalisation (no hard-coded tests),
// boundaries, edge cases and polynomial efficiency, and to answer True or
// False on its last line. Ask it only when every visible test passes. A
// reply without a verdict (see ParseVerdict) is asked for once more with a
// reminder of the format; when that reply has none either, the result is a
// model-output error, returned with the Response.
func (c Critic) Verify(ctx context.Context, req VerifyRequest) (VerifyResult, error) {
	msgs, err := criticMessages(req.Lang, req.Problem, req.Code, req.Feedback, "critic_verify")
	if err != nil {
		return VerifyResult{}, fmt.Errorf("critic verify: %w", err)
	}
	var ok bool
	resp, analysis, err := judge(ctx, c.C, Request{Role: RoleCritic, Problem: req.ProblemID, Messages: msgs}, "critic_verify_reminder",
		func(reply string) (string, error) {
			v, a, err := parseVerdict(reply)
			ok = v
			return a, err
		})
	if err != nil {
		return VerifyResult{Analysis: analysis, Response: resp}, fmt.Errorf("critic verify: %w", err)
	}
	return VerifyResult{OK: ok, Analysis: analysis, Response: resp}, nil
}

// judge sends req and parses the reply with parse, which returns the
// reply's analysis. A reply that parse finds Unparsable or EmptyOutput is
// asked for once more: the same request (same Sample) with the reply,
// reasoning blocks removed, as an assistant turn (left out when nothing is
// left of it) and the reminder template as a user turn, so its cache key
// differs. A call's error (infrastructure, budget, context) is never
// asked again: the first call's is returned as it is, the second's wrapped
// with its class kept. A second reply that does not parse either is a
// model-output error naming both failures.
//
// After two calls the Response is the second's with the Usage, Cost,
// Duration and Retries of both summed (Cached only when both were), and
// the analysis is the first reply's, followed by the second's when it says
// more than the bare answer (an apology opening it is dropped).
func judge(ctx context.Context, c Completer, req Request, reminder string, parse func(reply string) (string, error)) (Response, string, error) {
	resp, err := c.Complete(ctx, req)
	if err != nil {
		return resp, "", err
	}
	first, perr := parse(resp.Content)
	if perr == nil {
		return resp, first, nil
	}
	if class := ClassOf(perr); class != Unparsable && class != EmptyOutput {
		return resp, first, outputFailure(resp, perr)
	}
	note, err := render(reminder, promptData{})
	if err != nil {
		return resp, first, err
	}
	again := req
	again.Messages = slices.Clone(req.Messages)
	if prev := strings.TrimSpace(stripThinking(resp.Content)); prev != "" {
		again.Messages = append(again.Messages, Message{Role: "assistant", Content: prev})
	}
	again.Messages = append(again.Messages, Message{Role: "user", Content: note})
	resp2, err := c.Complete(ctx, again)
	if err != nil {
		return addUsage(resp, resp2), first, fmt.Errorf("ask again after an unusable reply: %w", err)
	}
	total := addUsage(resp2, resp)
	second, perr2 := parse(resp2.Content)
	analysis := joinAnalyses(first, second)
	if perr2 != nil {
		return total, analysis, fmt.Errorf("%w; asked again: %w", outputFailure(resp, perr), outputFailure(resp2, perr2))
	}
	return total, analysis, nil
}

// addUsage returns r with the tokens, cost, duration and retries of other
// added.
func addUsage(r, other Response) Response {
	r.Usage.PromptTokens += other.Usage.PromptTokens
	r.Usage.CompletionTokens += other.Usage.CompletionTokens
	r.Usage.Estimated = r.Usage.Estimated || other.Usage.Estimated
	r.Cost += other.Cost
	r.PriceUnknown = r.PriceUnknown || other.PriceUnknown
	r.Cached = r.Cached && other.Cached
	r.Retries += other.Retries
	r.Duration += other.Duration
	return r
}

// apologyRE matches an opening line of a second reply that carries no
// analysis: "I apologize for the confusion.", "Sorry, here it is:".
var apologyRE = regexp.MustCompile(`(?i)^(?:(?:i[ \t]+)?apologi[sz]e|(?:my[ \t]+)?apologies|sorry|you'?re[ \t]+right|certainly|sure|of[ \t]+course)\b`)

// joinAnalyses combines the analyses of a reply and of the reply asked for
// again: the first, then what the second adds.
func joinAnalyses(first, second string) string {
	lines := strings.Split(second, "\n")
	for len(lines) > 0 && (strings.TrimSpace(lines[0]) == "" || apologyRE.MatchString(plainLine(lines[0]))) {
		lines = lines[1:]
	}
	second = strings.TrimSpace(strings.Join(lines, "\n"))
	switch {
	case second == "" || strings.Contains(first, second):
		return first
	case first == "" || strings.Contains(second, first):
		return second
	}
	return first + "\n\n" + second
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
