#!/usr/bin/env bash
# The tree search's targets (issue 5), with the simulated model:
#  1. the harness's own time per model call (Go benchmark, no model, no sandbox);
#  2. CodeTree, budget 20, on all 164 HumanEval problems at zero latency;
#  3. the same run with faults injected (5% 429, 2% 500, 1% hangs): every
#     verdict must match run 2, and the summary counts the faults;
#  4. throughput with 2 s per model call as --concurrency grows (the curve);
#  5. the same with --parallel (a node's children asked for at once).
# Usage: scripts/bench-search.sh [OUT_DIR]   (default runs/bench-search)
set -euo pipefail
bin=${BIN:-bin/codetree}
out=${1:-runs/bench-search}
curve_limit=${CURVE_LIMIT:-16}
curve_concurrency=${CURVE_CONCURRENCY:-1 2 4 8 16}
only=${ONLY:-12345} # the parts to run
rm -rf "$out" && mkdir -p "$out"

if [[ $only == *1* ]]; then
	echo "== 1. harness time per model call"
	go test ./treesearch -run '^$' -bench CodeTreeOverhead -benchtime 50x | grep Benchmark
fi
if [[ $only == *2* || $only == *3* ]]; then
	echo "== 2. codetree, budget 20, 164 HumanEval problems, zero latency"
	"$bin" bench --model sim --dataset humaneval --budget 20 --concurrency 4 --out "$out/clean" 2>/dev/null

	echo "== 3. the same with faults: 429=0.05,500=0.02,hang=0.01"
	"$bin" bench --model sim --dataset humaneval --budget 20 --concurrency 8 --request-timeout 3s \
		--sim-faults 429=0.05,500=0.02,hang=0.01 --out "$out/faults" 2>/dev/null
	"$bin" report "$out/clean" "$out/faults"
fi
curve() { # curve LABEL EXTRA-FLAGS...
	local label=$1
	shift
	echo "== $label: throughput with 2 s per model call, $curve_limit problems"
	printf '%-12s %10s %14s %14s %12s\n' concurrency wall_s problems/min calls/s generations
	for c in $curve_concurrency; do
		"$bin" bench --model sim --dataset humaneval --limit "$curve_limit" --budget 20 --concurrency "$c" \
			--sim-latency 2s "$@" --out "$out/latency$*-c$c" >/dev/null 2>&1
		python3 - "$out/latency$*-c$c/summary.json" "$c" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
wall = s["wall_time_ns"] / 1e9
calls = s["accounts"]["total"]["calls"]
print(f"{sys.argv[2]:<12} {wall:10.1f} {s['attempted'] / wall * 60:14.1f} {calls / wall:14.2f} {s['generations']:12d}")
PY
	done
}
if [[ $only == *4* ]]; then curve "4. one candidate at a time"; fi
if [[ $only == *5* ]]; then curve "5. --parallel" --parallel; fi
