package main

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codetree/codetree/agent/agenttest"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

// editModel is a scripted model for solve and fix: the Thinker and the
// Critic answer the same every time, and the Editor's replies (first
// edits and repairs alike) come in the order given.
type editModel struct {
	srv   *agenttest.Server
	mu    sync.Mutex
	edits []string
	// editPrompts are the Editor's prompts, in order.
	editPrompts []string
	filePrompts int // ChooseFiles calls
}

// issueReproduction is the editModel's reproduction test for codetree
// issue: a new test file that fails while Add subtracts.
var issueReproduction = "calc_issue_test.go\n<<<<<<< SEARCH\n=======\npackage calc\n\nimport \"testing\"\n\n" +
	"func TestAddIssue7(t *testing.T) {\n\tif got := Add(1, 2); got != 3 {\n\t\tt.Errorf(\"Add(1, 2) = %d, want 3\", got)\n\t}\n}\n>>>>>>> REPLACE\n"

// hangReply makes the Editor hold its reply for a minute.
const hangReply = "(hang)"

func newEditModel(t *testing.T, edits ...string) *editModel {
	m := &editModel{edits: edits}
	m.srv = agenttest.NewServer(t, agenttest.WithHandler(func(r agenttest.RecordedRequest) agenttest.Reply {
		sys := r.Messages[0].Content
		switch {
		case strings.Contains(sys, "who finds where to work"):
			m.mu.Lock()
			m.filePrompts++
			m.mu.Unlock()
			return agenttest.Reply{Content: "1. `calc.py`\n2. nowhere.py"}
		case strings.Contains(sys, "localizes a GitHub issue in a repository"):
			return agenttest.Reply{Content: "1. calc.go"}
		case strings.Contains(sys, "localizes a GitHub issue within files"):
			return agenttest.Reply{Content: "1. calc.go: Add"}
		case strings.Contains(sys, "writes a test that reproduces a GitHub issue"):
			return agenttest.Reply{Content: issueReproduction}
		case strings.Contains(sys, "who plans solutions"):
			return agenttest.Reply{Content: "1. Fix the code under test."}
		case strings.Contains(sys, "who reviews failing code"):
			return agenttest.Reply{Content: "1. Read the failure and correct the code."}
		case strings.Contains(sys, "who judges test results"):
			return agenttest.Reply{Content: "Score: 1"}
		case strings.Contains(sys, "who reviews code before"):
			return agenttest.Reply{Content: "True"}
		case strings.Contains(sys, "who edits an existing"):
			m.mu.Lock()
			defer m.mu.Unlock()
			var b strings.Builder
			for _, msg := range r.Messages {
				b.WriteString(msg.Content + "\n")
			}
			m.editPrompts = append(m.editPrompts, b.String())
			if len(m.edits) == 0 {
				return agenttest.Reply{Content: "I have nothing more to try."}
			}
			e := m.edits[0]
			m.edits = m.edits[1:]
			if e == hangReply {
				return agenttest.Reply{Content: "late", Delay: time.Minute}
			}
			return agenttest.Reply{Content: e}
		}
		t.Errorf("unexpected prompt: %.200s", sys)
		return agenttest.Reply{Status: 400}
	}))
	return m
}

func (m *editModel) prompts() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.editPrompts...)
}

func (m *editModel) args(cmd string, rest ...string) []string {
	return append([]string{cmd, "--model", "scripted", "--base-url", m.srv.URL(), "--api-key", "test-key"}, rest...)
}

func writeRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readRepo(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := make(map[string]string)
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// runCodetree runs the binary and returns its exit code, stdout, stderr.
func runCodetree(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	return runCodetreeEnv(t, bin, nil, args...)
}

// runCodetreeEnv is runCodetree with env added to the environment.
func runCodetreeEnv(t *testing.T, bin string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, stdout.String(), stderr.String()
}

// checkDiffApplies applies diff with git apply to a copy of files.
func checkDiffApplies(t *testing.T, files map[string]string, diff string) map[string]string {
	t.Helper()
	dir := writeRepo(t, files)
	cmd := exec.Command("git", "apply", "-")
	cmd.Dir, cmd.Stdin = dir, strings.NewReader(diff)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s\ndiff:\n%s", err, out, diff)
	}
	return readRepo(t, dir)
}

