#!/usr/bin/env bash
# End-to-end tests of `carbonstat run` on this machine (real processes, real
# cgroups when we may create them, the model sensor when there is no RAPL).
# Usage: test_run.sh path/to/carbonstat [cgroup-v1]
#   cgroup-v1: only the cgroup v1 cpuacct case, its own ctest (cli/run-cgroup-v1):
#   it skips (77, capability "cgroup-v1") where no writable cpuacct hierarchy
#   is mounted, which is most current machines.
# Needs only bash, coreutils and python3 (for JSON). Never touches the network
# (--no-metadata everywhere).
set -uo pipefail
bin=${1:?usage: test_run.sh path/to/carbonstat [cgroup-v1]}
part=${2:-main}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
# shellcheck source=tests/support/testlib.sh
. "$(cd "$(dirname "$0")/../support" && pwd)/testlib.sh"

ok() { n=$((n + 1)); echo "ok   $1"; }
ko() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | head -20; }

# Burns 1.5 s of CPU time, however loaded the machine is (ctest -j), so the
# thresholds below measure accounting, not the scheduler.
busy='import time
while time.process_time() < 1.5:
    pass'

# No cgroup of ours is left behind: a carbonstat-run-PID group whose
# carbonstat is gone (one of a carbonstat still running, e.g. another test's
# at the same time, is not a leftover).
check_no_leftover() {
	local g pid left=""
	for g in $(find /sys/fs/cgroup -maxdepth 3 -name 'carbonstat-run-*' 2>/dev/null); do
		pid=${g##*-}
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = carbonstat ] || left="$left $g"
	done
	if [ -z "$left" ]; then ok "cgroups removed"; else ko "cgroup left:$left"; fi
}

# cgroup v1 cpuacct, when this machine has a writable one (hybrid hosts).
if [ "$part" = cgroup-v1 ]; then
	[ -f /sys/fs/cgroup/cpuacct/cpuacct.usage ] && [ -w /sys/fs/cgroup/cpuacct ] ||
		skip_or_fail cgroup-v1 "no writable cgroup v1 cpuacct hierarchy (/sys/fs/cgroup/cpuacct)"
	"$bin" run --json --interval 200 --no-metadata --cgroup-root /sys/fs/cgroup/cpuacct --output "$tmp/v1.json" \
		-- python3 -c "$busy"
	rc=$?
	m=$(json "$tmp/v1.json" 'd["share_method"]')
	cpu=$(json "$tmp/v1.json" 'd["command_cpu_s"]')
	if [ $rc -eq 0 ] && [ "$m" = cgroup-v1 ] && python3 -c "import sys; sys.exit(0 if $cpu > 1.0 else 1)"; then
		ok "cgroup-v1 cpuacct (${cpu} s CPU)"
	else ko "cgroup-v1 (rc=$rc method=$m cpu=$cpu)" "$tmp/v1.json"; fi
	check_no_leftover
	[ $fail -eq 0 ]
	exit
fi

# (a) exit code is the command's, JSON has it (report on stderr by default).
"$bin" run --json --no-metadata -- sh -c 'exit 3' >"$tmp/a.out" 2>"$tmp/a.err"
rc=$?
if [ $rc -eq 3 ] && [ "$(json "$tmp/a.err" 'd["exit_code"]')" = 3 ]; then ok "exit 3 passed through, JSON exit_code 3"
else ko "exit 3 (rc=$rc)" "$tmp/a.err"; fi

# JSON has every documented key.
keys='duration_s host_energy_j command_energy_j command_share operational_gco2e embodied_gco2e
      intensity_gco2e_per_kwh exit_code sources components share_method location measured'
missing=$(python3 - "$tmp/a.err" $keys <<'EOF'
import json, sys
d = json.loads([l for l in open(sys.argv[1]) if l.startswith("{")][-1])
print(" ".join(k for k in sys.argv[2:] if k not in d))
EOF
)
if [ -z "$missing" ]; then ok "JSON keys present"; else ko "JSON keys missing: $missing" "$tmp/a.err"; fi

# --output: the report goes to the file (atomically), stderr stays clean.
"$bin" run --json --no-metadata --output "$tmp/out.json" -- true 2>"$tmp/o.err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$tmp/o.err" ] && [ "$(json "$tmp/out.json" 'd["exit_code"]')" = 0 ] &&
	[ -z "$(ls "$tmp" | grep '\.tmp\.')" ]; then ok "--output writes the file, no temp left"
else ko "--output (rc=$rc)" "$tmp/o.err"; fi

# (b) a 1.5 s CPU busy loop costs more than a 2 s sleep (model sensor here: no RAPL).
"$bin" run --json --interval 200 --no-metadata --country DE --output "$tmp/busy.json" -- python3 -c "$busy"
rc1=$?
"$bin" run --json --interval 200 --no-metadata --country DE --output "$tmp/sleep.json" -- sleep 2
rc2=$?
eb=$(json "$tmp/busy.json" 'd["command_energy_j"]')
es=$(json "$tmp/sleep.json" 'd["command_energy_j"]')
sb=$(json "$tmp/busy.json" 'd["command_share"]')
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && python3 -c "import sys; sys.exit(0 if $eb > $es and $eb > 0 else 1)"; then
	ok "busy ${eb} J (share $sb) > sleep ${es} J"
