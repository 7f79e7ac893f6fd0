package issue

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const testToken = "ghp_ISSUESECRET0123456789"

func TestSecretIsRedacted(t *testing.T) {
	t.Parallel()
	s := Secret(testToken)
	for _, got := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q", s, s, s, s, s),
		fmt.Sprintf("%+v", struct{ T Secret }{s})} {
		if strings.Contains(got, testToken) {
			t.Errorf("printed the token: %s", got)
		}
	}
}

func TestGitEnv(t *testing.T) {
	t.Parallel()
	header := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+testToken))
	tests := []struct {
		remote     string
		wantHeader bool
	}{
		{"https://github.com/octo/calc.git", true},
		{"HTTP://ghe.local/octo/calc.git", true},
		{"file:///tmp/octo+calc.git", false},
		{"/tmp/octo/calc", false},
	}
	for _, tt := range tests {
		t.Run(tt.remote, func(t *testing.T) {
			t.Parallel()
			env := gitEnv(tt.remote, Secret(testToken))
			// git itself must see the header, through the environment only.
			cmd := exec.Command("git", "config", "--get", "http.extraHeader")
			cmd.Env = env
			out, _ := cmd.Output()
			if got := strings.TrimSpace(string(out)); (got == header) != tt.wantHeader {
				t.Errorf("http.extraHeader = %q, want header %v", got, tt.wantHeader)
			}
			if !contains(env, "GIT_TERMINAL_PROMPT=0") {
				t.Error("GIT_TERMINAL_PROMPT=0 missing")
			}
			for _, kv := range env {
				if strings.Contains(kv, testToken) {
					t.Errorf("the raw token is in the environment: %s", kv)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// bareRemote makes a bare repository holding files on main and a branch
// "other" with one more file, and returns its path.
func bareRemote(t *testing.T, files map[string]string) string {
	t.Helper()
	src := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bare := filepath.Join(t.TempDir(), "octo+calc.git")
	for _, args := range [][]string{
		{"-C", src, "init", "-q", "-b", "main"}, {"-C", src, "add", "."},
		{"-C", src, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"},
		{"-C", src, "checkout", "-qb", "other"},
	} {
		runGit(t, args...)
	}
	if err := os.WriteFile(filepath.Join(src, "other.txt"), []byte("other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runGit(t, "-C", src, "add", ".")
	runGit(t, "-C", src, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "other")
	runGit(t, "-C", src, "checkout", "-q", "main")
	runGit(t, "clone", "-q", "--bare", src, bare)
	return bare
}

func runGit(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestClone(t *testing.T) {
	t.Parallel()
	bare := bareRemote(t, map[string]string{"a.txt": "a\n"})
	tests := []struct {
		name, ref string
		wantOther bool
		wantErr   string
	}{
		{name: "default branch"},
		{name: "branch", ref: "other", wantOther: true},
		{name: "missing ref", ref: "nope", wantErr: "check out nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "calc")
			url := CloneURL("file://"+filepath.Dir(bare)+"/{owner}+{repo}.git", "octo", "calc", "unused")
			err := Clone(t.Context(), url, dir, tt.ref, Secret(testToken))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), testToken) {
					t.Fatalf("Clone error = %v, want %q without the token", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Clone: %v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "a.txt")); err != nil {
				t.Errorf("a.txt not checked out: %v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "other.txt")); (err == nil) != tt.wantOther {
				t.Errorf("other.txt present = %v, want %v", err == nil, tt.wantOther)
			}
			cfg, err := os.ReadFile(filepath.Join(dir, ".git", "config"))
			if err != nil || strings.Contains(string(cfg), testToken) || strings.Contains(string(cfg), "extraHeader") {
				t.Errorf(".git/config holds the token or a header (%v):\n%s", err, cfg)
			}
		})
	}
}

func TestCloneRefusesATokenInTheURL(t *testing.T) {
	t.Parallel()
	err := Clone(t.Context(), "https://x:"+testToken+"@github.com/o/r.git", t.TempDir()+"/r", "", Secret(testToken))
	if err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("Clone = %v, want a refusal without the token", err)
	}
}
