#!/usr/bin/env bash
# bench/agent_real_cgroups.sh - what `carbonstat agent` costs on this
# machine's real cgroup files (kernfs), at the production 5 s cadence, with
# every container busy. (bench/agent_bench.sh uses fixture files instead.)
#
# Creates N cgroups (default 1,000) in the real hierarchy: cgroup v2 if the
# root has the memory controller, else the v1 cpuacct and memory hierarchies
# of a hybrid host (both are read per workload, as on a v1 Kubernetes node).
# bench/busy_cgroups puts one process in each, waking every second to run
# ~20 us, so every container's CPU counter moves between any two cycles.
# The agent runs on the real /sys, /proc and cgroup tree (
# a static kubelet /pods naming every container with LAYOUT=k8s,
# Prometheus on, scraped every SCRAPE_S s, default 15) at INTERVAL (default
# 5s), in a memory cgroup of its own so its kernel memory can be read. Each
# of RUNS runs (default 3) starts a fresh agent, warms up 3 cycles, then
# measures over CYCLES cycles (default 6):
#   ms/cycle   CPU time of ALL the agent's threads (sum of the first field of
#              /proc/PID/task/*/schedstat, ns), scrapes included, per cycle;
#              beside it the sampling thread's own (/proc/PID/schedstat)
#   %core      ms/cycle over the interval: the share of one core
#   anon MiB   RssAnon at the end (the agent's own memory, no library pages)
#   kmem MiB   kernel memory charged to the agent's cgroup at the end (v1
#              memory.kmem.usage_in_bytes, v2 memory.stat kernel): an upper
#              bound of what its kept-open files pin (struct file, seq_file
#              buffer), beside the agent's own count of kept-open files
#              and its estimate of what they pin
#              (carbonstat_agent_kernel_memory_bytes)
# and prints min / median / max over the runs. The groups are removed on
# exit. Needs root; skips otherwise.
# Usage: bench/agent_real_cgroups.sh path/to/carbonstat [N] [CYCLES] [RUNS]
#   e.g.  sudo bench/agent_real_cgroups.sh build/carbonstat 1000
#         sudo bench/agent_real_cgroups.sh build/carbonstat 5000
#   INTERVAL=1s shortens a run (the cost per cycle hardly depends on it).
#   WARMUP=N cycles before the (first) window, default 3. The memory files'
#   dynamic housekeeping ([agent] memory_stat_max) reaches its steady state
#   after memory_stat_max - memory_stat (6 min with the defaults): WARMUP=75
#   at 5 s, with ONE_AGENT=1 so the RUNS are consecutive windows of one
#   agent started (and warmed up) once, instead of a fresh agent each.
#   KERNEL_MEMORY=32M sets [agent] kernel_memory (default: the agent's, 3900K),
#   KERNEL_MEMORY_PER_WORKLOAD=4800 its kernel_memory_per_workload (3900).
# The machine's load matters little (CPU time, not wall time, is measured)
# but is printed (uptime) beside the figures.
set -uo pipefail
bin=${1:?usage: agent_real_cgroups.sh path/to/carbonstat [N] [CYCLES] [RUNS]}
n=${2:-1000}
cycles=${3:-6}
runs=${4:-3}
interval=${INTERVAL:-5s}
warmup=${WARMUP:-3}
one_agent=${ONE_AGENT:-0}
[ -n "${KERNEL_MEMORY:-}" ] && export CARBONSTAT_AGENT_KERNEL_MEMORY=$KERNEL_MEMORY
[ -n "${KERNEL_MEMORY_PER_WORKLOAD:-}" ] && export CARBONSTAT_AGENT_KERNEL_MEMORY_PER_WORKLOAD=$KERNEL_MEMORY_PER_WORKLOAD
scrape_s=${SCRAPE_S:-15}
root=$(cd "$(dirname "$0")/.." && pwd)
busy=$(dirname "$bin")/bench/busy_cgroups
# shellcheck source=tests/agent/lib.sh
. "$root/tests/agent/lib.sh"
for c in curl python3; do command -v $c >/dev/null 2>&1 || { echo "SKIP: $c not found"; exit 0; }; done
[ -x "$busy" ] || { echo "SKIP: $busy not built"; exit 0; }
agent_setup agentreal
made=()
remove_groups() {
	for ((i = ${#made[@]} - 1; i >= 0; i--)); do rmdir "${made[$i]}" 2>/dev/null; done
}
# the agent and the busy processes first (lib.sh's cleanup), then the groups
trap 'exec 4>&- 2>/dev/null; cleanup; sleep 1.5; remove_groups' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	kind=v2
	tops=(/sys/fs/cgroup)
	memtop=/sys/fs/cgroup
elif [ -d /sys/fs/cgroup/cpuacct ] && [ -d /sys/fs/cgroup/memory ]; then
	kind=v1
	tops=(/sys/fs/cgroup/cpuacct /sys/fs/cgroup/memory)
	memtop=/sys/fs/cgroup/memory
else
	echo "SKIP: no cgroup v2 memory controller nor v1 cpuacct+memory hierarchies"
	exit 0
fi
# LAYOUT=k8s (default): N/10 pods of 10 containers as the kubelet's systemd
# driver and containerd name them (kubepods.slice/kubepods-burstable.slice/
# kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope); LAYOUT=flat:
# N plain cgroups cs-bench-PID/c<i> (every one listed at each re-walk).
layout=${LAYOUT:-k8s}
paths=()
if [ "$layout" = flat ]; then
	paths+=("cs-bench-$$")
	for i in $(seq "$n"); do paths+=("cs-bench-$$/c$i"); done
else
	qos=kubepods.slice/kubepods-burstable.slice
	paths+=(kubepods.slice "$qos")
	for ((p = 0; p < (n + 9) / 10; p++)); do
		pod=$(printf '%s/kubepods-burstable-pod%08x_%04x_4000_8000_%012x.slice' "$qos" $$ 0 "$p")
		paths+=("$pod")
		for ((c = 0; c < 10 && p * 10 + c < n; c++)); do
			paths+=("$pod/$(printf 'cri-containerd-%056x%08x.scope' "$p" "$c")")
		done
	done
fi
for t in "${tops[@]}"; do
	[ -w "$t" ] || { echo "SKIP: cannot create cgroups in $t (need root)"; exit 0; }
	for p in "${paths[@]}"; do
		[ -d "$t/$p" ] && continue # kubepods.slice of a real node is left alone
		mkdir "$t/$p" || { echo "SKIP: cannot create cgroup $t/$p"; exit 0; }
		made+=("$t/$p")
	done
	done
# the leaves, in order, for busy_cgroups (one line per busy process)
for p in "${paths[@]}"; do
	case $p in */c[0-9]* | *.scope) echo "$p" ;; esac
done >"$tmp/leaves"
# the agent's own memory cgroup (outside the walked cpuacct tree on v1)
agcg=$memtop/cs-bench-agent-$$
mkdir "$agcg" && made+=("$agcg")
[ $kind = v2 ] && echo "+memory" >"$memtop/cgroup.subtree_control" 2>/dev/null
# shellcheck disable=SC2016
agent_run=(sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$agcg" "$bin")

# k8s: the pods and containers, named, from a static kubelet /pods (the
# agent's series are per container, as on a real node)
kubelet_args=(--no-kubelet)
if [ "$layout" = k8s ]; then
	mkdir "$tmp/kubelet"
	python3 - "$tmp/leaves" >"$tmp/kubelet/pods" <<'PY'
import json, re, sys
pods = {}
for line in open(sys.argv[1]):
    m = re.search(r"pod([0-9a-f_]+)\.slice/cri-containerd-([0-9a-f]+)\.scope", line)
    uid, cid = m.group(1).replace("_", "-"), m.group(2)
    pods.setdefault(uid, []).append(cid)
items = []
for k, (uid, cids) in enumerate(sorted(pods.items())):
    items.append({"metadata": {"name": "app-%d" % k, "namespace": "ns-%d" % (k % 10), "uid": uid},
                  "spec": {"containers": [{"name": "c%d" % j} for j in range(len(cids))]},
                  "status": {"phase": "Running", "qosClass": "Burstable",
                             "containerStatuses": [{"name": "c%d" % j, "containerID": "containerd://" + c}
                                                   for j, c in enumerate(cids)]}})
print(json.dumps({"kind": "PodList", "apiVersion": "v1", "items": items}))
PY
	kport=$(free_port)
	python3 -m http.server --bind 127.0.0.1 --directory "$tmp/kubelet" "$kport" >/dev/null 2>&1 &
	track $!
	kubelet_args=(--kubelet-url "http://127.0.0.1:$kport/pods")
fi
mkfifo "$tmp/busy.in"
"$busy" "$tmp/leaves" 1000 "${tops[@]}" <"$tmp/busy.in" >"$tmp/busy.out" 2>"$tmp/busy.err" &
track $!
exec 4>"$tmp/busy.in"
for _ in $(seq 600); do grep -q '^ready' "$tmp/busy.out" && break; sleep 0.1; done
grep -q '^ready' "$tmp/busy.out" || fail "busy_cgroups did not start: $(cat "$tmp/busy.err")"
sleep 2 # every child in its group

iv_s=$(python3 -c "import sys; v = sys.argv[1]; print(float(v[:-2]) / 1000 if v.endswith('ms') else float(v.rstrip('s')))" "$interval")
# %.0f, not %d: mawk clamps %d to 2^31 - 1 (2.1 s of CPU time, reached by a long warm-up)
sched_ns() { cat /proc/"$apid"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'; }
main_ns() { awk '{ printf "%.0f", $1 }' /proc/"$apid"/schedstat; } # the sampling thread alone
kmem_bytes() {
	if [ $kind = v1 ]; then cat "$agcg/memory.kmem.usage_in_bytes"
	else awk '$1 == "kernel" { print $2 }' "$agcg/memory.stat"; fi
}
results=$tmp/results
for r in $(seq "$runs"); do
	if [ "$one_agent" = 0 ] || [ "$r" = 1 ]; then
		aport=$(free_port)
		start_agent "$tmp" --cgroup-root /sys/fs/cgroup "${kubelet_args[@]}" --no-metadata --interval "$interval" \
			--listen "127.0.0.1:$aport" --node-name bench-real --country DE
		# poll every 0.1 s for a short warm-up, every second for a long one
		if [ "$warmup" -le 10 ]; then
			wait_cycles "$warmup" $((200 * ${iv_s%.*} + 200)) 0.1 || fail "the agent did not run"
		else
			wait_cycles "$warmup" $(((warmup + 10) * ${iv_s%.*} + 20)) 1 || fail "the agent did not run"
		fi
	fi
	# start just after a cycle (cycles run at wall-clock multiples of the interval)
	sleep "$(python3 -c "import time; iv = $iv_s; print((iv + 0.3 - time.time() % iv) % iv)")"
	# the window's own reads of /metrics stay outside it: only the scrapes
	# below, one every SCRAPE_S s, fall inside
	c0=$(metric 'carbonstat_agent_cycles_total{')
	t0=$(sched_ns) m0=$(main_ns)
	# PERF=FILE: a CPU profile of the first run's window (perf record; PERF_ARGS, default -F 4000 -g)
	# shellcheck disable=SC2086 # PERF_ARGS is split into options
	[ -n "${PERF:-}" ] && [ "$r" = 1 ] && { perf record -q ${PERF_ARGS:--F 4000 -g} -o "$PERF" -p "$apid" -- sleep "$(python3 -c "print($cycles * $iv_s)")" >/dev/null 2>&1 & }
	end=$(python3 -c "print($cycles * $iv_s)")
	python3 - "$aport" "$end" "$scrape_s" <<'PY' # scrapes while the window runs
import sys, time, urllib.request
port, end, every = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
t0 = time.time()
k = 1
while k * every <= end + 0.01: # at every, 2 * every, ... up to the window's end
    time.sleep(max(0.0, k * every - (time.time() - t0)))
    urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port).read()
    k += 1
time.sleep(max(0.0, end - (time.time() - t0)))
PY
	t1=$(sched_ns) m1=$(main_ns)
	c1=$(metric 'carbonstat_agent_cycles_total{')
	rows=$(metric 'carbonstat_agent_series{')
	files=$(metric 'carbonstat_agent_open_files{')
	kest=$(metric 'carbonstat_agent_kernel_memory_bytes{')
	anon=$(awk '$1 == "RssAnon:" { print $2 }' "/proc/$apid/status")
	kmem=$(kmem_bytes)
	echo "$t0 $t1 $c0 $c1 $anon $kmem $rows $files $m0 $m1 ${kest:-0}" >>"$results"
	[ "$one_agent" = 0 ] || [ "$r" = "$runs" ] || continue
	kill "$apid"
	wait "$apid" 2>/dev/null
done
echo "# $(uptime)"
python3 - "$kind" "$n" "$iv_s" "$results" "$layout" "$warmup" "$one_agent" "${CARBONSTAT_AGENT_KERNEL_MEMORY:-default}" \
	"${CARBONSTAT_AGENT_KERNEL_MEMORY_PER_WORKLOAD:-default}" <<'PY'
import statistics, sys
kind, n, iv = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
how = "windows of one agent" if sys.argv[7] != "0" else "runs"
ms, pct, anon, kmem, rows, files, main, kest = [], [], [], [], [], [], [], []
for line in open(sys.argv[4]):
    t0, t1, c0, c1, a, k, r, f, m0, m1, ke = line.split()
    kest.append(float(ke) / 2**20)
    per = (float(t1) - float(t0)) / max(float(c1) - float(c0), 1) / 1e6
    main.append((float(m1) - float(m0)) / max(float(c1) - float(c0), 1) / 1e6)
    ms.append(per); pct.append(per / (iv * 1000) * 100)
    anon.append(float(a) / 1024); kmem.append(float(k) / 2**20); rows.append(r); files.append(f)
def mmm(v, fmt):
    return "/".join(fmt % x for x in (min(v), statistics.median(v), max(v)))
print("kind %s, %d busy cgroups, interval %gs, warm-up %s cycles, kernel_memory %s (per workload %s), %d %s "
      "(min/median/max), rows %s, kept-open files %s"
      % (kind + " " + sys.argv[5], n, iv, sys.argv[6], sys.argv[8], sys.argv[9], len(ms), how, rows[-1], files[-1]))
print("  ms/cycle (all threads)  %s" % mmm(ms, "%.2f"))
print("    of which sampling     %s (the rest: HTTP threads, scrapes)" % mmm(main, "%.2f"))
print("  %% of one core           %s" % mmm(pct, "%.4f"))
print("  RssAnon MiB             %s" % mmm(anon, "%.2f"))
print("  kernel memory MiB       %s (the agent's cgroup)" % mmm(kmem, "%.2f"))
print("    kept-open files MiB   %s = %s MB (the agent's estimate, carbonstat_agent_kernel_memory_bytes)"
      % (mmm(kest, "%.2f"), mmm([x * 2**20 / 1e6 for x in kest], "%.2f")))
# issue #15's targets, against the median and the worst run
targets = {1000: [("% of one core", pct, 0.10), ("RssAnon MB", [a * 2**20 / 1e6 for a in anon], 5.0),
                  ("kept-open files MB", [x * 2**20 / 1e6 for x in kest], 4.0)],
           5000: [("% of one core", pct, 0.5)]}
for name, v, lim in targets.get(n, []):
    print("  target %-20s <= %-5g median %s, max %s" % (name, lim, "met" if statistics.median(v) <= lim else "MISSED",
                                                      "met" if max(v) <= lim else "over"))
PY
