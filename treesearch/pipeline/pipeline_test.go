package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
	"github.com/codetree/codetree/treesearch/repo"
)

// shopFiles is a Go repository with a bug in Discount and a passing test
// of another function.
var shopFiles = map[string]string{
	"go.mod":   "module example.com/shop\n\ngo 1.22\n",
	"price.go": "package shop\n\n// Discount returns the price after a percent discount.\nfunc Discount(price, percent int) int {\n\treturn price - price*percent/10\n}\n",
	"cart.go":  "package shop\n\n// Total sums the prices.\nfunc Total(prices []int) int {\n\tt := 0\n\tfor _, p := range prices {\n\t\tt += p\n\t}\n\treturn t\n}\n",
	"shop_test.go": "package shop\n\nimport \"testing\"\n\nfunc TestTotal(t *testing.T) {\n\tif Total([]int{1, 2}) != 3 {\n\t\tt.Fatal(\"Total\")\n\t}\n}\n\n" +
		"func TestBroken(t *testing.T) {\n\tt.Skip(\"not a regression test: skipped\")\n}\n",
}

const shopIssue = "Discount gives wrong prices\n\nDiscount(200, 10) returns 0 instead of 180: the percent seems to be divided by 10, not 100."

func reproTest(name, cond string) string {
	return "shop_test.go\n<<<<<<< SEARCH\nfunc TestBroken(t *testing.T) {\n\tt.Skip(\"not a regression test: skipped\")\n}\n=======\n" +
		"func TestBroken(t *testing.T) {\n\tt.Skip(\"not a regression test: skipped\")\n}\n\nfunc " + name + "(t *testing.T) {\n\tif got := " + cond + "; got != 180 {\n\t\tt.Errorf(\"Discount = %d, want 180\", got)\n\t}\n}\n>>>>>>> REPLACE\n"
}

func priceEdit(replace string) string {
	return "price.go\n<<<<<<< SEARCH\n\treturn price - price*percent/10\n=======\n\treturn " + replace + "\n>>>>>>> REPLACE\n"
}

// stageModel answers each stage's prompts from a script, by the system
// prompt, and records the requests.
type stageModel struct {
	mu      sync.Mutex
	repros  []string
	edits   []string
	reqs    []agent.Request
	reproFB []string // the feedback shown with each retry
}

func (m *stageModel) Complete(_ context.Context, req agent.Request) (agent.Response, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reqs = append(m.reqs, req)
	sys := req.Messages[0].Content
	last := req.Messages[len(req.Messages)-1].Content
	pop := func(s *[]string) string {
		if len(*s) == 0 {
			return "nothing more"
		}
		r := (*s)[0]
		*s = (*s)[1:]
		return r
	}
	reply := "1. Divide by 100."
	switch {
	case strings.Contains(sys, "localizes a GitHub issue in a repository"):
		reply = "1. price.go\n2. nowhere.go"
	case strings.Contains(sys, "localizes a GitHub issue within files"):
		reply = "1. price.go: Discount\n2. price.go: NoSuch"
	case strings.Contains(sys, "reproduces a GitHub issue"):
		if strings.Contains(last, "What happened when it ran") {
			m.reproFB = append(m.reproFB, last)
		}
		reply = pop(&m.repros)
	case req.Role == agent.RoleSolver || req.Role == agent.RoleDebugger:
		reply = pop(&m.edits)
	case strings.Contains(sys, "judges test results"):
		reply = "Score: 2"
	case req.Role == agent.RoleCritic:
		reply = "Verdict: True"
	}
	return agent.Response{Content: reply, Usage: agent.Usage{PromptTokens: 100, CompletionTokens: 10}, Cost: 0.001}, nil
}

