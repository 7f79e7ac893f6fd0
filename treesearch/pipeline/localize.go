package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/treesearch/repo"
)

// Localization is one answer to "where is the issue": files to change and
// the functions, methods or types in them. Each is a strategy of the
// search.
type Localization struct {
	Files   []string         `json:"files"`
	Symbols []agent.Location `json:"symbols,omitempty"`
	// Source is "model" (the Localizer's choice), "lexical" (the
	// ranking's, when the model named nothing usable or as an alternative)
	// or "given" (Options.Files).
	Source string `json:"source"`
}

// Strategy is the localization as a search strategy, the hint the
// Editor's first edits follow.
func (l Localization) Strategy() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Change %s", strings.Join(l.Files, " and "))
	if len(l.Symbols) > 0 {
		var names []string
		for _, s := range l.Symbols {
			names = append(names, s.Name)
		}
		fmt.Fprintf(&b, ", in %s", strings.Join(names, ", "))
	}
	b.WriteString(": the issue most likely lies there.")
	return b.String()
}

const (
	rankShown   = 10    // files of the lexical ranking shown to the model
	filesAsked  = 5     // files the model is asked for
	skeletonMax = 24000 // bytes of skeletons shown
)

// localization is what the localize stage found.
type localization struct {
	ranking []string
	all     []Localization
	notes   []string
}

// files lists every file of the localizations, in order, once.
func (l localization) files() []string {
	var out []string
	for _, loc := range l.all {
		for _, f := range loc.Files {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// localize ranks the files, asks the model for files and then symbols,
// and makes up to n localizations. Model-output errors fall back to the
// ranking; other errors end the pipeline.
func (r *run) localize(ctx context.Context, n int) (localization, error) {
	snap := r.opts.Solve.Snapshot
	sources := repo.SourceFiles(snap.Files, string(r.lang))
	var loc localization
	loc.ranking = Rank(snap.Files, sources, r.opts.Issue, rankShown)
	chosen := r.opts.Files
	if len(chosen) > 0 {
		symbols, err := r.chooseSymbols(ctx, chosen)
		loc.all = []Localization{{Files: chosen, Symbols: symbols, Source: "given"}}
		return loc, err
	}
	chosen, err := r.chooseFiles(ctx, loc.ranking, sources)
	if err != nil {
		return loc, err
	}
	if len(chosen) == 0 {
		chosen = loc.ranking[:min(len(loc.ranking), filesAsked)]
		loc.notes = append(loc.notes, "the model named no file of the repository: the lexical ranking's files are used")
	}
	if len(chosen) == 0 {
		return loc, nil
	}
	symbols, err := r.chooseSymbols(ctx, chosen)
	if err != nil {
		return loc, err
	}
	loc.all = group(chosen, symbols, n)
	if len(loc.all) < n {
		for _, p := range loc.ranking {
			if !slices.Contains(chosen, p) && !IsTestFile(p) {
				loc.all = append(loc.all, Localization{Files: []string{p}, Source: "lexical"})
				break
			}
		}
	}
	return loc, nil
}

// chooseFiles is the Localizer's choice, kept to the repository's files.
func (r *run) chooseFiles(ctx context.Context, ranking, sources []string) ([]string, error) {
	snap := r.opts.Solve.Snapshot
	res, err := agent.Localizer{C: r.model}.Files(ctx, agent.LocateFilesRequest{
		ProblemID: r.id, Lang: string(r.lang), Issue: r.opts.Issue, Layout: snap.Layout(20000),
		Ranking: ranking, Max: filesAsked,
	})
	if err != nil && !agent.IsModelOutput(err) {
		return nil, err
	}
	var out []string
	for _, p := range res.Paths {
		if _, ok := snap.Files[p]; ok && slices.Contains(sources, p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// chooseSymbols is the Localizer's choice of symbols in the files, kept
// to those the skeletons have.
func (r *run) chooseSymbols(ctx context.Context, files []string) ([]agent.Location, error) {
	snap := r.opts.Solve.Snapshot
	res, err := agent.Localizer{C: r.model}.Symbols(ctx, agent.LocateSymbolsRequest{
		ProblemID: r.id, Lang: string(r.lang), Issue: r.opts.Issue,
		Skeletons: RenderSkeletons(snap.Files, files, skeletonMax),
	})
	if err != nil && !agent.IsModelOutput(err) {
		return nil, err
	}
	var out []agent.Location
	for _, l := range res.Locations {
		if slices.Contains(files, l.Path) && slices.ContainsFunc(Skeleton(l.Path, snap.Files[l.Path]),
			func(s Symbol) bool { return s.Name == l.Name }) {
			out = append(out, l)
		}
	}
	return out, nil
}

// group makes a localization per file that holds a named symbol, in the
// model's order of symbols (then the remaining files, in its order of
// files), up to n; with no symbol, one per file.
func group(files []string, symbols []agent.Location, n int) []Localization {
	var order []string
	for _, s := range symbols {
		if !slices.Contains(order, s.Path) {
			order = append(order, s.Path)
		}
	}
	for _, f := range files {
		if !slices.Contains(order, f) {
			order = append(order, f)
		}
	}
	var out []Localization
	for _, f := range order[:min(n, len(order))] {
		l := Localization{Files: []string{f}, Source: "model"}
		for _, s := range symbols {
			if s.Path == f {
				l.Symbols = append(l.Symbols, s)
			}
		}
		out = append(out, l)
	}
	return out
}
