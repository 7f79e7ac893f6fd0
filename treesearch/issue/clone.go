package issue

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
)

// Secret is a token: it prints and marshals as "[redacted]".
type Secret string

const redacted = "[redacted]"

func (Secret) String() string               { return redacted }
func (Secret) GoString() string             { return redacted }
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (s Secret) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, s.String()) }
func (s Secret) redact(text string) string {
	if s == "" {
		return text
	}
	return strings.ReplaceAll(text, string(s), redacted)
}

// CloneURL fills a --clone-url template's {owner} and {repo}; an empty
// template gives fallback (the repository's clone URL).
func CloneURL(template, owner, repo, fallback string) string {
	if template == "" {
		return fallback
	}
	return strings.NewReplacer("{owner}", owner, "{repo}", repo).Replace(template)
}

// gitEnv is git's environment: no prompt, and for an http(s) remote the
// token as an Authorization header given through GIT_CONFIG_* variables
// (so that it is in no argument and no file).
func gitEnv(remote string, token Secret) []string {
	env := []string{"GIT_TERMINAL_PROMPT=0"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_CONFIG_") && !strings.HasPrefix(kv, "GIT_TERMINAL_PROMPT=") {
			env = append(env, kv)
		}
	}
	lower := strings.ToLower(remote)
	if token != "" && (strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://")) {
		basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + string(token)))
		env = append(env, "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.extraHeader",
			"GIT_CONFIG_VALUE_0=Authorization: Basic "+basic)
	}
	return env
}

// Clone clones remote into dir (which must not exist or be empty) and
// checks out ref when it is set (a branch, tag or commit). The token goes
// to git through its environment only; git's messages are redacted.
func Clone(ctx context.Context, remote, dir, ref string, token Secret) error {
	return clone(ctx, remote, dir, ref, token, nil)
}

// clone is Clone with extra environment variables for git (tests trace it).
func clone(ctx context.Context, remote, dir, ref string, token Secret, extraEnv []string) error {
	if strings.Contains(remote, string(token)) && token != "" {
		return fmt.Errorf("clone: the clone URL holds the token; give it through GITHUB_TOKEN only")
	}
	if u, err := url.Parse(remote); err == nil && u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword {
			return fmt.Errorf("clone %s: the clone URL holds a password; give the token through GITHUB_TOKEN only",
				u.Redacted())
		}
	}
	if err := execGit(gitCommand(ctx, "", remote, token, extraEnv, "clone", "--quiet", "--", remote, dir), token); err != nil {
		return fmt.Errorf("clone %s: %w", remote, err)
	}
	if ref != "" {
		cmd := gitCommand(ctx, dir, remote, token, extraEnv, "-c", "advice.detachedHead=false", "checkout", "--quiet", ref, "--")
		if err := execGit(cmd, token); err != nil {
			return fmt.Errorf("check out %s: %w", ref, err)
		}
	}
	return nil
}

// gitCommand is the git command for args: the token, when remote is
// http(s), in its environment (gitEnv), never in its arguments.
func gitCommand(ctx context.Context, dir, remote string, token Secret, extraEnv []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir, cmd.Env = dir, append(gitEnv(remote, token), extraEnv...)
	return cmd
}

// execGit runs cmd and returns its failure with git's output, redacted, and
// what to do when the remote wanted credentials.
func execGit(cmd *exec.Cmd, token Secret) error {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err == nil {
		return nil
	}
	text := strings.TrimSpace(out.String())
	msg := fmt.Sprintf("git %s: %v: %s", gitVerb(cmd.Args[1:]), err, token.redact(text))
	lower := strings.ToLower(text)
	if strings.Contains(lower, "could not read username") || strings.Contains(lower, "authentication failed") ||
		strings.Contains(lower, "error: 401") || strings.Contains(lower, "error: 403") {
		if token == "" {
			msg += "; the remote wants credentials: the repository may be private, set GITHUB_TOKEN to a token that can read it"
		} else {
			msg += "; the remote refused the token: check that GITHUB_TOKEN can read the repository"
		}
	}
	return errors.New(msg)
}

// gitVerb is the subcommand of a git argument list (after any -c options).
func gitVerb(args []string) string {
	for i := 0; i < len(args); i++ {
		if args[i] == "-c" {
			i++
			continue
		}
		return args[i]
	}
	return ""
}

// HeadCommit is the commit checked out in dir ("" when dir is not a git
// checkout, or has no commit): the parent of a pull request's commit.
func HeadCommit(ctx context.Context, dir string) string {
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
