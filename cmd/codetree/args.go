package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// flagsFirst returns args (the program, then its arguments) with the flags
// of the command invoked moved before its positional arguments, so that
// flags may come last: `codetree report runs/A runs/B --html cmp.html`.
// urfave/cli v2 stops parsing flags at the first positional argument (v3
// does not, but codetree is on v2).
//
// It resolves the command as urfave/cli does: the app's flags, a command's
// name or alias, its flags, a subcommand's name, and so on. Only the
// arguments of the command that runs are reordered, the flags keeping
// their order (a repeated --files stays in order); "--" and what follows
// stay in place. Nothing is reordered under a command that parses its own
// arguments (SkipFlagParsing: codetree slurm KIND, codetree k8s KIND), nor
// when no command is found or a command with subcommands is given none of
// them (codetree help, codetree swe help run). An unknown flag moves like a
// boolean one, for urfave/cli to refuse. A last flag that lacks its value
// is an error here: moved, it would take an argument as its value.
func flagsFirst(app *cli.App, args []string) ([]string, error) {
	flags, cmds := app.Flags, app.Commands
	for start, isCommand := 1, false; ; isCommand = true {
		values := valueFlags(flags)
		i := start
		for i < len(args) && isFlag(args[i]) && args[i] != "--" {
			i = skipFlag(args, i, values)
		}
		if i >= len(args) || args[i] == "--" {
			return args, nil
		}
		if sub := findCommand(cmds, args[i]); sub != nil {
			if sub.SkipFlagParsing {
				return args, nil
			}
			start, flags, cmds = i+1, sub.Flags, sub.Subcommands
			continue
		}
		if !isCommand || len(cmds) > 0 {
			return args, nil
		}
		moved, err := reorder(args[start:], values)
		return append(args[:start:start], moved...), err
	}
}

// reorder moves the flags of a command's arguments before the others.
// With --help or -h it keeps only the flags: urfave/cli would take the
// first argument for a help topic ("No help topic for 'runs/A'").
func reorder(args []string, values map[string]bool) ([]string, error) {
	var flags, positional []string
	help := false
	for i := 0; i < len(args); {
		switch a := args[i]; {
		case a == "--":
			positional = append(positional, args[i:]...)
			i = len(args)
		case !isFlag(a):
			positional = append(positional, a)
			i++
		default:
			next := skipFlag(args, i, values)
			if next > len(args) {
				return nil, usageErrorf("flag needs an argument: -%s", flagName(a))
			}
			help = help || flagName(a) == "help" || flagName(a) == "h"
			flags = append(flags, args[i:next]...)
			i = next
		}
	}
	if help {
		return flags, nil
	}
	return append(flags, positional...), nil
}

// skipFlag returns the index after the flag args[i] and its value, past
// the end when the value is missing.
func skipFlag(args []string, i int, values map[string]bool) int {
	if !strings.Contains(args[i], "=") && values[flagName(args[i])] {
		return i + 2
	}
	return i + 1
}

// isFlag reports whether the Go flag package reads a as a flag ("-" is an
// argument).
func isFlag(a string) bool { return len(a) > 1 && a[0] == '-' }

// flagName is the name of flag a: -x, --x, -x=v or --x=v.
func flagName(a string) string {
	name, _, _ := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
	return name
}

// valueFlags maps the names and aliases of flags, and the help flag, to
// whether they take a value: booleans do not (but as --x=false).
func valueFlags(flags []cli.Flag) map[string]bool {
	values := map[string]bool{"help": false, "h": false}
	for _, f := range flags {
		df, ok := f.(cli.DocGenerationFlag)
		for _, name := range f.Names() {
			values[name] = !ok || df.TakesValue()
		}
	}
	return values
}

// findCommand is the command of cmds named or aliased name, or nil.
func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
