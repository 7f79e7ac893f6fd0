package treesearch

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/codetree/codetree/sandbox"
)

//go:embed tester.py
var testerDriver []byte

// DefaultPerTest is the time limit of one visible test.
const DefaultPerTest = 2 * time.Second

// Tester runs a candidate against a Problem's visible tests in one sandbox
// run and reports every test's outcome.
type Tester struct {
	Exec Executor
	// Limits bound the run; its Timeout is replaced by one derived from
	// PerTest and the number of tests.
	Limits sandbox.Limits
	// PerTest is the time limit of each test and of loading the code
	// (default DefaultPerTest).
	PerTest time.Duration
}

// Test runs code against p.Tests. A candidate that does not compile,
// crashes, hangs or exits early yields a Feedback (with LoadError when no
// test could run); only a failure of the sandbox or of the test driver is
// an error.
func (t Tester) Test(ctx context.Context, p Problem, code string) (Feedback, error) {
	perTest := t.PerTest
	if perTest <= 0 {
		perTest = DefaultPerTest
	}
	tests, err := json.Marshal(p.Tests)
	if err != nil {
		return Feedback{}, fmt.Errorf("encode tests: %w", err)
	}
	limits := t.Limits
	// Loading gets a PerTest limit of its own, plus slack for the interpreter.
	limits.Timeout = time.Duration(len(p.Tests)+1)*perTest + 2*time.Second
	req := sandbox.Request{
		Lang: sandbox.LangPython,
		Files: map[string][]byte{
			"tester.py":   testerDriver,
			"tests.json":  tests,
			"solution.py": []byte(code),
		},
		Command: []string{"python3", "-I", "-B", "tester.py", "tests.json", "solution.py",
			strconv.FormatFloat(perTest.Seconds(), 'f', -1, 64)},
		Limits:    limits,
		PassToken: true,
	}
	res, err := t.Exec.Run(ctx, req)
	if err != nil {
		return Feedback{}, fmt.Errorf("run tests: %w", err)
	}
	return feedbackFrom(p.Tests, res, limits.Timeout)
}

// report is the JSON line tester.py prints.
type report struct {
	LoadError   string `json:"load_error"`
	LoadTimeout bool   `json:"load_timeout"`
	Tests       []struct {
		Status   string `json:"status"`
		Actual   string `json:"actual"`
		Expected string `json:"expected"`
		Error    string `json:"error"`
		Output   string `json:"output"`
	} `json:"tests"`
}

// feedbackFrom turns the sandbox's verdict on a tester run into Feedback.
func feedbackFrom(tests []Test, res sandbox.Result, timeout time.Duration) (Feedback, error) {
	var ended string // why the run ended before reporting
	switch res.Status {
	case sandbox.StatusPassed:
		return parseReport(tests, res.Stdout)
	case sandbox.StatusInternalError:
		return Feedback{}, fmt.Errorf("run tests: sandbox internal error: %s", res.Detail)
	case sandbox.StatusFailed, sandbox.StatusRuntimeError:
		// The driver points stderr at /dev/null before the candidate
		// loads: anything there is the driver's own failure.
		if strings.TrimSpace(res.Stderr) != "" {
			return Feedback{}, fmt.Errorf("run tests: test driver failed (%s): %s", res.Status, lastLines(res.Stderr, 10))
		}
		switch {
		case res.Status == sandbox.StatusRuntimeError:
			ended = "the program crashed before the tests finished"
			if res.Detail != "" {
				ended += " (" + res.Detail + ")"
			}
		case res.ExitCode == 0:
			ended = "the program exited before the tests finished (did it call os._exit?)"
		default:
			ended = fmt.Sprintf("the program exited with status %d before the tests finished (did it call os._exit?)", res.ExitCode)
		}
	case sandbox.StatusTimeLimit:
		ended = fmt.Sprintf("time limit exceeded: the run was killed at its %s deadline (the code ignored the per-test time limit, or loading took too long)", timeout)
	case sandbox.StatusMemoryLimit:
		ended = "memory limit exceeded: the run was killed for using too much memory"
	case sandbox.StatusOutputLimit:
		ended = "output limit exceeded: the run wrote too much output"
	default:
		return Feedback{}, fmt.Errorf("run tests: unexpected sandbox status %s", res.Status)
	}
	return notRun(tests, ended, res.Status == sandbox.StatusTimeLimit), nil
}

// notRun is the Feedback of a run whose tests did not run or report.
func notRun(tests []Test, why string, timedOut bool) Feedback {
	f := Feedback{LoadError: why, Total: len(tests), TimedOut: timedOut, Tests: make([]TestResult, len(tests))}
	for i, t := range tests {
		f.Tests[i] = TestResult{Assert: t.Assert, Status: TestFailed, Error: "not run"}
	}
	return f
}

// parseReport reads the report line of a run that printed its pass token
// (which the sandbox has already cut from stdout).
func parseReport(tests []Test, stdout string) (Feedback, error) {
	line := strings.TrimSpace(stdout)
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	var rep report
	if err := json.Unmarshal([]byte(line), &rep); err != nil {
		return Feedback{}, fmt.Errorf("parse tester report: %w", err)
	}
	if rep.LoadError != "" {
		return notRun(tests, rep.LoadError, rep.LoadTimeout), nil
	}
	if len(rep.Tests) != len(tests) {
		return Feedback{}, fmt.Errorf("parse tester report: %d results for %d tests", len(rep.Tests), len(tests))
	}
	f := Feedback{Total: len(tests), Tests: make([]TestResult, len(tests))}
	for i, r := range rep.Tests {
		switch r.Status {
		case TestPassed:
			f.Passed++
		case TestTimeout:
			f.TimedOut = true
		case TestFailed, TestError:
		default:
			return Feedback{}, fmt.Errorf("parse tester report: test %d: unknown status %q", i+1, r.Status)
		}
		f.Tests[i] = TestResult{
			Assert:   tests[i].Assert,
			Status:   r.Status,
			Actual:   r.Actual,
			Expected: r.Expected,
			Error:    r.Error,
			Output:   r.Output,
		}
	}
	return f, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
