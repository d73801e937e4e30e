#!/usr/bin/env bash
# The real-cgroup attribution test: on this machine's kernel, create two
# cgroups (v2 in the unified hierarchy, v1 in cpuacct), run a CPU-bound loop
# in one and `sleep` in the other, and check with `carbonstat top --by cgroup`
# that the busy one gets >= 90 % of the active CPU energy attributed to the
# pair, and that every interval and component is conserved to the microjoule:
#   sum(workloads) + system + idle_unattributed == node_energy_uj.
# Needs root (or delegated cgroups) and python3; skips (exit 77) where no
# cgroup can be created (capability "cgroups") or, for v1, where no cpuacct
# hierarchy is mounted (capability "cgroup-v1"). Cleans up via trap.
# Usage: test_attr_real.sh path/to/carbonstat v2|v1   (one ctest each)
set -uo pipefail
bin=${1:?usage: test_attr_real.sh path/to/carbonstat v2|v1}
version=${2:?usage: test_attr_real.sh path/to/carbonstat v2|v1}
tmp=$(mktemp -d)
pids=()
groups=()
fail=0 tested=0

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	for g in "${groups[@]}"; do
		# Any straggler back to the parent, then remove the group.
		if [ -f "$g/cgroup.procs" ]; then
			while read -r p; do echo "$p" >"$(dirname "$g")/cgroup.procs" 2>/dev/null; done <"$g/cgroup.procs"
		fi
		rmdir "$g" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
# shellcheck source=tests/support/testlib.sh
. "$(cd "$(dirname "$0")/../support" && pwd)/testlib.sh"
need_cmd python3 python3

# run_case NAME HIER_DIR CGROUP_ROOT [VERSION]
run_case() {
	local name=$1 hier=$2 root=$3 busy sleeper bp sp
	busy="$hier/cs-attr-busy-$$"
	sleeper="$hier/cs-attr-sleep-$$"
	mkdir "$busy" 2>/dev/null ||
		skip_or_fail cgroups "$name: cannot create a cgroup in $hier (need root or a delegated hierarchy)"
	groups+=("$busy")
	mkdir "$sleeper" 2>/dev/null || skip_or_fail cgroups "$name: cannot create a second cgroup in $hier"
	groups+=("$sleeper")
	sh -c 'while :; do :; done' &
	bp=$!
	pids+=("$bp")
	sleep 1000 &
	sp=$!
	pids+=("$sp")
	if ! echo "$bp" >"$busy/cgroup.procs" 2>/dev/null || ! echo "$sp" >"$sleeper/cgroup.procs" 2>/dev/null; then
		skip_or_fail cgroups "$name: cannot move processes into cgroups under $hier"
	fi
	tested=$((tested + 1))
	if ! "$bin" top -b -n 3 --interval 1 --json --by cgroup --no-metadata --no-kubelet --cgroup-root "$root" \
		>"$tmp/$name.json" 2>"$tmp/$name.err"; then
		echo "FAIL $name: carbonstat top failed"
		sed 's/^/     /' "$tmp/$name.err"
		fail=$((fail + 1))
		return 0
	fi
	if python3 - "$tmp/$name.json" "$(basename "$busy")" "$(basename "$sleeper")" "$name" <<'EOF'; then :; else fail=$((fail + 1)); fi
import json, sys
path, busy, sleeper, name = sys.argv[1:5]
lines = open(path).read().splitlines()
assert len(lines) == 3, "%d lines" % len(lines)
comps = ("cpu", "dram", "gpu", "other")
act = {busy: 0, sleeper: 0}
for i, l in enumerate(lines):
    d = json.loads(l)
    assert d["by"] == "cgroup"
    for c in comps:
        s = sum(w["energy_uj"][c] for w in d["workloads"]) + d["system"]["energy_uj"][c] \
            + d["idle_unattributed"]["energy_uj"][c]
        if s != d["node_energy_uj"][c]:
            print("FAIL %s: interval %d %s: workloads+system+idle_unattributed %d != node %d uJ"
                  % (name, i, c, s, d["node_energy_uj"][c]))
            sys.exit(1)
        for w in d["workloads"]:
            assert w["energy_uj"][c] == w["active_uj"][c] + w["idle_uj"][c]
    for w in d["workloads"]:
        base = w["cgroup"].rsplit("/", 1)[-1]
        if base in act:
            act[base] += w["active_uj"]["cpu"]
tot = act[busy] + act[sleeper]
if tot <= 0:
    print("FAIL %s: no active CPU energy attributed to the two cgroups" % name)
    sys.exit(1)
share = act[busy] / tot
print("%s %s: busy cgroup %.4f of the pair's active CPU energy (%d of %d uJ); conserved in 3 intervals x 4 components"
      % ("ok  " if share >= 0.9 else "FAIL", name, share, act[busy], tot))
sys.exit(0 if share >= 0.9 else 1)
EOF
	kill "$bp" "$sp" 2>/dev/null
	wait "$bp" "$sp" 2>/dev/null
}

if [ "$version" = v2 ]; then
	# the unified hierarchy (hybrid mount) or a pure v2 mount
	if [ -f /sys/fs/cgroup/unified/cgroup.procs ]; then
		run_case v2 /sys/fs/cgroup/unified /sys/fs/cgroup/unified
	elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		run_case v2 /sys/fs/cgroup /sys/fs/cgroup
	else
		skip_or_fail cgroups "v2: no cgroup v2 hierarchy mounted"
	fi
else
	# cpuacct (or the joint cpu,cpuacct mount)
	v1=""
	for d in /sys/fs/cgroup/cpuacct /sys/fs/cgroup/cpu,cpuacct; do
		if [ -f "$d/cpuacct.usage" ]; then v1=$d; break; fi
	done
	[ -n "$v1" ] || skip_or_fail cgroup-v1 "v1: no cpuacct hierarchy mounted"
	run_case v1 "$v1" /sys/fs/cgroup
fi
[ $fail -eq 0 ] || { echo "$fail case(s) failed"; exit 1; }
exit 0
