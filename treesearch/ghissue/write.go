package ghissue

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// File modes of the tree entries CreateBranchCommit writes.
const (
	fileMode = "100644" // a regular file
	execMode = "100755" // an executable file
)

// ErrBranchExists is the error (wrapped) of CreateBranchCommit when the branch it would
// make exists already; ErrNoSuchBranch that of a branch that does not exist (the base of
// CreateBranchCommit, or the branch DeleteBranch was asked to delete).
var (
	ErrBranchExists = errors.New("the branch already exists")
	ErrNoSuchBranch = errors.New("no such branch")
)

// CreateBranchCommit makes one commit on top of parent (the commit the change was made on;
// "" for the head of branch base, which must exist either way) holding files (path -> new
// contents) and removing deleted, and points a new branch at it, all through the Git
// Data API (nothing is pushed from a local clone). A file the base has as executable
// (mode 100755) stays executable; any other is written as a regular file (100644). It
// refuses a branch that exists (ErrBranchExists) and a base that does not
// (ErrNoSuchBranch). Until the last step only unreferenced objects are made; if creating
// the ref fails, nothing is left to clean up.
func (c *Client) CreateBranchCommit(ctx context.Context, owner, repo, base, parent, branch, message string,
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
		werr := c.wrap(fmt.Sprintf("get base branch %s of %s/%s", base, owner, repo), err)
		if IsNotFound(werr) {
			return "", fmt.Errorf("create branch %s in %s/%s: base branch %s: %w (deleted or renamed since the "+
				"repository was read?); nothing was written: check the repository's branches and run again: %w",
				branch, owner, repo, base, ErrNoSuchBranch, werr)
		}
		return "", werr
	}
	if parent == "" {
		parent = baseRef.GetObject().GetSHA()
	}
	if _, _, err := c.gh.Git.GetRef(ctx, owner, repo, "heads/"+branch); err == nil {
		return "", branchExists(owner, repo, branch)
	} else if werr := c.wrap("", err); !IsNotFound(werr) {
		return "", c.wrap(fmt.Sprintf("check branch %s of %s/%s", branch, owner, repo), err)
	}
	parentCommit, _, err := c.gh.Git.GetCommit(ctx, owner, repo, parent)
	if err != nil {
		werr := c.wrap(fmt.Sprintf("get commit %s of %s/%s", parent, owner, repo), err)
		if IsNotFound(werr) {
			return "", fmt.Errorf("create branch %s in %s/%s: the change was made on commit %s, which %s/%s does not "+
				"have (a local commit?); nothing was written: push that commit, or run on a clone of the repository: %w",
				branch, owner, repo, parent, owner, repo, werr)
		}
		return "", werr
	}
	baseTree := parentCommit.GetTree().GetSHA()

	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	modes, err := c.baseModes(ctx, owner, repo, baseTree, append(append([]string(nil), paths...), deleted...))
	if err != nil {
		return "", err
	}
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
			Path: github.String(p), Mode: github.String(modes.of(p)),
			Type: github.String("blob"), SHA: github.String(blob.GetSHA()),
		})
	}
	for _, p := range deleted {
		// No SHA and no content: go-github sends "sha": null, which removes the path.
		entries = append(entries, &github.TreeEntry{
			Path: github.String(p), Mode: github.String(modes.of(p)), Type: github.String("blob"),
		})
	}
	tree, _, err := c.gh.Git.CreateTree(ctx, owner, repo, baseTree, entries)
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

// treeModes maps a path of the base tree to its mode; a path it lacks is new.
type treeModes map[string]string

// of is the mode to write p with: executable when the base has it so, else a regular
// file (a symbolic link or a submodule is not something a change of contents keeps).
func (m treeModes) of(p string) string {
	if m[p] == execMode {
		return execMode
	}
	return fileMode
}

// maxTreeReads bounds the trees baseModes reads (one per folder on the changed paths).
const maxTreeReads = 200

