package sandbox

import "fmt"

// Mode says how runs map to containers.
type Mode int

const (
	// ModePool keeps a few long-lived hardened containers per image and
	// limits; each runs jobs one at a time, each job under its own uid in
	// its own folder, cleaned up after it. The default: fast.
	ModePool Mode = iota
	// ModeFresh creates a new container for every run and removes it
	// afterwards: maximum isolation, about 0.3 s per run.
	ModeFresh
)

func (m Mode) String() string {
	switch m {
	case ModePool:
		return "pool"
	case ModeFresh:
		return "fresh"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode reads "pool" or "fresh".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "pool", "":
		return ModePool, nil
	case "fresh":
		return ModeFresh, nil
	}
	return 0, fmt.Errorf("unknown sandbox mode %q: use pool or fresh", s)
}
