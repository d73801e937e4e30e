#!/usr/bin/env bash
# Short libFuzzer run of every fuzz target, seeded with its committed corpus.
# New inputs go to a scratch corpus so the committed one stays reviewed.
set -euo pipefail
build=${1:-build-fuzz}
secs=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
fail=0
for bin in "$build"/tests/fuzz_*; do
	case "$bin" in *_replay | *.log) continue ;; esac
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	scratch=$(mktemp -d)
	if "$bin" -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
		"$scratch" "$root/tests/fuzz/corpus/$name" >"$bin.log" 2>&1; then
		echo "fuzz: $name ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$bin.log" | grep -o '[0-9]*$') execs)"
	else
		echo "fuzz: $name FAILED"; tail -40 "$bin.log"; fail=1
	fi
	rm -rf "$scratch"
done
exit $fail
