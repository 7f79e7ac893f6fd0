package simllm

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var (
	goTestDeclRE = regexp.MustCompile(`^func (Test\w*)\(\w+ \*testing\.T\)`)
	pyTestDeclRE = regexp.MustCompile(`^\s*(?:async\s+)?def (test\w*)\(`)
)

// testDecl names the test function line l declares, if any.
func testDecl(p, l string) (string, bool) {
	re := pyTestDeclRE
	if langOf(p) == "go" {
		re = goTestDeclRE
	}
	if m := re.FindStringSubmatch(l); m != nil {
		return m[1], true
	}
	return "", false
}

// reproduction is the reproducer's answer: the test patch as blocks. A
// test patch that only changes existing test functions (a new row in a
// table) adds no new test, which is what a reproduction must be: then,
// for each test function it changes in a file the prompt shows, one more
// block appends the function as the test patch leaves it under a new name
// (TestXIssue, test_x_issue). The test patch alone when that cannot be
// done (a file not shown, a method of a test class).
func (o *oracle) reproduction(user string) []block {
	if o.addsTest() {
		return o.test
	}
	out := o.test
	for _, f := range o.testPatch {
		if f.created() || f.deleted() {
			continue
		}
		content, ok := shownFile(user, f.path())
		if !ok {
			return o.test
		}
		patched, ok := applyHunks(content, f.hunks)
		names, inMethod := hunkTests(f)
		if !ok || inMethod {
			return o.test
		}
		var copies []string
		for _, name := range names {
			fn, ok := extractTest(f.path(), patched, name)
			if !ok {
				return o.test
			}
			copies = append(copies, renameTest(f.path(), fn, name, patched))
		}
		if len(copies) == 0 {
			continue
		}
		tail := uniqueTail(patched)
		sep := "\n"
		if langOf(f.path()) == "python" {
			sep = "\n\n"
		}
		out = append(out, block{path: f.path(), search: tail, replace: tail + sep + strings.Join(copies, sep)})
	}
	return out
}

// addsTest reports whether the test patch declares a test function that
// it does not also remove.
func (o *oracle) addsTest() bool {
	for _, f := range o.testPatch {
		removed := map[string]bool{}
		for _, h := range f.hunks {
			for _, l := range h.lines {
				if name, ok := testDecl(f.path(), l.text); ok && l.kind == '-' {
					removed[name] = true
				}
			}
		}
		for _, h := range f.hunks {
			for _, l := range h.lines {
				if name, ok := testDecl(f.path(), l.text); ok && l.kind == '+' && !removed[name] {
					return true
				}
			}
		}
	}
	return false
}

// hunkTests lists the test functions the hunks of f change, in order;
// inMethod is true when a change is in a method (of a test class).
func hunkTests(f filePatch) (names []string, inMethod bool) {
	lang := langOf(f.path())
	for _, h := range f.hunks {
		for _, name := range hunkLocations(lang, h) {
			switch {
			case strings.Contains(name, "."):
				return nil, true
			case lang == "go" && strings.HasPrefix(name, "Test"), lang == "python" && strings.HasPrefix(name, "test"):
				if !slices.Contains(names, name) {
					names = append(names, name)
				}
			}
		}
	}
	return names, false
}

// shownFile finds the contents of the file at p as the repository mode
// renders it in a prompt: the path alone on a line, a fence line of
// backticks, the contents, the same fence alone on a line.
func shownFile(text, p string) (string, bool) {
	lines := strings.Split(text, "\n")
	for i := 0; i+1 < len(lines); i++ {
		fence := strings.TrimSpace(lines[i+1])
		if strings.TrimSpace(lines[i]) != p || len(fence) < 3 || strings.Trim(fence, "`") != "" {
			continue
		}
		for j := i + 2; j < len(lines); j++ {
			if lines[j] == fence {
				return joinLines(lines[i+2 : j]), true
			}
		}
	}
	return "", false
}

// applyHunks applies hunks to content, each hunk's old side found once.
func applyHunks(content string, hunks []hunk) (string, bool) {
	for _, h := range hunks {
		old := h.side('-')
		if old == "" || strings.Count(content, old) != 1 {
			return "", false
		}
		content = strings.Replace(content, old, h.side('+'), 1)
	}
	return content, true
}

// extractTest returns the test function name of content, with a Python
// function's decorators: whole lines, each ending in "\n".
func extractTest(p, content, name string) (string, bool) {
	lines := strings.Split(strings.TrimSuffix(content, "\n"), "\n")
	start := -1
	for i, l := range lines {
		if n, ok := testDecl(p, l); ok && n == name && indentWidth(l) == 0 {
			start = i
			break
		}
	}
	if start < 0 {
		return "", false
	}
	if langOf(p) == "go" {
		for j := start + 1; j < len(lines); j++ {
			if lines[j] == "}" {
				return joinLines(lines[start : j+1]), true
			}
		}
		return "", false
	}
	// Python: decorators above (a decorator's arguments may span lines),
	// the body down to the next top-level line.
	from := start
	for i := start - 1; i >= 0; i-- {
		l := lines[i]
		if strings.TrimSpace(l) == "" || indentWidth(l) == 0 && !strings.HasPrefix(l, "@") && !strings.HasPrefix(l, ")") && !strings.HasPrefix(l, "]") {
			break
		}
		if strings.HasPrefix(l, "@") {
			from = i
		}
	}
	end := len(lines)
	for j := start + 1; j < len(lines); j++ {
		if l := lines[j]; strings.TrimSpace(l) != "" && indentWidth(l) == 0 {
			end = j
			break
		}
	}
	for end > start+1 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	return joinLines(lines[from:end]), true
}

// renameTest gives the copy of a test a name content does not use.
func renameTest(p, fn, name, content string) string {
	suffix := "Issue"
	if langOf(p) != "go" {
		suffix = "_issue"
	}
	fresh := name + suffix
	for i := 2; strings.Contains(content, fresh); i++ {
		fresh = fmt.Sprintf("%s%s%d", name, suffix, i)
	}
	return strings.Replace(fn, name+"(", fresh+"(", 1)
}

// uniqueTail is the fewest last lines of content (at least three, when it
// has them) that occur once in it.
func uniqueTail(content string) string {
	lines := strings.SplitAfter(content, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for n := min(3, len(lines)); n < len(lines); n++ {
		tail := strings.Join(lines[len(lines)-n:], "")
		if strings.Count(content, tail) == 1 {
			return tail
		}
	}
	return content
}
