package agent

import (
	"maps"
	"slices"
	"sync"
)

// Tally sums the calls of a run, a role or a problem.
type Tally struct {
	// Calls is the number of calls the server answered.
	Calls int `json:"calls"`
	// CacheHits is the number of calls answered from the cache: no
	// request, no cost, tokens counted apart in CachedTokens.
	CacheHits int `json:"cache_hits"`
	// Generations counts Solver and Debugger outputs, cache hits included.
	Generations int `json:"generations"`
	// Attempts is the number of HTTP requests sent; Retries those after a
	// call's first.
	Attempts int `json:"attempts"`
	Retries  int `json:"retries"`
	// Failures is the number of calls that returned an error,
	// InfraFailures those of an infrastructure class; Errors counts them
	// by class name ("canceled" and "deadline_exceeded" when the caller's
	// context ended the call).
	Failures      int            `json:"failures"`
	InfraFailures int            `json:"infra_failures"`
	Errors        map[string]int `json:"errors,omitempty"`
	// PromptTokens and CompletionTokens are the tokens of the calls the
	// server answered (estimated for EstimatedCalls of them).
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	EstimatedCalls   int `json:"estimated_calls"`
	// CachedTokens is the total tokens of the cache hits, as recorded.
	CachedTokens int `json:"cached_tokens"`
	// Cost is the priced cost of the answered calls in US dollars;
	// UnpricedCalls were made to a model without a price (cost 0).
	Cost          float64 `json:"cost_usd"`
	UnpricedCalls int     `json:"unpriced_calls"`
	// UnconfirmedCost is the worst-case cost of attempts that failed after
	// the request was sent (timeouts, malformed replies, dropped
	// connections): the provider may have billed them. Budget.MaxCost
	// counts it as spent.
	UnconfirmedCost float64 `json:"unconfirmed_cost_usd"`
	// Faults counts failed attempts by error class, the retried ones
	// included: what the endpoint did, where Errors is what the caller
	// saw.
	Faults map[string]int `json:"faults,omitempty"`
}

// Tokens is prompt plus completion tokens of the answered calls.
func (t Tally) Tokens() int { return t.PromptTokens + t.CompletionTokens }

// Accounts is a snapshot of a Ledger, shaped for a JSON summary.
type Accounts struct {
	Total     Tally            `json:"total"`
	ByRole    map[Role]Tally   `json:"by_role"`
	ByProblem map[string]Tally `json:"by_problem"`
	// Estimated is true when some usage was estimated from the text (the
	// server sent none).
	Estimated bool `json:"estimated"`
	// UnknownPrices lists the models called without a known price.
	UnknownPrices []string `json:"unknown_prices,omitempty"`
}

// Ledger accounts for the calls of a Client. It is safe for concurrent use;
// the zero value is ready.
type Ledger struct {
	mu        sync.Mutex
	total     Tally
	byRole    map[Role]*Tally
	byProblem map[string]*Tally
	// perProblem splits each problem's tally by role.
	perProblem map[string]map[Role]*Tally
	unpriced   map[string]bool
}

// entry is one event for the ledger: a finished call (answered, cached or
// failed) or an unconfirmed attempt.
type entry struct {
	role    Role
	problem string
	model   string

	// answered call
	answered bool
	usage    Usage
	cost     float64
	priced   bool
	// cache hit
	cached bool
	// every finished call
	finished bool
	attempts int
	class    ErrorClass // ClassUnknown when the call succeeded
	failed   bool
	errName  string // the Errors key; the class name when empty
	// unconfirmed attempt
	unconfirmed float64
	// failed attempt, retried or not: its class name
	fault string
}

