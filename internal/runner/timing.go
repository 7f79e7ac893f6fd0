package runner

import "time"

// Phases is where the runner's time went during one job (Report.Phases),
// so that the harness can tell its own overhead, the transport's and the
// runner's apart (codetree sandbox bench prints their medians).
type Phases struct {
	// Received and Sent are the wall-clock times (Unix nanoseconds) at
	// which Serve had the job's line and had its report ready to write.
	// A container shares the host's clock, so the harness subtracts them
	// from its own send and receive times to time the transport each way.
	Received int64 `json:"received,omitempty"`
	Sent     int64 `json:"sent,omitempty"`
	// Decode: the job line into a Job.
	Decode time.Duration `json:"decode"`
	// Setup: the OOM counter, the job's folder, its files and token.
	Setup time.Duration `json:"setup"`
	// Start: PATH lookup, pipes, fork and exec until the process runs.
	Start time.Duration `json:"start"`
	// Run: from the start to the main process's exit (or its kill).
	Run time.Duration `json:"run"`
	// Reap: killing what is left of the uid, and the output pipes' end.
	Reap time.Duration `json:"reap"`
	// Cleanup: the OOM counter again, the job folder's removal, the scrub
	// folders, SysV IPC objects (and an export, if any).
	Cleanup time.Duration `json:"cleanup"`
	// Total: from the job line read to the report ready to write.
	Total time.Duration `json:"total"`
}

// phaseClock times consecutive phases of a job.
type phaseClock struct {
	last time.Time
}

// start marks the beginning of the first phase.
func (c *phaseClock) start() { c.last = time.Now() }

// lap adds the time since the previous lap (or start) to d.
func (c *phaseClock) lap(d *time.Duration) {
	now := time.Now()
	*d += now.Sub(c.last)
	c.last = now
}

// stampPhases completes rep's Phases as Serve sees them: the job line was
// read at received, and the report is ready now.
func stampPhases(rep *Report, received time.Time) {
	if rep.Phases == nil {
		return
	}
	now := time.Now()
	p := rep.Phases
	p.Received, p.Sent = received.UnixNano(), now.UnixNano()
	p.Decode = max(0, now.Sub(received)-p.Total)
	p.Total = now.Sub(received)
}
