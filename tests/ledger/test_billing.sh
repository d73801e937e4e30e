#!/usr/bin/env bash
# `carbonstat billing FILE... --ledger DB` on SQLite or a real PostgreSQL
# server (issue 13's ledger half):
#   - the bill's daily rows land in bill_daily with their team (the tag
#     [teams] label_keys names); their cost adds up to the bill's exactly
#     (millionths) and its kWh to the bill's;
#   - idempotent per billing period: ingesting the same bill again, or a
#     corrected one, leaves one copy of that provider-month, and another
#     month's rows stay;
#   - `billing --by team` maps tags to teams through the ownership config
#     ([teams.namespaces] included);
#   - the unit prices it derives (effective cost per instance-hour by type
#     and region) price the agents' node-hours on import (price source
#     "billing:<provider> <month>"), before and without any price file;
#   - `ledger report` shows the bill beside the measured figures (table and
#     JSON, HTML; by team and by namespace);
#   - a schema-1 ledger is migrated to schema 3 by the write; a ledger that
#     cannot be opened fails at once (exit 1, one line, no output).
# Usage: test_billing.sh path/to/carbonstat [sqlite|postgresql]
set -uo pipefail
bin=${1:?usage: test_billing.sh path/to/carbonstat [sqlite|postgresql]}
backend=${2:-sqlite}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/agent/lib.sh
. "$here/../agent/lib.sh"
# shellcheck source=tests/ledger/lib.sh
. "$here/lib.sh"
need python3

agent_setup ledgerbill
trap ledger_cleanup EXIT
if [ "$backend" = postgresql ]; then
	mkdir -p "$tmp/pg"
	pg_start "$tmp/pg" -c fsync=off
	db=$PGURL
	need psql
	q() { psql -qtA "$db" -c "$1"; }
else
	db="sqlite:$tmp/ledger.db"
	q() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); r=list(c.execute(sys.argv[2])); c.commit(); print("\n".join("|".join("" if v is None else str(v) for v in x) for x in r))' "$tmp/ledger.db" "$1"; }
fi

# A November 2026 AWS bill (legacy CUR) for the instance gen_jsonl.py's
# nodes run (m5.xlarge, eu-west-1): 100 instance-hours at 0.192, 40 of
# them under a savings plan at an effective 0.12; S3 for team "data"; one
# line tagged with a namespace that [teams.namespaces] maps; one untagged.
hdr='identity/LineItemId,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/AvailabilityZone,lineItem/ResourceId,lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedCost,lineItem/LineItemDescription,product/instanceType,product/region,product/regionCode,pricing/unit,reservation/EffectiveCost,reservation/UnusedAmortizedUpfrontFeeForBillingPeriod,reservation/UnusedRecurringFee,savingsPlan/SavingsPlanEffectiveCost,savingsPlan/TotalCommitmentToDate,savingsPlan/UsedCommitment,resourceTags/user:team'
cat >"$tmp/nov.csv" <<EOF
$hdr
a1,9999,1111,Usage,2026-11-01T00:00:00Z,AmazonEC2,EU-BoxUsage:m5.xlarge,RunInstances,eu-west-1a,i-1,60,USD,11.5200000000,m5.xlarge,m5.xlarge,eu-west-1,eu-west-1,Hrs,,,,,,,payments
a2,9999,1111,SavingsPlanCoveredUsage,2026-11-01T00:00:00Z,AmazonEC2,EU-BoxUsage:m5.xlarge,RunInstances,eu-west-1a,i-2,40,USD,7.6800000000,m5.xlarge,m5.xlarge,eu-west-1,eu-west-1,Hrs,,,,4.8000000000,,,search
a3,9999,1111,Usage,2026-11-02T00:00:00Z,AmazonS3,EU-TimedStorage-ByteHrs,StandardStorage,,bucket,100,USD,2.3000000000,S3,,eu-west-1,eu-west-1,GB-Mo,,,,,,,data
a4,9999,1111,Usage,2026-11-02T00:00:00Z,AmazonS3,EU-TimedStorage-ByteHrs,StandardStorage,,bucket2,10,USD,0.2300000000,S3,,eu-west-1,eu-west-1,GB-Mo,,,,,,,shop-prod
a5,9999,1111,Usage,2026-11-03T00:00:00Z,AmazonS3,EU-TimedStorage-ByteHrs,StandardStorage,,bucket3,10,USD,0.2300000000,S3,,eu-west-1,eu-west-1,GB-Mo,,,,,,,
EOF
# the same month corrected (the S3 line of the 2nd halved), and October
sed -e 's/,100,USD,2.3000000000,/,50,USD,1.1500000000,/' "$tmp/nov.csv" >"$tmp/nov2.csv"
{ echo "$hdr"; echo "o1,9999,1111,Usage,2026-10-15T00:00:00Z,AmazonEC2,EU-BoxUsage:m5.xlarge,RunInstances,eu-west-1a,i-1,10,USD,1.9200000000,m5.xlarge,m5.xlarge,eu-west-1,eu-west-1,Hrs,,,,,,,payments"; } >"$tmp/oct.csv"
cat >"$tmp/carbonstat.ini" <<EOF
[teams.namespaces]
shop-prod = shop
EOF
export CARBONSTAT_CONFIG=$tmp/carbonstat.ini

