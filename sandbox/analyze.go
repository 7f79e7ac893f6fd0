package sandbox

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Static analyzers that Analyze can run.
const (
	ToolPyflakes = "pyflakes"
	ToolMypy     = "mypy"
	ToolPylint   = "pylint"
	ToolGoBuild  = "go build"
	ToolGoVet    = "go vet"
)

// Finding severities.
//
// SeverityError means the program will not run as written: it does not
// parse, compile or type-check (go build, mypy errors, syntax errors), it
// will raise at run time (pyflakes: undefined names, misplaced return or
// break, bad % or .format() strings; pylint errors), or `go test` refuses to
// run it (the go vet analyzers that go test runs: printf, tests, ...).
// SeverityWarning is everything else: unused imports and variables,
// redefinitions, the other vet analyzers (unreachable code, unused results).
// mypy notes are not findings of their own: a note at the location of the
// error just before it is appended to that error's message; other notes
// (reveal_type, "bodies of untyped functions are not checked", "defined
// here") are dropped.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Finding is one complaint of a static analyzer about the analyzed files.
type Finding struct {
	Tool string `json:"tool"` // ToolPyflakes, ToolMypy, ToolGoVet, ...
	// File is relative to the run's working directory (the keys of
	// AnalyzeRequest.Files); empty for a complaint about the whole run
	// ("go.mod requires go >= 1.99").
	File string `json:"file"`
	// Line and Column are 1-based, whatever the tool's own convention
	// (pylint counts columns from 0; mypy 1.0 puts syntax errors one
	// column too far); 0 when the tool gave none.
	Line     int    `json:"line"`
	Column   int    `json:"column,omitempty"`
	Severity string `json:"severity"` // SeverityError or SeverityWarning
	// Code names the check: a mypy error code ("arg-type"), a pylint
	// symbol ("no-member") or a go vet analyzer ("printf").
	Code string `json:"code,omitempty"`
	// Message is the tool's text. It may span lines: mypy notes and the
	// go command's tab-indented details ("have (int)", "want (string)")
	// follow the first line.
	Message string `json:"message"`
}

