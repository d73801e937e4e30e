/* common.c - allocation counter, clock and statistics of the benchmarks (see
 * common.h). The malloc/calloc/realloc definitions here replace the C
 * library's in every benchmark that calls a helper of this file.
 */
#include "common.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__SANITIZE_ADDRESS__)
#define BENCH_NO_MALLOC_COUNT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define BENCH_NO_MALLOC_COUNT 1
#endif
#endif

/* every malloc/calloc/realloc of the process (atomic: some benches have
 * threads allocating too, e.g. libmicrohttpd's in bench_prom) */
static atomic_ullong alloc_count;

#if defined(__GLIBC__) && !defined(BENCH_NO_MALLOC_COUNT)
#define BENCH_COUNTS_ALLOCS 1
/* glibc's allocator under its internal names: our malloc counts and forwards,
 * and free() stays glibc's own, which matches. */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

void *malloc(size_t n)
{
	atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed);
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed);
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed);
	return __libc_realloc(p, n);
}
#endif

unsigned long long bench_allocs(void)
{
	return atomic_load(&alloc_count);
}

bool bench_counts_allocs(void)
{
#ifdef BENCH_COUNTS_ALLOCS
	return true;
#else
	return false;
#endif
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void bench_stats(uint64_t *v, size_t n, double *mean, uint64_t *p99)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	qsort(v, n, sizeof(*v), bench_cmp_u64);
	*mean = sum / (double)n;
	*p99 = v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
}