func loadFiles(t *testing.T, files map[string]string) *repo.Snapshot {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := repo.Load(t.Context(), dir, repo.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func runShop(t *testing.T, m *stageModel, keep bool) *Result {
	t.Helper()
	var logged []string
	res, err := Run(t.Context(), Options{ID: "shop-1", Issue: shopIssue, KeepReproduction: keep,
		Log: func(s string) { logged = append(logged, s) },
		Solve: repo.Options{Snapshot: loadFiles(t, shopFiles), Model: m, Budget: 4,
			Sandbox: sandboxtest.New(t, sandbox.Config{PoolSize: 1})}})
	var ie *sandbox.ImageError
	if errors.As(err, &ie) {
		sandboxtest.Unavailable(t, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(logged) < 5 {
		t.Errorf("log lines %q, want one per stage", logged)
	}
	return res
}

// TestRunGo takes a Go issue through every stage with a scripted model and
// the real sandbox: a reproduction that passes is refused and the model
// told so, the second is kept; the regression tests are those of the
// touched package that pass; the localization is the search's strategy;
// the first edit fails the reproduction and the repair passes; the patch
// leaves the reproduction test out unless asked.
func TestRunGo(t *testing.T) {
	t.Parallel()
	m := &stageModel{
		repros: []string{reproTest("TestDiscountZero", "180+Discount(0, 10)"), reproTest("TestDiscountPercent", "Discount(200, 10)")},
		edits:  []string{priceEdit("price - percent"), priceEdit("price - price*percent/100")},
	}
	res := runShop(t, m, false)
	var names []string
	for _, s := range res.Stages {
		names = append(names, s.Name)
	}
	if diff := cmp.Diff([]string{StageEnvironment, StageLocalize, StageRegression, StageReproduce, StageRepair, StageSelect}, names); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
	if s := res.Stages[1]; s.Calls != 2 || s.PromptTokens != 200 || s.Cost < 0.0019 {
		t.Errorf("localize stage %+v, want 2 calls, 200 prompt tokens, cost 0.002", s)
	}
	if s := res.Stages[3]; s.Calls != 2 || s.Seconds <= 0 || res.FirstCallSeconds <= 0 || res.FirstCallSeconds > res.Stages[0].Seconds+res.Stages[1].Seconds {
		t.Errorf("reproduce stage %+v, want 2 calls and a time", s)
	}
	if len(m.reproFB) != 1 || !strings.Contains(m.reproFB[0], "passes on the current code") {
		t.Errorf("retry feedback %q, want that the first test passes", m.reproFB)
	}
	want := []Localization{{Files: []string{"price.go"}, Symbols: []agent.Location{{Path: "price.go", Name: "Discount"}}, Source: "model"}}
	if diff := cmp.Diff(want, res.Localizations[:1]); diff != "" {
		t.Errorf("localizations (-want +got):\n%s", diff)
	}
	rep := res.Reproduction
	if rep == nil || rep.Attempts != 2 || !cmp.Equal(rep.Tests, []string{"TestDiscountPercent"}) || !strings.Contains(rep.Before, "want 180") {
		t.Fatalf("reproduction %+v", rep)
	}
	if !cmp.Equal(res.Regression, []string{"TestTotal"}) {
		t.Errorf("regression tests %v, want TestTotal only (TestBroken is skipped)", res.Regression)
	}
	if res.Test != "go test -count=1 -run '^(TestDiscountPercent|TestTotal)$' '.'" {
		t.Errorf("test command %q", res.Test)
	}
	if !res.Passed || res.Tree == nil || res.Tree.Nodes[0].Strategy != "Change price.go, in Discount: the issue most likely lies there." {
		t.Fatalf("passed %v, tree %+v", res.Passed, res.Tree)
	}
	if !strings.Contains(res.Patch, "+\treturn price - price*percent/100") || strings.Contains(res.Patch, "shop_test.go") {
		t.Errorf("patch:\n%s\nwant the fix of price.go and no test", res.Patch)
	}
	if res.TouchesTests {
		t.Error("TouchesTests set for a patch that edits no test")
	}
	files, deleted := res.Changes()
	if len(files) != 1 || !strings.Contains(string(files["price.go"]), "percent/100") || len(deleted) != 0 {
		t.Errorf("Changes = %v, %v; want price.go alone", files, deleted)
	}
}

// TestRunKeepReproduction: with KeepReproduction the patch holds the
// reproduction test too.
func TestRunKeepReproduction(t *testing.T) {
	t.Parallel()
	m := &stageModel{
		repros: []string{reproTest("TestDiscountPercent", "Discount(200, 10)")},
		edits:  []string{priceEdit("price - price*percent/100")},
	}
	res := runShop(t, m, true)
	if !res.Passed || !strings.Contains(res.Patch, "+func TestDiscountPercent(t *testing.T) {") ||
		!strings.Contains(res.Patch, "percent/100") {
		t.Errorf("passed %v, patch:\n%s", res.Passed, res.Patch)
	}
}

func TestTestCommand(t *testing.T) {
	t.Parallel()
	goRun := &run{lang: sandbox.LangGo}
	reg := regression{Targets: []string{"./web"}, Tests: []string{"TestB", "TestA"}}
	repro := &Reproduction{Files: []string{"web/x_test.go", "api/y_test.go"}, IDs: []string{"TestRepro"}}
	if got := goRun.testCommand(repro, reg); got != "go test -count=1 -run '^(TestA|TestB|TestRepro)$' './api' './web'" {
		t.Errorf("go: %q", got)
	}
	if got := goRun.testCommand(nil, regression{}); got != "go test ./..." {
		t.Errorf("no tests: %q, want the default command", got)
	}
	py := &run{lang: sandbox.LangPython}
	reg = regression{Targets: []string{"tests/test_a.py"}, Tests: []string{"tests/test_a.py::test_it[it's]"}}
	if got := py.testCommand(&Reproduction{IDs: []string{"tests/test_r.py::test_r"}}, reg); got !=
		`python3 -m pytest -q -p no:cacheprovider 'tests/test_a.py::test_it[it'\''s]' 'tests/test_r.py::test_r'` {
		t.Errorf("python: %q", got)
	}
	given := &run{lang: sandbox.LangGo, opts: Options{Solve: repo.Options{Test: "make check"}}}
	if got := given.testCommand(&Reproduction{Command: "go test -run X ."}, reg); got != "(make check) && go test -run X ." {
		t.Errorf("given: %q", got)
	}
}

func TestPythonTestsFor(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{
		"calc/core.py":        []byte("def add(a, b): return a + b\n"),
		"tests/test_core.py":  []byte("from calc.core import add\n"),
		"tests/test_other.py": []byte("import os\n"),
		"tests/test_pkg.py":   []byte("from calc import core\n"),
	}
	if got := pythonTestsFor(files, []string{"calc/core.py"}); !cmp.Equal(got, []string{"tests/test_core.py", "tests/test_pkg.py"}) {
		t.Errorf("pythonTestsFor = %v", got)
	}
	if got := pythonTestsFor(files, []string{"calc/none.py"}); len(got) != 3 {
		t.Errorf("no importer: %v, want every test file", got)
	}
}

func TestWriteText(t *testing.T) {
	t.Parallel()
	r := &Result{Stages: []Stage{{Name: StageLocalize, Calls: 2, PromptTokens: 100, CompletionTokens: 20, Cost: 0.5, Seconds: 1.25,
		Note: "1 localization(s): a.go"}, {Name: StageRepair, Calls: 3, PromptTokens: 900, Seconds: 2, Note: "no price"},
		{Name: StageSelect, Note: "no call"}}, Simulated: true, Regression: []string{"TestA"}, Test: "go test .",
		Reproduction: &Reproduction{Tests: []string{"TestR"}, Files: []string{"a_test.go"}}, Patch: "--- a/a.go\n+++ b/a.go\n"}
	var b strings.Builder
	r.WriteText(&b)
	for _, want := range []string{"localize  2      120     $0.5000  1.2s  1 localization(s): a.go",
		"repair    3      900     unknown  2.0s  no price", "select    0      0       $0.0000  0.0s  no call", "simulated model",
		"Reproduction: TestR in a_test.go fails", "Regression: 1 test", "--- a/a.go"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}
