package repo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch"
)

// Commands are a repository's checks: Test must pass; Lint must add no
// finding to those it reported before the search (empty: no lint).
type Commands struct {
	Test string `json:"test"`
	Lint string `json:"lint,omitempty"`
}

// Check is what one run of the commands in the sandbox said.
type Check struct {
	TestExit   int    `json:"test_exit"`
	TestOutput string `json:"test_output"`
	LintExit   int    `json:"lint_exit"`
	LintOutput string `json:"lint_output,omitempty"`
	// Ended is set when the run did not finish both commands: a time or
	// memory limit, an output flood; the sandbox's verdict and detail.
	Ended string `json:"ended,omitempty"`
}

// TestsPassed reports whether the test command finished and exited 0.
func (c Check) TestsPassed() bool { return c.Ended == "" && c.TestExit == 0 }

// CheckKeep is how much of each command's output a kept Check holds (its
// head and tail).
const CheckKeep = 64 << 10

// Cut keeps the head and tail of each command's output, max bytes each.
func (c Check) Cut(max int) Check {
	c.TestOutput = HeadTail(c.TestOutput, max)
	c.LintOutput = HeadTail(c.LintOutput, max)
	return c
}

// Tester runs a repository's commands on candidates in the sandbox. A
// candidate is an edit script (agent.FormatEdits) applied to Base; edits
// that do not apply are feedback, not errors. *Tester implements the
// tester a treesearch.Env takes.
type Tester struct {
	Exec sandbox.Runner
	// Base is the repository's files, as Load read them.
	Base map[string][]byte
	Lang sandbox.Lang
	// Image overrides the image for Lang.
	Image    string
	Commands Commands
	// Env and Mounts go to every run (a read-only Go module cache).
	Env    []string
	Mounts []sandbox.Mount
	// GoBuildCache, for a Go repository in the default image, is a host
	// folder of build cache entries ("": none): RunBaseline adds the
	// entries its run writes, and every run reads them through a
	// read-only mount, writing its own to a folder removed after it, so
	// that no candidate changes what another's build reads.
	GoBuildCache string
	Limits       sandbox.Limits
	// LintBaseline holds the lint findings of the repository before the
	// search (lintFindings of the baseline run): a candidate is judged on
	// the findings it adds.
	LintBaseline []string
	// OutputMax caps each command's output in the feedback (default 3000
	// bytes).
	OutputMax int

	mu       sync.Mutex
	checked  map[string]Check      // by candidate, cut to CheckKeep
	exported *sandbox.ExportResult // RunBaseline's export into GoBuildCache
}

// Exported says what RunBaseline added to GoBuildCache; nil before it ran
// with one.
func (t *Tester) Exported() *sandbox.ExportResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exported
}

// Checked returns the check Test made of a candidate, if it ran one.
func (t *Tester) Checked(code string) (Check, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.checked[code]
	return c, ok
}

// Test applies the candidate's edits and runs the commands. Only sandbox
// failures are errors.
func (t *Tester) Test(ctx context.Context, _ treesearch.Problem, code string) (treesearch.Feedback, error) {
	files, err := t.Files(code)
	if err != nil {
		return treesearch.Feedback{LoadError: err.Error(), Total: 1}, nil
	}
	c, err := t.Run(ctx, files)
	if err != nil {
		return treesearch.Feedback{}, err
	}
	t.mu.Lock()
	if t.checked == nil {
		t.checked = make(map[string]Check)
	}
	t.checked[code] = c.Cut(CheckKeep)
	t.mu.Unlock()
	return t.feedback(c), nil
}

// Files applies an edit script to Base; "" is Base itself. The error
// says which edits did not apply and why.
func (t *Tester) Files(code string) (map[string][]byte, error) {
	if strings.TrimSpace(code) == "" {
		return t.Base, nil
	}
	edits, err := agent.ParseEdits(code)
	if err != nil {
		return nil, fmt.Errorf("the edits could not be read: %w", err)
	}
	files, err := Apply(t.Base, fromAgent(edits))
	if err != nil {
		return nil, fmt.Errorf("the edits did not apply, so nothing ran:\n%w", err)
	}
	return files, nil
}

func fromAgent(edits []agent.Edit) []Edit {
	out := make([]Edit, len(edits))
	for i, e := range edits {
		out[i] = Edit{Path: e.Path, Search: e.Search, Replace: e.Replace}
	}
	return out
}

// Run runs the test command, then the lint command, on files in one
// sandbox run.
func (t *Tester) Run(ctx context.Context, files map[string][]byte) (Check, error) {
	return t.run(ctx, files, false)
}

// RunBaseline is Run for the repository before any change: with a
// GoBuildCache, the cache entries the run writes are added to it.
func (t *Tester) RunBaseline(ctx context.Context, files map[string][]byte) (Check, error) {
	return t.run(ctx, files, true)
}

