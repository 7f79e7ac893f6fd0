package issue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/codetree/codetree/treesearch/ghissue"
	"github.com/codetree/codetree/treesearch/pipeline"
	"github.com/codetree/codetree/treesearch/repo"
)

// GitHub is what Run asks of GitHub (*ghissue.Client).
type GitHub interface {
	FetchIssue(ctx context.Context, ref ghissue.Ref) (*ghissue.Issue, error)
	Repo(ctx context.Context, owner, name string) (*ghissue.Repository, error)
	CreateBranchCommit(ctx context.Context, owner, repo, base, parent, branch, message string,
		files map[string][]byte, deleted []string) (string, error)
	Fork(ctx context.Context, owner, repo string) (string, error)
	OpenPullRequest(ctx context.Context, owner, repo, head, base, title, body string) (string, int, error)
	Comment(ctx context.Context, owner, repo string, number int, body string) (string, error)
}

var _ GitHub = (*ghissue.Client)(nil)

// Options are what Run works on. Ref, GitHub and, unless Dir is set, WorkDir
// are required; Solve needs its Model and Sandbox (its Snapshot and Task are
// Run's).
type Options struct {
	Ref    ghissue.Ref
	GitHub GitHub
	// Token is given to git for an http(s) clone; it is never written.
	Token Secret
	// Dir is an existing checkout to use instead of a clone.
	Dir string
	// WorkDir is the folder the clone is made in (a new folder in it).
	WorkDir string
	// CloneURL is a template with {owner} and {repo} ("": the repository's
	// clone URL); GitRef a branch, tag or commit to check out ("": the
	// default branch).
	CloneURL, GitRef string
	// Globs are the --files (repo.MatchFiles over the checkout).
	Globs []string
	// Solve is the search's options (the pipeline's repair).
	Solve repo.Options
	// KeepReproduction puts the reproduction test into the patch.
	KeepReproduction bool
	// PullRequest opens a pull request with a passing change; Comment posts
	// it on the issue. Branch is the pull request's (default codetree/issue-N).
	PullRequest, Comment bool
	Branch               string
	// Log, when set, is told of each step (a line of text, no secret).
	Log func(string)
}

// Result is what Run did; its JSON is `codetree issue --json`.
type Result struct {
	Issue string `json:"issue"` // owner/repo#N
	Title string `json:"title"`
	// Checkout is the folder the search worked on; Commit the commit checked
	// out there, the parent of a pull request's commit ("" when unknown:
	// the default branch's head then).
	Checkout string           `json:"checkout"`
	Commit   string           `json:"commit,omitempty"`
	Pipeline *pipeline.Result `json:"result"`
	// Branch, Fork (the fork's owner, when one was used) and PullRequest
	// (its URL) are set when a pull request was opened; Comment is the
	// comment's URL.
	Branch      string `json:"branch,omitempty"`
	Fork        string `json:"fork,omitempty"`
	PullRequest string `json:"pull_request,omitempty"`
	Comment     string `json:"comment,omitempty"`
	// Notes say what was not done and why.
	Notes []string `json:"notes,omitempty"`
}

// Run reads the issue, gets the repository, searches for a change and, when
// asked and the change passes, writes it to GitHub. A search error comes
// with the Result so far (Solve set); an error before the search comes
// alone.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.GitHub == nil {
		return nil, errors.New("issue: no GitHub client")
	}
	is, err := o.GitHub.FetchIssue(ctx, o.Ref)
	if err != nil {
		return nil, err
	}
	o.log(fmt.Sprintf("read %s: %s (%d comments)", o.Ref, is.Title, len(is.Comments)))
	gr, err := o.GitHub.Repo(ctx, o.Ref.Owner, o.Ref.Repo)
	if err != nil {
		return nil, err
	}
	res := &Result{Issue: o.Ref.String(), Title: is.Title, Checkout: o.Dir}
	if res.Checkout == "" {
		if res.Checkout, err = o.clone(ctx, gr); err != nil {
			return nil, err
		}
	}
	res.Commit = HeadCommit(ctx, res.Checkout)
	snap, err := repo.Load(ctx, res.Checkout, repo.LoadOptions{})
	if err != nil {
		return nil, fmt.Errorf("read the checkout: %w", err)
	}
	po := pipeline.Options{ID: o.Ref.String(), Issue: is.Text(), Solve: o.Solve,
		KeepReproduction: o.KeepReproduction, Log: o.Log}
	po.Solve.Snapshot = snap
	if po.Files, err = repo.MatchFiles(snap, o.Globs); err != nil {
		return nil, fmt.Errorf("--files %w", err)
	}
	if res.Pipeline, err = pipeline.Run(ctx, po); err != nil || res.Pipeline == nil {
		return res, err
	}
	if !o.PullRequest && !o.Comment {
		return res, nil
	}
	if !res.Pipeline.Passed {
		res.Notes = append(res.Notes, "nothing was written to GitHub: no change passes the tests")
		return res, nil
	}
	if o.PullRequest {
		if err := o.openPullRequest(ctx, gr, is, res); err != nil {
			return res, err
		}
	}
	if o.Comment {
		url, err := o.GitHub.Comment(ctx, o.Ref.Owner, o.Ref.Repo, o.Ref.Number, CommentBody(res.Pipeline))
		if err != nil {
			return res, err
		}
		res.Comment = url
	}
	return res, nil
}

