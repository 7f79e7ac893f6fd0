package swebench

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Report files: a run folder's and an evaluation folder's pages
// (WriteRunReport, WriteEvalReport), and the files that tie an
// evaluation to the run whose predictions it scored.
const (
	ReportHTMLFile     = "report.html"
	ReportMarkdownFile = "report.md"
	// EvalLinkFile, in a run folder, names the evaluation of its
	// predictions (EvalLink).
	EvalLinkFile = "eval.json"
	// EvalSourceFile, in an evaluation folder, says where its
	// predictions came from (EvalSource).
	EvalSourceFile = "source.json"
	// EvalReportFile and EvalSummaryFile are Evaluate's report.json
	// (SWE-bench's shape) and summary.json (Summary).
	EvalReportFile  = "report.json"
	EvalSummaryFile = "summary.json"
)

// EvalLink is EvalLinkFile: the evaluation that scored a run folder's
// predictions. A verdict counts for an instance only while its
// prediction is the one scored: Patches holds the SHA-256 of each
// model_patch the evaluation was given.
type EvalLink struct {
	Dir       string            `json:"eval_dir"`
	Patches   map[string]string `json:"patch_sha256"`
	Evaluated time.Time         `json:"evaluated"`
}

// EvalSource is EvalSourceFile: the predictions an evaluation scored,
// and the run folder that made them ("" when they came from elsewhere).
type EvalSource struct {
	Predictions string `json:"predictions"`
	RunDir      string `json:"run_dir,omitempty"`
	Simulated   bool   `json:"simulated"`
}

// IsRunFolder reports whether dir looks like a swe run folder: its
// summary, results and predictions files exist.
func IsRunFolder(dir string) bool {
	return exists(filepath.Join(dir, RunSummaryFile)) && exists(filepath.Join(dir, RunResultsFile)) &&
		exists(filepath.Join(dir, PredictionsFile))
}

