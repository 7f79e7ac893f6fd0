package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/codetree/codetree/sandbox"
)

// hostModCache is the module cache the developer's go command uses
// (repo.Options.GoModCache).
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

// goBuildCacheMax bounds a repository's build cache folder: past it,
// hostGoBuildCache empties the folder and the next baseline fills it anew.
const goBuildCacheMax = 2 << 30

var goModulePath = regexp.MustCompile(`(?m)^\s*module\s+"?([^\s"]+)`)

// hostGoBuildCache is the folder of a Go repository's build cache
// (repo.Options.GoBuildCache): one per repository under the user cache
// folder, codetree/gobuild/KEY, where KEY hashes the module path, go.sum
// and the Go sandbox image, so that the solve and fix runs on a
// repository share what their baseline runs compiled. Only baseline runs
// (the repository as it is, before any change) write to it, through the
// sandbox's checked export; candidates read it read-only. The folder may
// be removed at any time. "" (no cache) when there is no user cache folder.
func hostGoBuildCache(files map[string][]byte) string {
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	image, err := sandbox.DefaultImage(sandbox.LangGo)
	if err != nil {
		return ""
	}
	dir := filepath.Join(base, "codetree", "gobuild", goBuildCacheKey(files, image))
	if size := dirSize(dir); size > goBuildCacheMax {
		slog.Info("empty the Go build cache folder", "dir", dir, "bytes", size)
		if err := os.RemoveAll(dir); err != nil {
			slog.Warn("empty the Go build cache folder", "dir", dir, "err", err)
			return ""
		}
	}
	return dir
}

// goBuildCacheKey identifies a repository's build cache.
func goBuildCacheKey(files map[string][]byte, image string) string {
	module := ""
	if m := goModulePath.FindSubmatch(files["go.mod"]); m != nil {
		module = string(m[1])
	}
	sum := sha256.Sum256(files["go.sum"])
	key := sha256.Sum256([]byte("module " + module + "\ngo.sum " + hex.EncodeToString(sum[:]) + "\nimage " + image + "\n"))
	return hex.EncodeToString(key[:8])
}

// dirSize is the total size of the files directly in dir (0 if none).
func dirSize(dir string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return n
}
