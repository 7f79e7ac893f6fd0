package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// Unrecoverable reports whether err is a failure that no retry and no
// other problem's call will cure: the server refused the API key (Auth),
// the endpoint or the model does not exist (HTTP 404), or nothing can be
// reached there (connection refused, unknown host). A run stops
// scheduling problems after a few of these in a row (treesearch.RunConfig.
// Halt); rate limits, 5xx and timeouts are transient and keep their
// retries.
func Unrecoverable(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Class {
	case Auth:
		return true
	case BadRequest:
		return e.Status == http.StatusNotFound
	case Network:
		var dns *net.DNSError
		return errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &dns) && dns.IsNotFound)
	}
	return false
}

// preflightTimeout bounds the preflight call.
const preflightTimeout = 15 * time.Second

// Preflight makes one cheap call before a run (GET <base URL>/models, with
// the key) and returns an *Error when the endpoint cannot serve the run at
// all: nothing answers at the base URL, the host is unknown, or the key is
// refused. A server without /models (404) or with another failure passes:
// the run's own calls and their retries decide. It makes no call in
// replay mode, where the cache answers.
func (c *Client) Preflight(ctx context.Context) error {
	if c.cfg.Cache.Mode == CacheReplay {
		return nil
	}
	timeout := preflightTimeout
	if t := c.cfg.RequestTimeout; t > 0 {
		timeout = min(timeout, t)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(c.cfg.BaseURL, "/")+"/models", nil)
	if err != nil {
		return &Error{Class: BadRequest, Endpoint: c.endpoint, Err: err}
	}
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+string(c.cfg.APIKey))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		class, _, _ := classify(err, ctx.Err() != nil)
		e := &Error{Class: class, Endpoint: c.endpoint, Attempts: 1, Err: err}
		c.scrub(e)
		if Unrecoverable(e) {
			return e
		}
		return nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return &Error{Class: Auth, Endpoint: c.endpoint, Status: resp.StatusCode, Attempts: 1,
			Err: fmt.Errorf("GET /models: %s", resp.Status)}
	}
	return nil
}
