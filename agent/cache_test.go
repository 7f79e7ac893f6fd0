package agent

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/agent/agenttest"
)

func cacheAt(path string, mode CacheMode) func(*Config) {
	return func(cfg *Config) { cfg.Cache = CacheConfig{Path: path, Mode: mode} }
}

// echo answers with the last message and a fixed usage.
func echo(r agenttest.RecordedRequest) agenttest.Reply {
	return agenttest.Reply{
		Content: "answer to " + r.Messages[len(r.Messages)-1].Content, FinishReason: "stop", Model: r.Model + "-0613",
		Usage: &agenttest.Usage{PromptTokens: 11, CompletionTokens: 7},
	}
}

func TestCacheHit(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t, agenttest.WithHandler(echo))
	path := filepath.Join(t.TempDir(), "sub", "cache.jsonl")
	c, _ := newTestClient(t, srv.URL(), cacheAt(path, CacheReadWrite))

	req := userRequest(RoleSolver, "p", "write f")
	first, err := c.Complete(t.Context(), req)
	if err != nil {
		t.Fatalf("first: %v", err)
	}
	second, err := c.Complete(t.Context(), req)
	if err != nil {
		t.Fatalf("second: %v", err)
	}
	if srv.Count() != 1 {
		t.Fatalf("server got %d requests, want 1: the second must come from the cache", srv.Count())
	}
	if first.Cached || !second.Cached || second.Cost != 0 {
		t.Errorf("cached %v then %v, second cost %g; want false, true, 0", first.Cached, second.Cached, second.Cost)
	}
	want := first
	want.Cached, want.Cost = true, 0
	if diff := cmp.Diff(want, second, cmpResponse); diff != "" {
		t.Errorf("cached Response (-want +got):\n%s", diff)
	}

	// Anything that changes the answer's distribution is a new entry.
	temp := 0.8
	variants := map[string]Request{
		"sample 1":    {Role: req.Role, Problem: req.Problem, Messages: req.Messages, Sample: 1},
		"temperature": {Role: req.Role, Problem: req.Problem, Messages: req.Messages, Temperature: &temp},
		"max tokens":  {Role: req.Role, Problem: req.Problem, Messages: req.Messages, MaxTokens: 99},
		"messages":    userRequest(RoleSolver, "p", "write g"),
	}
	for name, v := range variants {
		before := srv.Count()
		resp, err := c.Complete(t.Context(), v)
		if err != nil || resp.Cached || srv.Count() != before+1 {
			t.Errorf("%s: cached %v, requests %d -> %d, %v; want a new call", name, resp.Cached, before, srv.Count(), err)
		}
	}
	// Role and problem do not key the cache.
	if resp, err := c.Complete(t.Context(), Request{Role: RoleDebugger, Problem: "other", Messages: req.Messages}); err != nil || !resp.Cached {
		t.Errorf("same request from another role: cached %v, %v", resp.Cached, err)
	}
	if n := len(readLines(t, path)); n != 5 {
		t.Errorf("cache file has %d lines, want 5", n)
	}
}

func readLines(t *testing.T, path string) []cacheEntry {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []cacheEntry
	for _, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		var e cacheEntry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("cache line %q: %v", line, err)
		}
		out = append(out, e)
	}
	return out
}

func TestCacheReplayWithServerStopped(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t, agenttest.WithHandler(echo))
	path := filepath.Join(t.TempDir(), "run.jsonl")
	rec, _ := newTestClient(t, srv.URL(), cacheAt(path, CacheReadWrite))
	reqs := []Request{
		userRequest(RoleThinker, "p", "strategies"),
		userRequest(RoleSolver, "p", "solve <html> & \"quotes\"\nüñí"),
		{Role: RoleSolver, Problem: "p", Messages: []Message{{Role: "user", Content: "solve <html> & \"quotes\"\nüñí"}}, Sample: 3},
	}
	var recorded []Response
	for _, r := range reqs {
		resp, err := rec.Complete(t.Context(), r)
		if err != nil {
			t.Fatalf("record: %v", err)
		}
		recorded = append(recorded, resp)
	}
	if err := rec.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	srv.Close()

	// Replay needs no endpoint at all.
	c, _ := newTestClient(t, "", func(cfg *Config) {
		cfg.Cache = CacheConfig{Path: path, Mode: CacheReplay}
	})
	for i, r := range reqs {
		resp, err := c.Complete(t.Context(), r)
		if err != nil {
			t.Fatalf("replay %d: %v", i, err)
		}
		want := recorded[i]
		want.Cached, want.Cost = true, 0
		if diff := cmp.Diff(want, resp, cmpResponse); diff != "" {
			t.Errorf("replay %d (-want +got):\n%s", i, diff)
		}
	}
	_, err := c.Complete(t.Context(), userRequest(RoleSolver, "p", "never recorded"))
	if ClassOf(err) != CacheMiss || !strings.Contains(err.Error(), path) {
		t.Errorf("miss: %v, want cache_miss naming %s", err, path)
	}
	a := c.Ledger().Snapshot().Total
	if a.CacheHits != 3 || a.Calls != 0 || a.Attempts != 0 || a.Errors["cache_miss"] != 1 {
		t.Errorf("replay ledger %+v", a)
	}
}

