#!/usr/bin/env bash
# `make check`: every stage of the suite in order, then a table of each
# stage's wall time and result. Stages (each is also a make target):
#   deps           scripts/deps.sh test (cmocka, clang, valgrind, the real components)
#   format         clang-format --dry-run over the C sources (make format-check)
#   layers         scripts/check-layers.py: no folder includes a folder above it
#   test           build (RelWithDebInfo, tests on) and ctest: unit, CLI golden,
#                  golden recompute, real runs, the agent with real components
#   asan           ASan+UBSan build and ctest, fuzz corpora replayed, without
#                  the "real" label (tests/CMakeLists.txt says why)
#   valgrind+fuzz  scripts/valgrind.sh on the test build (one run at a time), and
#                  in parallel the clang libFuzzer build and scripts/fuzz-smoke.sh
#                  (FUZZ_JOBS targets at once, each FUZZ_SECONDS of wall time)
#   bench-smoke    the benchmarks once (each fails if a hot path allocates)
#   datagen-check  the generated tables match ../shared/datasets
# A stage that fails is reported and the next ones still run (their results
# say what else is broken); the exit status is 1 if any failed.
# Environment: the Makefile's BUILD, BUILD_ASAN, BUILD_FUZZ, JOBS, FUZZ_SECONDS,
# FUZZ_JOBS, VALGRIND_JOBS; CHECK_STAGES="test asan" runs only those stages.
set -uo pipefail
cd "$(dirname "$0")/.."
make=${MAKE:-make}
stages=${CHECK_STAGES:-deps format layers test asan valgrind+fuzz bench-smoke datagen-check}
logdir=${CHECK_LOGS:-check-logs}
mkdir -p "$logdir"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
rows=()
failed=0

# stage NAME CMD...: runs CMD with its output on ours, records time and result.
stage() {
	local name=$1 t0 rc
	shift
	echo "==== check: $name"
	t0=$(now)
	"$@"
	rc=$?
	record "$name" "$t0" "$(now)" "$rc"
}
record() {
	local result=ok
	[ "$4" -eq 0 ] || { result="FAILED (exit $4)"; failed=1; }
	rows+=("$(printf '%-22s %8s s  %s' "$1" "$(secs "$2" "$3")" "$result")")
}

# Two jobs at once, each logged to $logdir/NAME.log and shown when done.
parallel_valgrind_fuzz() {
	local t0 pv pf rv rf tv tf
	echo "==== check: valgrind+fuzz (in parallel)"
	t0=$(now)
	( $make --no-print-directory valgrind VALGRIND_JOBS="${VALGRIND_JOBS:-1}" >"$logdir/valgrind.log" 2>&1
	  echo $? >"$logdir/valgrind.rc"; now >"$logdir/valgrind.end" ) &
	pv=$!
	( $make --no-print-directory fuzz-smoke FUZZ_JOBS="${FUZZ_JOBS:-2}" >"$logdir/fuzz-smoke.log" 2>&1
	  echo $? >"$logdir/fuzz-smoke.rc"; now >"$logdir/fuzz-smoke.end" ) &
	pf=$!
	wait $pv $pf
	rv=$(cat "$logdir/valgrind.rc") rf=$(cat "$logdir/fuzz-smoke.rc")
	tv=$(cat "$logdir/valgrind.end") tf=$(cat "$logdir/fuzz-smoke.end")
	echo "==== check: valgrind (log $logdir/valgrind.log)"
	grep -E '^(valgrind: |==[0-9]+==)' "$logdir/valgrind.log" | tail -n 120
	echo "==== check: fuzz-smoke (log $logdir/fuzz-smoke.log)"
	grep -E '^(fuzz: |==[0-9]+==)|ERROR|SUMMARY' "$logdir/fuzz-smoke.log" | tail -n 120
	record "valgrind+fuzz" "$t0" "$(now)" $((rv != 0 || rf != 0))
	record "  valgrind" "$t0" "$tv" "$rv"
	record "  fuzz build + smoke" "$t0" "$tf" "$rf"
}

t_all=$(now)
for s in $stages; do
	case $s in
	deps) stage deps scripts/deps.sh test ;;
	format) stage format $make --no-print-directory format-check ;;
	layers) stage layers python3 scripts/check-layers.py ;;
	test) stage test $make --no-print-directory test ;;
	asan) stage asan $make --no-print-directory asan ;;
	valgrind+fuzz) parallel_valgrind_fuzz ;;
	valgrind) stage valgrind $make --no-print-directory valgrind ;;
	fuzz-smoke) stage fuzz-smoke $make --no-print-directory fuzz-smoke ;;
	bench-smoke) stage bench-smoke $make --no-print-directory bench-smoke ;;
	datagen-check) stage datagen-check $make --no-print-directory datagen-check ;;
	*) echo "check: unknown stage '$s'" >&2; exit 2 ;;
	esac
done

echo
echo "==== check: wall time per stage"
printf '%s\n' "${rows[@]}"
printf '%-22s %8s s  %s\n' total "$(secs "$t_all" "$(now)")" "$([ $failed -eq 0 ] && echo "all passed" || echo FAILED)"
exit $failed
