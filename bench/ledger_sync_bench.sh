#!/usr/bin/env bash
# bench/ledger_sync_bench.sh - `carbonstat ledger sync` of one hour of a
# 40,000-container fleet from a real store.
#
# bench/gen_fleet_series.py writes what 400 agents of 100 containers each
# (10,000 owners, 50 teams) expose, scraped every 30 s for an hour and a
# minute: 160,000 row series + 3,200 node series, ~20 M samples. They are
# loaded into
#   victoria-metrics  through /api/v1/import/prometheus (streamed), and/or
#   prometheus        as blocks: promtool tsdb create-blocks-from openmetrics,
#                     then Prometheus started on them,
# and `ledger sync --from H --to H+1h` runs 3 times into a fresh SQLite
# ledger each: wall time min / median / max, the store's share (query time),
# series and bytes that crossed the wire, ledger rows written. The energy
# synced is checked against the generator's (exact on VictoriaMetrics,
# within increase()'s extrapolation on Prometheus).
# Usage: ledger_sync_bench.sh path/to/carbonstat [victoria-metrics|prometheus|both] [CONTAINERS]
set -uo pipefail
bin=${1:?usage: ledger_sync_bench.sh path/to/carbonstat [victoria-metrics|prometheus|both] [CONTAINERS]}
which=${2:-both}
containers=${3:-40000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=tests/agent/lib.sh
. "$root/tests/agent/lib.sh"
need python3
need curl
agent_setup ledger-syncbench
nodes=$((containers / 100))
owners=$((containers / 4))
now=$(date +%s)
H=$(((now / 3600 - 3) * 3600)) # an hour that ended 2 h ago: complete, within retention
from=$(date -u -d "@$H" +%Y-%m-%dT%H)
to=$(date -u -d "@$((H + 3600))" +%Y-%m-%dT%H)
gen=(python3 "$here/gen_fleet_series.py" --start "$H" --containers "$containers" --nodes "$nodes" --owners "$owners")

run_syncs() { # run_syncs NAME URL
	local name=$1 url=$2 i out t0 t1
	: >"$tmp/$name.times"
	for i in 1 2 3; do
		rm -f "$tmp/l.db" "$tmp/l.db-wal" "$tmp/l.db-shm"
		t0=$(date +%s.%N)
		out=$("$bin" ledger sync --db "sqlite:$tmp/l.db" --prometheus "$url" --from "$from" --to "$to" --timeout 300s 2>&1) ||
			{ echo "FAIL: sync from $name: $out"; return 1; }
		t1=$(date +%s.%N)
		echo "  run $i: $(python3 -c "print('%.2f' % ($t1 - $t0))") s wall; $out"
		python3 -c "print($t1 - $t0)" >>"$tmp/$name.times"
	done
	"$bin" ledger report --db "sqlite:$tmp/l.db" --period "${from:0:7}" --format json >"$tmp/$name.json"
	python3 - "$tmp/$name.times" "$tmp/$name.json" "$tmp/expected" "$name" <<'EOF'
import json, sys
t = sorted(float(x) for x in open(sys.argv[1]))
j = json.load(open(sys.argv[2]))
exp = float(open(sys.argv[3]).read().split("energy in the hour ")[1].split()[0])
got = j["total"]["energy_uj"] / 1e6
print("%s: sync of one hour, %d rows: min %.2f s, median %.2f s, max %.2f s; energy %.0f J synced, %.0f J "
      "generated (%.2e relative)" % (sys.argv[4], len(j["rows"]), t[0], t[len(t) // 2], t[-1], got, exp,
                                     abs(got - exp) / exp))
EOF
}

if [ "$which" = victoria-metrics ] || [ "$which" = both ]; then
	vm=${VICTORIA_METRICS:-/usr/bin/victoria-metrics}
	[ -x "$vm" ] || { echo "SKIP: $vm not found (Debian victoria-metrics)"; exit 77; }
	port=$(free_port)
	"$vm" -storageDataPath="$tmp/vm" -httpListenAddr="127.0.0.1:$port" -search.disableCache -loggerLevel=WARN \
		-search.maxUniqueTimeseries=1000000 -search.maxSamplesPerQuery=1000000000 >"$tmp/vm.log" 2>&1 &
	vmpid=$!
	track $vmpid
	for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/health" | grep -q OK && break; sleep 0.1; done
	t0=$(date +%s.%N)
	"${gen[@]}" 2>"$tmp/expected" | curl -s --fail -H 'Content-Type: text/plain' -T - \
		"http://127.0.0.1:$port/api/v1/import/prometheus" || { echo "FAIL: import into VictoriaMetrics"; exit 1; }
	curl -s "http://127.0.0.1:$port/internal/force_flush" >/dev/null
	sleep 2
	echo "victoria-metrics: $(cat "$tmp/expected") loaded in $(python3 -c "print('%.0f' % ($(date +%s.%N) - $t0))") s"
	run_syncs victoria-metrics "http://127.0.0.1:$port" || exit 1
	kill "$vmpid" # its background merges would slow what follows
	wait "$vmpid" 2>/dev/null
	rm -rf "$tmp/vm"
fi

if [ "$which" = prometheus ] || [ "$which" = both ]; then
	prom=${PROMETHEUS:-/usr/bin/prometheus}
	[ -x "$prom" ] && command -v promtool >/dev/null || { echo "SKIP: prometheus/promtool not found"; exit 77; }
	t0=$(date +%s.%N)
	"${gen[@]}" --format openmetrics >"$tmp/series.om" 2>"$tmp/expected" || { echo "FAIL: generator"; exit 1; }
	promtool tsdb create-blocks-from openmetrics "$tmp/series.om" "$tmp/tsdb" >"$tmp/promtool.log" 2>&1 ||
		{ echo "FAIL: promtool tsdb create-blocks-from openmetrics"; tail -5 "$tmp/promtool.log"; exit 1; }
	rm -f "$tmp/series.om"
	port=$(free_port)
	printf 'global:\n  scrape_interval: 1m\n' >"$tmp/prom.yml"
	"$prom" --config.file="$tmp/prom.yml" --storage.tsdb.path="$tmp/tsdb" --web.listen-address="127.0.0.1:$port" \
		--storage.tsdb.retention.time=30d --query.max-samples=200000000 --log.level=warn >"$tmp/prom.log" 2>&1 &
	track $!
	for _ in $(seq 300); do curl -s "http://127.0.0.1:$port/-/ready" | grep -qi ready && break; sleep 0.2; done
	echo "prometheus: $(cat "$tmp/expected") backfilled in $(python3 -c "print('%.0f' % ($(date +%s.%N) - $t0))") s"
	run_syncs prometheus "http://127.0.0.1:$port" || exit 1
fi
