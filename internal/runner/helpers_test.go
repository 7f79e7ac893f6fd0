package runner

import (
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// testUIDBase keeps test jobs away from real users; each test job gets its
// own ID and so its own uid, which lets tests run in parallel.
const testUIDBase = 61000

var lastJobID atomic.Uint64

// testEnv is a Server with its own folders: tmp is the work folder and the
// first scrub folder (as /tmp is in a container), shm the second.
type testEnv struct {
	srv      *Server
	tmp, shm string
	oom      string // a fake cgroup OOM counter that jobs may write
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the runner switches each job to its own uid (CI runs the tests as root)")
	}
}

func newTestEnv(t *testing.T, mutate ...func(*Config)) *testEnv {
	t.Helper()
	requireRoot(t)
	base := t.TempDir()
	// Job uids must be able to reach their folders.
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e := &testEnv{
		tmp: filepath.Join(base, "tmp"),
		shm: filepath.Join(base, "shm"),
		oom: filepath.Join(base, "memory.oom_control"),
	}
	for _, d := range []string{e.tmp, e.shm} {
		mustMkdir(t, d, os.ModeSticky|0o777)
	}
	if err := os.WriteFile(e.oom, []byte("oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(e.oom, 0o666); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		UIDBase:   testUIDBase,
		WorkDir:   e.tmp,
		ScrubDirs: []string{e.tmp, e.shm},
		Env:       []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"},
		OOMFile:   e.oom,
		KillWait:  2 * time.Second,
		Logger:    slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Version:   "test",
	}
	for _, m := range mutate {
		m(&cfg)
	}
	e.srv = NewServer(cfg)
	return e
}

// run runs job (with a fresh ID and test-sized limits unless set) and
// checks what must hold after every job: no process of its uid and no job
// folder left.
func (e *testEnv) run(t *testing.T, job Job) Report {
	t.Helper()
	if job.ID == 0 {
		job.ID = lastJobID.Add(1)
	}
	if job.Timeout == 0 {
		job.Timeout = 10 * time.Second
	}
	if job.OutputLimit == 0 {
		job.OutputLimit = 64 << 10
	}
	rep := e.srv.Run(t.Context(), job)
	if rep.ID != job.ID {
		t.Errorf("report ID = %d, want %d", rep.ID, job.ID)
	}
	if want := uint32(testUIDBase + job.ID%UIDSpan); rep.UID != want {
		t.Errorf("report UID = %d, want %d", rep.UID, want)
	}
	if pids, err := liveProcs(rep.UID); err != nil || len(pids) > 0 {
		t.Errorf("after the job, processes of uid %d: %v (err %v)", rep.UID, pids, err)
	}
	if _, err := os.Lstat(e.jobDir(job.ID)); !os.IsNotExist(err) {
		t.Errorf("job folder still there after the job (lstat: %v)", err)
	}
	return rep
}

func (e *testEnv) jobDir(id uint64) string {
	return filepath.Join(e.tmp, "job-"+strconv.FormatUint(id, 10))
}

func mustMkdir(t *testing.T, d string, mode os.FileMode) {
	t.Helper()
	if err := os.Mkdir(d, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

func sh(script string) []string { return []string{"/bin/sh", "-c", script} }
