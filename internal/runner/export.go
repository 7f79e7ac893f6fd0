package runner

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
)

// chunkSize is the most file data one Chunk line carries.
const chunkSize = 256 << 10

// exportDir is the job's export folder (Job.Export).
func (j *jobRun) exportDir() string { return filepath.Join(j.s.cfg.WorkDir, ExportName) }

// makeExportDir makes the export folder empty, owned by the job's uid and
// mode 0700, replacing whatever an earlier job left at that name.
func (j *jobRun) makeExportDir() error {
	dir := j.exportDir()
	if err := os.RemoveAll(dir); err != nil { // does not follow symbolic links
		return fmt.Errorf("remove leftover export folder: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("make export folder: %w", err)
	}
	if err := os.Chown(dir, int(j.uid), int(j.uid)); err != nil {
		return fmt.Errorf("make export folder: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("make export folder: %w", err)
	}
	return nil
}

// export sends the regular files directly in the export folder through
// emit, in name order, up to the job's ExportMax. Call it only once no
// process of the job's uid is left. The folder itself and every entry are
// opened without following symbolic links: the job owned them and may
// have replaced any of them with a link to a file of the container.
func (j *jobRun) export(emit func(Chunk) error) {
	max := j.job.ExportMax
	if max <= 0 {
		max = DefaultExportMax
	}
	fd, err := syscall.Open(j.exportDir(), syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		// The job removed or replaced its export folder: nothing to send.
		j.rep.ExportSkipped++
		return
	}
	dir := os.NewFile(uintptr(fd), j.exportDir())
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		j.anomalies = append(j.anomalies, "read export folder: "+err.Error())
		return
	}
	slices.Sort(names)
	var sent int64
	for _, name := range names {
		n, err := j.exportFile(fd, name, max-sent, emit)
		sent += n
		switch {
		case errors.Is(err, errSkip):
			j.rep.ExportSkipped++
		case errors.Is(err, errExportFull):
			j.rep.ExportTruncated = true
			return
		case err != nil:
			j.anomalies = append(j.anomalies, err.Error())
			return
		default:
			j.rep.Exported++
		}
	}
}

var (
	errSkip       = errors.New("not a regular file")
	errExportFull = errors.New("export cap reached")
)

// exportFile sends one file of the export folder (dirfd) in chunks and
// returns how many bytes it sent. errSkip: not a regular file;
// errExportFull: it does not fit in room; another error: emit failed.
func (j *jobRun) exportFile(dirfd int, name string, room int64, emit func(Chunk) error) (int64, error) {
	fd, err := syscall.Openat(dirfd, name, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0, errSkip
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0, errSkip
	}
	if fi.Size() > room {
		return 0, errExportFull
	}
	buf := make([]byte, chunkSize)
	var sent int64
	for {
		n, rerr := io.ReadFull(f, buf)
		if errors.Is(rerr, io.ErrUnexpectedEOF) || errors.Is(rerr, io.EOF) {
			rerr = nil
		}
		if rerr != nil {
			return sent, fmt.Errorf("read exported file %s: %w", name, rerr)
		}
		if sent+int64(n) > room {
			return sent, errExportFull // it grew since Stat: cannot happen once the job is gone
		}
		last := n < len(buf)
		c := Chunk{ID: j.job.ID, Name: name, Data: buf[:n], End: last}
		if err := emit(c); err != nil {
			return sent, fmt.Errorf("send exported file %s: %w", name, err)
		}
		sent += int64(n)
		if last {
			return sent, nil
		}
	}
}

// removeExportDir removes the export folder, which the job owned.
func (j *jobRun) removeExportDir() error {
	if err := os.RemoveAll(j.exportDir()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove export folder: %w", err)
	}
	return nil
}
