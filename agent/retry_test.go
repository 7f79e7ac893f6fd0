package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	ceiling := func(d time.Duration) time.Duration { return d }
	tests := []struct {
		n    int
		want time.Duration
	}{
		{0, time.Second},
		{1, 2 * time.Second},
		{5, 32 * time.Second},
		{6, time.Minute}, // capped
		{100, time.Minute},
	}
	for _, tt := range tests {
		if got := backoff(tt.n, time.Second, time.Minute, ceiling); got != tt.want {
			t.Errorf("backoff(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
	for range 1000 {
		if d := fullJitter(time.Second); d < 0 || d > time.Second {
			t.Fatalf("fullJitter(1s) = %v, out of [0, 1s]", d)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
		wantOK bool
	}{
		{name: "seconds", header: http.Header{"Retry-After": {"12"}}, want: 12 * time.Second, wantOK: true},
		{name: "fractional seconds", header: http.Header{"Retry-After": {"1.5"}}, want: 1500 * time.Millisecond, wantOK: true},
		{name: "date", header: http.Header{"Retry-After": {now.Add(time.Minute).Format(http.TimeFormat)}}, want: time.Minute, wantOK: true},
		{name: "date in the past", header: http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, want: 0, wantOK: true},
		{name: "milliseconds first", header: http.Header{"Retry-After-Ms": {"20"}, "Retry-After": {"1"}}, want: 20 * time.Millisecond, wantOK: true},
		{name: "garbage", header: http.Header{"Retry-After": {"soon"}}},
		{name: "negative", header: http.Header{"Retry-After": {"-3"}}},
		{name: "absent", header: http.Header{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := parseRetryAfter(tt.header, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseRetryAfter = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	dial := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}
	reset := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Err: errors.New("connection reset")}}
	tests := []struct {
		name       string
		err        error
		timedOut   bool
		want       ErrorClass
		wantBilled bool
	}{
		{name: "429", err: &openai.APIError{HTTPStatusCode: 429}, want: RateLimited},
		{name: "408", err: &openai.APIError{HTTPStatusCode: 408}, want: Timeout},
		{name: "503 raw", err: &openai.RequestError{HTTPStatusCode: 503}, want: ServerError},
		{name: "401", err: &openai.APIError{HTTPStatusCode: 401}, want: Auth},
		{name: "422", err: &openai.APIError{HTTPStatusCode: 422}, want: BadRequest},
		{name: "attempt timeout", err: fmt.Errorf("wrapped: %w", errors.New("context deadline exceeded")), timedOut: true, want: Timeout, wantBilled: true},
		{name: "refused", err: dial, want: Network},
		{name: "reset", err: reset, want: Network, wantBilled: true},
		{name: "syntax", err: json.Unmarshal([]byte("{"), new(any)), want: MalformedResponse, wantBilled: true},
		{name: "cut short", err: io.ErrUnexpectedEOF, want: MalformedResponse, wantBilled: true},
		{name: "no choices", err: errNoChoices, want: MalformedResponse, wantBilled: true},
		{name: "refused by the library", err: openai.ErrReasoningModelMaxTokensDeprecated, want: BadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, billed := classify(tt.err, tt.timedOut)
			if got != tt.want || billed != tt.wantBilled {
				t.Errorf("classify = %v, billed %v; want %v, %v", got, billed, tt.want, tt.wantBilled)
			}
		})
	}
}

func TestTransportAddsZeroTemperature(t *testing.T) {
	t.Parallel()
	var got []byte
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got, _ = io.ReadAll(r.Body)
		return &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"3"}}, Body: io.NopCloser(bytes.NewReader(nil))}, nil
	})
	tr := &transport{base: base, now: time.Now}
	tests := []struct {
		name string
		info *attemptInfo
		body string
		want string
	}{
		{name: "added", info: &attemptInfo{zeroTemperature: true}, body: `{"model":"m"}`, want: `{"model":"m","temperature":0}`},
		{name: "kept", info: &attemptInfo{zeroTemperature: true}, body: `{"temperature":0.5}`, want: `{"temperature":0.5}`},
		{name: "not asked", info: &attemptInfo{}, body: `{"model":"m"}`, want: `{"model":"m"}`},
	}
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(withAttempt(t.Context(), tt.info), http.MethodPost, "http://x/v1/chat/completions", bytes.NewReader([]byte(tt.body)))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		_ = resp.Body.Close()
		if string(got) != tt.want {
			t.Errorf("%s: body %s, want %s", tt.name, got, tt.want)
		}
		if tt.info.status != 429 || !tt.info.hasRetryAfter || tt.info.retryAfter != 3*time.Second {
			t.Errorf("%s: info %+v, want status 429 and a 3 s Retry-After", tt.name, tt.info)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
