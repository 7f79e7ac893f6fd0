package sandbox

import (
	"time"

	"github.com/codetree/codetree/internal/runner"
)

// Timing is where one run's time went, from Run's call to its return:
// the harness's own steps, the transport to and from the runner, and the
// runner's phases. Config.Timings receives one per run that reached a
// runner (codetree sandbox bench prints their medians).
type Timing struct {
	Mode Mode
	// Prepare: the request's checks, the image (checked once), mounts,
	// the job.
	Prepare time.Duration
	// Acquire: an idle pool container, or a fresh container's start
	// (create, attach, start, the runner's hello).
	Acquire time.Duration
	// Send: the job encoded and written to the runner's stream.
	Send time.Duration
	// ToRunner: from the write's end to the runner holding the line.
	ToRunner time.Duration
	// Runner: the runner's phases; Runner.Total is its whole time.
	Runner runner.Phases
	// Back: from the runner's report ready to the harness holding it
	// decoded.
	Back time.Duration
	// Verdict: the report into a Result, the container back to its pool.
	Verdict time.Duration
	// Total: the whole run as its caller saw it.
	Total time.Duration
}

// jobTimer collects the instants of one run: a few clock reads, taken
// whether or not Config.Timings is set.
type jobTimer struct {
	start, prepared, acquired, sent, got time.Time
}

// reportTiming hands the timing of a run that got a report to
// Config.Timings, if set.
func (s *Sandbox) reportTiming(t *jobTimer, rep runner.Report) {
	if s.cfg.Timings == nil || rep.Phases == nil || t.got.IsZero() {
		return
	}
	end := time.Now()
	p := *rep.Phases
	tm := Timing{
		Mode:     s.cfg.Mode,
		Prepare:  t.prepared.Sub(t.start),
		Acquire:  t.acquired.Sub(t.prepared),
		Send:     t.sent.Sub(t.acquired),
		ToRunner: time.Duration(p.Received - t.sent.UnixNano()),
		Runner:   p,
		Back:     time.Duration(t.got.UnixNano() - p.Sent),
		Verdict:  end.Sub(t.got),
		Total:    end.Sub(t.start),
	}
	s.cfg.Timings(tm)
}
