package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/codetree/codetree/internal/runner"
)

// FixedDir is the working directory of a run with Request.FixedDir.
const FixedDir = runner.FixedDirPath

// ExportDir is the folder in the container whose files a run with
// Request.Export hands back: it exists, empty and writable by the job,
// when the job starts.
const ExportDir = runner.ExportPath

// Export brings the Go build cache entries a job writes (GoCacheProg with
// ExportDir as its write folder) back to a host folder. The files are
// untrusted output: only regular files directly in ExportDir whose names
// have the layout of the Go image's cache program (64 hex digits, then -a
// or -d) are kept, each checked (an output file's SHA-256 must be its
// name, an action file must be one well-formed "OUTPUTID SIZE TIME" line)
// and written through a temporary file and a rename in To, never through a
// symbolic link; everything else is counted in ExportResult.Rejected.
type Export struct {
	// To is the host folder the entries are written into: absolute, made
	// (mode 0755, so that a read-only Mount of it works) if missing.
	// Entries already there stay; an action entry of the same name is
	// replaced.
	To string
	// Max caps the bytes exported (default 1 GiB); the rest is dropped and
	// the result says Truncated.
	Max ByteSize
}

// ExportResult is what became of a run's export.
type ExportResult struct {
	// Files and Bytes count the entries written to Export.To (new or
	// replaced); Known those that were there already.
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	Known int   `json:"known,omitempty"`
	// Rejected counts the files refused (bad name, bad content, not a
	// regular file in the container); Truncated: Max stopped the export.
	Rejected  int  `json:"rejected,omitempty"`
	Truncated bool `json:"truncated,omitempty"`
	// Err says why the export failed on the host (a full disk, say): the
	// run's verdict stands, its cache entries are lost.
	Err string `json:"err,omitempty"`
}

// defaultExportMax is Export.Max's default.
const defaultExportMax = ByteSize(runner.DefaultExportMax)

// cacheEntryName is the name of an entry of the Go image's cache program:
// an action (-a) or output (-d) ID in hex.
var cacheEntryName = regexp.MustCompile(`^[0-9a-f]{64}-[ad]$`)

// maxActionEntry bounds an action file: "OUTPUTID SIZE UNIXNANO\n".
const maxActionEntry = 128

// GoCacheProg is the GOCACHEPROG of a run in the default Go image that
// writes new build cache entries to write ("": a folder of the job's own,
// removed after it) and reads them from write, then from each of layers
// (read-only container folders, such as a Mount of an Export's host
// folder), then from the image's baked cache.
func GoCacheProg(write string, layers ...string) string {
	args := []string{goCacheProgBin}
	if write != "" {
		args = append(args, "-w", write)
	}
	args = append(args, layers...)
	return strings.Join(append(args, goBakedCache), " ")
}

func (e *Export) validate() error {
	if e == nil {
		return nil
	}
	if e.To == "" || !filepath.IsAbs(e.To) {
		return fmt.Errorf("sandbox request: export folder %q: want an absolute host path", e.To)
	}
	if e.Max < 0 {
		return fmt.Errorf("sandbox request: export cap %d: want 0 (default) or more", e.Max)
	}
	return nil
}

// exportSink writes the chunks of one run's export into the host folder.
// Files go to hidden temporary names first; finish syncs them, renames
// them into place and syncs the folder.
type exportSink struct {
	dir string
	max int64
	res ExportResult

	// The file being received: name, temporary file (nil while its chunks
	// are dropped), hash and size so far.
	open bool
	name string
	tmp  *os.File
	sum  hash.Hash
	data bytes.Buffer // an action file's content
	size int64

	pending map[string]pendingEntry // by entry name
	total   int64                   // bytes received, kept or not
}

// pendingEntry is a checked file waiting for its rename.
type pendingEntry struct {
	tmp  string
	size int64
}

