package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/treesearch"
	"github.com/codetree/codetree/treesearch/repo"
)

// repoResult is what solve and fix report, and their --json output.
type repoResult struct {
	Status string `json:"status"` // "passed", "failed" or "nothing_to_fix"
	Passed bool   `json:"passed"`
	// Summary is one paragraph: what changed, the tests before and after,
	// and the model's own explanation.
	Summary string   `json:"summary"`
	Diff    string   `json:"diff"`
	Files   []string `json:"files"`
	Added   int      `json:"lines_added"`
	Removed int      `json:"lines_removed"`
	// Before and After are the test and lint runs without and with the
	// change.
	Before      repo.Check  `json:"before"`
	After       *repo.Check `json:"after,omitempty"`
	Node        int         `json:"node"`
	Generations int         `json:"generations"`
	Tokens      int         `json:"tokens"`
	Cost        float64     `json:"cost_usd"`
	Applied     []string    `json:"applied,omitempty"`
	Notes       []string    `json:"notes,omitempty"`

	after map[string][]byte
}

// result reruns the chosen candidate's commands for the record and
// builds the report.
func (rr *repoRun) result(ctx context.Context, tree *treesearch.Tree, coder *repo.Coder, spend agent.Tally) (*repoResult, error) {
	res := &repoResult{Status: "failed", Before: rr.baseline.Cut(repo.CheckKeep), Node: -1, Tokens: spend.Tokens(), Cost: spend.Cost, Notes: rr.notes}
	if tree != nil {
		res.Generations = tree.Generations
	}
	if tree == nil || tree.Chosen < 0 {
		res.Summary = "No candidate change could be made. " + rr.beforeText()
		return res, nil
	}
	n := tree.Nodes[tree.Chosen]
	files, err := rr.tester.Files(n.Code)
	if err != nil {
		res.Summary = "The best candidate's edits did not apply: " + err.Error()
		return res, nil
	}
	res.Node, res.after = n.ID, files
	res.Diff = repo.Diff(rr.snap.Files, files)
	res.Files, res.Added, res.Removed = repo.Stat(rr.snap.Files, files)
	res.Passed = n.Feedback != nil && n.Feedback.AllPassed()
	if res.Passed {
		res.Status = "passed"
	}
	// The search's own run of the candidate, or (for a candidate that ran
	// under other code, a duplicate) a new one.
	after, ok := rr.tester.Checked(n.Code)
	if !ok {
		var err error
		if after, err = rr.tester.Run(context.WithoutCancel(ctx), files); err == nil {
			after, ok = after.Cut(repo.CheckKeep), true
		}
	}
	if ok {
		res.After = &after
	}
	res.Summary = rr.summary(res, n)
	return res, nil
}

func (rr *repoRun) beforeText() string {
	if rr.baseline.TestsPassed() {
		return fmt.Sprintf("Before: `%s` passed.", rr.tester.Commands.Test)
	}
	return fmt.Sprintf("Before: `%s` failed (%s).", rr.tester.Commands.Test, describeCheck(rr.baseline))
}

// summary is the one-paragraph account of a change.
func (rr *repoRun) summary(res *repoResult, n *treesearch.Node) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Changes %d file(s) (%s), +%d -%d lines, found by candidate %d (%s) after %d generation(s). ",
		len(res.Files), strings.Join(res.Files, ", "), res.Added, res.Removed, n.ID, n.Role, res.Generations)
	b.WriteString(rr.beforeText())
	if res.After != nil {
		after := "failed (" + describeCheck(*res.After) + ")"
		if res.After.TestsPassed() {
			after = "passes"
		}
		fmt.Fprintf(&b, " After: `%s` %s", rr.tester.Commands.Test, after)
		if rr.tester.Commands.Lint != "" {
			if fresh := repo.NewFindings(res.After.LintOutput, rr.tester.LintBaseline); len(fresh) > 0 {
				fmt.Fprintf(&b, "; `%s` reports %d new finding(s)", rr.tester.Commands.Lint, len(fresh))
			} else {
				fmt.Fprintf(&b, "; `%s` adds no finding", rr.tester.Commands.Lint)
			}
		}
		b.WriteString(".")
	}
	if note := strings.Join(strings.Fields(n.Note), " "); note != "" {
		fmt.Fprintf(&b, " The model says: %s", cutRunes(note, 400, "..."))
		if !strings.ContainsAny(note[len(note)-1:], ".!?") {
			b.WriteString(".")
		}
	}
	if n.Strategy != "" {
		fmt.Fprintf(&b, " Approach: %s", strings.TrimRight(strings.TrimSpace(n.Strategy), "."))
		if n.Reflection != "" {
			fmt.Fprintf(&b, "; fix: %s", strings.TrimRight(strings.TrimSpace(n.Reflection), "."))
		}
		b.WriteString(".")
	}
	return b.String()
}

