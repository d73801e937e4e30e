#!/usr/bin/env bash
# Every unit test, a few CLI runs and a short agent soak under valgrind
# memcheck. A run fails on any memcheck error or definite/indirect leak
# (exit 99), and on any exit other than the one expected: 0 for a unit test
# (77, skipped, is reported as such; CS_REQUIRE makes the test itself fail),
# the documented exit code for each CLI run. A crash (a signal: valgrind
# exits 128+N) is therefore a failure, never "clean".
# Usage: scripts/valgrind.sh [BUILD] [JOBS]   (JOBS runs at once; default 1)
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
export CS_TIME_SCALE=${CS_TIME_SCALE:-5} # deadlines and bounds in the tests (tests/README.md)
# The tests start python3 hundreds of times: the interpreter itself first on
# PATH when python3 is a version manager's shim (as tests/CMakeLists.txt does)
py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) &&
	[ "$(realpath "$py")" != "$(realpath "$(command -v python3)")" ] && export PATH="${py%/*}:$PATH"
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
	--show-leak-kinds=definite,indirect --track-fds=no)
# shellcheck source=scripts/jobpool.sh
. "$here/jobpool.sh"
pool_init "${2:-1}"

# memcheck NAME EXPECTED_RC CMD...: one run under memcheck.
memcheck() {
	local name=$1 want=$2 rc t0=$SECONDS
	shift 2
	CMOCKA_MESSAGE_OUTPUT=stdout "${vg[@]}" "$@" >"$pool_dir/$name.log" 2>&1 </dev/null
	rc=$?
	if [ $rc -eq "$want" ]; then
		echo "clean ($((SECONDS - t0)) s)" >"$pool_dir/$name.status"
	elif [ $rc -eq 77 ] && [ "$want" -eq 0 ]; then
		echo "skipped" >"$pool_dir/$name.status"
	elif [ $rc -eq 99 ]; then
		echo "FAILED (memcheck errors or leaks)" >"$pool_dir/$name.status"
	elif [ $rc -gt 128 ]; then
		echo "FAILED (killed by signal $((rc - 128)), want exit $want)" >"$pool_dir/$name.status"
	else
		echo "FAILED (exit $rc, want $want)" >"$pool_dir/$name.status"
	fi
}

# soak NAME: the agent under memcheck on a churning node (tests/agent/soak.sh).
soak() {
	local rc t0=$SECONDS
	"$root/tests/agent/soak.sh" "$build/carbonstat" --valgrind >"$pool_dir/$1.log" 2>&1
	rc=$?
	case $rc in
	0) echo "clean ($((SECONDS - t0)) s)" ;;
	77) echo "skipped: $(grep -m1 SKIP "$pool_dir/$1.log")" ;;
	*) echo "FAILED (exit $rc)" ;;
	esac >"$pool_dir/$1.status"
}

units=()
for t in "$build"/tests/test_*; do
	[ -x "$t" ] && [ -f "$t" ] && units+=("$t")
done
[ ${#units[@]} -gt 0 ] || { echo "valgrind: no unit tests in $build/tests (build them first)"; exit 1; }

pool_job agent-soak soak # first: the longest
for t in "${units[@]}"; do
	pool_job "$(basename "$t")" memcheck 0 "$t"
done
# The CLI: a JSON estimate, a compare, an unknown instance (exit 2), a bill.
cs="$build/carbonstat"
pool_job carbonstat-estimate memcheck 0 "$cs" estimate --provider aws --instance m5.large --region eu-west-1 --json
pool_job carbonstat-compare memcheck 0 "$cs" compare --instance m5.large,e2-standard-2 --country DE,FR
pool_job carbonstat-unknown memcheck 2 "$cs" estimate --instance nope --country DE
# The billing CLI on a gzipped CUR export (the inflater runs in its own thread).
pool_job carbonstat-billing memcheck 0 "$cs" billing "$root/tests/fixtures/billing/cur_legacy.csv.gz" --by tag:team --json
pool_wait
pool_report valgrind || exit 1
echo "valgrind: all clean (${#pool_names[@]} runs)"
