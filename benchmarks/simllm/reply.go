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
	var system, user, lastUser strings.Builder
	parts := []string{extra}
	for _, msg := range msgs {
		parts = append(parts, msg.Role, msg.Content)
		switch msg.Role {
		case "system":
			system.WriteString(msg.Content + "\n")
		case "user":
			user.WriteString(msg.Content + "\n")
			lastUser.Reset()
			lastUser.WriteString(msg.Content)
		}
	}
	rng := m.rngFor(parts...)
	p := m.lookup(system.String(), user.String())
	r := roleOf(system.String(), lastUser.String())
	fb, hasFB := feedback(msgs)
	failing := hasFB && failingFeedback(fb)
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
		return numbered(s[:2+rng.Intn(2)])
	case roleReflections:
		s := []string{
			"The failing tests show a boundary mistake: re-check every comparison and loop bound against the examples, fixing off-by-one errors and strict versus non-strict comparisons.",
			"A branch of the logic is wrong or missing: trace the failing input by hand, find the step where the value diverges from the expected one and correct that step.",
		}
		return numbered(s[:1+rng.Intn(2)])
	case roleScore:
		if !failing {
			return "Every test passes: the outputs match the expected ones.\n5"
		}
		if strings.Contains(fb, "# output:") && rng.Intn(2) == 0 {
			return "The outputs differ from the expected ones by a clear pattern on the failing cases.\n3"
		}
		return "The outputs are wrong on part of the test cases.\n2"
	case roleVerify:
		if hasFB && !failing {
			return "The code solves the problem by a general method, with correct bounds and edge cases.\nTrue"
		}
		return "Some results do not match the expected ones, so the code must change.\nFalse"
	}

	if p == nil {
		if r == roleUnknown {
			return "I cannot tell which problem this is about."
		}
		return codeReply(notImplemented(&problem{entryPoint: entryFromSystem(system.String())}), noCode)
	}
	switch r {
	case roleSolver:
		if rng.Float64() < m.opts.CorrectRate {
			return codeReply(p.reference, noCode)
		}
		return codeReply(mutant(p, rng), noCode)
	case roleDebugger:
		if failing && rng.Float64() < m.opts.RepairRate {
			return codeReply(p.reference, noCode)
		}
		return codeReply(mutant(p, rng), noCode)
	}
	return "I cannot tell what is asked."
}

// codeReply fences code, or describes it in words when noCode is set.
func codeReply(code string, noCode bool) string {
	if noCode {
		return "I would write a function that computes the answer step by step."
	}
	return "```python\n" + strings.TrimRight(code, "\n") + "\n```"
}

func numbered(items []string) string {
	var b strings.Builder
	for i, s := range items {
		fmt.Fprintf(&b, "%d. %s\n", i+1, s)
	}
	return strings.TrimRight(b.String(), "\n")
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
// has them: the text from "Results of running" on.
func feedback(msgs []Message) (string, bool) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role != "user" {
			continue
		}
		if _, rest, ok := strings.Cut(msgs[i].Content, "Results of running"); ok {
			return rest, true
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
		if strings.Contains(t, "FAIL") || strings.Contains(t, "Error") || strings.Contains(t, "Traceback") ||
			strings.Contains(t, "# output:") || strings.Contains(t, " got ") || strings.HasPrefix(t, "got ") {
			return true
		}
	}
	return false
}
