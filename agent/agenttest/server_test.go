package agenttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func post(t *testing.T, ctx context.Context, url, auth, body string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

type chatResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Message      Message `json:"message"`
		FinishReason string  `json:"finish_reason"`
	} `json:"choices"`
	Usage *Usage `json:"usage"`
}

const chatBody = `{"model":"m1","messages":[{"role":"user","content":"hello there!"}],"temperature":0,"seed":3,"max_tokens":64}`

func TestScriptThenHandler(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.Reply("first")
	s.ReplyWith(Reply{Content: "second", Model: "m2", FinishReason: "length", Usage: &Usage{PromptTokens: 5, CompletionTokens: 6}})
	s.Handle(func(r RecordedRequest) Reply { return Reply{Content: fmt.Sprintf("handled %d", r.Seq)} })

	tests := []struct {
		content, model, finish string
		usage                  Usage
	}{
		{"first", "m1", "stop", Usage{PromptTokens: 3, CompletionTokens: 1, TotalTokens: 4}},
		{"second", "m2", "length", Usage{PromptTokens: 5, CompletionTokens: 6, TotalTokens: 11}},
		{"handled 3", "m1", "stop", Usage{PromptTokens: 3, CompletionTokens: 2, TotalTokens: 5}},
	}
	for i, tt := range tests {
		resp, body, err := post(t, t.Context(), s.URL(), "Bearer k", chatBody)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("request %d: %v %v", i, resp, err)
		}
		var got chatResponse
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("request %d: %v: %s", i, err, body)
		}
		if got.Model != tt.model || got.Choices[0].Message.Content != tt.content || got.Choices[0].FinishReason != tt.finish ||
			got.Usage == nil || *got.Usage != tt.usage {
			t.Errorf("request %d: %s", i, body)
		}
	}
	reqs := s.Requests()
	if len(reqs) != 3 || s.Count() != 3 {
		t.Fatalf("%d requests recorded, count %d", len(reqs), s.Count())
	}
	r := reqs[0]
	if r.Model != "m1" || r.Authorization != "Bearer k" || r.Temperature == nil || *r.Temperature != 0 ||
		r.Seed == nil || *r.Seed != 3 || r.MaxTokens != 64 || len(r.Messages) != 1 || r.Messages[0].Content != "hello there!" ||
		!bytes.Equal(r.Body, []byte(chatBody)) {
		t.Errorf("recorded %+v", r)
	}
}

func TestRawBodyStatusHeadersAndOmittedUsage(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.ReplyWith(
		Reply{Status: 429, Headers: map[string]string{"Retry-After": "5"}},
		Reply{Body: "{broken", Status: 200},
		Reply{Content: "x", OmitUsage: true},
	)
	resp, body, err := post(t, t.Context(), s.URL(), "", chatBody)
	if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "5" || !strings.Contains(string(body), `"error"`) {
		t.Errorf("429: %v %v %s", resp, err, body)
	}
	_, body, _ = post(t, t.Context(), s.URL(), "", chatBody)
	if string(body) != "{broken" {
		t.Errorf("raw body %q", body)
	}
	_, body, _ = post(t, t.Context(), s.URL(), "", chatBody)
	var got chatResponse
	if err := json.Unmarshal(body, &got); err != nil || got.Usage != nil {
		t.Errorf("omitted usage: %s (%v)", body, err)
	}
}

// tbRecorder catches Errorf so a test can check the server complains.
type tbRecorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *tbRecorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestUnexpectedRequestFailsTheTest(t *testing.T) {
	t.Parallel()
	rec := &tbRecorder{TB: t}
	s := NewServer(rec)
	resp, _, err := post(t, t.Context(), s.URL(), "", chatBody)
	if err != nil || resp.StatusCode != 500 {
		t.Fatalf("want a 500, got %v %v", resp, err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "unexpected request") {
		t.Errorf("errors reported: %q", rec.errs)
	}
}

func TestAPIKey(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithAPIKey("right"), WithHandler(func(RecordedRequest) Reply { return Reply{Content: "ok"} }))
	if resp, _, err := post(t, t.Context(), s.URL(), "Bearer wrong", chatBody); err != nil || resp.StatusCode != 401 {
		t.Errorf("wrong key: %v %v", resp, err)
	}
	if resp, _, err := post(t, t.Context(), s.URL(), "Bearer right", chatBody); err != nil || resp.StatusCode != 200 {
		t.Errorf("right key: %v %v", resp, err)
	}
	// GET /models checks the key too, as OpenAI's does.
	for auth, want := range map[string]int{"Bearer wrong": 401, "Bearer right": 200} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL()+"/models", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET /models with %q: status %d, want %d", auth, resp.StatusCode, want)
		}
	}
}

func TestDelayEndsWhenTheClientGoesAway(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithHandler(func(RecordedRequest) Reply { return Reply{Content: "late", Delay: time.Hour} }))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := post(t, ctx, s.URL(), "", chatBody); err == nil {
		t.Fatal("the client got an answer before an hour passed")
	}
	// The handler returns: in-flight drops to zero.
	deadline := time.Now().Add(10 * time.Second)
	for s.inFlight.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the delayed handler is still running after the client left")
		}
		time.Sleep(time.Millisecond) // polling a condition, with a deadline
	}
}

func TestInFlightMax(t *testing.T) {
	t.Parallel()
	const n = 4
	var arrived sync.WaitGroup
	arrived.Add(n)
	release := make(chan struct{})
	s := NewServer(t, WithHandler(func(RecordedRequest) Reply {
		arrived.Done()
		<-release
		return Reply{Content: "ok"}
	}))
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { _, _, _ = post(t, t.Context(), s.URL(), "", chatBody) })
	}
	arrived.Wait() // all n are inside the handler at once
	close(release)
	wg.Wait()
	if s.InFlightMax() != n {
		t.Errorf("InFlightMax = %d, want %d", s.InFlightMax(), n)
	}
}

func TestModelsAndUnknownRoutes(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithModels("a", "b"))
	resp, err := http.Get(s.URL() + "/models")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Data []struct{ ID string } `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil || len(list.Data) != 2 || list.Data[0].ID != "a" {
		t.Errorf("models: %+v %v", list, err)
	}
	resp, err = http.Get(s.URL() + "/embeddings")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown route: %d", resp.StatusCode)
	}
	if s.Count() != 0 {
		t.Errorf("non-chat requests counted: %d", s.Count())
	}
}
