package ghissue

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// fileMode is the mode of every file CreateBranchCommit writes: a regular file.
const fileMode = "100644"

// CreateBranchCommit makes one commit on top of branch base holding files (path -> new
// contents) and removing deleted, and points a new branch at it, all through the Git
// Data API (nothing is pushed from a local clone). It refuses a branch that exists. Until
// the last step only unreferenced objects are made; if creating the ref fails, nothing
// is left to clean up.
func (c *Client) CreateBranchCommit(ctx context.Context, owner, repo, base, branch, message string,
	files map[string][]byte, deleted []string) (string, error) {
	if branch == "" || base == "" {
		return "", errors.New("create branch: base and branch names are required")
	}
	if len(files) == 0 && len(deleted) == 0 {
		return "", fmt.Errorf("create branch %s: no changes to commit", branch)
	}
	for p := range files {
		if err := checkPath(p); err != nil {
			return "", fmt.Errorf("create branch %s: %w", branch, err)
		}
	}
	for _, p := range deleted {
		if err := checkPath(p); err != nil {
			return "", fmt.Errorf("create branch %s: %w", branch, err)
		}
		if _, ok := files[p]; ok {
			return "", fmt.Errorf("create branch %s: %s is both written and deleted", branch, p)
		}
	}
	baseRef, _, err := c.gh.Git.GetRef(ctx, owner, repo, "heads/"+base)
	if err != nil {
		return "", c.wrap(fmt.Sprintf("get base branch %s of %s/%s", base, owner, repo), err)
	}
	parent := baseRef.GetObject().GetSHA()
	if _, _, err := c.gh.Git.GetRef(ctx, owner, repo, "heads/"+branch); err == nil {
		return "", branchExists(owner, repo, branch)
	} else if werr := c.wrap("", err); !IsNotFound(werr) {
		return "", c.wrap(fmt.Sprintf("check branch %s of %s/%s", branch, owner, repo), err)
	}
	parentCommit, _, err := c.gh.Git.GetCommit(ctx, owner, repo, parent)
	if err != nil {
		return "", c.wrap(fmt.Sprintf("get commit %s of %s/%s", parent, owner, repo), err)
	}

	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	entries := make([]*github.TreeEntry, 0, len(files)+len(deleted))
	for _, p := range paths {
		blob, _, err := c.gh.Git.CreateBlob(ctx, owner, repo, &github.Blob{
			Content:  github.String(base64.StdEncoding.EncodeToString(files[p])),
			Encoding: github.String("base64"),
		})
		if err != nil {
			return "", c.wrap(fmt.Sprintf("create blob for %s", p), err)
		}
		entries = append(entries, &github.TreeEntry{
			Path: github.String(p), Mode: github.String(fileMode),
			Type: github.String("blob"), SHA: github.String(blob.GetSHA()),
		})
	}
	for _, p := range deleted {
		// No SHA and no content: go-github sends "sha": null, which removes the path.
		entries = append(entries, &github.TreeEntry{
			Path: github.String(p), Mode: github.String(fileMode), Type: github.String("blob"),
		})
	}
	tree, _, err := c.gh.Git.CreateTree(ctx, owner, repo, parentCommit.GetTree().GetSHA(), entries)
	if err != nil {
		return "", c.wrap(fmt.Sprintf("create tree in %s/%s", owner, repo), err)
	}
	commit, _, err := c.gh.Git.CreateCommit(ctx, owner, repo, &github.Commit{
		Message: github.String(message),
		Tree:    &github.Tree{SHA: tree.SHA},
		Parents: []*github.Commit{{SHA: github.String(parent)}},
	}, nil)
	if err != nil {
		return "", c.wrap(fmt.Sprintf("create commit in %s/%s", owner, repo), err)
	}
	_, _, err = c.gh.Git.CreateRef(ctx, owner, repo, &github.Reference{
		Ref:    github.String("refs/heads/" + branch),
		Object: &github.GitObject{SHA: commit.SHA},
	})
	if err != nil {
		var ae *APIError
		if werr := c.wrap("", err); errors.As(werr, &ae) && ae.StatusCode == http.StatusUnprocessableEntity &&
			strings.Contains(strings.ToLower(ae.Message), "already exists") {
			return "", branchExists(owner, repo, branch)
		}
		return "", c.wrap(fmt.Sprintf("create branch %s in %s/%s", branch, owner, repo), err)
	}
	return commit.GetSHA(), nil
}