// String renders the finding on one line: "file:line:col: tool: message",
// leaving out what is unknown; the lines of a multi-line message are
// joined with "; " (or a space after a colon).
func (f Finding) String() string {
	var b strings.Builder
	if f.File != "" {
		b.WriteString(f.File)
		if f.Line > 0 {
			b.WriteString(":" + strconv.Itoa(f.Line))
			if f.Column > 0 {
				b.WriteString(":" + strconv.Itoa(f.Column))
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(f.Tool)
	b.WriteString(": ")
	for i, line := range strings.Split(f.Message, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if i > 0 {
			if strings.HasSuffix(b.String(), ":") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(line)
	}
	return b.String()
}

// FormatFindings renders findings for a prompt, one line each (see
// Finding.String). When max > 0 and there are more findings than max, only
// the first max are shown, followed by "... and N more". No findings give
// the empty string.
func FormatFindings(fs []Finding, max int) string {
	n := len(fs)
	if max > 0 && n > max {
		n = max
	}
	var b strings.Builder
	for i, f := range fs[:n] {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(f.String())
	}
	if n < len(fs) {
		fmt.Fprintf(&b, "\n... and %d more", len(fs)-n)
	}
	return b.String()
}

// AnalyzeRequest asks for the static analysis of a set of files.
type AnalyzeRequest struct {
	// Lang selects the default tools and image: LangPython or LangGo.
	Lang Lang
	// Image overrides the image chosen for Lang.
	Image string
	// Files are the files to analyze, as in Request.Files. For Python every
	// .py file is analyzed; for Go the packages ./... of the module, and a
	// go.mod ("module sandbox") is added when Files has none.
	Files map[string][]byte
	// Tools lists the analyzers to run, in order; empty means
	// DefaultTools(Lang).
	Tools []string
	// Limits bound the one run that holds every tool; zero fields take
	// DefaultLimits, except Timeout, which defaults to DefaultAnalyzeTimeout.
	Limits Limits
}

// DefaultAnalyzeTimeout bounds an Analyze run whose Limits set no timeout.
// In the Python image (1 CPU) a small file takes pyflakes 0.04 s, mypy
// 0.15 s with a warm cache (MypyCacheDir) or 0.56 s without, pylint -E
// 0.7 to 1.2 s; the Go tools take well under a second with the image's warm
// build cache.
const DefaultAnalyzeTimeout = 30 * time.Second

// MypyCacheDir is where an image may hold a warm mypy cache (5 MB, built
// with MypyWarmCommand). mypy reads it and, the root filesystem being
// read-only, silently skips writing to it: a small file then takes 0.15 s
// instead of 0.56 s. Without it Analyze runs mypy with
// --cache-dir=/dev/null, faster than a cold cache in /tmp (0.8 s).
const MypyCacheDir = "/var/cache/codetree/mypy"

// DefaultTools returns the analyzers Analyze runs for lang when a request
// names none: pyflakes and mypy for Python, go build and go vet for Go
// (vet type-checks only up to the first error of a package, and a package
// that does not type-check gets no vet findings, so go build runs too and
// reports every compile error).
func DefaultTools(lang Lang) []string {
	switch lang {
	case LangPython:
		return []string{ToolPyflakes, ToolMypy}
	case LangGo:
		return []string{ToolGoBuild, ToolGoVet}
	}
	return nil
}

// analyzer is one static analysis tool: how to run it and read its output.
type analyzer struct {
	name string
	lang Lang
	// module is the Python module run with python3 -m, for a precise
	// message when the image lacks it.
	module string
	// command is the shell command line; files are already quoted.
	command func(files string) string
	// exitOK reports whether an exit status means the tool ran (with or
	// without findings) rather than failed.
	exitOK func(code int) bool
	parse  func(stdout, stderr string) []Finding
}

// mypyFlags are the flags Analyze runs mypy with, cache aside. A warm cache
// must be built with the same flags (MypyWarmCommand) to be used.
var mypyFlags = []string{
	"--no-error-summary", "--show-column-numbers", "--show-error-codes",
	"--no-color-output", "--ignore-missing-imports",
	// Module names from paths relative to the working directory, so that
	// a/util.py and b/util.py are not a "Duplicate module named util".
	"--explicit-package-bases",
	// Ignore any mypy.ini, setup.cfg or pyproject.toml among the files.
	"--config-file=",
}

// MypyWarmCommand returns the command an image build runs (with a writable
// MypyCacheDir) to fill the mypy cache that Analyze uses: it type-checks
// seed, a small Python file, with Analyze's flags, which caches builtins
// and the standard library stubs that every program needs.
func MypyWarmCommand(seed string) []string {
	return slices.Concat([]string{"python3", "-m", "mypy"}, mypyFlags, []string{"--cache-dir=" + MypyCacheDir, seed})
}

func exitIn(codes ...int) func(int) bool {
	return func(c int) bool { return slices.Contains(codes, c) }
}

var analyzers = []analyzer{
	{
		name: ToolPyflakes, lang: LangPython, module: "pyflakes",
		command: func(files string) string { return "python3 -m pyflakes " + files },
		exitOK:  exitIn(0, 1),
		parse:   parsePyflakes,
	},
	{
		name: ToolMypy, lang: LangPython, module: "mypy",
		command: func(files string) string {
			return "python3 -m mypy " + strings.Join(mypyFlags, " ") + ` --cache-dir="$mc" ` + files
		},
		// 2: a blocking error such as a syntax error, printed like others.
		exitOK: exitIn(0, 1, 2),
		parse:  parseMypy,
	},
	{
		name: ToolPylint, lang: LangPython, module: "pylint",
		// Errors only: pylint's conventions and refactoring advice are
		// noise for a model fixing a program.
		command: func(files string) string {
			return "python3 -m pylint -E --output-format=json --rcfile=/dev/null --persistent=n " + files
		},
		// pylint's exit status is a bit mask; 32 means a usage error.
		exitOK: func(c int) bool { return c >= 0 && c < 32 },
		parse:  parsePylint,
	},
	{
		name: ToolGoBuild, lang: LangGo,
		command: func(string) string { return "go build -o /dev/null ./..." },
		exitOK:  exitIn(0, 1),
		parse:   parseGoBuild,
	},
	{
		name: ToolGoVet, lang: LangGo,
		// -json sets vet's diagnostics (stdout, with the analyzer's name)
		// apart from type errors (stderr text), and exits 0 on diagnostics.
		command: func(string) string { return "go vet -json ./..." },
		exitOK:  exitIn(0, 1),
		parse:   parseGoVet,
	},
}

func lookupAnalyzer(name string) (analyzer, bool) {
	for _, a := range analyzers {
		if a.name == name {
			return a, true
		}
	}
	return analyzer{}, false
}

// defaultGoMod is added to a Go analysis that brings no go.mod.
const defaultGoMod = "module sandbox\n\ngo 1.26\n"

// Analyze runs static analyzers over req.Files in one sandbox run and
// returns their findings, sorted by file, line and column, without
// duplicates (go vet repeats go build's first error of a package).
//
// Findings are the expected outcome of analyzing broken code, never an
// error. Files with nothing to analyze (no .py file for Python, no .go
// file for Go) give no findings without a run. The error is non-nil when the analysis could not be done: Docker
// or the harness failed, the run timed out or flooded its output, a tool is
// missing from the image (the error says how to get it), or a tool failed
// on its own (crashed, refused its arguments). In the last case the
// findings of the tools that worked are returned with the error.
func Analyze(ctx context.Context, r Runner, req AnalyzeRequest) ([]Finding, error) {
	tools, err := resolveTools(req.Lang, req.Tools)
	if err != nil {
		return nil, err
	}
	files, ok := analyzedFiles(req.Lang, req.Files)
	if !ok {
		return nil, nil // nothing to analyze
	}
	all := req.Files
	if req.Lang == LangGo {
		if _, ok := all["go.mod"]; !ok {
			all = maps.Clone(all)
			all["go.mod"] = []byte(defaultGoMod)
		}
	}
	limits := req.Limits
	if limits.Timeout <= 0 {
		limits.Timeout = DefaultAnalyzeTimeout
	}
	marker := newMarker()
	res, err := r.Run(ctx, Request{
		Lang:    req.Lang,
		Image:   req.Image,
		Files:   all,
		Command: []string{"sh", "-c", analyzeScript(marker, tools, files)},
		Limits:  limits,
	})
	if err != nil {
		return nil, fmt.Errorf("run analyzers %s: %w", toolNames(tools), err)
	}
	switch res.Status {
	case StatusPassed:
	case StatusTimeLimit:
		return nil, fmt.Errorf("run analyzers %s: timed out after %s", toolNames(tools), limits.withDefaults().Timeout)
	case StatusOutputLimit:
		return nil, fmt.Errorf("run analyzers %s: output exceeded %s", toolNames(tools), limits.withDefaults().Output)
	default:
		return nil, fmt.Errorf("run analyzers %s: %s (exit %d): %s", toolNames(tools), res.Status, res.ExitCode,
			tail(strings.TrimSpace(res.Detail+"\n"+res.Stderr), 400))
	}
	fs, err := readAnalysis(tools, res.Stdout, marker)
	if me, ok := errors.AsType[*missingToolError](err); ok {
		return nil, fmt.Errorf("analyze: image %s lacks %s (%s): use an image that has it, or build the default one with `codetree images build %s`",
			analyzeImage(r, req), me.tool, me.detail, req.Lang)
	}
	return fs, err
}

// missingToolError says that a tool could not be started: the image lacks it.
type missingToolError struct {
	tool, detail string
}

func (e *missingToolError) Error() string {
	return fmt.Sprintf("%s is missing (%s)", e.tool, e.detail)
}

// readAnalysis turns the transcript of analyzeScript into tidy findings.
// A tool that is missing is a *missingToolError, and nothing else is
// returned. A tool that failed on its own adds an error naming it, and the
// findings of the others are returned with the error.
func readAnalysis(tools []analyzer, transcript, marker string) ([]Finding, error) {
	pwd, outs, err := splitTranscript(transcript, marker, len(tools))
	if err != nil {
		return nil, fmt.Errorf("read analyzers %s: %w", toolNames(tools), err)
	}
	var fs []Finding
	var errs []error
	for i, a := range tools {
		out := outs[i]
		if detail, missing := toolMissing(a, out); missing {
			return nil, &missingToolError{tool: a.name, detail: detail}
		}
		found := a.parse(out.Stdout, out.Stderr)
		if !a.exitOK(out.Exit) || (out.Exit != 0 && len(found) == 0) {
			errs = append(errs, fmt.Errorf("analyze: %s failed (exit status %d): %s", a.name, out.Exit,
				tail(strings.TrimSpace(out.Stdout+"\n"+out.Stderr), 400)))
		}
		fs = append(fs, found...)
	}
	return tidyFindings(fs, pwd), errors.Join(errs...)
}

// resolveTools checks the requested tool names against the language.
func resolveTools(lang Lang, names []string) ([]analyzer, error) {
	if lang != LangPython && lang != LangGo {
		return nil, fmt.Errorf("analyze: unsupported language %q (want %q or %q)", lang, LangPython, LangGo)
	}
	if len(names) == 0 {
		names = DefaultTools(lang)
	}
	tools := make([]analyzer, 0, len(names))
	for _, n := range names {
		a, ok := lookupAnalyzer(n)
		if !ok || a.lang != lang {
			return nil, fmt.Errorf("analyze: unknown %s analyzer %q (known: %s)", lang, n, knownTools(lang))
		}
		if slices.ContainsFunc(tools, func(t analyzer) bool { return t.name == n }) {
			continue
		}
		tools = append(tools, a)
	}
	return tools, nil
}

func knownTools(lang Lang) string {
	var names []string
	for _, a := range analyzers {
		if a.lang == lang {
			names = append(names, strconv.Quote(a.name))
		}
	}
	return strings.Join(names, ", ")
}

func toolNames(tools []analyzer) string {
	names := make([]string, len(tools))
	for i, a := range tools {
		names[i] = a.name
	}
	return "(" + strings.Join(names, ", ") + ")"
}

// analyzedFiles returns the sorted Python files to pass to the Python
// tools, and false when there is nothing to analyze.
func analyzedFiles(lang Lang, files map[string][]byte) ([]string, bool) {
	var names []string
	ext := ".py"
	if lang == LangGo {
		ext = ".go"
	}
	for name := range files {
		if strings.HasSuffix(name, ext) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if lang == LangGo {
		return nil, len(names) > 0 // the go command finds its own files
	}
	return names, len(names) > 0
}

// imageResolver is a Runner that can say which image a Request for a
// language without Image runs in (*Sandbox).
type imageResolver interface {
	image(lang Lang) string
}

// analyzeImage names the image req runs in, for the advice on a missing
// tool: req.Image, the Runner's image for the language, the default one.
func analyzeImage(r Runner, req AnalyzeRequest) string {
	if req.Image != "" {
		return req.Image
	}
	if ir, ok := r.(imageResolver); ok {
		if img := ir.image(req.Lang); img != "" {
			return img
		}
	}
	if img, err := DefaultImage(req.Lang); err == nil {
		return img
	}
	return "for " + string(req.Lang)
}

func newMarker() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "@@codetree-analyze-" + hex.EncodeToString(b) + "@@"
}

// analyzeScript is the sh script that runs every tool in the working
// directory and prints a transcript: a line with the working directory,
// then per tool its stdout, its stderr and its exit status, each section
// opened by a marker line. The marker is random per run, so no text that a
// tool echoes from the analyzed files can forge one. Outputs go through
// files in a scratch folder whose name starts with a dot, so the go
// command's ./... ignores it. The scratch folder is also the tools' TMPDIR:
// the sandbox sets TMPDIR to the working directory, and the go command
// ignores a go.mod in the temp root ("go: warning: ignoring go.mod in
// system temp root").
func analyzeScript(marker string, tools []analyzer, files []string) string {
	quoted := make([]string, len(files))
	for i, f := range files {
		if strings.HasPrefix(f, "-") {
			f = "./" + f // not an option
		}
		quoted[i] = shellQuote(f)
	}
	fileArgs := strings.Join(quoted, " ")
	var b strings.Builder
	fmt.Fprintf(&b, "M=%s\n", shellQuote(marker))
	b.WriteString(`D=$(mktemp -d "${TMPDIR:-/tmp}/.codetree-analyze.XXXXXX") || exit 125
TMPDIR=$D
export TMPDIR
printf '%s pwd %s\n' "$M" "$PWD"
mc=/dev/null
[ -d ` + MypyCacheDir + ` ] && mc=` + MypyCacheDir + `
t() {
	i=$1
	shift
	"$@" >"$D/o" 2>"$D/e" </dev/null
	s=$?
	printf '%s out %s\n' "$M" "$i"
	cat "$D/o"
	printf '\n%s err %s\n' "$M" "$i"
	cat "$D/e"
	printf '\n%s exit %s %s\n' "$M" "$i" "$s"
}
`)
	for i, a := range tools {
		fmt.Fprintf(&b, "t %d %s\n", i, a.command(fileArgs))
	}
	b.WriteString("rm -rf \"$D\"\nexit 0\n")
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// toolOutput is what one tool printed, as read back from the transcript.
type toolOutput struct {
	Stdout, Stderr string
	Exit           int
}

// splitTranscript reads the output of analyzeScript back: the working
// directory and the output of each of n tools.
func splitTranscript(out, marker string, n int) (pwd string, outs []toolOutput, err error) {
	outs = make([]toolOutput, n)
	done := make([]bool, n)
	var cur *strings.Builder
	var stdout, stderr []strings.Builder
	stdout = make([]strings.Builder, n)
	stderr = make([]strings.Builder, n)
	for line := range strings.Lines(out) {
		rest, ok := strings.CutPrefix(line, marker+" ")
		if !ok {
			if cur != nil {
				cur.WriteString(line)
			}
			continue
		}
		fields := strings.Fields(rest)
		cur = nil
		if len(fields) >= 1 && fields[0] == "pwd" {
			pwd = strings.TrimSuffix(strings.TrimPrefix(rest, "pwd "), "\n")
			continue
		}
		if len(fields) < 2 {
			continue
		}
		i, err := strconv.Atoi(fields[1])
		if err != nil || i < 0 || i >= n {
			continue
		}
		switch fields[0] {
		case "out":
			cur = &stdout[i]
		case "err":
			cur = &stderr[i]
		case "exit":
			if len(fields) == 3 {
				if code, err := strconv.Atoi(fields[2]); err == nil {
					outs[i].Exit = code
					done[i] = true
				}
			}
		}
	}
	for i := range outs {
		if !done[i] {
			return "", nil, fmt.Errorf("analyzer transcript incomplete: tool %d of %d did not finish", i+1, n)
		}
		// The script adds a newline before each marker line.
		outs[i].Stdout = strings.TrimSuffix(stdout[i].String(), "\n")
		outs[i].Stderr = strings.TrimSuffix(stderr[i].String(), "\n")
	}
	return pwd, outs, nil
}

// toolMissing recognises a tool that could not start: the shell found no
// such command (exit 127) or Python has no such module.
func toolMissing(a analyzer, out toolOutput) (string, bool) {
	if out.Exit == 127 {
		return firstLine(out.Stderr), true
	}
	if a.module != "" && out.Exit != 0 {
		for line := range strings.Lines(out.Stderr) {
			line = strings.TrimSpace(line)
			if strings.HasSuffix(line, ": No module named "+a.module) {
				return line, true
			}
		}
	}
	return "", false
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// tail keeps the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// tidyFindings makes paths relative to pwd, drops exact repeats (same place
// and message, the first tool's kept) and sorts by file, line and column,
// keeping the tools' order among equals.
func tidyFindings(fs []Finding, pwd string) []Finding {
	type key struct {
		file         string
		line, column int
		message      string
	}
	seen := make(map[key]bool, len(fs))
	out := make([]Finding, 0, len(fs))
	for _, f := range fs {
		f.File = relPath(f.File, pwd)
		k := key{f.File, f.Line, f.Column, f.Message}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return out
}

// relPath makes a tool's path relative to the working directory pwd.
// Paths outside it (a stub file of mypy's typeshed) stay as they are.
func relPath(p, pwd string) string {
	if p == "" {
		return ""
	}
	if pwd != "" && pwd != "/" {
		if rest, ok := strings.CutPrefix(p, strings.TrimSuffix(pwd, "/")+"/"); ok {
			p = rest
		}
	}
	return path.Clean(p) // also drops a leading "./"
}

var (
	// file:line:col: message (pyflakes warnings; go). The file may not
	// hold ": " so that a message cannot pass for a location.
	reLineCol = regexp.MustCompile(`^([^:\s][^:]*?):(\d+)(?::(\d+))?: (.*)$`)
	// pyflakes prints a caret under the column of a syntax error.
	reCaret = regexp.MustCompile(`^\s*\^\s*$`)
	// mypy: file:line:col: severity: message  [code], or file: severity: ...
	reMypy     = regexp.MustCompile(`^([^:]+?):(\d+):(?:(\d+):)? (error|warning|note): (.*)$`)
	reMypyFile = regexp.MustCompile(`^([^:]+?): (error|warning|note): (.*)$`)
	reMypyCode = regexp.MustCompile(`\s+\[([a-z0-9-]+)\]$`)
)

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// pyflakesErrors start the messages of pyflakes checks that find code that
// cannot compile or will raise when it runs; the rest are warnings.
var pyflakesErrors = []string{
	"undefined name ",
	"local variable ", // "... referenced before assignment"; see below
	"duplicate argument ",
	"'from ", // "... import *' only allowed at module level"; see below
	"from __future__ imports must occur at the beginning of the file",
	"future feature ",
	"'return' outside function",
	"'yield' outside function",
	"'continue' not properly in loop",
	"'break' outside loop",
	"'continue' not supported inside 'finally' clause",
	"default 'except:' must be last",
	"two starred expressions in assignment",
	"too many expressions in star-unpacking assignment",
	"syntax error in forward annotation ",
	"use of >> is invalid with print function",
	"'...'.format(...) is missing argument(s)",
	"'...'.format(...) mixes automatic and manual numbering",
	"'...'.format(...) has invalid format string",
	"'...' % ... has invalid format string",
	"'...' % ... has mixed positional and named placeholders",
	"'...' % ... has unsupported format character",
	"'...' % ... is missing argument(s)",
	"'...' % ... expected mapping but got sequence",
	"'...' % ... expected sequence but got mapping",
	"'...' % ... `*` specifier requires sequence",
}

func pyflakesSeverity(msg string) string {
	switch {
	case strings.HasPrefix(msg, "local variable ") && !strings.HasSuffix(msg, "referenced before assignment"),
		strings.HasPrefix(msg, "'from ") && !strings.HasSuffix(msg, "only allowed at module level"):
		return SeverityWarning // unused variable; import * used
	case strings.HasPrefix(msg, "'...' % ... has ") && strings.Contains(msg, "placeholder(s) but"):
		return SeverityError
	}
	for _, p := range pyflakesErrors {
		if strings.HasPrefix(msg, p) {
			return SeverityError
		}
	}
	return SeverityWarning
}

// parsePyflakes reads pyflakes 2.5 output. Its warnings are on stdout, one
// per line ("file:line:col: message"); syntax errors are on stderr, each a
// location line followed by the offending source line and, when the column
// is known, a caret line; a file it cannot read is "file: problem decoding
// source".
func parsePyflakes(stdout, stderr string) []Finding {
	var fs []Finding
	for line := range strings.Lines(stdout) {
		m := reLineCol.FindStringSubmatch(strings.TrimRight(line, "\r\n"))
		if m == nil {
			continue
		}
		fs = append(fs, Finding{
			Tool: ToolPyflakes, File: m[1], Line: atoi(m[2]), Column: atoi(m[3]),
			Severity: pyflakesSeverity(m[4]), Message: m[4],
		})
	}
	lines := strings.Split(stderr, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\r")
		if file, ok := strings.CutSuffix(line, ": problem decoding source"); ok {
			fs = append(fs, Finding{Tool: ToolPyflakes, File: file, Severity: SeverityError, Message: "problem decoding source"})
			continue
		}
		m := reLineCol.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		fs = append(fs, Finding{
			Tool: ToolPyflakes, File: m[1], Line: atoi(m[2]), Column: atoi(m[3]),
			Severity: SeverityError, Message: m[4],
		})
		// Skip the source line (which may look like anything) and caret.
		switch {
		case m[3] != "" && i+2 < len(lines) && reCaret.MatchString(lines[i+2]):
			i += 2
		case m[3] == "" && i+1 < len(lines) && !reLineCol.MatchString(lines[i+1]):
			i++
		}
	}
	return fs
}

// parseMypy reads mypy 1.0 output (stdout) run with --show-column-numbers
// --show-error-codes: "file:line:col: error: message  [code]", or
// "file: error: message" for a whole file. A note at the place of the
// finding just before it continues that finding's message; other notes are
// dropped.
func parseMypy(stdout, _ string) []Finding {
	var fs []Finding
	attach := false // the last line was a kept finding or a note added to it
	for line := range strings.Lines(stdout) {
		line = strings.TrimRight(line, "\r\n")
		var f Finding
		var sev string
		if m := reMypy.FindStringSubmatch(line); m != nil {
			f = Finding{File: m[1], Line: atoi(m[2]), Column: atoi(m[3]), Message: m[5]}
			sev = m[4]
		} else if m := reMypyFile.FindStringSubmatch(line); m != nil {
			f = Finding{File: m[1], Message: m[3]}
			sev = m[2]
		} else {
			attach = false
			continue
		}
		if sev == "note" {
			if last := len(fs) - 1; attach && fs[last].File == f.File && fs[last].Line == f.Line && fs[last].Column == f.Column {
				fs[last].Message += "\n" + f.Message
			} else {
				attach = false
			}
			continue
		}
		if m := reMypyCode.FindStringSubmatchIndex(f.Message); m != nil {
			f.Code = f.Message[m[2]:m[3]]
			f.Message = f.Message[:m[0]]
		}
		if f.Code == "syntax" && f.Column > 1 {
			f.Column-- // mypy 1.0 adds 1 to Python's 1-based offset
		}
		f.Tool = ToolMypy
		f.Severity = SeverityError
		if sev == "warning" {
			f.Severity = SeverityWarning
		}
		fs = append(fs, f)
		attach = true
	}
	return fs
}

// parsePylint reads pylint's --output-format=json (stdout). pylint's
// columns are 0-based, except for syntax errors.
func parsePylint(stdout, _ string) []Finding {
	var msgs []struct {
		Type    string `json:"type"`
		Path    string `json:"path"`
		Line    int    `json:"line"`
		Column  int    `json:"column"`
		Symbol  string `json:"symbol"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(stdout), &msgs); err != nil {
		return nil
	}
	fs := make([]Finding, 0, len(msgs))
	for _, m := range msgs {
		sev := SeverityWarning
		if m.Type == "error" || m.Type == "fatal" {
			sev = SeverityError
		}
		col := m.Column + 1
		if m.Symbol == "syntax-error" {
			col = m.Column // Python's offset, already 1-based
		}
		fs = append(fs, Finding{
			Tool: ToolPylint, File: m.Path, Line: m.Line, Column: col,
			Severity: sev, Code: m.Symbol, Message: m.Message,
		})
	}
	return fs
}

// parseGoBuild reads the go command's errors (stderr): "# pkg" headers,
// then "file:line:col: message" lines, each maybe followed by
// tab-indented detail lines; "go: message" for errors of the whole build.
func parseGoBuild(_, stderr string) []Finding {
	return parseGoText(ToolGoBuild, stderr)
}

func parseGoText(tool, text string) []Finding {
	var fs []Finding
	cont := false // tab-indented lines continue the last finding
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, "\t") {
			if cont {
				fs[len(fs)-1].Message += "\n" + strings.TrimSpace(line)
			}
			continue
		}
		cont = false
		// go vet prints the first type error of a package it cannot
		// check as "vet: file:line:col: message".
		line = strings.TrimPrefix(line, "vet: ")
		if m := reLineCol.FindStringSubmatch(line); m != nil {
			if m[4] == "too many errors" {
				continue
			}
			fs = append(fs, Finding{
				Tool: tool, File: m[1], Line: atoi(m[2]), Column: atoi(m[3]),
				Severity: SeverityError, Message: m[4],
			})
			cont = true
			continue
		}
		if msg, ok := strings.CutPrefix(line, "go: "); ok && !goProgress(msg) {
			fs = append(fs, Finding{Tool: tool, Severity: SeverityError, Message: msg})
			cont = true
		}
	}
	return fs
}

// goProgress reports whether a "go: " line is not an error of its own: a
// warning, progress ("finding module for package ..."), or a heading
// ("errors parsing go.mod:") of the located errors that follow.
func goProgress(msg string) bool {
	for _, p := range []string{"warning: ", "downloading ", "finding ", "found ", "added ", "upgraded ", "downgraded ", "extracting "} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return strings.HasSuffix(msg, ":")
}

// goTestVetAnalyzers are the vet analyzers that go test runs before the
// tests, failing the package on any finding (cmd/go's defaultVetFlags).
var goTestVetAnalyzers = []string{
	"atomic", "bool", "buildtags", "directive", "errorsas", "ifaceassert",
	"nilfunc", "printf", "slog", "stringintconv", "tests",
}

// parseGoVet reads `go vet -json`: type errors as text on stderr (as go
// build's) and, on stdout, one JSON object per package mapping analyzer
// names to diagnostics whose positions are absolute "file:line:col".
func parseGoVet(stdout, stderr string) []Finding {
	fs := parseGoText(ToolGoVet, stderr)
	dec := json.NewDecoder(strings.NewReader(stdout))
	for {
		var tree map[string]map[string]json.RawMessage
		if dec.Decode(&tree) != nil {
			break // io.EOF, or output cut short
		}
		for _, pkg := range slices.Sorted(maps.Keys(tree)) {
			for _, name := range slices.Sorted(maps.Keys(tree[pkg])) {
				var diags []struct {
					Posn    string `json:"posn"`
					Message string `json:"message"`
				}
				if json.Unmarshal(tree[pkg][name], &diags) != nil {
					continue // {"error": ...}: the analyzer failed
				}
				sev := SeverityWarning
				if slices.Contains(goTestVetAnalyzers, name) {
					sev = SeverityError
				}
				for _, d := range diags {
					f := Finding{Tool: ToolGoVet, Severity: sev, Code: name, Message: d.Message}
					f.File, f.Line, f.Column = splitPosn(d.Posn)
					fs = append(fs, f)
				}
			}
		}
	}
	return fs
}

// splitPosn splits a go/token position "file:line:col" ("file:line",
// "file") as printed by go vet -json.
func splitPosn(p string) (file string, line, col int) {
	file = p
	nums := make([]int, 0, 2)
	for range 2 {
		i := strings.LastIndexByte(file, ':')
		if i < 0 {
			break
		}
		n, err := strconv.Atoi(file[i+1:])
		if err != nil {
			break
		}
		nums = append(nums, n)
		file = file[:i]
	}
	switch len(nums) {
	case 2:
		return file, nums[1], nums[0]
	case 1:
		return file, nums[0], 0
	}
	return file, 0, 0
}
