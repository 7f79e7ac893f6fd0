package repo

import (
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/codetree/codetree/sandbox"
)

// GoModCacheTarget is where a Go repository's module cache is mounted in
// the sandbox.
const GoModCacheTarget = "/gomodcache"

// GoBuildCacheTarget is where a Go repository's build cache folder
// (Tester.GoBuildCache) is mounted in the sandbox, read-only.
const GoBuildCacheTarget = "/gobuild"

// ErrUnknownLang is DetectLang's answer for a repository with neither a
// go.mod nor a Python file.
var ErrUnknownLang = errors.New("cannot tell the repository's language (no go.mod, no .py file)")

// DetectLang tells a repository's language from its files: Go with a
// go.mod at the root, Python with Python files.
func DetectLang(files map[string][]byte) (sandbox.Lang, error) {
	if _, ok := files["go.mod"]; ok {
		return sandbox.LangGo, nil
	}
	for p := range files {
		if strings.HasSuffix(p, ".py") {
			return sandbox.LangPython, nil
		}
	}
	return "", ErrUnknownLang
}

// DefaultCommands are a language's test and lint commands.
func DefaultCommands(lang sandbox.Lang) Commands {
	if lang == sandbox.LangGo {
		return Commands{Test: "go test ./...", Lint: "go vet ./..."}
	}
	return Commands{Test: "python3 -m pytest -q", Lint: "python3 -m pyflakes ."}
}

// DefaultLimits are the sandbox limits of a repository's commands: room
// to build and test a repository, and output enough for a verbose test
// suite (cut for the model, not by the sandbox).
func DefaultLimits() sandbox.Limits {
	l := sandbox.DefaultLimits()
	l.Timeout = 5 * time.Minute
	l.Memory = 2 * sandbox.GiB
	l.Tmpfs = 1 * sandbox.GiB
	l.Pids = 1024
	l.CPUs = float64(min(2, runtime.NumCPU()))
	l.Output = 16 * sandbox.MiB
	return l
}

