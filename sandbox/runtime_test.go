package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/system"

	"github.com/codetree/codetree/internal/runner"
)

// runtimesDocker is a daemon that knows the runtimes listed, and whose
// containers end as state says.
type runtimesDocker struct {
	dockerAPI
	runtimes []string
	infoErr  error
	state    container.State
}

func (d *runtimesDocker) Info(context.Context) (system.Info, error) {
	info := system.Info{Runtimes: map[string]system.RuntimeWithStatus{}}
	for _, r := range d.runtimes {
		info.Runtimes[r] = system.RuntimeWithStatus{}
	}
	return info, d.infoErr
}

func (d *runtimesDocker) DaemonHost() string { return "unix:///test.sock" }

func (d *runtimesDocker) ContainerWait(context.Context, string, container.WaitCondition) (<-chan container.WaitResponse, <-chan error) {
	done := make(chan container.WaitResponse, 1)
	done <- container.WaitResponse{StatusCode: int64(d.state.ExitCode)}
	return done, make(chan error)
}

func (d *runtimesDocker) ContainerInspect(context.Context, string) (container.InspectResponse, error) {
	st := d.state
	return container.InspectResponse{ContainerJSONBase: &container.ContainerJSONBase{State: &st}}, nil
}

func TestCheckRuntime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := &runtimesDocker{runtimes: []string{"runc", "io.containerd.runc.v2"}}
	if err := checkRuntime(ctx, d, ""); err != nil {
		t.Errorf("default runtime: %v", err)
	}
	if err := checkRuntime(ctx, d, "runc"); err != nil {
		t.Errorf("runc: %v", err)
	}
	err := checkRuntime(ctx, d, RuntimeGVisor)
	var re *RuntimeError
	if !errors.As(err, &re) || re.Runtime != RuntimeGVisor || strings.Join(re.Known, ",") != "io.containerd.runc.v2,runc" {
		t.Fatalf("runsc on a daemon without it: %v, want a RuntimeError listing the known runtimes", err)
	}
	// The error says how to get it: the daemon.json entry, and the reload.
	for _, want := range []string{`"runsc"`, "--network=none", "daemon.json", "reload", "runsc"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if err := checkRuntime(ctx, &runtimesDocker{runtimes: []string{"runc", RuntimeGVisor}}, RuntimeGVisor); err != nil {
		t.Errorf("runsc on a daemon with it: %v", err)
	}
	if err := checkRuntime(ctx, &runtimesDocker{infoErr: fmt.Errorf("boom")}, RuntimeGVisor); err == nil || errors.As(err, &re) {
		t.Errorf("daemon info failure: %v, want a plain error", err)
	}
}

// TestRuntimeHostConfig: runc keeps the hardened profile as it is; under
// gVisor the program's process limit moves into the sandbox's kernel
// (RLIMIT_NPROC per job uid), and the host's pids limit leaves room for
// the Sentry's threads and ptrace stubs.
func TestRuntimeHostConfig(t *testing.T) {
	t.Parallel()
	l := Limits{Pids: 64}.withDefaults()
	for _, rt := range []string{"", "runc"} {
		s := newSandbox(nil, Config{Runtime: rt}.withDefaults(), "/opt/codetree")
		_, host := s.containerConfig(boxSpec{image: "img", limits: l, mode: ModePool})
		if host.Runtime != rt || len(host.Ulimits) != 0 || host.PidsLimit == nil || *host.PidsLimit != 64 {
			t.Errorf("runtime %q: runtime %q, ulimits %v, pids %v", rt, host.Runtime, host.Ulimits, host.PidsLimit)
		}
	}
	s := newSandbox(nil, Config{Runtime: RuntimeGVisor}.withDefaults(), "/opt/codetree")
	cfg, host := s.containerConfig(boxSpec{image: "img", limits: l, mode: ModePool})
	if host.Runtime != RuntimeGVisor {
		t.Errorf("runtime %q", host.Runtime)
	}
	if len(host.Ulimits) != 1 || host.Ulimits[0].Name != "nproc" || host.Ulimits[0].Soft != 63 || host.Ulimits[0].Hard != 63 {
		t.Errorf("ulimits %+v, want nproc 63 (the job's first process is not counted)", host.Ulimits)
	}
	if host.PidsLimit == nil || *host.PidsLimit != gvisorHostPids(64) || *host.PidsLimit < 7*64 {
		t.Errorf("host pids limit %v, want room for the Sentry (%d)", host.PidsLimit, gvisorHostPids(64))
	}
	// The rest of the profile is the same.
	if !cfg.NetworkDisabled || host.NetworkMode != "none" || !host.ReadonlyRootfs || host.CapDrop[0] != "ALL" || host.Privileged {
		t.Errorf("hardening lost under gVisor: %+v", host)
	}
}

// TestContainerOOMVerdict: a runner that died with its container OOM
// killed (gVisor's end of a memory bomb) is a memory_limit verdict, not a
// harness error; a runner that died otherwise stays an error.
func TestContainerOOMVerdict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	died := fmt.Errorf("%w during a job (EOF)", errRunnerDied)
	oom := newSandbox(&runtimesDocker{state: container.State{Status: "exited", ExitCode: 137, OOMKilled: true}}, Config{}.withDefaults(), "/x")
	err := oom.runnerDied(ctx, &box{id: "0123456789abcdef"}, died)
	if !errors.Is(err, errContainerOOM) || !errors.Is(err, errRunnerDied) || !strings.Contains(err.Error(), "OOM killed true") {
		t.Fatalf("OOM-killed container: %v", err)
	}
	res, err := oom.verdict(runner.Job{ID: 1, Timeout: time.Second}, runner.Report{}, err, nil)
	if err != nil || res.Status != StatusMemoryLimit {
		t.Errorf("verdict %+v, %v: want memory_limit", res, err)
	}

	crash := newSandbox(&runtimesDocker{state: container.State{Status: "exited", ExitCode: 2}}, Config{}.withDefaults(), "/x")
	err = crash.runnerDied(ctx, &box{id: "0123456789abcdef"}, died)
	if errors.Is(err, errContainerOOM) || !errors.Is(err, errRunnerDied) {
		t.Fatalf("crashed runner: %v", err)
	}
	if _, err := crash.verdict(runner.Job{ID: 1, Timeout: time.Second}, runner.Report{}, err, nil); err == nil {
		t.Error("a crashed runner became a verdict")
	}
}
