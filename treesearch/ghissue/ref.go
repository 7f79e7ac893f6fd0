package ghissue

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// DefaultHost is the host of a reference that names none (owner/repo#N).
const DefaultHost = "github.com"

// Ref names one issue: OWNER/REPO#NUMBER on Host.
type Ref struct {
	Host   string // "github.com", or a GitHub Enterprise host such as "ghe.example.com"
	Owner  string
	Repo   string
	Number int
}

// String renders r as owner/repo#N, with the host in front when it is not github.com.
func (r Ref) String() string {
	s := fmt.Sprintf("%s/%s#%d", r.Owner, r.Repo, r.Number)
	if r.Host != "" && r.Host != DefaultHost {
		s = r.Host + "/" + s
	}
	return s
}

// Enterprise reports whether r is on a GitHub Enterprise server.
func (r Ref) Enterprise() bool { return r.Host != "" && r.Host != DefaultHost }

// EnterpriseURL is the URL to give New for r's server: "" for github.com, else
// https://HOST/ (go-github adds api/v3/).
func (r Ref) EnterpriseURL() string {
	if !r.Enterprise() {
		return ""
	}
	return "https://" + r.Host + "/"
}

const acceptedRefForms = "accepted forms: OWNER/REPO#NUMBER, https://github.com/OWNER/REPO/issues/NUMBER, " +
	"https://HOST/OWNER/REPO/issues/NUMBER (GitHub Enterprise)"

var (
	ownerRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	repoRE  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	shortRE = regexp.MustCompile(`^([^/#\s]+)/([^/#\s]+)#([^/#\s]+)$`)
)

// ParseRef reads an issue reference: owner/repo#123, https://github.com/owner/repo/issues/123
// or a GitHub Enterprise URL https://HOST/owner/repo/issues/123 (the scheme may be left
// out). A /pull/N URL is refused as a pull request.
func ParseRef(s string) (Ref, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return Ref{}, errors.New("parse issue reference: empty; " + acceptedRefForms)
	}
	if m := shortRE.FindStringSubmatch(in); m != nil {
		return newRef(in, DefaultHost, m[1], m[2], m[3])
	}
	raw := in
	if !strings.Contains(raw, "://") {
		// github.com/owner/repo/issues/1: a host has a dot, an owner never does.
		first, _, _ := strings.Cut(raw, "/")
		if !strings.Contains(first, ".") {
			return Ref{}, fmt.Errorf("parse issue reference %q: %s", in, acceptedRefForms)
		}
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return Ref{}, fmt.Errorf("parse issue reference %q: not an issue URL; %s", in, acceptedRefForms)
	}
	host := strings.ToLower(u.Host)
	if host == "www.github.com" {
		host = DefaultHost
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 4 {
		return Ref{}, fmt.Errorf("parse issue reference %q: not an issue URL; %s", in, acceptedRefForms)
	}
	switch parts[2] {
	case "issues":
		return newRef(in, host, parts[0], parts[1], parts[3])
	case "pull", "pulls":
		return Ref{}, fmt.Errorf("parse issue reference %q: this is a pull request, not an issue; %s", in, acceptedRefForms)
	}
	return Ref{}, fmt.Errorf("parse issue reference %q: not an issue URL; %s", in, acceptedRefForms)
}

func newRef(in, host, owner, repo, number string) (Ref, error) {
	if !ownerRE.MatchString(owner) {
		return Ref{}, fmt.Errorf("parse issue reference %q: %q is not a GitHub owner name; %s", in, owner, acceptedRefForms)
	}
	repo = strings.TrimSuffix(repo, ".git")
	if !repoRE.MatchString(repo) || repo == "." || repo == ".." {
		return Ref{}, fmt.Errorf("parse issue reference %q: %q is not a repository name; %s", in, repo, acceptedRefForms)
	}
	n, err := strconv.Atoi(number)
	if err != nil || n <= 0 {
		return Ref{}, fmt.Errorf("parse issue reference %q: issue number %q is not a positive integer; %s", in, number, acceptedRefForms)
	}
	return Ref{Host: host, Owner: owner, Repo: repo, Number: n}, nil
}
