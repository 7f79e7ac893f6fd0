package benchmarks

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// VisibleStats counts the visible tests of a set of problems.
type VisibleStats struct {
	Problems int // problems counted
	// WithVisible is the number of problems with at least one visible test.
	WithVisible int
	Tests       int // visible tests in all
}

// WithoutVisible is the number of problems with no visible test: a search
// can accept nothing there.
func (s VisibleStats) WithoutVisible() int { return s.Problems - s.WithVisible }

// CountVisible counts the visible tests of ps, under the policy they were
// loaded with.
func CountVisible(ps []*Problem) VisibleStats {
	var s VisibleStats
	for _, p := range ps {
		s.Problems++
		if n := len(p.task.Visible); n > 0 {
			s.WithVisible++
			s.Tests += n
		}
	}
	return s
}

// extractExamples returns the examples of entryPoint's docstring in
// prompt as asserts `assert CALL == EXPECTED`, in the order they appear,
// without duplicates. These are HumanEval's visible tests.
//
// The extraction is static and conservative: an example is kept only when
// its call and expected value can be read mechanically; prose,
// derivations, exceptions, examples calling another name than the entry
// point, arguments that are bare names and ambiguous values are skipped.
// Formats read (all seen in HumanEval prompts):
//
//	>>> f(x)                      doctest; the output is the following
//	y                             line(s) up to a blank line; no output
//	                              means None
//	>>> f(x) == y                 doctest written as a comparison
//	f(x) ==> y, f(x) => y, f(x) -> y, f(x) ➞ y, f(x) == y, f(x) = y
//	f(x) should return y, f(x) returns y, f(x) # returns y, f(x) # => y
//	For a = x, b = z the output (or result) should be y
//	Input: x (or a = x, b = z, or one "a : x" per line)  Output: y
//
// A chain "f(x) = 1 + 2 = 3" keeps its last value; a call may continue
// over lines; lowercase true/false become True/False. Examples that are
// mechanically readable but wrong (the docstring contradicts the
// reference solution) are dropped per task by humanEvalVisible.
func extractExamples(prompt, entryPoint string) []Test {
	doc, params := entryDocstring(prompt, entryPoint)
	lines := strings.Split(doc, "\n")
	var tests []Test
	seen := make(map[string]bool)
	add := func(call, expected string) {
		t := Test{Assert: "assert " + call + " == " + expected, Call: call, Expected: expected}
		if !seen[t.Assert] {
			seen[t.Assert] = true
			tests = append(tests, t)
		}
	}
	for i := 0; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		switch {
		case strings.HasPrefix(t, ">>>"):
			i = doctestExample(lines, i, entryPoint, add)
		case strings.HasPrefix(t, "Input:"):
			i = inputOutputExample(lines, i, entryPoint, params, add)
		default:
			if call, exp, ok := forExample(t, entryPoint, params); ok {
				add(call, exp)
				continue
			}
			i = inlineExample(lines, i, entryPoint, add)
		}
	}
	return tests
}

// entryDocstring returns the text of prompt after `def entryPoint(` (its
// signature and docstring) and the names of its parameters. Without such
// a definition it returns the whole prompt and no parameters.
func entryDocstring(prompt, entryPoint string) (string, []string) {
	re := regexp.MustCompile(`(?m)^[ \t]*def[ \t]+` + regexp.QuoteMeta(entryPoint) + `[ \t]*\(`)
	locs := re.FindAllStringIndex(prompt, -1)
	if locs == nil {
		return prompt, nil
	}
	loc := locs[len(locs)-1]
	open := loc[1] - 1
	end, ok := matchClose(prompt, open)
	if !ok {
		return prompt[loc[0]:], nil
	}
	var params []string
	for _, p := range splitTopLevel(prompt[open+1:end-1], ',') {
		p = strings.TrimSpace(p)
		if i := strings.IndexAny(p, ":="); i >= 0 {
			p = strings.TrimSpace(p[:i])
		}
		if p != "" && p != "self" && !strings.HasPrefix(p, "*") && p != "/" {
			params = append(params, p)
		}
	}
	return prompt[end:], params
}

