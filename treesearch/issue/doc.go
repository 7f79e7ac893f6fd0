// Package issue is the engine of `codetree issue OWNER/REPO#N`: it reads a GitHub issue,
// clones its repository with git (or uses a checkout the caller names), runs the issue
// pipeline (treesearch/pipeline: localize, regression tests, a reproduction test, CodeTree
// repair, selection) with the issue's text, and, only when asked, opens a pull request
// with the patch (through a fork when the token cannot push) or posts it as a comment on
// the issue.
//
// Guarantees:
//   - Nothing is written to GitHub unless Options.PullRequest or Options.Comment is set,
//     and then only for a patch that passes its reproduction and regression tests. The
//     reproduction test is evidence named in the pull request, not part of the patch,
//     unless Options.KeepReproduction.
//   - Nothing is left half-done: when the pull request cannot be opened, the branch made
//     for it is deleted again, or the error says what is left and how to remove it.
//   - The token reaches git through its environment only (an http.extraHeader given by
//     GIT_CONFIG_* variables, for http(s) remotes): never a process argument, a remote
//     URL or a file of the clone. Token (a Secret) prints as "[redacted]".
//   - Errors are GitHub's (ghissue's classified errors), git's or the pipeline's, wrapped
//     with what was being done; a search that finds no passing change is a Result.
package issue
