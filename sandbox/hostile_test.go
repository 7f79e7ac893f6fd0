package sandbox_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/client"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

// secretSentinel is put in the harness's own environment; no run may see it.
const secretSentinel = "sk-codetree-test-secret-must-not-leak"

func TestMain(m *testing.M) {
	if os.Getenv(envCrashingHarness) != "" {
		os.Exit(crashingHarness())
	}
	os.Setenv("OPENAI_API_KEY", secretSentinel)
	os.Setenv("GITHUB_TOKEN", secretSentinel)
	os.Exit(m.Run())
}

type hostileCase struct {
	file      string
	limits    sandbox.Limits
	want      sandbox.Status
	stdout    string // wanted in stdout
	notStdout string // must not appear in stdout
	check     func(t *testing.T, r sandbox.Result)
}

func hostileCases() []hostileCase {
	short := sandbox.Limits{Timeout: time.Second}
	return []hostileCase{
		{file: "infinite_loop.py", limits: short, want: sandbox.StatusTimeLimit},
		{file: "sleep_forever.py", limits: short, want: sandbox.StatusTimeLimit},
		{file: "fork_bomb.py", limits: sandbox.Limits{Timeout: time.Second, Pids: 64}, want: sandbox.StatusTimeLimit},
		{file: "orphan.py", want: sandbox.StatusPassed, stdout: "left an orphan"},
		{file: "setsid_escape.py", want: sandbox.StatusPassed, stdout: "escaped"},
		{file: "memory_bomb.py", limits: sandbox.Limits{Memory: 128 * sandbox.MiB}, want: sandbox.StatusMemoryLimit},
		{file: "stdout_flood_lines.py", want: sandbox.StatusOutputLimit, check: truncated(true, false)},
		{file: "stdout_flood_nonl.py", want: sandbox.StatusOutputLimit, check: truncated(true, false)},
		{file: "stderr_flood.py", want: sandbox.StatusOutputLimit, check: truncated(false, true)},
		{file: "stderr_flood_nonl.py", want: sandbox.StatusOutputLimit, check: truncated(false, true)},
		{file: "network.py", want: sandbox.StatusPassed, stdout: "blocked: tcp dns loopback-escape", notStdout: "REACHED"},
		{file: "write_outside.py", want: sandbox.StatusPassed, stdout: "refused: 7", notStdout: "WROTE"},
		{file: "fill_tmp.py", want: sandbox.StatusPassed, stdout: "/dev/shm full after"},
		{file: "read_stdin.py", want: sandbox.StatusPassed, stdout: "stdin gave 0 bytes"},
		{file: "close_stdout_spin.py", limits: short, want: sandbox.StatusTimeLimit},
		{file: "ignore_sigterm.py", limits: short, want: sandbox.StatusTimeLimit},
		{file: "privilege.py", want: sandbox.StatusPassed, stdout: "refused: setuid setgid chroot mount raw-socket chown", notStdout: "ALLOWED"},
		{file: "thread_bomb.py", limits: sandbox.Limits{Pids: 64}, want: sandbox.StatusPassed, stdout: "threads:", check: threadsBelow(64)},
		{file: "early_exit.py", want: sandbox.StatusFailed},
		{file: "sys_exit.py", want: sandbox.StatusFailed},
		{file: "dump_env.py", want: sandbox.StatusPassed, stdout: "HOME=/tmp/job-", notStdout: secretSentinel},
		{file: "cpu_hog.py", limits: short, want: sandbox.StatusTimeLimit},
		{file: "kill_all.py", want: sandbox.StatusPassed, stdout: "survived"},
		{file: "identity.py", want: sandbox.StatusPassed},
		{file: "job_socket.py", want: sandbox.StatusPassed, stdout: "refused: connect list renice", notStdout: "REACHED"},
		{file: "segfault.py", want: sandbox.StatusRuntimeError, check: signalled(11)},
	}
}

// overshootBound is how long after its deadline a time-limit verdict may
// come. The elapsed time includes a container's start in fresh mode (and
// for a pool's first or recycled container): under gVisor that start is
// slower (0.85 s against runc's 0.57 s idle), and so is the Sentry's
// teardown of a fork bomb on the ptrace platform, both growing with the
// host's load: with both modes of this test at once on a 2-core machine,
// 2 to 4 s at a load average of 11, up to 8 s at 24.
func overshootBound() time.Duration {
	if sandboxtest.Runtime() == sandbox.RuntimeGVisor {
		return 10 * time.Second
	}
	return 3 * time.Second
}

