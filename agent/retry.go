package agent

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// errNoChoices is a 200 reply without a choice: malformed.
var errNoChoices = errors.New("decode chat completion: no choices in the reply")

// classify sorts the error of one attempt. billed reports whether the
// request may have reached the server and been charged (so the cost cap
// counts its worst case). timedOut is true when the attempt's own timeout
// fired.
func classify(err error, timedOut bool) (class ErrorClass, status int, billed bool) {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	if status != 0 {
		return classOfStatus(status), status, false
	}
	if timedOut {
		return Timeout, 0, true
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		if urlErr.Timeout() {
			return Timeout, 0, true
		}
		return Network, 0, !notSent(err)
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &syntaxErr) || errors.As(err, &typeErr) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, errNoChoices) {
		return MalformedResponse, 0, true
	}
	// The client library refused the request before sending it (for
	// example max_tokens with a reasoning model).
	return BadRequest, 0, false
}

func classOfStatus(status int) ErrorClass {
	switch {
	case status == http.StatusTooManyRequests:
		return RateLimited
	case status == http.StatusRequestTimeout:
		return Timeout
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return Auth
	case status >= 500:
		return ServerError
	case status >= 400:
		return BadRequest
	}
	return MalformedResponse
}

// notSent reports whether a transport error happened before the request
// could be sent: the dial or the name lookup failed.
func notSent(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// backoff is the wait before retry n (0-based): full jitter over
// [0, min(max, base*2^n)].
func backoff(n int, base, limit time.Duration, jitter func(time.Duration) time.Duration) time.Duration {
	ceiling := limit
	if n < 62 {
		if d := base << n; d > 0 && d < limit {
			ceiling = d
		}
	}
	return jitter(ceiling)
}

// fullJitter draws uniformly from [0, d].
func fullJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// parseRetryAfter reads retry-after-ms (OpenAI) or Retry-After (seconds or
// an HTTP date).
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// attemptInfo carries what the transport learns about one attempt back to
// the retry loop (go-openai does not expose the headers of an error reply).
// One attempt, one holder: the transport runs in the attempt's goroutine.
type attemptInfo struct {
	// zeroTemperature asks the transport to send "temperature": 0, which
	// go-openai omits (omitempty), leaving servers at their default of 1.
	zeroTemperature bool

	status        int
	retryAfter    time.Duration
	hasRetryAfter bool
}

type attemptKey struct{}

func withAttempt(ctx context.Context, info *attemptInfo) context.Context {
	return context.WithValue(ctx, attemptKey{}, info)
}

// transport records the status and Retry-After of each reply into the
// request's attemptInfo and adds an explicit zero temperature.
type transport struct {
	base http.RoundTripper
	now  func() time.Time
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	info, _ := req.Context().Value(attemptKey{}).(*attemptInfo)
	if info != nil && info.zeroTemperature && req.Body != nil && req.Method == http.MethodPost {
		r, err := withZeroTemperature(req)
		if err != nil {
			return nil, err
		}
		req = r
	}
	resp, err := t.base.RoundTrip(req)
	if info != nil && resp != nil {
		info.status = resp.StatusCode
		info.retryAfter, info.hasRetryAfter = parseRetryAfter(resp.Header, t.now())
	}
	return resp, err
}

// withZeroTemperature returns a copy of req whose JSON body has a
// temperature (0 when absent).
func withZeroTemperature(req *http.Request) (*http.Request, error) {
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err == nil {
		if _, ok := fields["temperature"]; !ok {
			fields["temperature"] = json.RawMessage("0")
			if b, err := json.Marshal(fields); err == nil {
				body = b
			}
		}
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(string(body))), nil }
	return r, nil
}
