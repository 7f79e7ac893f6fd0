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

// EvalPlus scoring: a program is run on a problem's base inputs, then on
// its plus inputs, and each output is compared with the reference
// solution's output on the same input, by EvalPlus's rules
// (evalplus/eval/__init__.py, unsafe_execute):
//
//   - an output passes when it == the expected one; when the record has an
//     atol, or the expected output is a float or a non-empty list or tuple
//     of floats (atol 1e-6 then, for the rest of the phase), an output of
//     the same type and length within numpy.allclose(rtol=1e-7, atol)
//     passes too;
//   - special oracles: HumanEval/32 (find_zero) passes when
//     |poly(xs, output)| <= atol; on MBPP+, Mbpp/581 (surface_Area) also
//     accepts the perpendicular-height formula within atol, Mbpp/558
//     (digit_distance_nums) the zero-padded digit distance, the tasks of
//     MBPP_OUTPUT_SET_EQ_TASKS compare as sets, those of
//     MBPP_OUTPUT_NOT_NONE_TASKS compare only whether the output is None,
//     and the retired Mbpp/164 and Mbpp/295 oracles are kept;
//   - MBPP+ inputs are converted per task to tuples, sets and complex
//     numbers as EvalPlus's mbpp_deserialize_inputs does;
//   - each input has the time limit max(floor, factor x the reference's
//     time on it) and each phase (base, plus) min(cap, sum of its limits)
//     plus 1 s; the program is exec'd alone (no setup code) in a fresh
//     namespace under EvalPlus's reliability guard, once per phase, and
//     each call gets a fresh copy of its input.
//
// Everything runs in one sandbox run per program; see plus_harness.py.
// Two departures, invisible to the verdict of a program whose outputs are
// of builtin types (not objects with an __eq__ of their own): time limits
// are enforced by a parent process with SIGKILL (EvalPlus raises from a
// SIGALRM handler, which a program can swallow and C code does not see),
// and an expected output larger than 64 KiB that is compared by == alone
// is kept as digests of its repr and of an encoding under which == holds
// (HumanEval/15's outputs pickle to 147 MB, Mbpp/255's take over 1 GB).

//go:embed plus_harness.py
var plusHarnessPy []byte

const (
	plusHarnessFile = "plus_harness.py"
	plusConfigFile  = "config.json"
	plusInputsFile  = "inputs.json"
	plusRefFile     = "reference.py"
	plusOracleFile  = "oracle.bin"
	plusProgramFile = "program.py"

	// plusReportMark starts the harness's report line; plusErrorMark its
	// line when the harness itself failed.
	plusReportMark = "CODETREE-PLUS "
	plusErrorMark  = "CODETREE-PLUS-ERROR "

	// plusMinTimeLimit is the least time limit of one input: EvalPlus's
	// min_time_limit as CODETREE.md states the rule, max(4 s, 4 x
	// reference time).
	plusMinTimeLimit = 4 * time.Second
	// plusPhaseSlack is what EvalPlus adds to a phase's time limits:
	// min(60, sum) + 1.
	plusPhaseSlack = time.Second
	// plusStartSlack is the sandbox deadline's allowance, above the
	// phases' budgets, for the interpreter, loading the oracle and the
	// report. The harness enforces the budgets itself; this is a backstop.
	plusStartSlack = 10 * time.Second
	// plusMemoryFloor is the least memory a plus run gets: EvalPlus caps a
	// program at 4 GiB, and some references need over 1 GiB (Mbpp/255
	// builds 1.7 million tuples).
	plusMemoryFloor = 4 * sandbox.GiB
	// plusMinOutput is the least output limit of a sample run.
	plusMinOutput = 1 * sandbox.MiB
)

// plusOutcome is what one EvalPlus run of a program finds.
type plusOutcome struct {
	// Base is the verdict on the base inputs alone; its FailedInput
	// indexes the base inputs.
	Base PlusVerdict
	// Plus is the verdict on the base and then the plus inputs, EvalPlus's
	// "plus" score; its FailedInput indexes base and plus inputs in that
	// order (a plus input's index is len(base inputs) + its own index).
	Plus PlusVerdict
	// Duration is the sandbox run's.
	Duration time.Duration
}

