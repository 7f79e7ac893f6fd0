package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
)

// versionDocker answers the version call with v (or err).
type versionDocker struct {
	dockerAPI
	v   types.Version
	err error
}

func (d *versionDocker) ServerVersion(context.Context) (types.Version, error) { return d.v, d.err }

func TestDetectEngine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		d      *versionDocker
		want   string
		podman bool
	}{
		// As Debian's docker.io 20.10 and podman 4.3 answer /version.
		{"docker", &versionDocker{v: types.Version{Version: "20.10.24+dfsg1", Components: []types.ComponentVersion{{Name: "Engine", Version: "20.10.24+dfsg1"}, {Name: "containerd"}}}}, "docker 20.10.24+dfsg1", false},
		{"podman", &versionDocker{v: types.Version{Version: "4.3.1", Components: []types.ComponentVersion{{Name: "Podman Engine", Version: "4.3.1"}, {Name: "Conmon"}}}}, "podman 4.3.1", true},
		{"no components", &versionDocker{v: types.Version{Version: "19.03"}}, "docker 19.03", false},
		{"error", &versionDocker{err: errors.New("boom")}, "unknown", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := detectEngine(t.Context(), tt.d)
			if e.String() != tt.want || e.podman() != tt.podman {
				t.Errorf("engine %q (podman %v), want %q (%v)", e, e.podman(), tt.want, tt.podman)
			}
		})
	}
}

// TestPodmanOOMVerdict: Podman leaves State.OOMKilled false when the OOM
// killer ends a container, and under gVisor Docker can record the exit
// before the OOM event, so there a runner killed by SIGKILL during a job
// is a memory_limit verdict; under Docker with runc, which reports OOM
// kills, the same end stays an error.
func TestPodmanOOMVerdict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	died := fmt.Errorf("%w during a job (EOF)", errRunnerDied)
	killed := container.State{Status: "exited", ExitCode: 137}
	docker := engine{name: "Engine", version: "20.10.24"}
	for _, tt := range []struct {
		engine  engine
		runtime string
		state   container.State
		oom     bool
	}{
		{engine{name: "Podman Engine", version: "4.3.1"}, "", killed, true},
		{engine{name: "Podman Engine", version: "4.3.1"}, "", container.State{Status: "exited", ExitCode: 2}, false},
		{engine{name: "Podman Engine", version: "4.3.1"}, "", container.State{Status: "running"}, false},
		{docker, "", killed, false},
		{docker, "", container.State{Status: "exited", ExitCode: 137, OOMKilled: true}, true},
		{docker, RuntimeGVisor, killed, true},
		{docker, RuntimeGVisor, container.State{Status: "exited", ExitCode: 2}, false},
	} {
		s := newSandbox(&runtimesDocker{state: tt.state}, Config{Runtime: tt.runtime}.withDefaults(), "/x")
		s.engine = tt.engine
		err := s.runnerDied(ctx, &box{id: "0123456789abcdef"}, died)
		if got := errors.Is(err, errContainerOOM); got != tt.oom || !errors.Is(err, errRunnerDied) {
			t.Errorf("%s, runtime %q, state %+v: %v, want OOM %v", tt.engine, tt.runtime, tt.state, err, tt.oom)
		}
	}
}

func TestCodetreeTag(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		tags []string
		want string
	}{
		{[]string{"codetree-python:abc"}, "codetree-python:abc"},
		{[]string{"localhost/codetree-python:abc"}, "codetree-python:abc"}, // Podman
		{[]string{"localhost/codetree-go:x", "codetree-go:y"}, "codetree-go:y"},
		{[]string{"localhost/other:1", "registry/codetree-go:x"}, ""},
		{nil, ""},
	} {
		if got := codetreeTag(tt.tags); got != tt.want {
			t.Errorf("codetreeTag(%q) = %q, want %q", tt.tags, got, tt.want)
		}
	}
}

// removeDocker fails removals with Podman's "state improper" refusal
// until refusals runs out.
type removeDocker struct {
	dockerAPI
	refusals int
	calls    int
}

func (d *removeDocker) ContainerRemove(context.Context, string, container.RemoveOptions) error {
	d.calls++
	if d.calls <= d.refusals {
		return errors.New("Error response from daemon: cannot remove container abc as it could not be stopped: sending SIGKILL to container abc: container state improper: stopped")
	}
	return nil
}

func TestRemoveContainerRetriesPodmanRace(t *testing.T) {
	t.Parallel()
	d := &removeDocker{refusals: 2}
	s := newSandbox(d, Config{}.withDefaults(), "/x")
	if err := s.removeContainer(t.Context(), "abc"); err != nil || d.calls != 3 {
		t.Errorf("remove: %v after %d calls, want success on the third", err, d.calls)
	}
}

// TestContainerConfigVarTmpReadOnly: /var/tmp is a read-only tmpfs, so
// that Podman's writable one (read_only_tmpfs) is not there for jobs.
func TestContainerConfigVarTmpReadOnly(t *testing.T) {
	t.Parallel()
	s := newSandbox(&runtimesDocker{}, Config{}.withDefaults(), "/x")
	_, host := s.containerConfig(boxSpec{image: "img", limits: DefaultLimits()})
	opts := host.Tmpfs["/var/tmp"]
	if !strings.HasPrefix(opts, "ro,") || !host.ReadonlyRootfs {
		t.Errorf("/var/tmp tmpfs %q (read-only root %v), want a read-only tmpfs", opts, host.ReadonlyRootfs)
	}
}
