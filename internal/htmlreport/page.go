package htmlreport

import (
	"bytes"
	"fmt"
	"html/template"
	"os"
)

// Page is an HTML report: a title, facts in a table, sections of body.
type Page struct {
	Title string
	// Simulated puts a banner at the top: the figures measure the
	// harness, never a model.
	Simulated bool
	// Figures are the headline numbers, shown as cards: label and value.
	Figures [][2]string
	// Facts are the run's settings and totals, in a table.
	Facts [][2]string
	Body  template.HTML
}

// SimulatedNote is the banner of a report on a simulated model's run.
const SimulatedNote = "Simulated model: these figures measure the harness, never a model."

// Render writes the page.
func (p Page) Render() ([]byte, error) {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		return nil, fmt.Errorf("render %s: %w", p.Title, err)
	}
	return b.Bytes(), nil
}

// WriteFile renders the page into file.
func (p Page) WriteFile(file string) error {
	b, err := p.Render()
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// Style is the reports' style sheet.
const Style = `
body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em;color:#222}
h1{font-size:1.5em;margin-bottom:.3em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f5f5f5;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.banner{background:#fff4d6;border:1px solid #e6c35c;padding:.5em .8em;margin:.8em 0}
.figures{display:flex;flex-wrap:wrap;gap:.6em;margin:1em 0}
.figure{border:1px solid #ddd;border-radius:6px;padding:.5em .9em;min-width:8em}
.figure b{display:block;font-size:1.4em}.figure span{color:#666;font-size:.85em}
.charts{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}.charts svg{max-width:100%;height:auto;border:1px solid #eee;border-radius:6px}
.pass{color:#067a55}.fail{color:#c0392b}.err{color:#8a5a00}
.badge{display:inline-block;border-radius:4px;padding:0 .4em;font-size:.85em;font-weight:600;color:#fff}
.badge.pass{background:#009E73}.badge.fail{background:#D55E00}.badge.err{background:#8a6d00}
pre{background:#f6f6f6;padding:.5em;overflow:auto;max-height:30em}
details{margin:.2em 0 .2em 1.2em}summary{cursor:pointer}
details.problem{margin-left:0;border-top:1px solid #eee;padding:.3em 0}
.problems-section>label,.matrix-section>label{margin-right:1em;cursor:pointer}
.tree svg{max-width:100%;height:auto}.legend-line{color:#555;font-size:.85em}
.matrix td{text-align:center;min-width:2.5em}.matrix td.y{background:#d9f2e8}.matrix td.n{background:#fbe3da}
.muted{color:#777}
`

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>` + Style + `</style></head><body>
<h1>{{.Title}}</h1>
{{if .Simulated}}<p class="banner" id="simulated">` + SimulatedNote + `</p>{{end}}
{{if .Figures}}<div class="figures">{{range .Figures}}<div class="figure"><b>{{index . 1}}</b><span>{{index . 0}}</span></div>{{end}}</div>{{end}}
{{.Body}}
{{if .Facts}}<h2 id="settings">Settings and totals</h2>
<table>{{range .Facts}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>{{end}}
</body></html>
`))
