package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/internal/testlog"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch/repo"
)

// Reproduction is a test that reproduces the issue: it runs and fails on
// the unpatched code.
type Reproduction struct {
	// Files are the test files it creates or changes; Tests its test
	// functions ("TestX", "test_x"); Edits its SEARCH/REPLACE blocks.
	Files []string `json:"files"`
	Tests []string `json:"tests"`
	Edits string   `json:"edits"`
	// Command runs it; Before is its output on the unpatched code (an
	// excerpt), IDs the names its results go by (Go test names, pytest
	// node ids).
	Command string   `json:"command"`
	Before  string   `json:"output_before"`
	IDs     []string `json:"ids"`
	// Attempts is the number of tests the model wrote.
	Attempts int `json:"attempts"`

	files map[string][]byte // the repository with the test
}

// reproduce asks for a reproduction test until one fails on the unpatched
// code for the issue's reason, or the attempts run out (nil, with a note).
func (r *run) reproduce(ctx context.Context, loc localization) (*Reproduction, string, error) {
	base := r.opts.Solve.Snapshot.Files
	req := agent.ReproduceRequest{ProblemID: r.id, Lang: string(r.lang), Issue: r.opts.Issue,
		Context: repo.RenderFiles(r.layout(), base, r.readFor(loc), 40000)}
	why := "the model wrote no test"
	for attempt := 1; attempt <= r.opts.reproAttempts(); attempt++ {
		req.Sample = attempt - 1
		res, err := agent.Reproducer{C: r.model}.Write(ctx, req)
		if err != nil && !agent.IsModelOutput(err) {
			return nil, "", err
		}
		if err != nil {
			req.PrevEdits, req.Feedback = "(no blocks)", "Your answer had no SEARCH/REPLACE block that could be read: "+err.Error()
			continue
		}
		rep, feedback, err := r.tryReproduction(ctx, res.Edits)
		if err != nil {
			return nil, "", err
		}
		if rep != nil {
			rep.Attempts = attempt
			return rep, fmt.Sprintf("%s in %s fails on the unpatched code", strings.Join(rep.Tests, ", "), strings.Join(rep.Files, ", ")), nil
		}
		req.PrevEdits, req.Feedback, why = agent.FormatEdits(res.Edits), feedback, firstLine(feedback)
	}
	return nil, fmt.Sprintf("no reproduction test after %d attempts (last: %s)", r.opts.reproAttempts(), why), nil
}

// tryReproduction applies the test's edits and runs its new tests on the
// unpatched code: a Reproduction when they run and one fails, else the
// feedback that says why not.
func (r *run) tryReproduction(ctx context.Context, edits []agent.Edit) (*Reproduction, string, error) {
	base := r.opts.Solve.Snapshot.Files
	var paths []string
	for _, e := range edits {
		if !IsTestFile(e.Path) || !strings.HasSuffix(e.Path, r.ext()) {
			return nil, fmt.Sprintf("%s is not a test file: a reproduction test only adds a test (a %s file).", e.Path, r.testFileKind()), nil
		}
		paths = append(paths, e.Path)
	}
	slices.Sort(paths)
	paths = slices.Compact(paths)
	files, err := repo.Apply(base, repoEdits(edits))
	if err != nil {
		return nil, "The blocks did not apply, so nothing ran:\n" + err.Error(), nil
	}
	added := newTests(base, files, paths)
	if len(added) == 0 {
		return nil, "The blocks add no new test function, so nothing reproduces the issue.", nil
	}
	rep := &Reproduction{Edits: agent.FormatEdits(edits), files: files}
	for _, p := range paths {
		if len(added[p]) > 0 {
			rep.Files = append(rep.Files, p)
			rep.Tests = append(rep.Tests, added[p]...)
		}
	}
	rep.Command = r.reproCommand(rep)
	check, err := r.exec(ctx, files, rep.Command, false)
	if err != nil {
		return nil, "", err
	}
	out := repo.Excerpt(check.TestOutput, 3000)
	if check.Ended != "" {
		return nil, "The test run ended early (" + check.Ended + "):\n" + out, nil
	}
	return r.judgeReproduction(rep, statuses(r.lang, check.TestOutput), out)
}

// judgeReproduction keeps rep when each new test ran and one failed.
func (r *run) judgeReproduction(rep *Reproduction, sts map[string]testlog.Status, out string) (*Reproduction, string, error) {
	failed := false
	for _, p := range rep.Files {
		for _, name := range r.testsIn(rep, p) {
			s, id, ok := statusOf(r.lang, sts, p, name)
			switch {
			case !ok || s == testlog.Error:
				return nil, fmt.Sprintf("%s did not run (it does not build, or could not be collected), so it does not show the issue:\n%s", name, out), nil
			case s == testlog.Failed:
				failed = true
			}
			rep.IDs = append(rep.IDs, id)
		}
	}
	if !failed {
		return nil, "The test passes on the current code, so it does not reproduce the issue:\n" + out, nil
	}
	rep.Before = out
	return rep, "", nil
}

// testsIn lists the reproduction's tests defined in file p.
func (r *run) testsIn(rep *Reproduction, p string) []string {
	var out []string
	for _, name := range testFuncs(p, rep.files[p]) {
		if slices.Contains(rep.Tests, name) && !slices.Contains(testFuncs(p, r.opts.Solve.Snapshot.Files[p]), name) {
			out = append(out, name)
		}
	}
	return out
}

// reproCommand runs the reproduction's tests, verbosely.
func (r *run) reproCommand(rep *Reproduction) string {
	if r.lang == sandbox.LangGo {
		return goTestCommand(goPackages(rep.Files), rep.Tests, true)
	}
	return pytestCommand(rep.Files)
}

// readFor is what the Reproducer reads in full: the localized files and
// the test files beside them.
func (r *run) readFor(loc localization) []string {
	files := r.opts.Solve.Snapshot.Files
	read := loc.files()
	for _, p := range repo.SourceFiles(files, string(r.lang)) {
		if IsTestFile(p) && slices.ContainsFunc(loc.files(), func(f string) bool { return sameDir(f, p) }) {
			read = append(read, p)
		}
	}
	return repo.Fit(files, read, 40000)
}

func (r *run) ext() string {
	if r.lang == sandbox.LangGo {
		return ".go"
	}
	return ".py"
}

func (r *run) testFileKind() string {
	if r.lang == sandbox.LangGo {
		return "_test.go"
	}
	return "test_*.py"
}

// repoEdits converts the agent's edits.
func repoEdits(edits []agent.Edit) []repo.Edit {
	out := make([]repo.Edit, len(edits))
	for i, e := range edits {
		out[i] = repo.Edit{Path: e.Path, Search: e.Search, Replace: e.Replace}
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
