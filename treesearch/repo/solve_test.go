package repo

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
	"github.com/codetree/codetree/treesearch"
)

// roleModel is a fake model keyed by role: the Solver and the Debugger
// answer with the scripted edits in order (then with no edit), the
// Thinker names calc.py when asked for files and one strategy otherwise,
// and the Critic scores 1 and verifies. It records the edit prompts.
type roleModel struct {
	mu          sync.Mutex
	edits       []string
	editPrompts []string
	fileChoices int
	calls       int
}

func (m *roleModel) Complete(_ context.Context, req agent.Request) (agent.Response, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	sys := req.Messages[0].Content
	reply := "1. Fix the code under test."
	switch {
	case req.Role == agent.RoleSolver || req.Role == agent.RoleDebugger:
		var prompt []string
		for _, msg := range req.Messages {
			prompt = append(prompt, msg.Content)
		}
		m.editPrompts = append(m.editPrompts, strings.Join(prompt, "\n"))
		reply = "I have nothing more to try."
		if len(m.edits) > 0 {
			reply, m.edits = m.edits[0], m.edits[1:]
		}
	case strings.Contains(sys, "where to work"):
		m.fileChoices++
		reply = "1. `calc.py`\n2. nowhere.py"
	case req.Role == agent.RoleCritic && strings.Contains(sys, "judges test results"):
		reply = "Score: 1"
	case req.Role == agent.RoleCritic:
		reply = "Verdict: True"
	}
	return agent.Response{Content: reply, Usage: agent.Usage{PromptTokens: 100, CompletionTokens: 10}}, nil
}

func (m *roleModel) prompts() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.editPrompts)
}

// editReply is a model's reply: a note, then one SEARCH/REPLACE edit.
func editReply(note, path, search, replace string) string {
	return note + "\n\n" + agent.FormatEdits([]agent.Edit{{Path: path, Search: search, Replace: replace}})
}

// solveIn runs Solve on the files, loaded from a new folder, with the
// real sandbox.
func solveIn(t *testing.T, files map[string]string, opts Options) (*Result, *Snapshot, error) {
	t.Helper()
	snap := loadTree(t, files)
	opts.Snapshot = snap
	if opts.Sandbox == nil {
		opts.Sandbox = sandboxtest.New(t, sandbox.Config{PoolSize: 1})
	}
	if opts.Budget == 0 {
		opts.Budget = 4
	}
	res, err := Solve(t.Context(), opts)
	var ie *sandbox.ImageError
	if errors.As(err, &ie) {
		sandboxtest.Unavailable(t, err)
	}
	return res, snap, err
}

var goCalcFiles = map[string]string{
	"go.mod":  "module example.com/calc\n\ngo 1.22\n",
	"calc.go": "package calc\n\n// Add returns the sum of a and b.\nfunc Add(a, b int) int {\n\treturn a - b\n}\n",
	"calc_test.go": "package calc\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n" +
		"\tif got := Add(1, 2); got != 3 {\n\t\tt.Errorf(\"Add(1, 2) = %d, want 3\", got)\n\t}\n}\n",
}

