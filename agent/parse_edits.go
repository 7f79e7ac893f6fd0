package agent

import (
	"cmp"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// ParseEdits reads the SEARCH/REPLACE blocks of a reply (see Edit for the
// newline convention and FormatEdits for the canonical format). It accepts
// what models write around the blocks:
//
//   - The path line before <<<<<<< SEARCH may be bare, in backticks, bold,
//     a heading ("### path"), a list item, labelled ("File: path",
//     "**File:** `path`"), followed by a colon or a note in parentheses, or
//     the first line inside a ``` fence that wraps the block; a fence's info
//     string may name it too ("```python src/app.py"). The nearest such
//     line counts: the line just before the marker (blank and fence lines
//     aside), or else the last line since the previous block that plainly
//     names a file (it has a "/", an extension or is a Makefile-like name).
//     A block with no path line reuses the previous block's path.
//   - Fence lines outside the blocks are ignored; inside, they are content.
//   - CRLF line ends; markers of 5 to 9 characters, with trailing spaces;
//     markers indented alike (an indented block loses that indentation).
//   - Within a block, a divider or REPLACE marker of the SEARCH marker's
//     length ends its section before one of another length, so content may
//     hold marker lines of other lengths (FormatEdits relies on this).
//
// Blocks are returned in order, several per file if so written. The text
// outside the blocks is the model's explanation; ParseEdits drops it.
//
// A blank reply is an EmptyOutput error; a reply without a
// <<<<<<< SEARCH line is a NoCode error; a malformed block (a SEARCH
// without its ======= or >>>>>>> REPLACE, a REPLACE without its SEARCH, no
// path, an absolute path or one with "..") is an Unparsable error that
// names the block by its number and path and says what is wrong, in words
// meant to be fed back to the model. One malformed block fails the reply.
func ParseEdits(reply string) ([]Edit, error) {
	edits, _, err := parseEdits(reply)
	return edits, err
}

// explanationMax caps the explanation parseEdits returns, in characters.
const explanationMax = 1000

// markerKind says which marker line a line is.
type markerKind int

const (
	markSearch markerKind = iota + 1
	markDivider
	markReplace
)

// marker is a parsed marker line.
type marker struct {
	kind   markerKind
	indent string // the leading white space
	n      int    // the number of marker characters
}

var markerRE = regexp.MustCompile(`^([ \t]*)(?:(<{5,9})[ \t]*(?i:SEARCH)|(={5,9})|(>{5,9})[ \t]*(?i:REPLACE))[ \t]*$`)

// parseMarker reports whether l is a marker line, and which.
func parseMarker(l string) (marker, bool) {
	m := markerRE.FindStringSubmatch(l)
	if m == nil {
		return marker{}, false
	}
	switch {
	case m[2] != "":
		return marker{kind: markSearch, indent: m[1], n: len(m[2])}, true
	case m[3] != "":
		return marker{kind: markDivider, indent: m[1], n: len(m[3])}, true
	}
	return marker{kind: markReplace, indent: m[1], n: len(m[4])}, true
}

// pathMention is a line outside the blocks that may name the next block's
// file.
type pathMention struct {
	path string
	line int // index into the explanation lines, -1 for a fence line
}

// parseEdits is ParseEdits that also returns the explanation: the text
// outside the blocks, path and fence lines removed, blank runs collapsed,
// trimmed and capped at explanationMax characters.
func parseEdits(reply string) ([]Edit, string, error) {
	text, err := prepare(reply, "SEARCH/REPLACE blocks")
	if err != nil {
		return nil, "", err
	}
	lines := strings.Split(text, "\n")
	var (
		edits    []Edit
		prose    []string // lines outside blocks, for the explanation
		dropped  = map[int]bool{}
		prevPath string
		// near is the path line just before the marker (blank and fence
		// lines aside); plain the last line since the previous block that
		// plainly names a file.
		near, plain *pathMention
	)
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		m, isMarker := parseMarker(l)
		switch {
		case isMarker && m.kind == markReplace:
			return nil, "", outputError(Unparsable, "block %d: %s without a %s line before it", len(edits)+1, replaceMarker, searchMarker)
		case isMarker && m.kind == markDivider:
			// A divider outside a block is left alone: markdown underlines
			// headings with "=" too. A block that lost its SEARCH marker
			// is caught at its REPLACE marker.
			continue
		case isMarker: // SEARCH
			num := len(edits) + 1
			p := prevPath
			if used := cmp.Or(near, plain); used != nil {
				p = used.path
				if used.line >= 0 {
					dropped[used.line] = true
				}
			}
			if p == "" {
				return nil, "", outputError(Unparsable, "block %d: no file path before %s: write the file's path alone on the line before it", num, searchMarker)
			}
			p, err := cleanEditPath(p)
			if err != nil {
				return nil, "", outputError(Unparsable, "block %d: %v", num, err)
			}
			e, end, err := parseBlock(lines, i, m)
			if err != nil {
				return nil, "", outputError(Unparsable, "block %d (%s): %v", num, p, err)
			}
			e.Path = p
			edits = append(edits, e)
			prevPath, near, plain = p, nil, nil
			i = end
			continue
		}
		if f := fenceOpenRE.FindStringSubmatch(l); f != nil {
			// An info string may name the file: "```python src/app.py".
			if p, ok := fenceInfoPath(f[3]); ok {
				near = &pathMention{path: p, line: -1}
				plain = near
			}
			continue
		}
		if strings.TrimSpace(l) == "" {
			prose = append(prose, "")
			continue
		}
		prose = append(prose, strings.TrimRight(l, " \t"))
		near = nil
		if p, plainly, ok := pathOfLine(l); ok {
			near = &pathMention{path: p, line: len(prose) - 1}
			if plainly {
				plain = near
			}
		}
	}
	if len(edits) == 0 {
		return nil, "", outputError(NoCode, "reply has no SEARCH/REPLACE blocks: no %s line", searchMarker)
	}
	return edits, explanation(prose, dropped), nil
}

