#!/usr/bin/env bash
# The agent's /metrics against promtool and against a golden exposition.
#
# node_driver.py --static builds a fixture node whose counters stay put
# (3 pods x 2 containers, systemd/containerd, cgroup v2, two-socket RAPL, its
# plain-HTTP kubelet for pod names and teams). The agent samples it every
# second: cycle 1 measures nothing; between cycle 1 and cycle 2 the driver
# advances every counter by exactly one scripted second ("advance 1": RAPL
# +30/+20/+3/+2 J, cgroup CPU time, /proc/stat ticks), so cycle 2 carries one
# deterministic interval of energy, and its exposition is scraped before
# cycle 3. Then:
#   - `promtool check metrics` finds nothing to complain about (skipped when
#     promtool is missing);
#   - the exposition, normalised, equals tests/golden/agent/one-cycle.prom:
#     samples sorted within each family (row order follows directory order),
#     the version label and the volatile values replaced by placeholders:
#     self-metrics that measure time, memory, files or bytes, the
#     timestamp, and power gauges (energy / the measured interval length);
#     power is checked here instead: within 5 % of the energy over 1 s.
#     UPDATE_GOLDEN=1 rewrites the golden file.
# Usage: test_promtool.sh path/to/carbonstat [path/to/one-cycle.prom]
set -uo pipefail
bin=${1:?usage: test_promtool.sh path/to/carbonstat [golden.prom]}
here=$(cd "$(dirname "$0")" && pwd)
golden=${2:-$here/../golden/agent/one-cycle.prom}

# shellcheck source=tests/agent/lib.sh
. "$here/lib.sh"

need python3
agent_setup promtool
fail_logs=()

# capture N: a fresh node and agent in $tmp/try-N; writes $tmp/cycle2.prom.
# Returns 0, 3 when a cycle ran while the driver advanced (a busy machine:
# try again), or 1.
capture() {
	local d=$tmp/try-$1 rc
	mkdir -p "$d"
	start_driver "$d" --static --kubelet --pods 3 --containers 2
	driver_ready "$d" 300 || { echo "node_driver.py did not get ready"; cat "$d/driver.err"; return 1; }
	aport=$(free_port)
	start_agent "$d" "${node_args[@]}" --interval 1s --listen "127.0.0.1:$aport" \
		--node-name golden-node --cluster golden-cluster --country DE
	# Cycle 1 seen -> advance mid-second (cycles run on whole seconds) -> scrape cycle 2.
	python3 - "$aport" "$d/drv.in" "$DRIVER_LOG" "$tmp/cycle2.prom" <<'EOF2' &
import re, sys, time, urllib.request
port, fifo, dlog, out = sys.argv[1:5]

def scrape():
    try:
        with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None, None
    m = re.search(r'^carbonstat_agent_cycles_total\{[^}]*\} (\d+)$', text, re.M)
    return (int(m.group(1)) if m else 0), text

deadline = time.time() + 15
while time.time() < deadline:
    n, _ = scrape()
    if n == 1 and 0.3 <= time.time() % 1.0 <= 0.6:
        break
    if n and n > 1:
        print("missed cycle 1 (at cycle %d already)" % n)
        sys.exit(3)
    time.sleep(0.02)
else:
    print("no cycle 1 within 15 s")
    sys.exit(1)
with open(fifo, "w") as f:
    f.write("advance 1\n")
while "advanced" not in open(dlog).read():
    time.sleep(0.01)
n, _ = scrape()
if n != 1:
    print("cycle %d ran while the driver advanced: the interval would be torn" % n)
    sys.exit(3)
while time.time() < deadline:
    n, text = scrape()
    if n == 2:
        open(out, "w").write(text)
        sys.exit(0)
    if n and n > 2:
        print("missed cycle 2")
        sys.exit(3)
    time.sleep(0.02)
print("no cycle 2")
sys.exit(1)
EOF2
	local cap=$!
	track $cap
	wait $cap
	rc=$?
	kill -TERM "$apid"
	wait "$apid"
	local arc=$?
	exec 3>&-
	wait "$dpid" 2>/dev/null
	if [ $rc -eq 0 ] && [ $arc -ne 0 ]; then
		echo "agent exit status $arc after SIGTERM"; cat "$d/agent.err"; return 1
	fi
	[ $rc -eq 1 ] && { tail -20 "$d/agent.err" "$d/driver.err"; }
	return $rc
}
rc=3
for attempt in 1 2 3; do
	capture $attempt
	rc=$?
	[ $rc -eq 3 ] || break
	echo "note: attempt $attempt: the machine is busy, trying again"
done
[ $rc -eq 0 ] || fail "could not capture cycle 2"
fails=0

# promtool's lint of the live exposition.
if command -v promtool >/dev/null 2>&1; then
	if promtool check metrics <"$tmp/cycle2.prom" >"$tmp/promtool.out" 2>&1; then
		ok "promtool check metrics: clean ($(grep -vc '^#' "$tmp/cycle2.prom") samples)"
	else
		ko "promtool check metrics:"; sed 's/^/     /' "$tmp/promtool.out" | head -30
	fi
