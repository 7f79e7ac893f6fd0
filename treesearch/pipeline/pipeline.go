package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch"
	"github.com/codetree/codetree/treesearch/repo"
)

// Options are what Run works on. Solve holds the search's settings and
// needs its Snapshot (the repository at the issue's commit), Model,
// Sandbox and Budget; Run sets its Task, Files, Strategies, ID and Test.
type Options struct {
	// ID names the issue in the accounts (an instance id, owner/repo#N).
	ID string
	// Issue is the issue's text: title, body and comments.
	Issue string
	Solve repo.Options
	// Files, when set, are where the issue is (--files): the one
	// localization, the model then asked only for the symbols in them.
	Files []string
	// Localizations is the number of localizations the search starts from,
	// its first strategies (default 3).
	Localizations int
	// ReproAttempts is the number of reproduction tests the model may write
	// before the pipeline goes on without one (default 3).
	ReproAttempts int
	// KeepReproduction puts the reproduction test into the patch.
	KeepReproduction bool
	// Log, when set, is told of each stage's outcome (a line of text).
	Log func(string)
}

func (o Options) localizations() int {
	if o.Localizations <= 0 {
		return 3
	}
	return o.Localizations
}

func (o Options) reproAttempts() int {
	if o.ReproAttempts <= 0 {
		return 3
	}
	return o.ReproAttempts
}

// Result is what Run found; its JSON is the tree file of codetree swe run
// and the pipeline part of codetree issue --json.
type Result struct {
	ID string `json:"id"`
	// Patch is the change as a unified diff (git apply takes it), without
	// the reproduction test unless KeepReproduction; "" when there is none.
	Patch string `json:"patch"`
	// Passed: the chosen change passes the reproduction and regression
	// tests (and adds no lint finding).
	Passed        bool           `json:"passed"`
	Localizations []Localization `json:"localizations"`
	Ranking       []string       `json:"lexical_ranking,omitempty"`
	Reproduction  *Reproduction  `json:"reproduction,omitempty"`
	// Regression are the existing tests the change must keep passing; Test
	// the command the search ran on every candidate.
	Regression []string `json:"regression_tests"`
	Test       string   `json:"test_command"`
	// TouchesTests: the patch edits existing test files (flagged: a fix
	// should not need to).
	TouchesTests bool    `json:"touches_tests,omitempty"`
	Stages       []Stage `json:"stages"`
	Simulated    bool    `json:"simulated,omitempty"`
	// FirstCallSeconds is the time from Run's start to its first model
	// call: the environment's cost before the model works.
	FirstCallSeconds float64   `json:"first_model_call_seconds"`
	FirstCallAt      time.Time `json:"-"`
	Notes            []string  `json:"notes,omitempty"`
	// Search is the repair's result: the summary, the checks before and
	// after, the diff it made on top of the reproduction test; Tree its
	// tree.
	Search *repo.Result     `json:"search,omitempty"`
	Tree   *treesearch.Tree `json:"tree,omitempty"`

	orig, final map[string][]byte // the repository before and after the patch
}

// Changes are the patch's files: the new contents of those it creates or
// changes and the paths it removes, sorted (a pull request's commit is
// made of them). Both are empty when there is no patch.
func (r *Result) Changes() (files map[string][]byte, deleted []string) {
	files = make(map[string][]byte)
	if r.final == nil {
		return files, nil
	}
	changed, _, _ := repo.Stat(r.orig, r.final)
	for _, p := range changed {
		if c, ok := r.final[p]; ok {
			files[p] = c
		} else {
			deleted = append(deleted, p)
		}
	}
	return files, deleted
}

// run is one Run.
type run struct {
	opts  Options
	id    string
	lang  sandbox.Lang
	model *meter
	res   *Result
}

