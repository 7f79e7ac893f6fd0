// Package loadgen makes load beside what a benchmark or test measures.
package loadgen

import (
	"context"
	"runtime"
	"sync"
)

// CPUHog keeps n threads of this process spinning, each locked to its own
// OS thread, until stop is called (stop waits for them to end).
func CPUHog(n int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			runtime.LockOSThread()
			for x := 0; ctx.Err() == nil; x++ {
				for range 1 << 16 {
					x ^= x << 1
				}
			}
		})
	}
	return func() { cancel(); wg.Wait() }
}
