package issue

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch"
	"github.com/codetree/codetree/treesearch/ghissue"
	"github.com/codetree/codetree/treesearch/ghissue/ghissuetest"
	"github.com/codetree/codetree/treesearch/repo"
)

// calcFiles is the repository of the tests: Add subtracts.
var calcFiles = map[string]string{
	"go.mod":  "module example.com/calc\n\ngo 1.22\n",
	"calc.go": "package calc\n\n// Add returns the sum of a and b.\nfunc Add(a, b int) int {\n\treturn a - b\n}\n",
}

// editModel answers every request with one edit of calc.go that fixes Add,
// and records the prompts.
type editModel struct {
	mu      sync.Mutex
	prompts []string
}

func (m *editModel) Complete(_ context.Context, req agent.Request) (agent.Response, error) {
	var b strings.Builder
	for _, msg := range req.Messages {
		b.WriteString(msg.Content)
		b.WriteString("\n")
	}
	m.mu.Lock()
	m.prompts = append(m.prompts, b.String())
	m.mu.Unlock()
	return agent.Response{Content: "Add subtracted.\n\n" + agent.FormatEdits([]agent.Edit{
		{Path: "calc.go", Search: "\treturn a - b\n", Replace: "\treturn a + b\n"}})}, nil
}

func (m *editModel) asked() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.prompts...)
}

// hostRunner is the sandbox of these tests: it runs the (test-made) command
// on the host in a fresh folder holding the request's files, and records
// every request, to check that the token never reaches a sandbox.
type hostRunner struct {
	mu   sync.Mutex
	reqs []sandbox.Request
}

func (h *hostRunner) Run(ctx context.Context, req sandbox.Request) (sandbox.Result, error) {
	h.mu.Lock()
	h.reqs = append(h.reqs, req)
	h.mu.Unlock()
	dir, err := os.MkdirTemp("", "issue-run-")
	if err != nil {
		return sandbox.Result{}, err
	}
	defer os.RemoveAll(dir)
	for name, data := range req.Files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return sandbox.Result{}, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return sandbox.Result{}, err
		}
	}
	cmd := exec.CommandContext(ctx, req.Command[0], req.Command[1:]...)
	cmd.Dir, cmd.Env = dir, append([]string{"PATH=" + os.Getenv("PATH")}, req.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	res := sandbox.Result{Status: sandbox.StatusPassed}
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return sandbox.Result{}, err
		}
		res.Status, res.ExitCode = sandbox.StatusFailed, ee.ExitCode()
	}
	res.Stdout, res.Stderr = stdout.String(), stderr.String()
	return res, nil
}

func (h *hostRunner) requests() []sandbox.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]sandbox.Request(nil), h.reqs...)
}

// runSetup is one Run against a fake GitHub and a smart-HTTP git remote.
type runSetup struct {
	gh     *ghissuetest.Server
	remote *httpRemote
	model  *editModel
	runner *hostRunner
	work   string
	mu     sync.Mutex
	logs   []string
}

func newRunSetup(t *testing.T) *runSetup {
	t.Helper()
	s := &runSetup{gh: ghissuetest.New(t, testToken, "octo", "calc", 7), remote: newHTTPRemote(t, testToken, calcFiles),
		model: &editModel{}, runner: &hostRunner{}, work: t.TempDir()}
	s.gh.Title, s.gh.Body = "Add subtracts", "calc.Add(1, 2) returns -1 (calc.go)."
	s.gh.Labels, s.gh.Comments = []string{"bug"}, []string{"Still broken on main."}
	s.gh.CloneURL = s.remote.URL
	// GitHub has the commit a clone checks out: the pull request's parent.
	s.gh.Commits = []string{s.remote.Head}
	s.gh.Modes = map[string]string{"go.mod": "100644", "calc.go": "100644"}
	return s
}

