package sandbox

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/mount"
)

// hostOnlyDocker answers DaemonHost; any other call panics, so a test
// that reaches Docker fails loudly.
type hostOnlyDocker struct {
	dockerAPI
	host string
}

func (d hostOnlyDocker) DaemonHost() string { return d.host }

// readableDir makes a world-readable folder (t.TempDir is 0700).
func readableDir(t *testing.T, mode os.FileMode) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "dir")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestMountsRejected: every refused Source or Target is an error from Run
// that names the field and says what is wrong, before Docker is called.
func TestMountsRejected(t *testing.T) {
	t.Parallel()
	ok := readableDir(t, 0o755)
	private := readableDir(t, 0o700)
	file := filepath.Join(ok, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	toRoot := filepath.Join(t.TempDir(), "root-link")
	if err := os.Symlink("/", toRoot); err != nil {
		t.Fatal(err)
	}
	// A daemon listening on a socket of its own: its folder is refused too.
	sockDir := readableDir(t, 0o755)
	daemon := "unix://" + filepath.Join(sockDir, "sub", "docker.sock")

	src := func(s string) []Mount { return []Mount{{Source: s, Target: "/deps/x"}} }
	dst := func(d string) []Mount { return []Mount{{Source: ok, Target: d}} }
	cases := []struct {
		name   string
		mounts []Mount
		want   []string // substrings of the error
	}{
		{"empty source", src(""), []string{"mount 0: Source", "absolute host path"}},
		{"relative source", src("deps"), []string{"Source \"deps\"", "absolute host path"}},
		{"missing source", src(filepath.Join(ok, "nope")), []string{"Source", "no such folder"}},
		{"file source", src(file), []string{"Source", "not a folder"}},
		{"private source", src(private), []string{"Source", "mode 0700", "world-readable"}},
		{"root", src("/"), []string{"Source \"/\"", "root folder"}},
		{"symlink to root", src(toRoot), []string{"Source", "root folder"}},
		{"proc", src("/proc"), []string{"Source \"/proc\"", "cannot be mounted"}},
		{"in proc", src("/proc/1"), []string{"Source \"/proc/1\"", "in /proc"}},
		{"sys", src("/sys"), []string{"in /sys"}},
		{"dev", src("/dev"), []string{"in /dev"}},
		{"etc", src("/etc"), []string{"Source \"/etc\"", "as a whole"}},
		{"root home", src("/root"), []string{"Source \"/root\"", "as a whole"}},
		{"home", src("/home"), []string{"Source \"/home\"", "as a whole"}},
		{"docker socket folder", src("/run"), []string{"Source \"/run\"", "socket"}},
		{"docker socket folder via link", src("/var/run"), []string{"Source \"/var/run\"", "socket"}},
		{"docker socket parent", src("/var"), []string{"Source \"/var\"", "socket"}},
		{"daemon's own socket", src(sockDir), []string{"Source", "socket " + filepath.Join(sockDir, "sub", "docker.sock")}},
		{"empty target", dst(""), []string{"mount 0: Target \"\"", "absolute container path"}},
		{"relative target", dst("deps/x"), []string{"Target \"deps/x\"", "absolute"}},
		{"unclean target", dst("/deps/../deps/x"), []string{"Target", "clean path"}},
		{"trailing slash", dst("/deps/x/"), []string{"Target", "clean path"}},
		{"root target", dst("/"), []string{"Target \"/\"", "root"}},
		{"tmp", dst("/tmp"), []string{"Target \"/tmp\"", "reserved"}},
		{"in tmp", dst("/tmp/deps"), []string{"Target \"/tmp/deps\"", "/tmp is reserved"}},
		{"proc target", dst("/proc"), []string{"reserved"}},
		{"dev target", dst("/dev/shm"), []string{"/dev is reserved"}},
		{"sys target", dst("/sys"), []string{"reserved"}},
		{"runner", dst("/.codetree"), []string{"/.codetree is reserved"}},
		{"over runner", dst("/.codetree/runner"), []string{"/.codetree is reserved"}},
		{"usr", dst("/usr"), []string{"reserved"}},
		{"go root", dst("/usr/local/go"), []string{"/usr is reserved"}},
		{"etc target", dst("/etc"), []string{"reserved"}},
		{"bin", dst("/bin"), []string{"reserved"}},
		{"lib", dst("/lib"), []string{"reserved"}},
		{"baked go cache", dst("/var/cache/codetree-go"), []string{"/var is reserved"}},
		{"duplicate target", []Mount{{Source: ok, Target: "/deps/a"}, {Source: ok, Target: "/deps/a"}}, []string{"mount 1: Target \"/deps/a\"", "already the target of mount 0"}},
		{"nested target", []Mount{{Source: ok, Target: "/deps"}, {Source: ok, Target: "/deps/a"}}, []string{"mount 1: Target \"/deps/a\"", "nested"}},
		{"nesting target", []Mount{{Source: ok, Target: "/deps/a"}, {Source: ok, Target: "/deps"}}, []string{"mount 1: Target \"/deps\"", "nested"}},
	}
	s := newSandbox(hostOnlyDocker{host: daemon}, Config{}.withDefaults(), "/opt/codetree")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := s.Run(t.Context(), Request{Lang: LangPython, Image: "img", Command: []string{"true"}, Mounts: c.mounts})
			if err == nil {
				t.Fatalf("mounts %+v accepted", c.mounts)
			}
			for _, w := range append([]string{"sandbox request: mount"}, c.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestResolveMounts: accepted mounts come back with symbolic links
// resolved, sorted by Target; folders inside /root or /etc are fine.
func TestResolveMounts(t *testing.T) {
	t.Parallel()
	a := readableDir(t, 0o755)
	b := readableDir(t, 0o555)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(b, link); err != nil {
		t.Fatal(err)
	}
	in := []Mount{{Source: link, Target: "/gomodcache"}, {Source: a + "/", Target: "/deps/a"}}
	if err := validateMounts(in); err != nil {
		t.Fatal(err)
	}
	got, err := resolveMounts(in, "unix:///var/run/docker.sock")
	if err != nil {
		t.Fatal(err)
	}
	want := []Mount{{Source: a, Target: "/deps/a"}, {Source: b, Target: "/gomodcache"}}
	if !slices.Equal(got, want) {
		t.Errorf("resolveMounts = %+v, want %+v", got, want)
	}
	if in[0].Source != link {
		t.Error("resolveMounts changed its input")
	}
	// Subfolders of /etc and /root may be mounted (the module cache lives
	// in /root/go/pkg/mod when the harness runs as root).
	for _, dir := range []string{"/etc/ssl", "/root/go/pkg/mod"} {
		fi, err := os.Stat(dir)
		if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o005 != 0o005 {
			continue // not on this machine, or not world-readable
		}
		if _, err := resolveMounts([]Mount{{Source: dir, Target: "/deps/x"}}, ""); err != nil {
			t.Errorf("%s refused: %v", dir, err)
		}
	}
}

// TestMountsInContainerAndPoolKey: mounts become read-only, non-recursive
// bind mounts after the runner's, and they are part of the pool key: the
// same set in any order shares containers, another set does not, and
// requests without mounts keep the key they always had.
func TestMountsInContainerAndPoolKey(t *testing.T) {
	t.Parallel()
	s := newSandbox(nil, Config{}.withDefaults(), "/opt/codetree")
	l := DefaultLimits()
	x := []Mount{{Source: "/srv/a", Target: "/deps/a"}, {Source: "/srv/b", Target: "/deps/b"}}
	spec := boxSpec{image: "img", need: []string{"go"}, limits: l, mode: ModePool, mounts: x}

	_, host := s.containerConfig(spec)
	if len(host.Mounts) != 3 || host.Mounts[0].Target != "/.codetree/runner" {
		t.Fatalf("mounts %+v: want the runner's, then the request's", host.Mounts)
	}
	for i, m := range host.Mounts[1:] {
		if m.Type != mount.TypeBind || !m.ReadOnly || m.Source != x[i].Source || m.Target != x[i].Target {
			t.Errorf("mount %+v, want a read-only bind of %+v", m, x[i])
		}
		if m.BindOptions == nil || !m.BindOptions.NonRecursive || m.BindOptions.Propagation != mount.PropagationRPrivate {
			t.Errorf("mount %s bind options %+v, want non-recursive, rprivate", m.Target, m.BindOptions)
		}
	}

	none := spec
	none.mounts = nil
	if k := keyOf(none); k.mounts != "" {
		t.Errorf("key without mounts %+v", k)
	}
	if keyOf(none) == keyOf(spec) {
		t.Error("requests with and without mounts share a pool")
	}
	// resolveMounts sorts, so any order of one set gives one key.
	a, err := resolveMounts([]Mount{{Source: readableDir(t, 0o755), Target: "/deps/b"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	ab := append(a, Mount{Source: a[0].Source, Target: "/deps/a"})
	abSorted, err := resolveMounts(ab, "")
	if err != nil {
		t.Fatal(err)
	}
	ba, err := resolveMounts([]Mount{ab[1], ab[0]}, "")
	if err != nil {
		t.Fatal(err)
	}
	k1, k2 := spec, spec
	k1.mounts, k2.mounts = abSorted, ba
	if keyOf(k1) != keyOf(k2) {
		t.Error("one mount set in two orders gives two pools")
	}
	other := spec
	other.mounts = []Mount{{Source: "/srv/a", Target: "/deps/b"}, {Source: "/srv/b", Target: "/deps/a"}}
	if keyOf(other) == keyOf(spec) {
		t.Error("mounts with swapped sources share a pool")
	}
}
