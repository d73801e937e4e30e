#!/usr/bin/env bash
# Run every benchmark: the bench_* binaries (each prints key=value lines and
# exits non-zero if a hot path allocates or opens files per cycle) and the
# script benchmarks under bench/. Usage: scripts/bench.sh [BUILD] [--smoke]
set -euo pipefail
build=${1:-build}
smoke=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
fail=0
for b in "$build"/bench/bench_*; do
	[ -x "$b" ] || continue
	echo "## $(basename "$b")"
	"$b" || fail=1
done
if [ "$smoke" != "--smoke" ]; then
	for s in "$root"/bench/*.sh; do
		[ -x "$s" ] || continue
		echo "## $(basename "$s")"
		"$s" "$build/carbonstat" || fail=1
	done
fi
exit $fail
