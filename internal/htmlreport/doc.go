// Package htmlreport holds what codetree's HTML reports share: the page
// around a report (style sheet, title, the simulated-model banner, a
// table of facts), and numbers, durations, money and plurals formatted
// for people ("12,345", "1.22 ms", "$0.0123", "1 generation"). Pages are
// self-contained: inline CSS and SVG, no script, no request.
package htmlreport
