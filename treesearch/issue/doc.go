// Package issue is the engine of `codetree issue OWNER/REPO#N`: it reads a GitHub issue,
// clones its repository with git (or uses a checkout the caller names), runs repo.Solve
// with the issue's text as the task and the repository's tests and linter as feedback,
// and, only when asked, opens a pull request with the change (through a fork when the
// token cannot push) or posts it as a comment on the issue.
//
// Guarantees:
//   - Nothing is written to GitHub unless Options.PullRequest or Options.Comment is set,
//     and then only for a change that passes the tests.
//   - The token reaches git through its environment only (an http.extraHeader given by
//     GIT_CONFIG_* variables, for http(s) remotes): never a process argument, a remote
//     URL or a file of the clone. Token (a Secret) prints as "[redacted]".
//   - Errors are GitHub's (ghissue's classified errors), git's or repo.Solve's, wrapped
//     with what was being done; a search that finds no passing change is a Result.
package issue
