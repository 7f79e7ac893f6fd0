package agent

import (
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/codetree/codetree/agent/agenttest"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// samplePrompts is the fixed data the golden files are rendered from: a
// HumanEval-style Python problem (signature and docstring) with every field
// set, a Go problem in prose, and a Python program to write with the optional
// fields empty (no entry point, strategy, feedback or cap).
func samplePrompts(t *testing.T) map[string]promptData {
	t.Helper()
	py, err := lookupLang("python")
	if err != nil {
		t.Fatal(err)
	}
	goLang, err := lookupLang("go")
	if err != nil {
		t.Fatal(err)
	}
	return map[string]promptData{
		"python": {
			Lang: py,
			Problem: `from typing import List


def has_close_elements(numbers: List[float], threshold: float) -> bool:
    """ Check if in given list of numbers, are any two numbers closer to each other than
    given threshold.
    >>> has_close_elements([1.0, 2.0, 3.0], 0.5)
    False
    >>> has_close_elements([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3)
    True
    """
`,
			EntryPoint: "has_close_elements",
			Strategy:   "Compare each number with the next one and return True when their distance is below the threshold.",
			Code: `from typing import List


def has_close_elements(numbers: List[float], threshold: float) -> bool:
    for i in range(len(numbers) - 1):
        if abs(numbers[i] - numbers[i + 1]) < threshold:
            return True
    return False
`,
			Feedback: `Tests passed:
assert has_close_elements([1.0, 2.0, 3.0], 0.5) == False

Tests failed:
assert has_close_elements([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3) == True # output: False`,
			Reflection: "The code compares only neighbours in the input order, so it misses close pairs that are not adjacent, such as 2.0 and 2.8. Sort a copy of the list first so that every close pair becomes adjacent, then compare neighbours.",
			Max:        3,
		},
		"python_program": {
			Lang:    py,
			Problem: "Read an integer n from standard input and print the sum of the first n odd numbers.",
			Code:    "n = int(input())\nprint(sum(range(1, 2 * n, 2)))\n",
		},
		"go": {
			Lang:       goLang,
			Problem:    "Write a function `Median(xs []int) float64` that returns the median of xs, which is not empty. For an even number of elements the median is the mean of the two middle ones.",
			EntryPoint: "Median",
			Strategy:   "Sort a copy of the slice and take the middle element, or the mean of the two middle elements.",
			Code:       "package main\n\nimport \"sort\"\n\nfunc Median(xs []int) float64 {\n\tsort.Ints(xs)\n\treturn float64(xs[len(xs)/2])\n}\n",
			Feedback: `--- FAIL: TestMedian (0.00s)
    median_test.go:9: Median([]int{1, 2, 3, 4}) = 3, want 2.5`,
			Reflection: "For an even length the code returns the upper middle element instead of the mean of the two middle elements; it also sorts the caller's slice in place. Sort a copy and average the two middle elements when the length is even.",
		},
	}
}

// templateNames lists the prompt templates that render messages (all but
// the partials).
func templateNames(t *testing.T) []string {
	t.Helper()
	paths, err := fs.Glob(promptFiles, "prompts/*.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		if base := filepath.Base(p); base != promptPartials {
			names = append(names, strings.TrimSuffix(base, ".tmpl"))
		}
	}
	return names
}

// TestPromptsGolden renders every template for every sample language and
// compares it with testdata/golden/<lang>/<name>.txt; -update rewrites them.
func TestPromptsGolden(t *testing.T) {
	t.Parallel()
	names := templateNames(t)
	if len(names) == 0 {
		t.Fatal("no prompt templates embedded")
	}
	for lang, data := range samplePrompts(t) {
		checkGoldenDir(t, filepath.Join("testdata", "golden", lang), lang, names, data)
	}
}

// checkGoldenDir renders each template named with data and compares it
// with dir/<name>.txt (-update rewrites them); no golden file in dir may
// outlive its template.
func checkGoldenDir(t *testing.T, dir, label string, names []string, data promptData) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range names {
		t.Run(label+"/"+name, func(t *testing.T) {
			t.Parallel()
			got, err := render(name, data)
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(got) == "" {
				t.Fatal("template renders nothing")
			}
			path := filepath.Join(dir, name+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./agent/... -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got+"\n"); diff != "" {
				t.Errorf("%s differs from its golden file (-want +got; go test ./agent/... -update rewrites it):\n%s", name, diff)
			}
		})
	}
	if *update {
		return
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !slices.Contains(names, strings.TrimSuffix(filepath.Base(f), ".txt")) {
			t.Errorf("golden file %s has no template among %v", f, names)
		}
	}
}

