package agent

import (
	"context"
	"fmt"
	"strings"
)

// Editor changes a repository by SEARCH/REPLACE edits (repository mode:
// codetree solve and fix). Its first edits are accounted as the Solver's
// and its repairs as the Debugger's, so they count as generations under
// the same budgets.
type Editor struct {
	C Completer
}

// EditRequest asks for a first set of edits.
type EditRequest struct {
	ProblemID string
	Lang      string // "go" or "python"
	// Task is the developer's request.
	Task string
	// Context is the repository's layout and relevant files, rendered by
	// the caller; it is shown as it is.
	Context string
	// Strategy is shown as "Hint: <strategy>"; empty for none.
	Strategy string
	// Sample tells apart independent samples of the same prompt.
	Sample int
}

// RepairRequest asks for edits that fix a previous attempt.
type RepairRequest struct {
	ProblemID string
	Lang      string // "go" or "python"
	Task      string
	// Context is the current contents of the relevant files, with the
	// previous edits applied (those that applied).
	Context string
	// PrevEdits is the previous attempt's blocks, in FormatEdits's text.
	PrevEdits string
	// Feedback is the test or lint output, or why the blocks did not apply.
	Feedback string
	// Reflection is the fix to follow.
	Reflection string
	Sample     int
}

// EditResult is the edits the Editor wrote.
type EditResult struct {
	// Edits are the reply's blocks, in order (see ParseEdits).
	Edits []Edit
	// Explanation is the reply's text outside the blocks, trimmed and
	// capped at 1000 characters.
	Explanation string
	Response    Response
}

// Edit asks for the edits that do the task: the system prompt (the block
// format and its rules), then the task and the repository (user). A reply
// without valid blocks is a model-output error (see ParseEdits); the
// Response is returned with it.
func (e Editor) Edit(ctx context.Context, req EditRequest) (EditResult, error) {
	data, err := newPromptData(req.Lang, strings.TrimSpace(req.Task))
	if err != nil {
		return EditResult{}, fmt.Errorf("edit: %w", err)
	}
	data.Context, data.Strategy = strings.TrimSpace(req.Context), strings.TrimSpace(req.Strategy)
	msgs, err := conversation(data,
		turn{role: "system", template: "edit_system"},
		turn{role: "user", template: "edit_user"})
	if err != nil {
		return EditResult{}, fmt.Errorf("edit: %w", err)
	}
	return completeEdits(ctx, e.C, Request{Role: RoleSolver, Problem: req.ProblemID, Messages: msgs, Sample: req.Sample}, "edit")
}

// Repair asks for edits that fix the previous ones, in Reflexion's turns
// as Debugger.Debug takes them: the task and the current files (user),
// PrevEdits (assistant), the feedback (user), the reflection (assistant),
// and the request for new blocks (user). A reply without valid blocks is a
// model-output error; the Response is returned with it.
func (e Editor) Repair(ctx context.Context, req RepairRequest) (EditResult, error) {
	data, err := newPromptData(req.Lang, strings.TrimSpace(req.Task))
	if err != nil {
		return EditResult{}, fmt.Errorf("repair edits: %w", err)
	}
	if strings.TrimSpace(req.PrevEdits) == "" {
		return EditResult{}, fmt.Errorf("repair edits: empty previous edits")
	}
	data.Context, data.Edits = strings.TrimSpace(req.Context), strings.TrimSpace(req.PrevEdits)
	data.Feedback, data.Reflection = strings.TrimSpace(req.Feedback), strings.TrimSpace(req.Reflection)
	msgs, err := conversation(data,
		turn{role: "system", template: "edit_system"},
		turn{role: "user", template: "edit_repair_task"},
		turn{role: "assistant", template: "edit_repair_edits"},
		turn{role: "user", template: "edit_repair_feedback"},
		turn{role: "assistant", template: "edit_repair_reflection"},
		turn{role: "user", template: "edit_repair_request"})
	if err != nil {
		return EditResult{}, fmt.Errorf("repair edits: %w", err)
	}
	return completeEdits(ctx, e.C, Request{Role: RoleDebugger, Problem: req.ProblemID, Messages: msgs, Sample: req.Sample}, "repair edits")
}

// completeEdits sends req and parses the edits of the reply.
func completeEdits(ctx context.Context, c Completer, req Request, op string) (EditResult, error) {
	resp, err := c.Complete(ctx, req)
	if err != nil {
		return EditResult{Response: resp}, fmt.Errorf("%s: %w", op, err)
	}
	edits, expl, err := parseEdits(resp.Content)
	if err != nil {
		return EditResult{Response: resp}, fmt.Errorf("%s: %w", op, outputFailure(resp, err))
	}
	return EditResult{Edits: edits, Explanation: expl, Response: resp}, nil
}

// FilesRequest asks which files the Editor needs to read.
type FilesRequest struct {
	ProblemID string
	Lang      string // "go" or "python"
	// Task includes the failing checks' output, if any.
	Task string
	// Layout is the repository's file list.
	Layout string
	// Max caps the number of paths asked for (default 8).
	Max int
}

// FilesResult is the paths the model named, in its order, as written:
// the caller checks them against the repository.
type FilesResult struct {
	Paths    []string
	Response Response
}

// ChooseFiles asks which files to read for the task, from the layout
// alone. It is accounted as a Thinker call (planning, not a generation).
// A reply without a list is a model-output error.
func (e Editor) ChooseFiles(ctx context.Context, req FilesRequest) (FilesResult, error) {
	data, err := newPromptData(req.Lang, strings.TrimSpace(req.Task))
	if err != nil {
		return FilesResult{}, fmt.Errorf("choose files: %w", err)
	}
	data.Context, data.Max = strings.TrimSpace(req.Layout), req.Max
	if data.Max <= 0 {
		data.Max = 8
	}
	msgs, err := conversation(data,
		turn{role: "system", template: "files_system"},
		turn{role: "user", template: "files_user"})
	if err != nil {
		return FilesResult{}, fmt.Errorf("choose files: %w", err)
	}
	items, resp, err := completeList(ctx, e.C, Request{Role: RoleThinker, Problem: req.ProblemID, Messages: msgs}, "choose files")
	if err != nil {
		return FilesResult{Response: resp}, err
	}
	return FilesResult{Paths: capItems(listPaths(items), data.Max), Response: resp}, nil
}
