package repo

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/pmezard/go-difflib/difflib"
)

// Edit is one SEARCH/REPLACE block: replace the lines Search with the
// lines Replace in the file Path (slash-separated, relative to the
// repository). Search and Replace are whole lines, each ending in "\n",
// or empty; an empty Search creates the file.
type Edit struct {
	Path    string
	Search  string
	Replace string
}

// FailureKind says why an edit did not apply.
type FailureKind int

const (
	failInvalid FailureKind = iota
	// FailNotFound: SEARCH matches no place in the file.
	FailNotFound
	// FailAmbiguous: SEARCH matches more than one place.
	FailAmbiguous
	// FailNoFile: a non-empty SEARCH in a file that does not exist, or is
	// empty.
	FailNoFile
	// FailFileExists: an empty SEARCH (create) on a non-empty file.
	FailFileExists
	// FailBadPath: a path outside the repository or inside .git.
	FailBadPath
)

func (k FailureKind) String() string {
	switch k {
	case FailNotFound:
		return "not_found"
	case FailAmbiguous:
		return "ambiguous"
	case FailNoFile:
		return "no_file"
	case FailFileExists:
		return "file_exists"
	case FailBadPath:
		return "bad_path"
	}
	return fmt.Sprintf("FailureKind(%d)", int(k))
}

// BlockFailure is one edit that did not apply.
type BlockFailure struct {
	// Index is the edit's position in the edits passed to Apply, from 0;
	// the error text numbers blocks from 1.
	Index int
	Path  string
	Kind  FailureKind
	// Reason is one line; Detail, possibly empty, shows the closest lines
	// of the file, numbered, for a SEARCH that was not found.
	Reason string
	Detail string
}

// ApplyError is Apply's error: every edit that failed and those that
// would have applied. Its text is written for the model.
type ApplyError struct {
	// Total is the number of edits passed to Apply.
	Total  int
	Failed []BlockFailure
	// Applied lists the indices (from 0) of the edits that would have
	// applied.
	Applied []int
}

// blockDetailMax caps the text of one failed block in ApplyError.Error.
const blockDetailMax = 1500

func (e *ApplyError) Error() string {
	var b strings.Builder
	if len(e.Failed) == 1 && e.Total == 1 {
		b.WriteString("The SEARCH/REPLACE block failed, so nothing was applied.\n")
	} else {
		fmt.Fprintf(&b, "%d of %d SEARCH/REPLACE blocks failed, so none was applied (blocks apply all or nothing).\n",
			len(e.Failed), e.Total)
	}
	for _, f := range e.Failed {
		name := f.Path
		if strings.TrimSpace(name) == "" {
			name = "no path"
		}
		text := fmt.Sprintf("\nBlock %d (%s): %s\n", f.Index+1, name, f.Reason)
		if f.Detail != "" {
			text += f.Detail
			if !strings.HasSuffix(text, "\n") {
				text += "\n"
			}
		}
		b.WriteString(capText(text, blockDetailMax))
	}
	if len(e.Applied) > 0 {
		nums := make([]string, len(e.Applied))
		for i, idx := range e.Applied {
			nums[i] = fmt.Sprint(idx + 1)
		}
		word := "Blocks"
		if len(nums) == 1 {
			word = "Block"
		}
		fmt.Fprintf(&b, "\n%s %s would apply as written.\n", word, strings.Join(nums, ", "))
	}
	if e.Total > 1 {
		b.WriteString("Send all the blocks again, with the failed ones corrected.\n")
	}
	return b.String()
}

// capText cuts s to at most max bytes at a line end, marking the cut.
func capText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const mark = "[... cut]\n"
	cut := strings.LastIndexByte(s[:max-len(mark)], '\n') + 1
	if cut == 0 {
		cut = runeStart(s, max-len(mark))
		return s[:cut] + "\n" + mark
	}
	return s[:cut] + mark
}