// TestFixGo: the first edit is wrong, its failure reaches the repair
// prompt, the repair passes; the result holds the change, the checks
// before and after and the tree; progress goes baseline, candidates,
// done; nothing is written until WriteResult, and after it Fix has
// nothing to do (no model call).
func TestFixGo(t *testing.T) {
	t.Parallel()
	m := &roleModel{edits: []string{
		editReply("The operator is wrong.", "calc.go", "\treturn a - b\n", "\treturn a * b\n"),
		editReply("Add must add.", "calc.go", "\treturn a * b\n", "\treturn a + b\n"),
	}}
	var mu sync.Mutex
	var stages []Stage
	progress := func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		stages = append(stages, p.Stage)
		if p.String() == "" && p.Stage != StageDone {
			t.Errorf("no status line for %v", p.Stage)
		}
	}
	res, snap, err := solveIn(t, goCalcFiles, Options{Fix: true, Model: m, Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusPassed || !res.Passed || res.Node != 1 || res.Generations != 2 || !slices.Equal(res.Files, []string{"calc.go"}) ||
		res.Added != 1 || res.Removed != 1 || res.After == nil || !res.After.TestsPassed() || res.Before.TestsPassed() {
		t.Errorf("result %+v", res)
	}
	if res.Tree == nil || len(res.Tree.Nodes) != 2 || res.Tree.Chosen != 1 || res.Tree.Nodes[1].Parent != 0 {
		t.Errorf("tree %+v", res.Tree)
	}
	for _, want := range []string{"Before: `go test ./...` failed (exit status 1: --- FAIL: TestAdd", "After: `go test ./...` passes; `go vet ./...` adds no finding.", "The model says: Add must add."} {
		if !strings.Contains(res.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, res.Summary)
		}
	}
	if after := applyWith(t, snap.Files, res.Diff, "git", "apply"); !strings.Contains(after["calc.go"], "\treturn a + b\n") {
		t.Errorf("the diff makes calc.go:\n%s", after["calc.go"])
	}
	prompts := m.prompts()
	if len(prompts) != 2 || !strings.Contains(prompts[0], "Add(1, 2) = -1, want 3") ||
		!strings.Contains(prompts[1], "Add(1, 2) = 2, want 3") || !strings.Contains(prompts[1], "return a * b") {
		t.Errorf("%d edit prompts, want the failure before any change, then the first candidate's:\n%s", len(prompts), strings.Join(prompts, "\n=====\n"))
	}
	mu.Lock()
	if len(stages) != 4 || stages[0] != StageBaseline || stages[1] != StageCandidate || stages[3] != StageDone {
		t.Errorf("progress %v, want baseline, two candidates, done", stages)
	}
	mu.Unlock()
	if got := readTree(t, snap.Dir); !maps.Equal(got, goCalcFiles) {
		t.Errorf("Solve wrote the working tree: %v", got)
	}

	if err := WriteResult(res); err != nil || !slices.Equal(res.Applied, []string{"calc.go"}) {
		t.Fatalf("WriteResult: %v, applied %v", err, res.Applied)
	}
	fixed := readTree(t, snap.Dir)
	m = &roleModel{}
	again, _, err := solveIn(t, fixed, Options{Fix: true, Model: m})
	if err != nil || again.Status != StatusNothingToFix || !again.Passed || again.Tree != nil || m.calls != 0 ||
		!strings.Contains(again.Summary, "`go test ./...` passes: nothing to fix.") {
		t.Errorf("Fix after WriteResult: %v, %+v, %d model calls", err, again, m.calls)
	}
}

// TestFixNothingFound: a budget spent on a wrong edit is a result that
// does not pass, which WriteResult refuses.
func TestFixNothingFound(t *testing.T) {
	t.Parallel()
	m := &roleModel{edits: []string{editReply("Swap them.", "calc.go", "\treturn a - b\n", "\treturn b - a\n")}}
	direct := func(env treesearch.Env) (treesearch.Strategy, error) {
		return treesearch.NewStrategy("direct", env, treesearch.StrategyOptions{})
	}
	res, snap, err := solveIn(t, goCalcFiles, Options{Fix: true, Model: m, Budget: 1, Strategy: direct})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusFailed || res.Passed || !strings.Contains(res.Diff, "+\treturn b - a") || res.After == nil || res.After.TestsPassed() {
		t.Errorf("result %+v", res)
	}
	if err := WriteResult(res); !errors.Is(err, ErrNoPassingChange) || len(res.Applied) != 0 {
		t.Errorf("WriteResult = %v, applied %v; want ErrNoPassingChange", err, res.Applied)
	}
	if got := readTree(t, snap.Dir); !maps.Equal(got, goCalcFiles) {
		t.Errorf("the working tree changed")
	}
}

