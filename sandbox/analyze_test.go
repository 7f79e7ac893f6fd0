package sandbox

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var updateAnalyze = flag.Bool("update-analyze", false,
	"rerun the analyzers on this host to rewrite testdata/analyze/*.out (needs Debian's pyflakes3, mypy, pylint, and go)")

// analyzeTestMarker stands for the random marker in the golden transcripts.
const analyzeTestMarker = "@@codetree-analyze-test@@"

// analyzeCases are the samples in testdata/analyze: NAME.txtar holds the
// files (its comment says what they show) and NAME.out the transcript
// analyzeScript printed for them, run by -update-analyze on a Debian
// bookworm host with pyflakes 2.5.0, mypy 1.0.1, pylint 2.16.2 (the
// versions of the Python image) and Go 1.26, in a folder /tmp/job-N.
var analyzeCases = map[string]struct {
	lang  Lang
	tools []string
}{
	"python":         {LangPython, []string{ToolPyflakes, ToolMypy, ToolPylint}},
	"python-syntax":  {LangPython, []string{ToolPyflakes, ToolMypy, ToolPylint}},
	"go-vet":         {LangGo, []string{ToolGoBuild, ToolGoVet}},
	"go-compile":     {LangGo, []string{ToolGoBuild, ToolGoVet}},
	"go-mod-version": {LangGo, []string{ToolGoBuild, ToolGoVet}},
	"go-import":      {LangGo, []string{ToolGoBuild, ToolGoVet}},
}

// readTxtar reads the files of a txtar archive ("-- name --" lines).
func readTxtar(file string) (map[string][]byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	files := make(map[string][]byte)
	var name string
	for line := range strings.Lines(string(data)) {
		if n, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "-- "); ok && strings.HasSuffix(n, " --") {
			name = strings.TrimSuffix(n, " --")
			files[name] = []byte{}
			continue
		}
		if name != "" {
			files[name] = append(files[name], line...)
		}
	}
	return files, nil
}

var (
	regenerateOnce sync.Once
	regenerateErr  error
)

// goldenTranscript returns the transcript of case name, first rewriting
// every transcript when -update-analyze is set.
func goldenTranscript(t testing.TB, name string) string {
	t.Helper()
	if *updateAnalyze {
		regenerateOnce.Do(func() { regenerateErr = regenerateAnalyzeGolden() })
		if regenerateErr != nil {
			t.Fatal(regenerateErr)
		}
	}
	data, err := os.ReadFile(filepath.Join("testdata", "analyze", name+".out"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// goldenOutput returns what tool printed in case name, and the working
// directory it ran in.
func goldenOutput(t testing.TB, name, tool string) (toolOutput, string) {
	t.Helper()
	c, ok := analyzeCases[name]
	if !ok {
		t.Fatalf("no analyze case %q", name)
	}
	tools, err := resolveTools(c.lang, c.tools)
	if err != nil {
		t.Fatal(err)
	}
	pwd, outs, err := splitTranscript(goldenTranscript(t, name), analyzeTestMarker, len(tools))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for i, a := range tools {
		if a.name == tool {
			return outs[i], pwd
		}
	}
	t.Fatalf("case %s did not run %s", name, tool)
	return toolOutput{}, ""
}

// regenerateAnalyzeGolden runs analyzeScript for every case on this host,
// in a fresh /tmp/job-N folder as a sandbox job would, with the host's
// analyzers (never the pyenv shims: PATH is Debian's and Go's).
func regenerateAnalyzeGolden() error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return err
	}
	goEnv := func(key string) string {
		out, _ := exec.Command(goBin, "env", key).Output()
		return strings.TrimSpace(string(out))
	}
	gocache, gomodcache := goEnv("GOCACHE"), goEnv("GOMODCACHE")
	for name, c := range analyzeCases {
		files, err := readTxtar(filepath.Join("testdata", "analyze", name+".txtar"))
		if err != nil {
			return err
		}
		if c.lang == LangGo {
			if _, ok := files["go.mod"]; !ok {
				files["go.mod"] = []byte(defaultGoMod)
			}
		}
		tools, err := resolveTools(c.lang, c.tools)
		if err != nil {
			return err
		}
		dir, err := os.MkdirTemp("/tmp", "job-")
		if err != nil {
			return err
		}
		for f, data := range files {
			p := filepath.Join(dir, filepath.FromSlash(f))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				return err
			}
		}
		names, _ := analyzedFiles(c.lang, files)
		cmd := exec.Command("sh", "-c", analyzeScript(analyzeTestMarker, tools, names))
		cmd.Dir = dir
		cmd.Env = []string{
			"PATH=" + filepath.Dir(goBin) + ":/usr/bin:/bin",
			"HOME=" + dir, "TMPDIR=" + dir, "PWD=" + dir, "LANG=C.UTF-8",
			"GOCACHE=" + gocache, "GOMODCACHE=" + gomodcache,
			// As in the Go image (recipes.go goSettings).
			"GOPROXY=off", "GOSUMDB=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod", "CGO_ENABLED=0",
		}
		out, err := cmd.Output()
		os.RemoveAll(dir)
		if err != nil {
			return fmt.Errorf("case %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "analyze", name+".out"), out, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// parserTest is a row of a parser's table: the output of the tool in a
// golden case, or an inline one, and the findings wanted after tidying.
type parserTest struct {
	name           string
	golden         string
	stdout, stderr string
	want           []Finding
}

func runParserTests(t *testing.T, tool string, parse func(stdout, stderr string) []Finding, tests []parserTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, pwd := toolOutput{Stdout: tt.stdout, Stderr: tt.stderr}, "/tmp/job-1"
			if tt.golden != "" {
				out, pwd = goldenOutput(t, tt.golden, tool)
			}
			got := tidyFindings(parse(out.Stdout, out.Stderr), pwd)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s findings (-want +got):\n%s", tool, diff)
			}
		})
	}
}

