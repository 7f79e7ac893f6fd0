package swebench

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestReadPredictions(t *testing.T) {
	t.Parallel()
	p1 := `{"instance_id":"a__b-1","model_name_or_path":"codetree","model_patch":"diff --git a/x b/x\n"}`
	p2 := `{"instance_id":"a__b-2","model_name_or_path":"codetree","model_patch":""}`
	p3null := `{"instance_id":"a__b-3","model_name_or_path":"codetree","model_patch":null}`
	tests := []struct {
		name     string
		input    string
		wantIDs  []string
		wantTorn int
		wantErr  []string
	}{
		{name: "jsonl", input: p1 + "\n" + p2 + "\n" + p3null + "\n", wantIDs: []string{"a__b-1", "a__b-2", "a__b-3"}},
		{name: "json array", input: "[" + p1 + ",\n" + p2 + "]", wantIDs: []string{"a__b-1", "a__b-2"}},
		{name: "last line complete without newline", input: p1 + "\n" + p2, wantIDs: []string{"a__b-1", "a__b-2"}},
		{name: "torn last line", input: p1 + "\n" + p2[:30], wantIDs: []string{"a__b-1"}, wantTorn: 1},
		{name: "empty file", input: "", wantIDs: []string{}},
		{name: "malformed middle line", input: p1 + "\n" + p2[:30] + "\n" + p2 + "\n", wantErr: []string{"preds.jsonl:2:", "invalid JSON"}},
		{name: "malformed last line with newline is not torn", input: p1 + "\n" + p2[:30] + "\n", wantErr: []string{"preds.jsonl:2:"}},
		{name: "missing instance_id", input: `{"model_patch":"x"}` + "\n", wantErr: []string{"preds.jsonl:1:", "instance_id", "missing"}},
		{name: "duplicate", input: p1 + "\n" + p1 + "\n", wantErr: []string{"preds.jsonl:2:", "duplicate", "line 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			preds, torn, err := ReadPredictions(strings.NewReader(tt.input), "preds.jsonl")
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("ReadPredictions: no error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadPredictions: %v", err)
			}
			ids := []string{}
			for _, p := range preds {
				ids = append(ids, p.InstanceID)
			}
			if !slices.Equal(ids, tt.wantIDs) || torn != tt.wantTorn {
				t.Errorf("ids, torn = %v, %d; want %v, %d", ids, torn, tt.wantIDs, tt.wantTorn)
			}
		})
	}
}

func TestPredictionWriterResume(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "preds.jsonl")
	w, dropped, err := OpenPredictionWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	if dropped != 0 {
		t.Errorf("new file: dropped = %d", dropped)
	}
	first := Prediction{InstanceID: "a__b-1", ModelNameOrPath: "m", ModelPatch: "diff --git a/x b/x\n+\"quoted\"\n"}
	if err := w.Write(first); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(Prediction{ModelPatch: "x"}); err == nil {
		t.Error("Write without instance_id: no error")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// A crash in the middle of the next write leaves a torn line.
	torn := `{"instance_id":"a__b-2","model_name_or_pa`
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(torn); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	preds, nTorn := readPredictionsFile(t, path)
	if nTorn != 1 || len(preds) != 1 || preds[0] != first {
		t.Fatalf("after crash: preds %+v, torn %d; want the first prediction and 1 torn", preds, nTorn)
	}

	// Resuming cuts the torn tail, so the next line is whole.
	w, dropped, err = OpenPredictionWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	if dropped != int64(len(torn)) {
		t.Errorf("dropped = %d, want %d", dropped, len(torn))
	}
	second := Prediction{InstanceID: "a__b-2", ModelNameOrPath: "m"}
	if err := w.Write(second); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	preds, nTorn = readPredictionsFile(t, path)
	if nTorn != 0 || !slices.Equal(preds, []Prediction{first, second}) {
		t.Errorf("after resume: preds %+v, torn %d", preds, nTorn)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 2 || !strings.HasSuffix(string(data), "\n") {
		t.Errorf("file has %d lines, want 2 newline-terminated lines:\n%s", n, data)
	}
}

func TestPredictionWriterConcurrent(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "preds.jsonl")
	w, _, err := OpenPredictionWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	patch := strings.Repeat("+line\n", 2000)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = w.Write(Prediction{InstanceID: fmt.Sprintf("x__y-%d", i), ModelPatch: patch})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	preds, torn := readPredictionsFile(t, path)
	if len(preds) != n || torn != 0 {
		t.Errorf("read %d predictions (%d torn), want %d whole lines", len(preds), torn, n)
	}
}

func readPredictionsFile(t *testing.T, path string) ([]Prediction, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	preds, torn, err := ReadPredictions(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return preds, torn
}
