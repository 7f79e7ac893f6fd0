package sandbox_test

import (
	"archive/zip"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

// hostDir makes an empty host folder of the given mode (t.TempDir itself
// is 0700, which a job could not enter).
func hostDir(t *testing.T, mode os.FileMode) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

// hostFile writes a host file of the given mode (past the umask).
func hostFile(t *testing.T, dir, name, content string, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

// TestMountReadOnly: a job reads a world-readable file of a mounted host
// folder but cannot write there, not even where the host modes allow
// everyone to write; a file the host keeps private stays unreadable.
func TestMountReadOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("Docker integration test")
	}
	// Everyone may write on the host: only the read-only mount stops it.
	dir := hostDir(t, 0o777)
	hostFile(t, dir, "data.txt", "content of data.txt\n", 0o666)
	hostFile(t, dir, "private.txt", "secret\n", 0o600)
	const prog = `import errno
print(open("/deps/data/data.txt").read(), end="")
for what, f in [("create", lambda: open("/deps/data/new.txt", "w")),
                ("append", lambda: open("/deps/data/data.txt", "a")),
                ("mkdir", lambda: __import__("os").mkdir("/deps/data/sub")),
                ("remove", lambda: __import__("os").remove("/deps/data/data.txt"))]:
    try:
        f()
        print(what, "WROTE")
    except OSError as e:
        print(what, errno.errorcode[e.errno])
try:
    open("/deps/data/private.txt").read()
    print("private READ")
except PermissionError:
    print("private EACCES")
`
	want := "content of data.txt\ncreate EROFS\nappend EROFS\nmkdir EROFS\nremove EROFS\nprivate EACCES\n"
	for _, mode := range []sandbox.Mode{sandbox.ModePool, sandbox.ModeFresh} {
		t.Run(mode.String(), func(t *testing.T) {
			sb := sandboxtest.New(t, sandbox.Config{Mode: mode, PoolSize: 1})
			req := sandbox.PythonProgram(map[string][]byte{"p.py": []byte(prog)}, "p.py")
			req.Mounts = []sandbox.Mount{{Source: dir, Target: "/deps/data"}}
			r := sandboxtest.Run(t, sb, req)
			if r.Status != sandbox.StatusPassed || r.Stdout != want {
				t.Errorf("%s: stdout %q, want %q (stderr %s, detail %s)", r.Status, r.Stdout, want, r.Stderr, r.Detail)
			}
		})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("host folder holds %v after the runs, want data.txt and private.txt only", entries)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "data.txt")); err != nil || string(b) != "content of data.txt\n" {
		t.Errorf("host file now %q, %v", b, err)
	}
}

// TestMountPools: runs with one mount set share a container; another set,
// or none, gets containers of its own; Close removes them all.
func TestMountPools(t *testing.T) {
	if testing.Short() {
		t.Skip("Docker integration test")
	}
	x, y := hostDir(t, 0o755), hostDir(t, 0o755)
	hostFile(t, x, "which", "x", 0o644)
	hostFile(t, y, "which", "y", 0o644)
	sb := sandboxtest.New(t, sandbox.Config{PoolSize: 1})
	const prog = `import os, socket
p = "/deps/which/which"
print(socket.gethostname(), open(p).read() if os.path.exists(p) else "-")
`
	run := func(src string) (host, saw string) {
		req := sandbox.PythonProgram(map[string][]byte{"p.py": []byte(prog)}, "p.py")
		if src != "" {
			req.Mounts = []sandbox.Mount{{Source: src, Target: "/deps/which"}}
		}
		r := sandboxtest.Run(t, sb, req)
		host, saw, ok := strings.Cut(strings.TrimSpace(r.Stdout), " ")
		if r.Status != sandbox.StatusPassed || !ok {
			t.Fatalf("%s: stdout %q stderr %s", r.Status, r.Stdout, r.Stderr)
		}
		return host, saw
	}
	hx1, sx1 := run(x)
	hx2, sx2 := run(x)
	hy, sy := run(y)
	hn, sn := run("")
	if sx1 != "x" || sx2 != "x" || sy != "y" || sn != "-" {
		t.Errorf("runs saw %q %q %q %q, want x x y -", sx1, sx2, sy, sn)
	}
	if hx1 != hx2 {
		t.Errorf("two runs with the same mounts ran in containers %s and %s, want one", hx1, hx2)
	}
	if hy == hx1 || hn == hx1 || hn == hy {
		t.Errorf("containers %s (x), %s (y), %s (none): want three", hx1, hy, hn)
	}
	ids := sandboxtest.Containers(t, sb.Owner())
	if len(ids) != 3 {
		t.Errorf("%d containers, want 3 (one per mount set)", len(ids))
	}
	for _, h := range []string{hx1, hy, hn} {
		if !slices.ContainsFunc(ids, func(id string) bool { return strings.HasPrefix(id, h) }) {
			t.Errorf("host name %s is none of the sandbox's containers %v", h, ids)
		}
	}
	if err := sb.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if left := sandboxtest.Containers(t, sb.Owner()); len(left) != 0 {
		t.Errorf("containers left after Close: %v", left)
	}
}

