package agent

import "strings"

// Edit is one SEARCH/REPLACE block: in the file at Path, replace the lines
// Search with the lines Replace.
//
// Newline convention: Search and Replace hold whole lines, each ending in
// "\n" (so "a\nb\n" is two lines), or are empty. ParseEdits returns them so,
// with CRLF turned into LF. An empty Search creates the file, or fills an
// existing empty one; a Search of blank lines only is read as empty, since
// it cannot name one place in a file. An empty Replace deletes the lines of
// Search. How Search is matched against a file (exactly, or with some
// tolerance of white space) is the applier's business.
//
// Path is relative to the repository root, slash-separated and clean (no
// "./", "//" or ".." element), never absolute.
type Edit struct {
	Path    string
	Search  string
	Replace string
}

// Canonical marker lines; the parser also accepts 5 to 9 marker characters.
const (
	searchMarker  = "<<<<<<< SEARCH"
	dividerMarker = "======="
	replaceMarker = ">>>>>>> REPLACE"
)

// FormatEdits renders edits in the canonical format, one block after
// another with a blank line between them:
//
//	path/to/file.go
//	<<<<<<< SEARCH
//	exact existing lines
//	=======
//	new lines
//	>>>>>>> REPLACE
//
// Markers have 7 characters, or 8 or 9 when a line of the edit's content is
// itself a marker line of 7 (then 8) characters, so that ParseEdits reads
// the block back as it was: ParseEdits(FormatEdits(e)) == e for every e
// that ParseEdits returns. Nothing is fenced. A non-empty Search or Replace
// that lacks its final newline is given one.
func FormatEdits(edits []Edit) string {
	var b strings.Builder
	for i, e := range edits {
		if i > 0 {
			b.WriteString("\n")
		}
		n := markerLen(e)
		b.WriteString(e.Path)
		b.WriteString("\n")
		b.WriteString(strings.Repeat("<", n) + " SEARCH\n")
		b.WriteString(wholeLines(e.Search))
		b.WriteString(strings.Repeat("=", n) + "\n")
		b.WriteString(wholeLines(e.Replace))
		b.WriteString(strings.Repeat(">", n) + " REPLACE\n")
	}
	return b.String()
}

// wholeLines ends non-empty text with a newline.
func wholeLines(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s
}

// markerLen picks the length of an edit's markers: the first of 7, 8 and 9
// that no unindented marker line of its content has (7 when all do).
func markerLen(e Edit) int {
	used := map[int]bool{}
	for _, l := range strings.Split(e.Search+e.Replace, "\n") {
		if m, ok := parseMarker(l); ok && m.indent == "" {
			used[m.n] = true
		}
	}
	for n := 7; n <= 9; n++ {
		if !used[n] {
			return n
		}
	}
	return 7
}
