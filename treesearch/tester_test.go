package treesearch

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

type fakeExec func(ctx context.Context, req sandbox.Request) (sandbox.Result, error)

func (f fakeExec) Run(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
	return f(ctx, req)
}

// noFindings is tester.py's findings line for clean code.
const noFindings = `{"findings": []}` + "\n"

// lintLine is a findings line with an unused import (which the feedback
// leaves out), a warning and an error, in pyflakes' order (by line).
const lintLine = `{"findings": [` +
	`{"line": 1, "col": 1, "kind": "UnusedImport", "message": "'os' imported but unused"}, ` +
	`{"line": 3, "col": 5, "kind": "UnusedVariable", "message": "local variable 'x' is assigned to but never used"}, ` +
	`{"line": 4, "col": 16, "kind": "UndefinedName", "message": "undefined name 'helper'"}]}` + "\n"

const lintWant = "line 4: undefined name 'helper' (pyflakes)\n" +
	"line 3: warning: local variable 'x' is assigned to but never used (pyflakes)\n"

func findingLines(fs []sandbox.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(findingLine(f))
	}
	return b.String()
}

var twoTests = []Test{
	{Assert: "assert add(1, 2) == 3", Call: "add(1, 2)", Expected: "3"},
	{Assert: "assert add(0, 0) == 0"},
}

func TestTesterRequest(t *testing.T) {
	t.Parallel()
	var got sandbox.Request
	exec := fakeExec(func(_ context.Context, req sandbox.Request) (sandbox.Result, error) {
		got = req
		return sandbox.Result{Status: sandbox.StatusPassed, Stdout: noFindings + `{"load_error": "", "tests": [{"status": "passed"}, {"status": "passed"}]}` + "\n"}, nil
	})
	tr := Tester{Exec: exec, Limits: sandbox.Limits{Memory: 256 * sandbox.MiB, Timeout: time.Hour}, PerTest: 500 * time.Millisecond}
	fb, err := tr.Test(t.Context(), Problem{Tests: twoTests}, "def add(a, b): return a + b\n")
	if err != nil {
		t.Fatal(err)
	}
	if !fb.AllPassed() || fb.Tests[1].Assert != twoTests[1].Assert {
		t.Errorf("feedback = %+v", fb)
	}
	if !got.PassToken || got.Lang != sandbox.LangPython {
		t.Errorf("request: PassToken %v, Lang %v", got.PassToken, got.Lang)
	}
	if want := 3*500*time.Millisecond + 2*time.Second; got.Limits.Timeout != want || got.Limits.Memory != 256*sandbox.MiB {
		t.Errorf("limits = %+v, want timeout %s and the caller's memory", got.Limits, want)
	}
	if string(got.Files["solution.py"]) != "def add(a, b): return a + b\n" || len(got.Files["tester.py"]) == 0 ||
		!strings.Contains(string(got.Files["tests.json"]), `"call":"add(1, 2)"`) {
		t.Errorf("files = %v", got.Files)
	}
	if strings.Join(got.Command, " ") != "python3 -I -B tester.py tests.json solution.py 0.5" {
		t.Errorf("command = %q", got.Command)
	}
}

