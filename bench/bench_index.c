/* bench_index.c - cost of the keyed lookups on the agent's hot paths that
 * stand on core/index.h (open addressing, caller hash + inlined equality).
 *
 * Backs the claim of core/index.h that one generic index costs no more
 * than the hand-written tables it replaced:
 *   podlist  the kubelet's pod index (k8s/kubelet.c): parse a generated
 *            PodList of `pods` pods x 4 containers (which builds both
 *            indexes), then per cycle look every container up by pod uid
 *            and by container id, plus as many misses (unknown ids), as
 *            annotating the node's workloads does every cycle;
 *   rows     the agent's per-series rows (pipeline/rows.c): cs_rows_update
 *            in steady state (the same workloads every cycle: two lookups
 *            per workload) at 1,000 and 10,000 container workloads.
 * Allocations per cycle come from common.c's interposer (off under ASan).
 *
 * Usage: bench_index [cycles (default 2000)]
 * Output, stable key=value lines:
 *   bench=index op=podlist pods=... containers=... parse_us=... cycles=... mean_ns=... median_ns=...
 *     p99_ns=... ns_per_lookup=... allocs_per_cycle=...
 *   bench=index op=rows workloads=... cycles=... mean_ns=... median_ns=... p99_ns=... ns_per_workload=...
 *     allocs_per_cycle=...
 * (ns_per_* from the median cycle)
 * Exit status 1 if a cycle allocated or a lookup went wrong.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "common.h"
#include "k8s/kubelet.h"
#include "pipeline/rows.h"

#define CTRS_PER_POD 4

static void uid_of(size_t i, char *out, size_t cap)
{
	snprintf(out, cap, "%08zx-5d1c-4b8e-9f2a-%012zx", i * 2654435761u % 0xffffffffu, i);
}

static void ctr_of(size_t i, size_t c, char *out, size_t cap)
{
	/* 64 hex digits, as containerd's ids */
	snprintf(out, cap, "%016zx%016zx%016zx%016zx", i, c, (i * 31 + c) * 0x9e3779b9u, i ^ 0x5bd1e995u);
}

