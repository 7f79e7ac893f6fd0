package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	gitignore "github.com/sabhiram/go-gitignore"

	"github.com/codetree/codetree/sandbox"
)

// ErrTooLarge is wrapped by Load's error when the repository's files
// exceed LoadOptions.MaxTotal.
var ErrTooLarge = errors.New("repository too large")

// LoadOptions bound what Load reads. Zero fields take the defaults of
// DefaultLoadOptions.
type LoadOptions struct {
	// MaxFileSize leaves out larger files (listed in Snapshot.Skipped),
	// except in a Go vendor directory.
	MaxFileSize sandbox.ByteSize
	// MaxTotal is the most the snapshot may hold; past it Load fails with
	// ErrTooLarge.
	MaxTotal sandbox.ByteSize
	// GitTimeout bounds each git command Load runs.
	GitTimeout time.Duration
	// NoGit lists files with the walk even inside a git work tree.
	NoGit bool
}

// DefaultLoadOptions: 1 MiB per file, 64 MiB in all, 30s per git command.
func DefaultLoadOptions() LoadOptions {
	return LoadOptions{MaxFileSize: sandbox.MiB, MaxTotal: 64 * sandbox.MiB, GitTimeout: 30 * time.Second}
}

func (o LoadOptions) withDefaults() LoadOptions {
	d := DefaultLoadOptions()
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = d.MaxFileSize
	}
	if o.MaxTotal <= 0 {
		o.MaxTotal = d.MaxTotal
	}
	if o.GitTimeout <= 0 {
		o.GitTimeout = d.GitTimeout
	}
	return o
}

// Snapshot is a repository's files as Load read them.
type Snapshot struct {
	// Dir is the repository's absolute path.
	Dir string
	// Files maps slash-separated paths relative to Dir to their content.
	Files map[string][]byte
	// Hashes is the SHA-256 of each file of Files as read, so that
	// WriteChanges can tell whether it changed on disk since.
	Hashes map[string][sha256.Size]byte
	// Skipped lists the files left out, in path order.
	Skipped []Skipped
	// Git is true when git listed the files (git ls-files); false when
	// they came from the walk.
	Git bool
}

// Skipped is a file Load left out.
type Skipped struct {
	Path   string
	Reason SkipReason
	Size   int64 // bytes, when Reason is SkipTooLarge
}

// SkipReason says why Load left a file out.
type SkipReason int

const (
	skipInvalid SkipReason = iota
	// SkipSymlinkOutside: a symbolic link to a path outside the
	// repository, or one that does not resolve.
	SkipSymlinkOutside
	// SkipTooLarge: larger than LoadOptions.MaxFileSize.
	SkipTooLarge
	// SkipBinary: a NUL byte in its first 8 KiB.
	SkipBinary
	// SkipNotRegular: not a regular file: a submodule, a nested
	// repository, a symbolic link to a directory, a socket or a device.
	SkipNotRegular
	// SkipUnreadable: the file could not be read (permissions).
	SkipUnreadable
)

func (r SkipReason) String() string {
	switch r {
	case SkipSymlinkOutside:
		return "symbolic link outside the repository"
	case SkipTooLarge:
		return "too large"
	case SkipBinary:
		return "binary"
	case SkipNotRegular:
		return "not a regular file"
	case SkipUnreadable:
		return "unreadable"
	}
	return fmt.Sprintf("SkipReason(%d)", int(r))
}

// walkSkipDirs are left out by Load, at any depth, whether git or the
// walk lists the files: tool caches and environments, not the developer's
// code. Note that vendor/ is not one:
// a Go vendor directory holds repository files that offline builds in the
// sandbox need.
var walkSkipDirs = map[string]bool{
	".git": true, "node_modules": true, "__pycache__": true, ".venv": true,
	".mypy_cache": true, ".pytest_cache": true,
}

// binarySniff is how much of a file is searched for a NUL byte.
const binarySniff = 8 << 10