// TestFixGoLintFindingIsFeedback: the first edit does not apply and the
// reason reaches the second prompt; the second makes the test pass but
// adds a go vet finding, which rejects it and reaches the third prompt;
// the third passes.
func TestFixGoLintFindingIsFeedback(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"go.mod":        "module example.com/greet\n\ngo 1.22\n",
		"greet.go":      "package greet\n\nimport \"fmt\"\n\n// Hello greets name.\nfunc Hello(name string) string {\n\treturn fmt.Sprintf(\"hello %s\", name)\n}\n",
		"greet_test.go": "package greet\n\nimport \"testing\"\n\nfunc TestHello(t *testing.T) {\n\tif got := Hello(\"ann\"); got != \"hello ann!\" {\n\t\tt.Errorf(\"Hello = %q\", got)\n\t}\n}\n",
	}
	m := &roleModel{edits: []string{
		editReply("Add the mark.", "greet.go", "\treturn fmt.Sprintf(\"hi %s\", name)\n", "\treturn fmt.Sprintf(\"hi %s!\", name)\n"),
		// go test runs some vet checks itself (printf among them), not the
		// unreachable-code one: only go vet reports this.
		editReply("Add the mark.", "greet.go", "\treturn fmt.Sprintf(\"hello %s\", name)\n", "\treturn fmt.Sprintf(\"hello %s!\", name)\n\tpanic(\"not reached\")\n"),
		editReply("Drop the panic.", "greet.go", "\tpanic(\"not reached\")\n", ""),
	}}
	res, snap, err := solveIn(t, files, Options{Fix: true, Model: m})
	if err != nil {
		t.Fatal(err)
	}
	prompts := m.prompts()
	if len(prompts) != 3 {
		t.Fatalf("%d edit prompts, want 3", len(prompts))
	}
	if !strings.Contains(prompts[1], "SEARCH does not match") || !strings.Contains(prompts[1], "greet.go") {
		t.Errorf("the second prompt lacks why the edit did not apply:\n%s", prompts[1])
	}
	if !strings.Contains(prompts[2], "unreachable code") || !strings.Contains(prompts[2], "PASS go test ./...") {
		t.Errorf("the third prompt lacks the new go vet finding:\n%s", prompts[2])
	}
	after := applyWith(t, snap.Files, res.Diff, "git", "apply")
	if want := "\treturn fmt.Sprintf(\"hello %s!\", name)\n}\n"; !res.Passed || !strings.HasSuffix(after["greet.go"], want) {
		t.Errorf("passed %v; greet.go after the diff:\n%s", res.Passed, after["greet.go"])
	}
}

// TestSolveStrictLint: tests pass but go vet does not. Fix has nothing
// to do and counts the finding; Solve with StrictLint rejects an edit
// that leaves the finding and takes the one that clears it.
func TestSolveStrictLint(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"go.mod":        "module example.com/greet\n\ngo 1.22\n",
		"greet.go":      "package greet\n\n// Hello greets name.\nfunc Hello(name string) string {\n\treturn \"hello \" + name\n\tpanic(\"not reached\")\n}\n",
		"greet_test.go": "package greet\n\nimport \"testing\"\n\nfunc TestHello(t *testing.T) { Hello(\"ann\") }\n",
	}
	m := &roleModel{}
	res, _, err := solveIn(t, files, Options{Fix: true, Model: m})
	if err != nil || res.Status != StatusNothingToFix || !strings.Contains(res.Summary, "`go vet ./...` reports 1 finding(s)") || m.calls != 0 {
		t.Errorf("Fix with passing tests: %v, %+v, %d model calls", err, res, m.calls)
	}

	m = &roleModel{edits: []string{
		editReply("Reword.", "greet.go", "// Hello greets name.\n", "// Hello greets name warmly.\n"),
		editReply("Drop the panic.", "greet.go", "\tpanic(\"not reached\")\n", ""),
	}}
	res, snap, err := solveIn(t, files, Options{Task: "clear go vet's finding", StrictLint: true, Model: m})
	if err != nil {
		t.Fatal(err)
	}
	prompts := m.prompts()
	if len(prompts) != 2 || !strings.Contains(prompts[0], "unreachable code") || !strings.Contains(prompts[1], "FAIL go vet ./...") {
		t.Fatalf("%d edit prompts, want 2 with go vet's finding:\n%s", len(prompts), strings.Join(prompts, "\n=====\n"))
	}
	if after := applyWith(t, snap.Files, res.Diff, "git", "apply"); !res.Passed || strings.Contains(after["greet.go"], "panic") {
		t.Errorf("passed %v; greet.go after the diff:\n%s", res.Passed, after["greet.go"])
	}
}