func pyflakesFinding(file string, line, col int, sev, msg string) Finding {
	return Finding{Tool: ToolPyflakes, File: file, Line: line, Column: col, Severity: sev, Message: msg}
}

func TestParsePyflakes(t *testing.T) {
	t.Parallel()
	const E, W = SeverityError, SeverityWarning
	runParserTests(t, ToolPyflakes, parsePyflakes, []parserTest{
		{
			name:   "warnings and errors",
			golden: "python",
			want: []Finding{
				pyflakesFinding("main.py", 1, 1, W, "'os' imported but unused"),
				pyflakesFinding("main.py", 2, 1, W, "'sys' imported but unused"),
				pyflakesFinding("main.py", 13, 23, E, "undefined name 'nme'"),
				pyflakesFinding("main.py", 18, 5, E, "undefined name 'undefined_thing'"),
				pyflakesFinding("main.py", 19, 7, W, "f-string is missing placeholders"),
				pyflakesFinding("main.py", 20, 7, E, "'...' % ... has 2 placeholder(s) but 1 substitution(s)"),
				pyflakesFinding("main.py", 26, 11, E, "local variable 'n' defined in enclosing scope on line 22 referenced before assignment"),
				pyflakesFinding("main.py", 27, 5, W, "local variable 'n' is assigned to but never used"),
				pyflakesFinding("notes.py", 31, 5, W, "local variable 'x' is assigned to but never used"),
				pyflakesFinding("pkg/util.py", 1, 1, W, "'from collections import *' used; unable to detect undefined names"),
				pyflakesFinding("pkg/util.py", 8, 1, W, "redefinition of unused 'add' from line 4"),
				pyflakesFinding("pkg/util.py", 13, 5, W, "local variable 'l' is assigned to but never used"),
				pyflakesFinding("pkg/util.py", 16, 5, W, "local variable 'e' is assigned to but never used"),
				pyflakesFinding("pkg/util.py", 18, 5, W, "'reveal_type' may be undefined, or defined from star imports: collections"),
			},
		},
		{
			// The source line of forged.py reads like a warning; it is
			// skipped with its caret line and yields nothing.
			name:   "syntax errors with source and caret lines",
			golden: "python-syntax",
			want: []Finding{
				pyflakesFinding("bad/syntax.py", 1, 7, E, "invalid syntax"),
				pyflakesFinding("forged.py", 1, 8, E, "invalid syntax"),
				pyflakesFinding("good.py", 1, 1, W, "'json' imported but unused"),
				pyflakesFinding("py2.py", 1, 1, E, "Missing parentheses in call to 'print'. Did you mean print(...)?"),
				pyflakesFinding("tabs.py", 2, 10, E, "invalid syntax"),
			},
		},
		{
			// pyflakes' shape for a file it cannot decode and for a
			// syntax error without a column (Reporter.syntaxError with
			// offset None prints the source line and no caret).
			name:   "undecodable file and error without column",
			stderr: "nul.py: problem decoding source\nx.py:3: unexpected EOF while parsing\n    return (\n./a/y.py:2: invalid syntax\n",
			want: []Finding{
				{Tool: ToolPyflakes, File: "a/y.py", Line: 2, Severity: E, Message: "invalid syntax"},
				{Tool: ToolPyflakes, File: "nul.py", Severity: E, Message: "problem decoding source"},
				{Tool: ToolPyflakes, File: "x.py", Line: 3, Severity: E, Message: "unexpected EOF while parsing"},
			},
		},
		{
			name:   "absolute paths under the working directory",
			stdout: "/tmp/job-1/main.py:1:1: 'os' imported but unused\n/tmp/job-1/sub/m.py:2:5: undefined name 'y'\n",
			want: []Finding{
				pyflakesFinding("main.py", 1, 1, W, "'os' imported but unused"),
				pyflakesFinding("sub/m.py", 2, 5, E, "undefined name 'y'"),
			},
		},
		{name: "clean", want: nil},
	})
}

