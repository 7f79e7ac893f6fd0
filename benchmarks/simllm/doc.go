// Package simllm is a simulated chat model for running codetree without an
// LLM. It serves the OpenAI chat-completions API and answers the four
// CodeTree roles from the benchmark's reference solutions: the solver writes
// the reference or a mutant of it, the debugger repairs code only when it is
// shown failing test feedback or a review of its code, and the critic
// scores from the feedback it is given. Asked to verify code that passes
// the visible tests, the critic accepts the reference and rejects a mutant
// with a set probability (Options.RejectRate), naming the line where it
// departs from the reference and the kind of input that breaks it.
//
// Replies are deterministic for a seed and a conversation. Their form
// varies as real models' do (reasoning blocks, prose around code, untagged
// or unfenced code, list markers, score and verdict lines) unless
// Options.Plain; the variation never changes what the agent parsers read.
// Faults (429, 500, hangs, malformed bodies, replies without code) are
// injected at configurable rates so the harness's error handling can be
// exercised. Every response carries the header SimulatedHeader, so a client
// knows it talked to a simulated model whatever model name it used.
//
// The model knows which problem a request is about only by finding the
// problem's prompt (or its entry point) in the messages; it reads no file
// and its replies are plain text.
package simllm
