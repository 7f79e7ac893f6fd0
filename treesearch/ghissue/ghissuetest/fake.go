// Package ghissuetest is a fake GitHub REST API for tests of code built on ghissue: a
// real httptest server (under /api/v3/, as a GitHub Enterprise server) that answers the
// endpoints of one issue and its repository, makes Git Data objects, branches, forks,
// pull requests and comments, records every write and keeps the branches of the
// repository and its fork, so that a test can see what is left on the "remote".
package ghissuetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Write is one request that changes something on the fake: its method, path (without
// /api/v3) and body.
type Write struct {
	Method, Path, Body string
}

// Answer is a reply the fake gives instead of its own: a status, headers and a message.
type Answer struct {
	Status  int
	Header  map[string]string
	Message string
}

// Server is the fake. Set its fields before the first request.
type Server struct {
	// Token is the token every authenticated request must carry (Authorization: Bearer
	// TOKEN); another token answers 401. A request without a token may read the
	// repository unless Private (then GitHub answers 404, as it does to hide a private
	// repository) and may write nothing (401).
	Token   string
	Private bool
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
	// Modes are the files of the base branch's tree with their modes ("100644",
	// "100755"); a file missing from it is not in the base.
	Modes map[string]string
	// Commits are the commits GET .../git/commits/SHA knows besides the base
	// branch's head ("basecommit"): a clone's HEAD, say. Each has the base
	// tree.
	Commits []string
	// ForkOwner is the account Fork makes the fork in (default "bot"); ForkName its
	// name (default Repo). ForkPending is how many looks at the fork answer 404 after
	// the fork is asked for (GitHub makes forks in the background).
	ForkOwner, ForkName string
	ForkPending         int
	// Status, when not 0, is the answer to every request (with a rate limit's headers
	// for RateLimited, and Retry-After when RetryAfter is set).
	Status      int
	RateLimited bool
	RetryAfter  string
	// Fail answers a request ("METHOD /repos/...", the path without /api/v3) with an
	// Answer instead of doing it.
	Fail map[string]Answer
	// BeforeWrite, when set, is called with each write before the fake does it (to
	// change the fake's state meanwhile, as another client would).
	BeforeWrite func(method, path string)

	srv       *httptest.Server
	mu        sync.Mutex
	writes    []Write
	blobs     int
	forked    bool
	forkGets  int // looks answered 404 (ForkPending)
	forkLooks int
	branches  map[string]map[string]string // "owner/repo" -> branch -> commit SHA
}

// New starts a fake for owner/repo#number with token and closes it when t ends.
func New(t testing.TB, token, owner, repo string, number int) *Server {
	t.Helper()
	s := &Server{Token: token, Owner: owner, Repo: repo, Number: number, CanPush: true,
		DefaultBranch: "main", ForkOwner: "bot", Title: "a bug", Body: "it is broken",
		branches: map[string]map[string]string{}}
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

// Branches returns the branches of owner/repo (the repository or its fork), sorted.
func (s *Server) Branches(owner, repo string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for b := range s.branchesOf(owner + "/" + repo) {
		out = append(out, b)
	}
	sort.Strings(out)
	return out
}

// AddBranch makes branch in owner/repo at commit sha, as someone else would.
func (s *Server) AddBranch(owner, repo, branch, sha string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.branchesOf(owner + "/" + repo)[branch] = sha
}

// ForkLooks is how many times the fork was looked for (GET) since it was asked for.
func (s *Server) ForkLooks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forkLooks
}

// DeleteBranch removes branch from owner/repo, as someone else would.
func (s *Server) DeleteBranch(owner, repo, branch string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.branchesOf(owner+"/"+repo), branch)
}

// branchesOf is the branch map of "owner/repo", made with the default branch on first
// use (the fork's once it is made). Call with mu held.
func (s *Server) branchesOf(full string) map[string]string {
	bs, ok := s.branches[full]
	if !ok {
		bs = map[string]string{}
		if full == s.Owner+"/"+s.Repo || (s.forked && full == s.forkFull()) {
			bs[s.DefaultBranch] = "basecommit"
			s.branches[full] = bs
		}
	}
	return bs
}