// goModuleCache fills a module cache in a temporary folder with one
// module, example.com/greet v1.0.0, through a file-based GOPROXY, the way
// `go mod download` fills the developer's own: files 0444, folders 0555.
func goModuleCache(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	v := filepath.Join(root, "proxy", "example.com", "greet", "@v")
	if err := os.MkdirAll(v, 0o755); err != nil {
		t.Fatal(err)
	}
	const gomod = "module example.com/greet\n\ngo 1.24\n"
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(v, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("list", "v1.0.0\n")
	write("v1.0.0.info", `{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z"}`+"\n")
	write("v1.0.0.mod", gomod)
	f, err := os.Create(filepath.Join(v, "v1.0.0.zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, content := range map[string]string{
		"go.mod":   gomod,
		"greet.go": "package greet\n\n// Hello greets name.\nfunc Hello(name string) string { return \"hello, \" + name }\n",
	} {
		w, err := zw.Create("example.com/greet@v1.0.0/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	cache := filepath.Join(root, "modcache")
	env := append(os.Environ(),
		"GOMODCACHE="+cache, "GOPROXY=file://"+filepath.ToSlash(filepath.Join(root, "proxy")),
		"GOSUMDB=off", "GOFLAGS=", "GO111MODULE=on", "GOWORK=off", "GOTOOLCHAIN=local")
	// The cache's modes would stop t.TempDir's removal; go clean lifts them.
	t.Cleanup(func() {
		cmd := exec.Command("go", "clean", "-modcache")
		cmd.Dir, cmd.Env = root, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go clean -modcache: %v: %s", err, out)
		}
	})
	cmd := exec.Command("go", "mod", "download", "example.com/greet@v1.0.0")
	cmd.Dir, cmd.Env = root, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go mod download: %v: %s", err, out)
	}
	return cache
}

// TestGoModuleCacheMount: a Go module whose dependency is only in a host
// module cache builds and tests offline once that cache is mounted; without
// it, or when the dependency is missing from it, go says the module cannot
// be fetched, in words a caller can look for.
func TestGoModuleCacheMount(t *testing.T) {
	if testing.Short() {
		t.Skip("Docker integration test")
	}
	cache := goModuleCache(t)
	sb := sandboxtest.New(t, sandbox.Config{})
	files := map[string][]byte{
		"go.mod":      []byte("module example.com/app\n\ngo 1.24\n\nrequire example.com/greet v1.0.0\n"),
		"app.go":      []byte("package app\n\nimport \"example.com/greet\"\n\nfunc Greet() string { return greet.Hello(\"sandbox\") }\n"),
		"app_test.go": []byte("package app\n\nimport \"testing\"\n\nfunc TestGreet(t *testing.T) {\n\tif got := Greet(); got != \"hello, sandbox\" {\n\t\tt.Fatal(got)\n\t}\n}\n"),
	}
	mounted := sandbox.Request{
		Lang:    sandbox.LangGo,
		Files:   files,
		Command: []string{"go", "test", "./..."},
		Env:     []string{"GOMODCACHE=/gomodcache", "GOFLAGS=-mod=mod", "GOPROXY=off"},
		Mounts:  []sandbox.Mount{{Source: cache, Target: "/gomodcache"}},
	}
	r := sandboxtest.Run(t, sb, mounted)
	if r.Status != sandbox.StatusPassed || !strings.Contains(r.Stdout, "ok  \texample.com/app") {
		t.Fatalf("with the cache mounted: %s, stdout %q, stderr %q", r.Status, r.Stdout, r.Stderr)
	}

	// No mount: the job's own empty cache, nothing to download from.
	bare := mounted
	bare.Mounts = nil
	bare.Env = []string{"GOFLAGS=-mod=mod", "GOPROXY=off"}
	r = sandboxtest.Run(t, sb, bare)
	const lookupDisabled = "app.go:3:8: module lookup disabled by GOPROXY=off"
	if r.Status == sandbox.StatusPassed || !strings.Contains(r.Stderr, lookupDisabled) {
		t.Errorf("without the cache: %s, stdout %q, stderr %q; want a failure saying %q", r.Status, r.Stdout, r.Stderr, lookupDisabled)
	}

	// The cache is mounted but lacks a dependency: go tries to make room
	// for it in the read-only cache before it asks GOPROXY.
	missing := mounted
	missing.Files = maps.Clone(files)
	missing.Files["go.mod"] = []byte("module example.com/app\n\ngo 1.24\n\nrequire (\n\texample.com/greet v1.0.0\n\texample.com/missing v1.2.3\n)\n")
	missing.Files["m.go"] = []byte("package app\n\nimport _ \"example.com/missing\"\n")
	r = sandboxtest.Run(t, sb, missing)
	const readOnly = "m.go:3:8: mkdir /gomodcache/cache/download/example.com/missing: read-only file system"
	if r.Status == sandbox.StatusPassed || !strings.Contains(r.Stderr, readOnly) {
		t.Errorf("with a dependency missing from the cache: %s, stdout %q, stderr %q; want a failure saying %q", r.Status, r.Stdout, r.Stderr, readOnly)
	}
}
