package sandbox_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

const envCrashingHarness = "CODETREE_TEST_CRASHING_HARNESS"

// crashingHarness is the child process of TestKilledHarnessLeftoversRemoved:
// it starts a long run, says so, and waits to be killed.
func crashingHarness() int {
	ctx := context.Background()
	sb, err := sandbox.New(ctx, sandbox.Config{RunnerBinary: os.Getenv("CODETREE_RUNNER"), PoolSize: 1})
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	go func() {
		_, err := sb.Run(ctx, sandbox.Request{Lang: sandbox.LangPython, Command: []string{"sleep", "600"}, Limits: sandbox.Limits{Timeout: 10 * time.Minute}})
		fmt.Println("error:", err)
	}()
	fmt.Println("running")
	select {}
}

func TestKilledHarnessLeftoversRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("Docker integration test")
	}
	runnerBin := sandboxtest.RunnerBinary(t)
	sandboxtest.New(t, sandbox.Config{RunnerBinary: runnerBin}) // skips without Docker

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envCrashingHarness+"=1", "CODETREE_RUNNER="+runnerBin)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "running" {
		t.Fatalf("child harness: %q", line)
	}

	prefix := sandboxtest.ProcessOwner(cmd.Process.Pid)
	childContainers := func() []string { return sandboxtest.Containers(t, prefix) }
	sandboxtest.WaitContainers(t, prefix)
	// Kill the harness mid-run: its container is left behind.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if len(childContainers()) == 0 {
		t.Fatal("the killed harness left no container: nothing to test")
	}
	// The next start removes it.
	sandboxtest.New(t, sandbox.Config{RunnerBinary: runnerBin})
	if left := childContainers(); len(left) != 0 {
		t.Fatalf("containers of the killed harness left after the next start: %v", left)
	}
}
