#!/usr/bin/env bash
# All exporters at once: the agent on a node_driver.py fixture node in real
# time (1 s interval, containers restarting) with Prometheus on, DogStatsD to
# a Python UDP listener on 127.0.0.1 and JSON lines to a file, for 6 cycles
# (--cycles), plus constant tags from the config file. Then:
#   DogStatsD: every datagram <= the mtu (1432), every line parses as
#     <prefix>.<name>:<value>|c|g|#tag:value,...; the constant tags are on
#     every line; per cycle (datagrams grouped by arrival) the rows'
#     energy.joules add up to node.energy.joules per component, within 1e-6 J
#     per row; the node energy of each cycle equals the JSON lines' one.
#   JSON lines: every line is a JSON object; seq 1..6, each with one node
#     object and node.rows row objects; per cycle and component the rows'
#     energy_j add up to the node's exactly (integer microjoules); every
#     row's energy_j_total never decreases; the node's energy_j_total is the
#     sum of its energy_j.
#   Prometheus: a scrape during the run, at cycle k, shows the node energy
#     counter equal to the JSON lines' energy_j_total of seq k (microjoules).
# Usage: test_statsd_jsonl.sh path/to/carbonstat
set -uo pipefail
bin=${1:?usage: test_statsd_jsonl.sh path/to/carbonstat}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/agent/lib.sh
. "$here/lib.sh"
need python3

agent_setup exporters
start_driver "$tmp" --pods 4 --containers 3 --kubelet --churn 2
start_udp_sink "$tmp"
driver_ready "$tmp" 300 "$tmp/udp.port" || fail "node_driver.py did not get ready"
uport=$(udp_port "$tmp")
aport=$(free_port)
printf '[agent]\nrefresh = 1s\n\n[statsd]\ntags = env:itest,cluster:eu-1\n' >"$tmp/agent.ini"

start_agent "$tmp" --config "$tmp/agent.ini" "${node_args[@]}" --interval 1s \
	--listen "127.0.0.1:$aport" --statsd "127.0.0.1:$uport" --jsonl "$tmp/out.jsonl" \
	--node-name exp-node --country DE --cycles 6

# Scrapes during the run: (cycles_total, node energy) pairs.
for _ in $(seq 90); do
	kill -0 "$apid" 2>/dev/null || break
	curl -s --max-time 1 "http://127.0.0.1:$aport/metrics" 2>/dev/null |
		awk '/^carbonstat_agent_cycles_total\{/ { c = $NF } /^carbonstat_node_energy_joules_total\{/ { e = e " " $0 }
		     END { if (c != "") print c "|" e }' >>"$tmp/scrapes.txt"
	sleep 0.1
done
wait "$apid"
rc=$?
[ $rc -eq 0 ] || fail "agent exit status $rc (--cycles 6)"
sleep 0.3 # the last datagrams

