#!/usr/bin/env bash
# Run every unit test and the CLI under valgrind; any error or leak fails.
set -euo pipefail
build=${1:-build}
fail=0
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --track-fds=no)
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	rc=0
	CMOCKA_MESSAGE_OUTPUT=stdout "${vg[@]}" "$t" >"$t.valgrind.log" 2>&1 || rc=$?
	if [ $rc -eq 77 ]; then
		echo "valgrind: $(basename "$t") skipped (77: what it needs is absent here)"
	elif [ $rc -ne 0 ]; then
		echo "valgrind: $(basename "$t") FAILED"; tail -40 "$t.valgrind.log"; fail=1
	else
		echo "valgrind: $(basename "$t") clean"
	fi
done
for args in "estimate --provider aws --instance m5.large --region eu-west-1 --json" \
	"compare --instance m5.large,e2-standard-2 --country DE,FR" "estimate --instance nope --country DE" \
	"billing $(dirname "$0")/../tests/fixtures/billing/cur_legacy.csv.gz --by tag:team --json"; do
	# shellcheck disable=SC2086
	"${vg[@]}" "$build/carbonstat" $args >/dev/null 2>&1 || rc=$?
	if [ "${rc:-0}" -eq 99 ]; then echo "valgrind: carbonstat $args FAILED"; fail=1; fi
	unset rc
done
# the agent under memcheck for a shorter soak (churning containers, scrapes)
if "$(dirname "$0")/../tests/agent/soak.sh" "$build/carbonstat" --valgrind >"$build/agent-soak.valgrind.log" 2>&1; then
	echo "valgrind: agent soak clean"
else
	rc=$?
	if [ $rc -eq 77 ]; then echo "valgrind: agent soak skipped"; else
		echo "valgrind: agent soak FAILED"; tail -40 "$build/agent-soak.valgrind.log"; fail=1; fi
fi
[ $fail -eq 0 ] && echo "valgrind: all clean"
exit $fail