// evaluatePlus scores program, a full program (the prompt and a
// completion, or a solution), on p's base and plus inputs as EvalPlus
// does, and returns the plus verdict: Passed when every base and plus
// input passes; Result "passed", "timed out" or "failed: <reason> on plus
// input 17" (or base input); FailedInput the index of the first failing
// input, base inputs first, -1 when none failed or the program failed
// before its first input (it does not load, or does not define the entry
// point).
//
// timeout is the problem's per-program time limit (Evaluator.Timeout):
// no input gets less, nor less than max(4 s, factor x the reference's
// time on it). The first call for a problem runs the reference solution
// on every input to get the expected outputs (see PreparePlus).
//
// A program that fails in any way is a verdict; the error is non-nil when
// the sandbox, the harness or the reference solution failed.
func (e *Evaluator) evaluatePlus(ctx context.Context, p *Problem, program string, timeout time.Duration) (PlusVerdict, error) {
	o, err := e.scorePlus(ctx, p, program, timeout)
	return o.Plus, err
}

// scorePlus is evaluatePlus with the base verdict too.
func (e *Evaluator) scorePlus(ctx context.Context, p *Problem, program string, timeout time.Duration) (plusOutcome, error) {
	o, err := e.plusOracle(ctx, p)
	if err != nil {
		return plusOutcome{}, err
	}
	req, err := e.plusSampleRequest(p, o, program, timeout)
	if err != nil {
		return plusOutcome{}, err
	}
	res, err := e.run.Run(ctx, req)
	if err != nil {
		return plusOutcome{}, fmt.Errorf("run plus harness: %w", err)
	}
	out, err := readPlusResult(res, o.NBase)
	out.Duration = res.Duration
	return out, err
}

// plusTimeLimits returns each input's time limit, max(floor, factor x its
// reference time), and the budget of the base and the plus phase,
// min(cap, sum of the phase's limits) + 1 s, in seconds.
func plusTimeLimits(times []float64, nBase int, floor time.Duration, factor float64, limitCap time.Duration) (limits []float64, budgets [2]float64) {
	limits = make([]float64, len(times))
	var sums [2]float64
	for i, t := range times {
		limits[i] = max(floor.Seconds(), factor*t)
		if i < nBase {
			sums[0] += limits[i]
		} else {
			sums[1] += limits[i]
		}
	}
	for k := range budgets {
		budgets[k] = min(limitCap.Seconds(), sums[k]) + plusPhaseSlack.Seconds()
	}
	return limits, budgets
}

// plusConfig is config.json of a harness run.
type plusConfig struct {
	EntryPoint string  `json:"entry_point"`
	Dataset    string  `json:"dataset"` // "humaneval" or "mbpp": EvalPlus's name
	Task       int     `json:"task"`    // the task number (MBPP+ conversions)
	Atol       float64 `json:"atol"`
	NBase      int     `json:"n_base"`
	NPlus      int     `json:"n_plus"`
	// Limits and Budgets (sample runs) are in seconds.
	Limits  []float64  `json:"limits,omitempty"`
	Budgets [2]float64 `json:"budgets,omitzero"`
}

// plusConfigFor returns the parts of config.json that come from p.
func plusConfigFor(p *Problem) (plusConfig, error) {
	ds := plusName(p.task.Dataset)
	if ds == "" {
		return plusConfig{}, fmt.Errorf("%s: dataset %s has no EvalPlus inputs", p.ID(), p.task.Dataset)
	}
	if len(p.hidden.baseInputs)+len(p.hidden.plusInputs) == 0 {
		return plusConfig{}, fmt.Errorf("%s: no EvalPlus inputs", p.ID())
	}
	if p.task.EntryPoint == "" {
		return plusConfig{}, fmt.Errorf("%s: no entry point", p.ID())
	}
	return plusConfig{
		EntryPoint: p.task.EntryPoint,
		Dataset:    ds,
		Task:       taskNumber(p.ID()),
		Atol:       p.hidden.atol,
		NBase:      len(p.hidden.baseInputs),
		NPlus:      len(p.hidden.plusInputs),
	}, nil
}

