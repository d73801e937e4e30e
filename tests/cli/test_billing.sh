#!/usr/bin/env bash
# tests/cli/test_billing.sh - `carbonstat billing` as a user runs it.
#
# Golden output for the hand-made CUR fixture (table and CSV), the same
# bill in CUR 2.0 and FOCUS giving the same CSV, stdin and gzip, --json's
# exact cost strings and conservation flag, every error path's exit code and
# one-line message (unknown format, truncated gzip, missing file, --strict on
# a ragged row, an empty file, Parquet without libduckdb, bad options),
# `billing sql` and `billing reconcile`. UPDATE_GOLDEN=1 rewrites the golden
# files under tests/golden/billing/.
set -uo pipefail
bin=$(realpath "${1:?usage: test_billing.sh path/to/carbonstat FIXTURES GOLDEN}")
fix=$(realpath "${2:?}")/billing
golden=$(realpath "${3:?}")/billing
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
cd "$fix" || exit 1

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# expect RC PATTERN -- ARGS: exit code and a stderr pattern (for a failure: the
# last line, one line; warnings about other rows may come before it)
expect() {
	local rc=$1 pat=$2
	shift 3
	"$bin" "$@" > "$tmp/out" 2> "$tmp/err"
	local got=$?
	if [ $got -ne "$rc" ]; then
		bad "carbonstat $* exited $got, want $rc: $(head -3 "$tmp/err")"
	elif [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/err"; then
		bad "carbonstat $*: stderr lacks '$pat': $(head -3 "$tmp/err")"
	elif [ "$rc" -ne 0 ] && ! tail -1 "$tmp/err" | grep -q -- "$pat"; then
		bad "carbonstat $*: the error is not the one last line: $(cat "$tmp/err")"
	else
		ok
	fi
}

golden() {
	local name=$1
	shift
	"$bin" "$@" > "$tmp/$name" 2>&1
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$tmp/$name" "$golden/$name"
		ok
	elif diff -u "$golden/$name" "$tmp/$name" > "$tmp/diff"; then
		ok
	else
		bad "golden $name"
		head -40 "$tmp/diff"
	fi
}

golden cur_legacy_table.out billing cur_legacy.csv --unit-prices
golden cur_legacy_team.csv billing cur_legacy.csv --csv --by tag:team
golden cur_legacy_day.csv billing cur_legacy.csv --csv --by day
golden gcp_class.out billing gcp.csv --by class
golden azure_region.out billing azure.csv --by region
golden sql_athena.out billing sql --engine athena --table cur.cur2 --by tag:team
golden reconcile_aws.out billing reconcile --provider-carbon aws_carbon.csv cur_legacy.csv

# one bill, three formats, stdin and gzip: the same CSV
"$bin" billing cur_legacy.csv --csv --by tag:team > "$tmp/a.csv"
for other in cur2.csv focus_aws.csv cur_legacy.csv.gz; do
	"$bin" billing "$other" --csv --by tag:team > "$tmp/b.csv"
	if cmp -s "$tmp/a.csv" "$tmp/b.csv"; then ok; else bad "$other differs from cur_legacy.csv"; diff "$tmp/a.csv" "$tmp/b.csv" | head; fi
done
"$bin" billing - --csv --by tag:team < cur_legacy.csv.gz > "$tmp/b.csv"
if cmp -s "$tmp/a.csv" "$tmp/b.csv"; then ok; else bad "stdin differs"; fi

# --json: exact decimal strings, conservation
"$bin" billing cur_legacy.csv gcp.csv azure.csv --json > "$tmp/j.json"
if python3 - "$tmp/j.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["conserved"] is True
t = {x["currency"]: x for x in d["totals"]}
assert t["USD"]["effective_cost"] == "50.8360833333", t["USD"]
assert t["USD"]["billed_cost"] == "159.2534833333"
assert t["EUR"]["effective_cost"] == "128.7772"
assert t["USD"]["effective_cost"] == t["USD"]["effective_cost_in"]
assert set(d["formats"]) == {"aws-cur", "gcp", "azure"}
PY
then ok; else bad "--json totals"; fi

# errors: exit code and one line naming the input
expect 2 "unknown_format.csv: not a bill format" -- billing unknown_format.csv
expect 2 "truncated.csv.gz: truncated gzip" -- billing truncated.csv.gz
# a file named on the command line that does not exist is an input error (2), like --config
expect 2 "nope.csv: cannot open" -- billing nope.csv
expect 2 "ragged.csv:3: 7 fields, the header has 10" -- billing --strict ragged.csv
expect 0 "ragged.csv:5: quantity 'one' is not a number: row skipped" -- billing ragged.csv
expect 0 "empty.csv: empty file" -- billing empty.csv
expect 2 "empty.csv: empty file" -- billing --strict empty.csv
expect 2 "not an AWS CUR" -- billing --format aws-cur focus_multi.csv
expect 2 "--format 'xml'" -- billing --format xml cur_legacy.csv
expect 2 "provider or team" -- billing --by teams cur_legacy.csv
expect 2 "no bill file given" -- billing
expect 2 "--engine 'snowflake'" -- billing sql --engine snowflake
expect 2 "needs --provider-carbon" -- billing reconcile cur_legacy.csv
printf 'PAR1 not really' > "$tmp/x.parquet"
CS_DUCKDB_LIB= expect 1 "needs DuckDB's C library (/none/libduckdb.so)" -- billing --duckdb-lib /none/libduckdb.so "$tmp/x.parquet"
expect 0 "" -- billing --help

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
