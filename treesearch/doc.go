// Package treesearch turns execution feedback into correct code: CodeTree
// (arXiv 2411.04329) and its baselines under one generation budget.
//
// A search sees a Problem (prompt, entry point, visible tests) and never a
// hidden test: those stay in package benchmarks, which this package does
// not import. Candidates run in the sandbox against the visible tests; the
// per-test results become the feedback the model sees.
//
// Strategies get their candidates from a Coder: FunctionCoder asks the
// Solver and the Debugger for a whole function (the benchmarks); package
// repo's Coder edits a repository (codetree solve and fix). Run searches
// many problems into a resumable run folder.
package treesearch
