package main

import (
	"testing"

	"github.com/codetree/codetree/sandbox"
)

// TestRuntimeFlag checks that --runtime reaches the sandbox config of
// every command that runs code through the shared sandbox flags.
func TestRuntimeFlag(t *testing.T) {
	t.Parallel()
	var eval *evalOptions
	if code, stderr := runCommand(t, newEvalCommand(captured(&eval)), "eval", "--dataset", "humaneval", "--gold", "--runtime", "runsc"); code != exitOK || eval.Sandbox.Runtime != sandbox.RuntimeGVisor {
		t.Errorf("eval: exit %d, sandbox %+v: %s", code, eval, stderr)
	}
	var bench *benchOptions
	if code, stderr := runCommand(t, newBenchCommand(captured(&bench)), "bench", "--model", "m", "--data-dir", t.TempDir(), "--runtime", "runsc"); code != exitOK || bench.Sandbox.Runtime != sandbox.RuntimeGVisor {
		t.Errorf("bench: exit %d, options %+v: %s", code, bench, stderr)
	}
	var solve *repoOptions
	if code, stderr := runCommand(t, newSolveCommand(captured(&solve)), "solve", "--model", "m", "--repo", "r", "--runtime", "runsc", "task"); code != exitOK || solve.SandboxConfig.Runtime != sandbox.RuntimeGVisor {
		t.Errorf("solve: exit %d, options %+v: %s", code, solve, stderr)
	}
	var swe *sweRunOptions
	if code, stderr := runCommand(t, newSweCommand(nil, captured(&swe)), "swe", "run", "--instances", "i.jsonl", "--out", "o", "--model", "m", "--runtime", "runsc"); code != exitOK || swe.Sandbox.Runtime != sandbox.RuntimeGVisor {
		t.Errorf("swe run: exit %d, options %+v: %s", code, swe, stderr)
	}
	var dflt *evalOptions
	if code, stderr := runCommand(t, newEvalCommand(captured(&dflt)), "eval", "--dataset", "humaneval", "--gold"); code != exitOK || dflt.Sandbox.Runtime != "" {
		t.Errorf("eval without --runtime: exit %d, sandbox %+v, want the daemon's default: %s", code, dflt, stderr)
	}
}

// TestRuntimeEnv checks CODETREE_RUNTIME, the flag's environment fallback.
func TestRuntimeEnv(t *testing.T) {
	t.Setenv("CODETREE_RUNTIME", sandbox.RuntimeGVisor)
	var got *evalOptions
	if code, stderr := runCommand(t, newEvalCommand(captured(&got)), "eval", "--dataset", "humaneval", "--gold"); code != exitOK || got.Sandbox.Runtime != sandbox.RuntimeGVisor {
		t.Errorf("exit %d, options %+v: %s", code, got, stderr)
	}
}
