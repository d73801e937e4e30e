#!/usr/bin/env bash
# bench/agent_real_cgroups.sh - the agent's cost per cycle on this machine's
# real cgroup files (kernfs), where bench/agent_bench.sh uses fixture files.
#
# Creates N empty cgroups (default 1,000) in the real hierarchy: cgroup v2 if
# the root has the memory controller, else the v1 cpuacct and memory
# hierarchies of a hybrid host (both are read per workload, as on a v1
# Kubernetes node). Runs the agent on the real /sys, /proc and cgroup tree
# (no kubelet, Prometheus on) every second and measures, over CYCLES cycles:
#   ms/cycle   carbonstat_agent_cpu_seconds_total per cycle (ns resolution)
#   %core@5s   ms/cycle over the default 5 s interval
#   RSS, anon  VmRSS, RssAnon at the end
# The groups are removed on exit. Needs root (creating cgroups); skips
# otherwise. Usage: bench/agent_real_cgroups.sh path/to/carbonstat [N] [CYCLES]
set -uo pipefail
bin=${1:?usage: agent_real_cgroups.sh path/to/carbonstat [N] [CYCLES]}
n=${2:-1000}
cycles=${3:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/agent/lib.sh
. "$root/tests/agent/lib.sh"
for c in curl python3; do command -v $c >/dev/null 2>&1 || { echo "SKIP: $c not found"; exit 0; }; done
agent_setup agentreal
made=()
remove_groups() {
	for ((i = ${#made[@]} - 1; i >= 0; i--)); do rmdir "${made[$i]}" 2>/dev/null; done
}
# the agent first (lib.sh's cleanup), then its groups
trap 'cleanup; remove_groups' EXIT

if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	kind=v2
	tops=(/sys/fs/cgroup)
elif [ -d /sys/fs/cgroup/cpuacct ] && [ -d /sys/fs/cgroup/memory ]; then
	kind=v1
	tops=(/sys/fs/cgroup/cpuacct /sys/fs/cgroup/memory)
else
	echo "SKIP: no cgroup v2 memory controller nor v1 cpuacct+memory hierarchies"
	exit 0
fi
for t in "${tops[@]}"; do
	d=$t/cs-bench-$$
	mkdir "$d" 2>/dev/null || { echo "SKIP: cannot create cgroups in $t (need root)"; exit 0; }
	made+=("$d")
	for i in $(seq "$n"); do mkdir "$d/c$i" && made+=("$d/c$i"); done
done

aport=$(free_port)
start_agent "$tmp" --cgroup-root /sys/fs/cgroup --no-kubelet --no-metadata --interval 1s \
	--listen "127.0.0.1:$aport" --node-name bench-real --country DE
wait_cycles 3 200 0.1 || fail "the agent did not run"
c0=$(metric 'carbonstat_agent_cycles_total{')
s0=$(metric 'carbonstat_agent_cpu_seconds_total{')
sleep "$cycles"
c1=$(metric 'carbonstat_agent_cycles_total{')
s1=$(metric 'carbonstat_agent_cpu_seconds_total{')
rows=$(metric 'carbonstat_agent_series{')
rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$apid/status")
anon=$(awk '$1 == "RssAnon:" { print $2 }' "/proc/$apid/status")
python3 - "$kind" "$n" "$rows" "$c0" "$c1" "$s0" "$s1" "$rss" "$anon" <<'PY'
import sys
kind, n, rows = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c0, c1, s0, s1, rss, anon = (float(x) for x in sys.argv[4:10])
ms = (s1 - s0) / max(c1 - c0, 1) * 1e3
print("%-5s %8s %6s %10s %9s %8s %8s" % ("kind", "cgroups", "rows", "ms/cycle", "%core@5s", "RSS MB", "anon MB"))
print("%-5s %8d %6s %10.2f %8.4f%% %8.1f %8.1f" % (kind, n, rows, ms, ms / 5000 * 100, rss / 1024, anon / 1024))
PY
