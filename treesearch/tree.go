package treesearch

import (
	"context"
	"strings"
	"time"

	"github.com/codetree/codetree/agent"
)

// Node is one candidate of a search, recorded whole: where it came from,
// what the model wrote, what running it said.
type Node struct {
	ID     int    `json:"id"`
	Parent int    `json:"parent"` // -1 for a root
	Depth  int    `json:"depth"`
	Role   string `json:"role"` // "solver" or "debugger"
	// Strategy is the Thinker's strategy the node follows, Reflection the
	// fix the Debugger was asked to make.
	Strategy   string `json:"strategy,omitempty"`
	Reflection string `json:"reflection,omitempty"`
	Code       string `json:"code,omitempty"`
	// Note is what the model said besides the code (the repository
	// Editor's explanation of its edits).
	Note string `json:"note,omitempty"`
	// Feedback is the visible-test result; Duplicate marks code already
	// run in this search (the earlier feedback is reused, nothing runs).
	Feedback  *Feedback `json:"feedback,omitempty"`
	Duplicate bool      `json:"duplicate,omitempty"`
	// Score ranks candidates: the visible pass fraction (plus the Critic's
	// view in CodeTree).
	Score float64 `json:"score"`
	// CriticScore is the Critic's 0-5 score of a failing run; Verified its
	// verdict on a run that passes every visible test.
	CriticScore *int  `json:"critic_score,omitempty"`
	Verified    *bool `json:"verified,omitempty"`
	// Review is the Critic's analysis: why it rejected a candidate that
	// passes the visible tests, or what its score of a failing run rests
	// on. It goes into the reflection and repair prompts of the node's
	// children.
	Review string `json:"review,omitempty"`
	// Hidden and HiddenPlus are the node's code's hidden-test verdicts
	// (HiddenPlus on the plus datasets), set after the search has ended
	// when the run scores every candidate (RunConfig.ScoreCandidates); nil
	// when not run. The search never sees them.
	Hidden     *bool `json:"hidden,omitempty"`
	HiddenPlus *bool `json:"hidden_plus,omitempty"`
	// Aborted: the node did worse than its parent and was not expanded.
	Aborted bool `json:"aborted,omitempty"`
	// ModelError is a model-output failure (no code, unparsable reply):
	// the generation counts, the node has no code.
	ModelError string  `json:"model_error,omitempty"`
	Tokens     int     `json:"tokens"`
	Cost       float64 `json:"cost_usd"`
	// ModelTime is the generation call's time, retries included;
	// Duration the run of the visible tests (0 for a duplicate).
	ModelTime time.Duration `json:"model_ns"`
	Duration  time.Duration `json:"duration_ns"`
}

// Tree is the record of one problem's search.
type Tree struct {
	Problem  string  `json:"problem"`
	Strategy string  `json:"strategy"`
	Nodes    []*Node `json:"nodes"`
	// Chosen is the ID of the candidate the search returns, -1 if none
	// has code.
	Chosen      int `json:"chosen"`
	Generations int `json:"generations"`
	// Accepted says how the chosen candidate was accepted: AcceptedByCritic
	// (it passed the visible tests and the Critic verified it),
	// AcceptedByTests (it passed them, no Critic asked), or "" when
	// nothing was accepted and the selection rule chose.
	Accepted string `json:"accepted,omitempty"`
	// NoVisibleTests marks a benchmark problem without visible tests: a
	// candidate that loads passes them, so only the Critic can tell
	// candidates apart.
	NoVisibleTests bool `json:"no_visible_tests,omitempty"`
}

// How a tree's answer was accepted (Tree.Accepted).
const (
	AcceptedByCritic = "verification"
	AcceptedByTests  = "visible tests"
)

// Distinct counts the candidates with code that were run: every
// generation but the duplicates and the replies without code.
func (t *Tree) Distinct() int {
	n := 0
	for _, node := range t.Nodes {
		if node.Code != "" && !node.Duplicate {
			n++
		}
	}
	return n
}

// Duplicates counts the generations that repeated an earlier candidate.
func (t *Tree) Duplicates() int {
	n := 0
	for _, node := range t.Nodes {
		if node.Duplicate {
			n++
		}
	}
	return n
}

// Answer is the code of the chosen node ("" when none has code).
func (t *Tree) Answer() string {
	if t.Chosen < 0 || t.Chosen >= len(t.Nodes) {
		return ""
	}
	return t.Nodes[t.Chosen].Code
}

// Strategy searches for a program that solves a problem within a budget
// of generations (every Solver or Debugger output counts one). An error
// means an infrastructure failure (model endpoint, sandbox): the tree
// holds what was done until then.
type Strategy interface {
	Name() string
	Search(ctx context.Context, p Problem) (*Tree, error)
}

// tester runs a candidate against a problem's visible tests; *Tester
// implements it.
type tester interface {
	Test(ctx context.Context, p Problem, code string) (Feedback, error)
}

