#!/usr/bin/env bash
# kill -9 during a big import leaves the ledger as before or as after it,
# never half, on SQLite and on a real PostgreSQL server.
#
# A ledger holds one import (file A). A second, big import (file B: 6 nodes x
# 24 hours, 2,000 owners a cycle: 288,000 lines, ~580,000 ledger rows) is
# timed once uninterrupted into a copy, then run N times (default 8) and
# killed with SIGKILL at N points spread over that time (parsing, writing,
# committing). After each kill the report (JSON, exact integers) must equal
# the one before B or the one after B, and `ledger verify` must find the
# rollups equal to the facts; then B is imported to the end and the ledger
# must equal "after". The fingerprints come from a reference ledger built
# without kills.
# Usage: test_kill9.sh path/to/carbonstat [sqlite|postgresql] [N]
set -uo pipefail
bin=${1:?usage: test_kill9.sh path/to/carbonstat [sqlite|postgresql] [N]}
backend=${2:-sqlite}
n=${3:-8}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/agent/lib.sh
. "$here/../agent/lib.sh"
# shellcheck source=tests/ledger/lib.sh
. "$here/lib.sh"
need python3

agent_setup ledgerkill
trap ledger_cleanup EXIT
python3 "$here/gen_jsonl.py" --nodes 2 --hours 3 --cycles 12 --rows 20 --seed 1 >"$tmp/a.jsonl" 2>/dev/null
python3 "$here/gen_jsonl.py" --nodes 6 --hours 24 --cycles 1 --rows 2000 --seed 2 --start 1793505600 >"$tmp/b.jsonl" 2>/dev/null
if [ "$backend" = postgresql ]; then
	need psql
	mkdir -p "$tmp/pg"
	pg_start "$tmp/pg" -c fsync=on
	db=$PGURL
	psql -q "$db" -c "CREATE DATABASE ref" >/dev/null || fail "psql CREATE DATABASE"
	ref=${PGURL%/postgres}/ref
else
	db="sqlite:$tmp/ledger.db"
	ref="sqlite:$tmp/ref.db"
fi
fp() { "$bin" ledger report --db "$1" --period 2026-11 --by owner --format json | python3 -c '
import json, sys
j = json.load(sys.stdin)
j.pop("db")
print(json.dumps(j, sort_keys=True))'; }

# the reference: before and after B
"$bin" ledger import --db "$ref" --quiet "$tmp/a.jsonl" || fail "reference import A"
fp "$ref" >"$tmp/before.fp" || fail "reference report"
t0=$(date +%s.%N)
"$bin" ledger import --db "$ref" --quiet "$tmp/b.jsonl" || fail "reference import B"
t1=$(date +%s.%N)
fp "$ref" >"$tmp/after.fp" || fail "reference report after"
cmp -s "$tmp/before.fp" "$tmp/after.fp" && fail "B changed nothing: the test would prove nothing"
full=$(python3 -c "print($t1 - $t0)")
echo "uninterrupted import of B: $full s"

"$bin" ledger import --db "$db" --quiet "$tmp/a.jsonl" || fail "import A"
befores=0 afters=0
for i in $(seq "$n"); do
	# kill points from 5 % to 130 % of the uninterrupted time
	delay=$(python3 -c "print(round($full * (0.05 + 1.25 * ($i - 1) / max(1, $n - 1)), 3))")
	"$bin" ledger import --db "$db" --quiet "$tmp/b.jsonl" &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	fp "$db" >"$tmp/now.fp" || { ko "kill $i at $delay s: the report fails afterwards"; continue; }
	if cmp -s "$tmp/now.fp" "$tmp/before.fp"; then
		state=before
		befores=$((befores + 1))
	elif cmp -s "$tmp/now.fp" "$tmp/after.fp"; then
		state=after
		afters=$((afters + 1))
	else
		ko "kill $i at $delay s: the ledger is neither as before nor as after the import"
		continue
	fi
	if "$bin" ledger verify --db "$db" --quiet; then
		ok "kill -9 $i at $delay s: ledger as $state, rollups exact"
	else
		ko "kill -9 $i at $delay s: rollups differ from facts"
	fi
	if [ "$state" = after ] && [ "$i" -lt "$n" ]; then
		# start over from "before" for the next kill point
		if [ "$backend" = postgresql ]; then
			psql -q "$db" -c "DROP TABLE IF EXISTS facts, node_hours, daily, dims, sources, gaps, units, nodes, unit_prices, bill_daily, meta, schema_version CASCADE" >/dev/null
		else
			rm -f "$tmp/ledger.db" "$tmp/ledger.db-wal" "$tmp/ledger.db-shm"
		fi
		"$bin" ledger import --db "$db" --quiet "$tmp/a.jsonl" || fail "import A again"
	fi
done
"$bin" ledger import --db "$db" --quiet "$tmp/b.jsonl" || ko "import B after the kills"
fp "$db" >"$tmp/now.fp"
cmp -s "$tmp/now.fp" "$tmp/after.fp" && ok "after the kills, B imports whole: ledger = reference" || ko "final state differs"
echo "kill points: $befores left it as before, $afters as after"
[ "$befores" -gt 0 ] || ko "no kill landed before the commit: the test proved nothing"
[ "$fails" -eq 0 ] || { echo "$fails checks failed"; exit 1; }
echo "kill -9 never left a half import ($backend)"
