// Package ghissuetest is a fake GitHub REST API for tests of code built on ghissue: a
// real httptest server (under /api/v3/, as a GitHub Enterprise server) that answers the
// endpoints of one issue and its repository, makes Git Data objects, forks, pull
// requests and comments, and records every write.
package ghissuetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Write is one request that changes something on the fake: its method, path (without
// /api/v3) and body.
type Write struct {
	Method, Path, Body string
}

// Server is the fake. Set its fields before the first request.
type Server struct {
	// Token is the token every request must carry (Authorization: Bearer TOKEN); any
	// other answers 401.
	Token string
	// Owner, Repo and Number name the issue; Title, Body, Labels and Comments are its
	// text. PullRequest makes the issue a pull request.
	Owner, Repo string
	Number      int
	Title, Body string
	Labels      []string
	Comments    []string
	PullRequest bool
	// CloneURL is the repository's clone_url; CanPush its permissions.push.
	CloneURL      string
	CanPush       bool
	DefaultBranch string // default "main"
	// ForkOwner is the account Fork makes the fork in (default "bot").
	ForkOwner string
	// Status, when not 0, is the answer to every request (with a rate limit's headers
	// for 403 and RateLimited).
	Status      int
	RateLimited bool

	srv    *httptest.Server
	mu     sync.Mutex
	writes []Write
	blobs  int
}

// New starts a fake for owner/repo#number with token and closes it when t ends.
func New(t testing.TB, token, owner, repo string, number int) *Server {
	t.Helper()
	s := &Server{Token: token, Owner: owner, Repo: repo, Number: number, CanPush: true,
		DefaultBranch: "main", ForkOwner: "bot", Title: "a bug", Body: "it is broken"}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the server's base URL, for ghissue.New's enterpriseURL (--github-url).
func (s *Server) URL() string { return s.srv.URL + "/" }

// Writes returns the requests other than GET received so far, in order.
func (s *Server) Writes() []Write {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Write(nil), s.writes...)
}

// WritesTo returns the bodies of the writes whose path ends with suffix.
func (s *Server) WritesTo(method, suffix string) []string {
	var out []string
	for _, w := range s.Writes() {
		if w.Method == method && strings.HasSuffix(w.Path, suffix) {
			out = append(out, w.Body)
		}
	}
	return out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		reply(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials"})
		return
	}
	if s.Status != 0 {
		if s.RateLimited {
			w.Header().Set("X-RateLimit-Limit", "5000")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", "4102444800")
		}
		reply(w, s.Status, map[string]any{"message": http.StatusText(s.Status)})
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/v3")
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodGet {
		s.mu.Lock()
		s.writes = append(s.writes, Write{Method: r.Method, Path: path, Body: string(body)})
		s.mu.Unlock()
	}
	repoPath := fmt.Sprintf("/repos/%s/%s", s.Owner, s.Repo)
	forkPath := fmt.Sprintf("/repos/%s/%s", s.ForkOwner, s.Repo)
	issuePath := fmt.Sprintf("%s/issues/%d", repoPath, s.Number)
	base := repoPath
	if strings.HasPrefix(path, forkPath+"/") {
		base = forkPath
	}
	switch {
	case r.Method == http.MethodGet && path == issuePath:
		is := map[string]any{"number": s.Number, "title": s.Title, "body": s.Body, "state": "open",
			"user": map[string]any{"login": "reporter"}, "html_url": "https://example.test" + issuePath}
		var labels []map[string]any
		for _, l := range s.Labels {
			labels = append(labels, map[string]any{"name": l})
		}
		is["labels"] = labels
		if s.PullRequest {
			is["pull_request"] = map[string]any{"url": "https://example.test/pulls/1"}
		}
		reply(w, http.StatusOK, is)
	case r.Method == http.MethodGet && path == issuePath+"/comments":
		cs := []map[string]any{}
		for _, c := range s.Comments {
			cs = append(cs, map[string]any{"body": c, "user": map[string]any{"login": "commenter"}})
		}
		reply(w, http.StatusOK, cs)
	case r.Method == http.MethodGet && (path == repoPath || path == forkPath):
		owner := s.Owner
		if path == forkPath {
			owner = s.ForkOwner
		}
		reply(w, http.StatusOK, map[string]any{"name": s.Repo, "owner": map[string]any{"login": owner},
			"default_branch": s.DefaultBranch, "clone_url": s.CloneURL, "html_url": "https://example.test" + path,
			"permissions": map[string]any{"push": s.CanPush}})
	case r.Method == http.MethodPost && path == repoPath+"/forks":
		reply(w, http.StatusAccepted, map[string]any{"name": s.Repo, "owner": map[string]any{"login": s.ForkOwner}})
	case r.Method == http.MethodGet && path == base+"/git/ref/heads/"+s.DefaultBranch:
		reply(w, http.StatusOK, map[string]any{"ref": "refs/heads/" + s.DefaultBranch,
			"object": map[string]any{"type": "commit", "sha": "basecommit"}})
	case r.Method == http.MethodGet && strings.HasPrefix(path, base+"/git/ref/heads/"):
		reply(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
	case r.Method == http.MethodGet && path == base+"/git/commits/basecommit":
		reply(w, http.StatusOK, map[string]any{"sha": "basecommit", "tree": map[string]any{"sha": "basetree"}})
	case r.Method == http.MethodPost && path == base+"/git/blobs":
		s.mu.Lock()
		s.blobs++
		n := s.blobs
		s.mu.Unlock()
		reply(w, http.StatusCreated, map[string]any{"sha": fmt.Sprintf("blob%d", n)})
	case r.Method == http.MethodPost && path == base+"/git/trees":
		reply(w, http.StatusCreated, map[string]any{"sha": "newtree"})
	case r.Method == http.MethodPost && path == base+"/git/commits":
		reply(w, http.StatusCreated, map[string]any{"sha": "newcommit"})
	case r.Method == http.MethodPost && path == base+"/git/refs":
		reply(w, http.StatusCreated, map[string]any{"ref": "refs/heads/x", "object": map[string]any{"sha": "newcommit"}})
	case r.Method == http.MethodPost && path == repoPath+"/pulls":
		reply(w, http.StatusCreated, map[string]any{"number": 99, "html_url": "https://example.test" + repoPath + "/pull/99"})
	case r.Method == http.MethodPost && path == issuePath+"/comments":
		reply(w, http.StatusCreated, map[string]any{"html_url": "https://example.test" + issuePath + "#issuecomment-1"})
	default:
		reply(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
	}
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
