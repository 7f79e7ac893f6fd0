package agent

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// closedURL is the base URL of a port where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/v1"
}

func TestPreflight(t *testing.T) {
	models := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/models" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+testKey {
			http.Error(w, `{"error":{"message":"bad key `+r.Header.Get("Authorization")+`"}}`, http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"object":"list","data":[{"id":"gpt-4o-mini"}]}`))
	}))
	defer models.Close()
	noModels := httptest.NewServer(http.NotFoundHandler()) // a server without /models
	defer noModels.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer broken.Close()

	for _, tc := range []struct {
		name, url string
		key       Secret
		class     ErrorClass // ClassUnknown: passes
	}{
		{"answers", models.URL + "/v1", testKey, ClassUnknown},
		{"no /models", noModels.URL + "/v1", testKey, ClassUnknown},
		{"5xx is transient", broken.URL + "/v1", testKey, ClassUnknown},
		{"key refused", models.URL + "/v1", "sk-wrong-key-1234", Auth},
		{"nothing listens", closedURL(t), testKey, Network},
		{"unknown host", "http://codetree-no-such-host.invalid/v1", testKey, Network},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, tc.url, func(cfg *Config) { cfg.APIKey = tc.key })
			err := c.Preflight(context.Background())
			if tc.class == ClassUnknown {
				if err != nil {
					t.Fatalf("Preflight: %v, want it to pass", err)
				}
				return
			}
			if ClassOf(err) != tc.class || !Unrecoverable(err) {
				t.Fatalf("Preflight: %v (class %s), want an unrecoverable %s error", err, ClassOf(err), tc.class)
			}
			if tc.key != "" && strings.Contains(err.Error(), string(tc.key)) {
				t.Errorf("the error holds the key: %v", err)
			}
			if !strings.Contains(err.Error(), strings.TrimSuffix(tc.url, "/v1")) {
				t.Errorf("the error does not name the endpoint: %v", err)
			}
		})
	}
}

// TestUnrecoverable: the classes no retry cures, from real calls.
func TestUnrecoverable(t *testing.T) {
	status := func(code int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"error":{"message":"no"}}`, code)
		}))
		t.Cleanup(srv.Close)
		return srv.URL + "/v1"
	}
	for _, tc := range []struct {
		name string
		url  string
		want bool
	}{
		{"401", status(http.StatusUnauthorized), true},
		{"404 unknown model", status(http.StatusNotFound), true},
		{"connection refused", closedURL(t), true},
		{"400", status(http.StatusBadRequest), false},
		{"429", status(http.StatusTooManyRequests), false},
		{"500", status(http.StatusInternalServerError), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, tc.url, func(cfg *Config) { cfg.MaxRetries = 0 })
			_, err := c.Complete(context.Background(), userRequest(RoleSolver, "p1", "hi"))
			if err == nil {
				t.Fatal("Complete succeeded")
			}
			if got := Unrecoverable(err); got != tc.want {
				t.Errorf("Unrecoverable(%v) = %v, want %v", err, got, tc.want)
			}
		})
	}
	if Unrecoverable(context.Canceled) {
		t.Error("a canceled context is not an endpoint failure")
	}
}
