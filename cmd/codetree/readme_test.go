package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestReadmeCommands: every codetree command line shown in README.md and
// ARCHITECTURE.md (shell blocks) and run by the Makefile (recipes) parses
// against the app: its command exists, each flag is one of the command's,
// and no argument left after the flags looks like a flag. Nothing runs.
func TestReadmeCommands(t *testing.T) {
	t.Parallel()
	for _, doc := range []struct {
		file string
		find func(string) []docCommand
		min  int // fewer means the search is broken
	}{
		{"../../README.md", markdownCommands, 25},
		{"../../ARCHITECTURE.md", markdownCommands, 0},
		{"../../Makefile", makefileCommands, 5},
	} {
		b, err := os.ReadFile(doc.file)
		if err != nil {
			t.Fatal(err)
		}
		cmds := doc.find(string(b))
		if len(cmds) < doc.min {
			t.Errorf("%s: %d codetree command lines found, want at least %d", doc.file, len(cmds), doc.min)
		}
		for _, c := range cmds {
			if err := parseCommandLine(newApp(io.Discard, io.Discard), c.words); err != nil {
				t.Errorf("%s:%d: %s\n\t%v", strings.TrimPrefix(doc.file, "../../"), c.line, c.text, err)
			}
		}
	}
}

// TestReadmeCheck: the check refuses what is wrong.
func TestReadmeCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line string
		want string // "" for none
	}{
		{"report runs/A runs/B --html c.html", ""},
		{"exec --json prog.py -- -a", ""},
		{"bench --model M --limit N", ""}, // a placeholder in capitals is any value
		{"slurm bench --shards 4 --model sim --out runs/s4", ""},
		{"k8s eval --shards 2 --dataset humaneval --samples s.jsonl", ""},
		{"report runs/A --htm c.html", "flag provided but not defined: -htm"},
		{"bench --limit many", "invalid value"},
		{"reprot runs/A", `no command "reprot"`},
		{"swe runn", `no command "runn"`},
		{"images", "no command"},
		{"slurm bench --shards 4 --modl sim", "flag provided but not defined: -modl"},
		{"report A --html", "flag needs an argument"},
	} {
		err := parseCommandLine(newApp(io.Discard, io.Discard), strings.Fields(tc.line))
		if got := fmt.Sprint(err); (tc.want == "") != (err == nil) || !strings.Contains(got, tc.want) {
			t.Errorf("%s: error %v, want %q", tc.line, err, tc.want)
		}
	}
}