// Apply applies edits in order, each to the files as the edits before it
// left them, and returns the new files. It is all or nothing: when any
// edit fails it returns nil and an *ApplyError listing every failure.
// files is not modified; the result shares the content of unchanged
// files with it (neither is ever modified in place).
//
// An edit's SEARCH must match exactly one place, compared line by line:
// exactly; else ignoring trailing whitespace (so CRLF files match); else
// ignoring a uniform difference of indentation, in which case the
// REPLACE lines are re-indented by the same difference. REPLACE takes the
// file's line ending (CRLF or LF) and, at the end of a file without a
// final newline, keeps it without. An empty SEARCH creates a file that
// does not exist or is empty.
func Apply(files map[string][]byte, edits []Edit) (map[string][]byte, error) {
	out := maps.Clone(files)
	if out == nil {
		out = make(map[string][]byte)
	}
	aerr := &ApplyError{Total: len(edits)}
	changed := make(map[string]bool) // files an earlier edit changed
	for i, e := range edits {
		fail := func(kind FailureKind, reason, detail string) {
			aerr.Failed = append(aerr.Failed, BlockFailure{Index: i, Path: e.Path, Kind: kind, Reason: reason, Detail: detail})
		}
		p, err := cleanEditPath(e.Path)
		if err != nil {
			fail(FailBadPath, err.Error()+".", "")
			continue
		}
		content, exists := out[p]
		search, replace := wholeLines(e.Search), wholeLines(e.Replace)
		switch {
		case search == "" && len(content) > 0:
			fail(FailFileExists, "the file exists and is not empty; to change it, SEARCH for the lines to replace "+
				"(an empty SEARCH only creates a file).", "")
			continue
		case search == "" && !exists && treeClash(out, p) != "":
			fail(FailBadPath, treeClash(out, p), "")
			continue
		case search == "":
			out[p] = []byte(replace)
			changed[p] = true
			aerr.Applied = append(aerr.Applied, i)
			continue
		case !exists:
			fail(FailNoFile, "the file does not exist; to create it, leave SEARCH empty"+similarPaths(out, p)+".", "")
			continue
		case len(content) == 0:
			fail(FailNoFile, "the file is empty; to write its content, leave SEARCH empty.", "")
			continue
		}
		lines, sLines := splitLines(string(content)), splitLines(search)
		m := findBlock(lines, sLines)
		switch {
		case len(m.starts) > 1:
			fail(FailAmbiguous, ambiguousReason(m, len(sLines)), "")
			continue
		case len(m.starts) == 0:
			detail := closestText(p, lines, sLines)
			if changed[p] {
				detail += "(SEARCH is matched against the file as the earlier blocks of this reply left it.)\n"
			}
			fail(FailNotFound, "SEARCH does not match the file.", detail)
			continue
		}
		out[p] = []byte(replaceAt(lines, m.starts[0], len(sLines), m.reindent(splitLines(replace))))
		changed[p] = true
		aerr.Applied = append(aerr.Applied, i)
	}
	if len(aerr.Failed) > 0 {
		return nil, aerr
	}
	return out, nil
}

// cleanEditPath checks that p names a file inside the repository, outside
// .git, and returns it cleaned.
func cleanEditPath(p string) (string, error) {
	switch {
	case strings.TrimSpace(p) == "":
		return "", errors.New("the block names no file")
	case strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", errors.New("the path has a control character")
	case strings.Contains(p, "\\"):
		return "", errors.New("the path has a backslash; write paths with forward slashes, relative to the repository root")
	case path.IsAbs(p) || (len(p) > 1 && p[1] == ':' && unicode.IsLetter(rune(p[0]))):
		return "", errors.New("the path is absolute; write it relative to the repository root")
	case strings.HasSuffix(p, "/"):
		return "", errors.New("the path names a directory, not a file")
	}
	c := path.Clean(p)
	if c == "." || c == ".." || strings.HasPrefix(c, "../") {
		return "", errors.New("the path is outside the repository")
	}
	if slices.Contains(strings.Split(c, "/"), ".git") {
		return "", errors.New("files inside .git cannot be edited")
	}
	return c, nil
}

