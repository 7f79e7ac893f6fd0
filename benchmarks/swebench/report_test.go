package swebench

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func gradeInstance() Instance {
	return Instance{
		InstanceID: "gin-gonic__gin-1",
		Repo:       "gin-gonic/gin",
		BaseCommit: "abc",
		FailToPass: []string{"TestRoute_Nested/GET_/users/:id", "TestBindPanics"},
		PassToPass: []string{"TestParse", "TestNetwork", "TestContext"},
	}
}

func TestGrade(t *testing.T) {
	t.Parallel()
	allPass := map[string]Status{
		"TestRoute_Nested/GET_/users/:id": Passed,
		"TestBindPanics":                  Passed,
		"TestParse":                       Passed,
		"TestNetwork":                     Skipped, // maintained, as in SWE-bench
		"TestContext":                     Passed,
		"TestUnrelated":                   Failed, // not listed: ignored
	}
	with := func(changes map[string]Status, drop ...string) map[string]Status {
		m := make(map[string]Status)
		for k, v := range allPass {
			m[k] = v
		}
		for k, v := range changes {
			m[k] = v
		}
		for _, k := range drop {
			delete(m, k)
		}
		return m
	}
	tests := []struct {
		name         string
		applied      bool
		patchExists  bool
		statuses     map[string]Status
		wantResolved bool
		wantTests    bool
		f2pFailure   []string
		p2pFailure   []string
	}{
		{name: "resolved", applied: true, patchExists: true, statuses: allPass, wantResolved: true, wantTests: true,
			f2pFailure: []string{}, p2pFailure: []string{}},
		{name: "one P2P broken", applied: true, patchExists: true, statuses: with(map[string]Status{"TestContext": Failed}),
			wantTests: true, f2pFailure: []string{}, p2pFailure: []string{"TestContext"}},
		{name: "F2P missing (panic hid it)", applied: true, patchExists: true, statuses: with(nil, "TestBindPanics"),
			wantTests: true, f2pFailure: []string{"TestBindPanics"}, p2pFailure: []string{}},
		{name: "F2P skipped is a failure", applied: true, patchExists: true, statuses: with(map[string]Status{"TestBindPanics": Skipped}),
			wantTests: true, f2pFailure: []string{"TestBindPanics"}, p2pFailure: []string{}},
		{name: "P2P error and missing", applied: true, patchExists: true,
			statuses:  with(map[string]Status{"TestParse": Error}, "TestContext"),
			wantTests: true, f2pFailure: []string{}, p2pFailure: []string{"TestParse", "TestContext"}},
		{name: "build failure: nothing reported", applied: true, patchExists: true, statuses: map[string]Status{},
			wantTests: true, f2pFailure: []string{"TestRoute_Nested/GET_/users/:id", "TestBindPanics"},
			p2pFailure: []string{"TestParse", "TestNetwork", "TestContext"}},
		{name: "patch not applied", applied: false, patchExists: true, statuses: allPass},
		{name: "empty patch", applied: true, patchExists: false, statuses: allPass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := Grade(gradeInstance(), tt.applied, tt.patchExists, tt.statuses)
			if r.InstanceID != "gin-gonic__gin-1" {
				t.Errorf("InstanceID = %q", r.InstanceID)
			}
			if r.Resolved != tt.wantResolved {
				t.Errorf("Resolved = %v, want %v", r.Resolved, tt.wantResolved)
			}
			if r.PatchExists != tt.patchExists || r.PatchIsNone == tt.patchExists {
				t.Errorf("PatchExists, PatchIsNone = %v, %v", r.PatchExists, r.PatchIsNone)
			}
			if r.PatchSuccessfullyApplied != (tt.applied && tt.patchExists) {
				t.Errorf("PatchSuccessfullyApplied = %v", r.PatchSuccessfullyApplied)
			}
			if (r.TestsStatus != nil) != tt.wantTests {
				t.Fatalf("TestsStatus = %+v, want present %v", r.TestsStatus, tt.wantTests)
			}
			if !tt.wantTests {
				return
			}
			ts := r.TestsStatus
			if !slices.Equal(ts.FailToPass.Failure, tt.f2pFailure) || !slices.Equal(ts.PassToPass.Failure, tt.p2pFailure) {
				t.Errorf("failures F2P %v P2P %v; want %v, %v", ts.FailToPass.Failure, ts.PassToPass.Failure, tt.f2pFailure, tt.p2pFailure)
			}
			inst := gradeInstance()
			if len(ts.FailToPass.Success)+len(ts.FailToPass.Failure) != len(inst.FailToPass) ||
				len(ts.PassToPass.Success)+len(ts.PassToPass.Failure) != len(inst.PassToPass) {
				t.Errorf("every listed test must be in success or failure: %+v", ts)
			}
		})
	}
}