func TestTesterVerdicts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		res      sandbox.Result
		err      error
		wantErr  bool
		load     string // substring of LoadError; "" for none
		passed   int
		timedOut bool
		findings string // the findings, as findingLine renders them
	}{
		{name: "report", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: noFindings + `{"tests": [{"status": "failed", "actual": "-1", "expected": "3"}, {"status": "passed"}]}`}, passed: 1},
		{name: "test timeout", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: noFindings + `{"tests": [{"status": "timeout"}, {"status": "passed"}]}`}, passed: 1, timedOut: true},
		{name: "load error", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: noFindings + `{"load_error": "SyntaxError: x", "tests": []}`}, load: "SyntaxError: x"},
		{name: "load timeout", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: noFindings + `{"load_error": "time limit exceeded while loading", "load_timeout": true, "tests": []}`}, load: "while loading", timedOut: true},
		{name: "early exit", res: sandbox.Result{Status: sandbox.StatusFailed, Detail: "exited 0 without printing the pass token"}, load: "exited before the tests finished"},
		{name: "exit status", res: sandbox.Result{Status: sandbox.StatusFailed, ExitCode: 3}, load: "exited with status 3"},
		{name: "crash", res: sandbox.Result{Status: sandbox.StatusRuntimeError, Signal: 11, ExitCode: -1, Detail: "killed by signal 11"}, load: "crashed before the tests finished (killed by signal 11)"},
		{name: "time limit", res: sandbox.Result{Status: sandbox.StatusTimeLimit}, load: "time limit exceeded", timedOut: true},
		{name: "memory limit", res: sandbox.Result{Status: sandbox.StatusMemoryLimit}, load: "memory limit exceeded"},
		{name: "output limit", res: sandbox.Result{Status: sandbox.StatusOutputLimit}, load: "output limit exceeded"},
		{name: "driver crash", res: sandbox.Result{Status: sandbox.StatusFailed, ExitCode: 1, Stderr: "Traceback...\nKeyError: 'x'\n"}, wantErr: true},
		{name: "internal error", res: sandbox.Result{Status: sandbox.StatusInternalError, Detail: "runner lost"}, wantErr: true},
		{name: "executor error", err: errors.New("daemon gone"), wantErr: true},
		{name: "garbled report", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: "hello\n"}, wantErr: true},
		{name: "short report", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: noFindings + `{"tests": [{"status": "passed"}]}`}, wantErr: true},
		{name: "findings", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: lintLine + `{"tests": [{"status": "passed"}, {"status": "passed"}]}` + "\n"},
			passed: 2, findings: lintWant},
		{name: "findings and a load error", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: lintLine + `{"load_error": "NameError: x", "tests": []}`},
			load: "NameError: x", findings: lintWant},
		{name: "findings survive an early exit", res: sandbox.Result{Status: sandbox.StatusFailed, Stdout: lintLine, Detail: "exited 0 without printing the pass token"},
			load: "exited before the tests finished", findings: lintWant},
		{name: "findings survive the deadline", res: sandbox.Result{Status: sandbox.StatusTimeLimit, Stdout: lintLine}, load: "time limit exceeded", timedOut: true, findings: lintWant},
		{name: "crash before the findings", res: sandbox.Result{Status: sandbox.StatusRuntimeError, Stdout: "garbage", Signal: 11}, load: "crashed"},
		{name: "no findings line", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: `{"tests": [{"status": "passed"}, {"status": "passed"}]}`}, wantErr: true},
		{name: "garbled findings line", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: `{"findings": 3}` + "\n" + `{"tests": [{"status": "passed"}, {"status": "passed"}]}`}, wantErr: true},
		{name: "not a findings line", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: `{"other": []}` + "\n" + `{"tests": [{"status": "passed"}, {"status": "passed"}]}`}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			exec := fakeExec(func(context.Context, sandbox.Request) (sandbox.Result, error) { return tc.res, tc.err })
			fb, err := Tester{Exec: exec}.Test(t.Context(), Problem{Tests: twoTests}, "")
			if tc.wantErr {
				if err == nil {
					t.Fatalf("no error; feedback %+v", fb)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.load == "" && fb.LoadError != "" || !strings.Contains(fb.LoadError, tc.load) {
				t.Errorf("LoadError = %q, want it to contain %q", fb.LoadError, tc.load)
			}
			if fb.Passed != tc.passed || fb.Total != 2 || len(fb.Tests) != 2 || fb.TimedOut != tc.timedOut {
				t.Errorf("feedback = %+v, want %d/2 passed, TimedOut %v", fb, tc.passed, tc.timedOut)
			}
			if tc.load != "" && fb.Tests[0].Status != TestFailed {
				t.Errorf("test after a load error: %+v", fb.Tests[0])
			}
			if got := findingLines(fb.Findings); got != tc.findings {
				t.Errorf("findings:\n%s\nwant\n%s", got, tc.findings)
			}
		})
	}
}

// Integration tests with the real sandbox.

func TestTesterSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	t.Parallel()
	sb := sandboxtest.New(t, sandbox.Config{})
	tr := Tester{Exec: sb, PerTest: time.Second}
	prob := Problem{Tests: []Test{
		{Assert: "assert add(1, 2) == 3", Call: "add(1, 2)", Expected: "3"},
		{Assert: "assert add(0.1, 0.2) == 0.3", Call: "add(0.1, 0.2)", Expected: "0.3"},
		{Assert: "assert add(2, 2) == 4"},
	}}
	type check func(t *testing.T, fb Feedback)
	for _, tc := range []struct {
		name  string
		code  string
		check check
	}{
		{"correct", "def add(a, b):\n    return a + b\n", func(t *testing.T, fb Feedback) {
			if !fb.AllPassed() || fb.LoadError != "" || len(fb.Findings) != 0 {
				t.Errorf("feedback = %+v", fb)
			}
			if s := fb.Format(0); strings.Contains(s, "Static analysis") {
				t.Errorf("Format:\n%s", s)
			}
		}},
		{"wrong", "def add(a, b):\n    return a - b\n", func(t *testing.T, fb Feedback) {
			r := fb.Tests[0]
			if fb.Passed != 0 || r.Status != TestFailed || r.Actual != "-1" || r.Expected != "3" || fb.Tests[2].Status != TestFailed {
				t.Errorf("feedback = %+v", fb)
			}
			if s := fb.Format(0); !strings.Contains(s, "FAIL assert add(1, 2) == 3 -- got -1, expected 3\n") {
				t.Errorf("Format:\n%s", s)
			}
		}},
		{"raises", "def add(a, b):\n    return a / 0\n", func(t *testing.T, fb Feedback) {
			r := fb.Tests[0]
			if r.Status != TestError || !strings.Contains(r.Error, "ZeroDivisionError: division by zero") ||
				!strings.Contains(r.Error, `File "solution.py", line 2, in add`) || strings.Contains(r.Error, "tester.py") {
				t.Errorf("result = %+v", r)
			}
		}},
		{"syntax error", "def add(a, b:\n    return a + b\n", func(t *testing.T, fb Feedback) {
			if !strings.Contains(fb.LoadError, "SyntaxError") || fb.Passed != 0 || fb.Total != 3 {
				t.Errorf("feedback = %+v", fb)
			}
			if len(fb.Findings) != 0 {
				t.Errorf("findings = %+v, want none: the load error has the syntax error", fb.Findings)
			}
		}},
		{"undefined name in an untested branch", "def add(a, b):\n    if a < 0:\n        return helper(a, b)\n    return a + b\n", func(t *testing.T, fb Feedback) {
			if !fb.AllPassed() {
				t.Errorf("feedback = %+v", fb)
			}
			want := []sandbox.Finding{{Tool: sandbox.ToolPyflakes, File: "solution.py", Line: 3, Column: 16,
				Severity: sandbox.SeverityError, Message: "undefined name 'helper'"}}
			if !slices.Equal(fb.Findings, want) {
				t.Errorf("findings = %+v, want %+v", fb.Findings, want)
			}
			if s := fb.Format(2000); !strings.HasSuffix(s, "PASS assert add(2, 2) == 4\nStatic analysis:\nline 3: undefined name 'helper' (pyflakes)\n") {
				t.Errorf("Format:\n%s", s)
			}
		}},
		{"unused import left out, unused variable kept", "import os\nfrom typing import List\ndef add(a, b):\n    unused = a\n    return a + b\n", func(t *testing.T, fb Feedback) {
			if got, want := findingLines(fb.Findings), "line 4: warning: local variable 'unused' is assigned to but never used (pyflakes)\n"; got != want || !fb.AllPassed() {
				t.Errorf("findings:\n%s\nwant\n%s\nfeedback %+v", got, want, fb)
			}
		}},
		{"compile error not reported twice", "def add(a, b):\n    return a + b\nreturn undefined_x\n", func(t *testing.T, fb Feedback) {
			// pyflakes says "'return' outside function" on line 3 and
			// compiling fails there too; the undefined name is on the
			// same line, so everything is the load error's.
			if !strings.Contains(fb.LoadError, "'return' outside function") || len(fb.Findings) != 0 {
				t.Errorf("LoadError %q, findings %+v", fb.LoadError, fb.Findings)
			}
		}},
		{"the real doctest", "import doctest\ndef add(a, b):\n    assert doctest.testmod and doctest.DocTestFinder\n    return a + b\n", func(t *testing.T, fb Feedback) {
			// tester.py imports pyflakes with a stub doctest: the
			// candidate must still get the real one.
			if !fb.AllPassed() || len(fb.Findings) != 0 {
				t.Errorf("feedback = %+v", fb)
			}
		}},
		{"findings survive os._exit", "import os\ndef add(a, b):\n    return helpr(a, b)\nos._exit(0)\n", func(t *testing.T, fb Feedback) {
			if !strings.Contains(fb.LoadError, "exited before the tests finished") {
				t.Errorf("feedback = %+v", fb)
			}
			if got, want := findingLines(fb.Findings), "line 3: undefined name 'helpr' (pyflakes)\n"; got != want {
				t.Errorf("findings:\n%s\nwant\n%s", got, want)
			}
		}},
		{"infinite loop in one test", "def add(a, b):\n    while a == 0.1:\n        try:\n            pass\n        except:\n            pass\n    return a + b\n", func(t *testing.T, fb Feedback) {
			if fb.Tests[0].Status != TestPassed || fb.Tests[1].Status != TestTimeout || fb.Tests[2].Status != TestPassed || !fb.TimedOut {
				t.Errorf("feedback = %+v", fb)
			}
		}},
		{"os._exit at load", "import os\nos._exit(0)\ndef add(a, b):\n    return a + b\n", func(t *testing.T, fb Feedback) {
			if fb.AllPassed() || fb.Passed != 0 || !strings.Contains(fb.LoadError, "exited before the tests finished") {
				t.Errorf("feedback = %+v", fb)
			}
		}},
		{"sys.exit in a test", "import sys\ndef add(a, b):\n    if a == 2:\n        sys.exit(0)\n    return a + b\n", func(t *testing.T, fb Feedback) {
			if fb.Passed != 2 || fb.Tests[2].Status != TestError || !strings.Contains(fb.Tests[2].Error, "SystemExit") {
				t.Errorf("feedback = %+v", fb)
			}
		}},
		{"printing", "import os, sys\nprint('loading')\ndef add(a, b):\n    print('adding', a, b)\n    print('err', file=sys.stderr)\n    os.write(1, b'raw')\n    return a * b\n", func(t *testing.T, fb Feedback) {
			r := fb.Tests[0]
			if r.Status != TestFailed || r.Output != "adding 1 2\nerr\n" || r.Actual != "2" {
				t.Errorf("result = %+v", r)
			}
			if fb.Tests[2].Status != TestPassed {
				t.Errorf("feedback = %+v", fb)
			}
		}},
		{"ignores the alarm", "import signal\ndef add(a, b):\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True:\n        pass\n", func(t *testing.T, fb Feedback) {
			if fb.Passed != 0 || !fb.TimedOut || !strings.Contains(fb.LoadError, "time limit exceeded") {
				t.Errorf("feedback = %+v", fb)
			}
		}},
		{"token file is gone", "import os\nassert not os.environ.get('CODETREE_TOKEN_FILE')\ndef add(a, b):\n    return a + b\n", func(t *testing.T, fb Feedback) {
			if !fb.AllPassed() {
				t.Errorf("feedback = %+v", fb)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			fb, err := tr.Test(ctx, prob, tc.code)
			var ie *sandbox.ImageError
			if errors.As(err, &ie) {
				sandboxtest.Unavailable(t, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(fb.Tests) != len(prob.Tests) {
				t.Fatalf("%d results for %d tests: %+v", len(fb.Tests), len(prob.Tests), fb)
			}
			tc.check(t, fb)
		})
	}
}

func TestTesterNoPyflakes(t *testing.T) {
	t.Parallel()
	var got []string
	exec := fakeExec(func(_ context.Context, req sandbox.Request) (sandbox.Result, error) {
		got = req.Command
		return sandbox.Result{Status: sandbox.StatusPassed, Stdout: noFindings + `{"tests": [{"status": "passed"}, {"status": "passed"}]}`}, nil
	})
	if _, err := (Tester{Exec: exec, NoPyflakes: true}).Test(t.Context(), Problem{Tests: twoTests}, ""); err != nil {
		t.Fatal(err)
	}
	if got[len(got)-1] != "--no-pyflakes" {
		t.Errorf("command = %q", got)
	}
}

// TestTesterAnalyzer checks the request to the Analyzer, that it runs
// while the tests run, and how its findings join pyflakes'.
func TestTesterAnalyzer(t *testing.T) {
	t.Parallel()
	const code = "def add(a: int, b: int) -> int:\n    return helper(a)\n"
	testsStarted, analysisStarted := make(chan struct{}), make(chan struct{})
	// Each side waits until the other has started: neither returns unless
	// both run at once.
	meet := func(ctx context.Context, mine, other chan struct{}) error {
		close(mine)
		select {
		case <-other:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second):
			return errors.New("the tests and the analysis did not run concurrently")
		}
	}
	exec := fakeExec(func(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
		if err := meet(ctx, testsStarted, analysisStarted); err != nil {
			return sandbox.Result{}, err
		}
		return sandbox.Result{Status: sandbox.StatusPassed, Stdout: `{"findings": [` +
			`{"line": 2, "col": 12, "kind": "UndefinedName", "message": "undefined name 'helper'"}]}` + "\n" +
			`{"tests": [{"status": "error", "error": "NameError"}, {"status": "error", "error": "NameError"}]}`}, nil
	})
	var got sandbox.AnalyzeRequest
	an := AnalyzerFunc(func(ctx context.Context, req sandbox.AnalyzeRequest) ([]sandbox.Finding, error) {
		got = req
		if err := meet(ctx, analysisStarted, testsStarted); err != nil {
			return nil, err
		}
		return []sandbox.Finding{
			{Tool: sandbox.ToolMypy, File: "solution.py", Line: 2, Column: 12, Severity: sandbox.SeverityError, Code: "name-defined", Message: `Name "helper" is not defined`},
			{Tool: sandbox.ToolMypy, File: "solution.py", Line: 1, Column: 1, Severity: sandbox.SeverityError, Code: "misc", Message: "Something else"},
			{Tool: sandbox.ToolPyflakes, File: "solution.py", Line: 2, Column: 12, Severity: sandbox.SeverityError, Message: "undefined name 'helper'"},
			{Tool: sandbox.ToolPyflakes, File: "solution.py", Line: 1, Column: 1, Severity: sandbox.SeverityWarning, Message: "'os' imported but unused"},
			{Tool: sandbox.ToolMypy, File: "/usr/lib/python3/stub.pyi", Line: 9, Severity: sandbox.SeverityError, Message: "not ours"},
		}, nil
	})
	tr := Tester{Exec: exec, Analyzer: an, Limits: sandbox.Limits{Memory: 300 * sandbox.MiB}}
	fb, err := tr.Test(t.Context(), Problem{Tests: twoTests}, code)
	if err != nil {
		t.Fatal(err)
	}
	if got.Lang != sandbox.LangPython || len(got.Files) != 1 || string(got.Files["solution.py"]) != code ||
		!slices.Equal(got.Tools, []string{sandbox.ToolMypy}) || got.Limits.Memory != 300*sandbox.MiB || got.Limits.Timeout != 0 {
		t.Errorf("analyze request = %+v", got)
	}
	want := "line 1: Something else (mypy misc)\n" +
		"line 2: undefined name 'helper' (pyflakes)\n"
	if s := findingLines(fb.Findings); s != want {
		t.Errorf("findings:\n%s\nwant\n%s", s, want)
	}
	if fb.Total != 2 || fb.Tests[0].Status != TestError {
		t.Errorf("feedback = %+v", fb)
	}
}

func TestTesterAnalyzerErrors(t *testing.T) {
	t.Parallel()
	exec := fakeExec(func(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
		return sandbox.Result{Status: sandbox.StatusPassed, Stdout: noFindings + `{"tests": [{"status": "passed"}, {"status": "passed"}]}`}, nil
	})
	missing := errors.New("analyze: image codetree-python:x lacks mypy (/usr/bin/python3: No module named mypy): use an image that has it")
	var tools []string
	an := AnalyzerFunc(func(ctx context.Context, req sandbox.AnalyzeRequest) ([]sandbox.Finding, error) {
		tools = req.Tools
		return nil, missing
	})
	_, err := Tester{Exec: exec, Analyzer: an, Tools: []string{"pylint", "mypy"}}.Test(t.Context(), Problem{Tests: twoTests}, "x = 1\n")
	if !errors.Is(err, missing) || !strings.Contains(err.Error(), "analyze candidate (pylint, mypy): ") {
		t.Errorf("err = %v", err)
	}
	if !slices.Equal(tools, []string{"pylint", "mypy"}) {
		t.Errorf("tools = %q", tools)
	}
}

// TestTesterSandboxAnalyzer runs mypy next to the tests in the real
// sandbox: it catches a type error that no test hits, and says nothing
// more about an undefined name that pyflakes already reported.
func TestTesterSandboxAnalyzer(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	t.Parallel()
	sb := sandboxtest.New(t, sandbox.Config{})
	tr := Tester{Exec: sb, Analyzer: SandboxAnalyzer(sb), PerTest: time.Second}
	prob := Problem{Tests: []Test{{Assert: "assert add(1, 2) == 3", Call: "add(1, 2)", Expected: "3"}}}
	code := "def add(a: int, b: int) -> int:\n" +
		"    if a < 0:\n" +
		"        return \"x\"\n" +
		"    if b < 0:\n" +
		"        return helper(a)\n" +
		"    return a + b\n"
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	fb, err := tr.Test(ctx, prob, code)
	if _, ok := errors.AsType[*sandbox.ImageError](err); ok {
		sandboxtest.Unavailable(t, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	want := "line 3: Incompatible return value type (got \"str\", expected \"int\") (mypy return-value)\n" +
		"line 5: undefined name 'helper' (pyflakes)\n"
	if got := findingLines(fb.Findings); got != want || !fb.AllPassed() {
		t.Errorf("findings:\n%s\nwant\n%s\nfeedback %+v", got, want, fb)
	}
	if s := fb.Format(0); !strings.HasSuffix(s, "Static analysis:\n"+want) {
		t.Errorf("Format:\n%s", s)
	}
}

// TestTesterSandboxWithoutPyflakes runs tester.py where pyflakes cannot be
// imported, and with NoPyflakes: no findings, and the tests still run.
func TestTesterSandboxWithoutPyflakes(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	t.Parallel()
	sb := sandboxtest.New(t, sandbox.Config{})
	// A None in sys.modules makes `import pyflakes` raise ImportError.
	noImport := fakeExec(func(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
		req.Files = maps.Clone(req.Files)
		req.Files["tester.py"] = append([]byte("import sys\nsys.modules['pyflakes'] = None\n"), req.Files["tester.py"]...)
		return sb.Run(ctx, req)
	})
	prob := Problem{Tests: []Test{{Assert: "assert add(1, 2) == 3", Call: "add(1, 2)", Expected: "3"}}}
	code := "def add(a, b):\n    if a < 0:\n        return helper(a)\n    return a + b\n"
	for _, tc := range []struct {
		name string
		tr   Tester
	}{
		{"unimportable", Tester{Exec: noImport, PerTest: time.Second}},
		{"NoPyflakes", Tester{Exec: sb, PerTest: time.Second, NoPyflakes: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			fb, err := tc.tr.Test(ctx, prob, code)
			if _, ok := errors.AsType[*sandbox.ImageError](err); ok {
				sandboxtest.Unavailable(t, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !fb.AllPassed() || len(fb.Findings) != 0 {
				t.Errorf("feedback = %+v", fb)
			}
		})
	}
}

// BenchmarkTesterPyflakes measures what the in-process pyflakes check adds
// to a Test call: compare the two sub-benchmarks' ns/op (e.g.
// -bench TesterPyflakes -benchtime 20x).
func BenchmarkTesterPyflakes(b *testing.B) {
	sb := sandboxtest.New(b, sandbox.Config{})
	prob := Problem{Tests: []Test{
		{Assert: "assert add(1, 2) == 3", Call: "add(1, 2)", Expected: "3"},
		{Assert: "assert add(2, 2) == 4", Call: "add(2, 2)", Expected: "4"},
	}}
	code := "from typing import List\n\n\ndef add(a: int, b: int) -> int:\n    \"\"\"Sum.\"\"\"\n" +
		"    total = 0\n    for x in [a, b]:\n        total += x\n    return total\n"
	for _, bc := range []struct {
		name string
		no   bool
	}{{"pyflakes", false}, {"none", true}} {
		b.Run(bc.name, func(b *testing.B) {
			tr := Tester{Exec: sb, PerTest: time.Second, NoPyflakes: bc.no}
			for b.Loop() {
				fb, err := tr.Test(b.Context(), prob, code)
				if err != nil {
					b.Fatal(err)
				}
				if !fb.AllPassed() {
					b.Fatalf("feedback = %+v", fb)
				}
			}
		})
	}
}

// TestTesterSandboxNoVisibleTests: a problem without visible tests runs
// nothing but loading the code; code that loads passes, code that does
// not has a load error.
func TestTesterSandboxNoVisibleTests(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	t.Parallel()
	sb := sandboxtest.New(t, sandbox.Config{})
	tr := Tester{Exec: sb, PerTest: time.Second}
	fb, err := tr.Test(t.Context(), Problem{ID: "Test/bare"}, "def add(a, b):\n    return a + b\n")
	if err != nil {
		t.Fatal(err)
	}
	if !fb.Passes() || fb.LoadError != "" || fb.Total != 0 {
		t.Errorf("code that loads: %+v, want it to pass (no visible test)", fb)
	}
	fb, err = tr.Test(t.Context(), Problem{ID: "Test/bare"}, "def add(a, b):\n    return a +\n")
	if err != nil {
		t.Fatal(err)
	}
	if fb.Passes() || fb.LoadError == "" {
		t.Errorf("code that does not compile: %+v, want a load error", fb)
	}
}
