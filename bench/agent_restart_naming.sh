#!/usr/bin/env bash
# bench/agent_restart_naming.sh - how long a restarted container goes without
# its name in the agent's output (its short id instead), with the default
# kubelet settings (timer 60 s, early refresh at most every 5 s).
#
# A fixture node (tests/agent/node_driver.py: PODS pods x 3 containers, a
# plain-HTTP kubelet) restarts one container under a new id every 4 s; the
# agent re-walks the cgroup tree every second (refresh = 1s), samples every
# second and writes JSON lines. After SECONDS s, for every restarted
# container seen: the cycles its rows had no container name.
# Usage: bench/agent_restart_naming.sh path/to/carbonstat [SECONDS] [PODS]
set -uo pipefail
bin=${1:?usage: agent_restart_naming.sh path/to/carbonstat [SECONDS] [PODS]}
secs=${2:-45}
pods=${3:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/agent/lib.sh
. "$root/tests/agent/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 0; }
agent_setup restartnaming
start_driver "$tmp" --pods "$pods" --containers 3 --kubelet --churn 4
driver_ready "$tmp" 300 || fail "node_driver.py did not get ready"
printf '[agent]\nrefresh = 1s\n' >"$tmp/agent.ini"
start_agent "$tmp" --config "$tmp/agent.ini" "${node_args[@]}" --interval 1s --no-prometheus \
	--jsonl "$tmp/out.jsonl" --node-name bench-node --country DE
sleep "$secs"
kill "$apid"
wait "$apid" 2>/dev/null
python3 - "$tmp/out.jsonl" "$tmp/node/driver.log" <<'PY'
import collections, json, re, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
new = set(re.findall(r"new=\S*cri-containerd-([0-9a-f]{64})", open(sys.argv[2]).read()))
ctr = [r for r in rows if r.get("kind") == "container" and r.get("container_id") in new]
seen = {r["container_id"] for r in ctr}
unnamed = collections.Counter(r["container_id"] for r in ctr if not r.get("container"))
v = sorted(unnamed.get(i, 0) for i in seen)
if not v:
    sys.exit("no restarted container seen; run longer")
print("restarted containers seen: %d; 1 s cycles each went unnamed: %s; max %d, mean %.1f"
      % (len(v), v, v[-1], sum(v) / len(v)))
PY