func (s *Server) forkFull() string {
	name := s.ForkName
	if name == "" {
		name = s.Repo
	}
	return s.ForkOwner + "/" + name
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/api/v3")
	repoPath := fmt.Sprintf("/repos/%s/%s", s.Owner, s.Repo)
	switch auth := r.Header.Get("Authorization"); {
	case auth == "" && s.Private && (path == repoPath || strings.HasPrefix(path, repoPath+"/")):
		reply(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
		return
	case auth == "" && r.Method != http.MethodGet:
		reply(w, http.StatusUnauthorized, map[string]any{"message": "Requires authentication"})
		return
	case auth != "" && auth != "Bearer "+s.Token:
		reply(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials"})
		return
	}
	if s.Status != 0 {
		if s.RateLimited {
			w.Header().Set("X-RateLimit-Limit", "5000")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", "4102444800")
		}
		if s.RetryAfter != "" {
			w.Header().Set("Retry-After", s.RetryAfter)
		}
		reply(w, s.Status, map[string]any{"message": http.StatusText(s.Status)})
		return
	}
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodGet {
		s.mu.Lock()
		s.writes = append(s.writes, Write{Method: r.Method, Path: path, Body: string(body)})
		s.mu.Unlock()
		if s.BeforeWrite != nil {
			s.BeforeWrite(r.Method, path)
		}
	}
	if a, ok := s.Fail[r.Method+" "+path]; ok {
		for k, v := range a.Header {
			w.Header().Set(k, v)
		}
		reply(w, a.Status, map[string]any{"message": a.Message})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	forkPath := "/repos/" + s.forkFull()
	issuePath := fmt.Sprintf("%s/issues/%d", repoPath, s.Number)
	base, full := repoPath, s.Owner+"/"+s.Repo
	if strings.HasPrefix(path, forkPath+"/") && s.forked {
		base, full = forkPath, s.forkFull()
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
	case r.Method == http.MethodGet && path == repoPath:
		reply(w, http.StatusOK, s.repoJSON(s.Owner, s.Repo, s.CanPush, r.Header.Get("Authorization") != ""))
	case r.Method == http.MethodGet && path == forkPath:
		if s.forked {
			s.forkLooks++
		}
		if !s.forked || s.forkGets < s.ForkPending {
			if s.forked {
				s.forkGets++
			}
			reply(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
			return
		}
		owner, name, _ := strings.Cut(s.forkFull(), "/")
		reply(w, http.StatusOK, s.repoJSON(owner, name, true, true))
	case r.Method == http.MethodPost && path == repoPath+"/forks":
		s.forked = true
		owner, name, _ := strings.Cut(s.forkFull(), "/")
		reply(w, http.StatusAccepted, map[string]any{"name": name, "owner": map[string]any{"login": owner}})
	case r.Method == http.MethodGet && strings.HasPrefix(path, base+"/git/ref/heads/"):
		b := strings.TrimPrefix(path, base+"/git/ref/heads/")
		sha, ok := s.branchesOf(full)[b]
		if !ok {
			reply(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
			return
		}
		reply(w, http.StatusOK, map[string]any{"ref": "refs/heads/" + b, "object": map[string]any{"type": "commit", "sha": sha}})
	case r.Method == http.MethodGet && strings.HasPrefix(path, base+"/git/commits/"):
		sha := strings.TrimPrefix(path, base+"/git/commits/")
		if sha != "basecommit" && !slices.Contains(s.Commits, sha) {
			reply(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
			return
		}
		reply(w, http.StatusOK, map[string]any{"sha": sha, "tree": map[string]any{"sha": "basetree"}})
	case r.Method == http.MethodGet && strings.HasPrefix(path, base+"/git/trees/"):
		s.serveTree(w, strings.TrimPrefix(path, base+"/git/trees/"))
	case r.Method == http.MethodPost && path == base+"/git/blobs":
		s.blobs++
		reply(w, http.StatusCreated, map[string]any{"sha": fmt.Sprintf("blob%d", s.blobs)})
	case r.Method == http.MethodPost && path == base+"/git/trees":
		reply(w, http.StatusCreated, map[string]any{"sha": "newtree"})
	case r.Method == http.MethodPost && path == base+"/git/commits":
		reply(w, http.StatusCreated, map[string]any{"sha": "newcommit"})
	case r.Method == http.MethodPost && path == base+"/git/refs":
		var req struct{ Ref, SHA string }
		_ = json.Unmarshal(body, &req)
		b := strings.TrimPrefix(req.Ref, "refs/heads/")
		if _, ok := s.branchesOf(full)[b]; ok {
			reply(w, http.StatusUnprocessableEntity, map[string]any{"message": "Reference already exists"})
			return
		}
		s.branchesOf(full)[b] = req.SHA
		reply(w, http.StatusCreated, map[string]any{"ref": req.Ref, "object": map[string]any{"sha": req.SHA}})
	case r.Method == http.MethodDelete && strings.HasPrefix(path, base+"/git/refs/heads/"):
		b := strings.TrimPrefix(path, base+"/git/refs/heads/")
		if _, ok := s.branchesOf(full)[b]; !ok {
			reply(w, http.StatusUnprocessableEntity, map[string]any{"message": "Reference does not exist"})
			return
		}
		delete(s.branchesOf(full), b)
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && path == repoPath+"/pulls":
		var req struct{ Head, Base string }
		_ = json.Unmarshal(body, &req)
		headRepo, headBranch := s.Owner+"/"+s.Repo, req.Head
		if owner, b, ok := strings.Cut(req.Head, ":"); ok {
			headRepo, headBranch = owner+"/"+s.Repo, b
			if owner == s.ForkOwner {
				headRepo = s.forkFull()
			}
		}
		for _, c := range []struct{ field, repo, branch string }{{"head", headRepo, headBranch}, {"base", s.Owner + "/" + s.Repo, req.Base}} {
			if _, ok := s.branchesOf(c.repo)[c.branch]; !ok {
				reply(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
					"errors": []map[string]any{{"resource": "PullRequest", "field": c.field, "code": "invalid"}}})
				return
			}
		}
		reply(w, http.StatusCreated, map[string]any{"number": 99, "html_url": "https://example.test" + repoPath + "/pull/99"})
	case r.Method == http.MethodPost && path == issuePath+"/comments":
		reply(w, http.StatusCreated, map[string]any{"html_url": "https://example.test" + issuePath + "#issuecomment-1"})
	default:
		reply(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
	}
}

// repoJSON is a repository as GitHub describes it; permissions only to a caller with a
// token, as GitHub does.
func (s *Server) repoJSON(owner, name string, canPush, authenticated bool) map[string]any {
	full := "/" + owner + "/" + name
	r := map[string]any{"name": name, "owner": map[string]any{"login": owner}, "private": s.Private,
		"default_branch": s.DefaultBranch, "clone_url": s.CloneURL, "html_url": "https://example.test" + full}
	if authenticated {
		r["permissions"] = map[string]any{"push": canPush, "pull": true}
	}
	return r
}

// serveTree answers a tree of the base commit: "basetree" is the root, "tree:DIR" the
// folder DIR, made of Modes. Call with mu held.
func (s *Server) serveTree(w http.ResponseWriter, sha string) {
	dir, ok := strings.CutPrefix(sha, "tree:")
	if sha == "basetree" {
		dir, ok = "", true
	}
	if !ok {
		reply(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
		return
	}
	seen := map[string]bool{}
	entries := []map[string]any{}
	for p, mode := range s.Modes {
		rest := p
		if dir != "" {
			var found bool
			if rest, found = strings.CutPrefix(p, dir+"/"); !found {
				continue
			}
		}
		name, sub, isDir := strings.Cut(rest, "/")
		if seen[name] {
			continue
		}
		seen[name] = true
		if isDir && sub != "" {
			entries = append(entries, map[string]any{"path": name, "mode": "040000", "type": "tree",
				"sha": "tree:" + path.Join(dir, name)})
		} else {
			entries = append(entries, map[string]any{"path": name, "mode": mode, "type": "blob", "sha": "blob:" + p})
		}
	}
	slices.SortFunc(entries, func(a, b map[string]any) int { return strings.Compare(a["path"].(string), b["path"].(string)) })
	reply(w, http.StatusOK, map[string]any{"sha": sha, "tree": entries, "truncated": false})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
