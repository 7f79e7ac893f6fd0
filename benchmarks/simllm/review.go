package simllm

import (
	"fmt"
	"math/rand"
	"regexp"
	"strings"
)

// reviewMark is a phrase every rejection of the critic contains, in any
// case. The debugger and the thinker recognise a review in their prompt by
// it (or by the word "review"), so a search that passes the critic's
// reason on gets repairs as it would for failing tests.
const reviewMark = "the visible tests do not"

// verify is the critic's review of code that passes the visible tests: it
// accepts the reference (rejecting it with FalseRejectRate, for a wrong
// reason), and rejects other code with RejectRate, naming the line where it
// departs from the reference. failing is true when the feedback shows a
// failure after all. It returns the analysis and the verdict.
func (m *Model) verify(p *problem, user string, failing bool, rng *rand.Rand) (string, bool) {
	if failing {
		return "Some results do not match the expected ones, so the code must change.", false
	}
	accept := []string{
		"The code solves the problem by a general method, with correct bounds and edge cases.",
		"The implementation handles the general case: its loop bounds and conditions follow the problem statement, and the corner cases (empty or single-element inputs) give the right answer.",
		"Nothing is hard-coded, the boundaries are right and the running time is polynomial in the input size.",
	}
	ok := accept[rng.Intn(len(accept))]
	code, found := implementation(user)
	if p == nil || !found {
		return ok, true
	}
	got, want := codeLines(code), codeLines(p.reference)
	ch, differs := diffLines(got, want)
	if !differs {
		if rng.Float64() < m.opts.FalseRejectRate {
			return falseReason(got, p.bodyFrom, rng), false
		}
		return ok, true
	}
	if rng.Float64() < m.opts.RejectRate {
		return rejectReason(ch), false
	}
	return ok, true
}

// implementation returns the code of the last "Implementation:" section
// of a critic's user messages: the fenced block that follows it.
func implementation(user string) (string, bool) {
	i := strings.LastIndex(user, "Implementation:\n")
	if i < 0 {
		return "", false
	}
	rest := user[i+len("Implementation:\n"):]
	open, body, ok := strings.Cut(rest, "\n")
	if !ok {
		return "", false
	}
	fence := strings.TrimRight(open, "abcdefghijklmnopqrstuvwxyz0-9")
	if len(fence) < 3 || strings.Trim(fence, "`~") != "" {
		return "", false
	}
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if strings.TrimSpace(l) == fence {
			return strings.Join(lines, "\n"), true
		}
		lines = append(lines, l)
	}
	return "", false
}

