package agent

import (
	"regexp"
	"slices"
	"strings"
)

// ExtractCode returns the code of a Solver or Debugger reply in lang
// ("python" or "go"), choosing as follows:
//
//   - Fenced blocks (``` or ~~~, tagged or not, the last one possibly
//     unclosed) are candidates when tagged with the language (python, py,
//     python3; go, golang) or untagged and looking like code in it. Blocks
//     tagged with another language (text, bash, json, ...) never are.
//   - Among the candidates, the last block that defines entryPoint at top
//     level wins (Python "def name(" or "async def name(", Go "func name(";
//     methods do not count); otherwise, or when entryPoint is empty, the
//     longest candidate.
//   - Python only: when the chosen block uses names (helper functions,
//     classes, imports, constants) that only other candidate blocks define
//     at top level, those definitions are put in front of it. Go blocks are
//     returned as they are.
//   - A reply without fences is accepted when it is plainly code: from its
//     first line that starts a definition, import or package clause (prose
//     before it is dropped, as is prose after a blank line at its end), or
//     when most of its lines look like code. So is one whose fences yield no
//     candidate but whose text, fence marks removed, is plainly code (a
//     fence opened at the end of a line of prose).
//
// A leading line holding only a language name ("python") is removed, the
// common indentation is removed, and the code ends with one newline. An empty
// reply is an EmptyOutput error; a reply without code in the language is a
// NoCode error. An unknown lang is a plain (caller) error.
func ExtractCode(reply, lang, entryPoint string) (string, error) {
	l, err := lookupLang(lang)
	if err != nil {
		return "", err
	}
	text, err := prepare(reply, l.Name+" code")
	if err != nil {
		return "", err
	}
	_, blocks := scanFences(text)
	if len(blocks) == 0 {
		code, ok := unfencedCode(text, l.ID)
		if !ok {
			return "", outputError(NoCode, "reply has no %s code", l.Name)
		}
		return code, nil
	}

	var cands []string
	var others []string // tags of non-candidate blocks, for the message
	for _, b := range blocks {
		code := tidyCode(b.code)
		if strings.TrimSpace(code) == "" {
			continue
		}
		switch tagLang(b.tag) {
		case l.ID:
			cands = append(cands, code)
		case "":
			if codeLang(code) == l.ID {
				cands = append(cands, code)
			} else {
				others = append(others, "untagged")
			}
		default:
			others = append(others, b.tag)
		}
	}
	if len(cands) == 0 {
		// A fence that does not start its line ("Here it is: ```python")
		// leaves the code outside any block.
		if code, ok := unfencedCode(fenceMarksRE.ReplaceAllString(text, ""), l.ID); ok {
			return code, nil
		}
		if len(others) > 0 {
			return "", outputError(NoCode, "reply has no %s code block (found %s)", l.Name, strings.Join(others, ", "))
		}
		return "", outputError(NoCode, "reply has only empty code blocks")
	}

	chosen := -1
	if entryPoint != "" {
		for i, c := range cands {
			if defines(c, l.ID, entryPoint) {
				chosen = i
			}
		}
	}
	if chosen < 0 {
		for i, c := range cands {
			if chosen < 0 || len(strings.TrimSpace(c)) >= len(strings.TrimSpace(cands[chosen])) {
				chosen = i
			}
		}
	}
	code := cands[chosen]
	if l.ID == langPython && len(cands) > 1 {
		code = mergePythonHelpers(code, slices.Delete(slices.Clone(cands), chosen, chosen+1))
	}
	return finishCode(code), nil
}

// fenceMarksRE matches fence marks with their tags, wherever they are.
var fenceMarksRE = regexp.MustCompile("(?m)(?:`{3,}|~{3,})[\\w+#.-]*[ \t]*$")

// tagLang maps a fence tag to a language ID: "python" or "go" for theirs,
// "" for no tag, and the tag itself for any other language.
func tagLang(tag string) string {
	switch tag {
	case "python", "py", "python3", "py3", "ipython":
		return langPython
	case "go", "golang":
		return langGo
	}
	return tag
}

