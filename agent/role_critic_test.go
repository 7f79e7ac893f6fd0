package agent

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCriticScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		reply        string
		want         int
		wantAnalysis string
		class        ErrorClass
	}{
		{name: "score last", reply: "The outputs are shifted by one.\n\nScore: 3\n", want: 3, wantAnalysis: "The outputs are shifted by one."},
		{name: "chatter", reply: reply(t, "score_rambling.md"), want: 3, wantAnalysis: strings.TrimSpace(reply(t, "score_rambling.md"))},
		{name: "out of range", reply: "Looks fine.\n9", wantAnalysis: "Looks fine.", class: Unparsable},
		{name: "empty", reply: "", class: EmptyOutput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{replies: []string{tt.reply}}
			req := ScoreRequest{ProblemID: "HumanEval/53", Lang: "python", Problem: sampleProblem, Code: "def add(a, b):\n    return a - b\n", Feedback: "assert add(1, 2) == 3 # output: -1"}
			got, err := Critic{C: rec}.Score(t.Context(), req)
			checkClass(t, err, tt.class)
			if got.Score != tt.want || got.Analysis != tt.wantAnalysis {
				t.Errorf("Score, Analysis = %d, %q; want %d, %q", got.Score, got.Analysis, tt.want, tt.wantAnalysis)
			}
			if got.Response.Content != tt.reply {
				t.Errorf("Response not returned: %+v", got.Response)
			}
			sent := rec.only(t)
			if sent.Role != RoleCritic || sent.Problem != req.ProblemID {
				t.Errorf("request Role, Problem = %q, %q", sent.Role, sent.Problem)
			}
			if diff := cmp.Diff([]string{"system", "user"}, roles(sent)); diff != "" {
				t.Fatalf("message roles (-want +got):\n%s", diff)
			}
			sys, user := sent.Messages[0].Content, sent.Messages[1].Content
			for _, part := range []string{"0: ", "3: the outputs differ from the expected ones by a clear pattern, such as an off-by-one error.", "5: ", "last line"} {
				if !strings.Contains(sys, part) {
					t.Errorf("system prompt lacks %q:\n%s", part, sys)
				}
			}
			for _, part := range []string{"```python\n" + req.Code + "```", req.Feedback} {
				if !strings.Contains(user, part) {
					t.Errorf("user prompt lacks %q:\n%s", part, user)
				}
			}
		})
	}
}

func TestCriticVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		reply        string
		want         bool
		wantAnalysis string
		class        ErrorClass
	}{
		{name: "accepted", reply: "General and efficient.\nTrue", want: true, wantAnalysis: "General and efficient."},
		{name: "false after true", reply: reply(t, "verdict_false_after_true.md"), want: false,
			wantAnalysis: strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(reply(t, "verdict_false_after_true.md")), "False."))},
		{name: "no verdict", reply: "Looks fine to me.", wantAnalysis: "Looks fine to me.", class: Unparsable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{replies: []string{tt.reply}}
			req := VerifyRequest{ProblemID: "HumanEval/53", Lang: "python", Problem: sampleProblem, Code: "def add(a, b):\n    return a + b\n", Feedback: "Tests passed:\nassert add(1, 2) == 3"}
			got, err := Critic{C: rec}.Verify(t.Context(), req)
			checkClass(t, err, tt.class)
			if got.OK != tt.want || got.Analysis != tt.wantAnalysis {
				t.Errorf("OK, Analysis = %t, %q; want %t, %q", got.OK, got.Analysis, tt.want, tt.wantAnalysis)
			}
			sent := rec.only(t)
			if sent.Role != RoleCritic || sent.Problem != req.ProblemID {
				t.Errorf("request Role, Problem = %q, %q", sent.Role, sent.Problem)
			}
			sys := sent.Messages[0].Content
			for _, part := range []string{"hard-code", "Boundaries", "Edge cases", "polynomially", "True", "False"} {
				if !strings.Contains(sys, part) {
					t.Errorf("system prompt lacks %q:\n%s", part, sys)
				}
			}
			if !strings.Contains(sent.Messages[1].Content, req.Feedback) {
				t.Errorf("user prompt lacks the test results:\n%s", sent.Messages[1].Content)
			}
		})
	}
}

func TestCriticThroughClient(t *testing.T) {
	t.Parallel()
	c, srv := roleClient(t)
	srv.Reply("Off by one on every case.\n\nScore: 3")
	srv.Reply("The code looks fine, I think.")
	critic := Critic{C: c}

	score, err := critic.Score(t.Context(), ScoreRequest{ProblemID: "p", Lang: "python", Problem: sampleProblem, Code: "def add(a, b):\n    return a + b + 1\n", Feedback: "add(1, 2) = 4"})
	if err != nil || score.Score != 3 || score.Analysis != "Off by one on every case." {
		t.Errorf("Score = %+v, %v; want 3 with its analysis", score, err)
	}

	verdict, err := critic.Verify(t.Context(), VerifyRequest{ProblemID: "p", Lang: "python", Problem: sampleProblem, Code: "def add(a, b):\n    return a + b\n"})
	checkClass(t, err, Unparsable)
	if IsInfrastructure(err) || verdict.Response.Content != "The code looks fine, I think." {
		t.Errorf("Verify = %+v, %v; want a model-output error with the Response", verdict, err)
	}
	if calls := c.Ledger().Snapshot().ByRole[RoleCritic].Calls; calls != 2 {
		t.Errorf("ledger counts %d critic calls, want 2", calls)
	}
}