// doctestExample reads the doctest starting at lines[i] and returns the
// index of its last line.
func doctestExample(lines []string, i int, entry string, add func(call, expected string)) int {
	src := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[i]), ">>>"))
	src = strings.TrimSpace(stripComment(src))
	var out []string
	j := i + 1
	for ; j < len(lines); j++ {
		u := strings.TrimSpace(lines[j])
		if u == "" || strings.HasPrefix(u, ">>>") || strings.HasPrefix(u, `"""`) || strings.HasPrefix(u, "'''") {
			break
		}
		u = strings.TrimSuffix(strings.TrimSuffix(u, `"""`), "'''")
		out = append(out, strings.TrimSpace(u))
	}
	last := j - 1
	if !callsName(src, entry) {
		return last
	}
	// >>> f(x) == y: the comparison is the example (its output, when
	// given, must be True).
	if l, r, ok := splitComparison(src); ok {
		if len(out) > 0 && strings.Join(out, " ") != "True" {
			return last
		}
		if exp, ok := cleanExpected(r); ok && callsName(l, entry) {
			add(l, exp)
		}
		return last
	}
	// >>> f(x) y: a call followed by its value on the same line.
	if strings.HasPrefix(src, entry+"(") {
		if end, ok := matchClose(src, len(entry)); ok && strings.TrimSpace(src[end:]) != "" {
			if len(out) > 0 || !startsLiteral(strings.TrimSpace(src[end:])) {
				return last
			}
			if exp, ok := cleanExpected(src[end:]); ok {
				add(src[:end], exp)
			}
			return last
		}
	}
	if !balanced(src) {
		return last
	}
	if len(out) == 0 {
		// doctest prints nothing for None.
		add(src, "None")
		return last
	}
	if strings.HasPrefix(out[0], "Traceback") {
		return last
	}
	if exp, ok := cleanExpected(joinLines(out)); ok {
		add(src, exp)
	}
	return last
}

// inputOutputExample reads an "Input: ... Output: ..." example starting
// at lines[i] and returns the index of the last line it read.
func inputOutputExample(lines []string, i int, entry string, params []string, add func(call, expected string)) int {
	var in []string
	if s := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[i]), "Input:")); s != "" {
		in = append(in, s)
	}
	j := i + 1
	for ; j < len(lines); j++ {
		u := strings.TrimSpace(lines[j])
		if strings.HasPrefix(u, "Output:") {
			break
		}
		if u == "" || strings.HasPrefix(u, "Input:") || strings.HasPrefix(u, ">>>") {
			return j - 1
		}
		in = append(in, u)
	}
	if j == len(lines) || len(in) == 0 {
		return j - 1
	}
	exp, ok := cleanExpected(strings.TrimPrefix(strings.TrimSpace(lines[j]), "Output:"))
	if !ok {
		return j
	}
	var args []string
	if kvs, rest := parseAssignments(strings.Join(in, ", "), true); len(kvs) > 0 && strings.TrimSpace(rest) == "" {
		if args, ok = argsByName(kvs, params); !ok {
			return j
		}
	} else {
		// A bare value is the argument of a one-parameter function.
		v := strings.Join(in, " ")
		if len(params) != 1 || !isLiteral(v) {
			return j
		}
		args = []string{v}
	}
	add(entry+"("+strings.Join(args, ", ")+")", exp)
	return j
}

var forExampleRE = regexp.MustCompile(`^(?:\*\s*)?[Ff]or\s+(.+?)\s+the\s+(?:output|result)\s+should\s+be\s+(.+)$`)

// forExample reads "For a = x, b = z the output should be y".
func forExample(line, entry string, params []string) (call, expected string, ok bool) {
	m := forExampleRE.FindStringSubmatch(line)
	if m == nil {
		return "", "", false
	}
	kvs, _ := parseAssignments(m[1], false)
	args, ok := argsByName(kvs, params)
	if !ok {
		return "", "", false
	}
	exp, ok := cleanExpected(m[2])
	if !ok {
		return "", "", false
	}
	return entry + "(" + strings.Join(args, ", ") + ")", exp, true
}

// The separators between an inline example's call and its value; longer
// ones first.
var inlineSeparators = []string{
	"==>", "=>", "==", "->", "➞", "should return", "# returns", "# =>", "#=>", "returns", "=",
}

