#!/usr/bin/env bash
# Load test of the agent's /metrics: a node_driver.py node with 250 pods x 10
# containers (2,500 container rows: ~10,000 series with cpu+dram energy,
# carbon and power per row) advancing in real time, the agent sampling it
# every second, and `wrk -t2 -c4 -d10s` on /metrics meanwhile (after a 3 s
# wrk warm-up). Four connections: wrk is one client address, and the agent
# gives one address at most 4 connections opening at once and 8 held
# (docs/agent.md, "The HTTP endpoint under attack"); more is refused by
# design and test_prometheus covers the refusal. Checks:
#   - wrk saw no socket errors and no non-2xx responses, and every response
#     was the whole exposition (bytes per request ~ the body size);
#   - the agent kept sampling during the load (cycles_total advanced);
#   - its RSS (VmRSS from /proc/PID/status) grew less than 2 MB between
#     after the warm-up and after the load (not checked on an ASan build:
#     its quarantine holds freed memory).
# Prints requests/s, latency (avg, p50, p99), series, body size, RSS.
# Exit 77 (skip) when wrk or python3 is missing (Debian package 'wrk').
# Usage: test_load_wrk.sh path/to/carbonstat [pods] [containers-per-pod]
set -uo pipefail
bin=${1:?usage: test_load_wrk.sh path/to/carbonstat [pods] [containers]}
pods=${2:-250}
ctrs=${3:-9}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/agent/lib.sh
. "$here/lib.sh"
need python3
need wrk "wrk not found (Debian package 'wrk')"
need curl
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null # ~1 kept-open file per container

agent_setup wrk
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$apid/status"; }

start_driver "$tmp" --pods "$pods" --containers "$ctrs" --kubelet --cg-tick 1
driver_ready "$tmp" 600 || fail "node_driver.py did not get ready"
aport=$(free_port)
start_agent "$tmp" "${node_args[@]}" --interval 1s --listen "127.0.0.1:$aport" \
	--node-name load-node --country DE
wait_cycles 3 100 0.2 || fail "the agent did not run 3 cycles"
url="http://127.0.0.1:$aport/metrics"
curl -s "$url" >"$tmp/body.prom"
bytes=$(wc -c <"$tmp/body.prom")
series=$(grep -vc '^#' "$tmp/body.prom")
rows=$(metric 'carbonstat_agent_series{')
echo "fixture: $pods pods x $((ctrs + 1)) containers; $rows rows, $series series, $bytes bytes per scrape"

wrk -t2 -c4 -d3s "$url" >"$tmp/warm.txt" 2>&1 &
track $!
wait $! || fail "wrk warm-up failed: $(cat "$tmp/warm.txt")"
c=$(metric 'carbonstat_agent_cycles_total{')
wait_cycles $((c + 1)) 100 0.05 || fail "no cycle after the warm-up" # one cycle after the warm-up
rss0=$(rss_kb)
c0=$(metric 'carbonstat_agent_cycles_total{')
wrk -t2 -c4 -d10s --latency "$url" >"$tmp/wrk.txt" 2>&1 &
track $!
wait $! || fail "wrk failed: $(cat "$tmp/wrk.txt")"
c=$(metric 'carbonstat_agent_cycles_total{')
wait_cycles $((c + 1)) 100 0.05 || fail "no cycle after the load" # one cycle after the load
rss1=$(rss_kb)
c1=$(metric 'carbonstat_agent_cycles_total{')
ov=$(metric 'carbonstat_agent_cycle_overruns_total{')
dur=$(metric 'carbonstat_agent_cycle_duration_seconds{')
kill -0 "$apid" 2>/dev/null || fail "the agent died under load"

# ASan keeps freed memory in quarantine: RSS says nothing about leaks there.
sanitized=0
grep -qa '__asan_init' "$bin" && sanitized=1
python3 - "$tmp/wrk.txt" "$bytes" "$rss0" "$rss1" "$c0" "$c1" "$ov" "$dur" "$sanitized" <<'EOF' || fail "checks failed"
import re, sys
txt = open(sys.argv[1]).read()
body, rss0, rss1, c0, c1 = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
ov, dur = sys.argv[7], sys.argv[8]
fails = []
def check(ok, what):
    print("%s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        fails.append(what)
def unit(v, u):
    mult = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4, "B": 1, "KB": 1024, "MB": 1 << 20, "GB": 1 << 30}
    return float(v) * mult[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", txt).group(1))
req = int(re.search(r"(\d+) requests in", txt).group(1))
lat = re.search(r"Latency\s+([\d.]+)(us|ms|s)", txt)
p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", txt)
p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", txt)
rd = re.search(r"requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", txt)
sock = re.search(r"Socket errors: (.*)", txt)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", txt)
print("     wrk -t2 -c4 -d10s: %.0f requests/s, latency avg %.2f ms, p50 %.2f ms, p99 %.2f ms"
      % (rps, unit(*lat.groups()), unit(*p50.groups()), unit(*p99.groups())))
check(not sock, "no socket errors%s" % (": " + sock.group(1) if sock else ""))
check(not non2xx, "no non-2xx responses%s" % (": %s" % non2xx.group(1) if non2xx else ""))
per = unit(*rd.groups()) / max(req, 1)
check(per >= 0.9 * body, "whole bodies: %.0f bytes read per request, body %d bytes" % (per, body))
check(c1 - c0 >= 8, "the agent kept sampling under load: %d cycles in ~11 s (overruns total %s, last cycle %.1f ms)"
      % (c1 - c0, ov, float(dur) * 1000))
if sys.argv[9] == "1":
    print("note RSS %d kB -> %d kB: not checked in an ASan build (freed memory sits in quarantine)" % (rss0, rss1))
else:
    check(rss1 - rss0 < 2048, "RSS %d kB after warm-up -> %d kB after the load (%+d kB, limit +2048)"
          % (rss0, rss1, rss1 - rss0))
sys.exit(1 if fails else 0)
EOF
echo "PASS: load-wrk"
exit 0
