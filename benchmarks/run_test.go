package benchmarks

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	he0Right = `{"task_id": "HumanEval/0", "completion": "    return a + b\n"}`
	he0Wrong = `{"task_id": "HumanEval/0", "completion": "    return 0\n"}`
	he1Right = `{"task_id": "HumanEval/1", "solution": "def first_word(s):\n    return s.split(' ')[0]\n"}`
	he1Wrong = `{"task_id": "HumanEval/1", "completion": "    return s\n"}`
)

// samplesFor reads samples lines for ps, allowing missing problems.
func samplesFor(t *testing.T, ps []*Problem, lines ...string) []SampleLine {
	t.Helper()
	out, err := ReadSamplesFor("samples.jsonl", strings.NewReader(strings.Join(lines, "\n")+"\n"), ps, true)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEvaluateJournal scores samples with the real harness, writes the
// results file in the samples' order, and on reruns reuses the journalled
// verdicts of the very same samples only.
func TestEvaluateJournal(t *testing.T) {
	t.Parallel()
	sb := newTestSandbox(t)
	ps := loadFixture(t, HumanEval, "")
	results := filepath.Join(t.TempDir(), "samples.jsonl_results.jsonl")
	opts := func(lines ...string) EvaluateOptions {
		return EvaluateOptions{Runner: sb, Problems: ps, Samples: samplesFor(t, ps, lines...), ResultsPath: results, Ks: []int{1, 2}, Workers: 2, Batch: 2}
	}

	rep, err := Evaluate(t.Context(), opts(he0Right, he0Wrong, he1Right))
	if err != nil {
		t.Fatal(err)
	}
	if got := passedOf(rep.Verdicts); !slices.Equal(got, []bool{true, false, true}) {
		t.Errorf("passed %v, want [true false true]", got)
	}
	if rep.Problems != 2 || rep.Evaluated != 3 || rep.Reused != 0 || !slices.Equal(rep.Failed, []int{1}) || rep.PlusAtK != nil {
		t.Errorf("report %+v: want 2 problems, 3 evaluated, none reused, sample 1 failed, no plus score", rep)
	}
	// pass@2 is left out: HumanEval/1 has one sample.
	if !maps.Equal(rep.PassAtK, map[int]float64{1: 0.75}) {
		t.Errorf("pass@k %v, want only pass@1 = 0.75", rep.PassAtK)
	}
	rows := readResults(t, results)
	for i, want := range []struct {
		id     string
		passed bool
		result string
	}{{"HumanEval/0", true, "passed"}, {"HumanEval/0", false, "failed: "}, {"HumanEval/1", true, "passed"}} {
		if rows[i]["task_id"] != want.id || rows[i]["passed"] != want.passed || rows[i]["result"] != want.result || rows[i]["timeout_s"] == nil {
			t.Errorf("result row %d = %v, want %+v with timeout_s", i, rows[i], want)
		}
	}

	// One more sample: only it is scored.
	rep, err = Evaluate(t.Context(), opts(he0Right, he0Wrong, he1Right, he1Wrong))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Reused != 3 || rep.Evaluated != 1 || rep.PassAtK[1] != 0.5 || len(readResults(t, results)) != 4 {
		t.Errorf("rerun: reused %d, evaluated %d, pass@1 %v; want 3, 1, 0.5 and 4 result rows", rep.Reused, rep.Evaluated, rep.PassAtK[1])
	}
	// A changed sample is scored again, not read from the journal.
	rep, err = Evaluate(t.Context(), opts(he0Right, he0Right, he1Right, he1Wrong))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Reused != 3 || rep.Evaluated != 1 || !rep.Verdicts[1].Passed || !slices.Equal(rep.Failed, []int{3}) {
		t.Errorf("changed sample: reused %d, evaluated %d, verdict %+v, failed %v; want 3, 1, passed, [3]", rep.Reused, rep.Evaluated, rep.Verdicts[1], rep.Failed)
	}
}

// TestEvaluateGold: every reference solution of each family passes. (The
// plus fixtures' inputs test parsing, not scoring; make gold scores the
// real HumanEval+ and MBPP+ through Evaluate.)
func TestEvaluateGold(t *testing.T) {
	t.Parallel()
	sb := newTestSandbox(t)
	for _, d := range []Dataset{HumanEval, MBPP, MBPPSanitized} {
		ps := loadFixture(t, d, "")
		rep, err := Evaluate(t.Context(), EvaluateOptions{Runner: sb, Problems: ps, Samples: GoldSamples(ps), Ks: []int{1}, Workers: 4, Batch: 16})
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if len(rep.Verdicts) != len(ps) || rep.Failed != nil || rep.PassAtK[1] != 1 || rep.Problems != len(ps) {
			t.Errorf("%s: %d verdicts, failed %v, pass@1 %v; want %d, none, 1", d, len(rep.Verdicts), rep.Failed, rep.PassAtK[1], len(ps))
		}
		if rep.PlusAtK != nil || rep.Evaluated != len(ps) || rep.Reused != 0 {
			t.Errorf("%s: plus pass@k %v, %d evaluated, %d reused; want none, %d, 0", d, rep.PlusAtK, rep.Evaluated, rep.Reused, len(ps))
		}
	}
}

func TestReadSamplesFor(t *testing.T) {
	t.Parallel()
	ps := loadFixture(t, HumanEval, "")
	tests := []struct {
		name         string
		text         string
		allowMissing bool
		want         int      // lines read, when no error
		wantErr      []string // in the *SamplesError's text
	}{
		{"all problems", he0Right + "\n" + he1Right + "\n" + `{"task_id": "HumanEval/2", "completion": "x"}`, false, 3, nil},
		{"missing allowed", he0Right, true, 1, nil},
		{"missing", he0Right, false, 0, []string{"2 of 3 problems have no sample (HumanEval/1, HumanEval/2)", "--allow-missing"}},
		{"bad lines", he0Right + "\n" + `{"task_id": "HumanEval/0"` + "\n" + `{"task_id": "HumanEval/9", "completion": "x"}`, true, 0,
			[]string{"samples.jsonl: 2 problem(s):", "line 2: not a JSON object", `line 3: unknown task_id "HumanEval/9"`}},
		{"empty", "\n", true, 0, []string{"no samples in the file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lines, err := ReadSamplesFor("samples.jsonl", strings.NewReader(tt.text), ps, tt.allowMissing)
			if tt.wantErr == nil {
				if err != nil || len(lines) != tt.want {
					t.Errorf("%d lines, %v; want %d lines", len(lines), err, tt.want)
				}
				return
			}
			var se *SamplesError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a *SamplesError", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func passedOf(vs []Verdict) []bool {
	out := make([]bool, len(vs))
	for i, v := range vs {
		out[i] = v.Passed
	}
	return out
}

func readResults(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []map[string]any
	for dec := json.NewDecoder(f); dec.More(); {
		var row map[string]any
		if err := dec.Decode(&row); err != nil {
			t.Fatalf("%s row %d: %v", path, len(rows), err)
		}
		rows = append(rows, row)
	}
	return rows
}
