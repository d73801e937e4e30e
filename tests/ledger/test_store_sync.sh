#!/usr/bin/env bash
# `ledger sync` from a real Prometheus-compatible store scraping real agents:
# two fixture nodes (node_driver.py, containers restarting every 3 s), two
# `carbonstat agent`s (1 s cycles, JSON lines too), and either Prometheus
# (Debian prometheus) or VictoriaMetrics (Debian victoria-metrics, its own
# scraper) scraping them every second, with a `cluster` target label.
# After ~20 s the agents stop (SIGTERM: last cycle flushed); then:
#   - `ledger sync --partial` (the hour in progress, evaluated now) into
#     ledger A, `ledger import` of the agents' JSON lines into ledger B;
#   - B: every node's energy equals the agent's own counter (its last
#     energy_j_total) to the microjoule; the report's total equals the sum
#     of the nodes' (exact path);
#   - A: both nodes, with the cluster label, the pods' teams and owners
#     (rows), provider/instance/price on the node that has them; each node's
#     energy equals the store's own last counter value within the store's
#     increase() semantics (Prometheus extrapolates to the window's ends: a
#     few scrape intervals' energy in a 20 s run; VictoriaMetrics does not
#     extrapolate: 1e-6 relative); A's teams are B's teams and the
#     per-team energies agree within the same tolerance;
#   - the gaps: the hour in progress is "partial", hours before the agents
#     are "missing" (no data, never zero); the report lists them;
#   - a second sync replaces the hours (report identical); a URL that is
#     not the API fails with one line and changes nothing.
# Exit 77 when the store or python3 is missing (1 with CS_REQUIRE naming it).
# Usage: test_store_sync.sh path/to/carbonstat prometheus|victoria-metrics
set -uo pipefail
bin=${1:?usage: test_store_sync.sh path/to/carbonstat prometheus|victoria-metrics}
store=${2:-prometheus}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/agent/lib.sh
. "$here/../agent/lib.sh"
# shellcheck source=tests/ledger/lib.sh
. "$here/lib.sh"
need python3
need curl
case "$store" in
prometheus) exe=${PROMETHEUS:-/usr/bin/prometheus} ;;
victoria-metrics) exe=${VICTORIA_METRICS:-/usr/bin/victoria-metrics} ;;
*) echo "usage: test_store_sync.sh BIN prometheus|victoria-metrics"; exit 2 ;;
esac
[ -x "$exe" ] || skip_or_fail "$store" "$exe not found (Debian package '$store')"

agent_setup ledger-$store
trap ledger_cleanup EXIT
fail_logs+=("$tmp/store.log" "$tmp/a/agent.err" "$tmp/b/agent.err")

# 1. two nodes, two agents
ports=()
for n in a b; do
	mkdir -p "$tmp/$n"
	start_driver "$tmp/$n" --pods 3 --containers 2 --kubelet --churn 3 --seed "$([ $n = a ] && echo 1 || echo 2)"
	driver_ready "$tmp/$n" 300 || fail "node_driver.py $n did not get ready"
	p=$(free_port)
	ports+=("$p")
	extra=()
	[ $n = a ] && extra=(--provider aws --instance m5.large --region eu-west-1)
	printf '[agent]\nrefresh = 1s\n\n[kubelet]\nrefresh_s = 5\n' >"$tmp/$n/agent.ini"
	start_agent "$tmp/$n" --config "$tmp/$n/agent.ini" "${node_args[@]}" --interval 1s --listen "127.0.0.1:$p" \
		--jsonl "$tmp/$n/energy.jsonl" --node-name "store-$n" --country DE "${extra[@]}"
	eval "apid_$n=$apid"
done

# 2. the store
sport=$(free_port)
cat >"$tmp/scrape.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: carbonstat
    honor_labels: true # as deploy/kubernetes/servicemonitor.yaml: the agent's labels win
    static_configs:
      - targets: ['127.0.0.1:${ports[0]}', '127.0.0.1:${ports[1]}']
        labels:
          cluster: itest
EOF
if [ "$store" = prometheus ]; then
	"$exe" --config.file="$tmp/scrape.yml" --storage.tsdb.path="$tmp/tsdb" --web.listen-address="127.0.0.1:$sport" \
		--log.level=warn >"$tmp/store.log" 2>&1 &
else
	"$exe" -storageDataPath="$tmp/vm" -httpListenAddr="127.0.0.1:$sport" -promscrape.config="$tmp/scrape.yml" \
		-search.latencyOffset=0s -search.disableCache -loggerLevel=WARN >"$tmp/store.log" 2>&1 &
