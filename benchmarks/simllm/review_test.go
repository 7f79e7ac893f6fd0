package simllm

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// testProblem is a HumanEval-like problem: a prompt (def and docstring)
// and a body that the visible tests may not fully exercise.
func testProblem() problem {
	prompt := "def f(xs):\n    \"\"\"Whether some element is below the next one.\"\"\"\n"
	return problem{id: "T/0", prompt: strings.TrimSpace(prompt), entryPoint: "f", defLine: "def f(xs):", bodyFrom: 2,
		reference: prompt +
			"    for i in range(len(xs) - 1):\n" +
			"        if xs[i] < xs[i + 1]:\n" +
			"            return True\n" +
			"    return False\n"}
}

// verifyMsgs is a Critic verify conversation as agent renders it.
func verifyMsgs(p problem, code string) []Message {
	return []Message{
		{Role: "system", Content: "You are an expert Python programmer who reviews code before it is judged on hidden tests."},
		{Role: "user", Content: "Problem:\n```python\n" + p.prompt + "\n```\n\nImplementation:\n```python\n" + strings.TrimRight(code, "\n") +
			"\n```\n\nResults of running it against the visible unit tests, all passed:\nTests passed:\nassert f([1, 2]) == True\n\n" +
			"Review the implementation, then answer True or False alone on the last line."},
	}
}

// lastLine returns the verdict or score line of a reply.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.TrimSpace(s[strings.LastIndex(s, "\n")+1:])
}

// verdictOf reads the forms of verdict the styler writes.
func verdictOf(t *testing.T, reply string) bool {
	t.Helper()
	switch strings.TrimPrefix(strings.Trim(lastLine(reply), "*"), "Verdict: ") {
	case "True":
		return true
	case "False":
		return false
	}
	t.Fatalf("no verdict on the last line of:\n%s", reply)
	return false
}

func TestVerify(t *testing.T) {
	t.Parallel()
	p := testProblem()
	ref := p.reference
	lt := strings.Replace(ref, "xs[i] < xs[i + 1]", "xs[i] <= xs[i + 1]", 1)
	tests := []struct {
		name               string
		reject, falseRate  float64
		code               string
		want               bool
		reason             []string // substrings of a rejection
		plain              bool
		seeds, wantRejects int
	}{
		{name: "reference accepted", reject: 1, code: ref, want: true},
		{name: "mutant rejected with its line", reject: 1, code: lt, want: false, plain: true,
			reason: []string{"the comparison `<=` on line 4 (`if xs[i] <= xs[i + 1]:`) should be `<`", "equal", reviewMark}},
		{name: "constant", reject: 1, code: strings.Replace(ref, "len(xs) - 1", "len(xs) - 2", 1), want: false,
			reason: []string{"The constant `2` on line 3", "should be `1`", "off-by-one"}},
		{name: "dropped branch", reject: 1, code: strings.Replace(ref, "            return True\n", "            pass\n", 1), want: false,
			reason: []string{"The branch on line 4 (`if xs[i] < xs[i + 1]:`) only does `pass`"}},
		{name: "reject rate 0 accepts the mutant", reject: -1, code: lt, want: true},
		{name: "false rejection of the reference", reject: -1, falseRate: 1, code: ref, want: false,
			reason: []string{"looks off by one", "on line", reviewMark}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for seed := int64(0); seed < 20; seed++ {
				m := &Model{opts: Options{Seed: seed, RejectRate: tt.reject, FalseRejectRate: tt.falseRate, Plain: tt.plain}, problems: []problem{p}}
				r := m.reply(verifyMsgs(p, tt.code), "", false)
				if got := verdictOf(t, r); got != tt.want {
					t.Fatalf("seed %d: verdict %v, want %v:\n%s", seed, got, tt.want, r)
				}
				for _, s := range tt.reason {
					if !strings.Contains(strings.ToLower(r), strings.ToLower(s)) {
						t.Errorf("seed %d: rejection lacks %q:\n%s", seed, s, r)
					}
				}
			}
		})
	}
}

// TestVerifyRejectRate: every mutant the model writes that the Critic is
// asked about is rejected at about RejectRate, with a line number.
func TestVerifyRejectRate(t *testing.T) {
	t.Parallel()
	p := testProblem()
	m := &Model{opts: Options{Seed: 1, RejectRate: 0.8}, problems: []problem{p}}
	rejected, n := 0, 200
	for i := range n {
		code := mutant(&p, rand.New(rand.NewSource(int64(i))))
		r := m.reply(verifyMsgs(p, code), fmt.Sprint(i), false)
		if !verdictOf(t, r) {
			rejected++
			if !strings.Contains(r, "line ") || !strings.Contains(strings.ToLower(r), reviewMark) {
				t.Errorf("rejection without a line or the review mark:\n%s", r)
			}
		}
	}
	if rejected < n*65/100 || rejected > n*95/100 {
		t.Errorf("%d of %d mutants rejected at RejectRate 0.8", rejected, n)
	}
}

