package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/treesearch"
	"github.com/codetree/codetree/treesearch/ghissue"
	"github.com/codetree/codetree/treesearch/issue"
)

// issueOptions are codetree issue's flags and arguments, parsed: solve's
// (repoOptions: Dir is --repo, an existing checkout, "" to clone) and the
// issue's.
type issueOptions struct {
	repoOptions
	Ref       ghissue.Ref
	Token     issue.Secret
	GitHubURL string // --github-url, else the reference's Enterprise host
	GitRef    string
	WorkDir   string
	CloneURL  string
	PR        bool
	Comment   bool
	// KeepReproduction puts the pipeline's reproduction test into the patch.
	KeepReproduction bool
}

func issueCommand() *cli.Command { return newIssueCommand(nil) }

// newIssueCommand is codetree issue; runF, if set, gets the parsed options
// instead of runIssue.
func newIssueCommand(runF func(context.Context, *issueOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "issue",
		Usage:     "read a GitHub issue, clone its repository, localize, reproduce and repair it: a tested patch or pull request",
		ArgsUsage: "OWNER/REPO#N | ISSUE-URL",
		Description: "The issue's title, body, labels and comments go through the pipeline on a clone made with git\n" +
			"(token through git's environment only) in --work, or on --repo: localize (files, then functions;\n" +
			"--files skips the choice of files), reproduce (a test that fails on the unpatched code), the\n" +
			"touched code's passing tests as regression tests (or --test), then CodeTree repairs with them as\n" +
			"the test command. The reproduction test is not part of the patch unless --keep-reproduction.\n" +
			"--tree writes every stage with its calls, tokens, cost and time, and the search tree. Nothing is\n" +
			"written to GitHub\n" +
			"unless --pr (a branch codetree/issue-N and a pull request, from a fork when the token cannot\n" +
			"push) or --comment (the patch as a comment on the issue), and only for a passing change.\n" +
			"Exit status: 0 a passing change, 1 none, 2 usage error, 3 GitHub, git, Docker or model endpoint.",
		Flags:  issueFlags(),
		Action: optionsAction(issueOptionsFrom, runF, runIssue),
	}
}

// issueFlags are solve's flags (--repo an existing checkout, no --apply)
// and the issue's.
func issueFlags() []cli.Flag {
	var flags []cli.Flag
	for _, f := range repoFlags() {
		switch f.Names()[0] {
		case "apply":
			continue
		case "repo":
			f = &cli.StringFlag{Name: "repo", Usage: "an existing checkout of the repository to work on instead of a clone"}
		case "test":
			f = &cli.StringFlag{Name: "test", Usage: "test command, run in the repository's root, in place of the regression " +
				"tests the pipeline picks (the reproduction test runs after it) (default: the reproduction test and the " +
				"localized code's passing tests by name)"}
		}
		flags = append(flags, f)
	}
	return append(flags,
		&cli.StringFlag{Name: "github-token", EnvVars: []string{"GITHUB_TOKEN"}, Usage: "GitHub token; prefer the environment variable"},
		&cli.StringFlag{Name: "github-url", Usage: "GitHub Enterprise server, e.g. https://ghe.example.com/ (default: the issue URL's host)"},
		&cli.StringFlag{Name: "ref", Usage: "branch, tag or commit to check out (default: the default branch)"},
		&cli.StringFlag{Name: "work", Usage: "folder for the clone (default: codetree/issues in the user cache folder)"},
		&cli.StringFlag{Name: "clone-url", Usage: "clone URL template with {owner} and {repo}, for a mirror (default: GitHub's)"},
		&cli.BoolFlag{Name: "pr", Usage: "open a pull request with a passing change (branch codetree/issue-N)"},
		&cli.BoolFlag{Name: "comment", Usage: "post a passing change as a comment on the issue"},
		&cli.BoolFlag{Name: "keep-reproduction", Usage: "put the reproduction test into the patch (and the pull request)"},
	)
}

