package benchmarks

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/codetree/codetree/sandbox"
)

// EvaluateOptions say what Evaluate scores and how.
type EvaluateOptions struct {
	// Runner runs the harness: a *sandbox.Sandbox.
	Runner sandbox.Runner
	// Eval tunes the Evaluator: time limits and sandbox limits.
	Eval EvalOptions
	// Problems are the dataset's problems; every sample names one of them
	// (ReadSamplesFor checks a samples file).
	Problems []*Problem
	// Samples are scored in their order: a samples file's lines, or
	// GoldSamples(Problems).
	Samples []SampleLine
	// ResultsPath, when set, is the results file written at the end
	// (ResultsPath(samples file)). Verdicts are journalled as they come
	// in ResultsPath + ".journal", and those journalled before for the
	// very same sample are reused: a rerun after a crash or Ctrl-C scores
	// only what is missing. Empty: no journal and no results file.
	ResultsPath string
	// Ks are the k of pass@k; only those every problem with samples has
	// enough samples for are reported.
	Ks []int
	// Workers is how many sandbox runs are made at once, Batch how many
	// samples go to one run (each still in its own process). Less than 1
	// means 1.
	Workers, Batch int
	// TimesCache is the file of measured reference times (Calibrate) and
	// PlusCache the folder of the expected outputs of EvalPlus inputs
	// (PreparePlus), kept between runs; empty computes them afresh.
	TimesCache, PlusCache string
	// Progress, when set, is called after each batch with the number of
	// samples scored or reused so far and the total. Calls do not overlap.
	Progress func(done, total int)
}

// Report is what Evaluate found.
type Report struct {
	// Verdicts are the samples' verdicts, in the samples' order.
	Verdicts []Verdict
	// Problems counts the problems that have samples.
	Problems int
	// Evaluated counts the samples scored by this call, Reused those whose
	// verdict was read from the journal.
	Evaluated, Reused int
	// PassAtK is the mean pass@k on the base tests by k; PlusAtK on the
	// base and plus inputs together (EvalPlus's plus score), nil when no
	// verdict has a plus part.
	PassAtK, PlusAtK map[int]float64
	// Failed are the indices of the samples that failed the base tests
	// or the plus inputs, in order.
	Failed []int
	// Calibrate, PreparePlus and Score are the time spent measuring the
	// reference solutions, computing the expected outputs of EvalPlus
	// inputs, and scoring the samples.
	Calibrate, PreparePlus, Score time.Duration
}

// GoldSamples returns the problems' reference solutions as samples, one
// a problem, in order.
func GoldSamples(ps []*Problem) []SampleLine {
	lines := make([]SampleLine, len(ps))
	for i, p := range ps {
		lines[i] = SampleLine{Line: i + 1, Sample: p.GoldSample()}
	}
	return lines
}

// Evaluate scores every sample in the sandbox: it measures the reference
// solutions of the problems with samples, computes the expected outputs
// of their EvalPlus inputs, scores the samples not in the journal in
// batches with bounded concurrency, writes the results file, and returns
// the verdicts and pass@k. A failing sample is a verdict; an error is a
// failure of the sandbox, the files or the harness. Infrastructure errors
// stop the run after the batches in flight: what was scored is in the
// journal for the rerun.
func Evaluate(ctx context.Context, opts EvaluateOptions) (*Report, error) {
	byID := make(map[string]*Problem, len(opts.Problems))
	for _, p := range opts.Problems {
		byID[p.ID()] = p
	}
	attempted, err := attemptedProblems(opts.Samples, byID)
	if err != nil {
		return nil, err
	}
	ev := NewEvaluator(opts.Runner, opts.Eval)
	rep := &Report{Problems: len(attempted)}
	start := time.Now()
	if err := ev.Calibrate(ctx, attempted, opts.TimesCache); err != nil {
		return nil, fmt.Errorf("measure reference solutions: %w", err)
	}
	rep.Calibrate = time.Since(start)
	start = time.Now()
	if err := ev.PreparePlus(ctx, attempted, opts.PlusCache); err != nil {
		return nil, fmt.Errorf("compute expected outputs of the EvalPlus inputs: %w", err)
	}
	rep.PreparePlus = time.Since(start)

	var journal *Journal
	if opts.ResultsPath != "" {
		if journal, err = OpenJournal(opts.ResultsPath + ".journal"); err != nil {
			return nil, err
		}
		defer journal.Close()
	}
	start = time.Now()
	s := scoring{ev: ev, byID: byID, lines: opts.Samples, journal: journal, progress: opts.Progress}
	if err := s.run(ctx, opts.Workers, opts.Batch); err != nil {
		return nil, err
	}
	rep.Score = time.Since(start)
	rep.Verdicts, rep.Reused, rep.Evaluated = s.verdicts, s.reused, len(opts.Samples)-s.reused
	if opts.ResultsPath != "" {
		if err := WriteResults(opts.ResultsPath, opts.Samples, rep.Verdicts); err != nil {
			return nil, err
		}
	}
	rep.tally(opts.Samples, opts.Ks)
	return rep, nil
}

