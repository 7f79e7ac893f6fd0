package sandbox

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
)

// TestJobSocket checks what keeps jobs away from the job socket: a
// private folder, a socket only the harness's user may use, mounted
// read-only, and nothing left once the runner's connection is accepted.
func TestJobSocket(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	s := newSandbox(hostOnlyDocker{host: "unix:///var/run/docker.sock"}, Config{}.withDefaults(), "/runner")
	js := s.listenJobSocket()
	if js == nil {
		t.Fatal("no job socket")
	}
	defer js.close()
	path := filepath.Join(js.dir, runnerSocketName)
	for p, want := range map[string]os.FileMode{js.dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", p, got, want)
		}
	}
	cfg, host := &container.Config{}, &container.HostConfig{}
	js.configure(cfg, host)
	if len(host.Mounts) != 1 || host.Mounts[0].Source != js.dir || host.Mounts[0].Target != runnerSocketDir || !host.Mounts[0].ReadOnly {
		t.Errorf("mounts %+v, want %s read-only at %s", host.Mounts, js.dir, runnerSocketDir)
	}
	if want := []string{"-socket", runnerSocketDir + "/" + runnerSocketName}; len(cfg.Cmd) != 2 || cfg.Cmd[0] != want[0] || cfg.Cmd[1] != want[1] {
		t.Errorf("cmd %q, want %q", cfg.Cmd, want)
	}

	runnerSide, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer runnerSide.Close()
	c, err := js.accept(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := os.Stat(js.dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket folder still there after accept: %v", err)
	}
	if _, err := net.Dial("unix", path); err == nil {
		t.Error("a second connection succeeded after accept")
	}
	if _, err := runnerSide.Write([]byte("x\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := c.Read(buf); err != nil || string(buf) != "x\n" {
		t.Errorf("read %q, %v", buf, err)
	}
}

// TestJobSocketOtherRuntime: a runtime that cannot reach a host socket
// (gVisor) keeps the attach stream.
func TestJobSocketOtherRuntime(t *testing.T) {
	cfg := Config{Runtime: RuntimeGVisor}.withDefaults()
	s := newSandbox(hostOnlyDocker{host: "unix:///var/run/docker.sock"}, cfg, "/runner")
	if js := s.listenJobSocket(); js != nil {
		js.close()
		t.Error("job socket under gVisor")
	}
}

// TestSweepJobSockets: only stale socket folders go.
func TestSweepJobSockets(t *testing.T) {
	dir := t.TempDir()
	old, fresh, other := filepath.Join(dir, "codetree-sock-1"), filepath.Join(dir, "codetree-sock-2"), filepath.Join(dir, "other")
	for _, d := range []string{old, fresh, other} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * staleSocketAge)
	for _, d := range []string{old, other} {
		if err := os.Chtimes(d, past, past); err != nil {
			t.Fatal(err)
		}
	}
	sweepJobSockets(dir, time.Now())
	for d, want := range map[string]bool{old: false, fresh: true, other: true} {
		if _, err := os.Stat(d); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", d, err == nil, want)
		}
	}
}