// checkPath refuses a path that is not a clean, relative, slash-separated file path.
func checkPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "\\") {
		return fmt.Errorf("bad file path %q: want a relative path with forward slashes", p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." || seg == ".git" {
			return fmt.Errorf("bad file path %q: empty, ., .. or .git segment", p)
		}
	}
	return nil
}

func branchExists(owner, repo, branch string) error {
	return fmt.Errorf("create branch %s in %s/%s: the branch already exists; choose another name or delete it", branch, owner, repo)
}

// OpenPullRequest opens a pull request from head (a branch of owner/repo, or
// "forkowner:branch" for a fork) into base, letting maintainers edit it. It returns the
// pull request's page and number.
func (c *Client) OpenPullRequest(ctx context.Context, owner, repo, head, base, title, body string) (string, int, error) {
	pr, _, err := c.gh.PullRequests.Create(ctx, owner, repo, &github.NewPullRequest{
		Title:               github.String(title),
		Head:                github.String(head),
		Base:                github.String(base),
		Body:                github.String(body),
		MaintainerCanModify: github.Bool(true),
	})
	if err != nil {
		return "", 0, c.wrap(fmt.Sprintf("open pull request %s -> %s in %s/%s", head, base, owner, repo), err)
	}
	return pr.GetHTMLURL(), pr.GetNumber(), nil
}

// Comment posts body on issue or pull request number and returns the comment's page.
func (c *Client) Comment(ctx context.Context, owner, repo string, number int, body string) (string, error) {
	cm, _, err := c.gh.Issues.CreateComment(ctx, owner, repo, number, &github.IssueComment{Body: github.String(body)})
	if err != nil {
		return "", c.wrap(fmt.Sprintf("comment on %s/%s#%d", owner, repo, number), err)
	}
	return cm.GetHTMLURL(), nil
}

// Fork forks owner/repo into the token's account and returns the fork's owner. GitHub
// makes forks in the background (202 Accepted): Fork then looks for the fork every
// ForkPollInterval until it exists, for at most ForkPollTimeout.
func (c *Client) Fork(ctx context.Context, owner, repo string) (string, error) {
	fork, _, err := c.gh.Repositories.CreateFork(ctx, owner, repo, nil)
	var accepted *github.AcceptedError
	if err != nil && !errors.As(err, &accepted) {
		return "", c.wrap(fmt.Sprintf("fork %s/%s", owner, repo), err)
	}
	forkOwner, forkName := fork.GetOwner().GetLogin(), fork.GetName()
	if forkOwner == "" || forkName == "" {
		return "", fmt.Errorf("fork %s/%s: GitHub did not say where the fork is", owner, repo)
	}
	if accepted == nil {
		return forkOwner, nil
	}
	if err := c.waitForRepo(ctx, forkOwner, forkName); err != nil {
		return "", fmt.Errorf("fork %s/%s: %w", owner, repo, err)
	}
	return forkOwner, nil
}

// waitForRepo looks for owner/name until it exists, a look fails otherwise than with
// 404, ForkPollTimeout passes or ctx ends.
func (c *Client) waitForRepo(ctx context.Context, owner, name string) error {
	deadline := time.Now().Add(c.ForkPollTimeout)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return c.wrap(fmt.Sprintf("wait for %s/%s", owner, name), context.Cause(ctx))
		case <-timer.C:
		}
		_, _, err := c.gh.Repositories.Get(ctx, owner, name)
		if err == nil {
			return nil
		}
		if werr := c.wrap(fmt.Sprintf("wait for %s/%s", owner, name), err); !IsNotFound(werr) {
			return werr
		}
		if !time.Now().Add(c.ForkPollInterval).Before(deadline) {
			return fmt.Errorf("wait for %s/%s: not ready after %s", owner, name, c.ForkPollTimeout)
		}
		timer.Reset(c.ForkPollInterval)
	}
}
