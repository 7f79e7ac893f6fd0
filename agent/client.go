package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// chatCompleter is the part of the go-openai client the Client uses.
type chatCompleter interface {
	CreateChatCompletion(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error)
}

// Client completes chat requests against an OpenAI-compatible endpoint with
// retries, a bound on requests in flight, budgets, accounting and a
// response cache. It is safe for concurrent use.
type Client struct {
	cfg      Config
	endpoint string
	api      chatCompleter
	http     *http.Client // the api's, also for Preflight
	price    Price
	priced   bool
	sem      chan struct{}
	guard    *guard
	ledger   *Ledger
	cache    *responseCache // nil when off
	log      *slog.Logger
	// simulated is set once a response said it came from a simulated model.
	simulated atomic.Bool

	// Seams for tests.
	sleep  func(context.Context, time.Duration) error
	jitter func(time.Duration) time.Duration
	now    func() time.Time
}

var _ Completer = (*Client)(nil)

// New checks cfg and returns a Client. It makes no request: a replay needs
// no reachable endpoint. Close it to close the cache file.
func New(cfg Config) (*Client, error) {
	if err := cfg.normalize(); err != nil {
		return nil, fmt.Errorf("configure model client: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		cfg:      cfg,
		endpoint: endpointName(cfg.BaseURL),
		sem:      make(chan struct{}, cfg.Concurrency),
		guard:    newGuard(cfg.Budget),
		ledger:   &Ledger{},
		log:      log,
		sleep:    sleepCtx,
		jitter:   fullJitter,
		now:      time.Now,
	}
	c.price, c.priced = cfg.Prices.Lookup(cfg.Model)
	if !c.priced {
		log.Warn("no price for model: its calls count as costing 0", "model", cfg.Model)
	}
	oc := openai.DefaultConfig(string(cfg.APIKey))
	oc.BaseURL = cfg.BaseURL
	c.http = c.httpClient(cfg)
	oc.HTTPClient = c.http
	c.api = openai.NewClientWithConfig(oc)
	if cfg.Cache.Mode != CacheOff {
		cache, err := openCache(cfg.Cache, log)
		if err != nil {
			return nil, fmt.Errorf("configure model client: %w", err)
		}
		c.cache = cache
		log.Debug("response cache loaded", "path", cfg.Cache.Path, "mode", cfg.Cache.Mode.String(), "entries", cache.len())
	}
	return c, nil
}

// httpClient wraps the configured client's transport (without modifying
// it) or builds a pooled one.
func (c *Client) httpClient(cfg Config) *http.Client {
	if cfg.HTTPClient != nil {
		hc := *cfg.HTTPClient
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = &transport{base: base, now: c.clock}
		return &hc
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = cfg.Concurrency
	return &http.Client{Transport: &transport{base: t, now: c.clock}}
}

// clock reads c.now late, so a test can set it after New.
func (c *Client) clock() time.Time { return c.now() }

// Ledger returns the client's accounts.
func (c *Client) Ledger() *Ledger { return c.ledger }

// Simulated reports whether any response so far came from a simulated
// model (Response.Simulated), whatever the configured model's name.
func (c *Client) Simulated() bool { return c.simulated.Load() }

// Close closes the cache file. Calls after Close are not recorded.
func (c *Client) Close() error {
	if c.cache == nil {
		return nil
	}
	return c.cache.close()
}

// plan is a Request with the Config's defaults applied.
type plan struct {
	req         Request
	temperature float64
	maxTokens   int
	reasoning   bool
	// reserveTokens is the prompt estimate the budget reserves (3 bytes
	// per token, on the high side).
	reserveTokens int
}

func (c *Client) plan(req Request) plan {
	p := plan{req: req, temperature: c.cfg.Temperature, maxTokens: c.cfg.MaxTokens, reasoning: isReasoningModel(c.cfg.Model)}
	if req.Temperature != nil {
		p.temperature = *req.Temperature
	}
	if req.MaxTokens > 0 {
		p.maxTokens = req.MaxTokens
	}
	p.reserveTokens = estimatePromptTokens(req.Messages, 3)
	return p
}

// cacheKey is the key of p's response in the cache: a hash of the whole
// prompt, so it is computed only when there is a cache.
func (c *Client) cacheKey(p plan) string {
	return cacheKeyInput{
		Model: c.cfg.Model, Messages: p.req.Messages, Temperature: p.temperature,
		Seed: c.cfg.Seed, MaxTokens: p.maxTokens, Sample: p.req.Sample,
	}.key()
}

// isReasoningModel matches the models go-openai validates as reasoning
// models: they take max_completion_tokens and no temperature.
func isReasoningModel(model string) bool {
	m := strings.ToLower(model)
	for _, p := range []string{"o1", "o3", "o4", "gpt-5", "gpt-6"} {
		if strings.HasPrefix(m, p) {
			return true
		}
	}
	return false
}

// sampleSeed is the seed sent for a request: independent samples of one
// prompt (Request.Sample > 0) get distinct seeds, base + sample, so that a
// server that honours seeds gives distinct but reproducible samples.
func sampleSeed(seed *int, sample int) *int {
	if sample == 0 {
		return seed
	}
	s := sample
	if seed != nil {
		s += *seed
	}
	return &s
}

func (p plan) openaiRequest(model string, seed *int) openai.ChatCompletionRequest {
	r := openai.ChatCompletionRequest{Model: model, Seed: sampleSeed(seed, p.req.Sample), Messages: make([]openai.ChatCompletionMessage, len(p.req.Messages))}
	for i, m := range p.req.Messages {
		r.Messages[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	if p.reasoning {
		r.MaxCompletionTokens = p.maxTokens
	} else {
		r.MaxTokens = p.maxTokens
		r.Temperature = float32(p.temperature)
	}
	return r
}

// Complete answers req: from the cache when it can, else from the endpoint
// with retries, within the budget. Failures are *Error values (see
// ErrorClass), except a cancelled or expired ctx, returned as ctx.Err()
// wrapped.
func (c *Client) Complete(ctx context.Context, req Request) (Response, error) {
	start := c.now()
	p := c.plan(req)
	resp, err := c.complete(ctx, p)
	resp.Duration = c.now().Sub(start)
	if err != nil {
		c.log.Debug("chat completion failed", "role", string(req.Role), "problem", req.Problem,
			"class", ClassOf(err).String(), "duration_ms", resp.Duration.Milliseconds(), "error", err.Error())
		return Response{}, err
	}
	c.log.Debug("chat completion", "role", string(req.Role), "problem", req.Problem, "model", resp.Model,
		"cached", resp.Cached, "retries", resp.Retries, "prompt_tokens", resp.Usage.PromptTokens,
		"completion_tokens", resp.Usage.CompletionTokens, "estimated", resp.Usage.Estimated,
		"cost_usd", resp.Cost, "duration_ms", resp.Duration.Milliseconds())
	return resp, nil
}

func (c *Client) complete(ctx context.Context, p plan) (Response, error) {
	rec := entry{role: p.req.Role, problem: p.req.Problem, model: c.cfg.Model, finished: true}
	fail := func(attempts int, err error) (Response, error) {
		rec.failed, rec.attempts, rec.class, rec.errName = true, attempts, ClassOf(err), errorName(err)
		c.ledger.record(rec)
		return Response{}, err
	}
	if err := ctx.Err(); err != nil {
		return fail(0, fmt.Errorf("chat completion: %w", err))
	}
	hold, err := c.guard.holdProblem(p.req.Role, p.req.Problem, p.reserveTokens+p.maxTokens)
	if err != nil {
		return fail(0, err)
	}
	var key string
	if c.cache != nil {
		key = c.cacheKey(p)
		if e, ok := c.cache.get(key); ok {
			hold.settle(e.Usage.Total())
			rec.cached, rec.usage = true, e.Usage
			c.ledger.record(rec)
			if e.Simulated {
				c.simulated.Store(true)
			}
			return e.response(), nil
		}
		if c.cache.mode == CacheReplay {
			hold.release()
			return fail(0, &Error{Class: CacheMiss, Err: fmt.Errorf(
				"role %s, problem %q, sample %d: not in %s; record it first with cache mode rw",
				p.req.Role, p.req.Problem, p.req.Sample, c.cache.path)})
		}
	}
	resp, attempts, err := c.retry(ctx, p)
	if err != nil {
		hold.release()
		return fail(attempts, err)
	}
	hold.settle(resp.Usage.Total())
	rec.answered, rec.usage, rec.cost, rec.priced, rec.attempts = true, resp.Usage, resp.Cost, !resp.PriceUnknown, attempts
	c.ledger.record(rec)
	if c.cache != nil {
		err := c.cache.put(cacheEntry{
			Key: key, Model: resp.Model, Content: resp.Content, FinishReason: resp.FinishReason, Usage: resp.Usage,
			Simulated: resp.Simulated, Role: p.req.Role, Problem: p.req.Problem, Sample: p.req.Sample, Time: c.now().UTC(),
		})
		if err != nil {
			c.log.Error("cannot record response in cache: a replay will miss it", "path", c.cache.path, "error", err)
		}
	}
	return resp, nil
}

// priceFor prices a reply: at the configured model's price, else at the
// price of the model the server says answered.
func (c *Client) priceFor(served string) (Price, bool) {
	if c.priced {
		return c.price, true
	}
	return c.cfg.Prices.Lookup(served)
}

// retry makes attempts until one succeeds, a failure is final, the retries
// run out, the cost cap refuses, or ctx ends. It returns the number of
// attempts made.
func (c *Client) retry(ctx context.Context, p plan) (Response, int, error) {
	worstUsage := Usage{PromptTokens: p.reserveTokens, CompletionTokens: p.maxTokens}
	worst := c.price.Cost(worstUsage)
	why := fmt.Sprintf("~%d prompt tokens + %d max tokens", p.reserveTokens, p.maxTokens)
	for n := 0; ; n++ {
		hold, err := c.guard.holdCost(worst, why)
		if err != nil {
			return Response{}, n, err
		}
		resp, res := c.attempt(ctx, p)
		if res.err == nil {
			hold.settle(resp.Cost)
			resp.Retries = n
			return resp, n + 1, nil
		}
		if !res.sent { // ctx ended while waiting for a slot
			hold.release()
			return Response{}, n, fmt.Errorf("chat completion: %w", res.err)
		}
		if ctx.Err() != nil {
			// Cancelled mid-request: the server may have billed it.
			hold.unconfirmed()
			c.ledger.record(entry{role: p.req.Role, problem: p.req.Problem, unconfirmed: worst})
			return Response{}, n + 1, fmt.Errorf("chat completion: %w", ctx.Err())
		}
		class, status, billed := classify(res.err, res.timedOut)
		fault := entry{role: p.req.Role, problem: p.req.Problem, fault: class.String()}
		if billed {
			hold.unconfirmed()
			fault.unconfirmed = worst
		} else {
			hold.release()
		}
		c.ledger.record(fault)
		if status == 0 {
			status = res.info.status
		}
		e := &Error{Class: class, Endpoint: c.endpoint, Status: status, Attempts: n + 1, Err: res.err}
		c.scrub(e)
		if !class.retryable() || n >= c.cfg.MaxRetries {
			return Response{}, n + 1, e
		}
		wait := backoff(n, c.cfg.RetryBase, c.cfg.RetryMax, c.jitter)
		if res.info.hasRetryAfter {
			wait = min(res.info.retryAfter, c.cfg.RetryMax)
		}
		if deadline, ok := ctx.Deadline(); ok && c.now().Add(wait).After(deadline) {
			// The caller's deadline would end the wait: report why now.
			return Response{}, n + 1, e
		}
		c.log.Warn("retrying chat completion", "role", string(p.req.Role), "problem", p.req.Problem,
			"class", class.String(), "status", status, "attempt", n+1, "wait_ms", wait.Milliseconds(), "error", e.Error())
		if err := c.sleep(ctx, wait); err != nil {
			return Response{}, n + 1, fmt.Errorf("chat completion: wait to retry: %w (last attempt: %v)", err, e)
		}
	}
}

// attemptResult is the outcome of one HTTP attempt.
type attemptResult struct {
	err      error
	sent     bool // the request was handed to the transport
	timedOut bool // the attempt's own timeout fired
	info     *attemptInfo
}

// attempt makes one request within the concurrency bound and the request
// timeout.
func (c *Client) attempt(ctx context.Context, p plan) (Response, attemptResult) {
	info := &attemptInfo{zeroTemperature: !p.reasoning && p.temperature == 0}
	res := attemptResult{info: info}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		res.err = ctx.Err()
		return Response{}, res
	}
	defer func() { <-c.sem }()

	actx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	res.sent = true
	out, err := c.api.CreateChatCompletion(withAttempt(actx, info), p.openaiRequest(c.cfg.Model, c.cfg.Seed))
	if err == nil && len(out.Choices) == 0 {
		err = errNoChoices
	}
	if err != nil {
		res.err = err
		res.timedOut = errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		return Response{}, res
	}
	resp := Response{
		Content:      out.Choices[0].Message.Content,
		Model:        out.Model,
		FinishReason: string(out.Choices[0].FinishReason),
		Usage:        Usage{PromptTokens: out.Usage.PromptTokens, CompletionTokens: out.Usage.CompletionTokens},
		Simulated:    strings.EqualFold(out.Header().Get(SimulatedHeader), "true"),
	}
	if resp.Simulated {
		c.simulated.Store(true)
	}
	if resp.Model == "" {
		resp.Model = c.cfg.Model
	}
	if out.Usage.PromptTokens == 0 && out.Usage.CompletionTokens == 0 && out.Usage.TotalTokens == 0 {
		resp.Usage = Usage{
			PromptTokens:     estimatePromptTokens(p.req.Messages, 4),
			CompletionTokens: ceilDiv(len(resp.Content), 4),
			Estimated:        true,
		}
	}
	price, known := c.priceFor(resp.Model)
	resp.Cost = price.Cost(resp.Usage)
	resp.PriceUnknown = !known
	return resp, res
}

// scrub removes the API key from e and from the go-openai errors it wraps
// (a server may echo the key in its error message).
func (c *Client) scrub(e *Error) {
	key := string(c.cfg.APIKey)
	if len(key) < 4 {
		return
	}
	var apiErr *openai.APIError
	if errors.As(e.Err, &apiErr) {
		apiErr.Message = strings.ReplaceAll(apiErr.Message, key, redacted)
	}
	var reqErr *openai.RequestError
	if errors.As(e.Err, &reqErr) {
		reqErr.Body = []byte(strings.ReplaceAll(string(reqErr.Body), key, redacted))
	}
	e.detail = strings.ReplaceAll(e.Err.Error(), key, redacted)
}

// estimatePromptTokens estimates the prompt tokens of msgs at
// bytesPerToken, plus the chat format's overhead.
func estimatePromptTokens(msgs []Message, bytesPerToken int) int {
	n := 3
	for _, m := range msgs {
		n += 4 + ceilDiv(len(m.Content), bytesPerToken)
	}
	return n
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// errorName names a failure in the ledger: its class, or what ended the
// caller's context.
func errorName(err error) string {
	switch c := ClassOf(err); {
	case c != ClassUnknown:
		return c.String()
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline_exceeded"
	}
	return ClassUnknown.String()
}
