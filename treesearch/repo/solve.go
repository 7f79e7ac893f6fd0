package repo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch"
)

// FixTask is the task of Options.Fix.
const FixTask = "Make the failing tests pass without breaking the tests that pass. " +
	"Fix the code under test; change a test only if it is clearly wrong."

// DefaultWidth is the codetree strategies' width for a repository: with
// the default budget of 8 it leaves room for repairs.
const DefaultWidth = 3

// filesMax caps the size of the files shown in full to the model.
const filesMax = 40000

// Options are what Solve works on and with. The zero value of a setting
// means its default; Snapshot, Model and Sandbox are required.
type Options struct {
	// Snapshot is the repository, as Load read it.
	Snapshot *Snapshot
	// Task is the developer's request. With Fix it must be empty: the task
	// is FixTask, and Solve stops when the tests pass already.
	Task string
	Fix  bool
	// Lang is the repository's language ("": DetectLang).
	Lang sandbox.Lang
	// Test and Lint are the commands ("": the language's, DefaultCommands);
	// NoLint runs no lint command.
	Test, Lint string
	NoLint     bool
	// StrictLint makes a change leave no lint finding at all; otherwise it
	// answers only for the findings it adds.
	StrictLint bool
	// Files are the paths the model reads in full; empty: those the task
	// and the failing output name, else every source file if they fit,
	// else those the model names from the layout (MatchFiles turns globs
	// into paths).
	Files []string
	// Budget is the number of candidates (Solver and Debugger outputs);
	// at least 1.
	Budget int
	// Image overrides the language's sandbox image; Limits bound each run
	// of the commands (default DefaultLimits).
	Image  string
	Limits sandbox.Limits
	// GoModCache is the host's Go module cache, mounted read-only for a Go
	// repository with dependencies and no vendor/ folder.
	GoModCache string
	// GoBuildCache is a host folder for a Go repository's build cache
	// ("": none, each run starts from the image's cache): the baseline run
	// fills it, every run reads it read-only (Tester.GoBuildCache). Only
	// with the default image.
	GoBuildCache string

	// Model answers every role; Ledger, when set, holds its accounts (the
	// Result's tokens and cost, Progress.Spend).
	Model  agent.Completer
	Ledger *agent.Ledger
	// Temperatures are the roles' (see treesearch.DefaultTemperatures).
	Temperatures treesearch.Temperatures
	// Strategy makes the search for an Env (default: codetree of width
	// DefaultWidth).
	Strategy func(treesearch.Env) (treesearch.Strategy, error)
	// Sandbox runs the commands.
	Sandbox sandbox.Runner
	// Progress, when set, is told of each step, for a status line.
	Progress func(Progress)
	// CacheFilled: a run of the repository as it is filled GoBuildCache
	// already (the issue pipeline's regression run), so the baseline, which
	// may hold model-written tests, only reads it.
	CacheFilled bool
	// ID names the task in the model's accounts and the tree (default
	// "repo"): an instance id when many run at once.
	ID string
	// Strategies, when set, are the search's first strategies in place of
	// the Thinker's (treesearch.Env.Strategies): the issue pipeline's
	// localizations.
	Strategies []string
}

// Stage is a step of Solve that Progress reports.
type Stage int

// The stages, in order.
const (
	_              Stage = iota
	StageBaseline        // the checks run on the repository before any change
	StageCandidate       // a candidate was made and run
	StageDone            // the search is over (the status line may go)
)

// Progress is a step of Solve: String is the text of a status line.
type Progress struct {
	Stage Stage
	// Test is the test command (StageBaseline).
	Test string
	// Node is the candidate (StageCandidate).
	Node treesearch.Node
	// Spend is the model's accounts so far.
	Spend agent.Tally
}

// session is one Solve: everything set up before the search.
type session struct {
	opts     Options
	snap     *Snapshot
	lang     sandbox.Lang
	task     string
	tester   *Tester
	baseline Check
	notes    []string
}

