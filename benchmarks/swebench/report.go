package swebench

import (
	"slices"
)

// Outcome lists the tests of one category that succeeded and failed.
// Both lists are non-nil, so they encode as [] and never as null.
type Outcome struct {
	Success []string `json:"success"`
	Failure []string `json:"failure"`
}

// TestsStatus is SWE-bench's tests_status. FAIL_TO_FAIL and PASS_TO_FAIL
// are present and empty, as in SWE-bench's reports (it computes them only
// on request and no published instance lists them).
type TestsStatus struct {
	FailToPass Outcome `json:"FAIL_TO_PASS"`
	PassToPass Outcome `json:"PASS_TO_PASS"`
	FailToFail Outcome `json:"FAIL_TO_FAIL"`
	PassToFail Outcome `json:"PASS_TO_FAIL"`
}

// InstanceReport is SWE-bench's per-instance report. InstanceID is the key
// of the enclosing object in SWE-bench's files (see Keyed), not a field.
// TestsStatus is nil, and omitted, when no tests ran: no patch, or a patch
// that did not apply.
type InstanceReport struct {
	InstanceID               string       `json:"-"`
	PatchIsNone              bool         `json:"patch_is_None"`
	PatchExists              bool         `json:"patch_exists"`
	PatchSuccessfullyApplied bool         `json:"patch_successfully_applied"`
	Resolved                 bool         `json:"resolved"`
	TestsStatus              *TestsStatus `json:"tests_status,omitempty"`
}

// Keyed returns reports in SWE-bench's file shape: {instance_id: report}.
func Keyed(reports ...InstanceReport) map[string]InstanceReport {
	m := make(map[string]InstanceReport, len(reports))
	for _, r := range reports {
		m[r.InstanceID] = r
	}
	return m
}

// Grade judges one instance from its test statuses (ParseGoTest or
// ParsePytest of the run after the model patch and the test patch were
// applied). A FAIL_TO_PASS test succeeds only when it Passed; a
// PASS_TO_PASS test succeeds when it Passed or was Skipped, as in
// SWE-bench. A test missing from statuses is a failure in both. Resolved
// needs an existing, applied patch and no failure in either list.
func Grade(inst Instance, applied bool, patchExists bool, statuses map[string]Status) InstanceReport {
	r := InstanceReport{InstanceID: inst.InstanceID, PatchIsNone: !patchExists, PatchExists: patchExists}
	if !patchExists || !applied {
		return r
	}
	r.PatchSuccessfullyApplied = true
	ts := &TestsStatus{
		FailToPass: split(inst.FailToPass, statuses, false),
		PassToPass: split(inst.PassToPass, statuses, true),
		FailToFail: Outcome{Success: []string{}, Failure: []string{}},
		PassToFail: Outcome{Success: []string{}, Failure: []string{}},
	}
	r.TestsStatus = ts
	r.Resolved = len(ts.FailToPass.Failure) == 0 && len(ts.PassToPass.Failure) == 0
	return r
}

func split(tests []string, statuses map[string]Status, skipOK bool) Outcome {
	o := Outcome{Success: []string{}, Failure: []string{}}
	for _, t := range tests {
		s, ok := statuses[t]
		if ok && (s == Passed || (skipOK && s == Skipped)) {
			o.Success = append(o.Success, t)
		} else {
			o.Failure = append(o.Failure, t)
		}
	}
	return o
}

// Summary totals a run. Every instance is in exactly one of the id lists:
// resolved, unresolved (tests ran, not resolved), unapplied (the patch did
// not apply), empty patch, or error (the harness or Docker failed, so there
// is no verdict). Id lists are sorted and never null.
type Summary struct {
	Total         int               `json:"total_instances"`
	Resolved      int               `json:"resolved_instances"`
	Unresolved    int               `json:"unresolved_instances"`
	Unapplied     int               `json:"unapplied_instances"`
	EmptyPatch    int               `json:"empty_patch_instances"`
	Errors        int               `json:"error_instances"`
	ResolvedIDs   []string          `json:"resolved_ids"`
	UnresolvedIDs []string          `json:"unresolved_ids"`
	UnappliedIDs  []string          `json:"unapplied_ids"`
	EmptyPatchIDs []string          `json:"empty_patch_ids"`
	ErrorIDs      []string          `json:"error_ids"`
	ErrorMessages map[string]string `json:"error_messages,omitempty"`
}

// Summarize totals reports and infrastructure errors (instance id to
// error). An id in errs counts as an error even if a report for it exists.
func Summarize(reports []InstanceReport, errs map[string]error) Summary {
	s := Summary{
		ResolvedIDs:   []string{},
		UnresolvedIDs: []string{},
		UnappliedIDs:  []string{},
		EmptyPatchIDs: []string{},
		ErrorIDs:      []string{},
	}
	for id, err := range errs {
		s.ErrorIDs = append(s.ErrorIDs, id)
		if s.ErrorMessages == nil {
			s.ErrorMessages = make(map[string]string, len(errs))
		}
		msg := "unknown error"
		if err != nil {
			msg = err.Error()
		}
		s.ErrorMessages[id] = msg
	}
	seen := make(map[string]bool, len(reports))
	for _, r := range reports {
		if _, failed := errs[r.InstanceID]; failed || seen[r.InstanceID] {
			continue
		}
		seen[r.InstanceID] = true
		switch statusOf(r) {
		case InstanceEmptyPatch:
			s.EmptyPatchIDs = append(s.EmptyPatchIDs, r.InstanceID)
		case InstanceUnapplied:
			s.UnappliedIDs = append(s.UnappliedIDs, r.InstanceID)
		case InstanceResolved:
			s.ResolvedIDs = append(s.ResolvedIDs, r.InstanceID)
		default:
			s.UnresolvedIDs = append(s.UnresolvedIDs, r.InstanceID)
		}
	}
	for _, ids := range [][]string{s.ResolvedIDs, s.UnresolvedIDs, s.UnappliedIDs, s.EmptyPatchIDs, s.ErrorIDs} {
		slices.Sort(ids)
	}
	s.Resolved = len(s.ResolvedIDs)
	s.Unresolved = len(s.UnresolvedIDs)
	s.Unapplied = len(s.UnappliedIDs)
	s.EmptyPatch = len(s.EmptyPatchIDs)
	s.Errors = len(s.ErrorIDs)
	s.Total = s.Resolved + s.Unresolved + s.Unapplied + s.EmptyPatch + s.Errors
	return s
}
