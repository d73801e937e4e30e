#!/usr/bin/env bash
# Run every benchmark: the bench_* binaries (each prints key=value lines and
# exits non-zero if a hot path allocates or opens files per cycle) and the
# script benchmarks under bench/. Usage: scripts/bench.sh [BUILD] [--smoke]
set -euo pipefail
build=${1:-build}
smoke=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
fail=0
# The benchmarks that take an input: what they read by default.
declare -A bench_args=([bench_billing_inflate]="$root/tests/fixtures/billing/cur_legacy.csv.gz 3")
for b in "$build"/bench/bench_*; do
	[ -x "$b" ] || continue
	echo "## $(basename "$b")"
	# shellcheck disable=SC2086 # a word list
	"$b" ${bench_args[$(basename "$b")]:-} || fail=1
done
if [ "$smoke" != "--smoke" ]; then
	for s in "$root"/bench/*.sh; do
		[ -x "$s" ] || continue
		echo "## $(basename "$s")"
		"$s" "$build/carbonstat" || fail=1
	done
fi
exit $fail