// Run takes the issue through the stages (see the package documentation)
// and returns the patch with every stage's account. A search that finds
// no passing change is a Result (Passed false); errors are the options',
// the sandbox's and the model endpoint's. When the search stops early the
// Result so far comes with the error.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	r := &run{opts: opts, id: opts.ID, model: &meter{c: opts.Solve.Model}, res: &Result{ID: opts.ID}}
	if r.id == "" {
		r.id = "issue"
	}
	start := time.Now()
	err := r.stages(ctx)
	r.res.Stages, r.res.Simulated = r.model.done(), r.model.isSimulated()
	if first := r.model.firstCall(); !first.IsZero() {
		r.res.FirstCallSeconds, r.res.FirstCallAt = first.Sub(start).Seconds(), first
	}
	return r.res, err
}

func (o Options) check() error {
	switch {
	case o.Solve.Snapshot == nil:
		return errors.New("pipeline: no repository snapshot")
	case o.Solve.Model == nil || o.Solve.Sandbox == nil:
		return errors.New("pipeline: a model and a sandbox are required")
	case strings.TrimSpace(o.Issue) == "":
		return errors.New("pipeline: the issue has no text")
	}
	return nil
}

// stages runs the stages in order.
func (r *run) stages(ctx context.Context) error {
	r.begin(StageEnvironment)
	if err := r.environment(); err != nil {
		return err
	}
	r.begin(StageLocalize)
	loc, err := r.localize(ctx, r.opts.localizations())
	if err != nil {
		return err
	}
	r.res.Localizations, r.res.Ranking = loc.all, loc.ranking
	r.res.Notes = append(r.res.Notes, loc.notes...)
	r.done(fmt.Sprintf("%d localization(s): %s", len(loc.all), strings.Join(loc.files(), ", ")))
	r.begin(StageRegression)
	reg, err := r.regression(ctx, loc)
	if err != nil {
		return err
	}
	r.res.Regression = reg.Tests
	r.done(reg.note)
	r.begin(StageReproduce)
	repro, note, err := r.reproduce(ctx, loc)
	if err != nil {
		return err
	}
	r.res.Reproduction = repro
	r.done(note)
	r.begin(StageRepair)
	searchErr := r.repair(ctx, loc, repro, reg)
	r.begin(StageSelect)
	r.selectPatch(repro)
	return searchErr
}

// begin starts a stage.
func (r *run) begin(name string) { r.model.begin(name) }

// done notes the stage's outcome and logs it.
func (r *run) done(note string) {
	r.model.note(note)
	if r.opts.Log != nil && note != "" {
		r.opts.Log(note)
	}
}

// environment settles the language and says how dependencies reach the
// sandbox.
func (r *run) environment() error {
	t, notes, err := repo.NewTester(r.opts.Solve, repo.DefaultCommands)
	if err != nil {
		return err
	}
	r.lang = t.Lang
	r.opts.Solve.Lang = t.Lang
	note := string(r.lang) + " repository"
	if len(notes) > 0 {
		note += "; " + strings.Join(notes, "; ")
	}
	r.done(note)
	return nil
}

// exec runs one test command on files in the sandbox. The regression
// run, on the repository as it is, is the baseline that fills the Go
// build cache; every other run only reads it.
func (r *run) exec(ctx context.Context, files map[string][]byte, command string, baseline bool) (repo.Check, error) {
	t, _, err := repo.NewTester(r.opts.Solve, func(sandbox.Lang) repo.Commands { return repo.Commands{Test: command} })
	if err != nil {
		return repo.Check{}, err
	}
	if baseline {
		return t.RunBaseline(ctx, files)
	}
	return t.Run(ctx, files)
}

func (r *run) layout() string { return r.opts.Solve.Snapshot.Layout(8000) }

// repair runs the search on the repository with the reproduction test,
// its test command the reproduction and regression tests.
func (r *run) repair(ctx context.Context, loc localization, repro *Reproduction, reg regression) error {
	opts := r.opts.Solve
	snap := *opts.Snapshot
	if repro != nil {
		snap.Files = repro.files
	}
	opts.Snapshot, opts.Model, opts.ID, opts.Fix = &snap, r.model, r.id, false
	// The regression run filled the build cache from the repository as it
	// is; the search's baseline holds the model's reproduction test.
	opts.CacheFilled = true
	opts.Test = r.testCommand(repro, reg)
	opts.Task = r.task(repro, reg)
	opts.Files = loc.files()
	if repro != nil {
		opts.Files = append(opts.Files, repro.Files...)
	}
	for _, l := range loc.all {
		opts.Strategies = append(opts.Strategies, l.Strategy())
	}
	r.res.Test = opts.Test
	res, err := repo.Solve(ctx, opts)
	r.res.Search = res
	if res != nil {
		r.res.Tree = res.Tree
		r.done(res.Summary)
	}
	return err
}

