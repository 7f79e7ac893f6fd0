package agent

import (
	"errors"
	"fmt"
	"sync"
)

// Budget caps a run. Zero fields are unlimited. Every limit is checked
// before the call it would stop, under concurrency too, by reserving the
// call's worst case; a refused call is a BudgetExceeded error and is not
// sent.
type Budget struct {
	// MaxCost caps the run's cost in US dollars. Before each attempt the
	// client reserves its worst-case cost (the prompt estimated at 3 bytes
	// per token plus the call's max tokens, priced) and refuses it if spent
	// + reserved + this reservation would pass MaxCost. Cache hits cost
	// nothing. Attempts that failed after the request was sent (timeouts,
	// malformed replies, dropped connections) may have been billed, so
	// their reservation counts as spent.
	MaxCost float64
	// MaxGenerationsPerProblem caps the Solver and Debugger outputs of one
	// problem (cache hits included, so a replay decides the same way).
	MaxGenerationsPerProblem int
	// MaxTokensPerProblem caps the tokens (prompt + completion, all roles,
	// cache hits included) of one problem. A call is refused when its worst
	// case (prompt estimate plus max tokens; the prompt alone when max
	// tokens is 0) could pass the cap; failed calls count nothing.
	MaxTokensPerProblem int
}

func (b Budget) check() error {
	var errs []error
	if !validPrice(b.MaxCost) {
		errs = append(errs, fmt.Errorf("budget: max cost %g: want 0 (no cap) or more", b.MaxCost))
	}
	if b.MaxGenerationsPerProblem < 0 {
		errs = append(errs, fmt.Errorf("budget: max generations per problem %d: want 0 (no cap) or more", b.MaxGenerationsPerProblem))
	}
	if b.MaxTokensPerProblem < 0 {
		errs = append(errs, fmt.Errorf("budget: max tokens per problem %d: want 0 (no cap) or more", b.MaxTokensPerProblem))
	}
	return errors.Join(errs...)
}

// countsAsGeneration reports whether a role's output is a code generation.
func countsAsGeneration(r Role) bool { return r == RoleSolver || r == RoleDebugger }

// guard enforces a Budget. Reservations are taken and settled under one
// mutex, so concurrent calls cannot overshoot together.
type guard struct {
	b Budget

	mu       sync.Mutex
	spent    float64 // settled costs plus unconfirmed attempts
	reserved float64 // worst cases of attempts in flight
	problems map[string]*problemUse
}

type problemUse struct {
	gens, heldGens     int
	tokens, heldTokens int
}

func newGuard(b Budget) *guard {
	return &guard{b: b, problems: make(map[string]*problemUse)}
}

func budgetError(format string, args ...any) error {
	return &Error{Class: BudgetExceeded, Err: fmt.Errorf(format, args...)}
}

// problemHold is the per-problem reservation of one call.
type problemHold struct {
	g       *guard
	use     *problemUse
	gen     bool
	tokens  int
	settled bool
}

// holdProblem reserves a generation (Solver, Debugger) and worstTokens for
// problem, or refuses.
func (g *guard) holdProblem(role Role, problem string, worstTokens int) (*problemHold, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	u := g.problems[problem]
	if u == nil {
		u = &problemUse{}
		g.problems[problem] = u
	}
	gen := countsAsGeneration(role)
	if limit := g.b.MaxGenerationsPerProblem; gen && limit > 0 && u.gens+u.heldGens >= limit {
		return nil, budgetError("problem %q: all %d generations used (%d done, %d in flight)", problem, limit, u.gens, u.heldGens)
	}
	if limit := g.b.MaxTokensPerProblem; limit > 0 && u.tokens+u.heldTokens+worstTokens > limit {
		return nil, budgetError("problem %q: %d tokens used + %d in flight + up to %d for this call would pass the limit of %d",
			problem, u.tokens, u.heldTokens, worstTokens, limit)
	}
	h := &problemHold{g: g, use: u, gen: gen, tokens: worstTokens}
	if gen {
		u.heldGens++
	}
	u.heldTokens += worstTokens
	return h, nil
}

// settle replaces the reservation with the real tokens and counts the
// generation.
func (h *problemHold) settle(tokens int) { h.finish(tokens, true) }

// release drops the reservation of a call that produced nothing.
func (h *problemHold) release() { h.finish(0, false) }

func (h *problemHold) finish(tokens int, produced bool) {
	h.g.mu.Lock()
	defer h.g.mu.Unlock()
	if h.settled {
		return
	}
	h.settled = true
	h.use.heldTokens -= h.tokens
	h.use.tokens += tokens
	if h.gen {
		h.use.heldGens--
		if produced {
			h.use.gens++
		}
	}
}

// costHold is the cost reservation of one attempt.
type costHold struct {
	g       *guard
	amount  float64
	settled bool
}

// holdCost reserves worst dollars, or refuses when the cap could be passed.
// why describes the worst case for the error message.
func (g *guard) holdCost(worst float64, why string) (*costHold, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if limit := g.b.MaxCost; limit > 0 && g.spent+g.reserved+worst > limit {
		return nil, budgetError("cost cap $%.4f: spent $%.4f + in flight $%.4f + this call's worst case $%.4f (%s) would pass it",
			limit, g.spent, g.reserved, worst, why)
	}
	g.reserved += worst
	return &costHold{g: g, amount: worst}, nil
}

// settle replaces the reservation with the real cost.
func (h *costHold) settle(cost float64) { h.finish(cost) }

// unconfirmed counts the whole reservation as spent: the attempt failed
// after the request was sent and may have been billed.
func (h *costHold) unconfirmed() { h.finish(h.amount) }

// release drops the reservation of an attempt that was not billed.
func (h *costHold) release() { h.finish(0) }

func (h *costHold) finish(spent float64) {
	h.g.mu.Lock()
	defer h.g.mu.Unlock()
	if h.settled {
		return
	}
	h.settled = true
	h.g.reserved -= h.amount
	h.g.spent += spent
}
