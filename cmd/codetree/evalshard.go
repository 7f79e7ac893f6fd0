package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/benchmarks"
	"github.com/codetree/codetree/internal/fsutil"
	"github.com/codetree/codetree/treesearch"
)

// The files of an eval run folder (--out or --shard).
const (
	evalResultsFile = "results.jsonl"
	evalSummaryFile = "summary.json"
	// evalLinesFile maps a shard's results, line by line, to the lines of
	// the samples file, so that merge restores the file's order from the
	// shard folders alone.
	evalLinesFile = "sample_lines.json"
)

// evalShardOut is the folder of a sharded eval run, which holds its
// shards' folders: --out, else the samples file's name without .jsonl
// plus _eval (--gold: runs/eval-gold-DATASET).
func evalShardOut(out, samples string, ds benchmarks.Dataset) string {
	switch {
	case out != "":
		return out
	case samples == "":
		return filepath.Join("runs", "eval-gold-"+string(ds))
	}
	return strings.TrimSuffix(samples, ".jsonl") + "_eval"
}

// evalOutDir is the run folder of eval: "" (results next to the samples
// file) without --out and --shard; --out without --shard; the shard's
// folder under shardOut with --shard.
func evalOutDir(out, shardOut string, s shard) string {
	if out == "" && s.Count == 0 {
		return ""
	}
	return shardDir(shardOut, s)
}

// evalPart is the part of the samples one eval run scores.
type evalPart struct {
	// Lines are the part's samples, in the samples file's order.
	Lines []benchmarks.SampleLine
	// TaskIDs are the part's problems, in the dataset's order; Selected
	// counts the problems with samples of the whole run.
	TaskIDs  []string
	Selected int
	// Config is the whole run's configuration, with --shard.
	Config map[string]any
}

// selectEvalShard returns shard s of lines: the samples of the problems
// at positions i with i % s.Count == s.Index among the problems that have
// samples, taken in order, the dataset's order. All samples of a problem
// go to the same shard, so pass@k is computed within a shard; the split
// depends only on the dataset and on which problems have samples.
func selectEvalShard(order []string, lines []benchmarks.SampleLine, s shard) evalPart {
	has := make(map[string]bool)
	for _, l := range lines {
		has[l.Sample.TaskID] = true
	}
	var withSamples []string
	for _, id := range order {
		if has[id] {
			withSamples = append(withSamples, id)
		}
	}
	part := evalPart{TaskIDs: pickShard(withSamples, s), Selected: len(withSamples)}
	mine := make(map[string]bool, len(part.TaskIDs))
	for _, id := range part.TaskIDs {
		mine[id] = true
	}
	for _, l := range lines {
		if mine[l.Sample.TaskID] {
			part.Lines = append(part.Lines, l)
		}
	}
	return part
}

// problemOrder is the task ids of problems, in order.
func problemOrder(problems []*benchmarks.Problem) []string {
	ids := make([]string, len(problems))
	for i, p := range problems {
		ids[i] = p.ID()
	}
	return ids
}

// withGoldFields gives reference-solution samples the fields of a samples
// file's line (task_id, and completion or solution), so that their
// results lines name their problem.
func withGoldFields(lines []benchmarks.SampleLine) []benchmarks.SampleLine {
	out := slices.Clone(lines)
	for i, l := range out {
		fields := map[string]json.RawMessage{"task_id": mustJSON(l.Sample.TaskID)}
		if l.Sample.Completion != "" || l.Sample.Solution == "" {
			fields["completion"] = mustJSON(l.Sample.Completion)
		} else {
			fields["solution"] = mustJSON(l.Sample.Solution)
		}
		out[i].Fields = fields
	}
	return out
}

// mustJSON encodes a string, which cannot fail, keeping <, > and & as
// they are (as the results file does).
func mustJSON(s string) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// resultsPath is where eval writes its results (and, beside them, its
// journal): in the run folder, else next to the samples file; "" for
// --gold without a folder (no journal).
func (o *evalOptions) resultsPath() string {
	switch {
	case o.OutDir != "":
		return filepath.Join(o.OutDir, evalResultsFile)
	case o.Gold:
		return ""
	}
	return benchmarks.ResultsPath(o.Samples)
}

// preparePart picks the samples this run scores and prepares its folder:
// with --shard, the shard's samples, and shard.json and sample_lines.json
// written before anything runs (a resumed shard must be the same part of
// the same run).
func (o *evalOptions) preparePart(problems []*benchmarks.Problem, lines []benchmarks.SampleLine) (evalPart, error) {
	if o.Gold && o.OutDir != "" {
		lines = withGoldFields(lines)
	}
	part := selectEvalShard(problemOrder(problems), lines, o.Shard)
	if o.OutDir == "" {
		return part, nil
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return part, fmt.Errorf("create the run folder: %w", err)
	}
	if o.Shard.Count == 0 {
		return part, nil
	}
	fmt.Fprintf(o.Err, "shard %s: %d of the %d problems with samples, %d samples, into %s\n",
		o.Shard, len(part.TaskIDs), part.Selected, len(part.Lines), o.OutDir)
	var err error
	if part.Config, err = o.config(); err != nil {
		return part, err
	}
	m := shardManifest{Kind: "eval", Shard: o.Shard.String(), Selected: part.Selected, TaskIDs: part.TaskIDs, Config: part.Config, Version: codeVersion()}
	if err := writeShardManifest(o.OutDir, m); err != nil {
		return part, err
	}
	return part, writeSampleLines(o.OutDir, part.Lines)
}