// TestReportJSON pins SWE-bench's keys (harness/grading.py).
func TestReportJSON(t *testing.T) {
	t.Parallel()
	r := Grade(gradeInstance(), true, true, map[string]Status{"TestBindPanics": Passed})
	data, err := json.Marshal(Keyed(r))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	rep, ok := got["gin-gonic__gin-1"]
	if !ok {
		t.Fatalf("not keyed by instance id: %s", data)
	}
	keys := slices.Sorted(maps.Keys(rep))
	want := []string{"patch_exists", "patch_is_None", "patch_successfully_applied", "resolved", "tests_status"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys = %v, want %v", keys, want)
	}
	ts := rep["tests_status"].(map[string]any)
	for _, cat := range []string{"FAIL_TO_PASS", "PASS_TO_PASS", "FAIL_TO_FAIL", "PASS_TO_FAIL"} {
		o, ok := ts[cat].(map[string]any)
		if !ok {
			t.Fatalf("tests_status lacks %s: %s", cat, data)
		}
		for _, k := range []string{"success", "failure"} {
			if _, isList := o[k].([]any); !isList {
				t.Errorf("%s.%s = %v, want a list", cat, k, o[k])
			}
		}
	}
	unapplied, err := json.Marshal(Grade(gradeInstance(), false, true, nil))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(unapplied), "tests_status") {
		t.Errorf("unapplied report has tests_status: %s", unapplied)
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	inst := func(id string) Instance {
		in := gradeInstance()
		in.InstanceID = id
		in.FailToPass = []string{"TestA"}
		in.PassToPass = nil
		return in
	}
	pass := map[string]Status{"TestA": Passed}
	reports := []InstanceReport{
		Grade(inst("r2"), true, true, pass),
		Grade(inst("r1"), true, true, pass),
		Grade(inst("u1"), true, true, map[string]Status{}),
		Grade(inst("na1"), false, true, nil),
		Grade(inst("e1"), false, false, nil),
		Grade(inst("x1"), true, true, pass), // also errored: counts as error
	}
	errs := map[string]error{"x1": errors.New("docker: no space left"), "x2": errors.New("image build failed")}
	s := Summarize(reports, errs)
	want := Summary{
		Total: 7, Resolved: 2, Unresolved: 1, Unapplied: 1, EmptyPatch: 1, Errors: 2,
		ResolvedIDs:   []string{"r1", "r2"},
		UnresolvedIDs: []string{"u1"},
		UnappliedIDs:  []string{"na1"},
		EmptyPatchIDs: []string{"e1"},
		ErrorIDs:      []string{"x1", "x2"},
		ErrorMessages: map[string]string{"x1": "docker: no space left", "x2": "image build failed"},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Summarize:\n got %+v\nwant %+v", s, want)
	}
	empty, err := json.Marshal(Summarize(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"resolved_ids":[]`, `"error_ids":[]`, `"total_instances":0`} {
		if !strings.Contains(string(empty), k) {
			t.Errorf("empty summary JSON %s lacks %s", empty, k)
		}
	}
}
