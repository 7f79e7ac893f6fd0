package simllm

import (
	"fmt"
	"strings"
)

// Message is one chat message of a request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// role is the task a conversation asks for, recognised by its system
// message.
type role int

const (
	roleUnknown role = iota
	roleStrategies
	roleReflections
	roleSolver
	roleDebugger
	roleScore
	roleVerify
	roleEditor
)

// roleOf recognises the role by phrases of the system prompts.
func roleOf(system, lastUser string) role {
	switch {
	case strings.Contains(system, "plans solutions"):
		return roleStrategies
	case strings.Contains(system, "reviews failing code"):
		return roleReflections
	case strings.Contains(system, "judges test results"):
		return roleScore
	case strings.Contains(system, "reviews code before it is judged"):
		return roleVerify
	case strings.Contains(system, "who edits an existing"):
		return roleEditor
	case strings.Contains(system, "repairs code"):
		return roleDebugger
	case strings.Contains(system, "Write a correct implementation"),
		strings.Contains(lastUser, "fenced block"):
		return roleSolver
	}
	return roleUnknown
}

// reply is the Model's answer to a conversation; noCode asks for a reply
// without a code block where one is expected.
func (m *Model) reply(msgs []Message, extra string, noCode bool) string {
	var system, user, lastUser, talk strings.Builder
	parts := []string{extra}
	for _, msg := range msgs {
		parts = append(parts, msg.Role, msg.Content)
		if msg.Role != "system" {
			talk.WriteString(msg.Content + "\n")
		}
		switch msg.Role {
		case "system":
			system.WriteString(msg.Content + "\n")
		case "user":
			user.WriteString(msg.Content + "\n")
			lastUser.Reset()
			lastUser.WriteString(msg.Content)
		}
	}
	if o := m.lookupOracle(user.String()); o != nil {
		return m.oracleReply(o, msgs, system.String(), user.String(), lastUser.String())
	}
	rng := m.rngFor(parts...)
	st := m.styler(parts)
	p := m.lookup(system.String(), user.String())
	r := roleOf(system.String(), lastUser.String())
	fb, hasFB := feedback(msgs)
	failing := hasFB && failingFeedback(fb)
	// A critic's review of code that passes its tests, in the feedback or
	// the reflection, counts as failing feedback for the debugger and the
	// thinker.
	reviewed := hasReview(talk.String())
	name := "the function"
	if p != nil && p.entryPoint != "" {
		name = "`" + p.entryPoint + "`"
	}

	switch r {
	case roleEditor:
		return m.nextEdit()
	case roleStrategies:
		s := []string{
			fmt.Sprintf("Implement %s directly: walk the input once and build the answer step by step, handling the empty input first.", name),
			fmt.Sprintf("Break %s into a small helper for the core check and a loop that applies it to every element, returning as soon as the answer is known.", name),
			fmt.Sprintf("Use Python's built-ins (sorting, comprehensions, collections) to express %s in a few lines, then check the boundary cases the docstring gives.", name),
		}
		return st.list(s[:2+rng.Intn(2)], "Strategy", "Here are some distinct ways to solve it:")
	case roleReflections:
		s := []string{
			"The failing tests show a boundary mistake: re-check every comparison and loop bound against the examples, fixing off-by-one errors and strict versus non-strict comparisons.",
			"A branch of the logic is wrong or missing: trace the failing input by hand, find the step where the value diverges from the expected one and correct that step.",
		}
		if reviewed && !failing {
			s = []string{
				"The code passes the visible tests but the review found a case they miss: follow its analysis, correct the line it names and check the edge case it describes against the problem statement.",
				"Re-derive the condition the review questions from the problem statement, with an input at the boundary it names, and fix the code where it disagrees.",
			}
			if f := reviewFinding(talk.String()); f != "" {
				s[0] = "The review found that " + f + ": correct that line, then re-check the other boundaries against the problem statement."
			}
		}
		return st.list(s[:1+rng.Intn(2)], "Fix", "Here is what I would change:")
	case roleScore:
		if !failing {
			return st.score("Every test passes: the outputs match the expected ones.", 5)
		}
		if strings.Contains(fb, "# output:") && rng.Intn(2) == 0 {
			return st.score("The outputs differ from the expected ones by a clear pattern on the failing cases.", 3)
		}
		return st.score("The outputs are wrong on part of the test cases.", 2)
	case roleVerify:
		return st.verdict(m.verify(p, user.String(), failing, rng))
	}

	if p == nil {
		if r == roleUnknown {
			return "I cannot tell which problem this is about."
		}
		return st.code(notImplemented(&problem{entryPoint: entryFromSystem(system.String())}), noCode)
	}
	switch r {
	case roleSolver:
		if rng.Float64() < m.opts.CorrectRate {
			return st.code(p.reference, noCode)
		}
		return st.code(mutant(p, rng), noCode)
	case roleDebugger:
		if (failing || reviewed) && rng.Float64() < m.opts.RepairRate {
			return st.code(p.reference, noCode)
		}
		return st.code(mutant(p, rng), noCode)
	}
	return "I cannot tell what is asked."
}

// entryFromSystem reads the entry point from "Define `name`".
func entryFromSystem(system string) string {
	_, rest, ok := strings.Cut(system, "Define `")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "`")
	return name
}

// feedback returns the test results shown in the last user message that
// has them: the text from "Results of running" on, up to a review of the
// code that may follow them (which quotes code, not test results).
func feedback(msgs []Message) (string, bool) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role != "user" {
			continue
		}
		if _, rest, ok := strings.Cut(msgs[i].Content, "Results of running"); ok {
			lines := strings.Split(rest, "\n")
			for j, l := range lines {
				if hasReview(l) {
					lines = lines[:j]
					break
				}
			}
			return strings.Join(lines, "\n"), true
		}
	}
	return "", false
}

// failingFeedback reports whether test results show a failure: a line in
// a "Tests failed:" section, or a FAIL, Error, Traceback, "got" or
// "# output:" line.
func failingFeedback(fb string) bool {
	inFailed := false
	for _, l := range strings.Split(fb, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "Tests failed:"):
			inFailed = true
			continue
		case t == "":
			inFailed = false
			continue
		case inFailed:
			return true
		}
		if strings.HasPrefix(t, "TIMEOUT ") || strings.Contains(t, "time limit exceeded") {
			return true
		}
		if strings.Contains(t, "FAIL") || strings.Contains(t, "Error") || strings.Contains(t, "Traceback") ||
			strings.Contains(t, "# output:") || strings.Contains(t, " got ") || strings.HasPrefix(t, "got ") {
			return true
		}
	}
	return false
}
