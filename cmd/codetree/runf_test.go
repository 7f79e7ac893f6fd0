package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/urfave/cli/v2"
)

// runCommand runs the codetree app with cmd in place of the command of
// the same name (a command made with a runF, so that nothing runs) and
// returns the exit code and stderr.
func runCommand(t *testing.T, cmd *cli.Command, args ...string) (int, string) {
	t.Helper()
	cliMu.Lock()
	defer cliMu.Unlock()
	var out, errb bytes.Buffer
	app := newApp(&out, &errb)
	for i, c := range app.Commands {
		if c.Name == cmd.Name {
			app.Commands[i] = cmd
		}
	}
	prepareCommands([]*cli.Command{cmd})
	args, err := flagsFirst(app, append([]string{"codetree"}, args...))
	if err == nil {
		err = app.RunContext(t.Context(), args)
	}
	return exitCode(t.Context(), err, &errb), errb.String()
}

// captured returns a runF that keeps the options it is given.
func captured[O any](got **O) func(context.Context, *O) error {
	return func(_ context.Context, o *O) error {
		*got = o
		return nil
	}
}
