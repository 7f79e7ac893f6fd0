package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/agent"
)

// llmFlags are the model flags of every command that calls a model.
func llmFlags() []cli.Flag {
	d := agent.DefaultConfig()
	return []cli.Flag{
		&cli.StringFlag{Name: "model", Usage: "model name as the endpoint knows it", EnvVars: []string{"CODETREE_MODEL", "OPENAI_MODEL"}},
		&cli.StringFlag{Name: "base-url", Value: "https://api.openai.com/v1", Usage: "OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server, LM Studio)", EnvVars: []string{"OPENAI_BASE_URL"}},
		&cli.StringFlag{Name: "api-key", Usage: "API key (optional for local servers); prefer the environment variable", EnvVars: []string{"OPENAI_API_KEY"}},
		&cli.Float64Flag{Name: "temperature", Value: d.Temperature, Usage: "sampling temperature"},
		&cli.IntFlag{Name: "max-tokens", Value: d.MaxTokens, Usage: "maximum completion tokens per call (0: the server's default)"},
		&cli.IntFlag{Name: "seed", Usage: "sampling seed sent to the server (if it honours one)"},
		&cli.DurationFlag{Name: "request-timeout", Value: d.RequestTimeout, Usage: "timeout of one attempt of one call"},
		&cli.IntFlag{Name: "max-retries", Value: d.MaxRetries, Usage: "retries of a call on 429, 5xx, timeouts and connection errors"},
		&cli.IntFlag{Name: "llm-concurrency", Value: d.Concurrency, Usage: "most model calls in flight at once"},
		&cli.Float64Flag{Name: "max-cost", Usage: "stop before any call that could take the run's cost past this many US dollars (0: no cap)"},
		&cli.StringFlag{Name: "price-file", Usage: "JSON prices per model, USD per million tokens: {\"model\": {\"prompt\": 2.5, \"completion\": 10}}"},
		&cli.StringFlag{Name: "cache", Usage: "response cache file (JSONL); with --cache-mode replay, a recorded run replays without an endpoint"},
		&cli.StringFlag{Name: "cache-mode", Value: "rw", Usage: "off, rw (read and write) or replay (a miss is an error)"},
	}
}

// agentConfig turns the model flags into an agent.Config.
func agentConfig(c *cli.Context) (agent.Config, error) {
	cfg := agent.DefaultConfig()
	cfg.Model = c.String("model")
	if cfg.Model == "" {
		return cfg, usageErrorf("no model: pass --model NAME (or set CODETREE_MODEL)")
	}
	cfg.BaseURL = c.String("base-url")
	if u, err := url.Parse(cfg.BaseURL); err != nil || u.Scheme == "" || u.Host == "" {
		return cfg, usageErrorf("--base-url %q: want an http(s) URL such as http://localhost:8000/v1", cfg.BaseURL)
	}
	cfg.APIKey = agent.Secret(c.String("api-key"))
	cfg.Temperature = c.Float64("temperature")
	cfg.MaxTokens = c.Int("max-tokens")
	if c.IsSet("seed") {
		seed := c.Int("seed")
		cfg.Seed = &seed
	}
	cfg.RequestTimeout = c.Duration("request-timeout")
	if cfg.RequestTimeout <= 0 || cfg.RequestTimeout > 24*time.Hour {
		return cfg, usageErrorf("--request-timeout %s: want a positive duration such as 2m", cfg.RequestTimeout)
	}
	cfg.MaxRetries = c.Int("max-retries")
	cfg.Concurrency = c.Int("llm-concurrency")
	if cfg.Concurrency < 1 {
		return cfg, usageErrorf("--llm-concurrency %d: want at least 1", cfg.Concurrency)
	}
	cfg.Budget.MaxCost = c.Float64("max-cost")
	if cfg.Budget.MaxCost < 0 {
		return cfg, usageErrorf("--max-cost %g: want 0 (no cap) or more", cfg.Budget.MaxCost)
	}
	if p := c.String("price-file"); p != "" {
		prices, err := agent.LoadPrices(p)
		if err != nil {
			return cfg, usageErrorf("--price-file: %v", err)
		}
		cfg.Prices = prices
	}
	mode, err := agent.ParseCacheMode(c.String("cache-mode"))
	if err != nil {
		return cfg, usageErrorf("--cache-mode: %v", err)
	}
	cfg.Cache = agent.CacheConfig{Path: c.String("cache"), Mode: mode}
	if cfg.Cache.Path == "" && mode == agent.CacheReplay {
		return cfg, usageErrorf("--cache-mode replay needs --cache FILE")
	}
	if cfg.Cache.Path == "" {
		cfg.Cache.Mode = agent.CacheOff
	}
	cfg.Logger = slog.Default()
	return cfg, nil
}

// describeAccount is the one-line account of a call for stderr.
func describeAccount(r agent.Response) string {
	est := ""
	if r.Usage.Estimated {
		est = " (estimated)"
	}
	src := ""
	if r.Cached {
		src = ", from cache"
	}
	cost := fmt.Sprintf("$%.6f", r.Cost)
	if r.PriceUnknown && !r.Cached {
		cost = "unknown (no price for " + r.Model + ": pass --price-file)"
	}
	return fmt.Sprintf("tokens: %d prompt + %d completion%s, cost %s, retries %d, %s%s",
		r.Usage.PromptTokens, r.Usage.CompletionTokens, est, cost, r.Retries, r.Duration.Round(time.Millisecond), src)
}

// checkEndpoint makes one call before a run starts (agent.Client.Preflight):
// a dead endpoint or a refused key fails here, at once, not after every
// call's retries.
func checkEndpoint(ctx context.Context, client *agent.Client) error {
	if err := client.Preflight(ctx); err != nil {
		return fmt.Errorf("the model endpoint cannot serve the run: %w", err)
	}
	return nil
}
