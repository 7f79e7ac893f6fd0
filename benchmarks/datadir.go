package benchmarks

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/codetree/codetree/internal/fsutil"
)

// DataFile is one benchmark data file: where it lives inside the data
// directory, where it is published, and its pinned size and sha256.
type DataFile struct {
	// Path is the file's slash-separated path inside the data directory,
	// the same as in the project's shared data folder
	// ("humaneval/HumanEval.jsonl.gz").
	Path string
	// URL is the official download address.
	URL string
	// Size and SHA256 (lowercase hex) pin the exact bytes.
	Size   int64
	SHA256 string
}

// DataFiles returns the table of data files the datasets are read from.
func DataFiles() []DataFile {
	return append([]DataFile(nil), dataFiles...)
}

// DefaultDataDir returns the data directory used when the caller names
// none: codetree/data under the user's cache folder (os.UserCacheDir).
// Files missing there are downloaded into it.
func DefaultDataDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find user cache folder: %w", err)
	}
	return filepath.Join(dir, "codetree", "data"), nil
}

// DataFileError says a data file could not be found, fetched or verified,
// and how to provide it.
type DataFileError struct {
	File DataFile
	// Looked lists every place the file was looked for.
	Looked []string
	// URL is the address a download was tried from; empty when no
	// download was tried (offline, or the file was present but wrong).
	URL string
	Err error
}

func (e *DataFileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "data file %s: %v (looked in %s", e.File.Path, e.Err, strings.Join(e.Looked, ", "))
	if e.URL != "" {
		fmt.Fprintf(&b, "; tried %s", e.URL)
	}
	b.WriteString("). ")
	dest := e.File.Path
	if len(e.Looked) > 0 {
		dest = e.Looked[0]
	}
	fmt.Fprintf(&b, "To provide it, download %s to %s, or pass --data-dir (or set CODETREE_DATA_DIR) to a folder holding %s",
		e.File.URL, dest, e.File.Path)
	return b.String()
}

func (e *DataFileError) Unwrap() error { return e.Err }

// errDataMismatch is wrapped by errors about files whose bytes are not the
// pinned ones.
var errDataMismatch = errors.New("checksum mismatch")

// dataFileStamp identifies a file version that has been verified, so a
// file is hashed once per process.
type dataFileStamp struct {
	size    int64
	modTime time.Time
	sha256  string
}

func (s dataFileStamp) matches(st os.FileInfo, f DataFile) bool {
	return s.size == st.Size() && s.modTime.Equal(st.ModTime()) && s.sha256 == f.SHA256
}

// verifiedDataFiles maps absolute paths to the stamp of the version verified.
var verifiedDataFiles sync.Map

// dataSource says where data files are read from and fetched.
type dataSource struct {
	dir     string
	client  *http.Client
	baseURL string
	offline bool
}

func (s dataSource) url(f DataFile) string {
	if s.baseURL != "" {
		return strings.TrimRight(s.baseURL, "/") + "/" + f.Path
	}
	return f.URL
}

// read returns the verified contents of f, decompressed when gzipped,
// downloading it into the data directory first when it is missing.
func (s dataSource) read(ctx context.Context, f DataFile) ([]byte, error) {
	p := filepath.Join(s.dir, filepath.FromSlash(f.Path))
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	fail := func(url string, err error) error {
		return &DataFileError{File: f, Looked: []string{p}, URL: url, Err: err}
	}
	data, err := os.ReadFile(p)
	switch {
	case err == nil:
		if err := checkDataFile(p, data, f); err != nil {
			return nil, fail("", fmt.Errorf("%w; remove it to download it again", err))
		}
	case errors.Is(err, os.ErrNotExist):
		if s.offline {
			return nil, fail("", errors.New("not found, and downloads are off"))
		}
		url := s.url(f)
		if data, err = s.download(ctx, url, p, f); err != nil {
			return nil, fail(url, fmt.Errorf("not found, and the download failed: %w", err))
		}
	default:
		return nil, fail("", err)
	}
	out, err := decompressData(data)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return out, nil
}

// checkDataFile verifies data, read from p, against f's size and sha256,
// hashing a given version of p once per process.
func checkDataFile(p string, data []byte, f DataFile) error {
	st, statErr := os.Stat(p)
	if statErr == nil {
		if v, ok := verifiedDataFiles.Load(p); ok && v.(dataFileStamp).matches(st, f) && int64(len(data)) == st.Size() {
			return nil
		}
	}
	if err := checkDataBytes(data, f); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if statErr == nil {
		verifiedDataFiles.Store(p, dataFileStamp{st.Size(), st.ModTime(), f.SHA256})
	}
	return nil
}

// checkDataBytes verifies data against f's size and sha256.
func checkDataBytes(data []byte, f DataFile) error {
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	if int64(len(data)) != f.Size || got != f.SHA256 {
		return fmt.Errorf("%w: %d bytes with sha256 %s, want %d bytes with sha256 %s",
			errDataMismatch, len(data), got, f.Size, f.SHA256)
	}
	return nil
}

// download fetches url into a temporary file next to p, checks it against
// f and renames it to p.
func (s dataSource) download(ctx context.Context, url, p string, f DataFile) ([]byte, error) {
	client := s.client
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		// The URL is in the DataFileError already.
		var ue *neturl.Error
		if errors.As(err, &ue) {
			return nil, ue.Err
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	// Read at most one byte more than the pinned size: enough to tell a
	// wrong file from the right one without reading an endless body.
	data, err := io.ReadAll(io.LimitReader(resp.Body, f.Size+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if err := checkDataBytes(data, f); err != nil {
		return nil, fmt.Errorf("downloaded file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	if err := fsutil.WriteFileAtomic(p, data, 0o644); err != nil {
		return nil, fmt.Errorf("save download: %w", err)
	}
	if st, err := os.Stat(p); err == nil {
		verifiedDataFiles.Store(p, dataFileStamp{st.Size(), st.ModTime(), f.SHA256})
	}
	return data, nil
}

// decompressData returns data gunzipped when it starts with the gzip magic
// bytes, and data itself otherwise: files are told apart by content, not
// by name.
func decompressData(data []byte) ([]byte, error) {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	defer zr.Close()
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	return out, nil
}