// taskNumber returns the number at the end of a task id ("Mbpp/255" ->
// 255), -1 if there is none.
func taskNumber(id string) int {
	n, err := strconv.Atoi(id[strings.LastIndexByte(id, '/')+1:])
	if err != nil {
		return -1
	}
	return n
}

// plusLimits returns the sandbox limits of a plus run: the Evaluator's,
// with at least plusMemoryFloor of memory and minOutput of output.
func (e *Evaluator) plusLimits(timeout time.Duration, minOutput sandbox.ByteSize) sandbox.Limits {
	l := e.opts.Limits
	l.Timeout = timeout
	if l.Memory < plusMemoryFloor {
		l.Memory = plusMemoryFloor
	}
	if l.Output < minOutput {
		l.Output = minOutput
	}
	return l
}

// plusSampleRequest returns the sandbox request that scores program.
func (e *Evaluator) plusSampleRequest(p *Problem, o *plusOracle, program string, timeout time.Duration) (sandbox.Request, error) {
	cfg, err := plusConfigFor(p)
	if err != nil {
		return sandbox.Request{}, err
	}
	if len(o.Times) != cfg.NBase+cfg.NPlus || o.NBase != cfg.NBase {
		return sandbox.Request{}, fmt.Errorf("%s: expected outputs for %d inputs, want %d", p.ID(), len(o.Times), cfg.NBase+cfg.NPlus)
	}
	cfg.Limits, cfg.Budgets = plusTimeLimits(o.Times, o.NBase, max(plusMinTimeLimit, timeout), e.opts.TimeoutFactor, e.opts.TimeoutCap)
	b, err := json.Marshal(cfg)
	if err != nil {
		return sandbox.Request{}, fmt.Errorf("encode plus config: %w", err)
	}
	total := plusStartSlack + seconds(cfg.Budgets[0]+cfg.Budgets[1])
	return sandbox.Request{
		Lang: sandbox.LangPython,
		Files: map[string][]byte{
			plusHarnessFile: plusHarnessPy,
			plusConfigFile:  b,
			plusOracleFile:  o.Data,
			plusProgramFile: []byte(program),
		},
		Command:   []string{"python3", "-B", plusHarnessFile, "sample"},
		Limits:    e.plusLimits(total, plusMinOutput),
		PassToken: true,
	}, nil
}

// plusReport is the JSON the harness prints in sample mode.
type plusReport struct {
	// Status is "pass", "fail" or "timeout".
	Status string `json:"status"`
	// Phase is where the run stopped: "base" or "plus".
	Phase string `json:"phase"`
	// Index is the failing input's, base inputs first; -1 when the program
	// failed before its first input.
	Index int `json:"index"`
	// Reason says what went wrong; Where joins it to the input ("on",
	// "during", "after").
	Reason string `json:"reason"`
	Where  string `json:"where"`
}

