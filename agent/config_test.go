package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codetree/codetree/agent/agenttest"
)

const sentinelKey = "sk-SENTINEL-do-not-leak-4f2a9c"

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Model = "gpt-4o"
	cfg.APIKey = sentinelKey
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg, "key", cfg.APIKey)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "key", cfg.APIKey)
	outputs := map[string]string{
		"%v":       fmt.Sprintf("%v", cfg),
		"%+v":      fmt.Sprintf("%+v", cfg),
		"%#v":      fmt.Sprintf("%#v", cfg),
		"%s key":   fmt.Sprintf("%s", cfg.APIKey),
		"%q key":   fmt.Sprintf("%q", cfg.APIKey),
		"%x key":   fmt.Sprintf("%x", cfg.APIKey),
		"json":     string(js),
		"slog":     logs.String(),
		"String()": cfg.APIKey.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, sentinelKey) || strings.Contains(out, fmt.Sprintf("%x", sentinelKey)) {
			t.Errorf("%s prints the key: %s", name, out)
		}
	}
	if !strings.Contains(outputs["%v"], "[redacted]") || !strings.Contains(string(js), `"APIKey":"[redacted]"`) {
		t.Errorf("want [redacted] in %s and %s", outputs["%v"], js)
	}
	if Secret("").String() != "" {
		t.Errorf("empty secret prints %q, want nothing", Secret("").String())
	}
}

// lockedBuffer is a log sink safe for the client's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestAPIKeyNeverLeaks drives every error class against a server that
// echoes the key it receives, and checks errors and logs.
func TestAPIKeyNeverLeaks(t *testing.T) {
	t.Parallel()
	echoKey := func(status int) func(agenttest.RecordedRequest) agenttest.Reply {
		return func(r agenttest.RecordedRequest) agenttest.Reply {
			return agenttest.Reply{Status: status, Body: agenttest.ErrorBody("you sent " + r.Authorization)}
		}
	}
	tests := []struct {
		name   string
		server func(t *testing.T) string // returns the base URL
		edit   func(*Config)
		want   ErrorClass
	}{
		{name: "auth", want: Auth, server: func(t *testing.T) string {
			return agenttest.NewServer(t, agenttest.WithAPIKey("sk-the-right-one")).URL()
		}},
		{name: "rate limited", want: RateLimited, server: func(t *testing.T) string {
			return agenttest.NewServer(t, agenttest.WithHandler(echoKey(429))).URL()
		}},
		{name: "server error", want: ServerError, server: func(t *testing.T) string {
			return agenttest.NewServer(t, agenttest.WithHandler(echoKey(500))).URL()
		}},
		{name: "bad request", want: BadRequest, server: func(t *testing.T) string {
			return agenttest.NewServer(t, agenttest.WithHandler(echoKey(400))).URL()
		}},
		{name: "server error, plain text", want: ServerError, server: func(t *testing.T) string {
			return agenttest.NewServer(t, agenttest.WithHandler(func(r agenttest.RecordedRequest) agenttest.Reply {
				return agenttest.Reply{Status: 502, Body: "proxy saw " + r.Authorization}
			})).URL()
		}},
		{name: "malformed", want: MalformedResponse, server: func(t *testing.T) string {
			return agenttest.NewServer(t, agenttest.WithHandler(func(r agenttest.RecordedRequest) agenttest.Reply {
				return agenttest.Reply{Body: r.Authorization}
			})).URL()
		}},
		{name: "timeout", want: Timeout, edit: func(c *Config) { c.RequestTimeout = 50 * time.Millisecond }, server: func(t *testing.T) string {
			return agenttest.NewServer(t, agenttest.WithHandler(func(agenttest.RecordedRequest) agenttest.Reply {
				return agenttest.Reply{Delay: time.Minute}
			})).URL()
		}},
		{name: "network", want: Network, server: func(t *testing.T) string {
			s := agenttest.NewServer(t)
			s.Close()
			return s.URL()
		}},
		{name: "budget", want: BudgetExceeded, edit: func(c *Config) { c.Budget.MaxCost = 1e-9 }, server: func(t *testing.T) string {
			return agenttest.NewServer(t).URL()
		}},
		{name: "cache miss", want: CacheMiss, server: func(t *testing.T) string { return agenttest.NewServer(t).URL() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs := &lockedBuffer{}
			url := tt.server(t)
			dir := t.TempDir()
			if tt.want == CacheMiss { // record an empty file, then replay it
				c, _ := newTestClient(t, url, cacheAt(filepath.Join(dir, "empty.jsonl"), CacheReadWrite))
				_ = c.Close()
			}
			c, _ := newTestClient(t, url, func(cfg *Config) {
				cfg.APIKey = sentinelKey
				cfg.MaxRetries = 1
				cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				if tt.want == CacheMiss {
					cfg.Cache = CacheConfig{Path: filepath.Join(dir, "empty.jsonl"), Mode: CacheReplay}
				} else if tt.edit != nil {
					tt.edit(cfg)
				}
			})
			_, err := c.Complete(t.Context(), userRequest(RoleSolver, "p", "x"))
			if ClassOf(err) != tt.want {
				t.Fatalf("error %v, want class %v", err, tt.want)
			}
			asError(t, err)
			texts := map[string]string{
				"Error()":      err.Error(),
				"%+v":          fmt.Sprintf("%+v", err),
				"%#v":          fmt.Sprintf("%#v", err),
				"Unwrap chain": unwrapAll(err),
				"logs":         logs.String(),
			}
			for name, s := range texts {
				if strings.Contains(s, sentinelKey) {
					t.Errorf("%s holds the API key: %s", name, s)
				}
			}
			if tt.want.Infrastructure() && !strings.Contains(logs.String(), "chat completion") {
				t.Errorf("no log line about the call; the check would be vacuous: %s", logs.String())
			}
		})
	}
}

