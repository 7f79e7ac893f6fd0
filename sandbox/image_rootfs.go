package sandbox

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"
)

// This file makes root filesystems: it finds the Debian mirror, runs
// mmdebstrap or debootstrap, and writes a folder as a tar stream.

// aptSource is one "deb" entry of the host's apt configuration.
type aptSource struct {
	URIs       []string
	Suites     []string
	Components []string
}

// parseAptSources reads a sources file: deb822 when name ends in ".sources",
// one-line format otherwise. Entries other than "deb", and disabled ones,
// are left out.
func parseAptSources(name string, data []byte) []aptSource {
	if strings.HasSuffix(name, ".sources") {
		return parseDeb822Sources(data)
	}
	var out []aptSource
	for line := range strings.Lines(string(data)) {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "deb" {
			continue
		}
		f = f[1:]
		if strings.HasPrefix(f[0], "[") { // [ option=value ... ]
			for len(f) > 0 && !strings.HasSuffix(f[0], "]") {
				f = f[1:]
			}
			if len(f) > 0 {
				f = f[1:]
			}
		}
		if len(f) < 2 {
			continue
		}
		out = append(out, aptSource{URIs: f[:1], Suites: f[1:2], Components: f[2:]})
	}
	return out
}

func parseDeb822Sources(data []byte) []aptSource {
	var out []aptSource
	fields := map[string]string{}
	var last string
	flush := func() {
		if len(fields) > 0 && !strings.EqualFold(fields["enabled"], "no") &&
			slices.Contains(strings.Fields(fields["types"]), "deb") {
			out = append(out, aptSource{
				URIs:       strings.Fields(fields["uris"]),
				Suites:     strings.Fields(fields["suites"]),
				Components: strings.Fields(fields["components"]),
			})
		}
		fields = map[string]string{}
		last = ""
	}
	for line := range strings.Lines(string(data)) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "#"):
			continue
		case strings.TrimSpace(line) == "":
			flush()
		case line[0] == ' ' || line[0] == '\t': // continuation
			if last != "" {
				fields[last] += " " + strings.TrimSpace(line)
			}
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			last = strings.ToLower(strings.TrimSpace(k))
			fields[last] = strings.TrimSpace(v)
		}
	}
	flush()
	return out
}

// mirrorFor picks the first http(s) or file URI that serves suite with the
// main component.
func mirrorFor(suite string, sources []aptSource) (string, bool) {
	for _, s := range sources {
		if !slices.Contains(s.Suites, suite) || (len(s.Components) > 0 && !slices.Contains(s.Components, "main")) {
			continue
		}
		for _, u := range s.URIs {
			if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "file:") {
				return strings.TrimRight(u, "/"), true
			}
		}
	}
	return "", false
}

// hostMirror reads the host's apt sources (under root, "/" on a real host)
// and returns the mirror serving suite.
func hostMirror(root, suite string) (string, error) {
	var files []string
	files = append(files, filepath.Join(root, "etc/apt/sources.list"))
	for _, pat := range []string{"*.sources", "*.list"} {
		m, _ := filepath.Glob(filepath.Join(root, "etc/apt/sources.list.d", pat))
		files = append(files, m...)
	}
	var all []aptSource
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		all = append(all, parseAptSources(f, data)...)
	}
	if m, ok := mirrorFor(suite, all); ok {
		return m, nil
	}
	return "", fmt.Errorf("no Debian mirror for %s (main) in /etc/apt/sources.list or /etc/apt/sources.list.d: add one (e.g. a deb822 entry with URIs: http://deb.debian.org/debian and Suites: %s) or pass the mirror explicitly (--mirror)", suite, suite)
}

// bootstrapTool is the program that makes Debian root filesystems.
type bootstrapTool struct {
	Name string // "mmdebstrap" or "debootstrap"
	Path string
}

// findBootstrapTool checks that the build can run here: as root, with
// mmdebstrap (preferred: it can stream a tarball) or debootstrap.
func findBootstrapTool() (bootstrapTool, error) {
	if os.Geteuid() != 0 {
		return bootstrapTool{}, errors.New("building images needs root (mmdebstrap creates device nodes and runs dpkg in a chroot): run `sudo codetree images build`")
	}
	for _, name := range []string{"mmdebstrap", "debootstrap"} {
		if p, err := exec.LookPath(name); err == nil {
			return bootstrapTool{Name: name, Path: p}, nil
		}
	}
	return bootstrapTool{}, errors.New("building images needs mmdebstrap (or debootstrap), found neither in PATH: install it with `apt-get install -y mmdebstrap`")
}

// bootstrapArgs returns the command line that makes the root filesystem of
// r at target ("-" for a tarball on standard output, mmdebstrap only).
func bootstrapArgs(tool bootstrapTool, r recipe, mirror, target string) []string {
	if tool.Name == "debootstrap" {
		args := []string{"--variant=" + r.Variant}
		if len(r.Packages) > 0 {
			args = append(args, "--include="+strings.Join(r.Packages, ","))
		}
		return append(args, r.Suite, target, mirror)
	}
	args := []string{"--variant=" + r.Variant, "--mode=root"}
	if len(r.Packages) > 0 {
		args = append(args, "--include="+strings.Join(r.Packages, ","))
	}
	for _, p := range r.Exclude {
		args = append(args, "--dpkgopt=path-exclude="+p)
	}
	for _, p := range r.Include {
		args = append(args, "--dpkgopt=path-include="+p)
	}
	return append(args, r.Suite, target, mirror)
}

