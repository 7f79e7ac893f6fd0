// Package ghissue is the GitHub layer of `codetree issue OWNER/REPO#N`: it parses an
// issue reference, reads the issue with all its comments and the repository it belongs
// to, and, only when the caller asks, writes back: a branch with one commit made through
// the Git Data API (no local push), a fork, a pull request and an issue comment.
//
// It talks to GitHub through github.com/google/go-github/v60 and never reads flags or the
// environment: the caller passes the HTTP client, the token and, for GitHub Enterprise
// (and tests), the server's URL to New.
//
// Guarantees:
//   - The token is sent only in the Authorization header. It never appears in an error
//     message, nor in the %v, %+v or %#v of a Client: every error this package returns
//     has the token replaced by "[redacted]", even when the server echoes it.
//   - Errors are classified: a rate limit (primary or secondary, a 403 or a 429) is a
//     *RateLimitError that says when to retry (IsRateLimited detects it); any other
//     answer of the API is an *APIError with the status code (401: the token was refused,
//     or a token is needed; 404: not found, or private and the token cannot see it, or,
//     without a token, private: set GITHUB_TOKEN). Both unwrap to go-github's error.
//   - Nothing is retried, except that Fork polls for the fork GitHub is still making, with
//     waits that end when the context does; context.Canceled is never retried.
//   - CreateBranchCommit writes nothing a user can see until its last step (the ref);
//     it refuses a branch that exists (ErrBranchExists) and a base branch that is gone
//     (ErrNoSuchBranch), and keeps the executable mode of files the base has so.
//     DeleteBranch removes a branch made for a pull request that could not be opened.
//   - A pull request is refused where an issue is expected, both by ParseRef (a /pull/
//     URL) and by FetchIssue (an issue number that is a pull request).
package ghissue
