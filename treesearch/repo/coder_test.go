package repo

import (
	"strings"
	"testing"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/agent/agenttest"
	"github.com/codetree/codetree/treesearch"
)

func block(search, replace string) string {
	return "calc.go\n<<<<<<< SEARCH\n" + search + "=======\n" + replace + ">>>>>>> REPLACE\n"
}

// TestCoderScripts: a repair's script is its parent's edits followed by
// the new ones, and the model is shown the files as the parent left them;
// a parent whose edits did not apply is dropped and the files are shown as
// they were.
func TestCoderScripts(t *testing.T) {
	t.Parallel()
	srv := agenttest.NewServer(t)
	srv.Reply("Use *.\n\n" + block("\treturn a - b\n", "\treturn a * b\n"))
	srv.Reply(block("\treturn a * b\n", "\treturn a + b\n"))
	srv.Reply(block("\treturn a - b\n", "\treturn b + a\n"))
	client, err := agent.New(agent.Config{Model: "scripted", BaseURL: srv.URL(), MaxTokens: 256})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	tr := &Tester{Base: calcBase()}
	c := &Coder{Model: client, Tests: tr, Task: "fix Add", Lang: "go", Files: []string{"calc.go"}, Layout: "calc.go"}
	p := treesearch.Problem{ID: "repo", Lang: "go"}

	first, err := c.Solve(t.Context(), p, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if first.Note != "Use *." || strings.Count(first.Code, "<<<<<<< SEARCH") != 1 {
		t.Errorf("first = %+v", first)
	}
	second, err := c.Repair(t.Context(), p, first.Code, "FAIL: Add(1, 2) = 2", "use +", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(second.Code, strings.TrimRight(first.Code, "\n")) || strings.Count(second.Code, "<<<<<<< SEARCH") != 2 {
		t.Errorf("repair script does not extend its parent's:\n%s", second.Code)
	}
	files, err := tr.Files(second.Code)
	if err != nil || !strings.Contains(string(files["calc.go"]), "return a + b") {
		t.Errorf("the repair's files: %v\n%s", err, files["calc.go"])
	}
	reqs := srv.Requests()
	if repair := reqs[1].Messages[1].Content; !strings.Contains(repair, "return a * b") || strings.Contains(repair, "return a - b") {
		t.Errorf("the repair prompt does not show calc.go as the parent left it:\n%s", repair)
	}
	if d := c.Show(second.Code); !strings.Contains(d, "-\treturn a - b") || !strings.Contains(d, "+\treturn a + b") {
		t.Errorf("Show = %q, want the diff from the base", d)
	}

	// A parent whose edits do not apply: the repair starts from the base.
	broken := block("\treturn nothing\n", "\treturn a\n")
	third, err := c.Repair(t.Context(), p, broken, "did not apply", "", 2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(third.Code, "return nothing") || strings.Count(third.Code, "<<<<<<< SEARCH") != 1 {
		t.Errorf("repair of a broken parent kept its edits:\n%s", third.Code)
	}
	if c.Show(broken) != broken {
		t.Errorf("Show of edits that do not apply should be the edits")
	}
}