// readPlusResult turns a sample run's sandbox result into the verdicts.
// The report counts only when the run passed, that is when the harness
// printed the pass token after it. A run that the harness could not
// finish is a verdict too (out of time, memory or output); a harness that
// failed, or a sandbox internal error, is an error.
func readPlusResult(res sandbox.Result, nBase int) (plusOutcome, error) {
	switch res.Status {
	case sandbox.StatusPassed:
		line, err := plusLine(res.Stdout)
		if err != nil {
			return plusOutcome{}, err
		}
		var rep plusReport
		if err := json.Unmarshal([]byte(line), &rep); err != nil {
			return plusOutcome{}, fmt.Errorf("plus harness report %q: %w", tail(line, 200), err)
		}
		return reportOutcome(rep, line, res, nBase)
	case sandbox.StatusTimeLimit:
		return bothFailed(ResultTimedOut, -1), nil
	case sandbox.StatusMemoryLimit:
		// The kernel killed the program's process, the biggest; the
		// harness may have reported where.
		if line, err := plusLine(res.Stdout); err == nil {
			var rep plusReport
			if json.Unmarshal([]byte(line), &rep) == nil && rep.Index >= 0 {
				rep.Status, rep.Reason, rep.Where = "fail", "memory limit exceeded", "during"
				return reportOutcome(rep, line, res, nBase)
			}
		}
		return bothFailed(ResultFailed+"memory limit exceeded", -1), nil
	case sandbox.StatusOutputLimit:
		return bothFailed(ResultFailed+"output limit exceeded", -1), nil
	case sandbox.StatusRuntimeError:
		if res.Signal == 0 {
			return plusOutcome{}, fmt.Errorf("plus harness: %s", res.Detail)
		}
		return bothFailed(fmt.Sprintf("%sthe run was killed by signal %d", ResultFailed, res.Signal), -1), nil
	case sandbox.StatusFailed:
		if line, err := plusErrorLine(res.Stdout); err == nil {
			return plusOutcome{}, fmt.Errorf("plus harness: %s", line)
		}
		if res.ExitCode != 0 {
			return plusOutcome{}, fmt.Errorf("plus harness exited with status %d: %s", res.ExitCode, tail(res.Stderr, 2000))
		}
		// Exit 0 without the token: the harness did not finish.
		return bothFailed(ResultFailed+"the run ended before its verdict", -1), nil
	case sandbox.StatusInternalError:
		return plusOutcome{}, fmt.Errorf("sandbox internal error: %s", res.Detail)
	}
	return plusOutcome{}, fmt.Errorf("plus harness: unexpected sandbox status %s", res.Status)
}

// reportOutcome is rep.outcome; a report that cannot be read names the
// line the harness printed and how the sandbox run ended, so that a harness
// fault seen once can be traced.
func reportOutcome(rep plusReport, line string, res sandbox.Result, nBase int) (plusOutcome, error) {
	out, err := rep.outcome(nBase)
	if err != nil {
		return out, fmt.Errorf("%w (report %q; sandbox %s %s; stderr %q)", err, tail(line, 300), res.Status, res.Detail, tail(res.Stderr, 500))
	}
	return out, nil
}

func bothFailed(result string, index int) plusOutcome {
	v := PlusVerdict{Result: result, FailedInput: index}
	return plusOutcome{Base: v, Plus: v}
}

// outcome turns a report into the base and plus verdicts.
func (r plusReport) outcome(nBase int) (plusOutcome, error) {
	passed := PlusVerdict{Passed: true, Result: ResultPassed, FailedInput: -1}
	var result string
	switch r.Status {
	case "pass":
		return plusOutcome{Base: passed, Plus: passed}, nil
	case "timeout":
		result = ResultTimedOut
	case "fail":
		result = ResultFailed + r.Reason
		if r.Index >= 0 {
			where := r.Where
			if where == "" {
				where = "on"
			}
			result += " " + where + " " + inputName(r.Index, nBase)
		}
	default:
		return plusOutcome{}, fmt.Errorf("plus harness report: unknown status %q", r.Status)
	}
	failed := PlusVerdict{Result: result, FailedInput: r.Index}
	switch r.Phase {
	case "base":
		return plusOutcome{Base: failed, Plus: failed}, nil
	case "plus":
		if r.Index >= 0 && r.Index < nBase {
			return plusOutcome{}, fmt.Errorf("plus harness report: plus phase failed on base input %d", r.Index)
		}
		return plusOutcome{Base: passed, Plus: failed}, nil
	}
	return plusOutcome{}, fmt.Errorf("plus harness report: unknown phase %q", r.Phase)
}

// inputName names input i, base inputs first: "base input 3", "plus
// input 17".
func inputName(i, nBase int) string {
	if i < nBase {
		return fmt.Sprintf("base input %d", i)
	}
	return fmt.Sprintf("plus input %d", i-nBase)
}

// plusLine returns the text after the last report mark in stdout.
func plusLine(stdout string) (string, error) { return markedLine(stdout, plusReportMark) }

// plusErrorLine returns the harness's own error message, if it printed
// one.
func plusErrorLine(stdout string) (string, error) {
	line, err := markedLine(stdout, plusErrorMark)
	if err != nil {
		return "", err
	}
	var msg string
	if json.Unmarshal([]byte(line), &msg) != nil {
		msg = line
	}
	return msg, nil
}

