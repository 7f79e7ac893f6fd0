// Package report renders a bench run folder (treesearch.Run's files) as
// report.md and a self-contained report.html, and puts runs side by side
// in one comparison page.
//
// The run page shows the anytime curve (problems solved against the
// generations spent, each problem counted solved from the generation at
// which its chosen candidate appeared), tokens and cost by role, the
// distribution of generations per problem, then the problems in task id
// order with filters (solved, failed, accepted by verification, errored),
// each search tree drawn as a graph whose nodes are coloured by their
// visible-test verdict, the chosen path marked and the chosen node ringed
// by its hidden-test verdict, with the tree's text below. The comparison
// page draws every run's anytime curve on one chart, pass@1 and plus bars
// and the per-problem matrix of which run solved what.
//
// Charts come from internal/svgchart, the page around them from
// internal/htmlreport: inline SVG and CSS, no script, no request.
package report
