package sandbox

import (
	"context"
	"strings"
)

// Podman's system service (`podman system service`) speaks Docker's
// Engine API, and the sandbox runs against it through DOCKER_HOST with
// the same client. What differs, as measured with Debian bookworm's
// Podman 4.3 (README: Podman), and how the sandbox handles it:
//
//   - An attach before the start makes Podman create the container in the
//     OCI runtime, and a runtime failure then comes back as "unable to
//     upgrade to tcp, received 409" with the cause dropped by the client:
//     attachError asks the daemon to start the container to get it. (Here
//     the cause was RLIMIT_NOFILE and RLIMIT_NPROC: Podman sets 1048576,
//     which a service without CAP_SYS_RESOURCE cannot raise them to;
//     scripts/podman-up.sh caps them in containers.conf.)
//   - A read-only root filesystem comes with writable tmpfs mounts on /run
//     and /var/tmp (Podman's read_only_tmpfs); /var/tmp is world-writable,
//     so a job could leave files there for the next job of a pool
//     container. Every container mounts a read-only tmpfs there instead
//     (containerConfig), as read-only as under Docker.
//   - State.OOMKilled stays false when the kernel's OOM killer ends a
//     container (cgroup v1, conmon 2.1): runnerDied infers it from exit
//     status 137 (SIGKILL, which nothing else sends a runner) on Podman.
//   - A forced removal racing with the container's own exit can fail with
//     "container state improper": removeContainer tries again.
//   - Local images are named localhost/NAME:TAG: imageInfoFrom reads the
//     tag without the prefix (the daemon resolves the short name).
//   - Container processes sit in cgroups named libpod-ID, not docker/ID.

// engine is the container engine behind the Docker API.
type engine struct {
	// name is the server's first component ("Engine" for Docker,
	// "Podman Engine" for Podman), empty when the version is unknown.
	name    string
	version string
}

// podman reports whether the engine is Podman's Docker-compatible service.
func (e engine) podman() bool { return strings.Contains(strings.ToLower(e.name), "podman") }

// String is "docker 20.10.24" or "podman 4.3.1" ("unknown" when the
// version call failed).
func (e engine) String() string {
	switch {
	case e.name == "" && e.version == "":
		return "unknown"
	case e.podman():
		return "podman " + e.version
	}
	return "docker " + e.version
}

// detectEngine asks the daemon which engine it is. A failure is not an
// error: the daemon answered a ping, and Docker's behaviour is assumed.
func detectEngine(ctx context.Context, d dockerAPI) engine {
	v, err := d.ServerVersion(ctx)
	if err != nil {
		return engine{}
	}
	e := engine{name: "Engine", version: v.Version}
	for _, c := range v.Components {
		if strings.Contains(strings.ToLower(c.Name), "podman") {
			return engine{name: c.Name, version: c.Version}
		}
	}
	if len(v.Components) > 0 {
		e.name = v.Components[0].Name
	}
	return e
}
