package agent

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLocalizerFiles(t *testing.T) {
	t.Parallel()
	rec := &recorder{replies: []string{"1. `web/router.go` (matching)\n2. web/context.go\n3. README.md"}}
	got, err := Localizer{C: rec}.Files(t.Context(), LocateFilesRequest{ProblemID: "gin-1", Lang: "go",
		Issue: "Trailing slashes are not redirected.", Layout: "README.md\nweb/context.go\nweb/router.go",
		Ranking: []string{"web/router.go", "web/tree.go"}, Max: 2})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"web/router.go", "web/context.go"}, got.Paths); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	sent := rec.only(t)
	if sent.Role != RoleThinker || sent.Problem != "gin-1" {
		t.Errorf("role %q problem %q, want thinker for gin-1", sent.Role, sent.Problem)
	}
	sys, user := sent.Messages[0].Content, sent.Messages[1].Content
	if !strings.Contains(sys, "localizes a GitHub issue in a repository") || !strings.Contains(sys, "at most 2 paths") ||
		!strings.Contains(user, "1. web/router.go\n2. web/tree.go") || !strings.Contains(user, "Trailing slashes") {
		t.Errorf("prompts:\n%s\n---\n%s", sys, user)
	}
}

func TestLocalizerSymbols(t *testing.T) {
	t.Parallel()
	rec := &recorder{replies: []string{"Most likely:\n1. `web/router.go`: `Router.Handle`\n2. web/tree.go: findRoute() (the lookup)\n3. a bare word\n4. web/tree.go:"}}
	got, err := Localizer{C: rec}.Symbols(t.Context(), LocateSymbolsRequest{ProblemID: "gin-1", Lang: "go",
		Issue: "Trailing slashes are not redirected.", Skeletons: "web/router.go\n12: func (r *Router) Handle(path string)"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Location{{"web/router.go", "Router.Handle"}, {"web/tree.go", "findRoute"}}
	if diff := cmp.Diff(want, got.Locations); diff != "" {
		t.Errorf("locations (-want +got):\n%s", diff)
	}
	if want[0].String() != "web/router.go: Router.Handle" {
		t.Errorf("String %q", want[0].String())
	}
	if sys := rec.only(t).Messages[0].Content; !strings.Contains(sys, "localizes a GitHub issue within files") {
		t.Errorf("system prompt:\n%s", sys)
	}
	rec = &recorder{replies: []string{"It is somewhere in the router."}}
	if _, err := (Localizer{C: rec}).Symbols(t.Context(), LocateSymbolsRequest{Lang: "go", Issue: "x", Skeletons: "a.go"}); !IsModelOutput(err) {
		t.Errorf("a reply without a list: %v, want a model-output error", err)
	}
}

func TestReproducerWrite(t *testing.T) {
	t.Parallel()
	reply := "This test calls Sum on an empty slice.\n\ncalc/sum_test.go\n<<<<<<< SEARCH\n=======\npackage calc\n\nimport \"testing\"\n\nfunc TestSumEmpty(t *testing.T) {\n\tif Sum(nil) != 0 {\n\t\tt.Fatal(\"want 0\")\n\t}\n}\n>>>>>>> REPLACE\n"
	rec := &recorder{replies: []string{reply}}
	got, err := Reproducer{C: rec}.Write(t.Context(), ReproduceRequest{ProblemID: "calc-1", Lang: "go",
		Issue: "Sum panics on an empty slice.", Context: "Repository files:\ncalc/sum.go",
		PrevEdits: "calc/sum_test.go\n<<<<<<< SEARCH\n=======\npackage calc\n>>>>>>> REPLACE", Feedback: "ok calc 0.01s (the test passed)"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Edits) != 1 || got.Edits[0].Path != "calc/sum_test.go" || got.Edits[0].Search != "" ||
		!strings.Contains(got.Edits[0].Replace, "func TestSumEmpty") {
		t.Errorf("edits %+v", got.Edits)
	}
	sent := rec.only(t)
	if sent.Role != RoleThinker {
		t.Errorf("role %q, want thinker (not a generation of the search)", sent.Role)
	}
	sys, user := sent.Messages[0].Content, sent.Messages[1].Content
	if !strings.Contains(sys, "writes a test that reproduces a GitHub issue") || !strings.Contains(sys, "func TestXxx") ||
		!strings.Contains(user, "the test passed") || !strings.Contains(user, "Write the test again") {
		t.Errorf("prompts:\n%s\n---\n%s", sys, user)
	}
	rec = &recorder{replies: []string{"I cannot reproduce it."}}
	if _, err := (Reproducer{C: rec}).Write(t.Context(), ReproduceRequest{Lang: "python", Issue: "x", Context: "a.py"}); !IsModelOutput(err) {
		t.Errorf("a reply without blocks: %v, want a model-output error", err)
	}
}
