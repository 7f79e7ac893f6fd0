#!/usr/bin/env bash
# Makes the SWE-bench test repositories of benchmarks/swebench/testdata/swe
# into bare git remotes OUT/{owner}+{repo}.git, each one commit made with a
# fixed author, committer and date, so that its hash is the base_commit of
# instances.jsonl (as benchmarks/swebench/swebenchtest does for the tests),
# and prints the --repo-url template that reaches them.
# Usage: scripts/swe-remotes.sh OUT
set -euo pipefail
out=${1:?usage: scripts/swe-remotes.sh OUT}
data=$(cd "$(dirname "$0")/../benchmarks/swebench/testdata/swe" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
export GIT_AUTHOR_NAME=codetree GIT_AUTHOR_EMAIL=test@codetree.invalid GIT_AUTHOR_DATE=2024-01-01T00:00:00Z
export GIT_COMMITTER_NAME=codetree GIT_COMMITTER_EMAIL=test@codetree.invalid GIT_COMMITTER_DATE=2024-01-01T00:00:00Z
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
for dir in "$data"/*+*/; do
	name=$(basename "$dir")
	work=$(mktemp -d)
	(cd "$dir/base" && find . -type f -print0 | while IFS= read -r -d '' f; do
		mkdir -p "$work/$(dirname "$f")" && cp "$f" "$work/$f" && chmod 644 "$work/$f"
	done)
	git -C "$work" init --quiet --initial-branch=main
	git -C "$work" -c core.autocrlf=false -c core.filemode=false add --all
	git -C "$work" -c commit.gpgsign=false commit --quiet --message base
	rm -rf "$out/$name.git"
	git clone --quiet --bare "$work" "$out/$name.git"
	hash=$(git -C "$work" rev-parse HEAD)
	rm -rf "$work"
	repo=${name/+//}
	if ! grep -q "\"repo\": *\"$repo\".*\"base_commit\": *\"$hash\"\|\"base_commit\": *\"$hash\".*\"repo\": *\"$repo\"" "$data/instances.jsonl"; then
		echo "swe-remotes: $name hashed to $hash, not the base_commit of instances.jsonl (a git that hashes differently?)" >&2
		exit 1
	fi
done
echo "file://$out/{owner}+{repo}.git"
