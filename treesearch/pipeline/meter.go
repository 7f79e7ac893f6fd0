package pipeline

import (
	"context"
	"sync"
	"time"

	"github.com/codetree/codetree/agent"
)

// Stage is one stage's account: its model calls, tokens, cost and time.
type Stage struct {
	Name             string  `json:"name"`
	Calls            int     `json:"calls"`
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	Cost             float64 `json:"cost_usd"`
	Seconds          float64 `json:"seconds"`
	// Note says what the stage found, in a line.
	Note string `json:"note,omitempty"`
}

// The stages, in order.
const (
	StageEnvironment = "environment"
	StageLocalize    = "localize"
	StageReproduce   = "reproduce"
	StageRegression  = "regression"
	StageRepair      = "repair"
	StageSelect      = "select"
)

// meter is a Completer that counts every answered call into the stage
// under way.
type meter struct {
	c agent.Completer

	mu        sync.Mutex
	stages    []Stage
	started   time.Time
	simulated bool
	first     time.Time // when the first call was sent
}

var _ agent.Completer = (*meter)(nil)

func (m *meter) Complete(ctx context.Context, req agent.Request) (agent.Response, error) {
	m.mu.Lock()
	if m.first.IsZero() {
		m.first = time.Now()
	}
	m.mu.Unlock()
	resp, err := m.c.Complete(ctx, req)
	m.mu.Lock()
	defer m.mu.Unlock()
	if resp.Simulated {
		m.simulated = true
	}
	if err == nil && len(m.stages) > 0 {
		s := &m.stages[len(m.stages)-1]
		s.Calls++
		s.PromptTokens += resp.Usage.PromptTokens
		s.CompletionTokens += resp.Usage.CompletionTokens
		s.Cost += resp.Cost
	}
	return resp, err
}

// begin ends the stage under way and starts the next.
func (m *meter) begin(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.endLocked()
	m.stages = append(m.stages, Stage{Name: name})
	m.started = time.Now()
}

// note sets the stage under way's note.
func (m *meter) note(s string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.stages) > 0 {
		m.stages[len(m.stages)-1].Note = s
	}
}

// done ends the stage under way and returns every stage's account.
func (m *meter) done() []Stage {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.endLocked()
	return append([]Stage(nil), m.stages...)
}

func (m *meter) endLocked() {
	if len(m.stages) > 0 && !m.started.IsZero() {
		m.stages[len(m.stages)-1].Seconds = time.Since(m.started).Seconds()
		m.started = time.Time{}
	}
}

// firstCall is when the first call was sent (zero: none).
func (m *meter) firstCall() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.first
}

func (m *meter) isSimulated() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.simulated
}
