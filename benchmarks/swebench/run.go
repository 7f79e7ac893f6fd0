package swebench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/codetree/codetree/internal/htmlreport"
)

// Patcher makes a patch for one instance: the pipeline of `codetree swe
// run` (localize, reproduce, repair, select), which cmd adapts to it.
type Patcher interface {
	// Patch works in w.Dir and returns its attempt. A failing program or
	// unusable model output is an Attempt (with an empty Patch when there
	// is none); the error is for an infrastructure failure (the sandbox,
	// Docker, the model endpoint unreachable after retries) or the end of
	// ctx: the instance then gets no prediction and the next run tries it
	// again. The Attempt returned with an error may hold the Stages spent
	// before it, which the run's accounts keep.
	Patch(ctx context.Context, w Workspace) (Attempt, error)
}

// Workspace is what a Patcher works on.
type Workspace struct {
	// Task is what the model may see: no gold patch, test patch or test
	// names.
	Task Task
	// Dir is a checkout of Task.Repo at Task.BaseCommit, a worktree of
	// its own, writable, removed after Patch returns.
	Dir string
	// GoModCache is a module cache on the host holding the modules the
	// repository's go.mod requires (fetched with `go mod download` only:
	// nothing of the repository was built or run), to mount read-only in
	// the sandbox; "" when none is needed (not Go, no requirement, or a
	// vendor/ folder).
	GoModCache string
}

// Attempt is what a Patcher made of one instance.
type Attempt struct {
	// Patch is a unified diff that `git apply` takes, "" for none.
	Patch string
	// Passed is the pipeline's own verdict: its reproduction and
	// regression tests pass with Patch. It is not SWE-bench's verdict
	// (`swe eval` gives that).
	Passed bool
	// Tree, if set, is written to trees/<instance_id>.json.
	Tree json.RawMessage
	// Stages are the pipeline's accounts, in order (see the Stage names).
	Stages []StageAccount
	// Simulated is true when a simulated model answered.
	Simulated bool
	// Notes are remarks for the results line (a patch that edits tests,
	// a reproduction that never failed, ...).
	Notes []string
	// FirstModelCall is when the Patcher first called the model (zero:
	// never): RunResult.FirstModelCallSeconds counts from the attempt's
	// start, so the environment's cost (checkout, Go modules, the first
	// sandbox runs) shows.
	FirstModelCall time.Time
}

// The pipeline's stages, in order: StageAccount.Name, and the order of
// RunSummary.Stages (other names follow, in order of appearance).
const (
	StageEnvironment = "environment"
	StageLocalize    = "localize"
	StageRegression  = "regression"
	StageReproduce   = "reproduce"
	StageRepair      = "repair"
	StageSelect      = "select"
)

var stageOrder = []string{StageEnvironment, StageLocalize, StageRegression, StageReproduce, StageRepair, StageSelect}

// StageAccount is the model use and time of one stage of the pipeline.
type StageAccount struct {
	Name             string  `json:"name"`
	Calls            int     `json:"calls"`
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	CostUSD          float64 `json:"cost_usd"`
	Seconds          float64 `json:"seconds"`
}

// Tokens is the stage's prompt and completion tokens.
func (a StageAccount) Tokens() int { return a.PromptTokens + a.CompletionTokens }

// CostText is the account's cost; "unknown" when calls were made and
// none was priced (a simulated or local model without --price-file), as
// bench's report says it.
func (a StageAccount) CostText() string {
	unpriced := 0
	if a.CostUSD == 0 {
		unpriced = a.Calls
	}
	return htmlreport.Cost(a.CostUSD, unpriced)
}

// Add adds o's calls, tokens, cost and time to a (its name stays).
func (a *StageAccount) Add(o StageAccount) {
	a.Calls += o.Calls
	a.PromptTokens += o.PromptTokens
	a.CompletionTokens += o.CompletionTokens
	a.CostUSD += o.CostUSD
	a.Seconds += o.Seconds
}

// Output files of Run, in RunOptions.Out.
const (
	PredictionsFile = "predictions.jsonl" // SWE-bench's predictions: swe eval's input
	RunResultsFile  = "results.jsonl"     // one RunResult per ended attempt
	RunSummaryFile  = "summary.json"      // RunSummary
	RunTreesDir     = "trees"             // <instance_id>.json: Attempt.Tree
)