func mypyFinding(file string, line, col int, code, msg string) Finding {
	return Finding{Tool: ToolMypy, File: file, Line: line, Column: col, Severity: SeverityError, Code: code, Message: msg}
}

func TestParseMypy(t *testing.T) {
	t.Parallel()
	runParserTests(t, ToolMypy, parseMypy, []parserTest{
		{
			// Overload variants (notes at the error's place) join its
			// message; "defined here" (before its error), reveal_type
			// and annotation-unchecked notes are dropped.
			name:   "errors and notes",
			golden: "python",
			want: []Finding{
				mypyFinding("main.py", 13, 23, "name-defined", `Name "nme" is not defined`),
				mypyFinding("main.py", 16, 22, "list-item", `List item 0 has incompatible type "str"; expected "int"`),
				mypyFinding("main.py", 16, 27, "list-item", `List item 1 has incompatible type "str"; expected "int"`),
				mypyFinding("main.py", 17, 14, "arg-type", `Argument 2 to "add" has incompatible type "str"; expected "int"`),
				mypyFinding("main.py", 18, 5, "name-defined", `Name "undefined_thing" is not defined`),
				mypyFinding("main.py", 20, 17, "str-format", "Not enough arguments for format string"),
				mypyFinding("notes.py", 12, 1, "call-overload", "No overload variant of \"g\" matches argument type \"float\"\n"+
					"Possible overload variants:\n    def g(x: int) -> int\n    def g(x: str) -> str"),
				mypyFinding("notes.py", 20, 1, "attr-defined", `"A" has no attribute "mm"`),
				mypyFinding("notes.py", 27, 1, "call-arg", `Unexpected keyword argument "z" for "f"`),
				mypyFinding("pkg/util.py", 8, 1, "no-redef", `Name "add" already defined on line 4`),
			},
		},
		{
			// A syntax error blocks mypy (exit 2): only the first file
			// that does not parse is reported. mypy says column 8; the
			// colon is at 7.
			name:   "blocking syntax error",
			golden: "python-syntax",
			want: []Finding{
				mypyFinding("bad/syntax.py", 1, 7, "syntax", "invalid syntax"),
			},
		},
		{
			// Without --explicit-package-bases two util.py would be the
			// same module: mypy 1.0's output for it, a file-level error
			// with notes.
			name: "file-level error with notes",
			stdout: `b/util.py: error: Duplicate module named "util" (also at "a/util.py")
b/util.py: note: See https://mypy.readthedocs.io/en/stable/running_mypy.html#mapping-file-paths-to-modules for more info
b/util.py: note: Common resolutions include: a) using ` + "`--exclude`" + ` to avoid checking one of them, b) adding ` + "`__init__.py`" + ` somewhere, c) using ` + "`--explicit-package-bases`" + ` or adjusting MYPYPATH
`,
			want: []Finding{{
				Tool: ToolMypy, File: "b/util.py", Severity: SeverityError,
				Message: "Duplicate module named \"util\" (also at \"a/util.py\")\n" +
					"See https://mypy.readthedocs.io/en/stable/running_mypy.html#mapping-file-paths-to-modules for more info\n" +
					"Common resolutions include: a) using `--exclude` to avoid checking one of them, b) adding `__init__.py` somewhere, c) using `--explicit-package-bases` or adjusting MYPYPATH",
			}},
		},
		{
			// Without --show-column-numbers, and a note at another line
			// right after an error: it stays apart (dropped).
			name: "no column",
			stdout: "/tmp/job-1/m.py:3: error: Incompatible return value type (got \"str\", expected \"int\")  [return-value]\n" +
				"m.py:9: note: Revealed type is \"builtins.int\"\n" +
				"m.py:4: warning: unused \"type: ignore\" comment\n",
			want: []Finding{
				mypyFinding("m.py", 3, 0, "return-value", `Incompatible return value type (got "str", expected "int")`),
				{Tool: ToolMypy, File: "m.py", Line: 4, Severity: SeverityWarning, Message: `unused "type: ignore" comment`},
			},
		},
	})
}

