package repo

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// counts is what a test command's output says of its tests: units that
// passed and failed (Go packages, pytest tests), and the names of the
// failing tests when the output gives them.
type counts struct {
	passed, failed int
	failing        []string
}

var (
	goPkgOK      = regexp.MustCompile(`(?m)^ok\s+\S+`)
	goPkgFail    = regexp.MustCompile(`(?m)^FAIL\s+\S+`)
	goTestFail   = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)
	pytestCount  = regexp.MustCompile(`(\d+) (passed|failed|errors?)\b`)
	pytestFailed = regexp.MustCompile(`(?m)^(?:FAILED|ERROR) (\S+)`)
	lintPosition = regexp.MustCompile(`:\d+(:\d+)?`)
)

// parseCounts reads go test or pytest output. A run that exited non-zero
// with nothing counted failed as one unit; one that exited zero passed as
// one.
func parseCounts(out string, exit int) counts {
	var c counts
	c.passed = len(goPkgOK.FindAllString(out, -1))
	for _, m := range goPkgFail.FindAllString(out, -1) {
		if strings.HasPrefix(m, "FAIL:") { // "FAIL: TestX" inside a test's own output
			continue
		}
		c.failed++
	}
	for _, m := range goTestFail.FindAllStringSubmatch(out, -1) {
		c.failing = append(c.failing, m[1])
	}
	if c.passed == 0 && c.failed == 0 {
		// pytest: the last summary line, "2 failed, 5 passed in 0.1s".
		for _, line := range lastLines(out, 5) {
			for _, m := range pytestCount.FindAllStringSubmatch(line, -1) {
				n, _ := strconv.Atoi(m[1])
				if m[2] == "passed" {
					c.passed += n
				} else {
					c.failed += n
				}
			}
		}
		for _, m := range pytestFailed.FindAllStringSubmatch(out, -1) {
			c.failing = append(c.failing, m[1])
		}
	}
	switch {
	case exit != 0 && c.failed == 0:
		c.failed = 1
	case exit == 0 && c.passed == 0 && c.failed == 0:
		c.passed = 1
	}
	return c
}

func lastLines(s string, n int) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// Excerpt keeps what a model needs of a test run's output: without the
// lines of passing packages and tests and of each test's start, and cut
// to max bytes keeping its head and tail.
func Excerpt(out string, max int) string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "=== RUN"), strings.HasPrefix(t, "=== PAUSE"), strings.HasPrefix(t, "=== CONT"),
			strings.HasPrefix(t, "--- PASS"), strings.HasPrefix(line, "ok "), strings.HasPrefix(line, "ok\t"),
			strings.HasPrefix(line, "?   \t"), strings.HasSuffix(t, "[no test files]"):
			continue
		}
		keep = append(keep, line)
	}
	return HeadTail(strings.Trim(strings.Join(keep, "\n"), "\n"), max)
}

// HeadTail cuts s to about max bytes: its first third and its last two
// thirds, with a line saying how much was left out.
func HeadTail(s string, max int) string {
	if max <= 0 || len(s) <= max {
		return s
	}
	head := runeStart(s, max/3)
	from := len(s) - (max - max/3)
	for from < len(s) && !utf8.RuneStart(s[from]) {
		from++
	}
	return s[:head] + "\n... (" + strconv.Itoa(from-head) + " bytes left out) ...\n" + s[from:]
}

// runeStart moves the byte index i of s back to the start of its UTF-8
// sequence, so that s[:i] ends on a whole character.
func runeStart(s string, i int) int {
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

// LintFindings are the lines of a linter's output that report something,
// without their line and column numbers, so that a finding that moved
// with an edit is still the same finding.
func LintFindings(out string) []string {
	var fs []string
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		fs = append(fs, strings.TrimPrefix(lintPosition.ReplaceAllString(t, ""), "./"))
	}
	slices.Sort(fs)
	return slices.Compact(fs)
}

// NewFindings are the findings of out that are not in baseline.
func NewFindings(out string, baseline []string) []string {
	var fresh []string
	for _, f := range LintFindings(out) {
		if _, found := slices.BinarySearch(baseline, f); !found {
			fresh = append(fresh, f)
		}
	}
	return fresh
}
