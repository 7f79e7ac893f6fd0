package simllm

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/codetree/codetree/benchmarks/swebench"
)

// wrongMark is in the comment of the oracle's wrong first edit, so the
// critic and the thinker can tell the wrong edit is in a diff they are
// shown.
const wrongMark = "TODO(codetree-sim):"

// oracle is what the Model knows of one SWE-bench instance in oracle mode
// (Options.Instances): the gold patch and the test patch, read once.
type oracle struct {
	id        string
	statement string     // the problem statement, white space collapsed
	files     []string   // the non-test files the gold patch touches (all, if only tests)
	locations []location // what the gold hunks change
	gold      []block    // the gold patch as blocks
	test      []block    // the test patch as blocks
	testPatch []filePatch
	wrong     *block // the wrong first edit; nil when no hunk edits an existing file
}

// newOracle reads an instance's patches.
func newOracle(in swebench.Instance) oracle {
	gold := parsePatch(in.Patch)
	o := oracle{
		id:        in.InstanceID,
		statement: collapse(in.ProblemStatement),
		locations: patchLocations(gold),
		gold:      patchBlocks(gold),
		testPatch: parsePatch(in.TestPatch),
		wrong:     wrongEdit(gold),
	}
	o.test = patchBlocks(o.testPatch)
	var all []string
	for _, f := range gold {
		all = append(all, f.path())
		if !isTestPath(f.path()) {
			o.files = append(o.files, f.path())
		}
	}
	if len(o.files) == 0 {
		o.files = all
	}
	// A file whose hunks name nothing is named by its first declaration.
	for _, f := range gold {
		if f.created() || f.deleted() || isTestPath(f.path()) || o.locates(f.path()) {
			continue
		}
		if name := firstDecl(f); name != "" {
			o.locations = append(o.locations, location{path: f.path(), name: name})
		}
	}
	return o
}

// locates reports whether a location of o is in the file p.
func (o *oracle) locates(p string) bool {
	for _, l := range o.locations {
		if l.path == p {
			return true
		}
	}
	return false
}

// firstDecl names the first top-level declaration the hunks of f show
// (context or removed lines), "" when none does.
func firstDecl(f filePatch) string {
	lang := langOf(f.path())
	for _, h := range f.hunks {
		for _, l := range h.lines {
			if l.kind == '+' || indentWidth(l.text) > 0 {
				continue
			}
			if d, ok := declOf(lang, l.text); ok {
				return d.name
			}
		}
	}
	return ""
}

// collapse joins the words of s with single spaces, so a statement is
// found in a prompt whatever its line breaks and indentation.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// wrongEdit is the wrong first edit: the first hunk of an existing file
// with a comment line inserted before its first change, at the
// indentation of the line that follows. It applies and changes nothing
// the tests see.
func wrongEdit(files []filePatch) *block {
	for _, f := range files {
		if f.created() || f.deleted() || len(f.hunks) == 0 {
			continue
		}
		h := f.hunks[0]
		var old []string
		at := -1
		for _, l := range h.lines {
			if l.kind != ' ' && at < 0 {
				at = len(old)
			}
			if l.kind != '+' {
				old = append(old, l.text)
			}
		}
		if at < 0 || len(old) == 0 {
			continue
		}
		indent := ""
		found := false
		for _, l := range old[at:] {
			if strings.TrimSpace(l) != "" {
				indent, found = l[:len(l)-len(strings.TrimLeft(l, " \t"))], true
				break
			}
		}
		for i := at - 1; !found && i >= 0; i-- {
			if l := old[i]; strings.TrimSpace(l) != "" {
				indent, found = l[:len(l)-len(strings.TrimLeft(l, " \t"))], true
			}
		}
		comment := indent + commentPrefix(f.path()) + " " + wrongMark + " check this code against the issue"
		with := append(append(append([]string{}, old[:at]...), comment), old[at:]...)
		return &block{path: f.path(), search: joinLines(old), replace: joinLines(with)}
	}
	return nil
}

// commentPrefix is the line comment of a file's language.
func commentPrefix(p string) string {
	switch path.Ext(p) {
	case ".go", ".c", ".h", ".cc", ".cpp", ".hpp", ".java", ".js", ".jsx", ".ts", ".tsx", ".rs", ".kt", ".swift", ".scala", ".mod":
		return "//"
	}
	return "#"
}

