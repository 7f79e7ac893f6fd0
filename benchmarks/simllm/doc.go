// Package simllm is a simulated chat model for running codetree without an
// LLM. It serves the OpenAI chat-completions API and answers the four
// CodeTree roles from the benchmark's reference solutions: the solver writes
// the reference or a mutant of it, the debugger repairs code only when it is
// shown failing test feedback, and the critic scores from the feedback it is
// given. Replies are deterministic for a seed and a conversation; faults
// (429, 500, hangs, malformed bodies, replies without code) are injected at
// configurable rates so the harness's error handling can be exercised.
//
// The model knows which problem a request is about only by finding the
// problem's prompt (or its entry point) in the messages; it reads no file
// and its replies are plain text.
package simllm