// Load reads the repository at dir. Inside a git work tree, with git on
// PATH, git lists the files: tracked ones and untracked ones that
// .gitignore does not exclude. Elsewhere (or with NoGit) a walk lists
// them, excluding what the top-level .gitignore matches. Either way the
// directories .git, node_modules, __pycache__, .venv, .mypy_cache and
// .pytest_cache are left out, at any depth.
//
// A symbolic link is followed only to a file inside the
// repository (its content is read as the link's); files over
// MaxFileSize, except in Go vendor directories, and binary files are left
// out and listed in Skipped. Files of a Go vendor directory (one holding
// modules.txt) are kept whatever their size, for offline builds. When the
// files kept exceed MaxTotal, Load fails with an error wrapping
// ErrTooLarge.
func Load(ctx context.Context, dir string, opts LoadOptions) (*Snapshot, error) {
	opts = opts.withDefaults()
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("load repository: %w", err)
	}
	if root, err = filepath.EvalSymlinks(root); err != nil {
		return nil, fmt.Errorf("load repository: %w", err)
	}
	if fi, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("load repository: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("load repository: %s is not a directory", root)
	}

	snap := &Snapshot{Dir: root, Files: make(map[string][]byte), Hashes: make(map[string][sha256.Size]byte)}
	var paths []string
	if !opts.NoGit && inGitWorkTree(ctx, root, opts.GitTimeout) {
		if paths, err = gitListFiles(ctx, root, opts.GitTimeout); err != nil {
			return nil, err
		}
		snap.Git = true
	}
	if len(paths) == 0 {
		// Not in a work tree, or in a folder that its work tree ignores
		// (a copy under an ignored build folder): walk it.
		snap.Git = false
		if paths, err = walkFiles(root); err != nil {
			return nil, err
		}
	}

	vendor := make(map[string]bool) // Go vendor directory -> holds modules.txt
	var total int64
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("load repository: %w", err)
		}
		maxSize, vendored := int64(opts.MaxFileSize), isGoVendored(root, p, vendor)
		if vendored {
			maxSize = int64(opts.MaxTotal) - total
		}
		content, skip := readRepoFile(root, p, maxSize)
		if skip.Reason == SkipTooLarge && vendored {
			total += skip.Size
		} else if skip.Reason != skipInvalid {
			snap.Skipped = append(snap.Skipped, skip)
			continue
		}
		total += int64(len(content))
		if total > int64(opts.MaxTotal) {
			return nil, fmt.Errorf("load repository %s: %w: its files add up to more than %s (the limit); "+
				"run codetree in a smaller repository or in a subdirectory",
				root, ErrTooLarge, opts.MaxTotal)
		}
		if content == nil { // gone since it was listed
			continue
		}
		snap.Files[p] = content
		snap.Hashes[p] = sha256.Sum256(content)
	}
	return snap, nil
}

// readRepoFile reads the file p of the repository at root. It returns a
// Skipped with a reason when the file is left out (SkipTooLarge when it
// holds more than maxSize bytes), and nil content without a reason when
// the file no longer exists.
func readRepoFile(root, p string, maxSize int64) ([]byte, Skipped) {
	name := filepath.Join(root, filepath.FromSlash(p))
	fi, err := os.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Skipped{}
	}
	if err != nil {
		return nil, Skipped{Path: p, Reason: SkipUnreadable}
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(name)
		if err != nil || !within(root, target) {
			return nil, Skipped{Path: p, Reason: SkipSymlinkOutside}
		}
		if fi, err = os.Stat(target); err != nil {
			return nil, Skipped{Path: p, Reason: SkipSymlinkOutside}
		}
		name = target
	}
	if !fi.Mode().IsRegular() {
		return nil, Skipped{Path: p, Reason: SkipNotRegular}
	}
	if fi.Size() > maxSize {
		return nil, Skipped{Path: p, Reason: SkipTooLarge, Size: fi.Size()}
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, Skipped{Path: p, Reason: SkipUnreadable}
	}
	defer f.Close()
	// Read one byte past the limit, in case the file grew since Lstat.
	content, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, Skipped{Path: p, Reason: SkipUnreadable}
	}
	if int64(len(content)) > maxSize {
		return nil, Skipped{Path: p, Reason: SkipTooLarge, Size: int64(len(content))}
	}
	if bytes.IndexByte(content[:min(len(content), binarySniff)], 0) >= 0 {
		return nil, Skipped{Path: p, Reason: SkipBinary}
	}
	return content, Skipped{}
}

// isGoVendored reports whether p is inside a Go vendor directory: a
// directory named vendor that holds modules.txt. cache remembers the
// answer per directory.
func isGoVendored(root, p string, cache map[string]bool) bool {
	parts := strings.Split(p, "/")
	for i, part := range parts[:len(parts)-1] {
		if part != "vendor" {
			continue
		}
		dir := strings.Join(parts[:i+1], "/")
		ok, seen := cache[dir]
		if !seen {
			fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(dir), "modules.txt"))
			ok = err == nil && fi.Mode().IsRegular()
			cache[dir] = ok
		}
		if ok {
			return true
		}
	}
	return false
}

