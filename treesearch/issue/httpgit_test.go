package issue

import (
	"encoding/base64"
	"io/fs"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// httpRemote is a bare repository served by git's own smart-HTTP backend (git
// http-backend as a CGI program) behind basic authentication that wants the
// token the way GitHub does (user x-access-token, password the token). It
// records what each request carried.
type httpRemote struct {
	URL  string // the clone URL, without credentials
	Head string // the commit of its default branch

	mu       sync.Mutex
	requests []remoteRequest
}

type remoteRequest struct {
	URL        string // the request's URL (path and query)
	Authorized bool   // it carried the expected token
	HadAuth    bool   // it carried an Authorization header at all
}

// newHTTPRemote serves a bare repository of files (see bareRemote) at
// URL, wanting token ("" wants none).
func newHTTPRemote(t *testing.T, token string, files map[string]string) *httpRemote {
	t.Helper()
	bare := bareRemote(t, files)
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Fatalf("git --exec-path: %v", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		t.Fatalf("git http-backend: %v", err)
	}
	cgiHandler := &cgi.Handler{Path: backend, Root: "/git",
		Env: []string{"GIT_PROJECT_ROOT=" + filepath.Dir(bare), "GIT_HTTP_EXPORT_ALL=1"}}
	r := &httpRemote{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		user, pass, hasAuth := req.BasicAuth()
		ok := token == "" || (hasAuth && user == "x-access-token" && pass == token)
		r.mu.Lock()
		r.requests = append(r.requests, remoteRequest{URL: req.URL.String(), Authorized: ok && token != "",
			HadAuth: req.Header.Get("Authorization") != ""})
		r.mu.Unlock()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		cgiHandler.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/git/" + filepath.Base(bare)
	head, err := exec.Command("git", "-C", bare, "rev-parse", "main").Output()
	if err != nil {
		t.Fatalf("git rev-parse main: %v", err)
	}
	r.Head = strings.TrimSpace(string(head))
	return r
}

func (r *httpRemote) seen() []remoteRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]remoteRequest(nil), r.requests...)
}

// secretForms are the token and the forms git could carry it in: the
// basic credentials of the Authorization header.
func secretForms(token string) []string {
	return []string{token, base64.StdEncoding.EncodeToString([]byte("x-access-token:" + token))}
}

// assertNoSecret fails when any of texts holds the token in any form.
func assertNoSecret(t *testing.T, what string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, f := range secretForms(testToken) {
			if strings.Contains(s, f) {
				t.Errorf("%s holds the token (%q): %s", what, f, s)
			}
		}
	}
}

// assertNoSecretInTree fails when a file under dir (.git included) holds
// the token in any form.
func assertNoSecretInTree(t *testing.T, dir string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		n++
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, f := range secretForms(testToken) {
			if strings.Contains(string(data), f) {
				t.Errorf("%s holds the token (%q)", p, f)
			}
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Errorf("walk %s: %v (%d files)", dir, err, n)
	}
}

// TestCloneOverSmartHTTP clones from git's smart-HTTP backend that wants the
// token: the clone works, the token went only in the Authorization header
// (never in a URL the server saw), and it is in no file of the clone (its
// remote URL has no credentials), in no argument of any git process (GIT_TRACE
// logs every one, the remote helper's included) and in no error.
func TestCloneOverSmartHTTP(t *testing.T) {
	t.Parallel()
	remote := newHTTPRemote(t, testToken, map[string]string{"a.txt": "a\n"})
	dir := filepath.Join(t.TempDir(), "calc")
	trace := filepath.Join(t.TempDir(), "trace.log")
	if err := clone(t.Context(), remote.URL, dir, "other", Secret(testToken), []string{"GIT_TRACE=" + trace}); err != nil {
		t.Fatalf("clone: %v", err)
	}
	for _, name := range []string{"a.txt", "other.txt"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s not checked out: %v", name, err)
		}
	}
	reqs := remote.seen()
	if len(reqs) == 0 {
		t.Fatal("the remote saw no request")
	}
	for _, r := range reqs {
		if !r.Authorized {
			t.Errorf("request %s did not carry the token", r.URL)
		}
		assertNoSecret(t, "a request URL", r.URL)
	}

	assertNoSecretInTree(t, dir)
	out, err := exec.Command("git", "-C", dir, "config", "--get", "remote.origin.url").Output()
	if got := strings.TrimSpace(string(out)); err != nil || got != remote.URL {
		t.Errorf("remote.origin.url = %q (%v), want %q", got, err, remote.URL)
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, ".git", "config"))
	if strings.Contains(strings.ToLower(string(cfg)), "extraheader") || strings.Contains(string(cfg), "@127.0.0.1") {
		t.Errorf(".git/config keeps a header or credentials:\n%s", cfg)
	}

	// GIT_TRACE logs the arguments of every git process: the clone, the
	// remote helper and the checkout.
	log, err := os.ReadFile(trace)
	if err != nil {
		t.Fatalf("trace: %v", err)
	}
	for _, want := range []string{"clone", "remote-http", "checkout", remote.URL} {
		if !strings.Contains(string(log), want) {
			t.Errorf("the trace lacks %q (did it trace every process?):\n%s", want, log)
		}
	}
	assertNoSecret(t, "a git process's arguments (GIT_TRACE)", string(log))

	cmd := gitCommand(t.Context(), "", remote.URL, Secret(testToken), nil, "clone", "--", remote.URL, dir)
	assertNoSecret(t, "the command's arguments", strings.Join(cmd.Args, " "))
}

// TestCloneOverSmartHTTPRefused: a remote that refuses the token, or wants one
// when none was given, gives an error that says what to do and never shows
// the token.
func TestCloneOverSmartHTTPRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		serverToken string
		token       Secret
		want        string
	}{
		{name: "wrong token", serverToken: "ghp_OTHER", token: Secret(testToken), want: "the remote refused the token: check that GITHUB_TOKEN"},
		{name: "no token for a private repository", serverToken: testToken, token: "", want: "the repository may be private, set GITHUB_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			remote := newHTTPRemote(t, tt.serverToken, map[string]string{"a.txt": "a\n"})
			dir := filepath.Join(t.TempDir(), "calc")
			err := Clone(t.Context(), remote.URL, dir, "", tt.token)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "clone "+remote.URL+": git clone: ") {
				t.Fatalf("Clone: err = %v, want %q", err, tt.want)
			}
			assertNoSecret(t, "the error", err.Error())
			if tt.token == "" {
				for _, r := range remote.seen() {
					if r.HadAuth {
						t.Errorf("request %s carried credentials though no token was given", r.URL)
					}
				}
			}
		})
	}
}

func TestCloneRefusesCredentialsInTheURL(t *testing.T) {
	t.Parallel()
	err := Clone(t.Context(), "https://me:hunter2@github.invalid/o/r.git", filepath.Join(t.TempDir(), "r"), "", "")
	if err == nil || !strings.Contains(err.Error(), "holds a password") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Clone = %v, want a refusal that does not show the password", err)
	}
}
