package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch"
	"github.com/codetree/codetree/treesearch/repo"
)

// TestRepoFlags checks how solve's and fix's flags become their options,
// through runF: nothing is read or run, no Docker, no model.
func TestRepoFlags(t *testing.T) {
	t.Parallel()
	var got *repoOptions
	code, stderr := runCommand(t, newSolveCommand(captured(&got)), "solve", "--model", "m", "--repo", "some/dir",
		"--budget", "5", "--strategy", "codetree-dfs", "--width", "2", "--depth", "4", "--parallel", "--temperatures", "debugger=0.7",
		"--lint", "none", "--test", "make test", "--files", "pkg/*.go", "--files", "cmd/", "--apply", "--json", "--lang", "go",
		"--strict-lint", "--tree", "tree.json", "--image", "my-image", "--timeout", "90s", "add", "a --verbose flag")
	if code != exitOK || got == nil {
		t.Fatalf("exit %d, options %v: %s", code, got, stderr)
	}
	want := repo.Options{Task: "add a --verbose flag", Lang: sandbox.LangGo, Test: "make test", NoLint: true, StrictLint: true,
		Budget: 5, Image: "my-image"}
	if got.Fix || got.Task != want.Task || got.Lang != want.Lang || got.Test != want.Test || got.Lint != "" || !got.NoLint ||
		!got.StrictLint || got.Budget != want.Budget || got.Image != want.Image || got.Snapshot != nil || got.Model != nil {
		t.Errorf("engine options %+v", got.Options)
	}
	if got.Dir != "some/dir" || strings.Join(got.Globs, " ") != "pkg/*.go cmd/" || !got.Apply || !got.JSON || got.TreeFile != "tree.json" {
		t.Errorf("command options %+v", got)
	}
	if s := got.Search; s.Strategy != "codetree-dfs" || s.Shape != (treesearch.StrategyOptions{Width: 2, Depth: 4, Parallel: true}) ||
		s.Temperatures[agent.RoleDebugger] != 0.7 {
		t.Errorf("search options %+v", s)
	}
	if got.Limits.Timeout != 90*time.Second || got.Limits.Memory != repo.DefaultLimits().Memory || got.Agent.Model != "m" {
		t.Errorf("limits %+v, model %q", got.Limits, got.Agent.Model)
	}
}

// TestRepoFlagDefaults: fix's defaults are the engine's.
func TestRepoFlagDefaults(t *testing.T) {
	t.Parallel()
	var got *repoOptions
	code, stderr := runCommand(t, newFixCommand(captured(&got)), "fix", "--model", "m")
	if code != exitOK || got == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !got.Fix || got.Task != "" || got.Dir != "." || got.Budget != 8 || got.Lang != "" || got.Test != "" || got.Lint != "" ||
		got.NoLint || got.Apply || got.JSON || len(got.Globs) != 0 || got.Limits != repo.DefaultLimits() {
		t.Errorf("options %+v", got)
	}
	if s := got.Search; s.Strategy != "codetree" || s.Shape.Width != repo.DefaultWidth {
		t.Errorf("search options %+v", s)
	}
	got = nil
	if code, _ := runCommand(t, newFixCommand(captured(&got)), "fix", "--model", "m", "--strategy", "reflexion", "--lint", "golint ./..."); code != exitOK ||
		got.Search.Shape.Width != 0 || got.Lint != "golint ./..." || got.NoLint {
		t.Errorf("--strategy reflexion --lint golint: exit %d, %+v", code, got)
	}
}

// TestRepoFlagErrors: bad flags and arguments are usage errors, found
// before anything runs.
func TestRepoFlagErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cmd  func(func(context.Context, *repoOptions) error) *cli.Command
		args []string
		want string
	}{
		{newSolveCommand, []string{"solve"}, "solve needs a TASK"},
		{newFixCommand, []string{"fix", "make it work"}, "fix takes no TASK"},
		{newFixCommand, []string{"fix", "--budget", "0"}, "--budget 0"},
		{newFixCommand, []string{"fix", "--budget", "many"}, "invalid value"},
		{newFixCommand, []string{"fix", "--lang", "rust"}, `--lang "rust"`},
		{newFixCommand, []string{"fix", "--strategy", "dfs"}, "--strategy"},
		{newFixCommand, []string{"fix", "--strategy", "direct", "--width", "2"}, "--strategy"},
		{newFixCommand, []string{"fix", "--width", "0"}, "--width 0"},
		{newFixCommand, []string{"fix", "--temperatures", "solver=9"}, "--temperatures"},
		{newFixCommand, []string{"fix", "--test", ""}, "--test"},
		{newFixCommand, []string{"fix", "--timeout", "0s"}, "--timeout"},
		{newFixCommand, []string{"fix", "--mode", "nope"}, "--mode"},
		{newFixCommand, []string{"fix", "--verbose"}, "flag provided but not defined"},
	} {
		var got *repoOptions
		args := append(tc.args[:1:1], append([]string{"--model", "m"}, tc.args[1:]...)...)
		code, stderr := runCommand(t, tc.cmd(captured(&got)), args...)
		if code != exitUsage || got != nil || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d (ran: %v), want a usage error with %q:\n%s", tc.args, code, got != nil, tc.want, stderr)
		}
	}
}
