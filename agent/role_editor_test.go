package agent

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// editSamples are the repository-mode data the edit_* golden files under
// testdata/golden/repo_<sample> are rendered from: a first edit of a Go
// repository with a hint, and a repair in a Python repository.
func editSamples(t *testing.T) map[string]promptData {
	t.Helper()
	goLang, err := lookupLang("go")
	if err != nil {
		t.Fatal(err)
	}
	py, err := lookupLang("python")
	if err != nil {
		t.Fatal(err)
	}
	return map[string]promptData{
		"repo_go": {
			Lang:     goLang,
			Problem:  "Add a --json flag to the list command that prints the items as a JSON array.",
			Strategy: "Marshal the items with encoding/json in the list command when the flag is set.",
			Context: md(`Repository files:
go.mod
cmd/list.go
cmd/list_test.go

cmd/list.go
'''
package cmd

import "fmt"

func list(items []string) {
	for _, it := range items {
		fmt.Println(it)
	}
}
'''`),
		},
		"repo_python": {
			Lang:    py,
			Problem: "Make the failing tests pass.",
			Context: md(`Repository files:
stats/__init__.py
stats/median.py
tests/test_median.py

stats/median.py
'''
def median(xs):
    if not xs:
        raise ValueError("empty")
    xs = sorted(xs)
    return xs[len(xs) // 2]
'''`),
			Edits: FormatEdits([]Edit{{Path: "stats/median.py", Search: "def median(xs):\n", Replace: "def median(xs):\n    if not xs:\n        raise ValueError(\"empty\")\n"}}),
			Feedback: `FAILED tests/test_median.py::test_even - assert 3 == 2.5
1 failed, 3 passed in 0.02s`,
			Reflection: "For an even length the code returns the upper middle element; return the mean of the two middle elements instead.",
		},
	}
}

// TestEditPromptsGolden renders the edit_*, localize_* and reproduce_* templates for the repository
// samples and compares them with testdata/golden/<sample>/<name>.txt;
// -update rewrites them.
func TestEditPromptsGolden(t *testing.T) {
	t.Parallel()
	var names []string
	for _, n := range templateNames(t) {
		if strings.HasPrefix(n, "edit_") || strings.HasPrefix(n, "localize_") || strings.HasPrefix(n, "reproduce_") {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		t.Fatal("no edit_* templates embedded")
	}
	for sample, data := range editSamples(t) {
		checkGoldenDir(t, filepath.Join("testdata", "golden", sample), sample, names, data)
	}
}

// TestEditSystemExample checks that the system prompt's example block is
// itself a block ParseEdits reads, in the language asked for.
func TestEditSystemExample(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"go", "python"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			l, err := lookupLang(lang)
			if err != nil {
				t.Fatal(err)
			}
			sys, err := render("edit_system", promptData{Lang: l})
			if err != nil {
				t.Fatal(err)
			}
			// The example sits between "For example:" and "Rules:".
			_, after, _ := strings.Cut(sys, "For example:")
			example, _, _ := strings.Cut(after, "Rules:")
			edits, err := ParseEdits(example)
			if err != nil {
				t.Fatalf("the example does not parse: %v\n%s", err, example)
			}
			ext := map[string]string{"go": ".go", "python": ".py"}[lang]
			if len(edits) != 1 || !strings.HasSuffix(edits[0].Path, ext) || edits[0].Search == "" || edits[0].Replace == "" {
				t.Errorf("example edits = %+v, want one %s block", edits, ext)
			}
			if !strings.Contains(sys, "expert "+l.Name+" programmer") {
				t.Errorf("system prompt does not name %s:\n%s", l.Name, sys)
			}
		})
	}
}

