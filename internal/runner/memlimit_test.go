package runner

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestDataLimit(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	tests := []struct {
		limit int64
		want  uint64
	}{
		{0, 0},
		{-1, 0},
		{128 * mib, 0},
		{255 * mib, 0},
		{256 * mib, 192 * mib},
		{512 * mib, 448 * mib},
		{4096 * mib, 3584 * mib},
	}
	for _, tc := range tests {
		if got := DataLimit(tc.limit); got != tc.want {
			t.Errorf("DataLimit(%d MiB) = %d MiB, want %d MiB", tc.limit/mib, got/mib, tc.want/mib)
		}
	}
}

// writeFiles writes name -> content under dir, making folders.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDetectMemCgroup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		files     map[string]string
		wantLimit int64
		wantHits  string // file name under the root, "" for none
	}{
		{"v2", map[string]string{"memory.max": "536870912\n", "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n"}, 536870912, "memory.events"},
		{"v2 unlimited", map[string]string{"memory.max": "max\n"}, 0, "memory.events"},
		{"v1 with swap accounting", map[string]string{
			"memory/memory.memsw.limit_in_bytes": "536870912\n", "memory/memory.limit_in_bytes": "536870912\n",
		}, 536870912, "memory/memory.memsw.failcnt"},
		{"v1 without swap accounting", map[string]string{"memory/memory.limit_in_bytes": "268435456\n"}, 268435456, "memory/memory.failcnt"},
		{"v1 unlimited", map[string]string{"memory/memory.limit_in_bytes": "9223372036854771712\n"}, 0, "memory/memory.failcnt"},
		{"none", nil, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			writeFiles(t, root, tc.files)
			cg := detectMemCgroup(root)
			if cg.limit != tc.wantLimit {
				t.Errorf("limit %d, want %d", cg.limit, tc.wantLimit)
			}
			want := ""
			if tc.wantHits != "" {
				want = filepath.Join(root, tc.wantHits)
			}
			if cg.hits != want {
				t.Errorf("hit counter %q, want %q", cg.hits, want)
			}
		})
	}
}

// TestMemWatch: a limit hit counts as the job's only when the job held most
// of the limit, by its peak RSS or by the cgroup's memory when it was
// killed; a hit from before the job never counts.
func TestMemWatch(t *testing.T) {
	t.Parallel()
	const limit = 512 << 20
	v1 := func(failcnt, rss int) map[string]string {
		return map[string]string{
			"memory/memory.memsw.limit_in_bytes": strconv.Itoa(limit),
			"memory/memory.memsw.failcnt":        strconv.Itoa(failcnt) + "\n",
			"memory/memory.stat":                 "cache 1000\nrss 5\ntotal_cache 1000\ntotal_rss " + strconv.Itoa(rss) + "\ntotal_shmem 0\n",
		}
	}
	v2 := func(max, oom, anon int) map[string]string {
		return map[string]string{
			"memory.max":    strconv.Itoa(limit),
			"memory.events": "low 0\nhigh 0\nmax " + strconv.Itoa(max) + "\noom " + strconv.Itoa(oom) + "\noom_kill 0\n",
			"memory.stat":   "anon " + strconv.Itoa(anon) + "\nfile 4096\nshmem 0\n",
		}
	}
	tests := []struct {
		name          string
		before, after map[string]string
		rss           int64 // peak RSS from the wait status
		want          bool
	}{
		{"v1 hit while the job held most", v1(7, 0), v1(9, 480<<20), 0, true},
		{"v1 hit with a large peak RSS", v1(7, 0), v1(9, 0), 460 << 20, true},
		{"v1 hit by page cache", v1(7, 0), v1(9, 10<<20), 20 << 20, false},
		{"v1 no hit during the job", v1(9, 0), v1(9, 480<<20), 480 << 20, false},
		{"v2 max", v2(0, 0, 0), v2(3, 0, 500<<20), 0, true},
		{"v2 oom", v2(0, 0, 0), v2(0, 1, 0), 470 << 20, true},
		{"v2 no hit", v2(3, 1, 0), v2(3, 1, 500<<20), 470 << 20, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			writeFiles(t, root, tc.before)
			w := watchMemory(detectMemCgroup(root))
			writeFiles(t, root, tc.after)
			w.sample()
			w.peak = max(w.peak, tc.rss)
			if got := w.exceeded(); got != tc.want {
				t.Errorf("exceeded %v, want %v (peak %d MiB)", got, tc.want, w.peak>>20)
			}
		})
	}
	t.Run("no cgroup", func(t *testing.T) {
		t.Parallel()
		w := watchMemory(detectMemCgroup(t.TempDir()))
		w.sample()
		w.peak = limit
		if w.exceeded() {
			t.Error("exceeded without a cgroup")
		}
	})
}

// dataLimitOf runs cat /proc/self/limits through startLimited and returns
// the child's soft "Max data size" field.
func dataLimitOf(t *testing.T, limit uint64) string {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command("cat", "/proc/self/limits")
	cmd.Stdout = &out
	note, err := startLimited(cmd, limit)
	if err != nil {
		t.Fatal(err)
	}
	if note != "" {
		t.Errorf("note %q", note)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(out.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max data size"); ok {
			return strings.Fields(rest)[0]
		}
	}
	t.Fatalf("no data limit in %q", out.String())
	return ""
}

// TestStartLimited: the job starts with the data limit, the runner keeps
// its own, and a limit the runner's own data comes close to is skipped.
// Not parallel: it lowers the test process's own limit for a moment.
func TestStartLimited(t *testing.T) {
	var before syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_DATA, &before); err != nil {
		t.Fatal(err)
	}
	if before.Cur != rlimInfinity && before.Cur < 2<<30 {
		t.Skipf("this process already has a data limit of %d", before.Cur)
	}
	if got := dataLimitOf(t, 1<<30); got != strconv.Itoa(1<<30) {
		t.Errorf("child's data limit %s, want %d", got, 1<<30)
	}
	var after syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_DATA, &after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("own data limit %+v after the start, want %+v", after, before)
	}
	own, err := ownData()
	if err != nil {
		t.Fatal(err)
	}
	if got := dataLimitOf(t, own+dataLimitSlack/2); got == strconv.FormatUint(own+dataLimitSlack/2, 10) {
		t.Errorf("a data limit within %d bytes of the runner's own data was applied", dataLimitSlack)
	}
	if got := dataLimitOf(t, 0); got != "unlimited" && before.Cur == rlimInfinity {
		t.Errorf("no limit asked, child's data limit %s", got)
	}
}

// rlimInfinity is RLIM_INFINITY as an Rlimit field holds it.
const rlimInfinity = ^uint64(0)