func pylintFinding(file string, line, col int, code, msg string) Finding {
	return Finding{Tool: ToolPylint, File: file, Line: line, Column: col, Severity: SeverityError, Code: code, Message: msg}
}

func TestParsePylint(t *testing.T) {
	t.Parallel()
	runParserTests(t, ToolPylint, parsePylint, []parserTest{
		{
			name:   "errors only",
			golden: "python",
			want: []Finding{
				pylintFinding("main.py", 13, 23, "undefined-variable", "Undefined variable 'nme'"),
				pylintFinding("main.py", 18, 5, "undefined-variable", "Undefined variable 'undefined_thing'"),
				pylintFinding("main.py", 20, 7, "too-few-format-args", "Not enough arguments for format string"),
				pylintFinding("main.py", 26, 11, "used-before-assignment", "Using variable 'n' before assignment"),
				pylintFinding("notes.py", 20, 1, "no-member", "Instance of 'A' has no 'mm' member; maybe 'm'?"),
				pylintFinding("notes.py", 27, 1, "unexpected-keyword-arg", "Unexpected keyword argument 'z' in function call"),
				pylintFinding("pkg/util.py", 8, 1, "function-redefined", "function already defined line 4"),
				pylintFinding("pkg/util.py", 18, 5, "undefined-variable", "Undefined variable 'reveal_type'"),
			},
		},
		{
			// Columns as pyflakes gives them: pylint's syntax-error
			// column is Python's 1-based offset, unlike its others.
			name:   "syntax errors",
			golden: "python-syntax",
			want: []Finding{
				pylintFinding("bad/syntax.py", 1, 7, "syntax-error", "Parsing failed: 'invalid syntax (<unknown>, line 1)'"),
				pylintFinding("forged.py", 1, 8, "syntax-error", "Parsing failed: 'invalid syntax (<unknown>, line 1)'"),
				pylintFinding("py2.py", 1, 1, "syntax-error", "Parsing failed: 'Missing parentheses in call to 'print'. Did you mean print(...)? (<unknown>, line 1)'"),
				pylintFinding("tabs.py", 2, 10, "syntax-error", "Parsing failed: 'invalid syntax (<unknown>, line 2)'"),
			},
		},
		{
			name:   "warning and multi-line message",
			stdout: `[{"type": "warning", "path": "a.py", "line": 2, "column": 0, "symbol": "unused-import", "message": "Unused import os", "message-id": "W0611"}, {"type": "refactor", "path": "b.py", "line": 1, "column": 0, "symbol": "duplicate-code", "message": "Similar lines in 2 files\n==a:[0:3]\n==b:[0:3]", "message-id": "R0801"}]`,
			want: []Finding{
				{Tool: ToolPylint, File: "a.py", Line: 2, Column: 1, Severity: SeverityWarning, Code: "unused-import", Message: "Unused import os"},
				{Tool: ToolPylint, File: "b.py", Line: 1, Column: 1, Severity: SeverityWarning, Code: "duplicate-code", Message: "Similar lines in 2 files\n==a:[0:3]\n==b:[0:3]"},
			},
		},
		{name: "clean", stdout: "[]\n", want: nil},
		{name: "not json", stdout: "Traceback (most recent call last):\n", want: nil},
	})
}

func goFinding(tool, file string, line, col int, msg string) Finding {
	return Finding{Tool: tool, File: file, Line: line, Column: col, Severity: SeverityError, Message: msg}
}

