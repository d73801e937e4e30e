#!/usr/bin/env bash
# bench/agent_bench.sh - what `carbonstat agent` costs a node, by node size.
#
# For each size (containers on the node) tests/agent/node_driver.py builds a
# cgroup v2, systemd/containerd node (SIZE/10 pods x 10 containers, each pod's
# sandbox included, plus ~10 system services), with a two-socket RAPL tree and
# its plain-HTTP kubelet, and advances its counters in real time (RAPL every
# 50 ms, cgroups every second). The agent samples it every second (Prometheus
# on, the exposition rendered every cycle). After a warm-up of 3 cycles it
# measures over CYCLES cycles:
#   cpu/cycle   (utime + stime from /proc/PID/stat, and the agent's own
#               carbonstat_agent_cpu_seconds_total, ns resolution) / cycles
#   %core@5s    cpu/cycle / 5 s: the share of one core at the default 5 s
#               interval (the work per cycle does not depend on the interval)
#   RSS         VmRSS at the end; anon: RssAnon, the agent's own memory (VmRSS
#               also counts the resident pages of its shared libraries:
#               libcurl, OpenSSL/GnuTLS, libmicrohttpd, jansson, libc...);
#               HWM: VmHWM, the peak
#   fetch       /metrics fetch time, curl -w time_total, median of 20
#   series      samples in the exposition
# Target: < 0.1 % of one core at 1,000 containers with a 5 s interval, RSS
# < 10 MB. The 2,500-container size is the ~10,000-series point.
# Usage: bench/agent_bench.sh path/to/carbonstat [CYCLES] [SIZES...]
#   defaults: 15 cycles; sizes 100 1000 2500 10000. BENCH_STRICT=1 makes a
#   missed target exit 1 (otherwise the table is informational);
#   BENCH_RSS_DETAIL=1 lists the resident kB of every mapping >= 64 kB.
set -uo pipefail
bin=${1:?usage: agent_bench.sh path/to/carbonstat [CYCLES] [SIZES...]}
cycles=${2:-15}
shift $(($# >= 2 ? 2 : $#))
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100 1000 2500 10000)
root=$(cd "$(dirname "$0")/.." && pwd)
driver=$root/tests/agent/node_driver.py
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 0; }
command -v curl >/dev/null 2>&1 || { echo "SKIP: curl not found"; exit 0; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null # the agent keeps ~1 file per cgroup open

# shellcheck source=tests/agent/lib.sh
. "$root/tests/agent/lib.sh"
agent_setup agentbench
metric_timeout=10
# utime+stime of $apid in clock ticks
cpu_ticks() { sed 's/.*) //' "/proc/$apid/stat" | awk '{ print $12 + $13 }'; }
status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$apid/status"; }
hz=$(getconf CLK_TCK)

printf '%-11s %7s %8s %10s %11s %10s %8s %9s %8s %9s\n' containers rows series "cpu/cycle" "(self)" "%core@5s" "RSS MB" "anon MB" "HWM MB" "fetch ms"
results=()
for n in "${sizes[@]}"; do
	pods=$(((n + 9) / 10))
	d=$tmp/size-$n
	mkdir -p "$d"
	python3 "$driver" "$d/node" --pods "$pods" --containers 9 --driver systemd --runtime containerd --cgroup v2 \
		--kubelet --cg-tick 1 </dev/null >"$d/driver.out" 2>"$d/driver.err" &
	dpid=$!
	track $dpid
	driver_ready "$d" 1200 || { echo "node_driver.py failed for $n:"; cat "$d/driver.err"; exit 1; }
	aport=$(free_port)
	start_agent "$d" "${node_args[@]}" --interval 1s --listen "127.0.0.1:$aport" \
		--node-name bench-node --country DE
	wait_cycles 3 200 0.2 || { echo "agent did not warm up at $n:"; cat "$d/agent.err"; exit 1; }
	# start: right after a cycle (cycles run on whole seconds)
	sleep "0.$(printf '%03d' $(((1500 - $(date +%s%3N) % 1000) % 1000)))"
	t0=$(cpu_ticks)
	c0=$(metric 'carbonstat_agent_cycles_total{')
	s0=$(metric 'carbonstat_agent_cpu_seconds_total{')
	sleep "$cycles" &
	wait $! # (a signal interrupts wait, not sleep)
	t1=$(cpu_ticks)
	c1=$(metric 'carbonstat_agent_cycles_total{')
	s1=$(metric 'carbonstat_agent_cpu_seconds_total{')
	rss=$(status_kb VmRSS)
	anon=$(status_kb RssAnon)
	hwm=$(status_kb VmHWM)
	body=$d/body.prom
	curl -s "http://127.0.0.1:$aport/metrics" >"$body"
	series=$(grep -vc '^#' "$body")
	rows=$(awk '/^carbonstat_agent_series\{/ { print $NF }' "$body")
	fetch=$(for _ in $(seq 20); do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$aport/metrics"; done |
		sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", (v[10] + v[11]) / 2 * 1000 }')
	line=$(python3 -c "
import sys
t0, t1, c0, c1, s0, s1, hz = (float(x) for x in sys.argv[1:8])
dc = max(c1 - c0, 1)
cpu = (t1 - t0) / hz / dc
self_cpu = (s1 - s0) / dc
print('%.2f ms|%.3f ms|%.4f %%|%.4f' % (cpu * 1e3, self_cpu * 1e3, self_cpu / 5 * 100, self_cpu / 5 * 100))
" "$t0" "$t1" "$c0" "$c1" "$s0" "$s1" "$hz")
	IFS='|' read -r cpu selfcpu pct pctnum <<<"$line"
	mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
	printf '%-11s %7s %8s %10s %11s %10s %8s %9s %8s %9s\n' "$n" "$rows" "$series" "$cpu" "$selfcpu" "$pct" \
		"$(mb "$rss")" "$(mb "$anon")" "$(mb "$hwm")" "$fetch"
	results+=("$n $pctnum $rss $anon")
	# BENCH_RSS_DETAIL=1: where the resident pages are, by mapping (kB)
	if [ "${BENCH_RSS_DETAIL:-}" = 1 ]; then
		awk '/^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "" ? "[anon]" : $6) }
			/^Rss:/ { rss[name] += $2 }
			END { for (m in rss) if (rss[m] >= 64) printf "    %7d kB  %s\n", rss[m], m }' "/proc/$apid/smaps" | sort -rn
	fi
	kill "$apid" "$dpid" 2>/dev/null
	wait "$apid" "$dpid" 2>/dev/null
	rm -rf "$d/node"
done
echo "cpu/cycle: /proc/PID/stat utime+stime (10 ms ticks) per cycle; (self): carbonstat_agent_cpu_seconds_total per cycle"
echo "%core@5s: (self) cpu/cycle over a 5 s interval; fetch: median of 20 GET /metrics (curl time_total)"
echo "RSS: VmRSS; anon: RssAnon (without shared-library pages); HWM: VmHWM"
# The floor: an idle process with the agent's libraries, initialised as the
# agent does (bench/bench_rss_floor.c); the agent's own memory is RSS - floor.
floor_kb=
floor_bin=$(dirname "$bin")/bench/bench_rss_floor
if [ -x "$floor_bin" ]; then
	floor_out=$("$floor_bin")
	sed 's/^/floor: /' <<<"$floor_out"
	floor_kb=$(awk '/^\+/ { printf "%d", $(NF - 7) * 1024 }' <<<"$floor_out")
fi
miss=0
for r in "${results[@]}"; do
	read -r n pct rss anon <<<"$r"
	if [ "$n" = 1000 ]; then
		if python3 -c "import sys; sys.exit(0 if float('$pct') < 0.1 else 1)"; then
			echo "target met: $pct % of one core at 1,000 containers / 5 s (< 0.1 %)"
		else echo "target MISSED: $pct % of one core at 1,000 containers / 5 s (want < 0.1 %)"; miss=1; fi
		if [ "$rss" -lt 10240 ]; then echo "target met: RSS $((rss / 1024)) MB at 1,000 containers (< 10 MB)"
		else echo "target MISSED: RSS $((rss / 1024)) MB at 1,000 containers (want < 10 MB; anon $((anon / 1024)) MB, the rest are shared-library pages)"; miss=1; fi
		[ -n "$floor_kb" ] && echo "RSS above the libraries' floor at 1,000 containers: $(((rss - floor_kb) / 1024)) MB ($((rss - floor_kb)) kB)"
	fi
done
[ "${BENCH_STRICT:-}" = 1 ] && [ $miss -ne 0 ] && exit 1
exit 0
