package simllm

import (
	"hash/fnv"
	"math/rand"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/codetree/codetree/benchmarks"
	"github.com/codetree/codetree/benchmarks/swebench"
)

// Faults are the rates (0 to 1) at which a request fails instead of being
// answered. They are rolled once per request, in this order, from one draw.
type Faults struct {
	RateLimit   float64 // HTTP 429 with Retry-After: 1
	ServerError float64 // HTTP 500
	Hang        float64 // no answer until the client goes away
	Malformed   float64 // a 200 whose body is not valid JSON
	NoCode      float64 // a reply without a code block
}

// Options shape the Model's behaviour.
type Options struct {
	Seed int64
	// RepairRate is the probability that the debugger, shown failing test
	// feedback, returns the reference solution. Default 0.7.
	RepairRate float64
	// CorrectRate is the probability that a solver reply is the reference
	// solution. Default 0.5.
	CorrectRate float64
	// RejectRate is the probability that the critic, asked to verify code
	// that passes the visible tests but is not the reference (a mutant the
	// visible tests miss), rejects it with a reason naming the line that
	// differs; otherwise it accepts it. Default 0.8: the verification step
	// catches most such mutants, as a good reviewer would, but not all.
	RejectRate float64
	// FalseRejectRate is the probability that the critic rejects the
	// reference solution, with a plausible but wrong reason. Default 0.
	FalseRejectRate float64
	// Plain turns off the variation of the replies' format (reasoning
	// blocks, prose around code, fence tags, list markers, score and
	// verdict forms): every reply has the one plain form.
	Plain bool
	// Latency is slept (context-aware) before each answer.
	Latency time.Duration
	Faults  Faults
	// Edits are the replies of the repository Editor (codetree solve and
	// fix), served in order to its first edits and repairs alike; once
	// they run out it answers without edits.
	Edits []string
	// Instances turn on oracle mode (codetree swe run --model sim): a
	// conversation whose user messages hold an instance's problem
	// statement is answered from the instance's gold patch and test patch
	// (see oracle.go): the localizer names the files and functions the
	// gold patch changes, the reproducer writes the test patch, the
	// Editor first writes a wrong edit (a comment that changes nothing)
	// and then, asked to repair it, reverts it and writes the gold hunks,
	// and the critic and thinker read the repository's test results.
	// Other conversations are answered as without Instances.
	Instances []swebench.Instance
}

// DefaultOptions returns the default rates.
func DefaultOptions() Options { return Options{RepairRate: 0.7, CorrectRate: 0.5, RejectRate: 0.8} }

// Model is the simulated model. It is safe for concurrent use.
type Model struct {
	opts     Options
	problems []problem

	mu     sync.Mutex
	faults *rand.Rand     // fault draws: not tied to the request, so retries can succeed
	edits  int            // Editor replies served
	draws  map[uint64]int // answers given so far to each conversation sampled at a temperature above 0

	oracles []oracle // Options.Instances, read once
}

// problem is what the Model knows of one benchmark problem.
type problem struct {
	id         string
	prompt     string // Task().Prompt, trimmed
	entryPoint string
	defLine    string // the entry point's def line, trimmed
	reference  string // the full reference program
	bodyFrom   int    // first line of reference that may be mutated
}

// nextEdit serves the next scripted Editor reply.
func (m *Model) nextEdit() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.edits >= len(m.opts.Edits) {
		return "I have no further edit to suggest."
	}
	m.edits++
	return m.opts.Edits[m.edits-1]
}

// New returns a Model answering about problems (and, in oracle mode,
// about opts.Instances; problems may then be nil). Zero RepairRate,
// CorrectRate and RejectRate mean the defaults; set them negative for 0.
func New(problems []*benchmarks.Problem, opts Options) *Model {
	d := DefaultOptions()
	if opts.RepairRate == 0 {
		opts.RepairRate = d.RepairRate
	}
	if opts.CorrectRate == 0 {
		opts.CorrectRate = d.CorrectRate
	}
	if opts.RejectRate == 0 {
		opts.RejectRate = d.RejectRate
	}
	m := &Model{opts: opts, faults: rand.New(rand.NewSource(opts.Seed))}
	for _, p := range problems {
		m.problems = append(m.problems, newProblem(p))
	}
	for _, in := range opts.Instances {
		m.oracles = append(m.oracles, newOracle(in))
	}
	return m
}

// newProblem builds the reference program: the prompt followed by the
// completion for HumanEval, the full solution for MBPP.
func newProblem(p *benchmarks.Problem) problem {
	t := p.Task()
	g := p.GoldSample()
	pr := problem{id: t.ID, prompt: strings.TrimSpace(t.Prompt), entryPoint: t.EntryPoint}
	if g.Completion != "" {
		pr.reference = t.Prompt + g.Completion
		pr.bodyFrom = strings.Count(t.Prompt, "\n")
	} else {
		pr.reference = g.Solution
	}
	pr.defLine = findDef(pr.reference, t.EntryPoint)
	return pr
}

// findDef returns the trimmed def line of entry in code, or "".
func findDef(code, entry string) string {
	if entry == "" {
		return ""
	}
	re := regexp.MustCompile(`(?m)^\s*def\s+` + regexp.QuoteMeta(entry) + `\s*\(.*$`)
	return strings.TrimSpace(re.FindString(code))
}

// lookup finds the problem a conversation is about: the one whose prompt
// appears in the user text, else whose def line does, else whose entry
// point the system message names. nil when none.
func (m *Model) lookup(system, user string) *problem {
	var best *problem
	for i := range m.problems {
		p := &m.problems[i]
		if p.prompt != "" && strings.Contains(user, p.prompt) {
			if best == nil || len(p.prompt) > len(best.prompt) {
				best = p
			}
		}
	}
	if best != nil {
		return best
	}
	for i := range m.problems {
		p := &m.problems[i]
		if p.defLine != "" && strings.Contains(user, p.defLine) {
			return p
		}
	}
	for i := range m.problems {
		p := &m.problems[i]
		if p.entryPoint != "" && strings.Contains(system, "`"+p.entryPoint+"`") {
			return p
		}
	}
	return nil
}

// rollFault draws the fault of one request, "" for none.
func (m *Model) rollFault() string {
	f := m.opts.Faults
	m.mu.Lock()
	u := m.faults.Float64()
	m.mu.Unlock()
	for _, c := range []struct {
		name string
		rate float64
	}{{"ratelimit", f.RateLimit}, {"server", f.ServerError}, {"hang", f.Hang}, {"malformed", f.Malformed}, {"nocode", f.NoCode}} {
		if u < c.rate {
			return c.name
		}
		u -= c.rate
	}
	return ""
}

// nextDraw counts the answers to a conversation sampled at a temperature
// above 0: 0 for the first.
func (m *Model) nextDraw(msgs []Message) int {
	h := fnv.New64a()
	for _, msg := range msgs {
		h.Write([]byte(msg.Role))
		h.Write([]byte{0})
		h.Write([]byte(msg.Content))
		h.Write([]byte{0})
	}
	key := h.Sum64()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.draws == nil {
		m.draws = make(map[uint64]int)
	}
	n := m.draws[key]
	m.draws[key]++
	return n
}

// rngFor returns the random source of one conversation: a function of the
// seed and the text only.
func (m *Model) rngFor(parts ...string) *rand.Rand {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return rand.New(rand.NewSource(int64(h.Sum64()) ^ m.opts.Seed))
}
