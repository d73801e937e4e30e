#!/usr/bin/env bash
# bench/run_overhead.sh - what `carbonstat run` costs the command it measures.
#
# Runs a fixed CPU-bound command REPS times alone and REPS times under
# `carbonstat run` (interleaved, so drift in machine load hits both alike)
# and compares the medians of wall time and of user+sys CPU time (wait4's
# rusage: the process and every descendant it reaped, so under `run` it is
# carbonstat + the command). Prints the overhead in percent for each
# sampling interval asked for.
#
# Usage: bench/run_overhead.sh path/to/carbonstat [REPS] [INTERVALS_MS...]
#   defaults: 20 repetitions, intervals 1000 and 100 ms.
# The command: awk summing 6e7 integers (~1 s, single-threaded, no I/O).
# --no-metadata keeps a cloud metadata probe out of the start-up figure;
# the start-up cost itself is reported separately (`run -- true`).
# RUN_ARGS adds options to every `carbonstat run`, e.g.
#   RUN_ARGS="--cgroup-root /nonexistent" to measure the rusage + /proc mode.
set -euo pipefail
bin=${1:?usage: run_overhead.sh path/to/carbonstat [REPS] [INTERVALS_MS...]}
reps=${2:-20}
shift $(($# >= 2 ? 2 : $#))
intervals=("$@")
[ ${#intervals[@]} -eq 0 ] && intervals=(1000 100)

RUN_ARGS=${RUN_ARGS:-} python3 - "$bin" "$reps" "${intervals[@]}" <<'EOF'
import os, statistics, sys, time

bin, reps, intervals = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3:]]
cmd = ["awk", "BEGIN{s=0; for(i=0;i<60000000;i++) s+=i; print s}"]
devnull = os.open(os.devnull, os.O_WRONLY)

def run(argv):
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execvp(argv[0], argv)
    _, st, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(st) != 0:
        sys.exit("command failed: %r" % argv)
    return wall, ru.ru_utime + ru.ru_stime

extra = os.environ.get("RUN_ARGS", "").split()

def wrapped(ms):
    return [bin, "run", "--no-metadata", "--interval", str(ms)] + extra + ["--"] + cmd

print("command: %s (x%d, interleaved)" % (" ".join(cmd), reps))
run(cmd)  # warm caches
base_w, base_c = [], []
res = {ms: ([], []) for ms in intervals}
for _ in range(reps):
    w, c = run(cmd)
    base_w.append(w)
    base_c.append(c)
    for ms in intervals:
        w, c = run(wrapped(ms))
        res[ms][0].append(w)
        res[ms][1].append(c)
bw, bc = statistics.median(base_w), statistics.median(base_c)
print("alone:                 wall %.4f s  cpu %.4f s (median)" % (bw, bc))
for ms in intervals:
    ww, wc = statistics.median(res[ms][0]), statistics.median(res[ms][1])
    print("run --interval %5d:  wall %.4f s  cpu %.4f s  overhead wall %+.2f %%  cpu %+.2f %%"
          % (ms, ww, wc, (ww - bw) / bw * 100, (wc - bc) / bc * 100))
st = [run([bin, "run", "--no-metadata"] + extra + ["--", "true"])[0] for _ in range(reps)]
print("start-up + report (run -- true): %.2f ms median" % (statistics.median(st) * 1000))
EOF
