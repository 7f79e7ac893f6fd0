package repo

import (
	"reflect"
	"testing"
)

func TestResultChanges(t *testing.T) {
	t.Parallel()
	snap := &Snapshot{Files: map[string][]byte{"a.go": []byte("a"), "b.go": []byte("b"), "c.go": []byte("c")}}
	tests := []struct {
		name        string
		res         *Result
		wantFiles   map[string][]byte
		wantDeleted []string
	}{
		{"no change", &Result{}, map[string][]byte{}, nil},
		{"changed, created and removed", &Result{snap: snap, after: map[string][]byte{
			"a.go": []byte("a"), "b.go": []byte("B"), "d/e.go": []byte("e")}},
			map[string][]byte{"b.go": []byte("B"), "d/e.go": []byte("e")}, []string{"c.go"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, deleted := tt.res.Changes()
			if !reflect.DeepEqual(files, tt.wantFiles) || !reflect.DeepEqual(deleted, tt.wantDeleted) {
				t.Errorf("Changes() = %q, %q; want %q, %q", files, deleted, tt.wantFiles, tt.wantDeleted)
			}
		})
	}
}
