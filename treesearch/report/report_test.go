package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/treesearch"
)

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// writeRun makes a run folder: results lines, errors lines and trees.
func writeRun(t *testing.T, results []string, errors []string, trees ...*treesearch.Tree) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, lines []string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(treesearch.ResultsFile, results)
	write(treesearch.ErrorsFile, errors)
	if err := os.MkdirAll(filepath.Join(dir, treesearch.TreesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tr := range trees {
		b, _ := json.Marshal(tr)
		name := strings.ReplaceAll(tr.Problem, "/", "_") + ".json"
		if err := os.WriteFile(filepath.Join(dir, treesearch.TreesDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// sampleRun is a run of three problems: HumanEval/10 solved at its
// second generation after a repair, HumanEval/2 failed, HumanEval/3 left
// by an infrastructure error.
func sampleRun(t *testing.T) string {
	t.Helper()
	tree := &treesearch.Tree{Problem: "HumanEval/10", Strategy: "codetree", Chosen: 1, Generations: 3, Accepted: treesearch.AcceptedByCritic,
		Nodes: []*treesearch.Node{
			{ID: 0, Parent: -1, Role: "solver", Strategy: "Sort first.", Code: "def f():\n    return 1 < 2\n", Tokens: 1, Hidden: no(),
				Feedback: &treesearch.Feedback{Passed: 0, Total: 1, Tests: []treesearch.TestResult{{Assert: "assert f() == 3", Status: treesearch.TestFailed, Actual: "True", Expected: "3"}}}},
			{ID: 1, Parent: 0, Depth: 1, Role: "debugger", Reflection: "Return 3.", Code: "def f():\n    return 3\n", Score: 1, Verified: yes(), Hidden: yes(),
				Tokens: 321, ModelTime: 1500 * time.Millisecond, Duration: 12 * time.Millisecond,
				Feedback: &treesearch.Feedback{Passed: 1, Total: 1, Tests: []treesearch.TestResult{{Assert: "assert f() == 3", Status: treesearch.TestPassed}}}},
			{ID: 2, Parent: -1, Role: "solver", Duplicate: true, Code: "def f():\n    return 1 < 2\n", Hidden: no(),
				Feedback: &treesearch.Feedback{Passed: 0, Total: 1}},
		}}
	failed := &treesearch.Tree{Problem: "HumanEval/2", Strategy: "codetree", Chosen: 0, Generations: 1,
		Nodes: []*treesearch.Node{{ID: 0, Parent: -1, Role: "solver", Code: "x", Feedback: &treesearch.Feedback{LoadError: "SyntaxError"}}}}
	return writeRun(t, []string{
		`{"task_id":"HumanEval/10","passed":true,"result":"passed","plus_passed":true,"generations":3,"chosen":1,"strategy":"codetree","accepted":"verification","any_passed":true,"accounts":{"solver":{"calls":1,"prompt_tokens":100,"completion_tokens":20}}}`,
		`{"task_id":"HumanEval/2","passed":false,"result":"failed: |x|","plus_passed":false,"generations":1,"chosen":0,"strategy":"codetree"}`,
	}, []string{
		`{"task_id":"HumanEval/3","error":"sandbox: daemon gone","class":"sandbox"}`,
		`{"task_id":"HumanEval/10","error":"earlier, retried","class":"model"}`,
	}, tree, failed)
}

func TestNewAnytime(t *testing.T) {
	results := map[string]treesearch.TaskResult{
		"a": {Passed: true, Chosen: 0, Generations: 1, PlusPassed: yes()},
		"b": {Passed: true, Chosen: 2, Generations: 4, PlusPassed: no()},
		"c": {Passed: false, Chosen: 1, Generations: 5, PlusPassed: no()},
		"d": {Passed: true, Chosen: -1, Generations: 5, PlusPassed: no()},
	}
	got := NewAnytime(results, 4)
	want := Anytime{Solved: []int{0, 1, 1, 2, 2, 2}, Plus: []int{0, 1, 1, 1, 1, 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("anytime (-want +got):\n%s", diff)
	}
	if a := NewAnytime(map[string]treesearch.TaskResult{"a": {Passed: true, Chosen: 0}}, 2); a.Plus != nil {
		t.Errorf("a run without plus verdicts has a plus curve: %v", a.Plus)
	}
}

func TestWriteRunReport(t *testing.T) {
	t.Parallel()
	dir := sampleRun(t)
	info := Info{Title: "codetree sim on humaneval+", Simulated: true, Budget: 4,
		Facts:   [][2]string{{"pass@1", "0.5000"}, {"model", "sim (simulated)"}},
		Figures: [][2]string{{"pass@1", "50.0%"}},
		Accounts: agent.Accounts{ByRole: map[agent.Role]agent.Tally{
			agent.RoleSolver: {Calls: 3, PromptTokens: 300, CompletionTokens: 60}, agent.RoleCritic: {Calls: 1, PromptTokens: 50, CompletionTokens: 5}}}}
	if err := Write(dir, info); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, MarkdownFile))
	for _, want := range []string{"| pass@1 | 0.5000 |", "| HumanEval/10 | pass | passed | 3 | 3 | verification |", `failed: \|x\|`,
		"| HumanEval/3 | error | sandbox: sandbox: daemon gone |", "> Simulated model"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
	page := string(b)
	for _, want := range []string{
		"Simulated model: these figures measure the harness", "sim (simulated)",
		`data-chart="anytime"`, `data-chart="roles"`, `data-chart="generations"`,
		"· 1 generation\n", "3 generations", "model 1.50 s · tests 12.0 ms", "Return 3.", "return 1 &lt; 2",
		`id="HumanEval-10-node-1"`, `href="#HumanEval-10-node-1"`, "accepted by verification (1)", "errored (1)", "failed (1)",
		"sandbox: daemon gone", "Chosen: node 1 (generation 2), accepted by verification; it passed the hidden tests.",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	// Problems in task id order, not the results' order.
	order := regexp.MustCompile(`<details class="problem[^"]*" id="([^"]+)"`).FindAllStringSubmatch(page, -1)
	var ids []string
	for _, m := range order {
		ids = append(ids, m[1])
	}
	if diff := cmp.Diff([]string{"HumanEval-2", "HumanEval-3", "HumanEval-10"}, ids); diff != "" {
		t.Errorf("problem order (-want +got):\n%s", diff)
	}
	// The anytime curve has a point per generation 0..budget in each
	// series: hidden, plus and the oracle (HumanEval/10's candidates were
	// scored: its node 1 passed, at generation 2).
	anytime := page[strings.Index(page, `data-chart="anytime"`):]
	anytime = anytime[:strings.Index(anytime, "</svg>")]
	if n := strings.Count(anytime, `class="point"`); n != 3*5 {
		t.Errorf("anytime chart has %d points, want 15 (3 series, generations 0 to 4)", n)
	}
	if !strings.Contains(anytime, "any candidate (oracle): 1 of 2 solved within 2 generations") {
		t.Errorf("the oracle curve does not count HumanEval/10 from generation 2")
	}
	// HumanEval/10's tree: three nodes, the chosen path two edges long,
	// the chosen node ringed.
	tree := page[strings.Index(page, `search tree of HumanEval/10`):]
	tree = tree[:strings.Index(tree, "</svg>")]
	if n := strings.Count(tree, `class="node"`); n != 3 {
		t.Errorf("tree has %d nodes, want 3", n)
	}
	if n := strings.Count(tree, "chosen-path"); n != 2 {
		t.Errorf("chosen path has %d edges, want 2", n)
	}
	if n := strings.Count(tree, `class="hidden"`); n != 2 {
		t.Errorf("tree rings %d unchosen nodes with a hidden verdict, want 2", n)
	}
	for _, want := range []string{`data-verdict="duplicate"`, `data-verdict="passed"`, `data-verdict="failed"`, `class="chosen"`, "✓", "failed the hidden tests"} {
		if !strings.Contains(tree, want) {
			t.Errorf("tree lacks %q", want)
		}
	}
	for _, ext := range []string{"http://", "https://", "<script", "<link", "<img"} {
		if strings.Contains(page, ext) {
			t.Errorf("report.html needs the network or a script: contains %q", ext)
		}
	}
}

func TestComparisonPage(t *testing.T) {
	t.Parallel()
	a := map[string]treesearch.TaskResult{
		"HumanEval/1":  {Passed: true, Chosen: 0, Generations: 1},
		"HumanEval/10": {Passed: false, Chosen: 3, Generations: 4},
		"HumanEval/2":  {Passed: false, Chosen: 0, Generations: 1},
	}
	b := map[string]treesearch.TaskResult{
		"HumanEval/1": {Passed: true, Chosen: 1, Generations: 2},
		"HumanEval/2": {Passed: true, Chosen: 0, Generations: 1},
	}
	plus := 0.25
	c := Comparison{Runs: []Compared{{Name: "direct", Budget: 1, Results: a, PassAt1: 0.5, PlusPassAt1: &plus},
		{Name: "codetree", Budget: 3, Simulated: true, Results: b, PassAt1: 1}},
		Table: [][]string{{"pass@1", "0.5", "1.0"}}, Notes: []string{"1 problem has a result in every run."}}
	file := filepath.Join(t.TempDir(), "compare.html")
	if err := WriteComparison(file, c); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(file)
	page := string(raw)
	anytime := page[strings.Index(page, `data-chart="anytime"`):]
	anytime = anytime[:strings.Index(anytime, "</svg>")]
	if n := strings.Count(anytime, `class="series"`); n != 2 {
		t.Errorf("anytime chart has %d series, want 2", n)
	}
	// direct's curve runs to 4 generations (a problem spent 4), codetree's to 3.
	if n := strings.Count(anytime, `class="point"`); n != 5+4 {
		t.Errorf("anytime chart has %d points, want 9", n)
	}
	pass := page[strings.Index(page, `data-chart="pass"`):]
	pass = pass[:strings.Index(pass, "</svg>")]
	if n := strings.Count(pass, `class="bar"`); n != 4 {
		t.Errorf("pass chart has %d bars, want 4 (pass@1 and plus for 2 runs)", n)
	}
	rows := regexp.MustCompile(`<tr id="m-([^"]+)" class="(\w+)"><th>[^<]+</th>(.*?)</tr>`).FindAllStringSubmatch(page, -1)
	var got []string
	for _, r := range rows {
		got = append(got, r[1]+" "+r[2]+" "+strings.Join(regexp.MustCompile(`[✓✗–]`).FindAllString(r[3], -1), ""))
	}
	want := []string{"HumanEval-1 same ✓✓", "HumanEval-2 differ ✗✓", "HumanEval-10 same ✗–"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("matrix (-want +got):\n%s", diff)
	}
	for _, want := range []string{"Runs compared: direct vs codetree", "Simulated model", "1 problem has a result in every run."} {
		if !strings.Contains(page, want) {
			t.Errorf("comparison lacks %q", want)
		}
	}
}
