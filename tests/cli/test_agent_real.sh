#!/usr/bin/env bash
# The agent on this machine's real kernel: two cgroups in the cgroup v2
# unified hierarchy, a CPU-bound loop in one and `sleep` in the other; the
# agent runs on the real /sys, /proc and cgroup tree with the JSON-lines and
# Prometheus exporters. Checks, from the JSON lines: every cycle's rows add up
# to the node's energy per component to the microjoule; the busy group's row
# gets >= 90 % of the pair's CPU energy; totals never decrease. And from
# /metrics (scraped while it runs): the busy group's series exist.
# Needs root (or a delegated hierarchy) and python3; skips (77, capability
# "cgroups") otherwise.
# Usage: test_agent_real.sh path/to/carbonstat
set -uo pipefail
bin=${1:?usage: test_agent_real.sh path/to/carbonstat}
tmp=$(mktemp -d)
pids=()
groups=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	for g in "${groups[@]}"; do
		[ -f "$g/cgroup.procs" ] && while read -r p; do echo "$p" >"$(dirname "$g")/cgroup.procs" 2>/dev/null; done <"$g/cgroup.procs"
		rmdir "$g" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
# shellcheck source=tests/support/testlib.sh
. "$(cd "$(dirname "$0")/../support" && pwd)/testlib.sh"
need_cmd python3 python3
need_cmd curl curl
root=""
for r in /sys/fs/cgroup/unified /sys/fs/cgroup; do
	[ -f "$r/cgroup.controllers" ] && { root=$r; break; }
done
[ -n "$root" ] || skip_or_fail cgroups "no cgroup v2 hierarchy mounted"
busy="$root/cs-agent-busy-$$"
sleeper="$root/cs-agent-sleep-$$"
mkdir "$busy" 2>/dev/null || skip_or_fail cgroups "cannot create a cgroup in $root (need root or delegation)"
groups+=("$busy")
mkdir "$sleeper" 2>/dev/null || skip_or_fail cgroups "cannot create a second cgroup"
groups+=("$sleeper")
sh -c 'while :; do :; done' &
pids+=($!)
echo $! >"$busy/cgroup.procs" || skip_or_fail cgroups "cannot move a process into $busy"
sleep 1000 &
pids+=($!)
echo $! >"$sleeper/cgroup.procs" || skip_or_fail cgroups "cannot move a process into $sleeper"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" agent --no-metadata --no-kubelet --cgroup-root "$root" --country DE --interval 500ms --no-align \
	--cycles 6 --listen "127.0.0.1:$port" --jsonl "$tmp/out.jsonl" 2>"$tmp/err" &
apid=$!
pids+=($apid)
# /metrics once the busy group's series are there (the agent runs 6 cycles of 0.5 s)
has_busy() { curl -fsS --max-time 2 "http://127.0.0.1:$port/metrics" >"$tmp/metrics" 2>/dev/null &&
	grep -q "$(basename "$busy")" "$tmp/metrics"; }
wait_for 20 has_busy
wait $apid
rc=$?
if [ $rc -ne 0 ]; then echo "FAIL agent exited $rc"; sed 's/^/     /' "$tmp/err"; exit 1; fi
python3 - "$tmp/out.jsonl" "$(basename "$busy")" "$(basename "$sleeper")" "$tmp/metrics" <<'PY'
import json, sys, collections
path, busy, sleeper, metrics = sys.argv[1:5]
cycles = collections.OrderedDict()
for line in open(path):
    d = json.loads(line)
    cycles.setdefault(d["seq"], []).append(d)
assert len(cycles) == 6, "%d cycles" % len(cycles)
fails = 0
pair = {busy: 0.0, sleeper: 0.0}
last_tot = {}
for seq, objs in cycles.items():
    node = [o for o in objs if o["type"] == "node"]
    rows = [o for o in objs if o["type"] != "node"]
    assert len(node) == 1, "cycle %s: %d node objects" % (seq, len(node))
    for c, e in node[0]["energy_j"].items():
        s = sum(round(r["energy_j"].get(c, 0) * 1e6) for r in rows)
        if s != round(e * 1e6):
            print("FAIL cycle %s %s: rows %d uJ != node %d uJ" % (seq, c, s, round(e * 1e6))); fails += 1
    for r in rows:
        name = r.get("cgroup") or r["name"]
        for g in pair:
            if name.endswith(g):
                pair[g] += r["energy_j"].get("cpu", 0)
        key = (r["type"], r.get("cgroup"), r["name"])
        tot = sum(r["energy_j_total"].values())
        if tot + 1e-9 < last_tot.get(key, 0):
            print("FAIL total decreased for %s" % (key,)); fails += 1
        last_tot[key] = tot
share = pair[busy] / (pair[busy] + pair[sleeper]) if pair[busy] + pair[sleeper] > 0 else 0
print("busy group: %.3f J, sleeping group: %.3f J of CPU energy (%.1f %%)" % (pair[busy], pair[sleeper], 100 * share))
if share < 0.9:
    print("FAIL busy share below 90 %"); fails += 1
m = open(metrics).read()
if busy not in m:
    print("FAIL /metrics has no series for %s" % busy); fails += 1
print("ok" if not fails else "%d failures" % fails)
sys.exit(1 if fails else 0)
PY
