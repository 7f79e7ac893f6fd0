package repo

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/codetree/codetree/internal/htmlreport"
	"github.com/codetree/codetree/treesearch"
)

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the summary and the diff to out, and the notes, what
// was applied and the accounts to info.
func (r *Result) WriteText(out, info io.Writer) {
	fmt.Fprintln(out, r.Summary)
	if r.Diff != "" {
		fmt.Fprintln(out)
		fmt.Fprint(out, r.Diff)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(info, "note:", n)
	}
	switch {
	case len(r.Applied) > 0:
		fmt.Fprintf(info, "applied to %s\n", strings.Join(r.Applied, ", "))
	case r.Diff != "" && r.Passed && r.NextStep != "":
		fmt.Fprintln(info, r.NextStep)
	case r.Diff != "" && r.Passed:
		fmt.Fprintln(info, "not applied: rerun with --apply, or pipe the diff to git apply")
	}
	fmt.Fprintf(info, "%s, %s, %s\n", htmlreport.Plural(r.Generations, "generation"), htmlreport.Plural(r.Tokens, "token"),
		htmlreport.Cost(r.Cost, r.UnpricedCalls))
}

// String is the step as a status line.
func (p Progress) String() string {
	switch p.Stage {
	case StageBaseline:
		return "running the tests before any change: " + p.Test
	case StageCandidate:
		n := p.Node
		tests := "no change: " + firstLine(n.ModelError)
		if n.Feedback != nil {
			tests = fmt.Sprintf("checks %d/%d", n.Feedback.Passed, n.Feedback.Total)
			if n.Feedback.LoadError != "" {
				tests += " (" + firstLine(n.Feedback.LoadError) + ")"
			}
		}
		return fmt.Sprintf("candidate %d (%s, depth %d): %s · %s · %s", n.ID, n.Role, n.Depth, tests,
			htmlreport.Plural(p.Spend.Tokens(), "token"), htmlreport.Cost(p.Spend.Cost, p.Spend.UnpricedCalls))
	}
	return ""
}

func (st Stage) String() string {
	switch st {
	case StageBaseline:
		return "baseline"
	case StageCandidate:
		return "candidate"
	case StageDone:
		return "done"
	}
	return fmt.Sprintf("Stage(%d)", int(st))
}

func (s *session) beforeText() string {
	if s.baseline.TestsPassed() {
		return fmt.Sprintf("Before: `%s` passed.", s.tester.Commands.Test)
	}
	return fmt.Sprintf("Before: `%s` failed (%s).", s.tester.Commands.Test, describeCheck(s.baseline))
}

func (s *session) nothingToFixText() string {
	text := fmt.Sprintf("`%s` passes: nothing to fix.", s.tester.Commands.Test)
	if lint := s.tester.Commands.Lint; lint != "" && s.baseline.LintExit != 0 {
		n := len(LintFindings(s.baseline.LintOutput))
		text += fmt.Sprintf(" `%s` reports %d finding(s); to work on them: codetree solve --strict-lint \"clear the findings of %s\".",
			lint, n, lint)
	}
	return text
}

// summary is the one-paragraph account of a change.
func (s *session) summary(res *Result, n *treesearch.Node) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Changes %d file(s) (%s), +%d -%d lines, found by candidate %d (%s) after %d generation(s). ",
		len(res.Files), strings.Join(res.Files, ", "), res.Added, res.Removed, n.ID, n.Role, res.Generations)
	b.WriteString(s.beforeText())
	if res.After != nil {
		after := "failed (" + describeCheck(*res.After) + ")"
		if res.After.TestsPassed() {
			after = "passes"
		}
		fmt.Fprintf(&b, " After: `%s` %s", s.tester.Commands.Test, after)
		if lint := s.tester.Commands.Lint; lint != "" {
			if fresh := NewFindings(res.After.LintOutput, s.tester.LintBaseline); len(fresh) > 0 {
				fmt.Fprintf(&b, "; `%s` reports %d new finding(s)", lint, len(fresh))
			} else {
				fmt.Fprintf(&b, "; `%s` adds no finding", lint)
			}
		}
		b.WriteString(".")
	}
	if note := strings.Join(strings.Fields(n.Note), " "); note != "" {
		fmt.Fprintf(&b, " The model says: %s", cutNote(note, 400))
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

// cutNote cuts s to at most n runes, the last three "..." if it was cut.
func cutNote(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-3]) + "..."
	}
	return s
}

// describeCheck is a run's outcome in a few words.
func describeCheck(c Check) string {
	switch {
	case c.Ended != "":
		return c.Ended
	case c.TestExit != 0:
		first := firstLine(Excerpt(c.TestOutput, 400))
		return fmt.Sprintf("exit status %d: %s", c.TestExit, first)
	}
	return "exit status 0"
}

// firstLine is the first line of s.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(line, "\r")
}
