package runner

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
)

// The memory verdict has two halves.
//
// Fast: every job starts with a soft RLIMIT_DATA (DataLimit) a little under
// the container's memory limit, so an allocation past it fails at once
// (Python raises MemoryError, Go's runtime dies with "out of memory")
// instead of driving the cgroup to its limit, where the kernel evicts the
// program's own code pages and it thrashes for seconds before the OOM
// killer acts. RLIMIT_DATA (Linux 4.7+) counts private writable mappings
// only, not the PROT_NONE address space that Go's runtime, the JVM or V8
// reserve, so `go build` and `go test` run under it (RLIMIT_AS would break
// them). It does count about 40MiB of tables a Go process maps at start,
// so it is applied only to containers of at least dataLimitMinMemory. The
// cgroup limit stays the hard stop: the rlimit is per process, and a job
// may raise its soft limit (it only slows its own verdict).
//
// Sure: after the job, Report.MemoryExceeded says whether the container's
// memory reached its cgroup limit during the job (memory.events "max" or
// "oom" on cgroup v2, memory.memsw.failcnt or memory.failcnt on v1) while
// the job itself held most of it (memPeakShare of the limit, by the main
// process tree's peak RSS or the cgroup's anonymous and shared memory when
// the runner had to kill it): page cache reclaimed at the limit alone is
// not the job's fault.

// dataLimitMinMemory is the smallest container memory limit under which
// jobs get a data rlimit.
const dataLimitMinMemory = 256 << 20

// memPeakShare is the share of the limit (in 1/8ths) that the job's own
// memory must reach for a limit hit to count as its own.
const memPeakShare = 6

// DataLimit returns the soft RLIMIT_DATA a job gets in a container whose
// memory limit is limit bytes: the limit less an eighth of it (at least
// 64MiB), or 0 (no rlimit) when limit is under dataLimitMinMemory or
// unlimited (0 or less).
func DataLimit(limit int64) uint64 {
	if limit < dataLimitMinMemory {
		return 0
	}
	return uint64(limit - max(limit/8, 64<<20))
}

// memCgroup names the memory files of the container's cgroup, as seen
// from inside it.
type memCgroup struct {
	// limit is the memory limit in bytes; 0 when unlimited or unknown.
	limit int64
	// hits is the file of the limit-hit counter; hitKeys are the counters
	// summed in it ("max", "oom" in memory.events), nil for a file that
	// holds one number (failcnt).
	hits    string
	hitKeys []string
	// stat is memory.stat; statKeys are the fields summed for the job's
	// anonymous and shared memory.
	stat     string
	statKeys []string
}

// cgroupMemory is the container's memory cgroup, read once per process:
// it does not change for the life of a container.
var cgroupMemory = sync.OnceValue(func() memCgroup { return detectMemCgroup("/sys/fs/cgroup") })

// detectMemCgroup finds the memory files under root (the cgroup mount
// point): cgroup v2 first, then v1 with swap accounting, then v1 without.
// A limit of "max" or one of v1's near-2^63 values means unlimited.
func detectMemCgroup(root string) memCgroup {
	if lim, err := readLimit(root + "/memory.max"); err == nil {
		return memCgroup{limit: lim, hits: root + "/memory.events", hitKeys: []string{"max", "oom"},
			stat: root + "/memory.stat", statKeys: []string{"anon", "shmem"}}
	}
	v1 := root + "/memory/memory."
	for _, prefix := range []string{v1 + "memsw.", v1} {
		if lim, err := readLimit(prefix + "limit_in_bytes"); err == nil {
			return memCgroup{limit: lim, hits: prefix + "failcnt",
				stat: v1 + "stat", statKeys: []string{"total_rss", "total_shmem"}}
		}
	}
	return memCgroup{}
}

// readLimit reads a cgroup memory limit; 0 means unlimited.
func readLimit(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read memory limit: %w", err)
	}
	s := string(bytes.TrimSpace(b))
	if s == "max" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse memory limit %q: %w", s, err)
	}
	if n >= 1<<62 { // v1's "no limit" is 2^63 rounded down to a page
		return 0, nil
	}
	return n, nil
}