// defines reports whether code defines name at top level in language id:
// a line "def name(" or "async def name(" (Python), "func name(" or
// "func name[" (Go), at column 0.
func defines(code, id, name string) bool {
	for _, l := range strings.Split(code, "\n") {
		var rest string
		var ok bool
		if id == langGo {
			rest, ok = strings.CutPrefix(l, "func")
		} else {
			if r, async := strings.CutPrefix(l, "async"); async && startsBlank(r) {
				l = strings.TrimLeft(r, " \t")
			}
			rest, ok = strings.CutPrefix(l, "def")
		}
		if !ok || !startsBlank(rest) {
			continue
		}
		rest, ok = strings.CutPrefix(strings.TrimLeft(rest, " \t"), name)
		if !ok {
			continue
		}
		rest = strings.TrimLeft(rest, " \t")
		if strings.HasPrefix(rest, "(") || id == langGo && strings.HasPrefix(rest, "[") {
			return true
		}
	}
	return false
}

// startsBlank reports whether s starts with a space or a tab.
func startsBlank(s string) bool { return s != "" && (s[0] == ' ' || s[0] == '\t') }

// Lines that start Python or Go code for certain: definitions, imports, the
// package clause. Prose hardly ever matches them.
var (
	pyStartRE = regexp.MustCompile(`^(?:` +
		`(?:async[ \t]+)?def[ \t]+\w+[ \t]*\(` +
		`|class[ \t]+\w+[ \t]*[(:]` +
		`|from[ \t]+\.*[\w.]+[ \t]+import[ \t]+\S` +
		`|import[ \t]+[\w.]+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*[\w.]+(?:[ \t]+as[ \t]+\w+)?)*[ \t]*(?:#.*)?$` +
		`|@[\w.]+(?:\(.*\))?[ \t]*$` +
		`|#!)`)
	goStartRE = regexp.MustCompile(`^(?:` +
		`package[ \t]+\w+[ \t]*(?://.*)?$` +
		`|import[ \t]*(?:\([ \t]*$|"|\w+[ \t]+")` +
		`|func[ \t]*(?:\([^)]*\)[ \t]*)?\w+[ \t]*[\[(]` +
		`|type[ \t]+\w+[ \t]+(?:struct|interface)\b` +
		`|(?:var|const)[ \t]+(?:\([ \t]*$|\w+(?:[ \t]+[\w\[\]*.]+)?[ \t]*=))`)
	// Lines that look like statements, for code without any definition.
	pyStmtRE = regexp.MustCompile(`^[ \t]*(?:` +
		`#` +
		`|(?:if|elif|while|for|with|try|except|else|finally|def|class)\b.*:[ \t]*(?:#.*)?$` +
		`|(?:return|yield|raise|assert|pass|break|continue|import|from|print)\b` +
		`|[\w.\[\]]+(?:[ \t]*,[ \t]*[\w.\[\]]+)*[ \t]*(?:[-+*/%&|^]|//|\*\*)?=[^=]` +
		`|[\w.]+\(.*\)[ \t]*$` +
		`|[)\]}]+[ \t]*$)`)
	goStmtRE = regexp.MustCompile(`^[ \t]*(?:` +
		`//` +
		`|(?:if|for|switch|select|case|default|return|go|defer|var|const|type|func|package|import)\b` +
		`|.*(?:[{};]|:=)[ \t]*(?://.*)?$` +
		`|[\w.]+\(.*\)[ \t]*$` +
		`|[)\]}]+[ \t]*$)`)
)

// startsCode reports whether line starts code in language id for certain.
func startsCode(id, line string) bool {
	if id == langGo {
		return goStartRE.MatchString(line)
	}
	return pyStartRE.MatchString(line)
}

// codeLang guesses the language of an untagged block: the language whose
// definitions or imports start one of its lines at column 0, else the one
// most of its lines look like statements of, else "".
func codeLang(code string) string {
	var py, gol, pyStmt, goStmt, n int
	for _, l := range strings.Split(code, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n++
		if pyStartRE.MatchString(l) {
			py++
		}
		if goStartRE.MatchString(l) {
			gol++
		}
		if pyStmtRE.MatchString(l) {
			pyStmt++
		}
		if goStmtRE.MatchString(l) {
			goStmt++
		}
	}
	switch {
	case gol > 0 && gol >= py:
		return langGo
	case py > 0:
		return langPython
	case n == 0:
		return ""
	case goStmt*2 > n && goStmt > pyStmt:
		return langGo
	case pyStmt*2 > n:
		return langPython
	}
	return ""
}