// treeClash says why the file p cannot be created among files: a
// directory of that name exists, or a file stands where p needs a
// directory. It returns "" when p can be created.
func treeClash(files map[string][]byte, p string) string {
	for q := range files {
		switch {
		case strings.HasPrefix(q, p+"/"):
			return "a directory of that name exists; a file cannot replace it."
		case strings.HasPrefix(p, q+"/"):
			return q + " is a file, so it cannot hold other files."
		}
	}
	return ""
}

// similarPaths suggests files with p's base name, for a block whose file
// does not exist.
func similarPaths(files map[string][]byte, p string) string {
	var same []string
	for q := range files {
		if path.Base(q) == path.Base(p) {
			same = append(same, q)
		}
	}
	if len(same) == 0 {
		return ""
	}
	slices.Sort(same)
	if len(same) > 3 {
		same = same[:3]
	}
	return " (did you mean " + strings.Join(same, " or ") + "?)"
}

// wholeLines ends a non-empty block with a newline.
func wholeLines(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s
}

// splitLines splits s after each "\n"; the last line lacks it when s does
// not end in a newline.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// blockMatch is where a SEARCH matched, and how.
type blockMatch struct {
	starts []int
	// how: "" exactly, "ignoring trailing whitespace" or "ignoring
	// indentation".
	how string
	// indentAdd or indentRemove is the uniform difference of indentation
	// between the file and SEARCH (file = indentAdd + SEARCH line, or
	// SEARCH line = indentRemove + file line).
	indentAdd, indentRemove string
}

func (m blockMatch) reindent(lines []string) []string {
	if m.indentAdd == "" && m.indentRemove == "" {
		return lines
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		switch {
		case strings.TrimSpace(l) == "":
			out[i] = l
		case m.indentAdd != "":
			out[i] = m.indentAdd + l
		case strings.HasPrefix(l, m.indentRemove):
			out[i] = l[len(m.indentRemove):]
		default:
			out[i] = strings.TrimLeft(l, " \t")
		}
	}
	return out
}

// findBlock finds where sLines occur in lines, trying each way of
// comparing in turn and stopping at the first that matches anywhere.
func findBlock(lines, sLines []string) blockMatch {
	exact := func(f, s string) bool { return strings.TrimSuffix(f, "\n") == strings.TrimSuffix(s, "\n") }
	if m := (blockMatch{starts: matchStarts(lines, sLines, exact)}); len(m.starts) > 0 {
		return m
	}
	loose := func(f, s string) bool { return trimRightSpace(f) == trimRightSpace(s) }
	if m := (blockMatch{starts: matchStarts(lines, sLines, loose), how: "ignoring trailing whitespace"}); len(m.starts) > 0 {
		return m
	}
	m := blockMatch{how: "ignoring indentation"}
	for start := 0; start+len(sLines) <= len(lines); start++ {
		add, remove, ok := indentDelta(lines[start:start+len(sLines)], sLines)
		if !ok {
			continue
		}
		if len(m.starts) == 0 {
			m.indentAdd, m.indentRemove = add, remove
		}
		m.starts = append(m.starts, start)
	}
	return m
}

func matchStarts(lines, sLines []string, eq func(f, s string) bool) []int {
	var starts []int
	for start := 0; start+len(sLines) <= len(lines); start++ {
		ok := true
		for j, s := range sLines {
			if !eq(lines[start+j], s) {
				ok = false
				break
			}
		}
		if ok {
			starts = append(starts, start)
		}
	}
	return starts
}

func trimRightSpace(s string) string { return strings.TrimRightFunc(s, unicode.IsSpace) }