func TestParseGoBuild(t *testing.T) {
	t.Parallel()
	// many.go: ten errors, then "too many errors" (not a finding).
	many := make([]Finding, 0, 10)
	for i := range 10 {
		col := 15
		if i == 9 {
			col = 16 // v10
		}
		many = append(many, goFinding(ToolGoBuild, "many/many.go", 4+i, col, `cannot use "s" (untyped string constant) as int value in variable declaration`))
	}
	runParserTests(t, ToolGoBuild, parseGoBuild, []parserTest{
		{name: "compiles", golden: "go-vet", want: nil},
		{
			name:   "compile errors",
			golden: "go-compile",
			want: append([]Finding{
				goFinding(ToolGoBuild, "internal/calc/calc.go", 4, 13, "undefined: c"),
			}, many...),
		},
		{
			name:   "go.mod needs a newer go",
			golden: "go-mod-version",
			want: []Finding{
				{Tool: ToolGoBuild, Severity: SeverityError, Message: "go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)"},
			},
		},
		{
			// GOFLAGS=-mod=mod and GOPROXY=off, as in the Go image;
			// "go: finding module ..." is progress, not a finding.
			name:   "module not in go.mod",
			golden: "go-import",
			want: []Finding{
				goFinding(ToolGoBuild, "main.go", 3, 8, "cannot find module providing package github.com/nowhere/pkg: module lookup disabled by GOPROXY=off"),
			},
		},
		{
			// The same with the default -mod=readonly and a proxy: the
			// advice is a tab-indented continuation line.
			name:   "continuation line",
			stderr: "main.go:3:8: no required module provides package github.com/nowhere/pkg; to add it:\n\tgo get github.com/nowhere/pkg\n",
			want: []Finding{
				goFinding(ToolGoBuild, "main.go", 3, 8, "no required module provides package github.com/nowhere/pkg; to add it:\ngo get github.com/nowhere/pkg"),
			},
		},
		{
			// A heading line ends with a colon; the error has no column.
			name:   "go.mod syntax error",
			stderr: "go: errors parsing go.mod:\ngo.mod:4: unknown directive: gogo\n",
			want: []Finding{
				goFinding(ToolGoBuild, "go.mod", 4, 0, "unknown directive: gogo"),
			},
		},
		{
			name: "several headers and details",
			stderr: "# sandbox\n./main.go:8:6: declared and not used: s\n./main.go:10:14: not enough arguments in call to f\n\thave ()\n\twant (int)\n" +
				"# sandbox/util\nutil/u.go:3:1: syntax error: non-declaration statement outside function body\n",
			want: []Finding{
				goFinding(ToolGoBuild, "main.go", 8, 6, "declared and not used: s"),
				goFinding(ToolGoBuild, "main.go", 10, 14, "not enough arguments in call to f\nhave ()\nwant (int)"),
				goFinding(ToolGoBuild, "util/u.go", 3, 1, "syntax error: non-declaration statement outside function body"),
			},
		},
		{
			name:   "go command warnings are not findings",
			stderr: "go: warning: \"./...\" matched no packages\ngo: downloading example.com/m v1.0.0\n",
			want:   nil,
		},
	})
}

func TestParseGoVet(t *testing.T) {
	t.Parallel()
	runParserTests(t, ToolGoVet, parseGoVet, []parserTest{
		{
			// printf and tests fail go test (errors); the rest warn.
			name:   "vet diagnostics",
			golden: "go-vet",
			want: []Finding{
				{Tool: ToolGoVet, File: "internal/calc/calc.go", Line: 6, Column: 2, Severity: SeverityWarning, Code: "unusedresult", Message: "result of fmt.Sprintf call not used"},
				{Tool: ToolGoVet, File: "internal/calc/calc.go", Line: 6, Column: 15, Severity: SeverityError, Code: "printf", Message: "fmt.Sprintf format %s has arg a of wrong type int"},
				{Tool: ToolGoVet, File: "internal/calc/calc_test.go", Line: 5, Column: 6, Severity: SeverityError, Code: "tests", Message: "Testadd has malformed name: first letter after 'Test' must not be lowercase"},
				{Tool: ToolGoVet, File: "internal/calc/calc_test.go", Line: 7, Column: 25, Severity: SeverityError, Code: "printf", Message: "(*testing.common).Errorf format %s has arg Add(1, 2) of wrong type int"},
				{Tool: ToolGoVet, File: "main.go", Line: 10, Column: 14, Severity: SeverityError, Code: "printf", Message: `fmt.Printf format %d has arg "not a number" of wrong type string`},
				{Tool: ToolGoVet, File: "main.go", Line: 13, Column: 2, Severity: SeverityWarning, Code: "unreachable", Message: "unreachable code"},
			},
		},
		{
			// vet gives the first type error of each package it cannot
			// check, and of a dependency that does not compile.
			name:   "type errors",
			golden: "go-compile",
			want: []Finding{
				goFinding(ToolGoVet, "internal/calc/calc.go", 4, 13, "undefined: c"),
				goFinding(ToolGoVet, "many/many.go", 4, 15, `cannot use "s" (untyped string constant) as int value in variable declaration`),
				goFinding(ToolGoVet, "util/util_test.go", 6, 14, `cannot use "one" (untyped string constant) as int value in variable declaration`),
			},
		},
		{
			name:   "analyzer error and position without column",
			stdout: `{"p": {"a": {"error": "boom"}, "b": [{"posn": "/tmp/job-1/x.go:3", "end": "/tmp/job-1/x.go:3", "message": "m"}]}}` + "\n",
			want: []Finding{
				{Tool: ToolGoVet, File: "x.go", Line: 3, Severity: SeverityWarning, Code: "b", Message: "m"},
			},
		},
	})
}