// baseModes reads the modes of paths in the tree treeSHA, one folder at a time (a
// recursive read of a large repository's tree is megabytes, and GitHub truncates it).
func (c *Client) baseModes(ctx context.Context, owner, repo, treeSHA string, paths []string) (treeModes, error) {
	modes := treeModes{}
	dirs := map[string][]*github.TreeEntry{} // folder ("" for the root) -> its entries
	var list func(dir, sha string) ([]*github.TreeEntry, error)
	list = func(dir, sha string) ([]*github.TreeEntry, error) {
		if es, ok := dirs[dir]; ok {
			return es, nil
		}
		if len(dirs) >= maxTreeReads {
			return nil, fmt.Errorf("read the file modes of %s/%s: more than %d folders", owner, repo, maxTreeReads)
		}
		t, _, err := c.gh.Git.GetTree(ctx, owner, repo, sha, false)
		if err != nil {
			return nil, c.wrap(fmt.Sprintf("read tree %s of %s/%s", path.Join("/", dir), owner, repo), err)
		}
		dirs[dir] = t.Entries
		return t.Entries, nil
	}
	for _, p := range paths {
		segs := strings.Split(p, "/")
		dir, sha := "", treeSHA
		for i, seg := range segs {
			es, err := list(dir, sha)
			if err != nil {
				return nil, err
			}
			var found *github.TreeEntry
			for _, e := range es {
				if e.GetPath() == seg {
					found = e
					break
				}
			}
			if found == nil {
				break // a new file or folder
			}
			if i == len(segs)-1 {
				modes[p] = found.GetMode()
				break
			}
			if found.GetType() != "tree" {
				break
			}
			dir, sha = path.Join(dir, seg), found.GetSHA()
		}
	}
	return modes, nil
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
	return fmt.Errorf("create branch %s in %s/%s: %w (from an earlier run?); nothing was written: delete it "+
		"(git push <remote> --delete %s, or on the repository's branches page) or choose another branch name, "+
		"and run again", branch, owner, repo, ErrBranchExists, branch)
}

// DeleteBranch deletes branch from owner/repo. A branch that does not exist is an
// error wrapping ErrNoSuchBranch. It is meant for cleaning up after a failure, often a
// rate limit: it sends its request even when go-github, having seen a rate limit,
// would refuse to send any until the limit's end (a secondary limit, met when creating
// content, may let a deletion through; if not, GitHub's answer says so).
func (c *Client) DeleteBranch(ctx context.Context, owner, repo, branch string) error {
	// A client of its own, without the remembered limits, over the same transport
	// (the token is in it).
	gh := github.NewClient(c.gh.Client())
	gh.BaseURL, gh.UploadURL = c.gh.BaseURL, c.gh.UploadURL
	_, err := gh.Git.DeleteRef(ctx, owner, repo, "heads/"+branch)
	if err == nil {
		return nil
	}
	werr := c.wrap(fmt.Sprintf("delete branch %s of %s/%s", branch, owner, repo), err)
	// GitHub answers 422 "Reference does not exist" (older servers 404).
	var ae *APIError
	if errors.As(werr, &ae) && (ae.StatusCode == http.StatusNotFound ||
		ae.StatusCode == http.StatusUnprocessableEntity && strings.Contains(strings.ToLower(ae.Message), "does not exist")) {
		return fmt.Errorf("delete branch %s of %s/%s: %w", branch, owner, repo, ErrNoSuchBranch)
	}
	return werr
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

// Fork forks owner/repo into the token's account (or finds the fork it has already)
// and returns the fork's owner; the fork has the name repo, or Fork fails and says so.
// GitHub makes forks in the background (202 Accepted): Fork then looks for the fork
// every ForkPollInterval until it exists, for at most ForkPollTimeout.
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
	if accepted != nil {
		if err := c.waitForRepo(ctx, forkOwner, forkName); err != nil {
			return "", fmt.Errorf("fork %s/%s: %w", owner, repo, err)
		}
	}
	if forkName != repo {
		// A fork renamed, or named repo-1 because the account has a repository
		// called repo: the caller addresses the fork as forkOwner/repo.
		return "", fmt.Errorf("fork %s/%s: the fork is %s/%s, not %s/%s; rename it to %s (or delete it) and run again",
			owner, repo, forkOwner, forkName, forkOwner, repo, repo)
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
			return fmt.Errorf("wait for %s/%s: not ready after %s; GitHub may still be making it: run again later",
				owner, name, c.ForkPollTimeout)
		}
		timer.Reset(c.ForkPollInterval)
	}
}