// attemptedProblems returns the problems that have samples, in the order
// of their first sample.
func attemptedProblems(lines []SampleLine, byID map[string]*Problem) ([]*Problem, error) {
	seen := make(map[string]bool)
	var out []*Problem
	for _, l := range lines {
		id := l.Sample.TaskID
		if seen[id] {
			continue
		}
		seen[id] = true
		p := byID[id]
		if p == nil {
			return nil, fmt.Errorf("line %d: unknown task_id %q for this dataset", l.Line, id)
		}
		out = append(out, p)
	}
	return out, nil
}

// scoring is one Evaluate call's scoring of its samples.
type scoring struct {
	ev       *Evaluator
	byID     map[string]*Problem
	lines    []SampleLine
	journal  *Journal // nil: none
	progress func(done, total int)

	verdicts []Verdict
	reused   int

	mu   sync.Mutex
	done int // samples scored by this call
}

// run scores every line, reusing journalled verdicts, in batches of up to
// batch samples per sandbox run, workers runs at once.
func (s *scoring) run(ctx context.Context, workers, batch int) error {
	s.verdicts = make([]Verdict, len(s.lines))
	var todo []int
	for i, l := range s.lines {
		if s.journal != nil {
			if v, ok := s.journal.Lookup(i, l.Sample.Key()); ok {
				s.verdicts[i] = v
				s.reused++
				continue
			}
		}
		todo = append(todo, i)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, workers))
	for chunk := range slices.Chunk(todo, max(1, batch)) {
		g.Go(func() error { return s.batch(gctx, chunk) })
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted after %d samples (kept in the journal; rerun to finish): %w", s.done, ctx.Err())
		}
		return fmt.Errorf("evaluation stopped by an infrastructure error after %d samples (kept in the journal; rerun to retry): %w", s.done, err)
	}
	return nil
}

// batch scores the lines at indices chunk in one sandbox run and
// journals their verdicts.
func (s *scoring) batch(ctx context.Context, chunk []int) error {
	items := make([]Item, len(chunk))
	for j, i := range chunk {
		items[j] = Item{Problem: s.byID[s.lines[i].Sample.TaskID], Sample: s.lines[i].Sample}
	}
	vs, err := s.ev.EvaluateBatch(ctx, items)
	if err != nil {
		l := s.lines[chunk[0]]
		return fmt.Errorf("line %d (%s): %w", l.Line, l.Sample.TaskID, err)
	}
	for j, i := range chunk {
		s.verdicts[i] = vs[j]
		if s.journal != nil {
			if err := s.journal.Record(i, s.lines[i].Sample.Key(), vs[j]); err != nil {
				return err
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done += len(chunk)
	if s.progress != nil {
		s.progress(s.done+s.reused, len(s.lines))
	}
	return nil
}

// tally counts the verdicts by problem into pass@k and the failures.
func (r *Report) tally(lines []SampleLine, ks []int) {
	base := make(map[string][2]int)
	plus := make(map[string][2]int)
	hasPlus := false
	for i, l := range lines {
		v := r.Verdicts[i]
		id := l.Sample.TaskID
		b := base[id]
		b[0]++
		if v.Passed {
			b[1]++
		}
		base[id] = b
		if v.Plus != nil {
			hasPlus = true
			p := plus[id]
			p[0]++
			if v.Plus.Passed && v.Passed {
				p[1]++
			}
			plus[id] = p
		}
		if !v.Passed || (v.Plus != nil && !v.Plus.Passed) {
			r.Failed = append(r.Failed, i)
		}
	}
	r.PassAtK = MeanPassAtK(base, ks)
	if hasPlus {
		r.PlusAtK = MeanPassAtK(plus, ks)
	}
}