// options are Run's options for s, with a client sending token ("" none).
func (s *runSetup) options(t *testing.T, token string) Options {
	t.Helper()
	c, err := ghissue.New(nil, token, s.gh.URL())
	if err != nil {
		t.Fatal(err)
	}
	c.ForkPollInterval, c.ForkPollTimeout = time.Millisecond, 5*time.Second
	direct := func(env treesearch.Env) (treesearch.Strategy, error) {
		return treesearch.NewStrategy("direct", env, treesearch.StrategyOptions{})
	}
	return Options{Ref: ghissue.Ref{Host: "github.com", Owner: "octo", Repo: "calc", Number: 7}, GitHub: c,
		Token: Secret(token), WorkDir: s.work,
		Solve: repo.Options{Model: s.model, Sandbox: s.runner, Budget: 1, Strategy: direct,
			Lang: sandbox.LangGo, Test: "grep -q 'a + b' calc.go", NoLint: true},
		Log: func(line string) { s.mu.Lock(); s.logs = append(s.logs, line); s.mu.Unlock() }}
}

// assertNoTokenAnywhere checks every place the token must not reach: the
// error, the log, the result (its JSON), the model's prompts, the sandbox's
// requests, the fake GitHub's writes, the clone's files and the URLs the git
// remote saw.
func (s *runSetup) assertNoTokenAnywhere(t *testing.T, res *Result, err error) {
	t.Helper()
	if err != nil {
		assertNoSecret(t, "the error", err.Error())
	}
	s.mu.Lock()
	assertNoSecret(t, "the log", s.logs...)
	s.mu.Unlock()
	if res != nil {
		j, jerr := json.Marshal(res)
		if jerr != nil {
			t.Fatalf("result JSON: %v", jerr)
		}
		assertNoSecret(t, "the result (its JSON)", string(j))
		if res.Pipeline != nil && res.Pipeline.Tree != nil {
			tree, jerr := json.Marshal(res.Pipeline.Tree)
			if jerr != nil {
				t.Fatalf("tree JSON: %v", jerr)
			}
			assertNoSecret(t, "the search tree (its JSON)", string(tree))
		}
	}
	assertNoSecret(t, "a prompt", s.model.asked()...)
	for _, r := range s.runner.requests() {
		assertNoSecret(t, "a sandbox request's command and environment", strings.Join(r.Command, " "), strings.Join(r.Env, " "))
		for name, data := range r.Files {
			assertNoSecret(t, "sandbox file "+name, string(data))
		}
	}
	for _, w := range s.gh.Writes() {
		assertNoSecret(t, "a GitHub write", w.Path, w.Body)
	}
	for _, r := range s.remote.seen() {
		assertNoSecret(t, "a git request URL", r.URL)
	}
	if clones, _ := filepath.Glob(filepath.Join(s.work, "*", "calc")); len(clones) > 0 {
		for _, c := range clones {
			assertNoSecretInTree(t, c)
		}
	}
}

func decodeBody(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%q: %v", body, err)
	}
	return m
}

