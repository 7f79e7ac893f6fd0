// Package testlog reads per-test statuses from test runners' output:
// `go test -v` (ParseGoTest) and pytest's `-rA` or `-v` reports
// (ParsePytest). SWE-bench's grading (benchmarks/swebench) and the issue
// pipeline's regression and reproduction tests (treesearch/pipeline) both
// read them, so they live here, under neither.
package testlog
