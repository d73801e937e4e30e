#!/usr/bin/env bash
# The real-Prometheus integration test: node_driver.py runs a fixture node in
# real time (RAPL package-0 30 W + package-1 20 W + dram 5 W, package-0
# wrapping every ~7 s, cgroup CPU counters advancing, pod metadata from its
# plain-HTTP kubelet, and once Prometheus is up a container restarting under
# a new id every 3 s), `carbonstat agent`
# samples it every second and a real Prometheus (/usr/bin/prometheus) scrapes
# the agent every second. Then, through Prometheus's HTTP API:
#   - every family of the metric contract has series (node energy/power/carbon,
#     grid intensity with its source label, PUE, info, workload energy with
#     pod/namespace/team labels, carbon by scope, workload power, self-metrics);
#   - rate(carbonstat_node_energy_joules_total{component="cpu"}[10s]) is the
#     scripted 50 W (+-5 %), dram 5 W;
#   - resets() of every carbonstat counter over the whole run is 0 although the
#     fixture counter wrapped while the agent ran (checked in the driver log);
#   - the rows add up to the node: at the latest scrape, per component,
#     sum(last_over_time(carbonstat_energy_joules_total[run])) (live rows plus
#     the ended series of restarted containers) equals
#     carbonstat_node_energy_joules_total within 1e-6 relative, and exactly in
#     integer microjoules; the same for operational carbon.
# ITEST_CHURN=S sets the restart period (default 3; 0: no restarts).
# Exit 77 (skip) when prometheus or python3 is missing. Takes ~25 s.
# Usage: test_prometheus_real.sh path/to/carbonstat
set -uo pipefail
bin=${1:?usage: test_prometheus_real.sh path/to/carbonstat}
here=$(cd "$(dirname "$0")" && pwd)
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
# shellcheck source=tests/agent/lib.sh
. "$here/lib.sh"

need python3
[ -x "$PROMETHEUS" ] || skip_or_fail prometheus "$PROMETHEUS not found (Debian package 'prometheus'; or set PROMETHEUS=path)"

agent_setup promreal
fail_logs+=("$tmp/prom.log")
fail_tail=30

# 1. The fixture node, in real time; it dies with our end of the fifo.
start_driver "$tmp" --pods 3 --containers 2 --kubelet
driver_ready "$tmp" 300 || fail "node_driver.py did not get ready"

# 2. The agent. A restarted container must be seen and named within seconds:
# cgroup re-walk every second, kubelet every 5 s (its minimum).
aport=$(free_port)
printf '[agent]\nrefresh = 1s\n\n[kubelet]\nrefresh_s = 5\n' >"$tmp/agent.ini"
start_agent "$tmp" --config "$tmp/agent.ini" "${node_args[@]}" --interval 1s --listen "127.0.0.1:$aport" \
	--node-name itest-node --country DE
agent_t0=$(date +%s.%N)

# 3. Prometheus, scraping the agent every second.
pport=$(free_port)
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: carbonstat
    static_configs:
      - targets: ['127.0.0.1:$aport']
EOF
"$PROMETHEUS" --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address="127.0.0.1:$pport" --log.level=warn >"$tmp/prom.log" 2>&1 &
track $!

# 4. Queries, once the target is up and 14 s of samples are in.
python3 - "$pport" "$aport" "$tmp/node/driver.log" "$agent_t0" "$apid" "$tmp/drv.in" "${ITEST_CHURN:-3}" <<'EOF' &
import json, re, sys, time, urllib.error, urllib.parse, urllib.request

pport, aport, dlog, agent_t0, apid = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
base = "http://127.0.0.1:%s/api/v1/" % pport
fails = []

def get(path, **params):
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            d = json.load(r)
    except urllib.error.HTTPError as e:
        raise RuntimeError("%s: HTTP %d %s" % (url, e.code, e.read()[:300]))
    if d.get("status") != "success":
        raise RuntimeError("%s: %s" % (url, d))
    return d["data"]

def query(q, t=None):
    return get("query", query=q, **({"time": "%.3f" % t} if t else {}))["result"]

