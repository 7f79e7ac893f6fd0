package testlog

import (
	"regexp"
	"strings"
)

// pytestSection is a section header such as
// "==== short test summary info ====".
var pytestSection = regexp.MustCompile(`^=+ (.*?) =+$`)

// pytestVerbose is a per-test line of `pytest -v`:
// "tests/test_x.py::test_y[a b-1] PASSED   [ 50%]".
var pytestVerbose = regexp.MustCompile(`^(\S+::.+?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)(?:\s.*)?$`)

var pytestWords = map[string]Status{
	"PASSED":  Passed,
	"FAILED":  Failed,
	"ERROR":   Error,
	"SKIPPED": Skipped,
	"XFAIL":   Passed, // the expected failure happened
	"XPASS":   Passed, // non-strict xfail that passed; a strict one is reported FAILED
}

// ParsePytest returns test statuses from `pytest -rA` output, keyed by node
// id ("tests/test_x.py::test_y[a b-1]"). It reads the "short test summary
// info" section and, when pytest ran with -v, the per-test lines of the
// session section; captured output in other sections is never read.
//
// pytest folds skips by location ("SKIPPED [2] tests/test_x.py:20: reason"),
// so without -v a skipped test is recorded under "file:line", not its node
// id. A collection error ("ERROR tests/test_x.py - ImportError") is recorded
// under the file, and the tests in that file are missing. Missing is not
// passed: a test without a status line never counts as passing.
func ParsePytest(output string) map[string]Status {
	statuses := make(map[string]Status)
	section := ""
	for line := range strings.Lines(output) {
		line = strings.TrimRight(line, "\r\n")
		if m := pytestSection.FindStringSubmatch(line); m != nil {
			section = m[1]
			continue
		}
		switch section {
		case "test session starts":
			if m := pytestVerbose.FindStringSubmatch(line); m != nil {
				record(statuses, m[1], pytestWords[m[2]])
			}
		case "short test summary info":
			word, rest, ok := strings.Cut(line, " ")
			s, known := pytestWords[word]
			if !ok || !known {
				continue
			}
			if word == "SKIPPED" {
				if loc := skipLocation(rest); loc != "" {
					record(statuses, loc, s)
				}
				continue
			}
			if id := summaryNodeID(rest); id != "" {
				record(statuses, id, s)
			}
		}
	}
	return statuses
}

// summaryNodeID takes the node id from the rest of a summary line,
// "tests/t.py::test_y[a - b] - AssertionError: ...": the id ends at the
// first " - " outside brackets.
func summaryNodeID(rest string) string {
	depth := 0
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '[':
			depth++
		case ']':
			depth--
		case ' ':
			if depth <= 0 && strings.HasPrefix(rest[i:], " - ") {
				return strings.TrimSpace(rest[:i])
			}
		}
	}
	return strings.TrimSpace(rest)
}

// skipLocation reads "[1] tests/test_x.py:20: reason" as "tests/test_x.py:20".
func skipLocation(rest string) string {
	if strings.HasPrefix(rest, "[") {
		if _, after, ok := strings.Cut(rest, "] "); ok {
			rest = after
		}
	}
	// "file:line: reason": keep up to the second colon.
	file, after, ok := strings.Cut(rest, ":")
	if !ok {
		return strings.TrimSpace(rest)
	}
	lineNo, _, _ := strings.Cut(after, ":")
	return file + ":" + lineNo
}
