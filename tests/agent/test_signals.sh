#!/usr/bin/env bash
# The agent's signals and start-up errors, on a node_driver.py fixture node
# in real time (interval 1 s):
#   1. SIGHUP reload: the config file's [statsd] prefix changes and [stdout]
#      gets enabled; after the HUP the DogStatsD lines carry the new prefix,
#      stdout gets the human lines, "configuration reloaded" is logged, and
#      the /metrics counters (cycles, node energy) carry on, never drop.
#   2. SIGHUP with a broken config file: the agent keeps running with the
#      previous configuration (one "reload failed" line on stderr; the prefix
#      stays; /metrics still grows).
#   3. logrotate: the JSON-lines file is renamed, then SIGHUP: a new file is
#      started at the path; both files hold only complete lines, the cycles
#      continue across them without a gap.
#   4. SIGTERM: exit 0 within 2 s, after a final flush (the last cycle in the
#      JSON lines is complete: its node line and every row).
#   5. Start-up errors: the Prometheus port in use -> exit non-zero with one
#      line on stderr naming the address; an unknown flag -> exit 2, one line.
# Usage: test_signals.sh path/to/carbonstat
set -uo pipefail
bin=${1:?usage: test_signals.sh path/to/carbonstat}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/agent/lib.sh
. "$here/lib.sh"
need python3

agent_setup signals
metric_timeout=2

# The fixture node and a DogStatsD sink (one datagram per line, as JSON).
start_driver "$tmp" --kubelet
start_udp_sink "$tmp"
driver_ready "$tmp" 300 "$tmp/udp.port" || { echo "FAIL node_driver.py did not get ready"; cat "$tmp/driver.err"; exit 1; }
uport=$(udp_port "$tmp")
aport=$(free_port)

write_cfg() { # write_cfg PREFIX STDOUT(true|false)
	cat >"$tmp/agent.ini" <<EOF
[agent]
interval = 1s
node_name = sig-node
country = DE

[prometheus]
listen = 127.0.0.1:$aport

[statsd]
enabled = true
address = 127.0.0.1:$uport
prefix = $1

[jsonl]
enabled = true
path = $tmp/out.jsonl

[stdout]
enabled = $2
EOF
}
write_cfg before false
start_agent "$tmp" --config "$tmp/agent.ini" "${node_args[@]}"
wait_cycles 2 || { echo "FAIL agent did not run 2 cycles"; cat "$tmp/agent.err"; exit 1; }

# 0. one start line: version, node, interval, power, location, intensity, exporters with the listen address
start=$(grep 'started: version' "$tmp/agent.err")
if [ "$(grep -c 'started: ' "$tmp/agent.err")" -eq 1 ] && grep -q "interval 1s" <<<"$start" &&
	grep -q "node sig-node" <<<"$start" && grep -q "power " <<<"$start" && grep -q "location DE" <<<"$start" &&
	grep -q "intensity " <<<"$start" && grep -q "prometheus on 127.0.0.1:$aport" <<<"$start" &&
	grep -q "jsonl" <<<"$start"; then ok "start: one line: $start"
else ko "start: want one 'started:' line naming all that runs, got:"; cat "$tmp/agent.err"; fi

# 1. SIGHUP reload: new statsd prefix, stdout on.
e0=$(metric 'carbonstat_node_energy_joules_total{node="sig-node",component="cpu"')
c0=$(metric 'carbonstat_agent_cycles_total{')
out0=$(wc -c <"$tmp/agent.out")
write_cfg after true
t_hup=$(date +%s.%N)
kill -HUP "$apid"
wait_cycles $((c0 + 3))
wait_for 10 grep -q '"d": "after\.' "$tmp/udp.jsonl" # a datagram with the new prefix has arrived
e1=$(metric 'carbonstat_node_energy_joules_total{node="sig-node",component="cpu"')
c1=$(metric 'carbonstat_agent_cycles_total{')
if grep -q 'configuration reloaded' "$tmp/agent.err"; then ok "SIGHUP: 'configuration reloaded' logged"; else ko "SIGHUP: no 'configuration reloaded' line"; fi
if python3 -c "import sys; sys.exit(0 if float('$e1') > float('$e0') > 0 and int('$c1') > int('$c0') else 1)" 2>/dev/null; then
	ok "SIGHUP: counters carry on (cycles $c0 -> $c1, node cpu energy $e0 -> $e1 J)"
else ko "SIGHUP: counters dropped or stalled (cycles $c0 -> $c1, node cpu energy $e0 -> $e1 J)"; fi
python3 - "$tmp/udp.jsonl" "$t_hup" <<'EOF' && ok "SIGHUP: DogStatsD prefix 'before.' -> 'after.'" || ko "SIGHUP: DogStatsD prefix did not change"
import json, sys
t_hup = float(sys.argv[2])
pre, post = set(), set()
for l in open(sys.argv[1]):
    p = json.loads(l)
    for line in p["d"].split("\n"):
        if line:
            (pre if p["t"] < t_hup else post).add(line.split(".", 1)[0])
print("     prefixes before HUP %s, after %s" % (sorted(pre), sorted(post)))
sys.exit(0 if pre == {"before"} and "after" in post and post <= {"before", "after"} else 1)
EOF
out1=$(wc -c <"$tmp/agent.out")
if [ "$out0" -eq 0 ] && [ "$out1" -gt 0 ]; then ok "SIGHUP: [stdout] enabled by reload ($out1 bytes of human lines)"
else ko "SIGHUP: stdout had $out0 bytes before, $out1 after reload (want 0, then > 0)"; fi