// bootstrapCommand prepares the tool's process, with its temporary files
// in tmpdir. When ctx ends it gets SIGTERM (not SIGKILL), so that it can
// unmount what it mounted in the chroot, and SIGKILL a minute later.
func bootstrapCommand(ctx context.Context, tool bootstrapTool, tmpdir string, args []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, tool.Path, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	cmd.Env = append(os.Environ(), "TMPDIR="+tmpdir, "LC_ALL=C.UTF-8", "DEBIAN_FRONTEND=noninteractive")
	return cmd
}

// removeRootfs deletes a root filesystem folder made by the tool. A tool
// killed mid-run may leave /proc, /sys or device nodes mounted inside; they
// are unmounted first, and the folder is left alone if anything in it is
// still on another file system, since deleting through a bind mount would
// delete host files.
func removeRootfs(dir string) error {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real // mountinfo lists resolved paths
	}
	mounts, err := mountsUnder(dir)
	if err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	for _, m := range mounts { // deepest first
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
			return fmt.Errorf("remove %s: unmount %s: %w (remove it by hand after unmounting)", dir, m, err)
		}
	}
	if err := checkOneFileSystem(dir); err != nil {
		return fmt.Errorf("remove %s: %w (remove it by hand after unmounting)", dir, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}

// checkOneFileSystem fails if a folder under dir is on another device
// than dir, i.e. something is still mounted there.
func checkOneFileSystem(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	dev := st.Sys().(*syscall.Stat_t).Dev
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Sys().(*syscall.Stat_t).Dev != dev {
			return fmt.Errorf("%s is on another file system (still mounted)", path)
		}
		return nil
	})
}

// mountsUnder lists the mount points at or below dir, deepest first.
func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMountPath(fields[4])
		if within(mp, dir) {
			out = append(out, mp)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out, sc.Err()
}

// unescapeMountPath undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var n int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &n); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// pathFilter applies dpkg-style path-exclude and path-include globs, in
// which '*' matches any run of characters, '/' included.
type pathFilter struct{ exclude, include []*regexp.Regexp }

func newPathFilter(exclude, include []string) pathFilter {
	comp := func(globs []string) []*regexp.Regexp {
		var out []*regexp.Regexp
		for _, g := range globs {
			var b strings.Builder
			b.WriteString("^")
			for _, r := range g {
				switch r {
				case '*':
					b.WriteString(".*")
				case '?':
					b.WriteString(".")
				default:
					b.WriteString(regexp.QuoteMeta(string(r)))
				}
			}
			b.WriteString("$")
			out = append(out, regexp.MustCompile(b.String()))
		}
		return out
	}
	return pathFilter{exclude: comp(exclude), include: comp(include)}
}

// excluded reports whether the file at abs (an absolute path inside the
// image) is left out. Directories are kept: dpkg keeps them too.
func (f pathFilter) excluded(abs string) bool {
	match := func(rs []*regexp.Regexp) bool {
		for _, r := range rs {
			if r.MatchString(abs) {
				return true
			}
		}
		return false
	}
	return match(f.exclude) && !match(f.include)
}

// tarTree writes the tree at dir into tw under prefix (an absolute path in
// the image, "/" for the root). Owners are kept as numbers (as
// `tar --numeric-owner`), or forced to root when chownRoot is set. Files on
// other file systems than dir (/proc, /sys or anything else still mounted)
// and the contents of /dev, /proc and /sys are left out: Docker provides
// them. Hard links are kept.
func tarTree(ctx context.Context, tw *tar.Writer, dir, prefix string, filter pathFilter, skip []string, chownRoot bool) error {
	var rootDev uint64
	if st, err := os.Lstat(dir); err != nil {
		return err
	} else if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		rootDev = uint64(sys.Dev)
	}
	type inode struct{ dev, ino uint64 }
	links := map[inode]string{}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		abs := strings.TrimSuffix(prefix, "/") + "/" + rel
		if rel == "." {
			abs = prefix
		}
		name := strings.TrimPrefix(abs, "/")
		if rel != "." && slices.Contains(skip, rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		sys, _ := fi.Sys().(*syscall.Stat_t)
		if d.IsDir() {
			if sys != nil && uint64(sys.Dev) != rootDev {
				return filepath.SkipDir // a mount point: never read into it
			}
		} else if filter.excluded(abs) {
			return nil
		}
		if fi.Mode()&fs.ModeSocket != 0 {
			return nil
		}
		if prefix == "/" && (strings.HasPrefix(rel, "dev/") || strings.HasPrefix(rel, "proc/") || strings.HasPrefix(rel, "sys/")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		var link string
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return fmt.Errorf("tar %s: %w", path, err)
		}
		hdr.Name = name
		if d.IsDir() {
			if name == "" {
				hdr.Name = "./"
			} else {
				hdr.Name = name + "/"
			}
		}
		hdr.Uname, hdr.Gname = "", ""
		hdr.Format = tar.FormatPAX
		hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
		if chownRoot {
			hdr.Uid, hdr.Gid = 0, 0
		}
		if sys != nil && fi.Mode().IsRegular() && sys.Nlink > 1 {
			key := inode{uint64(sys.Dev), uint64(sys.Ino)}
			if first, ok := links[key]; ok {
				hdr.Typeflag = tar.TypeLink
				hdr.Linkname = first
				hdr.Size = 0
				return tw.WriteHeader(hdr)
			}
			links[key] = name
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("tar %s: %w", path, err)
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.Copy(tw, f); err != nil {
			return fmt.Errorf("tar %s: %w", path, err)
		}
		return nil
	})
}