/* A PodList of n pods x CTRS_PER_POD running containers (malloc'd). */
static char *make_podlist(size_t n, size_t *len)
{
	size_t cap = 4096 + n * (1200 + CTRS_PER_POD * 400), w = 0;
	char *s = malloc(cap), uid[64], id[80];

	if (!s)
		return NULL;
	w += (size_t)snprintf(s + w, cap - w, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[");
	for (size_t i = 0; i < n; i++) {
		uid_of(i, uid, sizeof(uid));
		w += (size_t)snprintf(s + w, cap - w,
		                      "%s{\"metadata\":{\"name\":\"app-%zu-7d9f8c6b5-x2k4q\",\"namespace\":\"ns-%zu\","
		                      "\"uid\":\"%s\",\"labels\":{\"app\":\"app-%zu\",\"team\":\"team-%zu\"}},"
		                      "\"spec\":{\"nodeName\":\"node-1\",\"containers\":[",
		                      i ? "," : "", i, i % 40, uid, i, i % 25);
		for (size_t c = 0; c < CTRS_PER_POD; c++)
			w += (size_t)snprintf(s + w, cap - w,
			                      "%s{\"name\":\"c%zu\",\"resources\":{\"requests\":{\"cpu\":\"250m\","
			                      "\"memory\":\"256Mi\"}}}",
			                      c ? "," : "", c);
		w += (size_t)snprintf(s + w, cap - w, "]},\"status\":{\"containerStatuses\":[");
		for (size_t c = 0; c < CTRS_PER_POD; c++) {
			ctr_of(i, c, id, sizeof(id));
			w += (size_t)snprintf(s + w, cap - w,
			                      "%s{\"name\":\"c%zu\",\"containerID\":\"containerd://%s\"}", c ? "," : "",
			                      c, id);
		}
		w += (size_t)snprintf(s + w, cap - w, "]}}");
	}
	w += (size_t)snprintf(s + w, cap - w, "]}");
	*len = w;
	return s;
}

static int bench_podlist(size_t pods, size_t cycles)
{
	size_t len, n = pods * CTRS_PER_POD, k = 0;
	char *json = make_podlist(pods, &len);
	char(*uids)[64] = calloc(n * 2, sizeof(*uids));
	char(*ids)[80] = calloc(n * 2, sizeof(*ids));
	uint64_t *ns = calloc(cycles, sizeof(*ns)), t0, p99;
	unsigned long long a0;
	cs_podlist pl;
	double mean;
	int bad = 0;

	if (!json || !uids || !ids || !ns)
		return 1;
	for (size_t i = 0; i < pods; i++)
		for (size_t c = 0; c < CTRS_PER_POD; c++, k++) {
			uid_of(i, uids[k], sizeof(uids[k]));
			ctr_of(i, c, ids[k], sizeof(ids[k]));
			/* a miss for each hit: pods the kubelet does not know (yet) */
			uid_of(i + pods * 7, uids[n + k], sizeof(uids[n + k]));
			ctr_of(i + pods * 7, c, ids[n + k], sizeof(ids[n + k]));
		}
	t0 = bench_now_ns();
	if (cs_kubelet_parse_pods(json, len, &pl) != 0 || pl.n_pods != pods || pl.n_ctrs != n)
		return 1;
	t0 = bench_now_ns() - t0;
	printf("bench=index op=podlist pods=%zu containers=%zu parse_us=%.1f", pods, n, (double)t0 / 1e3);
	a0 = bench_allocs();
	for (size_t it = 0; it < cycles; it++) {
		uint64_t s = bench_now_ns();

		for (size_t i = 0; i < 2 * n; i++) {
			const cs_k8s_pod *p = cs_podlist_find_pod(&pl, uids[i]);
			const cs_k8s_container *c = cs_podlist_find_container(&pl, ids[i]);

			if ((i < n) != (p != NULL) || (i < n) != (c != NULL))
				bad = 1;
		}
		ns[it] = bench_now_ns() - s;
	}
	a0 = bench_allocs() - a0;
	bench_stats(ns, cycles, &mean, &p99);
	printf(" cycles=%zu mean_ns=%.0f median_ns=%llu p99_ns=%llu ns_per_lookup=%.1f allocs_per_cycle=", cycles, mean,
	       (unsigned long long)ns[cycles / 2], (unsigned long long)p99, (double)ns[cycles / 2] / (double)(4 * n));
	if (bench_counts_allocs())
		printf("%.3f\n", (double)a0 / (double)cycles);
	else
		printf("n/a\n");
	cs_podlist_free(&pl);
	free(json);
	free(uids);
	free(ids);
	free(ns);
	return bad || (bench_counts_allocs() && a0);
}

static int bench_rows(size_t n, size_t cycles)
{
	cs_workload *wl = calloc(n, sizeof(*wl));
	cs_attr_share *sh = calloc(n, sizeof(*sh));
	uint64_t *ns = calloc(cycles, sizeof(*ns)), p99;
	cs_attr_result res;
	cs_rows_input in;
	unsigned long long a0;
	cs_rows *r;
	double mean;

	if (!wl || !sh || !ns || cs_rows_open(CS_BY_CONTAINER, n * 2, &r) != 0)
		return 1;
	memset(&res, 0, sizeof(res));
	for (size_t i = 0; i < n; i++) {
		wl[i].id = 1000 + i;
		wl[i].ident.kind = CS_WL_CONTAINER;
		snprintf(wl[i].container_name, sizeof(wl[i].container_name), "c%zu", i % CTRS_PER_POD);
		snprintf(wl[i].pod_name, sizeof(wl[i].pod_name), "app-%zu-7d9f8c6b5-x2k4q", i / CTRS_PER_POD);
		snprintf(wl[i].namespace_, sizeof(wl[i].namespace_), "ns-%zu", i % 40);
		snprintf(wl[i].team, sizeof(wl[i].team), "team-%zu", i % 25);
		sh[i].active_uj[CS_PART_CPU] = 1000 + i;
		sh[i].idle_uj[CS_PART_CPU] = 100;
		res.node_uj[CS_PART_CPU] += 1100 + i;
	}
	memset(&in, 0, sizeof(in));
	in.wl = wl;
	in.shares = sh;
	in.n = n;
	in.res = &res;
	in.dt_s = 5;
	in.intensity_g_per_kwh = 300;
	in.pue = 1.2;
	if (cs_rows_update(r, &in) != 0) /* the rows are created */
		return 1;
	a0 = bench_allocs();
	for (size_t it = 0; it < cycles; it++) {
		uint64_t s = bench_now_ns();

		if (cs_rows_update(r, &in) != 0)
			return 1;
		ns[it] = bench_now_ns() - s;
	}
	a0 = bench_allocs() - a0;
	bench_stats(ns, cycles, &mean, &p99);
	printf("bench=index op=rows workloads=%zu cycles=%zu mean_ns=%.0f median_ns=%llu p99_ns=%llu "
	       "ns_per_workload=%.1f allocs_per_cycle=",
	       n, cycles, mean, (unsigned long long)ns[cycles / 2], (unsigned long long)p99,
	       (double)ns[cycles / 2] / (double)n);
	if (bench_counts_allocs())
		printf("%.3f\n", (double)a0 / (double)cycles);
	else
		printf("n/a\n");
	cs_rows_close(r);
	free(wl);
	free(sh);
	free(ns);
	return bench_counts_allocs() && a0;
}

int main(int argc, char **argv)
{
	size_t cycles = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;
	int bad = 0;

	if (!cycles)
		cycles = 2000;
	bad |= bench_podlist(110, cycles);
	bad |= bench_podlist(1000, cycles / 10 ? cycles / 10 : 1);
	bad |= bench_rows(1000, cycles);
	bad |= bench_rows(10000, cycles / 10 ? cycles / 10 : 1);
	return bad;
}
