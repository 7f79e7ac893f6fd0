package treesearch

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// DefaultHaltAfter is how many problems in a row must end in an error
// that RunConfig.Halt calls hopeless before Run stops scheduling.
const DefaultHaltAfter = 3

// HaltError is Run's error when it stopped scheduling problems because
// InARow problems in a row ended in an error no retry cures (a dead
// endpoint, a refused key, an unknown model). The problems left have no
// result; a rerun with --resume does them once the cause is fixed.
type HaltError struct {
	InARow int
	Err    error // the last of those errors
}

func (e *HaltError) Error() string {
	return fmt.Sprintf("stopped after %d problems in a row failed with an error no retry cures; the problems left have no result, --resume does them once that is fixed: %v", e.InARow, e.Err)
}

func (e *HaltError) Unwrap() error { return e.Err }

// breaker trips when after problems in a row end in errors halt calls
// hopeless; any other end of a problem resets the count.
type breaker struct {
	halt    func(error) bool
	after   int
	mu      sync.Mutex
	row     int
	last    error
	tripped atomic.Bool
}

func newBreaker(halt func(error) bool, after int) *breaker {
	if after <= 0 {
		after = DefaultHaltAfter
	}
	return &breaker{halt: halt, after: after}
}

// note records how a problem ended (err nil: a result).
func (b *breaker) note(err error) {
	if b.halt == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil || !b.halt(err) {
		b.row = 0
		return
	}
	b.row++
	b.last = err
	if b.row >= b.after {
		b.tripped.Store(true)
	}
}

// open reports whether problems may still be scheduled.
func (b *breaker) open() bool { return !b.tripped.Load() }

// err is the HaltError once tripped, else nil.
func (b *breaker) err() error {
	if b.open() {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return &HaltError{InARow: b.row, Err: b.last}
}
