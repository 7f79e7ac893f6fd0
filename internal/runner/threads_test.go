package runner

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestAsUIDLeavesTheRunnerRoot(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	const uid = testUIDBase + 9999
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			err := asUID(uid, func() error {
				if r, e := syscall.Getuid(), syscall.Geteuid(); r != uid || e != uid {
					t.Errorf("inside: uid %d euid %d, want %d", r, e, uid)
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// Every thread of the runner is root again; the main thread never left.
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for _, task := range tasks {
		st, ok, err := readStatus("self/task/"+task.Name(), buf)
		if err != nil || !ok {
			continue // thread ended
		}
		if st.uids != [4]uint32{} {
			t.Errorf("thread %s has uids %v", task.Name(), st.uids)
		}
	}
	if missing, err := missingCaps(); err != nil || len(missing) > 0 {
		t.Errorf("capabilities lost: %v %v", missing, err)
	}
}

func TestRunZombieLeaderWithLiveThread(t *testing.T) {
	t.Parallel()
	const py = "/usr/bin/python3"
	if _, err := exec.LookPath(py); err != nil {
		t.Skip("needs " + py)
	}
	e := newTestEnv(t)
	// An orphan whose main thread exits while another thread runs on: its
	// /proc entry says zombie, yet it is alive.
	script := `import ctypes, os, threading, time
if os.fork() == 0:
    os.setsid()
    threading.Thread(target=time.sleep, args=(30,)).start()
    ctypes.CDLL(None).pthread_exit(None)
time.sleep(0.3)
print("ok")`
	begin := time.Now()
	rep := e.run(t, Job{Command: []string{py, "-I", "-S", "-c", script}})
	checkOK(t, rep)
	if strings.TrimSpace(string(rep.Stdout)) != "ok" || time.Since(begin) > 5*time.Second {
		t.Errorf("stdout %q stderr %q after %v", rep.Stdout, rep.Stderr, time.Since(begin))
	}
}

func TestKillAllAsUID(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	uid, other := uint32(testUIDBase+9998), uint32(testUIDBase+9997)
	start := func(u uint32) *exec.Cmd {
		cmd := exec.Command("sleep", "30")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: u, Gid: u, Groups: []uint32{}}, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	victims := []*exec.Cmd{start(uid), start(uid), start(uid)}
	bystander := start(other)
	t.Cleanup(func() { _ = bystander.Process.Kill(); _ = bystander.Wait() })
	err := asUID(uid, func() error { return syscall.Kill(-1, syscall.SIGKILL) })
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range victims {
		err := v.Wait()
		ws, _ := v.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Errorf("victim ended with %v, want SIGKILL", err)
		}
	}
	st, ok, err := readStatus(strconv.Itoa(bystander.Process.Pid), make([]byte, 4096))
	if !ok || err != nil || !st.live() {
		t.Errorf("process of another uid was hit: state %c, err %v", st.state, err)
	}
}
