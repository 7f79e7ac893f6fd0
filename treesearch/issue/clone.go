package issue

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
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
	if strings.Contains(remote, string(token)) && token != "" {
		return fmt.Errorf("clone: the clone URL holds the token; give it through GITHUB_TOKEN only")
	}
	if err := git(ctx, "", remote, token, "clone", "--quiet", "--", remote, dir); err != nil {
		return fmt.Errorf("clone %s: %w", remote, err)
	}
	if ref != "" {
		if err := git(ctx, dir, remote, token, "-c", "advice.detachedHead=false", "checkout", "--quiet", ref, "--"); err != nil {
			return fmt.Errorf("check out %s: %w", ref, err)
		}
	}
	return nil
}

func git(ctx context.Context, dir, remote string, token Secret, args ...string) error {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir, cmd.Env = dir, gitEnv(remote, token)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git %s: %v: %s", args[0], err, token.redact(strings.TrimSpace(out.String())))
	}
	return nil
}
