package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// clusterJob is a run split into shards for a scheduler (codetree slurm,
// codetree k8s): the command each task runs with its shard, and where the
// shards and the merge go.
type clusterJob struct {
	// Kind is the command sharded: bench, eval or swe (swe run).
	Kind string
	// Args are the user's flags for it, checked, without --shard.
	Args   []string
	Shards int
	// Out is the merged run's folder, absolute on this machine; shard I
	// is Out/shard-I-of-N. OutArg is --out as the command reads it (a
	// pod resolves it from its own working folder).
	Out, OutArg string
	// Own are the scheduler's own flags, by name, as given.
	Own map[string]string
}

// clusterKinds are the commands a scheduler can shard: the words after
// codetree, and the images their tasks need.
var clusterKinds = map[string]struct {
	words  []string
	images []string
}{
	"bench": {[]string{"bench"}, []string{"python"}},
	"eval":  {[]string{"eval"}, []string{"python"}},
	"swe":   {[]string{"swe", "run"}, []string{"all"}},
}

// clusterFlag is a scheduler's own flag: its name, whether it takes a
// value, and its usage.
type clusterFlag struct {
	Name, Usage string
	Bool        bool
}

// splitClusterArgs takes the scheduler's own flags (--name v, --name=v,
// or --name for a bool) out of args; the rest are the sharded command's.
func splitClusterArgs(args []string, own []clusterFlag) (map[string]string, []string, error) {
	got := make(map[string]string)
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		k := slices.IndexFunc(own, func(f clusterFlag) bool { return f.Name == name })
		if !strings.HasPrefix(a, "-") || k < 0 {
			rest = append(rest, a)
			continue
		}
		switch {
		case own[k].Bool && !hasVal:
			val = "true"
		case !hasVal:
			if i+1 >= len(args) {
				return nil, nil, usageErrorf("--%s needs a value", name)
			}
			i++
			val = args[i]
		}
		got[name] = val
	}
	return got, rest, nil
}

// newClusterJob reads `codetree SCHEDULER KIND ARGS...`: the scheduler's
// flags (own, --shards among them), then the sharded command's flags,
// checked by parsing them as that command does (a typo fails here, not on
// the cluster). An API key is refused on the command line: the tasks read
// it from the environment, and it must not be written into a script.
func newClusterJob(ctx context.Context, kind string, args []string, own []clusterFlag) (*clusterJob, error) {
	ownVals, rest, err := splitClusterArgs(args, own)
	if err != nil {
		return nil, err
	}
	if _, ok := ownVals["shards"]; !ok {
		return nil, usageErrorf("--shards N is required: the number of shards (tasks of the array), such as --shards 4")
	}
	n, err := strconv.Atoi(ownVals["shards"])
	if err != nil || n < 1 {
		return nil, usageErrorf("--shards %q: want the number of shards, a whole number of at least 1", ownVals["shards"])
	}
	for _, a := range rest {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case strings.HasPrefix(a, "-") && name == "shard":
			return nil, usageErrorf("--shard: each task gets its shard from the scheduler; give --shards N")
		case strings.HasPrefix(a, "-") && name == "api-key":
			return nil, usageErrorf("--api-key: do not put the key on the command line, where it would be written into the job's files; export OPENAI_API_KEY, which the tasks inherit")
		}
	}
	out, err := checkShardedArgs(ctx, kind, rest)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil, fmt.Errorf("resolve --out %s: %w", out, err)
	}
	return &clusterJob{Kind: kind, Args: rest, Shards: n, Out: abs, OutArg: out, Own: ownVals}, nil
}

// checkShardedArgs parses args as the sharded command does, without
// running it, and returns its run folder.
func checkShardedArgs(ctx context.Context, kind string, args []string) (string, error) {
	var out string
	var cmd *cli.Command
	switch kind {
	case "bench":
		cmd = newBenchCommand(func(_ context.Context, o *benchOptions) error { out = o.Out; return nil })
	case "eval":
		cmd = newEvalCommand(func(_ context.Context, o *evalOptions) error { out = o.ShardOut; return nil })
	case "swe":
		cmd = newSweRunCommand(func(_ context.Context, o *sweRunOptions) error { out = o.Out; return nil })
	default:
		return "", usageErrorf("%q cannot be sharded: use bench, eval or swe", kind)
	}
	app := &cli.App{Name: "codetree", Writer: io.Discard, ErrWriter: io.Discard, Commands: []*cli.Command{cmd},
		ExitErrHandler: func(*cli.Context, error) {}}
	prepareCommands(app.Commands)
	line, err := flagsFirst(app, append([]string{"codetree", cmd.Name}, args...)) // as the task's codetree reads them
	if err != nil {
		return "", err
	}
	if err := app.RunContext(ctx, line); err != nil {
		return "", err
	}
	return out, nil
}

// taskCommand is the command line of the task with the shard index from
// the scheduler's environment: codetree's absolute path, the command, the
// user's flags, --shard N (and for bench --resume, so that a requeued or
// resubmitted task continues its shard).
func (j *clusterJob) taskCommand(bin string) []string {
	cmd := append([]string{bin}, clusterKinds[j.Kind].words...)
	cmd = append(cmd, j.Args...)
	cmd = append(cmd, "--shard", strconv.Itoa(j.Shards))
	if j.Kind == "bench" {
		cmd = append(cmd, "--resume")
	}
	return cmd
}

// shardDirs are the shards' folders, in order.
func (j *clusterJob) shardDirs() []string {
	dirs := make([]string, j.Shards)
	for i := range dirs {
		dirs[i] = shardDir(j.Out, shard{Index: i, Count: j.Shards})
	}
	return dirs
}

// mergeCommandLine is the command that merges the shards into Out.
func (j *clusterJob) mergeCommandLine(bin string) []string {
	return append([]string{bin, "merge", "--out", j.Out}, j.shardDirs()...)
}

// codetreePath is the codetree binary the tasks run: this one, by its
// absolute path (the nodes share the file system, as on most clusters).
func codetreePath() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the codetree binary: %w", err)
	}
	return filepath.EvalSymlinks(exe)
}

// shellQuote quotes a word for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellLine quotes words into one shell command line.
func shellLine(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = shellQuote(w)
	}
	return strings.Join(q, " ")
}
