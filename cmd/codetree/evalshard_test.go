package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/benchmarks"
)

// sampleLines makes samples file lines for the task ids, line numbers
// from 1.
func sampleLines(ids ...string) []benchmarks.SampleLine {
	out := make([]benchmarks.SampleLine, len(ids))
	for i, id := range ids {
		out[i] = benchmarks.SampleLine{Line: i + 1, Sample: benchmarks.Sample{TaskID: id, Completion: fmt.Sprintf("    return %d\n", i)}}
	}
	return out
}

func lineNumbers(lines []benchmarks.SampleLine) []int {
	out := make([]int, len(lines))
	for i, l := range lines {
		out[i] = l.Line
	}
	return out
}

// TestSelectEvalShard: a shard is the problems with samples at positions
// i % N == I in the dataset's order, with all their samples in the
// file's order; the shards split the samples exactly.
func TestSelectEvalShard(t *testing.T) {
	t.Parallel()
	order := []string{"a", "b", "c", "d", "e"}
	lines := sampleLines("e", "a", "c", "d", "a", "c", "e") // b has no samples
	tests := []struct {
		s     shard
		ids   []string
		lines []int
	}{
		{shard{}, []string{"a", "c", "d", "e"}, []int{1, 2, 3, 4, 5, 6, 7}},
		{shard{0, 2}, []string{"a", "d"}, []int{2, 4, 5}},
		{shard{1, 2}, []string{"c", "e"}, []int{1, 3, 6, 7}},
		{shard{3, 4}, []string{"e"}, []int{1, 7}},
		{shard{4, 5}, nil, nil}, // more shards than problems: an empty one
	}
	for _, tt := range tests {
		t.Run(tt.s.String(), func(t *testing.T) {
			t.Parallel()
			part := selectEvalShard(order, lines, tt.s)
			if !slices.Equal(part.TaskIDs, tt.ids) || !slices.Equal(lineNumbers(part.Lines), tt.lines) || part.Selected != 4 {
				t.Errorf("shard %s: problems %v, lines %v, of %d; want %v, %v, of 4", tt.s, part.TaskIDs, lineNumbers(part.Lines), part.Selected, tt.ids, tt.lines)
			}
		})
	}
	// The split follows the dataset, not the file: reordering the
	// samples moves no problem to another shard.
	reversed := slices.Clone(lines)
	slices.Reverse(reversed)
	if got := selectEvalShard(order, reversed, shard{1, 2}).TaskIDs; !slices.Equal(got, []string{"c", "e"}) {
		t.Errorf("reversed samples: shard 1/2 is %v, want [c e]", got)
	}
}

// TestEvalShardFlags: --shard and --out become the run folder; bad
// values are usage errors and nothing runs.
func TestEvalShardFlags(t *testing.T) {
	t.Parallel()
	samples := filepath.Join("d", "s.jsonl")
	tests := []struct {
		args  []string
		shard shard
		out   string
	}{
		{[]string{"--samples", samples}, shard{}, ""},
		{[]string{"--samples", samples, "--out", "o"}, shard{}, "o"},
		{[]string{"--samples", samples, "--shard", "1/3"}, shard{1, 3}, filepath.Join("d", "s_eval", "shard-1-of-3")},
		{[]string{"--samples", samples, "--shard", "0/2", "--out", "o"}, shard{0, 2}, filepath.Join("o", "shard-0-of-2")},
		{[]string{"--gold", "--shard", "0/2"}, shard{0, 2}, filepath.Join("runs", "eval-gold-humaneval", "shard-0-of-2")},
	}
	for _, tt := range tests {
		var got *evalOptions
		code, stderr := runCommand(t, newEvalCommand(captured(&got)), append([]string{"eval", "--dataset", "humaneval"}, tt.args...)...)
		if code != exitOK || got == nil {
			t.Errorf("eval %v: exit %d: %s", tt.args, code, stderr)
			continue
		}
		if got.Shard != tt.shard || got.OutDir != tt.out {
			t.Errorf("eval %v: shard %v, folder %q; want %v, %q", tt.args, got.Shard, got.OutDir, tt.shard, tt.out)
		}
	}
	for _, bad := range []string{"3/3", "x", "0/0"} {
		var got *evalOptions
		code, stderr := runCommand(t, newEvalCommand(captured(&got)), "eval", "--dataset", "humaneval", "--samples", samples, "--shard", bad)
		if code != exitUsage || got != nil || !strings.Contains(stderr, "--shard") {
			t.Errorf("--shard %s: exit %d, ran %v, stderr %q; want %d, nothing run, a --shard message", bad, code, got != nil, stderr, exitUsage)
		}
	}
}

