package agent

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorClassKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		class      ErrorClass
		name       string
		infra, out bool
		retryable  bool
	}{
		{ClassUnknown, "unknown", false, false, false},
		{RateLimited, "rate_limited", true, false, true},
		{ServerError, "server_error", true, false, true},
		{Timeout, "timeout", true, false, true},
		{Network, "network", true, false, true},
		{Auth, "auth", true, false, false},
		{BadRequest, "bad_request", false, false, false},
		{MalformedResponse, "malformed_response", true, false, true},
		{BudgetExceeded, "budget_exceeded", false, false, false},
		{CacheMiss, "cache_miss", false, false, false},
		{EmptyOutput, "empty_output", false, true, false},
		{NoCode, "no_code", false, true, false},
		{Unparsable, "unparsable", false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := fmt.Errorf("solve: %w", NewError(tt.class, errors.New("cause")))
			if tt.class.String() != tt.name || ClassOf(err) != tt.class {
				t.Errorf("String %q, ClassOf %v; want %q", tt.class.String(), ClassOf(err), tt.name)
			}
			if IsInfrastructure(err) != tt.infra || IsModelOutput(err) != tt.out || tt.class.retryable() != tt.retryable {
				t.Errorf("infra %v, model output %v, retryable %v; want %v, %v, %v",
					IsInfrastructure(err), IsModelOutput(err), tt.class.retryable(), tt.infra, tt.out, tt.retryable)
			}
		})
	}
	if got := ErrorClass(99).String(); got != "ErrorClass(99)" {
		t.Errorf("out of range: %q", got)
	}
	if ClassOf(errors.New("plain")) != ClassUnknown || ClassOf(nil) != ClassUnknown || IsInfrastructure(nil) {
		t.Errorf("plain errors must be unknown")
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	cause := errors.New("boom")
	tests := []struct {
		name string
		err  *Error
		want []string
	}{
		{name: "model output", err: NewError(NoCode, cause), want: []string{"no_code: boom"}},
		{name: "auth", err: &Error{Class: Auth, Endpoint: "http://h/v1", Status: 401, Attempts: 1, Err: cause},
			want: []string{"auth: http://h/v1: HTTP 401", "check --api-key / OPENAI_API_KEY", "boom"}},
		{name: "not found", err: &Error{Class: BadRequest, Endpoint: "http://h/v1", Status: 404, Attempts: 1, Err: cause},
			want: []string{"HTTP 404", "check --model and --base-url"}},
		{name: "rate limited", err: &Error{Class: RateLimited, Endpoint: "http://h/v1", Status: 429, Attempts: 7, Err: cause},
			want: []string{"rate limited after 7 attempts"}},
		{name: "network", err: &Error{Class: Network, Endpoint: "http://h/v1", Attempts: 3, Err: cause},
			want: []string{"is the server running at http://h/v1?"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg := tt.err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not say %q", msg, w)
				}
			}
			if !errors.Is(tt.err, cause) {
				t.Errorf("Unwrap lost the cause")
			}
		})
	}
}
