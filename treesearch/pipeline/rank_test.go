package pipeline

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitIdent(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"parseHTTPHeader_value": {"parse", "HTTP", "Header", "value"},
		"RedirectTrailingSlash": {"Redirect", "Trailing", "Slash"},
		"snake_case":            {"snake", "case"},
		"x":                     {"x"},
	} {
		if diff := cmp.Diff(want, splitIdent(in)); diff != "" {
			t.Errorf("splitIdent(%q) (-want +got):\n%s", in, diff)
		}
	}
}

func TestRank(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{
		"router/tree.go":          []byte("package router\n\nfunc findRoute(path string) *node { return nil }\n"),
		"router/redirect.go":      []byte("package router\n\n// redirectTrailingSlash answers 301 for a path with a trailing slash.\nfunc redirectTrailingSlash(path string) {}\n"),
		"router/redirect_test.go": []byte("package router\n\nfunc TestRedirectTrailingSlash(t *testing.T) {}\n"),
		"render/json.go":          []byte("package render\n\nfunc JSON(v any) {}\n"),
		"README.md":               []byte("A router.\n"),
	}
	cands := []string{"README.md", "render/json.go", "router/redirect.go", "router/redirect_test.go", "router/tree.go"}
	issue := "RedirectTrailingSlash does not redirect /users/ to /users: the trailing slash is kept."
	got := Rank(files, cands, issue, 3)
	if len(got) < 2 || got[0] != "router/redirect.go" || got[1] != "router/redirect_test.go" {
		t.Errorf("Rank = %v, want router/redirect.go first, then its test (a test file counts half)", got)
	}
	for _, p := range got {
		if p == "render/json.go" || p == "README.md" {
			t.Errorf("Rank = %v: %s shares no word with the issue", got, p)
		}
	}
	if got := Rank(files, cands, "the and for", 3); got != nil {
		t.Errorf("Rank of stop words = %v, want nil", got)
	}
}

func TestIsTestFile(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]bool{
		"a/b_test.go": true, "a/b.go": false, "test_x.py": true, "pkg/x_test.py": true, "tests/helpers.py": true,
		"pkg/conftest.py": true, "pkg/testing.py": false, "contest/x.py": false,
	} {
		if got := IsTestFile(p); got != want {
			t.Errorf("IsTestFile(%q) = %v, want %v", p, got, want)
		}
	}
}
