package benchmarks

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// pinnedTestFile returns a DataFile pinning data, at path rel.
func pinnedTestFile(rel string, data []byte) DataFile {
	sum := sha256.Sum256(data)
	return DataFile{
		Path:   rel,
		URL:    "https://example.invalid/official/" + rel,
		Size:   int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]),
	}
}

func gzipBytes(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// dataFileServer serves files by path and counts requests.
func dataFileServer(t *testing.T, files map[string][]byte) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		data, ok := files[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(ts.Close)
	return ts, &hits
}

func TestDataFilesTable(t *testing.T) {
	t.Parallel()
	files := DataFiles()
	if len(files) != 7 {
		t.Fatalf("DataFiles has %d files, want 7", len(files))
	}
	var total int64
	for _, f := range files {
		if len(f.SHA256) != 64 || !strings.HasPrefix(f.URL, "https://") || f.Size <= 0 {
			t.Errorf("bad entry %+v", f)
		}
		total += f.Size
	}
	// SOURCES.md: 3,418,997 bytes in all, of which 665,035 are
	// codetree/apps_selected.json, which no dataset reads.
	if total != 3418997-665035 {
		t.Errorf("total size %d, want %d", total, 3418997-665035)
	}
	for _, s := range DatasetSpecs() {
		if _, err := (LoadOptions{}).file(s.Data.Path); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		if s.Given == nil {
			continue
		}
		f, err := (LoadOptions{}).file(s.Given.Path)
		if err != nil {
			t.Errorf("%s visible tests: %v", s.Name, err)
		}
		if f != *s.Given {
			t.Errorf("%s visible tests: %+v, want the table's %+v", s.Name, *s.Given, f)
		}
		d := s.Name
		// Pinned at the commit SOURCES.md names.
		if !strings.HasPrefix(f.URL, "https://raw.githubusercontent.com/SalesforceAIResearch/CodeTree/72c9c874f831e1b4f8b4c449ac8ffeb141dc8fbd/data/") {
			t.Errorf("%s visible tests: URL %s", d, f.URL)
		}
	}
	// DataFiles returns a copy.
	files[0].SHA256 = "changed"
	if DataFiles()[0].SHA256 == "changed" {
		t.Error("DataFiles returned the package's table")
	}
}

func TestDefaultDataDir(t *testing.T) {
	t.Parallel()
	dir, err := DefaultDataDir()
	if err != nil {
		t.Skipf("no user cache folder here: %v", err)
	}
	if !strings.HasSuffix(dir, filepath.Join("codetree", "data")) {
		t.Errorf("DefaultDataDir = %q, want it to end in codetree/data", dir)
	}
}

func TestDataSourceDownload(t *testing.T) {
	t.Parallel()
	content := []byte(`{"a": 1}` + "\n")
	zipped := gzipBytes(t, content)
	f := pinnedTestFile("sub/data.jsonl.gz", zipped)
	ts, hits := dataFileServer(t, map[string][]byte{f.Path: zipped})
	dir := t.TempDir()
	src := dataSource{dir: dir, client: ts.Client(), baseURL: ts.URL}

	got, err := src.read(t.Context(), f)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.Equal(got, content) {
		t.Errorf("read = %q, want the gunzipped %q", got, content)
	}
	// The download is cached in the data directory, with no temp file
	// left behind.
	p := filepath.Join(dir, "sub", "data.jsonl.gz")
	if disk, err := os.ReadFile(p); err != nil || !bytes.Equal(disk, zipped) {
		t.Errorf("cached file: %v (equal %v)", err, bytes.Equal(disk, zipped))
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("data folder holds %d entries, want only the file", len(entries))
	}
	// A second read uses the cached file, offline.
	src.offline = true
	if _, err := src.read(t.Context(), f); err != nil {
		t.Fatalf("second read: %v", err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

func TestDataSourceErrors(t *testing.T) {
	t.Parallel()
	good := []byte("[1, 2, 3]")
	f := pinnedTestFile("mbpp/x.json", good)

	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()

	tests := []struct {
		name    string
		serve   map[string][]byte // nil: the server is down
		present []byte            // a file already in the data folder
		offline bool
		// The error must contain every one of these.
		want     []string
		mismatch bool
		noURL    bool
	}{
		{
			name:     "sha mismatch on download",
			serve:    map[string][]byte{f.Path: []byte("[1, 2, 4]")},
			want:     []string{"download failed", "checksum mismatch", "sha256"},
			mismatch: true,
		},
		{
			name:  "not found on the server",
			serve: map[string][]byte{},
			want:  []string{"404"},
		},
		{
			name: "server down",
			want: []string{"download failed"},
		},
		{
			name:    "offline",
			offline: true,
			want:    []string{"downloads are off"},
			noURL:   true,
		},
		{
			name:     "present file altered",
			present:  []byte("[1, 2, 5]"),
			want:     []string{"checksum mismatch", "remove it"},
			mismatch: true,
			noURL:    true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src := dataSource{dir: dir, offline: tt.offline, baseURL: downURL}
			if tt.serve != nil {
				ts, _ := dataFileServer(t, tt.serve)
				src.baseURL, src.client = ts.URL, ts.Client()
			}
			p := filepath.Join(dir, "mbpp", "x.json")
			if tt.present != nil {
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, tt.present, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := src.read(t.Context(), f)
			var de *DataFileError
			if !errors.As(err, &de) {
				t.Fatalf("read error = %v, want a *DataFileError", err)
			}
			msg := err.Error()
			// The error names the file, where it was looked for and how
			// to provide it.
			want := append([]string{f.Path, p, f.URL, "--data-dir", "CODETREE_DATA_DIR"}, tt.want...)
			if !tt.noURL {
				want = append(want, src.baseURL+"/"+f.Path)
			}
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if got := errors.Is(err, errDataMismatch); got != tt.mismatch {
				t.Errorf("errors.Is(err, errDataMismatch) = %v, want %v", got, tt.mismatch)
			}
			// A failed download leaves nothing in the data folder.
			if tt.present == nil {
				if _, err := os.Stat(filepath.Dir(p)); err == nil {
					entries, _ := os.ReadDir(filepath.Dir(p))
					if len(entries) != 0 {
						t.Errorf("data folder holds %d entries after a failed download", len(entries))
					}
				}
			}
		})
	}
}

func TestDataSourceVerifiesOncePerVersion(t *testing.T) {
	t.Parallel()
	good := []byte("[1]")
	f := pinnedTestFile("a.json", good)
	dir := t.TempDir()
	p := filepath.Join(dir, "a.json")
	if err := os.WriteFile(p, good, 0o644); err != nil {
		t.Fatal(err)
	}
	src := dataSource{dir: dir, offline: true}
	if _, err := src.read(t.Context(), f); err != nil {
		t.Fatal(err)
	}
	if _, ok := verifiedDataFiles.Load(p); !ok {
		t.Fatalf("verified file %s not remembered", p)
	}
	// A changed file is hashed again and rejected.
	if err := os.WriteFile(p, []byte("[2, 3]"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := src.read(t.Context(), f); !errors.Is(err, errDataMismatch) {
		t.Errorf("read of a changed file: %v, want a checksum mismatch", err)
	}
}

func TestDecompressData(t *testing.T) {
	t.Parallel()
	plain := []byte("{\"x\": 1}\n")
	for name, in := range map[string][]byte{"plain": plain, "gzip": gzipBytes(t, plain)} {
		got, err := decompressData(in)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%s: decompressData = %q, %v", name, got, err)
		}
	}
	if _, err := decompressData([]byte{0x1f, 0x8b, 0, 0}); err == nil {
		t.Error("decompressData accepted a broken gzip stream")
	}
}