// newExportSink makes the host folder.
func newExportSink(e *Export) (*exportSink, error) {
	max := int64(e.Max)
	if max <= 0 {
		max = int64(defaultExportMax)
	}
	if err := os.MkdirAll(e.To, 0o755); err != nil {
		return nil, fmt.Errorf("make export folder: %w", err)
	}
	fi, err := os.Lstat(e.To)
	if err != nil {
		return nil, fmt.Errorf("make export folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("export folder %s: not a folder", e.To)
	}
	if fi.Mode().Perm()&0o005 != 0o005 {
		if err := os.Chmod(e.To, fi.Mode().Perm()|0o055); err != nil { // past the umask, for a Mount
			return nil, fmt.Errorf("make export folder: %w", err)
		}
	}
	return &exportSink{dir: e.To, max: max, pending: make(map[string]pendingEntry)}, nil
}

// add takes one chunk. It never fails: a bad file is rejected, a host
// failure ends the export (ExportResult.Err) and later chunks are dropped.
func (s *exportSink) add(c runner.Chunk) {
	if !s.open || c.Name != s.name {
		// A file ended without its End chunk is dropped.
		s.drop()
		s.begin(c.Name)
	}
	s.total += int64(len(c.Data))
	if s.tmp != nil {
		s.write(c.Data)
	}
	if c.End {
		s.end()
	}
}

// begin starts a file, or starts dropping it.
func (s *exportSink) begin(name string) {
	s.open, s.name, s.size = true, name, 0
	s.data.Reset()
	switch {
	case s.res.Err != "":
		return
	case !cacheEntryName.MatchString(name):
		s.res.Rejected++
		return
	}
	f, err := os.CreateTemp(s.dir, ".export-*.tmp") // O_EXCL: a new file, no link followed
	if err != nil {
		s.fail(fmt.Errorf("write export entry: %w", err))
		return
	}
	s.tmp, s.sum = f, sha256.New()
}

func (s *exportSink) write(b []byte) {
	s.size += int64(len(b))
	switch {
	case s.size > s.max || s.total > s.max:
		s.res.Truncated = true
		s.drop()
		return
	case strings.HasSuffix(s.name, "-a") && s.size > maxActionEntry:
		s.res.Rejected++
		s.drop()
		return
	}
	if strings.HasSuffix(s.name, "-a") {
		s.data.Write(b)
	}
	s.sum.Write(b)
	if _, err := s.tmp.Write(b); err != nil {
		s.fail(fmt.Errorf("write export entry: %w", err))
	}
}

// end checks a received file and queues it for its rename.
func (s *exportSink) end() {
	defer func() { s.open = false }()
	if s.tmp == nil {
		return
	}
	ok := true
	if id, kind, _ := strings.Cut(s.name, "-"); kind == "d" {
		ok = hex.EncodeToString(s.sum.Sum(nil)) == id
	} else {
		ok = validActionEntry(s.data.Bytes())
	}
	path := s.tmp.Name()
	err := errors.Join(s.tmp.Chmod(0o644), s.tmp.Close())
	s.tmp = nil
	switch {
	case err != nil:
		os.Remove(path)
		s.fail(fmt.Errorf("write export entry: %w", err))
	case !ok:
		os.Remove(path)
		s.res.Rejected++
	default:
		if old, dup := s.pending[s.name]; dup {
			os.Remove(old.tmp)
		}
		s.pending[s.name] = pendingEntry{tmp: path, size: s.size}
	}
}

// validActionEntry checks an action file: "OUTPUTID SIZE UNIXNANO\n".
func validActionEntry(b []byte) bool {
	f := strings.Fields(string(b))
	if len(f) != 3 || len(f[0]) != 64 || !bytes.HasSuffix(b, []byte("\n")) {
		return false
	}
	if _, err := hex.DecodeString(f[0]); err != nil {
		return false
	}
	for _, n := range f[1:] {
		if v, err := strconv.ParseInt(n, 10, 64); err != nil || v < 0 {
			return false
		}
	}
	return true
}

// drop abandons the file being received.
func (s *exportSink) drop() {
	if s.tmp != nil {
		path := s.tmp.Name()
		s.tmp.Close()
		os.Remove(path)
		s.tmp = nil
	}
}

func (s *exportSink) fail(err error) {
	s.drop()
	if s.res.Err == "" {
		s.res.Err = err.Error()
	}
}

// finish puts the received files in place: their data is synced first,
// so that no entry is ever seen with content that did not reach the disk,
// and an output entry already present is kept. It returns the result.
func (s *exportSink) finish(keep bool) ExportResult {
	s.drop() // a file without its End chunk
	s.open = false
	if !keep || s.res.Err != "" {
		s.discard()
		return s.res
	}
	if len(s.pending) > 0 {
		syscall.Sync()
	}
	for name, p := range s.pending {
		dst := filepath.Join(s.dir, name)
		if strings.HasSuffix(name, "-d") {
			if fi, err := os.Lstat(dst); err == nil && fi.Mode().IsRegular() && fi.Size() == p.size {
				os.Remove(p.tmp)
				delete(s.pending, name)
				s.res.Known++
				continue
			}
		}
		// rename replaces a link at dst rather than following it.
		if err := os.Rename(p.tmp, dst); err != nil {
			s.fail(fmt.Errorf("write export entry: %w", err))
			delete(s.pending, name)
			s.discard()
			return s.res
		}
		delete(s.pending, name)
		s.res.Files++
		s.res.Bytes += p.size
	}
	if d, err := os.Open(s.dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return s.res
}

// discard removes the temporary files not yet renamed.
func (s *exportSink) discard() {
	for name, p := range s.pending {
		if err := os.Remove(p.tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.res.Err = strings.TrimPrefix(s.res.Err+"; ", "; ") + err.Error()
		}
		delete(s.pending, name)
	}
}