func (l *Ledger) record(e entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byRole == nil {
		l.byRole = make(map[Role]*Tally)
		l.byProblem = make(map[string]*Tally)
		l.perProblem = make(map[string]map[Role]*Tally)
		l.unpriced = make(map[string]bool)
	}
	roles := l.perProblem[e.problem]
	if roles == nil {
		roles = make(map[Role]*Tally)
		l.perProblem[e.problem] = roles
	}
	if e.answered && !e.priced {
		l.unpriced[e.model] = true
	}
	for _, t := range []*Tally{&l.total, tallyOf(l.byRole, e.role), tallyOf(l.byProblem, e.problem), tallyOf(roles, e.role)} {
		t.add(e)
	}
}

func tallyOf[K comparable](m map[K]*Tally, k K) *Tally {
	t := m[k]
	if t == nil {
		t = &Tally{}
		m[k] = t
	}
	return t
}

func (t *Tally) add(e entry) {
	t.UnconfirmedCost += e.unconfirmed
	if e.fault != "" {
		if t.Faults == nil {
			t.Faults = make(map[string]int)
		}
		t.Faults[e.fault]++
	}
	if !e.finished {
		return
	}
	t.Attempts += e.attempts
	t.Retries += max(0, e.attempts-1)
	switch {
	case e.failed:
		t.Failures++
		if e.class.Infrastructure() {
			t.InfraFailures++
		}
		if t.Errors == nil {
			t.Errors = make(map[string]int)
		}
		name := e.errName
		if name == "" {
			name = e.class.String()
		}
		t.Errors[name]++
		return
	case e.cached:
		t.CacheHits++
		t.CachedTokens += e.usage.Total()
	case e.answered:
		t.Calls++
		t.PromptTokens += e.usage.PromptTokens
		t.CompletionTokens += e.usage.CompletionTokens
		t.Cost += e.cost
		if e.usage.Estimated {
			t.EstimatedCalls++
		}
		if !e.priced {
			t.UnpricedCalls++
		}
	}
	if countsAsGeneration(e.role) {
		t.Generations++
	}
}

// Snapshot copies the accounts.
func (l *Ledger) Snapshot() Accounts {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := Accounts{
		Total:         l.total.clone(),
		ByRole:        make(map[Role]Tally, len(l.byRole)),
		ByProblem:     make(map[string]Tally, len(l.byProblem)),
		Estimated:     l.total.EstimatedCalls > 0,
		UnknownPrices: slices.Sorted(maps.Keys(l.unpriced)),
	}
	for k, t := range l.byRole {
		a.ByRole[k] = t.clone()
	}
	for k, t := range l.byProblem {
		a.ByProblem[k] = t.clone()
	}
	return a
}

// Problem is one problem's tally by role (nil if it made no call).
func (l *Ledger) Problem(id string) map[Role]Tally {
	l.mu.Lock()
	defer l.mu.Unlock()
	roles := l.perProblem[id]
	if roles == nil {
		return nil
	}
	out := make(map[Role]Tally, len(roles))
	for r, t := range roles {
		out[r] = t.clone()
	}
	return out
}

func (t *Tally) clone() Tally {
	c := *t
	c.Errors = maps.Clone(t.Errors)
	c.Faults = maps.Clone(t.Faults)
	return c
}

// Add sums o into t.
func (t *Tally) Add(o Tally) {
	t.Calls += o.Calls
	t.CacheHits += o.CacheHits
	t.Generations += o.Generations
	t.Attempts += o.Attempts
	t.Retries += o.Retries
	t.Failures += o.Failures
	t.InfraFailures += o.InfraFailures
	t.PromptTokens += o.PromptTokens
	t.CompletionTokens += o.CompletionTokens
	t.EstimatedCalls += o.EstimatedCalls
	t.CachedTokens += o.CachedTokens
	t.Cost += o.Cost
	t.UnpricedCalls += o.UnpricedCalls
	t.UnconfirmedCost += o.UnconfirmedCost
	t.Errors = addCounts(t.Errors, o.Errors)
	t.Faults = addCounts(t.Faults, o.Faults)
}

func addCounts(dst, src map[string]int) map[string]int {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(map[string]int, len(src))
	}
	for k, v := range src {
		dst[k] += v
	}
	return dst
}
