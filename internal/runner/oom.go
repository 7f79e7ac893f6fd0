package runner

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// OOM kill counters of the container's memory cgroup, as seen from inside
// it: cgroup v2 first, then v1.
var oomFiles = []string{
	"/sys/fs/cgroup/memory.events",             // v2: "oom_kill N"
	"/sys/fs/cgroup/memory/memory.oom_control", // v1: "oom_kill N" (kernel 4.13+)
}

// DetectOOMFile returns the first readable cgroup file that holds an
// oom_kill counter, or "" if there is none.
func DetectOOMFile() string {
	for _, f := range oomFiles {
		if _, err := readOOMKills(f); err == nil {
			return f
		}
	}
	return ""
}

// readOOMKills returns the oom_kill counter in the cgroup file path.
func readOOMKills(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read oom counter: %w", err)
	}
	return parseOOMKills(b)
}

func parseOOMKills(b []byte) (uint64, error) {
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		val, ok := bytes.CutPrefix(line, []byte("oom_kill "))
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(string(bytes.TrimSpace(val)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse oom_kill %q: %w", val, err)
		}
		return n, nil
	}
	return 0, fmt.Errorf("parse oom counter: no oom_kill line")
}
