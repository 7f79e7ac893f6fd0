package sandbox

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/container"
)

// RuntimeGVisor is the name under which gVisor's OCI runtime, runsc, is
// registered with the Docker daemon (`make gvisor`). Under it a sandbox
// program's system calls are served by gVisor's user-space kernel instead
// of the host's: a kernel exploit in an untrusted program meets gVisor
// first. It costs start time and system-call speed (README: the sandbox).
const RuntimeGVisor = "runsc"

// gvisorDaemonJSON is what the daemon's configuration needs for
// RuntimeGVisor. gVisor's own network stack refuses to start in the host's
// network namespace, hence --network=none (sandbox containers have no
// network anyway).
const gvisorDaemonJSON = `{"runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none"]}}}`

// RuntimeError says that the Docker daemon does not know the OCI runtime
// a Config asks for, and how to register it.
type RuntimeError struct {
	Runtime string
	Known   []string // the daemon's runtimes, sorted
	Daemon  string   // the daemon's address
}

func (e *RuntimeError) Error() string {
	msg := fmt.Sprintf("the Docker daemon at %s has no %q runtime (it knows %s)", e.Daemon, e.Runtime, strings.Join(e.Known, ", "))
	if e.Runtime != RuntimeGVisor {
		return msg + ": register it in the daemon's configuration (/etc/docker/daemon.json \"runtimes\") and reload the daemon, or leave --runtime empty for the default runc"
	}
	how := "install gVisor (https://gvisor.dev/docs/user_guide/install/; Debian: `apt-get install runsc`), add " +
		gvisorDaemonJSON + " to /etc/docker/daemon.json keeping its other keys, and reload the daemon (`systemctl reload docker` or `kill -HUP $(pidof dockerd)`)"
	if os.Geteuid() == 0 {
		if _, err := os.Stat("/etc/debian_version"); err == nil {
			how = "run `make gvisor` (scripts/gvisor-up.sh: installs Debian's runsc, registers it and reloads dockerd), or " + how
		}
	}
	return msg + ": " + how
}

// checkRuntime makes sure the daemon knows the OCI runtime name ("" is
// the daemon's default and always known).
func checkRuntime(ctx context.Context, d dockerAPI, name string) error {
	if name == "" {
		return nil
	}
	info, err := d.Info(ctx)
	if err != nil {
		return fmt.Errorf("ask the Docker daemon for its runtimes: %w", err)
	}
	if _, ok := info.Runtimes[name]; ok {
		return nil
	}
	known := make([]string, 0, len(info.Runtimes))
	for k := range info.Runtimes {
		known = append(known, k)
	}
	slices.Sort(known)
	return &RuntimeError{Runtime: name, Known: known, Daemon: d.DaemonHost()}
}

// gvisorHostPids is the host pids limit of a gVisor container whose
// programs may have pids processes and threads. Under gVisor the host's
// pids cgroup holds the Sentry's threads and, on the ptrace platform, stub
// processes and threads for the program's address spaces (about 7 host
// tasks per program process, measured): the program's own limit is
// RLIMIT_NPROC, which gVisor enforces per uid (each job has its own), and
// the host limit is a backstop for gVisor itself. A host limit near the
// program's makes the Sentry fail to create a thread and end the sandbox.
func gvisorHostPids(pids int64) int64 { return 16*pids + 256 }

// runtimeHostConfig adapts the hardened host config (made for runc) to
// the OCI runtime: it names the runtime and, under gVisor, moves the
// process limit from the host's pids cgroup into the sandbox's kernel.
func runtimeHostConfig(runtime string, l Limits, host *container.HostConfig) {
	host.Runtime = runtime // "" = the daemon's default (runc)
	if runtime != RuntimeGVisor {
		return
	}
	// gVisor does not count a job's first process against its uid (it
	// was forked by the runner, as root, before it changed uid): one less
	// keeps the job's processes and threads within l.Pids.
	n := max(l.Pids-1, 1)
	host.Ulimits = append(host.Ulimits, &container.Ulimit{Name: "nproc", Soft: n, Hard: n})
	hp := gvisorHostPids(l.Pids)
	host.Resources.PidsLimit = &hp
}
