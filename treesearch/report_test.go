package treesearch

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	results := `{"task_id":"HumanEval/0","passed":true,"result":"passed","generations":2,"chosen":1,"strategy":"codetree"}
{"task_id":"HumanEval/1","passed":false,"result":"failed: |x|","generations":20,"chosen":0,"strategy":"codetree"}
`
	if err := os.WriteFile(filepath.Join(dir, ResultsFile), []byte(results), 0o644); err != nil {
		t.Fatal(err)
	}
	tree := &Tree{Problem: "HumanEval/0", Strategy: "codetree", Chosen: 1, Generations: 2, Nodes: []*Node{
		{ID: 0, Parent: -1, Role: "solver", Strategy: "Sort first.", Code: "def f():\n    return 1 < 2\n",
			Feedback: &Feedback{Passed: 0, Total: 1, Tests: []TestResult{{Assert: "assert f() == 3", Status: TestFailed, Actual: "True", Expected: "3"}}}},
		{ID: 1, Parent: 0, Depth: 1, Role: "debugger", Reflection: "Return 3.", Code: "def f():\n    return 3\n", Score: 1,
			Tokens: 321, ModelTime: 1500 * time.Millisecond, Duration: 12 * time.Millisecond,
			Feedback: &Feedback{Passed: 1, Total: 1, Tests: []TestResult{{Assert: "assert f() == 3", Status: TestPassed}}}},
	}}
	b, _ := json.Marshal(tree)
	os.MkdirAll(filepath.Join(dir, TreesDir), 0o755)
	if err := os.WriteFile(filepath.Join(dir, TreesDir, sanitize("HumanEval/0")+".json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteReport(dir, "codetree on humaneval", [][2]string{{"pass@1", "0.5000"}, {"model", "sim (simulated)"}}); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, ReportMarkdown))
	for _, want := range []string{"| pass@1 | 0.5000 |", "| HumanEval/0 | pass | passed | 2 | 2 |", `failed: \|x\|`} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	page, _ := os.ReadFile(filepath.Join(dir, ReportHTML))
	html := string(page)
	for _, want := range []string{"sim (simulated)", "node 1 · debugger", "<b>chosen</b>", "321 tokens · model 1.5s · tests 12ms", "Return 3.", "return 1 &lt; 2", "<details>"} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Index(html, "node 1") < strings.Index(html, "node 0") {
		t.Error("the child is not nested after its parent")
	}
	for _, ext := range []string{"http://", "https://", "<script", "<link"} {
		if strings.Contains(html, ext) {
			t.Errorf("report.html needs the network or a script: contains %q", ext)
		}
	}
}