var goCalc = map[string]string{
	"go.mod":  "module example.com/calc\n\ngo 1.22\n",
	"calc.go": "package calc\n\n// Add returns the sum of a and b.\nfunc Add(a, b int) int {\n\treturn a - b\n}\n",
	"calc_test.go": "package calc\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n" +
		"\tif got := Add(1, 2); got != 3 {\n\t\tt.Errorf(\"Add(1, 2) = %d, want 3\", got)\n\t}\n}\n",
}

func edit(path, search, replace string) string {
	return path + "\n<<<<<<< SEARCH\n" + search + "=======\n" + replace + ">>>>>>> REPLACE\n"
}

// TestFixGoFailingTest: the first edit is wrong, the failure it causes
// reaches the repair prompt, the repair passes; without --apply nothing
// is written, with it the change is, and fix then has nothing to do.
func TestFixGoFailingTest(t *testing.T) {
	bin := codetreeBinary(t)
	dir := writeRepo(t, goCalc)
	wrong := "The operator is wrong.\n\n" + edit("calc.go", "\treturn a - b\n", "\treturn a * b\n")
	right := edit("calc.go", "\treturn a * b\n", "\treturn a + b\n")

	m := newEditModel(t, wrong, right)
	treeFile := filepath.Join(t.TempDir(), "tree.json")
	code, stdout, stderr := runCodetree(t, bin, m.args("fix", "--repo", dir, "--budget", "4", "--tree", treeFile)...)
	if code != 0 {
		t.Fatalf("fix exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	var tree struct {
		Nodes []struct {
			Parent int    `json:"parent"`
			Code   string `json:"code"`
			Note   string `json:"note"`
		} `json:"nodes"`
		Chosen int `json:"chosen"`
	}
	if b, err := os.ReadFile(treeFile); err != nil || json.Unmarshal(b, &tree) != nil || len(tree.Nodes) != 2 ||
		tree.Chosen != 1 || tree.Nodes[1].Parent != 0 || tree.Nodes[0].Note != "The operator is wrong." {
		t.Errorf("--tree: %v, %+v", err, tree)
	}
	prompts := m.prompts()
	if len(prompts) != 2 {
		t.Fatalf("%d Editor prompts, want 2", len(prompts))
	}
	if !strings.Contains(prompts[0], "Add(1, 2) = -1, want 3") {
		t.Errorf("the first prompt lacks the failing test output before any change:\n%s", prompts[0])
	}
	if !strings.Contains(prompts[1], "Add(1, 2) = 2, want 3") || !strings.Contains(prompts[1], "return a * b") {
		t.Errorf("the repair prompt lacks the first candidate's failure or its code:\n%s", prompts[1])
	}
	if got := readRepo(t, dir); !maps.Equal(got, goCalc) {
		t.Errorf("without --apply the working tree changed: %v", got)
	}
	diff := stdout[strings.Index(stdout, "diff --git"):]
	after := checkDiffApplies(t, goCalc, diff)
	if !strings.Contains(after["calc.go"], "return a + b") {
		t.Errorf("the diff makes calc.go:\n%s", after["calc.go"])
	}
	if !strings.Contains(stdout, "After: `go test ./...` passes") || !strings.Contains(stdout, "Before: `go test ./...` failed") {
		t.Errorf("summary lacks the tests before and after:\n%s", stdout)
	}
	if strings.Contains(stdout+stderr, "test-key") {
		t.Errorf("the API key was printed")
	}

	// --apply --json writes the change.
	m = newEditModel(t, wrong, right)
	code, stdout, stderr = runCodetree(t, bin, m.args("fix", "--repo", dir, "--budget", "4", "--apply", "--json")...)
	if code != 0 {
		t.Fatalf("fix --apply exit %d\n%s\n%s", code, stdout, stderr)
	}
	var res struct {
		Status  string   `json:"status"`
		Applied []string `json:"applied"`
		Diff    string   `json:"diff"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout)
	}
	if res.Status != "passed" || len(res.Applied) != 1 || res.Applied[0] != "calc.go" {
		t.Errorf("result %+v", res)
	}
	if got := readRepo(t, dir)["calc.go"]; got != after["calc.go"] {
		t.Errorf("--apply wrote calc.go:\n%s\nwant:\n%s", got, after["calc.go"])
	}
	// The tests pass now (run in the sandbox): nothing to fix, no model call.
	m = newEditModel(t)
	code, stdout, _ = runCodetree(t, bin, m.args("fix", "--repo", dir)...)
	if code != 0 || !strings.Contains(stdout, "nothing to fix") || m.srv.Count() != 0 {
		t.Errorf("fix after --apply: exit %d, %d model calls:\n%s", code, m.srv.Count(), stdout)
	}
}

// TestSolvePythonMissingFunction: solve adds a function the tests call;
// the first version is wrong and pytest's failure reaches the repair.
func TestSolvePythonMissingFunction(t *testing.T) {
	bin := codetreeBinary(t)
	files := map[string]string{
		"calc.py": "def add(a, b):\n    return a + b\n",
		"tests/test_calc.py": "from calc import add, mul\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n" +
			"def test_mul():\n    assert mul(2, 3) == 6\n",
	}
	dir := writeRepo(t, files)
	wrong := edit("calc.py", "    return a + b\n", "    return a + b\n\n\ndef mul(a, b):\n    return a + b\n")
	right := edit("calc.py", "def mul(a, b):\n    return a + b\n", "def mul(a, b):\n    return a * b\n")
	m := newEditModel(t, wrong, right)
	code, stdout, stderr := runCodetree(t, bin, m.args("solve", "--repo", dir, "--budget", "4", "add mul(a, b) to calc.py: the product of a and b")...)
	if code != 0 {
		t.Fatalf("solve exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	prompts := m.prompts()
	if len(prompts) != 2 || !strings.Contains(prompts[0], "add mul(a, b) to calc.py") {
		t.Fatalf("%d Editor prompts; the first:\n%s", len(prompts), prompts[0])
	}
	if !strings.Contains(prompts[1], "assert 5 == 6") {
		t.Errorf("the repair prompt lacks pytest's failure of the first version:\n%s", prompts[1])
	}
	after := checkDiffApplies(t, files, stdout[strings.Index(stdout, "diff --git"):])
	if !strings.Contains(after["calc.py"], "def mul(a, b):\n    return a * b\n") {
		t.Errorf("calc.py after the diff:\n%s", after["calc.py"])
	}
	if got := readRepo(t, dir); !maps.Equal(got, files) {
		t.Errorf("without --apply the working tree changed")
	}
}

// TestFixNothingFoundExitsOne: a budget spent on wrong edits is exit
// status 1, and --apply writes nothing.
func TestFixNothingFoundExitsOne(t *testing.T) {
	bin := codetreeBinary(t)
	dir := writeRepo(t, goCalc)
	m := newEditModel(t, edit("calc.go", "\treturn a - b\n", "\treturn b - a\n"))
	code, stdout, stderr := runCodetree(t, bin, m.args("fix", "--repo", dir, "--budget", "1", "--strategy", "direct", "--apply")...)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "no passing change") || !strings.Contains(stdout, "return b - a") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	if got := readRepo(t, dir); !maps.Equal(got, goCalc) {
		t.Errorf("the working tree changed")
	}
}

// TestRepoEndpointCheckedFirst: solve and fix check the model endpoint
// before anything else. With nothing listening at --base-url, or with a
// key the server refuses, they stop at once with exit 3 and say what to
// check; no chat call, no retry, the working tree untouched, the key never
// printed.
func TestRepoEndpointCheckedFirst(t *testing.T) {
	bin := codetreeBinary(t)
	dead, addr := deadEndpoint(t)
	keyed := agenttest.NewServer(t, agenttest.WithAPIKey("sk-the-right-key"))
	const key = "sk-test-refused-key"
	for _, tc := range []struct {
		name, url string
		cmd       []string
		want      []string
	}{
		{"solve, dead endpoint", dead, []string{"solve", "add mul(a, b) to calc.go"}, []string{addr, "cannot reach the server"}},
		{"fix, dead endpoint", dead, []string{"fix"}, []string{addr, "cannot reach the server"}},
		{"fix, refused key", keyed.URL(), []string{"fix"}, []string{"the server refused the API key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeRepo(t, goCalc)
			args := append(tc.cmd, "--repo", dir, "--model", "m", "--base-url", tc.url, "--api-key", key)
			code, stdout, stderr := runCodetree(t, bin, args...)
			if code != exitInfra {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitInfra, stdout, stderr)
			}
			for _, w := range append(tc.want, "the model endpoint cannot serve the run") {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "retrying") || strings.Contains(stdout+stderr, key) {
				t.Errorf("retried, or printed the key:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
			}
			if got := readRepo(t, dir); !maps.Equal(got, goCalc) {
				t.Errorf("the working tree changed")
			}
		})
	}
	if n := keyed.Count(); n != 0 {
		t.Errorf("%d chat calls with a refused key, want none", n)
	}
}

// TestFixGoModuleCache: a repository with a dependency builds in the
// sandbox from the host's module cache, mounted read-only (go-cmp is in
// it: this module needs it); a dependency that is not there is an
// infrastructure error that says how to get it.
func TestFixGoModuleCache(t *testing.T) {
	bin := codetreeBinary(t)
	sum, err := os.ReadFile("../../go.sum")
	if err != nil {
		t.Fatal(err)
	}
	var cmpSum []string
	for _, line := range strings.Split(string(sum), "\n") {
		if strings.HasPrefix(line, "github.com/google/go-cmp v0.7.0") {
			cmpSum = append(cmpSum, line)
		}
	}
	dir := writeRepo(t, map[string]string{
		"go.mod": "module example.com/uses\n\ngo 1.22\n\nrequire github.com/google/go-cmp v0.7.0\n",
		"go.sum": strings.Join(cmpSum, "\n") + "\n",
		"uses_test.go": "package uses\n\nimport (\n\t\"testing\"\n\n\t\"github.com/google/go-cmp/cmp\"\n)\n\n" +
			"func TestDiff(t *testing.T) {\n\tif d := cmp.Diff(1, 1); d != \"\" {\n\t\tt.Error(d)\n\t}\n}\n",
	})
	m := newEditModel(t)
	code, stdout, stderr := runCodetree(t, bin, m.args("fix", "--repo", dir)...)
	if code != 0 || !strings.Contains(stdout, "nothing to fix") || !strings.Contains(stderr, "module cache") {
		t.Errorf("fix with go-cmp from the module cache: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	missing := writeRepo(t, map[string]string{
		"go.mod":  "module example.com/uses\n\ngo 1.22\n\nrequire example.com/nowhere v1.2.3\n",
		"uses.go": "package uses\n\nimport _ \"example.com/nowhere\"\n",
	})
	code, _, stderr = runCodetree(t, bin, m.args("fix", "--repo", missing)...)
	if code != 3 || !strings.Contains(stderr, "example.com/nowhere v1.2.3 cannot be resolved offline") || !strings.Contains(stderr, "go mod download") {
		t.Errorf("missing dependency: exit %d, stderr:\n%s", code, stderr)
	}
	if m.srv.Count() != 0 {
		t.Errorf("%d model calls, want none", m.srv.Count())
	}
}

// TestFixCtrlCPrintsBestSoFar: Ctrl-C while the model thinks about the
// second candidate prints the first one's diff and exits 130, leaving the
// working tree and no container behind.
func TestFixCtrlCPrintsBestSoFar(t *testing.T) {
	bin := codetreeBinary(t)
	dir := writeRepo(t, goCalc)
	m := newEditModel(t, edit("calc.go", "\treturn a - b\n", "\treturn a * b\n"), hangReply)
	cmd := exec.Command(bin, m.args("fix", "--repo", dir, "--budget", "4", "--strategy", "reflexion")...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for len(m.prompts()) < 2 {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the second Editor call never came\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Errorf("exit %v, want 130\nstderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "+\treturn a * b") || !strings.Contains(stderr.String(), "stopped early") {
		t.Errorf("no best-so-far change printed\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	if got := readRepo(t, dir); !maps.Equal(got, goCalc) {
		t.Errorf("the working tree changed")
	}
	if left := sandboxtest.Containers(t, sandboxtest.ProcessOwner(cmd.Process.Pid)); len(left) > 0 {
		t.Errorf("%d containers left after Ctrl-C", len(left))
	}
}