// parseBlock reads the block whose SEARCH marker m is lines[start]. It
// returns the edit (without its path) and the index of its REPLACE marker.
func parseBlock(lines []string, start int, m marker) (Edit, int, error) {
	end, anyEnd, firstSearch, stop := -1, -1, -1, len(lines)
scan:
	for k := start + 1; k < len(lines); k++ {
		mk, ok := parseMarker(lines[k])
		if !ok || mk.indent != m.indent {
			continue
		}
		switch {
		case mk.kind == markReplace && mk.n == m.n:
			end = k
			break scan
		case mk.kind == markReplace && anyEnd < 0:
			anyEnd = k
		case mk.kind == markSearch && mk.n == m.n:
			stop = k
			break scan
		case mk.kind == markSearch && firstSearch < 0:
			firstSearch = k
		}
	}
	if end < 0 && anyEnd >= 0 && (firstSearch < 0 || anyEnd < firstSearch) {
		end = anyEnd
	}
	if end < 0 {
		if firstSearch >= 0 {
			stop = min(stop, firstSearch)
		}
		missing := replaceMarker
		if findDivider(lines[start+1:stop], m) < 0 {
			missing = dividerMarker + " and " + replaceMarker
		}
		if stop == len(lines) {
			return Edit{}, 0, fmt.Errorf("the reply ends before the block's %s lines (was it cut off?)", missing)
		}
		return Edit{}, 0, fmt.Errorf("a new %s starts before the block's %s lines", searchMarker, missing)
	}
	body := lines[start+1 : end]
	div := findDivider(body, m)
	if div < 0 {
		return Edit{}, 0, fmt.Errorf("no %s line between %s and %s", dividerMarker, searchMarker, replaceMarker)
	}
	search := joinLines(body[:div], len(m.indent))
	if strings.TrimSpace(search) == "" {
		search = ""
	}
	return Edit{Search: search, Replace: joinLines(body[div+1:], len(m.indent))}, end, nil
}

// findDivider returns the index in body of the block's divider: the first
// with the SEARCH marker's indentation and length, else the first with its
// indentation; -1 if none.
func findDivider(body []string, m marker) int {
	first := -1
	for k, l := range body {
		d, ok := parseMarker(l)
		if !ok || d.kind != markDivider || d.indent != m.indent {
			continue
		}
		if d.n == m.n {
			return k
		}
		if first < 0 {
			first = k
		}
	}
	return first
}

// joinLines makes whole lines of a section, each less up to indent leading
// spaces or tabs: "" for none, else each line followed by "\n".
func joinLines(ls []string, indent int) string {
	if len(ls) == 0 {
		return ""
	}
	var b strings.Builder
	for _, l := range ls {
		b.WriteString(trimIndent(l, indent))
		b.WriteString("\n")
	}
	return b.String()
}