func TestParseAnalyzeGolden(t *testing.T) {
	t.Parallel()
	for name, c := range analyzeCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tools, err := resolveTools(c.lang, c.tools)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := readAnalysis(tools, goldenTranscript(t, name), analyzeTestMarker)
			if err != nil {
				t.Fatalf("readAnalysis: %v", err)
			}
			for i := 1; i < len(fs); i++ {
				a, b := fs[i-1], fs[i]
				if a.File > b.File || a.File == b.File && (a.Line > b.Line || a.Line == b.Line && a.Column > b.Column) {
					t.Errorf("findings out of order: %v before %v", a, b)
				}
				if a.File == b.File && a.Line == b.Line && a.Column == b.Column && a.Message == b.Message {
					t.Errorf("duplicate finding %v", b)
				}
			}
			for _, f := range fs {
				if f.Severity != SeverityError && f.Severity != SeverityWarning {
					t.Errorf("bad severity: %+v", f)
				}
				if strings.HasPrefix(f.File, "/") || strings.HasPrefix(f.File, "./") {
					t.Errorf("path not relative: %+v", f)
				}
			}
		})
	}
	t.Run("go build first", func(t *testing.T) {
		t.Parallel()
		tools, _ := resolveTools(LangGo, nil)
		fs, err := readAnalysis(tools, goldenTranscript(t, "go-compile"), analyzeTestMarker)
		if err != nil {
			t.Fatal(err)
		}
		// vet's "vet: internal/calc/calc.go:4:13: undefined: c" repeats go
		// build's and is dropped; its type error in a test file stays.
		var got []string
		for _, f := range fs {
			if f.File == "internal/calc/calc.go" || f.File == "util/util_test.go" {
				got = append(got, f.Tool+" "+f.File)
			}
		}
		want := []string{"go build internal/calc/calc.go", "go vet util/util_test.go"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

// fakeTranscript builds a transcript as analyzeScript prints it.
func fakeTranscript(pwd string, outs ...toolOutput) string {
	var b strings.Builder
	m := analyzeTestMarker
	fmt.Fprintf(&b, "%s pwd %s\n", m, pwd)
	for i, o := range outs {
		fmt.Fprintf(&b, "%s out %d\n%s\n%s err %d\n%s\n%s exit %d %d\n", m, i, o.Stdout, m, i, o.Stderr, m, i, o.Exit)
	}
	return b.String()
}

func TestParseAnalyzeFailures(t *testing.T) {
	t.Parallel()
	py, _ := resolveTools(LangPython, []string{ToolPyflakes, ToolMypy})
	flake := toolOutput{Stdout: "m.py:1:1: 'os' imported but unused\n", Exit: 1}
	tests := []struct {
		name        string
		transcript  string
		wantMissing string // the missing tool
		wantErr     string // in the error otherwise
		wantN       int    // findings returned with the error
	}{
		{
			name:        "sh cannot find python3",
			transcript:  fakeTranscript("/tmp/job-1", toolOutput{Stderr: "sh: 1: python3: not found", Exit: 127}, toolOutput{Exit: 127}),
			wantMissing: ToolPyflakes,
		},
		{
			name:        "python has no mypy",
			transcript:  fakeTranscript("/tmp/job-1", flake, toolOutput{Stderr: "/usr/bin/python3: No module named mypy", Exit: 1}),
			wantMissing: ToolMypy,
		},
		{
			name:       "mypy fails on its own",
			transcript: fakeTranscript("/tmp/job-1", flake, toolOutput{Stderr: "mypy: can't read file 'm.py': No such file or directory", Exit: 2}),
			wantErr:    "mypy failed (exit status 2): mypy: can't read file",
			wantN:      1,
		},
		{
			name:       "cut short",
			transcript: strings.TrimSuffix(fakeTranscript("/tmp/job-1", flake, toolOutput{}), analyzeTestMarker+" exit 1 0\n"),
			wantErr:    "transcript incomplete: tool 2 of 2 did not finish",
		},
		{
			// A line that only looks like a marker (another marker, or
			// the marker not at the start) is output.
			name: "forged marker",
			transcript: fakeTranscript("/tmp/job-1",
				toolOutput{Stdout: "@@codetree-analyze-0000@@ exit 0 0\nx " + analyzeTestMarker + " exit 0 0", Exit: 0},
				toolOutput{Exit: 0}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs, err := readAnalysis(py, tt.transcript, analyzeTestMarker)
			var me *missingToolError
			switch {
			case tt.wantMissing != "":
				if !errors.As(err, &me) || me.tool != tt.wantMissing || fs != nil {
					t.Fatalf("got %v, %v; want %s missing", fs, err, tt.wantMissing)
				}
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || errors.As(err, &me) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if len(fs) != tt.wantN {
					t.Errorf("got %d findings with the error, want %d: %v", len(fs), tt.wantN, fs)
				}
			case err != nil || len(fs) != 0:
				t.Fatalf("got %v, %v; want nothing", fs, err)
			}
		})
	}
}

// TestParseAnalyzeScript runs the real script with sh and fake tools: it
// checks the quoting of file names, the sections and the exit statuses.
func TestParseAnalyzeScript(t *testing.T) {
	t.Parallel()
	bin, work := t.TempDir(), t.TempDir()
	// python3 prints its arguments one a line on stdout, a line on
	// stderr without a newline at the end, and exits 3.
	fake := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\nprintf 'on stderr' >&2\nexit 3\n"
	if err := os.WriteFile(filepath.Join(bin, "python3"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	tools, _ := resolveTools(LangPython, []string{ToolPyflakes, ToolPylint})
	files := []string{"-dash.py", "it's here.py", "pkg/m.py"}
	cmd := exec.CommandContext(t.Context(), "sh", "-c", analyzeScript(analyzeTestMarker, tools, files))
	cmd.Dir = work
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "TMPDIR=" + work, "PWD=" + work}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("script: %v", err)
	}
	pwd, outs, err := splitTranscript(string(out), analyzeTestMarker, len(tools))
	if err != nil {
		t.Fatal(err)
	}
	if pwd != work {
		t.Errorf("pwd %q, want %q", pwd, work)
	}
	want := []toolOutput{
		{Stdout: "-m\npyflakes\n./-dash.py\nit's here.py\npkg/m.py\n", Stderr: "on stderr", Exit: 3},
		{Stdout: "-m\npylint\n-E\n--output-format=json\n--rcfile=/dev/null\n--persistent=n\n./-dash.py\nit's here.py\npkg/m.py\n", Stderr: "on stderr", Exit: 3},
	}
	if diff := cmp.Diff(want, outs); diff != "" {
		t.Errorf("tool outputs (-want +got):\n%s", diff)
	}
	entries, _ := os.ReadDir(work)
	if len(entries) != 0 {
		t.Errorf("script left %v in the working directory", entries)
	}
}

func TestParseTools(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lang    Lang
		tools   []string
		want    string
		wantErr string
	}{
		{lang: LangPython, want: "(pyflakes, mypy)"},
		{lang: LangGo, want: "(go build, go vet)"},
		{lang: LangPython, tools: []string{"pylint", "mypy", "pylint"}, want: "(pylint, mypy)"},
		{lang: LangGo, tools: []string{"mypy"}, wantErr: `unknown go analyzer "mypy" (known: "go build", "go vet")`},
		{lang: "rust", wantErr: `unsupported language "rust"`},
	}
	for _, tt := range tests {
		tools, err := resolveTools(tt.lang, tt.tools)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("resolveTools(%q, %q) error %v, want %q", tt.lang, tt.tools, err, tt.wantErr)
			}
			continue
		}
		if err != nil || toolNames(tools) != tt.want {
			t.Errorf("resolveTools(%q, %q) = %s, %v; want %s", tt.lang, tt.tools, toolNames(tools), err, tt.want)
		}
	}
}