// Solve runs the repository's checks, then, unless Fix finds them
// passing, searches for a change that does the task and passes them.
//
// A failing search is a Result (Passed false), not an error. Errors are
// the options', the sandbox's and the model endpoint's, and a dependency
// the sandbox cannot reach offline (it says what to do). When the search
// stops early (Ctrl-C, an infrastructure error), Solve returns the best
// change so far with the error. The working tree is never written: see
// WriteResult.
func Solve(ctx context.Context, opts Options) (*Result, error) {
	s, err := newSession(opts)
	if err != nil {
		return nil, err
	}
	s.progress(Progress{Stage: StageBaseline, Test: s.tester.Commands.Test})
	if s.baseline, err = s.runBaseline(ctx); err != nil {
		return nil, err
	}
	if p := offlineProblem(s.baseline.TestOutput+"\n"+s.baseline.LintOutput, s.lang, s.snap.Files); p != "" {
		return nil, errors.New(p)
	}
	if opts.Fix && s.baseline.TestsPassed() {
		s.progress(Progress{Stage: StageDone})
		return s.nothingToFix(), nil
	}
	if !opts.StrictLint {
		// A change answers for the findings it adds, not for those the
		// repository already had.
		s.tester.LintBaseline = LintFindings(s.baseline.LintOutput)
	}
	files := opts.Files
	if len(files) == 0 {
		if files, err = s.chooseFiles(ctx); err != nil {
			return nil, err
		}
	}
	coder := &Coder{Model: opts.Temperatures.Wrap(opts.Model), Tests: s.tester, Task: s.brief(), Lang: string(s.lang),
		Files: files, Layout: s.snap.Layout(8000)}
	env := treesearch.Env{Model: opts.Model, Coder: coder, Tests: s.tester, Budget: opts.Budget, FeedbackMax: 6000,
		Observe: s.observe, Temperatures: opts.Temperatures, Strategies: opts.Strategies}
	strategy, err := s.strategy(env)
	if err != nil {
		return nil, err
	}
	tree, searchErr := strategy.Search(ctx, s.problem())
	s.progress(Progress{Stage: StageDone})
	return s.result(ctx, tree), searchErr
}

// runBaseline runs the checks on the repository as it is, filling the
// build cache unless it was filled already.
func (s *session) runBaseline(ctx context.Context) (Check, error) {
	if s.opts.CacheFilled {
		return s.tester.Run(ctx, s.snap.Files)
	}
	return s.tester.RunBaseline(ctx, s.snap.Files)
}

// newSession checks the options and sets up the tester.
func newSession(opts Options) (*session, error) {
	switch {
	case opts.Snapshot == nil:
		return nil, errors.New("repo: no snapshot")
	case opts.Model == nil || opts.Sandbox == nil:
		return nil, errors.New("repo: a model and a sandbox are required")
	case opts.Budget < 1:
		return nil, fmt.Errorf("budget %d: want at least 1", opts.Budget)
	case opts.Fix && strings.TrimSpace(opts.Task) != "":
		return nil, errors.New("fix takes no task (it makes the failing tests pass)")
	case !opts.Fix && strings.TrimSpace(opts.Task) == "":
		return nil, errors.New("no task")
	}
	for _, p := range opts.Files {
		if _, ok := opts.Snapshot.Files[p]; !ok {
			return nil, fmt.Errorf("%s: no such file in the repository", p)
		}
	}
	s := &session{opts: opts, snap: opts.Snapshot, task: strings.TrimSpace(opts.Task)}
	if opts.Fix {
		s.task = FixTask
	}
	var err error
	if s.tester, s.notes, err = NewTester(opts, s.commands); err != nil {
		return nil, err
	}
	s.lang = s.tester.Lang
	return s, nil
}

// NewTester is the Tester Solve runs the checks with, for the options'
// Snapshot, Lang, Image, Limits, Sandbox and Go module cache, with the
// commands cmds gives for the language; notes say how dependencies reach
// the sandbox. The issue pipeline runs its reproduction and regression
// tests with one.
func NewTester(opts Options, cmds func(sandbox.Lang) Commands) (*Tester, []string, error) {
	lang := opts.Lang
	if lang == "" {
		var err error
		if lang, err = DetectLang(opts.Snapshot.Files); err != nil {
			return nil, nil, err
		}
	}
	t := &Tester{Exec: opts.Sandbox, Base: opts.Snapshot.Files, Lang: lang, Image: opts.Image,
		Commands: cmds(lang), Limits: opts.Limits}
	if t.Limits == (sandbox.Limits{}) {
		t.Limits = DefaultLimits()
	}
	var note string
	if lang == sandbox.LangGo {
		t.Env, t.Mounts, note = goDeps(opts.Snapshot.Files, opts.GoModCache)
		t.GoBuildCache = goBuildCache(opts.GoBuildCache, opts.Image)
	} else {
		t.Env, note = pythonEnv(opts.Snapshot.Files)
	}
	var notes []string
	if note != "" {
		notes = append(notes, note)
	}
	return t, notes, nil
}