func TestEditorEdit(t *testing.T) {
	t.Parallel()
	req := EditRequest{
		ProblemID: "repo/fix-add",
		Lang:      "python",
		Task:      "Make add return the sum.",
		Context:   "Repository files:\ncalc/add.py\n\ncalc/add.py\n```\ndef add(a, b):\n    return a - b\n```\n",
		Strategy:  "Change the operator.",
		Sample:    2,
	}
	rec := &recorder{replies: []string{"The operator is wrong.\n\ncalc/add.py\n```python\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n```\n"}}
	got, err := Editor{C: rec}.Edit(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Edit{{Path: "calc/add.py", Search: "    return a - b\n", Replace: "    return a + b\n"}}, got.Edits); diff != "" {
		t.Errorf("Edits (-want +got):\n%s", diff)
	}
	if got.Explanation != "The operator is wrong." {
		t.Errorf("Explanation = %q", got.Explanation)
	}
	if got.Response.Content != rec.replies[0] {
		t.Errorf("Response not returned: %+v", got.Response)
	}
	sent := rec.only(t)
	if sent.Role != RoleSolver || sent.Problem != req.ProblemID || sent.Sample != 2 {
		t.Errorf("request Role, Problem, Sample = %q, %q, %d; want solver (a generation), %q, 2", sent.Role, sent.Problem, sent.Sample, req.ProblemID)
	}
	if diff := cmp.Diff([]string{"system", "user"}, roles(sent)); diff != "" {
		t.Fatalf("message roles (-want +got):\n%s", diff)
	}
	sys, user := sent.Messages[0].Content, sent.Messages[1].Content
	for _, want := range []string{"expert Python programmer", "<<<<<<< SEARCH", "calc/add.py\n<<<<<<< SEARCH", "Do not edit tests"} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, sys)
		}
	}
	// The task, then the context as given, then the hint and the request.
	task := strings.Index(user, req.Task)
	ctx := strings.Index(user, strings.TrimSpace(req.Context))
	hint := strings.Index(user, "Hint: "+req.Strategy)
	ask := strings.Index(user, "Write the SEARCH/REPLACE blocks")
	if task < 0 || ctx < 0 || hint < 0 || ask < 0 || !(task < ctx && ctx < hint && hint < ask) {
		t.Errorf("user prompt lacks task, context, hint or request, or has them out of order (%d %d %d %d):\n%s", task, ctx, hint, ask, user)
	}
}

func TestEditorEditErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		req   EditRequest
		reply string
		class ErrorClass
		want  string // in the error
		sent  bool   // a request was made
	}{
		{name: "no blocks", req: EditRequest{Lang: "go", Task: "Fix it."}, reply: "```go\npackage main\n```", class: NoCode, want: "edit: no_code: reply has no SEARCH/REPLACE blocks", sent: true},
		{name: "malformed block", req: EditRequest{Lang: "go", Task: "Fix it."}, reply: "main.go\n<<<<<<< SEARCH\nx\n>>>>>>> REPLACE\n", class: Unparsable, want: "edit: unparsable: block 1 (main.go): no =======", sent: true},
		{name: "unknown language", req: EditRequest{Lang: "rust", Task: "Fix it."}, want: "edit: unsupported language"},
		{name: "empty task", req: EditRequest{Lang: "go", Task: "  \n"}, want: "edit: empty problem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{replies: []string{tt.reply}}
			got, err := Editor{C: rec}.Edit(t.Context(), tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if tt.class != ClassUnknown {
				checkClass(t, err, tt.class)
			} else if IsModelOutput(err) {
				t.Errorf("caller error %q classed as model output", err)
			}
			if sent := len(rec.reqs) > 0; sent != tt.sent {
				t.Errorf("request sent = %t, want %t", sent, tt.sent)
			}
			if got.Response.Content != tt.reply && tt.sent {
				t.Errorf("Response not returned with the error: %+v", got.Response)
			}
			if got.Edits != nil {
				t.Errorf("Edits = %+v with the error", got.Edits)
			}
		})
	}
}

func TestEditorCutOffReply(t *testing.T) {
	t.Parallel()
	c := completerFunc(func(_ context.Context, _ Request) (Response, error) {
		return Response{Content: "a.go\n<<<<<<< SEARCH\nx\n=======\n", FinishReason: "length"}, nil
	})
	_, err := Editor{C: c}.Edit(t.Context(), EditRequest{Lang: "go", Task: "Fix it."})
	checkClass(t, err, Unparsable)
	if !strings.Contains(err.Error(), "cut at the token limit") {
		t.Errorf("error %q does not say the reply was cut at the token limit", err)
	}
}

