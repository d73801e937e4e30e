# shellcheck shell=bash
# tests/agent/lib.sh - the setup the agent integration scripts share (the
# scripts in tests/agent/, bench/agent_bench.sh and
# bench/agent_real_cgroups.sh). Sourced, never run:
#   here=$(cd "$(dirname "$0")" && pwd); . "$here/lib.sh"
# It provides:
#   need CMD [WHAT]       when CMD is not on PATH: exit 77 (skip) with
#                         "SKIP: WHAT" (default "CMD not found"), or fail if
#                         CS_REQUIRE names CMD (tests/support/testlib.sh,
#                         sourced here: wait_for, scaled, skip_or_fail too)
#   agent_setup NAME      $tmp (mktemp -d $TMPDIR/cs-NAME.XXXXXX), pids=(),
#                         track PID, and cleanup on exit: kills and waits for
#                         what was tracked, closes fd 3, removes $tmp
#                         (KEEP_TMP=1 keeps it and says so); INT/TERM exit 1;
#                         a watchdog does the same if the script is killed
#                         outright (a ctest timeout)
#   free_port             a free TCP port on 127.0.0.1 (python bind to port 0)
#   fail MSG              "FAIL: MSG", the tails (fail_tail lines, default
#                         20) of the files in fail_logs (default $tmp/driver.err
#                         and $tmp/agent.err), exit 1
#   ok MSG / ko MSG       "ok   MSG" / "FAIL MSG" and fails += 1
#   start_driver D ARGS   node_driver.py ARGS building D/node, stdin the fifo
#                         D/drv.in held open on fd 3 (closing it ends the
#                         driver), output D/driver.{out,err}; sets dpid
#   driver_ready D N [F]  waits up to N x 0.1 s for the driver's "ready" line
#                         (and for file F to be non-empty), then sources
#                         D/node/driver.env and sets node_args (the agent's
#                         --sysfs/procfs/cgroup-root, --no-metadata and
#                         --kubelet-url for that node); 1 if never ready
#   start_udp_sink D      a UDP listener on 127.0.0.1 (a DogStatsD sink): one
#                         JSON line per datagram {t, n, d} in D/udp.jsonl, its
#                         port in D/udp.port (wait for it with driver_ready's
#                         F; udp_port D prints it)
#   start_agent D ARGS    "${agent_run[@]}" agent ARGS (agent_run defaults to
#                         the binary, $bin), output D/agent.{out,err}; sets apid
#   metric NAME           the value of the first /metrics line starting with
#                         NAME on 127.0.0.1:$aport ("" if none; curl
#                         --max-time $metric_timeout, default 5)
#   wait_cycles N [T [S]] until carbonstat_agent_cycles_total >= N: T tries
#                         (default 150; x CS_TIME_SCALE) S s apart (default
#                         0.1); 1 on timeout

lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/support/testlib.sh
. "$lib_dir/../support/testlib.sh"
fails=0
fail_tail=20
metric_timeout=5

need() {
	need_cmd "$1" "$1" "${2:-$1 not found}"
}

agent_setup() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-$1.XXXXXX")
	pids=()
	fail_logs=("$tmp/driver.err" "$tmp/agent.err")
	agent_run=("$bin")
	# Killed outright, the script cannot clean up: this watchdog then ends what
	# it started (track) and removes the temp dir.
	( trap '' INT TERM HUP; while kill -0 $$ 2>/dev/null; do sleep 1; done
	  [ -f "$tmp/pids" ] && xargs kill <"$tmp/pids"; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp" ) >/dev/null 2>&1 &
	watchdog=$!
	trap cleanup EXIT
	trap 'exit 1' INT TERM
}
track() { pids+=("$1"); echo "$1" >>"$tmp/pids"; }
cleanup() {
	exec 3>&- 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	kill "$watchdog" 2>/dev/null
	if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
fail() {
	echo "FAIL: $*"
	for f in "${fail_logs[@]}"; do [ -s "$f" ] && { echo "--- $f"; tail -n "$fail_tail" "$f"; }; done
	exit 1
}
ok() { echo "ok   $*"; }
ko() { echo "FAIL $*"; fails=$((fails + 1)); }

start_driver() {
	local d=$1
	shift
	mkfifo "$d/drv.in"
	python3 "$lib_dir/node_driver.py" "$d/node" "$@" <"$d/drv.in" >"$d/driver.out" 2>"$d/driver.err" &
	dpid=$!
	track $dpid
	exec 3>"$d/drv.in"
}
driver_ready() {
	local d=$1 also=${3:-}
	for _ in $(seq "$(scaled "$2" | cut -d. -f1)"); do
		grep -q '^ready' "$d/driver.out" 2>/dev/null && { [ -z "$also" ] || [ -s "$also" ]; } && break
		sleep 0.1
	done
	grep -q '^ready' "$d/driver.out" || return 1
	# shellcheck disable=SC1091
	. "$d/node/driver.env"
	# shellcheck disable=SC2034 # used by the scripts that source this
	node_args=(--sysfs-root "$SYSFS_ROOT" --procfs-root "$PROCFS_ROOT" --cgroup-root "$CGROUP_ROOT"
		--no-metadata --kubelet-url "$KUBELET_URL")
}

start_udp_sink() {
	cat >"$1/udp_sink.py" <<'EOF'
import json, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind(("127.0.0.1", 0))
out = open(sys.argv[1], "a", buffering=1)
print(s.getsockname()[1], flush=True)
while True:
    data = s.recv(65536)
    out.write(json.dumps({"t": time.time(), "n": len(data), "d": data.decode("utf-8", "replace")}) + "\n")
EOF
	python3 "$1/udp_sink.py" "$1/udp.jsonl" >"$1/udp.port" &
	track $!
}
udp_port() { head -n1 "$1/udp.port"; }

start_agent() {
	local d=$1
	shift
	"${agent_run[@]}" agent "$@" >"$d/agent.out" 2>"$d/agent.err" &
	apid=$!
	track $apid
}
metric() { # metric NAME[{labels}] -> value from the live /metrics ("" if absent)
	# shellcheck disable=SC2154 # aport: set by the script
	curl -s --max-time "$metric_timeout" "http://127.0.0.1:$aport/metrics" | awk -v m="$1" 'index($0, m) == 1 { print $NF; exit }'
}
wait_cycles() {
	local n
	for _ in $(seq "$(scaled "${2:-150}" | cut -d. -f1)"); do
		n=$(metric 'carbonstat_agent_cycles_total{')
		[ -n "$n" ] && [ "$n" -ge "$1" ] && return 0
		sleep "${3:-0.1}"
	done
	return 1
}
