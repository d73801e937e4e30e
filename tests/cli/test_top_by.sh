#!/usr/bin/env bash
# `carbonstat top --by ...` on the fixture trees: a generated node's cgroups
# (tests/fixtures/node-systemd-containerd-v2), a VM sysfs (model mode, so each
# interval has energy: the static RAPL fixtures would give 0 J) and
# the VM procfs, pod metadata from the fake kubelet over TLS on 127.0.0.1
# (tests/fakes/fake_kubelet.py), teams from labels and the namespace map.
# Checks every interval and component is conserved to the microjoule and
# that containers are named and teamed. Without openssl the kubelet part
# does not run and the test reads as skipped (capability "pki").
# Usage: test_top_by.sh path/to/carbonstat path/to/tests/fixtures
set -uo pipefail
bin=${1:?usage: test_top_by.sh path/to/carbonstat path/to/fixtures}
fx=${2:?usage: test_top_by.sh path/to/carbonstat path/to/fixtures}
tmp=$(mktemp -d)
fake_pid=""
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail=0
# shellcheck source=tests/support/testlib.sh
. "$(cd "$(dirname "$0")/../support" && pwd)/testlib.sh"

ok() { echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | head -20; }

need_cmd python3 python3
node="$tmp/node"
cp -a "$fx/node-systemd-containerd-v2" "$node"
roots=(--no-metadata --sysfs-root "$fx/vm-noperm/sys" --procfs-root "$fx/proc-vm" --cgroup-root "$node/cgroup")

# check.py FILE N BY [expect-teams]: N lines, conservation, identifiers.
cat >"$tmp/check.py" <<'EOF'
import json, sys
path, n, by = sys.argv[1], int(sys.argv[2]), sys.argv[3]
teams = sys.argv[4] == "teams" if len(sys.argv) > 4 else False
lines = open(path).read().splitlines()
assert len(lines) == n, "%d lines, expected %d" % (len(lines), n)
for i, l in enumerate(lines):
    d = json.loads(l)
    assert d["by"] == by, d["by"]
    assert d["processes"] is not None  # today's keys are kept
    for c in ("cpu", "dram", "gpu", "other"):
        s = sum(w["energy_uj"][c] for w in d["workloads"]) + d["system"]["energy_uj"][c] \
            + d["idle_unattributed"]["energy_uj"][c]
        assert s == d["node_energy_uj"][c], "interval %d %s: %d != node %d" % (i, c, s, d["node_energy_uj"][c])
    assert sum(d["node_energy_uj"].values()) > 0
    for w in d["workloads"]:
        for k in ("key", "kind", "cgroup", "container_id", "pod_uid", "pod", "namespace", "container", "team",
                  "energy_uj", "active_uj", "idle_uj", "total_uj"):
            assert k in w, k
        assert w["total_uj"] == sum(w["energy_uj"].values())
    if teams:
        keys = {w["key"] for w in d["workloads"]}
        for t in ("checkout", "shop-api", "team-search"):
            assert t in keys, (t, sorted(keys))
EOF

# Without a kubelet: by cgroup id, conserved.
"$bin" top -b -n 2 --interval 0.2 --json --by cgroup --no-kubelet "${roots[@]}" >"$tmp/cg.json" 2>"$tmp/cg.err"
if [ $? -eq 0 ] && python3 "$tmp/check.py" "$tmp/cg.json" 2 cgroup >"$tmp/cg.py" 2>&1; then
	ok "top --by cgroup on the fixture node: conserved"
else cat "$tmp/cg.err" >>"$tmp/cg.py"; ko "top --by cgroup" "$tmp/cg.py"; fi

# Text batch shows the split rows.
"$bin" top -b -n 1 --interval 0.2 --by pod --no-kubelet --idle-policy equal "${roots[@]}" >"$tmp/t.txt" 2>&1
if grep -q "split by pod, idle policy equal" "$tmp/t.txt" && grep -q "(idle unattributed)" "$tmp/t.txt"; then
	ok "top -b --by pod: text rows"
else ko "top -b --by pod text" "$tmp/t.txt"; fi

# Usage errors.
"$bin" top -b -n 1 --by nothing >"$tmp/u.txt" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "use process, cgroup" "$tmp/u.txt"; then ok "--by bad: usage error"; else ko "--by bad (rc=$rc)" "$tmp/u.txt"; fi
"$bin" top -b -n 1 --idle-policy usage >"$tmp/u2.txt" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "need --by" "$tmp/u2.txt"; then ok "--idle-policy without --by: usage error"; else ko "--idle-policy alone (rc=$rc)" "$tmp/u2.txt"; fi

# With the fake kubelet (TLS) and a config: teams from labels and the map.
if ! command -v openssl >/dev/null 2>&1; then
	no_pki=1 # the rest still runs; the test then reads as skipped, not passed
else
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
	printf 'sekret-token' >"$tmp/token"
	mkfifo "$tmp/ctl"
	python3 "$fx/../fakes/fake_kubelet.py" --pods "$node/pods.json" --cert "$tmp/cert.pem" --key "$tmp/key.pem" \
		--token sekret-token <"$tmp/ctl" >"$tmp/port" 2>"$tmp/fake.err" &
	fake_pid=$!
	exec 3>"$tmp/ctl"
	wait_for 20 test -s "$tmp/port" || ko "fake_kubelet.py did not start" "$tmp/fake.err"
	port=$(head -n1 "$tmp/port")
	cat >"$tmp/cs.ini" <<EOF
[kubelet]
enabled = true
token_file = $tmp/token
ca_file = $tmp/cert.pem

[teams.namespaces]
search = team-search
EOF
	"$bin" top -b -n 2 --interval 0.2 --json --by team --config "$tmp/cs.ini" \
		--kubelet-url "https://127.0.0.1:$port/pods" "${roots[@]}" >"$tmp/team.json" 2>"$tmp/team.err"
	if [ $? -eq 0 ] && python3 "$tmp/check.py" "$tmp/team.json" 2 team teams >"$tmp/team.py" 2>&1; then
		ok "top --by team via the fake kubelet: teams from labels + namespace map, conserved"
	else cat "$tmp/team.err" "$tmp/fake.err" >>"$tmp/team.py"; ko "top --by team" "$tmp/team.py"; fi
	"$bin" top -b -n 1 --interval 0.2 --json --by container --config "$tmp/cs.ini" \
		--kubelet-url "https://127.0.0.1:$port/pods" "${roots[@]}" >"$tmp/ctr.json" 2>&1
	if python3 - "$tmp/ctr.json" >"$tmp/ctr.py" 2>&1 <<'EOF'; then ok "top --by container: named ns/pod/container with team"; else ko "top --by container" "$tmp/ctr.py"; fi
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
named = [w for w in d["workloads"] if w["kind"] == "container" and w["pod"] and w["namespace"] and w["container"]]
assert named, d["workloads"]
for w in named:
    assert w["key"] == "%s/%s/%s" % (w["namespace"], w["pod"], w["container"]), w["key"]
    assert w["team"] and w["pod_uid"] and w["container_id"], w
EOF
fi
[ $fail -eq 0 ] || { echo "$fail check(s) failed"; exit 1; }
[ -z "${no_pki:-}" ] || skip_or_fail pki "openssl not found: the kubelet part (top --by team/container over TLS) did not run"
exit 0
