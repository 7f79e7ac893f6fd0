// Package svgchart draws the charts of codetree's reports as inline SVG:
// line charts (the anytime curve), bar charts (tokens by role, pass@1 by
// run, generations per problem) and the drawing primitives the reports'
// tree graphs use. The output needs no script, font file or network: it is
// meant to sit in a self-contained HTML page and is styled by the page's
// CSS classes, with fixed colours as attributes so that it reads the same
// on its own.
//
// Every chart is an <svg class="chart" data-chart=ID> whose series are
// <g class="series" data-series=NAME> groups holding one mark per point
// (a circle of class "point" or a rect of class "bar"), so that a test in
// a browser can count what was drawn. Each mark has a <title>, the
// browser's tooltip, with its exact value.
//
// It is our own rather than a Go charting library: the libraries that
// emit SVG (go-chart, gonum/plot) draw text as paths or need fonts, embed
// no titles or data attributes for checking, and bring far more code than
// the three chart kinds a report needs.
package svgchart
