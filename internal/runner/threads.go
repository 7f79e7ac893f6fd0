package runner

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// JobNice is the nice value of every process of a job's uid once the job
// has run for JobNiceAfter, or when killUID is about to kill them: the
// runner then keeps the CPU it needs to kill a fork bomb or a CPU hog fast
// at its deadline (a job cannot lower it: it lacks CAP_SYS_NICE). A short
// job runs at nice 0 all along: at nice 19 a job weighs almost nothing in
// the container's share of a busy host's CPU (its cgroup's weight follows
// its tasks' load, which the runner's recent load dilutes), and trivial
// runs were up to 1.4x slower there. Both need CAP_SYS_NICE (runnerCaps)
// and are best effort.
const JobNice = 19

// JobNiceAfter is how long a job runs at nice 0 (see JobNice).
const JobNiceAfter = 200 * time.Millisecond

// onThread runs fn on a goroutine locked to an OS thread that is not the
// main thread, and waits for it. The main thread's credentials are the ones
// /proc shows and kill(2) checks for the whole runner, so no per-thread
// change may ever touch it. If fn returns false the thread is not handed
// back to the scheduler: the runtime ends it when the goroutine returns.
func onThread(fn func() (reusable bool)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		if syscall.Gettid() == os.Getpid() {
			// Holding the main thread here keeps the nested call off it.
			onThread(fn)
			runtime.UnlockOSThread()
			return
		}
		if fn() {
			runtime.UnlockOSThread()
		}
	}()
	<-done
}

// asUID runs fn on a thread whose real and effective uid are uid, so that
// fn acts with exactly the job's permissions: kill(-1) reaches the job's
// processes and nothing else, and IPC_RMID works on the job's SysV objects
// without CAP_IPC_OWNER. Only that thread changes (setresuid as a raw
// system call is per thread on Linux); the saved uid stays 0, so it
// switches back to root before it is reused, or ends if it cannot.
func asUID(uid uint32, fn func() error) error {
	var err error
	onThread(func() bool {
		if _, _, e := syscall.RawSyscall(syscall.SYS_SETRESUID, uintptr(uid), uintptr(uid), 0); e != 0 {
			err = fmt.Errorf("switch thread to uid %d: %w", uid, e)
			return true // unchanged
		}
		err = fn()
		if _, _, e := syscall.RawSyscall(syscall.SYS_SETRESUID, 0, 0, 0); e != 0 {
			err = errors.Join(err, fmt.Errorf("switch thread back to root: %w", e))
			return false
		}
		return true
	})
	return err
}

// spawner starts every job from one thread, for the life of the process:
// its nice value is JobNice, which each job inherits. The thread never
// ends, which matters twice: a process started with Pdeathsig is killed
// when the thread that started it ends, and under a fork bomb the runtime
// may be unable to make a new thread (the container's pids limit) and
// would crash the runner.
var spawner struct {
	once sync.Once
	reqs chan spawnReq
}

type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

// startNiced starts cmd at nice JobNice and makes the new process the OOM
// killer's first choice.
func startNiced(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.reqs = make(chan spawnReq)
		go onThread(spawnLoop)
	})
	done := make(chan error, 1)
	spawner.reqs <- spawnReq{cmd, done}
	return <-done
}

func spawnLoop() bool {
	for req := range spawner.reqs {
		err := req.cmd.Start()
		if err == nil {
			// Best effort too: this only matters when the OOM killer must
			// choose between a job made of many small processes and the
			// runner. The job can lower it again; that only hurts its own
			// verdict.
			_ = os.WriteFile("/proc/"+strconv.Itoa(req.cmd.Process.Pid)+"/oom_score_adj", []byte("1000"), 0)
			reniceLater(req.cmd)
		}
		req.done <- err
	}
	return false
}

// reserveThreads makes the Go runtime start n OS threads now, while it
// can, and keep them: the runtime parks idle threads rather than ending
// them. A fork bomb fills the container's pids limit, and a Go program that
// then needs a thread it does not have dies ("failed to create new OS
// thread").
func reserveThreads(n int) {
	var locked, finished sync.WaitGroup
	gate := make(chan struct{})
	for range n {
		locked.Add(1)
		finished.Add(1)
		go func() {
			defer finished.Done()
			runtime.LockOSThread() // each on a thread of its own
			locked.Done()
			<-gate
			runtime.UnlockOSThread()
		}()
	}
	locked.Wait()
	close(gate)
	finished.Wait()
}

// reniceLater sets every process of cmd's uid to nice JobNice once
// JobNiceAfter has passed, if any is left then (setpriority PRIO_USER
// reaches only the runner's pid namespace). Never for a command started as
// root (a batch's zygote): that would renice the runner.
func reniceLater(cmd *exec.Cmd) {
	a := cmd.SysProcAttr
	if a == nil || a.Credential == nil || a.Credential.Uid == 0 {
		return
	}
	uid := int(a.Credential.Uid)
	time.AfterFunc(JobNiceAfter, func() { _ = syscall.Setpriority(syscall.PRIO_USER, uid, JobNice) })
}