func (t *Tester) run(ctx context.Context, files map[string][]byte, baseline bool) (Check, error) {
	marker, err := newMarker()
	if err != nil {
		return Check{}, err
	}
	// Each command runs in its own shell with stderr merged; a marker line
	// with its exit status follows its output.
	script := `sh -c "$1" </dev/null 2>&1; printf '\n%s test %d\n' "$0" $?`
	if t.Commands.Lint != "" {
		script += `; sh -c "$2" </dev/null 2>&1; printf '\n%s lint %d\n' "$0" $?`
	}
	req := sandbox.Request{
		Lang: t.Lang, Image: t.Image, Files: files, Env: t.Env, Mounts: t.Mounts, Limits: t.Limits,
		Command: []string{"sh", "-c", script, marker, t.Commands.Test, t.Commands.Lint},
	}
	if t.GoBuildCache != "" && t.Lang == sandbox.LangGo {
		if err := goCacheRequest(&req, t.GoBuildCache, baseline); err != nil {
			return Check{}, err
		}
	}
	res, err := t.Exec.Run(ctx, req)
	if err != nil {
		return Check{}, fmt.Errorf("run the repository's commands: %w", err)
	}
	if x := res.Export; x != nil {
		t.mu.Lock()
		t.exported = x
		t.mu.Unlock()
	}
	c := splitCheck(res.Stdout+res.Stderr, marker, t.Commands.Lint != "")
	if c.TestExit == 5 && strings.Contains(c.TestOutput, "no tests ran") {
		// pytest's "no tests collected", as go test's "[no test files]":
		// nothing failed.
		c.TestExit = 0
	}
	if res.Status != sandbox.StatusPassed && res.Status != sandbox.StatusFailed {
		why := res.Status.String()
		if res.Detail != "" {
			why += " (" + res.Detail + ")"
		}
		if c.Ended != "" {
			why += ": " + c.Ended
		}
		c.Ended = why
	}
	return c, nil
}

// splitCheck cuts the run's output at the marker lines.
func splitCheck(out, marker string, lint bool) Check {
	c := Check{TestExit: -1, LintExit: -1}
	rest := out
	for _, part := range []struct {
		name   string
		exit   *int
		output *string
	}{{"test", &c.TestExit, &c.TestOutput}, {"lint", &c.LintExit, &c.LintOutput}} {
		if part.name == "lint" && !lint {
			c.LintExit = 0
			break
		}
		tag := "\n" + marker + " " + part.name + " "
		i := strings.Index(rest, tag)
		if i < 0 {
			*part.output = strings.TrimSpace(rest)
			c.Ended = "the run ended during the " + part.name + " command"
			return c
		}
		*part.output = strings.TrimSpace(rest[:i])
		rest = rest[i+len(tag):]
		line, after, _ := strings.Cut(rest, "\n")
		*part.exit, _ = strconv.Atoi(strings.TrimSpace(line))
		rest = after
	}
	return c
}

// feedback scores a check: the test units that passed (packages or tests)
// and, with a lint command, one unit for no new lint finding.
func (t *Tester) feedback(c Check) treesearch.Feedback {
	max := t.OutputMax
	if max <= 0 {
		max = 3000
	}
	n := parseCounts(c.TestOutput, c.TestExit)
	if c.Ended != "" && c.TestExit == -1 {
		n = counts{failed: 1}
	}
	fb := treesearch.Feedback{Passed: n.passed, Total: n.passed + n.failed}
	test := treesearch.TestResult{Assert: t.Commands.Test, Status: treesearch.TestPassed}
	if !c.TestsPassed() {
		test.Status = treesearch.TestFailed
		test.Error = Excerpt(c.TestOutput, max)
		if c.Ended != "" && c.TestExit == -1 {
			test.Status = treesearch.TestTimeout
			fb.TimedOut = strings.HasPrefix(c.Ended, sandbox.StatusTimeLimit.String())
		}
		switch {
		case c.Ended != "" && c.TestExit == -1:
			test.Error = strings.TrimSpace("stopped: " + c.Ended + "\n" + test.Error)
		case test.Error == "":
			test.Error = fmt.Sprintf("exit status %d, no output", c.TestExit)
		}
	}
	fb.Tests = append(fb.Tests, test)
	if t.Commands.Lint != "" {
		fb.Total++
		lint := treesearch.TestResult{Assert: t.Commands.Lint, Status: treesearch.TestPassed}
		fresh := NewFindings(c.LintOutput, t.LintBaseline)
		switch {
		case c.LintExit == -1:
			lint.Status, lint.Error = treesearch.TestFailed, "did not run: "+c.Ended
		case c.LintExit != 0 && len(fresh) > 0:
			lint.Status = treesearch.TestFailed
			lint.Error = HeadTail(strings.Join(fresh, "\n"), max)
		case c.LintExit != 0 && len(LintFindings(c.LintOutput)) == 0:
			lint.Status = treesearch.TestFailed
			lint.Error = fmt.Sprintf("exit status %d, no output", c.LintExit)
		default:
			fb.Passed++
		}
		fb.Tests = append(fb.Tests, lint)
	}
	if c.Ended != "" {
		fb.LoadError = "the sandbox ended the run: " + c.Ended
	}
	return fb
}

func newMarker() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("marker: %w", err)
	}
	return "CODETREE-" + hex.EncodeToString(b), nil
}