// codeLines splits code into lines without trailing space, without blank
// lines at either end.
func codeLines(code string) []string {
	lines := strings.Split(strings.ReplaceAll(code, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// change is where code departs from the reference: from line (1-based, in
// the code) the lines got stand where the reference has want; prev is the
// line before them ("" for none).
type change struct {
	line      int
	got, want []string
	prev      string
}

// diffLines finds the one region where got and want differ, between their
// common first and last lines; false when they are equal.
func diffLines(got, want []string) (change, bool) {
	pre := 0
	for pre < len(got) && pre < len(want) && got[pre] == want[pre] {
		pre++
	}
	if pre == len(got) && pre == len(want) {
		return change{}, false
	}
	suf := 0
	for suf < len(got)-pre && suf < len(want)-pre && got[len(got)-1-suf] == want[len(want)-1-suf] {
		suf++
	}
	ch := change{line: pre + 1, got: got[pre : len(got)-suf], want: want[pre : len(want)-suf]}
	if pre > 0 {
		ch.prev = got[pre-1]
	}
	return ch, true
}

// tokenRE splits a line of Python into the tokens a mutation changes.
var tokenRE = regexp.MustCompile(`[A-Za-z_]\w*|\d+|[<>=!]=|//|\*\*|\s+|.`)

// tokenDiff returns the one token of a that differs from b's, when the
// lines differ in one token only.
func tokenDiff(a, b string) (string, string, bool) {
	ta, tb := tokenRE.FindAllString(a, -1), tokenRE.FindAllString(b, -1)
	pre := 0
	for pre < len(ta) && pre < len(tb) && ta[pre] == tb[pre] {
		pre++
	}
	suf := 0
	for suf < len(ta)-pre && suf < len(tb)-pre && ta[len(ta)-1-suf] == tb[len(tb)-1-suf] {
		suf++
	}
	da, db := ta[pre:len(ta)-suf], tb[pre:len(tb)-suf]
	if len(da) != 1 || len(db) != 1 {
		return "", "", false
	}
	return da[0], db[0], true
}

// rejectReason names what is wrong with code that departs from the
// reference as ch says, and an input that shows it.
func rejectReason(ch change) string {
	at := func(i int, l string) string {
		return fmt.Sprintf("on line %d (`%s`)", i, strings.TrimSpace(l))
	}
	switch {
	case len(ch.got) == 1 && strings.TrimSpace(ch.got[0]) == "pass" && ifLine.MatchString(ch.prev):
		return fmt.Sprintf("The branch %s only does `pass`: the case it guards is never handled, so an input that takes "+
			"this branch returns the wrong result. The visible tests do not reach it.", at(ch.line-1, ch.prev))
	case len(ch.got) == 1 && len(ch.want) == 1:
		g, w, ok := tokenDiff(ch.got[0], ch.want[0])
		where := at(ch.line, ch.got[0])
		switch {
		case ok && isComparison(g) && isComparison(w):
			return fmt.Sprintf("The code follows a general method, but the comparison `%s` %s should be `%s`: "+
				"when the two sides are equal it takes the wrong branch. The visible tests do not compare equal values there, "+
				"but an input where they are equal fails.", g, where, w)
		case ok && (g == "==" || g == "!=") && (w == "==" || w == "!="):
			return fmt.Sprintf("The test `%s` %s should be `%s`: the condition is inverted, so the elements it should select "+
				"are exactly the ones it skips. The visible tests do not reach this branch, but an input that does gives the wrong answer.", g, where, w)
		case ok && (g == "+" || g == "-") && (w == "+" || w == "-"):
			return fmt.Sprintf("The `%s` %s should be `%s`: the term is taken with the wrong sign, so the result is off "+
				"whenever that term is not zero. The visible tests do not exercise this, but any input where the term is non-zero fails.", g, where, w)
		case ok && isNumber(g) && isNumber(w):
			return fmt.Sprintf("The constant `%s` %s should be `%s`: an off-by-one at a boundary. The visible tests do not "+
				"reach that boundary, but an input at it (the smallest, an empty or the last case) fails.", g, where, w)
		}
		return fmt.Sprintf("Line %d (`%s`) is wrong: it should read `%s`. The visible tests do not exercise it, "+
			"but an input that reaches that line gives the wrong answer.", ch.line, strings.TrimSpace(ch.got[0]), strings.TrimSpace(ch.want[0]))
	case len(ch.got) == 0:
		return fmt.Sprintf("A step is missing before line %d: `%s`. The visible tests do not need it, but inputs that do get a wrong answer.",
			ch.line, strings.TrimSpace(ch.want[0]))
	}
	want := "(nothing)"
	if len(ch.want) > 0 {
		want = "`" + strings.TrimSpace(ch.want[0]) + "`"
	}
	return fmt.Sprintf("Lines %d to %d differ from what the problem needs: %s should start %s. The visible tests do not "+
		"catch it, but an input that reaches these lines gives the wrong answer.",
		ch.line, ch.line+len(ch.got)-1, at(ch.line, ch.got[0]), want)
}

func isComparison(t string) bool { return t == "<" || t == "<=" || t == ">" || t == ">=" }

func isNumber(t string) bool { return t != "" && strings.Trim(t, "0123456789") == "" }

// falseReason is a rejection of correct code: a doubt about a boundary on
// one of its body lines, stated as a finding.
func falseReason(lines []string, bodyFrom int, rng *rand.Rand) string {
	var cands []int
	for i := min(bodyFrom, len(lines)); i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if strings.HasPrefix(t, "for ") || strings.HasPrefix(t, "while ") || strings.HasPrefix(t, "if ") || strings.HasPrefix(t, "return ") {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		return "The code looks right on the visible tests, but the visible tests do not cover an empty input, " +
			"and I am not convinced it handles one: it must change to check that case explicitly."
	}
	i := cands[rng.Intn(len(cands))]
	return fmt.Sprintf("The boundary on line %d (`%s`) looks off by one: for the smallest valid input (empty or a single element) "+
		"it gives the wrong answer. The visible tests do not cover that case, so the code must change.", i+1, strings.TrimSpace(lines[i]))
}

// hasReview reports whether the user messages carry a critic's review of
// the code: the phrase the simulated critic always uses, or the word
// "review".
func hasReview(user string) bool {
	u := strings.ToLower(user)
	return strings.Contains(u, reviewMark) || strings.Contains(u, "review")
}

// reviewedLineRE finds the finding of a simulated review: "`<` on line 4
// (`...`) should be `<=`", "on line 5 (`...`) only does `pass`".
var reviewedLineRE = regexp.MustCompile("(?:(`[^`\n]+`) )?on line (\\d+) \\((`[^`\n]*`)\\)(?: should be (`[^`\n]+`)|( only does `pass`))?")

// reviewFinding restates the finding of a review in text, or "".
func reviewFinding(text string) string {
	m := reviewedLineRE.FindStringSubmatch(text)
	switch {
	case m == nil:
		return ""
	case m[1] != "" && m[4] != "":
		return fmt.Sprintf("on line %s (%s), %s should be %s", m[2], m[3], m[1], m[4])
	case m[5] != "":
		return fmt.Sprintf("the branch on line %s (%s) does nothing", m[2], m[3])
	}
	return fmt.Sprintf("line %s (%s) is wrong", m[2], m[3])
}
