// Package agenttest is a scriptable fake of an OpenAI-compatible
// chat-completions server for tests: a real httptest.Server speaking
// POST /v1/chat/completions and GET /v1/models the way OpenAI, vLLM and
// Ollama do.
//
// Replies come from a script consumed in order (Reply, ReplyWith), then from
// the default responder (Handle). A request that finds neither fails the test
// and gets a 500, so a test that expects no call notices one.
//
// The package does not import agent, so agent's internal tests can use it.
package agenttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Message is one chat message as the server received it.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Usage is the usage block of a reply.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Reply is what the server answers to one request.
type Reply struct {
	// Content is the assistant message.
	Content string
	// FinishReason defaults to "stop".
	FinishReason string
	// Model defaults to the model of the request.
	Model string
	// Status defaults to 200. A status of 400 or more without a Body gets an
	// OpenAI-style error object.
	Status int
	// Body, when set, is sent raw instead of the JSON reply (for malformed
	// replies and custom error bodies).
	Body string
	// Headers are set on the response (for example Retry-After).
	Headers map[string]string
	// Delay holds the reply back; it ends early when the client goes away
	// or the server closes.
	Delay time.Duration
	// OmitUsage leaves the usage block out.
	OmitUsage bool
	// Usage replaces the default usage (about 4 characters per token).
	Usage *Usage
}

// RecordedRequest is one request the server received, decoded.
type RecordedRequest struct {
	Method string
	Path   string
	// Authorization is the raw Authorization header ("Bearer ...").
	Authorization string
	Model         string
	Messages      []Message
	// Temperature and Seed are nil when the request left them out.
	Temperature *float64
	Seed        *int
	// MaxTokens is max_tokens, or max_completion_tokens when only that is
	// sent; 0 when neither is.
	MaxTokens           int
	MaxCompletionTokens int
	// Body is the raw request body.
	Body []byte
	// Seq is the 1-based order of arrival.
	Seq int
}

// Option configures a Server.
type Option func(*Server)

// WithHandler sets the default responder (same as calling Handle).
func WithHandler(fn func(RecordedRequest) Reply) Option {
	return func(s *Server) { s.handler = fn }
}

// WithAPIKey makes the server answer 401 to any request whose bearer token
// is not key, as OpenAI does. The error message echoes the token it got, as
// some servers do, so tests can check that the client never repeats it.
func WithAPIKey(key string) Option {
	return func(s *Server) { s.apiKey = key }
}

// WithModels sets the models listed by GET /v1/models (default "fake-model").
func WithModels(names ...string) Option {
	return func(s *Server) { s.models = names }
}

// Server is the fake endpoint. Its methods are safe for concurrent use.
type Server struct {
	t      testing.TB
	ts     *httptest.Server
	done   chan struct{}
	close  sync.Once
	apiKey string
	models []string

	mu       sync.Mutex
	script   []Reply
	handler  func(RecordedRequest) Reply
	requests []RecordedRequest

	inFlight    atomic.Int64
	inFlightMax atomic.Int64
}

// NewServer starts a server that is closed when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{t: t, done: make(chan struct{}), models: []string{"fake-model"}}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("GET /v1/models", s.listModels)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("agenttest: no route for %s %s", r.Method, r.URL.Path))
	})
	s.ts = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// URL is the base URL including "/v1", as a client's BaseURL.
func (s *Server) URL() string { return s.ts.URL + "/v1" }

// Close stops the server; later requests are refused. Delayed replies end at
// once. It is safe to call more than once.
func (s *Server) Close() {
	s.close.Do(func() {
		close(s.done)
		s.ts.Close()
	})
}

// Reply appends a 200 reply with content to the script.
func (s *Server) Reply(content string) {
	s.ReplyWith(Reply{Content: content})
}

// ReplyWith appends replies to the script.
func (s *Server) ReplyWith(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, replies...)
}

// Handle sets the responder used once the script is empty.
func (s *Server) Handle(fn func(RecordedRequest) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handler = fn
}

// Requests returns the chat requests received so far, in order of arrival.
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RecordedRequest(nil), s.requests...)
}

// Count is the number of chat requests received so far.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// InFlightMax is the highest number of chat requests served at once.
func (s *Server) InFlightMax() int { return int(s.inFlightMax.Load()) }

func (s *Server) enter() {
	n := s.inFlight.Add(1)
	for {
		m := s.inFlightMax.Load()
		if n <= m || s.inFlightMax.CompareAndSwap(m, n) {
			return
		}
	}
}

