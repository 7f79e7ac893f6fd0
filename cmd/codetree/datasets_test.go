package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestDatasetsFlags(t *testing.T) {
	t.Parallel()
	var got *datasetsOptions
	code, stderr := runCommand(t, newDatasetsCommand(captured(&got)), "datasets", "--names", "--gold", "--data-dir", "/d")
	if code != exitOK || got == nil || !got.Names || !got.Gold || got.DataDir != "/d" {
		t.Fatalf("exit %d, options %+v: %s", code, got, stderr)
	}
	got = nil
	if code, _ := runCommand(t, newDatasetsCommand(captured(&got)), "datasets", "extra"); code != exitUsage || got != nil {
		t.Errorf("an argument: exit %d, ran %v; want %d", code, got != nil, exitUsage)
	}
}

// TestDatasets: --gold --names is what make gold loops over; the table
// lists every dataset, with problem counts from the data folder when its
// files are there.
func TestDatasets(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := runDatasets(t.Context(), &datasetsOptions{Names: true, Gold: true, Out: &out}); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "humaneval\nhumaneval+\nmbpp\nmbpp-sanitized\nmbpp+\n"; got != want {
		t.Errorf("--gold --names printed %q, want %q", got, want)
	}

	out.Reset()
	empty := t.TempDir()
	if err := runDatasets(t.Context(), &datasetsOptions{DataDir: empty, Out: &out}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"mbpp-full       -               -         first, all, none            no    mbpp/mbpp.jsonl\n",
		"mbpp_sanitized", "evalplus/HumanEvalPlus.jsonl.gz, codetree/humaneval.jsonl", "-: files not in " + empty,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}

	dir := os.Getenv("CODETREE_DATA_DIR")
	if dir == "" {
		t.Skip("CODETREE_DATA_DIR is not set: no problem counts to check")
	}
	out.Reset()
	if err := runDatasets(t.Context(), &datasetsOptions{DataDir: dir, Out: &out}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"humaneval       -               164 ", "mbpp-full       -               974 ", "mbpp+           mbppplus        378 "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "files not in") {
		t.Errorf("files reported missing from %s:\n%s", dir, out.String())
	}
}
