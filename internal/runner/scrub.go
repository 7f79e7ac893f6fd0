package runner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// scrub removes every entry under root that uid owns, without following
// symbolic links; a folder uid owns goes with everything in it, whoever
// owns that. root itself stays. A missing root is not an error. Call it
// only once no process of uid is left, or a job could race it.
func scrub(root string, uid uint32) error {
	var errs []error
	walkErr := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // root missing, or an entry gone since its folder was read
		}
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if p == root {
			return nil
		}
		info, err := d.Info() // lstat
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok || st.Uid != uid {
			return nil
		}
		if d.IsDir() {
			if err := os.RemoveAll(p); err != nil {
				errs = append(errs, err)
			}
			return fs.SkipDir
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
		return nil
	})
	if walkErr != nil {
		errs = append(errs, walkErr)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("scrub %s of uid %d: %w", root, uid, err)
	}
	return nil
}
