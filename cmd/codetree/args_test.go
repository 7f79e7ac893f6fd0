package main

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestArgsFlagsFirst(t *testing.T) {
	t.Parallel()
	// aliased has a command alias and a flag alias, which codetree's own
	// commands do not have (today).
	aliased := &cli.App{Commands: []*cli.Command{{Name: "top", Subcommands: []*cli.Command{{
		Name: "leaf", Aliases: []string{"l"},
		Flags: []cli.Flag{&cli.StringFlag{Name: "name", Aliases: []string{"n"}}, &cli.BoolFlag{Name: "all", Aliases: []string{"a"}}},
	}}}}}
	tests := []struct {
		name       string
		app        *cli.App
		args, want string
	}{
		{"flag with its value after the arguments", nil, "report runs/A runs/B --html c.html", "report --html c.html runs/A runs/B"},
		{"flag=value", nil, "report runs/A --html=c.html runs/B", "report --html=c.html runs/A runs/B"},
		{"single dash", nil, "report runs/A runs/B -html c.html", "report -html c.html runs/A runs/B"},
		{"booleans take no value", nil, "merge s0 s1 --allow-partial --out m", "merge --allow-partial --out m s0 s1"},
		{"boolean=false", nil, "exec p.py --json=false", "exec --json=false p.py"},
		{"a value that looks like a flag", nil, "solve task --lint -x", "solve --lint -x task"},
		{"repeated flags keep their order", nil, "solve do --files a it --files b", "solve --files a --files b do it"},
		{"flags already first", nil, "merge --out m s0 s1", "merge --out m s0 s1"},
		{"-- ends the flags", nil, "exec p.py --json -- -a --b", "exec --json p.py -- -a --b"},
		{"-- first", nil, "exec --json -- p.py -a", "exec --json -- p.py -a"},
		{"- is an argument", nil, "ask - --role thinker", "ask --role thinker -"},
		{"global flags stay before the command", nil, "--log-level debug report A --html c", "--log-level debug report --html c A"},
		{"subcommand", nil, "images build python --quiet", "images build --quiet python"},
		{"flag alias", nil, "images build python -q go", "images build -q python go"},
		{"help", nil, "report A -h", "report -h"},
		{"help drops the arguments", nil, "images build python --help -- x", "images build --help"},
		{"unknown flag moves alone", nil, "report A --frobnicate B", "report --frobnicate A B"},
		{"help command", nil, "help report --html", "help report --html"},
		{"help subcommand", nil, "swe help run --out x", "swe help run --out x"},
		{"unknown command", nil, "nope A --x", "nope A --x"},
		{"slurm hands its arguments over", nil, "slurm bench --shards 2 x --model sim", "slurm bench --shards 2 x --model sim"},
		{"k8s hands its arguments over", nil, "k8s eval x --shards 2 --dataset humaneval", "k8s eval x --shards 2 --dataset humaneval"},
		{"k8s install-runner is a command", nil, "k8s install-runner x --to y", "k8s install-runner --to y x"},
		{"command alias", aliased, "top l x --name v y -a", "top l --name v -a x y"},
		{"flag alias with a value", aliased, "top leaf x -n v", "top leaf -n v x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			app := tc.app
			if app == nil {
				app = newApp(io.Discard, io.Discard)
			}
			got, err := flagsFirst(app, append([]string{"codetree"}, strings.Fields(tc.args)...))
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]string{"codetree"}, strings.Fields(tc.want)...); !slices.Equal(got, want) {
				t.Errorf("flagsFirst(%s) = %q, want %q", tc.args, got[1:], want[1:])
			}
		})
	}
}

// TestArgsMissingValue: a last flag without its value is refused, not
// given the first argument as its value.
func TestArgsMissingValue(t *testing.T) {
	t.Parallel()
	code, _, stderr := runCLI(t, "report", "runs/A", "runs/B", "--html")
	if code != exitUsage || !strings.Contains(stderr, "flag needs an argument: -html") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestArgsUnknownFlag: an unknown flag after the arguments gets
// urfave/cli's error, as before them.
func TestArgsUnknownFlag(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"report", "runs/A", "runs/B", "--frobnicate"},
		{"exec", "p.py", "--frobnicate=1"},
		{"images", "build", "python", "--frobnicate"},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != exitUsage || !strings.Contains(stderr, "flag provided but not defined: -frobnicate") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// TestArgsOptions: flags after the arguments reach the options.
func TestArgsOptions(t *testing.T) {
	t.Parallel()
	var merge *mergeOptions
	code, stderr := runCommand(t, newMergeCommand(captured(&merge)), "merge", "s0", "--out", "m", "s1", "--allow-partial")
	if code != exitOK || merge.Out != "m" || !merge.AllowPartial || !slices.Equal(merge.Shards, []string{"s0", "s1"}) {
		t.Errorf("merge: exit %d, options %+v: %s", code, merge, stderr)
	}
	var solve *repoOptions
	code, stderr = runCommand(t, newSolveCommand(captured(&solve)), "solve", "add", "--model", "m", "a flag",
		"--files", "a.go", "--apply", "--files", "b.go")
	if code != exitOK || solve.Task != "add a flag" || solve.Agent.Model != "m" || !solve.Apply ||
		!slices.Equal(solve.Globs, []string{"a.go", "b.go"}) {
		t.Errorf("solve: exit %d, options %+v: %s", code, solve, stderr)
	}
	// codetree slurm and k8s check the sharded command's flags as its
	// tasks will read them.
	// tasks will read them: a stray argument, which every task would
	// refuse, is refused before anything is submitted.
	cliMu.Lock()
	out, err := checkShardedArgs(t.Context(), "bench", []string{"--model", "sim", "--out", "runs/o"})
	_, stray := checkShardedArgs(t.Context(), "bench", []string{"x", "--model", "sim", "--out", "runs/o"})
	cliMu.Unlock()
	if out != "runs/o" || err != nil {
		t.Errorf("checkShardedArgs: %q, %v", out, err)
	}
	if stray == nil || !strings.Contains(stray.Error(), `bench takes no arguments, got ["x"]`) {
		t.Errorf("checkShardedArgs with a stray argument: %v", stray)
	}
}
