#!/usr/bin/env bash
# `carbonstat ledger` end to end, on SQLite or a real PostgreSQL server:
#   - the agent runs 8 cycles (1 s) on a node_driver.py fixture node with
#     containers restarting, writing JSON lines; `ledger import` takes them;
#   - conservation, agent counters -> report: the report's total energy (JSON,
#     every month the cycles touch) equals, to the microjoule, the sum of the
#     agent's per-cycle node energy and its last energy_j_total counters, and
#     the node totals; `ledger verify` finds the rollups equal to the facts;
#   - re-importing changes nothing (the JSON report is byte-identical);
#   - table, CSV, JSON and HTML (--out, written atomically: no temp file
#     left); prices from a price file: the rows' costs add up to the total;
#   - `ledger check`: 1 over a budget, 0 under, 2 without a ledger;
#   - bad input leaves the ledger as it was, with one line and a non-zero
#     exit: a malformed line (file:line), rows that do not add up, a missing
#     file, a database with a newer schema; SQLite: a corrupt file, a file
#     the user may not write, the default database under $XDG_DATA_HOME;
#     PostgreSQL: a read-only session;
#   - usage errors exit 2.
# Usage: test_cli.sh path/to/carbonstat [sqlite|postgresql]
set -uo pipefail
bin=${1:?usage: test_cli.sh path/to/carbonstat [sqlite|postgresql]}
backend=${2:-sqlite}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/agent/lib.sh
. "$here/../agent/lib.sh"
# shellcheck source=tests/ledger/lib.sh
. "$here/lib.sh"
need python3
need curl

agent_setup ledgercli
trap ledger_cleanup EXIT
if [ "$backend" = postgresql ]; then
	mkdir -p "$tmp/pg"
	pg_start "$tmp/pg" -c fsync=off
	db=$PGURL
	fresh_db() { psql -q "$db" -c "DROP TABLE IF EXISTS facts, node_hours, daily, dims, sources, gaps, units, nodes, unit_prices, bill_daily, meta, schema_version CASCADE" >/dev/null 2>&1 ||
			fail "psql could not empty the database"; }
	need psql
else
	db="sqlite:$tmp/ledger.db"
	fresh_db() { rm -f "$tmp/ledger.db" "$tmp/ledger.db-wal" "$tmp/ledger.db-shm"; }
fi
L() { "$bin" ledger "$@"; }

# 1. the agent's JSON lines
start_driver "$tmp" --pods 3 --containers 2 --kubelet --churn 2
driver_ready "$tmp" 300 || fail "node_driver.py did not get ready"
start_agent "$tmp" "${node_args[@]}" --interval 1s --listen "127.0.0.1:$(free_port)" --jsonl "$tmp/energy.jsonl" \
	--node-name cli-node --country DE --provider aws --instance m5.large --region eu-west-1 --cycles 8
