package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/agent"
)

func askCommand() *cli.Command {
	return &cli.Command{
		Name:      "ask",
		Usage:     "send one role request to the model endpoint and print the parsed answer",
		ArgsUsage: `"TEXT" (the problem; - reads it from stdin)`,
		Description: "Sends TEXT to the configured endpoint as one CodeTree role and prints what the\n" +
			"role makes of the reply: the numbered strategies (thinker), the code (solver,\n" +
			"debugger), the score or verdict (critic). A one-line account of tokens, cost and\n" +
			"retries goes to stderr. Use it to check a model setup before a long run.\n\n" +
			"Exit 0 on success, 1 when the model's reply could not be used, 2 on a usage\n" +
			"error, 3 on an infrastructure failure (the message names the endpoint, the\n" +
			"status and what to do).",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "role", Value: "solver", Usage: "thinker, solver, debugger or critic"},
			&cli.StringFlag{Name: "lang", Value: "python", Usage: "python or go"},
			&cli.StringFlag{Name: "entry-point", Usage: "the function the code must define (solver, debugger)"},
			&cli.StringFlag{Name: "strategy", Usage: "solver: the hint; thinker with --code: the strategy the code followed"},
			&cli.StringFlag{Name: "code", Usage: "file with the code to debug, reflect on or judge (- for stdin)"},
			&cli.StringFlag{Name: "feedback", Usage: "test results of --code (@FILE reads a file)"},
			&cli.StringFlag{Name: "reflection", Usage: "debugger: the fix to follow"},
			&cli.BoolFlag{Name: "verify", Usage: "critic: verify a candidate that passes its tests (True/False) instead of scoring"},
		}, llmFlags()...),
		Action: runAsk,
	}
}

// askInput is what the flags and arguments of ask say.
type askInput struct {
	role                                           agent.Role
	lang, problem, entry, strategy, code, feedback string
	reflection                                     string
	verify                                         bool
}

func readAskInput(c *cli.Context) (askInput, error) {
	in := askInput{
		role: agent.Role(c.String("role")), lang: c.String("lang"),
		entry: c.String("entry-point"), strategy: c.String("strategy"),
		reflection: c.String("reflection"), verify: c.Bool("verify"),
	}
	switch in.role {
	case agent.RoleThinker, agent.RoleSolver, agent.RoleDebugger, agent.RoleCritic:
	default:
		return in, usageErrorf("--role %q: use thinker, solver, debugger or critic", in.role)
	}
	if in.lang != "python" && in.lang != "go" {
		return in, usageErrorf("--lang %q: use python or go", in.lang)
	}
	if c.NArg() != 1 {
		return in, usageErrorf(`ask takes one TEXT argument, the problem (quote it, or pass - to read stdin); got %d`, c.NArg())
	}
	var err error
	if in.problem, err = readArg(c.Args().First(), c.App.Reader); err != nil {
		return in, err
	}
	if p := c.String("code"); p != "" {
		b, err := readFileOrStdin(p, c.App.Reader)
		if err != nil {
			return in, usageErrorf("--code: %v", err)
		}
		in.code = string(b)
	}
	if f := c.String("feedback"); strings.HasPrefix(f, "@") {
		b, err := os.ReadFile(f[1:])
		if err != nil {
			return in, usageErrorf("--feedback: %v", err)
		}
		in.feedback = string(b)
	} else {
		in.feedback = f
	}
	needCode := in.role == agent.RoleDebugger || in.role == agent.RoleCritic
	if needCode && (in.code == "" || in.feedback == "") {
		return in, usageErrorf("--role %s needs --code FILE and --feedback TEXT (the test results of that code)", in.role)
	}
	return in, nil
}

func readArg(arg string, stdin io.Reader) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	b, err := io.ReadAll(stdin)
	if err != nil {
		return "", fmt.Errorf("read stdin: %w", err)
	}
	return string(b), nil
}

func readFileOrStdin(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(path)
}

func runAsk(c *cli.Context) error {
	in, err := readAskInput(c)
	if err != nil {
		return err
	}
	cfg, err := agentConfig(c)
	if err != nil {
		return err
	}
	client, err := agent.New(cfg)
	if err != nil {
		return usageError{err}
	}
	defer client.Close()

	out, resp, err := askRole(c, client, in)
	if resp.Model != "" || resp.Usage.Total() > 0 {
		fmt.Fprintln(c.App.ErrWriter, describeAccount(resp))
	}
	if resp.Simulated {
		fmt.Fprintln(c.App.ErrWriter, "note: the answer came from a simulated model (the endpoint sent "+agent.SimulatedHeader+": true)")
	}
	switch {
	case err == nil:
		fmt.Fprint(c.App.Writer, out)
		return nil
	case agent.IsModelOutput(err):
		if resp.Content != "" {
			fmt.Fprintf(c.App.ErrWriter, "--- the model's reply ---\n%s\n---\n", resp.Content)
		}
		return cli.Exit(fmt.Sprintf("the model's reply could not be used: %v", err), exitFailure)
	case agent.ClassOf(err) == agent.BudgetExceeded:
		return cli.Exit(fmt.Sprintf("%v", err), exitFailure)
	}
	return err
}

// askRole sends the request of in.role and renders the parsed answer.
func askRole(c *cli.Context, client agent.Completer, in askInput) (string, agent.Response, error) {
	ctx := c.Context
	const id = "ask"
	switch in.role {
	case agent.RoleThinker:
		if in.code != "" {
			r, err := agent.Thinker{C: client}.Reflections(ctx, agent.ReflectionsRequest{
				ProblemID: id, Lang: in.lang, Problem: in.problem, Strategy: in.strategy, Code: in.code, Feedback: in.feedback,
			})
			return numbered(r.Reflections), r.Response, err
		}
		r, err := agent.Thinker{C: client}.Strategies(ctx, agent.StrategiesRequest{ProblemID: id, Lang: in.lang, Problem: in.problem})
		return numbered(r.Strategies), r.Response, err
	case agent.RoleSolver:
		r, err := agent.Solver{C: client}.Solve(ctx, agent.SolveRequest{
			ProblemID: id, Lang: in.lang, Problem: in.problem, EntryPoint: in.entry, Strategy: in.strategy,
		})
		return r.Code, r.Response, err
	case agent.RoleDebugger:
		r, err := agent.Debugger{C: client}.Debug(ctx, agent.DebugRequest{
			ProblemID: id, Lang: in.lang, Problem: in.problem, EntryPoint: in.entry,
			PrevCode: in.code, Feedback: in.feedback, Reflection: in.reflection,
		})
		return r.Code, r.Response, err
	case agent.RoleCritic:
		if in.verify {
			r, err := agent.Critic{C: client}.Verify(ctx, agent.VerifyRequest{ProblemID: id, Lang: in.lang, Problem: in.problem, Code: in.code, Feedback: in.feedback})
			return fmt.Sprintf("verdict: %v\n", r.OK), r.Response, err
		}
		r, err := agent.Critic{C: client}.Score(ctx, agent.ScoreRequest{ProblemID: id, Lang: in.lang, Problem: in.problem, Code: in.code, Feedback: in.feedback})
		return fmt.Sprintf("score: %d\n", r.Score), r.Response, err
	}
	return "", agent.Response{}, errors.New("unreachable: role checked in readAskInput")
}

func numbered(items []string) string {
	var b strings.Builder
	for i, it := range items {
		fmt.Fprintf(&b, "%d. %s\n", i+1, it)
	}
	return b.String()
}