def check(ok, what):
    print("%s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        fails.append(what)

def alive():
    try:
        import os
        os.kill(apid, 0)
        return True
    except OSError:
        return False

def wraps():
    return len([l for l in open(dlog) if " wrap " in l])

# the target up (Prometheus starts in 1-3 s)
deadline = time.time() + 20
up = False
while time.time() < deadline and not up:
    try:
        up = any(r["value"][1] == "1" for r in query('up{job="carbonstat"}'))
    except Exception:
        pass
    if not alive():
        print("FAIL agent exited"); sys.exit(1)
    time.sleep(0.5)
check(up, "Prometheus scrapes the agent (up == 1)")
if not up:
    sys.exit(1)
wraps0 = wraps()
t_up = time.time()
# containers restart every CHURN s from now on: each row series that ends was seen
churn = float(sys.argv[7])
if churn > 0:
    with open(sys.argv[6], "w") as ctl:
        ctl.write("churn %g\n" % churn)
time.sleep(max(0.0, 14.0 - (time.time() - t_up)))
wraps1 = wraps()
now = time.time() - 1.0

# --- the metric contract: every family has series
families = [
    ('carbonstat_node_energy_joules_total{node="itest-node",component="cpu",source="rapl"}', 1),
    ('carbonstat_node_energy_joules_total{node="itest-node",component="dram",source="rapl"}', 1),
    ('carbonstat_node_power_watts{node="itest-node",component="cpu",source="rapl"}', 1),
    ('carbonstat_node_carbon_grams_total{node="itest-node",scope="operational"}', 1),
    ('carbonstat_grid_intensity_grams_per_kwh{node="itest-node",zone="DE",source="static-country"}', 1),
    ('carbonstat_pue{node="itest-node"}', 1),
    ('carbonstat_info{node="itest-node",mode="measured",version!=""}', 1),
    ('carbonstat_energy_joules_total{kind="container",pod!="",namespace!="",team!="",container!="",component="cpu"}', 3),
    ('carbonstat_energy_joules_total{kind="system",component="cpu"}', 1),
    ('carbonstat_carbon_grams_total{kind="container",pod!="",scope="operational"}', 3),
    ('carbonstat_power_watts{kind="container",pod!="",namespace!=""}', 3),
]
for name in ["cycles_total", "cycle_overruns_total", "cycle_duration_seconds", "cpu_seconds_total",
             "resident_memory_bytes", "open_files", "kernel_memory_bytes", "series", "rows_folded", "read_bytes_total",
             "grid_errors_total", "kubelet_errors_total", "last_cycle_timestamp_seconds"]:
    families.append(('carbonstat_agent_%s{node="itest-node"}' % name, 1))
families += [('carbonstat_agent_sensor_duration_seconds{sensor="rapl"}', 1),
             ('carbonstat_agent_sensor_errors_total{sensor="rapl"}', 1),
             ('carbonstat_agent_exporter_duration_seconds{exporter="prometheus"}', 1),
             ('carbonstat_agent_exporter_errors_total{exporter="prometheus"}', 1)]
missing = []
for sel, n in families:
    got = len(query(sel, now))
    if got < n:
        missing.append("%s: %d series, want >= %d" % (sel, got, n))
check(not missing, "%d metric families of the contract present%s" % (len(families), "".join("\n     " + m for m in missing)))
teams = {r["metric"]["team"] for r in query('carbonstat_energy_joules_total{kind="container"}', now)}
check({"checkout", "shop-api"} <= teams, "teams from pod labels: %s" % sorted(teams))

# --- rate of the node counters = the scripted power (median of 5 instants)
def rate_at(sel):
    vals = []
    for k in range(5):
        r = query("rate(%s[10s])" % sel, now - k)
        if r:
            vals.append(float(r[0]["value"][1]))
    vals.sort()
    return vals[len(vals) // 2] if vals else float("nan"), vals
cpu, cpus = rate_at('carbonstat_node_energy_joules_total{component="cpu"}')
check(abs(cpu - 50.0) <= 2.5, "rate(node cpu energy[10s]) = %.3f W, scripted 50 W +-5 %% (%s)"
      % (cpu, ", ".join("%.2f" % v for v in cpus)))
dram, drams = rate_at('carbonstat_node_energy_joules_total{component="dram"}')
check(abs(dram - 5.0) <= 0.25, "rate(node dram energy[10s]) = %.3f W, scripted 5 W +-5 %%" % dram)
gauge = query('carbonstat_node_power_watts{component="cpu"}', now)
g = float(gauge[0]["value"][1]) if gauge else float("nan")
check(abs(g - 50.0) <= 2.5, "carbonstat_node_power_watts{cpu} = %.3f W" % g)

# --- no counter ever went backwards, though the fixture wrapped meanwhile
span = int(time.time() - agent_t0) + 5
counters = [n for n in get("label/__name__/values") if n.startswith("carbonstat_") and n.endswith("_total")]
bad = []
for n in counters:
    # per family: resets() drops the name, so families would collide in one query
    for x in query('resets(%s[%ds]) > 0' % (n, span)):
        bad.append("%s%s: %s" % (n, x["metric"], x["value"][1]))
check(len(counters) >= 10 and not bad, "resets() == 0 for all %d carbonstat counter families over %d s%s"
      % (len(counters), span, "".join("\n     " + b for b in bad[:5])))
check(wraps1 > wraps0, "the fixture's package-0 counter wrapped while Prometheus scraped (%d -> %d wraps)"
      % (wraps0, wraps1))
nser = len(query('count_over_time(carbonstat_node_energy_joules_total{component="cpu"}[%ds])' % span))
check(nser == 1, "one node cpu series over the run (no series restart)")

# --- conservation. Rows of vanished containers end (their series stop), so
# the live rows alone add up to less than the node after a churn: the energy
# ever given to rows is the last value of every row series seen, live or
# ended. At the latest scrape, per component, that must equal the node's
# counter: 1e-6 relative in PromQL, and exactly in integer microjoules.
ts = query('timestamp(carbonstat_node_energy_joules_total{component="cpu"})')
T = float(ts[0]["value"][1])
win = int(T - agent_t0) + 5
r = query('abs(1 - sum by (component) (last_over_time(carbonstat_energy_joules_total[%ds]))'
          ' / on (component) sum by (component) (carbonstat_node_energy_joules_total))' % win, T)
worst = max((float(x["value"][1]) for x in r), default=float("nan"))
check(len(r) == 2 and worst <= 1e-6,
      "sum(rows, ended ones included) == node energy per component (worst rel. %.2g)" % worst)
def uj(sel):
    out = {}
    for x in query(sel, T):
        c = x["metric"].get("component", "")
        out[c] = out.get(c, 0) + round(float(x["value"][1]) * 1e6)
    return out
node, rows = uj("carbonstat_node_energy_joules_total"), uj("last_over_time(carbonstat_energy_joules_total[%ds])" % win)
live = uj("carbonstat_energy_joules_total")
check(node and node == rows, "... exactly in microjoules: node %s, rows %s (live rows only: %s)" % (node, rows, live))
gone = len(query("count_over_time(carbonstat_energy_joules_total[%ds]) unless carbonstat_energy_joules_total" % win, T))
check(gone > 0 or churn == 0, "%d row series ended (churned containers) and are still counted" % gone)
r = query('abs(1 - sum(last_over_time(carbonstat_carbon_grams_total{scope="operational"}[%ds]))'
          ' / sum(carbonstat_node_carbon_grams_total{scope="operational"}))' % win, T)
worst = float(r[0]["value"][1]) if r else float("nan")
check(worst <= 1e-6, "sum(rows) == node operational carbon (rel. %.2g)" % worst)
sys.exit(1 if fails else 0)
EOF
check=$!
track $check
wait $check || fail "checks failed"
kill -0 "$apid" 2>/dev/null || fail "the agent died"
kill -TERM "$apid"
wait "$apid"
rc=$?
[ $rc -eq 0 ] || fail "agent exit status $rc after SIGTERM"
if grep -qiE 'error|fail' "$tmp/agent.err"; then
	echo "note: agent stderr:"; cat "$tmp/agent.err"
fi
echo "PASS: prometheus-real"
exit 0
