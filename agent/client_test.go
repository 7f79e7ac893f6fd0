package agent

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/agent/agenttest"
)

const testKey = "sk-test-0123456789abcdef"

// waits records the retry waits a client asked for and returns at once.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// newTestClient returns a client of srv with fast, recorded retry waits
// (jitter returns its ceiling, so waits are base*2^n).
func newTestClient(t *testing.T, baseURL string, edit func(*Config)) (*Client, *waits) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Model = "gpt-4o-mini"
	cfg.BaseURL = baseURL
	cfg.APIKey = testKey
	cfg.MaxTokens = 256
	cfg.MaxRetries = 2
	cfg.RetryBase = time.Millisecond
	cfg.RequestTimeout = 10 * time.Second
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	w := &waits{}
	c.sleep = w.sleep
	c.jitter = func(d time.Duration) time.Duration { return d }
	return c, w
}

func userRequest(role Role, problem, text string) Request {
	return Request{Role: role, Problem: problem, Messages: []Message{
		{Role: "system", Content: "You write Python."},
		{Role: "user", Content: text},
	}}
}

func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *agent.Error", err, err)
	}
	return e
}

func TestCompleteNormalCall(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t)
	srv.ReplyWith(agenttest.Reply{
		Content: "def f(): return 1", Model: "gpt-4o-mini-2024-07-18", FinishReason: "length",
		Usage: &agenttest.Usage{PromptTokens: 1000, CompletionTokens: 500},
	})
	seed := 42
	c, _ := newTestClient(t, srv.URL(), func(cfg *Config) { cfg.Seed = &seed })

	resp, err := c.Complete(t.Context(), userRequest(RoleSolver, "HumanEval/0", "write f"))
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	// gpt-4o-mini: 0.15 and 0.60 USD per 1M tokens.
	wantCost := (1000*0.15 + 500*0.60) / 1e6
	want := Response{
		Content: "def f(): return 1", Model: "gpt-4o-mini-2024-07-18", FinishReason: "length",
		Usage: Usage{PromptTokens: 1000, CompletionTokens: 500}, Cost: wantCost,
	}
	if diff := cmp.Diff(want, resp, cmpResponse); diff != "" {
		t.Errorf("Response (-want +got):\n%s", diff)
	}

	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Model != "gpt-4o-mini" || r.Authorization != "Bearer "+testKey || r.MaxTokens != 256 {
		t.Errorf("request model %q, auth %q, max_tokens %d", r.Model, r.Authorization, r.MaxTokens)
	}
	// go-openai omits a zero temperature; the client must send it, or the
	// server samples at its default of 1.
	if r.Temperature == nil || *r.Temperature != 0 {
		t.Errorf("temperature %v, want an explicit 0 (body %s)", r.Temperature, r.Body)
	}
	if r.Seed == nil || *r.Seed != 42 {
		t.Errorf("seed %v, want 42", r.Seed)
	}
	if diff := cmp.Diff([]agenttest.Message{{Role: "system", Content: "You write Python."}, {Role: "user", Content: "write f"}}, r.Messages); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}

	a := c.Ledger().Snapshot()
	for name, tally := range map[string]Tally{"total": a.Total, "role": a.ByRole[RoleSolver], "problem": a.ByProblem["HumanEval/0"]} {
		if tally.Calls != 1 || tally.PromptTokens != 1000 || tally.CompletionTokens != 500 || tally.Generations != 1 ||
			tally.Attempts != 1 || !near(tally.Cost, wantCost) {
			t.Errorf("%s tally %+v, want 1 call, 1000+500 tokens, 1 generation, cost %g", name, tally, wantCost)
		}
	}
	if a.Estimated || len(a.UnknownPrices) != 0 {
		t.Errorf("estimated %v, unknown prices %v; want neither", a.Estimated, a.UnknownPrices)
	}
}

// cmpResponse ignores Duration, which depends on the clock.
var cmpResponse = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Duration" }, cmp.Ignore())

func near(a, b float64) bool { return a-b < 1e-12 && b-a < 1e-12 }