// testCommand is the repair's: the given command (and the reproduction),
// else the reproduction and regression tests, else the language's.
func (r *run) testCommand(repro *Reproduction, reg regression) string {
	if given := r.opts.Solve.Test; given != "" {
		if repro != nil {
			return "(" + given + ") && " + repro.Command
		}
		return given
	}
	tests, targets := slices.Clone(reg.Tests), slices.Clone(reg.Targets)
	if repro != nil {
		tests = append(tests, repro.IDs...)
		if r.lang == sandbox.LangGo {
			targets = append(targets, goPackages(repro.Files)...)
		}
	}
	switch {
	case len(tests) == 0:
		return repo.DefaultCommands(r.lang).Test
	case r.lang == sandbox.LangGo:
		slices.Sort(targets)
		return goTestCommand(slices.Compact(targets), tests, false)
	}
	slices.Sort(tests)
	return strings.Replace(pytestCommand(slices.Compact(tests)), " -rA", " -q", 1)
}

// task is the search's task: the issue, and the tests that judge a change.
func (r *run) task(repro *Reproduction, reg regression) string {
	var b strings.Builder
	b.WriteString("Resolve this GitHub issue with a change to the repository's code. " +
		"Do not change the tests: they are the evidence.\n\n")
	b.WriteString(strings.TrimSpace(r.opts.Issue))
	b.WriteString("\n\n")
	if repro != nil {
		fmt.Fprintf(&b, "A reproduction test, %s in %s, fails on the current code and must pass after the change. ",
			strings.Join(repro.Tests, ", "), strings.Join(repro.Files, ", "))
	}
	fmt.Fprintf(&b, "The test command also runs %s of the touched code that pass now and must keep passing.", describe(reg.Tests))
	return b.String()
}

// selectPatch makes the patch from the search's chosen change, leaving
// the reproduction test out unless asked, and flags edits of tests.
func (r *run) selectPatch(repro *Reproduction) {
	res := r.res.Search
	if res == nil {
		return
	}
	orig := r.opts.Solve.Snapshot.Files
	final := maps.Clone(orig)
	if repro != nil {
		final = maps.Clone(repro.files)
	}
	changed, deleted := res.Changes()
	maps.Copy(final, changed)
	for _, p := range deleted {
		delete(final, p)
	}
	r.res.Passed = res.Passed
	if repro != nil {
		for _, p := range repro.Files {
			if _, touched := changed[p]; touched || slices.Contains(deleted, p) {
				r.res.Passed = false
				r.res.Notes = append(r.res.Notes, "the change edits the reproduction test "+p+": it does not count as passing")
			}
			if !r.opts.KeepReproduction {
				restore(final, orig, p)
			}
		}
	}
	r.res.Patch = repo.Diff(orig, final)
	r.res.orig, r.res.final = orig, final
	files, _, _ := repo.Stat(orig, final)
	for _, p := range files {
		if IsTestFile(p) && (repro == nil || !slices.Contains(repro.Files, p)) {
			r.res.TouchesTests = true
			r.res.Notes = append(r.res.Notes, "the patch edits the existing test file "+p+": check that it does not weaken a test")
		}
	}
	verdict := "passes its reproduction and regression tests"
	if !r.res.Passed {
		verdict = "the best by score; it does not pass its tests"
	}
	r.done(fmt.Sprintf("%d file(s) changed; %s", len(files), verdict))
}

// restore sets p in files back to orig's (absent if orig has none).
func restore(files, orig map[string][]byte, p string) {
	if c, ok := orig[p]; ok {
		files[p] = c
	} else {
		delete(files, p)
	}
}
