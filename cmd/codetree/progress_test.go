package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/treesearch"
)

// fakeClock is a clock the test moves by hand; safe for the ticker.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeSpend is a token and cost meter the test sets.
type fakeSpend struct {
	mu sync.Mutex
	t  agent.Tally
}

// set sets the tokens and cost; unpriced calls, when given, were made to
// a model without a price.
func (s *fakeSpend) set(tokens int, cost float64, unpriced ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.t = agent.Tally{PromptTokens: tokens, Cost: cost}
	if len(unpriced) > 0 {
		s.t.UnpricedCalls = unpriced[0]
	}
}

func (s *fakeSpend) get() agent.Tally {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.t
}

// syncBuffer is a bytes.Buffer the ticker and the test may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestProgressPlainLines(t *testing.T) {
	t.Parallel()
	clock, spend, out := newFakeClock(), &fakeSpend{}, &syncBuffer{}
	// 5 problems, 1 of them resumed from an earlier run: 4 to do.
	p := startProgress(out, "humaneval codetree", 5, spend.get, progressOptions{now: clock.now})
	if got := out.String(); got != "" {
		t.Fatalf("plain output before any problem finished: %q, want none", got)
	}
	no := false
	longErr := errors.New("429 Too Many Requests:\n\tretry later\x1b[0m " + strings.Repeat("x", 300))

	clock.advance(30 * time.Second)
	spend.set(1200, 0.0123)
	p.finished(treesearch.Outcome{TaskID: "HumanEval/1", Passed: true, Generations: 3,
		Finished: 1, Todo: 4, Attempted: 2, Solved: 2, Total: 5})

	clock.advance(30 * time.Second)
	p.finished(treesearch.Outcome{TaskID: "HumanEval/2", Err: longErr, ErrClass: "rate_limit",
		Finished: 2, Todo: 4, Attempted: 2, Solved: 2, Total: 5})

	clock.advance(60 * time.Second)
	spend.set(412345, 0, 9) // a model without a price
	p.finished(treesearch.Outcome{TaskID: "HumanEval/3", PlusPassed: &no, Generations: 5,
		Finished: 3, Todo: 4, Attempted: 3, Solved: 2, Total: 5})

	clock.advance(20 * time.Second)
	p.finished(treesearch.Outcome{TaskID: "HumanEval/4", Err: errors.New("docker: gone"),
		Finished: 4, Todo: 4, Attempted: 3, Solved: 2, Total: 5})
	p.stop()

	// The error is folded onto one line, control characters dropped, and
	// cut to 200 runes, the last an ellipsis.
	cutErr := "429 Too Many Requests: retry later [0m " + strings.Repeat("x", 160) + "…"
	want := strings.Join([]string{
		// ETA: 30s for 1 problem, 3 left.
		"[2/5] HumanEval/1 passed gens=3 · solved 2/2 · tokens 1200 · $0.0123 · ETA 1m30s",
		"[3/5] HumanEval/2 error (rate_limit): " + cutErr,
		// ETA: 2m for 3 problems, 1 left.
		"[4/5] HumanEval/3 failed plus=failed gens=5 · solved 2/3 · tokens 412345 · unknown (no price for 9 calls) · ETA 40s",
		"[5/5] HumanEval/4 error: docker: gone",
	}, "\n") + "\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("plain output (-want +got):\n%s", diff)
	}
	if n := utf8.RuneCountInString(cutErr); n != maxErrorRunes {
		t.Errorf("cut error has %d runes, want %d", n, maxErrorRunes)
	}
}

