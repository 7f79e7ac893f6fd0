package agent

import (
	"context"
	"fmt"
	"strings"
)

// Localizer finds where an issue is in a repository, Agentless's way:
// first the files, from the repository's layout (with a lexical ranking
// as a hint), then the functions, methods and types within them, from
// their skeletons. Both are accounted as Thinker calls: planning, not
// generations.
type Localizer struct {
	C Completer
}

// LocateFilesRequest asks which files an issue concerns.
type LocateFilesRequest struct {
	ProblemID string
	Lang      string // "go" or "python"
	// Issue is the issue's text (title, body, comments).
	Issue string
	// Layout is the repository's file list; Ranking the files a lexical
	// search ranks highest for the issue, best first (shown as a hint).
	Layout  string
	Ranking []string
	// Max caps the number of paths asked for (default 5).
	Max int
}

// LocateSymbolsRequest asks which functions, methods or types within the
// files must change.
type LocateSymbolsRequest struct {
	ProblemID string
	Lang      string
	Issue     string
	// Skeletons are the files' signatures without bodies, rendered by the
	// caller.
	Skeletons string
	// Max caps the number of locations asked for (default 8).
	Max int
}

// SymbolsResult is the locations the model named, in its order, each as
// a path and a name ("pkg/a.go", "Type.Method"), as written: the caller
// checks them against the skeletons.
type SymbolsResult struct {
	Locations []Location
	Response  Response
}

// Location is a function, method or type in a file.
type Location struct {
	Path string `json:"path"`
	Name string `json:"name"`
}

// String is "path: name".
func (l Location) String() string { return l.Path + ": " + l.Name }

// Files asks which files must change to resolve the issue. A reply
// without a list is a model-output error.
func (l Localizer) Files(ctx context.Context, req LocateFilesRequest) (FilesResult, error) {
	data, err := newPromptData(req.Lang, strings.TrimSpace(req.Issue))
	if err != nil {
		return FilesResult{}, fmt.Errorf("localize files: %w", err)
	}
	data.Context, data.Max = strings.TrimSpace(req.Layout), max(req.Max, 0)
	if data.Max == 0 {
		data.Max = 5
	}
	if len(req.Ranking) > 0 {
		data.Hint = numbered(req.Ranking)
	}
	msgs, err := conversation(data,
		turn{role: "system", template: "localize_files_system"},
		turn{role: "user", template: "localize_files_user"})
	if err != nil {
		return FilesResult{}, fmt.Errorf("localize files: %w", err)
	}
	items, resp, err := completeList(ctx, l.C, Request{Role: RoleThinker, Problem: req.ProblemID, Messages: msgs}, "localize files")
	if err != nil {
		return FilesResult{Response: resp}, err
	}
	return FilesResult{Paths: capItems(listPaths(items), data.Max), Response: resp}, nil
}

// Symbols asks which functions, methods or types must change. A reply
// without a list is a model-output error; items that are not "path:
// name" are dropped.
func (l Localizer) Symbols(ctx context.Context, req LocateSymbolsRequest) (SymbolsResult, error) {
	data, err := newPromptData(req.Lang, strings.TrimSpace(req.Issue))
	if err != nil {
		return SymbolsResult{}, fmt.Errorf("localize symbols: %w", err)
	}
	data.Context, data.Max = strings.TrimSpace(req.Skeletons), max(req.Max, 0)
	if data.Max == 0 {
		data.Max = 8
	}
	msgs, err := conversation(data,
		turn{role: "system", template: "localize_symbols_system"},
		turn{role: "user", template: "localize_symbols_user"})
	if err != nil {
		return SymbolsResult{}, fmt.Errorf("localize symbols: %w", err)
	}
	items, resp, err := completeList(ctx, l.C, Request{Role: RoleThinker, Problem: req.ProblemID, Messages: msgs}, "localize symbols")
	if err != nil {
		return SymbolsResult{Response: resp}, err
	}
	var locs []Location
	for _, it := range items {
		if loc, ok := parseLocation(it); ok {
			locs = append(locs, loc)
		}
	}
	return SymbolsResult{Locations: capItems(locs, data.Max), Response: resp}, nil
}

// parseLocation reads "path: name", "`path`: `name`" or "path:name (why)".
func parseLocation(item string) (Location, bool) {
	path, rest, ok := strings.Cut(item, ":")
	if !ok {
		return Location{}, false
	}
	path = strings.TrimPrefix(strings.Trim(strings.TrimSpace(path), "`*\"'"), "./")
	words := strings.Fields(rest)
	if path == "" || len(words) == 0 {
		return Location{}, false
	}
	name := strings.TrimSuffix(strings.Trim(words[0], "`*\"',;"), "()")
	if name == "" {
		return Location{}, false
	}
	return Location{Path: path, Name: name}, true
}

// listPaths takes each item's first word as a path: "`calc/add.py` (the
// function)".
func listPaths(items []string) []string {
	var paths []string
	for _, it := range items {
		words := strings.Fields(it)
		if len(words) == 0 {
			continue
		}
		if p := strings.TrimPrefix(strings.Trim(words[0], "`*\"',;:"), "./"); p != "" {
			paths = append(paths, p)
		}
	}
	return paths
}

// numbered renders items as "1. item" lines.
func numbered(items []string) string {
	var b strings.Builder
	for i, it := range items {
		fmt.Fprintf(&b, "%d. %s\n", i+1, it)
	}
	return strings.TrimRight(b.String(), "\n")
}