// gvisorSkips are the hostile cases that cannot pass under gVisor, and
// why: each is a gVisor behaviour, not a hole in the sandbox.
var gvisorSkips = map[string]string{
	"job_socket.py": "gVisor lets a task lower its own nice value without CAP_SYS_NICE (setpriority succeeds), " +
		"but a task's nice value does not reach the host's scheduler there (the Sentry runs every task), so there is no priority to gain",
}

func truncated(out, errs bool) func(*testing.T, sandbox.Result) {
	return func(t *testing.T, r sandbox.Result) {
		if r.StdoutTruncated != out || r.StderrTruncated != errs {
			t.Errorf("truncated stdout=%v stderr=%v, want %v %v", r.StdoutTruncated, r.StderrTruncated, out, errs)
		}
	}
}

func signalled(sig int) func(*testing.T, sandbox.Result) {
	return func(t *testing.T, r sandbox.Result) {
		if r.Signal != sig || r.ExitCode != -1 {
			t.Errorf("signal %d exit %d, want signal %d exit -1", r.Signal, r.ExitCode, sig)
		}
	}
}

func threadsBelow(limit int) func(*testing.T, sandbox.Result) {
	return func(t *testing.T, r sandbox.Result) {
		var n int
		if _, err := fmt.Sscanf(r.Stdout[strings.Index(r.Stdout, "threads:"):], "threads: %d", &n); err != nil {
			t.Fatalf("parse thread count from %q: %v", r.Stdout, err)
		}
		if n <= 0 || n >= limit {
			t.Errorf("started %d threads, want between 1 and the pids limit %d", n, limit)
		}
	}
}

func loadProgram(t *testing.T, name string) sandbox.Request {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "hostile", name))
	if err != nil {
		t.Fatal(err)
	}
	return sandbox.PythonProgram(map[string][]byte{name: src}, name)
}

// TestHostilePrograms runs the hostile suite in both modes. In pool mode
// the pool has one container, so each hostile job is followed, in the same
// container unless it was recycled, by a probe that must find nothing the
// hostile job left behind.
func TestHostilePrograms(t *testing.T) {
	if testing.Short() {
		t.Skip("Docker integration test")
	}
	for _, mode := range []sandbox.Mode{sandbox.ModePool, sandbox.ModeFresh} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			sb := sandboxtest.New(t, sandbox.Config{Mode: mode, PoolSize: 1})
			probe := loadProgram(t, "probe.py")
			for _, tc := range hostileCases() {
				t.Run(strings.TrimSuffix(tc.file, ".py"), func(t *testing.T) {
					if why, ok := gvisorSkips[tc.file]; ok && sandboxtest.Runtime() == sandbox.RuntimeGVisor {
						t.Skip(why)
					}
					req := loadProgram(t, tc.file)
					req.Limits = tc.limits
					start := time.Now()
					res := sandboxtest.Run(t, sb, req)
					elapsed := time.Since(start)
					if res.Status != tc.want {
						t.Fatalf("status %s, want %s\ndetail: %s\nstdout: %.500s\nstderr: %.500s", res.Status, tc.want, res.Detail, res.Stdout, res.Stderr)
					}
					if tc.stdout != "" && !strings.Contains(res.Stdout, tc.stdout) {
						t.Errorf("stdout %.300q lacks %q", res.Stdout, tc.stdout)
					}
					if tc.notStdout != "" && strings.Contains(res.Stdout, tc.notStdout) {
						t.Errorf("stdout %.300q contains %q", res.Stdout, tc.notStdout)
					}
					if tc.check != nil {
						tc.check(t, res)
					}
					if tc.want == sandbox.StatusTimeLimit {
						// A loose bound that catches a broken kill; the exact
						// overshoot is measured by `codetree sandbox bench`.
						if over := elapsed - tc.limits.Timeout; over > overshootBound() {
							t.Errorf("time-limit verdict came %s after the deadline", over)
						}
						t.Logf("time-limit verdict %s after the deadline (mode %s)", (elapsed - tc.limits.Timeout).Round(time.Millisecond), mode)
					}
					if mode == sandbox.ModePool {
						p := sandboxtest.Run(t, sb, probe)
						if p.Status != sandbox.StatusPassed {
							t.Errorf("the next job found leftovers: %s %s\n%s", p.Status, p.Detail, p.Stderr)
						}
					}
				})
			}
		})
	}
	t.Cleanup(func() { assertNoStrays(t) })
}