func TestFormatFindings(t *testing.T) {
	t.Parallel()
	fs := []Finding{
		{Tool: ToolGoBuild, Severity: SeverityError, Message: "go.mod requires go >= 1.99"},
		{Tool: ToolPyflakes, File: "nul.py", Severity: SeverityError, Message: "problem decoding source"},
		{Tool: ToolMypy, File: "m.py", Line: 3, Severity: SeverityError, Code: "return-value", Message: "Incompatible return value type"},
		{Tool: ToolGoBuild, File: "main.go", Line: 9, Column: 14, Severity: SeverityError, Message: "not enough arguments in call to f\nhave ()\nwant (int)"},
		{Tool: ToolMypy, File: "n.py", Line: 12, Column: 1, Severity: SeverityError, Message: "No overload variant of \"g\" matches argument type \"float\"\nPossible overload variants:\n    def g(x: int) -> int\n    def g(x: str) -> str"},
	}
	lines := []string{
		"go build: go.mod requires go >= 1.99",
		"nul.py: pyflakes: problem decoding source",
		"m.py:3: mypy: Incompatible return value type",
		"main.go:9:14: go build: not enough arguments in call to f; have (); want (int)",
		`n.py:12:1: mypy: No overload variant of "g" matches argument type "float"; Possible overload variants: def g(x: int) -> int; def g(x: str) -> str`,
	}
	tests := []struct {
		name string
		fs   []Finding
		max  int
		want string
	}{
		{name: "none", fs: nil, max: 3, want: ""},
		{name: "no cap", fs: fs, max: 0, want: strings.Join(lines, "\n")},
		{name: "exactly max", fs: fs, max: 5, want: strings.Join(lines, "\n")},
		{name: "capped", fs: fs, max: 2, want: lines[0] + "\n" + lines[1] + "\n... and 3 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, FormatFindings(tt.fs, tt.max)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// analyzeSandbox opens a Sandbox for an integration test: it skips (or,
// with CI set, fails) when no Docker daemon answers. The runner binary is
// $CODETREE_RUNNER or one built here. (sandboxtest cannot serve a test of
// package sandbox itself: it imports the package.)
func analyzeSandbox(t *testing.T) *Sandbox {
	t.Helper()
	if testing.Short() {
		t.Skip("Docker integration test")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cli, err := connect(ctx, "")
	if err != nil {
		analyzeUnavailable(t, err)
	}
	_ = cli.Close()
	bin := os.Getenv("CODETREE_RUNNER")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "codetree")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/codetree/codetree/cmd/codetree")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build runner binary: %v\n%s", err, out)
		}
	}
	sb, err := New(ctx, Config{RunnerBinary: bin, PoolSize: 1})
	if err != nil {
		t.Fatalf("open sandbox: %v", err)
	}
	t.Cleanup(func() {
		if err := sb.Close(context.Background()); err != nil {
			t.Errorf("close sandbox: %v", err)
		}
	})
	return sb
}