// wireRequest is the subset of the chat request the server decodes.
type wireRequest struct {
	Model               string    `json:"model"`
	Messages            []Message `json:"messages"`
	Temperature         *float64  `json:"temperature"`
	Seed                *int      `json:"seed"`
	MaxTokens           int       `json:"max_tokens"`
	MaxCompletionTokens int       `json:"max_completion_tokens"`
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	s.enter()
	defer s.inFlight.Add(-1)

	rec := RecordedRequest{Method: r.Method, Path: r.URL.Path, Authorization: r.Header.Get("Authorization")}
	var wire wireRequest
	body, decodeErr := io.ReadAll(r.Body)
	if decodeErr == nil {
		decodeErr = json.Unmarshal(body, &wire)
	}
	rec.Body = body
	rec.Model, rec.Messages = wire.Model, wire.Messages
	rec.Temperature, rec.Seed = wire.Temperature, wire.Seed
	rec.MaxTokens, rec.MaxCompletionTokens = wire.MaxTokens, wire.MaxCompletionTokens
	if rec.MaxTokens == 0 {
		rec.MaxTokens = wire.MaxCompletionTokens
	}

	s.mu.Lock()
	rec.Seq = len(s.requests) + 1
	s.requests = append(s.requests, rec)
	var reply Reply
	var ok bool
	switch {
	case decodeErr != nil:
		reply, ok = Reply{Status: http.StatusBadRequest, Body: ErrorBody("agenttest: decode request: " + decodeErr.Error())}, true
	case s.refusesKey(rec.Authorization):
		reply, ok = Reply{Status: http.StatusUnauthorized, Body: ErrorBody(keyRefused(rec.Authorization))}, true
	case len(s.script) > 0:
		reply, ok = s.script[0], true
		s.script = s.script[1:]
	case s.handler != nil:
		handler := s.handler
		s.mu.Unlock()
		reply, ok = handler(rec), true
		s.mu.Lock()
	}
	s.mu.Unlock()
	if !ok {
		s.t.Errorf("agenttest: unexpected request %d (model %q): the script is empty and no handler is set", rec.Seq, rec.Model)
		reply = Reply{Status: http.StatusInternalServerError, Body: ErrorBody("agenttest: no scripted reply")}
	}

	if reply.Delay > 0 {
		timer := time.NewTimer(reply.Delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
	}
	s.write(w, rec, reply)
}

func (s *Server) write(w http.ResponseWriter, rec RecordedRequest, reply Reply) {
	for k, v := range reply.Headers {
		w.Header().Set(k, v)
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	if reply.Body != "" {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(reply.Body))
		return
	}
	if status >= http.StatusBadRequest {
		writeError(w, status, http.StatusText(status))
		return
	}
	model := reply.Model
	if model == "" {
		model = rec.Model
	}
	finish := reply.FinishReason
	if finish == "" {
		finish = "stop"
	}
	out := map[string]any{
		"id":      fmt.Sprintf("chatcmpl-agenttest-%d", rec.Seq),
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]string{"role": "assistant", "content": reply.Content},
			"finish_reason": finish,
		}},
	}
	if !reply.OmitUsage {
		u := estimateUsage(rec.Messages, reply.Content)
		if reply.Usage != nil {
			u = *reply.Usage
			if u.TotalTokens == 0 {
				u.TotalTokens = u.PromptTokens + u.CompletionTokens
			}
		}
		out["usage"] = u
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(out)
}

func (s *Server) listModels(w http.ResponseWriter, r *http.Request) {
	if auth := r.Header.Get("Authorization"); s.refusesKey(auth) { // as OpenAI does, on every route
		writeError(w, http.StatusUnauthorized, keyRefused(auth))
		return
	}
	data := make([]map[string]any, 0, len(s.models))
	for _, m := range s.models {
		data = append(data, map[string]any{"id": m, "object": "model", "created": 0, "owned_by": "agenttest"})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data})
}

// estimateUsage counts about 4 characters per token, at least 1.
func estimateUsage(msgs []Message, content string) Usage {
	var chars int
	for _, m := range msgs {
		chars += len(m.Content)
	}
	u := Usage{PromptTokens: max(1, chars/4), CompletionTokens: max(1, len(content)/4)}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	return u
}

// ErrorBody is an OpenAI-style error object with message, for Reply.Body.
func ErrorBody(message string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": message, "type": "agenttest_error", "code": nil}})
	return string(b)
}

func writeError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(ErrorBody(message)))
}

// refusesKey reports whether the server, set WithAPIKey, refuses the
// Authorization header auth.
func (s *Server) refusesKey(auth string) bool { return s.apiKey != "" && auth != "Bearer "+s.apiKey }

// keyRefused is the 401 message for auth; it echoes the token, as some
// servers do.
func keyRefused(auth string) string {
	return fmt.Sprintf("Incorrect API key provided: %q", strings.TrimPrefix(auth, "Bearer "))
}