func TestCompleteRequestParameters(t *testing.T) {
	t.Parallel()
	temp := 0.7
	tests := []struct {
		name      string
		model     string
		req       Request
		wantTemp  *float64
		wantMax   int
		wantMaxCT int
	}{
		{name: "config defaults", model: "gpt-4o", wantTemp: new(0.0), wantMax: 256},
		{name: "request overrides", model: "gpt-4o", req: Request{Temperature: &temp, MaxTokens: 50}, wantTemp: &temp, wantMax: 50},
		{name: "reasoning model: max_completion_tokens, no temperature", model: "o3-mini", wantMaxCT: 256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := agenttest.NewServer(t)
			srv.Reply("ok")
			c, _ := newTestClient(t, srv.URL(), func(cfg *Config) { cfg.Model = tt.model })
			req := tt.req
			req.Messages = []Message{{Role: "user", Content: "hi"}}
			if _, err := c.Complete(t.Context(), req); err != nil {
				t.Fatalf("Complete: %v", err)
			}
			r := srv.Requests()[0]
			if !cmp.Equal(r.Temperature, tt.wantTemp) {
				t.Errorf("temperature %v, want %v (body %s)", deref(r.Temperature), deref(tt.wantTemp), r.Body)
			}
			var body map[string]any
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatalf("request body: %v", err)
			}
			if got, _ := body["max_tokens"].(float64); int(got) != tt.wantMax {
				t.Errorf("max_tokens %v, want %d", body["max_tokens"], tt.wantMax)
			}
			if got, _ := body["max_completion_tokens"].(float64); int(got) != tt.wantMaxCT {
				t.Errorf("max_completion_tokens %v, want %d", body["max_completion_tokens"], tt.wantMaxCT)
			}
		})
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestCompleteFailures(t *testing.T) {
	t.Parallel()
	const maxRetries = 2
	tests := []struct {
		name         string
		reply        agenttest.Reply // every attempt
		wantClass    ErrorClass
		wantAttempts int
		wantStatus   int
		wantInMsg    []string
	}{
		{
			name: "500 until the retries run out", reply: agenttest.Reply{Status: 500},
			wantClass: ServerError, wantAttempts: maxRetries + 1, wantStatus: 500, wantInMsg: []string{"after 3 attempts"},
		},
		{
			name: "502 with an HTML page", reply: agenttest.Reply{Status: 502, Body: "<html>bad gateway</html>", Headers: map[string]string{"Content-Type": "text/html"}},
			wantClass: ServerError, wantAttempts: maxRetries + 1, wantStatus: 502,
		},
		{
			name: "429 every time", reply: agenttest.Reply{Status: 429},
			wantClass: RateLimited, wantAttempts: maxRetries + 1, wantStatus: 429, wantInMsg: []string{"rate limited after 3 attempts"},
		},
		{
			name: "malformed body", reply: agenttest.Reply{Body: `{"choices": [{"message": `},
			wantClass: MalformedResponse, wantAttempts: maxRetries + 1, wantStatus: 200, wantInMsg: []string{"OpenAI-compatible"},
		},
		{
			name: "not JSON at all", reply: agenttest.Reply{Body: "<html>login page</html>"},
			wantClass: MalformedResponse, wantAttempts: maxRetries + 1, wantStatus: 200,
		},
		{
			name: "no choices", reply: agenttest.Reply{Body: `{"id":"x","choices":[]}`},
			wantClass: MalformedResponse, wantAttempts: maxRetries + 1, wantStatus: 200,
		},
		{
			name: "401 is not retried", reply: agenttest.Reply{Status: 401},
			wantClass: Auth, wantAttempts: 1, wantStatus: 401, wantInMsg: []string{"--api-key / OPENAI_API_KEY"},
		},
		{
			name: "403 is not retried", reply: agenttest.Reply{Status: 403},
			wantClass: Auth, wantAttempts: 1, wantStatus: 403, wantInMsg: []string{"--api-key"},
		},
		{
			name: "404 is not retried", reply: agenttest.Reply{Status: 404, Body: agenttest.ErrorBody("The model `gpt-9` does not exist")},
			wantClass: BadRequest, wantAttempts: 1, wantStatus: 404, wantInMsg: []string{"check --model and --base-url", "gpt-9"},
		},
		{
			name: "400 is not retried", reply: agenttest.Reply{Status: 400, Body: agenttest.ErrorBody("context length exceeded")},
			wantClass: BadRequest, wantAttempts: 1, wantStatus: 400, wantInMsg: []string{"context length exceeded"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := agenttest.NewServer(t, agenttest.WithHandler(func(agenttest.RecordedRequest) agenttest.Reply { return tt.reply }))
			c, w := newTestClient(t, srv.URL(), func(cfg *Config) { cfg.MaxRetries = maxRetries })

			_, err := c.Complete(t.Context(), userRequest(RoleSolver, "p1", "write f"))
			e := asError(t, err)
			if e.Class != tt.wantClass || e.Attempts != tt.wantAttempts || e.Status != tt.wantStatus {
				t.Errorf("class %v, attempts %d, status %d; want %v, %d, %d (%v)", e.Class, e.Attempts, e.Status, tt.wantClass, tt.wantAttempts, tt.wantStatus, err)
			}
			if got := srv.Count(); got != tt.wantAttempts {
				t.Errorf("server got %d requests, want %d", got, tt.wantAttempts)
			}
			if IsInfrastructure(err) != tt.wantClass.Infrastructure() || IsModelOutput(err) {
				t.Errorf("IsInfrastructure %v, IsModelOutput %v for %v", IsInfrastructure(err), IsModelOutput(err), tt.wantClass)
			}
			msg := err.Error()
			for _, s := range append([]string{srv.URL()}, tt.wantInMsg...) {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not say %q", msg, s)
				}
			}
			// Backoff doubles from RetryBase (jitter pinned to its ceiling).
			var wantWaits []time.Duration
			for n := range tt.wantAttempts - 1 {
				wantWaits = append(wantWaits, time.Millisecond<<n)
			}
			if diff := cmp.Diff(wantWaits, w.all()); diff != "" {
				t.Errorf("retry waits (-want +got):\n%s", diff)
			}
			a := c.Ledger().Snapshot().Total
			wantInfra := 0
			if tt.wantClass.Infrastructure() {
				wantInfra = 1
			}
			if a.Failures != 1 || a.InfraFailures != wantInfra || a.Errors[tt.wantClass.String()] != 1 ||
				a.Attempts != tt.wantAttempts || a.Retries != tt.wantAttempts-1 || a.Calls != 0 || a.Generations != 0 {
				t.Errorf("ledger %+v", a)
			}
		})
	}
}

func TestCompleteRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name     string
		header   map[string]string
		wantWait time.Duration
	}{
		{name: "seconds", header: map[string]string{"Retry-After": "7"}, wantWait: 7 * time.Second},
		{name: "HTTP date", header: map[string]string{"Retry-After": now.Add(30 * time.Second).Format(http.TimeFormat)}, wantWait: 30 * time.Second},
		{name: "milliseconds", header: map[string]string{"Retry-After-Ms": "250"}, wantWait: 250 * time.Millisecond},
		{name: "capped at RetryMax", header: map[string]string{"Retry-After": "3600"}, wantWait: time.Minute},
		{name: "absent: backoff", wantWait: time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := agenttest.NewServer(t)
			srv.ReplyWith(agenttest.Reply{Status: 429, Headers: tt.header}, agenttest.Reply{Content: "ok"})
			c, w := newTestClient(t, srv.URL(), nil)
			c.now = func() time.Time { return now }

			resp, err := c.Complete(t.Context(), userRequest(RoleCritic, "p", "score"))
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if resp.Content != "ok" || resp.Retries != 1 || srv.Count() != 2 {
				t.Errorf("content %q, retries %d, requests %d; want ok, 1, 2", resp.Content, resp.Retries, srv.Count())
			}
			if diff := cmp.Diff([]time.Duration{tt.wantWait}, w.all()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if a := c.Ledger().Snapshot().Total; a.Retries != 1 || a.Attempts != 2 || a.Calls != 1 || a.Failures != 0 {
				t.Errorf("ledger %+v: want 1 call, 2 attempts, 1 retry", a)
			}
			if f := c.Ledger().Problem("p")[RoleCritic].Faults; !cmp.Equal(f, map[string]int{"rate_limited": 1}) {
				t.Errorf("problem p critic faults %v, want the retried 429 as rate_limited 1", f)
			}
		})
	}
}

func TestCompleteRecoversFromMalformedReply(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t)
	srv.ReplyWith(agenttest.Reply{Body: "{truncated"}, agenttest.Reply{Content: "fine"})
	c, _ := newTestClient(t, srv.URL(), nil)
	resp, err := c.Complete(t.Context(), userRequest(RoleSolver, "p", "x"))
	if err != nil || resp.Content != "fine" || resp.Retries != 1 {
		t.Fatalf("Complete = %q, retries %d, %v; want fine after 1 retry", resp.Content, resp.Retries, err)
	}
}

func TestCompleteTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t, agenttest.WithHandler(func(agenttest.RecordedRequest) agenttest.Reply {
		return agenttest.Reply{Content: "late", Delay: time.Minute}
	}))
	c, w := newTestClient(t, srv.URL(), func(cfg *Config) {
		cfg.RequestTimeout = 100 * time.Millisecond
		cfg.MaxRetries = 1
	})
	_, err := c.Complete(t.Context(), userRequest(RoleSolver, "p", "x"))
	e := asError(t, err)
	if e.Class != Timeout || e.Attempts != 2 || !IsInfrastructure(err) {
		t.Errorf("class %v, attempts %d; want timeout after 2 attempts (%v)", e.Class, e.Attempts, err)
	}
	if len(w.all()) != 1 {
		t.Errorf("waits %v, want 1", w.all())
	}
	// A timed-out attempt may have been billed: its worst case is kept.
	if a := c.Ledger().Snapshot().Total; a.UnconfirmedCost <= 0 {
		t.Errorf("unconfirmed cost %g, want > 0 after timeouts", a.UnconfirmedCost)
	}
}

