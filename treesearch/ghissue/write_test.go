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
	// The base tree: main.go, an executable run.sh and old.sh, and a/ with an
	// executable a/tool and a symbolic link a/link.
	f.reply("GET /repos/octo/hello/git/trees/basetree", http.StatusOK, map[string]any{"sha": "basetree", "tree": []any{
		map[string]any{"path": "a", "mode": "040000", "type": "tree", "sha": "atree"},
		map[string]any{"path": "main.go", "mode": "100644", "type": "blob", "sha": "b1"},
		map[string]any{"path": "old.sh", "mode": "100755", "type": "blob", "sha": "b2"},
		map[string]any{"path": "run.sh", "mode": "100755", "type": "blob", "sha": "b3"},
	}})
	f.reply("GET /repos/octo/hello/git/trees/atree", http.StatusOK, map[string]any{"sha": "atree", "tree": []any{
		map[string]any{"path": "link", "mode": "120000", "type": "blob", "sha": "b4"},
		map[string]any{"path": "tool", "mode": "100755", "type": "blob", "sha": "b5"},
	}})
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

	files := map[string][]byte{"main.go": []byte("package main\n"), "a/b.txt": {0, 1, 2, 0xff},
		"run.sh": []byte("#!/bin/sh\n"), "a/tool": []byte("#!/bin/sh\nexit 0\n"), "a/link": []byte("x"),
		"new/dir/x.sh": []byte("#!/bin/sh\n")}
	sha, err := f.client(t).CreateBranchCommit(t.Context(), "octo", "hello", "main", "", "fix-12",
		"Fix #12", files, []string{"old.sh", "gone.go"})
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
	if want := []string{"\x00\x01\x02\xff", "x", "#!/bin/sh\nexit 0\n", "package main\n", "#!/bin/sh\n", "#!/bin/sh\n"}; !reflect.DeepEqual(gotBlobs, want) {
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
	// Executables stay executable (run.sh, a/tool, the deleted old.sh); a new file and
	// a symbolic link whose contents are replaced are regular files.
	wantEntries := []any{
		map[string]any{"path": "a/b.txt", "mode": "100644", "type": "blob", "sha": "blob1"},
		map[string]any{"path": "a/link", "mode": "100644", "type": "blob", "sha": "blob2"},
		map[string]any{"path": "a/tool", "mode": "100755", "type": "blob", "sha": "blob3"},
		map[string]any{"path": "main.go", "mode": "100644", "type": "blob", "sha": "blob4"},
		map[string]any{"path": "new/dir/x.sh", "mode": "100644", "type": "blob", "sha": "blob5"},
		map[string]any{"path": "run.sh", "mode": "100755", "type": "blob", "sha": "blob6"},
		map[string]any{"path": "old.sh", "mode": "100755", "type": "blob", "sha": nil},
		map[string]any{"path": "gone.go", "mode": "100644", "type": "blob", "sha": nil},
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

			_, err := f.client(t).CreateBranchCommit(t.Context(), "octo", "hello", "main", "", "fix-12", "m",
				map[string][]byte{"x": []byte("y")}, nil)
			if !errors.Is(err, ErrBranchExists) || !strings.Contains(err.Error(), "create branch fix-12 in octo/hello: the branch already exists") ||
				!strings.Contains(err.Error(), "git push <remote> --delete fix-12") {
				t.Fatalf("err = %v, want the branch already exists and how to delete it", err)
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
			_, err := f.client(t).CreateBranchCommit(t.Context(), "octo", "hello", "main", "", "b", "m", tt.files, tt.deleted)
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

func TestCreateBranchCommitBaseBranchGone(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.reply("GET /repos/octo/hello/git/ref/heads/main", http.StatusNotFound, map[string]any{"message": "Not Found"})
	_, err := f.client(t).CreateBranchCommit(t.Context(), "octo", "hello", "main", "", "fix-12", "m",
		map[string][]byte{"x": []byte("y")}, nil)
	if !errors.Is(err, ErrNoSuchBranch) || !IsNotFound(err) ||
		!strings.Contains(err.Error(), "create branch fix-12 in octo/hello: base branch main: no such branch (deleted or renamed") ||
		!strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("err = %v, want the base branch missing and nothing written", err)
	}
	assertNoToken(t, err)
}

func TestCreateBranchCommitReadsEachFolderOnce(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	gitData(f)
	f.reply("GET /repos/octo/hello/git/ref/heads/fix-12", http.StatusNotFound, map[string]any{"message": "Not Found"})
	f.reply("POST /repos/octo/hello/git/blobs", http.StatusCreated, map[string]any{"sha": "blob"})
	f.reply("POST /repos/octo/hello/git/trees", http.StatusCreated, map[string]any{"sha": "newtree"})
	f.reply("POST /repos/octo/hello/git/commits", http.StatusCreated, map[string]any{"sha": "newcommit"})
	f.reply("POST /repos/octo/hello/git/refs", http.StatusCreated, map[string]any{"ref": "refs/heads/fix-12"})
	files := map[string][]byte{"a/tool": []byte("1"), "a/link": []byte("2"), "a/new": []byte("3"), "run.sh": []byte("4")}
	if _, err := f.client(t).CreateBranchCommit(t.Context(), "octo", "hello", "main", "", "fix-12", "m", files, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"GET /repos/octo/hello/git/trees/basetree", "GET /repos/octo/hello/git/trees/atree"} {
		if n := len(f.requests(p)); n != 1 {
			t.Errorf("%s: %d requests, want 1", p, n)
		}
	}
}

func TestDeleteBranch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		message  string
		rateLim  bool // go-github saw a rate limit before: DeleteBranch still asks
		wantErr  string
		wantGone bool
	}{
		{name: "deleted", status: http.StatusNoContent},
		{name: "deleted after a rate limit", status: http.StatusNoContent, rateLim: true},
		{name: "gone (422)", status: http.StatusUnprocessableEntity, message: "Reference does not exist", wantErr: "no such branch", wantGone: true},
		{name: "gone (404)", status: http.StatusNotFound, message: "Not Found", wantErr: "no such branch", wantGone: true},
		{name: "refused", status: http.StatusForbidden, message: "Resource not accessible", wantErr: "delete branch codetree/issue-7 of octo/hello: GitHub answered 403 Forbidden: Resource not accessible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.handle("DELETE /repos/octo/hello/git/refs/heads/codetree/issue-7", func(w http.ResponseWriter, _ *http.Request) {
				if tt.status == http.StatusNoContent {
					w.WriteHeader(tt.status)
					return
				}
				writeJSON(w, tt.status, map[string]any{"message": tt.message})
			})
			f.handle("POST /repos/octo/hello/pulls", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", "4102444800")
				writeJSON(w, http.StatusForbidden, map[string]any{"message": "API rate limit exceeded"})
			})
			c := f.client(t)
			if tt.rateLim {
				if _, _, err := c.OpenPullRequest(t.Context(), "octo", "hello", "codetree/issue-7", "main", "t", "b"); !IsRateLimited(err) {
					t.Fatalf("OpenPullRequest: %v, want a rate limit", err)
				}
			}
			err := c.DeleteBranch(t.Context(), "octo", "hello", "codetree/issue-7")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("DeleteBranch: %v", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("DeleteBranch: err = %v, want %q", err, tt.wantErr)
			}
			if got := errors.Is(err, ErrNoSuchBranch); got != tt.wantGone {
				t.Errorf("errors.Is(err, ErrNoSuchBranch) = %v, want %v", got, tt.wantGone)
			}
			if n := len(f.requests("DELETE /repos/octo/hello/git/refs/heads/codetree/issue-7")); n != 1 {
				t.Errorf("%d DELETE requests, want 1", n)
			}
		})
	}
}

