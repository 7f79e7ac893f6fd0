package agent

import (
	"context"
	"fmt"
	"strings"
)

// Reproducer writes a test that reproduces an issue: it must fail on the
// repository as it is, for the issue's reason. Its replies are
// SEARCH/REPLACE blocks, as the Editor's. It is accounted as a Thinker
// call: evidence for the search, not a candidate of it.
type Reproducer struct {
	C Completer
}

// ReproduceRequest asks for a reproduction test; with PrevEdits, for
// another one after the previous test did not reproduce the issue.
type ReproduceRequest struct {
	ProblemID string
	Lang      string // "go" or "python"
	Issue     string
	// Context is the repository's layout and relevant files, rendered by
	// the caller.
	Context string
	// PrevEdits is the previous test's blocks (FormatEdits's text), and
	// Feedback what running it said.
	PrevEdits, Feedback string
	Sample              int
}

// Write asks for the test. A reply without valid blocks is a model-output
// error; the Response is returned with it.
func (r Reproducer) Write(ctx context.Context, req ReproduceRequest) (EditResult, error) {
	data, err := newPromptData(req.Lang, strings.TrimSpace(req.Issue))
	if err != nil {
		return EditResult{}, fmt.Errorf("reproduce: %w", err)
	}
	data.Context = strings.TrimSpace(req.Context)
	data.Edits, data.Feedback = strings.TrimSpace(req.PrevEdits), strings.TrimSpace(req.Feedback)
	msgs, err := conversation(data,
		turn{role: "system", template: "reproduce_system"},
		turn{role: "user", template: "reproduce_user"})
	if err != nil {
		return EditResult{}, fmt.Errorf("reproduce: %w", err)
	}
	return completeEdits(ctx, r.C, Request{Role: RoleThinker, Problem: req.ProblemID, Messages: msgs, Sample: req.Sample}, "reproduce")
}
