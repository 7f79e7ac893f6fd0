package agent

import (
	"fmt"
	"regexp"
	"strings"
)

// This file holds what every parser shares: the model-output error, the
// removal of reasoning blocks, and a line scanner that knows which lines sit
// inside fenced code blocks. The parsers themselves are in parse_code.go
// (ExtractCode), parse_list.go (ParseNumberedList) and parse_judge.go
// (ParseScore, ParseVerdict).
//
// Every parser treats a reply the same way first: reasoning blocks
// (<think>...</think>, as local reasoning models emit them) are dropped, and a
// reply that is then blank is an EmptyOutput error. Parse failures are always
// model-output errors (see IsModelOutput), never panics.

// outputError returns a model-output error of the given class.
func outputError(class ErrorClass, format string, args ...any) error {
	return NewError(class, fmt.Errorf(format, args...))
}

// stripThinking drops the reasoning block some models put before their
// answer: everything up to the last </think>, or the whole reply when it
// opens a <think> block and never closes it (a reply cut off while thinking).
func stripThinking(s string) string {
	for _, tag := range []string{"think", "thinking"} {
		if i := strings.LastIndex(s, "</"+tag+">"); i >= 0 {
			return s[i+len(tag)+3:]
		}
		if strings.HasPrefix(strings.TrimSpace(s), "<"+tag+">") {
			return ""
		}
	}
	return s
}

// prepare normalises line endings and drops reasoning; it reports
// EmptyOutput for a reply with nothing left.
func prepare(reply, what string) (string, error) {
	s := strings.ReplaceAll(reply, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = stripThinking(s)
	if strings.TrimSpace(s) == "" {
		return "", outputError(EmptyOutput, "empty reply (want %s)", what)
	}
	return s, nil
}

// lineKind says where a scanned line sits relative to fenced code blocks.
type lineKind int

const (
	lineText  lineKind = iota // outside every fenced block
	lineFence                 // an opening or closing fence line
	lineCode                  // inside a fenced block
)

// scannedLine is one line of a reply.
type scannedLine struct {
	text  string
	kind  lineKind
	block int // index into the blocks of scanFences, or -1 for lineText
}

// fencedBlock is one fenced code block of a reply.
type fencedBlock struct {
	// tag is the first word of the info string, lower case ("python",
	// "go", "" when untagged).
	tag  string
	code string
}

var (
	// An opening fence: up to any indentation, three or more backticks or
	// tildes, and an info string (which may not hold backticks after a
	// backtick fence).
	fenceOpenRE = regexp.MustCompile("^([ \t]*)(`{3,}|~{3,})[ \t]*([^`]*)$")
	// A closing fence: only the fence characters on the line.
	fenceCloseRE = regexp.MustCompile("^[ \t]*(`{3,}|~{3,})[ \t]*$")
	// The first word of an info string: "python", "{.go}", "py3 title=x".
	infoTagRE = regexp.MustCompile(`^[{.]*([A-Za-z0-9_+#-]*)`)
)

// scanFences splits text into lines and finds its fenced code blocks, as
// CommonMark does: a closing fence uses the opening fence's character and is
// at least as long; a block without a closing fence runs to the end of the
// text; the opening fence's indentation is removed from the block's lines.
func scanFences(text string) ([]scannedLine, []fencedBlock) {
	raw := strings.Split(text, "\n")
	lines := make([]scannedLine, 0, len(raw))
	var blocks []fencedBlock
	var (
		inBlock bool
		fence   string // the opening fence run
		indent  int
		body    []string
	)
	for _, l := range raw {
		l = strings.TrimRight(l, " \t")
		if !inBlock {
			m := fenceOpenRE.FindStringSubmatch(l)
			if m == nil {
				lines = append(lines, scannedLine{text: l, kind: lineText, block: -1})
				continue
			}
			inBlock, fence, indent, body = true, m[2], len(m[1]), nil
			tag := strings.ToLower(infoTagRE.FindStringSubmatch(strings.TrimSpace(m[3]))[1])
			blocks = append(blocks, fencedBlock{tag: tag})
			lines = append(lines, scannedLine{text: l, kind: lineFence, block: len(blocks) - 1})
			continue
		}
		if m := fenceCloseRE.FindStringSubmatch(l); m != nil && m[1][0] == fence[0] && len(m[1]) >= len(fence) {
			b := &blocks[len(blocks)-1]
			b.code = strings.Join(body, "\n")
			inBlock = false
			lines = append(lines, scannedLine{text: l, kind: lineFence, block: len(blocks) - 1})
			continue
		}
		body = append(body, trimIndent(l, indent))
		lines = append(lines, scannedLine{text: l, kind: lineCode, block: len(blocks) - 1})
	}
	if inBlock {
		blocks[len(blocks)-1].code = strings.Join(body, "\n")
	}
	return lines, blocks
}

// trimIndent removes up to n leading spaces or tabs.
func trimIndent(l string, n int) string {
	i := 0
	for i < n && i < len(l) && (l[i] == ' ' || l[i] == '\t') {
		i++
	}
	return l[i:]
}

// indentOf is the width of l's leading white space (a tab counts 4).
func indentOf(l string) int {
	w := 0
	for _, r := range l {
		switch r {
		case ' ':
			w++
		case '\t':
			w += 4
		default:
			return w
		}
	}
	return w
}

// textLines returns the non-blank lines outside fenced blocks, trimmed.
func textLines(lines []scannedLine) []string {
	var out []string
	for _, l := range lines {
		if l.kind == lineText && strings.TrimSpace(l.text) != "" {
			out = append(out, strings.TrimSpace(l.text))
		}
	}
	return out
}

// markdownNoise matches the emphasis, heading, quote and code-span marks
// around a short answer line ("**Score: 4**", "> `True`", "### False").
var markdownNoise = strings.NewReplacer("*", "", "`", "", "#", "", ">", "")

// plainLine strips markdown marks and surrounding space from one line.
func plainLine(l string) string {
	return strings.TrimSpace(markdownNoise.Replace(l))
}

// langPython and langGo are the language IDs requests use.
const (
	langPython = "python"
	langGo     = "go"
)

// language describes a supported language to the prompts and the parsers.
type language struct {
	ID    string // "python", "go"
	Name  string // "Python", "Go"
	Fence string // the fence tag the prompts ask for
}

// lookupLang finds a language by ID, accepting common aliases.
func lookupLang(id string) (language, error) {
	switch tagLang(strings.ToLower(strings.TrimSpace(id))) {
	case langPython:
		return language{ID: langPython, Name: "Python", Fence: "python"}, nil
	case langGo:
		return language{ID: langGo, Name: "Go", Fence: "go"}, nil
	}
	return language{}, fmt.Errorf("unsupported language %q (want %q or %q)", id, langPython, langGo)
}

// outputFailure adds to a parse error of resp's content that the reply was
// cut at the token limit, when it was; the error keeps its class.
func outputFailure(resp Response, err error) error {
	if resp.FinishReason == "length" {
		return fmt.Errorf("%w (the reply was cut at the token limit)", err)
	}
	return err
}
