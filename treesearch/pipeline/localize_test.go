package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch/repo"
)

// replyModel answers the Localizer's two prompts from fixed replies.
type replyModel struct{ files, symbols string }

func (m replyModel) Complete(_ context.Context, req agent.Request) (agent.Response, error) {
	if strings.Contains(req.Messages[0].Content, "within files") {
		return agent.Response{Content: m.symbols}, nil
	}
	return agent.Response{Content: m.files}, nil
}

func localizeShop(t *testing.T, m agent.Completer, given []string) localization {
	t.Helper()
	r := &run{opts: Options{Issue: shopIssue, Files: given, Solve: repo.Options{Snapshot: loadFiles(t, shopFiles)}},
		id: "shop-1", lang: sandbox.LangGo, model: &meter{c: m}}
	loc, err := r.localize(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestLocalizeFallsBackToRanking: a model that names no file of the
// repository leaves the lexical ranking's files, noted; symbols not in
// the skeletons are dropped.
func TestLocalizeFallsBackToRanking(t *testing.T) {
	t.Parallel()
	loc := localizeShop(t, replyModel{files: "I would look at the pricing code.", symbols: "1. price.go: Nothing"}, nil)
	if len(loc.ranking) == 0 || loc.ranking[0] != "price.go" {
		t.Fatalf("ranking %v, want price.go first (the issue names Discount)", loc.ranking)
	}
	if len(loc.notes) != 1 || !strings.Contains(loc.notes[0], "lexical ranking") {
		t.Errorf("notes %v", loc.notes)
	}
	if len(loc.all) == 0 || loc.all[0].Files[0] != "price.go" || len(loc.all[0].Symbols) != 0 {
		t.Errorf("localizations %+v", loc.all)
	}
}

// TestLocalizeModelAndAlternative: the model's file with its symbol comes
// first; the ranking's best other source file is an alternative
// localization, never a test file.
func TestLocalizeModelAndAlternative(t *testing.T) {
	t.Parallel()
	loc := localizeShop(t, replyModel{files: "1. `cart.go`", symbols: "1. cart.go: Total"}, nil)
	want := []Localization{
		{Files: []string{"cart.go"}, Symbols: []agent.Location{{Path: "cart.go", Name: "Total"}}, Source: "model"},
		{Files: []string{"price.go"}, Source: "lexical"},
	}
	if diff := cmp.Diff(want, loc.all); diff != "" {
		t.Errorf("localizations (-want +got):\n%s", diff)
	}
}

// TestLocalizeGivenFiles: --files is the one localization; the model is
// asked only for the symbols in them.
func TestLocalizeGivenFiles(t *testing.T) {
	t.Parallel()
	loc := localizeShop(t, replyModel{files: "1. cart.go", symbols: "1. price.go: Discount"}, []string{"price.go"})
	want := []Localization{{Files: []string{"price.go"}, Symbols: []agent.Location{{Path: "price.go", Name: "Discount"}}, Source: "given"}}
	if diff := cmp.Diff(want, loc.all); diff != "" {
		t.Errorf("localizations (-want +got):\n%s", diff)
	}
}
