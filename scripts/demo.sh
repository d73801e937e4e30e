#!/usr/bin/env bash
# The main job on built-in defaults: no account, no server. Shows what a month
# of a typical web tier costs in carbon, where moving it would pay off, and
# (once host sensors are built) what this machine is drawing right now.
set -euo pipefail
cs=${1:-build/carbonstat}
say() { printf '\n== %s\n$ carbonstat %s\n' "$1" "${*:2}"; "$cs" "${@:2}"; }

say "One month of an AWS m5.large web node at 30 % CPU in Ireland" \
	estimate --provider aws --instance m5.large --region eu-west-1 --cpu 30 --duration 730h
say "The same fleet of 40 nodes: where would it emit least?" \
	compare --instance m5.large,m6g.large,c6i.large --region us-east-1,eu-west-1,eu-north-1,eu-central-1 \
	--cpu 30 --duration 730h --count 40 --top 8
if "$cs" --help | grep -q '^  sensors'; then
	say "What this machine is, and which sensors it has" sensors
	# A bare machine cannot tell where it is: say it (COUNTRY=FR make demo) or
	# let cloud metadata tell (on a cloud VM the region is detected).
	country=${COUNTRY:-DE}
	say "This machine, live, for 3 seconds (grid: $country)" top -b -n 3 --interval 1 --country "$country"
	say "The energy of one command on this machine" run --country "$country" -- \
		sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'
fi
if "$cs" --help | grep -q '^  agent'; then
	say "The agent (the per-node daemon), 3 cycles of 1 s on stdout; in production it serves Prometheus on :9875 (make agent-demo)" \
		agent --interval 1s --cycles 3 --no-align --stdout --no-prometheus --no-kubelet --country "${COUNTRY:-DE}"
fi
if "$cs" --help | grep -q '^  ledger'; then
	# a small P&L of this machine: the agent's JSON lines into a throwaway ledger
	d=$(mktemp -d)
	trap 'rm -rf "$d"' EXIT
	say "The agent for 5 s, writing JSON lines" agent --interval 1s --cycles 5 --no-align --no-prometheus --no-kubelet \
		--country "${COUNTRY:-DE}" --jsonl "$d/energy.jsonl"
	say "Into the ledger (a SQLite file; a fleet uses 'ledger sync --prometheus URL' and PostgreSQL)" \
		ledger import --db "sqlite:$d/ledger.db" "$d/energy.jsonl"
	say "This machine's carbon P&L this month, by owner (hours before now are missing: the ledger is new)" \
		ledger report --db "sqlite:$d/ledger.db" --by owner
fi
echo
echo "Every figure above names its source: run 'build/carbonstat datasets' for the tables and licenses."