else ko "busy ($eb J) should exceed sleep ($es J)" "$tmp/busy.json"; fi
# The command's energy is its workloads' attributed energy (the node
# sampler, as the agent: its cgroup, or its process tree without one):
# active + idle, and the share follows.
if python3 - "$tmp/busy.json" >"$tmp/attr.txt" 2>&1 <<'EOF'; then ok "run: attributed energy = active + idle, share consistent"; else ko "run attribution fields" "$tmp/attr.txt"; fi
import json, sys
d = json.load(open(sys.argv[1]))
a = d["attribution"]
assert d["energy_method"] == "attribution", d["energy_method"]
assert a["idle_policy"] in ("requests", "usage", "equal", "none")
for c in ("cpu", "dram", "gpu", "other"):
    assert a["energy_uj"][c] == a["active_uj"][c] + a["idle_uj"][c]
assert abs(d["command_energy_j"] - (a["active_j"] + a["idle_j"])) < 1e-6 * max(1, d["command_energy_j"]) + 1e-6
assert abs(d["command_share"] - d["command_energy_j"] / d["host_energy_j"]) < 1e-9
assert a["active_j"] > 0
EOF
if python3 -c "import sys; sys.exit(0 if $(json "$tmp/busy.json" 'd["operational_gco2e"]') > 0 else 1)"; then
	ok "gCO2e with --country"
else ko "operational_gco2e with --country" "$tmp/busy.json"; fi

# rusage fallback (no cgroup at --cgroup-root: the process tree through the
# same engine): grandchildren still count.
"$bin" run --json --interval 200 --no-metadata --cgroup-root "$tmp/nocgroup" --output "$tmp/ru.json" \
	-- sh -c "python3 -c '$busy' & wait"
rc=$?
m=$(json "$tmp/ru.json" 'd["share_method"]')
cpu=$(json "$tmp/ru.json" 'd["command_cpu_s"]')
if [ $rc -eq 0 ] && [ "$m" = rusage ] && [ "$(json "$tmp/ru.json" 'd["energy_method"]')" = attribution ] &&
	python3 -c "import sys; sys.exit(0 if $cpu > 1.0 else 1)"; then
	ok "rusage fallback (the process tree) counts the grandchild (${cpu} s CPU)"
else ko "rusage fallback (rc=$rc method=$m cpu=$cpu)" "$tmp/ru.json"; fi

# (c) SIGTERM to carbonstat reaches the command; exit 128+15, report written.
# (carbonstat blocks the forwarded signals before it forks: once the command
# runs, a signal is delivered to carbonstat's handler, never lost.)
"$bin" run --json --no-metadata --output "$tmp/term.json" -- sh -c 'echo $$ >"$0"; exec sleep 30' "$tmp/child.pid" &
cs=$!
wait_for 10 test -s "$tmp/child.pid"
kill -TERM $cs
wait $cs
rc=$?
child=$(cat "$tmp/child.pid" 2>/dev/null)
if [ $rc -eq 143 ] && [ -n "$child" ] && ! kill -0 "$child" 2>/dev/null &&
	[ "$(json "$tmp/term.json" 'd["exit_code"]')" = 143 ]; then ok "SIGTERM forwarded, exit 143"
else ko "SIGTERM forwarding (rc=$rc child=$child)" "$tmp/term.json"; kill -9 "$child" 2>/dev/null; fi

# SIGUSR1 is forwarded too (the command traps it and exits 7).
# The pid file is written once the trap is set: from then on USR1 is handled.
"$bin" run --no-metadata -- sh -c 'trap "exit 7" USR1; echo $$ >"$0"; while :; do sleep 0.05; done' \
	"$tmp/usr.pid" 2>"$tmp/usr.err" &
cs=$!
wait_for 10 test -s "$tmp/usr.pid"
kill -USR1 $cs
wait $cs
rc=$?
if [ $rc -eq 7 ]; then ok "SIGUSR1 forwarded"; else ko "SIGUSR1 forwarding (rc=$rc)" "$tmp/usr.err"; fi

# (f) exec failures: 127 not found, 126 not executable; one line on stderr.
"$bin" run --no-metadata -- /nonexistent/carbonstat-test-cmd >"$tmp/f.out" 2>"$tmp/f.err"
rc=$?
if [ $rc -eq 127 ] && [ "$(wc -l <"$tmp/f.err")" -eq 1 ] &&
	grep -q "^carbonstat run: cannot run '/nonexistent/carbonstat-test-cmd': " "$tmp/f.err"; then
	ok "not found: 127, one line"
else ko "exec failure (rc=$rc)" "$tmp/f.err"; fi
printf 'not a program\n' >"$tmp/noexec"
chmod 0644 "$tmp/noexec"
"$bin" run --no-metadata -- "$tmp/noexec" 2>"$tmp/p.err"
rc=$?
if [ $rc -eq 126 ] && [ "$(wc -l <"$tmp/p.err")" -eq 1 ]; then ok "not executable: 126"
else ko "permission (rc=$rc)" "$tmp/p.err"; fi

# Usage errors: exit 2, one line.
"$bin" run 2>"$tmp/u.err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/u.err")" -eq 1 ]; then ok "no command: 2"; else ko "no command (rc=$rc)" "$tmp/u.err"; fi
"$bin" run --country Atlantis -- true 2>"$tmp/c.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "unknown country 'Atlantis'" "$tmp/c.err"; then ok "unknown country: 2"
else ko "unknown country (rc=$rc)" "$tmp/c.err"; fi

# Text report: the lines a user looks for.
"$bin" run --no-metadata --country FR -- sh -c ':' 2>"$tmp/t.err"
if grep -q "host energy" "$tmp/t.err" && grep -q "command energy" "$tmp/t.err" && grep -q "share:" "$tmp/t.err" &&
	grep -q "intensity" "$tmp/t.err"; then ok "text report"
else ko "text report" "$tmp/t.err"; fi

check_no_leftover

echo "$((n - fail)) passed, $fail failed"
[ $fail -eq 0 ]
