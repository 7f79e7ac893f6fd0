package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/codetree/codetree/benchmarks/swebench"
	"github.com/codetree/codetree/benchmarks/swebench/swebenchtest"
)

// TestSweEvalFlags checks how swe eval's flags become its options,
// through runF: nothing runs, no Docker.
func TestSweEvalFlags(t *testing.T) {
	t.Parallel()
	var got *sweEvalOptions
	code, stderr := runCommand(t, newSweCommand(captured(&got), nil), "swe", "eval", "--instances", "i.jsonl",
		"--predictions", "p.jsonl", "--ids", "a__b-1, c__d-2,", "--repo-url", "file:///srv/mirrors/{owner}+{repo}",
		"--out", "o", "--concurrency", "4", "--timeout", "90s", "--memory", "2g")
	if code != exitOK || got == nil {
		t.Fatalf("exit %d, options %v: %s", code, got, stderr)
	}
	if got.Instances != "i.jsonl" || got.Predictions != "p.jsonl" || got.Gold || !slices.Equal(got.IDs, []string{"a__b-1", "c__d-2"}) ||
		got.RepoURL != "file:///srv/mirrors/{owner}+{repo}" || got.Out != "o" || got.Concurrency != 4 ||
		got.Limits.Timeout != 90*time.Second || got.Limits.Memory != 2<<30 {
		t.Errorf("options %+v", got)
	}

	got = nil
	code, stderr = runCommand(t, newSweCommand(captured(&got), nil), "swe", "eval", "--instances", "i.jsonl", "--gold")
	if code != exitOK || got == nil {
		t.Fatalf("--gold: exit %d: %s", code, stderr)
	}
	if !got.Gold || got.RepoURL != swebench.DefaultRepoURL || got.Limits.Timeout != sweLimits().Timeout || got.Concurrency != 2 {
		t.Errorf("defaults: %+v", got)
	}

	for _, bad := range [][]string{
		{"--instances", "i.jsonl"},
		{"--instances", "i.jsonl", "--gold", "--predictions", "p.jsonl"},
		{"--gold"},
		{"--instances", "i.jsonl", "--gold", "--concurrency", "0"},
		{"--instances", "i.jsonl", "--gold", "--repo-url", "https://example.com/x.git"},
		{"--instances", "i.jsonl", "--gold", "--timeout", "0s"},
		{"--instances", "i.jsonl", "--gold", "extra"},
	} {
		got = nil
		code, stderr := runCommand(t, newSweCommand(captured(&got), nil), append([]string{"swe", "eval"}, bad...)...)
		if code != exitUsage || got != nil {
			t.Errorf("%v: exit %d (ran: %v), want a usage error: %s", bad, code, got != nil, stderr)
		}
	}
}

// TestSweEvalInputErrors: bad input files are usage errors, found before
// Docker is touched.
func TestSweEvalInputErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	insts := write("i.jsonl", `{"instance_id":"a__b-1","repo":"a/b","base_commit":"c"}`+"\n")
	tests := []struct {
		name string
		opts sweEvalOptions
		want string
	}{
		{"missing instances file", sweEvalOptions{Instances: filepath.Join(dir, "nope"), Gold: true}, "--instances"},
		{"prediction for an unknown instance", sweEvalOptions{Instances: insts, Predictions: write("p.jsonl", `{"instance_id":"x__y-9","model_patch":""}`+"\n")}, `"x__y-9"`},
		{"unknown id", sweEvalOptions{Instances: insts, Gold: true, IDs: []string{"zz"}}, "zz (not an instance)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := loadSweInput(&tt.opts)
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a usage error with %q", err, tt.want)
			}
		})
	}
}

// TestSweEvalE2E runs `codetree swe eval` through the binary on the test
// repositories: --gold resolves all and exits 0; predictions with an empty
// and a test-breaking patch exit 0 with their verdicts in summary.json and
// the printed paragraph; --gold on an instance whose gold patch is broken
// exits 1.
func TestSweEvalE2E(t *testing.T) {
	t.Parallel()
	bin := codetreeBinary(t)
	tmpl, instPath := swebenchtest.Remotes(t)
	run := func(args ...string) (int, string, string) {
		t.Helper()
		return runSwe(t, bin, append([]string{"eval", "--instances", instPath, "--repo-url", tmpl,
			"--timeout", "3m", "--concurrency", "3"}, args...)...)
	}

	gold := t.TempDir()
	code, stdout, stderr := run("--gold", "--out", gold)
	if code != exitOK || !strings.Contains(stdout, "Resolved 6 of 6") {
		t.Fatalf("--gold: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}

	preds := filepath.Join(t.TempDir(), "preds.jsonl")
	breaks, err := os.ReadFile(filepath.Join(swebenchtest.Dir(t), "acme+mathx", "breaks_p2p.patch"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []byte
	for _, p := range []swebench.Prediction{
		{InstanceID: "acme__mathx-2", ModelNameOrPath: "m", ModelPatch: string(breaks)},
		{InstanceID: "pyco__units-5", ModelNameOrPath: "m", ModelPatch: ""},
	} {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(append(lines, b...), '\n')
	}
	if err := os.WriteFile(preds, lines, 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	code, stdout, stderr = run("--predictions", preds, "--out", out)
	if code != exitOK || !strings.Contains(stdout, "Resolved 0 of 2") || !strings.Contains(stdout, "Unresolved: acme__mathx-2") ||
		!strings.Contains(stdout, "Empty patch: pyco__units-5") {
		t.Fatalf("predictions: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]swebench.InstanceReport
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if r := rep["acme__mathx-2"]; r.TestsStatus == nil || !slices.Equal(r.TestsStatus.PassToPass.Failure, []string{"TestMax"}) {
		t.Errorf("acme__mathx-2 report %+v", r)
	}
	if r := rep["pyco__units-5"]; r.PatchExists || !r.PatchIsNone {
		t.Errorf("pyco__units-5 report %+v", r)
	}

	// An instance whose gold patch breaks a PASS_TO_PASS test is invalid:
	// --gold exits 1.
	insts, err := os.ReadFile(instPath)
	if err != nil {
		t.Fatal(err)
	}
	var bad []byte
	for line := range strings.Lines(string(insts)) {
		if !strings.Contains(line, `"acme__mathx-2"`) {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		m["patch"] = string(breaks)
		if bad, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
	}
	badPath := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(badPath, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), bin, "swe", "eval", "--instances", badPath, "--gold", "--repo-url", tmpl,
		"--timeout", "3m", "--out", t.TempDir())
	outb, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != exitFailure || !strings.Contains(string(outb), "Resolved 0 of 1") {
		t.Errorf("--gold with a broken gold patch: exit %d, want %d\n%s", code, exitFailure, outb)
	}
}

// runSwe runs `codetree swe ARGS...` and returns its exit code, stdout
// and stderr.
func runSwe(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, append([]string{"swe"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run codetree: %v", err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}
