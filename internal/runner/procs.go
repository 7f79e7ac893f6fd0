package runner

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// procStatus is what the runner needs from /proc/<pid>/status.
type procStatus struct {
	state   byte
	uids    [4]uint32 // real, effective, saved, filesystem
	threads int
	capEff  uint64
}

// parseStatus reads the fields of a /proc/<pid>/status text.
func parseStatus(b []byte) (procStatus, error) {
	var st procStatus
	seen := 0
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		key, val, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		val = bytes.TrimSpace(val)
		switch string(key) {
		case "State":
			if len(val) == 0 {
				return st, fmt.Errorf("parse State %q", val)
			}
			st.state = val[0]
			seen++
		case "Uid":
			f := bytes.Fields(val)
			if len(f) != 4 {
				return st, fmt.Errorf("parse Uid %q", val)
			}
			for i := range f {
				n, err := strconv.ParseUint(string(f[i]), 10, 32)
				if err != nil {
					return st, fmt.Errorf("parse Uid %q: %w", val, err)
				}
				st.uids[i] = uint32(n)
			}
			seen++
		case "Threads":
			// Lenient: a status cut short by the read buffer loses it.
			st.threads, _ = strconv.Atoi(string(val))
		case "CapEff":
			st.capEff, _ = strconv.ParseUint(string(val), 16, 64)
		}
	}
	if seen < 2 {
		return st, fmt.Errorf("status lacks State or Uid")
	}
	return st, nil
}

// ownedBy reports whether any of the process's uids is uid.
func (st procStatus) ownedBy(uid uint32) bool {
	for _, u := range st.uids {
		if u == uid {
			return true
		}
	}
	return false
}

// live reports whether the process can still run code: a zombie whose
// thread group has no other thread is only waiting to be reaped (by
// docker-init, which reaps orphans).
func (st procStatus) live() bool {
	switch st.state {
	case 'Z', 'X', 'x':
		return st.threads > 1
	}
	return true
}

// readStatus reads /proc/<pid>/status into buf. ok is false when the
// process is gone.
func readStatus(pid string, buf []byte) (procStatus, bool, error) {
	fd, err := syscall.Open("/proc/"+pid+"/status", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return procStatus{}, false, nil // gone, or never there
	}
	n, err := syscall.Read(fd, buf)
	syscall.Close(fd)
	if err != nil || n <= 0 {
		return procStatus{}, false, nil // exited while we read
	}
	st, err := parseStatus(buf[:n])
	if err != nil {
		return st, false, fmt.Errorf("read status of pid %s: %w", pid, err)
	}
	return st, true, nil
}

// liveProcs lists the live processes (thread groups) of uid, except the
// runner itself.
func liveProcs(uid uint32) ([]int, error) {
	live, _, err := scanUID(uid)
	return live, err
}

// scanUID lists the processes (thread groups) of uid, except the runner
// itself: the live ones, and the zombies waiting to be reaped.
func scanUID(uid uint32) (live, zombies []int, err error) {
	d, err := os.Open("/proc")
	if err != nil {
		return nil, nil, fmt.Errorf("list processes: %w", err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("list processes: %w", err)
	}
	self := os.Getpid()
	buf := make([]byte, 4096)
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid == self {
			continue
		}
		st, ok, err := readStatus(name, buf)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case !ok || !st.ownedBy(uid):
		case st.live():
			live = append(live, pid)
		default:
			zombies = append(zombies, pid)
		}
	}
	return live, zombies, nil
}

// becomeSubreaper makes the runner the reaper of the orphans of its jobs
// (prctl PR_SET_CHILD_SUBREAPER), so that reapUID can reap them at once
// rather than leave them to the container's init: a zombie still shows
// its uid in /proc, and the next sample of a batch must see nothing of
// the one before.
func becomeSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become the reaper of orphaned job processes: %w", err)
	}
	return nil
}

// reapUID reaps the zombies of uid that are the runner's children (orphans
// that came to it as their subreaper), except keep (a main process, which
// its exec.Cmd waits for), and waits at most wait for the others (the
// children of a zygote, of the container's init) to go. It returns how
// many are left.
func reapUID(uid uint32, keep int, wait time.Duration) (int, error) {
	deadline := time.Now().Add(wait)
	pause := 20 * time.Microsecond
	for {
		_, zombies, err := scanUID(uid)
		if err != nil {
			return -1, err
		}
		zombies = slices.DeleteFunc(zombies, func(pid int) bool { return pid == keep })
		for _, pid := range zombies {
			var ws syscall.WaitStatus
			_, _ = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil) // ECHILD: not the runner's child
		}
		if len(zombies) == 0 || time.Now().After(deadline) {
			return len(zombies), nil
		}
		time.Sleep(pause)
		pause = min(2*pause, time.Millisecond)
	}
}

// killAllRound is the first round of killUID that uses kill(-1).
const killAllRound = 2

// killUID sends SIGKILL to every process of uid until none is live, for at
// most wait. It returns how many were still live when it gave up, and
// whether its last scan saw zombies of uid (for reapUID). When it finds
// any live, it first sets them all to nice JobNice.
//
// Each round kills, as root, every process the scan saw; processes that
// were seen are dying, and the next scan only finds those still tearing
// down and any forked in between. From round killAllRound on it also calls
// kill(-1) from a thread switched to uid: one sweep under the kernel's task
// list lock that no fork can outrun, and that reaches nothing outside the
// uid. It is not the first resort because, for the microseconds the thread
// holds the job's uid, a job process could signal that thread, and with it
// the runner.
func killUID(uid uint32, wait time.Duration) (left int, zombies bool, err error) {
	deadline := time.Now().Add(wait)
	pause := 20 * time.Microsecond
	var killErr error
	for round := 0; ; round++ {
		pids, dead, err := scanUID(uid)
		if err != nil {
			return -1, false, err
		}
		if len(pids) == 0 {
			return 0, len(dead) > 0, nil
		}
		if time.Now().After(deadline) {
			return len(pids), len(dead) > 0, killErr
		}
		if round == 0 {
			// Best effort (it needs CAP_SYS_NICE): one call, and every
			// process of the uid in the runner's pid namespace, and any
			// it forks, yields the CPU to the runner.
			_ = syscall.Setpriority(syscall.PRIO_USER, int(uid), JobNice)
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL) // ESRCH: it died already
		}
		if round >= killAllRound {
			err := asUID(uid, func() error {
				if err := syscall.Kill(-1, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
					return err
				}
				return nil
			})
			if err != nil {
				// Not fatal: the per-process kills still converge.
				killErr = fmt.Errorf("kill processes as uid %d: %w", uid, err)
			}
		}
		time.Sleep(pause)
		pause = min(2*pause, time.Millisecond)
	}
}

// Capabilities the runner needs (bit numbers from linux/capability.h).
var neededCaps = []struct {
	bit  uint
	name string
}{
	{0, "CHOWN"}, {1, "DAC_OVERRIDE"}, {3, "FOWNER"}, {5, "KILL"}, {6, "SETGID"}, {7, "SETUID"},
}

// missingCaps lists the needed capabilities the runner does not hold.
func missingCaps() ([]string, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil, fmt.Errorf("read own status: %w", err)
	}
	st, err := parseStatus(b)
	if err != nil {
		return nil, fmt.Errorf("read own status: %w", err)
	}
	var missing []string
	for _, c := range neededCaps {
		if st.capEff&(1<<c.bit) == 0 {
			missing = append(missing, c.name)
		}
	}
	return missing, nil
}