// inlineExample looks in lines[i] for a call of entry followed by a
// separator and a value, possibly with the call continuing over lines.
// It returns the index of the last line it read.
func inlineExample(lines []string, i int, entry string, add func(call, expected string)) int {
	line := lines[i]
	for from := 0; ; {
		k := findCall(line[from:], entry)
		if k < 0 {
			return i
		}
		start := from + k
		from = start + len(entry)
		// A call that is an operand ("tri(2) + tri(4)") is not an
		// example; a leading "*" is a bullet.
		if before := strings.TrimSpace(line[:start]); before != "" && before != "*" &&
			strings.ContainsRune("+-*/%=<>,([{&|^~", rune(before[len(before)-1])) {
			continue
		}
		// The call may continue on the next lines.
		text := strings.Join(lines[i:min(len(lines), i+30)], "\n")[start:]
		end, ok := matchClose(text, len(entry))
		if !ok {
			continue
		}
		call := joinLines(strings.Split(text[:end], "\n"))
		callLines := strings.Count(text[:end], "\n")
		rest := text[end:]
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[:nl]
		}
		rest = strings.TrimSpace(rest)
		// "f(x) should" + next line "return y": the separator continues
		// on the next line, which is read again for its own examples.
		next := i + callLines + 1
		wrapped := (rest == "" || rest == "should") && next < len(lines)
		if wrapped {
			rest = strings.TrimSpace(rest + " " + strings.TrimSpace(lines[next]))
		}
		sep := ""
		for _, s := range inlineSeparators {
			if strings.HasPrefix(rest, s) {
				sep = s
				break
			}
		}
		if sep == "" {
			continue
		}
		exp, ok := cleanExpected(rest[len(sep):])
		if !ok || !isLiteral(call[len(entry)+1:len(call)-1]) {
			continue
		}
		add(call, exp)
		return i + callLines
	}
}

// findCall returns the index of the first `name(` in s that is not part
// of a longer name or an attribute, or -1.
func findCall(s, name string) int {
	for off := 0; ; {
		k := strings.Index(s[off:], name+"(")
		if k < 0 {
			return -1
		}
		k += off
		if k == 0 {
			return 0
		}
		r, _ := utf8.DecodeLastRuneInString(s[:k])
		if !isIdentRune(r) && r != '.' {
			return k
		}
		off = k + len(name)
	}
}

// callsName reports whether expression s calls name.
func callsName(s, name string) bool { return findCall(s, name) >= 0 }

// cleanExpected reads the expected value of an example: one literal,
// after removing a comment, keeping the last part of a chain
// "1 + 2 = 3", dropping trailing prose and a sentence's final period. It
// returns false when the text is not a single literal or is ambiguous.
func cleanExpected(s string) (string, bool) {
	s = strings.TrimSpace(stripComment(s))
	if i := lastAssign(s); i >= 0 {
		s = strings.TrimSpace(s[i+1:])
	}
	if s == "" {
		return "", false
	}
	end, ok := scanAtom(s, 0)
	if !ok {
		return "", false
	}
	atom, rest := s[:end], s[end:]
	if !proseRest(rest) {
		return "", false
	}
	switch atom {
	case "true":
		atom = "True"
	case "false":
		atom = "False"
	}
	if !isLiteral(atom) {
		return "", false
	}
	// "(x)" is either x or a one-tuple missing its comma: ambiguous.
	if atom[0] == '(' && len(splitTopLevel(atom[1:len(atom)-1], ',')) == 1 && strings.TrimSpace(atom[1:len(atom)-1]) != "" {
		return "", false
	}
	return atom, true
}

// proseRest reports whether what follows a value is prose (or nothing):
// a space and a word or parenthesis, or a sentence's final punctuation.
func proseRest(rest string) bool {
	if rest == "" {
		return true
	}
	if strings.ContainsRune(".,;:!", rune(rest[0])) {
		return len(rest) == 1 || rest[1] == ' ' || rest[1] == '\t'
	}
	if rest[0] != ' ' && rest[0] != '\t' {
		return false
	}
	r := strings.TrimSpace(rest)
	if r == "" {
		return true
	}
	c, _ := utf8.DecodeRuneInString(r)
	return unicode.IsLetter(c) || c == '('
}

// startsLiteral reports whether s starts like a Python literal.
func startsLiteral(s string) bool {
	if s == "" {
		return false
	}
	return strings.ContainsRune(`'"([{-+.0123456789`, rune(s[0])) || strings.HasPrefix(s, "True") ||
		strings.HasPrefix(s, "False") || strings.HasPrefix(s, "None")
}