// within reports whether the absolute path target is root or below it.
func within(root, target string) bool {
	rel, err := filepath.Rel(root, target)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// gitEnvKeep are the GIT_* variables passed to git: where git and its
// configuration live. The others (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE,
// GIT_CONFIG_PARAMETERS, ...) are set by git for its hooks and aliases and
// would point git at another repository or index.
var gitEnvKeep = map[string]bool{
	"GIT_EXEC_PATH": true, "GIT_CONFIG_GLOBAL": true, "GIT_CONFIG_SYSTEM": true, "GIT_CONFIG_NOSYSTEM": true,
}

// gitCommand runs git in dir with the environment cleaned of GIT_*
// variables, under timeout, and returns its standard output.
func gitCommand(ctx context.Context, dir string, timeout time.Duration, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "core.fsmonitor=false"}, args...)...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") && !gitEnvKeep[k] {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "GIT_OPTIONAL_LOCKS=0", "GIT_TERMINAL_PROMPT=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("git %s: no answer in %s", strings.Join(args, " "), timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// inGitWorkTree reports whether git is on PATH and dir is inside a work
// tree.
func inGitWorkTree(ctx context.Context, dir string, timeout time.Duration) bool {
	if _, err := exec.LookPath("git"); err != nil {
		return false
	}
	out, err := gitCommand(ctx, dir, timeout, "rev-parse", "--is-inside-work-tree")
	return err == nil && strings.TrimSpace(string(out)) == "true"
}

// gitListFiles lists the files under dir that git tracks or would track,
// relative to dir, sorted, without the tool directories of walkSkipDirs.
func gitListFiles(ctx context.Context, dir string, timeout time.Duration) ([]string, error) {
	out, err := gitCommand(ctx, dir, timeout, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	if err != nil {
		return nil, fmt.Errorf("list repository files: %w", err)
	}
	var paths []string
	for _, p := range strings.Split(string(out), "\x00") {
		// A nested repository is listed as "dir/"; its files are not ours.
		if p == "" || strings.HasSuffix(p, "/") || inSkippedDir(p) {
			continue
		}
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return slices.Compact(paths), nil // unmerged files are listed once per stage
}

// inSkippedDir reports whether a directory of p is one of walkSkipDirs.
// Git honours .gitignore, but a __pycache__ or .venv that nobody ignored
// is still no source: it is left out in git mode too.
func inSkippedDir(p string) bool {
	parts := strings.Split(p, "/")
	return slices.ContainsFunc(parts[:len(parts)-1], func(d string) bool { return walkSkipDirs[d] })
}

// walkFiles lists the files under root, relative to it and sorted, without
// those the top-level .gitignore matches or in walkSkipDirs. Symbolic
// links are listed, not followed: readRepoFile decides.
func walkFiles(root string) ([]string, error) {
	ignore := gitignore.CompileIgnoreLines()
	if data, err := os.ReadFile(filepath.Join(root, ".gitignore")); err == nil {
		ignore = gitignore.CompileIgnoreLines(strings.Split(string(data), "\n")...)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read .gitignore: %w", err)
	}
	var paths []string
	err := filepath.WalkDir(root, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			if name == root {
				return err
			}
			return nil // an unreadable directory: nothing of it to send
		}
		if name == root {
			return nil
		}
		rel, err := filepath.Rel(root, name)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if walkSkipDirs[d.Name()] || ignore.MatchesPath(rel+"/") {
				return filepath.SkipDir
			}
			return nil
		}
		if !ignore.MatchesPath(rel) {
			paths = append(paths, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list repository files: %w", err)
	}
	slices.Sort(paths)
	return paths, nil
}

// Layout renders the snapshot's paths in order as an indented tree, each
// directory named once with a trailing slash, two spaces per level:
//
//	cmd/
//	  main.go
//	go.mod
//
// With max > 0 the text is at most max bytes: the listing stops at a
// whole line and ends "... N more files".
func (s *Snapshot) Layout(max int) string {
	paths := make([]string, 0, len(s.Files))
	for p := range s.Files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return layoutTree(paths, max)
}

func layoutTree(paths []string, max int) string {
	var b strings.Builder
	var prev []string // directories of the previous path
	for i, p := range paths {
		dirs := strings.Split(path.Dir(p), "/")
		if dirs[0] == "." {
			dirs = nil
		}
		common := 0
		for common < len(dirs) && common < len(prev) && dirs[common] == prev[common] {
			common++
		}
		var lines strings.Builder
		for d := common; d < len(dirs); d++ {
			fmt.Fprintf(&lines, "%s%s/\n", strings.Repeat("  ", d), dirs[d])
		}
		fmt.Fprintf(&lines, "%s%s\n", strings.Repeat("  ", len(dirs)), path.Base(p))
		if max > 0 {
			more := fmt.Sprintf("... %d more files\n", len(paths)-i)
			rest := 0 // room the trailer needs unless this is the last path
			if i < len(paths)-1 {
				rest = len(fmt.Sprintf("... %d more files\n", len(paths)-i-1))
			}
			if b.Len()+lines.Len()+rest > max {
				if b.Len()+len(more) <= max {
					b.WriteString(more)
				}
				break
			}
		}
		b.WriteString(lines.String())
		prev = dirs
	}
	return b.String()
}