// assertNoStrays checks that no process of a sandbox job uid survives
// outside a live container. Container processes are visible on the host
// with their own uids (there is no user namespace). Under gVisor a job's
// processes are tasks of the sandbox's own kernel, not host processes, so
// there is nothing of theirs to find here; the pool's probe job checks
// what a job left behind inside. Processes in the containers of the other
// engine (Docker's beside Podman's, when DOCKER_HOST names Podman) belong
// to another daemon, not this test's: only their uid range is the same.
func assertNoStrays(t *testing.T) {
	t.Helper()
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	engine := engineDocker
	if v, err := cli.ServerVersion(context.Background()); err == nil {
		for _, c := range v.Components {
			if strings.Contains(c.Name, "Podman") {
				engine = enginePodman
			}
		}
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		uid, eng, cid := procUIDAndContainer(pid)
		if uid < 20000 || uid >= 30000 {
			continue
		}
		if cid == "" {
			t.Errorf("process %d of job uid %d runs outside any container", pid, uid)
			continue
		}
		if eng != engine {
			continue
		}
		if _, err := cli.ContainerInspect(context.Background(), cid); err != nil {
			t.Errorf("process %d of job uid %d outlived its container %.12s", pid, uid, cid)
		}
	}
}

// The engines whose container cgroups procUIDAndContainer recognises.
const (
	engineDocker = "docker"
	enginePodman = "podman"
)

// procUIDAndContainer returns a process's uid, and the engine and ID of
// its container: Docker's cgroups end in /docker/ID (cgroupfs) or
// docker-ID.scope (systemd), Podman's in libpod-ID or libpod-ID.scope
// (under libpod_parent or machine.slice).
func procUIDAndContainer(pid int) (uid int, engine, id string) {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1, "", ""
	}
	uid = -1
	for _, l := range strings.Split(string(st), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "Uid:" {
			uid, _ = strconv.Atoi(f[1])
		}
	}
	cg, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	for _, l := range strings.Split(string(cg), "\n") {
		if engine, id = containerOfCgroup(l); id != "" {
			return uid, engine, id
		}
	}
	return uid, "", ""
}

// containerOfCgroup reads the engine and container ID from a line of
// /proc/PID/cgroup ("" when it names no container's cgroup).
func containerOfCgroup(line string) (engine, id string) {
	if i := strings.Index(line, "/docker/"); i >= 0 {
		return engineDocker, strings.TrimSpace(line[i+len("/docker/"):])
	}
	for _, p := range []struct{ engine, prefix string }{{engineDocker, "docker-"}, {enginePodman, "libpod-"}} {
		i := strings.LastIndex(line, "/"+p.prefix)
		if i < 0 {
			continue
		}
		id := strings.TrimSuffix(strings.TrimSpace(line[i+1+len(p.prefix):]), ".scope")
		if len(id) == 64 && strings.Trim(id, "0123456789abcdef") == "" {
			return p.engine, id
		}
	}
	return "", ""
}

func TestContainerOfCgroup(t *testing.T) {
	t.Parallel()
	id := strings.Repeat("0123456789abcdef", 4)
	for _, tt := range []struct{ line, engine, id string }{
		{"12:pids:/docker/" + id, engineDocker, id},
		{"0::/system.slice/docker-" + id + ".scope", engineDocker, id},
		{"8:pids:/libpod_parent/libpod-" + id, enginePodman, id},
		{"0::/machine.slice/libpod-" + id + ".scope", enginePodman, id},
		{"0::/machine.slice/libpod-conmon-" + id + ".scope", "", ""},
		{"0::/user.slice/user-0.slice/session-1.scope", "", ""},
	} {
		if e, got := containerOfCgroup(tt.line); e != tt.engine || got != tt.id {
			t.Errorf("%q: %q %q, want %q %q", tt.line, e, got, tt.engine, tt.id)
		}
	}
}
