package ghissue

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

func TestErrorsAreClassifiedAndNeverShowTheToken(t *testing.T) {
	t.Parallel()
	reset := time.Now().Add(17 * time.Minute).Truncate(time.Second)
	tests := []struct {
		name        string
		status      int
		header      map[string]string
		body        map[string]any
		refused     bool // no server listening
		wantText    string
		wantStatus  int // an *APIError with this status; 0: not one
		wantLimited bool
		check       func(t *testing.T, err error)
	}{
		{name: "401", status: 401, body: map[string]any{"message": "Bad credentials"},
			wantText: "the token was refused: check GITHUB_TOKEN", wantStatus: 401},
		{name: "404", status: 404, body: map[string]any{"message": "Not Found"},
			wantText: "not found, or private and the token cannot see it", wantStatus: 404},
		{name: "500", status: 500, body: map[string]any{"message": "Server Error"},
			wantText: "GitHub answered 500 Internal Server Error: Server Error", wantStatus: 500},
		{name: "422 echoing the token", status: 422,
			body:     map[string]any{"message": "Validation Failed: token " + testToken + " rejected", "errors": []map[string]any{{"message": "bad " + testToken}}},
			wantText: "GitHub answered 422 Unprocessable Entity: Validation Failed: token [redacted] rejected; bad [redacted]", wantStatus: 422},
		{name: "primary rate limit", status: 403,
			header:   map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "5000", "X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10)},
			body:     map[string]any{"message": "API rate limit exceeded"},
			wantText: "rate limit exceeded: retry after " + reset.UTC().Format(time.RFC3339), wantLimited: true,
			check: func(t *testing.T, err error) {
				var rl *RateLimitError
				if !errors.As(err, &rl) || rl.Secondary || !rl.Reset.Equal(reset) {
					t.Errorf("rate limit error = %#v, want primary with Reset %v", rl, reset)
				}
				var gh *github.RateLimitError
				if !errors.As(err, &gh) {
					t.Errorf("error does not unwrap to *github.RateLimitError")
				}
			}},
		{name: "secondary rate limit", status: 403,
			header: map[string]string{"Retry-After": "90"},
			body: map[string]any{"message": "You have exceeded a secondary rate limit",
				"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"},
			wantText: "secondary rate limit exceeded: retry after 1m30s", wantLimited: true,
			check: func(t *testing.T, err error) {
				var rl *RateLimitError
				if !errors.As(err, &rl) || !rl.Secondary || rl.RetryAfter != 90*time.Second {
					t.Errorf("rate limit error = %#v, want secondary, RetryAfter 90s", rl)
				}
			}},
		{name: "429", status: 429, header: map[string]string{"Retry-After": "30"},
			body: map[string]any{"message": "Too Many Requests"}, wantText: "secondary rate limit exceeded: retry after 30s", wantLimited: true,
			check: func(t *testing.T, err error) {
				var rl *RateLimitError
				if !errors.As(err, &rl) || !rl.Secondary || rl.RetryAfter != 30*time.Second {
					t.Errorf("rate limit error = %#v, want secondary, RetryAfter 30s", rl)
				}
				// go-github v60 leaves a 429 a plain *github.ErrorResponse.
				var gh *github.ErrorResponse
				if !errors.As(err, &gh) || gh.Response.StatusCode != 429 {
					t.Errorf("error does not unwrap to go-github's 429 *github.ErrorResponse")
				}
				if now := time.Now(); rl.RetryAt(now) != now.Add(30*time.Second) {
					t.Errorf("RetryAt = %v, want now + 30s", rl.RetryAt(now))
				}
			}},
		{name: "429 with an HTTP date", status: 429,
			header:   map[string]string{"Retry-After": time.Now().Add(2 * time.Minute).UTC().Format(http.TimeFormat)},
			body:     map[string]any{"message": "Too Many Requests"},
			wantText: "secondary rate limit exceeded: retry after ", wantLimited: true,
			check: func(t *testing.T, err error) {
				var rl *RateLimitError
				if !errors.As(err, &rl) || rl.RetryAfter < 100*time.Second || rl.RetryAfter > 121*time.Second {
					t.Errorf("rate limit error = %#v, want RetryAfter about 2m", rl)
				}
			}},
		{name: "429 primary", status: 429,
			header:   map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10), "Retry-After": "5"},
			body:     map[string]any{"message": "API rate limit exceeded"},
			wantText: "GitHub rate limit exceeded: retry after " + reset.UTC().Format(time.RFC3339), wantLimited: true},
		{name: "429 without a time", status: 429, body: map[string]any{"message": "Too Many Requests"},
			wantText: "secondary rate limit exceeded: retry in a few minutes", wantLimited: true},
		{name: "connection refused", refused: true, wantText: "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c *Client
			if tt.refused {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				addr := l.Addr().String()
				l.Close()
				c, err = New(nil, testToken, "http://"+addr+"/")
				if err != nil {
					t.Fatalf("New: %v", err)
				}
			} else {
				f := newFake(t)
				f.handle("GET /repos/octo/hello", func(w http.ResponseWriter, _ *http.Request) {
					for k, v := range tt.header {
						w.Header().Set(k, v)
					}
					writeJSON(w, tt.status, tt.body)
				})
				c = f.client(t)
			}
			_, err := c.Repo(t.Context(), "octo", "hello")
			if err == nil {
				t.Fatal("Repo: no error")
			}
			assertNoToken(t, err)
			if !strings.Contains(err.Error(), tt.wantText) || !strings.HasPrefix(err.Error(), "get repository octo/hello: ") {
				t.Errorf("error = %q, want it to start with the operation and contain %q", err, tt.wantText)
			}
			var ae *APIError
			if gotStatus := 0; errors.As(err, &ae) {
				gotStatus = ae.StatusCode
				if gotStatus != tt.wantStatus {
					t.Errorf("APIError status = %d, want %d", gotStatus, tt.wantStatus)
				}
			} else if tt.wantStatus != 0 {
				t.Errorf("error %q is not an *APIError", err)
			}
			if got := IsRateLimited(err); got != tt.wantLimited {
				t.Errorf("IsRateLimited = %v, want %v", got, tt.wantLimited)
			}
			if got := IsNotFound(err); got != (tt.wantStatus == 404) {
				t.Errorf("IsNotFound = %v", got)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestCancelledContextIsNotRetriedNorHidden(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	calls := 0
	f.handle("GET /repos/octo/hello", func(w http.ResponseWriter, _ *http.Request) {
		calls++
		writeJSON(w, http.StatusOK, map[string]any{"name": "hello"})
	})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := f.client(t).Repo(ctx, "octo", "hello")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if IsRateLimited(err) || calls != 0 {
		t.Errorf("cancelled call: rate limited %v, %d requests", IsRateLimited(err), calls)
	}
	assertNoToken(t, err)
}

func TestClientNeverPrintsTheToken(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client(t)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{c, *c} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, testToken) {
				t.Errorf("Sprintf(%q, client) shows the token: %s", verb, s)
			}
		}
	}
	if s := c.String(); !strings.Contains(s, "[redacted]") || !strings.Contains(s, f.srv.URL+"/api/v3/") {
		t.Errorf("String() = %q, want the API URL and [redacted]", s)
	}
}

func TestNewBadEnterpriseURL(t *testing.T) {
	t.Parallel()
	_, err := New(nil, testToken, "://bad")
	if err == nil || !strings.Contains(err.Error(), "github enterprise URL") {
		t.Fatalf("New with a bad URL: err = %v", err)
	}
	assertNoToken(t, err)
}

// TestErrorsWithoutAToken: without a token, a 404 may be a private repository and a 401
// a request that needs a token: the errors say to set GITHUB_TOKEN.
func TestErrorsWithoutAToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		want   string
	}{
		{http.StatusNotFound, "get repository octo/hello: not found; if the repository is private, a token is needed: set GITHUB_TOKEN to a token that can read it"},
		{http.StatusUnauthorized, "get repository octo/hello: GitHub wants a token for this: set GITHUB_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			t.Parallel()
			var auth string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				auth = r.Header.Get("Authorization")
				writeJSON(w, tt.status, map[string]any{"message": http.StatusText(tt.status)})
			}))
			t.Cleanup(srv.Close)
			c, err := New(srv.Client(), "", srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Repo(t.Context(), "octo", "hello")
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if auth != "" {
				t.Errorf("Authorization %q sent without a token", auth)
			}
		})
	}
}
