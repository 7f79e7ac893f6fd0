package swebench

import (
	"path/filepath"
	"slices"
)

// RunSummary is RunSummaryFile: a run folder's totals, recomputed from its
// files, so that it counts every invocation of a resumed run.
type RunSummary struct {
	ModelName string `json:"model_name_or_path"`
	// Simulated is true when any attempt had a simulated model: the
	// figures then measure the harness, not a model.
	Simulated bool `json:"simulated"`
	// Instances is the number given to the last invocation; Pending those
	// of them with neither a prediction nor an error (not reached, or
	// interrupted).
	Instances int `json:"instances"`
	Pending   int `json:"pending"`
	// Predicted counts the predictions in the folder: Patched with a
	// patch, EmptyPatch without; PassedOwnTests those whose attempt passed
	// its own reproduction and regression tests.
	Predicted      int      `json:"predicted"`
	Patched        int      `json:"patched"`
	EmptyPatch     int      `json:"empty_patch"`
	PassedOwnTests int      `json:"passed_own_tests"`
	PatchedIDs     []string `json:"patched_ids"`
	EmptyPatchIDs  []string `json:"empty_patch_ids"`
	PassedIDs      []string `json:"passed_ids"`
	// EditedTestsIDs are the predictions whose patch changes or deletes
	// tests of base_commit (RunResult.EditedTests): check them by hand.
	EditedTestsIDs []string `json:"edited_tests_ids"`
	// Errors counts the instances without a prediction whose last attempt
	// ended with an infrastructure error; ErrorClasses and ErrorMessages
	// are by instance id. InterruptedIDs are those whose last attempt was
	// cut short (Ctrl-C), not counted as errors.
	Errors         int               `json:"errors"`
	ErrorIDs       []string          `json:"error_ids"`
	ErrorClasses   map[string]string `json:"error_classes"`
	ErrorMessages  map[string]string `json:"error_messages"`
	InterruptedIDs []string          `json:"interrupted_ids"`
	// Attempts counts the results lines: every ended attempt of every
	// invocation. Stages and Total sum their accounts.
	Attempts int            `json:"attempts"`
	Stages   []StageAccount `json:"stages"`
	Total    StageAccount   `json:"total"`
	// WallSeconds is the last invocation's duration.
	WallSeconds float64 `json:"wall_seconds"`
}

// summarizeRun totals the run folder out; instances are the invocation's.
func summarizeRun(out, model string, instances []Instance) (RunSummary, error) {
	preds, err := readRunPredictions(filepath.Join(out, PredictionsFile))
	if err != nil {
		return RunSummary{}, err
	}
	results, err := readRunResults(filepath.Join(out, RunResultsFile))
	if err != nil {
		return RunSummary{}, err
	}
	s := RunSummary{ModelName: model, Instances: len(instances), Attempts: len(results),
		PatchedIDs: []string{}, EmptyPatchIDs: []string{}, PassedIDs: []string{}, EditedTestsIDs: []string{}, ErrorIDs: []string{},
		ErrorClasses: map[string]string{}, ErrorMessages: map[string]string{}, InterruptedIDs: []string{},
		Total: StageAccount{Name: "total"}}
	lastOK := make(map[string]RunResult)      // each instance's last attempt without an error
	lastAttempt := make(map[string]RunResult) // and its last attempt
	var order []string                        // instances with a results line, as they first appear
	for _, r := range results {
		if _, seen := lastAttempt[r.InstanceID]; !seen {
			order = append(order, r.InstanceID)
		}
		if r.Error == "" {
			lastOK[r.InstanceID] = r
		}
		lastAttempt[r.InstanceID] = r
		s.Simulated = s.Simulated || r.Simulated
	}
	s.Stages, s.Total = sumStages(results)
	done := s.countPredictions(preds, lastOK)
	s.countErrors(order, lastAttempt, done)
	for _, in := range instances {
		if !done[in.InstanceID] && s.ErrorClasses[in.InstanceID] == "" {
			s.Pending++
		}
	}
	return s, nil
}

// countPredictions counts the predictions, patched or empty, and those
// whose attempt passed its tests; it returns the ids predicted.
func (s *RunSummary) countPredictions(preds []Prediction, last map[string]RunResult) map[string]bool {
	done := make(map[string]bool, len(preds))
	for _, p := range preds {
		done[p.InstanceID] = true
		s.Predicted++
		if p.ModelPatch == "" {
			s.EmptyPatch++
			s.EmptyPatchIDs = append(s.EmptyPatchIDs, p.InstanceID)
		} else {
			s.Patched++
			s.PatchedIDs = append(s.PatchedIDs, p.InstanceID)
		}
		if p.ModelPatch != "" && len(last[p.InstanceID].EditedTests) > 0 {
			s.EditedTestsIDs = append(s.EditedTestsIDs, p.InstanceID)
		}
		if last[p.InstanceID].Passed {
			s.PassedOwnTests++
			s.PassedIDs = append(s.PassedIDs, p.InstanceID)
		}
	}
	return done
}

// countErrors records the instances without a prediction whose last
// attempt failed: interrupted, or an infrastructure error.
func (s *RunSummary) countErrors(order []string, lastAttempt map[string]RunResult, done map[string]bool) {
	for _, id := range order {
		r := lastAttempt[id]
		switch {
		case done[id] || r.Error == "":
		case r.ErrorClass == ClassInterrupted:
			s.InterruptedIDs = append(s.InterruptedIDs, id)
		default:
			s.Errors++
			s.ErrorIDs = append(s.ErrorIDs, id)
			s.ErrorClasses[id], s.ErrorMessages[id] = r.ErrorClass, r.Error
		}
	}
}

// sumStages sums the attempts' stage accounts by name, the pipeline's
// stages first in their order, then the others as they appear, and their
// total.
func sumStages(results []RunResult) ([]StageAccount, StageAccount) {
	total := StageAccount{Name: "total"}
	byName := make(map[string]*StageAccount)
	names := slices.Clone(stageOrder)
	for _, r := range results {
		for _, st := range r.Stages {
			a, ok := byName[st.Name]
			if !ok {
				a = &StageAccount{Name: st.Name}
				byName[st.Name] = a
				if !slices.Contains(names, st.Name) {
					names = append(names, st.Name)
				}
			}
			a.Add(st)
			total.Add(st)
		}
	}
	stages := []StageAccount{}
	for _, n := range names {
		if a, ok := byName[n]; ok {
			stages = append(stages, *a)
		}
	}
	return stages, total
}
