#!/usr/bin/env bash
# The ablations side by side (issue 10): direct, resample, reflexion,
# codetree, codetree-bfs and codetree-dfs on all 164 HumanEval problems
# with the simulated model, budget 20, the paper's visible tests
# (--policy codetree), then one table of them all (codetree report).
# The simulated model's pass@1 is set by its rate flags: these figures
# measure the harness (budget use, duplicates, verification), never a model.
# Usage: scripts/bench-ablation.sh [OUT_DIR]   (default runs/bench-ablation)
# LIMIT=N runs the first N problems only; STRATEGIES="a b" a subset.
set -euo pipefail
bin=${BIN:-bin/codetree}
out=${1:-runs/bench-ablation}
strategies=${STRATEGIES:-direct resample reflexion codetree codetree-bfs codetree-dfs}
limit=()
if [[ -n ${LIMIT:-} ]]; then limit=(--limit "$LIMIT"); fi
rm -rf "$out" && mkdir -p "$out"
runs=()
for s in $strategies; do
	echo "== $s"
	"$bin" bench --model sim --dataset humaneval --policy codetree --budget 20 --concurrency 4 \
		--strategy "$s" "${limit[@]}" --out "$out/$s" >"$out/$s.log" 2>&1
	grep -m1 'pass@1' "$out/$s.log"
	runs+=("$out/$s")
done
echo
echo "(simulated model: its pass@1 is set by --sim-correct-rate and --sim-repair-rate; the table measures the harness, not a model)"
"$bin" report --html "$out/compare.html" "${runs[@]}" | sed '/^## /,$d'
echo "side by side with the per-pair differences: $out/compare.html"