// describeCheck is a run's outcome in a few words.
func describeCheck(c repo.Check) string {
	switch {
	case c.Ended != "":
		return c.Ended
	case c.TestExit != 0:
		first := firstLine(repo.Excerpt(c.TestOutput, 400))
		return fmt.Sprintf("exit status %d: %s", c.TestExit, first)
	}
	return "exit status 0"
}

// applyResult writes a passing change to the working tree.
func applyResult(snap *repo.Snapshot, res *repoResult) error {
	if !res.Passed {
		return cli.Exit("--apply: no passing change to apply; the working tree is untouched", exitFailure)
	}
	written, err := repo.WriteChanges(snap, res.after)
	if err != nil {
		return fmt.Errorf("--apply: %w", err)
	}
	res.Applied = written
	return nil
}

// repoOutput prints solve and fix: progress on a terminal (quiet
// otherwise), then the result as text or JSON.
type repoOutput struct {
	stdout, stderr io.Writer
	json, tty      bool
	width          func() int // terminal columns, 0 if unknown
	mu             sync.Mutex
	line           bool // a status line is drawn
}

func newRepoOutput(c *cli.Context) *repoOutput {
	o := &repoOutput{stdout: c.App.Writer, stderr: c.App.ErrWriter, json: c.Bool("json")}
	o.width, o.tty = terminalWidth(o.stderr)
	return o
}

// status draws a status line on a terminal, cut to its width so that
// it does not wrap (a wrapped line is not erased by the next one).
func (o *repoOutput) status(format string, args ...any) {
	if !o.tty {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprint(o.stderr, clearLine+cutRunes(fmt.Sprintf(format, args...), o.width()-1, ""))
	o.line = true
}

// node is the Env's Observe hook: which node, its test status, tokens and
// cost.
func (o *repoOutput) node(ledger *agent.Ledger) func(treesearch.Node) {
	return func(n treesearch.Node) {
		t := ledger.Snapshot().Total
		tests := "no change: " + firstLine(n.ModelError)
		if n.Feedback != nil {
			tests = fmt.Sprintf("checks %d/%d", n.Feedback.Passed, n.Feedback.Total)
			if n.Feedback.LoadError != "" {
				tests += " (" + firstLine(n.Feedback.LoadError) + ")"
			}
		}
		o.status("candidate %d (%s, depth %d): %s · %d tokens · $%.4f", n.ID, n.Role, n.Depth, tests, t.Tokens(), t.Cost)
	}
}

func (o *repoOutput) endProgress() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.line {
		fmt.Fprint(o.stderr, clearLine)
		o.line = false
	}
}

func (o *repoOutput) nothingToFix(rr *repoRun) error {
	o.endProgress()
	res := &repoResult{Status: "nothing_to_fix", Passed: true, Before: rr.baseline.Cut(repo.CheckKeep), Node: -1, Notes: rr.notes,
		Summary: fmt.Sprintf("`%s` passes: nothing to fix.", rr.tester.Commands.Test)}
	if lint := rr.tester.Commands.Lint; lint != "" && rr.baseline.LintExit != 0 {
		n := len(repo.LintFindings(rr.baseline.LintOutput))
		res.Summary += fmt.Sprintf(" `%s` reports %d finding(s); to work on them: codetree solve --strict-lint \"clear the findings of %s\".",
			lint, n, lint)
	}
	o.print(res, "")
	return nil
}

// print writes the result: JSON, or the summary, the diff and notes.
func (o *repoOutput) print(res *repoResult, note string) {
	if note != "" {
		res.Notes = append(res.Notes, note)
	}
	if o.json {
		enc := json.NewEncoder(o.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
		return
	}
	fmt.Fprintln(o.stdout, res.Summary)
	if res.Diff != "" {
		fmt.Fprintln(o.stdout)
		fmt.Fprint(o.stdout, res.Diff)
	}
	for _, n := range res.Notes {
		fmt.Fprintln(o.stderr, "note:", n)
	}
	switch {
	case len(res.Applied) > 0:
		fmt.Fprintf(o.stderr, "applied to %s\n", strings.Join(res.Applied, ", "))
	case res.Diff != "" && res.Passed:
		fmt.Fprintln(o.stderr, "not applied: rerun with --apply, or pipe the diff to git apply")
	}
	fmt.Fprintf(o.stderr, "%d generations, %d tokens, $%.4f\n", res.Generations, res.Tokens, res.Cost)
}
