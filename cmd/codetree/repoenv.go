package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch/repo"
)

// gomodcacheTarget is where a Go repository's module cache is mounted.
const gomodcacheTarget = "/gomodcache"

// repoLang reads --lang, or tells the language from the files: Go with a
// go.mod at the root, Python with Python files.
func repoLang(flag string, files map[string][]byte) (sandbox.Lang, error) {
	switch flag {
	case "go":
		return sandbox.LangGo, nil
	case "python":
		return sandbox.LangPython, nil
	case "":
	default:
		return "", usageErrorf("--lang %q: use go or python", flag)
	}
	if _, ok := files["go.mod"]; ok {
		return sandbox.LangGo, nil
	}
	for p := range files {
		if strings.HasSuffix(p, ".py") {
			return sandbox.LangPython, nil
		}
	}
	return "", usageErrorf("cannot tell the repository's language (no go.mod, no .py file): pass --lang go or --lang python")
}

// repoCommands are --test and --lint, or the language's defaults.
func repoCommands(c *cli.Context, lang sandbox.Lang) repo.Commands {
	cmds := repo.Commands{Test: "python3 -m pytest -q", Lint: "python3 -m pyflakes ."}
	if lang == sandbox.LangGo {
		cmds = repo.Commands{Test: "go test ./...", Lint: "go vet ./..."}
	}
	if c.IsSet("test") {
		cmds.Test = c.String("test")
	}
	if c.IsSet("lint") {
		cmds.Lint = c.String("lint")
		if cmds.Lint == "none" {
			cmds.Lint = ""
		}
	}
	return cmds
}

// repoDefaultLimits are the sandbox limits of solve and fix unless a
// flag says otherwise: room to build and test a repository, and output
// enough for a verbose test suite (cut for the model, not by the sandbox).
func repoDefaultLimits() sandbox.Limits {
	l := sandbox.DefaultLimits()
	l.Timeout = 5 * time.Minute
	l.Memory = 2 * sandbox.GiB
	l.Tmpfs = 1 * sandbox.GiB
	l.Pids = 1024
	l.CPUs = float64(min(2, runtime.NumCPU()))
	l.Output = 16 * sandbox.MiB
	return l
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
// its vendor/ folder, or from the host's module cache mounted read-only.
// Nothing is downloaded: the sandbox has no network.
func goDeps(ctx context.Context, files map[string][]byte) (env []string, mounts []sandbox.Mount, note string) {
	if _, ok := files["vendor/modules.txt"]; ok {
		return []string{"GOFLAGS=-mod=vendor"}, nil, "dependencies: vendor/"
	}
	if !goRequire.Match(files["go.mod"]) {
		return nil, nil, ""
	}
	cache := hostModCache(ctx)
	if st, err := os.Stat(cache); err != nil || !st.IsDir() {
		return nil, nil, fmt.Sprintf("dependencies: no module cache at %s; run go mod download in the repository first", cache)
	}
	return []string{"GOMODCACHE=" + gomodcacheTarget, "GOFLAGS=-mod=mod"},
		[]sandbox.Mount{{Source: cache, Target: gomodcacheTarget}},
		"dependencies: the module cache " + cache + " (read-only)"
}

// hostModCache is the module cache the developer's go command uses.
func hostModCache(ctx context.Context) string {
	if v := os.Getenv("GOMODCACHE"); v != "" {
		return v
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output(); err == nil {
		if v := strings.TrimSpace(string(out)); v != "" {
			return v
		}
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	return filepath.Join(strings.Split(gopath, string(os.PathListSeparator))[0], "pkg", "mod")
}

var (
	goMissingModule = regexp.MustCompile(`(?:no required module provides package|cannot find module providing package|missing go.sum entry for module providing package) (\S+)`)
	goCacheMiss     = regexp.MustCompile(gomodcacheTarget + `/cache/download/\S*: read-only file system`)
	goTooOld        = regexp.MustCompile(`requires go >= (\S+) \(running go (\S+?);`)
	goDownloading   = regexp.MustCompile(`go: downloading (\S+) (\S+)`)
	pyMissingModule = regexp.MustCompile(`ModuleNotFoundError: No module named '([^']+)'`)
)

// offlineProblem explains a baseline run that failed for a dependency
// the sandbox cannot reach, or returns "".
func offlineProblem(out string, lang sandbox.Lang, files map[string][]byte) string {
	if lang == sandbox.LangGo {
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

// firstLine is the first line of s.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(line, "\r")
}
