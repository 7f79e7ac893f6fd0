package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/internal/runner"
)

// Exit codes, decided here and nowhere else.
const (
	exitOK       = 0
	exitFailure  = 1 // the command ran and reports a negative outcome
	exitUsage    = 2 // bad flags or arguments
	exitInfra    = 3 // Docker, the network, the harness itself
	exitCanceled = 130
)

// usageError marks errors caused by what the user typed.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// Main runs the CLI and returns the process exit code.
func Main() int {
	if len(os.Args) > 1 && os.Args[1] == runner.ArgRunner {
		return runner.Main(os.Args[2:])
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args, os.Stdout, os.Stderr)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	args, err := flagsFirst(app, args)
	if err == nil {
		err = app.RunContext(ctx, args)
	}
	return exitCode(ctx, err, stderr)
}

func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(stderr, "codetree:", msg)
		}
		return ec.ExitCode()
	}
	fmt.Fprintln(stderr, "codetree:", err)
	var ue usageError
	switch {
	// urfave/cli reports a missing required flag with an unexported type.
	case errors.As(err, &ue), strings.HasPrefix(err.Error(), "Required flag"):
		return exitUsage
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return exitCanceled
	default:
		return exitInfra
	}
}

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:      "codetree",
		Usage:     "make language models write correct code by searching and testing",
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "log-level", Value: "warn", Usage: "debug, info, warn or error", EnvVars: []string{"CODETREE_LOG_LEVEL"}},
			&cli.StringFlag{Name: "docker-host", Usage: "Docker daemon address (default: DOCKER_HOST or the local socket)"},
		},
		Before: func(c *cli.Context) error {
			var lvl slog.Level
			if err := lvl.UnmarshalText([]byte(c.String("log-level"))); err != nil {
				return usageErrorf("invalid --log-level %q: use debug, info, warn or error", c.String("log-level"))
			}
			slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl})))
			return nil
		},
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return usageError{err}
		},
		// Exit codes are decided by exitCode, not by urfave/cli (whose
		// default handler calls os.Exit for a cli.ExitCoder).
		ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{
			askCommand(),
			benchCommand(),
			datasetsCommand(),
			evalCommand(),
			evalBenchCommand(),
			execCommand(),
			fixCommand(),
			imagesCommand(),
			issueCommand(),
			k8sCommand(),
			mergeCommand(),
			reportCommand(),
			sandboxCommand(),
			simLLMCommand(),
			slurmCommand(),
			solveCommand(),
			sweCommand(),
			sweBenchCommand(),
		},
	}
	prepareCommands(app.Commands)
	return app
}

// prepareCommands gives commands codetree's handling of bad input: usage
// errors, and no stray arguments. The cluster commands' check of the
// wrapped command's flags (cluster.go) goes through it too, so that what
// a task would refuse is refused before anything is submitted.
func prepareCommands(cmds []*cli.Command) {
	markUsageErrors(cmds)
	refuseArguments(cmds, "")
}

// optionsAction is a command's Action: read its options from the flags
// (from: bad values are usage errors), then run them with runF, or with
// run when runF is nil (tests pass a runF that only keeps the options).
func optionsAction[O any](from func(*cli.Context) (*O, error), runF, run func(context.Context, *O) error) cli.ActionFunc {
	if runF == nil {
		runF = run
	}
	return func(c *cli.Context) error {
		opts, err := from(c)
		if err != nil {
			return err
		}
		return runF(c.Context, opts)
	}
}

// markUsageErrors makes flag errors of every (sub)command exit with
// exitUsage.
func markUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = func(_ *cli.Context, err error, _ bool) error { return usageError{err} }
		markUsageErrors(c.Subcommands)
	}
}

// refuseArguments makes every command that names no arguments (no
// ArgsUsage, no subcommands) refuse them: with flags accepted after
// arguments, `codetree bench humaneval` would otherwise run on the
// default dataset and drop the word.
func refuseArguments(cmds []*cli.Command, parent string) {
	for _, c := range cmds {
		name := strings.TrimSpace(parent + " " + c.Name)
		if len(c.Subcommands) > 0 {
			refuseArguments(c.Subcommands, name)
			continue
		}
		if c.ArgsUsage != "" || name == "fix" { // fix says to use solve for a TASK
			continue
		}
		before := c.Before
		c.Before = func(ctx *cli.Context) error {
			if ctx.NArg() > 0 {
				return usageErrorf("%s takes no arguments, got %q: its inputs are flags (codetree %s --help)", name, ctx.Args().Slice(), name)
			}
			if before != nil {
				return before(ctx)
			}
			return nil
		}
	}
}
