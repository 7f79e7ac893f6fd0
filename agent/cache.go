package agent

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// CacheMode says how the response cache is used.
type CacheMode int

const (
	// CacheOff makes every call (the zero value: no cache).
	CacheOff CacheMode = iota
	// CacheReadWrite answers from the cache when it can and records every
	// new answer.
	CacheReadWrite
	// CacheReplay answers only from the cache; a miss is a CacheMiss error
	// and no call is made, so no endpoint is needed.
	CacheReplay
)

func (m CacheMode) String() string {
	switch m {
	case CacheOff:
		return "off"
	case CacheReadWrite:
		return "rw"
	case CacheReplay:
		return "replay"
	}
	return fmt.Sprintf("CacheMode(%d)", int(m))
}

// ParseCacheMode parses "off", "rw" (or "readwrite", "read-write") and
// "replay".
func ParseCacheMode(s string) (CacheMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off", "":
		return CacheOff, nil
	case "rw", "readwrite", "read-write":
		return CacheReadWrite, nil
	case "replay":
		return CacheReplay, nil
	}
	return CacheOff, fmt.Errorf("cache mode %q: want off, rw or replay", s)
}

// CacheConfig locates the response cache: one append-only JSONL file, one
// response per line, so a recorded run is shared as one file and replayed
// bit for bit.
type CacheConfig struct {
	Path string
	Mode CacheMode
}

func (c CacheConfig) check() error {
	switch c.Mode {
	case CacheOff:
		return nil
	case CacheReadWrite, CacheReplay:
		if c.Path == "" {
			return fmt.Errorf("cache mode %s: no cache file", c.Mode)
		}
		return nil
	}
	return fmt.Errorf("cache mode %d: unknown", int(c.Mode))
}

// cacheFormat versions the key; bump it when the key or entry changes.
const cacheFormat = 1

// cacheKeyInput is the normalised request that keys the cache: the
// effective parameters after the Config defaults are applied.
type cacheKeyInput struct {
	Format      int       `json:"format"`
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	Temperature float64   `json:"temperature"`
	Seed        *int      `json:"seed"`
	MaxTokens   int       `json:"max_tokens"`
	Sample      int       `json:"sample"`
}

func (in cacheKeyInput) key() string {
	in.Format = cacheFormat
	if in.Messages == nil {
		in.Messages = []Message{}
	}
	b, err := json.Marshal(in)
	if err != nil {
		panic(fmt.Sprintf("marshal cache key: %v", err)) // strings and numbers only
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// cacheEntry is one line of the cache file.
type cacheEntry struct {
	Key          string    `json:"key"`
	Model        string    `json:"model"`
	Content      string    `json:"content"`
	FinishReason string    `json:"finish_reason"`
	Usage        Usage     `json:"usage"`
	Simulated    bool      `json:"simulated,omitempty"`
	Role         Role      `json:"role,omitempty"`
	Problem      string    `json:"problem,omitempty"`
	Sample       int       `json:"sample,omitempty"`
	Time         time.Time `json:"time"`
}

func (e cacheEntry) response() Response {
	return Response{Content: e.Content, Model: e.Model, FinishReason: e.FinishReason, Usage: e.Usage, Simulated: e.Simulated, Cached: true}
}

// responseCache is the file loaded in memory; new entries are appended to
// the file as soon as they arrive.
type responseCache struct {
	path string
	mode CacheMode

	mu      sync.Mutex
	entries map[string]cacheEntry
	f       *os.File // nil in replay mode and once closed
	closed  bool
}

// openCache loads the cache file, skipping unreadable lines (a line cut
// short by a crash) with a warning; a key seen twice keeps its last entry.
// In CacheReadWrite mode the file is created if missing.
func openCache(cfg CacheConfig, log *slog.Logger) (*responseCache, error) {
	c := &responseCache{path: cfg.Path, mode: cfg.Mode, entries: make(map[string]cacheEntry)}
	var data []byte
	switch cfg.Mode {
	case CacheReplay:
		b, err := os.ReadFile(cfg.Path)
		if err != nil {
			return nil, fmt.Errorf("open replay cache: %w", err)
		}
		data = b
	case CacheReadWrite:
		if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o755); err != nil {
			return nil, fmt.Errorf("create cache directory: %w", err)
		}
		f, err := os.OpenFile(cfg.Path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("open cache: %w", err)
		}
		b, err := io.ReadAll(f)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("read cache: %w", err), f.Close())
		}
		// A crash mid-write leaves a last line without its newline: end it,
		// so the next entry starts on a line of its own.
		if len(b) > 0 && b[len(b)-1] != '\n' {
			if _, err := f.Write([]byte("\n")); err != nil {
				return nil, errors.Join(fmt.Errorf("repair cache: %w", err), f.Close())
			}
		}
		data, c.f = b, f
	default:
		return nil, fmt.Errorf("open cache: mode %s has no file", cfg.Mode)
	}
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e cacheEntry
		if err := json.Unmarshal(line, &e); err != nil || e.Key == "" {
			log.Warn("skipping unreadable cache line", "path", cfg.Path, "line", i+1, "error", err)
			continue
		}
		c.entries[e.Key] = e
	}
	return c, nil
}

func (c *responseCache) get(key string) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	return e, ok
}

// put records e in memory and appends it to the file.
func (c *responseCache) put(e cacheEntry) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil { // Encode ends the line
		return fmt.Errorf("encode cache entry: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("append cache entry: cache closed")
	}
	c.entries[e.Key] = e
	if c.f == nil {
		return nil
	}
	if _, err := c.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("append cache entry: %w", err)
	}
	return nil
}

func (c *responseCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *responseCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.f == nil {
		return nil
	}
	err := c.f.Close()
	c.f = nil
	if err != nil {
		return fmt.Errorf("close cache: %w", err)
	}
	return nil
}
