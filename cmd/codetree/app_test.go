package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// cliMu serialises in-process runs of the app: urfave/cli writes its
// package-level HelpFlag on every run, a data race between parallel tests.
var cliMu sync.Mutex

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cliMu.Lock()
	defer cliMu.Unlock()
	var out, errb bytes.Buffer
	code := run(t.Context(), append([]string{"codetree"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog.txt")
	if err := os.WriteFile(prog, []byte("print(1)"), 0o644); err != nil {
		t.Fatal(err)
	}
	py := filepath.Join(dir, "ok.py")
	if err := os.WriteFile(py, []byte("print(1)"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"exec"}, "needs a FILE"},
		{"missing file", []string{"exec", filepath.Join(dir, "nope.py")}, "nope.py"},
		{"unknown extension", []string{"exec", prog}, "--lang python"},
		{"bad lang", []string{"exec", "--lang", "cobol", py}, "--lang"},
		{"bad memory", []string{"exec", "--memory", "lots", py}, "--memory"},
		{"tiny memory", []string{"exec", "--memory", "1m", py}, "memory limit"},
		{"bad mode", []string{"exec", "--mode", "warm", py}, "--mode"},
		{"bad timeout", []string{"exec", "--timeout", "-1s", py}, "--timeout"},
		{"unknown flag", []string{"exec", "--frobnicate", py}, "frobnicate"},
		{"bad analyzers", []string{"bench", "--model", "sim", "--analyzers", "pylint"}, "--analyzers"},
		{"stray argument", []string{"bench", "--model", "sim", "humaneval"}, `bench takes no arguments, got ["humaneval"]`},
		{"stray argument of a subcommand", []string{"sandbox", "gc", "all"}, `sandbox gc takes no arguments, got ["all"]`},
		{"bad selection", []string{"bench", "--model", "sim", "--select", "worst"}, "--select"},
		{"bad concurrency", []string{"bench", "--model", "sim", "--concurrency", "0"}, "--concurrency"},
		{"solve without a task", []string{"solve", "--model", "m", "--repo", dir}, "solve needs a TASK"},
		{"fix with a task", []string{"fix", "--model", "m", "--repo", dir, "do", "this"}, "fix takes no TASK"},
		{"missing repo", []string{"fix", "--model", "m", "--repo", filepath.Join(dir, "nope")}, "nope"},
		{"bad repo lang", []string{"fix", "--model", "m", "--repo", dir, "--lang", "cobol"}, "--lang"},
		{"files match nothing", []string{"solve", "--model", "m", "--repo", dir, "--files", "src/*.go", "add x"}, "matches no file"},
		{"bad sim rate", []string{"sim-llm", "--sim-repair-rate", "1.5"}, "--sim-repair-rate"},
		{"bad sim reject rate", []string{"sim-llm", "--sim-reject-rate", "-0.1"}, "--sim-reject-rate"},
		{"bad log level", []string{"--log-level", "loud", "exec", py}, "--log-level"},
		{"required flag missing", []string{"eval", "--samples", py}, `Required flag "dataset"`},
		{"bad width", []string{"bench", "--model", "sim", "--width", "0"}, "--width"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runCLI(t, tc.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", stderr, tc.want)
			}
		})
	}
}

// TestDaemonUnreachable: a harness failure exits 3 and names the address
// that was tried and what to do.
func TestDaemonUnreachable(t *testing.T) {
	py := filepath.Join(t.TempDir(), "ok.py")
	if err := os.WriteFile(py, []byte("print(1)"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "--docker-host", "unix:///nonexistent/docker.sock", "exec", py)
	if code != exitInfra {
		t.Errorf("exit %d, want %d (stderr %q)", code, exitInfra, stderr)
	}
	for _, want := range []string{"unix:///nonexistent/docker.sock", "DOCKER_HOST"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
}
