# shellcheck shell=bash
# scripts/jobpool.sh - a few named jobs at once, each logged apart, reported
# in order (scripts/valgrind.sh and scripts/fuzz-smoke.sh). Sourced:
#   . "$(dirname "$0")/jobpool.sh"; pool_init JOBS
#   pool_job NAME FUNC ARGS...   run FUNC NAME ARGS... in the background once
#                                fewer than JOBS run; FUNC writes the one-line
#                                result to "$pool_dir/NAME.status" ("FAILED..."
#                                for a failure) and may log to "$pool_dir/NAME.log"
#   pool_wait                    wait for every job
#   pool_report PREFIX           "PREFIX: NAME STATUS" per job in start order,
#                                the log tail of each failure; 1 if any failed
# pool_dir is a temporary directory removed at exit.

pool_init() {
	pool_jobs=$1
	pool_names=()
	pool_dir=$(mktemp -d "${TMPDIR:-/tmp}/cs-pool.XXXXXX")
	trap 'rm -rf "$pool_dir"' EXIT
}

pool_job() {
	while [ "$(jobs -rp | wc -l)" -ge "$pool_jobs" ]; do wait -n; done
	pool_names+=("$1")
	"$2" "$1" "${@:3}" &
}

pool_wait() {
	wait
}

pool_report() {
	local name status fail=0
	for name in "${pool_names[@]}"; do
		status=$(cat "$pool_dir/$name.status" 2>/dev/null || echo "FAILED (did not run)")
		echo "$1: $name $status"
		case $status in
		FAILED*) fail=1; [ -f "$pool_dir/$name.log" ] && tail -40 "$pool_dir/$name.log" ;;
		esac
	done
	return $fail
}
