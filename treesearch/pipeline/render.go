package pipeline

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/codetree/codetree/internal/htmlreport"
)

// WriteText renders the result for a terminal: the stages with their
// accounts, the evidence (reproduction and regression tests), the
// search's summary, then the patch.
func (r *Result) WriteText(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "stage\tcalls\ttokens\tcost\ttime\toutcome")
	for _, s := range r.Stages {
		cost := htmlreport.USD(s.Cost)
		if s.Cost == 0 && s.Calls > 0 {
			cost = "unknown" // no price for the model
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%.1fs\t%s\n", s.Name, s.Calls, s.PromptTokens+s.CompletionTokens, cost,
			s.Seconds, cut(s.Note, 100))
	}
	tw.Flush()
	if r.Simulated {
		fmt.Fprintln(w, "(simulated model: these figures measure the harness, not a model)")
	}
	fmt.Fprintln(w)
	if rep := r.Reproduction; rep != nil {
		fmt.Fprintf(w, "Reproduction: %s in %s fails before the change.\n", strings.Join(rep.Tests, ", "), strings.Join(rep.Files, ", "))
	} else {
		fmt.Fprintln(w, "Reproduction: none (no test the model wrote failed on the unpatched code).")
	}
	fmt.Fprintf(w, "Regression: %s of the touched code must keep passing.\n", describe(r.Regression))
	fmt.Fprintf(w, "Test command: %s\n", r.Test)
	if r.Search != nil {
		fmt.Fprintf(w, "\n%s\n", r.Search.Summary)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "Note: %s\n", n)
	}
	if r.Patch != "" {
		fmt.Fprintf(w, "\n%s", r.Patch)
	}
}

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write the result: %w", err)
	}
	return nil
}

// cut keeps the first line of s, at most n bytes of it.
func cut(s string, n int) string {
	s = firstLine(s)
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}
