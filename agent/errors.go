package agent

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrorClass says why a call failed. Infrastructure classes are failures of
// the endpoint or the network, never wrong answers; model-output classes are
// failures of the model's text, set by the roles.
type ErrorClass int

const (
	// ClassUnknown is the zero value: not an *Error, or unclassified.
	ClassUnknown ErrorClass = iota
	// RateLimited: HTTP 429 on every attempt.
	RateLimited
	// ServerError: HTTP 5xx on every attempt.
	ServerError
	// Timeout: an attempt exceeded the request timeout (or HTTP 408).
	Timeout
	// Network: the connection failed (refused, reset, DNS).
	Network
	// Auth: HTTP 401 or 403; not retried.
	Auth
	// BadRequest: another 4xx (400, 404, 422...) or a request the client
	// library refused; not retried.
	BadRequest
	// MalformedResponse: the server's reply could not be decoded or had no
	// choices.
	MalformedResponse
	// BudgetExceeded: a budget refused the call before it was made.
	BudgetExceeded
	// CacheMiss: replay mode and the request is not in the cache.
	CacheMiss
	// EmptyOutput: the model answered nothing.
	EmptyOutput
	// NoCode: the model's answer holds no code.
	NoCode
	// Unparsable: the model's answer does not follow the asked format.
	Unparsable
)

var classNames = [...]string{
	ClassUnknown:      "unknown",
	RateLimited:       "rate_limited",
	ServerError:       "server_error",
	Timeout:           "timeout",
	Network:           "network",
	Auth:              "auth",
	BadRequest:        "bad_request",
	MalformedResponse: "malformed_response",
	BudgetExceeded:    "budget_exceeded",
	CacheMiss:         "cache_miss",
	EmptyOutput:       "empty_output",
	NoCode:            "no_code",
	Unparsable:        "unparsable",
}

// String is the class's stable snake_case name, as JSON summaries use it.
func (c ErrorClass) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return fmt.Sprintf("ErrorClass(%d)", int(c))
	}
	return classNames[c]
}

// MarshalText writes the String form (for JSON map keys and values).
func (c ErrorClass) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Infrastructure reports whether the class is a failure of the endpoint or
// the network rather than of the model: RateLimited, ServerError, Timeout,
// Network, Auth, MalformedResponse. A benchmark must not score these as
// wrong answers.
func (c ErrorClass) Infrastructure() bool {
	switch c {
	case RateLimited, ServerError, Timeout, Network, Auth, MalformedResponse:
		return true
	}
	return false
}

// ModelOutput reports whether the class is a failure of the model's text:
// EmptyOutput, NoCode, Unparsable.
func (c ErrorClass) ModelOutput() bool {
	switch c {
	case EmptyOutput, NoCode, Unparsable:
		return true
	}
	return false
}

// retryable reports whether another attempt may succeed.
func (c ErrorClass) retryable() bool {
	switch c {
	case RateLimited, ServerError, Timeout, Network, MalformedResponse:
		return true
	}
	return false
}

// Error is a classified failure. The client's errors name the endpoint, the
// HTTP status and what to do; they never hold the API key.
type Error struct {
	Class ErrorClass
	// Endpoint is the base URL called (empty for model-output errors).
	Endpoint string
	// Status is the HTTP status of the last attempt, 0 if none.
	Status int
	// Attempts is the number of HTTP attempts made (0 if none was).
	Attempts int
	// Err is the underlying cause.
	Err error

	// detail, when set, replaces Err.Error() in the message (redacted).
	detail string
}

// NewError returns an *Error of class c wrapping err; the roles use it for
// EmptyOutput, NoCode and Unparsable.
func NewError(c ErrorClass, err error) *Error {
	return &Error{Class: c, Err: err}
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Class.String())
	if e.Endpoint != "" {
		b.WriteString(": ")
		b.WriteString(e.Endpoint)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if h := e.hint(); h != "" {
		b.WriteString(": ")
		b.WriteString(h)
	}
	switch {
	case e.detail != "":
		b.WriteString(": ")
		b.WriteString(e.detail)
	case e.Err != nil:
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// hint says what to do about the failure.
func (e *Error) hint() string {
	after := ""
	if e.Attempts > 1 {
		after = fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	switch e.Class {
	case Auth:
		return "the server refused the API key: check --api-key / OPENAI_API_KEY"
	case BadRequest:
		if e.Status == http.StatusNotFound {
			return "not found: check --model and --base-url"
		}
		return "the server rejected the request"
	case RateLimited:
		return "rate limited" + after + ": lower the concurrency or wait"
	case ServerError:
		return "server error" + after
	case Timeout:
		return "no answer in time" + after + ": raise the request timeout or check the server"
	case Network:
		return "cannot reach the server" + after + ": is the server running at " + e.Endpoint + "?"
	case MalformedResponse:
		return "unreadable reply" + after + ": is the base URL an OpenAI-compatible /v1 endpoint?"
	}
	return ""
}

// ClassOf returns the class of the first *Error in err's chain, or
// ClassUnknown.
func ClassOf(err error) ErrorClass {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return ClassUnknown
}

// IsInfrastructure reports whether err is an infrastructure failure
// (RateLimited, ServerError, Timeout, Network, Auth, MalformedResponse):
// the endpoint failed, not the model.
func IsInfrastructure(err error) bool { return ClassOf(err).Infrastructure() }

// IsModelOutput reports whether err is a failure of the model's text
// (EmptyOutput, NoCode, Unparsable).
func IsModelOutput(err error) bool { return ClassOf(err).ModelOutput() }
