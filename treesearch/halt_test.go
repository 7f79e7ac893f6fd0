package treesearch

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestRunHaltsOnHopelessErrors: with Concurrency 1, after HaltAfter
// problems in a row end in an error Halt calls hopeless, Run schedules no
// more and returns a *HaltError; a result in between resets the count;
// errors Halt does not call hopeless never stop the run.
func TestRunHaltsOnHopelessErrors(t *testing.T) {
	t.Parallel()
	hopeless := func(err error) bool { return strings.Contains(err.Error(), "503") }
	for _, tc := range []struct {
		name      string
		codes     []string // the fake's behaviour per problem, in order
		halt      func(error) bool
		attempted int // problems with a result or an error line
		halted    bool
	}{
		{"dead endpoint", []string{"err", "err", "err", "ok", "ok", "ok"}, hopeless, 3, true},
		{"a result resets", []string{"err", "err", "ok", "err", "err", "ok"}, hopeless, 6, false},
		{"transient errors", []string{"err", "err", "err", "ok", "ok", "ok"}, func(error) bool { return false }, 6, false},
		{"no halt rule", []string{"err", "err", "err", "ok"}, nil, 4, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			codes := map[string]string{}
			var ids []string
			for i, c := range tc.codes {
				id := fmt.Sprintf("P/%d", i)
				codes[id], ids = c, append(ids, id)
			}
			dir := t.TempDir()
			finished := 0
			cfg := RunConfig{Strategy: newFake(codes), Concurrency: 1, OutDir: dir, Halt: tc.halt, HaltAfter: 3,
				OnFinish: func(Outcome) { finished++ }}
			_, err := Run(t.Context(), cfg, problems(ids...), fakeScore)
			var he *HaltError
			if got := errors.As(err, &he); got != tc.halted {
				t.Fatalf("Run: %v; want halted %v", err, tc.halted)
			}
			if tc.halted && (he.InARow != 3 || !strings.Contains(he.Error(), "503 from the model")) {
				t.Errorf("HaltError %+v: want 3 in a row and the last error", he)
			}
			if !tc.halted && err != nil {
				t.Errorf("Run: %v", err)
			}
			if finished != tc.attempted {
				t.Errorf("%d problems finished, want %d", finished, tc.attempted)
			}
		})
	}
}