python3 - "$tmp/udp.jsonl" "$tmp/out.jsonl" "$tmp/scrapes.txt" <<'EOF' || fail "checks failed"
import json, re, sys
from decimal import Decimal
udp_path, jl_path, scr_path = sys.argv[1:4]
fails = []
def check(ok, what):
    print("%s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        fails.append(what)

# ---- JSON lines
data = open(jl_path).read()
check(data.endswith("\n"), "JSON lines: the file ends with a whole line")
cycles = {}
for i, l in enumerate(data.splitlines()):
    try:
        o = json.loads(l)
    except ValueError as e:
        check(False, "JSON lines: line %d is not JSON: %s" % (i + 1, e)); sys.exit(1)
    c = cycles.setdefault(o["seq"], {"node": None, "rows": []})
    if o["type"] == "node":
        c["node"] = o
    else:
        c["rows"].append(o)
seqs = sorted(cycles)
check(seqs == list(range(1, 7)), "JSON lines: seq %s == 1..6" % seqs)
uj = lambda x: round(x * 1e6)
bad, prev_tot, node_energy = [], {}, {}
for s in seqs:
    c = cycles[s]
    n = c["node"]
    if n is None:
        bad.append("seq %d: no node line" % s); continue
    if n.get("rows") is not None and n["rows"] != len(c["rows"]):
        bad.append("seq %d: node says %s rows, %d written" % (s, n["rows"], len(c["rows"])))
    node_energy[s] = {k: uj(v) for k, v in n["energy_j"].items()}
    for comp, v in n["energy_j"].items():
        rows = sum(uj(r["energy_j"].get(comp, 0)) for r in c["rows"])
        if rows != uj(v):
            bad.append("seq %d %s: rows %d uJ != node %d uJ" % (s, comp, rows, uj(v)))
    for r in c["rows"]:
        key = (r["type"], r["kind"], r["name"], r["namespace"], r["pod"], r["container"], r.get("cgroup"))
        for comp, v in r["energy_j_total"].items():
            p = prev_tot.get((key, comp))
            if p is not None and uj(v) < p:
                bad.append("seq %d: %s %s total went down %d -> %d" % (s, key[2], comp, p, uj(v)))
            prev_tot[(key, comp)] = uj(v)
tot = {}
for s in seqs:
    n = cycles[s]["node"]
    if not n:
        continue
    for comp, v in n["energy_j"].items():
        tot[comp] = tot.get(comp, 0) + uj(v)
        if uj(n["energy_j_total"][comp]) != tot[comp]:
            bad.append("seq %d %s: node energy_j_total %d != sum of energy_j %d" % (s, comp, uj(n["energy_j_total"][comp]), tot[comp]))
check(not bad, "JSON lines: per cycle rows == node to the microjoule, totals monotonic and consistent%s"
      % "".join("\n     " + b for b in bad[:8]))
nrows = [len(cycles[s]["rows"]) for s in seqs]
print("     rows per cycle: %s; node cpu J per cycle: %s" % (nrows, [node_energy.get(s, {}).get("cpu", 0) / 1e6 for s in seqs]))

# ---- DogStatsD
pk = [json.loads(l) for l in open(udp_path)]
check(len(pk) > 0, "DogStatsD: %d datagrams received" % len(pk))
big = [p["n"] for p in pk if p["n"] > 1432]
check(not big, "DogStatsD: every datagram <= 1432 bytes (largest %d)" % max([p["n"] for p in pk] or [0]))
line_re = re.compile(r'^carbonstat\.([a-z0-9_.]+):(-?[0-9.eE+-]+)\|(c|g)\|#([^|]*)$')
groups, last_t, badl, noctag = [], None, [], 0
for p in pk:
    if last_t is None or p["t"] - last_t > 0.4:
        groups.append([])
    last_t = p["t"]
    for line in p["d"].split("\n"):
        m = line_re.match(line)
        if not m:
            badl.append(line); continue
        tags = dict(t.split(":", 1) for t in m.group(4).split(","))
        if tags.get("env") != "itest" or tags.get("cluster") != "eu-1":
            noctag += 1
        groups[-1].append((m.group(1), Decimal(m.group(2)), m.group(3), tags))
check(not badl, "DogStatsD: every line parses%s" % "".join("\n     %r" % b for b in badl[:5]))
check(noctag == 0, "DogStatsD: constant tags env:itest,cluster:eu-1 on every line (%d without)" % noctag)
check(len(groups) == 6, "DogStatsD: 6 cycles of datagrams (got %d)" % len(groups))
bad, sd_node = [], []
for i, g in enumerate(groups):
    node = {t["component"]: v for n, v, ty, t in g if n == "node.energy.joules"}
    rows = {}
    nr = 0
    for n, v, ty, t in g:
        if n == "energy.joules":
            rows[t["component"]] = rows.get(t["component"], 0) + v
            nr += 1
        if n in ("energy.joules", "node.energy.joules", "carbon.grams", "node.carbon.grams") and ty != "c":
            bad.append("cycle %d: %s is type %s, want c" % (i + 1, n, ty))
    sd_node.append({k: int(v * 1000000) for k, v in node.items()})
    for comp, v in node.items():
        if abs(rows.get(comp, 0) - v) > Decimal("1e-6") * max(nr, 1):
            bad.append("cycle %d %s: rows %s J != node %s J" % (i + 1, comp, rows.get(comp), v))
check(not bad and groups, "DogStatsD: per cycle the rows' energy.joules add up to node.energy.joules%s"
      % "".join("\n     " + b for b in bad[:8]))
jl_node = [node_energy.get(s) for s in seqs]
check(sd_node == jl_node, "DogStatsD node energy per cycle == JSON lines' (uJ): %s" % (sd_node == jl_node or (sd_node, jl_node)))

# ---- Prometheus, scraped during the run
seen, bad = 0, []
for l in open(scr_path):
    c, _, rest = l.strip().partition("|")
    k = int(c)
    if k not in cycles or not cycles[k]["node"]:
        continue
    for m in re.finditer(r'component="(\w+)"[^}]*\} (\d+\.\d+)', rest):
        want = uj(cycles[k]["node"]["energy_j_total"][m.group(1)])
        got = int(Decimal(m.group(2)) * 1000000)
        seen += 1
        if got != want:
            bad.append("cycle %d %s: /metrics %d uJ, JSON lines total %d uJ" % (k, m.group(1), got, want))
check(seen > 0 and not bad, "Prometheus: node energy counter == JSON lines' energy_j_total of the same cycle (%d samples)%s"
      % (seen, "".join("\n     " + b for b in bad[:5])))
sys.exit(1 if fails else 0)
EOF
if grep -q . "$tmp/agent.err"; then echo "note: agent stderr:"; sed 's/^/     /' "$tmp/agent.err" | head -10; fi
echo "PASS: statsd-jsonl"
exit 0
