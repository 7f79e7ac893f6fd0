package main

import (
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codetree/codetree/treesearch/ghissue/ghissuetest"
)

const issueToken = "ghp_CMDSECRET0123456789abcdef"

func TestIssueFlags(t *testing.T) {
	t.Parallel()
	base := []string{"issue", "--model", "m", "--github-token", issueToken}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		check    func(t *testing.T, o *issueOptions)
	}{
		{"short reference", append(append([]string{}, base...), "--pr", "--comment", "--work", "/w",
			"--clone-url", "file:///m/{owner}+{repo}.git", "--ref", "v1", "--budget", "3", "octo/calc#7"), exitOK,
			func(t *testing.T, o *issueOptions) {
				if o.Ref.Owner != "octo" || o.Ref.Repo != "calc" || o.Ref.Number != 7 || !o.PR || !o.Comment ||
					o.WorkDir != "/w" || o.GitRef != "v1" || o.CloneURL != "file:///m/{owner}+{repo}.git" ||
					o.Budget != 3 || string(o.Token) != issueToken || o.Dir != "" || o.GitHubURL != "" {
					t.Errorf("options = %+v", o)
				}
			}},
		{"enterprise URL", append(append([]string{}, base...), "--repo", "/co", "https://ghe.example.com/octo/calc/issues/9"), exitOK,
			func(t *testing.T, o *issueOptions) {
				if o.Ref.Number != 9 || o.GitHubURL != "https://ghe.example.com/" || o.Dir != "/co" {
					t.Errorf("options = %+v", o)
				}
			}},
		{"--github-url wins", append(append([]string{}, base...), "--github-url", "http://127.0.0.1:1/", "octo/calc#1"), exitOK,
			func(t *testing.T, o *issueOptions) {
				if o.GitHubURL != "http://127.0.0.1:1/" {
					t.Errorf("GitHubURL = %q", o.GitHubURL)
				}
			}},
		{"no reference", base, exitUsage, nil},
		{"bad reference", append(append([]string{}, base...), "octo/calc#x"), exitUsage, nil},
		{"pull request URL", append(append([]string{}, base...), "https://github.com/octo/calc/pull/3"), exitUsage, nil},
		{"--ref with --repo", append(append([]string{}, base...), "--repo", "/co", "--ref", "v1", "octo/calc#1"), exitUsage, nil},
		{"no --apply", append(append([]string{}, base...), "--apply", "octo/calc#1"), exitUsage, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *issueOptions
			code, stderr := runCommand(t, newIssueCommand(captured(&got)), tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.wantCode, stderr)
			}
			if strings.Contains(stderr, issueToken) {
				t.Errorf("stderr shows the token: %s", stderr)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

// issueRemote makes a bare repository octo+calc.git of goCalc (its test
// fails) and returns the --clone-url template that names it and its
// commit.
func issueRemote(t *testing.T) (string, string) {
	t.Helper()
	src := writeRepo(t, goCalc)
	bareDir := t.TempDir()
	for _, args := range [][]string{
		{"-C", src, "init", "-q", "-b", "main"}, {"-C", src, "add", "."},
		{"-C", src, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"},
		{"clone", "-q", "--bare", src, filepath.Join(bareDir, "octo+calc.git")},
	} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	head, err := exec.Command("git", "-C", src, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse: %v", err)
	}
	return "file://" + bareDir + "/{owner}+{repo}.git", strings.TrimSpace(string(head))
}

// runIssueBinary runs codetree issue with the token in GITHUB_TOKEN only.
func runIssueBinary(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	return runCodetreeEnv(t, bin, []string{"GITHUB_TOKEN=" + issueToken}, args...)
}

// assertNoTokenIn fails when the token (or its Basic form) is in any text
// or any file under the folders.
func assertNoTokenIn(t *testing.T, texts []string, dirs ...string) {
	t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + issueToken))
	for _, s := range texts {
		if strings.Contains(s, issueToken) || strings.Contains(s, basic) {
			t.Errorf("output shows the token: %.300s", s)
		}
	}
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, _ := os.ReadFile(p)
			if strings.Contains(string(b), issueToken) || strings.Contains(string(b), basic) {
				t.Errorf("%s holds the token", p)
			}
			return nil
		})
	}
}

