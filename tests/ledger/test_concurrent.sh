#!/usr/bin/env bash
# Imports and syncs run at the same time never double count, on SQLite and
# on a real PostgreSQL server.
#   - three `ledger import` of the same file started together: one imports
#     every cycle, the others wait for the write lock and then find them all
#     already in the ledger; the report equals a single import's;
#   - three `ledger sync` of the same hours from a Prometheus API
#     (tests/fakes/fake_prom.py) started together: each replaces the hours
#     under the lock; the report equals a single sync's;
#   - an import and a sync together: the ledger holds both, once.
# Usage: test_concurrent.sh path/to/carbonstat [sqlite|postgresql]
set -uo pipefail
bin=${1:?usage: test_concurrent.sh path/to/carbonstat [sqlite|postgresql]}
backend=${2:-sqlite}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/agent/lib.sh
. "$here/../agent/lib.sh"
# shellcheck source=tests/ledger/lib.sh
. "$here/lib.sh"
need python3

agent_setup ledgerconc
trap ledger_cleanup EXIT
H0=1793491200
python3 "$here/gen_jsonl.py" --nodes 4 --hours 6 --cycles 60 --rows 40 --seed 3 >"$tmp/c.jsonl" 2>/dev/null
python3 "$here/../fakes/fake_prom.py" "$H0" >"$tmp/prom.port" 2>"$tmp/prom.err" &
track $!
for _ in $(seq 100); do [ -s "$tmp/prom.port" ] && break; sleep 0.1; done
prom="http://127.0.0.1:$(head -n1 "$tmp/prom.port")"

n_db=0
new_db() { # a new empty ledger URL in $url
	n_db=$((n_db + 1))
	if [ "$backend" = postgresql ]; then
		psql -q "$PGURL" -c "CREATE DATABASE l$n_db" >/dev/null || fail "CREATE DATABASE"
		url=${PGURL%/postgres}/l$n_db
	else
		url="sqlite:$tmp/l$n_db.db"
	fi
}
if [ "$backend" = postgresql ]; then
	need psql
	mkdir -p "$tmp/pg"
	pg_start "$tmp/pg" -c fsync=off
fi
fp() { "$bin" ledger report --db "$1" --period 2026-11 --by owner --format json | python3 -c '
import json, sys
j = json.load(sys.stdin)
j.pop("db")
print(json.dumps(j, sort_keys=True))'; }
SYNC=(--prometheus "$prom" --from 2026-11-01 --to 2026-11-01T06 --cluster prod --lock-timeout 120s)

# references, one at a time
new_db; ref_import=$url
"$bin" ledger import --db "$ref_import" --quiet "$tmp/c.jsonl" || fail "reference import"
new_db; ref_sync=$url
"$bin" ledger sync --db "$ref_sync" "${SYNC[@]}" --quiet || fail "reference sync"
new_db; ref_both=$url
"$bin" ledger import --db "$ref_both" --quiet "$tmp/c.jsonl" && "$bin" ledger sync --db "$ref_both" "${SYNC[@]}" --quiet ||
	fail "reference import + sync"

# three imports at once
new_db
run=()
for k in 1 2 3; do
	"$bin" ledger import --db "$url" --lock-timeout 120s "$tmp/c.jsonl" >"$tmp/imp$k.out" 2>&1 &
	run+=($!)
done
wait "${run[@]}"
whole=$(grep -l "imported 1440 cycles (0 already" "$tmp"/imp?.out | wc -l)
known=$(grep -l "imported 0 cycles (1440 already" "$tmp"/imp?.out | wc -l)
[ "$whole" -eq 1 ] && [ "$known" -eq 2 ] && ok "3 imports at once: one took the 1,440 cycles, two found them there" ||
	ko "3 imports at once: $(cat "$tmp"/imp?.out)"
[ "$(fp "$url")" = "$(fp "$ref_import")" ] && ok "3 imports at once = 1 import" || ko "3 imports at once differ from 1"
"$bin" ledger verify --db "$url" --quiet || ko "verify after concurrent imports"

# three syncs at once
new_db
run=()
for k in 1 2 3; do
	"$bin" ledger sync --db "$url" "${SYNC[@]}" >"$tmp/sync$k.out" 2>&1 &
	run+=($!)
done
wait "${run[@]}"
[ "$(grep -l "synced 6 hours" "$tmp"/sync?.out | wc -l)" -eq 3 ] || ko "a sync failed: $(cat "$tmp"/sync?.out)"
[ "$(fp "$url")" = "$(fp "$ref_sync")" ] && ok "3 syncs at once = 1 sync" || ko "3 syncs at once differ from 1: $(cat "$tmp"/sync?.out)"
"$bin" ledger verify --db "$url" --quiet || ko "verify after concurrent syncs"

# an import and a sync at once
new_db
"$bin" ledger import --db "$url" --quiet --lock-timeout 120s "$tmp/c.jsonl" &
run=($!)
"$bin" ledger sync --db "$url" "${SYNC[@]}" --quiet &
run+=($!)
wait "${run[@]}"
[ "$(fp "$url")" = "$(fp "$ref_both")" ] && ok "import + sync at once = one after the other" || ko "import + sync at once"

[ "$fails" -eq 0 ] || { echo "$fails checks failed"; exit 1; }
echo "concurrent imports and syncs never double count ($backend)"
