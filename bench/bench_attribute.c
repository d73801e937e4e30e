/* bench_attribute.c - cost of the attribution split (attribution/attribute.c).
 *
 * Backs the claims of attribution/attribute.h: one split of the node's energy
 * over n workloads (4 components, active + idle) is O(n) and allocates
 * nothing. For n = 100, 1,000 and 10,000 workloads with realistic usage
 * (CPU time up to 1 s per interval, working sets up to 4 GiB, a GPU on some,
 * Kubernetes requests on most), every idle policy, it times `cycles` splits;
 * the node's energies and busy time change every cycle so the remainders
 * (and the largest-remainder selection) differ each time. It also times the
 * roll-up by team (500 teams) and the conservation check.
 * Allocations are counted by the malloc/calloc/realloc interposer of
 * common.c (glibc only; off under ASan).
 *
 * Usage: bench_attribute [cycles at 1,000 workloads (default 2000)]
 * (n = 100 runs 10x as many cycles, n = 10,000 a tenth.)
 * Output, one line per size and operation, stable key=value pairs:
 *   bench=attribute op=split policy=requests workloads=10000 cycles=200
 *   mean_ns=... median_ns=... p99_ns=... ns_per_workload=... allocs_per_cycle=0.000
 * Exit status 1 if a cycle allocated or a split was not conserved.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribution/attribute.h"
#include "carbonstat/error.h"
#include "common.h"

/* ---- inputs ----------------------------------------------------------------------- */

static uint64_t rng = UINT64_C(0x2545f4914f6cdd1d);

static uint64_t rnd(void) /* xorshift64* */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * UINT64_C(2685821657736338717);
}

static double rnd_unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static void make_workloads(cs_workload *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = rnd();
		w[i].ident.kind = CS_WL_CONTAINER;
		snprintf(w[i].namespace_, sizeof(w[i].namespace_), "ns-%zu", i % 200);
		snprintf(w[i].team, sizeof(w[i].team), "team-%zu", i % 500);
		w[i].cpu_usec = rnd() % 1000000;
		w[i].mem_bytes = rnd() % (UINT64_C(4) << 30);
		w[i].gpu_util = i % 50 == 0 ? rnd_unit() * 0.1 : 0.0;
		w[i].cpu_request_cores = i % 5 ? 0.1 + rnd_unit() : 0.0; /* 1 in 5 BestEffort */
		w[i].mem_request_bytes = i % 5 ? (double)(rnd() % (UINT64_C(2) << 30)) : 0.0;
		w[i].fresh = i % 97 == 0;
		w[i].gone = i % 89 == 0;
	}
}

static void node_for(cs_attr_node *node, size_t n, size_t cycle, cs_idle_policy pol)
{
	double f = 1.0 + (double)(cycle % 1000) * 1e-4;

	memset(node, 0, sizeof(*node));
	node->policy = pol;
	node->energy_j[CS_PART_CPU] = 180.123457 * f;
	node->idle_j[CS_PART_CPU] = 60.5 * f;
	node->energy_j[CS_PART_DRAM] = 20.654321 * f;
	node->idle_j[CS_PART_DRAM] = 12.25;
	node->energy_j[CS_PART_GPU] = 300.111111 * f;
	node->idle_j[CS_PART_GPU] = 70.0;
	node->energy_j[CS_PART_OTHER] = 50.000001 * f;
	node->cpu_busy_usec = (uint64_t)n * 600000 + cycle;
	node->cpu_total_usec = 0;
	node->mem_used_bytes = (uint64_t)n << 31;
	node->mem_total_bytes = (uint64_t)n << 32;
	node->cpu_capacity_cores = (double)n * 1.5;
}

