package sandbox

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
)

// Jobs and reports go between the harness and a container's runner over a
// unix socket rather than through the daemon's attach stream, which
// relays every line through dockerd and containerd's shim and costs about
// a millisecond per job each way on a busy 2-core machine. The attach
// stream still carries the runner's Hello (stdout), its diagnostics
// (stderr) and the container's life.
//
// Why no job can reach the socket: the harness makes a fresh folder of
// mode 0700 in its temporary folder, listens there, and bind-mounts the
// folder read-only at runnerSocketDir. Jobs run under unprivileged uids
// without capabilities, so they cannot enter the folder. And the socket
// exists only from the container's creation until the runner has
// connected, which it does before its Hello, so before any job: the
// harness then closes the listener, which removes the socket, and the
// folder.

// runnerSocketDir is where a container sees the harness's socket folder.
const runnerSocketDir = "/.codetree/sock"

// runnerSocketName is the socket's name in that folder.
const runnerSocketName = "runner.sock"

// maxSocketPath is the longest path a unix socket address holds
// (sun_path, 108 bytes with its terminating NUL).
const maxSocketPath = 107

// jobSocket is the listening side of one container's job socket.
type jobSocket struct {
	dir  string
	ln   *net.UnixListener
	once sync.Once
}

// listenJobSocket listens on a new socket for one container's runner. It
// returns nil (use the attach stream) for a runtime that cannot reach a
// host socket (gVisor's needs a flag for it) or when the socket cannot be
// made here.
func (s *Sandbox) listenJobSocket() *jobSocket {
	if rt := s.cfg.Runtime; rt != "" && rt != "runc" {
		return nil
	}
	dir, err := os.MkdirTemp("", "codetree-sock-") // mode 0700
	if err != nil {
		s.log.Debug("job socket: fall back to the attach stream", "err", err)
		return nil
	}
	path := filepath.Join(dir, runnerSocketName)
	if len(path) > maxSocketPath {
		_ = os.Remove(dir)
		return nil
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err == nil {
		err = os.Chmod(path, 0o600)
	}
	if err != nil {
		if ln != nil {
			_ = ln.Close()
		}
		_ = os.RemoveAll(dir)
		s.log.Debug("job socket: fall back to the attach stream", "err", err)
		return nil
	}
	return &jobSocket{dir: dir, ln: ln}
}

// configure makes the container mount the socket's folder and tells the
// runner to connect.
func (j *jobSocket) configure(cfg *container.Config, host *container.HostConfig) {
	if j == nil {
		return
	}
	cfg.Cmd = append(cfg.Cmd, "-socket", runnerSocketDir+"/"+runnerSocketName)
	host.Mounts = append(host.Mounts, mount.Mount{
		Type:     mount.TypeBind,
		Source:   j.dir,
		Target:   runnerSocketDir,
		ReadOnly: true, // connect(2) to a socket works on a read-only mount
	})
}

// accept returns the runner's connection, which is already queued when
// the runner has said hello; then no other can come.
func (j *jobSocket) accept(wait time.Duration) (*net.UnixConn, error) {
	defer j.close()
	if err := j.ln.SetDeadline(time.Now().Add(wait)); err != nil {
		return nil, fmt.Errorf("accept the runner's connection: %w", err)
	}
	c, err := j.ln.AcceptUnix()
	if err != nil {
		return nil, fmt.Errorf("accept the runner's connection: %w", err)
	}
	return c, nil
}

// close stops listening and removes the socket and its folder. It may be
// called more than once, and on nil.
func (j *jobSocket) close() {
	if j == nil {
		return
	}
	j.once.Do(func() {
		_ = j.ln.Close() // removes the socket file
		_ = os.RemoveAll(j.dir)
	})
}

// staleSocketAge is how old a job socket folder must be for sweepJobSockets
// to remove it: far past any container start (Config.StartTimeout).
const staleSocketAge = 15 * time.Minute

// sweepJobSockets removes the job socket folders in dir that a harness
// killed while a container started left behind.
func sweepJobSockets(dir string, now time.Time) {
	paths, _ := filepath.Glob(filepath.Join(dir, "codetree-sock-*"))
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err == nil && fi.IsDir() && now.Sub(fi.ModTime()) > staleSocketAge {
			_ = os.RemoveAll(p)
		}
	}
}
