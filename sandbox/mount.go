package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/mount"
)

// Mount makes a host folder visible, read-only, inside a run's container:
// say a Go module cache, so that a repository's dependencies resolve
// without network (mount it at /gomodcache and set GOMODCACHE=/gomodcache,
// GOPROXY=off, GOFLAGS=-mod=mod in Request.Env).
//
// A mount is always read-only; there is no writable option. A writable
// host folder would let untrusted code change the host: fill its disk past
// the tmpfs caps, or plant files that the developer's own tools trust and
// run later (a poisoned module cache). In pool mode it would also carry one
// job's writes to the next, past the per-job cleanup, which only knows the
// container's own /tmp. A run's output comes back through stdout and
// stderr.
//
// The files keep their host owners and modes, and the job runs under its
// own unprivileged uid with no capabilities: it reads what the host lets
// everyone read (files o+r, folders o+rx, as in Go's module cache, whose
// files are 0444 and folders 0555) and nothing else. An unreadable file
// stays unreadable; nothing is given to bypass permissions.
type Mount struct {
	// Source is an absolute path to an existing folder on the Docker host,
	// searchable and readable by everyone (mode o+rx). Symbolic links are
	// resolved before the checks. It may not be /, nor a folder holding
	// the Docker or containerd socket, nor /proc, /sys or /dev or anything
	// in them, nor /etc, /root or /home as a whole (a folder in them, such
	// as /root/go/pkg/mod, is fine), nor Docker's or containerd's storage.
	// It is checked on the machine the harness runs on, which must be the
	// Docker host, as for the runner binary.
	Source string
	// Target is the absolute, clean path of the mount in the container,
	// outside the image's system folders (/bin, /dev, /etc, /lib, /proc,
	// /run, /sbin, /sys, /tmp, /usr, /var and the like) and outside
	// /.codetree, which holds the runner: /gomodcache or /deps/NAME, say.
	// Targets are unique and none is inside another.
	Target string
}

// reservedTargets are container paths a Mount may neither be nor be
// inside: the image's system folders, the job folders (/tmp, scrubbed
// after every job), the kernel's filesystems and the runner's folder.
var reservedTargets = []string{
	"/.codetree", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32",
	"/proc", "/run", "/sbin", "/sys", "/tmp", "/usr", "/var",
}

// Host folders a Mount's Source may neither be nor be inside: kernel
// filesystems (/proc/1/root is the host's root) and the container
// engines' storage (other containers' files).
var forbiddenSourceTrees = []string{
	"/proc", "/sys", "/dev", "/var/lib/docker", "/var/lib/containerd",
	"/var/lib/containers", // Podman's (and CRI-O's) storage
}

// Host folders a Mount's Source may not be, though it may be inside them.
var forbiddenSources = []string{"/etc", "/root", "/home"}

// engineSockets are the default places of the sockets that control the
// host's containers; the daemon's own socket is added at check time.
var engineSockets = []string{
	"/var/run/docker.sock", "/run/docker.sock",
	"/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock",
}

// validateMounts checks what can be checked without the host: Source
// absolute, Target absolute, clean, not reserved, unique and not nested.
func validateMounts(ms []Mount) error {
	for i, m := range ms {
		if m.Source == "" || !filepath.IsAbs(m.Source) {
			return fmt.Errorf("sandbox request: mount %d: Source %q: want an absolute host path", i, m.Source)
		}
		t := m.Target
		switch {
		case t == "" || !path.IsAbs(t):
			return fmt.Errorf("sandbox request: mount %d: Target %q: want an absolute container path", i, t)
		case path.Clean(t) != t:
			return fmt.Errorf("sandbox request: mount %d: Target %q: want a clean path (%q)", i, t, path.Clean(t))
		case t == "/":
			return fmt.Errorf("sandbox request: mount %d: Target %q: cannot mount over the container's root; use /gomodcache or /deps/NAME", i, t)
		}
		for _, r := range reservedTargets {
			if within(t, r) {
				return fmt.Errorf("sandbox request: mount %d: Target %q: %s is reserved for the sandbox image and runner; use /gomodcache or /deps/NAME", i, t, r)
			}
		}
		for j, o := range ms[:i] {
			switch {
			case o.Target == t:
				return fmt.Errorf("sandbox request: mount %d: Target %q: already the target of mount %d", i, t, j)
			case within(t, o.Target) || within(o.Target, t):
				return fmt.Errorf("sandbox request: mount %d: Target %q: nested with mount %d's target %q (a read-only mount cannot hold another's mount point)", i, t, j, o.Target)
			}
		}
	}
	return nil
}

