package repo

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/treesearch"
)

// Coder writes candidates as SEARCH/REPLACE edits of a repository with the
// agent's Editor. A candidate's code is its whole edit script from Base,
// in the canonical text of agent.FormatEdits: a repair is its parent's
// script (when that applied) followed by the new edits, so that every
// candidate is reproducible from Base alone. *Coder implements
// treesearch.Coder.
type Coder struct {
	Model agent.Completer
	// Tests applies scripts (its Base is the repository).
	Tests *Tester
	// Task is the developer's request; Lang "go" or "python".
	Task, Lang string
	// Files are the files shown in full to the model (the relevant files);
	// Layout the repository's file list.
	Files  []string
	Layout string
	// ContextMax caps the files shown, in bytes (default 60000).
	ContextMax int
}

var _ treesearch.Coder = (*Coder)(nil)

// Solve asks for a first set of edits.
func (c *Coder) Solve(ctx context.Context, p treesearch.Problem, strategy string, sample int) (agent.CodeResult, error) {
	res, err := agent.Editor{C: c.Model}.Edit(ctx, agent.EditRequest{
		ProblemID: p.ID, Lang: c.Lang, Task: c.Task, Context: c.context(c.Tests.Base, nil),
		Strategy: strategy, Sample: sample,
	})
	return c.result(res, "", err)
}

// Repair asks for edits that fix prev, shown the files as prev left
// them (or as they were, when prev did not apply).
func (c *Coder) Repair(ctx context.Context, p treesearch.Problem, prev, feedback, reflection string, sample int) (agent.CodeResult, error) {
	files, err := c.Tests.Files(prev)
	base := prev
	if err != nil {
		files, base = c.Tests.Base, ""
	}
	res, err := agent.Editor{C: c.Model}.Repair(ctx, agent.RepairRequest{
		ProblemID: p.ID, Lang: c.Lang, Task: c.Task, Context: c.context(files, touched(prev)),
		PrevEdits: prev, Feedback: feedback, Reflection: reflection, Sample: sample,
	})
	return c.result(res, base, err)
}

// result makes the candidate's script: base's edits, then the reply's.
func (c *Coder) result(res agent.EditResult, base string, err error) (agent.CodeResult, error) {
	out := agent.CodeResult{Response: res.Response, Note: res.Explanation}
	if err != nil {
		return out, err
	}
	script := agent.FormatEdits(res.Edits)
	if base != "" {
		script = strings.TrimRight(base, "\n") + "\n\n" + script
	}
	out.Code = script
	return out, nil
}

// Show renders a candidate as the unified diff it makes, or as its edits
// when they do not apply.
func (c *Coder) Show(code string) string {
	files, err := c.Tests.Files(code)
	if err != nil {
		return code
	}
	d := Diff(c.Tests.Base, files)
	if d == "" {
		return "(no change)"
	}
	return d
}

// touched lists the paths a script edits.
func touched(script string) []string {
	edits, err := agent.ParseEdits(script)
	if err != nil {
		return nil
	}
	var paths []string
	for _, e := range edits {
		paths = append(paths, e.Path)
	}
	slices.Sort(paths)
	return slices.Compact(paths)
}

// context renders the layout and the relevant files (and extra, the
// files a previous attempt edited) as they are in files.
func (c *Coder) context(files map[string][]byte, extra []string) string {
	return RenderFiles(c.Layout, files, slices.Concat(c.Files, extra), c.ContextMax)
}

// RenderFiles is what the model is shown of a repository: its layout, then
// each of paths (sorted, once) in a fence, as long as the text stays under
// max bytes (default 60000); the files left out are named.
func RenderFiles(layout string, files map[string][]byte, paths []string, max int) string {
	if max <= 0 {
		max = 60000
	}
	var b strings.Builder
	b.WriteString("Repository files:\n")
	b.WriteString(layout)
	b.WriteString("\n")
	paths = slices.Clone(paths)
	slices.Sort(paths)
	var left []string
	for _, p := range slices.Compact(paths) {
		content, ok := files[p]
		if !ok {
			continue
		}
		f := fence(content)
		entry := fmt.Sprintf("\n%s\n%s\n%s%s\n", p, f, string(content), closing(content, f))
		if b.Len()+len(entry) > max {
			left = append(left, p)
			continue
		}
		b.WriteString(entry)
	}
	if len(left) > 0 {
		fmt.Fprintf(&b, "\n(Not shown, for space: %s.)\n", strings.Join(left, ", "))
	}
	return b.String()
}

// fence is a code fence longer than any backtick run in content.
func fence(content []byte) string {
	n := 3
	for run, i := 0, 0; i < len(content); i++ {
		if content[i] == '`' {
			run++
			n = max(n, run+1)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", n)
}

// closing closes the fence f after content.
func closing(content []byte, f string) string {
	if len(content) > 0 && content[len(content)-1] != '\n' {
		return "\n" + f
	}
	return f
}
