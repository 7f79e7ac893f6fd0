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
//
// Oracle mode (Options.Instances, for codetree swe run --model sim) answers
// the issue pipeline from each SWE-bench instance's gold patch, so the
// pipeline runs on real repositories without an LLM. A conversation
// belongs to the instance whose problem statement its user messages hold
// (white space aside; the longest if several do). The localizer names the
// non-test files the gold patch touches, then the functions, methods and
// types its hunks change ("path: Type.Method", "path: Class.method"); the
// reproducer writes the test patch as SEARCH/REPLACE blocks (a hunk's old
// side, its new side; a created file whole) and, when it adds no test
// function (a new row in an existing table test), one more block that
// appends the changed test as the patch leaves it under a new name
// (TestXIssue, test_x_issue), since a reproduction must be a new test.
// The Editor's first edits are wrong on purpose: the first gold hunk's old
// side with a comment line (TODO(codetree-sim): ...) inserted, which
// applies and fixes nothing.
// Asked to repair them, it reverts that comment and writes the gold hunks;
// if the gold hunks are already in the previous edits it answers a block
// that changes nothing, and if the previous edits did not apply, the gold
// hunks alone. The critic reads the repository's results ("Tests passed:
// P/T"): it scores 5 when every check passes and 2 when one fails, and
// verifies (True) code whose checks pass unless the diff it is shown adds
// the wrong edit's comment (False, with a reason, as when a check fails);
// the thinker's reflections are one numbered fix. These replies are
// plain and the same for every seed and temperature; of the faults, only
// the transport ones apply (429, 500, hangs, malformed bodies).
// Conversations that hold no instance's statement are answered as without
// Instances.
package simllm
