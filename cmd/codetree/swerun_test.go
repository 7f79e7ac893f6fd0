package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/benchmarks/swebench"
	"github.com/codetree/codetree/treesearch"
	"github.com/codetree/codetree/treesearch/repo"
)

// TestSweRunFlags checks how swe run's flags become its options, through
// runF: nothing is read or run, no Docker, no model.
func TestSweRunFlags(t *testing.T) {
	t.Parallel()
	var got *sweRunOptions
	code, stderr := runCommand(t, newSweCommand(nil, captured(&got)), "swe", "run", "--instances", "i.jsonl", "--out", "o",
		"--ids", "a__b-1, c__d-2,", "--limit", "1", "--concurrency", "3", "--repo-url", "file:///srv/mirrors/{owner}+{repo}",
		"--work-dir", "w", "--model", "m", "--budget", "5", "--strategy", "codetree-dfs", "--width", "2", "--depth", "4",
		"--temperatures", "debugger=0.7", "--test", "make test", "--keep-reproduction", "--json", "--image", "img",
		"--timeout", "90s", "--memory", "2g", "--mode", "fresh")
	if code != exitOK || got == nil {
		t.Fatalf("exit %d, options %v: %s", code, got, stderr)
	}
	if got.Instances != "i.jsonl" || got.Out != "o" || !slices.Equal(got.IDs, []string{"a__b-1", "c__d-2"}) || got.Limit != 1 ||
		got.Concurrency != 3 || got.RepoURL != "file:///srv/mirrors/{owner}+{repo}" || got.WorkDir != "w" || got.Budget != 5 ||
		got.Test != "make test" || !got.KeepReproduction || !got.JSON || got.Image != "img" {
		t.Errorf("options %+v", got)
	}
	if s := got.Search; s.Strategy != "codetree-dfs" || s.Shape != (treesearch.StrategyOptions{Width: 2, Depth: 4}) ||
		s.Temperatures[agent.RoleDebugger] != 0.7 {
		t.Errorf("search options %+v", s)
	}
	if got.Agent.Model != "m" || got.Agent.Concurrency < 3 || got.Limits.Timeout != 90*time.Second || got.Limits.Memory != 2<<30 ||
		got.Sandbox.Mode.String() != "fresh" {
		t.Errorf("model %+v, limits %+v, sandbox %+v", got.Agent, got.Limits, got.Sandbox)
	}
}

// TestSweRunFlagDefaults: one instance at a time, GitHub's URLs, the
// swe limits, solve's search shape, the fix alone in the patch.
func TestSweRunFlagDefaults(t *testing.T) {
	t.Parallel()
	var got *sweRunOptions
	code, stderr := runCommand(t, newSweCommand(nil, captured(&got)), "swe", "run", "--instances", "i.jsonl", "--out", "o", "--model", "m")
	if code != exitOK || got == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got.Concurrency != 1 || got.Limit != 0 || len(got.IDs) != 0 || got.RepoURL != swebench.DefaultRepoURL || got.WorkDir != "" ||
		got.Budget != 8 || got.Test != "" || got.KeepReproduction || got.JSON || got.Limits != sweLimits() {
		t.Errorf("options %+v", got)
	}
	if s := got.Search; s.Strategy != "codetree" || s.Shape.Width != repo.DefaultWidth {
		t.Errorf("search options %+v", s)
	}
	if got.Sim != nil {
		t.Errorf("a simulated model without --model sim: %+v", got.Sim)
	}
	got = nil
	code, stderr = runCommand(t, newSweCommand(nil, captured(&got)), "swe", "run", "--instances", "i.jsonl", "--out", "o",
		"--model", "sim", "--sim-seed", "7")
	if code != exitOK || got == nil || got.Sim == nil || got.Sim.Seed != 7 {
		t.Errorf("--model sim: exit %d, options %+v: %s", code, got, stderr)
	}
}