// indentDelta reports whether window equals search but for one
// indentation difference shared by every non-blank line, and returns it.
func indentDelta(window, search []string) (add, remove string, ok bool) {
	seen := false
	for j, s := range search {
		f, s := trimRightSpace(window[j]), trimRightSpace(s)
		if f == "" || s == "" {
			if f != s {
				return "", "", false
			}
			continue
		}
		fBody, sBody := strings.TrimLeft(f, " \t"), strings.TrimLeft(s, " \t")
		if fBody != sBody {
			return "", "", false
		}
		fi, si := f[:len(f)-len(fBody)], s[:len(s)-len(sBody)]
		var a, r string
		switch {
		case len(fi) >= len(si) && strings.HasSuffix(fi, si):
			a = fi[:len(fi)-len(si)]
		case len(si) > len(fi) && strings.HasSuffix(si, fi):
			r = si[:len(si)-len(fi)]
		default:
			return "", "", false
		}
		if seen && (a != add || r != remove) {
			return "", "", false
		}
		add, remove, seen = a, r, true
	}
	return add, remove, seen
}

// replaceAt replaces n lines at start with repl, giving repl the line
// ending of the lines it replaces and no final newline when it ends a
// file that had none.
func replaceAt(lines []string, start, n int, repl []string) string {
	repl = slices.Clone(repl)
	if start < len(lines) && strings.HasSuffix(lines[start], "\r\n") {
		for i, l := range repl {
			if strings.HasSuffix(l, "\n") && !strings.HasSuffix(l, "\r\n") {
				repl[i] = strings.TrimSuffix(l, "\n") + "\r\n"
			}
		}
	}
	end := start + n
	if end == len(lines) && n > 0 && !strings.HasSuffix(lines[end-1], "\n") && len(repl) > 0 {
		last := len(repl) - 1
		repl[last] = strings.TrimSuffix(strings.TrimSuffix(repl[last], "\n"), "\r")
	}
	var b strings.Builder
	for _, part := range [][]string{lines[:start], repl, lines[end:]} {
		for _, l := range part {
			b.WriteString(l)
		}
	}
	return b.String()
}

func ambiguousReason(m blockMatch, n int) string {
	var at []string
	for i, s := range m.starts {
		if i == 5 {
			at = append(at, "...")
			break
		}
		if n == 1 {
			at = append(at, fmt.Sprint(s+1))
		} else {
			at = append(at, fmt.Sprintf("%d-%d", s+1, s+n))
		}
	}
	how := ""
	if m.how != "" {
		how = " (" + m.how + ")"
	}
	return fmt.Sprintf("SEARCH matches %d places%s, at lines %s; include more surrounding lines so that it matches exactly one.",
		len(m.starts), how, strings.Join(at, ", "))
}

// Closest region: windows of the file as long as SEARCH are compared with
// it as sequences of tokens (words and punctuation, whitespace ignored),
// so that a typo costs one token rather than a whole line.
const (
	closestCandidates = 32  // windows scored exactly, best by token overlap
	closestMinRatio   = 0.5 // below this nothing is shown as close
	closestMaxTokens  = 400 // past this many tokens in SEARCH, overlap alone scores
	closestLineMax    = 240 // bytes of a line shown
	missingLinesShown = 3   // SEARCH lines absent from the file, listed
)

var tokenRE = regexp.MustCompile(`[\pL\pN_]+|[^\s\pL\pN_]`)

