package ghissue

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-github/v60/github"
)

// Client reads issues and repositories and, when asked, writes branches, forks, pull
// requests and comments. Build it with New.
type Client struct {
	gh        *github.Client
	redact    func(string) string // removes the token; a func so fmt cannot print the token
	anonymous bool                // no token: a 404 may be a private repository

	// ForkPollInterval is the wait between two looks for a fork GitHub is still making,
	// and ForkPollTimeout bounds the whole wait. New sets 2s and 2m.
	ForkPollInterval time.Duration
	ForkPollTimeout  time.Duration
}

// New returns a Client that sends token (when not empty) as a bearer token. httpClient
// may be nil (http.DefaultClient's settings). enterpriseURL, when set, is the GitHub
// Enterprise server, e.g. https://ghe.example.com/ (go-github adds api/v3/); tests point
// it at an httptest server.
func New(httpClient *http.Client, token string, enterpriseURL string) (*Client, error) {
	gh := github.NewClient(httpClient)
	if token != "" {
		gh = gh.WithAuthToken(token)
	}
	redact := newRedactor(token)
	if enterpriseURL != "" {
		var err error
		gh, err = gh.WithEnterpriseURLs(enterpriseURL, enterpriseURL)
		if err != nil {
			return nil, fmt.Errorf("github enterprise URL: %s", redact(err.Error()))
		}
	}
	return &Client{
		gh:               gh,
		redact:           redact,
		anonymous:        token == "",
		ForkPollInterval: 2 * time.Second,
		ForkPollTimeout:  2 * time.Minute,
	}, nil
}

// String and GoString describe c without anything secret.
func (c *Client) String() string {
	if c == nil || c.gh == nil {
		return "ghissue.Client{}"
	}
	return fmt.Sprintf("ghissue.Client{BaseURL: %s, Token: %s}", c.gh.BaseURL, redacted)
}

// GoString is String, so that %#v prints no token either.
func (c *Client) GoString() string { return c.String() }

// Format makes every verb (%v, %+v, %#v, %s) print String.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }

// wrap classifies err and removes the token from its message.
func (c *Client) wrap(op string, err error) error { return classify(c.redact, c.anonymous, op, err) }

// Repository is what the issue pipeline needs to know about a repository.
type Repository struct {
	Owner         string
	Name          string
	DefaultBranch string
	CloneURL      string // https clone URL, without credentials
	HTMLURL       string
	Private       bool
	Fork          bool
	CanPush       bool // the token may push to it (permissions.push)
}

// Repo reads owner/name: its default branch, clone URL and whether the token can push.
func (c *Client) Repo(ctx context.Context, owner, name string) (*Repository, error) {
	r, _, err := c.gh.Repositories.Get(ctx, owner, name)
	if err != nil {
		return nil, c.wrap(fmt.Sprintf("get repository %s/%s", owner, name), err)
	}
	return &Repository{
		Owner:         r.GetOwner().GetLogin(),
		Name:          r.GetName(),
		DefaultBranch: r.GetDefaultBranch(),
		CloneURL:      r.GetCloneURL(),
		HTMLURL:       r.GetHTMLURL(),
		Private:       r.GetPrivate(),
		Fork:          r.GetFork(),
		CanPush:       r.GetPermissions()["push"],
	}, nil
}
