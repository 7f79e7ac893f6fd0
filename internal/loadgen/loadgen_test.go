package loadgen

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is this process's user and system CPU time.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestCPUHog: the hog burns CPU while it runs and none after stop.
func TestCPUHog(t *testing.T) {
	before := cpuTime(t)
	stop := CPUHog(1)
	time.Sleep(300 * time.Millisecond)
	stop()
	during := cpuTime(t) - before
	if during < 50*time.Millisecond {
		t.Errorf("hog used %s of CPU in 300 ms", during)
	}
	after := cpuTime(t)
	time.Sleep(200 * time.Millisecond)
	if idle := cpuTime(t) - after; idle > 50*time.Millisecond {
		t.Errorf("%s of CPU after stop", idle)
	}
}
