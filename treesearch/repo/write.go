package repo

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/codetree/codetree/internal/fsutil"
)

// Conflict is a file WriteChanges would touch that is no longer as the
// snapshot read it, or that cannot be written safely.
type Conflict struct {
	Path   string
	Reason string
}

// ConflictError is WriteChanges' refusal: nothing was written.
type ConflictError struct {
	Conflicts []Conflict
}

func (e *ConflictError) Error() string {
	var b strings.Builder
	b.WriteString("nothing was written: these files changed since codetree read them, or cannot be written safely:\n")
	for _, c := range e.Conflicts {
		fmt.Fprintf(&b, "  %s: %s\n", c.Path, c.Reason)
	}
	b.WriteString("Re-run codetree, or apply the patch by hand with git apply.")
	return b.String()
}

// WriteChanges writes after into the working tree at snap.Dir. after is
// the whole file set, as Apply returns it: files created or changed since
// the snapshot are written, and a file of the snapshot missing from after
// is removed. It returns the paths it wrote or removed, in order.
//
// It writes nothing and returns a *ConflictError when any file it would
// touch is no longer as Load read it: a file to change or remove was
// edited or is gone, a file to create now exists. Paths outside the
// repository, inside .git, or below a symbolic link are refused the same
// way. Each file is written to a temporary file in its directory and
// renamed over the original, keeping the original's mode (new files get
// 0644; new directories 0755 less the umask).
//
// A failure while writing (a full disk) stops at that file: the error
// says so, and the paths returned were written.
func WriteChanges(snap *Snapshot, after map[string][]byte) ([]string, error) {
	paths := changedPaths(snap.Files, after)
	var conflicts []Conflict
	for _, p := range paths {
		if reason := checkUnchanged(snap, p, after); reason != "" {
			conflicts = append(conflicts, Conflict{Path: p, Reason: reason})
		}
	}
	if len(conflicts) > 0 {
		return nil, &ConflictError{Conflicts: conflicts}
	}

	var done []string
	for _, p := range paths {
		name := filepath.Join(snap.Dir, filepath.FromSlash(p))
		var err error
		if content, ok := after[p]; ok {
			err = writeFileAtomic(name, content)
		} else if err = os.Remove(name); errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		if err != nil {
			return done, fmt.Errorf("write %s (after writing %d of %d files): %w", p, len(done), len(paths), err)
		}
		done = append(done, p)
	}
	return done, nil
}

// checkUnchanged returns why the file p cannot be written, or "".
func checkUnchanged(snap *Snapshot, p string, after map[string][]byte) string {
	if c, err := cleanEditPath(p); err != nil || c != p {
		if err == nil {
			err = fmt.Errorf("the path is not clean (%s)", c)
		}
		return err.Error()
	}
	// Every directory on the way must be a real directory, so that no
	// write lands outside the repository through a symbolic link.
	dir := snap.Dir
	for _, part := range strings.Split(path.Dir(p), "/") {
		if part == "." {
			break
		}
		dir = filepath.Join(dir, part)
		fi, err := os.Lstat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			break // created on write
		}
		switch {
		case err != nil:
			return err.Error()
		case fi.Mode()&fs.ModeSymlink != 0:
			return "a directory on its path is a symbolic link"
		case !fi.IsDir():
			return "a directory on its path is now a file"
		}
	}

	name := filepath.Join(snap.Dir, filepath.FromSlash(p))
	fi, err := os.Lstat(name)
	_, inSnap := snap.Files[p]
	switch {
	case !inSnap && err == nil:
		return "codetree would create it, but it exists now"
	case !inSnap && errors.Is(err, fs.ErrNotExist):
		return ""
	case errors.Is(err, fs.ErrNotExist):
		if _, ok := after[p]; ok {
			return "codetree would change it, but it is gone"
		}
		return "" // to remove, and already removed
	case err != nil:
		return err.Error()
	case fi.Mode()&fs.ModeSymlink != 0:
		return "it is a symbolic link; apply the change to the file it points to"
	case !fi.Mode().IsRegular():
		return "it is no longer a regular file"
	}
	content, err := os.ReadFile(name)
	if err != nil {
		return err.Error()
	}
	same := bytes.Equal(content, snap.Files[p]) // a snapshot built by hand may lack hashes
	if want, ok := snap.Hashes[p]; ok {
		same = sha256.Sum256(content) == want
	}
	if !same {
		return "changed on disk since codetree read it"
	}
	return ""
}

// writeFileAtomic replaces name with content (fsutil.WriteFileAtomic),
// keeping name's mode when it exists and creating its folder if need be.
func writeFileAtomic(name string, content []byte) error {
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(name); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(name, content, mode)
}