// TestReviewedRepair: a debugger or thinker prompt that carries a review of
// passing code is treated as failing feedback.
func TestReviewedRepair(t *testing.T) {
	t.Parallel()
	p := testProblem()
	m := &Model{opts: Options{RepairRate: 1, RejectRate: 1, Plain: true}, problems: []problem{p}}
	review := m.reply(verifyMsgs(p, strings.Replace(p.reference, " < ", " <= ", 1)), "", false)
	passing := "Results of running this implementation against unit tests:\nTests passed:\nassert f([1, 2]) == True\n\nTests failed:\n"
	debug := func(extra string) string {
		return m.reply([]Message{
			{Role: "system", Content: "You are an expert Python programmer who repairs code."},
			{Role: "user", Content: "Problem:\n```python\n" + p.prompt + "\n```\n\nWrite the implementation."},
			{Role: "assistant", Content: "```python\n" + p.reference + "```"},
			{Role: "user", Content: passing + extra},
			{Role: "user", Content: "Write the improved implementation of `f`."},
		}, "", false)
	}
	if got := debug(""); strings.Contains(got, p.reference) {
		t.Errorf("repaired passing code without a review:\n%s", got)
	}
	if got := debug("\n" + review); !strings.Contains(got, strings.TrimRight(p.reference, "\n")) {
		t.Errorf("with the review %q and RepairRate 1, no repair:\n%s", review, got)
	}
	refl := m.reply([]Message{
		{Role: "system", Content: "You are an expert Python programmer who reviews failing code."},
		{Role: "user", Content: "Problem:\n```python\n" + p.prompt + "\n```\n\n" + passing + "\n" + review + "\n\nList your fixes."},
	}, "", false)
	if !strings.Contains(refl, "on line 4 (`if xs[i] <= xs[i + 1]:`), `<=` should be `<`") {
		t.Errorf("reflection does not take up the review's finding:\n%s", refl)
	}
}

// TestStyle: the styled replies are deterministic per seed and request,
// vary across requests, and plain replies keep the one plain form.
func TestStyle(t *testing.T) {
	t.Parallel()
	p := testProblem()
	solve := func(m *Model, extra string) string {
		return m.reply([]Message{
			{Role: "system", Content: "You are an expert Python programmer. Write a correct implementation."},
			{Role: "user", Content: "Problem:\n```python\n" + p.prompt + "\n```\n\nReturn only one ```python fenced block with the full implementation."},
		}, extra, false)
	}
	styled := &Model{opts: Options{Seed: 7, CorrectRate: 1}, problems: []problem{p}}
	again := &Model{opts: Options{Seed: 7, CorrectRate: 1}, problems: []problem{p}}
	plain := &Model{opts: Options{Seed: 7, CorrectRate: 1, Plain: true}, problems: []problem{p}}
	forms := map[string]bool{}
	for i := range 200 {
		extra := fmt.Sprint(i)
		a, b, c := solve(styled, extra), solve(again, extra), solve(plain, extra)
		if a != b {
			t.Fatalf("same seed and request, different replies:\n%s\n---\n%s", a, b)
		}
		if want := "```python\n" + strings.TrimRight(p.reference, "\n") + "\n```"; c != want {
			t.Fatalf("plain reply:\n%s\nwant:\n%s", c, want)
		}
		switch {
		case strings.HasPrefix(a, "<think>"):
			forms["think"] = true
		case strings.HasPrefix(a, "def "):
			forms["bare"] = true
		case strings.HasPrefix(a, "```\n"):
			forms["untagged"] = true
		case strings.HasPrefix(a, "```python\n"):
			forms["tagged"] = true
		default:
			forms["prose first"] = true
		}
	}
	for _, f := range []string{"think", "bare", "untagged", "tagged", "prose first"} {
		if !forms[f] {
			t.Errorf("no %s reply in 200 requests", f)
		}
	}
}

func TestBareOK(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]bool{
		"def f():\n    return 1\n":                        true,
		"import math\n\n\ndef f():\n    return math.pi\n": true,
		"FIX = 1\n\ndef f():\n    return FIX\n":           false, // the unfenced parser starts at def
		"def f():\n    return 1\n\nprint(f())\n":          false,
		"def f():\n    return 1\n\nX = 2\n":               true,
	} {
		if got := bareOK(code); got != want {
			t.Errorf("bareOK(%q) = %v, want %v", code, got, want)
		}
	}
}