// TestRunWrites: the issue is read, the repository cloned over smart HTTP with
// the token, the change found; --pr makes the branch codetree/issue-7 (in a
// fork, made in the background, when the token cannot push) with the fixed
// file and opens the pull request; --comment posts the patch. The token is
// nowhere it must not be.
func TestRunWrites(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		pr, comment     bool
		canPush         bool
		wantBranchIn    string // the repository the branch is made in
		wantHead        string
		wantFork        string
		wantForkPolling bool
	}{
		{name: "pull request", pr: true, canPush: true, wantBranchIn: "octo/calc", wantHead: "codetree/issue-7"},
		{name: "fork when the token cannot push", pr: true, wantBranchIn: "bot/calc", wantHead: "bot:codetree/issue-7",
			wantFork: "bot", wantForkPolling: true},
		{name: "comment", comment: true, canPush: true},
		{name: "read only", canPush: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newRunSetup(t)
			s.gh.CanPush, s.gh.ForkPending = tt.canPush, 2
			o := s.options(t, testToken)
			o.PullRequest, o.Comment = tt.pr, tt.comment
			res, err := Run(t.Context(), o)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			s.assertNoTokenAnywhere(t, res, err)

			// Read and cloned.
			if res.Issue != "octo/calc#7" || res.Title != "Add subtracts" || !res.Pipeline.Passed {
				t.Fatalf("result = %+v (pipeline %+v)", res, res.Pipeline)
			}
			if got, _ := os.ReadFile(filepath.Join(res.Checkout, "calc.go")); string(got) != calcFiles["calc.go"] {
				t.Errorf("the checkout's calc.go = %q, want the remote's (untouched)", got)
			}
			authorized := 0
			for _, r := range s.remote.seen() {
				if r.Authorized {
					authorized++
				}
			}
			if authorized == 0 {
				t.Error("the clone did not send the token to the git remote")
			}
			if p := s.model.asked(); len(p) == 0 || !strings.Contains(p[0], "Add subtracts") ||
				!strings.Contains(p[0], "Still broken on main.") || !strings.Contains(p[0], "Labels: bug") {
				t.Errorf("the model was not shown the issue: %q", p)
			}
			if res.Pipeline.Tree == nil {
				t.Error("no search tree in the result: the token check of the tree checked nothing")
			}
			if !strings.Contains(res.Pipeline.Patch, "+\treturn a + b") {
				t.Errorf("diff = %q", res.Pipeline.Patch)
			}

			writes := s.gh.Writes()
			if !tt.pr && !tt.comment {
				if len(writes) != 0 {
					t.Errorf("wrote to GitHub without --pr or --comment: %+v", writes)
				}
				return
			}
			if tt.comment {
				cs := s.gh.WritesTo("POST", "/repos/octo/calc/issues/7/comments")
				if len(cs) != 1 || len(writes) != 1 {
					t.Fatalf("writes = %+v, want one comment", writes)
				}
				body := decodeBody(t, cs[0])["body"].(string)
				if !strings.Contains(body, "```diff\ndiff --git a/calc.go b/calc.go") || !strings.Contains(body, "+\treturn a + b") {
					t.Errorf("comment = %s", body)
				}
				if !strings.HasSuffix(res.Comment, "#issuecomment-1") {
					t.Errorf("res.Comment = %q", res.Comment)
				}
				return
			}

			// The branch: one blob (the fixed calc.go, a regular file), a
			// tree on the base tree, a commit on the base commit, the ref.
			p := "/repos/" + tt.wantBranchIn
			blobs := s.gh.WritesTo("POST", p+"/git/blobs")
			if len(blobs) != 1 {
				t.Fatalf("blobs = %v, want 1 (writes %+v)", blobs, writes)
			}
			if b, _ := base64.StdEncoding.DecodeString(decodeBody(t, blobs[0])["content"].(string)); !strings.Contains(string(b), "return a + b") {
				t.Errorf("blob = %q, want the fixed calc.go", b)
			}
			tree := decodeBody(t, s.gh.WritesTo("POST", p+"/git/trees")[0])
			if want := []any{map[string]any{"path": "calc.go", "mode": "100644", "type": "blob", "sha": "blob1"}}; tree["base_tree"] != "basetree" || !reflect.DeepEqual(tree["tree"], want) {
				t.Errorf("tree = %v", tree)
			}
			if c := decodeBody(t, s.gh.WritesTo("POST", p+"/git/commits")[0]); c["message"] != "Fix #7: Add subtracts" ||
				!reflect.DeepEqual(c["parents"], []any{s.remote.Head}) {
				t.Errorf("commit = %v", c)
			}
			owner, name, _ := strings.Cut(tt.wantBranchIn, "/")
			if got := s.gh.Branches(owner, name); !reflect.DeepEqual(got, []string{"codetree/issue-7", "main"}) {
				t.Errorf("branches of %s = %v", tt.wantBranchIn, got)
			}
			if tt.wantFork != "" {
				if n := len(s.gh.WritesTo("POST", "/repos/octo/calc/forks")); n != 1 {
					t.Errorf("%d forks, want 1", n)
				}
				// GitHub answered 202 and made the fork in the background: Fork
				// looked for it until it existed (two 404s, then 200).
				if n := s.gh.ForkLooks(); tt.wantForkPolling && n != s.gh.ForkPending+1 {
					t.Errorf("the fork was looked for %d times, want %d", n, s.gh.ForkPending+1)
				}
				if got := s.gh.Branches("octo", "calc"); !reflect.DeepEqual(got, []string{"main"}) {
					t.Errorf("branches of octo/calc = %v: wrote to the repository the token cannot push to", got)
				}
			}
			prs := s.gh.WritesTo("POST", "/repos/octo/calc/pulls")
			if len(prs) != 1 {
				t.Fatalf("pull requests = %v", prs)
			}
			pr := decodeBody(t, prs[0])
			if pr["head"] != tt.wantHead || pr["base"] != "main" || pr["title"] != "Fix #7: Add subtracts" ||
				!strings.Contains(pr["body"].(string), "Fixes #7") || !strings.Contains(pr["body"].(string), "passes with it.") ||
				pr["maintainer_can_modify"] != true {
				t.Errorf("pull request = %v", pr)
			}
			if res.PullRequest != "https://example.test/repos/octo/calc/pull/99" || res.Branch != "codetree/issue-7" || res.Fork != tt.wantFork {
				t.Errorf("result = pull request %q, branch %q, fork %q", res.PullRequest, res.Branch, res.Fork)
			}
			if len(s.gh.WritesTo("POST", "/comments")) != 0 {
				t.Error("commented without --comment")
			}
		})
	}
}