func TestProgressTerminal(t *testing.T) {
	t.Parallel()
	clock, spend, out := newFakeClock(), &fakeSpend{}, &syncBuffer{}
	p := startProgress(out, "humaneval codetree", 3, spend.get, progressOptions{tty: true, now: clock.now})

	clock.advance(10 * time.Second)
	spend.set(1500, 0.01)
	p.finished(treesearch.Outcome{TaskID: "HumanEval/1", Passed: true, Generations: 2,
		Finished: 1, Todo: 3, Attempted: 1, Solved: 1, Total: 3})

	clock.advance(5 * time.Second)
	p.tick() // what the ticker does: the clock moves, the ETA is redone

	clock.advance(5 * time.Second)
	p.finished(treesearch.Outcome{TaskID: "HumanEval/2", Err: errors.New("run: timeout\nwaiting"), ErrClass: "timeout",
		Finished: 2, Todo: 3, Attempted: 1, Solved: 1, Total: 3})

	clock.advance(2 * time.Second)
	spend.set(2_345_678, 1.5)
	p.stop()

	const clear = "\r\x1b[2K"
	want := clear + "humaneval codetree: 3 problems · 0 tokens · $0.0000 · 0s · ETA -" +
		clear + "humaneval codetree: 1/3 done · 1 solved (100.0%) · 1.5k tokens · $0.0100 · 10s · ETA 20s" +
		clear + "humaneval codetree: 1/3 done · 1 solved (100.0%) · 1.5k tokens · $0.0100 · 15s · ETA 30s" +
		clear + "HumanEval/2 error (timeout): run: timeout waiting\n" +
		clear + "humaneval codetree: 2/3 done · 1 solved (100.0%) · 1 error · 1.5k tokens · $0.0100 · 20s · ETA 10s" +
		clear + "humaneval codetree: 2/3 done · 1 solved (100.0%) · 1 error · 2.3M tokens · $1.50 · 22s · ETA 11s" +
		"\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("terminal output (-want +got):\n%s", diff)
	}
}

func TestProgressTerminalCutsToWidth(t *testing.T) {
	t.Parallel()
	out := &syncBuffer{}
	startProgress(out, "humaneval codetree", 3, nil, progressOptions{
		tty: true, now: newFakeClock().now, width: func() int { return 20 },
	})
	if got, want := out.String(), "\r\x1b[2Khumaneval codetree:"; got != want {
		t.Errorf("status line on a 20-column terminal: %q, want %q", got, want)
	}
}

func TestProgressTicker(t *testing.T) {
	t.Parallel()
	clock, out := newFakeClock(), &syncBuffer{}
	p := startProgress(out, "mbpp", 2, nil, progressOptions{tty: true, now: clock.now, every: time.Millisecond})
	clock.advance(7 * time.Second)
	// No problem finishes: only the ticker can show the clock moving.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "mbpp: 2 problems · 0 tokens · $0.0000 · 7s · ETA -") {
		if time.Now().After(deadline) {
			t.Fatalf("ticker did not refresh the status line; output %q", out.String())
		}
		time.Sleep(time.Millisecond)
	}
	p.stop()
	p.stop() // a second stop is harmless
	got := out.String()
	if !strings.HasSuffix(got, "7s · ETA -\n") {
		t.Errorf("output after stop ends %q, want the status line and a newline", got[max(len(got)-40, 0):])
	}
	if strings.Count(got, "\n") != 1 {
		t.Errorf("output after two stops has %d newlines, want 1: %q", strings.Count(got, "\n"), got)
	}
}

func TestProgressNewProgressPlainOnAFile(t *testing.T) {
	t.Parallel()
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := newProgress(f, "x", 1, nil)
	p.finished(treesearch.Outcome{TaskID: "T/0", Passed: true, Generations: 1, Finished: 1, Todo: 1, Attempted: 1, Solved: 1, Total: 1})
	p.stop()
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); !strings.HasPrefix(got, "[1/1] T/0 passed gens=1 ") || strings.ContainsAny(got, "\r\x1b") {
		t.Errorf("output to a file: %q, want one plain line", got)
	}
}

func TestProgressCompactCount(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{
		0: "0", 999: "999", 1000: "1.0k", 412345: "412.3k",
		999_949: "999.9k", 999_950: "1.0M", 1_234_567: "1.2M",
	} {
		if got := compactCount(n); got != want {
			t.Errorf("compactCount(%d) = %q, want %q", n, got, want)
		}
	}
}
