package swebench

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Instance is one SWE-bench task, with the fields of the published
// datasets. Patch and TestPatch are the gold answer: hand a model Task(),
// never the Instance.
type Instance struct {
	InstanceID             string   `json:"instance_id"`
	Repo                   string   `json:"repo"`
	BaseCommit             string   `json:"base_commit"`
	ProblemStatement       string   `json:"problem_statement"`
	HintsText              string   `json:"hints_text"`
	Patch                  string   `json:"patch"`
	TestPatch              string   `json:"test_patch"`
	FailToPass             []string `json:"FAIL_TO_PASS"`
	PassToPass             []string `json:"PASS_TO_PASS"`
	Version                string   `json:"version"`
	EnvironmentSetupCommit string   `json:"environment_setup_commit"`
	CreatedAt              string   `json:"created_at"`
}

// Task is what a model may see of an Instance: the repository, the commit
// and the issue with its hints. It has no field for the gold patch, the
// test patch or the FAIL_TO_PASS/PASS_TO_PASS names (these name the tests
// the fix brings, which would leak the answer).
type Task struct {
	InstanceID       string `json:"instance_id"`
	Repo             string `json:"repo"`
	BaseCommit       string `json:"base_commit"`
	ProblemStatement string `json:"problem_statement"`
	HintsText        string `json:"hints_text"`
	Version          string `json:"version"`
	CreatedAt        string `json:"created_at"`
}

// Task returns the part of the instance a model may see.
func (in Instance) Task() Task {
	return Task{
		InstanceID:       in.InstanceID,
		Repo:             in.Repo,
		BaseCommit:       in.BaseCommit,
		ProblemStatement: in.ProblemStatement,
		HintsText:        in.HintsText,
		Version:          in.Version,
		CreatedAt:        in.CreatedAt,
	}
}

// Owner is the owner part of Repo ("django" in "django/django").
func (in Instance) Owner() string {
	owner, _, _ := strings.Cut(in.Repo, "/")
	return owner
}

// Name is the repository part of Repo ("flask" in "pallets/flask").
func (in Instance) Name() string {
	_, name, _ := strings.Cut(in.Repo, "/")
	return name
}

// repoPattern is GitHub's owner/name shape.
var repoPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+$`)

// rawInstance defers the two test lists, which come in two encodings.
type rawInstance struct {
	Instance
	FailToPass json.RawMessage `json:"FAIL_TO_PASS"`
	PassToPass json.RawMessage `json:"PASS_TO_PASS"`
}

// ReadInstances reads SWE-bench instances from JSONL (one object per line)
// or a JSON array. name is used in errors ("file:line: field ...").
// Instance ids must be present and unique, repo must be "owner/repo" and
// base_commit must be set. Unknown fields are ignored.
func ReadInstances(r io.Reader, name string) ([]Instance, error) {
	recs, err := readRecords(r, name)
	if err != nil {
		return nil, err
	}
	out := make([]Instance, 0, len(recs))
	seen := make(map[string]int, len(recs))
	for _, rec := range recs {
		var raw rawInstance
		if err := json.Unmarshal(rec.data, &raw); err != nil {
			return nil, decodeError(name, rec.line, err)
		}
		inst := raw.Instance
		if inst.FailToPass, err = parseTestList(raw.FailToPass); err != nil {
			return nil, fmt.Errorf("%s:%d: field FAIL_TO_PASS: %w", name, rec.line, err)
		}
		if inst.PassToPass, err = parseTestList(raw.PassToPass); err != nil {
			return nil, fmt.Errorf("%s:%d: field PASS_TO_PASS: %w", name, rec.line, err)
		}
		if err := inst.validate(); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, rec.line, err)
		}
		if first, dup := seen[inst.InstanceID]; dup {
			return nil, fmt.Errorf("%s:%d: field instance_id: duplicate %q (first on line %d)", name, rec.line, inst.InstanceID, first)
		}
		seen[inst.InstanceID] = rec.line
		out = append(out, inst)
	}
	return out, nil
}

func (in Instance) validate() error {
	switch {
	case strings.TrimSpace(in.InstanceID) == "":
		return fmt.Errorf("field instance_id: missing")
	case !repoPattern.MatchString(in.Repo):
		return fmt.Errorf("field repo: %q is not owner/repo (instance %s)", in.Repo, in.InstanceID)
	case strings.TrimSpace(in.BaseCommit) == "":
		return fmt.Errorf("field base_commit: missing (instance %s)", in.InstanceID)
	}
	return nil
}

// parseTestList accepts a JSON list of strings, a JSON string holding such a
// list (the published datasets' encoding), null, or an absent field.
func parseTestList(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return []string{}, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("decode string: %w", err)
		}
		if strings.TrimSpace(s) == "" {
			return []string{}, nil
		}
		raw = json.RawMessage(s)
	}
	list := []string{}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("want a list of test names or a string holding one: %w", err)
	}
	return list, nil
}
