# shellcheck shell=bash
# tests/ledger/lib.sh - what the ledger's integration scripts share. Sourced
# after tests/agent/lib.sh (need, agent_setup, track, free_port, ok/ko):
#   (skips go through tests/support/testlib.sh's skip_or_fail CAP MSG:
#   exit 77, or 1 when $CS_REQUIRE names CAP; capabilities postgresql,
#   prometheus, promtool, victoria-metrics, chromium: tests/README.md)
#   pg_bindir             the directory of initdb/pg_ctl/postgres ($PG_BINDIR,
#                         the one initdb on PATH is in, else the newest
#                         /usr/lib/postgresql/*/bin); "" if none
#   pg_start DIR [OPTS]   a private PostgreSQL cluster in DIR (initdb, trust
#                         auth, user "cs"), on a free port of 127.0.0.1, its
#                         socket in DIR; run as the invoking user, or as
#                         "nobody" when that is root (PostgreSQL refuses
#                         root); OPTS are extra "-c name=value" server
#                         settings. Sets PGURL (postgresql://cs@127.0.0.1:PORT/
#                         postgres) and registers the stop in cleanup (the
#                         watchdog of agent_setup stops it too if the script
#                         is killed). Skips (skip_or_fail postgresql) without the
#                         binaries.
#   pg_stop DIR           stops it (immediate)

# shellcheck source=tests/support/testlib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../support" && pwd)/testlib.sh"

pg_bindir() {
	local d
	if [ -n "${PG_BINDIR:-}" ]; then echo "$PG_BINDIR"; return; fi
	d=$(command -v initdb 2>/dev/null) && d=$(dirname "$(readlink -f "$d")") && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] &&
		{ echo "$d"; return; }
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && { echo "$d"; return; }
	done
	echo ""
}

pg_as() { # runs a command as the cluster's owner
	if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

pg_start() {
	local dir=$1 bin port
	shift
	bin=$(pg_bindir)
	[ -n "$bin" ] || skip_or_fail postgresql "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; Debian package 'postgresql'"
	if [ "$(id -u)" -eq 0 ]; then
		command -v runuser >/dev/null || skip_or_fail postgresql "running as root without runuser to start PostgreSQL as nobody"
		chown nobody "$dir" && chmod 755 "$dir"
		# nobody must reach it: the test's temp dir is mode 700
		[ "$dir" = "$tmp" ] || chmod 711 "$tmp"
	fi
	pg_as "$bin/initdb" -D "$dir/data" -A trust -U cs --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ echo "FAIL: initdb"; tail -5 "$dir/initdb.log"; exit 1; }
	port=$(free_port)
	pg_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 \
		-o "-p $port -k $dir -c listen_addresses=127.0.0.1 $*" start >/dev/null 2>&1 ||
		{ echo "FAIL: pg_ctl start"; tail -20 "$dir/pg.log"; exit 1; }
	PGURL="postgresql://cs@127.0.0.1:$port/postgres"
	echo "$dir" >>"$tmp/pgdirs"
	# the postmaster is not our child (pg_ctl daemonizes it): let the
	# watchdog of agent_setup end it if this script is killed outright
	echo "$(head -n1 "$dir/data/postmaster.pid")" >>"$tmp/pids"
}

pg_stop() {
	local bin
	bin=$(pg_bindir)
	[ -n "$bin" ] && [ -d "$1/data" ] && pg_as "$bin/pg_ctl" -D "$1/data" -m immediate stop >/dev/null 2>&1
	return 0
}

# cleanup of tests/agent/lib.sh, plus the clusters started here
ledger_cleanup() {
	if [ -f "$tmp/pgdirs" ]; then
		while read -r d; do pg_stop "$d"; done <"$tmp/pgdirs"
	fi
	cleanup
}
