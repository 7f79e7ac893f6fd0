// Package swebench is the data layer of `codetree swe run|eval`: SWE-bench
// instances and predictions, per-test status parsed from test output, and
// grading in SWE-bench's report shape; Run, which makes predictions with a
// Patcher (the pipeline, adapted by cmd), and Evaluate, which scores them.
// Apart from Run and Evaluate it is pure Go: it runs nothing, starts no
// container and opens no network connection. Run and Evaluate run git (and
// Evaluate patch) on the host only to clone, check out and apply diffs,
// the go command on the host only for `go mod download` (a Go repository's
// module sources, which the sandbox, without network, reads from a
// read-only mount), and the repository's code only in a sandbox.Runner
// (Run through its Patcher). MergeRuns joins the run folders of a run
// made in shards into one, as one Run would have left it.
//
// What it guarantees:
//
//   - Integrity: a model sees an Instance only through Task, which carries
//     the problem statement and hints and never the gold patch, the test
//     patch or the FAIL_TO_PASS/PASS_TO_PASS test names.
//   - Reading: ReadInstances and ReadPredictions take JSONL or a JSON array;
//     FAIL_TO_PASS and PASS_TO_PASS may be JSON lists or JSON-encoded strings
//     holding a list (as in the published datasets). A malformed or invalid
//     record is an error naming the file, the line and the field.
//   - Resumable runs: PredictionWriter appends one line per prediction and
//     fsyncs it before returning, so a crash loses at most the line being
//     written; ReadPredictions ignores such a torn last line and counts it,
//     and OpenPredictionWriter cuts it off before appending. Run skips the
//     instances with a prediction and retries those that ended with an
//     infrastructure error, which never becomes a prediction.
//   - Test status: ParseGoTest and ParsePytest report only the tests that
//     have a status line. A test without one is missing, and missing is
//     never passed: a build failure, a panic or a collection error hides
//     every later test, so the exit code alone never decides a verdict.
//   - Grading follows SWE-bench's harness/grading.py: a FAIL_TO_PASS test
//     succeeds only when it passed; a PASS_TO_PASS test succeeds when it
//     passed or was skipped (SWE-bench's "maintained"); resolved means the
//     patch applied and every FAIL_TO_PASS and PASS_TO_PASS test succeeded.
//     An infrastructure error (Docker, the harness) is not a verdict: Summary
//     keeps such instances apart from the unresolved ones.
package swebench
