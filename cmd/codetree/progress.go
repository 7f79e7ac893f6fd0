package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/term"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/treesearch"
)

// maxErrorRunes is where an error is cut in a progress line.
const maxErrorRunes = 200

// progress prints the progress of a `codetree bench` run. On a terminal it
// keeps one status line, rewritten in place as problems finish and every
// second in between, with errors printed above it; elsewhere (a pipe, a
// file, a CI log) it prints one plain line per finished problem.
//
// finished is the treesearch.RunConfig.OnFinish hook; stop ends the
// display and must be called after the last finished. Both are safe for
// concurrent use with the ticker.
type progress struct {
	w     io.Writer
	label string
	spend func() agent.Tally
	opts  progressOptions
	start time.Time

	done     chan struct{}
	ticker   sync.WaitGroup
	stopOnce sync.Once

	mu                sync.Mutex
	total, todo       int
	finishedN, errors int
	attempted, solved int
	haveOutcome       bool
}

// progressOptions are the seams of a progress display.
type progressOptions struct {
	tty   bool             // rewrite one status line in place
	width func() int       // terminal columns, 0 if unknown; nil: no limit
	now   func() time.Time // the clock
	every time.Duration    // status refresh interval on a terminal; 0: none
}

// newProgress prints a run's progress to w: in place if w is a terminal,
// as plain lines otherwise. total is the number of problems of the run;
// spend reports the tokens and cost so far and must not block.
func newProgress(w io.Writer, label string, total int, spend func() agent.Tally) *progress {
	opts := progressOptions{now: time.Now, every: time.Second}
	opts.width, opts.tty = terminalWidth(w)
	return startProgress(w, label, total, spend, opts)
}

// clearLine returns to the start of a terminal line and erases it.
const clearLine = "\r\x1b[2K"

// terminalWidth reports whether w is a terminal and, if so, returns a
// function that reads its current width in columns (0 if unknown).
func terminalWidth(w io.Writer) (width func() int, ok bool) {
	f, isFile := w.(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		return nil, false
	}
	return func() int {
		cols, _, err := term.GetSize(int(f.Fd()))
		if err != nil {
			return 0
		}
		return cols
	}, true
}

func startProgress(w io.Writer, label string, total int, spend func() agent.Tally, opts progressOptions) *progress {
	if spend == nil {
		spend = func() agent.Tally { return agent.Tally{} }
	}
	p := &progress{
		w: w, label: label, spend: spend, opts: opts, start: opts.now(),
		done: make(chan struct{}), total: total,
	}
	if !opts.tty {
		return p
	}
	p.mu.Lock()
	p.drawLocked()
	p.mu.Unlock()
	if opts.every > 0 {
		t := time.NewTicker(opts.every)
		p.ticker.Add(1)
		go func() {
			defer p.ticker.Done()
			defer t.Stop()
			for {
				select {
				case <-p.done:
					return
				case <-t.C:
					p.tick()
				}
			}
		}()
	}
	return p
}

// finished records a finished problem and shows it.
func (p *progress) finished(o treesearch.Outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.haveOutcome = true
	p.total, p.todo, p.finishedN = o.Total, o.Todo, o.Finished
	p.attempted, p.solved = o.Attempted, o.Solved
	if o.Err != nil {
		p.errors++
	}
	if p.opts.tty {
		if o.Err != nil {
			fmt.Fprintf(p.w, "%s%s %s\n", clearLine, o.TaskID, describeFailure(o))
		}
		p.drawLocked()
		return
	}
	spent := p.spend()
	prefix := fmt.Sprintf("[%d/%d] %s ", p.doneLocked(), p.total, o.TaskID)
	if o.Err != nil {
		fmt.Fprintf(p.w, "%s%s\n", prefix, describeFailure(o))
		return
	}
	verdict := passFail(o.Passed)
	if o.PlusPassed != nil {
		verdict += " plus=" + passFail(*o.PlusPassed)
	}
	fmt.Fprintf(p.w, "%s%s gens=%d · solved %d/%d · tokens %d · %s · ETA %s\n",
		prefix, verdict, o.Generations, p.solved, p.attempted, spent.Tokens(), costText(spent), p.etaLocked())
}

// tick refreshes the status line, so the clock moves between finishes.
func (p *progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.opts.tty {
		p.drawLocked()
	}
}

// stop stops the ticker and, on a terminal, ends the status line.
func (p *progress) stop() {
	p.stopOnce.Do(func() {
		close(p.done)
		p.ticker.Wait()
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.opts.tty {
			p.drawLocked()
			fmt.Fprint(p.w, "\n")
		}
	})
}

// drawLocked rewrites the status line; p.mu is held.
func (p *progress) drawLocked() {
	spent := p.spend()
	var b strings.Builder
	if p.label != "" {
		b.WriteString(p.label + ": ")
	}
	if p.haveOutcome {
		fmt.Fprintf(&b, "%d/%d done · %d solved", p.doneLocked(), p.total, p.solved)
		if p.attempted > 0 {
			fmt.Fprintf(&b, " (%.1f%%)", 100*float64(p.solved)/float64(p.attempted))
		}
	} else {
		// Until Run reports, how many problems earlier runs did is unknown.
		fmt.Fprintf(&b, "%d problems", p.total)
	}
	switch {
	case p.errors == 1:
		b.WriteString(" · 1 error")
	case p.errors > 1:
		fmt.Fprintf(&b, " · %d errors", p.errors)
	}
	fmt.Fprintf(&b, " · %s tokens · %s · %s · ETA %s",
		compactCount(spent.Tokens()), costText(spent), roundSecond(p.opts.now().Sub(p.start)), p.etaLocked())
	line := b.String()
	if p.opts.width != nil {
		line = cutRunes(line, p.opts.width()-1, "")
	}
	fmt.Fprint(p.w, clearLine+line)
}

// doneLocked counts the problems with an outcome: earlier results plus
// those this invocation finished.
func (p *progress) doneLocked() int {
	return p.total - p.todo + p.finishedN
}

// etaLocked extrapolates this invocation's rate to the problems left.
func (p *progress) etaLocked() string {
	if p.finishedN == 0 {
		return "-"
	}
	elapsed := p.opts.now().Sub(p.start)
	left := max(p.todo-p.finishedN, 0)
	return roundSecond(elapsed * time.Duration(left) / time.Duration(p.finishedN))
}

// describeFailure says why a problem ended without a result, on one line.
func describeFailure(o treesearch.Outcome) string {
	head := "error"
	if o.ErrClass != "" {
		head += " (" + o.ErrClass + ")"
	}
	return head + ": " + oneLine(o.Err.Error(), maxErrorRunes)
}

// oneLine folds s onto one line without control characters and cuts it
// to at most n runes.
func oneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return cutRunes(strings.Join(strings.Fields(s), " "), n, "…")
}

// cutRunes cuts s to at most n runes, the last of them ellipsis if s was
// cut; n < 1 leaves s whole.
func cutRunes(s string, n int, ellipsis string) string {
	if n < 1 {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	e := []rune(ellipsis)
	if len(e) >= n {
		return string(r[:n])
	}
	return string(r[:n-len(e)]) + ellipsis
}

// compactCount formats n as 950, 412.3k or 1.2M.
func compactCount(n int) string {
	switch {
	case n < 1000:
		return fmt.Sprint(n)
	case n < 999_950:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	default:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	}
}

func passFail(passed bool) string {
	if passed {
		return "passed"
	}
	return "failed"
}

func roundSecond(d time.Duration) string {
	return d.Round(time.Second).String()
}
