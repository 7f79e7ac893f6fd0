package treesearch

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/codetree/codetree/agent"
)

// Temperatures are sampling temperatures by role. A request that sets its
// own temperature keeps it; a role without an entry gets the client's.
type Temperatures map[agent.Role]float64

// DefaultTemperatures are the released CodeTree code's temperatures for
// a strategy: resample samples the Solver at 1.0, reflexion runs at 0.8,
// the tree searches and direct at 0 (greedy). The Critic is always at 0.
func DefaultTemperatures(strategy string) Temperatures {
	t := Temperatures{agent.RoleThinker: 0, agent.RoleSolver: 0, agent.RoleDebugger: 0, agent.RoleCritic: 0}
	switch strategy {
	case "resample":
		t[agent.RoleSolver] = 1.0
	case "reflexion":
		t[agent.RoleThinker], t[agent.RoleSolver], t[agent.RoleDebugger] = 0.8, 0.8, 0.8
	}
	return t
}

// ParseTemperatures reads "role=value,..." (roles thinker, solver,
// debugger, critic; values 0 to 2) into t, overriding its
// entries, and returns t.
func ParseTemperatures(t Temperatures, s string) (Temperatures, error) {
	if t == nil {
		t = Temperatures{}
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q: want role=value, for example solver=1.0", part)
		}
		role := agent.Role(strings.ToLower(strings.TrimSpace(name)))
		switch role {
		case agent.RoleThinker, agent.RoleSolver, agent.RoleDebugger, agent.RoleCritic:
		default:
			return nil, fmt.Errorf("%q: unknown role %q (use thinker, solver, debugger or critic)", part, name)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || v < 0 || v > 2 {
			return nil, fmt.Errorf("%q: the temperature must be a number from 0 to 2", part)
		}
		t[role] = v
	}
	return t, nil
}

// SetAll sets every role of t to v.
func (t Temperatures) SetAll(v float64) {
	for role := range t {
		t[role] = v
	}
}

// String is "role=value,..." in role order, as ParseTemperatures reads it.
func (t Temperatures) String() string {
	var parts []string
	for _, role := range slices.Sorted(maps.Keys(t)) {
		parts = append(parts, fmt.Sprintf("%s=%g", role, t[role]))
	}
	return strings.Join(parts, ",")
}

// Wrap returns c with t's temperatures set on its requests (c itself when
// t is empty).
func (t Temperatures) Wrap(c agent.Completer) agent.Completer {
	if len(t) == 0 || c == nil {
		return c
	}
	return tempered{c: c, t: t}
}

// tempered sets a request's temperature from its role.
type tempered struct {
	c agent.Completer
	t Temperatures
}

func (w tempered) Complete(ctx context.Context, req agent.Request) (agent.Response, error) {
	if v, ok := w.t[req.Role]; ok && req.Temperature == nil {
		req.Temperature = &v
	}
	return w.c.Complete(ctx, req)
}
