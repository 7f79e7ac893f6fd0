package agent

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/codetree/codetree/agent/agenttest"
)

// dollarPerToken prices every token at $1, so costs are token counts.
var dollarPerToken = PriceTable{"test-model": {Prompt: 1e6, Completion: 1e6}}

func hi(role Role, problem string) Request {
	return Request{Role: role, Problem: problem, Messages: []Message{{Role: "user", Content: "hi"}}}
}

// worstCase is what the client reserves for req.
func worstCase(c *Client, req Request) (tokens int, cost float64) {
	p := c.plan(req)
	tokens = p.reserveTokens + p.maxTokens
	return tokens, c.price.Cost(Usage{PromptTokens: p.reserveTokens, CompletionTokens: p.maxTokens})
}

func budgetClient(t *testing.T, url string, b Budget) *Client {
	t.Helper()
	c, _ := newTestClient(t, url, func(cfg *Config) {
		cfg.Model = "test-model"
		cfg.Prices = dollarPerToken
		cfg.MaxTokens = 10
		cfg.Budget = b
	})
	return c
}

func TestCostCapRefusesBeforeTheCall(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t, agenttest.WithHandler(func(agenttest.RecordedRequest) agenttest.Reply {
		return agenttest.Reply{Content: "ok", Usage: &agenttest.Usage{PromptTokens: 2, CompletionTokens: 3}} // $5
	}))
	probe := budgetClient(t, srv.URL(), Budget{})
	_, worst := worstCase(probe, hi(RoleSolver, "p"))

	// Room for the worst case after two calls of $5, not after three.
	c := budgetClient(t, srv.URL(), Budget{MaxCost: worst + 10})
	for i := range 3 {
		if _, err := c.Complete(t.Context(), hi(RoleSolver, "p")); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	_, err := c.Complete(t.Context(), hi(RoleSolver, "p"))
	if ClassOf(err) != BudgetExceeded || !strings.Contains(err.Error(), "cost cap") {
		t.Fatalf("call 4: %v, want budget_exceeded naming the cost cap", err)
	}
	if IsInfrastructure(err) {
		t.Errorf("a budget refusal counted as infrastructure")
	}
	if srv.Count() != 3 {
		t.Errorf("server got %d requests, want 3: the refused call must not be sent", srv.Count())
	}
	a := c.Ledger().Snapshot().Total
	if a.Cost != 15 || a.Calls != 3 || a.Errors["budget_exceeded"] != 1 || a.Attempts != 3 {
		t.Errorf("ledger %+v: want $15 over 3 calls, 1 refusal, 3 attempts", a)
	}
}

func TestCostCapHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := agenttest.NewServer(t, agenttest.WithHandler(func(r agenttest.RecordedRequest) agenttest.Reply {
		<-release
		return agenttest.Reply{Content: "ok", Usage: &agenttest.Usage{PromptTokens: 8, CompletionTokens: 10}}
	}))
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	probe := budgetClient(t, srv.URL(), Budget{})
	_, worst := worstCase(probe, hi(RoleSolver, "p"))

	const calls = 10
	maxCost := 2.5 * worst // two calls' worst cases fit, three do not
	c := budgetClient(t, srv.URL(), Budget{MaxCost: maxCost})
	results := make(chan error, calls)
	for i := range calls {
		go func() {
			_, err := c.Complete(t.Context(), hi(RoleSolver, "p"+string(rune('a'+i))))
			results <- err
		}()
	}
	// Two calls hold the budget while the server holds them; the other
	// eight must be refused without reaching it.
	deadline := time.After(10 * time.Second)
	for range calls - 2 {
		select {
		case err := <-results:
			if ClassOf(err) != BudgetExceeded {
				t.Fatalf("error %v, want budget_exceeded", err)
			}
		case <-deadline:
			t.Fatalf("refusals did not come; server has %d requests", srv.Count())
		}
	}
	close(release)
	for range 2 {
		if err := <-results; err != nil {
			t.Errorf("admitted call: %v", err)
		}
	}
	if srv.Count() != 2 {
		t.Errorf("server got %d requests, want 2", srv.Count())
	}
	if a := c.Ledger().Snapshot().Total; a.Cost > maxCost || a.Calls != 2 {
		t.Errorf("spent $%g over %d calls, cap $%g", a.Cost, a.Calls, maxCost)
	}
}

func TestGenerationsPerProblem(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t)
	srv.ReplyWith(agenttest.Reply{Status: 400}) // a failed call makes no generation
	srv.Handle(func(agenttest.RecordedRequest) agenttest.Reply { return agenttest.Reply{Content: "ok"} })
	c := budgetClient(t, srv.URL(), Budget{MaxGenerationsPerProblem: 2})

	steps := []struct {
		role    Role
		problem string
		want    ErrorClass
	}{
		{RoleSolver, "p1", BadRequest},
		{RoleSolver, "p1", ClassUnknown},
		{RoleDebugger, "p1", ClassUnknown},
		{RoleDebugger, "p1", BudgetExceeded},
		{RoleSolver, "p1", BudgetExceeded},
		{RoleCritic, "p1", ClassUnknown}, // not a generation
		{RoleThinker, "p1", ClassUnknown},
		{RoleSolver, "p2", ClassUnknown}, // another problem
	}
	for i, s := range steps {
		_, err := c.Complete(t.Context(), hi(s.role, s.problem))
		if got := ClassOf(err); got != s.want || (s.want == ClassUnknown) != (err == nil) {
			t.Errorf("step %d (%s on %s): error %v, want class %v", i, s.role, s.problem, err, s.want)
		}
	}
	if srv.Count() != 6 {
		t.Errorf("server got %d requests, want 6", srv.Count())
	}
	if g := c.Ledger().Snapshot().ByProblem["p1"].Generations; g != 2 {
		t.Errorf("p1 generations %d, want 2", g)
	}
}

