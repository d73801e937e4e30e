#!/usr/bin/env bash
# bench/bench_billing.sh - `carbonstat billing` end to end: rows/s and RSS.
#
# Generates the synthetic bills with billgen (same seed, so the three
# formats are one bill and must give the same totals): a 1M-row AWS legacy
# CUR as CSV and as CSV.gz (gzip -6, as AWS writes it), a 1M-row FOCUS and a
# 1M-row CUR 2.0. Each file is run RUNS times (default 3) through
#   carbonstat billing FILE > /dev/null
# timing the wall clock (/usr/bin/time %e) and the peak RSS (%M): rows/s =
# rows / wall, reported as min / median / max. Then memory flatness: the
# peak RSS of the same ingest at 1M and at 10M rows, the 10M-row CUR piped
# from billgen into `carbonstat billing -` (not stored: 8.6 GB), plus the
# inflate-only comparison of zlib and ISA-L on the CUR.gz
# (bench_billing_inflate). "CPU s" is user + system time of all threads
# (the inflater's and the scanner's for .gz), min / median / max: what the
# ingest costs whatever the machine's load, which the wall clock is not
# (the load average, from uptime, is printed before and after).
# Targets (issue 13): >= 870,000 rows/s on the CUR
# (CSV.gz included), FOCUS and CUR 2.0 at the same speed, RSS <= 50 MB at
# 10M rows. The machine is shared: numbers vary run to run with other load;
# BENCH_STRICT=1 makes a missed target exit 1.
#
# Usage: bench/bench_billing.sh BUILD_DIR [RUNS] [WORKDIR]
#   BUILD_DIR holds carbonstat and bench/billgen; WORKDIR (default a
#   temporary directory, removed at the end) needs ~3 GB free.
set -uo pipefail
build=${1:?usage: bench_billing.sh BUILD_DIR [RUNS] [WORKDIR]}
runs=${2:-3}
work=${3:-}
bin=$build/carbonstat
gen=$build/bench/billgen
inflate=$build/bench/bench_billing_inflate
[ -x "$bin" ] && [ -x "$gen" ] || { echo "bench_billing: build carbonstat and billgen first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_billing: needs /usr/bin/time (Debian package time)" >&2; exit 2; }
if [ -z "$work" ]; then
	work=$(mktemp -d /tmp/cs_bench_billing.XXXXXX)
	trap 'rm -rf "$work"' EXIT
fi
rows=1000000
fail=0

echo "generating ${rows}-row bills in $work ..."
"$gen" cur $rows > "$work/cur.csv"
gzip -6 -c "$work/cur.csv" > "$work/cur.csv.gz"
"$gen" focus $rows > "$work/focus.csv"
"$gen" cur2 $rows > "$work/cur2.csv"
ls -l "$work" | awk 'NR > 1 { printf "  %-12s %6.0f MB\n", $9, $5 / 1e6 }'

# stats "v1 v2 v3": min median max
stats() {
	tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { printf "%.0f %.0f %.0f", v[1], v[int((NR + 1) / 2)], v[NR] }'
}

echo "load before: $(uptime | sed 's/.*load average/load average/')"
printf "\n%-10s %-5s %10s %10s %10s %16s %9s   %s\n" file runs "min r/s" "median" "max" "CPU s min/med/max" "RSS MB" total
for f in cur.csv cur.csv.gz focus.csv cur2.csv; do
	rates="" cpus="" rss=0
	for _ in $(seq "$runs"); do
		# warm the page cache first so the disk is not what is measured
		cat "$work/$f" > /dev/null
		out=$({ /usr/bin/time -f "%e %U %S %M" "$bin" billing "$work/$f" > "$work/out.txt"; } 2>&1 | tail -1)
		read -r wall usr sys kb <<< "$out"
		cpus="$cpus $(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
		rates="$rates $(awk -v r=$rows -v w="$wall" 'BEGIN { printf "%.0f", r / (w > 0 ? w : 0.001) }')"
		[ "$kb" -gt "$rss" ] && rss=$kb
	done
	read -r mn md mx <<< "$(echo "$rates" | stats)"
	cpu=$(echo "$cpus" | tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { printf "%s/%s/%s", v[1], v[int((NR + 1) / 2)], v[NR] }')
	total=$(grep '^TOTAL' "$work/out.txt" | awk '{ print $3, $5 }')
	printf "%-10s %-5s %10s %10s %10s %16s %9.1f   %s\n" "$f" "$runs" "$mn" "$md" "$mx" "$cpu" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$total"
	[ "$md" -lt 870000 ] && fail=1
done

echo "load after:  $(uptime | sed 's/.*load average/load average/')"
echo
echo "memory flatness (peak RSS, KB):"
for n in 1000000 10000000; do
	kb=$({ "$gen" cur $n | /usr/bin/time -f "%M" "$bin" billing - > /dev/null; } 2>&1 | tail -1)
	printf "  %9d rows piped: %7d KB\n" "$n" "$kb"
	[ "$n" -eq 10000000 ] && [ "$kb" -gt 51200 ] && fail=1
done

if [ -x "$inflate" ]; then
	echo
	echo "inflate only, same CUR.gz:"
	"$inflate" "$work/cur.csv.gz" "$runs" | sed 's/^/  /'
fi
if [ "${BENCH_STRICT:-0}" = 1 ] && [ $fail = 1 ]; then
	echo "bench_billing: a target was missed" >&2
	exit 1
fi
exit 0
