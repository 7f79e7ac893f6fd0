package main

import (
	"github.com/urfave/cli/v2"
)

func solveCommand() *cli.Command {
	return &cli.Command{
		Name:      "solve",
		Usage:     "search for a change to your repository that does TASK and passes its tests and linter",
		ArgsUsage: "TASK",
		Description: "The search runs on a copy of the repository in the sandbox, with no network; your working\n" +
			"tree is only written with --apply. Prints the best change as a unified diff. Exit status: 0 a\n" +
			"change that passes was found, 1 none within the budget, 2 usage error, 3 Docker or model endpoint.",
		Flags:  repoFlags(),
		Action: func(c *cli.Context) error { return runRepo(c, false) },
	}
}

func fixCommand() *cli.Command {
	return &cli.Command{
		Name:  "fix",
		Usage: "run your repository's tests; if they fail, search for a change that makes them pass",
		Description: "Like solve, with the task of making the failing tests pass without breaking the others\n" +
			"or adding lint findings. When the tests already pass it says so and stops (exit 0).",
		Flags:  repoFlags(),
		Action: func(c *cli.Context) error { return runRepo(c, true) },
	}
}

// repoFlags are the flags of solve and fix.
func repoFlags() []cli.Flag {
	// A width of 3: a budget of 8 leaves room for repairs.
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
	}, searchFlags(3)...), llmFlags()...), sandboxFlagsFor(repoDefaultLimits())...)
}