func TestTokensPerProblem(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t, agenttest.WithHandler(func(agenttest.RecordedRequest) agenttest.Reply {
		return agenttest.Reply{Content: "ok", Usage: &agenttest.Usage{PromptTokens: 8, CompletionTokens: 2}} // 10 tokens
	}))
	probe := budgetClient(t, srv.URL(), Budget{})
	worst, _ := worstCase(probe, hi(RoleSolver, "p"))

	// Room for two calls' real tokens plus one worst case, not for three.
	c := budgetClient(t, srv.URL(), Budget{MaxTokensPerProblem: 20 + worst - 1})
	for i, role := range []Role{RoleSolver, RoleCritic} { // every role counts
		if _, err := c.Complete(t.Context(), hi(role, "p")); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	_, err := c.Complete(t.Context(), hi(RoleThinker, "p"))
	if ClassOf(err) != BudgetExceeded || !strings.Contains(err.Error(), `problem "p"`) {
		t.Errorf("call 3: %v, want budget_exceeded for problem p", err)
	}
	if _, err := c.Complete(t.Context(), hi(RoleThinker, "q")); err != nil {
		t.Errorf("another problem: %v", err)
	}
	if srv.Count() != 3 {
		t.Errorf("server got %d requests, want 3", srv.Count())
	}
}

func TestCacheHitsAndBudget(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t, agenttest.WithHandler(func(agenttest.RecordedRequest) agenttest.Reply {
		return agenttest.Reply{Content: "ok", Usage: &agenttest.Usage{PromptTokens: 2, CompletionTokens: 3}}
	}))
	probe := budgetClient(t, srv.URL(), Budget{})
	_, worst := worstCase(probe, hi(RoleSolver, "p"))

	path := filepath.Join(t.TempDir(), "cache.jsonl")
	c, _ := newTestClient(t, srv.URL(), func(cfg *Config) {
		cfg.Model, cfg.Prices, cfg.MaxTokens = "test-model", dollarPerToken, 10
		cfg.Budget = Budget{MaxCost: worst, MaxGenerationsPerProblem: 2}
		cfg.Cache = CacheConfig{Path: path, Mode: CacheReadWrite}
	})
	if _, err := c.Complete(t.Context(), hi(RoleSolver, "p")); err != nil {
		t.Fatalf("first call: %v", err)
	}
	// The cap has no room for another call, but a cache hit costs nothing.
	resp, err := c.Complete(t.Context(), hi(RoleSolver, "p"))
	if err != nil || !resp.Cached || resp.Cost != 0 {
		t.Fatalf("cache hit: cached %v, cost %g, %v", resp.Cached, resp.Cost, err)
	}
	other := hi(RoleCritic, "p")
	other.Messages[0].Content = "something new"
	if _, err := c.Complete(t.Context(), other); ClassOf(err) != BudgetExceeded {
		t.Errorf("new call: %v, want budget_exceeded", err)
	}
	// Cache hits count as generations, so a replay decides the same way.
	if _, err := c.Complete(t.Context(), hi(RoleSolver, "p")); ClassOf(err) != BudgetExceeded {
		t.Errorf("third generation: %v, want budget_exceeded", err)
	}
	if srv.Count() != 1 {
		t.Errorf("server got %d requests, want 1", srv.Count())
	}
	a := c.Ledger().Snapshot().Total
	if a.Cost != 5 || a.CacheHits != 1 || a.Generations != 2 || a.CachedTokens != 5 {
		t.Errorf("ledger %+v: want $5, 1 hit, 2 generations, 5 cached tokens", a)
	}
}

func TestBudgetErrorIsAgentError(t *testing.T) {
	t.Parallel()
	g := newGuard(Budget{MaxCost: 1})
	h, err := g.holdCost(0.75, "test")
	if err != nil {
		t.Fatalf("hold: %v", err)
	}
	if _, err := g.holdCost(0.5, "test"); ClassOf(err) != BudgetExceeded {
		t.Fatalf("second hold: %v, want budget_exceeded", err)
	}
	h.release()
	if _, err := g.holdCost(0.5, "test"); err != nil {
		t.Errorf("after release: %v", err)
	}
	var e *Error
	if _, err := g.holdCost(0.6, "test"); !errors.As(err, &e) || e.Attempts != 0 {
		t.Errorf("error %v, want an *Error with no attempt", err)
	}
}
