#!/usr/bin/env bash
# Soak test: the agent for many short cycles on a churning node_driver.py
# node (containers restart under new ids every 0.3 s; the agent re-walks the
# cgroup tree every second and asks the kubelet every 5 s), with every
# exporter on (Prometheus, DogStatsD to a UDP sink, JSON lines, stdout), /metrics
# scraped continuously, and two SIGHUPs on the way (a changed [statsd] prefix,
# then an unchanged file: the reopen path). It exits by itself after N cycles
# (--cycles). Two ways to run it:
#   ASan+UBSan build (default): ASAN_OPTIONS=detect_leaks=1 (LeakSanitizer
#     at exit), UBSAN_OPTIONS=halt_on_error=1; 300 cycles at 100 ms.
#   --valgrind: valgrind --leak-check=full --error-exitcode=1 on a normal
#     build; 40 cycles at 200 ms.
# Passes when the agent exits 0, no sanitizer/valgrind report is on stderr,
# the JSON lines hold every cycle 1..N conserved per component (rows == node
# to the microjoule), and every scrape answered 200 (503 "no sample yet" only
# before the first cycle).
# Usage: soak.sh path/to/carbonstat [--valgrind] [--cycles N] [--interval DUR]
#   e.g. cmake -S . -B build-asan -DCS_SANITIZE=ON && make -C build-asan -j2 carbonstat
#        tests/agent/soak.sh build-asan/carbonstat
set -uo pipefail
bin=${1:?usage: soak.sh path/to/carbonstat [--valgrind] [--cycles N] [--interval DUR]}
shift
here=$(cd "$(dirname "$0")" && pwd)
mode=asan cycles="" interval=""
while [ $# -gt 0 ]; do
	case $1 in
	--valgrind) mode=valgrind ;;
	--cycles) cycles=$2; shift ;;
	--interval) interval=$2; shift ;;
	*) echo "soak.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
if [ $mode = valgrind ]; then cycles=${cycles:-40} interval=${interval:-200ms}
else cycles=${cycles:-300} interval=${interval:-100ms}; fi
# shellcheck source=tests/agent/lib.sh
. "$here/lib.sh"
need python3
need curl
[ $mode = valgrind ] && need valgrind

agent_setup soak
fail_tail=40

start_driver "$tmp" --pods 6 --containers 3 --kubelet --churn 0.3 --cg-tick 0.1
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
n = 0
while True:
    s.recv(65536); n += 1
    if n % 100 == 0: open(sys.argv[1], "w").write("%d\n" % n)' "$tmp/udp.count" >"$tmp/udp.port" &
track $!
driver_ready "$tmp" 300 "$tmp/udp.port" || fail "node_driver.py did not get ready"
uport=$(udp_port "$tmp")
aport=$(free_port)
write_cfg() {
	cat >"$tmp/agent.ini" <<EOF
[agent]
refresh = 1s

[kubelet]
refresh_s = 5

[statsd]
enabled = true
address = 127.0.0.1:$uport
prefix = $1
EOF
}
write_cfg soak

if [ $mode = valgrind ]; then
	agent_run=(valgrind --leak-check=full --error-exitcode=1 --log-file="$tmp/valgrind.%p.log" "$bin")
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "soak: $mode, $cycles cycles at $interval, containers restarting every 0.3 s"
t0=$SECONDS
start_agent "$tmp" --config "$tmp/agent.ini" "${node_args[@]}" --interval "$interval" \
	--listen "127.0.0.1:$aport" --jsonl "$tmp/out.jsonl" --stdout --node-name soak-node --country DE \
	--cycles "$cycles"

