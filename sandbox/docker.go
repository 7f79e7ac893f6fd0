package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// dockerAPI lists the Docker Engine calls the sandbox makes, so tests can
// fake them and readers can see the whole surface at a glance.
type dockerAPI interface {
	Ping(ctx context.Context) (types.Ping, error)
	Info(ctx context.Context) (system.Info, error)
	ServerVersion(ctx context.Context) (types.Version, error)
	DaemonHost() string
	Close() error

	ContainerCreate(ctx context.Context, config *container.Config, hostConfig *container.HostConfig, networkingConfig *network.NetworkingConfig, platform *ocispec.Platform, containerName string) (container.CreateResponse, error)
	ContainerAttach(ctx context.Context, container string, options container.AttachOptions) (types.HijackedResponse, error)
	ContainerStart(ctx context.Context, container string, options container.StartOptions) error
	ContainerKill(ctx context.Context, container, signal string) error
	ContainerRemove(ctx context.Context, container string, options container.RemoveOptions) error
	ContainerInspect(ctx context.Context, container string) (container.InspectResponse, error)
	ContainerWait(ctx context.Context, container string, condition container.WaitCondition) (<-chan container.WaitResponse, <-chan error)
	ContainerList(ctx context.Context, options container.ListOptions) ([]container.Summary, error)
	ContainerCommit(ctx context.Context, container string, options container.CommitOptions) (container.CommitResponse, error)

	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
	ImageList(ctx context.Context, options image.ListOptions) ([]image.Summary, error)
	ImageImport(ctx context.Context, source image.ImportSource, ref string, options image.ImportOptions) (io.ReadCloser, error)
	ImageRemove(ctx context.Context, image string, options image.RemoveOptions) ([]image.DeleteResponse, error)
}

var _ dockerAPI = (*client.Client)(nil)

// ErrDaemonUnreachable is returned (wrapped) when no Docker daemon answers.
var ErrDaemonUnreachable = errors.New("docker daemon unreachable")

// connect opens a client for host (empty: DOCKER_HOST or the default
// socket), negotiates the API version with the daemon (Debian's docker.io
// 20.10 speaks API 1.41) and checks that it answers.
func connect(ctx context.Context, host string) (*client.Client, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if host != "" {
		opts = append(opts, client.WithHost(host))
	}
	cli, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("create docker client: %w", err)
	}
	if _, err := cli.Ping(ctx); err != nil {
		addr := cli.DaemonHost()
		_ = cli.Close()
		hint := daemonHint()
		if strings.Contains(addr, "podman") {
			hint += podmanHint
		}
		return nil, fmt.Errorf("%w at %s: %v\n%s", ErrDaemonUnreachable, addr, err, hint)
	}
	return cli, nil
}

// daemonHint says what to do when the daemon does not answer.
func daemonHint() string {
	if os.Geteuid() == 0 {
		if _, err := os.Stat("/etc/debian_version"); err == nil {
			return "start one with `make docker` (installs Debian's docker.io if needed and starts dockerd), or set DOCKER_HOST to a running daemon"
		}
	}
	return "start a Docker daemon (e.g. `sudo systemctl start docker`) or set DOCKER_HOST to one you can reach; as root on Debian, `make docker` installs and starts it"
}

// podmanHint is added to daemonHint when the address looks like Podman's
// service.
const podmanHint = "; for Podman, `make podman` (scripts/podman-up.sh) starts its service at unix:///run/podman/podman.sock, or run `podman system service --time=0` yourself"