// RunOptions configure Run.
type RunOptions struct {
	// Instances are done in order, Concurrency at a time; those with a
	// prediction in Out are skipped.
	Instances []Instance
	// Out is the run folder: PredictionsFile, RunResultsFile,
	// RunSummaryFile and RunTreesDir.
	Out string
	// ModelName is each prediction's model_name_or_path. A run folder
	// holds one model's predictions.
	ModelName string
	Patcher   Patcher
	// RepoURL is the clone URL template (default DefaultRepoURL), as
	// EvalOptions.RepoURL.
	RepoURL string
	// WorkDir holds the mirrors (repos/, kept for the next runs), the
	// checkouts (checkouts/, removed) and the Go module cache
	// (gomodcache/, kept). Default: Out/work.
	WorkDir string
	// Concurrency is the number of instances worked on at once (default 1).
	Concurrency int
	// Classify names the class of an error of the Patcher for the results
	// and the summary (default "error"; a checkout failure is "checkout",
	// a failed `go mod download` "dependencies", an attempt cut short by
	// ctx "interrupted").
	Classify func(error) string
	// Progress, if set, is called as each instance starts and ends, one
	// call at a time.
	Progress func(RunProgress)
}

// RunProgress is an instance starting (Result nil) or ending, with the
// run's tallies.
type RunProgress struct {
	InstanceID string
	Result     *RunResult
	// Total is len(RunOptions.Instances); Todo those without a prediction
	// when Run started; Running and Ended count this invocation's.
	Total, Todo, Running, Ended int
	// Predicted and Passed count the run folder's predictions and those
	// whose attempt passed its own tests, earlier invocations included;
	// Errors this invocation's infrastructure errors.
	Predicted, Passed, Errors int
}

func (o *RunOptions) check() error {
	switch {
	case o.Patcher == nil:
		return errors.New("swe run: no patcher")
	case o.Out == "":
		return errors.New("swe run: no output folder")
	case strings.TrimSpace(o.ModelName) == "":
		return errors.New("swe run: no model name for the predictions")
	}
	for _, in := range o.Instances {
		if id := in.InstanceID; strings.ContainsAny(id, `/\`) || id == "." || id == ".." {
			return fmt.Errorf("swe run: instance id %q cannot name a file", id)
		}
	}
	if o.RepoURL == "" {
		o.RepoURL = DefaultRepoURL
	}
	if o.WorkDir == "" {
		o.WorkDir = filepath.Join(o.Out, "work")
	}
	var err error
	if o.WorkDir, err = filepath.Abs(o.WorkDir); err != nil {
		return fmt.Errorf("swe run: work folder: %w", err)
	}
	o.Concurrency = max(o.Concurrency, 1)
	return nil
}

// Run makes a prediction for each instance that has none in o.Out yet:
// a checkout of base_commit (a mirror cached in WorkDir, a worktree of
// its own), the Go modules on the host when the repository needs them
// (`go mod download`: sources only, nothing of the repository built or
// run), then o.Patcher. Each ended attempt is one line of
// RunResultsFile; its tree goes to RunTreesDir; then, last, its
// prediction is appended to PredictionsFile (fsync'd), which marks the
// instance done. An attempt without a patch is a prediction with an
// empty model_patch. An infrastructure error (the checkout, the modules,
// the Patcher's error) is a results line and no prediction: the next
// run tries the instance again.
//
// When ctx ends no new instance starts, those in flight end through ctx
// (as interrupted: no prediction), and Run writes the summary and
// returns ctx's error with it. RunSummaryFile is recomputed from the
// files, so it counts every invocation's attempts and spend. Other
// errors are bad options and failures to write the run folder.
func Run(ctx context.Context, o RunOptions) (RunSummary, error) {
	start := time.Now()
	if err := o.check(); err != nil {
		return RunSummary{}, err
	}
	files, err := openRunFiles(o.Out, o.ModelName)
	if err != nil {
		return RunSummary{}, err
	}
	defer files.close()
	r, err := newRunner(o, files)
	if err != nil {
		return RunSummary{}, err
	}
	defer os.RemoveAll(r.checkouts.trees)
	werr := r.runAll(ctx)
	sum, serr := writeRunSummary(o, time.Since(start))
	return sum, errors.Join(werr, serr, ctx.Err())
}

// writeRunSummary recomputes the summary from the run folder and writes
// RunSummaryFile.
func writeRunSummary(o RunOptions, wall time.Duration) (RunSummary, error) {
	sum, err := summarizeRun(o.Out, o.ModelName, o.Instances)
	if err != nil {
		return sum, err
	}
	sum.WallSeconds = wall.Seconds()
	if err := writeJSONAtomic(filepath.Join(o.Out, RunSummaryFile), sum); err != nil {
		return sum, fmt.Errorf("write %s: %w", RunSummaryFile, err)
	}
	return sum, nil
}
