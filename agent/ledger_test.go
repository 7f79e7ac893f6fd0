package agent

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

func TestLedgerSumsByRoleAndProblem(t *testing.T) {
	t.Parallel()
	var l Ledger
	l.record(entry{role: RoleSolver, problem: "p1", model: "m", finished: true, answered: true, priced: true, attempts: 2,
		usage: Usage{PromptTokens: 10, CompletionTokens: 5}, cost: 0.5})
	l.record(entry{role: RoleCritic, problem: "p1", model: "x", finished: true, answered: true, attempts: 1,
		usage: Usage{PromptTokens: 4, CompletionTokens: 4, Estimated: true}})
	l.record(entry{role: RoleDebugger, problem: "p2", finished: true, cached: true, usage: Usage{PromptTokens: 3, CompletionTokens: 3}})
	l.record(entry{role: RoleSolver, problem: "p2", finished: true, failed: true, class: ServerError, attempts: 3})
	l.record(entry{role: RoleSolver, problem: "p2", finished: true, failed: true, class: BudgetExceeded})
	l.record(entry{role: RoleSolver, problem: "p2", unconfirmed: 0.25})

	a := l.Snapshot()
	want := Tally{
		Calls: 2, CacheHits: 1, Generations: 2, Attempts: 6, Retries: 3, Failures: 2, InfraFailures: 1,
		Errors: map[string]int{"server_error": 1, "budget_exceeded": 1}, PromptTokens: 14, CompletionTokens: 9,
		EstimatedCalls: 1, CachedTokens: 6, Cost: 0.5, UnpricedCalls: 1, UnconfirmedCost: 0.25,
	}
	if !jsonEqual(t, a.Total, want) {
		t.Errorf("total %+v\nwant  %+v", a.Total, want)
	}
	if s := a.ByRole[RoleSolver]; s.Calls != 1 || s.Failures != 2 || s.Generations != 1 || s.Cost != 0.5 {
		t.Errorf("solver %+v", s)
	}
	if p := a.ByProblem["p2"]; p.CacheHits != 1 || p.Generations != 1 || p.Failures != 2 || p.UnconfirmedCost != 0.25 {
		t.Errorf("p2 %+v", p)
	}
	if !a.Estimated || len(a.UnknownPrices) != 1 || a.UnknownPrices[0] != "x" {
		t.Errorf("estimated %v, unknown prices %v", a.Estimated, a.UnknownPrices)
	}

	p2 := l.Problem("p2")
	if s := p2[RoleSolver]; s.Failures != 2 || s.UnconfirmedCost != 0.25 || p2[RoleDebugger].CacheHits != 1 || len(p2) != 2 {
		t.Errorf("p2 by role %+v", p2)
	}
	if l.Problem("nope") != nil {
		t.Errorf("a problem without calls has a tally")
	}

	// A snapshot is a copy.
	a.Total.Errors["server_error"] = 99
	if l.Snapshot().Total.Errors["server_error"] != 1 {
		t.Errorf("editing a snapshot changed the ledger")
	}
	js, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"by_role":{`, `"by_problem":{`, `"solver":`, `"cost_usd":`, `"unknown_prices":["x"]`, `"estimated":true`} {
		if !strings.Contains(string(js), k) {
			t.Errorf("JSON %s lacks %s", js, k)
		}
	}
}

func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return string(x) == string(y)
}

func TestLedgerConcurrent(t *testing.T) {
	t.Parallel()
	var l Ledger
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			l.record(entry{role: RoleSolver, problem: "p", finished: true, answered: true, priced: true, attempts: 1,
				usage: Usage{PromptTokens: 1, CompletionTokens: 1}, cost: 1})
			_ = l.Snapshot()
		})
	}
	wg.Wait()
	if a := l.Snapshot().Total; a.Calls != 50 || a.Cost != 50 || a.Generations != 50 {
		t.Errorf("total %+v, want 50 calls, $50, 50 generations", a)
	}
}

func TestLedgerFaultsAndAdd(t *testing.T) {
	t.Parallel()
	var l Ledger
	l.record(entry{role: RoleSolver, problem: "p", fault: "rate_limit"})
	l.record(entry{role: RoleSolver, problem: "p", fault: "rate_limit", unconfirmed: 0.5})
	l.record(entry{role: RoleSolver, problem: "p", fault: "server_error"})
	l.record(entry{role: RoleSolver, problem: "p", finished: true, answered: true, attempts: 4, usage: Usage{PromptTokens: 2, CompletionTokens: 1}})
	got := l.Problem("p")[RoleSolver]
	want := Tally{Calls: 1, Generations: 1, Attempts: 4, Retries: 3, PromptTokens: 2, CompletionTokens: 1,
		UnpricedCalls: 1, UnconfirmedCost: 0.5, Faults: map[string]int{"rate_limit": 2, "server_error": 1}}
	if !jsonEqual(t, got, want) {
		t.Errorf("tally %+v\nwant  %+v", got, want)
	}
	var sum Tally
	sum.Add(got)
	sum.Add(Tally{Calls: 2, Cost: 1.5, Faults: map[string]int{"timeout": 1}, Errors: map[string]int{"timeout": 1}})
	if sum.Calls != 3 || sum.Cost != 1.5 || sum.Retries != 3 || sum.Tokens() != 3 ||
		!jsonEqual(t, sum.Faults, map[string]int{"rate_limit": 2, "server_error": 1, "timeout": 1}) || sum.Errors["timeout"] != 1 {
		t.Errorf("sum %+v", sum)
	}
	sum.Faults["rate_limit"] = 99
	if got.Faults["rate_limit"] != 2 {
		t.Errorf("Add shares the faults map of its argument")
	}
}
