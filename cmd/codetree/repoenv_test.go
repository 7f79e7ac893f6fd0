package main

import (
	"context"
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
