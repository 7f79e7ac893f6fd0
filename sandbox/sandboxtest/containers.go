package sandboxtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
)

// ProcessOwner is the prefix of the owner label of every container that
// the codetree process pid starts.
func ProcessOwner(pid int) string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/", host, pid)
}

// Containers returns the IDs of codetree containers whose owner label
// starts with ownerPrefix (a Sandbox's Owner(), or a ProcessOwner).
func Containers(t testing.TB, ownerPrefix string) []string {
	t.Helper()
	cli := dockerClient(t)
	defer cli.Close()
	return containers(t, cli, ownerPrefix)
}

// WaitContainers waits up to a minute until a container whose owner label
// starts with ownerPrefix exists.
func WaitContainers(t testing.TB, ownerPrefix string) {
	t.Helper()
	cli := dockerClient(t)
	defer cli.Close()
	deadline := time.Now().Add(time.Minute)
	for len(containers(t, cli, ownerPrefix)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no container of %s started within a minute", ownerPrefix)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func dockerClient(t testing.TB) *client.Client {
	t.Helper()
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	return cli
}

func containers(t testing.TB, cli *client.Client, ownerPrefix string) []string {
	t.Helper()
	list, err := cli.ContainerList(context.Background(), container.ListOptions{
		All: true, Filters: filters.NewArgs(filters.Arg("label", "io.codetree.managed=true")),
	})
	if err != nil {
		t.Fatalf("list containers: %v", err)
	}
	var ids []string
	for _, c := range list {
		if strings.HasPrefix(c.Labels["io.codetree.owner"], ownerPrefix) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}
