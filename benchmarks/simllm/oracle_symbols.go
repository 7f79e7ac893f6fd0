package simllm

import (
	"path"
	"regexp"
	"slices"
	"strings"
)

// location is a function, method, type or top-level name of a file, as
// the Localizer names it: "Type.Method" (Go), "Class.method" (Python).
type location struct {
	path, name string
}

var (
	goFuncRE   = regexp.MustCompile(`^func\s+(\w+)\s*[\[(]`)
	goMethodRE = regexp.MustCompile(`^func\s*\(\s*(?:\w+\s+)?\*?\s*(\w+)(?:\[[^\]]*\])?\s*\)\s*(\w+)`)
	goTypeRE   = regexp.MustCompile(`^(?:type|var|const)\s+(\w+)`)
	pyDefRE    = regexp.MustCompile(`^(\s*)(?:async\s+)?def\s+(\w+)`)
	pyClassRE  = regexp.MustCompile(`^(\s*)class\s+(\w+)`)
	pyAssignRE = regexp.MustCompile(`^([A-Za-z_]\w*)\s*(?::[^=]*)?=[^=]`)
)

// decl is a declaration a hunk line opens: its name, whether it is a
// Python class, and its indentation.
type decl struct {
	name   string
	class  bool
	indent int
}

// declOf reads the declaration line l opens in a file of language lang
// ("go" or "python"), if any.
func declOf(lang, l string) (decl, bool) {
	switch lang {
	case "go":
		if m := goMethodRE.FindStringSubmatch(l); m != nil {
			return decl{name: m[1] + "." + m[2]}, true
		}
		if m := goFuncRE.FindStringSubmatch(l); m != nil {
			return decl{name: m[1]}, true
		}
		if m := goTypeRE.FindStringSubmatch(l); m != nil {
			return decl{name: m[1]}, true
		}
	case "python":
		if m := pyClassRE.FindStringSubmatch(l); m != nil {
			return decl{name: m[2], class: true, indent: indentWidth(m[1])}, true
		}
		if m := pyDefRE.FindStringSubmatch(l); m != nil {
			return decl{name: m[2], indent: indentWidth(m[1])}, true
		}
		if m := pyAssignRE.FindStringSubmatch(l); m != nil {
			return decl{name: m[1]}, true
		}
	}
	return decl{}, false
}

// langOf is the language of a path: "go", "python" or "".
func langOf(p string) string {
	switch path.Ext(p) {
	case ".go":
		return "go"
	case ".py", ".pyi":
		return "python"
	}
	return ""
}

// indentWidth counts a tab as 8 columns, a space as one.
func indentWidth(s string) int {
	n := 0
	for _, c := range s {
		switch c {
		case ' ':
			n++
		case '\t':
			n += 8
		default:
			return n
		}
	}
	return n
}

// patchLocations names the places the hunks of files change, in patch
// order without repeats: for each changed line, the declaration that
// encloses it within the hunk (a method as Type.Method or Class.method),
// else the one git names in the hunk header; a top-level declaration that
// is itself removed, or a comment just above one, names that one. Lines
// of import blocks and of declarations the patch adds name nothing.
func patchLocations(files []filePatch) []location {
	var out []location
	add := func(l location) {
		if l.name != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	for _, f := range files {
		if f.created() || f.deleted() {
			continue
		}
		lang := langOf(f.path())
		for _, h := range f.hunks {
			for _, name := range hunkLocations(lang, h) {
				add(location{path: f.path(), name: name})
			}
		}
	}
	return out
}

// hunkLocations is patchLocations for one hunk.
func hunkLocations(lang string, h hunk) []string {
	// stack holds the enclosing declarations, outermost first; a nil
	// name stands for a scope whose changes name nothing (an import
	// block, a declaration the patch adds).
	type scope struct {
		decl
		skip bool
	}
	var stack []scope
	if d, ok := declOf(lang, h.context); ok && indentWidth(h.context) == 0 {
		stack = append(stack, scope{decl: d})
	}
	name := func() string {
		if len(stack) == 0 || stack[0].skip {
			return ""
		}
		if stack[0].class && len(stack) > 1 && !stack[1].class && !stack[1].skip {
			return stack[0].name + "." + stack[1].name
		}
		return stack[0].name
	}
	var out []string
	for i, l := range h.lines {
		t := strings.TrimSpace(l.text)
		if t == "" {
			continue
		}
		ind := indentWidth(l.text)
		closing := strings.IndexByte(")}]", t[0]) >= 0 && ind == 0
		if !closing {
			// A line at indentation ind ends every scope opened at ind or
			// deeper (Python's blocks; Go's top-level declarations).
			for len(stack) > 0 && stack[len(stack)-1].indent >= ind {
				stack = stack[:len(stack)-1]
			}
		}
		d, isDecl := declOf(lang, l.text)
		if isDecl && (lang == "go" || lang == "python") && (ind == 0 || lang == "python") {
			stack = append(stack, scope{decl: decl{name: d.name, class: d.class, indent: ind}, skip: l.kind == '+'})
		} else if ind == 0 && isImport(lang, t) {
			stack = append(stack, scope{decl: decl{indent: ind}, skip: true})
		}
		if l.kind == ' ' {
			if closing {
				stack = nil
			}
			continue
		}
		n := name()
		if n == "" && ind == 0 && isComment(lang, t) {
			n = nextDecl(lang, h.lines[i+1:])
		}
		if n != "" {
			out = append(out, n)
		}
		if closing {
			stack = nil
		}
	}
	return out
}

// nextDecl names the top-level declaration that follows a comment (its
// doc comment), skipping further comment lines; "" when none does.
func nextDecl(lang string, lines []hunkLine) string {
	for _, l := range lines {
		if l.kind == '+' {
			continue
		}
		t := strings.TrimSpace(l.text)
		if isComment(lang, t) {
			continue
		}
		if d, ok := declOf(lang, l.text); ok && indentWidth(l.text) == 0 {
			return d.name
		}
		return ""
	}
	return ""
}

// isComment reports a comment line.
func isComment(lang, t string) bool {
	if lang == "python" {
		return strings.HasPrefix(t, "#")
	}
	return strings.HasPrefix(t, "//")
}

// isImport reports an import line (or the start of a Go import block).
func isImport(lang, t string) bool {
	if lang == "python" {
		return strings.HasPrefix(t, "import ") || strings.HasPrefix(t, "from ")
	}
	return t == "import (" || strings.HasPrefix(t, "import ")
}

// isTestPath reports a test file: Go's _test.go, Python's test_*.py,
// *_test.py and conftest.py, or any file under a tests/ or test/ folder.
func isTestPath(p string) bool {
	base := path.Base(p)
	switch {
	case strings.HasSuffix(base, "_test.go"),
		strings.HasSuffix(base, ".py") && (strings.HasPrefix(base, "test_") || strings.HasSuffix(base, "_test.py")),
		base == "conftest.py":
		return true
	}
	for _, dir := range strings.Split(path.Dir(p), "/") {
		if dir == "tests" || dir == "test" || dir == "testing" {
			return true
		}
	}
	return false
}
