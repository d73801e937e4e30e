#!/usr/bin/env bash
# `carbonstat run` and the real cgroup hierarchies of this machine (root only):
#  - DRAM share on a hybrid host: cgroup2 without the memory controller and a
#    cgroup v1 memory hierarchy mounted: the command's memory is read from a
#    v1 memory group, so it gets DRAM energy (memory_method cgroup-v1);
#  - SIGKILL of carbonstat kills the command (PR_SET_PDEATHSIG);
#  - the carbonstat-run-<pid> groups a killed run leaves are removed by the
#    next run, and so is a group of a dead pid made by hand.
# Usage: test_run_cgroups.sh path/to/carbonstat. Exits 77 when this machine
# cannot run a part (capability 'cgroups': root and a writable hierarchy;
# 'cgroup-v1': the hybrid layout); CS_REQUIRE=cap,... makes that a failure.
set -uo pipefail
bin=${1:?usage: test_run_cgroups.sh path/to/carbonstat}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0 skipped=""

ok() { n=$((n + 1)); echo "ok   $1"; }
ko() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | head -20; }
. "$(cd "$(dirname "$0")/../support" && pwd)/testlib.sh"
# skip CAP MSG: this part cannot run here (a failure if CS_REQUIRE names CAP).
skip() {
	if cs_required "$1"; then ko "$2 (CS_REQUIRE requires '$1')"; else echo "SKIP: $2 (capability '$1')"; skipped=1; fi
}

v2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ "$(id -u)" -ne 0 ] || [ -z "$v2" ] || [ ! -w "$v2" ]; then
	skip cgroups "not root, or no writable cgroup2 mount"
	[ $fail -eq 0 ] && exit 77
	exit 1
fi
v2own=$v2$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
v2own=${v2own%/}

# (1) DRAM on a hybrid host. The command holds 300 MB for 1.5 s of CPU.
hold='import time
a = bytearray(300 << 20)
for i in range(0, len(a), 4096):
    a[i] = 1
while time.process_time() < 1.5:
    pass'
memv1=$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ { print $5; exit }' /proc/self/mountinfo)
if grep -qw memory "$v2/cgroup.controllers" 2>/dev/null; then
	skip cgroup-v1 "cgroup2 has the memory controller here: not a hybrid host"
elif [ -z "$memv1" ] || [ ! -w "$memv1" ]; then
	skip cgroup-v1 "no writable cgroup v1 memory hierarchy beside cgroup2"
else
	"$bin" run --json --interval 200 --no-metadata --output "$tmp/mem.json" -- python3 -c "$hold"
	rc=$?
	if [ $rc -eq 0 ] && [ "$(json "$tmp/mem.json" 'd["memory_method"]')" = cgroup-v1 ] &&
		[ "$(json "$tmp/mem.json" 'd["attribution"]["energy_uj"]["dram"] > 0')" = True ]; then
		ok "hybrid host: DRAM share through the v1 memory group ($(json "$tmp/mem.json" 'd["attribution"]["energy_uj"]["dram"]') uJ)"
	else ko "hybrid host DRAM share (rc=$rc)" "$tmp/mem.json"; fi
	# Without any memory hierarchy the report says why the DRAM share is 0.
	"$bin" run --json --no-metadata --cgroup-root "$v2" --output "$tmp/nomem.json" -- true
	if [ "$(json "$tmp/nomem.json" 'd["memory_method"]')" = none ] &&
		[ "$(json "$tmp/nomem.json" 'any("no DRAM share" in x for x in d["notices"])')" = True ]; then
		ok "no memory hierarchy: the report says why there is no DRAM share"
	else ko "no-DRAM notice" "$tmp/nomem.json"; fi
fi

# (2) SIGKILL of carbonstat kills the command.
"$bin" run --no-metadata -- sh -c 'echo $$ >"$0"; exec sleep 60' "$tmp/child.pid" 2>/dev/null &
cs=$!
wait_for 10 test -s "$tmp/child.pid"
child=$(cat "$tmp/child.pid" 2>/dev/null)
kill -KILL $cs
wait $cs 2>/dev/null
gone() { ! kill -0 "$child" 2>/dev/null; }
if [ -n "$child" ] && wait_for 5 gone; then ok "SIGKILL of carbonstat run kills the command"
else ko "the command outlived a SIGKILLed carbonstat run (pid ${child:-?})"; kill -9 "$child" 2>/dev/null; fi

# (3) The killed run's group, and one of a dead pid made by hand, are removed
# by the next run.
left=$(find "$v2" -maxdepth 3 -name "carbonstat-run-$cs" 2>/dev/null | head -1)
sh -c 'exit 0' &
dead=$!
wait $dead
mkdir -p "$v2own/carbonstat-run-$dead"
"$bin" run --no-metadata -- true 2>"$tmp/clean.err"
still=$(find /sys/fs/cgroup -maxdepth 6 \( -name "carbonstat-run-$cs" -o -name "carbonstat-run-$dead" \) 2>/dev/null)
if [ -z "$still" ]; then ok "stale groups cleaned by the next run (killed run's: ${left:-none left})"
else ko "stale groups left: $still" "$tmp/clean.err"; for d in $still; do rmdir "$d"; done; fi

echo "$((n - fail)) passed, $fail failed"
[ $fail -eq 0 ] || exit 1
[ -z "$skipped" ] || exit 77