// TestEvalShardConfig: the recorded configuration holds what can change a
// verdict (the samples' content, the limits) and not what only changes
// the speed.
func TestEvalShardConfig(t *testing.T) {
	t.Parallel()
	samples := filepath.Join(t.TempDir(), "s.jsonl")
	writeLines(t, samples, he0Right)
	opts := func(args ...string) *evalOptions {
		var got *evalOptions
		code, stderr := runCommand(t, newEvalCommand(captured(&got)), append([]string{"eval", "--dataset", "humaneval", "--samples", samples, "--shard", "0/2"}, args...)...)
		if code != exitOK {
			t.Fatalf("eval %v: exit %d: %s", args, code, stderr)
		}
		return got
	}
	config := func(o *evalOptions) map[string]any {
		cfg, err := o.config()
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	base := config(opts())
	if base["samples_sha256"] == "" || !filepath.IsAbs(base["samples"].(string)) || base["timeout_cap"] != "1m0s" {
		t.Errorf("config %v lacks the samples' path and hash or the time limits", base)
	}
	if diff := configDiff(base, config(opts("--workers", "3", "--batch", "1", "--mode", "fresh"))); len(diff) > 0 {
		t.Errorf("workers, batch and mode changed the configuration: %v", diff)
	}
	for _, args := range [][]string{{"--timeout-cap", "9s"}, {"--memory", "256MiB"}, {"--k", "1"}, {"--timeout-factor", "2"}} {
		if diff := configDiff(base, config(opts(args...))); len(diff) != 1 {
			t.Errorf("%v: configuration differences %v, want one", args, diff)
		}
	}
	writeLines(t, samples, he0Wrong)
	if diff := configDiff(base, config(opts())); len(diff) != 1 || !strings.HasPrefix(diff[0], "samples_sha256") {
		t.Errorf("new samples: differences %v, want samples_sha256", diff)
	}
}

// TestEvalUnscoredError: an evaluation stopped by an infrastructure error
// exits 3 naming the problems whose samples lack a verdict (the
// journalled ones are kept) and how to finish; an interruption stays one.
func TestEvalUnscoredError(t *testing.T) {
	t.Parallel()
	results := filepath.Join(t.TempDir(), "results.jsonl")
	lines := sampleLines("HumanEval/3", "HumanEval/3", "HumanEval/5")
	j, err := benchmarks.OpenJournal(results + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := j.Record(i, lines[i].Sample.Key(), benchmarks.Verdict{Passed: true, Result: "passed"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	cause := errors.New("evaluation stopped by an infrastructure error: sandbox internal error")
	err = evalUnscoredError(t.Context(), cause, lines, results)
	var ec cli.ExitCoder
	if !errors.As(err, &ec) || ec.ExitCode() != exitInfra {
		t.Fatalf("error %v, want exit %d", err, exitInfra)
	}
	for _, want := range []string{"sandbox internal error", "1 of 3 samples, of 1 problem(s)", "(HumanEval/5)", "rerun the same command"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "HumanEval/3") {
		t.Errorf("error %q names a problem whose samples are journalled", err)
	}
	if err := evalUnscoredError(t.Context(), cause, lines, ""); !strings.Contains(err.Error(), "3 of 3 samples, of 2 problem(s)") {
		t.Errorf("without a journal: %q, want every sample unscored", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := evalUnscoredError(ctx, context.Canceled, lines, results); !errors.Is(err, context.Canceled) || exitCode(ctx, err, &bytes.Buffer{}) != exitCanceled {
		t.Errorf("interrupted: %v, want the interruption (exit %d)", err, exitCanceled)
	}
}

// mergeShards runs codetree merge in the process (it needs no Docker).
func mergeShards(t *testing.T, out string, allowPartial bool, shards ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := runMerge(t.Context(), &mergeOptions{Out: out, Shards: shards, AllowPartial: allowPartial, Stdout: &stdout, Stderr: &stderr})
	return exitCode(t.Context(), err, &stderr), stdout.String(), stderr.String()
}

// writeFakeEvalShard writes the folder eval --shard would leave for
// shard s of lines with verdicts: shard.json, sample_lines.json, and
// results.jsonl.
func writeFakeEvalShard(t *testing.T, dir string, order []string, lines []benchmarks.SampleLine, verdicts []benchmarks.Verdict, s shard) {
	t.Helper()
	part := selectEvalShard(order, lines, s)
	var vs []benchmarks.Verdict
	for _, l := range part.Lines {
		vs = append(vs, verdicts[l.Line-1])
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{"dataset": "humaneval+", "visible_test_policy": "docstring", "gold": false, "ks": []int{1, 2}}
	m := shardManifest{Kind: "eval", Shard: s.String(), Selected: part.Selected, TaskIDs: part.TaskIDs, Config: cfg, Version: "test"}
	if err := writeShardManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	if err := writeSampleLines(dir, part.Lines); err != nil {
		t.Fatal(err)
	}
	if err := benchmarks.WriteResults(filepath.Join(dir, evalResultsFile), part.Lines, vs); err != nil {
		t.Fatal(err)
	}
}

// withFields gives lines the fields a samples file would have.
func withFields(lines []benchmarks.SampleLine) []benchmarks.SampleLine {
	for i := range lines {
		lines[i].Fields = map[string]json.RawMessage{
			"task_id": mustJSON(lines[i].Sample.TaskID), "completion": mustJSON(lines[i].Sample.Completion),
		}
	}
	return lines
}

// TestMergeEvalFiles merges fake shard folders (no Docker): the results
// in the samples file's order, byte for byte what one run writes; pass@k
// and plus pass@k as one run computes them; a truncated shard refused,
// naming its problems, unless --allow-partial.
func TestMergeEvalFiles(t *testing.T) {
	t.Parallel()
	order := []string{"p0", "p1", "p2", "p3", "p4"}
	lines := withFields(sampleLines("p3", "p0", "p1", "p4", "p2", "p0", "p3", "p1", "p2", "p4", "p0", "p3"))
	verdicts := make([]benchmarks.Verdict, len(lines))
	for i := range verdicts {
		v := benchmarks.Verdict{Passed: i%3 != 0, Result: "passed", Plus: &benchmarks.PlusVerdict{Passed: i%4 != 1, Result: "passed"}}
		if !v.Passed {
			v.Result = "failed: "
		}
		if !v.Plus.Passed {
			v.Plus.Result = "failed: "
		}
		verdicts[i] = v
	}
	root := t.TempDir()
	var shards []string
	for i := range 3 {
		dir := filepath.Join(root, fmt.Sprintf("shard-%d-of-3", i))
		writeFakeEvalShard(t, dir, order, lines, verdicts, shard{i, 3})
		shards = append(shards, dir)
	}
	code, stdout, stderr := mergeShards(t, root, false, shards...)
	if code != exitOK {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	var whole bytes.Buffer
	wholePath := filepath.Join(t.TempDir(), "whole.jsonl")
	if err := benchmarks.WriteResults(wholePath, lines, verdicts); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(wholePath)
	whole.Write(b)
	merged, err := os.ReadFile(filepath.Join(root, evalResultsFile))
	if err != nil || !bytes.Equal(merged, whole.Bytes()) {
		t.Errorf("merged results (%v):\n%s\nwant, as one run writes them:\n%s", err, merged, whole.Bytes())
	}
	want := benchmarks.Tally(lines, verdicts, []int{1, 2})
	sum := readEvalSummary(t, filepath.Join(root, evalSummaryFile))
	if !maps.Equal(sum.PassAtK, atK(want.PassAtK)) || !maps.Equal(sum.PlusAtK, atK(want.PlusAtK)) || sum.Problems != 5 || sum.Samples != 12 {
		t.Errorf("merged summary %+v, want pass@k %v, plus %v over 5 problems and 12 samples", sum, want.PassAtK, want.PlusAtK)
	}
	if sum.Merged == nil || sum.Merged.Count != 3 || len(sum.Merged.Shards) != 3 || sum.Selected != 5 {
		t.Errorf("merged summary records %+v of %d selected, want 3 shards of 5", sum.Merged, sum.Selected)
	}
	if !strings.Contains(stdout, "merged 3 shard(s) of 3") || !strings.Contains(stdout, "plus: pass@1") {
		t.Errorf("stdout %q lacks the merge and the summary lines", stdout)
	}

	// Shard 1 is p1 and p4 (lines 3, 4, 8, 10): cut its last results
	// line, and p4 (line 10) has a sample without a verdict.
	res1 := filepath.Join(shards[1], evalResultsFile)
	b, err = os.ReadFile(res1)
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n")
	if err := os.WriteFile(res1, []byte(strings.Join(rows[:len(rows)-1], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = mergeShards(t, root, false, shards...)
	if code != exitUsage || !strings.Contains(stderr, "1 without a result: p4") || !strings.Contains(stderr, "--allow-partial") {
		t.Errorf("truncated shard: exit %d, stderr %q; want %d naming p4 of shard 1/3", code, stderr, exitUsage)
	}
	code, _, stderr = mergeShards(t, root, true, shards...)
	if code != exitOK {
		t.Fatalf("--allow-partial: exit %d: %s", code, stderr)
	}
	var kept []benchmarks.SampleLine
	var keptV []benchmarks.Verdict
	for i, l := range lines {
		if l.Sample.TaskID != "p4" {
			kept, keptV = append(kept, l), append(keptV, verdicts[i])
		}
	}
	want = benchmarks.Tally(kept, keptV, []int{1, 2})
	sum = readEvalSummary(t, filepath.Join(root, evalSummaryFile))
	if !maps.Equal(sum.PassAtK, atK(want.PassAtK)) || sum.Problems != 4 || sum.Samples != 10 || sum.Merged == nil || sum.Merged.Unscored != 1 {
		t.Errorf("--allow-partial summary %+v (merged %+v), want pass@k %v over 4 problems, 10 samples, 1 unscored", sum, sum.Merged, want.PassAtK)
	}

	// Without shard 1's results at all, both its problems are owed.
	if err := os.Remove(res1); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := mergeShards(t, root, false, shards...); code != exitUsage || !strings.Contains(stderr, "p1, p4") {
		t.Errorf("shard without results: exit %d, stderr %q; want %d naming p1, p4", code, stderr, exitUsage)
	}
}

func readEvalSummary(t *testing.T, path string) evalSummary {
	t.Helper()
	var sum evalSummary
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &sum)
	}
	if err != nil {
		t.Fatalf("read summary: %v", err)
	}
	return sum
}

// heShardSamples writes a samples file of the first 12 HumanEval
// problems, 3 samples each (the reference, a wrong one, and the
// reference for two problems in three), in rounds: every problem's first
// sample, then the second ones, then the third. It returns the file and
// each problem's count of passing samples.
func heShardSamples(t *testing.T, path string) map[string][2]int {
	t.Helper()
	problems, err := benchmarks.Load(t.Context(), benchmarks.HumanEval, benchmarks.LoadOptions{DataDir: dataDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	counts := make(map[string][2]int)
	var rows []string
	for round := range 3 {
		for i, p := range problems[:12] {
			completion, right := "    raise ValueError('wrong')\n", round == 0 || (round == 2 && i%3 != 0)
			if right {
				completion = p.GoldSample().Completion
			}
			b, err := json.Marshal(map[string]any{"task_id": p.ID(), "completion": completion, "round": round})
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, string(b))
			nc := counts[p.ID()]
			nc[0]++
			if right {
				nc[1]++
			}
			counts[p.ID()] = nc
		}
	}
	writeLines(t, path, rows...)
	return counts
}

// readResultRows reads a results file's lines.
func readResultRows(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		rows = append(rows, r)
	}
	return rows
}

// TestEvalShardMerge scores a samples file whole and in 3 shards (one
// with its index from SLURM_ARRAY_TASK_ID), in the sandbox, and merges
// the shards: the same verdict for every line, in the file's order, and
// exactly the same pass@k. merge refuses a missing shard and a shard with
// samples left without a verdict (naming the problems) unless
// --allow-partial.
func TestEvalShardMerge(t *testing.T) {
	bin := codetreeBinary(t)
	dir := t.TempDir()
	samples := filepath.Join(dir, "samples.jsonl")
	counts := heShardSamples(t, samples)
	eval := func(env []string, args ...string) evalSummary {
		t.Helper()
		args = append([]string{"eval", "--dataset", "humaneval", "--samples", samples, "--allow-missing", "--k", "1,2,3", "--json"}, args...)
		code, stdout, stderr := runCodetreeEnv(t, bin, env, args...)
		if code != exitOK {
			t.Fatalf("eval %v: exit %d: %s", args, code, stderr)
		}
		var sum evalSummary
		if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
			t.Fatalf("eval %v: summary %q: %v", args, stdout, err)
		}
		return sum
	}
	whole := eval(nil)
	if want := atK(benchmarks.MeanPassAtK(counts, []int{1, 2, 3})); !maps.Equal(whole.PassAtK, want) {
		t.Fatalf("unsharded pass@k %v, want %v (references pass, wrong samples fail)", whole.PassAtK, want)
	}
	out := filepath.Join(dir, "samples_eval")
	var shards []string
	for i := range 3 {
		env, flag := []string(nil), fmt.Sprintf("%d/3", i)
		if i == 1 {
			env, flag = []string{"SLURM_ARRAY_TASK_ID=1"}, "3"
		}
		sum := eval(env, "--shard", flag)
		if sum.Shard != fmt.Sprintf("%d/3", i) || sum.Selected != 12 || sum.Problems != 4 || sum.Samples != 12 || sum.Config["samples_sha256"] == nil {
			t.Errorf("shard %d: summary records shard %q, %d of %d problems, %d samples, config %v; want %d/3, 4 of 12, 12",
				i, sum.Shard, sum.Problems, sum.Selected, sum.Samples, sum.Config, i)
		}
		shards = append(shards, filepath.Join(out, fmt.Sprintf("shard-%d-of-3", i)))
	}
	if again := eval(nil, "--shard", "0/3"); again.Reused != 12 || again.Evaluated != 0 {
		t.Errorf("rerun of shard 0: reused %d, evaluated %d; want 12 and 0", again.Reused, again.Evaluated)
	}

	code, stdout, stderr := mergeShards(t, out, false, shards...)
	if code != exitOK {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	merged := readEvalSummary(t, filepath.Join(out, evalSummaryFile))
	if !maps.Equal(merged.PassAtK, whole.PassAtK) || merged.Problems != 12 || merged.Samples != 36 {
		t.Errorf("merged pass@k %v over %d problems and %d samples; unsharded %v over 12 and 36", merged.PassAtK, merged.Problems, merged.Samples, whole.PassAtK)
	}
	if !strings.Contains(stdout, "humaneval: 36 samples over 12 problems") || !strings.Contains(stdout, "base: pass@1") {
		t.Errorf("merge printed %q, want eval's summary lines", stdout)
	}
	wantRows, gotRows := readResultRows(t, samples+"_results.jsonl"), readResultRows(t, filepath.Join(out, evalResultsFile))
	if len(gotRows) != len(wantRows) {
		t.Fatalf("merged results: %d lines, want %d", len(gotRows), len(wantRows))
	}
	for i, w := range wantRows {
		g := gotRows[i]
		for _, k := range []string{"task_id", "round", "completion", "passed", "result"} {
			if fmt.Sprint(g[k]) != fmt.Sprint(w[k]) {
				t.Errorf("merged results line %d: %s = %v, unsharded %v", i+1, k, g[k], w[k])
			}
		}
	}

	// A missing shard is named.
	if code, _, stderr := mergeShards(t, filepath.Join(dir, "partial"), false, shards[0], shards[2]); code != exitUsage || !strings.Contains(stderr, "shard(s) 1 of 3 missing") {
		t.Errorf("merge without shard 1: exit %d, stderr %q; want %d naming shard 1", code, stderr, exitUsage)
	}

	// Shard 1 has HumanEval/1, 4, 7 and 10; its last two results lines
	// are the third samples of HumanEval/7 and 10.
	res1 := filepath.Join(shards[1], evalResultsFile)
	b, err := os.ReadFile(res1)
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n")
	if err := os.WriteFile(res1, []byte(strings.Join(rows[:len(rows)-2], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = mergeShards(t, out, false, shards...)
	if code != exitUsage || !strings.Contains(stderr, "2 without a result: HumanEval/7, HumanEval/10") || strings.Contains(stderr, "HumanEval/4") {
		t.Errorf("truncated shard: exit %d, stderr %q; want %d naming HumanEval/7 and HumanEval/10 only", code, stderr, exitUsage)
	}
	code, _, stderr = mergeShards(t, out, true, shards...)
	if code != exitOK {
		t.Fatalf("merge --allow-partial: exit %d: %s", code, stderr)
	}
	delete(counts, "HumanEval/7")
	delete(counts, "HumanEval/10")
	partial := readEvalSummary(t, filepath.Join(out, evalSummaryFile))
	if want := atK(benchmarks.MeanPassAtK(counts, []int{1, 2, 3})); !maps.Equal(partial.PassAtK, want) || partial.Problems != 10 ||
		partial.Merged == nil || partial.Merged.Unscored != 2 {
		t.Errorf("--allow-partial: pass@k %v over %d problems, merged %+v; want %v over 10, 2 unscored", partial.PassAtK, partial.Problems, partial.Merged, want)
	}
}

// TestWithGoldFields: reference solutions get a samples file's fields,
// so that their results lines name their problem, with & left as is.
func TestWithGoldFields(t *testing.T) {
	t.Parallel()
	lines := []benchmarks.SampleLine{
		{Line: 1, Sample: benchmarks.Sample{TaskID: "HumanEval/0", Completion: "    return a & b\n"}},
		{Line: 2, Sample: benchmarks.Sample{TaskID: "Mbpp/2", Solution: "def f(): pass\n"}},
	}
	got := withGoldFields(lines)
	if lines[0].Fields != nil {
		t.Error("withGoldFields changed its input")
	}
	want := []map[string]string{
		{"task_id": `"HumanEval/0"`, "completion": `"    return a & b\n"`},
		{"task_id": `"Mbpp/2"`, "solution": `"def f(): pass\n"`},
	}
	for i, w := range want {
		if len(got[i].Fields) != len(w) {
			t.Errorf("line %d fields %v, want %v", i+1, got[i].Fields, w)
		}
		for k, v := range w {
			if string(got[i].Fields[k]) != v {
				t.Errorf("line %d %s = %s, want %s", i+1, k, got[i].Fields[k], v)
			}
		}
	}
}
