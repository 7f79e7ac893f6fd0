package main

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch"
	"github.com/codetree/codetree/treesearch/repo"
)

// fixTask is the task of codetree fix.
const fixTask = "Make the failing tests pass without breaking the tests that pass. " +
	"Fix the code under test; change a test only if it is clearly wrong."

// repoRun is everything solve and fix set up before the search.
type repoRun struct {
	snap     *repo.Snapshot
	lang     sandbox.Lang
	task     string
	tester   *repo.Tester
	baseline repo.Check
	notes    []string
}

func runRepo(c *cli.Context, fix bool) error {
	ctx := c.Context
	task := strings.TrimSpace(strings.Join(c.Args().Slice(), " "))
	switch {
	case fix && task != "":
		return usageErrorf("fix takes no TASK (it makes the failing tests pass); use codetree solve %q", task)
	case !fix && task == "":
		return usageErrorf("solve needs a TASK: codetree solve \"add a --verbose flag\"")
	case fix:
		task = fixTask
	}
	if c.Int("budget") < 1 {
		return usageErrorf("--budget %d: want at least 1", c.Int("budget"))
	}
	cfg, err := agentConfig(c)
	if err != nil {
		return err
	}
	limits, err := limitsFrom(c)
	if err != nil {
		return err
	}
	snap, err := repo.Load(ctx, c.String("repo"), repo.LoadOptions{})
	if err != nil {
		return usageError{err}
	}
	lang, err := repoLang(c.String("lang"), snap.Files)
	if err != nil {
		return err
	}
	named, err := matchFiles(c.StringSlice("files"), snap)
	if err != nil {
		return err
	}
	client, err := agent.New(cfg)
	if err != nil {
		return usageError{err}
	}
	defer client.Close()
	sb, err := openSandbox(ctx, c)
	if err != nil {
		return err
	}
	defer closeSandbox(ctx, sb)

	rr := &repoRun{snap: snap, lang: lang, task: task}
	rr.tester = &repo.Tester{Exec: sb, Base: snap.Files, Lang: lang, Image: c.String("image"),
		Commands: repoCommands(c, lang), Limits: limits}
	var note string
	if lang == sandbox.LangGo {
		rr.tester.Env, rr.tester.Mounts, note = goDeps(ctx, snap.Files)
	} else {
		rr.tester.Env, note = pythonEnv(snap.Files)
	}
	if note != "" {
		rr.notes = append(rr.notes, note)
	}
	out := newRepoOutput(c)
	out.status("running the tests before any change: %s", rr.tester.Commands.Test)
	rr.baseline, err = rr.tester.Run(ctx, snap.Files)
	if err != nil {
		return err
	}
	if p := offlineProblem(rr.baseline.TestOutput+"\n"+rr.baseline.LintOutput, lang, snap.Files); p != "" {
		return fmt.Errorf("%s", p)
	}
	if fix && rr.baseline.TestsPassed() {
		return out.nothingToFix(rr)
	}
	if !c.Bool("strict-lint") {
		// A change answers for the findings it adds, not for those the
		// repository already had.
		rr.tester.LintBaseline = repo.LintFindings(rr.baseline.LintOutput)
	}

	files := named
	if len(files) == 0 {
		if files, err = rr.chooseFiles(ctx, client); err != nil {
			return err
		}
	}
	temps, err := temperaturesFrom(c, cfg)
	if err != nil {
		return err
	}
	coder := &repo.Coder{Model: temps.Wrap(client), Tests: rr.tester, Task: rr.brief(), Lang: string(lang), Files: files, Layout: snap.Layout(8000)}
	env := treesearch.Env{Model: client, Coder: coder, Tests: rr.tester, Budget: c.Int("budget"), FeedbackMax: 6000,
		Observe: out.node(client.Ledger()), Temperatures: temps}
	strategy, err := strategyFrom(c, env)
	if err != nil {
		return err
	}
	tree, searchErr := strategy.Search(ctx, rr.problem())
	out.endProgress()
	if f := c.String("tree"); f != "" && tree != nil {
		if err := treesearch.WriteJSONFile(f, tree); err != nil {
			return err
		}
	}
	result, err := rr.result(ctx, tree, coder, client.Ledger().Snapshot().Total)
	if err != nil {
		return errors.Join(searchErr, err)
	}
	if searchErr != nil {
		// Ctrl-C or an infrastructure error: show the best change so far.
		out.print(result, "the search stopped early: "+searchErr.Error())
		return searchErr
	}
	if c.Bool("apply") {
		if err := applyResult(snap, result); err != nil {
			out.print(result, "")
			return err
		}
	}
	out.print(result, "")
	if !result.Passed {
		return cli.Exit(fmt.Sprintf("no change within the budget of %d passes the tests", c.Int("budget")), exitFailure)
	}
	return nil
}