// TestIssueEndToEnd runs codetree issue against a fake GitHub, a local git
// remote, a scripted model and the real sandbox.
func TestIssueEndToEnd(t *testing.T) {
	bin := codetreeBinary(t)
	cloneURL, head := issueRemote(t)
	fix := "The sum is wrong.\n\n" + edit("calc.go", "\treturn a - b\n", "\treturn a + b\n")
	tests := []struct {
		name    string
		flags   []string
		canPush bool
		check   func(t *testing.T, gh *ghissuetest.Server, stdout string)
	}{
		{"read only", nil, true, func(t *testing.T, gh *ghissuetest.Server, stdout string) {
			if w := gh.Writes(); len(w) != 0 {
				t.Errorf("wrote to GitHub without --pr or --comment: %+v", w)
			}
		}},
		{"pull request", []string{"--pr"}, true, func(t *testing.T, gh *ghissuetest.Server, stdout string) {
			for _, p := range []string{"/repos/octo/calc/git/blobs", "/repos/octo/calc/git/trees", "/repos/octo/calc/git/commits", "/repos/octo/calc/git/refs"} {
				if len(gh.WritesTo("POST", p)) != 1 {
					t.Errorf("POST %s: %d requests, want 1", p, len(gh.WritesTo("POST", p)))
				}
			}
			blob := decodeJSON(t, gh.WritesTo("POST", "/git/blobs")[0])
			if b, _ := base64.StdEncoding.DecodeString(blob["content"].(string)); !strings.Contains(string(b), "return a + b") {
				t.Errorf("blob = %q, want the fixed calc.go", b)
			}
			if ref := decodeJSON(t, gh.WritesTo("POST", "/git/refs")[0]); ref["ref"] != "refs/heads/codetree/issue-7" {
				t.Errorf("ref = %v", ref["ref"])
			}
			pr := decodeJSON(t, gh.WritesTo("POST", "/repos/octo/calc/pulls")[0])
			if pr["head"] != "codetree/issue-7" || pr["base"] != "main" || !strings.Contains(pr["body"].(string), "Fixes #7") {
				t.Errorf("pull request = %v", pr)
			}
			if len(gh.WritesTo("POST", "/comments")) != 0 {
				t.Error("commented without --comment")
			}
		}},
		{"fork when the token cannot push", []string{"--pr"}, false, func(t *testing.T, gh *ghissuetest.Server, stdout string) {
			if len(gh.WritesTo("POST", "/repos/octo/calc/forks")) != 1 || len(gh.WritesTo("POST", "/repos/bot/calc/git/refs")) != 1 ||
				len(gh.WritesTo("POST", "/repos/octo/calc/git/refs")) != 0 {
				t.Errorf("writes = %+v, want a fork and the branch in it", gh.Writes())
			}
			if pr := gh.WritesTo("POST", "/repos/octo/calc/pulls"); len(pr) != 1 || decodeJSON(t, pr[0])["head"] != "bot:codetree/issue-7" {
				t.Errorf("pull requests = %v, want head bot:codetree/issue-7", pr)
			}
		}},
		{"comment", []string{"--comment"}, true, func(t *testing.T, gh *ghissuetest.Server, stdout string) {
			cs := gh.WritesTo("POST", "/repos/octo/calc/issues/7/comments")
			if len(cs) != 1 {
				t.Fatalf("%d comments, want 1 (writes %+v)", len(cs), gh.Writes())
			}
			body := decodeJSON(t, cs[0])["body"].(string)
			if !strings.Contains(body, "```diff\ndiff --git a/calc.go b/calc.go") || !strings.Contains(body, "+\treturn a + b") {
				t.Errorf("comment = %s", body)
			}
			if len(gh.WritesTo("POST", "/pulls")) != 0 {
				t.Error("opened a pull request without --pr")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gh := ghissuetest.New(t, issueToken, "octo", "calc", 7)
			gh.Title, gh.Body, gh.Labels, gh.Comments = "Add subtracts", "calc.Add(1, 2) returns -1.", []string{"bug"}, []string{"Still broken on main."}
			gh.CanPush, gh.CloneURL = tt.canPush, "https://github.invalid/octo/calc.git"
			gh.Commits = []string{head} // the pull request's commit goes on the cloned commit
			m := newEditModel(t, fix)
			work, tree := t.TempDir(), filepath.Join(t.TempDir(), "tree.json")
			args := m.args("issue", append(append([]string{"--github-url", gh.URL(), "--clone-url", cloneURL, "--work", work,
				"--budget", "2", "--tree", tree}, tt.flags...), "octo/calc#7")...)
			code, stdout, stderr := runIssueBinary(t, bin, args...)
			if code != exitOK {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stdout, "+\treturn a + b") {
				t.Errorf("stdout lacks the diff:\n%s", stdout)
			}
			// The whole pipeline ran: the reproduction test failed before,
			// it is the repair's test command, and it is not in the patch.
			for _, want := range []string{"localize ", "Reproduction: TestAddIssue7 in calc_issue_test.go fails before the change.",
				"Test command: go test -count=1 -run '^(TestAddIssue7)$' '.'"} {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			if strings.Contains(stdout, "+++ b/calc_issue_test.go") {
				t.Errorf("the patch holds the reproduction test:\n%s", stdout)
			}
			if p := m.prompts(); len(p) == 0 || !strings.Contains(p[0], "Add subtracts") || !strings.Contains(p[0], "Still broken on main.") || !strings.Contains(p[0], "bug") {
				t.Errorf("the Editor was not shown the issue: %v", p)
			}
			tt.check(t, gh, stdout)
			treeJSON, err := os.ReadFile(tree)
			if err != nil {
				t.Fatalf("tree: %v", err)
			}
			if !strings.Contains(string(treeJSON), `"name": "reproduce"`) || !strings.Contains(string(treeJSON), `"nodes"`) {
				t.Errorf("--tree lacks the stages or the search tree:\n%.2000s", treeJSON)
			}
			assertNoTokenIn(t, []string{stdout, stderr, string(treeJSON)}, work)
			cfgs, _ := filepath.Glob(filepath.Join(work, "*", "calc", ".git", "config"))
			if len(cfgs) != 1 {
				t.Errorf("clones in the work folder: %v, want 1", cfgs)
			}
		})
	}
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return m
}

// TestIssueGitHubErrors: each failure of GitHub is a clear error, exit 3,
// with nothing written and no token shown.
func TestIssueGitHubErrors(t *testing.T) {
	bin := codetreeBinary(t)
	cloneURL, _ := issueRemote(t)
	tests := []struct {
		name    string
		setup   func(gh *ghissuetest.Server)
		ref     string
		want    string
		wantExt int
	}{
		{"bad token", func(gh *ghissuetest.Server) { gh.Token = "other" }, "octo/calc#7", "the token was refused", exitInfra},
		{"no such issue", nil, "octo/calc#8", "not found", exitInfra},
		{"rate limit", func(gh *ghissuetest.Server) { gh.Status, gh.RateLimited = 403, true }, "octo/calc#7", "rate limit exceeded", exitInfra},
		{"a pull request", func(gh *ghissuetest.Server) { gh.PullRequest = true }, "octo/calc#7", "is a pull request", exitInfra},
		{"bad reference", nil, "octo/calc", "parse issue reference", exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gh := ghissuetest.New(t, issueToken, "octo", "calc", 7)
			if tt.setup != nil {
				tt.setup(gh)
			}
			m := newEditModel(t)
			work := t.TempDir()
			code, stdout, stderr := runIssueBinary(t, bin, m.args("issue", "--github-url", gh.URL(), "--clone-url", cloneURL,
				"--work", work, "--pr", "--comment", tt.ref)...)
			if code != tt.wantExt || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.wantExt, tt.want)
			}
			if w := gh.Writes(); len(w) != 0 {
				t.Errorf("wrote to GitHub: %+v", w)
			}
			if len(m.prompts()) != 0 {
				t.Error("the model was asked for a change")
			}
			assertNoTokenIn(t, []string{stdout, stderr}, work)
		})
	}
}
