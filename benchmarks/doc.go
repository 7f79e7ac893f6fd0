// Package benchmarks loads HumanEval, HumanEval+, MBPP (full and test
// split), sanitized MBPP and MBPP+, and evaluates programs on them in the
// sandbox the way the official harnesses do. The datasets are one table
// (DatasetSpecs) that loading, scoring and the commands read. Evaluate
// scores a samples file, or the reference solutions, and returns the
// verdicts and pass@k: a failing sample is a verdict, never an error.
//
// The integrity rule: a search sees a Task (prompt, entry point, visible
// tests) and nothing else. Hidden tests and reference solutions live in
// unexported fields of Problem and are read only by this package's
// evaluation, after the search has chosen its candidate.
package benchmarks
