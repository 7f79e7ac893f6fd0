package treesearch

import (
	"context"
	"errors"
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

var twoTests = []Test{
	{Assert: "assert add(1, 2) == 3", Call: "add(1, 2)", Expected: "3"},
	{Assert: "assert add(0, 0) == 0"},
}

func TestTesterRequest(t *testing.T) {
	t.Parallel()
	var got sandbox.Request
	exec := fakeExec(func(_ context.Context, req sandbox.Request) (sandbox.Result, error) {
		got = req
		return sandbox.Result{Status: sandbox.StatusPassed, Stdout: `{"load_error": "", "tests": [{"status": "passed"}, {"status": "passed"}]}` + "\n"}, nil
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
	}{
		{name: "report", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: `{"tests": [{"status": "failed", "actual": "-1", "expected": "3"}, {"status": "passed"}]}`}, passed: 1},
		{name: "test timeout", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: `{"tests": [{"status": "timeout"}, {"status": "passed"}]}`}, passed: 1, timedOut: true},
		{name: "load error", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: `{"load_error": "SyntaxError: x", "tests": []}`}, load: "SyntaxError: x"},
		{name: "load timeout", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: `{"load_error": "time limit exceeded while loading", "load_timeout": true, "tests": []}`}, load: "while loading", timedOut: true},
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
		{name: "short report", res: sandbox.Result{Status: sandbox.StatusPassed, Stdout: `{"tests": [{"status": "passed"}]}`}, wantErr: true},
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
			if !fb.AllPassed() || fb.LoadError != "" {
				t.Errorf("feedback = %+v", fb)
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
