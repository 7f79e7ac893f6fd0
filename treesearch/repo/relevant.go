package repo

import (
	"path"
	"slices"
	"strings"
)

// SourceFiles are the repository's files of the language ("go" or
// "python"), without vendored and test-data folders, in path order.
func SourceFiles(files map[string][]byte, lang string) []string {
	ext := ".py"
	if lang == "go" {
		ext = ".go"
	}
	var out []string
	for p := range files {
		if strings.HasSuffix(p, ext) && !skippedDir(p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// MentionedFiles are the source files that text (the task and the failing
// output) names, with the other files of a named Go file's package and
// the subject of a named Python test module (tests/test_calc.py ->
// calc.py), in path order.
func MentionedFiles(files map[string][]byte, lang, text string) []string {
	sources := SourceFiles(files, lang)
	picked := make(map[string]bool)
	for _, p := range sources {
		if mentioned(text, p) {
			picked[p] = true
		}
	}
	named := make([]string, 0, len(picked))
	for p := range picked {
		named = append(named, p)
	}
	for _, p := range named {
		for _, q := range sources {
			switch {
			case lang == "go" && path.Dir(q) == path.Dir(p):
				picked[q] = true
			case lang != "go" && path.Base(q) == strings.TrimPrefix(path.Base(p), "test_"):
				picked[q] = true
			}
		}
	}
	var out []string
	for _, p := range sources {
		if picked[p] {
			out = append(out, p)
		}
	}
	return out
}

// Fit keeps the paths, in order, whose files fit together in max bytes;
// paths not in files are dropped.
func Fit(files map[string][]byte, paths []string, max int) []string {
	var out []string
	size := 0
	for _, p := range paths {
		content, ok := files[p]
		if !ok || size+len(content) > max {
			continue
		}
		size += len(content)
		out = append(out, p)
	}
	return out
}

// TotalSize is the size of the paths' files.
func TotalSize(files map[string][]byte, paths []string) int {
	n := 0
	for _, p := range paths {
		n += len(files[p])
	}
	return n
}

// mentioned reports whether text names the file p: its path, or its base
// name as a compiler, go test or pytest would print it.
func mentioned(text, p string) bool {
	if strings.Contains(text, p) {
		return true
	}
	base := path.Base(p)
	for _, suffix := range []string{":", "::", " "} {
		if strings.Contains(text, base+suffix) {
			return true
		}
	}
	return false
}

func skippedDir(p string) bool {
	for _, dir := range strings.Split(path.Dir(p), "/") {
		switch dir {
		case "vendor", "testdata", "node_modules", ".venv", "venv":
			return true
		}
	}
	return false
}
