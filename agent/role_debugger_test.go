package agent

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDebuggerDebug(t *testing.T) {
	t.Parallel()
	req := DebugRequest{
		ProblemID:  "HumanEval/53",
		Lang:       "python",
		Problem:    sampleProblem,
		EntryPoint: "add",
		PrevCode:   "def add(a, b):\n    return a - b\n",
		Feedback:   "Tests failed:\nassert add(1, 2) == 3 # output: -1",
		Reflection: "The code subtracts instead of adding; return a + b.",
		Sample:     1,
	}
	rec := &recorder{replies: []string{"```python\ndef add(a, b):\n    return a + b\n```"}}
	got, err := Debugger{C: rec}.Debug(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if want := "def add(a, b):\n    return a + b\n"; got.Code != want {
		t.Errorf("Code = %q, want %q", got.Code, want)
	}
	sent := rec.only(t)
	if sent.Role != RoleDebugger || sent.Problem != req.ProblemID || sent.Sample != 1 {
		t.Errorf("request Role, Problem, Sample = %q, %q, %d", sent.Role, sent.Problem, sent.Sample)
	}
	// Reflexion's turns: implement, previous code, test results,
	// reflection, improved implementation.
	if diff := cmp.Diff([]string{"system", "user", "assistant", "user", "assistant", "user"}, roles(sent)); diff != "" {
		t.Fatalf("message roles (-want +got):\n%s", diff)
	}
	m := sent.Messages
	checks := []struct {
		turn int
		want string
	}{
		{1, "```python\n" + sampleProblem + "```"},
		{2, "```python\n" + req.PrevCode + "```"},
		{3, req.Feedback},
		{5, "improved implementation of `add`"},
		{5, "Return only one ```python fenced block"},
	}
	for _, c := range checks {
		if !strings.Contains(m[c.turn].Content, c.want) {
			t.Errorf("message %d lacks %q:\n%s", c.turn, c.want, m[c.turn].Content)
		}
	}
	if m[4].Content != req.Reflection {
		t.Errorf("reflection turn = %q, want %q", m[4].Content, req.Reflection)
	}
	if m[2].Content != strings.TrimSpace(m[2].Content) || strings.Contains(m[2].Content, "Problem") {
		t.Errorf("previous-code turn holds more than the code:\n%s", m[2].Content)
	}
}

func TestDebuggerGo(t *testing.T) {
	t.Parallel()
	rec := &recorder{replies: []string{"no code, sorry"}}
	got, err := Debugger{C: rec}.Debug(t.Context(), DebugRequest{
		ProblemID: "go/7", Lang: "go", Problem: "Write Median(xs []int) float64.", EntryPoint: "Median",
		PrevCode: "func Median(xs []int) float64 { return 0 }", Feedback: "FAIL", Reflection: "Sort a copy.",
	})
	checkClass(t, err, NoCode)
	if got.Response.Content != "no code, sorry" {
		t.Errorf("Response not returned with the error: %+v", got.Response)
	}
	sent := rec.only(t)
	if !strings.Contains(sent.Messages[2].Content, "```go\nfunc Median") {
		t.Errorf("previous code not fenced as Go:\n%s", sent.Messages[2].Content)
	}
	if !strings.Contains(sent.Messages[0].Content, "package main") {
		t.Errorf("Go system prompt lacks the package clause rule:\n%s", sent.Messages[0].Content)
	}
}

func TestDebuggerThroughClient(t *testing.T) {
	t.Parallel()
	c, srv := roleClient(t)
	srv.Reply("```go\npackage main\n\nfunc Add(a, b int) int { return a + b }\n```")
	req := DebugRequest{
		ProblemID: "go/1", Lang: "go", Problem: "Write Add(a, b int) int.", EntryPoint: "Add",
		PrevCode: "package main\n\nfunc Add(a, b int) int { return a - b }", Feedback: "Add(1, 2) = -1, want 3", Reflection: "Add instead of subtracting.", Sample: 3,
	}
	got, err := Debugger{C: c}.Debug(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if want := "package main\n\nfunc Add(a, b int) int { return a + b }\n"; got.Code != want {
		t.Errorf("Code = %q, want %q", got.Code, want)
	}
	msgs := serverMessages(t, srv)
	var gotRoles []string
	for _, m := range msgs {
		gotRoles = append(gotRoles, m.Role)
	}
	if diff := cmp.Diff([]string{"system", "user", "assistant", "user", "assistant", "user"}, gotRoles); diff != "" {
		t.Fatalf("server got roles (-want +got):\n%s", diff)
	}
	if !strings.Contains(msgs[2].Content, "return a - b") || !strings.Contains(msgs[3].Content, req.Feedback) || msgs[4].Content != req.Reflection {
		t.Errorf("server got messages %+v", msgs)
	}
}