// TestReadmeFind: what counts as a command line in a document.
func TestReadmeFind(t *testing.T) {
	t.Parallel()
	md := "codetree report A   # prose, not a block\n" +
		"```sh\n" +
		"bin/codetree exec a.py        # a comment\n" +
		"X=1 ./bin/codetree ask --model M \\\n" +
		"    'two\n" +
		"lines'\n" +
		"codetree images build [python|go]\n" +
		"make demo\n" +
		"```\n" +
		"```\n" +
		"codetree eval, sandboxed: 0.86 s    (output: no shell block)\n" +
		"```\n" +
		"```console\n" +
		"$ for i in 0 1; do I=$i codetree eval --shard 2; done\n" +
		"codetree sim on humaneval: pass@1 1.0 (output of a prompt)\n" +
		"$ codetree eval --k 1 | grep base\n" +
		"```\n"
	want := []docCommand{
		{3, "bin/codetree exec a.py        # a comment", []string{"exec", "a.py"}},
		{4, `X=1 ./bin/codetree ask --model M \`, []string{"ask", "--model", "M", "two\nlines"}},
		{7, "codetree images build [python|go]", []string{"images", "build", "python|go"}},
		{14, "for i in 0 1; do I=$i codetree eval --shard 2; done", []string{"eval", "--shard", "2"}},
		{16, "codetree eval --k 1 | grep base", []string{"eval", "--k", "1"}},
	}
	got := markdownCommands(md)
	if !slices.EqualFunc(got, want, func(a, b docCommand) bool {
		return a.line == b.line && a.text == b.text && slices.Equal(a.words, b.words)
	}) {
		t.Errorf("markdownCommands:\n got %+v\nwant %+v", got, want)
	}
	mk := "demo: images\n\t@for f in a b; do \\\n\t\techo \"== codetree exec $$f\"; $(BIN) exec $$f || exit 1; \\\n\tdone\n\t-$(BIN) sandbox gc\n"
	got = makefileCommands(mk)
	if len(got) != 2 || !slices.Equal(got[0].words, []string{"exec", "$$f"}) || got[0].line != 2 ||
		!slices.Equal(got[1].words, []string{"sandbox", "gc"}) || got[1].line != 5 {
		t.Errorf("makefileCommands: %+v", got)
	}
}

// docCommand is a codetree command line of a document: its first line,
// as written, and the words after codetree.
type docCommand struct {
	line  int
	text  string
	words []string
}

// markdownCommands finds the codetree command lines of a Markdown file's
// shell blocks: blocks marked sh, bash, shell or console, or holding a
// "$ " prompt. In a block with prompts only the prompts' lines are
// commands (the rest is output); blocks of plain output are skipped, and
// so are lines that echo a command ("== codetree ...").
func markdownCommands(md string) []docCommand {
	var cmds []docCommand
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		info, ok := strings.CutPrefix(strings.TrimSpace(lines[i]), "```")
		if !ok {
			continue
		}
		end := i + 1
		for end < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[end]), "```") {
			end++
		}
		block := lines[i+1 : min(end, len(lines))]
		prompt := slices.ContainsFunc(block, func(l string) bool { return strings.HasPrefix(l, "$ ") })
		if prompt || slices.Contains([]string{"sh", "bash", "shell", "console"}, strings.TrimSpace(info)) {
			cmds = append(cmds, shellCommands(block, i+2, func(l string) (string, bool) {
				if !prompt {
					return l, true
				}
				return strings.CutPrefix(l, "$ ")
			})...)
		}
		i = end
	}
	return cmds
}

// makefileCommands finds the $(BIN) command lines of a Makefile's recipes.
func makefileCommands(mk string) []docCommand {
	return shellCommands(strings.Split(mk, "\n"), 1, func(l string) (string, bool) {
		l, ok := strings.CutPrefix(l, "\t")
		return strings.TrimLeft(l, "@-"), ok
	})
}

