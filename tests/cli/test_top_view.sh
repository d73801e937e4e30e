#!/usr/bin/env bash
# What `carbonstat top` lists:
#  - kernel threads at 0.0 % CPU are hidden unless --kernel-threads, and
#    what is not listed is one "other processes" row (curses, on a procfs
#    fixture with kthreadd, a kworker and two user processes), with the
#    batch JSON's other_processes adding up (this machine's /proc);
#  - without a kubelet, containers are named from Docker's and containerd's
#    state files (tests/fixtures/container-runtime) under --docker-root and
#    --containerd-root, on the Docker (v1) and containerd (v2) node fixtures.
# Usage: test_top_view.sh path/to/carbonstat path/to/tests/fixtures
set -uo pipefail
bin=${1:?usage: test_top_view.sh path/to/carbonstat path/to/fixtures}
fx=${2:?usage: test_top_view.sh path/to/carbonstat path/to/fixtures}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0 skipped=""

ok() { n=$((n + 1)); echo "ok   $1"; }
ko() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | head -30; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found (capability 'python3')"; exit 77; }

# (1) A procfs with kthreadd (pid 2), one of its kworkers and two user processes.
proc="$tmp/proc"
mkdir -p "$proc"
cp "$fx/proc-vm/stat" "$fx/proc-vm/meminfo" "$fx/proc-vm/cpuinfo" "$proc/"
stat_line() { # pid comm ppid utime
	printf '%s (%s) S %s %s %s 0 -1 4194560 100 0 0 0 %s 5 0 0 20 0 1 0 %s 1000000 200 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n' \
		"$1" "$2" "$3" "$1" "$1" "$4" "$((100 + $1))"
}
for p in "1 init 0 50" "2 kthreadd 0 3" "15 kworker/0:1 2 7" "300 bash 1 20"; do
	set -- $p
	mkdir -p "$proc/$1"
	stat_line "$1" "$2" "$3" "$4" >"$proc/$1/stat"
	printf '0::/\n' >"$proc/$1/cgroup"
done
screen() { # extra args...: the curses screen after two intervals, in $tmp/screen
	python3 - "$bin" "$tmp/screen" --interval 0.1 --no-metadata --sysfs-root "$fx/vm-noperm/sys" --procfs-root "$proc" "$@" <<'EOF'
import fcntl, os, pty, select, struct, sys, termios, time
binary, out_path, args = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.execv(binary, [binary, "top", "-n", "2"] + args)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
out, end = b"", time.time() + 10
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    if os.waitpid(pid, os.WNOHANG)[0]:
        break
open(out_path, "wb").write(out)
EOF
}
if [ -e /usr/share/terminfo/x/xterm ] || [ -e /lib/terminfo/x/xterm ]; then
	screen
	if grep -q "bash" "$tmp/screen" && grep -q "init" "$tmp/screen" && ! grep -q "kworker/0:1" "$tmp/screen" &&
		! grep -q "kthreadd" "$tmp/screen" && grep -q "other processes" "$tmp/screen" &&
		grep -q "(2 processes, idle kernel threads among them)" "$tmp/screen"; then
		ok "curses: idle kernel threads hidden, counted in 'other processes'"
	else ko "curses: kernel threads hidden by default" "$tmp/screen"; fi
	screen --kernel-threads
	if grep -q "kworker/0:1" "$tmp/screen" && grep -q "kthreadd" "$tmp/screen" && grep -q "(0 processes)" "$tmp/screen"; then
		ok "curses --kernel-threads: listed"
	else ko "curses --kernel-threads" "$tmp/screen"; fi
else
	echo "SKIP: no xterm terminfo for the curses part (capability 'terminfo')"
	skipped=1
fi

# (2) Batch JSON on this machine: the listed processes plus other_processes
# are the processes' power; no idle kernel thread is listed.
"$bin" top -b -n 3 --interval 0.2 --json --no-metadata >"$tmp/top.json" 2>"$tmp/top.err"
rc=$?
if [ $rc -eq 0 ] && python3 - "$tmp/top.json" >"$tmp/check.txt" 2>&1 <<'EOF'; then ok "batch JSON: other_processes completes the list"; else ko "batch JSON other_processes (rc=$rc)" "$tmp/check.txt"; fi
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 3, len(lines)
for l in lines:
    d = json.loads(l)
    o = d["other_processes"]
    assert set(o) == {"count", "cpu_percent", "power_w"}, o
    listed = sum(p["power_w"] for p in d["processes"])
    assert abs(listed + o["power_w"] - d["processes_power_w"]) < 1e-6, (listed, o, d["processes_power_w"])
    for p in d["processes"]:
        assert not (p["kernel_thread"] and p["cpu_percent"] < 0.05), p
EOF
"$bin" top -b -n 1 --interval 0.2 --json --no-metadata --kernel-threads >"$tmp/kt.json" 2>"$tmp/kt.err"
rc=$?
if [ $rc -eq 0 ] && [ -s "$tmp/kt.json" ]; then ok "--kernel-threads accepted"; else ko "--kernel-threads (rc=$rc)" "$tmp/kt.err"; fi

# (3) Containers named from the runtime's files, no kubelet.
rt="$fx/container-runtime"
name_check() { # node expected-key: top --by container lists expected-key
	"$bin" top -b -n 1 --interval 0.1 --json --by container --no-kubelet --no-metadata \
		--sysfs-root "$fx/vm-noperm/sys" --procfs-root "$fx/proc-vm" --cgroup-root "$fx/$1/cgroup" \
		--docker-root "${3:-$rt/docker}" --containerd-root "${4:-$rt/containerd}" >"$tmp/by.json" 2>"$tmp/by.err" &&
		python3 - "$tmp/by.json" "$2" <<'EOF'
import json, sys
d = json.loads(open(sys.argv[1]).readline())
keys = [w["key"] for w in d["workloads"]]
sys.exit(0 if sys.argv[2] in keys else 1)
EOF
}
if name_check node-cgroupfs-docker-v1 web-frontend; then ok "docker: container named from config.v2.json"
else ko "docker container name" "$tmp/by.json"; fi
if name_check node-systemd-containerd-v2 shop/checkout-7d9f8b6c5-x2lqp/server; then
	ok "containerd: CRI container named from its task config.json"
else ko "containerd container name" "$tmp/by.json"; fi
if name_check node-cgroupfs-docker-v1 57fd14c1604d115cea325a65e19cbae530282bd36cb9d21f6be6abf0d7c1c1e2 \
	"$tmp/none" "$tmp/none"; then ok "no readable runtime state: the container id, no error"
else ko "unreadable runtime roots" "$tmp/by.err"; fi

echo "$((n - fail)) passed, $fail failed"
[ $fail -eq 0 ] || exit 1
[ -z "$skipped" ] || exit 77