// markedLine returns the rest of the last line of stdout that starts with
// mark.
func markedLine(stdout, mark string) (string, error) {
	i := strings.LastIndex(stdout, "\n"+mark)
	switch {
	case i >= 0:
		i++
	case strings.HasPrefix(stdout, mark):
		i = 0
	default:
		return "", fmt.Errorf("plus harness printed no %q line (stdout %q)", strings.TrimSpace(mark), tail(stdout, 200))
	}
	line := stdout[i+len(mark):]
	if j := strings.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return strings.TrimRight(line, "\r"), nil
}

// plusSamplesFile lists the sample folders of a batched plus run.
const plusSamplesFile = "samples.json"

// scorePlusBatch scores several samples on their EvalPlus inputs in one
// sandbox run: the harness reads every sample's files, deletes them, then
// scores the samples one after the other, each phase in its own process
// switched to the sample's own uid, and the runner kills and removes what
// a sample left before the next (see plus_harness.py). If the run as a
// whole fails, each sample is scored again on its own.
func (e *Evaluator) scorePlusBatch(ctx context.Context, items []Item) ([]plusOutcome, error) {
	if len(items) == 1 {
		return e.scorePlusEach(ctx, items)
	}
	files := map[string][]byte{plusHarnessFile: plusHarnessPy}
	folders := make([]string, len(items))
	nBase := make([]int, len(items))
	var limits sandbox.Limits
	for i, it := range items {
		p := it.Problem
		o, err := e.plusOracle(ctx, p)
		if err != nil {
			return nil, err
		}
		req, err := e.plusSampleRequest(p, o, candidateCode(p, it.Sample), e.Timeout(p))
		if err != nil {
			return nil, err
		}
		folders[i] = fmt.Sprintf("s%d", i)
		for _, name := range []string{plusConfigFile, plusOracleFile, plusProgramFile} {
			files[folders[i]+"/"+name] = req.Files[name]
		}
		nBase[i] = o.NBase
		if i == 0 {
			limits = req.Limits
		} else {
			limits.Timeout += req.Limits.Timeout
		}
	}
	files[plusSamplesFile], _ = json.Marshal(folders)
	limits.Output = max(limits.Output, plusMinOutput*sandbox.ByteSize(len(items)))
	res, err := e.run.Run(ctx, sandbox.Request{
		Lang:    sandbox.LangPython,
		Files:   files,
		Command: []string{"python3", "-B", plusHarnessFile, "samples"},
		Limits:  limits,
		// The harness is the batch's zygote: each sample runs as its own
		// uid, and the runner cleans up after it before the next.
		Samples:   len(items),
		PassToken: true,
	})
	if err != nil {
		return nil, fmt.Errorf("run plus harness: %w", err)
	}
	lines := markedLines(res.Stdout, plusReportMark)
	if res.Status != sandbox.StatusPassed || len(lines) != len(items) {
		return e.scorePlusEach(ctx, items)
	}
	out := make([]plusOutcome, len(items))
	for i, line := range lines {
		var rep plusReport
		if err := json.Unmarshal([]byte(line), &rep); err != nil {
			return nil, fmt.Errorf("plus harness report %q: %w", tail(line, 200), err)
		}
		if out[i], err = rep.outcome(nBase[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scorePlusEach scores items one sandbox run each.
func (e *Evaluator) scorePlusEach(ctx context.Context, items []Item) ([]plusOutcome, error) {
	out := make([]plusOutcome, len(items))
	for i, it := range items {
		o, err := e.scorePlus(ctx, it.Problem, candidateCode(it.Problem, it.Sample), e.Timeout(it.Problem))
		if err != nil {
			return nil, err
		}
		out[i] = o
	}
	return out, nil
}

// markedLines returns, in order, the rest of every line of stdout that
// starts with mark.
func markedLines(stdout, mark string) []string {
	var out []string
	for _, line := range strings.Split(stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, mark); ok {
			out = append(out, strings.TrimRight(rest, "\r"))
		}
	}
	return out
}
