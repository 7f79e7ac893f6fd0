package pipeline

import (
	"math"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

var wordPattern = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// stopwords are words of issues and code that say nothing of where.
var stopwords = map[string]bool{
	"the": true, "and": true, "for": true, "with": true, "that": true, "this": true, "not": true,
	"when": true, "but": true, "are": true, "was": true, "from": true, "have": true, "has": true,
	"should": true, "would": true, "can": true, "does": true, "into": true, "than": true, "then": true,
	"its": true, "there": true, "what": true, "which": true, "will": true, "also": true, "how": true,
	"func": true, "def": true, "return": true, "self": true, "import": true, "package": true, "none": true,
	"true": true, "false": true, "nil": true, "err": true, "error": true, "string": true, "int": true,
}

// words splits text into lower-case words of three letters or more:
// identifiers, and their camelCase and snake_case parts.
func words(text string) []string {
	var out []string
	for _, id := range wordPattern.FindAllString(text, -1) {
		parts := splitIdent(id)
		if len(parts) > 1 {
			parts = append(parts, id)
		}
		for _, p := range parts {
			p = strings.ToLower(p)
			if len(p) >= 3 && !stopwords[p] {
				out = append(out, p)
			}
		}
	}
	return out
}

// splitIdent cuts an identifier at underscores and case changes:
// "parseHTTPHeader_value" -> parse, HTTP, Header, value.
func splitIdent(id string) []string {
	var parts []string
	for _, piece := range strings.Split(id, "_") {
		rs := []rune(piece)
		start := 0
		for i := 1; i < len(rs); i++ {
			lowerToUpper := unicode.IsLower(rs[i-1]) && unicode.IsUpper(rs[i])
			acronymEnd := i+1 < len(rs) && unicode.IsUpper(rs[i-1]) && unicode.IsUpper(rs[i]) && unicode.IsLower(rs[i+1])
			if lowerToUpper || acronymEnd {
				parts = append(parts, string(rs[start:i]))
				start = i
			}
		}
		if start < len(rs) {
			parts = append(parts, string(rs[start:]))
		}
	}
	return parts
}

// Rank orders the candidate files by how much of the issue's vocabulary
// they hold, best first, and returns at most n of them (files with no
// word in common are left out). The score is BM25's over the files'
// contents, with the words of a file's path counted three times over: an
// issue names functions and types, and paths name the concepts. Test
// files count half, so the code under test comes before its tests.
func Rank(files map[string][]byte, candidates []string, issue string, n int) []string {
	query := slices.Compact(sorted(words(issue)))
	if len(query) == 0 || len(candidates) == 0 {
		return nil
	}
	tfs := make(map[string]map[string]int, len(candidates))
	df := make(map[string]int)
	total := 0
	for _, p := range candidates {
		tf := make(map[string]int)
		for _, w := range words(string(files[p])) {
			tf[w]++
		}
		for _, w := range words(strings.NewReplacer("/", " ", ".", " ", "-", " ").Replace(p)) {
			tf[w] += 3
		}
		for w := range tf {
			df[w]++
		}
		tfs[p] = tf
		total += sumCounts(tf)
	}
	avg := float64(total) / float64(len(candidates))
	type scored struct {
		path  string
		score float64
	}
	var out []scored
	for _, p := range candidates {
		if s := bm25(query, tfs[p], df, len(candidates), avg) * testWeight(p); s > 0 {
			out = append(out, scored{p, s})
		}
	}
	slices.SortStableFunc(out, func(a, b scored) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return strings.Compare(a.path, b.path)
	})
	var paths []string
	for _, s := range out[:min(n, len(out))] {
		paths = append(paths, s.path)
	}
	return paths
}

// bm25 is Okapi BM25 (k1 1.2, b 0.75) of a document's term counts.
func bm25(query []string, tf map[string]int, df map[string]int, docs int, avg float64) float64 {
	const k1, b = 1.2, 0.75
	length := float64(sumCounts(tf))
	score := 0.0
	for _, q := range query {
		f := float64(tf[q])
		if f == 0 {
			continue
		}
		idf := math.Log(1 + (float64(docs)-float64(df[q])+0.5)/(float64(df[q])+0.5))
		score += idf * f * (k1 + 1) / (f + k1*(1-b+b*length/max(avg, 1)))
	}
	return score
}

func testWeight(p string) float64 {
	if IsTestFile(p) {
		return 0.5
	}
	return 1
}

// IsTestFile reports whether p is a test file: Go's _test.go, Python's
// test_*.py, *_test.py, conftest.py, or a file under a tests/ or test/
// folder.
func IsTestFile(p string) bool {
	base := path.Base(p)
	switch {
	case strings.HasSuffix(base, "_test.go"), strings.HasSuffix(base, "_test.py"),
		strings.HasPrefix(base, "test_") && strings.HasSuffix(base, ".py"), base == "conftest.py":
		return true
	}
	for _, dir := range strings.Split(path.Dir(p), "/") {
		if dir == "tests" || dir == "test" {
			return true
		}
	}
	return false
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
