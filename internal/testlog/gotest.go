package testlog

import (
	"regexp"
	"strings"
)

// goResultLine is a test result line of `go test -v`, indented four spaces
// per subtest level. go test replaces spaces in subtest names with '_', so
// a name never holds a space.
var goResultLine = regexp.MustCompile(`^\s*--- (PASS|FAIL|SKIP): (\S+)(?:\s+\([0-9.]+m?s\))?\s*$`)

// ParseGoTest returns the status of every test and subtest ("TestX",
// "TestX/case") that has a result line in `go test -v` output.
//
// A test without a result line is missing from the map, and missing is not
// passed: when a package fails to build ("FAIL pkg [build failed]") none of
// its tests report, and when a test panics the test binary exits, so the
// tests after it in the same package never run. Package lines ("ok pkg",
// "FAIL pkg", "panic: ...") carry no per-test status and add nothing. A
// name reported more than once (the same test name in two packages,
// -count=2) keeps its worst status.
func ParseGoTest(output string) map[string]Status {
	statuses := make(map[string]Status)
	for line := range strings.Lines(output) {
		m := goResultLine.FindStringSubmatch(strings.TrimRight(line, "\r\n"))
		if m == nil {
			continue
		}
		var s Status
		switch m[1] {
		case "PASS":
			s = Passed
		case "FAIL":
			s = Failed
		case "SKIP":
			s = Skipped
		}
		record(statuses, m[2], s)
	}
	return statuses
}