func (o Options) log(s string) {
	if o.Log != nil {
		o.Log(s)
	}
}

// clone makes a new folder in WorkDir and clones the repository into it.
func (o Options) clone(ctx context.Context, gr *ghissue.Repository) (string, error) {
	if o.WorkDir == "" {
		return "", errors.New("issue: no work folder for the clone")
	}
	if err := os.MkdirAll(o.WorkDir, 0o755); err != nil {
		return "", fmt.Errorf("make the work folder: %w", err)
	}
	parent, err := os.MkdirTemp(o.WorkDir, fmt.Sprintf("%s-%s-%d-", o.Ref.Owner, o.Ref.Repo, o.Ref.Number))
	if err != nil {
		return "", fmt.Errorf("make the work folder: %w", err)
	}
	dir := filepath.Join(parent, o.Ref.Repo)
	remote := CloneURL(o.CloneURL, o.Ref.Owner, o.Ref.Repo, gr.CloneURL)
	if remote == "" {
		return "", fmt.Errorf("clone %s/%s: GitHub gave no clone URL; pass --clone-url", o.Ref.Owner, o.Ref.Repo)
	}
	o.log("cloning " + remote + " into " + dir)
	if err := Clone(ctx, remote, dir, o.GitRef, o.Token); err != nil {
		return "", err
	}
	return dir, nil
}

// openPullRequest commits the change on a new branch (of a fork when the
// token cannot push) and opens a pull request into the default branch. When
// the pull request cannot be opened, it deletes the branch it made, so that
// nothing is left half-done; the error says what, if anything, is left.
func (o Options) openPullRequest(ctx context.Context, gr *ghissue.Repository, is *ghissue.Issue, res *Result) error {
	files, deleted := res.Pipeline.Changes()
	branch := o.Branch
	if branch == "" {
		branch = fmt.Sprintf("codetree/issue-%d", o.Ref.Number)
	}
	owner, head := o.Ref.Owner, branch
	if !gr.CanPush {
		fork, err := o.GitHub.Fork(ctx, o.Ref.Owner, o.Ref.Repo)
		if err != nil {
			return err
		}
		owner, head, res.Fork = fork, fork+":"+branch, fork
		o.log("the token cannot push to " + o.Ref.Owner + "/" + o.Ref.Repo + ": using the fork " + fork + "/" + o.Ref.Repo)
	}
	title := fmt.Sprintf("Fix #%d: %s", o.Ref.Number, is.Title)
	sha, err := o.GitHub.CreateBranchCommit(ctx, owner, o.Ref.Repo, gr.DefaultBranch, res.Commit, branch, title, files, deleted)
	if err != nil {
		return err
	}
	o.log(fmt.Sprintf("made the branch %s in %s/%s (commit %s)", branch, owner, o.Ref.Repo, sha))
	url, _, err := o.GitHub.OpenPullRequest(ctx, o.Ref.Owner, o.Ref.Repo, head, gr.DefaultBranch, title,
		PullRequestBody(o.Ref, res.Pipeline))
	if err != nil {
		return o.undoBranch(ctx, err, owner, branch, res)
	}
	res.Branch = branch
	res.PullRequest = url
	return nil
}

// branchDeleter is the method of *ghissue.Client that undoBranch uses, when
// the Options' GitHub has it.
type branchDeleter interface {
	DeleteBranch(ctx context.Context, owner, repo, branch string) error
}