// Env is what every strategy works with.
type Env struct {
	// Model answers the Thinker and the Critic, and the Solver and the
	// Debugger unless Coder is set.
	Model agent.Completer
	// Coder writes the candidates (default FunctionCoder over Model).
	Coder Coder
	Tests tester
	// Budget is the number of generations per problem (default 20).
	Budget int
	// Select is the rule for the answer when no candidate was accepted
	// (default SelectBest).
	Select Selection
	// Observe, if set, is told of each node once it is recorded and run
	// (its scores may still change as the search judges it).
	Observe func(Node)
	// FeedbackMax caps the test feedback shown to the model, in bytes
	// (default 2000).
	FeedbackMax int
	// Temperatures are the sampling temperatures by role (see
	// DefaultTemperatures); a role without one gets the client's.
	Temperatures Temperatures
	// Strategies, when set, are the first level's strategies in place of
	// the Thinker's (CodeTree takes up to its width of them): the issue
	// pipeline's localizations, where the paper's strategies become
	// retrieval choices.
	Strategies []string
}

// TemperedModel is the Model with the Env's temperatures set on every
// request by its role: what the Thinker and the Critic are asked through.
func (e Env) TemperedModel() agent.Completer { return e.Temperatures.Wrap(e.Model) }

// CandidateCoder is the Env's Coder, by default a FunctionCoder over the Model at
// the Solver's and the Debugger's temperatures. A Coder of the caller's
// has its own model: wrap it with Temperatures.Wrap to set them.
func (e Env) CandidateCoder() Coder {
	if e.Coder == nil {
		return FunctionCoder{Model: e.TemperedModel()}
	}
	return e.Coder
}

func (e Env) feedbackMax() int {
	if e.FeedbackMax <= 0 {
		return 2000
	}
	return e.FeedbackMax
}

func (e Env) budget() int {
	if e.Budget <= 0 {
		return 20
	}
	return e.Budget
}

// Recorder grows a strategy's tree within the budget: it records each
// generation, runs each distinct candidate once (a duplicate costs its
// generation and reuses the earlier feedback), and sets the answer,
// accepted or by the Env's Selection. A strategy of its own (in any
// package) searches with one.
type Recorder struct {
	env  Env
	p    Problem
	tree *Tree
	seen map[string]*Feedback
}

// NewRecorder starts the tree of strategy name's search of p.
func NewRecorder(env Env, p Problem, name string) *Recorder {
	// A repository's checks are its own commands, not Problem.Tests.
	noTests := len(p.Tests) == 0 && env.Coder == nil
	tree := &Tree{Problem: p.ID, Strategy: name, Chosen: -1, NoVisibleTests: noTests}
	return &Recorder{env: env, p: p, tree: tree, seen: make(map[string]*Feedback)}
}

// Left is the number of generations the budget still allows.
func (r *Recorder) Left() int { return r.env.budget() - r.tree.Generations }

// Tree is the tree recorded so far.
func (r *Recorder) Tree() *Tree { return r.tree }

// Add records a generation's node: the model's output (or its model-output
// error), then the feedback of running the code, once per distinct code.
// Infrastructure errors are returned.
func (r *Recorder) Add(ctx context.Context, n *Node, res agent.CodeResult, genErr error) (*Node, error) {
	if genErr != nil && !agent.IsModelOutput(genErr) {
		return nil, genErr
	}
	r.tree.Generations++
	n.ID = len(r.tree.Nodes)
	n.Tokens, n.Cost, n.ModelTime = res.Response.Usage.Total(), res.Response.Cost, res.Response.Duration
	r.tree.Nodes = append(r.tree.Nodes, n)
	if genErr != nil {
		n.ModelError = genErr.Error()
		r.observe(n)
		return n, nil
	}
	n.Code, n.Note = res.Code, res.Note
	key := normalize(res.Code)
	if fb, ok := r.seen[key]; ok {
		n.Feedback, n.Duplicate = fb, true
	} else {
		start := time.Now()
		fb, err := r.env.Tests.Test(ctx, r.p, res.Code)
		if err != nil {
			return nil, err
		}
		n.Duration = time.Since(start)
		n.Feedback = &fb
		r.seen[key] = &fb
	}
	n.Score = n.Feedback.Fraction()
	if n.Feedback.Total == 0 && n.Feedback.Passes() {
		n.Score = 1
	}
	r.observe(n)
	return n, nil
}

func (r *Recorder) observe(n *Node) {
	if r.env.Observe != nil {
		r.env.Observe(*n)
	}
}

// Accept makes n the tree's answer, accepted as how says.
func (r *Recorder) Accept(n *Node, how string) {
	r.tree.Chosen, r.tree.Accepted = n.ID, how
}

// Choose sets the tree's answer by the Env's Selection rule, when no
// candidate was accepted.
func (r *Recorder) Choose() {
	if r.tree.Accepted == "" {
		r.tree.Chosen = r.env.Select.pick(r.tree.Nodes)
	}
}

// normalize makes code that differs only in trailing spaces and blank
// lines compare equal.
func normalize(code string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.ReplaceAll(code, "\r\n", "\n"), "\n") {
		line = strings.TrimRight(line, " \t")
		if line == "" {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}
