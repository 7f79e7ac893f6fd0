package pipeline

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/treesearch/repo"
)

// regression is the existing tests of the touched code that pass before
// any change: the change must keep them passing.
type regression struct {
	// Targets are what the command runs: Go package patterns, pytest
	// files; Tests the passing tests (Go names, pytest node ids).
	Targets []string
	Tests   []string
	note    string
}

// regression runs the existing tests of the localized code on the
// unpatched repository and keeps those that pass.
func (r *run) regression(ctx context.Context, loc localization) (regression, error) {
	var reg regression
	files := r.opts.Solve.Snapshot.Files
	if given := r.opts.Solve.Test; given != "" {
		check, err := r.exec(ctx, files, given, true)
		reg.note = fmt.Sprintf("the given test command is the regression check; before any change it %s", passText(check))
		return reg, err
	}
	var code []string
	for _, f := range loc.files() {
		if !IsTestFile(f) {
			code = append(code, f)
		}
	}
	var cmd string
	if r.lang == sandbox.LangGo {
		reg.Targets = goPackages(code)
		cmd = goTestCommand(reg.Targets, nil, true)
	} else {
		reg.Targets = pythonTestsFor(files, code)
		cmd = pytestCommand(reg.Targets)
	}
	if len(reg.Targets) == 0 {
		reg.note = "no test of the localized code to keep passing"
		return reg, nil
	}
	check, err := r.exec(ctx, files, cmd, true)
	if err != nil {
		return reg, err
	}
	reg.Tests = passing(r.lang, statuses(r.lang, check.TestOutput))
	reg.note = fmt.Sprintf("%s of %s pass before any change", describe(reg.Tests), strings.Join(reg.Targets, " "))
	if len(reg.Tests) == 0 {
		reg.note = fmt.Sprintf("no test of %s passes before any change", strings.Join(reg.Targets, " "))
	}
	return reg, nil
}

func passText(c repo.Check) string {
	if c.TestsPassed() {
		return "passes"
	}
	return "fails"
}

// pythonTestsFor are the repository's pytest files that import one of
// the modules (by its name: calc/core.py is "core" or "calc.core"), else
// every pytest file.
func pythonTestsFor(files map[string][]byte, modules []string) []string {
	var all, importing []string
	for p := range files {
		base := path.Base(p)
		if !strings.HasSuffix(base, ".py") || !(strings.HasPrefix(base, "test_") || strings.HasSuffix(base, "_test.py")) {
			continue
		}
		all = append(all, p)
		if slices.ContainsFunc(modules, func(m string) bool { return imports(files[p], m) }) {
			importing = append(importing, p)
		}
	}
	if len(importing) == 0 {
		importing = all
	}
	slices.Sort(importing)
	return importing
}

// imports reports whether Python source imports module file m's module.
func imports(src []byte, m string) bool {
	name := strings.TrimSuffix(path.Base(m), ".py")
	if name == "__init__" {
		name = path.Base(path.Dir(m))
	}
	re := regexp.MustCompile(`(?m)^\s*(?:from\s+[\w.]*\b` + regexp.QuoteMeta(name) + `\b[\w.]*\s+import|import\s+[\w., ]*\b` +
		regexp.QuoteMeta(name) + `\b|from\s+[\w.]+\s+import\s+[\w, ()]*\b` + regexp.QuoteMeta(name) + `\b)`)
	return re.Match(src)
}

// sameDir reports whether two paths are in one folder.
func sameDir(a, b string) bool { return path.Dir(a) == path.Dir(b) }