wait "$apid" || fail "the agent failed"
[ "$(grep -c '"type":"node"' "$tmp/energy.jsonl")" -eq 8 ] || fail "the agent wrote $(grep -c '"type":"node"' "$tmp/energy.jsonl") cycles, not 8"
# the months the cycles touch, and what the agent counted
python3 - "$tmp/energy.jsonl" >"$tmp/agent.txt" <<'EOF'
import json, sys
months, per_cycle, last_total = set(), 0, {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["type"] != "node":
        continue
    months.add(o["ts"][:7])
    per_cycle += sum(round(v * 1e6) for v in o["energy_j"].values())
    last_total = o["energy_j_total"]
print(" ".join(sorted(months)))
print(per_cycle)
print(sum(round(v * 1e6) for v in last_total.values()))
EOF
read -r -a months <"$tmp/agent.txt"
agent_cycles_uj=$(sed -n 2p "$tmp/agent.txt")
agent_counter_uj=$(sed -n 3p "$tmp/agent.txt")
[ "$agent_cycles_uj" = "$agent_counter_uj" ] && ok "agent: cycles add up to its counters ($agent_counter_uj uJ)" ||
	ko "agent: cycles $agent_cycles_uj uJ, counters $agent_counter_uj uJ"

report_total() { # sum over the months of report JSON total energy_uj and node totals
	local t=0 n=0 m j
	for m in "${months[@]}"; do
		j=$(L report --db "$db" --period "$m" --format json) || return 1
		t=$((t + $(echo "$j" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["energy_uj"])')))
		n=$((n + $(echo "$j" | python3 -c 'import json,sys; print(json.load(sys.stdin)["node_totals"]["energy_uj"])')))
	done
	echo "$t $n"
}

# 2. import, conservation to the microjoule
fresh_db
out=$(L import --db "$db" "$tmp/energy.jsonl" 2>&1) || fail "import: $out"
echo "$out" | grep -q "imported 8 cycles" && ok "import: $out" || ko "import said: $out"
read -r rep_total rep_nodes < <(report_total)
[ "$rep_total" = "$agent_counter_uj" ] && ok "report total = agent counters = $rep_total uJ (to the microjoule)" ||
	ko "report total $rep_total uJ, agent counters $agent_counter_uj uJ"
[ "$rep_nodes" = "$rep_total" ] && ok "report node totals = total row" || ko "node totals $rep_nodes, total $rep_total"
L verify --db "$db" >/dev/null && ok "verify: rollups equal the facts" || ko "verify failed"

# 3. again: nothing changes
L report --db "$db" --period "${months[0]}" --format json >"$tmp/r1.json"
out=$(L import --db "$db" "$tmp/energy.jsonl" 2>&1)
echo "$out" | grep -q "imported 0 cycles (8 already in the ledger" && ok "re-import: nothing new" || ko "re-import: $out"
L report --db "$db" --period "${months[0]}" --format json >"$tmp/r2.json"
cmp -s "$tmp/r1.json" "$tmp/r2.json" && ok "re-import: report identical" || ko "re-import changed the report"

# 4. the formats
L report --db "$db" --period "${months[0]}" | grep -q '^TOTAL' && ok "table has a TOTAL row" || ko "table"
L report --db "$db" --period "${months[0]}" --by owner --format csv >"$tmp/r.csv" &&
	python3 - "$tmp/r.csv" <<'EOF' && ok "csv: rows add up to TOTAL" || ko "csv"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
tot = [r for r in rows if r["owner"] == "TOTAL"][0]
s = sum(float(r["kwh"]) for r in rows if r["owner"] != "TOTAL")
assert abs(s - float(tot["kwh"])) < 1e-5, (s, tot)
EOF
L report --db "$db" --period "${months[0]}" --format html --out "$tmp/r.html" && [ -s "$tmp/r.html" ] &&
	! ls "$tmp"/r.html.tmp.* >/dev/null 2>&1 && ok "html written with --out, no temp file left" || ko "html --out"
grep -q '<svg' "$tmp/r.html" && ! grep -qiE '<script|https?:|url\(' "$tmp/r.html" && ok "html: inline SVG, no script, no URL" ||
	ko "html content"
for by in namespace node region; do
	L report --db "$db" --period "${months[0]}" --by $by >/dev/null || ko "report --by $by"
done

# 5. prices: costs add up
cat >"$tmp/prices.csv" <<'EOF'
provider,instance_type,region,currency,price_per_hour
aws,m5.large,eu-west-1,USD,0.107
EOF
fresh_db
L import --db "$db" --prices "$tmp/prices.csv" --quiet "$tmp/energy.jsonl" || ko "import with prices"
L report --db "$db" --period "${months[0]}" --by owner --format json | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["currency"] == "USD", j["currency"]
rows = sum(r["cost_micro"] for r in j["rows"])
assert rows == j["total"]["cost_micro"] > 0, (rows, j["total"]["cost_micro"])
assert j["total"]["cost_micro"] == j["node_totals"]["cost_micro"], (j["total"]["cost_micro"], j["node_totals"]["cost_micro"])
' && ok "prices: the owners' costs add up to the node costs exactly" || ko "prices"

# 6. budgets
printf '[budget.team]\ncheckout = 0.000000001\n' >"$tmp/over.ini"
printf '[budget.team]\ncheckout = 1000000\n' >"$tmp/under.ini"
L check --db "$db" --config "$tmp/over.ini" --period "${months[0]}" >"$tmp/check.out"
[ $? -eq 1 ] && grep -q '^OVER checkout' "$tmp/check.out" && ok "check: exit 1 over budget" || ko "check over: $(cat "$tmp/check.out")"
L check --db "$db" --config "$tmp/under.ini" --period "${months[0]}" >/dev/null && ok "check: exit 0 under budget" || ko "check under"
L check --db "sqlite:$tmp/none.db" --config "$tmp/under.ini" 2>/dev/null
[ $? -eq 2 ] && ok "check: exit 2 without a ledger" || ko "check without a ledger"

# 7. bad input changes nothing
fp() { L report --db "$db" --period "${months[0]}" --format json; }
fp >"$tmp/before.json"
bad() { # bad FILE EXPECTED-TEXT WHAT
	local out rc
	out=$(L import --db "$db" "$1" 2>&1)
	rc=$?
	fp >"$tmp/after.json"
	if [ $rc -ne 0 ] && echo "$out" | grep -q "$2" && [ "$(echo "$out" | wc -l)" -eq 1 ] && cmp -s "$tmp/before.json" "$tmp/after.json"; then
		ok "$3: exit $rc, ledger unchanged: $out"
	else
		ko "$3: exit $rc: $out"
	fi
}
head -n 20 "$tmp/energy.jsonl" >"$tmp/bad.jsonl"
echo '{"ts":' >>"$tmp/bad.jsonl"
bad "$tmp/bad.jsonl" "bad.jsonl:21: not JSON" "malformed line"
python3 - "$tmp/energy.jsonl" "$tmp/bad2.jsonl" <<'EOF'
import json, sys
out = open(sys.argv[2], "w")
for i, line in enumerate(open(sys.argv[1])):
    o = json.loads(line)
    o["node"] = "other-node"  # cycles the ledger does not have yet
    if i == 1:
        o["energy_j"]["cpu"] += 0.5
    out.write(json.dumps(o) + "\n")
EOF
bad "$tmp/bad2.jsonl" "add up to" "rows that do not add up"
bad "$tmp/nonexistent.jsonl" "cannot open" "missing file"
# a line from outside src/ledger's "ledger..." ones (the price file): said once, not a crash
out=$(L import --db "$db" --prices "$tmp/nonexistent.csv" "$tmp/energy.jsonl" 2>&1)
[ $? -eq 1 ] && [ "$out" = "carbonstat ledger import: cannot open price file $tmp/nonexistent.csv: No such file or directory; check --prices" ] &&
	ok "missing price file: $out" || ko "missing price file: $out"
if [ "$backend" = sqlite ]; then
	python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('INSERT INTO schema_version VALUES (99, 0)'); c.commit()" "$tmp/ledger.db"
else
	psql -q "$db" -c "INSERT INTO schema_version VALUES (99, 0)"
fi
out=$(L import --db "$db" "$tmp/energy.jsonl" 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q "schema version 99, newer than this carbonstat's [0-9]*" && ok "newer schema refused: $out" || ko "newer schema: $out"
out=$(L report --db "$db" 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q "schema version 99" && ok "report refuses it too" || ko "report newer schema: $out"

if [ "$backend" = sqlite ]; then
	head -c 20000 /dev/urandom >"$tmp/corrupt.db"
	out=$(L import --db "sqlite:$tmp/corrupt.db" "$tmp/energy.jsonl" 2>&1)
	[ $? -eq 1 ] && echo "$out" | grep -q "not a usable SQLite database" && ok "corrupt database: $out" || ko "corrupt: $out"
	# a file the user may not write (as nobody when we are root: root writes anyway)
	fresh_db
	L import --db "$db" --quiet "$tmp/energy.jsonl"
	as=()
	if [ "$(id -u)" -eq 0 ]; then
		as=(runuser -u nobody --)
		chmod 755 "$tmp" && chmod 644 "$tmp/ledger.db"
	else
		chmod 444 "$tmp/ledger.db"
	fi
	out=$("${as[@]}" "$bin" ledger import --db "$db" "$tmp/energy.jsonl" 2>&1)
	[ $? -eq 1 ] && echo "$out" | grep -q "read-only" && ok "read-only database: $out" || ko "read-only: $out"
	"${as[@]}" "$bin" ledger report --db "$db" --period "${months[0]}" >/dev/null && ok "read-only database still reports" ||
		ko "report on a read-only database"
	chmod 644 "$tmp/ledger.db"
	# the default database
	mkdir -p "$tmp/xdg" && chmod 777 "$tmp/xdg"
	out=$(XDG_DATA_HOME="$tmp/xdg" HOME="$tmp/xdg" "${as[@]}" env XDG_DATA_HOME="$tmp/xdg" "$bin" ledger import --quiet "$tmp/energy.jsonl" 2>&1)
	if [ "$(id -u)" -eq 0 ]; then
		[ -s "$tmp/xdg/carbonstat/ledger.db" ] && ok "default database \$XDG_DATA_HOME/carbonstat/ledger.db" || ko "default db: $out"
	else
		[ -s "$tmp/xdg/carbonstat/ledger.db" ] && ok "default database under XDG_DATA_HOME" || ko "default db: $out"
	fi
else
	out=$(L import --db "$db?options=-c%20default_transaction_read_only%3Don" "$tmp/energy.jsonl" 2>&1)
	[ $? -eq 1 ] && echo "$out" | grep -q "refuses writes" && ok "read-only session: $out" || ko "read-only session: $out"
	out=$(L import --db "postgresql://cs:secret@127.0.0.1:1/x?connect_timeout=2" "$tmp/energy.jsonl" 2>&1)
	[ $? -eq 1 ] && echo "$out" | grep -q "cannot connect" && ! echo "$out" | grep -q secret && ok "no server: $out" || ko "no server: $out"
fi

# 8. usage
L frobnicate >/dev/null 2>&1; [ $? -eq 2 ] && ok "unknown command: exit 2" || ko "unknown command"
L report --db "$db" --by colour >/dev/null 2>&1; [ $? -eq 2 ] && ok "bad --by: exit 2" || ko "bad --by"
L report --db "$db" --period 2026-13 >/dev/null 2>&1; [ $? -eq 2 ] && ok "bad --period: exit 2" || ko "bad --period"
L import --db "$db" >/dev/null 2>&1; [ $? -eq 2 ] && ok "import without files: exit 2" || ko "import without files"

[ "$fails" -eq 0 ] || { echo "$fails checks failed"; exit 1; }
echo "all ledger CLI checks passed ($backend)"
