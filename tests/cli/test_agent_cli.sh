#!/usr/bin/env bash
# `carbonstat agent` command line: the configuration layers (defaults < file <
# environment < flags) as --check-config prints them, secrets masked, and the
# one-line errors with exit 2 for a bad flag, value, variable or file; a short
# run on fixture trees (--cycles) that exits 0; a taken Prometheus port that
# stops the start with one line; SIGTERM that stops a running agent with 0.
# Usage: test_agent_cli.sh path/to/carbonstat path/to/tests/fixtures
set -uo pipefail
bin=${1:?usage: test_agent_cli.sh path/to/carbonstat path/to/fixtures}
fx=${2:?usage: test_agent_cli.sh path/to/carbonstat path/to/fixtures}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
fail=0
# shellcheck source=tests/support/testlib.sh
. "$(cd "$(dirname "$0")/../support" && pwd)/testlib.sh"
ok() { echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | head -20; }
# a clean environment: no CARBONSTAT_* from the caller
for v in $(env | sed -n 's/^\(CARBONSTAT_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
roots=(--no-metadata --no-kubelet --sysfs-root "$fx/vm-noperm/sys" --procfs-root "$fx/proc-vm"
	--cgroup-root "$fx/node-systemd-containerd-v2/cgroup")

cat >"$tmp/a.ini" <<'INI'
[agent]
interval = 2s
workloads = pod
[statsd]
prefix = fromfile
[grid]
api_key = s3cret-key
INI
# 1. layers: file < env < flags
CARBONSTAT_AGENT_INTERVAL=3s CARBONSTAT_STATSD_PREFIX=fromenv "$bin" agent --check-config --config "$tmp/a.ini" \
	--interval 4s >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -qx 'interval = 4s' "$tmp/out" && grep -qx 'prefix = fromenv' "$tmp/out" &&
	grep -qx 'workloads = pod' "$tmp/out" && grep -qx '; api_key = <set, hidden>' "$tmp/out" &&
	! grep -q s3cret "$tmp/out"; then
	ok "check-config: flags > env > file, secret masked"
else ko "check-config layers (rc=$rc)" "$tmp/out"; fi
# the dump reads back as a config
"$bin" agent --check-config --config "$tmp/out" >"$tmp/out2" 2>"$tmp/err" &&
	grep -qx 'interval = 4s' "$tmp/out2" && ok "check-config output is a valid config" ||
	ko "check-config output reads back" "$tmp/err"
CARBONSTAT_CONFIG="$tmp/a.ini" "$bin" agent --check-config >"$tmp/out" 2>&1 && grep -qx 'interval = 2s' "$tmp/out" &&
	ok "CARBONSTAT_CONFIG names the file" || ko "CARBONSTAT_CONFIG" "$tmp/out"

# 2. errors: one line, exit 2, naming the input
expect_usage() { # name, expected text, command...
	local name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF -- "$want" "$tmp/err"; then ok "$name"
	else ko "$name (rc=$rc)" "$tmp/err"; fi
}
expect_usage "bad flag" "unknown option '--bogus'" "$bin" agent --bogus
expect_usage "bad interval" "--interval '0s': expected a duration" "$bin" agent --check-config --interval 0s
expect_usage "bad listen" "--listen 'nowhere': expected host:port" "$bin" agent --check-config --listen nowhere
expect_usage "bad max-series" "--max-series '-1': expected a number of series from 100 to 10000000" "$bin" agent --check-config --max-series -1
expect_usage "contradicting flags" "--kubelet-url and --no-kubelet contradict each other" "$bin" agent --check-config --kubelet-url https://10.0.0.1:10250/pods --no-kubelet
expect_usage "bad workloads" "expected container, pod, owner, namespace, team or none" "$bin" agent --check-config --workloads rack
expect_usage "unknown env" "CARBONSTAT_AGENT_INTERVL" env CARBONSTAT_AGENT_INTERVL=5s "$bin" agent --check-config
expect_usage "bad env value" "environment CARBONSTAT_STATSD_MTU" env CARBONSTAT_STATSD_MTU=9 "$bin" agent --check-config
printf '[agent]\ninterval = 5s\nbogus = 1\n' >"$tmp/bad.ini"
expect_usage "bad file" "bad.ini:3: unknown key 'bogus' in [agent]" "$bin" agent --check-config --config "$tmp/bad.ini"
expect_usage "jsonl without path" "[jsonl] enabled without path; set [jsonl] path, CARBONSTAT_JSONL_PATH or --jsonl FILE" env CARBONSTAT_JSONL_ENABLED=true "$bin" agent --check-config
printf '[grid]\napi_key = has space\n' >"$tmp/sec.ini"
"$bin" agent --check-config --config "$tmp/sec.ini" >/dev/null 2>"$tmp/err"
! grep -q "has space" "$tmp/err" && grep -q "not shown" "$tmp/err" && ok "bad secret not echoed" || ko "secret echoed" "$tmp/err"
# no stray " = " after a flag or a variable in any message
for a in "--interval 0s" "--pue 9" "--workloads x" "--statsd nowhere"; do
	# shellcheck disable=SC2086
	"$bin" agent --check-config $a >/dev/null 2>"$tmp/err"
	grep -q -- "--[a-z-]* = " "$tmp/err" && ko "stray ' = ' in: $(cat "$tmp/err")"
done
ok "flag errors: no stray ' = '"
# one rule for paths: relative to the file in it, to the working directory on the command line
mkdir -p "$tmp/etc"
printf '[jsonl]\nenabled = true\npath = logs/a.jsonl\n' >"$tmp/etc/rel.ini"
(cd "$tmp" && "$bin" agent --check-config --config etc/rel.ini) >"$tmp/out" 2>"$tmp/err" &&
	grep -qx "path = $tmp/etc/logs/a.jsonl" "$tmp/out" && ok "relative path in the file: relative to the file" ||
	ko "relative path in the file" "$tmp/out"
(cd "$tmp" && "$bin" agent --check-config --jsonl out/b.jsonl) >"$tmp/out" 2>"$tmp/err" &&
	grep -qx "path = $tmp/out/b.jsonl" "$tmp/out" && ok "relative --jsonl: relative to the working directory" ||
	ko "relative --jsonl" "$tmp/err"
# --help lists every flag of every section (generated from the tables)
"$bin" agent --help >"$tmp/help" 2>&1
for f in --interval --workloads --max-series --listen --no-prometheus --statsd --jsonl --stdout --grid-live \
	--idle-policy --kubelet-url --no-kubelet --sysfs-root --cycles; do
	grep -q -- "^  $f\b" "$tmp/help" || ko "--help lacks $f"
done
ok "--help lists the flags"

# 3. a short run on fixtures exits 0 after --cycles
timeout 20 "$bin" agent "${roots[@]}" --interval 200ms --cycles 2 --no-align --no-prometheus --country DE \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && ok "--cycles 2 exits 0" || ko "--cycles run (rc=$rc)" "$tmp/err"

# 3b. a PUE other than 1 reaches the carbon of every row: node carbon = its
# energy x intensity x PUE, and the rows add up to it (rows.c must apply it)
CARBONSTAT_AGENT_PUE=1.5 timeout 20 "$bin" agent "${roots[@]}" --interval 200ms --cycles 2 --no-align --no-prometheus \
	--country DE --jsonl "$tmp/pue.jsonl" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && python3 - "$tmp/pue.jsonl" >"$tmp/pue.txt" 2>&1 <<'EOF'; then ok "PUE 1.5 applied to every row's carbon"; else ko "PUE 1.5 (rc=$rc)" "$tmp/pue.txt"; fi
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
nodes = [d for d in lines if d["type"] == "node"]
assert len(nodes) == 2, len(nodes)
for nd in nodes:
    assert nd["pue"] == 1.5, nd["pue"]
    e = sum(nd["energy_j"].values())
    want = e * nd["intensity_g_per_kwh"] * 1.5 / 3.6e6
    got = nd["carbon_g"]["operational"]
    assert e > 0 and abs(got - want) <= 1e-9 * want, (got, want)
    rows = [d for d in lines if d["seq"] == nd["seq"] and d["type"] != "node"]
    s = sum(d["carbon_g"]["operational"] for d in rows)
    assert abs(s - got) <= 1e-9 * got, (s, got)
EOF

# 4. Prometheus port taken: refuses to start, one line naming the address
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c "import socket,time,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1',$port)); s.listen(); sys.stdout.write('up\n'); sys.stdout.flush(); time.sleep(60)" >"$tmp/hold" &
pids+=($!)
wait_for 10 test -s "$tmp/hold"
timeout 20 "$bin" agent "${roots[@]}" --listen "127.0.0.1:$port" --cycles 1 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "127.0.0.1:$port" "$tmp/err"; then ok "port in use: one line, exit $rc"
else ko "port in use (rc=$rc)" "$tmp/err"; fi

# 5. SIGTERM: clean stop, exit 0 (sent once the first cycle is written: the
# agent is in its loop, its handlers set)
"$bin" agent "${roots[@]}" --interval 1s --no-prometheus --country DE --jsonl "$tmp/term.jsonl" \
	>"$tmp/out" 2>"$tmp/err" &
apid=$!
wait_for 20 test -s "$tmp/term.jsonl"
kill -TERM $apid
t0=$(date +%s%N)
wait $apid
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
max_ms=$(awk -v s="$(scaled 3)" 'BEGIN { printf "%d", s * 1000 }')
[ $rc -eq 0 ] && [ $ms -lt "$max_ms" ] && ok "SIGTERM: exit 0 in ${ms} ms" || ko "SIGTERM (rc=$rc, ${ms} ms, want < $max_ms)" "$tmp/err"

[ $fail -eq 0 ] && echo "all agent CLI checks passed" || echo "$fail failed"
exit $((fail > 0))
