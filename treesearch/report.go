package treesearch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"
)

// ReportMarkdown and ReportHTML are the report files of a run folder.
const (
	ReportMarkdown = "report.md"
	ReportHTML     = "report.html"
)

// reportRow is one problem of a report.
type reportRow struct {
	Result resultLine
	Tree   *Tree
}

// WriteReport writes report.md and report.html into a run folder from its
// results and trees: a table of the summary (facts, in order), then per
// problem its verdict and, in the HTML page, its search tree, node by
// node, expandable without any script or network access.
func WriteReport(dir, title string, facts [][2]string) error {
	lines, _, err := readLines(filepath.Join(dir, ResultsFile))
	if err != nil {
		return fmt.Errorf("read results: %w", err)
	}
	var rows []reportRow
	for _, l := range lines {
		var r resultLine
		if json.Unmarshal(l, &r) != nil {
			continue
		}
		row := reportRow{Result: r}
		if b, err := os.ReadFile(filepath.Join(dir, TreesDir, sanitize(r.TaskID)+".json")); err == nil {
			var t Tree
			if json.Unmarshal(b, &t) == nil {
				row.Tree = &t
			}
		}
		rows = append(rows, row)
	}
	if err := os.WriteFile(filepath.Join(dir, ReportMarkdown), []byte(markdownReport(title, facts, rows)), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	var b bytes.Buffer
	if err := reportPage.Execute(&b, map[string]any{"Title": title, "Facts": facts, "Rows": rows}); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ReportHTML), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func markdownReport(title string, facts [][2]string, rows []reportRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n| | |\n|---|---|\n", title)
	for _, f := range facts {
		fmt.Fprintf(&b, "| %s | %s |\n", f[0], f[1])
	}
	b.WriteString("\n| problem | verdict | result | generations | nodes |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		verdict := "FAIL"
		if r.Result.Passed {
			verdict = "pass"
		}
		nodes := 0
		if r.Tree != nil {
			nodes = len(r.Tree.Nodes)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d |\n", r.Result.TaskID, verdict,
			strings.ReplaceAll(r.Result.Result, "|", `\|`), r.Result.Generations, nodes)
	}
	return b.String()
}

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"deref": func(b *bool) bool { return b != nil && *b },
	"children": func(t *Tree, parent int) []*Node {
		var out []*Node
		for _, n := range t.Nodes {
			if n.Parent == parent {
				out = append(out, n)
			}
		}
		return out
	},
	"dict": func(t *Tree, parent int) map[string]any { return map[string]any{"t": t, "p": parent} },
}).Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}
.pass{color:#0a0}.fail{color:#c00}pre{background:#f6f6f6;padding:.5em;overflow:auto}
details{margin-left:1.2em}summary{cursor:pointer}
</style></head><body>
<h1>{{.Title}}</h1>
<table>{{range .Facts}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>
<h2>Problems</h2>
{{range .Rows}}<details><summary><b>{{.Result.TaskID}}</b>
{{if .Result.Passed}}<span class="pass">pass</span>{{else}}<span class="fail">{{.Result.Result}}</span>{{end}}
({{.Result.Generations}} generations)</summary>
{{if .Tree}}{{$t := .Tree}}{{template "nodes" (dict $t -1)}}{{end}}
</details>
{{end}}
</body></html>
{{define "nodes"}}{{$t := index . "t"}}{{range children $t (index . "p")}}<details><summary>node {{.ID}} · {{.Role}} · score {{printf "%.2f" .Score}}{{if .Feedback}} · tests {{.Feedback.Passed}}/{{.Feedback.Total}}{{end}}{{if .Duplicate}} · duplicate{{end}}{{if .Verified}}{{if deref .Verified}} · verified{{else}} · rejected by the Critic{{end}}{{end}}{{if .Aborted}} · aborted{{end}}{{if eq .ID $t.Chosen}} · <b>chosen</b>{{if $t.Accepted}} (accepted: {{$t.Accepted}}){{end}}{{end}} · {{.Tokens}} tokens · model {{.ModelTime}} · tests {{.Duration}}</summary>
{{if .Strategy}}<p><i>strategy:</i> {{.Strategy}}</p>{{end}}{{if .Reflection}}<p><i>reflection:</i> {{.Reflection}}</p>{{end}}
{{if .ModelError}}<p class="fail">{{.ModelError}}</p>{{end}}
{{if .Code}}<pre>{{.Code}}</pre>{{end}}
{{if .Feedback}}<pre>{{.Feedback.Format 4000}}</pre>{{end}}
{{if .Review}}<p><i>Critic:</i></p><pre>{{.Review}}</pre>{{end}}
{{template "nodes" (dict $t .ID)}}</details>{{end}}{{end}}`))
