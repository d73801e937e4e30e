#!/usr/bin/env bash
# CLI golden tests. Each tests/cli/cases/<name>.args holds one line of
# arguments (shell words); the run's exit code, stdout and stderr are compared
# with tests/golden/<name>.out. UPDATE_GOLDEN=1 rewrites the golden files.
set -uo pipefail
bin=$1 cases=$2 golden=$3
fail=0 n=0
for c in "$cases"/*.args; do
	name=$(basename "$c" .args)
	n=$((n + 1))
	out=$(mktemp)
	# shellcheck disable=SC2046
	eval "set -- $(cat "$c")"
	"$bin" "$@" >"$out.stdout" 2>"$out.stderr"
	rc=$?
	{ echo "exit: $rc"; echo "--- stdout"; cat "$out.stdout"; echo "--- stderr"; cat "$out.stderr"; } >"$out"
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$out" "$golden/$name.out"
	elif ! diff -u "$golden/$name.out" "$out" >"$out.diff"; then
		echo "FAIL $name"; head -60 "$out.diff"; fail=$((fail + 1))
	fi
	rm -f "$out" "$out.stdout" "$out.stderr" "$out.diff"
done
echo "$((n - fail)) passed, $fail failed"
[ $fail -eq 0 ]
