package simllm

import (
	"fmt"
	"math/rand"
	"regexp"
	"strings"
)

// assignRE matches a top-level assignment ("FIX = ...", "a, b = ...").
var assignRE = regexp.MustCompile(`^[A-Za-z_][\w, ]*=[^=]`)

// styler varies the form of replies as real models do: a reasoning block
// before the answer (as DeepSeek-R1 and Qwen3 emit), prose around code,
// fenced blocks tagged or untagged, bare code, list markers, score and
// verdict lines. Its draws come from their own source, so the content of a
// reply (which code, which score) is the same with or without variation.
// The zero styler (Options.Plain) gives the one plain form of each reply.
type styler struct {
	rng *rand.Rand // nil: plain
}

// styler returns the styler of one conversation.
func (m *Model) styler(parts []string) styler {
	if m.opts.Plain {
		return styler{}
	}
	return styler{rng: m.rngFor(append([]string{"format"}, parts...)...)}
}

// pick returns 0 when plain, else a draw from [0, n).
func (s styler) pick(n int) int {
	if s.rng == nil {
		return 0
	}
	return s.rng.Intn(n)
}

// chance reports, never when plain, an event of probability p.
func (s styler) chance(p float64) bool { return s.rng != nil && s.rng.Float64() < p }

// think returns a reasoning block to put before the answer, or "".
func (s styler) think(about string) string {
	if !s.chance(0.25) {
		return ""
	}
	steps := []string{
		"Let me read the problem again and check what is asked.",
		"I should think about the edge cases first: an empty input, a single element, equal values.",
		"Wait, the examples matter here. Let me trace them step by step before answering.",
		"Hmm, is there a simpler way? The straightforward reading of the statement is probably the intended one.",
	}
	var b strings.Builder
	b.WriteString("<think>\nThe user wants " + about + ".\n")
	for _, i := range s.rng.Perm(len(steps))[:1+s.rng.Intn(len(steps))] {
		b.WriteString(steps[i] + "\n")
	}
	b.WriteString("OK, I am ready to answer.\n</think>\n\n")
	return b.String()
}

// code renders a Solver or Debugger reply of code; noCode describes the
// code in words instead (the injected no-code fault).
func (s styler) code(code string, noCode bool) string {
	if noCode {
		return "I would write a function that computes the answer step by step."
	}
	code = strings.TrimRight(code, "\n")
	think := s.think("an implementation")
	if s.chance(0.15) && bareOK(code) {
		// Without a fence nothing trims the lines: send them trimmed, as
		// a fenced block would be read.
		return think + strings.Join(codeLines(code), "\n") + "\n"
	}
	tag := "python"
	if s.chance(0.3) && definesAtTop(code) {
		tag = ""
	}
	before := []string{"", "Here is the implementation:\n\n", "Sure. This version follows the plan and handles the boundary cases:\n\n"}
	after := []string{"", "\n\nThis runs in linear time for the inputs the problem describes.",
		"\n\nThe function returns as soon as the answer is known."}
	return think + before[s.pick(len(before))] + "```" + tag + "\n" + code + "\n```" + after[s.pick(len(after))]
}

// definesAtTop reports whether code has a definition or import at column
// 0, which marks an untagged block as Python.
func definesAtTop(code string) bool {
	for _, l := range strings.Split(code, "\n") {
		for _, p := range []string{"def ", "class ", "import ", "from ", "async def "} {
			if strings.HasPrefix(l, p) {
				return true
			}
		}
	}
	return false
}

// bareOK reports whether code can be sent without a fence and still read
// as code from its first line to its last: it starts with a definition or
// import, and every column-0 line after a blank line starts one too (or
// assigns, or decorates), so that none reads as closing prose.
func bareOK(code string) bool {
	if strings.Contains(code, "```") || strings.Contains(code, "~~~") {
		return false
	}
	starts := func(l string) bool {
		for _, p := range []string{"def ", "class ", "import ", "from ", "async def ", "@"} {
			if strings.HasPrefix(l, p) {
				return true
			}
		}
		return false
	}
	lines := codeLines(code)
	if len(lines) == 0 || !starts(lines[0]) {
		return false
	}
	for i := 1; i < len(lines); i++ {
		l := lines[i]
		if lines[i-1] != "" || l == "" || l[0] == ' ' || l[0] == '\t' || starts(l) {
			continue
		}
		if !assignRE.MatchString(l) {
			return false
		}
	}
	return true
}

// list renders a numbered list of a Thinker reply; label names an item
// ("Strategy", "Fix") in the labelled forms.
func (s styler) list(items []string, label, intro string) string {
	var b strings.Builder
	b.WriteString(s.think("a numbered list of " + strings.ToLower(label) + "s"))
	if s.chance(0.4) {
		b.WriteString(intro + "\n\n")
	}
	form := s.pick(4)
	for i, it := range items {
		switch form {
		case 0:
			fmt.Fprintf(&b, "%d. %s\n", i+1, it)
		case 1:
			fmt.Fprintf(&b, "%d) %s\n", i+1, it)
		case 2:
			fmt.Fprintf(&b, "**%d.** %s\n", i+1, it)
		case 3:
			fmt.Fprintf(&b, "**%s %d:** %s\n", label, i+1, it)
		}
	}
	if s.chance(0.3) {
		b.WriteString("\nI would start with the first one.\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// score renders a Critic score after its analysis.
func (s styler) score(analysis string, n int) string {
	last := []string{"%d", "Score: %d", "%d/5"}[s.pick(3)]
	return s.think("a score of the test results") + analysis + "\n" + fmt.Sprintf(last, n)
}

// verdict renders a Critic verdict after its analysis.
func (s styler) verdict(analysis string, ok bool) string {
	last := []string{"%s", "**%s**", "Verdict: %s"}[s.pick(3)]
	v := "False"
	if ok {
		v = "True"
	}
	sep := "\n"
	if s.chance(0.3) {
		sep = "\n\n"
	}
	return s.think("a review of the implementation") + analysis + sep + fmt.Sprintf(last, v)
}