# 0. a schema-1 ledger (what the first ledger release wrote: no bill_daily,
#    no instance ids or CPU time in node_hours)
"$bin" ledger migrate --db "$db" >/dev/null 2>&1 || fail "ledger migrate"
q "DROP TABLE bill_daily" >/dev/null
for c in instance_id instance_name cpu_busy_ms cpu_total_ms; do
	q "ALTER TABLE node_hours DROP COLUMN $c" >/dev/null
done
q "DELETE FROM schema_version WHERE version >= 2" >/dev/null
[ "$(q 'SELECT MAX(version) FROM schema_version')" = 1 ] || fail "could not make a schema-1 ledger"

# 1. billing --by team
"$bin" billing "$tmp/nov.csv" --by team --csv >"$tmp/team.csv" 2>"$tmp/err" || fail "billing --by team: $(cat "$tmp/err")"
python3 - "$tmp/team.csv" <<'EOF' && ok "billing --by team: tags and [teams.namespaces] give the teams" || ko "billing --by team: $(cat "$tmp/team.csv")"
import csv, sys
rows = {r["key"]: r for r in csv.DictReader(open(sys.argv[1]))}
assert set(rows) == {"payments", "search", "data", "shop", "(no team)"}, rows.keys()
assert rows["shop"]["effective_cost"] == "0.23", rows["shop"]
assert rows["search"]["effective_cost"] == "4.8", rows["search"]
EOF
"$bin" billing "$tmp/nov.csv" --by tam >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "team" "$tmp/err" && ok "--by with a typo: exit 2 naming team" || ko "--by tam: $(cat "$tmp/err")"

"$bin" billing "$tmp/nov.csv" --ledger "sqlite:$tmp/no/such/dir/l.db" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	ok "a ledger that cannot be opened: exit 1, one line, before reading the bill" || ko "bad --ledger: $(cat "$tmp/err")"

# 2. into the ledger, twice: one copy
"$bin" billing "$tmp/nov.csv" --ledger "$db" --json >"$tmp/bill.json" 2>"$tmp/err" || fail "billing --ledger: $(cat "$tmp/err")"
grep -q "daily rows (2026-11-01 .. 2026-11-03) replacing 1 provider-month, 1 unit prices" "$tmp/err" &&
	ok "billing --ledger says what it stored" || ko "billing --ledger stderr: $(cat "$tmp/err")"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/bill.json" && ok "stdout stays JSON with --ledger" || ko "stdout JSON"
[ "$(q 'SELECT MAX(version) FROM schema_version')" = 3 ] && ok "the write migrated schema 1 to 3" || ko "schema $(q 'SELECT MAX(version) FROM schema_version')"
one=$(q "SELECT COUNT(*), SUM(cost_micro), SUM(lines) FROM bill_daily")
[ "$one" = "5|19080000|5" ] && ok "bill_daily: 5 rows, the bill's effective 19.08 to the millionth" || ko "bill_daily: $one"
[ "$(q "SELECT team FROM bill_daily WHERE account = '1111' AND tag = 'shop-prod'")" = shop ] && ok "rows keep the team" || ko "team of shop-prod"
"$bin" billing "$tmp/nov.csv" --ledger "$db" >/dev/null 2>&1 || fail "billing --ledger again"
[ "$(q "SELECT COUNT(*), SUM(cost_micro), SUM(lines) FROM bill_daily")" = "$one" ] && ok "the same bill again: one copy" || ko "re-ingest: $(q "SELECT COUNT(*), SUM(cost_micro) FROM bill_daily")"
price=$(q "SELECT provider, instance_type, region, currency, ROUND(price_per_hour * 1000000), source FROM unit_prices")
[ "$price" = "aws|m5.xlarge|eu-west-1|USD|163200.0|AWS 2026-11" ] || [ "$price" = "aws|m5.xlarge|eu-west-1|USD|163200|AWS 2026-11" ] &&
	ok "unit price: (11.52 + 4.80) / 100 h = 0.1632 USD per m5.xlarge-hour" || ko "unit prices: $price"
