package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

// codetreeBinary returns the static codetree binary, skipping the test
// (failing it in CI) when no Docker daemon answers.
func codetreeBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("Docker integration test")
	}
	bin := sandboxtest.RunnerBinary(t)
	sandboxtest.New(t, sandbox.Config{RunnerBinary: bin})
	return bin
}

func writeProg(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExecVerdictsExitZero: exec exits 0 whatever the verdict, and --json
// carries it.
func TestExecVerdictsExitZero(t *testing.T) {
	bin := codetreeBinary(t)
	// The loop needs a short deadline; the Go program a generous one, as
	// go run compiles it first (0.4 s alone, over 1 s beside the other
	// test packages on two cores).
	tests := []struct {
		name, src string
		want      string
		stdout    string
		timeout   string
	}{
		{"pass.py", "import sys\nprint('hi', sys.argv[1:])\n", "passed", "hi ['x']\n", "10s"},
		{"fail.py", "assert 1 == 2\n", "failed", "", "10s"},
		{"loop.py", "while True: pass\n", "time_limit", "", "1s"},
		{"main.go", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"go\") }\n", "passed", "go\n", "30s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, "exec", "--json", "--timeout", tc.timeout, writeProg(t, tc.name, tc.src), "--", "x")
			cmd.Env = append(os.Environ(), "OPENAI_API_KEY=sk-never-in-a-sandbox")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("exec: %v\n%s", err, out)
			}
			var got execResult
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("parse %s: %v", out, err)
			}
			if got.Status != tc.want || got.Stdout != tc.stdout {
				t.Errorf("got %+v, want status %s stdout %q", got, tc.want, tc.stdout)
			}
		})
	}
}

// TestExecInterrupt: Ctrl-C during a run exits 130 and leaves no
// container behind.
func TestExecInterrupt(t *testing.T) {
	bin := codetreeBinary(t)
	cmd := exec.Command(bin, "exec", "--timeout", "10m", writeProg(t, "sleep.py", "import time\ntime.sleep(600)\n"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	prefix := sandboxtest.ProcessOwner(cmd.Process.Pid)
	sandboxtest.WaitContainers(t, prefix)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitCanceled {
		t.Fatalf("exit %v, want %d; stderr %s", err, exitCanceled, stderr.String())
	}
	if left := sandboxtest.Containers(t, prefix); len(left) != 0 {
		t.Errorf("containers left after Ctrl-C: %v", left)
	}
}