func TestCacheReplayMissMakesNoCall(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t, agenttest.WithHandler(echo))
	path := filepath.Join(t.TempDir(), "empty.jsonl")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c, _ := newTestClient(t, srv.URL(), cacheAt(path, CacheReplay))
	_, err := c.Complete(t.Context(), userRequest(RoleSolver, "p", "x"))
	if ClassOf(err) != CacheMiss || IsInfrastructure(err) {
		t.Errorf("error %v, want cache_miss", err)
	}
	if srv.Count() != 0 {
		t.Errorf("server got %d requests, want none", srv.Count())
	}
}

func TestCacheReplayNeedsTheFile(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Model, cfg.BaseURL = "gpt-4o", ""
	cfg.Cache = CacheConfig{Path: filepath.Join(t.TempDir(), "missing.jsonl"), Mode: CacheReplay}
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "missing.jsonl") {
		t.Errorf("New: %v, want an error naming the missing file", err)
	}
}

func TestCacheToleratesTruncatedAndDuplicateLines(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t, agenttest.WithHandler(echo))
	path := filepath.Join(t.TempDir(), "cache.jsonl")
	c0, _ := newTestClient(t, srv.URL(), nil)
	key := func(text string) string { // the key the clients below compute
		return c0.cacheKey(c0.plan(userRequest(RoleSolver, "p", text)))
	}
	line := func(e cacheEntry) string {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		return string(b) + "\n"
	}
	content := line(cacheEntry{Key: key("a"), Model: "m", Content: "old a"}) +
		"not json at all\n" +
		line(cacheEntry{Key: key("a"), Model: "m", Content: "new a", Usage: Usage{PromptTokens: 1, CompletionTokens: 2}}) +
		`{"key":"` + key("b") + `","model":"m","content":"cut sh` // a crash mid-write
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}

	c, _ := newTestClient(t, srv.URL(), cacheAt(path, CacheReadWrite))
	resp, err := c.Complete(t.Context(), userRequest(RoleSolver, "p", "a"))
	if err != nil || !resp.Cached || resp.Content != "new a" {
		t.Fatalf("a: %q cached %v, %v; want the last entry for the key", resp.Content, resp.Cached, err)
	}
	resp, err = c.Complete(t.Context(), userRequest(RoleSolver, "p", "b"))
	if err != nil || resp.Cached || resp.Content != "answer to b" {
		t.Fatalf("b: %q cached %v, %v; want a call (its line was cut short)", resp.Content, resp.Cached, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	// The new entry starts on a line of its own, so a replay finds it.
	r, _ := newTestClient(t, "", cacheAt(path, CacheReplay))
	resp, err = r.Complete(t.Context(), userRequest(RoleSolver, "p", "b"))
	if err != nil || resp.Content != "answer to b" {
		t.Errorf("replay b: %q, %v", resp.Content, err)
	}
	if srv.Count() != 1 {
		t.Errorf("server got %d requests, want 1", srv.Count())
	}
}

func TestCacheKeyIsStable(t *testing.T) {
	t.Parallel()
	seed := 7
	in := cacheKeyInput{Model: "gpt-4o", Messages: []Message{{Role: "user", Content: "hi"}}, Temperature: 0, Seed: &seed, MaxTokens: 100}
	k1, k2 := in.key(), in.key()
	if k1 != k2 || len(k1) != 64 {
		t.Fatalf("keys %q, %q: want one stable sha256 hex", k1, k2)
	}
	other := seed + 1
	for name, v := range map[string]cacheKeyInput{
		"model":       {Model: "gpt-4o-mini", Messages: in.Messages, Seed: &seed, MaxTokens: 100},
		"seed":        {Model: "gpt-4o", Messages: in.Messages, Seed: &other, MaxTokens: 100},
		"no seed":     {Model: "gpt-4o", Messages: in.Messages, MaxTokens: 100},
		"sample":      {Model: "gpt-4o", Messages: in.Messages, Seed: &seed, MaxTokens: 100, Sample: 1},
		"role of msg": {Model: "gpt-4o", Messages: []Message{{Role: "system", Content: "hi"}}, Seed: &seed, MaxTokens: 100},
	} {
		if v.key() == k1 {
			t.Errorf("%s: same key as the base request", name)
		}
	}
}

func TestParseCacheMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    CacheMode
		wantErr bool
	}{
		{in: "off", want: CacheOff},
		{in: "", want: CacheOff},
		{in: "rw", want: CacheReadWrite},
		{in: "ReadWrite", want: CacheReadWrite},
		{in: "replay", want: CacheReplay},
		{in: "read", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCacheMode(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseCacheMode(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err == nil && tt.in != "" && tt.in != "ReadWrite" && got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}