# Scrape until it exits; SIGHUP at 1/3 (prefix changed) and 2/3 (same file).
ok=0 bad=0 hup=0
while kill -0 "$apid" 2>/dev/null; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$aport/metrics" 2>/dev/null)
	case $code in
	200) ok=$((ok + 1)) ;;
	000) ;; # not listening yet, or exiting
	503) [ $ok -eq 0 ] || { bad=$((bad + 1)); echo "$(date +%T.%N) HTTP 503 after a 200" >>"$tmp/bad_scrapes.txt"; } ;; # before the first cycle: "no sample yet"
	*) bad=$((bad + 1)); echo "$(date +%T.%N) HTTP $code (hup=$hup)" >>"$tmp/bad_scrapes.txt" ;;
	esac
	seq=$(tail -n 400 "$tmp/out.jsonl" 2>/dev/null | grep -o '"seq":[0-9]*' | tail -n1 | cut -d: -f2)
	if [ -n "$seq" ] && [ $hup -eq 0 ] && [ "$seq" -ge $((cycles / 3)) ]; then
		write_cfg soak2; kill -HUP "$apid"; hup=1
	elif [ -n "$seq" ] && [ $hup -eq 1 ] && [ "$seq" -ge $((2 * cycles / 3)) ]; then
		kill -HUP "$apid"; hup=2
	fi
	sleep 0.05
done
wait "$apid"
rc=$?
secs=$((SECONDS - t0))
echo "soak: agent exit $rc after ${secs} s; $ok scrapes answered 200, $bad other; $hup SIGHUPs; $(cat "$tmp/udp.count" 2>/dev/null || echo 0)+ datagrams"
fails=0
[ $rc -eq 0 ] || { echo "FAIL agent exit status $rc"; fails=$((fails + 1)); }
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|Leak|Undefined)' "$tmp/agent.err"; then
	echo "FAIL sanitizer report:"; grep -A30 -E 'ERROR: |runtime error:' "$tmp/agent.err" | head -60
	fails=$((fails + 1))
fi
if [ $mode = valgrind ]; then
	for f in "$tmp"/valgrind.*.log; do
		if grep -qE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|indirectly lost: [1-9]|possibly lost: [1-9]' "$f"; then
			echo "FAIL valgrind ($f):"; sed -n '/HEAP SUMMARY/,$p' "$f" | head -40; grep -B2 -A25 'Invalid\|uninitialised\|lost in loss' "$f" | head -80
			fails=$((fails + 1))
		else
			echo "ok   valgrind: $(grep -E 'ERROR SUMMARY' "$f" | sed 's/^==[0-9]*== //'); $(grep -E 'in use at exit' "$f" | sed 's/^==[0-9]*== //')"
		fi
	done
fi
[ $bad -eq 0 ] && [ $ok -gt 0 ] || { echo "FAIL scrapes: $ok ok, $bad not 200:"; head -5 "$tmp/bad_scrapes.txt"; fails=$((fails + 1)); }
[ $hup -eq 2 ] || { echo "FAIL only $hup of 2 SIGHUPs sent"; fails=$((fails + 1)); }
grep -q 'configuration reloaded' "$tmp/agent.err" || { echo "FAIL no reload logged"; fails=$((fails + 1)); }
python3 - "$tmp/out.jsonl" "$cycles" "$tmp/node/driver.log" <<'EOF' || fails=$((fails + 1))
import json, sys
path, n, dlog = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cyc = {}
for l in open(path):
    o = json.loads(l)
    c = cyc.setdefault(o["seq"], [None, []])
    if o["type"] == "node":
        c[0] = o
    else:
        c[1].append(o)
seqs = sorted(cyc)
if seqs != list(range(1, n + 1)):
    print("FAIL JSON lines: seq %s..%s (%d cycles), want 1..%d" % (seqs[0], seqs[-1], len(seqs), n)); sys.exit(1)
uj = lambda x: round(x * 1e6)
for s in seqs:
    node, rows = cyc[s]
    for comp, v in node["energy_j"].items():
        if sum(uj(r["energy_j"].get(comp, 0)) for r in rows) != uj(v):
            print("FAIL JSON lines: seq %d %s not conserved" % (s, comp)); sys.exit(1)
churns = sum(1 for l in open(dlog) if " churn " in l)
print("ok   JSON lines: cycles 1..%d, rows == node per cycle and component; %d container restarts; %d..%d rows"
      % (n, churns, min(len(c[1]) for c in cyc.values()), max(len(c[1]) for c in cyc.values())))
EOF
[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "PASS: soak ($mode)"
exit 0