func TestCompleteConnectionRefused(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t)
	srv.Close()
	c, w := newTestClient(t, srv.URL(), nil)

	_, err := c.Complete(t.Context(), userRequest(RoleSolver, "p", "x"))
	e := asError(t, err)
	if e.Class != Network || e.Attempts != 3 || !IsInfrastructure(err) {
		t.Errorf("class %v, attempts %d; want network after 3 attempts (%v)", e.Class, e.Attempts, err)
	}
	if want := "is the server running at " + srv.URL() + "?"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not ask %q", err, want)
	}
	if len(w.all()) != 2 {
		t.Errorf("waits %v, want 2", w.all())
	}
	// Refused connections were never sent: nothing may have been billed.
	if a := c.Ledger().Snapshot().Total; a.UnconfirmedCost != 0 {
		t.Errorf("unconfirmed cost %g, want 0 for refused connections", a.UnconfirmedCost)
	}
}

func TestCompleteUsageOmittedIsEstimated(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t)
	content := strings.Repeat("abcd", 25) // 100 characters, ~25 tokens
	srv.ReplyWith(agenttest.Reply{Content: content, OmitUsage: true})
	c, _ := newTestClient(t, srv.URL(), nil)

	req := Request{Role: RoleThinker, Problem: "p", Messages: []Message{{Role: "user", Content: strings.Repeat("x", 400)}}}
	resp, err := c.Complete(t.Context(), req)
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	// 400 characters at 4 per token, plus the chat format's few tokens.
	if u := resp.Usage; !u.Estimated || u.PromptTokens < 100 || u.PromptTokens > 110 || u.CompletionTokens != 25 {
		t.Errorf("usage %+v, want estimated ~100 prompt and 25 completion tokens", u)
	}
	if resp.Cost <= 0 {
		t.Errorf("cost %g, want the estimate priced", resp.Cost)
	}
	a := c.Ledger().Snapshot()
	if !a.Estimated || a.Total.EstimatedCalls != 1 || a.ByRole[RoleThinker].EstimatedCalls != 1 {
		t.Errorf("accounts %+v: want the estimate flagged", a)
	}
}

func TestCompleteUnknownPriceIsFlagged(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t)
	srv.Reply("ok")
	c, _ := newTestClient(t, srv.URL(), func(cfg *Config) { cfg.Model = "qwen2.5-coder:7b" })
	resp, err := c.Complete(t.Context(), userRequest(RoleSolver, "p", "x"))
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	a := c.Ledger().Snapshot()
	if resp.Cost != 0 || a.Total.UnpricedCalls != 1 || !cmp.Equal(a.UnknownPrices, []string{"qwen2.5-coder:7b"}) {
		t.Errorf("cost %g, unpriced %d, unknown %v; want 0, 1, [qwen2.5-coder:7b]", resp.Cost, a.Total.UnpricedCalls, a.UnknownPrices)
	}
}

func TestCancelMidRetryReturnsPromptly(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t, agenttest.WithHandler(func(agenttest.RecordedRequest) agenttest.Reply {
		return agenttest.Reply{Status: 503}
	}))
	c, _ := newTestClient(t, srv.URL(), func(cfg *Config) {
		cfg.RetryBase = time.Hour
		cfg.RetryMax = time.Hour
	})
	waiting := make(chan struct{})
	c.sleep = func(ctx context.Context, d time.Duration) error {
		close(waiting)
		return sleepCtx(ctx, d) // the real wait, an hour long
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := c.Complete(ctx, userRequest(RoleSolver, "p", "x"))
		done <- err
	}()
	<-waiting
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
		if IsInfrastructure(err) {
			t.Errorf("a cancelled call counted as infrastructure: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Complete did not return after cancel")
	}
	if srv.Count() != 1 {
		t.Errorf("server got %d requests, want 1", srv.Count())
	}
	if a := c.Ledger().Snapshot().Total; a.Errors["canceled"] != 1 || a.InfraFailures != 0 {
		t.Errorf("ledger %+v: want one canceled call, no infrastructure failure", a)
	}
}

