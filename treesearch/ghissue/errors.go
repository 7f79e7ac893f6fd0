package ghissue

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// redacted replaces the token wherever a message might carry it.
const redacted = "[redacted]"

// RateLimitError is GitHub's primary rate limit (Reset is when it ends) or its secondary
// limit (Secondary is true and RetryAfter, when GitHub gave one, is how long to wait).
type RateLimitError struct {
	Op         string
	Secondary  bool
	Reset      time.Time     // primary limit: when the quota is refilled
	RetryAfter time.Duration // secondary limit: zero when GitHub did not say
	Message    string        // GitHub's message, redacted
	err        error
}

func (e *RateLimitError) Error() string {
	var when string
	switch {
	case !e.Secondary && !e.Reset.IsZero():
		when = fmt.Sprintf("retry after %s (in %s)", e.Reset.UTC().Format(time.RFC3339),
			time.Until(e.Reset).Round(time.Second))
	case e.Secondary && e.RetryAfter > 0:
		when = fmt.Sprintf("retry after %s", e.RetryAfter)
	default:
		when = "retry in a few minutes"
	}
	kind := "rate limit"
	if e.Secondary {
		kind = "secondary rate limit"
	}
	return fmt.Sprintf("%s: GitHub %s exceeded: %s", e.Op, kind, when)
}

// Unwrap gives go-github's *github.RateLimitError or *github.AbuseRateLimitError.
func (e *RateLimitError) Unwrap() error { return e.err }

// RetryAt is the earliest time worth retrying at, given the current time.
func (e *RateLimitError) RetryAt(now time.Time) time.Time {
	if !e.Secondary && !e.Reset.IsZero() {
		return e.Reset
	}
	if e.RetryAfter > 0 {
		return now.Add(e.RetryAfter)
	}
	return now.Add(time.Minute)
}

// IsRateLimited reports whether err comes from a GitHub rate limit, primary or secondary.
func IsRateLimited(err error) bool {
	var rl *RateLimitError
	return errors.As(err, &rl)
}

// APIError is an answer of the GitHub API other than a rate limit.
type APIError struct {
	Op         string
	StatusCode int
	Message    string // GitHub's message, redacted
	// Anonymous is true when the request carried no token: GitHub answers 404 for a
	// private repository then, and 401 for anything that needs one.
	Anonymous bool
	err       error
}

func (e *APIError) Error() string {
	switch {
	case e.StatusCode == http.StatusUnauthorized && e.Anonymous:
		return e.Op + ": GitHub wants a token for this: set GITHUB_TOKEN"
	case e.StatusCode == http.StatusUnauthorized:
		return e.Op + ": the token was refused: check GITHUB_TOKEN"
	case e.StatusCode == http.StatusNotFound && e.Anonymous:
		return e.Op + ": not found; if the repository is private, a token is needed: set GITHUB_TOKEN " +
			"to a token that can read it"
	case e.StatusCode == http.StatusNotFound:
		return e.Op + ": not found, or private and the token cannot see it"
	}
	msg := fmt.Sprintf("%s: GitHub answered %d %s", e.Op, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Unwrap gives go-github's *github.ErrorResponse.
func (e *APIError) Unwrap() error { return e.err }

// IsNotFound reports whether err is a 404 from GitHub.
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound
}

// redactedError is any other failure (the network, a cancelled context), its message
// stripped of the token.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// newRedactor returns a function that removes token from a string. It is a closure so
// that the token is not a field fmt could print.
func newRedactor(token string) func(string) string {
	if token == "" {
		return func(s string) string { return s }
	}
	return func(s string) string { return strings.ReplaceAll(s, token, redacted) }
}

// classify turns an error of go-github into one of this package's, with op as context;
// anonymous says the request carried no token.
func classify(redact func(string) string, anonymous bool, op string, err error) error {
	if err == nil {
		return nil
	}
	var (
		rl    *github.RateLimitError
		abuse *github.AbuseRateLimitError
		resp  *github.ErrorResponse
	)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &redactedError{msg: redact(op + ": " + err.Error()), err: err}
	case errors.As(err, &rl):
		return &RateLimitError{Op: op, Reset: rl.Rate.Reset.Time, Message: redact(rl.Message), err: err}
	case errors.As(err, &abuse):
		e := &RateLimitError{Op: op, Secondary: true, Message: redact(abuse.Message), err: err}
		if abuse.RetryAfter != nil {
			e.RetryAfter = *abuse.RetryAfter
		}
		return e
	case errors.As(err, &resp) && resp.Response != nil && resp.Response.StatusCode == http.StatusTooManyRequests:
		// go-github v60's CheckResponse makes a RateLimitError or an AbuseRateLimitError
		// of a 403 only: a 429 comes as a plain *github.ErrorResponse. GitHub answers 429
		// for both limits: the primary one has X-RateLimit-Remaining 0 and a reset time,
		// the secondary one a Retry-After.
		return tooManyRequests(redact, op, resp, err)
	case errors.As(err, &resp) && resp.Response != nil:
		msg := resp.Message
		for _, d := range resp.Errors {
			if d.Message != "" {
				msg += "; " + d.Message
			} else if d.Code != "" {
				msg += fmt.Sprintf("; %s %s", d.Field, d.Code)
			}
		}
		return &APIError{Op: op, StatusCode: resp.Response.StatusCode, Message: redact(msg), Anonymous: anonymous, err: err}
	}
	return &redactedError{msg: redact(op + ": " + err.Error()), err: err}
}

// tooManyRequests is the RateLimitError of a 429 answer.
func tooManyRequests(redact func(string) string, op string, resp *github.ErrorResponse, err error) error {
	h := resp.Response.Header
	e := &RateLimitError{Op: op, Secondary: true, Message: redact(resp.Message), err: err}
	reset, rerr := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	primary := h.Get("X-RateLimit-Remaining") == "0" && rerr == nil && reset > 0
	switch ra := strings.TrimSpace(h.Get("Retry-After")); {
	case ra != "" && !primary:
		// Seconds, as GitHub sends it, or an HTTP date (RFC 9110).
		if s, perr := strconv.Atoi(ra); perr == nil && s > 0 {
			e.RetryAfter = time.Duration(s) * time.Second
		} else if at, perr := http.ParseTime(ra); perr == nil {
			e.RetryAfter = max(time.Until(at).Round(time.Second), time.Second)
		}
	case rerr == nil && reset > 0:
		e.Secondary, e.Reset = false, time.Unix(reset, 0)
	}
	return e
}