// MatchFiles matches globs against the snapshot's paths: a glob
// (path.Match) or a folder. A bad pattern, or one that matches nothing,
// is an error that names it. The paths come sorted, each once.
func MatchFiles(snap *Snapshot, globs []string) ([]string, error) {
	var out []string
	for _, g := range globs {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("%q: %w", g, err)
		}
		n := 0
		for p := range snap.Files {
			if ok, _ := path.Match(g, p); ok || strings.HasPrefix(p, strings.TrimSuffix(g, "/")+"/") {
				out = append(out, p)
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("%q matches no file of the repository (paths are relative to its root, e.g. pkg/*.go)", g)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// pythonEnv puts a src/ layout's packages on the import path, as an
// editable install would: the sandbox installs nothing.
func pythonEnv(files map[string][]byte) (env []string, note string) {
	for p := range files {
		if rest, ok := strings.CutPrefix(p, "src/"); ok && strings.Count(rest, "/") == 1 && strings.HasSuffix(rest, "/__init__.py") {
			return []string{"PYTHONPATH=src"}, "src/ layout: PYTHONPATH=src"
		}
	}
	return nil, ""
}

var goRequire = regexp.MustCompile(`(?m)^\s*require\b`)

// goDeps says how a Go repository's dependencies reach the sandbox: from
// its vendor/ folder, or from the host's module cache (modCache) mounted
// read-only. Nothing is downloaded: the sandbox has no network.
func goDeps(files map[string][]byte, modCache string) (env []string, mounts []sandbox.Mount, note string) {
	if _, ok := files["vendor/modules.txt"]; ok {
		return []string{"GOFLAGS=-mod=vendor"}, nil, "dependencies: vendor/"
	}
	if !goRequire.Match(files["go.mod"]) {
		return nil, nil, ""
	}
	if modCache == "" {
		return nil, nil, "dependencies: no module cache; run go mod download in the repository first"
	}
	if st, err := os.Stat(modCache); err != nil || !st.IsDir() {
		return nil, nil, fmt.Sprintf("dependencies: no module cache at %s; run go mod download in the repository first", modCache)
	}
	return []string{"GOMODCACHE=" + GoModCacheTarget, "GOFLAGS=-mod=mod"},
		[]sandbox.Mount{{Source: modCache, Target: GoModCacheTarget}},
		"dependencies: the module cache " + modCache + " (read-only)"
}

// goBuildCache is the build cache folder a Go repository's Tester uses:
// dir, unless a custom image is in use (its cache program is unknown).
func goBuildCache(dir, image string) string {
	if image != "" {
		return ""
	}
	return dir
}

// goCacheRequest adds the build cache folder dir to a run of a Go
// repository: mounted read-only as a layer of the image's cache program,
// the run in the sandbox's fixed folder (the cache keys a package by its
// folder's path, so runs in job folders would never share an entry).
// With export, the entries the run adds come back into dir; without,
// they go to the run's own folder, removed after it.
func goCacheRequest(req *sandbox.Request, dir string, export bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("make the build cache folder: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // past the umask: the jobs' uids read it
		return fmt.Errorf("make the build cache folder: %w", err)
	}
	req.FixedDir = true
	req.Mounts = append(slices.Clone(req.Mounts), sandbox.Mount{Source: dir, Target: GoBuildCacheTarget})
	write := ""
	if export {
		write = sandbox.ExportDir
		req.Export = &sandbox.Export{To: dir}
	}
	req.Env = append(slices.Clone(req.Env), "GOCACHEPROG="+sandbox.GoCacheProg(write, GoBuildCacheTarget))
	return nil
}

var (
	goMissingModule = regexp.MustCompile(`(?:no required module provides package|cannot find module providing package|missing go.sum entry for module providing package) (\S+)`)
	goCacheMiss     = regexp.MustCompile(GoModCacheTarget + `/cache/download/\S*: read-only file system`)
	goTooOld        = regexp.MustCompile(`requires go >= (\S+) \(running go (\S+?);`)
	goDownloading   = regexp.MustCompile(`go: downloading (\S+) (\S+)`)
	pyMissingModule = regexp.MustCompile(`ModuleNotFoundError: No module named '([^']+)'`)
)

// offlineProblem explains a baseline run that failed for a dependency
// the sandbox cannot reach, or returns "".
func offlineProblem(out string, lang sandbox.Lang, files map[string][]byte) string {
	if lang == sandbox.LangGo {
		return goOfflineProblem(out)
	}
	m := pyMissingModule.FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	top := strings.Split(m[1], ".")[0]
	if _, ok := files[top+".py"]; ok {
		return ""
	}
	if _, ok := files[top+"/__init__.py"]; ok {
		return ""
	}
	return fmt.Sprintf("the Python module %q is not in the sandbox image (it has the standard library, pytest, pyflakes and mypy); "+
		"build an image with it and pass --image", m[1])
}

func goOfflineProblem(out string) string {
	if m := goTooOld.FindStringSubmatch(out); m != nil {
		return fmt.Sprintf("the repository needs go >= %s and the sandbox image has go %s (it cannot download a toolchain "+
			"offline): build the images with a newer go on this machine (codetree images build go)", m[1], m[2])
	}
	what := ""
	switch {
	case goCacheMiss.MatchString(out):
		what = "a Go dependency"
		if m := goDownloading.FindStringSubmatch(out); m != nil {
			what = "the Go module " + m[1] + " " + m[2]
		}
	case strings.Contains(out, "module lookup disabled by GOPROXY=off"):
		what = "a Go dependency"
		if m := goMissingModule.FindStringSubmatch(out); m != nil {
			what = "the Go dependency providing " + m[1]
		}
	default:
		return ""
	}
	return what + " cannot be resolved offline (the sandbox has no network): run `go mod download` in the " +
		"repository on this machine (codetree mounts the module cache read-only), or vendor it with `go mod vendor`"
}