static void report(const char *op, const char *policy, size_t n, size_t cycles, uint64_t *ns, unsigned long long allocs)
{
	uint64_t sum = 0;

	for (size_t c = 0; c < cycles; c++)
		sum += ns[c];
	qsort(ns, cycles, sizeof(*ns), bench_cmp_u64);
	printf("bench=attribute op=%s policy=%s workloads=%zu cycles=%zu mean_ns=%.0f median_ns=%llu p99_ns=%llu "
	       "ns_per_workload=%.1f allocs_per_cycle=",
	       op, policy, n, cycles, (double)sum / (double)cycles, (unsigned long long)ns[cycles / 2],
	       (unsigned long long)ns[(cycles * 99 + 99) / 100 - 1], (double)sum / (double)cycles / (double)n);
	if (bench_counts_allocs())
		printf("%.3f\n", (double)allocs / (double)cycles);
	else
		printf("n/a\n");
}

/* Returns 1 if a cycle allocated or was not conserved, -1 on setup failure. */
static int bench_size(size_t n, size_t cycles)
{
	cs_workload *w = malloc(n * sizeof(*w));
	cs_attr_share *out = malloc(n * sizeof(*out));
	cs_attr_slot *scratch = malloc(CS_ATTR_SCRATCH_LEN(n) * sizeof(*scratch));
	cs_attr_group *groups = malloc(500 * sizeof(*groups));
	uint32_t *index = malloc(1024 * sizeof(*index));
	uint64_t *ns = malloc(cycles * sizeof(*ns));
	unsigned long long allocs;
	cs_attr_result res;
	cs_attr_node node;
	int bad = 0;

	if (!w || !out || !scratch || !groups || !index || !ns) {
		fprintf(stderr, "bench_attribute: out of memory for %zu workloads\n", n);
		bad = -1;
		goto out;
	}
	make_workloads(w, n);
	for (int p = 0; p < CS_IDLE_NPOLICY; p++) {
		/* warm up */
		for (size_t c = 0; c < 10; c++) {
			node_for(&node, n, c, (cs_idle_policy)p);
			cs_attr_split(&node, w, n, out, scratch, &res);
		}
		allocs = bench_allocs();
		for (size_t c = 0; c < cycles; c++) {
			uint64_t t0;

			node_for(&node, n, c, (cs_idle_policy)p);
			t0 = bench_now_ns();
			if (cs_attr_split(&node, w, n, out, scratch, &res) != 0)
				bad = 1;
			ns[c] = bench_now_ns() - t0;
		}
		allocs = bench_allocs() - allocs;
		bad |= allocs != 0;
		bad |= cs_attr_check_conservation(&res, out, n, NULL, 0) != 0;
		report("split", cs_idle_policy_name((cs_idle_policy)p), n, cycles, ns, allocs);
	}

	allocs = bench_allocs();
	for (size_t c = 0; c < cycles; c++) {
		uint64_t t0 = bench_now_ns();

		bad |= cs_attr_check_conservation(&res, out, n, NULL, 0) != 0;
		ns[c] = bench_now_ns() - t0;
	}
	allocs = bench_allocs() - allocs;
	bad |= allocs != 0;
	report("check", "-", n, cycles, ns, allocs);

	allocs = bench_allocs();
	for (size_t c = 0; c < cycles; c++) {
		size_t ng;
		uint64_t t0 = bench_now_ns();

		bad |= cs_attr_rollup(w, out, n, CS_BY_TEAM, groups, 500, index, 1024, &ng) != 0;
		ns[c] = bench_now_ns() - t0;
	}
	allocs = bench_allocs() - allocs;
	bad |= allocs != 0;
	report("rollup-team", "-", n, cycles, ns, allocs);
out:
	free(w);
	free(out);
	free(scratch);
	free(groups);
	free(index);
	free(ns);
	return bad;
}

int main(int argc, char **argv)
{
	size_t base = 2000;
	int rc = 0;

	if (argc > 1) {
		char *end;
		unsigned long long v = strtoull(argv[1], &end, 10);

		if (*argv[1] == '\0' || *end != '\0' || v < 10 || v > 10000000ULL) {
			fprintf(stderr, "bench_attribute: cycles must be 10..10000000, not \"%s\"\n", argv[1]);
			return 2;
		}
		base = (size_t)v;
	}
	for (size_t n = 100, cycles = base * 10; n <= 10000; n *= 10, cycles /= 10) {
		int r = bench_size(n, cycles);

		if (r < 0)
			rc = 2;
		else if (r && rc == 0)
			rc = 1;
	}
	return rc;
}
