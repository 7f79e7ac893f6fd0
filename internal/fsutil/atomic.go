// Package fsutil holds codetree's file helpers.
package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// WriteFileAtomic writes data to path so that path is never seen half
// written, and is on disk when it returns: the data goes to a temporary
// file beside path (".NAME.codetree-*.tmp", hidden from directory walks
// and ./...) with mode perm exactly (no umask), which is synced, closed and
// renamed over path; then the directory is synced, so that the rename
// survives a crash. path's folder must exist. On an error the temporary
// file is removed and path is left as it was (unless only the directory
// sync failed: path then has the new content).
//
// A filesystem that cannot sync a directory (EINVAL, ENOTSUP) is not an
// error: the file itself was synced.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".codetree-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Chmod(perm)
	}
	if werr == nil {
		werr = tmp.Sync()
	}
	if err := errors.Join(werr, tmp.Close()); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir flushes dir's entries (a rename in it) to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	if errors.Is(serr, syscall.EINVAL) || errors.Is(serr, syscall.ENOTSUP) {
		serr = nil
	}
	return errors.Join(serr, d.Close())
}
