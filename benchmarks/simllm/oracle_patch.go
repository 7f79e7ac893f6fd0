package simllm

import (
	"strconv"
	"strings"
)

// filePatch is one file of a unified diff (git's format, as SWE-bench's
// patch and test_patch are written).
type filePatch struct {
	oldPath, newPath string // "" for /dev/null
	hunks            []hunk
}

// path is the file's path after the patch, or before it when the patch
// deletes the file.
func (f filePatch) path() string {
	if f.newPath != "" {
		return f.newPath
	}
	return f.oldPath
}

// created and deleted report a file the patch adds or removes.
func (f filePatch) created() bool { return f.oldPath == "" && f.newPath != "" }
func (f filePatch) deleted() bool { return f.newPath == "" }

// hunk is one @@ section: its old start line (from 1) and the text after
// the second @@ (the function context git shows), then its lines.
type hunk struct {
	oldStart int
	context  string
	lines    []hunkLine
}

// hunkLine is one line of a hunk: kind ' ' (context), '-' or '+', and
// the text without the kind and without a newline.
type hunkLine struct {
	kind byte
	text string
}

// side returns the hunk's old ('-') or new ('+') text: its context lines
// and the lines of that kind, each ending in "\n".
func (h hunk) side(kind byte) string {
	var b strings.Builder
	for _, l := range h.lines {
		if l.kind == ' ' || l.kind == kind {
			b.WriteString(l.text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// parsePatch reads the files of a unified diff. It is lenient: lines it
// does not know (index, mode, similarity, "\ No newline") are skipped,
// and a binary file has no hunks.
func parsePatch(diff string) []filePatch {
	var (
		files []filePatch
		cur   *filePatch
		h     *hunk
		left  [2]int // lines still due in the current hunk: old, new
	)
	flushHunk := func() {
		if cur != nil && h != nil {
			cur.hunks = append(cur.hunks, *h)
		}
		h = nil
	}
	flushFile := func() {
		flushHunk()
		if cur != nil && (cur.oldPath != "" || cur.newPath != "") {
			files = append(files, *cur)
		}
		cur = nil
	}
	lines := strings.Split(strings.ReplaceAll(diff, "\r\n", "\n"), "\n")
	for _, l := range lines {
		if h != nil && (left[0] > 0 || left[1] > 0) {
			switch {
			case strings.HasPrefix(l, "\\"):
				continue
			case l == "" || l[0] == ' ':
				h.lines = append(h.lines, hunkLine{' ', strings.TrimPrefix(l, " ")})
				left[0]--
				left[1]--
				continue
			case l[0] == '-':
				h.lines = append(h.lines, hunkLine{'-', l[1:]})
				left[0]--
				continue
			case l[0] == '+':
				h.lines = append(h.lines, hunkLine{'+', l[1:]})
				left[1]--
				continue
			}
		}
		switch {
		case strings.HasPrefix(l, "diff --git "):
			flushFile()
			cur = &filePatch{}
			if a, b, ok := gitHeaderPaths(strings.TrimPrefix(l, "diff --git ")); ok {
				cur.oldPath, cur.newPath = a, b
			}
		case strings.HasPrefix(l, "--- "):
			if cur == nil || len(cur.hunks) > 0 || h != nil {
				flushFile()
				cur = &filePatch{}
			}
			cur.oldPath = diffPath(strings.TrimPrefix(l, "--- "))
		case strings.HasPrefix(l, "+++ ") && cur != nil:
			cur.newPath = diffPath(strings.TrimPrefix(l, "+++ "))
		case strings.HasPrefix(l, "new file mode") && cur != nil:
			cur.oldPath = ""
		case strings.HasPrefix(l, "deleted file mode") && cur != nil:
			cur.newPath = ""
		case strings.HasPrefix(l, "rename from ") && cur != nil:
			cur.oldPath = unquote(strings.TrimPrefix(l, "rename from "))
		case strings.HasPrefix(l, "rename to ") && cur != nil:
			cur.newPath = unquote(strings.TrimPrefix(l, "rename to "))
		case strings.HasPrefix(l, "@@ ") && cur != nil:
			flushHunk()
			nh, counts, ok := parseHunkHeader(l)
			if ok {
				h, left = &nh, counts
			}
		}
	}
	flushFile()
	return files
}

// parseHunkHeader reads "@@ -a,b +c,d @@ context": the hunk and its line
// counts (old, new).
func parseHunkHeader(l string) (hunk, [2]int, bool) {
	rest := strings.TrimPrefix(l, "@@ ")
	ranges, ctx, ok := strings.Cut(rest, " @@")
	if !ok {
		return hunk{}, [2]int{}, false
	}
	f := strings.Fields(ranges)
	if len(f) != 2 || !strings.HasPrefix(f[0], "-") || !strings.HasPrefix(f[1], "+") {
		return hunk{}, [2]int{}, false
	}
	oldStart, oldLen, ok1 := hunkRange(f[0][1:])
	_, newLen, ok2 := hunkRange(f[1][1:])
	if !ok1 || !ok2 {
		return hunk{}, [2]int{}, false
	}
	return hunk{oldStart: oldStart, context: strings.TrimSpace(ctx)}, [2]int{oldLen, newLen}, true
}

// hunkRange reads "start,len" or "start" (len 1).
func hunkRange(s string) (start, n int, ok bool) {
	a, b, comma := strings.Cut(s, ",")
	start, err := strconv.Atoi(a)
	if err != nil {
		return 0, 0, false
	}
	n = 1
	if comma {
		if n, err = strconv.Atoi(b); err != nil {
			return 0, 0, false
		}
	}
	return start, n, true
}

// gitHeaderPaths reads "a/x b/y" of a diff --git line.
func gitHeaderPaths(s string) (string, string, bool) {
	if strings.HasPrefix(s, `"`) {
		return "", "", false // quoted paths: the ---/+++ lines give them
	}
	i := strings.Index(s, " b/")
	if !strings.HasPrefix(s, "a/") || i < 0 {
		return "", "", false
	}
	return s[2:i], s[i+3:], true
}

// diffPath reads the path of a ---/+++ line: "" for /dev/null, else
// without its a/ or b/ prefix and any tab-separated timestamp.
func diffPath(s string) string {
	s, _, _ = strings.Cut(s, "\t")
	s = unquote(strings.TrimSpace(s))
	if s == "/dev/null" {
		return ""
	}
	if strings.HasPrefix(s, "a/") || strings.HasPrefix(s, "b/") {
		return s[2:]
	}
	return s
}

// unquote undoes git's C-style quoting of unusual paths.
func unquote(s string) string {
	if strings.HasPrefix(s, `"`) {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
	}
	return s
}

// block is one SEARCH/REPLACE block, in agent.Edit's newline convention:
// whole lines each ending in "\n", or empty.
type block struct {
	path, search, replace string
}

// patchBlocks turns a patch into blocks, one per hunk in order: SEARCH is
// the hunk's old side, REPLACE its new side; a created file is one block
// with an empty SEARCH and the whole file. Deleted files are left out.
func patchBlocks(files []filePatch) []block {
	var out []block
	for _, f := range files {
		switch {
		case f.deleted():
			continue
		case f.created():
			var b strings.Builder
			for _, h := range f.hunks {
				b.WriteString(h.side('+'))
			}
			out = append(out, block{path: f.path(), replace: b.String()})
			continue
		}
		for _, h := range f.hunks {
			out = append(out, block{path: f.path(), search: h.side('-'), replace: h.side('+')})
		}
	}
	return out
}

// formatBlocks renders blocks as agent.FormatEdits does: path, markers of
// 7 characters (8 or 9 when the content holds a marker line of 7, then
// 8), a blank line between blocks.
func formatBlocks(blocks []block) string {
	var b strings.Builder
	for i, e := range blocks {
		if i > 0 {
			b.WriteString("\n")
		}
		n := blockMarkerLen(e)
		b.WriteString(e.path + "\n")
		b.WriteString(strings.Repeat("<", n) + " SEARCH\n")
		b.WriteString(e.search)
		b.WriteString(strings.Repeat("=", n) + "\n")
		b.WriteString(e.replace)
		b.WriteString(strings.Repeat(">", n) + " REPLACE\n")
	}
	return b.String()
}

// blockMarkerLen is the first marker length from 7 to 9 that no content
// line of e uses as a marker.
func blockMarkerLen(e block) int {
	used := map[int]bool{}
	for _, l := range strings.Split(e.search+e.replace, "\n") {
		if n, _ := markerLine(l); n > 0 {
			used[n] = true
		}
	}
	for n := 7; n <= 9; n++ {
		if !used[n] {
			return n
		}
	}
	return 7
}

// markerLine reports the length and kind ('<', '=' or '>') of a marker
// line, 0 for another line.
func markerLine(l string) (int, byte) {
	l = strings.TrimRight(l, " \t")
	for _, c := range []byte{'<', '=', '>'} {
		n := 0
		for n < len(l) && l[n] == c {
			n++
		}
		if n < 5 || n > 9 {
			continue
		}
		rest := strings.TrimSpace(l[n:])
		switch {
		case c == '<' && strings.EqualFold(rest, "SEARCH"),
			c == '=' && rest == "",
			c == '>' && strings.EqualFold(rest, "REPLACE"):
			return n, c
		}
	}
	return 0, 0
}

// parseBlocks reads blocks in the canonical form formatBlocks writes (as
// the agent shows previous edits): a path line, then SEARCH, divider and
// REPLACE markers of one length. Anything else between blocks is skipped.
func parseBlocks(text string) []block {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var out []block
	for i := 0; i < len(lines); i++ {
		n, kind := markerLine(lines[i])
		if kind != '<' {
			continue
		}
		path := ""
		for j := i - 1; j >= 0; j-- {
			if t := strings.TrimSpace(lines[j]); t != "" && !strings.HasPrefix(t, "```") {
				path = strings.Trim(t, "`*")
				break
			}
		}
		var search, replace strings.Builder
		cur, end := &search, -1
		for k := i + 1; k < len(lines); k++ {
			m, c := markerLine(lines[k])
			if m == n && c == '=' && cur == &search {
				cur = &replace
				continue
			}
			if m == n && c == '>' {
				end = k
				break
			}
			cur.WriteString(lines[k] + "\n")
		}
		if end < 0 {
			break
		}
		out = append(out, block{path: path, search: search.String(), replace: replace.String()})
		i = end
	}
	return out
}
