#!/usr/bin/env bash
# bench/ledger_bench.sh - the ledger's write and report paths on both backends:
# bench/bench_ledger (5,000 owners x 730 hours x 2 components = 7.3 M ledger
# rows, 3 runs, min / median / max) into a SQLite file, then into a private
# PostgreSQL cluster started here (tests/ledger/lib.sh; shared_buffers 512MB,
# max_wal_size 8GB, fsync on: a server set up for bulk loads, as a fleet's
# would be). Extra arguments go to bench_ledger (e.g. --hours 168 --runs 1).
# Usage: ledger_bench.sh path/to/carbonstat [bench_ledger args...]
set -uo pipefail
bin=${1:?usage: ledger_bench.sh path/to/carbonstat [bench_ledger args...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bench=$(dirname "$bin")/bench/bench_ledger
[ -x "$bench" ] || { echo "FAIL: $bench not built"; exit 1; }
# shellcheck source=tests/agent/lib.sh
. "$root/tests/agent/lib.sh"
# shellcheck source=tests/ledger/lib.sh
. "$root/tests/ledger/lib.sh"
agent_setup ledger-bench
trap ledger_cleanup EXIT
echo "== SQLite"
TMPDIR=$tmp "$bench" --db "sqlite:$tmp/bench.db" "$@" || exit 1
echo "== PostgreSQL"
mkdir -p "$tmp/pg"
pg_start "$tmp/pg" -c shared_buffers=512MB -c max_wal_size=8GB -c checkpoint_timeout=30min -c work_mem=64MB
"$bench" --db "$PGURL" "$@"
