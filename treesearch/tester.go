package treesearch

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/codetree/codetree/sandbox"
	"golang.org/x/sync/errgroup"
)

//go:embed tester.py
var testerDriver []byte

// DefaultPerTest is the time limit of one visible test.
const DefaultPerTest = 2 * time.Second

// Tester runs a candidate against a Problem's visible tests in one sandbox
// run and reports every test's outcome, with pyflakes' findings on the code.
type Tester struct {
	Exec sandbox.Runner
	// Limits bound the run; its Timeout is replaced by one derived from
	// PerTest and the number of tests.
	Limits sandbox.Limits
	// PerTest is the time limit of each test and of loading the code
	// (default DefaultPerTest).
	PerTest time.Duration
	// NoPyflakes turns off the pyflakes check that the test run makes of
	// the code before loading it.
	NoPyflakes bool
	// Analyzer, when set, runs Tools over the code in a sandbox run of its
	// own, concurrently with the tests, and their findings join pyflakes'
	// in the Feedback. Off by default: mypy adds a sandbox run of 0.2 to
	// 1 s of CPU per candidate. The run takes Limits, with the analysis's
	// own timeout (sandbox.DefaultAnalyzeTimeout).
	Analyzer Analyzer
	// Tools are the analyzers the Analyzer runs: sandbox.ToolMypy,
	// sandbox.ToolPylint, ... (default DefaultAnalyzerTools).
	Tools []string
}

// DefaultAnalyzerTools are the tools a Tester's Analyzer runs when Tools
// names none. pyflakes is not among them: the test run makes that check.
var DefaultAnalyzerTools = []string{sandbox.ToolMypy}

// Test runs code against p.Tests. A candidate that does not compile,
// crashes, hangs or exits early yields a Feedback (with LoadError when no
// test could run); only a failure of the sandbox or of the test driver is
// an error. With an Analyzer, any error of the analysis is an error too: a
// tool missing from the image, or one that fails or times out on the code.
func (t Tester) Test(ctx context.Context, p Problem, code string) (Feedback, error) {
	if t.Analyzer == nil {
		return t.runTests(ctx, p, code)
	}
	var fb Feedback
	var found []sandbox.Finding
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		fb, err = t.runTests(gctx, p, code)
		return err
	})
	g.Go(func() (err error) {
		found, err = t.analyze(gctx, code)
		return err
	})
	if err := g.Wait(); err != nil {
		return Feedback{}, err
	}
	fb.Findings = mergeFindings(fb.Findings, found)
	return fb, nil
}

// runTests runs tester.py: the tests and pyflakes.
func (t Tester) runTests(ctx context.Context, p Problem, code string) (Feedback, error) {
	perTest := t.PerTest
	if perTest <= 0 {
		perTest = DefaultPerTest
	}
	visible := p.Tests
	if visible == nil {
		visible = []Test{} // "[]", not "null": a problem may have no visible test
	}
	tests, err := json.Marshal(visible)
	if err != nil {
		return Feedback{}, fmt.Errorf("encode tests: %w", err)
	}
	limits := t.Limits
	// Loading gets a PerTest limit of its own, plus slack for the
	// interpreter and pyflakes (tester.py gives it at most a second).
	limits.Timeout = time.Duration(len(p.Tests)+1)*perTest + 2*time.Second
	command := []string{"python3", "-I", "-B", "tester.py", "tests.json", solutionFile,
		strconv.FormatFloat(perTest.Seconds(), 'f', -1, 64)}
	if t.NoPyflakes {
		command = append(command, "--no-pyflakes")
	}
	req := sandbox.Request{
		Lang: sandbox.LangPython,
		Files: map[string][]byte{
			"tester.py":  testerDriver,
			"tests.json": tests,
			solutionFile: []byte(code),
		},
		Command:   command,
		Limits:    limits,
		PassToken: true,
	}
	res, err := t.Exec.Run(ctx, req)
	if err != nil {
		return Feedback{}, fmt.Errorf("run tests: %w", err)
	}
	return feedbackFrom(p.Tests, res, limits.Timeout)
}

// analyze runs the Analyzer's tools over the code.
func (t Tester) analyze(ctx context.Context, code string) ([]sandbox.Finding, error) {
	tools := t.Tools
	if len(tools) == 0 {
		tools = DefaultAnalyzerTools
	}
	limits := t.Limits
	limits.Timeout = 0 // the analysis's default
	fs, err := t.Analyzer.Analyze(ctx, sandbox.AnalyzeRequest{
		Lang:   sandbox.LangPython,
		Files:  map[string][]byte{solutionFile: []byte(code)},
		Tools:  tools,
		Limits: limits,
	})
	if err != nil {
		return nil, fmt.Errorf("analyze candidate (%s): %w", strings.Join(tools, ", "), err)
	}
	return fs, nil
}

// findingsLine is the first JSON line tester.py prints.
type findingsLine struct {
	Findings *[]lintFinding `json:"findings"`
}

// report is the last JSON line tester.py prints.
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
	f := notRun(tests, ended, res.Status == sandbox.StatusTimeLimit)
	// The findings line comes before the candidate runs, so it is there
	// unless the run ended even earlier.
	if first, _, _ := strings.Cut(res.Stdout, "\n"); first != "" {
		if fs, err := parseFindings(first); err == nil {
			f.Findings = fs
		}
	}
	return f, nil
}

// parseFindings reads tester.py's findings line.
func parseFindings(line string) ([]sandbox.Finding, error) {
	var fl findingsLine
	if err := json.Unmarshal([]byte(line), &fl); err != nil {
		return nil, err
	}
	if fl.Findings == nil {
		return nil, errors.New("no findings")
	}
	fs := make([]sandbox.Finding, len(*fl.Findings))
	for i, l := range *fl.Findings {
		fs[i] = l.finding()
	}
	return mergeFindings(fs), nil
}

// notRun is the Feedback of a run whose tests did not run or report.
func notRun(tests []Test, why string, timedOut bool) Feedback {
	f := Feedback{LoadError: why, Total: len(tests), TimedOut: timedOut, Tests: make([]TestResult, len(tests))}
	for i, t := range tests {
		f.Tests[i] = TestResult{Assert: t.Assert, Status: TestFailed, Error: "not run"}
	}
	return f
}

// parseReport reads the findings and report lines of a run that printed its
// pass token (which the sandbox has already cut from stdout).
func parseReport(tests []Test, stdout string) (Feedback, error) {
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		return Feedback{}, fmt.Errorf("parse tester report: %d lines, want a findings line and a report line", len(lines))
	}
	findings, err := parseFindings(lines[0])
	if err != nil {
		return Feedback{}, fmt.Errorf("parse tester findings: %w", err)
	}
	var rep report
	if err := json.Unmarshal([]byte(lines[1]), &rep); err != nil {
		return Feedback{}, fmt.Errorf("parse tester report: %w", err)
	}
	if rep.LoadError != "" {
		f := notRun(tests, rep.LoadError, rep.LoadTimeout)
		f.Findings = findings
		return f, nil
	}
	if len(rep.Tests) != len(tests) {
		return Feedback{}, fmt.Errorf("parse tester report: %d results for %d tests", len(rep.Tests), len(tests))
	}
	f := Feedback{Total: len(tests), Tests: make([]TestResult, len(tests)), Findings: findings}
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
