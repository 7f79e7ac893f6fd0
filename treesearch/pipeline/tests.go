package pipeline

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/codetree/codetree/internal/testlog"
	"github.com/codetree/codetree/sandbox"
)

var (
	goTestFunc = regexp.MustCompile(`(?m)^func (Test\w*)\(\w+ \*testing\.T\)`)
	pyTestFunc = regexp.MustCompile(`(?m)^\s*(?:async\s+)?def (test\w*)\(`)
)

// testFuncs lists the test functions a file defines.
func testFuncs(p string, content []byte) []string {
	re := pyTestFunc
	if strings.HasSuffix(p, ".go") {
		re = goTestFunc
	}
	var out []string
	for _, m := range re.FindAllSubmatch(content, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// newTests are the test functions that after defines and before did not,
// by file, in path order.
func newTests(before, after map[string][]byte, paths []string) map[string][]string {
	out := make(map[string][]string)
	for _, p := range paths {
		old := testFuncs(p, before[p])
		for _, name := range testFuncs(p, after[p]) {
			if !slices.Contains(old, name) {
				out[p] = append(out[p], name)
			}
		}
	}
	return out
}

// quote makes s one shell word.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// goPackages are "./dir" package patterns of the Go files' folders.
func goPackages(paths []string) []string {
	var pkgs []string
	for _, p := range paths {
		if d := path.Dir(p); d == "." {
			pkgs = append(pkgs, ".")
		} else {
			pkgs = append(pkgs, "./"+d)
		}
	}
	slices.Sort(pkgs)
	return slices.Compact(pkgs)
}

// goTestCommand runs the named top-level tests (all tests when names is
// empty) of the packages, verbose so that every test reports.
func goTestCommand(pkgs, names []string, verbose bool) string {
	cmd := "go test -count=1"
	if verbose {
		cmd += " -v"
	}
	if len(names) > 0 {
		names = slices.Clone(names)
		slices.Sort(names)
		cmd += " -run " + quote("^("+strings.Join(slices.Compact(names), "|")+")$")
	}
	for _, p := range pkgs {
		cmd += " " + quote(p)
	}
	return cmd
}

// pytestCommand runs the node ids or files with a report line per test.
func pytestCommand(targets []string) string {
	cmd := "python3 -m pytest -rA -p no:cacheprovider"
	for _, t := range targets {
		cmd += " " + quote(t)
	}
	return cmd
}

// statuses reads per-test statuses from a test command's output.
func statuses(lang sandbox.Lang, out string) map[string]testlog.Status {
	if lang == sandbox.LangGo {
		return testlog.ParseGoTest(out)
	}
	return testlog.ParsePytest(out)
}

// pyTestName is the function name of a pytest node id:
// "tests/test_x.py::TestA::test_b[1]" -> "test_b".
func pyTestName(id string) string {
	if i := strings.LastIndex(id, "::"); i >= 0 {
		id = id[i+2:]
	}
	name, _, _ := strings.Cut(id, "[")
	return name
}

// statusOf finds a test's status: Go by top-level name, Python by the
// node ids of the file's function of that name (the worst of them).
func statusOf(lang sandbox.Lang, sts map[string]testlog.Status, file, name string) (testlog.Status, string, bool) {
	if lang == sandbox.LangGo {
		s, ok := sts[name]
		return s, name, ok
	}
	var found testlog.Status
	id := ""
	for k, s := range sts {
		if strings.HasPrefix(k, file+"::") && pyTestName(k) == name {
			if id == "" || s != testlog.Passed {
				found, id = s, k
			}
		}
	}
	return found, id, id != ""
}

// passing lists the tests that passed, sorted: Go's top-level tests
// (subtests are run by their parent), pytest's node ids.
func passing(lang sandbox.Lang, sts map[string]testlog.Status) []string {
	var out []string
	for name, s := range sts {
		if s != testlog.Passed || (lang == sandbox.LangGo && strings.Contains(name, "/")) {
			continue
		}
		if lang != sandbox.LangGo && !strings.Contains(name, "::") {
			continue
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// describe says in a line what a list of tests is.
func describe(tests []string) string {
	switch len(tests) {
	case 0:
		return "no test"
	case 1:
		return "1 test"
	}
	return fmt.Sprintf("%d tests", len(tests))
}
