#!/usr/bin/env bash
# Runs a command against a real PostgreSQL server: starts a private cluster
# (tests/ledger/lib.sh pg_start), runs "$@" with CS_LEDGER_PG_URL set (the
# ledger's unit tests then use it instead of SQLite), stops the cluster.
# Exit: the command's; 77 when PostgreSQL is not installed (1 with
# CS_REQUIRE=postgresql).
# Usage: with_pg.sh COMMAND [ARGS...]   (several: with_pg.sh -- CMD1 -- CMD2)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=/bin/true
# shellcheck source=tests/agent/lib.sh
. "$here/../agent/lib.sh"
# shellcheck source=tests/ledger/lib.sh
. "$here/lib.sh"
agent_setup withpg
trap ledger_cleanup EXIT
pg_start "$tmp" -c fsync=off
export CS_LEDGER_PG_URL=$PGURL
if [ "${1:-}" != "--" ]; then
	"$@"
	exit $?
fi
rc=0
cmd=()
shift
for a in "$@" --; do
	if [ "$a" = "--" ]; then
		echo "## ${cmd[*]}"
		"${cmd[@]}" || rc=1
		cmd=()
	else
		cmd+=("$a")
	fi
done
exit $rc
