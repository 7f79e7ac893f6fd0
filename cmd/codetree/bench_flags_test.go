package main

import (
	"strings"
	"testing"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/benchmarks"
	"github.com/codetree/codetree/treesearch"
)

// TestBenchFlags checks how bench's flags become its options, through
// runF: nothing runs, no Docker, no model.
func TestBenchFlags(t *testing.T) {
	t.Parallel()
	var got *benchOptions
	cmd := newBenchCommand(captured(&got))
	code, stderr := runCommand(t, cmd, "bench", "--model", "m", "--dataset", "mbpp", "--strategy", "codetree-bfs",
		"--width", "4", "--depth", "2", "--temperatures", "solver=0.5", "--select", "released", "--budget", "7",
		"--concurrency", "3", "--parallel", "--data-dir", t.TempDir())
	if code != exitOK || got == nil {
		t.Fatalf("exit %d, options %v: %s", code, got, stderr)
	}
	if got.Dataset != benchmarks.MBPP || got.Policy != benchmarks.VisibleCodeTree || got.Select != treesearch.SelectReleased ||
		got.Budget != 7 || got.Concurrency != 3 || got.Sim != nil {
		t.Errorf("options %+v", got)
	}
	if s := got.Search; s.Strategy != "codetree-bfs" || s.Shape != (treesearch.StrategyOptions{Width: 4, Depth: 2, Parallel: true}) ||
		s.Temperatures[agent.RoleSolver] != 0.5 || s.Temperatures[agent.RoleCritic] != 0 {
		t.Errorf("search options %+v", s)
	}
	if got.Agent.Concurrency < 3*4 {
		t.Errorf("client concurrency %d: want room for 3 problems' 4 children at once", got.Agent.Concurrency)
	}
	if !strings.HasPrefix(got.Out, "runs/mbpp-codetree-bfs-m") {
		t.Errorf("default run folder %q", got.Out)
	}

	got = nil
	if code, _ := runCommand(t, newBenchCommand(captured(&got)), "bench", "--model", "sim", "--sim-reject-rate", "0"); code != exitOK || got.Sim == nil || got.Sim.RejectRate >= 0 {
		t.Errorf("--model sim: exit %d, sim options %+v; want the simulated model with no rejections", code, got)
	}
	for _, bad := range [][]string{
		{"--dataset", "nope"}, {"--dataset", "humaneval", "--policy", "first"}, {"--strategy", "dfs"},
		{"--strategy", "resample", "--width", "3"}, {"--depth", "0"}, {"--select", "worst"}, {"--budget", "0"},
		{"--temperatures", "solver=9"}, {"--analyzers", "ruff"},
	} {
		got = nil
		code, stderr := runCommand(t, newBenchCommand(captured(&got)), append([]string{"bench", "--model", "m"}, bad...)...)
		if code != exitUsage || got != nil {
			t.Errorf("%v: exit %d (ran: %v), want a usage error: %s", bad, code, got != nil, stderr)
		}
	}
}
