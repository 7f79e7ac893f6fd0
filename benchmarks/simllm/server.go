package simllm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ModelName is the model GET /v1/models lists; any name is accepted.
const ModelName = "sim"

// SimulatedHeader marks every response of the server, errors included, as
// coming from the simulated model, whatever model name the client asked
// for. agent.SimulatedHeader is the same name: the client records it.
const SimulatedHeader = "X-Codetree-Simulated"

// chatRequest is the part of an OpenAI chat request the Model reads.
type chatRequest struct {
	Model    string          `json:"model"`
	Messages []Message       `json:"messages"`
	Seed     json.RawMessage `json:"seed,omitempty"`
	// Temperature above 0 (or none) makes repeated requests draw anew.
	Temperature *float64 `json:"temperature,omitempty"`
}

// Handler serves POST /v1/chat/completions and GET /v1/models, every
// response with the header SimulatedHeader: true.
func (m *Model) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", m.chat)
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"object": "list",
			"data":   []map[string]any{{"id": ModelName, "object": "model", "owned_by": "codetree"}},
		})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(SimulatedHeader, "true")
		mux.ServeHTTP(w, r)
	})
}

func (m *Model) chat(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "decode request: "+err.Error())
		return
	}
	if len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "messages is empty")
		return
	}
	if !sleepCtx(r.Context(), m.opts.Latency) {
		return
	}
	fault := m.rollFault()
	switch fault {
	case "ratelimit":
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "rate_limit_exceeded", "simulated rate limit")
		return
	case "server":
		writeError(w, http.StatusInternalServerError, "server_error", "simulated server error")
		return
	case "hang":
		<-r.Context().Done()
		return
	case "malformed":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, `{"id": "chatcmpl-sim", "choices": [{"message": {"content": "`)
		return
	}
	// Greedy (temperature 0) answers depend on the conversation only, as
	// a real model's do, whatever the seed. Sampling (above 0, or no
	// temperature: OpenAI's default is 1) draws with the seed and the
	// number of times the conversation was asked, so resampling yields
	// other programs, reproducibly.
	extra := ""
	if req.Temperature == nil || *req.Temperature > 0 {
		extra = fmt.Sprintf("%s|draw %d", req.Seed, m.nextDraw(req.Messages))
	}
	content := m.reply(req.Messages, extra, fault == "nocode")
	prompt := 0
	for _, msg := range req.Messages {
		prompt += tokens(msg.Content)
	}
	completion := tokens(content)
	name := req.Model
	if name == "" {
		name = ModelName
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id":      "chatcmpl-sim",
		"object":  "chat.completion",
		"created": 0,
		"model":   name,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]string{"role": "assistant", "content": content},
			"finish_reason": "stop",
		}},
		"usage": map[string]int{
			"prompt_tokens":     prompt,
			"completion_tokens": completion,
			"total_tokens":      prompt + completion,
		},
	})
}

// tokens estimates a token count as a quarter of the length.
func tokens(s string) int { return (len(s) + 3) / 4 }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": typ}})
}

// sleepCtx sleeps d or until ctx ends; it reports whether d elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Serve serves m on addr until ctx ends, then shuts down gracefully. It
// returns nil after a shutdown caused by ctx.
func Serve(ctx context.Context, addr string, m *Model) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
