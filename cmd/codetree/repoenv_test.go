package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHostModCache(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GOMODCACHE", dir)
	if got := hostModCache(context.Background()); got != dir {
		t.Errorf("hostModCache = %q, want $GOMODCACHE %q", got, dir)
	}
}

func TestSplitReplies(t *testing.T) {
	t.Parallel()
	got := splitReplies("first\nreply\n%%%\n\nsecond\n  %%%  \n%%%\n")
	if diff := cmp.Diff([]string{"first\nreply\n", "second\n"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestGoBuildCacheKey(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{"go.mod": []byte("module example.com/a\n\ngo 1.22\n"), "go.sum": []byte("x v1 h1:y\n"), "a.go": []byte("package a\n")}
	key := goBuildCacheKey(files, "img:1")
	same := map[string][]byte{"go.mod": []byte("// c\nmodule example.com/a // c\n\ngo 1.23\n"), "go.sum": files["go.sum"], "b.go": []byte("package a\n")}
	if got := goBuildCacheKey(same, "img:1"); got != key {
		t.Errorf("key changed with the sources (%s, %s): want one folder per repository", got, key)
	}
	for name, other := range map[string]string{
		"module": goBuildCacheKey(map[string][]byte{"go.mod": []byte("module example.com/b\n"), "go.sum": files["go.sum"]}, "img:1"),
		"go.sum": goBuildCacheKey(map[string][]byte{"go.mod": files["go.mod"], "go.sum": []byte("z v2 h1:w\n")}, "img:1"),
		"image":  goBuildCacheKey(files, "img:2"),
	} {
		if other == key {
			t.Errorf("key does not change with the %s", name)
		}
	}
}

func TestHostGoBuildCache(t *testing.T) {
	base := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", base)
	files := map[string][]byte{"go.mod": []byte("module example.com/a\n")}
	dir := hostGoBuildCache(files)
	if filepath.Dir(dir) != filepath.Join(base, "codetree", "gobuild") {
		t.Fatalf("hostGoBuildCache = %q, want a folder in %s/codetree/gobuild", dir, base)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, strings.Repeat("a", 64)+"-d")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, goBuildCacheMax+1); err != nil { // sparse
		t.Fatal(err)
	}
	if got := hostGoBuildCache(files); got != dir {
		t.Errorf("second call = %q, want %q", got, dir)
	}
	if _, err := os.Stat(big); !os.IsNotExist(err) {
		t.Errorf("a folder past the cap was not emptied (stat: %v)", err)
	}
}
