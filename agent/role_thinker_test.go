package agent

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sampleProblem = "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n"

func TestThinkerStrategies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		max   int
		reply string
		want  []string
		class ErrorClass
	}{
		{name: "all strategies", reply: "1. Use the + operator.\n2. Use sum([a, b]).", want: []string{"Use the + operator.", "Use sum([a, b])."}},
		{name: "capped at max", max: 2, reply: "1. A.\n2. B.\n3. C.", want: []string{"A.", "B."}},
		{name: "no list", reply: "Just add them.", class: Unparsable},
		{name: "empty", reply: "", class: EmptyOutput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{replies: []string{tt.reply}}
			got, err := Thinker{C: rec}.Strategies(t.Context(), StrategiesRequest{ProblemID: "HumanEval/53", Lang: "python", Problem: sampleProblem, Max: tt.max})
			checkClass(t, err, tt.class)
			if diff := cmp.Diff(tt.want, got.Strategies); diff != "" {
				t.Errorf("strategies mismatch (-want +got):\n%s", diff)
			}
			if got.Response.Content != tt.reply {
				t.Errorf("Response.Content = %q, want the reply %q (also on failure)", got.Response.Content, tt.reply)
			}
			req := rec.only(t)
			if req.Role != RoleThinker || req.Problem != "HumanEval/53" || req.Sample != 0 {
				t.Errorf("request Role, Problem, Sample = %q, %q, %d", req.Role, req.Problem, req.Sample)
			}
			if diff := cmp.Diff([]string{"system", "user"}, roles(req)); diff != "" {
				t.Fatalf("message roles (-want +got):\n%s", diff)
			}
			sys, user := req.Messages[0].Content, req.Messages[1].Content
			if !strings.Contains(sys, "numbered list") || !strings.Contains(sys, "Python") {
				t.Errorf("system prompt lacks the format or the language:\n%s", sys)
			}
			if capped := strings.Contains(sys, "at most 2"); capped != (tt.max == 2) {
				t.Errorf("system prompt states the cap: %t, want %t:\n%s", capped, tt.max == 2, sys)
			}
			if !strings.Contains(user, "```python\n"+sampleProblem+"```") {
				t.Errorf("user prompt lacks the fenced problem:\n%s", user)
			}
		})
	}
}

func TestThinkerReflections(t *testing.T) {
	t.Parallel()
	rec := &recorder{replies: []string{reply(t, "list_reflections_issues_then_fixes.md")}}
	req := ReflectionsRequest{
		ProblemID: "HumanEval/0", Lang: "python", Problem: sampleProblem,
		Strategy: "Compare neighbours.", Code: "def add(a, b):\n    return a - b\n",
		Feedback: "assert add(1, 2) == 3 # output: -1", Max: 1,
	}
	got, err := Thinker{C: rec}.Reflections(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Sort a copy of the list first, then compare adjacent elements, so that every close pair becomes adjacent."}
	if diff := cmp.Diff(want, got.Reflections); diff != "" {
		t.Errorf("reflections (-want +got):\n%s", diff)
	}
	sent := rec.only(t)
	if sent.Role != RoleThinker || sent.Problem != "HumanEval/0" {
		t.Errorf("request Role, Problem = %q, %q", sent.Role, sent.Problem)
	}
	if diff := cmp.Diff([]string{"system", "user"}, roles(sent)); diff != "" {
		t.Fatalf("message roles (-want +got):\n%s", diff)
	}
	user := sent.Messages[1].Content
	for _, part := range []string{"Strategy:\nCompare neighbours.", "```python\n" + req.Code + "```", req.Feedback} {
		if !strings.Contains(user, part) {
			t.Errorf("user prompt lacks %q:\n%s", part, user)
		}
	}
	if !strings.Contains(sent.Messages[0].Content, "self-contained") {
		t.Errorf("system prompt does not ask for self-contained fixes:\n%s", sent.Messages[0].Content)
	}
}

func TestRoleRequestErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection refused")
	tests := []struct {
		name      string
		call      func(ctx context.Context, c Completer) error
		sent      bool  // a request reaches the Completer
		wantIs    error // errors.Is target, if any
		wantModel bool
	}{
		{name: "unknown language", call: func(ctx context.Context, c Completer) error {
			_, err := Solver{C: c}.Solve(ctx, SolveRequest{Lang: "rust", Problem: "p"})
			return err
		}},
		{name: "empty problem", call: func(ctx context.Context, c Completer) error {
			_, err := Thinker{C: c}.Strategies(ctx, StrategiesRequest{Lang: "python"})
			return err
		}},
		{name: "empty code to reflect on", call: func(ctx context.Context, c Completer) error {
			_, err := Thinker{C: c}.Reflections(ctx, ReflectionsRequest{Lang: "python", Problem: "p"})
			return err
		}},
		{name: "empty previous code", call: func(ctx context.Context, c Completer) error {
			_, err := Debugger{C: c}.Debug(ctx, DebugRequest{Lang: "go", Problem: "p"})
			return err
		}},
		{name: "empty code to score", call: func(ctx context.Context, c Completer) error {
			_, err := Critic{C: c}.Score(ctx, ScoreRequest{Lang: "python", Problem: "p"})
			return err
		}},
		{name: "completer error passes through", sent: true, wantIs: boom, call: func(ctx context.Context, c Completer) error {
			_, err := Critic{C: c}.Verify(ctx, VerifyRequest{Lang: "python", Problem: "p", Code: "x = 1"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{err: boom}
			err := tt.call(t.Context(), rec)
			if err == nil {
				t.Fatal("no error")
			}
			if IsModelOutput(err) {
				t.Errorf("error %q is a model-output error", err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %q does not wrap %q", err, tt.wantIs)
			}
			if sent := len(rec.reqs) > 0; sent != tt.sent {
				t.Errorf("request sent: %t, want %t", sent, tt.sent)
			}
		})
	}
}

func TestThinkerThroughClient(t *testing.T) {
	t.Parallel()
	c, srv := roleClient(t)
	srv.Reply(reply(t, "list_strategies_bold.md"))
	got, err := Thinker{C: c}.Strategies(t.Context(), StrategiesRequest{ProblemID: "HumanEval/0", Lang: "python", Problem: sampleProblem})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Strategies) != 3 || !strings.HasPrefix(got.Strategies[0], "Sort and scan: ") {
		t.Errorf("strategies = %q", got.Strategies)
	}
	if got.Response.Usage.CompletionTokens == 0 {
		t.Errorf("Response has no usage: %+v", got.Response)
	}
	msgs := serverMessages(t, srv)
	if len(msgs) != 2 || msgs[0].Role != "system" || msgs[1].Role != "user" || !strings.Contains(msgs[1].Content, sampleProblem) {
		t.Errorf("server got messages %+v", msgs)
	}
	if calls := c.Ledger().Snapshot().ByRole[RoleThinker].Calls; calls != 1 {
		t.Errorf("ledger counts %d thinker calls, want 1", calls)
	}
}
