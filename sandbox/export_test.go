package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/codetree/codetree/internal/runner"
)

// outputEntry is a valid output file: its name is its content's SHA-256.
func outputEntry(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:]) + "-d"
}

func actionLine(out string) string {
	return fmt.Sprintf("%s 5 1700000000000000000\n", strings.TrimSuffix(out, "-d"))
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestExportSinkValidation: only well-named, well-formed regular entries
// reach the host folder, under the cap, never through a link; nothing
// else is left there, not even a temporary file.
func TestExportSinkValidation(t *testing.T) {
	t.Parallel()
	out := outputEntry("hello")
	action := strings.Repeat("a", 64) + "-a"
	big := outputEntry(strings.Repeat("z", 3000))
	tests := []struct {
		name      string
		chunks    []runner.Chunk
		max       ByteSize
		want      []string // entries in the folder afterwards
		rejected  int
		truncated bool
	}{
		{name: "valid pair", chunks: []runner.Chunk{
			{Name: out, Data: []byte("hel")}, {Name: out, Data: []byte("lo"), End: true},
			{Name: action, Data: []byte(actionLine(out)), End: true},
		}, want: []string{out, action}},
		{name: "bad names", chunks: []runner.Chunk{
			{Name: "../" + out, Data: []byte("hello"), End: true},
			{Name: "ab/" + out, Data: []byte("hello"), End: true},
			{Name: strings.ToUpper(out[:64]) + "-d", Data: []byte("hello"), End: true},
			{Name: out[:64] + "-x", Data: []byte("hello"), End: true},
			{Name: out + "\n", Data: []byte("hello"), End: true},
			{Name: "", Data: []byte("hello"), End: true},
			{Name: ".export-1.tmp", Data: []byte("hello"), End: true},
		}, rejected: 7},
		{name: "output whose hash is not its name", chunks: []runner.Chunk{
			{Name: out, Data: []byte("forged"), End: true},
		}, rejected: 1},
		{name: "malformed action", chunks: []runner.Chunk{
			{Name: action, Data: []byte("not an entry\n"), End: true},
			{Name: strings.Repeat("b", 64) + "-a", Data: []byte(strings.Repeat("0", 200)), End: true},
		}, rejected: 2},
		{name: "file without its end", chunks: []runner.Chunk{
			{Name: out, Data: []byte("hello")},
		}},
		{name: "over the cap", max: 1000, chunks: []runner.Chunk{
			{Name: out, Data: []byte("hello"), End: true},
			{Name: big, Data: []byte(strings.Repeat("z", 3000)), End: true},
		}, want: []string{out}, truncated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "cache")
			sink, err := newExportSink(&Export{To: dir, Max: tt.max})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tt.chunks {
				sink.add(c)
			}
			res := sink.finish(true)
			if got := listDir(t, dir); !slices.Equal(got, tt.want) {
				t.Errorf("folder holds %q, want %q", got, tt.want)
			}
			if res.Rejected != tt.rejected || res.Truncated != tt.truncated || res.Err != "" || res.Files != len(tt.want) {
				t.Errorf("result %+v, want %d files, %d rejected, truncated %v", res, len(tt.want), tt.rejected, tt.truncated)
			}
		})
	}
}

// TestExportSinkNoFollow: an entry name that is a link on the host is
// replaced, not written through; a known output entry stays as it was.
func TestExportSinkNoFollow(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "cache")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(root, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	action := strings.Repeat("c", 64) + "-a"
	if err := os.Symlink(victim, filepath.Join(dir, action)); err != nil {
		t.Fatal(err)
	}
	known := outputEntry("known")
	if err := os.WriteFile(filepath.Join(dir, known), []byte("known"), 0o644); err != nil {
		t.Fatal(err)
	}
	sink, err := newExportSink(&Export{To: dir})
	if err != nil {
		t.Fatal(err)
	}
	sink.add(runner.Chunk{Name: action, Data: []byte(actionLine(known)), End: true})
	sink.add(runner.Chunk{Name: known, Data: []byte("known"), End: true})
	res := sink.finish(true)
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the link's target was written: %q", b)
	}
	if fi, err := os.Lstat(filepath.Join(dir, action)); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
		t.Errorf("action entry: %v, %v; want a regular file of mode 0644", fi, err)
	}
	if res.Files != 1 || res.Known != 1 {
		t.Errorf("result %+v: want 1 written, 1 known", res)
	}
}

// TestExportSinkDiscard: after a failed run nothing is put in place.
func TestExportSinkDiscard(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "cache")
	sink, err := newExportSink(&Export{To: dir})
	if err != nil {
		t.Fatal(err)
	}
	sink.add(runner.Chunk{Name: outputEntry("x"), Data: []byte("x"), End: true})
	sink.finish(false)
	if got := listDir(t, dir); len(got) != 0 {
		t.Errorf("folder holds %q after a failed run", got)
	}
}

func TestExportValidate(t *testing.T) {
	t.Parallel()
	for _, e := range []*Export{{To: ""}, {To: "rel/dir"}, {To: "/abs", Max: -1}} {
		if err := e.validate(); err == nil {
			t.Errorf("Export %+v accepted", *e)
		}
	}
	if err := (&Export{To: "/abs"}).validate(); err != nil {
		t.Errorf("valid export refused: %v", err)
	}
}