else
	no_promtool=1 # the rest still runs; the test then reads as skipped, not passed
fi

# Normalise, check power, compare with the golden file.
python3 - "$tmp/cycle2.prom" "$tmp/normalised.prom" <<'EOF' || fails=$((fails + 1))
import re, sys
src, dst = sys.argv[1], sys.argv[2]
# values that measure time, memory, files or bytes (vary run to run)
VOLATILE = {"carbonstat_agent_cycle_duration_seconds", "carbonstat_agent_cpu_seconds_total",
            "carbonstat_agent_resident_memory_bytes", "carbonstat_agent_open_files",
            "carbonstat_agent_kernel_memory_bytes",
            "carbonstat_agent_read_bytes_total", "carbonstat_agent_sensor_duration_seconds",
            "carbonstat_agent_exporter_duration_seconds", "carbonstat_agent_last_cycle_timestamp_seconds",
            "carbonstat_agent_cycle_overruns_total"}
POWER = {"carbonstat_node_power_watts": "carbonstat_node_energy_joules_total",
         "carbonstat_power_watts": "carbonstat_energy_joules_total"}
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')
out, fam, samples, values = [], None, [], {}
bad = []

def flush():
    out.extend(sorted(samples))
    samples.clear()

for line in open(src).read().splitlines():
    if line.startswith("# HELP ") or line.startswith("# TYPE "):
        name = line.split()[2]
        if name != fam:
            flush()
            fam = name
        out.append(line)
        continue
    m = sample.match(line)
    if not m:
        bad.append(line)
        continue
    name, labels, value = m.group(1), m.group(2) or "", m.group(3)
    values[(name, labels)] = float(value)
    labels = re.sub(r'version="[^"]*"', 'version="<version>"', labels)
    if name in VOLATILE:
        value = "<volatile>"
    elif name in POWER:
        value = "<power>"
    samples.append("%s%s %s" % (name, labels, value))
flush()
open(dst, "w").write("\n".join(out) + "\n")
if bad:
    print("FAIL lines that are not samples: %s" % bad[:3])
    sys.exit(1)

# power gauges: the interval's energy over ~1 s
checked = 0
for (name, labels), w in values.items():
    if name not in POWER:
        continue
    if name == "carbonstat_node_power_watts":
        j = values.get((POWER[name], labels))
    else:  # workload power covers all components
        base = labels[:-1]
        j = sum(v for (n, l), v in values.items() if n == POWER[name] and l.startswith(base + ",component="))
    if j is None or abs(w - j) > 0.05 * max(j, 0.05):
        print("FAIL %s%s = %g W, energy of the 1 s interval %s J" % (name, labels, w, j))
        sys.exit(1)
    checked += 1
node_cpu = values.get(("carbonstat_node_energy_joules_total",
                       '{cluster="golden-cluster",node="golden-node",component="cpu",source="rapl"}'))
if node_cpu != 50.0:
    print("FAIL node cpu energy of the scripted second: %s J, want 50.000000" % node_cpu)
    sys.exit(1)
print("ok   node cpu energy of the scripted second = 50.000000 J; %d power gauges = energy / ~1 s" % checked)
# the kept-open files' kernel memory, as [agent] kernel_memory counts it:
# each workload (cgroup v2; one power series each, besides system and idle)
# keeps its cpu.stat open (a page + 336 bytes) and its directory (256 bytes:
# its memory files are opened through it)
import os
nwl = sum(1 for (n, l) in values if n == "carbonstat_power_watts" and 'kind="system"' not in l
          and 'kind="idle"' not in l)
kmem = values.get(("carbonstat_agent_kernel_memory_bytes", '{cluster="golden-cluster",node="golden-node"}'))
want = nwl * (os.sysconf("SC_PAGESIZE") + 336 + 256)
if not nwl or kmem != want:
    print("FAIL carbonstat_agent_kernel_memory_bytes = %s, want %d (%d files and directories)" % (kmem, want, nwl))
    sys.exit(1)
print("ok   carbonstat_agent_kernel_memory_bytes = %d: %d kept files + %d directories" % (want, nwl, nwl))
EOF

if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
	mkdir -p "$(dirname "$golden")"
	cp "$tmp/normalised.prom" "$golden"
	echo "updated $golden"
elif [ ! -f "$golden" ]; then
	ko "golden file $golden is missing (UPDATE_GOLDEN=1 $0 $bin writes it)"
elif diff -u "$golden" "$tmp/normalised.prom" >"$tmp/golden.diff"; then
	ok "exposition of one fixture cycle == $(basename "$golden") ($(grep -vc '^#' "$golden") samples)"
else
	ko "exposition differs from $golden (UPDATE_GOLDEN=1 rewrites it):"
	head -60 "$tmp/golden.diff"
fi
[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
[ -z "${no_promtool:-}" ] || skip_or_fail promtool "promtool not found (Debian package 'prometheus'): the golden exposition matched, 'promtool check metrics' did not run"
echo "PASS: promtool"
exit 0