func TestCompleteDeadlineShorterThanWaitFailsFast(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t)
	srv.ReplyWith(agenttest.Reply{Status: 429, Headers: map[string]string{"Retry-After": "30"}})
	c, w := newTestClient(t, srv.URL(), nil)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := c.Complete(ctx, userRequest(RoleSolver, "p", "x"))
	if ClassOf(err) != RateLimited || len(w.all()) != 0 {
		t.Errorf("error %v after waits %v; want rate_limited at once", err, w.all())
	}
}

func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	const limit, calls = 3, 24
	srv := agenttest.NewServer(t, agenttest.WithHandler(func(agenttest.RecordedRequest) agenttest.Reply {
		return agenttest.Reply{Content: "ok", Delay: 30 * time.Millisecond}
	}))
	c, _ := newTestClient(t, srv.URL(), func(cfg *Config) { cfg.Concurrency = limit })
	var wg sync.WaitGroup
	errs := make([]error, calls)
	for i := range calls {
		wg.Go(func() { _, errs[i] = c.Complete(t.Context(), userRequest(RoleSolver, "p", "x")) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if got := srv.InFlightMax(); got > limit || got < 2 {
		t.Errorf("at most %d requests in flight, want 2..%d", got, limit)
	}
	if srv.Count() != calls {
		t.Errorf("server got %d requests, want %d", srv.Count(), calls)
	}
}

// TestSampleSeeds: independent samples of one prompt carry distinct,
// reproducible seeds.
func TestSampleSeeds(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t)
	seed := 7
	for _, tc := range []struct {
		seed   *int
		sample int
		want   *int
	}{{nil, 0, nil}, {nil, 2, intPtr(2)}, {&seed, 0, intPtr(7)}, {&seed, 3, intPtr(10)}} {
		srv.Reply("ok")
		cfg := DefaultConfig()
		cfg.Model, cfg.BaseURL, cfg.Seed, cfg.MaxRetries = "m", srv.URL(), tc.seed, 0
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Complete(t.Context(), Request{Messages: []Message{{Role: "user", Content: "hi"}}, Sample: tc.sample}); err != nil {
			t.Fatal(err)
		}
		c.Close()
		reqs := srv.Requests()
		got := reqs[len(reqs)-1].Seed
		if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
			t.Errorf("seed %v sample %d: sent %v, want %v", tc.seed, tc.sample, deref(got), deref(tc.want))
		}
	}
}

func intPtr(i int) *int { return &i }

// TestCompleteSimulatedHeader: a response carrying SimulatedHeader: true is
// marked Simulated, the client remembers it, and a cached answer recorded
// from such a response is still marked on replay.
func TestCompleteSimulatedHeader(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		headers map[string]string
		want    bool
	}{
		{"no header", nil, false},
		{"header true", map[string]string{SimulatedHeader: "true"}, true},
		{"header false", map[string]string{SimulatedHeader: "false"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := agenttest.NewServer(t)
			srv.ReplyWith(agenttest.Reply{Content: "4", Headers: tt.headers}, agenttest.Reply{Content: "5"})
			path := filepath.Join(t.TempDir(), "cache.jsonl")
			c, _ := newTestClient(t, srv.URL(), func(cfg *Config) { cfg.Cache = CacheConfig{Path: path, Mode: CacheReadWrite} })
			if c.Simulated() {
				t.Fatal("Simulated before any call")
			}
			resp, err := c.Complete(t.Context(), userRequest(RoleCritic, "p", "score it"))
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if resp.Simulated != tt.want || c.Simulated() != tt.want {
				t.Errorf("Response.Simulated %v, Client.Simulated() %v; want %v", resp.Simulated, c.Simulated(), tt.want)
			}
			// The next answer has no header: the client still remembers.
			if _, err := c.Complete(t.Context(), userRequest(RoleCritic, "p", "again")); err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if c.Simulated() != tt.want {
				t.Errorf("after a plain answer, Client.Simulated() %v; want %v", c.Simulated(), tt.want)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			replay, _ := newTestClient(t, "", func(cfg *Config) { cfg.Cache = CacheConfig{Path: path, Mode: CacheReplay} })
			resp, err = replay.Complete(t.Context(), userRequest(RoleCritic, "p", "score it"))
			if err != nil {
				t.Fatalf("replay: %v", err)
			}
			if !resp.Cached || resp.Simulated != tt.want || replay.Simulated() != tt.want {
				t.Errorf("replayed: Cached %v, Simulated %v, Client.Simulated() %v; want cached, %v", resp.Cached, resp.Simulated, replay.Simulated(), tt.want)
			}
		})
	}
}
