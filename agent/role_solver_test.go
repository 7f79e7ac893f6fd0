package agent

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSolverSolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		req      SolveRequest
		reply    string
		want     string
		class    ErrorClass
		wantUser []string // parts of the user prompt
	}{
		{
			name:     "python with strategy",
			req:      SolveRequest{ProblemID: "HumanEval/53", Lang: "python", Problem: sampleProblem, EntryPoint: "add", Strategy: "Use the + operator.", Sample: 2},
			reply:    "Here you go:\n\n```python\ndef add(a, b):\n    return a + b\n```\n",
			want:     "def add(a, b):\n    return a + b\n",
			wantUser: []string{"```python\n" + sampleProblem + "```", "Hint: Use the + operator.", "Return only one ```python fenced block"},
		},
		{
			name:     "go without strategy",
			req:      SolveRequest{ProblemID: "go/1", Lang: "go", Problem: "Write Add(a, b int) int.", EntryPoint: "Add"},
			reply:    reply(t, "code_go_package_main.md"),
			wantUser: []string{"Problem:\nWrite Add(a, b int) int.", "Return only one ```go fenced block"},
			class:    ClassUnknown,
		},
		{
			name:  "prose reply",
			req:   SolveRequest{ProblemID: "HumanEval/53", Lang: "python", Problem: sampleProblem, EntryPoint: "add"},
			reply: "You can simply return a + b.",
			class: NoCode,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{replies: []string{tt.reply}}
			got, err := Solver{C: rec}.Solve(t.Context(), tt.req)
			checkClass(t, err, tt.class)
			if tt.class == ClassUnknown {
				want, err := ExtractCode(tt.reply, tt.req.Lang, tt.req.EntryPoint)
				if err != nil {
					t.Fatal(err)
				}
				if tt.want != "" && want != tt.want {
					t.Fatalf("test expects %q, ExtractCode gives %q", tt.want, want)
				}
				if got.Code != want {
					t.Errorf("Code = %q, want %q", got.Code, want)
				}
			}
			if got.Response.Content != tt.reply {
				t.Errorf("Response not returned: %+v", got.Response)
			}
			req := rec.only(t)
			if req.Role != RoleSolver || req.Problem != tt.req.ProblemID || req.Sample != tt.req.Sample {
				t.Errorf("request Role, Problem, Sample = %q, %q, %d", req.Role, req.Problem, req.Sample)
			}
			if diff := cmp.Diff([]string{"system", "user"}, roles(req)); diff != "" {
				t.Fatalf("message roles (-want +got):\n%s", diff)
			}
			user := req.Messages[1].Content
			for _, part := range tt.wantUser {
				if !strings.Contains(user, part) {
					t.Errorf("user prompt lacks %q:\n%s", part, user)
				}
			}
			if hint := strings.Contains(user, "Hint:"); hint != (tt.req.Strategy != "") {
				t.Errorf("user prompt has a hint: %t, want %t", hint, tt.req.Strategy != "")
			}
			if sys := req.Messages[0].Content; !strings.Contains(sys, "`"+tt.req.EntryPoint+"`") {
				t.Errorf("system prompt does not name the entry point:\n%s", sys)
			}
		})
	}
}

// A reply cut at the token limit keeps its class and says so.
func TestSolverTruncatedReply(t *testing.T) {
	t.Parallel()
	c := completerFunc(func(context.Context, Request) (Response, error) {
		return Response{Content: "Let me think about this step by step. First, the", FinishReason: "length"}, nil
	})
	_, err := Solver{C: c}.Solve(t.Context(), SolveRequest{Lang: "python", Problem: sampleProblem, EntryPoint: "add"})
	checkClass(t, err, NoCode)
	if !strings.Contains(err.Error(), "token limit") {
		t.Errorf("error %q does not mention the token limit", err)
	}
}

func TestSolverThroughClient(t *testing.T) {
	t.Parallel()
	c, srv := roleClient(t)
	srv.Reply(reply(t, "code_python_helper_block.md"))
	got, err := Solver{C: c}.Solve(t.Context(), SolveRequest{
		ProblemID: "primes/1", Lang: "python", Problem: "Count the primes in a list.", EntryPoint: "count_primes", Strategy: "Trial division.",
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := reply(t, "code_python_helper_block.want"); got.Code != want {
		t.Errorf("Code = %q, want %q", got.Code, want)
	}
	msgs := serverMessages(t, srv)
	if len(msgs) != 2 || !strings.Contains(msgs[1].Content, "Hint: Trial division.") {
		t.Errorf("server got messages %+v", msgs)
	}
	if tally := c.Ledger().Snapshot().ByProblem["primes/1"]; tally.Calls != 1 || tally.Generations != 1 {
		t.Errorf("ledger for the problem: %+v, want 1 call and 1 generation", tally)
	}
}