// issueOptionsFrom reads the flags and the reference; every error is a
// usage error.
func issueOptionsFrom(c *cli.Context) (*issueOptions, error) {
	if c.NArg() != 1 {
		return nil, usageErrorf("issue needs one reference: codetree issue OWNER/REPO#N (or the issue's URL)")
	}
	ref, err := ghissue.ParseRef(c.Args().First())
	if err != nil {
		return nil, usageError{err}
	}
	ro, err := repoOptionsFrom(c, false) // the task is the reference until the issue is read
	if err != nil {
		return nil, err
	}
	o := &issueOptions{repoOptions: *ro, Ref: ref, Token: issue.Secret(c.String("github-token")),
		GitHubURL: c.String("github-url"), GitRef: c.String("ref"), WorkDir: c.String("work"),
		CloneURL: c.String("clone-url"), PR: c.Bool("pr"), Comment: c.Bool("comment"),
		KeepReproduction: c.Bool("keep-reproduction")}
	if o.GitHubURL == "" {
		o.GitHubURL = ref.EnterpriseURL()
	}
	if o.Token == "" && (o.PR || o.Comment) {
		return nil, usageErrorf("--pr and --comment need a GitHub token: set GITHUB_TOKEN")
	}
	if o.Dir != "" && (o.GitRef != "" || o.CloneURL != "") {
		return nil, usageErrorf("--repo names a checkout: --ref and --clone-url are for a clone")
	}
	return o, nil
}

// runIssue runs the issue pipeline (issue.Run) with the model, the sandbox
// and the GitHub client the options name, and reports the result.
func runIssue(ctx context.Context, o *issueOptions) error {
	gh, err := ghissue.New(nil, string(o.Token), o.GitHubURL)
	if err != nil {
		return usageError{err}
	}
	if o.WorkDir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		o.WorkDir = filepath.Join(cache, "codetree", "issues")
	}
	opts, out, closeAll, err := o.open(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	opts.GoModCache = hostModCache(ctx)
	res, err := issue.Run(ctx, issue.Options{Ref: o.Ref, GitHub: gh, Token: o.Token, Dir: o.Dir, WorkDir: o.WorkDir,
		CloneURL: o.CloneURL, GitRef: o.GitRef, Globs: o.Globs, Solve: opts, PullRequest: o.PR, Comment: o.Comment,
		KeepReproduction: o.KeepReproduction,
		Log:              func(s string) { slog.Info(s, "issue", o.Ref.String()) }})
	out.endProgress()
	return o.reportIssue(res, err)
}

// reportIssue writes the tree and the result and turns the outcome into
// the exit status.
func (o *issueOptions) reportIssue(res *issue.Result, err error) error {
	if res == nil || res.Pipeline == nil {
		return err
	}
	if o.TreeFile != "" {
		if werr := treesearch.WriteJSONFile(o.TreeFile, res.Pipeline); werr != nil {
			return werr
		}
	}
	if err != nil {
		res.Notes = append(res.Notes, "stopped early: "+err.Error())
	}
	if o.JSON {
		enc := json.NewEncoder(o.Stdout)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(res); jerr != nil {
			return jerr
		}
	} else {
		o.issueText(res)
	}
	if err != nil {
		return err
	}
	if !res.Pipeline.Passed {
		return cli.Exit(fmt.Sprintf("%s: no change within the budget of %d passes the tests", res.Issue, o.Budget), exitFailure)
	}
	return nil
}

// issueText writes the pipeline's result, then where things are.
func (o *issueOptions) issueText(res *issue.Result) {
	res.Pipeline.WriteText(o.Stdout)
	fmt.Fprintln(o.Stderr, "checkout:", res.Checkout)
	for _, n := range res.Notes {
		fmt.Fprintln(o.Stderr, "note:", n)
	}
	switch {
	case res.PullRequest != "":
		fmt.Fprintln(o.Stderr, "pull request:", res.PullRequest)
	case !o.PR && !o.Comment && res.Pipeline.Passed:
		fmt.Fprintln(o.Stderr, "nothing written to GitHub: rerun with --pr or --comment, or git apply the patch in the checkout")
	}
	if res.Comment != "" {
		fmt.Fprintln(o.Stderr, "comment:", res.Comment)
	}
}