// limitHits reads the limit-hit counter.
func (m memCgroup) limitHits() (uint64, error) {
	if m.hits == "" {
		return 0, errors.New("no memory limit counter")
	}
	b, err := os.ReadFile(m.hits)
	if err != nil {
		return 0, fmt.Errorf("read memory limit counter: %w", err)
	}
	if m.hitKeys == nil {
		n, err := strconv.ParseUint(string(bytes.TrimSpace(b)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse memory limit counter: %w", err)
		}
		return n, nil
	}
	return sumFields(b, m.hitKeys)
}

// usage reads the cgroup's anonymous and shared memory now.
func (m memCgroup) usage() (int64, error) {
	if m.stat == "" {
		return 0, errors.New("no memory.stat")
	}
	b, err := os.ReadFile(m.stat)
	if err != nil {
		return 0, fmt.Errorf("read memory.stat: %w", err)
	}
	n, err := sumFields(b, m.statKeys)
	return int64(n), err
}

// sumFields sums the values of the "key value" lines of b named in keys;
// keys absent from b count as 0, but at least one must be present.
func sumFields(b []byte, keys []string) (uint64, error) {
	var sum uint64
	found := false
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		key, val, ok := bytes.Cut(line, []byte{' '})
		if !ok {
			continue
		}
		for _, k := range keys {
			if string(key) != k {
				continue
			}
			n, err := strconv.ParseUint(string(bytes.TrimSpace(val)), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse %s %q: %w", k, val, err)
			}
			sum += n
			found = true
		}
	}
	if !found {
		return 0, fmt.Errorf("no %v line", keys)
	}
	return sum, nil
}

// memWatch follows one job's memory: the limit-hit counter before it and
// the largest memory seen of it.
type memWatch struct {
	cg     memCgroup
	before uint64
	ok     bool // before was read
	peak   int64
}

// watchMemory starts following a job's memory in the container's cgroup.
func watchMemory(cg memCgroup) *memWatch {
	w := &memWatch{cg: cg}
	if cg.limit > 0 {
		n, err := cg.limitHits()
		w.before, w.ok = n, err == nil
	}
	return w
}

// sample records the cgroup's current anonymous and shared memory as the
// job's, for a job about to be killed (its processes still hold it).
func (w *memWatch) sample() {
	if !w.ok {
		return
	}
	if n, err := w.cg.usage(); err == nil {
		w.peak = max(w.peak, n)
	}
}

// noteRusage records the peak RSS of the job's main process and of the
// descendants it waited for, from its wait status.
func (w *memWatch) noteRusage(ps *os.ProcessState) {
	if ps == nil {
		return
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		w.peak = max(w.peak, ru.Maxrss<<10) // KiB
	}
}

// exceeded reports whether the cgroup's limit was hit since watchMemory
// while the job held at least memPeakShare eighths of the limit.
func (w *memWatch) exceeded() bool {
	if !w.ok || w.peak < w.cg.limit/8*memPeakShare {
		return false
	}
	n, err := w.cg.limitHits()
	return err == nil && n > w.before
}

// dataLimitMu serialises the lowering of the runner's own RLIMIT_DATA
// around a job's start.
var dataLimitMu sync.Mutex

// dataLimitSlack is how far the runner's own data must stay below a job's
// data limit for the runner to lower its own limit while it starts the job.
const dataLimitSlack = 64 << 20

// startLimited starts cmd (startNiced) with a soft RLIMIT_DATA of limit
// bytes (0: none). The kernel copies rlimits into a child at fork and a
// Go program cannot set one between fork and exec, so the runner lowers
// its own soft limit for the moment of the start and then restores it
// (raising a soft limit up to the hard one needs no capability). It skips
// the limit when its own data is within dataLimitSlack of it, so the runner
// itself can never run into it. An error of the rlimit calls is returned
// as note, for the job's anomalies; the job starts anyway.
func startLimited(cmd *exec.Cmd, limit uint64) (note string, err error) {
	if limit == 0 {
		return "", startNiced(cmd)
	}
	dataLimitMu.Lock()
	defer dataLimitMu.Unlock()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_DATA, &old); err != nil {
		return "read RLIMIT_DATA: " + err.Error(), startNiced(cmd)
	}
	own, err := ownData()
	if err != nil || old.Cur <= limit || own+dataLimitSlack > limit {
		return "", startNiced(cmd)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: limit, Max: old.Max}); err != nil {
		return "set RLIMIT_DATA: " + err.Error(), startNiced(cmd)
	}
	err = startNiced(cmd)
	if rerr := syscall.Setrlimit(syscall.RLIMIT_DATA, &old); rerr != nil {
		note = "restore RLIMIT_DATA: " + rerr.Error()
	}
	return note, err
}

// ownData returns the runner's own data size (VmData) in bytes.
func ownData() (uint64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("read own status: %w", err)
	}
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		if val, ok := bytes.CutPrefix(line, []byte("VmData:")); ok {
			kb, err := strconv.ParseUint(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(val), []byte("kB")))), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse VmData %q: %w", val, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmData in own status")
}
