# shellcheck shell=bash
# tests/support/testlib.sh - what every shell test shares: skipping honestly
# and waiting on conditions. Sourced, never run:
#   . "$(cd "$(dirname "$0")/../support" && pwd)/testlib.sh"
#
# Skips. A test that cannot run here (no root to make cgroups, no promtool...)
# exits 77, which ctest reports as "Skipped" (SKIP_RETURN_CODE 77), never as
# passed. CS_REQUIRE lists the capabilities that must be there
# (CS_REQUIRE=cgroups,promtool or CS_REQUIRE=all); .ci/run sets it for every
# capability CI provides, so a skip there is a failure. The capability names
# are listed in tests/README.md.
#   cs_required CAP            0 if CS_REQUIRE names CAP (or all)
#   skip_or_fail CAP MSG       "SKIP: MSG" exit 77, or "FAIL: ..." exit 1 if CAP is required
#   need_cmd CAP CMD [MSG]     skip_or_fail CAP when CMD is not on PATH
#
# Time. A fixed sleep followed by an assertion is a race that a slow build
# (ASan, valgrind, a loaded CI machine) loses; wait for the condition instead,
# with a deadline generous enough to hold there (it costs nothing when the
# condition comes early). CS_TIME_SCALE (set by the sanitizer build's tests)
# multiplies every deadline.
#   scaled SECS                SECS x CS_TIME_SCALE (default 1), printed
#   wait_for SECS CMD [ARG...] runs CMD every 0.05 s until it succeeds (0) or
#                              scaled SECS have passed (1)
#
# JSON.
#   json FILE EXPR             python EXPR with d = the last '{' line of FILE

cs_required() {
	local cap=$1 item
	local IFS=,
	for item in ${CS_REQUIRE:-}; do
		item=${item// /}
		[ "$item" = all ] || [ "$item" = "$cap" ] && return 0
	done
	return 1
}

skip_or_fail() {
	if cs_required "$1"; then
		echo "FAIL: $2 (CS_REQUIRE=${CS_REQUIRE} requires '$1')"
		exit 1
	fi
	echo "SKIP: $2 (capability '$1')"
	exit 77
}

need_cmd() {
	command -v "$2" >/dev/null 2>&1 || skip_or_fail "$1" "${3:-$2 not found}"
}

scaled() {
	awk -v s="$1" -v k="${CS_TIME_SCALE:-1}" 'BEGIN { printf "%g\n", s * k }'
}

wait_for() {
	local end
	end=$(($(date +%s%N) + $(awk -v s="$1" -v k="${CS_TIME_SCALE:-1}" 'BEGIN { printf "%.0f", s * k * 1e9 }')))
	shift
	while :; do
		"$@" && return 0
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# JSON output. json FILE EXPR prints python EXPR evaluated with d = the last
# line of FILE that starts with '{' (a report after other output).
json() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip().startswith("{")]
d = json.loads(lines[-1])
print(eval(sys.argv[2]))
EOF
}