func analyzeUnavailable(t *testing.T, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("Docker and the sandbox images are required in CI: %v", err)
	}
	t.Skipf("no Docker daemon or image (run `make docker images`, or set CI=1 to make this a failure): %v", err)
}

func TestAnalyzeDocker(t *testing.T) {
	t.Parallel()
	sb := analyzeSandbox(t)
	tests := []struct {
		name string
		req  AnalyzeRequest
		want []Finding
	}{
		{
			name: "python",
			req: AnalyzeRequest{Lang: LangPython, Files: map[string][]byte{
				"main.py": []byte(`import os
from helpers.text import shout


def double(x: int) -> int:
    return 2 * x


print(undefined_name)
print(double("2"))
print(shout(1))
`),
				"helpers/text.py": []byte("def shout(s: str) -> str:\n    return s.upper() + \"!\"\n"),
			}},
			want: []Finding{
				pyflakesFinding("main.py", 1, 1, SeverityWarning, "'os' imported but unused"),
				pyflakesFinding("main.py", 9, 7, SeverityError, "undefined name 'undefined_name'"),
				mypyFinding("main.py", 9, 7, "name-defined", `Name "undefined_name" is not defined`),
				mypyFinding("main.py", 10, 14, "arg-type", `Argument 1 to "double" has incompatible type "str"; expected "int"`),
				mypyFinding("main.py", 11, 13, "arg-type", `Argument 1 to "shout" has incompatible type "int"; expected "str"`),
			},
		},
		{
			name: "go",
			req: AnalyzeRequest{Lang: LangGo, Files: map[string][]byte{
				"main.go": []byte(`package main

import (
	"fmt"

	"sandbox/report"
)

func main() {
	fmt.Println(report.Line(total))
}
`),
				"report/report.go": []byte(`package report

import "fmt"

// Line formats n.
func Line(n int) string {
	return fmt.Sprintf("total: %d", "n")
}
`),
			}},
			want: []Finding{
				goFinding(ToolGoBuild, "main.go", 10, 26, "undefined: total"),
				// vet places a printf finding at the verb (%d), column 29.
				{Tool: ToolGoVet, File: "report/report.go", Line: 7, Column: 29, Severity: SeverityError, Code: "printf", Message: `fmt.Sprintf format %d has arg "n" of wrong type string`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			got, err := Analyze(t.Context(), sb, tt.req)
			if ie, ok := errors.AsType[*ImageError](err); ok {
				analyzeUnavailable(t, ie)
			}
			if err != nil {
				t.Fatalf("Analyze: %v", err)
			}
			t.Logf("%s: %d findings in %s", tt.name, len(got), time.Since(start))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		_, err := Analyze(t.Context(), sb, AnalyzeRequest{
			Lang:   LangPython,
			Files:  map[string][]byte{"m.py": []byte("x = 1\n")},
			Tools:  []string{ToolMypy},
			Limits: Limits{Timeout: time.Millisecond},
		})
		if ie, ok := errors.AsType[*ImageError](err); ok {
			analyzeUnavailable(t, ie)
		}
		if err == nil || !strings.Contains(err.Error(), "timed out") {
			t.Fatalf("Analyze with a 1 ms limit: %v, want a timeout error", err)
		}
	})
}
