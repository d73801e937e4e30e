#!/usr/bin/env bash
# tests/cli/test_plan.sh - `carbonstat plan` as a user runs it.
#
# 1. Honesty: every option plan reports (current, recommended, front, not
#    ranked; several option sets, three providers) is run through
#    `carbonstat estimate --json` with the same words, and every figure
#    estimate prints must be the one plan printed, byte for byte.
# 2. The README example and an AWS-to-GCP migration as golden text.
# 3. JSON, CSV and HTML: well-formed, complete, the HTML self-contained
#    (no script, no external URL) with one chart per group.
# 4. Every bad input: exit 2 and one line naming the input and the fix.
# UPDATE_GOLDEN=1 rewrites tests/golden/plan/.
set -uo pipefail
bin=$(realpath "${1:?usage: test_plan.sh path/to/carbonstat REPO GOLDEN}")
repo=$(realpath "${2:?}")
golden=$(realpath "${3:?}")/plan
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ex=examples/plan
cd "$repo" || exit 1

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# expect RC PATTERN -- ARGS: exit code, and a failure is one line on stderr
# matching PATTERN.
expect() {
	local rc=$1 pat=$2
	shift 3
	"$bin" "$@" > "$tmp/out" 2> "$tmp/err"
	local got=$?
	if [ $got -ne "$rc" ]; then
		bad "carbonstat $* exited $got, want $rc: $(head -3 "$tmp/err")"
	elif [ "$rc" -ne 0 ] && [ "$(wc -l < "$tmp/err")" -ne 1 ]; then
		bad "carbonstat $*: not one line on stderr: $(cat "$tmp/err")"
	elif [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/err"; then
		bad "carbonstat $*: stderr lacks '$pat': $(cat "$tmp/err")"
	else
		ok
	fi
}

golden() {
	local name=$1
	shift
	"$bin" "$@" > "$tmp/$name" 2>&1
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		mkdir -p "$golden"
		cp "$tmp/$name" "$golden/$name"
		ok
	elif diff -u "$golden/$name" "$tmp/$name" > "$tmp/diff"; then
		ok
	else
		bad "golden $name differs:"
		head -40 "$tmp/diff"
	fi
}

# --- 1. plan's figures are estimate's --------------------------------------
check_estimate() {
	local what=$1
	shift
	if ! "$bin" plan "$@" --json > "$tmp/plan.json" 2> "$tmp/err"; then
		bad "plan $* --json failed: $(cat "$tmp/err")"
		return
	fi
	if python3 - "$bin" "$tmp/plan.json" > "$tmp/cmp" 2>&1 <<'EOF'; then
import json, subprocess, sys
binary, path = sys.argv[1], sys.argv[2]
doc = json.load(open(path))
assert doc["mismatches_with_estimate"] == 0, "plan ranked on figures that differ from estimate's"
checked = 0
for g in doc["groups"]:
    opts = [g["current"], g["recommended"]] + g["front"] + ([g["not_ranked"]] if g["not_ranked"] else [])
    for o in opts:
        args = [binary, "estimate", "--provider", o["provider"], "--instance", o["instance"], "--region",
                o["region"], "--cpu", repr(o["cpu_percent"]), "--duration", "%rh" % o["duration_h"],
                "--count", str(o["count"]), "--json"]
        est = json.loads(subprocess.check_output(args))
        for k, v in est.items():
            if k == "sources":  # plan keeps role, id and year; titles are in "datasets"
                v = [{kk: s[kk] for kk in ("role", "id", "year", "overridden") if kk in s} for s in v]
                w = [{kk: s[kk] for kk in ("role", "id", "year", "overridden") if kk in s} for s in o[k]]
            else:
                w = o.get(k)
            # the same JSON text: the same double, printed the same way
            if json.dumps(v) != json.dumps(w):
                sys.exit("%s %s %s: %s is %s in estimate, %s in plan" % (o["provider"], o["instance"],
                         o["region"], k, json.dumps(v), json.dumps(w)))
        checked += 1
print(checked)
EOF
		ok
		echo "plan == estimate ($what): $(cat "$tmp/cmp") options"
	else
		bad "plan $what: $(cat "$tmp/cmp")"
	fi
}
check_estimate "README example" --inventory $ex/fleet.csv --prices $ex/prices.csv --near us-east-1 --max-km 1500 \
	--target-cpu 60 --objective balanced
check_estimate "to GCP" --inventory $ex/fleet.csv --prices $ex/prices.csv --to-provider gcp --regions us-east4,europe-west1
check_estimate "all providers" --inventory $ex/fleet.csv --to-provider all --near us-east-1 --max-km 800 --objective cost \
	--prices $ex/prices.csv

# the observed fleet: agent JSON lines (4 m5.xlarge nodes in eu-west-1, a day of
# November 2026) imported into a ledger, planned from it
if python3 tests/ledger/gen_jsonl.py --nodes 4 --hours 24 --cycles 6 --rows 5 > "$tmp/energy.jsonl" 2> /dev/null &&
	"$bin" ledger import --db "sqlite:$tmp/l.db" "$tmp/energy.jsonl" > /dev/null 2> "$tmp/err"; then
	check_estimate "ledger" --ledger "sqlite:$tmp/l.db" --period 2026-11 --to-provider all --near eu-west-1 --max-km 1000
	"$bin" plan --ledger "sqlite:$tmp/l.db" --period 2026-11 > "$tmp/ledger.txt" 2> "$tmp/err" &&
		grep -q "#1  aws m5.xlarge x 1 in eu-west-1" "$tmp/ledger.txt" &&
		grep -q "inventory.*the ledger's node-hours of 2026-11 (720 h): 4 nodes, 96 node-hours in 1 group;" "$tmp/ledger.txt" &&
		ok || bad "plan --ledger: $(cat "$tmp/err") $(head -5 "$tmp/ledger.txt")"
	expect 2 "has no node-hours in 2026-10" -- plan --ledger "sqlite:$tmp/l.db" --period 2026-10
	expect 2 "--period '2026-13' is not a month" -- plan --ledger "sqlite:$tmp/l.db" --period 2026-13
else
	bad "could not build a ledger: $(cat "$tmp/err")"
fi

# --- 2. golden text ----------------------------------------------------------
golden example.txt plan --inventory $ex/fleet.csv --prices $ex/prices.csv --near us-east-1 --max-km 1500 \
	--target-cpu 60 --objective balanced
golden migration.txt plan --inventory $ex/fleet.csv --prices $ex/prices.csv --to-provider gcp --regions us-east4 \
	--target-cpu 60 --objective balanced

# --- 3. formats ---------------------------------------------------------------
"$bin" plan --inventory $ex/fleet.csv --prices $ex/prices.csv --near us-east-1 --max-km 1500 --target-cpu 60 \
	--html > "$tmp/plan.html" 2> "$tmp/err" || bad "--html failed: $(cat "$tmp/err")"
# nothing the browser would fetch or run (a source's URL in the text is a citation, not a link)
if grep -Eqi '<script|url\(|@import|<link|<img|<iframe|<object|<embed|src=|href=|xlink:|on[a-z]+=' "$tmp/plan.html"; then
	bad "the HTML is not self-contained: $(grep -Eoi '<script|url\(|@import|<link|<img|<iframe|<object|<embed|src=|href=|xlink:|on[a-z]+=' "$tmp/plan.html" | head -3)"
else
	ok
fi
# one chart per group, and the split bar
[ "$(grep -c '<svg' "$tmp/plan.html")" -eq 5 ] && ok || bad "HTML: $(grep -c '<svg' "$tmp/plan.html") charts, want 5"
grep -q '</html>' "$tmp/plan.html" && ok || bad "HTML not closed"

"$bin" plan --inventory $ex/fleet.csv --prices $ex/prices.csv --csv > "$tmp/plan.csv" || bad "--csv failed"
"$bin" plan --inventory $ex/fleet.csv --prices $ex/prices.csv --json > "$tmp/plan.json" || bad "--json failed"
if python3 - "$tmp/plan.csv" "$tmp/plan.json" <<'EOF'; then ok; else bad "CSV rows do not match the JSON"; fi
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
doc = json.load(open(sys.argv[2]))
want = sum(2 + len(g["front"]) + (1 if g["not_ranked"] else 0) for g in doc["groups"])
assert len(rows) == want, (len(rows), want)
assert {r["role"] for r in rows} >= {"current", "recommended", "front"}
for key in ("assumptions", "summary", "datasets", "groups", "options", "inventory"):
    assert key in doc, key
assert len(doc["assumptions"]) >= 10 and all(a["source"] for a in doc["assumptions"])
s = doc["summary"]
total = sum(g["change"]["total_gco2e"] for g in doc["groups"])
assert abs(s["change"]["total_gco2e"] - total) <= 1e-8 * abs(total)  # JSON carries 10 digits
EOF

# stdin and gzip read as files are
gzip -c $ex/fleet.csv > "$tmp/fleet.csv.gz"
"$bin" plan --inventory "$tmp/fleet.csv.gz" --csv > "$tmp/gz.csv" && "$bin" plan --inventory - --csv < $ex/fleet.csv > "$tmp/stdin.csv" &&
	[ "$(cut -d, -f2- "$tmp/gz.csv" | md5sum)" = "$(cut -d, -f2- "$tmp/stdin.csv" | md5sum)" ] && ok || bad "gzip or stdin inventory"

# --- 4. bad input --------------------------------------------------------------
printf 'provider,instance,region,count,cpu_percent,hours_per_month\naws,m5.lrage,us-east-1,3,20,730\n' > "$tmp/typo.csv"
expect 2 "typo.csv:2:5: unknown aws instance type 'm5.lrage' (did you mean m5.large" -- plan --inventory "$tmp/typo.csv"
printf 'provider,instance,region,count,cpu_percent,hours_per_month\naws,m5.large,us-east-1,-1,20,730\n' > "$tmp/neg.csv"
expect 2 "neg.csv:2:24: count '-1' is not a whole number" -- plan --inventory "$tmp/neg.csv"
printf 'provider,instance,region,count\naws,m5.large,us-east-1,1\n' > "$tmp/cols.csv"
expect 2 "cols.csv:1:31: no column 'cpu_percent'" -- plan --inventory "$tmp/cols.csv"
expect 2 "cannot open" -- plan --inventory "$tmp/none.csv"
expect 2 "give the fleet as --inventory FILE or --ledger DB" -- plan
expect 2 "give the fleet as --inventory FILE or --ledger DB" -- plan --inventory $ex/fleet.csv --ledger "$tmp/l.db"
expect 2 "--period goes with --ledger" -- plan --inventory $ex/fleet.csv --period 2026-11
expect 1 "no ledger at" -- plan --ledger "$tmp/none.db" --period 2026-11
expect 2 "--families: 'gravitom' is not a family" -- plan --inventory $ex/fleet.csv --families gravitom
expect 2 "--regions: unknown region 'us-eats-1' (did you mean us-east-1" -- plan --inventory $ex/fleet.csv --regions us-eats-1
expect 2 "--near REGION and --max-km N come together" -- plan --inventory $ex/fleet.csv --near us-east-1
expect 2 "give either --regions or --near" -- plan --inventory $ex/fleet.csv --near us-east-1 --max-km 9 --regions us-east-1
expect 2 "--objective 'green'" -- plan --inventory $ex/fleet.csv --objective green
expect 2 "--to-provider 'oracle'" -- plan --inventory $ex/fleet.csv --to-provider oracle
expect 2 "--max-slowdown '120' is not a percentage" -- plan --inventory $ex/fleet.csv --max-slowdown 120
expect 2 "--target-cpu '0' must be above 0" -- plan --inventory $ex/fleet.csv --target-cpu 0
printf 'microarchitecture,throughput_per_vcpu,source\nGraviton9,1,x\n' > "$tmp/perf.csv"
expect 2 "perf.csv:2:1: unknown microarchitecture 'Graviton9'" -- plan --inventory $ex/fleet.csv --perf "$tmp/perf.csv"
printf 'provider,instance_type,region,currency,price_per_hour\naws,m5.large,*,USD,x\n' > "$tmp/prices.csv"
expect 2 "prices.csv:2:20: price_per_hour 'x'" -- plan --inventory $ex/fleet.csv --prices "$tmp/prices.csv"
expect 2 "unknown option '--bogus'" -- plan --inventory $ex/fleet.csv --bogus
expect 0 "" -- plan --help

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
