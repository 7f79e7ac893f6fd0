package sandbox

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ByteSize is a size in bytes that prints and parses with binary units
// ("256MiB", "64m", "1g", "4096").
type ByteSize int64

const (
	KiB ByteSize = 1 << 10
	MiB ByteSize = 1 << 20
	GiB ByteSize = 1 << 30
)

func (b ByteSize) String() string {
	switch {
	case b >= GiB && b%GiB == 0:
		return fmt.Sprintf("%dGiB", b/GiB)
	case b >= MiB && b%MiB == 0:
		return fmt.Sprintf("%dMiB", b/MiB)
	case b >= KiB && b%KiB == 0:
		return fmt.Sprintf("%dKiB", b/KiB)
	}
	return fmt.Sprintf("%dB", int64(b))
}

// ParseByteSize reads sizes such as "256MiB", "256M", "64m", "1GiB", "512k"
// or a plain number of bytes. Units are binary (M = MiB).
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.TrimSpace(s)
	lower := strings.ToLower(t)
	mult := ByteSize(1)
	for _, u := range []struct {
		suffix string
		mult   ByteSize
	}{{"gib", GiB}, {"mib", MiB}, {"kib", KiB}, {"gb", GiB}, {"mb", MiB}, {"kb", KiB}, {"g", GiB}, {"m", MiB}, {"k", KiB}, {"b", 1}} {
		if strings.HasSuffix(lower, u.suffix) {
			mult = u.mult
			lower = strings.TrimSpace(strings.TrimSuffix(lower, u.suffix))
			break
		}
	}
	n, err := strconv.ParseInt(lower, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid size %q: want a number with an optional unit, like 256MiB, 64m or 1g", s)
	}
	return ByteSize(n) * mult, nil
}

// Set implements flag.Value.
func (b *ByteSize) Set(s string) error {
	v, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// Limits bound one run. Container-level limits (Memory, CPUs, Pids, Tmpfs)
// are enforced by the kernel through the container's cgroups; Timeout and
// Output by the harness.
type Limits struct {
	// Timeout is the wall-clock deadline of the run; at the deadline every
	// process of the run is killed with SIGKILL.
	Timeout time.Duration
	// Memory caps memory and swap together (no swap).
	Memory ByteSize
	// CPUs is the number of CPUs the run may use (fractions allowed).
	CPUs float64
	// Pids caps the number of processes and threads.
	Pids int64
	// Tmpfs is the size of the writable /tmp (and, a quarter of it, /dev/shm).
	Tmpfs ByteSize
	// Output caps each of stdout and stderr; a program that writes more is
	// killed with StatusOutputLimit and the kept output marked truncated.
	Output ByteSize
}

// DefaultLimits returns the limits used when a caller sets none.
func DefaultLimits() Limits {
	return Limits{
		Timeout: 10 * time.Second,
		Memory:  512 * MiB,
		CPUs:    1,
		Pids:    128,
		Tmpfs:   128 * MiB,
		Output:  1 * MiB,
	}
}

// withDefaults fills every zero field of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.Memory <= 0 {
		l.Memory = d.Memory
	}
	if l.CPUs <= 0 {
		l.CPUs = d.CPUs
	}
	if l.Pids <= 0 {
		l.Pids = d.Pids
	}
	if l.Tmpfs <= 0 {
		l.Tmpfs = d.Tmpfs
	}
	if l.Output <= 0 {
		l.Output = d.Output
	}
	return l
}

// Validate reports limits that cannot work.
func (l Limits) Validate() error {
	switch {
	case l.Memory > 0 && l.Memory < 16*MiB:
		return fmt.Errorf("memory limit %s is below the 16MiB minimum", l.Memory)
	case l.Pids > 0 && l.Pids < 8:
		return fmt.Errorf("pids limit %d is below the minimum of 8", l.Pids)
	case l.Tmpfs > 0 && l.Tmpfs < MiB:
		return fmt.Errorf("tmpfs size %s is below the 1MiB minimum", l.Tmpfs)
	}
	return nil
}
