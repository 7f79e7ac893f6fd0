package main

import (
	"fmt"
	"io"
	"sync"

	"github.com/codetree/codetree/treesearch/repo"
)

// repoOutput prints solve and fix: progress on a terminal (quiet
// otherwise), then the result as text or JSON.
type repoOutput struct {
	stdout, stderr io.Writer
	json, tty      bool
	width          func() int // terminal columns, 0 if unknown
	mu             sync.Mutex
	line           bool // a status line is drawn
}

func newRepoOutput(stdout, stderr io.Writer, json bool) *repoOutput {
	o := &repoOutput{stdout: stdout, stderr: stderr, json: json}
	o.width, o.tty = terminalWidth(o.stderr)
	return o
}

// progress is repo.Options.Progress: a status line on a terminal, gone
// when the search is over.
func (o *repoOutput) progress(p repo.Progress) {
	if p.Stage == repo.StageDone {
		o.endProgress()
		return
	}
	o.status(p.String())
}

// status draws a status line on a terminal, cut to its width so that
// it does not wrap (a wrapped line is not erased by the next one).
func (o *repoOutput) status(line string) {
	if !o.tty {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprint(o.stderr, clearLine+cutRunes(line, o.width()-1, ""))
	o.line = true
}

func (o *repoOutput) endProgress() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.line {
		fmt.Fprint(o.stderr, clearLine)
		o.line = false
	}
}

// print writes the result, with note (if any) among its notes: JSON, or
// the summary and the diff on stdout, the notes and accounts on stderr.
func (o *repoOutput) print(res *repo.Result, note string) {
	if note != "" {
		res.Notes = append(res.Notes, note)
	}
	if o.json {
		_ = res.WriteJSON(o.stdout)
		return
	}
	res.WriteText(o.stdout, o.stderr)
}
