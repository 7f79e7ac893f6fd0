// Package agent makes the LLM calls of codetree: a Client for any
// OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama,
// llama.cpp, LM Studio; plain chat, no function calling) and the CodeTree
// roles built on the Completer interface.
//
// What the Client guarantees:
//
//   - Errors are classified (ErrorClass). Infrastructure failures
//     (RateLimited, ServerError, Timeout, Network, Auth, MalformedResponse;
//     IsInfrastructure) are failures of the endpoint, never wrong answers,
//     and a benchmark must not score them as such. Model-output failures
//     (EmptyOutput, NoCode, Unparsable; IsModelOutput) are set by the roles.
//     BudgetExceeded and CacheMiss are neither. A cancelled or expired
//     caller context is returned as itself (errors.Is(err,
//     context.Canceled)), never retried.
//   - 429, 5xx, attempt timeouts, connection errors and unreadable replies
//     are retried up to Config.MaxRetries times with exponential backoff and
//     full jitter, honouring Retry-After; other 4xx are not retried. Waits
//     end as soon as the context does.
//   - At most Config.Concurrency requests are in flight at once.
//   - Budget limits are checked before each call, by reserving its worst
//     case under a lock, so a cost cap holds under concurrency: a call that
//     could pass it is refused and never sent.
//   - Every call is accounted (Ledger) by role, problem and run: tokens
//     (estimated at 4 characters per token when the server sends no usage,
//     and flagged), cost from the PriceTable (0 and flagged for models
//     without a price), attempts, retries, failures by class, cache hits.
//   - The API key (a Secret) never appears in an error, a log line, a
//     Response or a JSON encoding of the Config.
//   - With a cache file (CacheConfig), responses are recorded as one
//     append-only JSONL file and a recorded run replays without an endpoint
//     (CacheReplay), bit for bit.
//
// The roles: Thinker (strategies, reflections), Solver and Debugger (a
// function in a fenced block), Critic (score, verify), and, for a
// repository, Editor: SEARCH/REPLACE edits (ParseEdits, FormatEdits)
// accounted as the Solver's and the Debugger's generations, and
// ChooseFiles, which names the files to read (a Thinker call).
package agent
