package agent

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// step is one scripted answer of a scriptCompleter: a reply, or an error.
type step struct {
	reply string
	err   error
}

// scriptCompleter answers its steps in order and records the requests; a
// call past the script fails the test.
type scriptCompleter struct {
	t     *testing.T
	mu    sync.Mutex
	steps []step
	reqs  []Request
}

func (s *scriptCompleter) Complete(_ context.Context, req Request) (Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, req)
	n := len(s.reqs)
	if n > len(s.steps) {
		s.t.Errorf("unexpected call %d: the script has %d steps", n, len(s.steps))
		return Response{}, NewError(ServerError, errors.New("no scripted step"))
	}
	st := s.steps[n-1]
	if st.err != nil {
		return Response{}, st.err
	}
	// Each call has its own usage, cost and duration, so sums are checked.
	return Response{
		Content: st.reply, Model: "fake", FinishReason: "stop",
		Usage: Usage{PromptTokens: 100 * n, CompletionTokens: 10 * n},
		Cost:  0.01 * float64(n), Retries: n - 1, Duration: time.Duration(n) * time.Second,
	}, nil
}

func (s *scriptCompleter) requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

const (
	scoreReminder  = "Your reply did not end with a score. Reply with the score alone on the last line, as `Score: N` with N an integer from 0 to 5."
	verifyReminder = "Your reply did not end with a verdict. Reply with True or False alone on the last line: True if the implementation is acceptable as it is, False if it must change to pass unseen valid tests."
)

func scoreRequest() ScoreRequest {
	return ScoreRequest{ProblemID: "HumanEval/53", Lang: "python", Problem: sampleProblem, Code: "def add(a, b):\n    return a - b\n", Feedback: "assert add(1, 2) == 3 # output: -1"}
}

func verifyRequest() VerifyRequest {
	return VerifyRequest{ProblemID: "HumanEval/53", Lang: "python", Problem: sampleProblem, Code: "def add(a, b):\n    return a + b\n", Feedback: "Tests passed:\nassert add(1, 2) == 3"}
}

func TestCriticScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		reply        string
		want         int
		wantAnalysis string
	}{
		{name: "score last", reply: "The outputs are shifted by one.\n\nScore: 3\n", want: 3, wantAnalysis: "The outputs are shifted by one."},
		{name: "chatter", reply: reply(t, "score_rambling.md"), want: 3,
			wantAnalysis: strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(reply(t, "score_rambling.md")), "Hope this helps!"))},
		{name: "test count after the score", reply: "Every output is off by one.\nScore: 3\nTests passed: 1/2", want: 3,
			wantAnalysis: "Every output is off by one.\nTests passed: 1/2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := &scriptCompleter{t: t, steps: []step{{reply: tt.reply}}}
			req := scoreRequest()
			got, err := Critic{C: sc}.Score(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if got.Score != tt.want || got.Analysis != tt.wantAnalysis {
				t.Errorf("Score, Analysis = %d, %q; want %d, %q", got.Score, got.Analysis, tt.want, tt.wantAnalysis)
			}
			if got.Response.Content != tt.reply || got.Response.Usage.Total() != 110 {
				t.Errorf("Response not returned as it is: %+v", got.Response)
			}
			reqs := sc.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d calls, want 1", len(reqs))
			}
			sent := reqs[0]
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
	}{
		{name: "accepted", reply: "General and efficient.\nTrue", want: true, wantAnalysis: "General and efficient."},
		{name: "false after true", reply: reply(t, "verdict_false_after_true.md"), want: false,
			wantAnalysis: strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(reply(t, "verdict_false_after_true.md")), "False."))},
		{name: "verdict above a fix", reply: "<think>maybe True</think>\nIt crashes on [].\n\n**Verdict:** False\n\nGuard `if not xs: return True` first.", want: false,
			wantAnalysis: "It crashes on [].\n\nGuard `if not xs: return True` first."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := &scriptCompleter{t: t, steps: []step{{reply: tt.reply}}}
			req := verifyRequest()
			got, err := Critic{C: sc}.Verify(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if got.OK != tt.want || got.Analysis != tt.wantAnalysis {
				t.Errorf("OK, Analysis = %t, %q; want %t, %q", got.OK, got.Analysis, tt.want, tt.wantAnalysis)
			}
			reqs := sc.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d calls, want 1", len(reqs))
			}
			sent := reqs[0]
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

// judged is what TestCriticAsksAgain compares for Score and Verify.
type judged struct {
	value    string // the score or the verdict
	analysis string
	resp     Response
}

// criticCall runs Score or Verify on c.
func criticCall(ctx context.Context, c Critic, verify bool) (judged, error) {
	if verify {
		r, err := c.Verify(ctx, verifyRequest())
		return judged{fmt.Sprint(r.OK), r.Analysis, r.Response}, err
	}
	r, err := c.Score(ctx, scoreRequest())
	return judged{fmt.Sprint(r.Score), r.Analysis, r.Response}, err
}

// TestCriticAsksAgain checks the second call that a reply without a score
// or a verdict gets: its request, the result, the summed usage, and that
// only model-output failures are asked again.
func TestCriticAsksAgain(t *testing.T) {
	t.Parallel()
	infra := NewError(ServerError, errors.New("HTTP 503"))
	tests := []struct {
		name   string
		verify bool
		steps  []step
		// want is the value, or the error class when class is set.
		want         string
		wantAnalysis string
		class        ErrorClass
		// prev is the assistant turn of the second request ("" for none);
		// calls is the number of calls wanted.
		prev  string
		calls int
	}{
		{name: "score, then bare score", steps: []step{{reply: "Off by one everywhere; it fails 3 of 4 tests."}, {reply: "Score: 3"}},
			want: "3", wantAnalysis: "Off by one everywhere; it fails 3 of 4 tests.", prev: "Off by one everywhere; it fails 3 of 4 tests.", calls: 2},
		{name: "verdict, then bare verdict", verify: true,
			steps: []step{{reply: "<think>long thought, True?</think>\nThe helper returns False as required. The solution is acceptable."}, {reply: "**True**"}},
			want:  "true", wantAnalysis: "The helper returns False as required. The solution is acceptable.",
			prev: "The helper returns False as required. The solution is acceptable.", calls: 2},
		{name: "verdict, then apology and new reasoning", verify: true,
			steps: []step{{reply: "Looks general."}, {reply: "I apologize for the omission.\nOn a closer look, [] raises IndexError.\nFalse"}},
			want:  "false", wantAnalysis: "Looks general.\n\nOn a closer look, [] raises IndexError.", prev: "Looks general.", calls: 2},
		{name: "score, second reply repeats the analysis", steps: []step{{reply: "Crashes on every case."}, {reply: "Crashes on every case.\n\nScore: 0"}},
			want: "0", wantAnalysis: "Crashes on every case.", prev: "Crashes on every case.", calls: 2},
		{name: "empty reply, asked again without it", steps: []step{{reply: "<think>cut off while thinking"}, {reply: "Wrong on negatives only.\nScore: 2"}},
			want: "2", wantAnalysis: "Wrong on negatives only.", prev: "", calls: 2},
		{name: "score out of range twice", steps: []step{{reply: "Close.\nScore: 7"}, {reply: "Score: 8/10"}},
			class: Unparsable, wantAnalysis: "Close.", prev: "Close.\nScore: 7", calls: 2},
		{name: "no verdict twice", verify: true, steps: []step{{reply: "Looks fine to me."}, {reply: "It is correct."}},
			class: Unparsable, wantAnalysis: "Looks fine to me.\n\nIt is correct.", prev: "Looks fine to me.", calls: 2},
		{name: "empty twice", verify: true, steps: []step{{reply: ""}, {reply: "  "}},
			class: EmptyOutput, prev: "", calls: 2},
		{name: "infrastructure error not asked again", steps: []step{{err: infra}}, class: ServerError, calls: 1},
		{name: "infrastructure error of the second call", verify: true, steps: []step{{reply: "Looks fine."}, {err: infra}},
			class: ServerError, wantAnalysis: "Looks fine.", prev: "Looks fine.", calls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := &scriptCompleter{t: t, steps: tt.steps}
			got, err := criticCall(t.Context(), Critic{C: sc}, tt.verify)
			reqs := sc.requests()
			if len(reqs) != tt.calls {
				t.Fatalf("%d calls, want %d", len(reqs), tt.calls)
			}
			switch {
			case tt.class == ClassUnknown && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.class != ClassUnknown && ClassOf(err) != tt.class:
				t.Fatalf("error %v: class %v, want %v", err, ClassOf(err), tt.class)
			case tt.class.ModelOutput() && !strings.Contains(err.Error(), "asked again"):
				t.Errorf("error %q does not name the second failure", err)
			case tt.class == ClassUnknown && got.value != tt.want:
				t.Errorf("value = %s, want %s", got.value, tt.want)
			}
			if got.analysis != tt.wantAnalysis {
				t.Errorf("Analysis = %q, want %q", got.analysis, tt.wantAnalysis)
			}
			if tt.calls == 1 {
				return
			}

			// The second request: the first, the reply, the reminder.
			first, second := reqs[0], reqs[1]
			want := append([]Message(nil), first.Messages...)
			if tt.prev != "" {
				want = append(want, Message{Role: "assistant", Content: tt.prev})
			}
			reminder := scoreReminder
			if tt.verify {
				reminder = verifyReminder
			}
			want = append(want, Message{Role: "user", Content: reminder})
			if diff := cmp.Diff(want, second.Messages); diff != "" {
				t.Errorf("second request's messages (-want +got):\n%s", diff)
			}
			if second.Role != RoleCritic || second.Problem != first.Problem || second.Sample != first.Sample {
				t.Errorf("second request Role, Problem, Sample = %q, %q, %d; want those of the first", second.Role, second.Problem, second.Sample)
			}
			if len(first.Messages) != 2 {
				t.Errorf("the first request's messages changed: %d", len(first.Messages))
			}

			// Both calls are accounted in the Response.
			wantResp := Response{Content: tt.steps[1].reply, Model: "fake", FinishReason: "stop",
				Usage: Usage{PromptTokens: 300, CompletionTokens: 30}, Cost: 0.03, Retries: 1, Duration: 3 * time.Second}
			if tt.steps[1].err != nil {
				wantResp = Response{Content: tt.steps[0].reply, Model: "fake", FinishReason: "stop",
					Usage: Usage{PromptTokens: 100, CompletionTokens: 10}, Cost: 0.01, Duration: time.Second}
			}
			if diff := cmp.Diff(wantResp, got.resp, cmpFloat); diff != "" {
				t.Errorf("Response (-want +got):\n%s", diff)
			}
		})
	}
}