// TestRunGitHubErrors: each failure of GitHub before the search is a clear
// error; nothing is written to GitHub, the model is never asked, and the
// token shows nowhere.
func TestRunGitHubErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		setup    func(s *runSetup, o *Options)
		want     []string
		rateLim  bool
		notFound bool
	}{
		{name: "401 bad token", setup: func(s *runSetup, _ *Options) { s.gh.Token = "ghp_SOMEONEELSE" },
			want: []string{"get issue octo/calc#7: the token was refused: check GITHUB_TOKEN"}},
		{name: "404 no such issue", setup: func(_ *runSetup, o *Options) { o.Ref.Number = 8 },
			want: []string{"get issue octo/calc#8: not found, or private and the token cannot see it"}, notFound: true},
		{name: "private repository without a token", setup: func(s *runSetup, o *Options) { s.gh.Private = true; *o = s.options(t, "") },
			want: []string{"get issue octo/calc#7: not found; if the repository is private, a token is needed: set GITHUB_TOKEN"}, notFound: true},
		{name: "403 rate limit", setup: func(s *runSetup, _ *Options) { s.gh.Status, s.gh.RateLimited = 403, true },
			want: []string{"get issue octo/calc#7: GitHub rate limit exceeded: retry after 2100-01-01T00:00:00Z"}, rateLim: true},
		{name: "429 with Retry-After", setup: func(s *runSetup, _ *Options) { s.gh.Status, s.gh.RetryAfter = 429, "120" },
			want: []string{"get issue octo/calc#7: GitHub secondary rate limit exceeded: retry after 2m0s"}, rateLim: true},
		{name: "an issue that is a pull request", setup: func(s *runSetup, _ *Options) { s.gh.PullRequest = true },
			want: []string{"get issue octo/calc#7: it is a pull request, not an issue"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newRunSetup(t)
			o := s.options(t, testToken)
			tt.setup(s, &o)
			o.PullRequest, o.Comment = true, true
			res, err := Run(t.Context(), o)
			if err == nil {
				t.Fatalf("Run = %+v, want an error", res)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error = %q, want %q", err, w)
				}
			}
			if got := ghissue.IsRateLimited(err); got != tt.rateLim {
				t.Errorf("IsRateLimited = %v, want %v", got, tt.rateLim)
			}
			if got := ghissue.IsNotFound(err); got != tt.notFound {
				t.Errorf("IsNotFound = %v, want %v", got, tt.notFound)
			}
			if w := s.gh.Writes(); len(w) != 0 {
				t.Errorf("wrote to GitHub: %+v", w)
			}
			if len(s.model.asked()) != 0 || len(s.remote.seen()) != 0 {
				t.Error("went on after the error (asked the model or cloned)")
			}
			s.assertNoTokenAnywhere(t, res, err)
		})
	}
}