// closestText describes the region of the file most like the SEARCH
// lines, numbered, and the SEARCH lines the file does not have.
func closestText(p string, lines, sLines []string) string {
	start, n, ratio := closestWindow(lines, sLines)
	if ratio < closestMinRatio {
		return fmt.Sprintf("Nothing in %s resembles the SEARCH lines; check the file name and copy SEARCH lines from the file as it is.\n", p)
	}
	var b strings.Builder
	where := fmt.Sprintf("lines %d-%d are", start+1, start+n)
	if n == 1 {
		where = fmt.Sprintf("line %d is", start+1)
	}
	fmt.Fprintf(&b, "In %s, %s the closest (%.0f%% similar); copy SEARCH lines exactly from the file, whitespace included:\n",
		p, where, 100*ratio)
	width := len(fmt.Sprint(start + n))
	for i := start; i < start+n; i++ {
		fmt.Fprintf(&b, "%*d | %s\n", width, i+1, cutLine(strings.TrimRight(lines[i], "\r\n")))
	}

	have := make(map[string]bool, len(lines))
	for _, l := range lines {
		have[strings.TrimSpace(l)] = true
	}
	var missing []string
	for _, s := range sLines {
		t := strings.TrimSpace(s)
		if t != "" && !have[t] && !slices.Contains(missing, t) {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		b.WriteString("These SEARCH lines occur nowhere in the file:\n")
		for _, t := range missing[:min(len(missing), missingLinesShown)] {
			fmt.Fprintf(&b, "  %s\n", cutLine(t))
		}
		if len(missing) > missingLinesShown {
			fmt.Fprintf(&b, "  (and %d more)\n", len(missing)-missingLinesShown)
		}
	}
	return b.String()
}

// cutLine cuts a line longer than closestLineMax bytes, marking the cut.
func cutLine(l string) string {
	if len(l) <= closestLineMax {
		return l
	}
	return l[:runeStart(l, closestLineMax)] + " [line cut]"
}

// closestWindow returns the window of lines, len(sLines) long (or the
// whole file when shorter), whose tokens are most like those of sLines
// by difflib's ratio, and that ratio. Only the windows with the largest
// token overlap (an upper bound of the ratio, kept while sliding) are
// scored exactly.
func closestWindow(lines, sLines []string) (start, n int, ratio float64) {
	n = min(len(sLines), len(lines))
	if n == 0 {
		return 0, 0, 0
	}
	lineTokens := make([][]string, len(lines))
	for i, l := range lines {
		lineTokens[i] = tokenRE.FindAllString(l, -1)
	}
	var sTokens []string
	for _, s := range sLines {
		sTokens = append(sTokens, tokenRE.FindAllString(s, -1)...)
	}
	if len(sTokens) == 0 {
		return 0, n, 0
	}
	want := make(map[string]int)
	for _, t := range sTokens {
		want[t]++
	}

	// Slide the window, keeping the multiset overlap with sTokens.
	type scored struct {
		start int
		bound float64
	}
	have := make(map[string]int)
	overlap, size := 0, 0
	add := func(ts []string, d int) {
		for _, t := range ts {
			if d > 0 {
				have[t]++
				if have[t] <= want[t] {
					overlap++
				}
			} else {
				if have[t] <= want[t] {
					overlap--
				}
				have[t]--
			}
		}
		size += d * len(ts)
	}
	windows := make([]scored, 0, len(lines)-n+1)
	for i := 0; i < n; i++ {
		add(lineTokens[i], 1)
	}
	for s := 0; ; s++ {
		windows = append(windows, scored{s, 2 * float64(overlap) / float64(size+len(sTokens))})
		if s+n >= len(lines) {
			break
		}
		add(lineTokens[s], -1)
		add(lineTokens[s+n], 1)
	}
	slices.SortStableFunc(windows, func(a, b scored) int { return cmp.Compare(b.bound, a.bound) })

	if len(sTokens) > closestMaxTokens {
		// difflib is quadratic at worst, slow on SEARCH this long: the
		// overlap, blind to order, is the score.
		return windows[0].start, n, windows[0].bound
	}
	m := difflib.NewMatcherWithJunk(nil, sTokens, false, nil)
	best := -1.0
	for _, w := range windows[:min(len(windows), closestCandidates)] {
		if w.bound <= best {
			break
		}
		var wt []string
		for _, ts := range lineTokens[w.start : w.start+n] {
			wt = append(wt, ts...)
		}
		m.SetSeq1(wt)
		if r := m.Ratio(); r > best || (r == best && w.start < start) {
			best, start = r, w.start
		}
	}
	return start, n, best
}
