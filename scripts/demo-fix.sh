#!/usr/bin/env bash
# codetree fix on a copy of examples/fix-go (a Go repository whose test
# fails), with a scripted model (examples/fix-go.edits: a wrong first edit,
# then the repair) served by codetree sim-llm. The copy is left in
# runs/demo-fix for you to look at.
set -euo pipefail
bin=${BIN:-bin/codetree}
port=${DEMO_PORT:-8767}
addr=127.0.0.1:$port
rm -rf runs/demo-fix && mkdir -p runs && cp -r examples/fix-go runs/demo-fix
"$bin" sim-llm --addr "$addr" --edits examples/fix-go.edits >/dev/null &
sim=$!
trap 'kill $sim 2>/dev/null' EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
echo "\$ codetree fix --repo runs/demo-fix --model sim --base-url http://$addr/v1 --strategy reflexion"
"$bin" --log-level error fix --repo runs/demo-fix --model sim --base-url "http://$addr/v1" --strategy reflexion