// unfencedCode accepts a reply without fences when it is plainly code in
// language id; see ExtractCode.
func unfencedCode(text, id string) (string, bool) {
	lines := strings.Split(tidyCode(text), "\n")
	start := -1
	for i, l := range lines {
		if startsCode(id, l) {
			start = i
			break
		}
	}
	if start < 0 {
		if codeLang(strings.Join(lines, "\n")) != id {
			return "", false
		}
		start = 0
	}
	lines = lines[start:]
	// Cut prose that follows the code after a blank line.
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i-1]) == "" && isProse(id, lines[i]) {
			lines = lines[:i]
			break
		}
	}
	return finishCode(strings.Join(lines, "\n")), true
}

var (
	// Markdown that never starts a line of code at column 0.
	markdownLineRE = regexp.MustCompile(`^(?:#{2,}[ \t]|\*\*|[-*+][ \t]|>[ \t]|\d+[.)][ \t])`)
	// Two words or more, the first not a keyword that may start a statement.
	proseWordsRE = regexp.MustCompile(`^[A-Za-z][\w'’,]*(?:[ \t]+\S+)+`)
	keywordRE    = regexp.MustCompile(`^(?:del|global|nonlocal|lambda|await|not|match|case|type|print|exec)\b`)
)

// isProse reports whether a column-0 line reads as English rather than code.
func isProse(id, l string) bool {
	if l == "" || l[0] == ' ' || l[0] == '\t' {
		return false
	}
	if markdownLineRE.MatchString(l) {
		return true
	}
	if startsCode(id, l) {
		return false
	}
	if id == langGo && goStmtRE.MatchString(l) || id == langPython && pyStmtRE.MatchString(l) {
		return false
	}
	return proseWordsRE.MatchString(l) && !keywordRE.MatchString(l)
}

// tidyCode removes a leading line that only names the language, blank lines
// around the code, and the indentation common to all its lines.
func tidyCode(code string) string {
	lines := strings.Split(code, "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	if len(lines) > 0 {
		if w := tagLang(strings.ToLower(strings.TrimSpace(lines[0]))); w == langPython || w == langGo {
			lines = lines[1:]
		}
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	common := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if common < 0 || n < common {
			common = n
		}
	}
	for i, l := range lines {
		switch {
		case strings.TrimSpace(l) == "":
			lines[i] = ""
		case common > 0:
			lines[i] = l[common:]
		}
	}
	return strings.Join(lines, "\n")
}

// finishCode trims trailing space and ends the code with one newline.
func finishCode(code string) string {
	return strings.TrimRight(code, " \t\n") + "\n"
}

// pyUnit is one top-level Python statement (with its decorators and body).
type pyUnit struct {
	text  string
	names []string // the names it binds at top level
	imp   bool     // an import statement
}

var (
	pyDefRE     = regexp.MustCompile(`^(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)`)
	pyImportRE  = regexp.MustCompile(`^import[ \t]+(.+)$`)
	pyFromRE    = regexp.MustCompile(`^from[ \t]+\S+[ \t]+import[ \t]+(.+)$`)
	pyAssignRE  = regexp.MustCompile(`^(\w+(?:[ \t]*,[ \t]*\w+)*)[ \t]*(?::[^=]+)?=[^=]`)
	pyIdentRE   = regexp.MustCompile(`[A-Za-z_]\w*`)
	pyCommentRE = regexp.MustCompile(`#[^\n]*`)
	pyNestedDef = regexp.MustCompile(`(?m)^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)`)
	pyAnyAssign = regexp.MustCompile(`(?m)^[ \t]*(\w+)[ \t]*(?::[^=\n]+)?=[^=]`)
)

// pythonUnits splits Python code into top-level statements. A statement
// runs until the next line at column 0 that is not a closing bracket, a
// comment or the def a decorator belongs to.
func pythonUnits(code string) []pyUnit {
	var units []pyUnit
	var cur []string
	flush := func() {
		if len(cur) == 0 {
			return
		}
		text := strings.TrimRight(strings.Join(cur, "\n"), "\n ")
		units = append(units, pyParseUnit(text))
		cur = nil
	}
	decorated := false
	for _, l := range strings.Split(code, "\n") {
		top := l != "" && l[0] != ' ' && l[0] != '\t' && l[0] != '#' && !strings.ContainsAny(l[:1], ")]}")
		if top && !decorated {
			flush()
		}
		if top {
			decorated = strings.HasPrefix(l, "@")
		}
		cur = append(cur, l)
	}
	flush()
	return units
}

