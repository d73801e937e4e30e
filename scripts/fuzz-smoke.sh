#!/usr/bin/env bash
# Short libFuzzer run of every fuzz target, seeded with its committed corpus.
# New inputs go to a scratch corpus so the committed one stays reviewed.
# Usage: scripts/fuzz-smoke.sh [BUILD] [SECONDS] [JOBS]
#   JOBS targets run at once (default 1); each runs SECONDS of wall time.
set -uo pipefail
build=${1:-build-fuzz}
secs=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=scripts/jobpool.sh
. "$here/jobpool.sh"
pool_init "${3:-1}"

# fuzz NAME BIN: one target for $secs seconds.
fuzz() {
	local name=$1 bin=$2 scratch="$pool_dir/$1.corpus"
	mkdir -p "$scratch"
	if "$bin" -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
		"$scratch" "$root/tests/fuzz/corpus/$name" >"$pool_dir/$name.log" 2>&1; then
		echo "ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$pool_dir/$name.log" | grep -o '[0-9]*$') execs)"
	else
		echo "FAILED"
	fi >"$pool_dir/$name.status"
	rm -rf "$scratch"
}

for bin in "$build"/tests/fuzz_*; do
	case "$bin" in *_replay | *.log) continue ;; esac
	[ -x "$bin" ] && [ -f "$bin" ] || continue
	pool_job "$(basename "$bin")" fuzz "$bin"
done
[ ${#pool_names[@]} -gt 0 ] || { echo "fuzz: no fuzz targets in $build/tests (build it with CS_FUZZ=ON)"; exit 1; }
pool_wait
pool_report fuzz
