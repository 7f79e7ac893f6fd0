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

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"

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

	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	host, _ := os.Hostname()
	prefix := fmt.Sprintf("%s/%d/", host, cmd.Process.Pid)
	childContainers := func() []string {
		list, err := cli.ContainerList(context.Background(), container.ListOptions{
			All: true, Filters: filters.NewArgs(filters.Arg("label", "io.codetree.managed=true")),
		})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range list {
			if strings.HasPrefix(c.Labels["io.codetree.owner"], prefix) {
				ids = append(ids, c.ID)
			}
		}
		return ids
	}
	deadline := time.Now().Add(time.Minute)
	for len(childContainers()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the child harness started no container within a minute")
		}
		time.Sleep(50 * time.Millisecond)
	}
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