func TestRenderUnknownTemplate(t *testing.T) {
	t.Parallel()
	if _, err := render("no_such_prompt", promptData{}); err == nil {
		t.Fatal("render(no_such_prompt) succeeded")
	}
}

func TestFence(t *testing.T) {
	t.Parallel()
	py, _ := lookupLang("python")
	tests := []struct{ name, code, want string }{
		{name: "plain", code: "x = 1\n", want: "```python\nx = 1\n```"},
		{name: "backticks inside", code: "s = \"```\"", want: "````python\ns = \"```\"\n````"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := fence(py, tt.code); got != tt.want {
				t.Errorf("fence() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProblemBlock(t *testing.T) {
	t.Parallel()
	py, _ := lookupLang("python")
	goLang, _ := lookupLang("go")
	tests := []struct {
		name    string
		lang    language
		problem string
		fenced  bool
	}{
		{name: "python signature", lang: py, problem: "def f(x):\n    \"\"\"Return x.\"\"\"\n", fenced: true},
		{name: "python imports first", lang: py, problem: "from typing import List\n\n\ndef f(xs: List[int]) -> int:\n    \"\"\"Sum.\"\"\"\n", fenced: true},
		{name: "python prose", lang: py, problem: "Write a function to find the shared elements from the given two lists.", fenced: false},
		{name: "go signature with doc comment", lang: goLang, problem: "// Add returns a + b.\nfunc Add(a, b int) int {\n", fenced: true},
		{name: "go prose", lang: goLang, problem: "Write a function Add that returns the sum of two ints.", fenced: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := problemBlock(tt.lang, tt.problem)
			if fenced := strings.HasPrefix(got, "```"+tt.lang.Fence+"\n"); fenced != tt.fenced {
				t.Errorf("problemBlock() = %q, fenced %t, want %t", got, fenced, tt.fenced)
			}
		})
	}
}

// completerFunc adapts a function to Completer.
type completerFunc func(ctx context.Context, req Request) (Response, error)

func (f completerFunc) Complete(ctx context.Context, req Request) (Response, error) {
	return f(ctx, req)
}

// recorder is a Completer that answers with canned replies, in turn (the
// last one repeats), and records the requests.
type recorder struct {
	mu      sync.Mutex
	replies []string
	err     error
	reqs    []Request
}

func (r *recorder) Complete(_ context.Context, req Request) (Response, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	if r.err != nil {
		return Response{}, r.err
	}
	i := min(len(r.reqs), len(r.replies)) - 1
	return Response{Content: r.replies[i], Model: "fake", FinishReason: "stop", Usage: Usage{PromptTokens: 10, CompletionTokens: 5}}, nil
}

// only returns the single request recorded.
func (r *recorder) only(t *testing.T) Request {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) != 1 {
		t.Fatalf("%d requests recorded, want 1", len(r.reqs))
	}
	return r.reqs[0]
}

// roles returns the message roles of req in order.
func roles(req Request) []string {
	var out []string
	for _, m := range req.Messages {
		out = append(out, m.Role)
	}
	return out
}

var _ Completer = completerFunc(nil)
var _ Completer = (*recorder)(nil)

// roleClient returns a real Client talking to a fake OpenAI-compatible
// server, for end-to-end tests of the roles.
func roleClient(t *testing.T) (*Client, *agenttest.Server) {
	t.Helper()
	srv := agenttest.NewServer(t)
	c, _ := newTestClient(t, srv.URL(), func(cfg *Config) {
		cfg.Model, cfg.MaxRetries = "fake-model", 0
	})
	return c, srv
}

// serverMessages returns the messages of the only request srv received.
func serverMessages(t *testing.T, srv *agenttest.Server) []agenttest.Message {
	t.Helper()
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server got %d requests, want 1", len(reqs))
	}
	return reqs[0].Messages
}