// resolveMounts checks the Sources on the host and returns the mounts with
// their Sources' symbolic links resolved, sorted by Target: the form the
// container is created with and its pool is keyed by. daemonHost is the
// Docker daemon's address, whose socket a Source may not expose.
func resolveMounts(ms []Mount, daemonHost string) ([]Mount, error) {
	sockets := slices.Clone(engineSockets)
	if u, err := url.Parse(daemonHost); err == nil && u.Scheme == "unix" && u.Path != "" {
		sockets = append(sockets, u.Path)
	}
	for _, s := range sockets {
		if r, err := filepath.EvalSymlinks(s); err == nil {
			sockets = append(sockets, r)
		}
	}
	out := make([]Mount, len(ms))
	for i, m := range ms {
		src, err := checkSource(m.Source, sockets)
		if err != nil {
			return nil, fmt.Errorf("sandbox request: mount %d: Source %q: %w", i, m.Source, err)
		}
		out[i] = Mount{Source: src, Target: m.Target}
	}
	slices.SortFunc(out, func(a, b Mount) int { return strings.Compare(a.Target, b.Target) })
	return out, nil
}

// checkSource resolves a Source and says what is wrong with it, if
// anything.
func checkSource(src string, sockets []string) (string, error) {
	resolved, err := filepath.EvalSymlinks(src)
	if errors.Is(err, fs.ErrNotExist) {
		return "", errors.New("no such folder on the host")
	}
	if err != nil {
		return "", err
	}
	name := src
	if resolved != filepath.Clean(src) {
		name = fmt.Sprintf("%s (resolved from %s)", resolved, src)
	}
	if resolved == "/" {
		return "", errors.New("the host's root folder cannot be mounted")
	}
	for _, s := range sockets {
		if within(s, resolved) {
			return "", fmt.Errorf("%s holds the container engine's socket %s, which controls the host", name, s)
		}
	}
	for _, f := range forbiddenSourceTrees {
		if within(resolved, f) {
			return "", fmt.Errorf("%s is in %s, which cannot be mounted", name, f)
		}
	}
	if slices.Contains(forbiddenSources, resolved) {
		return "", fmt.Errorf("%s cannot be mounted as a whole; mount the folder inside it that is needed", name)
	}
	fi, err := os.Stat(resolved)
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("%s is not a folder", name)
	}
	if perm := fi.Mode().Perm(); perm&0o005 != 0o005 {
		return "", fmt.Errorf("%s has mode %04o: the job runs under an unprivileged uid and reads only what everyone may; make it world-readable (chmod o+rx)", name, perm)
	}
	return resolved, nil
}

// within reports whether p is dir or inside it (both clean, absolute).
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// mountsKey encodes sorted mounts for a pool key: empty without mounts.
func mountsKey(ms []Mount) string {
	var b strings.Builder
	for _, m := range ms {
		// NUL cannot occur in a path.
		b.WriteString(m.Target)
		b.WriteByte(0)
		b.WriteString(m.Source)
		b.WriteByte(0)
	}
	return b.String()
}

// dockerMounts turns resolved mounts into Docker bind mounts: read-only,
// not recursive (a mount below Source on the host stays out), private
// propagation.
func dockerMounts(ms []Mount) []mount.Mount {
	out := make([]mount.Mount, 0, len(ms))
	for _, m := range ms {
		out = append(out, mount.Mount{
			Type:     mount.TypeBind,
			Source:   m.Source,
			Target:   m.Target,
			ReadOnly: true,
			BindOptions: &mount.BindOptions{
				Propagation:  mount.PropagationRPrivate,
				NonRecursive: true,
			},
		})
	}
	return out
}
