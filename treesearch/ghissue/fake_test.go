package ghissue

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// testToken is what every test client sends; no error may contain it.
const testToken = "ghp_TESTSECRET0123456789abcdef"

// fakeGitHub is a real HTTP server answering the REST endpoints a test registers, under
// /api/v3/ as a GitHub Enterprise server does. It checks every request's Authorization
// header and records request bodies by route.
type fakeGitHub struct {
	t      *testing.T
	mux    *http.ServeMux
	srv    *httptest.Server
	mu     sync.Mutex
	bodies map[string][]string // pattern -> request bodies in order
}

func newFake(t *testing.T) *fakeGitHub {
	t.Helper()
	f := &fakeGitHub{t: t, mux: http.NewServeMux(), bodies: map[string][]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got, want := r.Header.Get("Authorization"), "Bearer "+testToken; got != want {
			t.Errorf("%s %s: Authorization = %q, want %q", r.Method, r.URL.Path, got, want)
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		f.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// handle registers h for pattern ("METHOD /repos/..."), under /api/v3.
func (f *fakeGitHub) handle(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	f.mux.HandleFunc(method+" /api/v3"+path, func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			f.t.Errorf("read body: %v", err)
		}
		f.mu.Lock()
		f.bodies[pattern] = append(f.bodies[pattern], string(b))
		f.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		h(w, r)
	})
}

// reply registers a handler answering status and v as JSON.
func (f *fakeGitHub) reply(pattern string, status int, v any) {
	f.handle(pattern, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, status, v) })
}

// requests returns the bodies received on pattern.
func (f *fakeGitHub) requests(pattern string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.bodies[pattern]...)
}

func (f *fakeGitHub) client(t *testing.T) *Client {
	t.Helper()
	c, err := New(f.srv.Client(), testToken, f.srv.URL)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.ForkPollInterval = time.Millisecond
	c.ForkPollTimeout = 5 * time.Second
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode unmarshals a recorded request body.
func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("request body %q: %v", body, err)
	}
	return m
}

// assertNoToken fails when err, printed any way, shows the token.
func assertNoToken(t *testing.T, err error) {
	t.Helper()
	for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(s, testToken) {
			t.Errorf("error shows the token: %s", s)
		}
	}
}