// commands are the options' commands over the language's defaults.
func (s *session) commands(lang sandbox.Lang) Commands {
	cmds := DefaultCommands(lang)
	if s.opts.Test != "" {
		cmds.Test = s.opts.Test
	}
	if s.opts.Lint != "" {
		cmds.Lint = s.opts.Lint
	}
	if s.opts.NoLint {
		cmds.Lint = ""
	}
	return cmds
}

func (s *session) strategy(env treesearch.Env) (treesearch.Strategy, error) {
	if s.opts.Strategy != nil {
		return s.opts.Strategy(env)
	}
	return treesearch.NewStrategy("codetree", env, treesearch.StrategyOptions{Width: DefaultWidth})
}

func (s *session) spend() agent.Tally {
	if s.opts.Ledger == nil {
		return agent.Tally{}
	}
	return s.opts.Ledger.Snapshot().Total
}

func (s *session) progress(p Progress) {
	if s.opts.Progress != nil {
		p.Spend = s.spend()
		s.opts.Progress(p)
	}
}

// observe is the Env's Observe hook.
func (s *session) observe(n treesearch.Node) {
	s.progress(Progress{Stage: StageCandidate, Node: n})
}

// brief is the task with the state of the checks before any change.
func (s *session) brief() string {
	var b strings.Builder
	b.WriteString(s.task)
	fmt.Fprintf(&b, "\n\nBefore any change, `%s` ", s.tester.Commands.Test)
	if s.baseline.TestsPassed() {
		b.WriteString("passes.")
	} else {
		b.WriteString("fails:\n")
		b.WriteString(Excerpt(s.baseline.TestOutput, 3000))
	}
	if lint := s.tester.Commands.Lint; lint != "" && s.baseline.LintExit != 0 {
		fmt.Fprintf(&b, "\n\n`%s` reports:\n%s", lint, Excerpt(s.baseline.LintOutput, 1500))
	}
	return b.String()
}

// chooseFiles picks the files to show in full: those the task and the
// failing output name; else every source file if they fit; else those
// the model names from the layout (a Thinker call).
func (s *session) chooseFiles(ctx context.Context) ([]string, error) {
	files, lang := s.snap.Files, string(s.lang)
	if named := MentionedFiles(files, lang, s.brief()); len(named) > 0 {
		return Fit(files, named, filesMax), nil
	}
	all := SourceFiles(files, lang)
	if TotalSize(files, all) <= filesMax {
		return all, nil
	}
	res, err := agent.Editor{C: s.opts.Model}.ChooseFiles(ctx, agent.FilesRequest{
		ProblemID: s.id(), Lang: lang, Task: s.brief(), Layout: s.snap.Layout(20000), Max: 10,
	})
	switch {
	case err != nil && !agent.IsModelOutput(err):
		return nil, err
	case err != nil || len(Fit(files, res.Paths, filesMax)) == 0:
		s.notes = append(s.notes, "the model named no file of the repository to read; it sees the first source files that fit")
		return Fit(files, all, filesMax), nil
	}
	return Fit(files, res.Paths, filesMax), nil
}

// problem is the search's view of the task (what the Thinker and the
// Critic read): the brief and the repository's layout.
func (s *session) problem() treesearch.Problem {
	prompt := fmt.Sprintf("%s\n\nThe repository (%s) has these files:\n%s", s.brief(), s.lang, s.snap.Layout(4000))
	return treesearch.Problem{ID: s.id(), Lang: string(s.lang), Prompt: prompt}
}

// id is the task's name in the accounts.
func (s *session) id() string {
	if s.opts.ID != "" {
		return s.opts.ID
	}
	return "repo"
}