// shellCommands finds the codetree commands of shell lines, the first
// being line first of its file; command says which lines are commands and
// strips their prompt. A line goes on after a trailing backslash or an
// open quote; it may hold several commands (; | && ||, a for loop), each
// after variable assignments. Brackets of optional parts ([--limit N])
// are dropped.
func shellCommands(lines []string, first int, command func(string) (string, bool)) []docCommand {
	var cmds []docCommand
	for i := 0; i < len(lines); i++ {
		text, ok := command(lines[i])
		if !ok {
			continue
		}
		start, s := i, text
		words, open := shellWords(s)
		for ; open && i+1 < len(lines); words, open = shellWords(s) {
			i++
			if t, ok := strings.CutSuffix(s, `\`); ok {
				s = t + " " + strings.TrimLeft(lines[i], "\t")
			} else {
				s += "\n" + lines[i]
			}
		}
		for cmd := range splitCommands(words) {
			for len(cmd) > 0 && (cmd[0] == "do" || cmd[0] == "then" || envAssignment.MatchString(cmd[0])) {
				cmd = cmd[1:]
			}
			if len(cmd) == 0 || !slices.Contains([]string{"codetree", "bin/codetree", "./bin/codetree", "$(BIN)"}, cmd[0]) {
				continue
			}
			args := make([]string, len(cmd)-1)
			for k, w := range cmd[1:] {
				args[k] = strings.Trim(w, "[]")
			}
			cmds = append(cmds, docCommand{first + start, text, args})
		}
	}
	return cmds
}

var envAssignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// splitCommands yields the commands of words, split at ; | || & &&.
func splitCommands(words []string) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		start := 0
		for k := 0; k <= len(words); k++ {
			if k < len(words) && !slices.Contains([]string{";", "|", "||", "&", "&&"}, words[k]) {
				continue
			}
			if !yield(words[start:k]) {
				return
			}
			start = k + 1
		}
	}
}

// shellWords splits a shell line into words, without their quotes; a ;
// is a word of its own, and a # starting a word comments out the rest.
// open reports that the line goes on: a trailing backslash or an open
// quote.
func shellWords(s string) (words []string, open bool) {
	var w strings.Builder
	inWord, quote := false, byte(0)
	end := func() {
		if inWord {
			words = append(words, w.String())
		}
		w.Reset()
		inWord = false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			w.WriteByte(c)
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '\\' && i+1 == len(s):
			end()
			return words, true
		case c == '\\':
			i++
			w.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			end()
		case c == '#' && !inWord:
			end()
			return words, false
		case c == ';':
			end()
			words = append(words, ";")
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	end()
	return words, quote != 0
}

// parseCommandLine parses the words after codetree as the app would,
// without running anything: the flags reordered by flagsFirst, then each
// level's flags (the app's, the command's, the subcommand's) parsed by a
// flag.FlagSet they are applied to, down to the command that runs. A
// value in capitals (N, FILE, RUN/x) is a placeholder and fits any flag.
func parseCommandLine(app *cli.App, words []string) error {
	args, err := flagsFirst(app, append([]string{"codetree"}, words...))
	if err != nil {
		return err
	}
	args = args[1:]
	flags, cmds, path := app.Flags, app.Commands, "codetree"
	for {
		rest, err := parseFlags(flags, args)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if len(cmds) == 0 {
			return checkArguments(path, rest)
		}
		if len(rest) == 0 {
			return fmt.Errorf("%s: no command", path)
		}
		cmd := findCommand(cmds, rest[0])
		if cmd == nil {
			return fmt.Errorf("%s: no command %q", path, rest[0])
		}
		path, args = path+" "+cmd.Name, rest[1:]
		if cmd.SkipFlagParsing {
			return parseClusterLine(path, args)
		}
		flags, cmds = cmd.Flags, cmd.Subcommands
	}
}

// parseClusterLine parses `codetree slurm|k8s KIND ARGS` as newClusterJob
// does: the scheduler's own flags, then the sharded command's.
func parseClusterLine(path string, args []string) error {
	words := strings.Fields(path)
	own := map[string][]clusterFlag{"slurm": slurmFlags, "k8s": k8sFlags}[words[1]]
	if own == nil {
		return fmt.Errorf("%s: takes its arguments unparsed; the test does not know how to check them", path)
	}
	_, rest, err := splitClusterArgs(args, own)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	cmd, err := shardedCommand(words[2])
	if err != nil {
		return err
	}
	app := &cli.App{Commands: []*cli.Command{cmd}}
	if rest, err = flagsFirst(app, append([]string{"codetree", cmd.Name}, rest...)); err != nil {
		return err
	}
	rest, err = parseFlags(cmd.Flags, rest[2:])
	if err != nil {
		return fmt.Errorf("%s (%s's flags): %w", path, cmd.Name, err)
	}
	return checkArguments(path, rest)
}

// parseFlags parses args with flags (and --help) and returns the
// arguments after them.
func parseFlags(flags []cli.Flag, args []string) ([]string, error) {
	set := flag.NewFlagSet("codetree", flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, f := range flags {
		if err := f.Apply(set); err != nil {
			return nil, err
		}
	}
	set.Bool("help", false, "")
	set.Bool("h", false, "")
	set.VisitAll(func(f *flag.Flag) { f.Value = placeholderValue{f.Value} })
	if err := set.Parse(args); err != nil {
		return nil, err
	}
	return set.Args(), nil
}

// checkArguments: after the flags, no argument looks like one, but those
// after --.
func checkArguments(path string, args []string) error {
	for _, a := range args {
		if a == "--" {
			return nil
		}
		if isFlag(a) {
			return fmt.Errorf("%s: argument %q looks like a flag", path, a)
		}
	}
	return nil
}

// placeholderValue is a flag's value that takes any placeholder.
type placeholderValue struct{ flag.Value }

var placeholder = regexp.MustCompile(`^[A-Z][A-Z0-9_]*(/.*)?$`)

func (v placeholderValue) Set(s string) error {
	if placeholder.MatchString(s) {
		return nil
	}
	return v.Value.Set(s)
}

// IsBoolFlag keeps booleans taking no value.
func (v placeholderValue) IsBoolFlag() bool {
	b, ok := v.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
