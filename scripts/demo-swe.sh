#!/usr/bin/env bash
# codetree swe run --model sim on the six SWE-bench-format test instances
# (four Go, two Python repositories of benchmarks/swebench/testdata/swe,
# made into local git remotes), then codetree swe eval of its predictions.
# The simulated model is the gold patches' oracle: the run shows the
# pipeline (localize, regression, reproduce, repair, select) on real
# repositories and measures the harness, never a model.
# Usage: scripts/demo-swe.sh [OUT]   (default runs/demo-swe)
set -euo pipefail
bin=${BIN:-bin/codetree}
out=${1:-runs/demo-swe}
rm -rf "$out" && mkdir -p "$out"
tmpl=$(scripts/swe-remotes.sh "$out/remotes")
instances=benchmarks/swebench/testdata/swe/instances.jsonl
echo "== codetree swe run --model sim --instances $instances --repo-url '$tmpl' --out $out/run"
"$bin" swe run --model sim --instances "$instances" --repo-url "$tmpl" --out "$out/run" --concurrency 2 --timeout 3m
echo
echo "== codetree swe eval --instances $instances --predictions $out/run/predictions.jsonl"
"$bin" swe eval --instances "$instances" --repo-url "$tmpl" --predictions "$out/run/predictions.jsonl" \
	--out "$out/eval" --timeout 3m --concurrency 3
echo
echo "each instance's stages and search tree: $out/run/trees/ID.json"
echo "the run's report, with the resolution: $out/run/report.html"
