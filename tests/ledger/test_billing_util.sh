#!/usr/bin/env bash
# The bill priced with the agents' measured CPU utilisation, end to end
# (issue 13: "utilisation from the ledger where it knows the resource"):
#   1. a fake EC2 metadata service (tests/fakes/fake_metadata.py) -> the agent
#      learns its instance id and exports it on carbonstat_info
#      (instance_id="i-0123456789abcdef0"), beside its node's CPU time
#      (carbonstat_node_cpu_seconds_total{mode="busy"|"idle"});
#   2. the same series, as a Prometheus would answer them (the scripted API
#      tests/fakes/fake_prom.py: node n1, instance i-0123456789abcdef0, CPU
#      busy 1800 s and idle 5400 s an hour = 25 % of 2 vCPUs), into a SQLite
#      ledger by `ledger sync` (node_hours keep the id and the CPU-ms);
#   3. `billing --ledger` on a small CUR whose lineItem/ResourceId names that
#      instance: its m5.large hours on the synced day are priced at 25 %, its
#      hours on another day and another instance's at the default 50 %.
# The real chain (agent -> Prometheus -> sync) is ledger/sync-prometheus's.
# Usage: test_billing_util.sh path/to/carbonstat
set -uo pipefail
bin=${1:?usage: test_billing_util.sh path/to/carbonstat}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/agent/lib.sh
. "$here/../agent/lib.sh"
need python3
need curl

agent_setup billutil
export XDG_CACHE_HOME=$tmp/cache # the metadata answer's cache file stays here

# 1. metadata -> agent -> /metrics
python3 "$here/../fakes/fake_metadata.py" aws >"$tmp/md.out" 2>"$tmp/md.err" &
track $!
python3 "$here/../fakes/fake_prom.py" 1793491200 >"$tmp/prom.out" 2>"$tmp/prom.err" & # H0 = 2026-11-01T00:00Z
track $!
for _ in $(seq 100); do [ -s "$tmp/md.out" ] && [ -s "$tmp/prom.out" ] && break; sleep 0.05; done
mdport=$(head -n1 "$tmp/md.out")
promport=$(head -n1 "$tmp/prom.out")
[ -n "$mdport" ] && [ -n "$promport" ] || fail "the fakes did not start"

start_driver "$tmp" # counters advance: the node is busy
driver_ready "$tmp" 300 || fail "node_driver.py did not get ready"
aport=$(free_port)
start_agent "$tmp" --sysfs-root "$SYSFS_ROOT" --procfs-root "$PROCFS_ROOT" --cgroup-root "$CGROUP_ROOT" \
	--metadata-url "http://127.0.0.1:$mdport" --interval 1s --listen "127.0.0.1:$aport" --node-name n1
wait_cycles 3 || fail "the agent ran no cycle"
curl -s "http://127.0.0.1:$aport/metrics" >"$tmp/metrics"
grep -q '^carbonstat_info{.*instance="m5.large",instance_id="i-0123456789abcdef0",instance_name=""' "$tmp/metrics" &&
	ok "metadata -> agent: carbonstat_info{instance_id=\"i-0123456789abcdef0\"}" ||
	ko "no instance id on carbonstat_info: $(grep '^carbonstat_info' "$tmp/metrics")"
busy=$(awk '/^carbonstat_node_cpu_seconds_total\{.*mode="busy"/ { print $NF }' "$tmp/metrics")
idle=$(awk '/^carbonstat_node_cpu_seconds_total\{.*mode="idle"/ { print $NF }' "$tmp/metrics")
python3 -c 'import sys; b, i = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if b >= 0 and i >= 0 and b + i > 0 else 1)' \
	"${busy:--1}" "${idle:--1}" && ok "the node's CPU seconds: busy $busy, idle $idle" ||
	ko "carbonstat_node_cpu_seconds_total: busy '$busy' idle '$idle'"

# 2. the series -> the ledger
db="sqlite:$tmp/ledger.db"
q() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print("\n".join("|".join("" if v is None else str(v) for v in x) for x in c.execute(sys.argv[2])))' "$tmp/ledger.db" "$1"; }
"$bin" ledger sync --prometheus "http://127.0.0.1:$promport" --from 2026-11-01T00 --to 2026-11-01T06 \
	--db "$db" --cluster prod >"$tmp/sync.out" 2>&1 || fail "ledger sync: $(cat "$tmp/sync.out")"
got=$(q "SELECT COUNT(*), SUM(cpu_busy_ms), SUM(cpu_total_ms) FROM node_hours WHERE instance_id = 'i-0123456789abcdef0'")
[ "$got" = "5|9000000|36000000" ] && ok "ledger sync: 5 node-hours of i-0123456789abcdef0, 9000 of 36000 CPU-s busy" ||
	ko "node_hours of the instance: $got"

