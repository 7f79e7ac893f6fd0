package ghissue

import (
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Ref
		wantErr string // substring; "" means success
	}{
		{in: "octo/hello#123", want: Ref{Host: "github.com", Owner: "octo", Repo: "hello", Number: 123}},
		{in: "  octo-org/hello.go#7 ", want: Ref{Host: "github.com", Owner: "octo-org", Repo: "hello.go", Number: 7}},
		{in: "https://github.com/octo/hello/issues/123", want: Ref{Host: "github.com", Owner: "octo", Repo: "hello", Number: 123}},
		{in: "https://github.com/octo/hello/issues/123/", want: Ref{Host: "github.com", Owner: "octo", Repo: "hello", Number: 123}},
		{in: "https://github.com/octo/hello/issues/123#issuecomment-9", want: Ref{Host: "github.com", Owner: "octo", Repo: "hello", Number: 123}},
		{in: "https://www.github.com/octo/hello/issues/1?x=y", want: Ref{Host: "github.com", Owner: "octo", Repo: "hello", Number: 1}},
		{in: "github.com/octo/hello/issues/4", want: Ref{Host: "github.com", Owner: "octo", Repo: "hello", Number: 4}},
		{in: "https://ghe.example.com/team/tool/issues/5", want: Ref{Host: "ghe.example.com", Owner: "team", Repo: "tool", Number: 5}},
		{in: "https://github.com/octo/hello/pull/123", wantErr: "pull request, not an issue"},
		{in: "https://ghe.example.com/team/tool/pull/5", wantErr: "pull request, not an issue"},
		{in: "", wantErr: "accepted forms"},
		{in: "octo/hello", wantErr: "accepted forms"},
		{in: "octo/hello#0", wantErr: "not a positive integer"},
		{in: "octo/hello#abc", wantErr: "not a positive integer"},
		{in: "octo/hello#-3", wantErr: "not a positive integer"},
		{in: "oc_to/hello#3", wantErr: "not a GitHub owner name"},
		{in: "octo/he llo#3", wantErr: "accepted forms"},
		{in: "https://github.com/octo/hello", wantErr: "not an issue URL"},
		{in: "https://github.com/octo/hello/tree/main", wantErr: "not an issue URL"},
		{in: "ftp://github.com/octo/hello/issues/1", wantErr: "not an issue URL"},
		{in: "hello#3", wantErr: "accepted forms"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRef(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseRef(%q) = %+v, want an error containing %q", tt.in, got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "OWNER/REPO#NUMBER") {
					t.Fatalf("ParseRef(%q) error = %q, want it to contain %q and the accepted forms", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRef(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseRef(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRefEnterprise(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ref        Ref
		wantString string
		wantURL    string
	}{
		{Ref{Host: "github.com", Owner: "o", Repo: "r", Number: 1}, "o/r#1", ""},
		{Ref{Host: "ghe.example.com", Owner: "o", Repo: "r", Number: 2}, "ghe.example.com/o/r#2", "https://ghe.example.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.wantString, func(t *testing.T) {
			t.Parallel()
			if got := tt.ref.String(); got != tt.wantString {
				t.Errorf("String() = %q, want %q", got, tt.wantString)
			}
			if got := tt.ref.EnterpriseURL(); got != tt.wantURL {
				t.Errorf("EnterpriseURL() = %q, want %q", got, tt.wantURL)
			}
			if got := tt.ref.Enterprise(); got != (tt.wantURL != "") {
				t.Errorf("Enterprise() = %v", got)
			}
		})
	}
}
