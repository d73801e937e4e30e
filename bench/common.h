/* common.h - helpers shared by the benchmarks under bench/.
 *
 * Owns what every bench_*.c needs and none should copy:
 *   - allocation counting: common.c interposes malloc/calloc/realloc (counting,
 *     then forwarding to glibc's __libc_* entry points; free() stays glibc's,
 *     which matches). The counter is process-wide and atomic, so allocations
 *     of other threads (libmicrohttpd's, libcurl's) are counted too. It is off
 *     under ASan/MSan, which own malloc, and on non-glibc systems:
 *     bench_counts_allocs() says so, and a bench then prints "n/a" instead of
 *     a count of 0;
 *   - timing: a monotonic nanosecond clock, a qsort comparator, mean and p99.
 * Not the place for anything that differs from bench to bench (fake I/O ops,
 * inputs, output lines).
 *
 * Built as a static library linked into every benchmark (bench/CMakeLists.txt):
 * the interposer comes in with the first bench_* helper a benchmark calls, and
 * a benchmark that still defines its own malloc links as before.
 */
#ifndef CS_BENCH_COMMON_H
#define CS_BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Number of malloc/calloc/realloc calls of the whole process so far (all
 * threads); stays 0 when !bench_counts_allocs(). Benches take the difference
 * around the loop they measure. */
unsigned long long bench_allocs(void);

/* True if this build counts allocations (glibc, no ASan/MSan). */
bool bench_counts_allocs(void);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/* qsort comparator for uint64_t, ascending. */
int bench_cmp_u64(const void *a, const void *b);

/* Mean and p99 of v[0..n) (n > 0), p99 being v[floor(0.99 n)] once sorted.
 * Sorts v in place, so the caller can read the median or max afterwards. */
void bench_stats(uint64_t *v, size_t n, double *mean, uint64_t *p99);

#endif
