package agent

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// md turns each run of three single quotes into a backtick fence, so that
// replies with fences can be raw strings.
func md(s string) string { return strings.ReplaceAll(s, "'''", "```") }

func TestParseEdits(t *testing.T) {
	t.Parallel()
	fix := Edit{Path: "src/app.py", Search: "def add(a, b):\n    return a - b\n", Replace: "def add(a, b):\n    return a + b\n"}
	tests := []struct {
		name  string
		reply string
		want  []Edit
	}{
		{name: "canonical", reply: `src/app.py
<<<<<<< SEARCH
def add(a, b):
    return a - b
=======
def add(a, b):
    return a + b
>>>>>>> REPLACE
`, want: []Edit{fix}},
		{name: "path in backticks before a fenced block, prose around", reply: md(`The function subtracts instead of adding. Here is the fix:

` + "`src/app.py`" + `
'''python
<<<<<<< SEARCH
def add(a, b):
    return a - b
=======
def add(a, b):
    return a + b
>>>>>>> REPLACE
'''

This makes the tests pass.`), want: []Edit{fix}},
		{name: "path as the first line inside the fence", reply: md(`'''python
src/app.py
<<<<<<< SEARCH
def add(a, b):
    return a - b
=======
def add(a, b):
    return a + b
>>>>>>> REPLACE
'''`), want: []Edit{fix}},
		{name: "bold path with a colon", reply: md(`**src/app.py**:
'''
<<<<<<< SEARCH
def add(a, b):
    return a - b
=======
def add(a, b):
    return a + b
>>>>>>> REPLACE
'''`), want: []Edit{fix}},
		{name: "File: label, bold, backticks", reply: md("**File:** `src/app.py`\n" + `'''python
<<<<<<< SEARCH
def add(a, b):
    return a - b
=======
def add(a, b):
    return a + b
>>>>>>> REPLACE
'''`), want: []Edit{fix}},
		{name: "heading path, then prose before the fence", reply: md(`### src/app.py

Fix the operator in ` + "`add`" + `:

'''python
<<<<<<< SEARCH
def add(a, b):
    return a - b
=======
def add(a, b):
    return a + b
>>>>>>> REPLACE
'''`), want: []Edit{fix}},
		{name: "path in the fence's info string", reply: md(`'''python src/app.py
<<<<<<< SEARCH
def add(a, b):
    return a - b
=======
def add(a, b):
    return a + b
>>>>>>> REPLACE
'''`), want: []Edit{fix}},
		{name: "CRLF line ends", reply: strings.ReplaceAll("src/app.py\n<<<<<<< SEARCH\ndef add(a, b):\n    return a - b\n=======\ndef add(a, b):\n    return a + b\n>>>>>>> REPLACE\n", "\n", "\r\n"), want: []Edit{fix}},
		{name: "markers of 5 to 9 characters with trailing spaces", reply: "./src/app.py\n<<<<<<<<< SEARCH  \ndef add(a, b):\n    return a - b\n=====\t\ndef add(a, b):\n    return a + b\n>>>>>>>> REPLACE \n", want: []Edit{fix}},
		{name: "several blocks for one file, the second without a path", reply: `src/app.py
<<<<<<< SEARCH
import os
=======
import os
import sys
>>>>>>> REPLACE

Then use it in main:

<<<<<<< SEARCH
def main():
    pass
=======
def main():
    sys.exit(0)
>>>>>>> REPLACE
`, want: []Edit{
			{Path: "src/app.py", Search: "import os\n", Replace: "import os\nimport sys\n"},
			{Path: "src/app.py", Search: "def main():\n    pass\n", Replace: "def main():\n    sys.exit(0)\n"},
		}},
		{name: "a heading that is no path reuses the previous path", reply: `calc/add.go
<<<<<<< SEARCH
	return a - b
=======
	return a + b
>>>>>>> REPLACE

**Fix:**
<<<<<<< SEARCH
	return a * b
=======
	return a / b
>>>>>>> REPLACE
`, want: []Edit{
			{Path: "calc/add.go", Search: "\treturn a - b\n", Replace: "\treturn a + b\n"},
			{Path: "calc/add.go", Search: "\treturn a * b\n", Replace: "\treturn a / b\n"},
		}},
		{name: "new file, deletion and a second file (Go)", reply: md(`I add a helper file and remove the dead code.

1. ` + "`internal/mathx/abs.go`" + ` (new file)

'''go
<<<<<<< SEARCH
=======
package mathx

// Abs returns |x|.
func Abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
>>>>>>> REPLACE
'''

2. cmd/tool/main.go

'''go
<<<<<<< SEARCH
// unused
func old() {}

=======
>>>>>>> REPLACE
'''`), want: []Edit{
			{Path: "internal/mathx/abs.go", Search: "", Replace: "package mathx\n\n// Abs returns |x|.\nfunc Abs(x int) int {\n\tif x < 0 {\n\t\treturn -x\n\t}\n\treturn x\n}\n"},
			{Path: "cmd/tool/main.go", Search: "// unused\nfunc old() {}\n\n", Replace: ""},
		}},
		{name: "blank SEARCH creates the file", reply: "pkg/__init__.py\n<<<<<<< SEARCH\n\n=======\nfrom .core import run\n>>>>>>> REPLACE\n", want: []Edit{
			{Path: "pkg/__init__.py", Search: "", Replace: "from .core import run\n"},
		}},
		{name: "fence lines inside a block are content", reply: md(`README.md
<<<<<<< SEARCH
'''bash
make
'''
=======
'''bash
make test
'''
>>>>>>> REPLACE`), want: []Edit{{Path: "README.md", Search: md("'''bash\nmake\n'''\n"), Replace: md("'''bash\nmake test\n'''\n")}}},
		{name: "block indented in a list item", reply: md(`1. Fix the operator:

   src/app.py
   '''python
   <<<<<<< SEARCH
   def add(a, b):
       return a - b
   =======
   def add(a, b):
       return a + b
   >>>>>>> REPLACE
   '''`), want: []Edit{fix}},
		{name: "thinking dropped", reply: "<think>\nsrc/wrong.py\n<<<<<<< SEARCH\nx\n</think>\nsrc/app.py\n<<<<<<< SEARCH\ndef add(a, b):\n    return a - b\n=======\ndef add(a, b):\n    return a + b\n>>>>>>> REPLACE\n", want: []Edit{fix}},
		{name: "content holds a divider after the real one", reply: "docs/index.rst\n<<<<<<< SEARCH\nUsage\n=======\nHow to use it\n=======\n>>>>>>> REPLACE\n", want: []Edit{
			{Path: "docs/index.rst", Search: "Usage\n", Replace: "How to use it\n=======\n"},
		}},
		{name: "Windows separators and a Makefile", reply: "src\\app.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\nMakefile\n<<<<<<< SEARCH\nall:\n=======\nall: test\n>>>>>>> REPLACE\n", want: []Edit{
			{Path: "src/app.py", Search: "x = 1\n", Replace: "x = 2\n"},
			{Path: "Makefile", Search: "all:\n", Replace: "all: test\n"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseEdits(tt.reply)
			if err != nil {
				t.Fatalf("ParseEdits: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseEdits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseEditsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply string
		class ErrorClass
		want  string // the whole error text
	}{
		{name: "SEARCH without its divider", class: Unparsable, reply: `src/app.py
<<<<<<< SEARCH
x = 1
=======
x = 2
>>>>>>> REPLACE

src/app.py
<<<<<<< SEARCH
y = 1
y = 2
>>>>>>> REPLACE
`, want: "unparsable: block 2 (src/app.py): no ======= line between <<<<<<< SEARCH and >>>>>>> REPLACE"},
		{name: "reply cut off inside a block", class: Unparsable, reply: "src/app.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n", want: "unparsable: block 1 (src/app.py): the reply ends before the block's >>>>>>> REPLACE lines (was it cut off?)"},
		{name: "reply cut off in SEARCH", class: Unparsable, reply: "src/app.py\n<<<<<<< SEARCH\nx = 1\n", want: "unparsable: block 1 (src/app.py): the reply ends before the block's ======= and >>>>>>> REPLACE lines (was it cut off?)"},
		{name: "next block before REPLACE", class: Unparsable, reply: "a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\nb.py\n<<<<<<< SEARCH\ny = 1\n=======\ny = 2\n>>>>>>> REPLACE\n",
			want: "unparsable: block 1 (a.py): a new <<<<<<< SEARCH starts before the block's >>>>>>> REPLACE lines"},
		{name: "no path at all", class: Unparsable, reply: md("Here is the fix:\n\n'''python\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n'''"),
			want: "unparsable: block 1: no file path before <<<<<<< SEARCH: write the file's path alone on the line before it"},
		{name: "absolute path", class: Unparsable, reply: "/home/me/repo/app.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n",
			want: `unparsable: block 1: path "/home/me/repo/app.py" is absolute: write it relative to the repository root`},
		{name: "path leaving the repository", class: Unparsable, reply: "a.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n`src/../../etc/app.py`\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n",
			want: `unparsable: block 2: path "src/../../etc/app.py" has a "..": write a path inside the repository, relative to its root`},
		{name: "REPLACE without SEARCH", class: Unparsable, reply: "app.py\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n",
			want: "unparsable: block 1: >>>>>>> REPLACE without a <<<<<<< SEARCH line before it"},
		{name: "no blocks", class: NoCode, reply: md("'''python\ndef add(a, b):\n    return a + b\n'''"),
			want: "no_code: reply has no SEARCH/REPLACE blocks: no <<<<<<< SEARCH line"},
		{name: "empty reply", class: EmptyOutput, reply: " \n<think>planning</think>\n",
			want: "empty_output: empty reply (want SEARCH/REPLACE blocks)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseEdits(tt.reply)
			checkClass(t, err, tt.class)
			if err.Error() != tt.want {
				t.Errorf("error = %q\nwant    %q", err, tt.want)
			}
			if got != nil {
				t.Errorf("edits = %+v with the error, want none", got)
			}
		})
	}
}

func TestParseEditsExplanation(t *testing.T) {
	t.Parallel()
	reply := md(`<think>which file?</think>
The loop stops one element early.

**File:** ` + "`src/app.py`" + `


'''python
<<<<<<< SEARCH
for i in range(n - 1):
=======
for i in range(n):
>>>>>>> REPLACE
'''

Now every element is visited.
`)
	edits, expl, err := parseEdits(reply)
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) != 1 || edits[0].Path != "src/app.py" {
		t.Fatalf("edits = %+v", edits)
	}
	if want := "The loop stops one element early.\n\nNow every element is visited."; expl != want {
		t.Errorf("explanation = %q, want %q", expl, want)
	}

	long := strings.Repeat("é", 1500) + "\na.py\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n"
	_, expl, err = parseEdits(long)
	if err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(expl)); n != explanationMax || !strings.HasSuffix(expl, "…") {
		t.Errorf("long explanation: %d characters ending %q, want %d ending with …", n, expl[len(expl)-8:], explanationMax)
	}
}

func TestPathOfLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line    string
		want    string
		plainly bool
		ok      bool
	}{
		{line: "src/app.py", want: "src/app.py", plainly: true, ok: true},
		{line: "## `pkg/x.go`", want: "pkg/x.go", plainly: true, ok: true},
		{line: "- **path:** `a/b.py` (modified):", want: "a/b.py", plainly: true, ok: true},
		{line: "# calc/add.py", want: "calc/add.py", plainly: true, ok: true},
		{line: "// calc/add.go", want: "calc/add.go", plainly: true, ok: true},
		{line: "Dockerfile", want: "Dockerfile", plainly: true, ok: true},
		{line: "build", want: "build", ok: true},
		{line: "Fix:", ok: false},
		{line: "Done.", ok: false},
		{line: "python", ok: false},
		{line: "Here is the fix:", ok: false},
		{line: "https://example.com/a.py", ok: false},
		{line: "---", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			got, plainly, ok := pathOfLine(tt.line)
			if got != tt.want || plainly != tt.plainly || ok != tt.ok {
				t.Errorf("pathOfLine(%q) = %q, %t, %t; want %q, %t, %t", tt.line, got, plainly, ok, tt.want, tt.plainly, tt.ok)
			}
		})
	}
}
