package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeRun writes a run folder by hand: summary.json with the given
// fields (JSON members, without braces) and results.jsonl lines.
func fakeRun(t *testing.T, dir, summary string, results ...string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if summary != "" {
		if err := os.WriteFile(filepath.Join(dir, "summary.json"), []byte("{"+summary+"}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeLines(t, filepath.Join(dir, "results.jsonl"), results...)
	return dir
}

func result(id string, passed bool) string {
	return fmt.Sprintf(`{"task_id":%q,"passed":%t,"result":"r","generations":1,"future_field":{"x":1}}`, id, passed)
}

const (
	alphaSummary = `"problems":5,"attempted":5,"solved":2,"pass@1":0.4,"errors":{"rate_limit":1},"faults":{"rate_limited":3},"selection":"latest","generations":30,
		"wall_time_ns":1500000000,"dataset":"humaneval","strategy":"codetree","model":"gpt-4o-mini","simulated":false,
		"visible_test_policy":"first","budget":20,"code_version":"0123456789abcdef0123456789abcdef01234567",
		"distinct_candidates":22,"duplicates":3,"accepted":{"verification":2,"visible tests":1},"no_visible_tests":1,
		"temperatures":{"thinker":0,"solver":0.5},"width":10,"depth":3,
		"accounts":{"total":{"prompt_tokens":1000,"completion_tokens":234,"cost_usd":0.0123},
		"by_role":{"solver":{"prompt_tokens":600,"completion_tokens":200},"critic":{"prompt_tokens":400,"completion_tokens":34}}}`
	betaSummary = `"problems":4,"attempted":4,"solved":3,"pass@1":0.75,"pass@1_plus":0.25,"errors":{},"generations":9,
		"wall_time_ns":2000000,"dataset":"humaneval","strategy":"reflexion","model":"sim","simulated":true,
		"visible_test_policy":"all","budget":6,"code_version":"(devel)",
		"accounts":{"total":{"prompt_tokens":7,"completion_tokens":3,"unpriced_calls":3}}`
)

// TestReportCompare: the side-by-side table cell by cell, the problems
// left out, and the discordant problems (the last result line counts).
func TestReportCompare(t *testing.T) {
	root := t.TempDir()
	alpha := fakeRun(t, filepath.Join(root, "alpha"), alphaSummary,
		result("P/1", true), result("P/2", true), result("P/3", false), result("P/10", false), result("P/5", true))
	beta := fakeRun(t, filepath.Join(root, "beta"), betaSummary,
		result("P/2", true), result("P/1", true), result("P/3", true), result("P/10", true), result("P/2", false))
	code, stdout, stderr := runCLI(t, "report", alpha, beta)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := `# Runs compared

| | alpha | beta |
|---|---|---|
| dataset | humaneval | humaneval |
| strategy | codetree | reflexion |
| model | gpt-4o-mini | sim (simulated) |
| visible-test policy | first | all |
| budget | 20 | 6 |
| selection | latest | - |
| pass@1 | 0.4000 (2 of 5 problems) | 0.7500 (3 of 4 problems) |
| problems | 5 attempted of 5 | 4 attempted of 4 |
| pass@1 plus | - | 0.2500 |
| solved by any candidate (oracle) | not scored (--score-candidates) | not scored (--score-candidates) |
| generations | 30 | 9 |
| distinct candidates | 22 | 0 |
| duplicates | 3 | 0 |
| accepted by verification | 2 (40.0%) | 0 (0.0%) |
| accepted by visible tests | 1 (20.0%) | 0 (0.0%) |
| problems without a visible test | 1 | 0 |
| tokens | 1,234 | 10 |
| tokens by role | solver 800, critic 434 | - |
| temperatures | solver=0.5,thinker=0 | - |
| width x depth | 10 x 3 | - |
| cost | $0.0123 | unknown (no price for 3 calls) |
| infrastructure errors | rate_limit 1 | none |
| model faults (retried) | rate_limited 3 | none |
| wall time | 1.50 s | 2.00 ms |
| code version | 0123456789ab | (devel) |

4 problems have a result in every run.
Not in every run, so left out below: alpha 1 (P/5).

## alpha vs beta

of the 4 problems in both: both solved 1, neither 0
- solved only by alpha (1): P/2
- solved only by beta (2): P/3, P/10
`
	if stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	if stderr != "" {
		t.Errorf("stderr %q, want nothing for runs on one dataset", stderr)
	}
}

// TestReportCompareHTML: a third run on another dataset is warned about,
// long discordant lists are capped, clashing folder names are told
// apart, and the HTML page escapes what the runs hold.
func TestReportCompareHTML(t *testing.T) {
	root := t.TempDir()
	var a, b []string
	for i := range 25 {
		a = append(a, result(fmt.Sprintf("P/%d", i), false))
		b = append(b, result(fmt.Sprintf("P/%d", i), true))
	}
	first := fakeRun(t, filepath.Join(root, "x", "run"), alphaSummary, a...)
	gamma := strings.Replace(strings.Replace(betaSummary, `"humaneval"`, `"mbpp"`, 1), `"sim"`, `"<script>x</script>|y"`, 1)
	second := fakeRun(t, filepath.Join(root, "y", "run"), gamma, b...)
	page := filepath.Join(root, "compare.html")
	code, stdout, stderr := runCLI(t, "report", "--html", page, first, second)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"| | " + first + " | " + second + " |",
		`| model | gpt-4o-mini | <script>x</script>\|y (simulated) |`,
		"- solved only by " + first + " (0): none",
		"- solved only by " + second + " (25): P/0, P/1, P/2, P/3, P/4, P/5, P/6, P/7, P/8, P/9, P/10, P/11, P/12, P/13, P/14, P/15, P/16, P/17, P/18, P/19 and 5 more\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if want := "warning: the runs are on different datasets (" + first + ": humaneval, " + second + ": mbpp)"; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q lacks %q", stderr, want)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<th>" + first + "</th>", "<td>&lt;script&gt;x&lt;/script&gt;|y (simulated)</td>",
		"solved only by " + second + " (25): P/0, P/1,", "P/19 and 5 more.</p>", "<tr><th>pass@1</th><td>0.4000 (2 of 5 problems)</td><td>0.7500 (3 of 4 problems)</td></tr>",
	} {
		if !strings.Contains(string(html), want) {
			t.Errorf("page lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(string(html), "<script>") || strings.Contains(string(html), "http") {
		t.Errorf("page has a script or a network address:\n%s", html)
	}
}

// TestReportOneRun: the run's report files are rewritten and its summary
// table printed.
func TestReportOneRun(t *testing.T) {
	dir := fakeRun(t, filepath.Join(t.TempDir(), "alpha"), alphaSummary, result("P/1", true), result("P/2", false))
	code, stdout, stderr := runCLI(t, "report", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"# codetree gpt-4o-mini on humaneval\n", "| strategy | codetree |\n", "| pass@1 | 0.4000 (2 of 5 problems) |\n", "report: " + filepath.Join(dir, "report.md")} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| P/1 | pass |") || !strings.Contains(string(md), "| P/2 | FAIL |") {
		t.Errorf("report.md lacks the problems:\n%s", md)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.html")); err != nil {
		t.Errorf("report.html: %v", err)
	}
}

func TestReportErrors(t *testing.T) {
	root := t.TempDir()
	good := fakeRun(t, filepath.Join(root, "good"), alphaSummary, result("P/1", true))
	bare := fakeRun(t, filepath.Join(root, "bare"), "", result("P/1", true))
	broken := fakeRun(t, filepath.Join(root, "broken"), `"problems": 3,`)
	partial := fakeRun(t, filepath.Join(root, "partial"), `"problems":3,"attempted":1`)
	noResults := fakeRun(t, filepath.Join(root, "noresults"), alphaSummary)
	if err := os.Remove(filepath.Join(noResults, "results.jsonl")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no run", nil, []string{"report needs a run folder"}},
		{"not a folder", []string{filepath.Join(root, "nope")}, []string{"nope is not a folder"}},
		{"no summary", []string{good, bare}, []string{bare + " has no summary.json: is it a codetree bench run folder?", "codetree bench --resume --out " + bare}},
		{"malformed summary", []string{broken}, []string{filepath.Join(broken, "summary.json") + " is malformed", "codetree bench --resume --out " + broken}},
		{"not a bench summary", []string{partial}, []string{filepath.Join(partial, "summary.json") + " has no dataset or strategy"}},
		{"no results", []string{noResults}, []string{noResults + ": read results", "results.jsonl"}},
		{"html with one run", []string{"--html", filepath.Join(root, "x.html"), good}, []string{"--html compares two or more runs"}},
		{"flag after the runs without its value", []string{good, good, "--html"}, []string{"flag needs an argument: -html"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, append([]string{"report"}, tc.args...)...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			for _, want := range tc.want {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr %q lacks %q", stderr, want)
				}
			}
		})
	}
}