// joinLines ends every line with "\n".
func joinLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// lookupOracle finds the instance a conversation is about: the one whose
// problem statement appears in the user text (white space aside), the
// longest when several do; nil when none.
func (m *Model) lookupOracle(user string) *oracle {
	if len(m.oracles) == 0 {
		return nil
	}
	text := collapse(user)
	var best *oracle
	for i := range m.oracles {
		o := &m.oracles[i]
		if o.statement != "" && strings.Contains(text, o.statement) && (best == nil || len(o.statement) > len(best.statement)) {
			best = o
		}
	}
	return best
}

// oracleRole is a task of the issue pipeline, recognised by its system
// prompt; the CodeTree roles are recognised by roleOf.
type oracleRole int

const (
	oracleNone oracleRole = iota
	oracleLocateFiles
	oracleLocateSymbols
	oracleReproduce
	oracleChooseFiles
)

// oracleRoleOf recognises the pipeline's own roles by their system prompt.
func oracleRoleOf(system string) oracleRole {
	switch {
	case strings.Contains(system, "localizes a GitHub issue in a repository"):
		return oracleLocateFiles
	case strings.Contains(system, "localizes a GitHub issue within files"):
		return oracleLocateSymbols
	case strings.Contains(system, "writes a test that reproduces a GitHub issue"):
		return oracleReproduce
	case strings.Contains(system, "finds where to work in a repository"):
		return oracleChooseFiles
	}
	return oracleNone
}

// oracleReply answers a conversation about o. Its replies are plain and
// depend on the conversation only.
func (m *Model) oracleReply(o *oracle, msgs []Message, system, user, lastUser string) string {
	switch oracleRoleOf(system) {
	case oracleLocateFiles, oracleChooseFiles:
		return numberedList(o.files)
	case oracleLocateSymbols:
		items := make([]string, len(o.locations))
		for i, l := range o.locations {
			items[i] = l.path + ": " + l.name
		}
		if len(items) == 0 {
			return "The change is outside any function, method or type of these files."
		}
		return numberedList(items)
	case oracleReproduce:
		blocks := o.reproduction(user)
		if len(blocks) == 0 {
			return "I cannot write a test for this issue."
		}
		return "This test checks the behaviour the issue expects, so it fails until the issue is resolved.\n\n" + formatBlocks(blocks)
	}
	fb, hasFB := feedback(msgs)
	failing := hasFB && oracleFailing(fb)
	code, _ := implementation(user)
	wrong := hasWrongLine(code)
	plain := styler{}
	switch roleOf(system, lastUser) {
	case roleEditor:
		return o.edit(msgs)
	case roleScore:
		if failing {
			return plain.score("The checks still fail: the change does not resolve the issue yet.", 2)
		}
		return plain.score("Every check passes: the change resolves the issue and keeps the other tests green.", 5)
	case roleVerify:
		switch {
		case failing:
			return plain.verdict("Some checks fail, so the change does not resolve the issue yet.", false)
		case wrong:
			return plain.verdict("The change only adds a comment and changes no behaviour, so the issue is not resolved: "+o.where()+" must change.", false)
		}
		return plain.verdict("The change edits "+o.where()+" as the issue asks, by a general method, and the checks pass.", true)
	case roleReflections:
		switch {
		case wrong:
			return numberedList([]string{"The previous edit only added a comment and changed no behaviour, so the checks still show the issue: remove the comment and change " + o.where() + " as the issue describes."})
		case failing:
			return numberedList([]string{"The checks still fail: read the failing output and change " + o.where() + " so that the behaviour matches what the issue expects."})
		}
		return numberedList([]string{"The checks pass: keep the change to " + o.where() + " and check it once more against the issue."})
	case roleStrategies:
		return numberedList([]string{"Change " + o.where() + " so that the behaviour matches what the issue expects, then run the repository's tests."})
	}
	return "I am the simulated model answering SWE-bench instance " + o.id + " from its gold patch; I answer its localizer, reproducer, editor, critic and thinker, and this request is none of them."
}

// where names the locations (else the files) of the gold patch.
func (o *oracle) where() string {
	var names []string
	for _, l := range o.locations {
		names = append(names, "`"+l.name+"` in "+l.path)
	}
	if len(names) == 0 {
		names = o.files
	}
	if len(names) == 0 {
		return "the code the issue is about"
	}
	return strings.Join(names, ", ")
}