var (
	pathHeadingRE = regexp.MustCompile(`^(?:#{1,6}|//)[ \t]+`)
	pathBulletRE  = regexp.MustCompile(`^(?:[-*+]|\d+[.)])[ \t]+`)
	pathLabelRE   = regexp.MustCompile(`(?i)^(?:file[ \t]*(?:name|path)?|filename|path)[ \t]*:[ \t]*`)
	pathNoteRE    = regexp.MustCompile(`[ \t]+\([^()]*\)$`)
	pathCharRE    = regexp.MustCompile("^[^\\s`*\"'<>|]+$")
	alnumRE       = regexp.MustCompile(`[A-Za-z0-9]`)
	extRE         = regexp.MustCompile(`\.[a-z0-9][a-z0-9_+-]{0,9}$`)
)

// extensionless are file names that plainly name a file without a "/" or
// an extension.
var extensionless = []string{"Makefile", "GNUmakefile", "Dockerfile", "Containerfile", "Procfile", "Justfile", "LICENSE", "README", "NOTICE", "AUTHORS", "CODEOWNERS"}

// pathOfLine reads a line outside the blocks as a path line: ok when the
// line, its decoration removed (heading or comment mark, list, bold,
// backticks, a "File:" label, a trailing colon or note in parentheses), is one path-like word;
// plainly when that word plainly names a file. A word followed by a colon
// ("Fix:") must plainly name a file.
func pathOfLine(l string) (p string, plainly, ok bool) {
	s := strings.TrimSpace(l)
	s = pathHeadingRE.ReplaceAllString(s, "")
	s = pathBulletRE.ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, "**", "")
	s = pathLabelRE.ReplaceAllString(strings.TrimSpace(s), "")
	colon := false
	for {
		t := strings.TrimSuffix(s, ":")
		colon = colon || t != s
		t = strings.Trim(pathNoteRE.ReplaceAllString(t, ""), "`*\"' \t")
		if t == s {
			break
		}
		s = t
	}
	if !pathCharRE.MatchString(s) || !alnumRE.MatchString(s) || strings.Contains(s, "://") ||
		strings.HasSuffix(s, ".") || strings.HasSuffix(s, ":") || languageWord(s) {
		return "", false, false
	}
	plainly = strings.ContainsAny(s, `/\`) || extRE.MatchString(s) || slices.Contains(extensionless, s)
	if colon && !plainly {
		return "", false, false
	}
	return s, plainly, true
}

// fenceInfoPath finds a path in a fence's info string: "src/app.py",
// "python src/app.py", "python:src/app.py", "go title=main.go".
func fenceInfoPath(info string) (string, bool) {
	fields := strings.FieldsFunc(info, func(r rune) bool { return r == ' ' || r == '\t' || r == ':' || r == '=' })
	for i := len(fields) - 1; i >= 0; i-- {
		if p, plainly, ok := pathOfLine(fields[i]); ok && plainly {
			return p, true
		}
	}
	return "", false
}

// languageWord reports whether s is a fence tag rather than a file name.
func languageWord(s string) bool {
	switch w := strings.ToLower(s); tagLang(w) {
	case langPython, langGo, "diff", "patch", "text", "txt", "bash", "sh", "shell", "console", "plaintext":
		return true
	}
	return false
}

// cleanEditPath checks a path from a reply and returns it clean and
// slash-separated; the error says what is wrong with it.
func cleanEditPath(p string) (string, error) {
	s := strings.ReplaceAll(p, `\`, "/")
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") || len(s) >= 2 && s[1] == ':' {
		return "", fmt.Errorf("path %q is absolute: write it relative to the repository root", p)
	}
	if slices.Contains(strings.Split(s, "/"), "..") {
		return "", fmt.Errorf("path %q has a \"..\": write a path inside the repository, relative to its root", p)
	}
	s = path.Clean(s)
	if s == "." {
		return "", fmt.Errorf("path %q names no file", p)
	}
	return s, nil
}

// explanation joins the prose lines not dropped, with blank runs collapsed,
// trimmed and capped at explanationMax characters.
func explanation(prose []string, dropped map[int]bool) string {
	var kept []string
	for i, l := range prose {
		if dropped[i] || l == "" && (len(kept) == 0 || kept[len(kept)-1] == "") {
			continue
		}
		kept = append(kept, l)
	}
	s := strings.TrimSpace(strings.Join(kept, "\n"))
	if utf8.RuneCountInString(s) <= explanationMax {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:explanationMax-1])) + "…"
}
