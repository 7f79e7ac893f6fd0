package swebench

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const goldPatch = "diff --git a/src/flask/app.py b/src/flask/app.py\n--- a/src/flask/app.py\n+++ b/src/flask/app.py\n@@ -1 +1 @@\n-GOLD_OLD_LINE\n+GOLD_NEW_LINE\n"

const goldTestPatch = "diff --git a/tests/test_app.py b/tests/test_app.py\n+def test_GOLD_TEST_ONLY():\n+    assert True\n"

// datasetLine is an instance as the published datasets encode it: the test
// lists are JSON strings holding a list.
func datasetLine(id string) string {
	b, err := json.Marshal(map[string]string{
		"instance_id":              id,
		"repo":                     "pallets/flask",
		"base_commit":              "4346498c85848c53843b810537b83a8f6e0d6b54",
		"problem_statement":        "Blueprint names may contain dots\nRaise a ValueError.",
		"hints_text":               "See the discussion in #4040.",
		"patch":                    goldPatch,
		"test_patch":               goldTestPatch,
		"FAIL_TO_PASS":             `["tests/test_blueprints.py::test_dotted_name_not_allowed"]`,
		"PASS_TO_PASS":             `["tests/test_blueprints.py::test_blueprint_specific_error_handling", "tests/test_x.py::test_x[a b-1]"]`,
		"version":                  "2.0",
		"environment_setup_commit": "4346498c85848c53843b810537b83a8f6e0d6b54",
		"created_at":               "2021-05-13T21:32:41Z",
		"difficulty":               "<15 min fix",
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestReadInstances(t *testing.T) {
	t.Parallel()
	listLine := `{"instance_id":"example__repo-2","repo":"example/repo","base_commit":"abc123",` +
		`"FAIL_TO_PASS":["TestParse/empty"],"PASS_TO_PASS":["TestA","TestB"]}`
	tests := []struct {
		name    string
		input   string
		wantIDs []string
		wantF2P [][]string
		wantP2P [][]string
	}{
		{
			name:    "jsonl with string-encoded and plain lists",
			input:   datasetLine("pallets__flask-4045") + "\n\n" + listLine + "\n",
			wantIDs: []string{"pallets__flask-4045", "example__repo-2"},
			wantF2P: [][]string{{"tests/test_blueprints.py::test_dotted_name_not_allowed"}, {"TestParse/empty"}},
			wantP2P: [][]string{
				{"tests/test_blueprints.py::test_blueprint_specific_error_handling", "tests/test_x.py::test_x[a b-1]"},
				{"TestA", "TestB"},
			},
		},
		{
			name:    "json array, CRLF, no trailing newline",
			input:   "[\r\n  " + datasetLine("pallets__flask-4045") + ",\r\n  " + listLine + "\r\n]",
			wantIDs: []string{"pallets__flask-4045", "example__repo-2"},
			wantF2P: [][]string{{"tests/test_blueprints.py::test_dotted_name_not_allowed"}, {"TestParse/empty"}},
			wantP2P: [][]string{
				{"tests/test_blueprints.py::test_blueprint_specific_error_handling", "tests/test_x.py::test_x[a b-1]"},
				{"TestA", "TestB"},
			},
		},
		{
			name:    "absent, null and empty-string lists are empty",
			input:   `{"instance_id":"a__b-1","repo":"a/b","base_commit":"c","FAIL_TO_PASS":null,"PASS_TO_PASS":""}`,
			wantIDs: []string{"a__b-1"},
			wantF2P: [][]string{{}},
			wantP2P: [][]string{{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ReadInstances(strings.NewReader(tt.input), "in.jsonl")
			if err != nil {
				t.Fatalf("ReadInstances: %v", err)
			}
			var ids []string
			for i, inst := range got {
				ids = append(ids, inst.InstanceID)
				if !slices.Equal(inst.FailToPass, tt.wantF2P[i]) || inst.FailToPass == nil {
					t.Errorf("%s FAIL_TO_PASS = %#v, want %#v", inst.InstanceID, inst.FailToPass, tt.wantF2P[i])
				}
				if !slices.Equal(inst.PassToPass, tt.wantP2P[i]) || inst.PassToPass == nil {
					t.Errorf("%s PASS_TO_PASS = %#v, want %#v", inst.InstanceID, inst.PassToPass, tt.wantP2P[i])
				}
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Errorf("ids = %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

func TestReadInstancesFields(t *testing.T) {
	t.Parallel()
	got, err := ReadInstances(strings.NewReader(datasetLine("pallets__flask-4045")), "d.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	in := got[0]
	if in.Owner() != "pallets" || in.Name() != "flask" {
		t.Errorf("Owner, Name = %q, %q; want pallets, flask", in.Owner(), in.Name())
	}
	if in.Patch != goldPatch || in.TestPatch != goldTestPatch {
		t.Error("gold patch or test patch not read")
	}
	if in.BaseCommit != "4346498c85848c53843b810537b83a8f6e0d6b54" || in.Version != "2.0" ||
		in.CreatedAt != "2021-05-13T21:32:41Z" || in.HintsText == "" || in.EnvironmentSetupCommit == "" {
		t.Errorf("fields not read: %+v", in)
	}
}

func TestReadInstancesErrors(t *testing.T) {
	t.Parallel()
	ok := `{"instance_id":"a__b-1","repo":"a/b","base_commit":"c1"}`
	tests := []struct {
		name  string
		input string
		want  []string // substrings of the error
	}{
		{"malformed json line", ok + "\n{\"instance_id\": \"x\",\n", []string{"in.jsonl:2:", "invalid JSON"}},
		{"missing instance_id", ok + "\n\n" + `{"repo":"a/b","base_commit":"c"}`, []string{"in.jsonl:3:", "instance_id", "missing"}},
		{"bad repo", `{"instance_id":"x","repo":"flask","base_commit":"c"}`, []string{"in.jsonl:1:", "field repo", `"flask"`}},
		{"repo with three parts", `{"instance_id":"x","repo":"a/b/c","base_commit":"c"}`, []string{"in.jsonl:1:", "field repo"}},
		{"empty base_commit", `{"instance_id":"x","repo":"a/b","base_commit":" "}`, []string{"in.jsonl:1:", "base_commit", "missing"}},
		{"duplicate id", ok + "\n" + ok, []string{"in.jsonl:2:", "duplicate", `"a__b-1"`, "line 1"}},
		{"wrong field type", `{"instance_id":7,"repo":"a/b","base_commit":"c"}`, []string{"in.jsonl:1:", "instance_id"}},
		{"test list not a list", `{"instance_id":"x","repo":"a/b","base_commit":"c","FAIL_TO_PASS":"TestA"}`, []string{"in.jsonl:1:", "FAIL_TO_PASS"}},
		{"test list of numbers", `{"instance_id":"x","repo":"a/b","base_commit":"c","PASS_TO_PASS":[1]}`, []string{"in.jsonl:1:", "PASS_TO_PASS"}},
		{"array: error on the element's line", "[\n" + ok + ",\n" + `{"instance_id":"","repo":"a/b","base_commit":"c"}` + "\n]", []string{"in.jsonl:3:", "instance_id"}},
		{"array: syntax error line", "[\n" + ok + ",\n{\"instance_id\" \"x\"}\n]", []string{"in.jsonl:3:", "invalid JSON"}},
		{"array: trailing data", "[" + ok + "]\n{}", []string{"in.jsonl:2:", "after the JSON array"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadInstances(strings.NewReader(tt.input), "in.jsonl")
			if err == nil {
				t.Fatal("ReadInstances: no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestTaskHidesGold: what a model sees never holds the gold patch, the test
// patch or the names of the tests the fix brings.
func TestTaskHidesGold(t *testing.T) {
	t.Parallel()
	insts, err := ReadInstances(strings.NewReader(datasetLine("pallets__flask-4045")), "d.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	task := insts[0].Task()
	if task.ProblemStatement != insts[0].ProblemStatement || task.HintsText != insts[0].HintsText ||
		task.Repo != "pallets/flask" || task.BaseCommit == "" {
		t.Errorf("Task lacks what the model needs: %+v", task)
	}
	js, err := json.Marshal(task)
	if err != nil {
		t.Fatal(err)
	}
	for _, view := range []string{string(js), fmt.Sprintf("%+v", task), fmt.Sprintf("%#v", task)} {
		for _, secret := range []string{"GOLD_NEW_LINE", "GOLD_OLD_LINE", "GOLD_TEST_ONLY", "test_dotted_name_not_allowed", "test_blueprint_specific_error_handling"} {
			if strings.Contains(view, secret) {
				t.Errorf("Task shows %q: %s", secret, view)
			}
		}
	}
	typ := reflect.TypeFor[Task]()
	for i := range typ.NumField() {
		switch typ.Field(i).Name {
		case "Patch", "TestPatch", "FailToPass", "PassToPass":
			t.Errorf("Task has field %s", typ.Field(i).Name)
		}
	}
}
