package simllm

import (
	"slices"
	"strings"
	"testing"

	"github.com/codetree/codetree/benchmarks/swebench"
)

const multiPatch = `diff --git a/router.go b/router.go
index 1111111..2222222 100644
--- a/router.go
+++ b/router.go
@@ -10,7 +10,8 @@ type Router struct {
 
 // Handle registers path.
 func (r *Router) Handle(path string) {
-	r.paths = append(r.paths, path)
+	clean := strings.TrimSuffix(path, "/")
+	r.paths = append(r.paths, clean)
 }
 
 func helper() {}
@@ -30,4 +31,8 @@ func (r *Router) Len() int {
 	return len(r.paths)
 }
+
+func (r *Router) Reset() {
+	r.paths = nil
+}
diff --git a/pkg/shapes.py b/pkg/shapes.py
--- a/pkg/shapes.py
+++ b/pkg/shapes.py
@@ -1,8 +1,8 @@
 class Square:
     def __init__(self, side):
         self.side = side
 
     def area(self):
-        return self.side * 4
+        return self.side * self.side
 
 
diff --git a/docs/new.md b/docs/new.md
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/docs/new.md
@@ -0,0 +1,2 @@
+# New
+text
diff --git a/old.txt b/old.txt
deleted file mode 100644
--- a/old.txt
+++ /dev/null
@@ -1 +0,0 @@
-gone
`

func TestParsePatch(t *testing.T) {
	t.Parallel()
	files := parsePatch(multiPatch)
	var paths []string
	for _, f := range files {
		paths = append(paths, f.path())
	}
	if want := []string{"router.go", "pkg/shapes.py", "docs/new.md", "old.txt"}; !slices.Equal(paths, want) {
		t.Fatalf("paths = %v, want %v", paths, want)
	}
	if !files[2].created() || !files[3].deleted() || files[0].created() || files[0].deleted() {
		t.Errorf("created/deleted wrong: %+v", files)
	}
	if len(files[0].hunks) != 2 || files[0].hunks[0].oldStart != 10 || files[0].hunks[0].context != "type Router struct {" {
		t.Errorf("router.go hunks = %+v", files[0].hunks)
	}
	blocks := patchBlocks(files)
	if len(blocks) != 4 {
		t.Fatalf("%d blocks, want 4 (two hunks, one hunk, one new file; the deleted file left out)", len(blocks))
	}
	if b := blocks[3]; b.path != "docs/new.md" || b.search != "" || b.replace != "# New\ntext\n" {
		t.Errorf("new file block = %+v", b)
	}
	if b := blocks[0]; !strings.Contains(b.search, "\tr.paths = append(r.paths, path)\n") || strings.Contains(b.search, "clean") ||
		!strings.Contains(b.replace, "clean :=") {
		t.Errorf("hunk block = %+v", b)
	}
	// The blocks read back as they were written.
	if got := parseBlocks(formatBlocks(blocks)); !slices.Equal(got, blocks) {
		t.Errorf("parseBlocks(formatBlocks(b)) = %+v, want %+v", got, blocks)
	}
}

func TestPatchLocations(t *testing.T) {
	t.Parallel()
	got := patchLocations(parsePatch(multiPatch))
	want := []location{{"router.go", "Router.Handle"}, {"pkg/shapes.py", "Square.area"}}
	if !slices.Equal(got, want) {
		t.Errorf("patchLocations = %v, want %v (an added method names nothing)", got, want)
	}
}

func TestMarkerLength(t *testing.T) {
	t.Parallel()
	b := block{path: "conflict.txt", search: "<<<<<<< SEARCH\n", replace: "=======\n"}
	text := formatBlocks([]block{b})
	if !strings.Contains(text, "<<<<<<<< SEARCH\n") {
		t.Errorf("markers not lengthened:\n%s", text)
	}
	if got := parseBlocks(text); len(got) != 1 || got[0] != b {
		t.Errorf("parseBlocks = %+v, want %+v", got, b)
	}
}

func TestWrongEditOnlyNewFiles(t *testing.T) {
	t.Parallel()
	o := newOracle(swebench.Instance{InstanceID: "x", ProblemStatement: "Add a file.",
		Patch: "--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+X = 1\n"})
	if o.wrong != nil {
		t.Errorf("wrong edit %+v for a patch that only creates files", o.wrong)
	}
	if got := o.edit(nil); !strings.Contains(got, "new.py\n<<<<<<< SEARCH\n=======\nX = 1\n>>>>>>> REPLACE") {
		t.Errorf("first edit is not the gold patch:\n%s", got)
	}
}

func TestOracleFailing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fb   string
		want bool
	}{
		{"Tests passed: 3/3\nPASS TestParseError\nPASS go vet ./...\n", false},
		{"Tests passed: 2/3\nFAIL go test ./... -- exit status 1\n", true},
		{"Error before the tests ran:\n  build failed\nTests passed: 0/0\n", true},
		{"Tests passed: 0/0\n(no visible tests: the code loads without error)\n", false},
		{"assert f(1) == 2 # output: 3\n", true},
	} {
		if got := oracleFailing(tc.fb); got != tc.want {
			t.Errorf("oracleFailing(%q) = %v, want %v", tc.fb, got, tc.want)
		}
	}
}

func TestLookupOracle(t *testing.T) {
	t.Parallel()
	m := New(nil, Options{Instances: []swebench.Instance{
		{InstanceID: "short", ProblemStatement: "Parse fails"},
		{InstanceID: "long", ProblemStatement: "Parse fails\non  empty input"},
	}})
	if o := m.lookupOracle("Issue:\nParse fails on empty input\n"); o == nil || o.id != "long" {
		t.Errorf("lookup = %v, want the longest statement found (white space aside)", o)
	}
	if o := m.lookupOracle("Issue:\nsomething else"); o != nil {
		t.Errorf("lookup = %v, want none", o.id)
	}
}
