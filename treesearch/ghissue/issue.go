package ghissue

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// commentsPerPage is the page size for comments; maxCommentPages bounds the listing.
const (
	commentsPerPage = 100
	maxCommentPages = 100
)

// Issue is an issue as read from GitHub, with all its comments in order.
type Issue struct {
	Ref      Ref
	Title    string
	Body     string
	State    string // "open" or "closed"
	Author   string // login
	URL      string // the issue's page
	Labels   []string
	Comments []Comment
}

// Comment is one comment on an issue.
type Comment struct {
	Author    string
	Body      string
	CreatedAt time.Time
	URL       string
}

// FetchIssue reads the issue ref names (on the server c was built for) with all its
// comments. It refuses a pull request.
func (c *Client) FetchIssue(ctx context.Context, ref Ref) (*Issue, error) {
	gi, _, err := c.gh.Issues.Get(ctx, ref.Owner, ref.Repo, ref.Number)
	if err != nil {
		return nil, c.wrap("get issue "+ref.String(), err)
	}
	if gi.IsPullRequest() {
		return nil, fmt.Errorf("get issue %s: it is a pull request, not an issue", ref)
	}
	is := &Issue{
		Ref:    ref,
		Title:  gi.GetTitle(),
		Body:   gi.GetBody(),
		State:  gi.GetState(),
		Author: gi.GetUser().GetLogin(),
		URL:    gi.GetHTMLURL(),
	}
	for _, l := range gi.Labels {
		is.Labels = append(is.Labels, l.GetName())
	}
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: commentsPerPage}}
	for page := 1; ; page++ {
		if page > maxCommentPages {
			return nil, fmt.Errorf("list comments of %s: more than %d pages", ref, maxCommentPages)
		}
		cs, resp, err := c.gh.Issues.ListComments(ctx, ref.Owner, ref.Repo, ref.Number, opts)
		if err != nil {
			return nil, c.wrap(fmt.Sprintf("list comments of %s (page %d)", ref, page), err)
		}
		for _, gc := range cs {
			is.Comments = append(is.Comments, Comment{
				Author:    gc.GetUser().GetLogin(),
				Body:      gc.GetBody(),
				CreatedAt: gc.GetCreatedAt().Time,
				URL:       gc.GetHTMLURL(),
			})
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return is, nil
}

// Text renders the issue as the model is shown it: title, state, author, labels, the
// body, then each comment with its author.
func (is *Issue) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Issue %s: %s\n", is.Ref, is.Title)
	fmt.Fprintf(&b, "State: %s\n", orNone(is.State))
	fmt.Fprintf(&b, "Author: %s\n", orNone(is.Author))
	fmt.Fprintf(&b, "Labels: %s\n", orNone(strings.Join(is.Labels, ", ")))
	b.WriteString("\n")
	body := strings.TrimSpace(is.Body)
	if body == "" {
		body = "(no description)"
	}
	b.WriteString(body)
	b.WriteString("\n")
	for i, cm := range is.Comments {
		fmt.Fprintf(&b, "\n--- Comment %d of %d by %s", i+1, len(is.Comments), orNone(cm.Author))
		if !cm.CreatedAt.IsZero() {
			fmt.Fprintf(&b, " on %s", cm.CreatedAt.UTC().Format("2006-01-02"))
		}
		b.WriteString(" ---\n")
		b.WriteString(strings.TrimSpace(cm.Body))
		b.WriteString("\n")
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
