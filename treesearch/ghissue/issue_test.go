package ghissue

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestFetchIssuePaginatesComments(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.reply("GET /repos/octo/hello/issues/12", http.StatusOK, map[string]any{
		"number": 12, "title": "Crash on empty input", "body": "Run `hello ''` and it panics.",
		"state": "open", "html_url": "https://github.com/octo/hello/issues/12",
		"user":   map[string]any{"login": "alice"},
		"labels": []map[string]any{{"name": "bug"}, {"name": "good first issue"}},
	})
	var pages []string
	f.handle("GET /repos/octo/hello/issues/12/comments", func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("page")
		pages = append(pages, page+"/"+r.URL.Query().Get("per_page"))
		n := map[string]int{"": 1, "1": 1, "2": 2, "3": 3}[page]
		if n == 0 {
			t.Errorf("unexpected page %q", page)
		}
		if n < 3 {
			next := fmt.Sprintf("%s%s?page=%d&per_page=100", f.srv.URL, r.URL.Path, n+1)
			w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, next))
		}
		writeJSON(w, http.StatusOK, []map[string]any{
			{"body": fmt.Sprintf("comment %da", n), "user": map[string]any{"login": fmt.Sprintf("user%d", n)}, "created_at": "2024-03-0" + fmt.Sprint(n) + "T10:00:00Z"},
			{"body": fmt.Sprintf("comment %db", n), "user": map[string]any{"login": "bob"}},
		})
	})

	is, err := f.client(t).FetchIssue(t.Context(), Ref{Host: "github.com", Owner: "octo", Repo: "hello", Number: 12})
	if err != nil {
		t.Fatalf("FetchIssue: %v", err)
	}
	if want := []string{"/100", "2/100", "3/100"}; !reflect.DeepEqual(pages, want) {
		t.Errorf("pages requested (page/per_page) = %q, want %q", pages, want)
	}
	var bodies []string
	for _, c := range is.Comments {
		bodies = append(bodies, c.Author+":"+c.Body)
	}
	if want := []string{"user1:comment 1a", "bob:comment 1b", "user2:comment 2a", "bob:comment 2b", "user3:comment 3a", "bob:comment 3b"}; !reflect.DeepEqual(bodies, want) {
		t.Errorf("comments = %q, want %q", bodies, want)
	}
	if is.Title != "Crash on empty input" || is.State != "open" || is.Author != "alice" ||
		is.URL != "https://github.com/octo/hello/issues/12" || !reflect.DeepEqual(is.Labels, []string{"bug", "good first issue"}) {
		t.Errorf("issue = %+v", is)
	}

	text := is.Text()
	for _, want := range []string{
		"Issue octo/hello#12: Crash on empty input",
		"Labels: bug, good first issue",
		"Author: alice",
		"Run `hello ''` and it panics.",
		"--- Comment 1 of 6 by user1 on 2024-03-01 ---\ncomment 1a",
		"--- Comment 6 of 6 by bob ---\ncomment 3b",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Text() lacks %q:\n%s", want, text)
		}
	}
	if strings.Index(text, "comment 1a") > strings.Index(text, "comment 3b") {
		t.Errorf("Text() has the comments out of order:\n%s", text)
	}
}

func TestFetchIssueRefusesPullRequest(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.reply("GET /repos/octo/hello/issues/3", http.StatusOK, map[string]any{
		"number": 3, "title": "Add a flag",
		"pull_request": map[string]any{"url": "https://api.github.com/repos/octo/hello/pulls/3"},
	})
	_, err := f.client(t).FetchIssue(t.Context(), Ref{Host: "github.com", Owner: "octo", Repo: "hello", Number: 3})
	if err == nil || !strings.Contains(err.Error(), "pull request, not an issue") {
		t.Fatalf("FetchIssue of a pull request: err = %v, want a pull request refusal", err)
	}
	if n := len(f.requests("GET /repos/octo/hello/issues/3/comments")); n != 0 {
		t.Errorf("comments of a pull request were listed %d times", n)
	}
}

func TestIssueTextEmpty(t *testing.T) {
	t.Parallel()
	is := &Issue{Ref: Ref{Owner: "o", Repo: "r", Number: 1}, Title: "T"}
	text := is.Text()
	for _, want := range []string{"Issue o/r#1: T", "Labels: (none)", "(no description)"} {
		if !strings.Contains(text, want) {
			t.Errorf("Text() lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Comment") {
		t.Errorf("Text() of an issue without comments mentions one:\n%s", text)
	}
}

func TestRepo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		permissions map[string]bool
		wantPush    bool
	}{
		{"push", map[string]bool{"admin": false, "push": true, "pull": true}, true},
		{"read only", map[string]bool{"admin": false, "push": false, "pull": true}, false},
		{"no permissions field", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			repo := map[string]any{
				"name": "hello", "owner": map[string]any{"login": "octo"},
				"default_branch": "trunk", "clone_url": "https://github.com/octo/hello.git",
				"html_url": "https://github.com/octo/hello",
			}
			if tt.permissions != nil {
				repo["permissions"] = tt.permissions
			}
			f.reply("GET /repos/octo/hello", http.StatusOK, repo)
			got, err := f.client(t).Repo(t.Context(), "octo", "hello")
			if err != nil {
				t.Fatalf("Repo: %v", err)
			}
			want := &Repository{Owner: "octo", Name: "hello", DefaultBranch: "trunk",
				CloneURL: "https://github.com/octo/hello.git", HTMLURL: "https://github.com/octo/hello", CanPush: tt.wantPush}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Repo = %+v, want %+v", got, want)
			}
		})
	}
}