func TestEditorRepair(t *testing.T) {
	t.Parallel()
	prev := FormatEdits([]Edit{{Path: "stats/median.py", Search: "    return xs[len(xs) // 2]\n", Replace: "    return xs[len(xs) // 2 - 1]\n"}})
	req := RepairRequest{
		ProblemID:  "repo/median",
		Lang:       "python",
		Task:       "Make the failing tests pass.",
		Context:    "stats/median.py\n```\ndef median(xs):\n    xs = sorted(xs)\n    return xs[len(xs) // 2 - 1]\n```",
		PrevEdits:  prev,
		Feedback:   "FAILED tests/test_median.py::test_odd - assert 1 == 2",
		Reflection: "Average the two middle elements for an even length only.",
		Sample:     4,
	}
	reply := "stats/median.py\n<<<<<<< SEARCH\n    return xs[len(xs) // 2 - 1]\n=======\n    n = len(xs)\n    if n % 2:\n        return xs[n // 2]\n    return (xs[n // 2 - 1] + xs[n // 2]) / 2\n>>>>>>> REPLACE\n"
	rec := &recorder{replies: []string{reply}}
	got, err := Editor{C: rec}.Repair(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Edits) != 1 || got.Edits[0].Path != "stats/median.py" || !strings.Contains(got.Edits[0].Replace, "/ 2\n") {
		t.Errorf("Edits = %+v", got.Edits)
	}
	if got.Explanation != "" {
		t.Errorf("Explanation = %q, want none", got.Explanation)
	}
	sent := rec.only(t)
	if sent.Role != RoleDebugger || sent.Problem != req.ProblemID || sent.Sample != 4 {
		t.Errorf("request Role, Problem, Sample = %q, %q, %d; want debugger (a generation), %q, 4", sent.Role, sent.Problem, sent.Sample, req.ProblemID)
	}
	if diff := cmp.Diff([]string{"system", "user", "assistant", "user", "assistant", "user"}, roles(sent)); diff != "" {
		t.Fatalf("message roles (-want +got):\n%s", diff)
	}
	m := sent.Messages
	checks := []struct {
		turn int
		want string
	}{
		{0, "the edits you wrote before"},
		{1, req.Task},
		{1, req.Context},
		{3, req.Feedback},
		{5, "Write new SEARCH/REPLACE blocks"},
		{5, "as they are now"},
	}
	for _, c := range checks {
		if !strings.Contains(m[c.turn].Content, c.want) {
			t.Errorf("message %d lacks %q:\n%s", c.turn, c.want, m[c.turn].Content)
		}
	}
	// The previous blocks are the assistant's turn as they were, and read
	// back as the same edits.
	if m[2].Content != strings.TrimSpace(prev) {
		t.Errorf("previous-edits turn = %q, want %q", m[2].Content, strings.TrimSpace(prev))
	}
	if back, err := ParseEdits(m[2].Content); err != nil || len(back) != 1 {
		t.Errorf("previous-edits turn does not parse: %v", err)
	}
	if m[4].Content != req.Reflection {
		t.Errorf("reflection turn = %q, want %q", m[4].Content, req.Reflection)
	}
}

func TestEditorRepairErrors(t *testing.T) {
	t.Parallel()
	rec := &recorder{replies: []string{"I cannot fix this."}}
	_, err := Editor{C: rec}.Repair(t.Context(), RepairRequest{Lang: "go", Task: "Fix it.", PrevEdits: " \n"})
	if err == nil || !strings.Contains(err.Error(), "empty previous edits") || IsModelOutput(err) {
		t.Errorf("empty PrevEdits: error = %v, want a caller error", err)
	}
	got, err := Editor{C: rec}.Repair(t.Context(), RepairRequest{Lang: "go", Task: "Fix it.", PrevEdits: "a.go\n<<<<<<< SEARCH\n=======\n>>>>>>> REPLACE\n"})
	checkClass(t, err, NoCode)
	if got.Response.Content != "I cannot fix this." {
		t.Errorf("Response not returned with the error: %+v", got.Response)
	}
	if n := len(rec.reqs); n != 1 {
		t.Errorf("%d requests sent, want 1 (none for the caller error)", n)
	}
}

