package agent

import (
	"context"
	"time"
)

// Role names a CodeTree role; it keys accounting and the cache.
type Role string

const (
	RoleThinker  Role = "thinker"
	RoleSolver   Role = "solver"
	RoleDebugger Role = "debugger"
	RoleCritic   Role = "critic"
)

// Message is one chat message.
type Message struct {
	Role    string `json:"role"` // "system", "user" or "assistant"
	Content string `json:"content"`
}

// Request is one chat completion.
type Request struct {
	// Role and Problem say who asks and for what: they key the accounts
	// and the per-problem limits.
	Role    Role
	Problem string
	// Messages is the conversation to complete.
	Messages []Message
	// Temperature and MaxTokens override the client's defaults when set.
	Temperature *float64
	MaxTokens   int
	// Sample tells apart repeated requests for independent samples of the
	// same prompt: it is part of the cache key (and of nothing sent).
	Sample int
}

// Usage counts the tokens of one call.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	// Estimated is true when the server sent no usage and the counts were
	// estimated from the text.
	Estimated bool `json:"estimated,omitempty"`
}

// Total is prompt plus completion tokens.
func (u Usage) Total() int { return u.PromptTokens + u.CompletionTokens }

// Response is the answer to a Request.
type Response struct {
	Content      string
	Model        string
	FinishReason string
	Usage        Usage
	// Cost in US dollars, from the price table (0 for unknown prices).
	Cost float64
	// PriceUnknown: the price table has no entry for the model, so Cost
	// is 0 whatever the tokens.
	PriceUnknown bool
	// Cached: served from the response cache, no call was made.
	Cached bool
	// Retries is the number of failed attempts before this answer.
	Retries  int
	Duration time.Duration
	// Simulated: the endpoint marked the answer as coming from a simulated
	// model (the SimulatedHeader of codetree sim-llm), or the cached
	// answer was recorded from one.
	Simulated bool
}

// SimulatedHeader is the response header with which an endpoint says it is
// a simulated model ("true"); codetree sim-llm sends it on every response.
const SimulatedHeader = "X-Codetree-Simulated"

// Completer completes chat requests. *Client implements it; the roles
// consume it.
type Completer interface {
	Complete(ctx context.Context, req Request) (Response, error)
}
