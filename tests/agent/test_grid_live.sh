#!/usr/bin/env bash
# The agent with live grid intensity against the fake Electricity Maps API
# (tests/fakes/fake_emaps.py, 127.0.0.1 only), switched through every
# failure mode while the agent runs: the agent keeps exporting (/metrics 200,
# the node energy counter grows) and carbonstat_grid_intensity_grams_per_kwh
# carries the right source label each time:
#   ok -> electricitymaps; 500 / 429 / timeout / malformed -> electricitymaps-last
#   while younger than max_stale, then static-country; 401 -> the same, with
#   one log line that names the fix and never the key; ok again -> electricitymaps.
# Usage: test_grid_live.sh path/to/carbonstat      (exit 77 = skip)
set -uo pipefail
bin=${1:?usage: test_grid_live.sh path/to/carbonstat}
here=$(cd "$(dirname "$0")" && pwd)
fx="$here/../fixtures"
# shellcheck source=tests/agent/lib.sh
. "$here/lib.sh"
need python3 python3
need curl curl
agent_setup gridlive

mkfifo "$tmp/life"
python3 "$here/../fakes/fake_emaps.py" ok --exit-with-stdin <"$tmp/life" >"$tmp/fake.out" 2>"$tmp/fake.err" &
track $!
exec 3>"$tmp/life"
wait_for 20 test -s "$tmp/fake.out"
fport=$(head -1 "$tmp/fake.out")
[ -n "$fport" ] || { echo "FAIL fake_emaps did not start"; cat "$tmp/fake.err"; exit 1; }
fake="http://127.0.0.1:$fport"
port=$(free_port)
key=sk-test-SECRET-0123
CARBONSTAT_GRID_API_KEY=$key CARBONSTAT_GRID_TTL=1s CARBONSTAT_GRID_TIMEOUT=1s CARBONSTAT_GRID_MAX_STALE=3s \
	"$bin" agent --no-metadata --no-kubelet --sysfs-root "$fx/vm-noperm/sys" --procfs-root "$fx/proc-vm" \
	--cgroup-root "$fx/node-systemd-containerd-v2/cgroup" --country DE --interval 500ms \
	--listen "127.0.0.1:$port" --grid-live --grid-url "$fake" 2>"$tmp/agent.err" &
apid=$!
track $apid

last_energy=0
cur=ok
# expect_source WANT SECONDS: polls /metrics until the intensity's source is WANT
expect_source() {
	local want=$1 secs=$2 got="" line="" i e
	for i in $(seq $((secs * 5))); do
		if curl -fsS "http://127.0.0.1:$port/metrics" >"$tmp/m" 2>/dev/null; then
			line=$(grep '^carbonstat_grid_intensity_grams_per_kwh' "$tmp/m")
			got=$(sed -n 's/.*source="\([^"]*\)".*/\1/p' <<<"$line")
			e=$(awk '/^carbonstat_node_energy_joules_total/ {s += $2} END {printf "%.6f", s}' "$tmp/m")
			if awk -v a="$e" -v b="$last_energy" 'BEGIN {exit !(a + 0 < b + 0)}'; then
				ko "node energy went backwards ($last_energy -> $e)"
			fi
			last_energy=$e
			[ "$got" = "$want" ] && { ok "fake answers $cur: ${line#carbonstat_grid_intensity_grams_per_kwh}"; return 0; }
		fi
		sleep 0.2
	done
	ko "fake answers $cur: source=$want expected, got '$got' ($line)"
}
mode() { cur=$1; curl -fsS "$fake/_mode/$1" >/dev/null || ko "cannot switch the fake to $1"; }

expect_source electricitymaps 10
for m in 500 429 timeout malformed 401; do
	mode "$m"
	expect_source electricitymaps-last 6
	expect_source static-country 10
	mode ok
	expect_source electricitymaps 10
done
kill -0 $apid 2>/dev/null && ok "agent still running after every failure mode" || ko "agent died"
grep -q "rejected the API key" "$tmp/agent.err" && ok "401 logged with the fix" || ko "no 401 line in the log"
grep -q "$key" "$tmp/agent.err" && ko "the API key appears in the log" || ok "the API key never appears in the log"
n=$(curl -fsS "$fake/_requests" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(sum(1 for x in r if x["auth"]=="yes"), len(r))')
ok "requests to the fake (with auth-token, all): $n"
[ $fails -eq 0 ] && echo "PASS: grid-live" || echo "FAIL: grid-live ($fails)"
exit $((fails > 0))