// TestSweRunFlagErrors: bad flags are usage errors and nothing runs.
func TestSweRunFlagErrors(t *testing.T) {
	t.Parallel()
	ok := []string{"--instances", "i.jsonl", "--out", "o", "--model", "m"}
	for _, bad := range [][]string{
		{"--out", "o", "--model", "m"},
		{"--instances", "i.jsonl", "--model", "m"},
		{"--instances", "i.jsonl", "--out", "o"},
		append(slices.Clone(ok), "--concurrency", "0"),
		append(slices.Clone(ok), "--limit", "-1"),
		append(slices.Clone(ok), "--budget", "0"),
		append(slices.Clone(ok), "--repo-url", "https://example.com/x.git"),
		append(slices.Clone(ok), "--test", " "),
		append(slices.Clone(ok), "--width", "0"),
		append(slices.Clone(ok), "--timeout", "0s"),
		{"--instances", "i.jsonl", "--out", "o", "--model", "sim", "--sim-correct-rate", "2"},
		append(slices.Clone(ok), "extra"),
	} {
		var got *sweRunOptions
		code, stderr := runCommand(t, newSweCommand(nil, captured(&got)), append([]string{"swe", "run"}, bad...)...)
		if code != exitUsage || got != nil {
			t.Errorf("%v: exit %d (ran: %v), want a usage error: %s", bad, code, got != nil, stderr)
		}
	}
}

// TestSweRunInputErrors: a missing file and unknown --ids are usage
// errors, found before Docker or the model is touched.
func TestSweRunInputErrors(t *testing.T) {
	t.Parallel()
	insts := filepath.Join(t.TempDir(), "i.jsonl")
	if err := os.WriteFile(insts, []byte(`{"instance_id":"a__b-1","repo":"a/b","base_commit":"c"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts sweRunOptions
		want string
	}{
		{"missing instances file", sweRunOptions{Instances: filepath.Join(t.TempDir(), "nope")}, "--instances"},
		{"unknown ids", sweRunOptions{Instances: insts, IDs: []string{"a__b-1", "zz", "yy"}}, "no such instance: zz, yy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := runSweRun(t.Context(), &tt.opts)
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a usage error with %q", err, tt.want)
			}
		})
	}
}

// TestSweRunSummaryText: the paragraph gives the counts, the errors, the
// spend by stage, the simulated-model warning and how to score the run.
func TestSweRunSummaryText(t *testing.T) {
	t.Parallel()
	s := swebench.RunSummary{Instances: 4, Predicted: 3, Patched: 2, EmptyPatch: 1, PassedOwnTests: 1, Errors: 1,
		EditedTestsIDs: []string{"a__b-2"}, ErrorIDs: []string{"a__b-4"}, ErrorClasses: map[string]string{"a__b-4": "network"}, Attempts: 5, Simulated: true,
		Stages: []swebench.StageAccount{{Name: "localize", PromptTokens: 1500, CompletionTokens: 100, CostUSD: 0.5}},
		Total:  swebench.StageAccount{PromptTokens: 1500, CompletionTokens: 100, CostUSD: 0.5}}
	got := sweRunSummaryText(s, "i.jsonl", "run", "file:///m/{owner}+{repo}")
	for _, want := range []string{
		"4 instance(s): 3 with a prediction in run (2 patched, 1 empty); 1 patched pass their own tests.",
		"Patches that change existing tests (check them): a__b-2.", "Infrastructure errors: a__b-4 (network).", "Tokens 1600 (1500 prompt, 100 completion), cost $0.5000 over 5 attempt(s): localize 1.6k tokens $0.5000.",
		"Simulated model: these figures measure the harness, not a model.",
		"codetree swe eval --instances i.jsonl --predictions " + filepath.Join("run", "predictions.jsonl") + " --repo-url 'file:///m/{owner}+{repo}'",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	s.Simulated = false
	if got := sweRunSummaryText(s, "i.jsonl", "run", swebench.DefaultRepoURL); strings.Contains(got, "Simulated") || strings.Contains(got, "--repo-url") {
		t.Errorf("a real model's summary says simulated, or names the default --repo-url:\n%s", got)
	}
}