// TestRunPullRequestFailures: failures while the branch and the pull request
// are made give a clear error and leave nothing half-done on the remote: no
// branch when the base is gone or the branch exists; the branch deleted
// again when the pull request fails; when that deletion fails too, the error
// says what is left and how to remove it.
func TestRunPullRequestFailures(t *testing.T) {
	t.Parallel()
	rateLimited := ghissuetest.Answer{Status: 403, Message: "API rate limit exceeded",
		Header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4102444800"}}
	tests := []struct {
		name         string
		setup        func(s *runSetup)
		canPush      bool
		want         []string
		wantBranches map[string][]string // "owner/repo" -> its branches after Run
		wantBranch   string              // res.Branch: the branch left behind
		wantDeletes  int
		noGitWrites  bool // nothing at all was written through the Git Data API
	}{
		{name: "the base branch was deleted", canPush: true,
			setup: func(s *runSetup) { s.gh.DeleteBranch("octo", "calc", "main") },
			want: []string{"create branch codetree/issue-7 in octo/calc: base branch main: no such branch (deleted or renamed",
				"nothing was written"},
			wantBranches: map[string][]string{"octo/calc": nil}, noGitWrites: true},
		{name: "the branch exists already", canPush: true,
			setup:        func(s *runSetup) { s.gh.AddBranch("octo", "calc", "codetree/issue-7", "earlier") }, // an earlier run's
			want:         []string{"create branch codetree/issue-7 in octo/calc: the branch already exists", "nothing was written", "--delete codetree/issue-7"},
			wantBranches: map[string][]string{"octo/calc": {"codetree/issue-7", "main"}}, noGitWrites: true},
		{name: "rate limit on the pull request", canPush: true,
			setup: func(s *runSetup) {
				s.gh.Fail = map[string]ghissuetest.Answer{"POST /repos/octo/calc/pulls": rateLimited}
			},
			want: []string{"open pull request codetree/issue-7 -> main in octo/calc: GitHub rate limit exceeded: retry after 2100-01-01T00:00:00Z",
				"the branch codetree/issue-7 made for it was deleted from octo/calc again, nothing is left of it"},
			wantBranches: map[string][]string{"octo/calc": {"main"}}, wantDeletes: 1},
		{name: "the branch was deleted before the pull request", canPush: true,
			setup: func(s *runSetup) {
				s.gh.BeforeWrite = func(method, path string) {
					if method == "POST" && strings.HasSuffix(path, "/pulls") {
						s.gh.DeleteBranch("octo", "calc", "codetree/issue-7")
					}
				}
			},
			want: []string{"GitHub answered 422 Unprocessable Entity: Validation Failed; head invalid",
				"the branch codetree/issue-7 made for it is no longer in octo/calc (deleted meanwhile?), nothing is left of it"},
			wantBranches: map[string][]string{"octo/calc": {"main"}}, wantDeletes: 1},
		{name: "the pull request and the deletion fail", canPush: true,
			setup: func(s *runSetup) {
				s.gh.Fail = map[string]ghissuetest.Answer{
					"POST /repos/octo/calc/pulls":                             {Status: 500, Message: "boom"},
					"DELETE /repos/octo/calc/git/refs/heads/codetree/issue-7": {Status: 500, Message: "boom again"},
				}
			},
			want: []string{"GitHub answered 500 Internal Server Error: boom;",
				"deleting the branch codetree/issue-7 made for it failed too", "it is left in octo/calc; delete it (git push <remote> --delete codetree/issue-7"},
			wantBranches: map[string][]string{"octo/calc": {"codetree/issue-7", "main"}}, wantBranch: "codetree/issue-7", wantDeletes: 1},
		{name: "the pull request from a fork fails",
			setup: func(s *runSetup) {
				s.gh.Fail = map[string]ghissuetest.Answer{"POST /repos/octo/calc/pulls": {Status: 403, Message: "Resource not accessible by integration"}}
			},
			want: []string{"GitHub answered 403 Forbidden: Resource not accessible by integration",
				"the branch codetree/issue-7 made for it was deleted from bot/calc again, nothing is left of it; the fork bot/calc stays"},
			wantBranches: map[string][]string{"bot/calc": {"main"}, "octo/calc": {"main"}}, wantDeletes: 1},
		{name: "the fork is named otherwise",
			setup:        func(s *runSetup) { s.gh.ForkName = "calc-1" },
			want:         []string{"fork octo/calc: the fork is bot/calc-1, not bot/calc; rename it to calc"},
			wantBranches: map[string][]string{"bot/calc-1": {"main"}, "octo/calc": {"main"}}, noGitWrites: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newRunSetup(t)
			s.gh.CanPush = tt.canPush
			tt.setup(s)
			o := s.options(t, testToken)
			o.PullRequest, o.Comment = true, true
			res, err := Run(t.Context(), o)
			if err == nil {
				t.Fatalf("Run = %+v, want an error", res)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error = %q\nwant %q", err, w)
				}
			}
			for full, want := range tt.wantBranches {
				owner, name, _ := strings.Cut(full, "/")
				if got := s.gh.Branches(owner, name); !reflect.DeepEqual(got, want) {
					t.Errorf("branches of %s = %v, want %v", full, got, want)
				}
			}
			if res == nil || res.PullRequest != "" || res.Comment != "" || res.Branch != tt.wantBranch {
				t.Errorf("result = %+v, want no pull request, no comment, branch %q", res, tt.wantBranch)
			}
			if n := len(s.gh.WritesTo("DELETE", "/git/refs/heads/codetree/issue-7")); n != tt.wantDeletes {
				t.Errorf("%d branch deletions, want %d", n, tt.wantDeletes)
			}
			if tt.noGitWrites {
				for _, w := range s.gh.Writes() {
					if strings.Contains(w.Path, "/git/") || strings.HasSuffix(w.Path, "/pulls") {
						t.Errorf("wrote %s %s", w.Method, w.Path)
					}
				}
			}
			if n := len(s.gh.WritesTo("POST", "/comments")); n != 0 {
				t.Errorf("commented after a failed pull request")
			}
			s.assertNoTokenAnywhere(t, res, err)
		})
	}
}

// TestUndoBranchWithoutDeleteBranch: a GitHub that cannot delete branches
// leaves the branch, and the error says where it is and how to remove it.
func TestUndoBranchWithoutDeleteBranch(t *testing.T) {
	t.Parallel()
	s := newRunSetup(t)
	c := s.options(t, testToken).GitHub
	o := Options{Ref: ghissue.Ref{Owner: "octo", Repo: "calc", Number: 7}, GitHub: struct{ GitHub }{c}}
	res := &Result{}
	err := o.undoBranch(t.Context(), errors.New("open pull request: boom"), "octo", "codetree/issue-7", res)
	if err == nil || !strings.Contains(err.Error(), "open pull request: boom; the branch codetree/issue-7 is left in octo/calc: delete it (git push <remote> --delete codetree/issue-7)") {
		t.Errorf("err = %v", err)
	}
	if res.Branch != "codetree/issue-7" {
		t.Errorf("res.Branch = %q, want the branch left", res.Branch)
	}
}
