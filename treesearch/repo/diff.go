package repo

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// diffContext is the number of unchanged lines around each hunk.
const diffContext = 3

// Diff renders the change from before to after as a git-style unified
// diff: for each changed file, in path order, a "diff --git" header with
// the blobs' ids, "--- a/path" and "+++ b/path" ("/dev/null" for a
// created or deleted file), and hunks with three lines of context, marking a last line
// without newline with "\ No newline at end of file". Paths with unusual
// bytes are quoted as git quotes them. The diff applies with git apply
// and with patch -p1 in the directory holding before. Created files get
// mode 100644. Unchanged files give no output; no change gives "".
func Diff(before, after map[string][]byte) string {
	var b strings.Builder
	for _, p := range changedPaths(before, after) {
		old, inOld := before[p]
		cur, inNew := after[p]
		a, c := quoteGitPath("a/"+p), quoteGitPath("b/"+p)
		fmt.Fprintf(&b, "diff --git %s %s\n", a, c)
		oldID, newID := gitBlobID(old), gitBlobID(cur)
		switch {
		case !inOld:
			b.WriteString("new file mode 100644\n")
			a, oldID = "/dev/null", nullBlobID
		case !inNew:
			b.WriteString("deleted file mode 100644\n")
			c, newID = "/dev/null", nullBlobID
		}
		// The blob ids let git apply --3way fall back on a merge, and
		// patch needs the line to remove an empty file.
		fmt.Fprintf(&b, "index %s..%s\n", oldID, newID)
		oldLines, newLines := splitLines(string(old)), splitLines(string(cur))
		if len(oldLines) == 0 && len(newLines) == 0 {
			continue // an empty file created or deleted: the header says it all
		}
		fmt.Fprintf(&b, "--- %s%s\n+++ %s%s\n", a, tabIfSpace(a), c, tabIfSpace(c))
		for _, g := range groupOpcodes(lineOpcodes(oldLines, newLines), diffContext) {
			first, last := g[0], g[len(g)-1]
			fmt.Fprintf(&b, "@@ -%s +%s @@\n", unifiedRange(first.i1, last.i2), unifiedRange(first.j1, last.j2))
			for _, op := range g {
				if op.tag == 'e' {
					writeDiffLines(&b, ' ', oldLines[op.i1:op.i2])
					continue
				}
				writeDiffLines(&b, '-', oldLines[op.i1:op.i2])
				writeDiffLines(&b, '+', newLines[op.j1:op.j2])
			}
		}
	}
	return b.String()
}

// Stat summarises the change from before to after: the changed files
// (created, modified or deleted) in path order and the lines added and
// removed, as git diff --stat counts them.
func Stat(before, after map[string][]byte) (files []string, added, removed int) {
	files = changedPaths(before, after)
	for _, p := range files {
		for _, op := range lineOpcodes(splitLines(string(before[p])), splitLines(string(after[p]))) {
			if op.tag != 'e' {
				removed += op.i2 - op.i1
				added += op.j2 - op.j1
			}
		}
	}
	return files, added, removed
}

// nullBlobID is git's abbreviated id for no file.
const nullBlobID = "0000000"

// gitBlobID is the abbreviated id git gives content as a blob.
func gitBlobID(content []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(content))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))[:7]
}

// changedPaths lists the paths created, deleted or changed, sorted.
func changedPaths(before, after map[string][]byte) []string {
	var paths []string
	for p, old := range before {
		if cur, ok := after[p]; !ok || !bytes.Equal(old, cur) {
			paths = append(paths, p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	return paths
}

func writeDiffLines(b *strings.Builder, prefix byte, lines []string) {
	for _, l := range lines {
		b.WriteByte(prefix)
		b.WriteString(l)
		if !strings.HasSuffix(l, "\n") {
			b.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// unifiedRange formats a hunk range (0-based start, end excluded) as
// unified diffs number lines: from 1, and an empty range at the line
// before it.
func unifiedRange(start, stop int) string {
	switch n := stop - start; n {
	case 1:
		return fmt.Sprint(start + 1)
	case 0:
		return fmt.Sprintf("%d,0", start)
	default:
		return fmt.Sprintf("%d,%d", start+1, n)
	}
}

// tabIfSpace ends a ---/+++ name that has a space with a tab, as git
// does, so that patch reads the whole name.
func tabIfSpace(name string) string {
	if strings.Contains(name, " ") {
		return "\t"
	}
	return ""
}

// quoteGitPath quotes a path as git does (core.quotePath): in double
// quotes with C escapes when it has a control byte, a double quote, a
// backslash or a byte over 0x7f; as it is otherwise.
func quoteGitPath(p string) string {
	needs := false
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			needs = true
			break
		}
	}
	if !needs {
		return p
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\v':
			b.WriteString(`\v`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			if c < 0x20 || c >= 0x7f {
				fmt.Fprintf(&b, `\%03o`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// opcode is one step from a to b, as difflib's: 'e' equal, 'r' replace,
// 'd' delete, 'i' insert, of a[i1:i2] and b[j1:j2].
type opcode struct {
	tag            byte
	i1, i2, j1, j2 int
}

// lineOpcodes compares a and b. Common leading and trailing lines are cut
// before difflib compares the rest, which keeps a small change to a big
// file cheap; difflib runs without its "popular line" heuristic, which
// would make diffs of long files needlessly large.
func lineOpcodes(a, b []string) []opcode {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []opcode
	if pre > 0 {
		ops = append(ops, opcode{'e', 0, pre, 0, pre})
	}
	midA, midB := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(midA) > 0 || len(midB) > 0 {
		for _, op := range difflib.NewMatcherWithJunk(midA, midB, false, nil).GetOpCodes() {
			ops = append(ops, opcode{op.Tag, op.I1 + pre, op.I2 + pre, op.J1 + pre, op.J2 + pre})
		}
	}
	if suf > 0 {
		ops = append(ops, opcode{'e', len(a) - suf, len(a), len(b) - suf, len(b)})
	}
	return ops
}

// groupOpcodes cuts ops into hunks with up to n lines of context, as
// difflib's GetGroupedOpCodes.
func groupOpcodes(ops []opcode, n int) [][]opcode {
	if len(ops) == 0 || (len(ops) == 1 && ops[0].tag == 'e') {
		return nil
	}
	ops = slices.Clone(ops)
	if c := ops[0]; c.tag == 'e' {
		ops[0] = opcode{'e', max(c.i1, c.i2-n), c.i2, max(c.j1, c.j2-n), c.j2}
	}
	if c := ops[len(ops)-1]; c.tag == 'e' {
		ops[len(ops)-1] = opcode{'e', c.i1, min(c.i2, c.i1+n), c.j1, min(c.j2, c.j1+n)}
	}
	var groups [][]opcode
	var group []opcode
	for _, c := range ops {
		if c.tag == 'e' && c.i2-c.i1 > 2*n {
			group = append(group, opcode{'e', c.i1, min(c.i2, c.i1+n), c.j1, min(c.j2, c.j1+n)})
			groups = append(groups, group)
			group = nil
			c.i1, c.j1 = max(c.i1, c.i2-n), max(c.j1, c.j2-n)
		}
		group = append(group, c)
	}
	if len(group) > 0 && !(len(group) == 1 && group[0].tag == 'e') {
		groups = append(groups, group)
	}
	return groups
}
