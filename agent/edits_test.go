package agent

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFormatEditsCanonical(t *testing.T) {
	t.Parallel()
	got := FormatEdits([]Edit{
		{Path: "calc/add.go", Search: "\treturn a - b\n", Replace: "\treturn a + b\n"},
		{Path: "calc/new.go", Search: "", Replace: "package calc\n"},
	})
	want := "calc/add.go\n" +
		"<<<<<<< SEARCH\n" +
		"\treturn a - b\n" +
		"=======\n" +
		"\treturn a + b\n" +
		">>>>>>> REPLACE\n" +
		"\n" +
		"calc/new.go\n" +
		"<<<<<<< SEARCH\n" +
		"=======\n" +
		"package calc\n" +
		">>>>>>> REPLACE\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FormatEdits (-want +got):\n%s", diff)
	}
	if got := FormatEdits(nil); got != "" {
		t.Errorf("FormatEdits(nil) = %q, want \"\"", got)
	}
}

// TestFormatEditsMarkerLength checks that content holding marker lines gets
// longer markers, so that the block reads back as written.
func TestFormatEditsMarkerLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		e    Edit
		n    int
	}{
		{name: "plain", e: Edit{Path: "a.py", Search: "x = 1\n", Replace: "x = 2\n"}, n: 7},
		{name: "indented marker lines do not count", e: Edit{Path: "a.py", Search: "    =======\n", Replace: "    -------\n"}, n: 7},
		{name: "divider of 7 in content", e: Edit{Path: "README.rst", Search: "Title\n=======\n", Replace: "Title!\n=======\n"}, n: 8},
		{name: "markers of 7 and 8 in content", e: Edit{Path: "x.txt", Search: "<<<<<<< SEARCH\n", Replace: ">>>>>>>> REPLACE\n"}, n: 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			text := FormatEdits([]Edit{tt.e})
			if want := strings.Repeat("<", tt.n) + " SEARCH\n"; !strings.Contains(text, "\n"+want) {
				t.Errorf("FormatEdits = %q, want a %d-character SEARCH marker", text, tt.n)
			}
		})
	}
}

// TestFormatEditsRoundTrip is the property ParseEdits(FormatEdits(e)) == e
// over a table of valid edits.
func TestFormatEditsRoundTrip(t *testing.T) {
	t.Parallel()
	fence := "```"
	tests := []struct {
		name  string
		edits []Edit
	}{
		{name: "one line", edits: []Edit{{Path: "a.py", Search: "x = 1\n", Replace: "x = 2\n"}}},
		{name: "create file: empty search", edits: []Edit{{Path: "pkg/new.go", Search: "", Replace: "package pkg\n\nfunc New() {}\n"}}},
		{name: "delete lines: empty replace", edits: []Edit{{Path: "a.py", Search: "import os\nimport sys\n", Replace: ""}}},
		{name: "empty new file", edits: []Edit{{Path: "pkg/__init__.py", Search: "", Replace: ""}}},
		{name: "blank lines at the ends", edits: []Edit{{Path: "a.go", Search: "\nfunc A() {}\n\n", Replace: "\n\nfunc A() int { return 1 }\n\n\n"}}},
		{name: "replace with one blank line", edits: []Edit{{Path: "a.go", Search: "// old\n", Replace: "\n"}}},
		{name: "tabs and trailing spaces", edits: []Edit{{Path: "a.go", Search: "\tif x {  \n\t\treturn\n\t}\n", Replace: "\tif x {\n\t\treturn \t\n\t}\n"}}},
		{name: "fence lines in content", edits: []Edit{{Path: "README.md", Search: "Run:\n\n" + fence + "bash\nmake\n" + fence + "\n", Replace: "Run:\n\n" + fence + "bash\nmake test\n" + fence + "\n~~~\n"}}},
		{name: "content that looks like a path line", edits: []Edit{{Path: "docs/files.txt", Search: "src/app.py\n", Replace: "src/app.py\n### other.py\n"}}},
		{name: "marker lines in content", edits: []Edit{{Path: "docs/format.md", Search: "<<<<<<< SEARCH\n=======\n>>>>>>> REPLACE\n", Replace: "<<<<<<<< SEARCH\n========\n>>>>>>>> REPLACE\n"}}},
		{name: "RST underline", edits: []Edit{{Path: "docs/index.rst", Search: "Usage\n=======\n", Replace: "How to use it\n=======\n"}}},
		{name: "indented marker lines", edits: []Edit{{Path: "a.py", Search: "    =======\n", Replace: "  >>>>>>> REPLACE\n"}}},
		{name: "unicode", edits: []Edit{{Path: "i18n/fr.py", Search: "MSG = \"été\"\n", Replace: "MSG = \"hiver — ☃\"\n"}}},
		{name: "extensionless and dotted paths", edits: []Edit{
			{Path: "Makefile", Search: "test:\n\tgo test ./...\n", Replace: "test:\n\tgo test -race ./...\n"},
			{Path: "build", Search: "", Replace: "#!/bin/sh\n"},
			{Path: ".github/workflows/ci.yml", Search: "on: push\n", Replace: "on: [push, pull_request]\n"},
			{Path: "pkg/__init__.py", Search: "", Replace: "from .core import run\n"},
		}},
		{name: "several blocks, several files", edits: []Edit{
			{Path: "app/main.py", Search: "def a():\n    pass\n", Replace: "def a():\n    return 1\n"},
			{Path: "app/main.py", Search: "def b():\n    pass\n", Replace: "def b():\n    return 2\n"},
			{Path: "app/util.py", Search: "", Replace: "X = 1\n"},
			{Path: "app/main.py", Search: "def c():\n    pass\n", Replace: ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			text := FormatEdits(tt.edits)
			got, err := ParseEdits(text)
			if err != nil {
				t.Fatalf("ParseEdits(FormatEdits(e)): %v\n%s", err, text)
			}
			if diff := cmp.Diff(tt.edits, got); diff != "" {
				t.Errorf("ParseEdits(FormatEdits(e)) != e (-want +got):\n%s\ntext:\n%s", diff, text)
			}
			// Scripts are concatenated (a repair's script follows its
			// parent's): the concatenation reads as both.
			both, err := ParseEdits(text + "\n" + text)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(append(append([]Edit{}, tt.edits...), tt.edits...), both); diff != "" {
				t.Errorf("concatenated scripts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFormatEditsAddsFinalNewline checks that content without its final
// newline is not glued to the marker after it.
func TestFormatEditsAddsFinalNewline(t *testing.T) {
	t.Parallel()
	got, err := ParseEdits(FormatEdits([]Edit{{Path: "a.py", Search: "x = 1", Replace: "x = 2"}}))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Edit{{Path: "a.py", Search: "x = 1\n", Replace: "x = 2\n"}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