fi
track $!
url="http://127.0.0.1:$sport"
q() { curl -s --max-time 5 "$url/api/v1/query" --data-urlencode "query=$1"; }
for _ in $(seq 150); do
	q 'count(carbonstat_node_energy_joules_total)' | grep -q '"value":\[[0-9.]*,"4"\]' && break # 2 nodes x cpu, dram
	sleep 0.2
done
q 'count(carbonstat_node_energy_joules_total)' | grep -q '"value":\[[0-9.]*,"4"\]' || fail "$store does not see both agents"
ok "$store scrapes both agents"
sleep 20

# 3. the agents stop; the store keeps what it scraped
kill -TERM "$apid_a" "$apid_b"
wait "$apid_a" "$apid_b"
sleep 3
# what the store holds last, per node (J), and the agents' own counters (uJ)
q 'sum by (node) (max_over_time(carbonstat_node_energy_joules_total[15m]))' >"$tmp/store_last.json"
# what the store saw happen: last - first scraped value (energy before its
# first scrape is not in it, for any PromQL)
q 'sum by (node) (max_over_time(carbonstat_node_energy_joules_total[15m]) - min_over_time(carbonstat_node_energy_joules_total[15m]))' >"$tmp/store_delta.json"
for n in a b; do
	python3 - "$tmp/$n/energy.jsonl" >"$tmp/$n/counter" <<'EOF'
import json, sys
last = None
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["type"] == "node":
        last = o
print(sum(round(v * 1e6) for v in last["energy_j_total"].values()))
EOF
done

# 4. sync into A, import into B
t_agents=$(head -n1 "$tmp/a/energy.jsonl" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["ts"][:13])')
month=${t_agents:0:7}
A="sqlite:$tmp/a.db"
B="sqlite:$tmp/b.db"
out=$("$bin" ledger sync --db "$A" --prometheus "$url" --from "$(date -u -d "${t_agents/T/ } UTC - 2 hours" +%Y-%m-%dT%H)" \
	--partial 2>&1) || fail "sync: $out"
ok "sync: $out"
"$bin" ledger import --db "$B" --quiet "$tmp/a/energy.jsonl" "$tmp/b/energy.jsonl" || fail "import of the JSON lines"
"$bin" ledger report --db "$A" --period "$month" --by node --format json >"$tmp/a.json" || fail "report A"
"$bin" ledger report --db "$B" --period "$month" --by node --format json >"$tmp/b.json" || fail "report B"
"$bin" ledger report --db "$A" --period "$month" --by team --format json >"$tmp/a_team.json"
"$bin" ledger report --db "$B" --period "$month" --by team --format json >"$tmp/b_team.json"