// unwrapAll prints every error in the chain.
func unwrapAll(err error) string {
	var b strings.Builder
	for err != nil {
		fmt.Fprintf(&b, "%v | %#v\n", err, err)
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	return b.String()
}

func TestDefaultConfig(t *testing.T) {
	t.Parallel()
	d := DefaultConfig()
	if d.Temperature != 0 || d.RequestTimeout != 120*time.Second || d.MaxRetries != 6 || d.RetryBase != time.Second ||
		d.RetryMax != time.Minute || d.Concurrency != 4 || d.BaseURL != "https://api.openai.com/v1" {
		t.Errorf("DefaultConfig() = %+v", d)
	}
	if _, ok := d.Prices.Lookup("gpt-4o"); !ok {
		t.Errorf("default prices miss gpt-4o")
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string
	}{
		{name: "ok", edit: func(*Config) {}},
		{name: "no model", edit: func(c *Config) { c.Model = "" }, wantErr: "no model"},
		{name: "no base URL", edit: func(c *Config) { c.BaseURL = "" }, wantErr: "base URL"},
		{name: "relative base URL", edit: func(c *Config) { c.BaseURL = "localhost:8000/v1" }, wantErr: "base URL"},
		{name: "bad base URL", edit: func(c *Config) { c.BaseURL = "http://[::1" }, wantErr: "base URL"},
		{name: "temperature", edit: func(c *Config) { c.Temperature = 3 }, wantErr: "temperature"},
		{name: "negative retries", edit: func(c *Config) { c.MaxRetries = -1 }, wantErr: "retries"},
		{name: "cache without file", edit: func(c *Config) { c.Cache.Mode = CacheReadWrite }, wantErr: "no cache file"},
		{name: "zero durations take defaults", edit: func(c *Config) { c.RequestTimeout, c.RetryBase, c.Concurrency = 0, 0, 0 }},
		{name: "cost cap with a priced model", edit: func(c *Config) { c.Budget.MaxCost = 4 }},
		{name: "cost cap without a price", edit: func(c *Config) { c.Model, c.Budget.MaxCost = "llama3", 4 }, wantErr: "pass a price file"},
		{name: "cost cap without max tokens", edit: func(c *Config) { c.MaxTokens, c.Budget.MaxCost = 0, 4 }, wantErr: "max tokens"},
		{name: "negative cap", edit: func(c *Config) { c.Budget.MaxCost = -1 }, wantErr: "max cost"},
		{name: "negative generations", edit: func(c *Config) { c.Budget.MaxGenerationsPerProblem = -1 }, wantErr: "generations"},
		{name: "unknown model, no cap", edit: func(c *Config) { c.Model = "llama3" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig()
			cfg.Model = "gpt-4o"
			tt.edit(&cfg)
			c, err := New(cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if c.cfg.RequestTimeout <= 0 || c.cfg.RetryBase <= 0 || cap(c.sem) <= 0 {
					t.Errorf("normalised config %+v", c.cfg)
				}
				_ = c.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New: %v, want an error saying %q", err, tt.wantErr)
			}
		})
	}
}
