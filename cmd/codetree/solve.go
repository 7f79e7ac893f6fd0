package main

import (
	"context"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch/repo"
)

// repoOptions are solve's and fix's flags and arguments, parsed: the
// engine's options (repo.Options; runRepo adds the repository, the model
// and the sandbox) and what the command does around it.
type repoOptions struct {
	repo.Options
	// Dir is --repo; Globs --files (repo.Options.Files are their paths).
	Dir   string
	Globs []string
	// Apply writes a passing change; JSON prints the result as JSON;
	// TreeFile, if set, gets the search tree.
	Apply, JSON bool
	TreeFile    string

	Agent         agent.Config
	SandboxConfig sandbox.Config
	Search        searchOptions
	Stdout        io.Writer
	Stderr        io.Writer
}

func solveCommand() *cli.Command { return newSolveCommand(nil) }

func fixCommand() *cli.Command { return newFixCommand(nil) }

// newSolveCommand is codetree solve; runF, if set, gets the parsed
// options instead of runRepo (tests check the flags with it).
func newSolveCommand(runF func(context.Context, *repoOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "solve",
		Usage:     "search for a change to your repository that does TASK and passes its tests and linter",
		ArgsUsage: "TASK",
		Description: "The search runs on a copy of the repository in the sandbox, with no network; your working\n" +
			"tree is only written with --apply. Prints the best change as a unified diff. Exit status: 0 a\n" +
			"change that passes was found, 1 none within the budget, 2 usage error, 3 Docker or model endpoint.",
		Flags:  repoFlags(),
		Action: repoAction(false, runF),
	}
}

// newFixCommand is codetree fix; runF as for newSolveCommand.
func newFixCommand(runF func(context.Context, *repoOptions) error) *cli.Command {
	return &cli.Command{
		Name:  "fix",
		Usage: "run your repository's tests; if they fail, search for a change that makes them pass",
		Description: "Like solve, with the task of making the failing tests pass without breaking the others\n" +
			"or adding lint findings. When the tests already pass it says so and stops (exit 0).",
		Flags:  repoFlags(),
		Action: repoAction(true, runF),
	}
}

func repoAction(fix bool, runF func(context.Context, *repoOptions) error) cli.ActionFunc {
	from := func(c *cli.Context) (*repoOptions, error) { return repoOptionsFrom(c, fix) }
	return optionsAction(from, runF, runRepo)
}

// repoFlags are the flags of solve and fix.
func repoFlags() []cli.Flag {
	return append(append(append([]cli.Flag{
		&cli.StringFlag{Name: "repo", Value: ".", Usage: "the repository (its .gitignore is respected)"},
		&cli.StringFlag{Name: "test", Usage: "test command, run in the repository's root (default: go test ./... or python3 -m pytest -q)"},
		&cli.StringFlag{Name: "lint", Usage: "lint command; a change may not add findings (default: go vet ./... or python3 -m pyflakes .; none: no lint)"},
		&cli.BoolFlag{Name: "strict-lint", Usage: "a change must leave no lint finding at all, not only add none"},
		&cli.StringSliceFlag{Name: "files", Usage: "the files to show the model in full (globs, repeatable; default: those the task and the failing tests name)"},
		&cli.StringFlag{Name: "lang", Usage: "go or python (default: go when there is a go.mod)"},
		&cli.IntFlag{Name: "budget", Value: 8, Usage: "candidate changes to try (every Solver or Debugger output counts one)"},
		&cli.BoolFlag{Name: "apply", Usage: "write the passing change to the working tree (refused if a touched file changed meanwhile)"},
		&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
		&cli.StringFlag{Name: "tree", Usage: "write the search tree (every candidate: edits, feedback, scores, tokens) to this JSON file"},
	}, searchFlags(repo.DefaultWidth)...), llmFlags()...), sandboxFlagsFor(repo.DefaultLimits())...)
}

// repoOptionsFrom reads the flags and arguments; every error is a usage
// error. Nothing is read or run.
func repoOptionsFrom(c *cli.Context, fix bool) (*repoOptions, error) {
	o := &repoOptions{Dir: c.String("repo"), Globs: c.StringSlice("files"), Apply: c.Bool("apply"), JSON: c.Bool("json"),
		TreeFile: c.String("tree"), Stdout: c.App.Writer, Stderr: c.App.ErrWriter}
	o.Fix, o.Task = fix, strings.TrimSpace(strings.Join(c.Args().Slice(), " "))
	switch {
	case fix && o.Task != "":
		return nil, usageErrorf("fix takes no TASK (it makes the failing tests pass); use codetree solve %q", o.Task)
	case !fix && o.Task == "":
		return nil, usageErrorf("solve needs a TASK: codetree solve \"add a --verbose flag\"")
	}
	o.Budget, o.StrictLint, o.Image = c.Int("budget"), c.Bool("strict-lint"), c.String("image")
	if o.Budget < 1 {
		return nil, usageErrorf("--budget %d: want at least 1", o.Budget)
	}
	var err error
	if o.Agent, err = agentConfig(c); err != nil {
		return nil, err
	}
	if o.Limits, err = limitsFrom(c); err != nil {
		return nil, err
	}
	if o.Lang, err = langFlag(c.String("lang")); err != nil {
		return nil, err
	}
	if err := o.commandFlags(c); err != nil {
		return nil, err
	}
	if o.SandboxConfig, err = sandboxConfigFrom(c); err != nil {
		return nil, err
	}
	if o.Search, err = searchOptionsFrom(c, o.Agent); err != nil {
		return nil, err
	}
	return o, nil
}

// langFlag reads --lang ("": the engine tells it from the files).
func langFlag(flag string) (sandbox.Lang, error) {
	switch flag {
	case "go":
		return sandbox.LangGo, nil
	case "python":
		return sandbox.LangPython, nil
	case "":
		return "", nil
	}
	return "", usageErrorf("--lang %q: use go or python", flag)
}

// commandFlags reads --test and --lint (--lint none: no lint).
func (o *repoOptions) commandFlags(c *cli.Context) error {
	if c.IsSet("test") {
		if o.Test = c.String("test"); strings.TrimSpace(o.Test) == "" {
			return usageErrorf("--test: want a command")
		}
	}
	if c.IsSet("lint") {
		o.Lint = c.String("lint")
		if o.Lint == "none" || o.Lint == "" {
			o.Lint, o.NoLint = "", true
		}
	}
	return nil
}