# 3. the bill, with and without the ledger
hdr='identity/LineItemId,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/AvailabilityZone,lineItem/ResourceId,lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedCost,lineItem/LineItemDescription,product/instanceType,product/region,product/regionCode,pricing/unit'
line() { echo "$1,9999,1111,Usage,$2T00:00:00Z,AmazonEC2,EU-BoxUsage:m5.large,RunInstances,eu-west-1a,$3,24,USD,2.3040000000,m5.large,m5.large,eu-west-1,eu-west-1,Hrs"; }
{
	echo "$hdr"
	line a1 2026-11-01 i-0123456789abcdef0 # measured: 25 %
	line a2 2026-11-01 i-0fffffffffffffff0 # not in the ledger: 50 %
	line a3 2026-11-02 i-0123456789abcdef0 # a day the ledger has no hour of: 50 %
	echo "a4,9999,1111,Usage,2026-11-02T00:00:00Z,AmazonS3,EU-TimedStorage-ByteHrs,StandardStorage,,bucket,100,USD,2.3000000000,S3,,eu-west-1,eu-west-1,GB-Mo"
} >"$tmp/cur.csv"
{ echo "$hdr"; line a1 2026-11-01 i-0123456789abcdef0; } >"$tmp/one.csv"
"$bin" billing "$tmp/cur.csv" --ledger "$db" --json >"$tmp/with.json" 2>"$tmp/err" || fail "billing --ledger: $(cat "$tmp/err")"
"$bin" billing "$tmp/cur.csv" --json >"$tmp/without.json" 2>"$tmp/err" || fail "billing: $(cat "$tmp/err")"
"$bin" billing "$tmp/one.csv" --cpu 25 --json >"$tmp/one25.json" 2>"$tmp/err" || fail "billing --cpu 25: $(cat "$tmp/err")"
"$bin" billing "$tmp/one.csv" --json >"$tmp/one50.json" 2>"$tmp/err" || fail "billing one line: $(cat "$tmp/err")"
# The arithmetic: m5.large draws P(50 %) = 14.12 W and P(25 %) = 9.65 W
# (its Teads curve, docs/billing.md); 24 h x PUE 1.135:
#   a1 measured 24 x 9.65 x 1.135 / 1000 = 0.263 kWh   (0.385 at the default)
#   a2, a3      24 x 14.12 x 1.135 / 1000 = 0.385 kWh each
#   S3          100 GB-Mo x 0.730 TBh x 0.65 Wh x 3 x 1.135 = 0.162 kWh
# so the bill's kWh fall by 0.385 - 0.263 = 0.122 with the ledger, and
# 2.304 of the 6.912 USD priced by CPU utilisation (33.3 %) is measured.
python3 - "$tmp" <<'EOF' && ok "billing --ledger: a1's 24 h at the measured 25 %, a2 and a3 at 50 %, 33.3 % of the CPU-priced cost measured" || ko "billing --ledger: $(cat "$tmp/with.json")"
import json, sys
d = sys.argv[1]
w, wo = (json.load(open(f"{d}/{n}.json")) for n in ("with", "without"))
k25, k50 = (json.load(open(f"{d}/one{n}.json"))["totals"][0]["kwh"] for n in ("25", "50"))
tw, two = w["totals"][0], wo["totals"][0]
u = tw["utilisation"]
close = lambda a, b: abs(a - b) < 1e-9
assert close(u["measured_kwh"], k25), (u, k25)
assert close(u["measured_kwh_at_default"], k50), (u, k50)
assert close(two["kwh"] - tw["kwh"], k50 - k25), (two["kwh"], tw["kwh"], k50, k25)
assert abs(k25 - 0.263) < 0.001 and abs(k50 - 0.385) < 0.001, (k25, k50)
assert u["measured_cost"] == "2.304" and u["cpu_priced_cost"] == "6.912", u
assert abs(u["measured_percent"] - 100 / 3) < 1e-6, u
assert close(u["measured_mean_utilisation"], 0.25) and close(u["measured_hours"], 24), u
assert w["stats"]["lines_measured_utilisation"] == 1 and w["stats"]["lines_resource_not_in_ledger"] == 2, w["stats"]
assert tw["effective_cost"] == two["effective_cost"] == "9.212" and w["conserved"], (tw, two)
ec2 = [g for g in w["groups"] if g["key"] == "AWS AmazonEC2"][0]["utilisation"]
assert ec2["measured_cost"] == "2.304", ec2
assert "utilisation" not in wo["totals"][0] and "utilisation" not in wo["groups"][0]
EOF
"$bin" billing "$tmp/cur.csv" --ledger "$db" >"$tmp/with.txt" 2>"$tmp/err" || fail "billing --ledger (text): $(cat "$tmp/err")"
grep -q "^utilisation: measured (ledger) for 33.3 % of the USD cost priced by CPU utilisation (mean 25.0 % over 24.0 instance/vCPU-hours" "$tmp/with.txt" &&
	grep -q "^AWS AmazonEC2 .* 33.3 %$" "$tmp/with.txt" && ok "the text says how much was measured" ||
	ko "billing --ledger text: $(cat "$tmp/with.txt")"
"$bin" billing "$tmp/cur.csv" --ledger "$db" --csv >"$tmp/with.csv" 2>"$tmp/err" || fail "billing --ledger --csv"
head -1 "$tmp/with.csv" | grep -q ",cpu_priced_cost,measured_cost,measured_percent,measured_kwh,measured_kwh_at_default$" &&
	grep -q '^service,AWS AmazonEC2,AWS,USD,3,6.912,6.912,0,.*,6.912,2.304,33.3,' "$tmp/with.csv" &&
	ok "CSV: the measured columns" || ko "billing --ledger --csv: $(cat "$tmp/with.csv")"

[ "$fails" -eq 0 ] || exit 1