// edit is the Editor's answer: the wrong edit first (no previous edits in
// the conversation); in a repair, the revert of the wrong edit if it is
// in the files, then the gold blocks; nothing new if the gold blocks are
// already there.
func (o *oracle) edit(msgs []Message) string {
	prev, applied, repair := previousEdits(msgs)
	switch {
	case !repair && o.wrong != nil:
		return "This adds a note where the change belongs.\n\n" + formatBlocks([]block{*o.wrong})
	case !repair:
		return "This applies the fix.\n\n" + formatBlocks(o.gold)
	case len(o.gold) == 0:
		return "I have no edit to suggest for this issue."
	}
	wrongIn, goldIn := false, false
	if applied {
		var revert block
		if o.wrong != nil {
			revert = block{path: o.wrong.path, search: o.wrong.replace, replace: o.wrong.search}
		}
		for _, b := range prev {
			switch {
			case o.wrong != nil && sameBlock(b, *o.wrong):
				wrongIn = true
			case o.wrong != nil && sameBlock(b, revert):
				wrongIn = false
			}
		}
		goldIn = !wrongIn && subsequence(prev, o.gold)
		if wrongIn {
			return "The note changed no behaviour: this removes it and makes the change the issue asks for.\n\n" + formatBlocks(append([]block{revert}, o.gold...))
		}
	}
	if goldIn {
		g := o.gold[0]
		return "The fix is already in the files; this block leaves them as they are.\n\n" + formatBlocks([]block{{path: g.path, search: g.replace, replace: g.replace}})
	}
	return "This makes the change the issue asks for.\n\n" + formatBlocks(o.gold)
}

// previousEdits reads the previous edits of a repair conversation (the
// first assistant turn with blocks) and whether they applied (the user
// turn after them does not say they did not). repair is false when the
// conversation has no assistant turn with blocks.
func previousEdits(msgs []Message) (prev []block, applied, repair bool) {
	for i, msg := range msgs {
		if msg.Role != "assistant" {
			continue
		}
		if prev = parseBlocks(msg.Content); len(prev) == 0 {
			continue
		}
		applied = true
		for _, next := range msgs[i+1:] {
			if next.Role == "user" {
				applied = !strings.Contains(next.Content, "did not apply") && !strings.Contains(next.Content, "could not be read")
				break
			}
		}
		return prev, applied, true
	}
	return nil, false, false
}

// sameBlock compares blocks, trailing white space of lines aside.
func sameBlock(a, b block) bool {
	return a.path == b.path && trimLines(a.search) == trimLines(b.search) && trimLines(a.replace) == trimLines(b.replace)
}

func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	return strings.Join(lines, "\n")
}

// subsequence reports whether want's blocks appear in have, in order.
func subsequence(have, want []block) bool {
	i := 0
	for _, b := range have {
		if i < len(want) && sameBlock(b, want[i]) {
			i++
		}
	}
	return i == len(want)
}

// wrongLineRE matches an added diff line holding the wrong edit's comment.
var wrongLineRE = regexp.MustCompile(`(?m)^\+.*` + regexp.QuoteMeta(wrongMark))

// hasWrongLine reports a diff that adds the wrong edit's comment.
func hasWrongLine(code string) bool { return wrongLineRE.MatchString(code) }

// oracleFailing reads a repository run's feedback: with a "Tests passed:
// P/T" line, failing when P < T or an error came before the tests;
// otherwise as failingFeedback does.
func oracleFailing(fb string) bool {
	for _, l := range strings.Split(fb, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), "Tests passed: ")
		if !ok {
			continue
		}
		p, t, ok := strings.Cut(rest, "/")
		passed, err1 := strconv.Atoi(strings.TrimSpace(p))
		total, err2 := strconv.Atoi(strings.TrimSpace(t))
		if ok && err1 == nil && err2 == nil {
			return passed < total || strings.Contains(fb, "Error before the tests ran")
		}
	}
	return failingFeedback(fb)
}

// numberedList renders items as "1. item" lines.
func numberedList(items []string) string {
	var b strings.Builder
	for i, it := range items {
		fmt.Fprintf(&b, "%d. %s\n", i+1, it)
	}
	return b.String()
}