var cmpFloat = cmp.Comparer(func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 })

// TestCriticThroughClient runs the Critic against a fake endpoint: the
// ledger counts the second call, and the second request has its own cache
// key, so a replay of the run gives the same verdict without an endpoint.
func TestCriticThroughClient(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "critic.jsonl")
	c, srv := roleClient(t)
	rec, _ := newTestClient(t, srv.URL(), func(cfg *Config) {
		cfg.Model, cfg.MaxRetries = "fake-model", 0
		cfg.Cache = CacheConfig{Path: path, Mode: CacheReadWrite}
	})

	srv.Reply("Off by one on every case.\n\nScore: 3")
	score, err := Critic{C: c}.Score(t.Context(), ScoreRequest{ProblemID: "p", Lang: "python", Problem: sampleProblem, Code: "def add(a, b):\n    return a + b + 1\n", Feedback: "add(1, 2) = 4"})
	if err != nil || score.Score != 3 || score.Analysis != "Off by one on every case." {
		t.Errorf("Score = %+v, %v; want 3 with its analysis", score, err)
	}

	srv.Reply("The code looks fine, I think.")
	srv.Reply("Still fine.")
	verdict, err := Critic{C: c}.Verify(t.Context(), VerifyRequest{ProblemID: "p", Lang: "python", Problem: sampleProblem, Code: "def add(a, b):\n    return a + b\n"})
	checkClass(t, err, Unparsable)
	if IsInfrastructure(err) || verdict.Response.Content != "Still fine." {
		t.Errorf("Verify = %+v, %v; want a model-output error with the last Response", verdict, err)
	}
	if calls := c.Ledger().Snapshot().ByRole[RoleCritic].Calls; calls != 3 {
		t.Errorf("ledger counts %d critic calls, want 3", calls)
	}

	// Recorded, then replayed: two calls, two cache entries.
	vreq := VerifyRequest{ProblemID: "q", Lang: "python", Problem: sampleProblem, Code: "def add(a, b):\n    return a + b\n"}
	srv.Reply("Nothing is hard-coded; the function returns True for valid input.")
	srv.Reply("True")
	first, err := Critic{C: rec}.Verify(t.Context(), vreq)
	if err != nil || !first.OK || first.Analysis != "Nothing is hard-coded; the function returns True for valid input." {
		t.Fatalf("Verify = %+v, %v; want True with the first reply's analysis", first, err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(); n != 5 {
		t.Fatalf("server got %d requests, want 5", n)
	}
	replay, _ := newTestClient(t, "", func(cfg *Config) {
		cfg.Model = "fake-model"
		cfg.Cache = CacheConfig{Path: path, Mode: CacheReplay}
	})
	again, err := Critic{C: replay}.Verify(t.Context(), vreq)
	if err != nil || !again.OK || again.Analysis != first.Analysis || !again.Response.Cached {
		t.Errorf("replayed Verify = %+v, %v; want the recorded verdict from the cache", again, err)
	}
	if hits := replay.Ledger().Snapshot().Total.CacheHits; hits != 2 {
		t.Errorf("replay made %d cache hits, want 2", hits)
	}
}