var _ branchDeleter = (*ghissue.Client)(nil)

// undoTimeout bounds the deletion of a branch after a failed pull request.
const undoTimeout = 30 * time.Second

// undoBranch deletes branch from owner/repo after the pull request failed
// with prErr, and returns prErr with what was done: the branch deleted (or
// already gone), or, when the deletion fails too, what is left on the
// remote and how to remove it (res.Branch then names it). It runs even
// when ctx is cancelled (Ctrl-C during the pull request).
func (o Options) undoBranch(ctx context.Context, prErr error, owner, branch string, res *Result) error {
	where := fmt.Sprintf("%s/%s", owner, o.Ref.Repo)
	var forkNote string
	if res.Fork != "" {
		forkNote = fmt.Sprintf("; the fork %s stays", where)
	}
	bd, ok := o.GitHub.(branchDeleter)
	if !ok {
		res.Branch = branch
		return fmt.Errorf("%w; the branch %s is left in %s: delete it (git push <remote> --delete %s) "+
			"or open the pull request by hand%s", prErr, branch, where, branch, forkNote)
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	switch err := bd.DeleteBranch(cctx, owner, o.Ref.Repo, branch); {
	case err == nil:
		o.log("deleted the branch " + branch + " of " + where + " again: the pull request failed")
		return fmt.Errorf("%w; the branch %s made for it was deleted from %s again, nothing is left of it%s",
			prErr, branch, where, forkNote)
	case errors.Is(err, ghissue.ErrNoSuchBranch):
		return fmt.Errorf("%w; the branch %s made for it is no longer in %s (deleted meanwhile?), nothing is "+
			"left of it%s", prErr, branch, where, forkNote)
	default:
		res.Branch = branch
		return fmt.Errorf("%w; deleting the branch %s made for it failed too (%v): it is left in %s; delete it "+
			"(git push <remote> --delete %s, or on the repository's branches page) or open the pull request by hand%s",
			prErr, branch, err, where, branch, forkNote)
	}
}

// PullRequestBody is the search's summary, the evidence (the reproduction
// test that failed before, the regression tests that keep passing) and
// "Fixes #N".
func PullRequestBody(ref ghissue.Ref, r *pipeline.Result) string {
	var b strings.Builder
	if r.Search != nil {
		b.WriteString(r.Search.Summary)
		b.WriteString("\n\n")
	}
	if rep := r.Reproduction; rep != nil {
		fmt.Fprintf(&b, "Reproduction: %s (in %s) failed before the change and passes with it", strings.Join(rep.Tests, ", "),
			strings.Join(rep.Files, ", "))
		if !keeps(r, rep) {
			b.WriteString("; the test is not part of this change")
		}
		b.WriteString(".\n")
	}
	if len(r.Regression) > 0 {
		fmt.Fprintf(&b, "Regression: %d existing tests of the touched code pass before and after.\n", len(r.Regression))
	}
	if r.Search != nil && r.Search.After != nil {
		fmt.Fprintf(&b, "Tests: `%s` %s before the change and %s with it.\n", r.Test, passText(&r.Search.Before),
			passText(r.Search.After))
	}
	if r.TouchesTests {
		b.WriteString("\nNote: this change edits existing tests; review them.\n")
	}
	fmt.Fprintf(&b, "\nMade by codetree.\n\nFixes #%d\n", ref.Number)
	return b.String()
}

// keeps reports whether the patch holds the reproduction test.
func keeps(r *pipeline.Result, rep *pipeline.Reproduction) bool {
	files, _ := r.Changes()
	for _, p := range rep.Files {
		if _, ok := files[p]; ok {
			return true
		}
	}
	return false
}

// CommentBody is the summary and the patch in a fenced block.
func CommentBody(r *pipeline.Result) string {
	fence := "```"
	for strings.Contains(r.Patch, fence) {
		fence += "`"
	}
	summary := ""
	if r.Search != nil {
		summary = r.Search.Summary
	}
	return fmt.Sprintf("%s\n\nA change that passes the tests, made by codetree:\n\n%sdiff\n%s%s\n",
		summary, fence, ensureNewline(r.Patch), fence)
}

func passText(c *repo.Check) string {
	if c.TestsPassed() {
		return "passes"
	}
	return "fails"
}

func ensureNewline(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s
}