// IsEvalFolder reports whether dir looks like a swe eval folder: its
// report.json and summary.json exist.
func IsEvalFolder(dir string) bool {
	return exists(filepath.Join(dir, EvalReportFile)) && exists(filepath.Join(dir, EvalSummaryFile))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// LinkEval records in the run folder runDir that the evaluation in
// evalDir scored preds (EvalLinkFile), and in evalDir where they came
// from (EvalSourceFile), so that both folders' reports show the
// resolution.
func LinkEval(runDir, evalDir, predictions string, preds []Prediction) error {
	abs, err := filepath.Abs(evalDir)
	if err != nil {
		return fmt.Errorf("link the evaluation: %w", err)
	}
	link := EvalLink{Dir: abs, Patches: make(map[string]string, len(preds)), Evaluated: time.Now().UTC()}
	for _, p := range preds {
		link.Patches[p.InstanceID] = patchHash(p.ModelPatch)
	}
	if err := writeJSONAtomic(filepath.Join(runDir, EvalLinkFile), link); err != nil {
		return fmt.Errorf("write %s: %w", EvalLinkFile, err)
	}
	sum, err := readJSONFile[RunSummary](filepath.Join(runDir, RunSummaryFile))
	if err != nil {
		return err
	}
	runAbs, err := filepath.Abs(runDir)
	if err != nil {
		return fmt.Errorf("link the evaluation: %w", err)
	}
	src := EvalSource{Predictions: predictions, RunDir: runAbs, Simulated: sum.Simulated}
	if err := writeJSONAtomic(filepath.Join(evalDir, EvalSourceFile), src); err != nil {
		return fmt.Errorf("write %s: %w", EvalSourceFile, err)
	}
	return nil
}

func patchHash(patch string) string {
	h := sha256.Sum256([]byte(patch))
	return hex.EncodeToString(h[:])
}

// readJSONFile decodes the JSON file path into a T.
func readJSONFile[T any](path string) (T, error) {
	var v T
	b, err := os.ReadFile(path)
	if err != nil {
		return v, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("read %s: %w", path, err)
	}
	return v, nil
}

// InstanceStatus is where an instance of a report stands: the
// evaluation's verdict when there is one, else what the run made of it.
type InstanceStatus int

// Instance statuses, in the order of the reports' outcome chart.
const (
	instanceStatusInvalid InstanceStatus = iota
	// InstanceResolved: the patch applied and every FAIL_TO_PASS and
	// PASS_TO_PASS test succeeded.
	InstanceResolved
	// InstanceUnresolved: the patch applied, some test failed.
	InstanceUnresolved
	// InstanceUnapplied: the patch did not apply.
	InstanceUnapplied
	// InstanceEmptyPatch: the prediction has no patch.
	InstanceEmptyPatch
	// InstanceNotEvaluated: a patch no evaluation has scored yet.
	InstanceNotEvaluated
	// InstanceError: an infrastructure error of the run (no prediction)
	// or of the evaluation (no verdict).
	InstanceError
	// InstanceInterrupted: the run's last attempt was cut short.
	InstanceInterrupted
)

var instanceStatusNames = [...]string{"invalid", "resolved", "applied but not resolved", "did not apply",
	"empty patch", "not evaluated", "error", "interrupted"}

func (s InstanceStatus) String() string {
	if s < 0 || int(s) >= len(instanceStatusNames) {
		return fmt.Sprintf("InstanceStatus(%d)", int(s))
	}
	return instanceStatusNames[s]
}

// class is the status's badge class in the pages' style sheet.
func (s InstanceStatus) class() string {
	switch s {
	case InstanceResolved:
		return "pass"
	case InstanceUnresolved, InstanceUnapplied:
		return "fail"
	case InstanceError, InstanceInterrupted:
		return "err"
	default:
		return "none"
	}
}

// statusOf is an evaluation's verdict as a status.
func statusOf(r InstanceReport) InstanceStatus {
	switch {
	case !r.PatchExists:
		return InstanceEmptyPatch
	case !r.PatchSuccessfullyApplied:
		return InstanceUnapplied
	case r.Resolved:
		return InstanceResolved
	default:
		return InstanceUnresolved
	}
}

// runInstance is one instance of a run folder's report.
type runInstance struct {
	ID        string
	Status    InstanceStatus
	Predicted bool
	Patch     string
	// Result is the attempt behind the prediction, else the last attempt.
	Result   *RunResult
	Attempts int
	// Eval is the evaluation's verdict, EvalError its infrastructure
	// error; both unset when no evaluation scored this prediction.
	Eval      *InstanceReport
	EvalError string
}

// runData is a run folder as its report reads it.
type runData struct {
	Dir       string
	Summary   RunSummary
	Instances []runInstance // by id
	// EvalDir is the evaluation used ("" for none); EvalGone is set when
	// the run names one whose folder is missing.
	EvalDir  string
	EvalGone bool
}

// evaluated reports whether an evaluation gave any verdict or error.
func (d runData) evaluated() bool {
	for _, in := range d.Instances {
		if in.Eval != nil || in.EvalError != "" {
			return true
		}
	}
	return false
}

// loadRunData reads a run folder: its summary, predictions, results and,
// when EvalLinkFile names one, its evaluation.
func loadRunData(dir string) (runData, error) {
	d := runData{Dir: dir}
	var err error
	if d.Summary, err = readJSONFile[RunSummary](filepath.Join(dir, RunSummaryFile)); err != nil {
		return d, err
	}
	preds, err := readRunPredictions(filepath.Join(dir, PredictionsFile))
	if err != nil {
		return d, err
	}
	results, err := readRunResults(filepath.Join(dir, RunResultsFile))
	if err != nil {
		return d, err
	}
	byID := make(map[string]*runInstance)
	get := func(id string) *runInstance {
		in, ok := byID[id]
		if !ok {
			in = &runInstance{ID: id}
			byID[id] = in
		}
		return in
	}
	for _, p := range preds {
		in := get(p.InstanceID)
		in.Predicted, in.Patch = true, p.ModelPatch
	}
	for _, r := range results {
		in := get(r.InstanceID)
		in.Attempts++
		// The prediction's attempt is the last without an error; an
		// instance without a prediction shows its last attempt.
		if r.Error == "" || !in.Predicted {
			in.Result = &r
		}
	}
	for _, in := range byID {
		d.Instances = append(d.Instances, *in)
	}
	slices.SortFunc(d.Instances, func(a, b runInstance) int { return compareIDs(a.ID, b.ID) })
	if err := d.loadEval(preds); err != nil {
		return d, err
	}
	for i := range d.Instances {
		d.Instances[i].Status = d.Instances[i].status()
	}
	return d, nil
}

// status is where the instance stands.
func (in runInstance) status() InstanceStatus {
	switch {
	case !in.Predicted && in.Result != nil && in.Result.ErrorClass == ClassInterrupted:
		return InstanceInterrupted
	case !in.Predicted:
		return InstanceError
	case in.Patch == "":
		return InstanceEmptyPatch
	case in.Eval != nil:
		return statusOf(*in.Eval)
	case in.EvalError != "":
		return InstanceError
	default:
		return InstanceNotEvaluated
	}
}

// loadEval reads the verdicts of the evaluation EvalLinkFile names, for
// the predictions it scored that are still the folder's.
func (d *runData) loadEval(preds []Prediction) error {
	link, err := readJSONFile[EvalLink](filepath.Join(d.Dir, EvalLinkFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	d.EvalDir = link.Dir
	if !filepath.IsAbs(d.EvalDir) {
		d.EvalDir = filepath.Join(d.Dir, d.EvalDir)
	}
	if !exists(d.EvalDir) {
		d.EvalGone = true
		return nil
	}
	// summary.json is written at the end of an evaluation: without it
	// (interrupted) only the per-instance reports count.
	sum, err := readJSONFile[Summary](filepath.Join(d.EvalDir, EvalSummaryFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	current := make(map[string]string, len(preds))
	for _, p := range preds {
		current[p.InstanceID] = patchHash(p.ModelPatch)
	}
	for i := range d.Instances {
		in := &d.Instances[i]
		if h, ok := link.Patches[in.ID]; !ok || h != current[in.ID] {
			continue
		}
		r, ok, err := readReport(evalReportPath(d.EvalDir, in.ID), in.ID)
		switch {
		case err != nil:
			return err
		case ok:
			in.Eval = &r
		default:
			in.EvalError = sum.ErrorMessages[in.ID]
		}
	}
	return nil
}

// evalData is an evaluation folder as its report reads it.
type evalData struct {
	Dir       string
	Summary   Summary
	Source    *EvalSource
	Instances []evalInstance // by id
}

// evalInstance is one instance of an evaluation's report.
type evalInstance struct {
	ID     string
	Status InstanceStatus
	Report *InstanceReport
	Error  string
}

// loadEvalData reads an evaluation folder's report.json, summary.json
// and, if there is one, EvalSourceFile.
func loadEvalData(dir string) (evalData, error) {
	d := evalData{Dir: dir}
	var err error
	if d.Summary, err = readJSONFile[Summary](filepath.Join(dir, EvalSummaryFile)); err != nil {
		return d, err
	}
	reports, err := readJSONFile[map[string]InstanceReport](filepath.Join(dir, EvalReportFile))
	if err != nil {
		return d, err
	}
	if src, err := readJSONFile[EvalSource](filepath.Join(dir, EvalSourceFile)); err == nil {
		d.Source = &src
	} else if !errors.Is(err, fs.ErrNotExist) {
		return d, err
	}
	for id, r := range reports {
		if _, failed := d.Summary.ErrorMessages[id]; failed {
			continue
		}
		r.InstanceID = id
		d.Instances = append(d.Instances, evalInstance{ID: id, Status: statusOf(r), Report: &r})
	}
	for _, id := range d.Summary.ErrorIDs {
		d.Instances = append(d.Instances, evalInstance{ID: id, Status: InstanceError, Error: d.Summary.ErrorMessages[id]})
	}
	slices.SortFunc(d.Instances, func(a, b evalInstance) int { return compareIDs(a.ID, b.ID) })
	return d, nil
}

// compareIDs orders instance ids as strings: "owner__repo-12" sorts by
// repository, then by the number's digits.
func compareIDs(a, b string) int {
	pa, na := splitNumber(a)
	pb, nb := splitNumber(b)
	if pa != pb {
		if pa < pb {
			return -1
		}
		return 1
	}
	if len(na) != len(nb) {
		return len(na) - len(nb)
	}
	switch {
	case na < nb:
		return -1
	case na > nb:
		return 1
	}
	return 0
}

// splitNumber splits the trailing digits off id.
func splitNumber(id string) (prefix, number string) {
	i := len(id)
	for i > 0 && id[i-1] >= '0' && id[i-1] <= '9' {
		i--
	}
	return id[:i], id[i:]
}
