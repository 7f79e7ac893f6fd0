package agent

import (
	"regexp"
	"strconv"
	"strings"
)

// ParseNumberedList returns the items of the numbered list in a Thinker
// reply (strategies or reflections):
//
//   - Item markers: "1.", "1)", "(1)", "<1>", "1 -", "1:", labelled ones
//     such as "Strategy 1:", "Fix #2 -", "Approach 3." (strategy, approach,
//     solution, method, option, alternative, idea, fix, reflection,
//     improvement, suggestion), each possibly in bold ("**1.**",
//     "**Strategy 1:** ...") or after a heading's "#" marks. When the reply
//     has no numbered marker, markdown bullets ("-", "*", "+", "•") are the
//     items instead.
//   - Lines right after an item, and indented lines after a blank line,
//     continue it (any paragraph does, up to the next heading, when the
//     item's marker is a heading): text is joined with a space, nested list
//     lines and fenced code with a newline. A marker indented deeper than
//     the list's items is a nested list line, not an item.
//   - Text before the first item and unindented text after a blank line
//     (preambles, headings, closing remarks) is dropped.
//   - A list that starts again at 1 after items numbered 2 or more replaces
//     the earlier list: the last list is the answer ("Issues: 1. 2. Fixes: 1.
//     2." gives the fixes).
//   - Bold marks are removed from the items; items left empty are dropped.
//
// An empty reply is an EmptyOutput error; a reply without items is
// Unparsable.
func ParseNumberedList(reply string) ([]string, error) {
	text, err := prepare(reply, "a numbered list")
	if err != nil {
		return nil, err
	}
	lines, _ := scanFences(text)

	numbered := false
	top := -1
	for _, l := range lines {
		if l.kind != lineText {
			continue
		}
		if m, ok := numberMarker(l.text); ok && (top < 0 || m.indent < top) {
			numbered, top = true, m.indent
		}
	}
	if !numbered {
		for _, l := range lines {
			if l.kind != lineText {
				continue
			}
			if m, ok := bulletMarker(l.text); ok && (top < 0 || m.indent < top) {
				top = m.indent
			}
		}
	}
	if top < 0 {
		return nil, outputError(Unparsable, "reply has no numbered or bulleted list")
	}
	marker := bulletMarker
	if numbered {
		marker = numberMarker
	}

	var (
		items     []*strings.Builder
		open      bool // lines may still continue the last item
		sticky    bool // the item's marker was a heading: paragraphs continue it
		blank     bool // a blank line came after the last item line
		lastNum   int
		top1      = top + 1 // deeper markers are nested list lines
		fenceIn   bool      // the current fenced block belongs to the item
		fenceBase int       // indentation of its opening fence
		lastBlock = -1
	)
	appendLine := func(sep, s string) {
		b := items[len(items)-1]
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s)
	}
	for _, l := range lines {
		if l.kind != lineText {
			if l.kind == lineFence && l.block != lastBlock { // an opening fence
				lastBlock = l.block
				fenceIn = open && (!blank || sticky || indentOf(l.text) > top)
				fenceBase = indentOf(l.text)
				if !fenceIn {
					open = false
				}
			}
			if fenceIn {
				appendLine("\n", trimIndent(l.text, fenceBase))
				blank = false
			}
			continue
		}
		t := strings.TrimSpace(l.text)
		if t == "" {
			blank = true
			continue
		}
		if m, ok := marker(l.text); ok && m.indent <= top1 {
			if numbered && m.num == 1 && lastNum >= 2 {
				items = nil // a new list: the last one counts
			}
			lastNum = m.num
			items = append(items, &strings.Builder{})
			items[len(items)-1].WriteString(m.text)
			open, blank, sticky = true, false, m.heading
			continue
		}
		if !open {
			continue
		}
		if headingRE.MatchString(t) || blank && indentOf(l.text) <= top && !sticky {
			open = false // chatter after the list, or between its items
			continue
		}
		sep := " "
		if _, nested := numberMarker(l.text); nested {
			sep = "\n"
		} else if _, nested := bulletMarker(l.text); nested {
			sep = "\n"
		}
		appendLine(sep, t)
		blank = false
	}

	var out []string
	for _, b := range items {
		if s := cleanItem(b.String()); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, outputError(Unparsable, "reply's list has only empty items")
	}
	return out, nil
}

// listItem is a recognised item marker and the text after it.
type listItem struct {
	indent  int
	num     int
	text    string
	heading bool // the marker is a markdown heading ("### Strategy 1: ...")
}

var (
	numberMarkerRE = regexp.MustCompile(`(?i)^(?:[-*+][ \t]+)?(?:` +
		`\(?(\d{1,2})[.)](?:[ \t]+|$)` +
		`|<(\d{1,2})>[ \t]*` +
		`|(\d{1,2})[ \t]*(?:[-–—:])(?:[ \t]+|$)` +
		`|(?:strategy|approach|solution|method|option|alternative|idea|fix|reflection|improvement|suggestion)` +
		`[ \t]*#?(\d{1,2})[ \t]*(?:[-–—:.)]|$)[ \t]*` +
		`)(.*)$`)
	bulletMarkerRE = regexp.MustCompile(`^[-*+•][ \t]+(.*)$`)
	headingRE      = regexp.MustCompile(`^#{1,6}[ \t]+`)
)

// numberMarker recognises a numbered item marker.
func numberMarker(line string) (listItem, bool) {
	indent := indentOf(line)
	heading := headingRE.MatchString(strings.TrimSpace(line))
	t := headingRE.ReplaceAllString(strings.TrimSpace(line), "")
	t = strings.TrimSpace(strings.ReplaceAll(t, "**", ""))
	m := numberMarkerRE.FindStringSubmatch(t)
	if m == nil {
		return listItem{}, false
	}
	var num int
	for _, g := range m[1:5] {
		if g != "" {
			num, _ = strconv.Atoi(g)
		}
	}
	return listItem{indent: indent, num: num, text: strings.TrimSpace(m[5]), heading: heading}, true
}

// bulletMarker recognises a markdown bullet (not "**bold**").
func bulletMarker(line string) (listItem, bool) {
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, "**") {
		return listItem{}, false
	}
	m := bulletMarkerRE.FindStringSubmatch(t)
	if m == nil {
		return listItem{}, false
	}
	return listItem{indent: indentOf(line), text: strings.TrimSpace(m[1])}, true
}

// cleanItem removes bold marks and stray separators from an item.
func cleanItem(s string) string {
	s = strings.ReplaceAll(s, "**", "")
	s = strings.TrimSpace(s)
	s = strings.TrimLeft(s, ":-–— \t")
	return strings.TrimSpace(s)
}
