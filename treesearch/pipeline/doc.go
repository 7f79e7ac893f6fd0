// Package pipeline turns an issue into a tested patch, Agentless's way
// with CodeTree as the repair (arXiv 2411.04329, Section 4.7): codetree
// issue and codetree swe run both call Run.
//
// The stages, each recorded in the Result with its model calls, tokens,
// cost and time:
//
//  1. environment: the repository's language, its test command (inferred
//     or given) and how its dependencies reach the sandbox (a Go module
//     cache downloaded on the host and mounted read-only, or vendor/).
//  2. localize: a lexical ranking of the files for the words
//     (Rank), the model's choice of files from the layout with the ranking
//     as a hint (the ranking alone when the model names none), then the
//     functions, methods and types in them from their skeletons
//     (Skeleton). Each localization becomes a strategy of the search: the
//     Thinker's strategies become retrieval choices.
//  3. regression: the existing tests of the touched packages (Go) or
//     the test files that import the touched modules (Python) that pass
//     before any change. This run of the repository as it is fills the Go
//     build cache that every later run reads (repo.Tester.RunBaseline).
//  4. reproduce: the model writes a test; it is kept only when it runs
//     and fails on the unpatched code (a failing assertion, not a build
//     or collection error), else the model is told why and tries again.
//  5. repair: repo.Solve (CodeTree over SEARCH/REPLACE edits) with the
//     reproduction and regression tests as the test command, the linter's
//     new findings, and the issue as the task the Critic judges by.
//  6. select: the search's accepted change (it passes the reproduction
//     and regression tests), else its best by score. The patch leaves the
//     reproduction test out unless KeepReproduction; a patch that edits
//     existing tests is flagged.
package pipeline