func TestEditorThroughClient(t *testing.T) {
	t.Parallel()
	c, srv := roleClient(t)
	srv.Reply("calc/add.go\n```go\n<<<<<<< SEARCH\n\treturn a - b\n=======\n\treturn a + b\n>>>>>>> REPLACE\n```")
	srv.Reply("Also the doc comment.\n\ncalc/add.go\n<<<<<<< SEARCH\n// Add subtracts.\n=======\n// Add adds.\n>>>>>>> REPLACE\n")
	first, err := Editor{C: c}.Edit(t.Context(), EditRequest{
		ProblemID: "repo/add", Lang: "go", Task: "Fix Add.", Context: "calc/add.go\n```\npackage calc\n```", Sample: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Edit{{Path: "calc/add.go", Search: "\treturn a - b\n", Replace: "\treturn a + b\n"}}, first.Edits); diff != "" {
		t.Errorf("Edit (-want +got):\n%s", diff)
	}
	second, err := Editor{C: c}.Repair(t.Context(), RepairRequest{
		ProblemID: "repo/add", Lang: "go", Task: "Fix Add.", Context: "calc/add.go\n```\npackage calc\n```",
		PrevEdits: FormatEdits(first.Edits), Feedback: "lint: comment does not match", Reflection: "Fix the comment.", Sample: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if second.Explanation != "Also the doc comment." || len(second.Edits) != 1 || second.Edits[0].Replace != "// Add adds.\n" {
		t.Errorf("Repair = %+v", second)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("server got %d requests, want 2", len(reqs))
	}
	var gotRoles []string
	for _, m := range reqs[1].Messages {
		gotRoles = append(gotRoles, m.Role)
	}
	if diff := cmp.Diff([]string{"system", "user", "assistant", "user", "assistant", "user"}, gotRoles); diff != "" {
		t.Fatalf("repair roles (-want +got):\n%s", diff)
	}
	if !strings.Contains(reqs[1].Messages[2].Content, "\treturn a + b\n>>>>>>> REPLACE") {
		t.Errorf("server did not get the previous edits:\n%s", reqs[1].Messages[2].Content)
	}
	// Both count as generations of the problem, as Solver and Debugger.
	acct := c.Ledger().Problem("repo/add")
	if acct[RoleSolver].Generations != 1 || acct[RoleDebugger].Generations != 1 {
		t.Errorf("accounts = %+v, want one solver and one debugger generation", acct)
	}
}

func TestEditorChooseFiles(t *testing.T) {
	t.Parallel()
	rec := &recorder{replies: []string{"The bug is in add.\n\n1. `calc/add.py` (the function)\n2. **calc/add_test.py**\n3. ./README.md\n4. setup.py"}}
	got, err := Editor{C: rec}.ChooseFiles(t.Context(), FilesRequest{ProblemID: "repo", Lang: "python",
		Task: "Make add return the sum.", Layout: "README.md\ncalc/add.py\ncalc/add_test.py\nsetup.py", Max: 3})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"calc/add.py", "calc/add_test.py", "README.md"}, got.Paths); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	sent := rec.only(t)
	if sent.Role != RoleThinker {
		t.Errorf("role %q, want thinker (not a generation)", sent.Role)
	}
	if sys, user := sent.Messages[0].Content, sent.Messages[1].Content; !strings.Contains(sys, "at most 3 paths") ||
		!strings.Contains(user, "calc/add_test.py") || !strings.Contains(user, "Make add return the sum.") {
		t.Errorf("prompts:\n%s\n---\n%s", sys, user)
	}
	rec = &recorder{replies: []string{"I would look at the code."}}
	if _, err := (Editor{C: rec}).ChooseFiles(t.Context(), FilesRequest{Lang: "go", Task: "x", Layout: "a.go"}); !IsModelOutput(err) {
		t.Errorf("a reply without a list: %v, want a model-output error", err)
	}
}