// brief is the task with the state of the checks before any change.
func (rr *repoRun) brief() string {
	var b strings.Builder
	b.WriteString(rr.task)
	fmt.Fprintf(&b, "\n\nBefore any change, `%s` ", rr.tester.Commands.Test)
	if rr.baseline.TestsPassed() {
		b.WriteString("passes.")
	} else {
		b.WriteString("fails:\n")
		b.WriteString(repo.Excerpt(rr.baseline.TestOutput, 3000))
	}
	if lint := rr.tester.Commands.Lint; lint != "" && rr.baseline.LintExit != 0 {
		fmt.Fprintf(&b, "\n\n`%s` reports:\n%s", lint, repo.Excerpt(rr.baseline.LintOutput, 1500))
	}
	return b.String()
}

// filesMax caps the size of the files shown in full to the model.
const filesMax = 40000

// chooseFiles picks the files to show in full: those the task and the
// failing output name; else every source file if they fit; else those
// the model names from the layout (a Thinker call).
func (rr *repoRun) chooseFiles(ctx context.Context, model agent.Completer) ([]string, error) {
	files, lang := rr.snap.Files, string(rr.lang)
	if named := repo.MentionedFiles(files, lang, rr.brief()); len(named) > 0 {
		return repo.Fit(files, named, filesMax), nil
	}
	all := repo.SourceFiles(files, lang)
	if repo.TotalSize(files, all) <= filesMax {
		return all, nil
	}
	res, err := agent.Editor{C: model}.ChooseFiles(ctx, agent.FilesRequest{
		ProblemID: "repo", Lang: lang, Task: rr.brief(), Layout: rr.snap.Layout(20000), Max: 10,
	})
	switch {
	case err != nil && !agent.IsModelOutput(err):
		return nil, err
	case err != nil || len(repo.Fit(files, res.Paths, filesMax)) == 0:
		rr.notes = append(rr.notes, "the model named no file of the repository to read; it sees the first source files that fit")
		return repo.Fit(files, all, filesMax), nil
	}
	return repo.Fit(files, res.Paths, filesMax), nil
}

// problem is the search's view of the task (what the Thinker and the
// Critic read): the brief and the repository's layout.
func (rr *repoRun) problem() treesearch.Problem {
	prompt := fmt.Sprintf("%s\n\nThe repository (%s) has these files:\n%s", rr.brief(), rr.lang, rr.snap.Layout(4000))
	return treesearch.Problem{ID: "repo", Lang: string(rr.lang), Prompt: prompt}
}

// matchFiles matches --files against the repository's paths: a glob
// (path.Match) or a folder.
func matchFiles(globs []string, snap *repo.Snapshot) ([]string, error) {
	var out []string
	for _, g := range globs {
		if _, err := path.Match(g, ""); err != nil {
			return nil, usageErrorf("--files %q: %v", g, err)
		}
		n := 0
		for p := range snap.Files {
			if ok, _ := path.Match(g, p); ok || strings.HasPrefix(p, strings.TrimSuffix(g, "/")+"/") {
				out = append(out, p)
				n++
			}
		}
		if n == 0 {
			return nil, usageErrorf("--files %q matches no file of the repository (paths are relative to its root, e.g. pkg/*.go)", g)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
