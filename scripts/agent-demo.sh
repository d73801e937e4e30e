#!/usr/bin/env bash
# The agent on this machine with a real Prometheus scraping it (make agent-demo).
#   scripts/agent-demo.sh [carbonstat] [seconds]
# Starts `carbonstat agent` on 127.0.0.1 (this machine's sensors and cgroups,
# 1 s interval) and Debian's Prometheus with a temporary config scraping it
# every second, waits, then asks Prometheus (its HTTP API) for the node's
# power, the top workloads and the grid intensity with its source. Everything
# stops and is removed at exit. Set COUNTRY (default DE) for the grid, or run
# it on a cloud VM to have the region detected.
set -euo pipefail
cs=${1:-build/carbonstat}
secs=${2:-15}
country=${COUNTRY:-DE}
command -v prometheus >/dev/null || { echo "agent-demo: prometheus is not installed (apt-get install prometheus)" >&2; exit 1; }
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ap=$(freeport); pp=$(freeport)
"$cs" agent --listen "127.0.0.1:$ap" --interval 1s --country "$country" --no-kubelet 2>"$tmp/agent.log" &
pids+=($!)
cat >"$tmp/prometheus.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: carbonstat
    static_configs: [{targets: ['127.0.0.1:$ap']}]
YML
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
	--web.listen-address="127.0.0.1:$pp" >"$tmp/prom.log" 2>&1 &
pids+=($!)
echo "agent on http://127.0.0.1:$ap/metrics, Prometheus on http://127.0.0.1:$pp; waiting ${secs}s..."
sleep "$secs"
q() {
	echo; echo "== $1"; echo "   $2"
	curl -fsS --get "http://127.0.0.1:$pp/api/v1/query" --data-urlencode "query=$2" |
		python3 -c 'import json,sys
r=json.load(sys.stdin)["data"]["result"]
for x in r[:8]:
    m=x["metric"]; m.pop("__name__",None); m.pop("job",None); m.pop("instance",None)
    print("   %-14s %s" % (x["value"][1][:12], ",".join("%s=%s"%kv for kv in sorted(m.items()) if kv[1])))
if not r: print("   (no data yet)")'
}
q "Node power by component (W)" 'carbonstat_node_power_watts'
q "Energy rate seen by Prometheus (W)" 'sum(rate(carbonstat_node_energy_joules_total[10s]))'
q "Top workloads by power (W)" 'topk(5, carbonstat_power_watts)'
q "Grid intensity and where it came from" 'carbonstat_grid_intensity_grams_per_kwh'
q "Carbon so far by scope (g)" 'sum by (scope) (carbonstat_carbon_grams_total)'
q "Conservation: workloads + buckets - node (J)" 'sum(carbonstat_energy_joules_total) - sum(carbonstat_node_energy_joules_total)'
q "Agent cost: cycle seconds, RSS bytes" 'carbonstat_agent_cycle_duration_seconds or carbonstat_agent_resident_memory_bytes'
