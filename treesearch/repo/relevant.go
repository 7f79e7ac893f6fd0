package repo

import (
	"path"
	"slices"
	"strings"
)

// RelevantFiles picks the files to show the model in full when the developer
// named none: the files the task or the failing output mention, with the
// other source files of their Go package or Python test module's
// subject; when nothing is mentioned, every source file of the language,
// as long as they fit in max bytes. The rest of the repository is in the
// layout, which the model always sees.
func RelevantFiles(files map[string][]byte, lang, task, output string, max int) []string {
	ext := ".py"
	if lang == "go" {
		ext = ".go"
	}
	var sources []string
	for p := range files {
		if strings.HasSuffix(p, ext) && !skippedDir(p) {
			sources = append(sources, p)
		}
	}
	slices.Sort(sources)

	text := task + "\n" + output
	picked := make(map[string]bool)
	for _, p := range sources {
		if mentioned(text, p) {
			picked[p] = true
		}
	}
	// A mentioned Go file brings its package; a Python test file the
	// module it tests (tests/test_calc.py -> calc.py).
	for p := range picked {
		for _, q := range sources {
			switch {
			case lang == "go" && path.Dir(q) == path.Dir(p):
				picked[q] = true
			case lang != "go" && path.Base(q) == strings.TrimPrefix(path.Base(p), "test_"):
				picked[q] = true
			}
		}
	}
	if len(picked) == 0 {
		for _, p := range sources {
			picked[p] = true
		}
	}
	var out []string
	size := 0
	for _, p := range sources {
		if !picked[p] {
			continue
		}
		if size+len(files[p]) > max {
			continue
		}
		size += len(files[p])
		out = append(out, p)
	}
	return out
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