tol=0.15 # Prometheus: a few 1 s scrape intervals of a ~20 s run, extrapolated
[ "$store" = victoria-metrics ] && tol=0.000001
python3 - "$tmp" "$tol" "$store" <<'EOF' || fail "checks failed"
import json, sys
tmp, tol, store = sys.argv[1], float(sys.argv[2]), sys.argv[3]
fails = []
def check(ok, what):
    print("%s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        fails.append(what)
A, B = json.load(open(tmp + "/a.json")), json.load(open(tmp + "/b.json"))
At, Bt = json.load(open(tmp + "/a_team.json")), json.load(open(tmp + "/b_team.json"))
last = {r["metric"]["node"]: float(r["value"][1]) * 1e6
        for r in json.load(open(tmp + "/store_last.json"))["data"]["result"]}
delta = {r["metric"]["node"]: float(r["value"][1]) * 1e6
         for r in json.load(open(tmp + "/store_delta.json"))["data"]["result"]}
counter = {"store-" + n: int(open("%s/%s/counter" % (tmp, n)).read()) for n in "ab"}
rowsA = {r["key"]: r for r in A["rows"]}
rowsB = {r["key"]: r for r in B["rows"]}
# exact path: JSON lines = the agents' counters, to the microjoule
for n in counter:
    got = rowsB.get(n, {}).get("energy_uj")
    check(got == counter[n], "JSON lines -> ledger: %s = %s uJ, the agent's counter %s uJ" % (n, got, counter[n]))
check(B["total"]["energy_uj"] == B["node_totals"]["energy_uj"] == sum(counter.values()),
      "JSON lines ledger: total = node totals = sum of the agents' counters (%d uJ)" % sum(counter.values()))
# the store path: both nodes, with the cluster label
for n in counter:
    key = "itest/" + n
    r = rowsA.get(key)
    check(r is not None, "%s: node %s in the synced ledger (cluster label from the scrape config)" % (store, key))
    if r:
        # increase() sees from the first to the last scrape; Prometheus
        # extrapolates towards the window's ends, VictoriaMetrics counts from
        # the counter's start (the first sample from zero) to the last scrape
        # -- or, when its first scrape came late (a slow start under ASan or
        # load), VictoriaMetrics' increase() leaves that first value out and
        # counts from it: the delta. Either is exact; nothing in between is.
        ref = delta[n] if store == "prometheus" else last[n]
        if store != "prometheus" and abs(r["energy_uj"] - delta[n]) < abs(r["energy_uj"] - last[n]):
            ref = delta[n]
        rel = abs(r["energy_uj"] - ref) / ref
        check(rel <= tol, "%s: %s energy %.0f uJ vs what the store saw %.0f uJ: %.2e relative (<= %g)"
              % (store, n, r["energy_uj"], ref, rel, tol))
        relb = abs(r["energy_uj"] - counter[n]) / counter[n]
        print("     %s: synced vs the agent's final counter (what the store never scraped included): %.2e relative"
              % (n, relb))
# rows: the same teams, energies within the tolerance (churned containers' series end mid-window)
ta = {r["key"]: r["energy_uj"] for r in At["rows"]}
tb = {r["key"]: r["energy_uj"] for r in Bt["rows"]}
check(set(ta) == set(tb), "teams: synced %s, imported %s" % (sorted(ta), sorted(tb)))
worst = max(abs(ta[k] - tb[k]) / max(tb[k], 1) for k in tb if k in ta) if ta else 1
check(worst <= max(tol * 3, 0.3) or store != "prometheus" and worst <= 0.05,
      "per-team energy synced vs imported: worst %.2e relative" % worst)
check(A["total"]["energy_uj"] > 0 and abs(A["total"]["energy_uj"] - A["node_totals"]["energy_uj"])
      <= max(tol, 0.05) * A["node_totals"]["energy_uj"],
      "synced rows vs synced node counters: %d vs %d uJ" % (A["total"]["energy_uj"], A["node_totals"]["energy_uj"]))
# gaps: the hour in progress is partial; hours before the agents are missing
kinds = {g["kind"] for g in A["gaps"]}
check("partial" in kinds, "the hour in progress is recorded partial (gaps: %s)" % sorted(kinds))
check("missing" in kinds, "hours before the agents started are recorded missing")
check(len(A["missing_hours"]) > 0 or A["hours"]["elapsed"] <= 1, "the report lists missing hours")
# the price: node a has aws m5.large, no price file: cost NULL with the reason
check(any("no price for aws m5.large" in c["reason"] for c in A["cost_missing"]),
      "node a's cost is NULL with the reason (%s)" % A["cost_missing"])
sys.exit(1 if fails else 0)
EOF

# 5. again: replaced, not added; a wrong URL changes nothing
"$bin" ledger report --db "$A" --period "$month" --by owner --format json | grep -v '"db"' >"$tmp/r1.json"
"$bin" ledger sync --db "$A" --prometheus "$url" --from "$(date -u -d "${t_agents/T/ } UTC - 2 hours" +%Y-%m-%dT%H)" \
	--partial --quiet || ko "second sync"
"$bin" ledger report --db "$A" --period "$month" --by owner --format json | grep -v '"db"' >"$tmp/r2.json"
python3 - "$tmp/r1.json" "$tmp/r2.json" "$tol" <<'EOF' && ok "second sync replaced the hours" || ko "second sync changed the totals"
import json, sys
a, b, tol = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), float(sys.argv[3])
# the partial hour is evaluated at a later "now": Prometheus' extrapolation moves a little
ea, eb = a["total"]["energy_uj"], b["total"]["energy_uj"]
assert abs(ea - eb) <= max(tol, 1e-9) * ea, (ea, eb)
assert [r["key"] for r in a["rows"]] == [r["key"] for r in b["rows"]]
EOF
out=$("$bin" ledger sync --db "$A" --prometheus "$url/nothing" --from 2026-01-01 --to 2026-01-02 2>&1)
[ $? -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "nothing was synced" && ok "wrong URL: $out" ||
	ko "wrong URL: $out"

[ "$fails" -eq 0 ] || { echo "$fails checks failed"; exit 1; }
echo "ledger sync from $store: all checks passed"
