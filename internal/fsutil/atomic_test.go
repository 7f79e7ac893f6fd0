package fsutil

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		existing []byte      // content of path before, nil for none
		oldPerm  os.FileMode // its mode
		data     []byte
		perm     os.FileMode
	}{
		{name: "new file", data: []byte("hello\n"), perm: 0o644},
		// Mode bits a usual umask (022) would clear are kept.
		{name: "group writable", data: []byte("x"), perm: 0o664},
		{name: "private", data: []byte(`{"a": 1}`), perm: 0o600},
		{name: "empty", data: []byte{}, perm: 0o644},
		{name: "replaces existing", existing: []byte("old content, longer than the new"), oldPerm: 0o644, data: []byte("new"), perm: 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "out.json")
			if tt.existing != nil {
				if err := os.WriteFile(path, tt.existing, tt.oldPerm); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFileAtomic(path, tt.data, tt.perm); err != nil {
				t.Fatalf("WriteFileAtomic: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(tt.data) {
				t.Errorf("content %q, want %q", got, tt.data)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.perm {
				t.Errorf("mode %v, want %v", fi.Mode().Perm(), tt.perm)
			}
			assertOnly(t, dir, "out.json")
		})
	}
}

// TestWriteFileAtomicError makes the rename fail (path is a folder): the
// error is returned, and neither the temporary file nor a change is left.
func TestWriteFileAtomicError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "taken")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("data"), 0o644); err == nil {
		t.Fatal("WriteFileAtomic over a folder: no error")
	}
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		t.Errorf("the folder at path was changed: %v, %v", fi, err)
	}
	assertOnly(t, dir, "taken")

	// A missing folder: an error, and nothing created.
	if err := WriteFileAtomic(filepath.Join(dir, "no", "such"), []byte("data"), 0o644); err == nil {
		t.Error("WriteFileAtomic into a missing folder: no error")
	}
	assertOnly(t, dir, "taken")
}

// assertOnly fails unless dir holds exactly the one entry name: no
// temporary file is left behind.
func assertOnly(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("folder holds %q, want only %q", names, name)
	}
}
