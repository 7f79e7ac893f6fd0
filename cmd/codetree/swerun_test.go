package main

import (
	"errors"
	"fmt"
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
	// A model without a price: the cost is unknown, said once.
	s.Stages = []swebench.StageAccount{{Name: "localize", Calls: 3, PromptTokens: 1500, CompletionTokens: 100}, {Name: "select"}}
	s.Total = swebench.StageAccount{Calls: 3, PromptTokens: 1500, CompletionTokens: 100}
	want := "cost unknown (no price for 3 calls) over 5 attempt(s): localize 1.6k tokens, select 0 tokens."
	if got := sweRunSummaryText(s, "i.jsonl", "run", swebench.DefaultRepoURL); !strings.Contains(got, want) {
		t.Errorf("unpriced summary lacks %q:\n%s", want, got)
	}
}

// TestSweRunShardFlag: --shard picks the part and the run folder
// OUT/shard-I-of-N; the configuration a shard records has the flags that
// change the outcome, the base URL without its user info, and no key.
// Without --shard the run folder is --out.
func TestSweRunShardFlag(t *testing.T) {
	t.Parallel()
	var got *sweRunOptions
	code, stderr := runCommand(t, newSweCommand(nil, captured(&got)), "swe", "run", "--instances", "i.jsonl", "--out", "o",
		"--model", "m", "--shard", "1/3", "--base-url", "https://user:pw@llm.example/v1", "--api-key", "sk-secret",
		"--budget", "3", "--ids", "a__b-1,c__d-2", "--concurrency", "4")
	if code != exitOK || got == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got.Shard != (shard{Index: 1, Count: 3}) || got.runDir() != filepath.Join("o", "shard-1-of-3") {
		t.Errorf("shard %v, run folder %s; want 1/3 in o/shard-1-of-3", got.Shard, got.runDir())
	}
	c := got.Config
	if c["base_url"] != "https://llm.example/v1" || c["budget"] != 3 || c["ids"] != "a__b-1,c__d-2" || c["model"] != "m" ||
		c["strategy"] != "codetree" || c["timeout"] != sweLimits().Timeout.String() {
		t.Errorf("config %v", c)
	}
	if _, ok := c["concurrency"]; ok {
		t.Errorf("config has --concurrency, which only paces the run: %v", c)
	}
	if s := fmt.Sprint(c); strings.Contains(s, "sk-secret") || strings.Contains(s, "pw@") {
		t.Errorf("config holds a secret: %s", s)
	}
	got = nil
	code, stderr = runCommand(t, newSweCommand(nil, captured(&got)), "swe", "run", "--instances", "i.jsonl", "--out", "o", "--model", "m")
	if code != exitOK || got == nil || got.Shard.Count != 0 || got.runDir() != "o" {
		t.Errorf("without --shard: exit %d, options %+v: %s", code, got, stderr)
	}
	for _, bad := range []string{"3/3", "x", "0/0"} {
		got = nil
		code, stderr = runCommand(t, newSweCommand(nil, captured(&got)), "swe", "run", "--instances", "i.jsonl", "--out", "o",
			"--model", "m", "--shard", bad)
		if code != exitUsage || got != nil || !strings.Contains(stderr, "--shard") {
			t.Errorf("--shard %s: exit %d (ran: %v), want a usage error naming --shard: %s", bad, code, got != nil, stderr)
		}
	}
}

// TestSweRunPickShard: a sharded run takes positions I, I+N, ... of the
// selection and writes shard.json (the shard, the selection's size, its
// instance ids, the configuration with the instances file's hash) into
// its folder before anything runs; the same folder with other flags is a
// usage error. Unsharded, it takes everything and writes nothing.
func TestSweRunPickShard(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	insts := filepath.Join(dir, "i.jsonl")
	if err := os.WriteFile(insts, []byte(`{"instance_id":"a__b-1","repo":"a/b","base_commit":"c"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sel := []swebench.Instance{{InstanceID: "p0"}, {InstanceID: "p1"}, {InstanceID: "p2"}, {InstanceID: "p3"}, {InstanceID: "p4"}}
	var stderr strings.Builder
	o := &sweRunOptions{Instances: insts, Out: filepath.Join(dir, "run"), Shard: shard{Index: 1, Count: 2},
		Config: map[string]any{"budget": 8}, Stderr: &stderr}
	got, err := o.pickShard(sel)
	if err != nil || len(got) != 2 || got[0].InstanceID != "p1" || got[1].InstanceID != "p3" {
		t.Fatalf("pickShard: %v, %v; want p1 and p3", got, err)
	}
	if !strings.Contains(stderr.String(), "shard 1/2: 2 of the 5 selected instances") {
		t.Errorf("stderr %q", stderr.String())
	}
	m, err := readShardManifest(filepath.Join(dir, "run", "shard-1-of-2"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != "swe" || m.Shard != "1/2" || m.Selected != 5 || !slices.Equal(m.TaskIDs, []string{"p1", "p3"}) ||
		m.Config["budget"] != 8.0 || m.Config["instances"] != insts || len(fmt.Sprint(m.Config["instances_sha256"])) != 64 {
		t.Errorf("manifest %+v", m)
	}
	if _, err := o.pickShard(sel); err != nil {
		t.Errorf("the same shard again (a resumed run): %v", err)
	}
	o.Config = map[string]any{"budget": 4}
	var ue usageError
	if _, err := o.pickShard(sel); !errors.As(err, &ue) || !strings.Contains(err.Error(), "budget") {
		t.Errorf("other flags in the same folder: %v, want a usage error naming budget", err)
	}
	plain := &sweRunOptions{Instances: insts, Out: filepath.Join(dir, "plain"), Stderr: &stderr}
	if got, err := plain.pickShard(sel); err != nil || len(got) != 5 {
		t.Errorf("unsharded: %v, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "plain")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unsharded run wrote its folder early: %v", err)
	}
}