# 2. SIGHUP with a broken file: keeps running the previous configuration.
printf '[agent]\ninterval = 1s\nno_such_key = 1\n' >"$tmp/agent.ini"
c2=$(metric 'carbonstat_agent_cycles_total{')
t_bad=$(date +%s.%N)
kill -HUP "$apid"
wait_cycles $((c2 + 2))
c3=$(metric 'carbonstat_agent_cycles_total{')
if kill -0 "$apid" 2>/dev/null && [ -n "$c3" ] && [ "$c3" -gt "$c2" ]; then ok "broken config on SIGHUP: still running (cycles $c2 -> $c3)"
else ko "broken config on SIGHUP: agent stopped or stalled"; fi
n=$(grep -c 'reload failed' "$tmp/agent.err")
if [ "$n" -eq 1 ] && grep 'reload failed' "$tmp/agent.err" | grep -q 'no_such_key'; then
	ok "broken config on SIGHUP: one error line: $(grep 'reload failed' "$tmp/agent.err")"
else ko "broken config on SIGHUP: want one 'reload failed' line naming the key, got $n:"; cat "$tmp/agent.err"; fi
python3 - "$tmp/udp.jsonl" "$t_bad" <<'EOF' && ok "broken config on SIGHUP: the running prefix 'after.' stays" || ko "broken config: prefix changed"
import json, sys
t = float(sys.argv[2]) + 0.5
post = set()
for l in open(sys.argv[1]):
    p = json.loads(l)
    if p["t"] > t:
        post |= {x.split(".", 1)[0] for x in p["d"].split("\n") if x}
sys.exit(0 if post == {"after"} else 1)
EOF
write_cfg after true

# 3. logrotate: rename, then HUP -> a new file at the path.
mv "$tmp/out.jsonl" "$tmp/out.jsonl.1"
kill -HUP "$apid"
c4=$(metric 'carbonstat_agent_cycles_total{')
wait_cycles $((c4 + 3))
if [ -s "$tmp/out.jsonl" ]; then ok "logrotate: rename + SIGHUP -> a new $(basename "$tmp/out.jsonl")"
else ko "logrotate: no new file at the path after SIGHUP"; fi

# 4. SIGTERM: exit 0 within 2 s, last cycle flushed whole.
t0=$(date +%s%N)
kill -TERM "$apid"
wait "$apid"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
max_ms=$(awk -v s="$(scaled 2)" 'BEGIN { printf "%d", s * 1000 }') # 2 s; stretched under sanitizers
if [ $rc -eq 0 ] && [ $ms -le "$max_ms" ]; then ok "SIGTERM: exit 0 in $ms ms"; else ko "SIGTERM: exit $rc after $ms ms (want 0 within $max_ms)"; fi
if [ "$(grep -c 'stopped after [0-9]* cycles' "$tmp/agent.err")" -eq 1 ]; then ok "stop: one line: $(grep 'stopped after' "$tmp/agent.err")"
else ko "stop: want one 'stopped after N cycles' line"; fi
python3 - "$tmp/out.jsonl.1" "$tmp/out.jsonl" <<'EOF' && ok "JSON lines: complete lines, cycles contiguous across the rotation, last cycle complete" || ko "JSON lines after rotation/SIGTERM"
import json, sys
seqs = {}
for path in sys.argv[1:]:
    data = open(path).read()
    if data and not data.endswith("\n"):
        print("     %s ends in a partial line" % path); sys.exit(1)
    for l in data.splitlines():
        o = json.loads(l)
        s = seqs.setdefault(o["seq"], {"node": 0, "rows": 0, "files": set()})
        s["node" if o["type"] == "node" else "rows"] += 1
        s["files"].add(path)
ks = sorted(seqs)
if ks != list(range(ks[0], ks[-1] + 1)):
    print("     seq gaps: %s" % ks); sys.exit(1)
for k in ks:
    if seqs[k]["node"] != 1 or seqs[k]["rows"] < 3 or len(seqs[k]["files"]) != 1:
        print("     seq %d: %s" % (k, seqs[k])); sys.exit(1)
last = seqs[ks[-1]]
print("     seq %d..%d, %d in the rotated file; the last (final flush) has its node line and %d rows"
      % (ks[0], ks[-1], sum(1 for k in ks if sys.argv[1] in seqs[k]["files"]), last["rows"]))
EOF

# 5. Start-up errors: port in use, bad flag.
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(1); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$tmp/busy.port" 2>/dev/null &
busy=$!
track $busy
wait_for 10 test -s "$tmp/busy.port"
bport=$(head -n1 "$tmp/busy.port")
timeout 10 "$bin" agent --sysfs-root "$SYSFS_ROOT" --procfs-root "$PROCFS_ROOT" --cgroup-root "$CGROUP_ROOT" \
	--no-metadata --no-kubelet --interval 1s --listen "127.0.0.1:$bport" --cycles 1 >"$tmp/busy.out" 2>"$tmp/busy.err"
rc=$?
lines=$(grep -c . "$tmp/busy.err")
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ "$lines" -eq 1 ] && grep -q "$bport" "$tmp/busy.err"; then
	ok "port in use: exit $rc, one line: $(cat "$tmp/busy.err")"
else ko "port in use: exit $rc, $lines stderr line(s) (want non-zero, one line naming :$bport):"; cat "$tmp/busy.err"; fi
"$bin" agent --no-such-flag >"$tmp/flag.out" 2>"$tmp/flag.err"
rc=$?
lines=$(grep -c . "$tmp/flag.err")
if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && grep -q -- '--no-such-flag' "$tmp/flag.err"; then
	ok "unknown flag: exit 2, one line: $(cat "$tmp/flag.err")"
else ko "unknown flag: exit $rc, $lines line(s) (want 2, one line):"; cat "$tmp/flag.err"; fi

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "PASS: signals"
exit 0
