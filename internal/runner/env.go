package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// tmpSubdir is the job's TMPDIR inside its folder. It must not be the
// folder itself: the go command ignores a go.mod at the root of TMPDIR.
const tmpSubdir = ".tmp"

// jobEnv builds a job's environment: base with HOME and PWD set to dir and
// TMPDIR to its tmpSubdir, then extra; later entries win, and each key appears once, at the
// place of its first occurrence.
func jobEnv(base []string, dir string, extra ...[]string) []string {
	all := make([]string, 0, len(base)+3+len(extra))
	all = append(all, base...)
	all = append(all, "HOME="+dir, "TMPDIR="+filepath.Join(dir, tmpSubdir), "PWD="+dir)
	for _, e := range extra {
		all = append(all, e...)
	}
	return dedupEnv(all)
}

// dedupEnv keeps the last value of each key, at the position of the key's
// first occurrence. Entries without '=' are dropped.
func dedupEnv(env []string) []string {
	last := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			last[k] = v
		}
	}
	out := make([]string, 0, len(last))
	for _, kv := range env {
		k, _, ok := strings.Cut(kv, "=")
		v, pending := last[k]
		if !ok || !pending {
			continue
		}
		out = append(out, k+"="+v)
		delete(last, k)
	}
	return out
}

// envValue returns the last value of key in env.
func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

var errNotFound = errors.New("executable file not found in PATH")

// lookPath finds the program file of argv[0] name the way a shell would
// with the given PATH: a name holding a slash is taken as a path (relative
// to dir), anything else is searched in PATH, whose relative entries are
// relative to dir.
func lookPath(name, path, dir string) (string, error) {
	if name == "" {
		return "", errors.New("empty command name")
	}
	if strings.Contains(name, "/") {
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("find %s: %w", name, err)
		}
		return p, nil
	}
	for _, d := range filepath.SplitList(path) {
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, d)
		}
		p := filepath.Join(d, name)
		if checkExecutable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("find %s: %w", name, errNotFound)
}

// checkExecutable reports whether p is a regular file with an execute bit.
func checkExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", p)
	}
	if fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not executable", p)
	}
	return nil
}