// config is the whole run's configuration recorded in shard.json and the
// summary: everything that can change a verdict or the summary (the
// samples, by path and content; the dataset and policy; the time, memory
// and CPU limits; the runtime; the k), not what only changes the speed
// (workers, batch, sandbox mode).
func (o *evalOptions) config() (map[string]any, error) {
	l := o.Eval.Limits
	cfg := map[string]any{
		"dataset": string(o.Dataset), "visible_test_policy": string(o.Policy), "gold": o.Gold,
		"ks": o.Ks, "allow_missing": o.AllowMissing,
		"timeout_floor": o.Eval.TimeoutFloor.String(), "timeout_factor": o.Eval.TimeoutFactor,
		"timeout_cap": o.Eval.TimeoutCap.String(),
		"memory":      l.Memory.String(), "cpus": l.CPUs, "pids": l.Pids, "tmpfs": l.Tmpfs.String(),
		"output_limit": l.Output.String(), "runtime": o.Sandbox.Runtime,
	}
	if o.Gold {
		return cfg, nil
	}
	abs, err := filepath.Abs(o.Samples)
	if err != nil {
		return nil, fmt.Errorf("locate the samples file: %w", err)
	}
	sum, err := fileSHA256(o.Samples)
	if err != nil {
		return nil, err
	}
	cfg["samples"], cfg["samples_sha256"] = abs, sum
	return cfg, nil
}

// fileSHA256 is the hex SHA-256 of a file's content.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sampleRef is a line of a shard's results: which line of the samples
// file it is, and of which problem.
type sampleRef struct {
	Line   int    `json:"line"`
	TaskID string `json:"task_id"`
}

// writeSampleLines writes sample_lines.json: the samples file's line of
// each of lines, in order, as their results will be.
func writeSampleLines(dir string, lines []benchmarks.SampleLine) error {
	refs := make([]sampleRef, len(lines))
	for i, l := range lines {
		refs[i] = sampleRef{Line: l.Line, TaskID: l.Sample.TaskID}
	}
	b, err := json.Marshal(refs)
	if err != nil {
		return fmt.Errorf("encode %s: %w", evalLinesFile, err)
	}
	if err := fsutil.WriteFileAtomic(filepath.Join(dir, evalLinesFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", evalLinesFile, err)
	}
	return nil
}

// readSampleLines reads dir's sample_lines.json.
func readSampleLines(dir string) ([]sampleRef, error) {
	path := filepath.Join(dir, evalLinesFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var refs []sampleRef
	if err := json.Unmarshal(b, &refs); err != nil {
		return nil, fmt.Errorf("%s is malformed: %w", path, err)
	}
	return refs, nil
}

// evaluatePart scores the part's samples with eo (Samples set): nothing
// to do, and no sandbox, for an empty shard.
func (o *evalOptions) evaluatePart(ctx context.Context, eo benchmarks.EvaluateOptions) (*benchmarks.Report, error) {
	if len(eo.Samples) > 0 {
		return benchmarks.Evaluate(ctx, eo)
	}
	if eo.ResultsPath != "" {
		if err := benchmarks.WriteResults(eo.ResultsPath, nil, nil); err != nil {
			return nil, err
		}
	}
	return benchmarks.Tally(nil, nil, eo.Ks), nil
}

// describePart adds the shard's fields to the summary and writes it
// into the run folder, if there is one.
func (o *evalOptions) describePart(sum *evalSummary, part evalPart) error {
	if o.OutDir == "" {
		return nil
	}
	if o.Shard.Count > 0 {
		sum.Shard, sum.Selected, sum.Config, sum.Version = o.Shard.String(), part.Selected, part.Config, codeVersion()
	}
	return treesearch.WriteJSONFile(filepath.Join(o.OutDir, evalSummaryFile), sum)
}

// evalUnscoredError is the error of an evaluation that stopped on err with
// samples left without a verdict: exit status 3, naming the problems
// that lack verdicts (those journalled at resultsPath are kept) and how
// to finish them. An interruption stays as it is (exit 130).
func evalUnscoredError(ctx context.Context, err error, lines []benchmarks.SampleLine, resultsPath string) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return err
	}
	ids, n := unscoredProblems(resultsPath, lines)
	shown := ids
	if len(shown) > maxListedIDs {
		shown = append(slices.Clip(shown[:maxListedIDs]), fmt.Sprintf("and %d more", len(ids)-maxListedIDs))
	}
	how := "rerun the same command: it keeps the verdicts so far and scores only the rest"
	if resultsPath == "" {
		how = "rerun the same command (without --out, --gold keeps no journal and scores them all again)"
	}
	return cli.Exit(fmt.Sprintf("%v\n%d of %d samples, of %d problem(s), are left without a verdict (%s): %s",
		err, n, len(lines), len(ids), strings.Join(shown, ", "), how), exitInfra)
}

// unscoredProblems returns the problems of lines (in order of first
// sample) with samples that have no verdict in the journal of
// resultsPath, and the number of such samples; all of them without a
// journal.
func unscoredProblems(resultsPath string, lines []benchmarks.SampleLine) ([]string, int) {
	var j *benchmarks.Journal
	if resultsPath != "" {
		if _, err := os.Stat(resultsPath + ".journal"); err == nil {
			j, _ = benchmarks.OpenJournal(resultsPath + ".journal")
		}
	}
	if j != nil {
		defer j.Close()
	}
	var ids []string
	seen := make(map[string]bool)
	n := 0
	for i, l := range lines {
		if j != nil {
			if _, ok := j.Lookup(i, l.Sample.Key()); ok {
				continue
			}
		}
		n++
		if id := l.Sample.TaskID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, n
}