// isLiteral reports whether s is made of literals only: strings,
// numbers, brackets, commas, colons, signs and the names True, False and
// None (no other name, no call, no ellipsis).
func isLiteral(s string) bool {
	if !balanced(s) {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\'':
			end, ok := scanString(s, i)
			if !ok {
				return false
			}
			i = end
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			i = scanNumber(s, i)
		case c == '_' || c < utf8.RuneSelf && unicode.IsLetter(rune(c)):
			j := i
			for j < len(s) && (s[j] == '_' || s[j] < utf8.RuneSelf && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])))) {
				j++
			}
			switch s[i:j] {
			case "True", "False", "None":
			default:
				return false
			}
			i = j
		case strings.IndexByte(" \t\n,:-+()[]{}", c) >= 0:
			i++
		default:
			return false
		}
	}
	return true
}

// scanAtom returns the end of the literal-like atom starting at s[i]: a
// string, a bracketed group, a signed number or a name.
func scanAtom(s string, i int) (int, bool) {
	if i >= len(s) {
		return 0, false
	}
	c := s[i]
	switch {
	case c == '"' || c == '\'':
		return scanString(s, i)
	case c == '(' || c == '[' || c == '{':
		return matchClose(s, i)
	case c == '-' || c == '+':
		if i+1 < len(s) && (s[i+1] >= '0' && s[i+1] <= '9' || s[i+1] == '.') {
			return scanNumber(s, i+1), true
		}
		return 0, false
	case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
		return scanNumber(s, i), true
	case c == '_' || c < utf8.RuneSelf && unicode.IsLetter(rune(c)):
		j := i
		for j < len(s) && s[j] < utf8.RuneSelf && isIdentRune(rune(s[j])) {
			j++
		}
		return j, true
	}
	return 0, false
}

// scanNumber returns the end of the number starting at s[i] (digits,
// letters for exponents, bases and j, one decimal point followed by a
// digit, and an exponent's sign).
func scanNumber(s string, i int) int {
	j := i
	for j < len(s) {
		c := s[j]
		switch {
		case c >= '0' && c <= '9' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j++
		case c == '.' && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9':
			j++
		case (c == '-' || c == '+') && j > i && (s[j-1] == 'e' || s[j-1] == 'E') && !strings.ContainsAny(s[i:j], "xXbBoO"):
			j++
		default:
			return j
		}
	}
	return j
}

// scanString returns the end of the quoted string starting at s[i].
func scanString(s string, i int) (int, bool) {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j + 1, true
		case '\n':
			return 0, false
		}
	}
	return 0, false
}

// matchClose returns the index just after the bracket closing the one
// at s[open], skipping strings.
func matchClose(s string, open int) (int, bool) {
	var stack []byte
	for i := open; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\'':
			end, ok := scanString(s, i)
			if !ok {
				return 0, false
			}
			i = end - 1
		case '(', '[', '{':
			stack = append(stack, c)
		case ')', ']', '}':
			if len(stack) == 0 || stack[len(stack)-1] != openerOf(c) {
				return 0, false
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return i + 1, true
			}
		}
		if len(stack) == 0 {
			return 0, false
		}
	}
	return 0, false
}

func openerOf(c byte) byte {
	switch c {
	case ')':
		return '('
	case ']':
		return '['
	}
	return '{'
}

// balanced reports whether s's brackets and quotes are balanced.
func balanced(s string) bool {
	ok := true
	depth := 0
	walkTopLevel(s, func(i int, d int) bool {
		depth = d
		return true
	}, &ok)
	return ok && depth == 0
}

// walkTopLevel calls fn(i, depth) for every byte of s outside strings,
// with the bracket depth before it; fn returns false to stop. *ok is set
// to false on an unterminated string or a stray closing bracket.
func walkTopLevel(s string, fn func(i, depth int) bool, ok *bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\'' {
			end, good := scanString(s, i)
			if !good {
				*ok = false
				return
			}
			i = end - 1
			continue
		}
		if !fn(i, depth) {
			return
		}
		switch c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth < 0 {
				*ok = false
				return
			}
		}
	}
	fn(len(s), depth)
}

// splitTopLevel splits s at the separator sep outside strings and
// brackets.
func splitTopLevel(s string, sep byte) []string {
	var parts []string
	last := 0
	ok := true
	walkTopLevel(s, func(i, depth int) bool {
		if i < len(s) && depth == 0 && s[i] == sep {
			parts = append(parts, s[last:i])
			last = i + 1
		}
		return true
	}, &ok)
	return append(parts, s[last:])
}

