package sandbox

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// Labels carried by every container the sandbox creates, so that leftovers
// of a crashed harness can be found and removed.
const (
	labelManaged = "io.codetree.managed"
	labelOwner   = "io.codetree.owner"
	labelMode    = "io.codetree.mode"
)

// owner identifies a Sandbox: its harness process (host name, pid and the
// process start time in clock ticks since boot, so that a reused pid is not
// mistaken for it) and which Sandbox of that process.
type owner struct {
	Host     string
	PID      int
	Start    uint64
	Instance uint64
}

func (o owner) String() string {
	return fmt.Sprintf("%s/%d/%d/%d", o.Host, o.PID, o.Start, o.Instance)
}

func parseOwner(s string) (owner, bool) {
	parts := strings.Split(s, "/")
	if len(parts) != 4 {
		return owner{}, false
	}
	pid, err1 := strconv.Atoi(parts[1])
	start, err2 := strconv.ParseUint(parts[2], 10, 64)
	inst, err3 := strconv.ParseUint(parts[3], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return owner{}, false
	}
	return owner{Host: parts[0], PID: pid, Start: start, Instance: inst}, true
}

// instances numbers the Sandboxes of this process.
var instances atomic.Uint64

func newOwner() owner {
	host, _ := os.Hostname()
	pid := os.Getpid()
	start, _ := processStart(pid)
	return owner{Host: host, PID: pid, Start: start, Instance: instances.Add(1)}
}

// processStart reads field 22 (starttime) of /proc/PID/stat.
func processStart(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	fields := strings.Fields(s[i+1:])
	// fields[0] is field 3 (state); starttime is field 22.
	if len(fields) < 20 {
		return 0, fmt.Errorf("parse /proc/%d/stat: %d fields", pid, len(fields))
	}
	return strconv.ParseUint(fields[19], 10, 64)
}

// alive reports whether o is a running process on this host. Owners on
// other hosts are presumed alive: only they can tell.
func (o owner) alive(host string) bool {
	if o.Host != host {
		return true
	}
	start, err := processStart(o.PID)
	return err == nil && start == o.Start
}
