package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/sandbox"
)

func execCommand() *cli.Command {
	return &cli.Command{
		Name:      "exec",
		Usage:     "run a program in the sandbox and print its verdict",
		ArgsUsage: "FILE [-- ARGS...]",
		Description: "Runs FILE (Python or Go, from its extension unless --lang says) in a hardened container\n" +
			"and prints its verdict, exit code, output and duration. Exits 0 whenever the program\n" +
			"ran, whatever its verdict; non-zero only when the sandbox itself failed.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "lang", Usage: "python or go (default: from the file extension)"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
		}, sandboxFlags()...),
		Action: runExec,
	}
}

// execResult is the JSON shape of `codetree exec --json`.
type execResult struct {
	Status     string `json:"status"`
	ExitCode   int    `json:"exit_code"`
	Stdout     string `json:"stdout"`
	Stderr     string `json:"stderr"`
	DurationMS int64  `json:"duration_ms"`
	Truncated  bool   `json:"truncated"`
	Detail     string `json:"detail,omitempty"`
}

func runExec(c *cli.Context) error {
	if c.NArg() < 1 {
		return usageErrorf("exec needs a FILE to run: codetree exec prog.py")
	}
	file := c.Args().First()
	src, err := os.ReadFile(file)
	if err != nil {
		return usageErrorf("read %s: %v", file, err)
	}
	lang, ok := sandbox.LangFromPath(file)
	if s := c.String("lang"); s != "" {
		if lang, err = sandbox.ParseLang(s); err != nil {
			return usageErrorf("--lang: %v", err)
		}
	} else if !ok {
		return usageErrorf("cannot tell the language of %s from its extension: pass --lang python or --lang go", file)
	}
	limits, err := limitsFrom(c)
	if err != nil {
		return err
	}
	args := c.Args().Slice()[1:]
	if len(args) > 0 && args[0] == "--" { // FILE -- ARGS: the separator is not an argument
		args = args[1:]
	}
	req := programRequest(lang, filepath.Base(file), src, args)
	req.Image = c.String("image")
	req.Limits = limits

	ctx := c.Context
	sb, err := openSandbox(ctx, c)
	if err != nil {
		return err
	}
	defer closeSandbox(ctx, sb)
	res, err := sb.Run(ctx, req)
	if err != nil {
		return fmt.Errorf("run %s: %w", file, err)
	}
	if c.Bool("json") {
		return writeExecJSON(c.App.Writer, res)
	}
	writeExecText(c.App.Writer, res)
	return nil
}

// programRequest builds the run of one source file with its arguments.
func programRequest(lang sandbox.Lang, name string, src []byte, args []string) sandbox.Request {
	switch lang {
	case sandbox.LangGo:
		return sandbox.Request{
			Lang: lang,
			Files: map[string][]byte{
				"main.go": src,
				"go.mod":  []byte("module prog\n\ngo 1.26\n"),
			},
			Command: append([]string{"go", "run", "."}, args...),
		}
	default:
		return sandbox.PythonProgram(map[string][]byte{name: src}, name, args...)
	}
}

func writeExecJSON(w io.Writer, r sandbox.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(execResult{
		Status:     r.Status.String(),
		ExitCode:   r.ExitCode,
		Stdout:     r.Stdout,
		Stderr:     r.Stderr,
		DurationMS: r.Duration.Milliseconds(),
		Truncated:  r.Truncated(),
		Detail:     r.Detail,
	})
}

func writeExecText(w io.Writer, r sandbox.Result) {
	fmt.Fprintf(w, "status: %s  exit: %d  time: %s", r.Status, r.ExitCode, r.Duration.Round(100_000))
	if r.Truncated() {
		fmt.Fprint(w, "  (output truncated)")
	}
	fmt.Fprintln(w)
	if r.Detail != "" {
		fmt.Fprintln(w, "detail:", r.Detail)
	}
	for _, s := range []struct{ name, text string }{{"stdout", r.Stdout}, {"stderr", r.Stderr}} {
		if s.text == "" {
			continue
		}
		fmt.Fprintf(w, "--- %s ---\n%s", s.name, s.text)
		if s.text[len(s.text)-1] != '\n' {
			fmt.Fprintln(w)
		}
	}
}
