package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Secret is a credential. It prints, marshals and logs as "[redacted]" (or
// "" when empty); convert it with string() only where it is sent.
type Secret string

const redacted = "[redacted]"

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.String()) }

// MarshalJSON writes the redacted form.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText writes the redacted form.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue logs the redacted form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Config configures a Client. Start from DefaultConfig: New takes zero
// counts literally (MaxRetries 0 means no retries).
type Config struct {
	// Model is the model name as the endpoint knows it. Required.
	Model string
	// BaseURL is the OpenAI-compatible endpoint including "/v1", e.g.
	// http://localhost:8000/v1. Not needed in CacheReplay mode.
	BaseURL string
	// APIKey is sent as a bearer token; empty for local servers.
	APIKey Secret
	// Temperature is sent with every call unless the Request overrides it.
	// 0 is sent explicitly (not left to the server's default of 1), except
	// to reasoning models (o1, o3, o4, gpt-5), which accept no temperature.
	Temperature float64
	// MaxTokens caps the completion tokens of a call unless the Request
	// overrides it; 0 leaves it to the server (not allowed with a cost cap).
	MaxTokens int
	// Seed is sent when set.
	Seed *int
	// RequestTimeout bounds one attempt of one call.
	RequestTimeout time.Duration
	// MaxRetries is the number of retries after the first attempt on
	// infrastructure failures (429, 5xx, timeouts, connection errors,
	// malformed replies).
	MaxRetries int
	// RetryBase and RetryMax shape the exponential backoff with full jitter:
	// attempt n waits a random time in [0, min(RetryMax, RetryBase*2^n)].
	// A Retry-After header replaces it (capped at RetryMax).
	RetryBase time.Duration
	RetryMax  time.Duration
	// Concurrency is the most requests in flight at once; a call waiting
	// to retry holds no slot.
	Concurrency int
	// Prices prices the calls; nil means DefaultPrices().
	Prices PriceTable
	// Budget caps cost, generations and tokens; zero fields are unlimited.
	Budget Budget
	// Cache records and replays responses.
	Cache CacheConfig
	// HTTPClient, when set, is used (its Transport wrapped, the value not
	// modified); otherwise a client with a pooled transport.
	HTTPClient *http.Client
	// Logger gets a debug line per call and a warning per retry; nil
	// discards.
	Logger *slog.Logger
}

// DefaultConfig returns the defaults: OpenAI's endpoint, temperature 0,
// 4096 max tokens, 120 s per attempt, 6 retries backing off from 1 s up
// to 60 s, 4 requests in flight, the default prices, no budget, no cache.
func DefaultConfig() Config {
	return Config{
		BaseURL:        "https://api.openai.com/v1",
		Temperature:    0,
		MaxTokens:      4096,
		RequestTimeout: 120 * time.Second,
		MaxRetries:     6,
		RetryBase:      time.Second,
		RetryMax:       60 * time.Second,
		Concurrency:    4,
		Prices:         DefaultPrices(),
	}
}

// normalize fills the durations and counts that cannot be zero and checks
// the rest.
func (c *Config) normalize() error {
	d := DefaultConfig()
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = d.RequestTimeout
	}
	if c.RetryBase <= 0 {
		c.RetryBase = d.RetryBase
	}
	if c.RetryMax <= 0 {
		c.RetryMax = d.RetryMax
	}
	if c.Concurrency <= 0 {
		c.Concurrency = d.Concurrency
	}
	if c.Prices == nil {
		c.Prices = d.Prices
	}
	var errs []error
	if c.Model == "" {
		errs = append(errs, errors.New("no model: set the model name"))
	}
	if c.BaseURL != "" || c.Cache.Mode != CacheReplay {
		if err := checkBaseURL(c.BaseURL); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Temperature < 0 || c.Temperature > 2 {
		errs = append(errs, fmt.Errorf("temperature %g: want 0 to 2", c.Temperature))
	}
	if c.MaxTokens < 0 {
		errs = append(errs, fmt.Errorf("max tokens %d: want 0 (server default) or more", c.MaxTokens))
	}
	if c.MaxRetries < 0 {
		errs = append(errs, fmt.Errorf("max retries %d: want 0 or more", c.MaxRetries))
	}
	if err := c.Budget.check(); err != nil {
		errs = append(errs, err)
	}
	if c.Budget.MaxCost > 0 {
		if _, ok := c.Prices.Lookup(c.Model); !ok {
			errs = append(errs, fmt.Errorf("cost cap $%g: no price for model %q: pass a price file with its prompt and completion prices in USD per 1M tokens", c.Budget.MaxCost, c.Model))
		}
		if c.MaxTokens == 0 {
			errs = append(errs, errors.New("cost cap: set max tokens per call, so each call's worst-case cost is bounded"))
		}
	}
	if err := c.Cache.check(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("base URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("base URL %q: want an http(s) URL such as http://localhost:8000/v1", endpointName(raw))
	}
	return nil
}

// endpointName is the base URL as errors and logs show it: no user info,
// no query.
func endpointName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}