"$bin" billing "$tmp/oct.csv" --ledger "$db" >/dev/null 2>&1 || fail "billing --ledger october"
"$bin" billing "$tmp/nov2.csv" --ledger "$db" >/dev/null 2>&1 || fail "billing --ledger corrected"
[ "$(q "SELECT COUNT(*), SUM(cost_micro) FROM bill_daily WHERE day >= 1793491200")" = "5|17930000" ] &&
	[ "$(q "SELECT COUNT(*), SUM(cost_micro) FROM bill_daily WHERE day < 1793491200")" = "1|1920000" ] &&
	ok "a corrected November replaces November only" || ko "corrected: $(q "SELECT period_start, COUNT(*), SUM(cost_micro) FROM bill_daily GROUP BY period_start")"

# 3. the agents' node-hours priced by the bill
python3 "$here/gen_jsonl.py" --nodes 2 --hours 3 --cycles 6 --rows 8 >"$tmp/energy.jsonl" 2>"$tmp/gen.err" || fail "gen_jsonl.py"
"$bin" ledger import --db "$db" "$tmp/energy.jsonl" >"$tmp/imp" 2>&1 || fail "ledger import: $(cat "$tmp/imp")"
src=$(q "SELECT DISTINCT price_source FROM node_hours")
[ "$src" = "billing:AWS 2026-11" ] && ok "node-hours priced from the bill ($src)" || ko "price source: '$src' ($(cat "$tmp/imp"))"
nh=$(q "SELECT SUM(cost_micro), SUM(covered_ms) FROM node_hours")
python3 - "$nh" <<'EOF' && ok "node cost = 0.1632 x covered hours" || ko "node cost: $nh"
import sys
cost, ms = map(int, sys.argv[1].split("|"))
assert abs(cost - 0.1632e6 * ms / 3.6e6) <= 6, (cost, ms)
EOF

# 4. the report shows the bill beside the measurement
"$bin" ledger report --db "$db" --period 2026-11 --by team >"$tmp/r.txt" 2>&1 || fail "report: $(cat "$tmp/r.txt")"
grep -q "the bill (carbonstat billing --ledger) beside the agents' measurement" "$tmp/r.txt" &&
	grep -Eq '^  payments +AWS +11\.52 USD' "$tmp/r.txt" && ok "table: the bill section, by team" || ko "table: $(sed -n '/the bill/,$p' "$tmp/r.txt")"
"$bin" ledger report --db "$db" --period 2026-11 --by namespace --format json >"$tmp/r.json" 2>&1 || fail "report json"
python3 - "$tmp/r.json" <<'EOF' && ok "json: bill cost 17.93 USD beside the measured total" || ko "json bill: $(head -c 600 "$tmp/r.json")"
import json, sys
d = json.load(open(sys.argv[1]))
b = d["bill"]
assert len(b) == 1 and b[0]["provider"] == "AWS" and b[0]["currency"] == "USD", b
assert abs(b[0]["cost"] - 17.93) < 1e-9, b
assert b[0]["kwh"] > 0 and b[0]["measured"]["kwh"] == d["total"]["kwh"], b
EOF
"$bin" ledger report --db "$db" --period 2026-11 --by team --format html --out "$tmp/r.html" 2>&1 || fail "report html"
grep -q '<h2>The bill beside the measurement</h2>' "$tmp/r.html" && grep -q '<th>payments</th><td>AWS</td><td>11.52 USD</td>' "$tmp/r.html" &&
	ok "html: the bill section" || ko "html: $(grep -A3 'The bill' "$tmp/r.html" | head -5)"
"$bin" ledger report --db "$db" --period 2026-10 --format json | python3 -c 'import json,sys; b=json.load(sys.stdin)["bill"]; assert abs(b[0]["cost"]-1.92)<1e-9, b' &&
	ok "October's bill stays" || ko "October"
exit $((fails > 0))
