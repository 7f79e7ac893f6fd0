package ghissue

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

// gitData registers the base branch, its commit and an absent feature branch.
func gitData(f *fakeGitHub) {
	f.reply("GET /repos/octo/hello/git/ref/heads/main", http.StatusOK, map[string]any{
		"ref": "refs/heads/main", "object": map[string]any{"type": "commit", "sha": "basecommit"}})
	f.reply("GET /repos/octo/hello/git/commits/basecommit", http.StatusOK, map[string]any{
		"sha": "basecommit", "tree": map[string]any{"sha": "basetree"}})
}

func TestCreateBranchCommit(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	gitData(f)
	f.reply("GET /repos/octo/hello/git/ref/heads/fix-12", http.StatusNotFound, map[string]any{"message": "Not Found"})
	var blobs atomic.Int32
	f.handle("POST /repos/octo/hello/git/blobs", func(w http.ResponseWriter, _ *http.Request) {
		n := blobs.Add(1)
		writeJSON(w, http.StatusCreated, map[string]any{"sha": "blob" + string(rune('0'+n))})
	})
	f.reply("POST /repos/octo/hello/git/trees", http.StatusCreated, map[string]any{"sha": "newtree"})
	f.reply("POST /repos/octo/hello/git/commits", http.StatusCreated, map[string]any{"sha": "newcommit"})
	f.reply("POST /repos/octo/hello/git/refs", http.StatusCreated, map[string]any{"ref": "refs/heads/fix-12"})

	files := map[string][]byte{"main.go": []byte("package main\n"), "a/b.txt": {0, 1, 2, 0xff}}
	sha, err := f.client(t).CreateBranchCommit(t.Context(), "octo", "hello", "main", "fix-12",
		"Fix #12", files, []string{"old.go"})
	if err != nil {
		t.Fatalf("CreateBranchCommit: %v", err)
	}
	if sha != "newcommit" {
		t.Errorf("commit SHA = %q, want newcommit", sha)
	}

	// Blobs: base64 contents, in path order (a/b.txt, then main.go).
	var gotBlobs []string
	for _, b := range f.requests("POST /repos/octo/hello/git/blobs") {
		m := decode(t, b)
		if m["encoding"] != "base64" {
			t.Errorf("blob encoding = %v, want base64", m["encoding"])
		}
		raw, err := base64.StdEncoding.DecodeString(m["content"].(string))
		if err != nil {
			t.Fatalf("blob content: %v", err)
		}
		gotBlobs = append(gotBlobs, string(raw))
	}
	if want := []string{"\x00\x01\x02\xff", "package main\n"}; !reflect.DeepEqual(gotBlobs, want) {
		t.Errorf("blobs = %q, want %q", gotBlobs, want)
	}

	trees := f.requests("POST /repos/octo/hello/git/trees")
	if len(trees) != 1 {
		t.Fatalf("%d trees created, want 1", len(trees))
	}
	tree := decode(t, trees[0])
	if tree["base_tree"] != "basetree" {
		t.Errorf("base_tree = %v, want basetree", tree["base_tree"])
	}
	wantEntries := []any{
		map[string]any{"path": "a/b.txt", "mode": "100644", "type": "blob", "sha": "blob1"},
		map[string]any{"path": "main.go", "mode": "100644", "type": "blob", "sha": "blob2"},
		map[string]any{"path": "old.go", "mode": "100644", "type": "blob", "sha": nil},
	}
	if !reflect.DeepEqual(tree["tree"], wantEntries) {
		t.Errorf("tree entries = %v, want %v", tree["tree"], wantEntries)
	}

	commit := decode(t, f.requests("POST /repos/octo/hello/git/commits")[0])
	if commit["tree"] != "newtree" || commit["message"] != "Fix #12" ||
		!reflect.DeepEqual(commit["parents"], []any{"basecommit"}) {
		t.Errorf("commit request = %v, want tree newtree, message, parent basecommit", commit)
	}
	ref := decode(t, f.requests("POST /repos/octo/hello/git/refs")[0])
	if ref["ref"] != "refs/heads/fix-12" || ref["sha"] != "newcommit" {
		t.Errorf("ref request = %v, want refs/heads/fix-12 at newcommit", ref)
	}
}

func TestCreateBranchCommitBranchExists(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		existing  bool // GetRef finds the branch
		refStatus int  // CreateRef's answer when it is reached
	}{
		{name: "seen before writing", existing: true},
		{name: "created meanwhile", refStatus: http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			gitData(f)
			if tt.existing {
				f.reply("GET /repos/octo/hello/git/ref/heads/fix-12", http.StatusOK, map[string]any{
					"ref": "refs/heads/fix-12", "object": map[string]any{"sha": "other"}})
			} else {
				f.reply("GET /repos/octo/hello/git/ref/heads/fix-12", http.StatusNotFound, map[string]any{"message": "Not Found"})
			}
			f.reply("POST /repos/octo/hello/git/blobs", http.StatusCreated, map[string]any{"sha": "blob"})
			f.reply("POST /repos/octo/hello/git/trees", http.StatusCreated, map[string]any{"sha": "newtree"})
			f.reply("POST /repos/octo/hello/git/commits", http.StatusCreated, map[string]any{"sha": "newcommit"})
			f.reply("POST /repos/octo/hello/git/refs", tt.refStatus, map[string]any{"message": "Reference already exists"})

			_, err := f.client(t).CreateBranchCommit(t.Context(), "octo", "hello", "main", "fix-12", "m",
				map[string][]byte{"x": []byte("y")}, nil)
			if err == nil || !strings.Contains(err.Error(), "branch already exists") {
				t.Fatalf("err = %v, want the branch already exists", err)
			}
			if n := len(f.requests("POST /repos/octo/hello/git/blobs")); tt.existing && n != 0 {
				t.Errorf("%d blobs written for a branch that exists", n)
			}
		})
	}
}

func TestCreateBranchCommitRefusesBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   map[string][]byte
		deleted []string
		wantErr string
	}{
		{name: "no changes", wantErr: "no changes"},
		{name: "absolute path", files: map[string][]byte{"/etc/passwd": nil}, wantErr: "bad file path"},
		{name: "dot dot", files: map[string][]byte{"a/../../b": nil}, wantErr: "bad file path"},
		{name: "git dir", deleted: []string{".git/config"}, wantErr: "bad file path"},
		{name: "written and deleted", files: map[string][]byte{"a.go": nil}, deleted: []string{"a.go"}, wantErr: "both written and deleted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t) // no routes: any request would fail with 404
			_, err := f.client(t).CreateBranchCommit(t.Context(), "octo", "hello", "main", "b", "m", tt.files, tt.deleted)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestOpenPullRequest(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.reply("POST /repos/octo/hello/pulls", http.StatusCreated, map[string]any{
		"number": 42, "html_url": "https://github.com/octo/hello/pull/42"})
	url, n, err := f.client(t).OpenPullRequest(t.Context(), "octo", "hello", "me:fix-12", "main", "Fix crash", "Fixes #12")
	if err != nil {
		t.Fatalf("OpenPullRequest: %v", err)
	}
	if url != "https://github.com/octo/hello/pull/42" || n != 42 {
		t.Errorf("OpenPullRequest = %q, %d", url, n)
	}
	got := decode(t, f.requests("POST /repos/octo/hello/pulls")[0])
	want := map[string]any{"title": "Fix crash", "head": "me:fix-12", "base": "main", "body": "Fixes #12",
		"maintainer_can_modify": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pull request body = %v, want %v", got, want)
	}
}

func TestComment(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.reply("POST /repos/octo/hello/issues/12/comments", http.StatusCreated, map[string]any{
		"id": 1, "html_url": "https://github.com/octo/hello/issues/12#issuecomment-1"})
	url, err := f.client(t).Comment(t.Context(), "octo", "hello", 12, "Opened #42.")
	if err != nil {
		t.Fatalf("Comment: %v", err)
	}
	if url != "https://github.com/octo/hello/issues/12#issuecomment-1" {
		t.Errorf("Comment URL = %q", url)
	}
	if got := decode(t, f.requests("POST /repos/octo/hello/issues/12/comments")[0]); got["body"] != "Opened #42." {
		t.Errorf("comment body = %v", got)
	}
}

func TestForkPollsUntilReady(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.reply("POST /repos/octo/hello/forks", http.StatusAccepted, map[string]any{
		"name": "hello", "owner": map[string]any{"login": "me"}})
	var gets atomic.Int32
	f.handle("GET /repos/me/hello", func(w http.ResponseWriter, _ *http.Request) {
		if gets.Add(1) == 1 {
			writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"name": "hello", "owner": map[string]any{"login": "me"}})
	})
	owner, err := f.client(t).Fork(t.Context(), "octo", "hello")
	if err != nil {
		t.Fatalf("Fork: %v", err)
	}
	if owner != "me" {
		t.Errorf("fork owner = %q, want me", owner)
	}
	if n := gets.Load(); n != 2 {
		t.Errorf("fork looked for %d times, want 2 (404 then 200)", n)
	}
}

func TestForkStopsWaiting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cancel  bool
		status  int
		wantErr string
	}{
		{name: "context cancelled", cancel: true, status: http.StatusNotFound, wantErr: "context canceled"},
		{name: "timeout", status: http.StatusNotFound, wantErr: "not ready after"},
		{name: "other error", status: http.StatusInternalServerError, wantErr: "500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.reply("POST /repos/octo/hello/forks", http.StatusAccepted, map[string]any{
				"name": "hello", "owner": map[string]any{"login": "me"}})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var gets atomic.Int32
			f.handle("GET /repos/me/hello", func(w http.ResponseWriter, _ *http.Request) {
				if gets.Add(1) == 3 && tt.cancel {
					cancel()
				}
				writeJSON(w, tt.status, map[string]any{"message": "nope"})
			})
			c := f.client(t)
			if !tt.cancel {
				c.ForkPollTimeout = 20 * c.ForkPollInterval
			}
			_, err := c.Fork(ctx, "octo", "hello")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Fork: err = %v, want %q", err, tt.wantErr)
			}
			if tt.cancel && !errors.Is(err, context.Canceled) {
				t.Errorf("Fork: err = %v, want it to wrap context.Canceled", err)
			}
			if tt.status == http.StatusInternalServerError && gets.Load() != 1 {
				t.Errorf("a 500 was retried: %d looks", gets.Load())
			}
		})
	}
}