func TestForkNamedOtherwise(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.reply("POST /repos/octo/hello/forks", http.StatusAccepted, map[string]any{
		"name": "hello-1", "owner": map[string]any{"login": "me"}})
	f.reply("GET /repos/me/hello-1", http.StatusOK, map[string]any{"name": "hello-1", "owner": map[string]any{"login": "me"}})
	_, err := f.client(t).Fork(t.Context(), "octo", "hello")
	if err == nil || !strings.Contains(err.Error(), "fork octo/hello: the fork is me/hello-1, not me/hello; rename it to hello") {
		t.Fatalf("Fork: err = %v", err)
	}
}

// TestCreateBranchCommitOnParent: the commit goes on top of the commit the
// change was made on, not on the base branch's head (which may have moved
// since the clone: whole files on top of it would undo others' changes);
// a parent GitHub does not have is a clear error that writes nothing.
func TestCreateBranchCommitOnParent(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	gitData(f)
	f.reply("GET /repos/octo/hello/git/ref/heads/fix-12", http.StatusNotFound, map[string]any{"message": "Not Found"})
	f.reply("GET /repos/octo/hello/git/commits/clonedcommit", http.StatusOK, map[string]any{
		"sha": "clonedcommit", "tree": map[string]any{"sha": "basetree"}})
	f.reply("GET /repos/octo/hello/git/commits/localcommit", http.StatusNotFound, map[string]any{"message": "Not Found"})
	f.reply("POST /repos/octo/hello/git/blobs", http.StatusCreated, map[string]any{"sha": "blob1"})
	f.reply("POST /repos/octo/hello/git/trees", http.StatusCreated, map[string]any{"sha": "newtree"})
	f.reply("POST /repos/octo/hello/git/commits", http.StatusCreated, map[string]any{"sha": "newcommit"})
	f.reply("POST /repos/octo/hello/git/refs", http.StatusCreated, map[string]any{"ref": "refs/heads/fix-12"})
	files := map[string][]byte{"main.go": []byte("package main\n")}
	if _, err := f.client(t).CreateBranchCommit(t.Context(), "octo", "hello", "main", "clonedcommit", "fix-12", "m", files, nil); err != nil {
		t.Fatalf("CreateBranchCommit: %v", err)
	}
	commits := f.requests("POST /repos/octo/hello/git/commits")
	if len(commits) != 1 || !reflect.DeepEqual(decode(t, commits[0])["parents"], []any{"clonedcommit"}) {
		t.Errorf("commits = %v, want one with the parent clonedcommit", commits)
	}
	_, err := f.client(t).CreateBranchCommit(t.Context(), "octo", "hello", "main", "localcommit", "fix-12", "m", files, nil)
	if err == nil || !strings.Contains(err.Error(), "localcommit, which octo/hello does not have") || !strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("an unknown parent: %v", err)
	}
	if n := len(f.requests("POST /repos/octo/hello/git/refs")); n != 1 {
		t.Errorf("%d refs made, want 1 (none for the unknown parent)", n)
	}
}