// stripComment removes a Python comment (a # outside strings).
func stripComment(s string) string {
	cut := -1
	ok := true
	walkTopLevel(s, func(i, _ int) bool {
		if i < len(s) && s[i] == '#' {
			cut = i
			return false
		}
		return true
	}, &ok)
	if cut >= 0 {
		return s[:cut]
	}
	return s
}

// lastAssign returns the index of the last top-level single "=" in s (not
// part of ==, <=, >=, != or =>), or -1.
func lastAssign(s string) int {
	last := -1
	ok := true
	walkTopLevel(s, func(i, depth int) bool {
		if i < len(s) && depth == 0 && s[i] == '=' &&
			(i == 0 || !strings.ContainsRune("=<>!", rune(s[i-1]))) &&
			(i+1 >= len(s) || s[i+1] != '=' && s[i+1] != '>') {
			last = i
		}
		return true
	}, &ok)
	return last
}

// splitComparison splits "a == b" at its only top-level ==.
func splitComparison(s string) (left, right string, ok bool) {
	var at []int
	good := true
	walkTopLevel(s, func(i, depth int) bool {
		if i+1 < len(s) && depth == 0 && s[i] == '=' && s[i+1] == '=' &&
			(i == 0 || !strings.ContainsRune("=<>!", rune(s[i-1]))) && (i+2 >= len(s) || s[i+2] != '=') {
			at = append(at, i)
		}
		return true
	}, &good)
	if !good || len(at) != 1 {
		return "", "", false
	}
	left, right = strings.TrimSpace(s[:at[0]]), strings.TrimSpace(s[at[0]+2:])
	return left, right, left != "" && right != ""
}

// splitAssert splits `assert CALL == EXPECTED` into its two sides.
func splitAssert(stmt string) (call, expected string, ok bool) {
	s := strings.TrimSpace(stmt)
	rest, found := strings.CutPrefix(s, "assert")
	if !found || rest == "" || isIdentRune(rune(rest[0])) {
		return "", "", false
	}
	// An assert with a message ("assert x == y, msg") is not of the form.
	if len(splitTopLevel(rest, ',')) != 1 {
		return "", "", false
	}
	return splitComparison(rest)
}

type assignment struct{ name, value string }

// parseAssignments reads "a = x, b = y" (also "a : x" when colons is
// set) from the start of s, and returns what it read and the rest.
func parseAssignments(s string, colons bool) ([]assignment, string) {
	var kvs []assignment
	for {
		t := strings.TrimLeft(s, " \t")
		j := 0
		for j < len(t) && t[j] < utf8.RuneSelf && isIdentRune(rune(t[j])) {
			j++
		}
		if j == 0 || t[0] >= '0' && t[0] <= '9' {
			return kvs, s
		}
		name := t[:j]
		u := strings.TrimLeft(t[j:], " \t")
		switch {
		case strings.HasPrefix(u, "=") && !strings.HasPrefix(u, "=="):
		case colons && strings.HasPrefix(u, ":"):
		default:
			return kvs, s
		}
		u = u[1:]
		parts := splitTopLevel(u, ',')
		v := strings.TrimSpace(parts[0])
		if v == "" {
			return kvs, s
		}
		kvs = append(kvs, assignment{name, v})
		if len(parts) == 1 {
			return kvs, ""
		}
		s = u[len(parts[0])+1:]
	}
}

// argsByName orders assigned values by the parameters they name; every
// parameter must be assigned once, with a literal, and nothing else.
func argsByName(kvs []assignment, params []string) ([]string, bool) {
	if len(kvs) != len(params) || len(params) == 0 {
		return nil, false
	}
	byName := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		if _, dup := byName[kv.name]; dup || !isLiteral(kv.value) {
			return nil, false
		}
		end, ok := scanAtom(kv.value, 0)
		if !ok || end != len(kv.value) {
			return nil, false
		}
		byName[kv.name] = kv.value
	}
	args := make([]string, len(params))
	for i, p := range params {
		v, ok := byName[p]
		if !ok {
			return nil, false
		}
		args[i] = v
	}
	return args, true
}

// joinLines joins the trimmed lines of an expression that continues over
// lines, with a space between them except just inside brackets.
func joinLines(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if i > 0 && b.Len() > 0 && l != "" {
			prev := b.String()[b.Len()-1]
			if !strings.ContainsRune("([{", rune(prev)) && !strings.ContainsRune(")]}", rune(l[0])) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

func isIdentRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