// TestSolveModelChoosesFiles: when nothing names a file and the sources
// do not fit, the model picks the files to read from the layout; only
// those are shown in full.
func TestSolveModelChoosesFiles(t *testing.T) {
	t.Parallel()
	big := "# " + strings.Repeat("data ", 5000) + "\nVALUES = []\n"
	files := map[string]string{
		"calc.py": "def add(a, b):\n    return a + b\n", "data1.py": big, "data2.py": big,
		"tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
	}
	m := &roleModel{edits: []string{editReply("Add mul.", "calc.py", "    return a + b\n", "    return a + b\n\n\ndef mul(a, b):\n    return a * b\n")}}
	res, _, err := solveIn(t, files, Options{Task: "add a function mul(a, b) that returns the product", Model: m, Budget: 2})
	if err != nil || !res.Passed {
		t.Fatalf("Solve: %v, %+v", err, res)
	}
	prompts := m.prompts()
	if m.fileChoices != 1 || len(prompts) != 1 {
		t.Fatalf("%d file choices, %d edit prompts; want 1 and 1", m.fileChoices, len(prompts))
	}
	if !strings.Contains(prompts[0], "def add(a, b):") || strings.Contains(prompts[0], "data data data") ||
		!strings.Contains(prompts[0], "data1.py") {
		t.Errorf("the edit prompt should show calc.py in full and data1.py only in the layout:\n%.3000s", prompts[0])
	}
}

// TestFixPythonSrcLayout: a src/ layout's package imports in the sandbox
// (PYTHONPATH=src, said in a note) and pytest's failure reaches the model.
func TestFixPythonSrcLayout(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"src/calc/__init__.py": "def add(a, b):\n    return a - b\n",
		"tests/test_calc.py":   "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
	}
	m := &roleModel{edits: []string{editReply("Add.", "src/calc/__init__.py", "    return a - b\n", "    return a + b\n")}}
	res, _, err := solveIn(t, files, Options{Fix: true, Model: m, Budget: 2})
	if err != nil || !res.Passed || !slices.Contains(res.Notes, "src/ layout: PYTHONPATH=src") {
		t.Fatalf("Fix: %v, %+v", err, res)
	}
	if p := m.prompts(); len(p) != 1 || !strings.Contains(p[0], "assert -1 == 5") {
		t.Errorf("the prompt lacks pytest's failure:\n%s", strings.Join(p, "\n=====\n"))
	}
}

// TestSolveOfflineDependency: a dependency the sandbox cannot reach is
// an error that says what to do, before any model call.
func TestSolveOfflineDependency(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"go.mod":  "module example.com/uses\n\ngo 1.22\n\nrequire example.com/nowhere v1.2.3\n",
		"uses.go": "package uses\n\nimport _ \"example.com/nowhere\"\n",
	}
	cache := t.TempDir() // a module cache without the module
	if err := os.MkdirAll(filepath.Join(cache, "cache", "download"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := &roleModel{}
	res, _, err := solveIn(t, files, Options{Fix: true, Model: m, GoModCache: cache})
	if res != nil || err == nil || !strings.Contains(err.Error(), "example.com/nowhere v1.2.3 cannot be resolved offline") || m.calls != 0 {
		t.Errorf("Solve = %+v, %v; %d model calls", res, err, m.calls)
	}
}

// TestSolveOptionErrors: options Solve cannot work with are errors before
// anything runs.
func TestSolveOptionErrors(t *testing.T) {
	t.Parallel()
	snap := &Snapshot{Files: map[string][]byte{"calc.py": nil}}
	ok := Options{Snapshot: snap, Task: "x", Budget: 1, Model: &roleModel{}, Sandbox: &scriptExec{}}
	for _, tc := range []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no snapshot", func(o *Options) { o.Snapshot = nil }, "no snapshot"},
		{"no model", func(o *Options) { o.Model = nil }, "model"},
		{"no budget", func(o *Options) { o.Budget = 0 }, "budget 0"},
		{"fix with a task", func(o *Options) { o.Fix = true }, "fix takes no task"},
		{"no task", func(o *Options) { o.Task = " " }, "no task"},
		{"unknown file", func(o *Options) { o.Files = []string{"nowhere.py"} }, "nowhere.py"},
		{"unknown language", func(o *Options) { o.Snapshot = &Snapshot{Files: map[string][]byte{"README": nil}} }, "language"},
	} {
		opts := ok
		tc.edit(&opts)
		if res, err := Solve(t.Context(), opts); res != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, %v; want an error with %q", tc.name, res, err, tc.want)
		}
	}
}
