package sandbox_test

import (
	"sync"
	"testing"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

// TestTimings: each run in either mode hands Config.Timings phases that
// add up: the runner's inside the harness's wait, transport never negative.
func TestTimings(t *testing.T) {
	if testing.Short() {
		t.Skip("Docker integration test")
	}
	for _, mode := range []sandbox.Mode{sandbox.ModePool, sandbox.ModeFresh} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var got []sandbox.Timing
			sb := sandboxtest.New(t, sandbox.Config{Mode: mode, PoolSize: 1, Timings: func(tm sandbox.Timing) {
				mu.Lock()
				got = append(got, tm)
				mu.Unlock()
			}})
			for range 2 {
				if r := sandboxtest.Run(t, sb, sandbox.Request{Lang: sandbox.LangPython, Command: []string{"python3", "-c", "pass"}}); !r.Passed() {
					t.Fatalf("run: %s %s", r.Status, r.Detail)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 2 {
				t.Fatalf("%d timings, want 2", len(got))
			}
			for _, tm := range got {
				r := tm.Runner
				if tm.Mode != mode || r.Run <= 0 || r.Total < r.Run || tm.Total < r.Total+tm.Acquire {
					t.Errorf("timing %+v", tm)
				}
				// gVisor's kernel keeps a clock of its own.
				if sandboxtest.Runtime() == "" && (tm.ToRunner < 0 || tm.Back < 0 || tm.ToRunner+tm.Back > tm.Total) {
					t.Errorf("transport %s to the runner, %s back, in %s", tm.ToRunner, tm.Back, tm.Total)
				}
			}
		})
	}
}