// pyParseUnit finds the names a top-level statement binds.
func pyParseUnit(text string) pyUnit {
	first := text
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(l, "@") {
			first = l
			break
		}
	}
	u := pyUnit{text: text}
	if m := pyDefRE.FindStringSubmatch(first); m != nil {
		u.names = []string{m[1]}
		return u
	}
	if m := pyFromRE.FindStringSubmatch(first); m != nil {
		u.imp = true
		list := pyCommentRE.ReplaceAllString(strings.SplitN(text, " import ", 2)[1], "")
		list = strings.Trim(strings.Join(strings.Fields(list), " "), "() ")
		for _, part := range strings.Split(list, ",") {
			f := strings.Fields(strings.Trim(part, "() "))
			if len(f) > 0 && f[0] != "*" {
				u.names = append(u.names, f[len(f)-1]) // "x" or "x as y"
			}
		}
		return u
	}
	if m := pyImportRE.FindStringSubmatch(first); m != nil {
		u.imp = true
		for _, part := range strings.Split(m[1], ",") {
			f := strings.Fields(strings.SplitN(part, "#", 2)[0])
			switch {
			case len(f) == 3 && f[1] == "as":
				u.names = append(u.names, f[2])
			case len(f) >= 1:
				u.names = append(u.names, strings.SplitN(f[0], ".", 2)[0])
			}
		}
		return u
	}
	if m := pyAssignRE.FindStringSubmatch(first); m != nil {
		for _, n := range strings.Split(m[1], ",") {
			u.names = append(u.names, strings.TrimSpace(n))
		}
	}
	return u
}

// mergePythonHelpers puts in front of code the top-level definitions of
// other blocks that code needs: those binding a name code uses but never
// binds itself (by def, class, import or assignment at any depth). Their own
// needs are followed too. Imports go first, then definitions in the order of
// the blocks; code's own "from __future__" lines stay at the top.
func mergePythonHelpers(code string, others []string) string {
	bound := map[string]bool{}
	for _, m := range pyNestedDef.FindAllStringSubmatch(code, -1) {
		bound[m[1]] = true
	}
	for _, m := range pyAnyAssign.FindAllStringSubmatch(code, -1) {
		bound[m[1]] = true
	}
	for _, u := range pythonUnits(code) {
		for _, n := range u.names {
			bound[n] = true
		}
	}
	var pool []pyUnit
	for _, o := range others {
		pool = append(pool, pythonUnits(o)...)
	}
	used := map[string]bool{}
	addUses := func(s string) {
		for _, id := range pyIdentRE.FindAllString(s, -1) {
			used[id] = true
		}
	}
	addUses(code)
	taken := make([]bool, len(pool))
	for changed := true; changed; {
		changed = false
		for i, u := range pool {
			if taken[i] || len(u.names) == 0 {
				continue
			}
			need := false
			for _, n := range u.names {
				if used[n] && !bound[n] {
					need = true
				}
			}
			if !need {
				continue
			}
			taken[i], changed = true, true
			for _, n := range u.names {
				bound[n] = true
			}
			addUses(u.text)
		}
	}
	var imports, defs []string
	for i, u := range pool {
		switch {
		case !taken[i]:
		case u.imp:
			imports = append(imports, u.text)
		default:
			defs = append(defs, u.text)
		}
	}
	if len(imports)+len(defs) == 0 {
		return code
	}
	lines := strings.Split(code, "\n")
	future := 0
	for future < len(lines) && strings.HasPrefix(lines[future], "from __future__ ") {
		future++
	}
	var parts []string
	if future > 0 {
		parts = append(parts, strings.Join(lines[:future], "\n"))
	}
	if len(imports) > 0 {
		parts = append(parts, strings.Join(imports, "\n"))
	}
	parts = append(parts, defs...)
	parts = append(parts, strings.TrimLeft(strings.Join(lines[future:], "\n"), "\n"))
	return strings.Join(parts, "\n\n")
}
