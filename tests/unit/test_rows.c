/* test_rows.c - unit tests for pipeline/rows (the agent's per-series
 * accumulators): conservation of every interval (rows + buckets == node, for
 * energy and carbon), counters that never decrease, rows that end with their
 * workload, the series guard folding into "overflow", carbon at each
 * interval's own intensity and PUE, embodied emissions shared like idle
 * energy, and the roll-up granularities.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/rows.h"
#include "carbonstat/error.h"

#define NW 6

typedef struct world {
	cs_workload wl[NW];
	cs_attr_share sh[NW];
	cs_attr_result res;
	size_t n;
} world;

/* n workloads with ids 100.., each cpu 1000*(i+1) active + 100 idle µJ,
 * dram 10 µJ; system 5000 cpu; idle_unattributed 700 cpu. */
static void make_world(world *w, size_t n, uint64_t id0)
{
	memset(w, 0, sizeof(*w));
	w->n = n;
	for (size_t i = 0; i < n; i++) {
		cs_workload *x = &w->wl[i];

		x->id = id0 + i;
		x->ident.kind = CS_WL_CONTAINER;
		snprintf(x->container_name, sizeof(x->container_name), "c%zu", i);
		snprintf(x->pod_name, sizeof(x->pod_name), "pod%zu", i / 2);
		snprintf(x->namespace_, sizeof(x->namespace_), "ns%zu", (i / 2) % 2);
		snprintf(x->team, sizeof(x->team), "team%zu", i % 3);
		/* one Deployment: pods 0 and 2 in ns0 are one owner, pod 1 in ns1 another */
		snprintf(x->owner_kind, sizeof(x->owner_kind), "Deployment");
		snprintf(x->owner, sizeof(x->owner), "app0");
		w->sh[i].active_uj[CS_PART_CPU] = 1000 * (i + 1);
		w->sh[i].idle_uj[CS_PART_CPU] = 100;
		w->sh[i].active_uj[CS_PART_DRAM] = 10;
	}
	memset(&w->res, 0, sizeof(w->res));
	w->res.system.active_uj[CS_PART_CPU] = 5000;
	w->res.idle_unattributed_uj[CS_PART_CPU] = 700;
	for (size_t i = 0; i < n; i++)
		for (int c = 0; c < CS_PART_COUNT; c++)
			w->res.node_uj[c] += w->sh[i].active_uj[c] + w->sh[i].idle_uj[c];
	w->res.node_uj[CS_PART_CPU] += 5000 + 700;
}

static cs_rows_input input(const world *w, double intensity, double emb_g)
{
	cs_rows_input in;

	memset(&in, 0, sizeof(in));
	in.wl = w->wl;
	in.shares = w->sh;
	in.n = w->n;
	in.res = &w->res;
	in.dt_s = 5;
	in.intensity_g_per_kwh = intensity;
	in.pue = 1.0;
	in.embodied_g = emb_g;
	return in;
}

/* rows add up to the node, energy exactly, carbon to rounding */
static void check_conserved(const cs_rows *r, const world *w, double intensity, double emb_g)
{
	size_t n;
	const cs_snap_row *s = cs_rows_snapshot(r, &n);
	uint64_t sum[CS_PART_COUNT] = {0}, node = 0;
	double g[CS_SCOPE_N] = {0}, ng[CS_SCOPE_N], ntot[CS_SCOPE_N];

	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < CS_PART_COUNT; c++)
			sum[c] += s[i].energy_uj[c];
		for (int k = 0; k < CS_SCOPE_N; k++)
			g[k] += s[i].carbon_g[k];
	}
	for (int c = 0; c < CS_PART_COUNT; c++) {
		assert_int_equal(sum[c], w->res.node_uj[c]);
		node += w->res.node_uj[c];
	}
	cs_rows_node_carbon(r, ng, ntot);
	assert_true(fabs(g[CS_SCOPE_OPERATIONAL] - (double)node * intensity / 3.6e12) < 1e-15);
	assert_true(fabs(g[CS_SCOPE_EMBODIED] - emb_g) < 1e-12);
	assert_true(fabs(ng[CS_SCOPE_OPERATIONAL] - g[CS_SCOPE_OPERATIONAL]) < 1e-15);
}

static void test_conserve_and_monotonic(void **state)
{
	cs_rows *r;
	world w;
	uint64_t prev[16][CS_PART_COUNT];
	size_t n;

	(void)state;
	assert_int_equal(cs_rows_open(CS_BY_CONTAINER, 1000, &r), 0);
	make_world(&w, 4, 100);
	memset(prev, 0, sizeof(prev));
	for (int it = 0; it < 5; it++) {
		cs_rows_input in = input(&w, 100.0 * (it + 1), 0.5);
		const cs_snap_row *s;

		assert_int_equal(cs_rows_update(r, &in), 0);
		check_conserved(r, &w, 100.0 * (it + 1), 0.5);
		s = cs_rows_snapshot(r, &n);
		assert_int_equal(n, 4 + 2); /* 4 workloads + system + idle */
		assert_string_equal(s[0].name, "c0");
		assert_string_equal(s[0].wl_kind, "container");
		assert_string_equal(s[0].namespace_, "ns0");
		assert_string_equal(s[0].owner_kind, "Deployment");
		assert_string_equal(s[0].owner, "app0");
		assert_int_equal(s[4].kind, CS_ROW_SYSTEM);
		assert_int_equal(s[5].kind, CS_ROW_IDLE);
		for (size_t i = 0; i < n; i++)
			for (int c = 0; c < CS_PART_COUNT; c++) {
				assert_true(s[i].energy_uj_total[c] >= prev[i][c]);
				prev[i][c] = s[i].energy_uj_total[c];
			}
		assert_int_equal(s[1].energy_uj_total[CS_PART_CPU], (uint64_t)(it + 1) * 2100);
	}
	/* carbon at each interval's own intensity: c0 cpu+dram = 1110 µJ per interval,
	 * intensities 100..500 g/kWh */
	{
		const cs_snap_row *s = cs_rows_snapshot(r, &n);
		double want = 1110.0 * (100 + 200 + 300 + 400 + 500) / 3.6e12;

		assert_true(fabs(s[0].carbon_g_total[CS_SCOPE_OPERATIONAL] - want) < 1e-18);
	}
	cs_rows_close(r);
}

static void test_rows_end_and_restart(void **state)
{
	cs_rows *r;
	world w;
	size_t n;
	const cs_snap_row *s;
	cs_rows_input in;

	(void)state;
	assert_int_equal(cs_rows_open(CS_BY_CONTAINER, 1000, &r), 0);
	make_world(&w, 4, 100);
	in = input(&w, 100, 0);
	assert_int_equal(cs_rows_update(r, &in), 0);
	/* c1 restarts under a new id, same pod and name: the same series goes on */
	w.wl[1].id = 200;
	in = input(&w, 100, 0);
	assert_int_equal(cs_rows_update(r, &in), 0);
	s = cs_rows_snapshot(r, &n);
	assert_int_equal(n, 6);
	assert_string_equal(s[1].name, "c1");
	assert_int_equal(s[1].energy_uj_total[CS_PART_CPU], 2 * 2100);
	check_conserved(r, &w, 100, 0);
	/* the old and the new container overlap for an interval: summed, not lost */
	w.n = 5;
	w.wl[4] = w.wl[1];
	w.wl[4].id = 300;
	w.sh[4] = w.sh[1];
	w.res.node_uj[CS_PART_CPU] += 2100;
	w.res.node_uj[CS_PART_DRAM] += 10;
	in = input(&w, 100, 0);
	assert_int_equal(cs_rows_update(r, &in), 0);
	s = cs_rows_snapshot(r, &n);
	assert_int_equal(n, 6);
	assert_int_equal(s[1].energy_uj[CS_PART_CPU], 2 * 2100);
	check_conserved(r, &w, 100, 0);
	make_world(&w, 4, 100);
	/* c1 is renamed: its series ends (not exported), a new one starts, last */
	snprintf(w.wl[1].container_name, sizeof(w.wl[1].container_name), "c1b");
	in = input(&w, 100, 0);
	assert_int_equal(cs_rows_update(r, &in), 0);
	s = cs_rows_snapshot(r, &n);
	assert_int_equal(n, 6);
	assert_string_equal(s[1].name, "c2");
	assert_string_equal(s[3].name, "c1b");
	assert_int_equal(s[3].energy_uj_total[CS_PART_CPU], 2100);
	check_conserved(r, &w, 100, 0);
	/* ...and comes back: it goes on from its total, never from 0 */
	snprintf(w.wl[1].container_name, sizeof(w.wl[1].container_name), "c1");
	in = input(&w, 100, 0);
	assert_int_equal(cs_rows_update(r, &in), 0);
	s = cs_rows_snapshot(r, &n);
	assert_int_equal(n, 6);
	assert_string_equal(s[1].name, "c1");
	assert_int_equal(s[1].energy_uj_total[CS_PART_CPU], 4 * 2100 + 2100);
	cs_rows_close(r);
}

static void test_fold_overflow(void **state)
{
	cs_rows *r;
	world w;
	size_t n;
	const cs_snap_row *s;
	cs_rows_input in;

	(void)state;
	assert_int_equal(cs_rows_open(CS_BY_CONTAINER, 3, &r), 0);
	make_world(&w, 5, 100);
	for (int it = 0; it < 3; it++) {
		in = input(&w, 300, 1.0);
		assert_int_equal(cs_rows_update(r, &in), 0);
		check_conserved(r, &w, 300, 1.0);
	}
	s = cs_rows_snapshot(r, &n);
	assert_int_equal(n, 3 + 3);
	assert_int_equal(cs_rows_folded(r), 2);
	assert_int_equal(s[5].kind, CS_ROW_OVERFLOW);
	/* c3 + c4: (4000+100+10) + (5000+100+10) per interval */
	assert_int_equal(s[5].energy_uj_total[CS_PART_CPU], 3 * (4100 + 5100));
	/* a slot frees up: later workloads are admitted, folded ones stay folded */
	w.wl[0].id = 999;
	in = input(&w, 300, 1.0);
	assert_int_equal(cs_rows_update(r, &in), 0);
	check_conserved(r, &w, 300, 1.0);
	s = cs_rows_snapshot(r, &n);
	assert_int_equal(n, 3 + 3);
	assert_int_equal(cs_rows_folded(r), 2);
	cs_rows_close(r);
}

static void test_embodied_like_idle(void **state)
{
	cs_rows *r;
	world w;
	size_t n;
	const cs_snap_row *s;
	cs_rows_input in;
	double total_idle;

	(void)state;
	assert_int_equal(cs_rows_open(CS_BY_CONTAINER, 100, &r), 0);
	make_world(&w, 2, 100);
	in = input(&w, -1, 2.0); /* no intensity: no operational carbon */
	assert_int_equal(cs_rows_update(r, &in), 0);
	s = cs_rows_snapshot(r, &n);
	total_idle = 100 + 100 + 700;
	assert_true(fabs(s[0].carbon_g[CS_SCOPE_EMBODIED] - 2.0 * 100 / total_idle) < 1e-12);
	assert_true(fabs(s[3].carbon_g[CS_SCOPE_EMBODIED] - 2.0 * 700 / total_idle) < 1e-12);
	assert_true(s[0].carbon_g[CS_SCOPE_OPERATIONAL] == 0);
	check_conserved(r, &w, 0, 2.0);
	/* nothing idle at all: the idle bucket carries it */
	memset(w.sh, 0, sizeof(w.sh));
	memset(&w.res, 0, sizeof(w.res));
	in = input(&w, -1, 2.0);
	assert_int_equal(cs_rows_update(r, &in), 0);
	s = cs_rows_snapshot(r, &n);
	assert_true(fabs(s[n - 1].carbon_g[CS_SCOPE_EMBODIED] - 2.0) < 1e-12);
	cs_rows_close(r);
}

static void test_rollups(void **state)
{
	world w;
	cs_attr_group groups[8];
	uint32_t index[16];
	size_t ng, first[8];
	static const struct {
		cs_attr_by by;
		cs_attr_by attr;
		size_t groups;
		const char *kind;
	} cases[] = {
	    {CS_BY_POD, CS_BY_POD, 3, "pod"},
	    {CS_BY_OWNER, CS_BY_OWNER, 2, "owner"},
	    {CS_BY_NAMESPACE, CS_BY_NAMESPACE, 2, "namespace"},
	    {CS_BY_TEAM, CS_BY_TEAM, 3, "team"},
	};

	(void)state;
	make_world(&w, 6, 100);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		cs_rows *r;
		cs_rows_input in = input(&w, 200, 0.3);
		const cs_snap_row *s;
		size_t n;

		assert_int_equal(cs_attr_rollup(w.wl, w.sh, w.n, cases[k].attr, groups, 8, index, 16, &ng), 0);
		assert_int_equal(ng, cases[k].groups);
		for (size_t g = 0; g < ng; g++) /* first member of each group */
			for (size_t i = 0; i < w.n; i++) {
				char lab[CS_ATTR_LABEL_MAX];

				cs_attr_label(&w.wl[i], cases[k].attr, lab, sizeof(lab));
				if (strcmp(lab, groups[g].label) == 0) {
					first[g] = i;
					break;
				}
			}
		assert_int_equal(cs_rows_open(cases[k].by, 100, &r), 0);
		in.groups = groups;
		in.first = first;
		in.ngroups = ng;
		assert_int_equal(cs_rows_update(r, &in), 0);
		check_conserved(r, &w, 200, 0.3);
		s = cs_rows_snapshot(r, &n);
		assert_int_equal(n, ng + 2);
		assert_string_equal(s[0].wl_kind, cases[k].kind);
		if (cases[k].by == CS_BY_POD || cases[k].by == CS_BY_OWNER) {
			/* an owner's row: named after it, no pod; a pod's: its owner too */
			assert_string_equal(s[0].owner_kind, "Deployment");
			assert_string_equal(s[0].owner, "app0");
			assert_string_equal(s[0].name, cases[k].by == CS_BY_OWNER ? "app0" : "pod0");
			assert_string_equal(s[0].pod, cases[k].by == CS_BY_OWNER ? "" : "pod0");
			assert_string_equal(s[0].namespace_, "ns0");
		} else {
			assert_string_equal(s[0].owner, "");
		}
		/* the buckets have no owner */
		assert_string_equal(s[n - 1].owner, "");
		assert_string_equal(s[n - 1].owner_kind, "");
		cs_rows_close(r);
	}
	/* none: one "all" row */
	{
		cs_rows *r;
		cs_rows_input in = input(&w, 200, 0.3);
		const cs_snap_row *s;
		size_t n;

		assert_int_equal(cs_rows_open(CS_BY_NONE, 100, &r), 0);
		assert_int_equal(cs_rows_update(r, &in), 0);
		check_conserved(r, &w, 200, 0.3);
		s = cs_rows_snapshot(r, &n);
		assert_int_equal(n, 3);
		assert_string_equal(s[0].wl_kind, "all");
		cs_rows_close(r);
	}
}

static void test_many_rows_grow(void **state)
{
	/* growth past the initial capacity, with churn every interval */
	enum { N = 3000 };
	cs_workload *wl = calloc(N, sizeof(*wl));
	cs_attr_share *sh = calloc(N, sizeof(*sh));
	cs_attr_result res;
	cs_rows *r;

	(void)state;
	assert_non_null(wl);
	assert_non_null(sh);
	assert_int_equal(cs_rows_open(CS_BY_CONTAINER, 100000, &r), 0);
	for (int it = 0; it < 10; it++) {
		cs_rows_input in;
		size_t n;

		memset(&res, 0, sizeof(res));
		for (size_t i = 0; i < N; i++) {
			wl[i].id = (i % 7 == (size_t)it % 7) ? 1000000 + i + (uint64_t)it * N : i + 1;
			wl[i].ident.kind = CS_WL_CONTAINER;
			snprintf(wl[i].cgroup, sizeof(wl[i].cgroup), "kubepods/%llu", (unsigned long long)wl[i].id);
			sh[i].active_uj[CS_PART_CPU] = i;
			res.node_uj[CS_PART_CPU] += i;
		}
		memset(&in, 0, sizeof(in));
		in.wl = wl;
		in.shares = sh;
		in.n = N;
		in.res = &res;
		in.dt_s = 1;
		in.intensity_g_per_kwh = 50;
		assert_int_equal(cs_rows_update(r, &in), 0);
		(void)cs_rows_snapshot(r, &n);
		assert_int_equal(n, N + 2);
	}
	cs_rows_close(r);
	free(wl);
	free(sh);
}

/* A PUE other than 1 scales every row's operational carbon (and so the
 * node's): rows.c must not ignore it. */
static void test_pue_applied(void **state)
{
	cs_rows *r1, *r2;
	world w;
	size_t n1, n2;
	const cs_snap_row *s1, *s2;
	double g1[CS_SCOPE_N], t1[CS_SCOPE_N], g2[CS_SCOPE_N], t2[CS_SCOPE_N];
	cs_rows_input in;

	(void)state;
	make_world(&w, 4, 100);
	assert_int_equal(cs_rows_open(CS_BY_CONTAINER, 1000, &r1), 0);
	assert_int_equal(cs_rows_open(CS_BY_CONTAINER, 1000, &r2), 0);
	in = input(&w, 400, 0);
	assert_int_equal(cs_rows_update(r1, &in), 0);
	in.pue = 1.5;
	assert_int_equal(cs_rows_update(r2, &in), 0);
	s1 = cs_rows_snapshot(r1, &n1);
	s2 = cs_rows_snapshot(r2, &n2);
	assert_int_equal(n1, n2);
	for (size_t i = 0; i < n2; i++) {
		uint64_t e = 0;

		for (int c = 0; c < CS_PART_COUNT; c++)
			e += s2[i].energy_uj[c];
		assert_true(fabs(s2[i].carbon_g[CS_SCOPE_OPERATIONAL] - (double)e * 400 * 1.5 / 3.6e12) <= 1e-18);
		assert_true(fabs(s2[i].carbon_g[CS_SCOPE_OPERATIONAL] - 1.5 * s1[i].carbon_g[CS_SCOPE_OPERATIONAL]) <=
		            1e-18);
	}
	cs_rows_node_carbon(r1, g1, t1);
	cs_rows_node_carbon(r2, g2, t2);
	assert_true(g1[CS_SCOPE_OPERATIONAL] > 0);
	assert_true(fabs(g2[CS_SCOPE_OPERATIONAL] - 1.5 * g1[CS_SCOPE_OPERATIONAL]) <= 1e-15);
	/* pue <= 0 counts as 1 */
	in.pue = 0;
	assert_int_equal(cs_rows_update(r1, &in), 0);
	cs_rows_node_carbon(r1, g2, t2);
	assert_true(fabs(g2[CS_SCOPE_OPERATIONAL] - g1[CS_SCOPE_OPERATIONAL]) <= 1e-18);
	cs_rows_close(r1);
	cs_rows_close(r2);
}

/* The owner is part of a row's label set: two workloads that differ only
 * by owner are two series; the same owner, one (summed). */
static void test_owner_in_key(void **state)
{
	cs_rows *r;
	world w;
	size_t n;
	cs_rows_input in;

	(void)state;
	make_world(&w, 2, 100);
	memcpy(w.wl[1].container_name, w.wl[0].container_name, sizeof(w.wl[0].container_name));
	memcpy(w.wl[1].team, w.wl[0].team, sizeof(w.wl[0].team));
	snprintf(w.wl[1].owner, sizeof(w.wl[1].owner), "app1");
	assert_int_equal(cs_rows_open(CS_BY_CONTAINER, 100, &r), 0);
	in = input(&w, 100, 0);
	assert_int_equal(cs_rows_update(r, &in), 0);
	(void)cs_rows_snapshot(r, &n);
	assert_int_equal(n, 2 + 2);
	cs_rows_close(r);
	snprintf(w.wl[1].owner, sizeof(w.wl[1].owner), "app0");
	assert_int_equal(cs_rows_open(CS_BY_CONTAINER, 100, &r), 0);
	assert_int_equal(cs_rows_update(r, &in), 0);
	(void)cs_rows_snapshot(r, &n);
	assert_int_equal(n, 1 + 2);
	check_conserved(r, &w, 100, 0);
	cs_rows_close(r);
}

/* A container restart seen on the agent's first cycle: old and new
 * container (two workloads, one label set) are both new; the row the
 * first makes takes the second's energy too, so the node still adds up. */
static void test_same_labels_new_together(void **state)
{
	cs_rows *r;
	world w;
	size_t n;
	cs_rows_input in;
	const cs_snap_row *s;

	(void)state;
	make_world(&w, 2, 100);
	memcpy(w.wl[1].container_name, w.wl[0].container_name, sizeof(w.wl[0].container_name));
	memcpy(w.wl[1].team, w.wl[0].team, sizeof(w.wl[0].team));
	assert_int_equal(cs_rows_open(CS_BY_CONTAINER, 100, &r), 0);
	in = input(&w, 100, 0);
	assert_int_equal(cs_rows_update(r, &in), 0);
	s = cs_rows_snapshot(r, &n);
	assert_int_equal(n, 1 + 2);
	assert_int_equal(s[0].energy_uj[CS_PART_CPU], 1100 + 2100);
	check_conserved(r, &w, 100, 0);
	cs_rows_close(r);
}

/* The granularities rows accept: [agent] workloads' values, no others. */
static void test_parse_by(void **state)
{
	cs_rows *r = NULL;

	(void)state;
	for (int by = 0; by < CS_BY_NKEYS; by++) {
		bool ok = by == CS_BY_CONTAINER || by == CS_BY_POD || by == CS_BY_OWNER || by == CS_BY_NAMESPACE ||
		          by == CS_BY_TEAM || by == CS_BY_NONE;

		assert_int_equal(cs_rows_open((cs_attr_by)by, 10, &r), ok ? 0 : CS_EINVAL);
		if (ok)
			assert_int_equal(cs_rows_granularity(r), by);
		cs_rows_close(ok ? r : NULL);
	}
	assert_int_equal(cs_rows_open(CS_BY_NKEYS, 10, &r), CS_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conserve_and_monotonic),
	    cmocka_unit_test(test_rows_end_and_restart),
	    cmocka_unit_test(test_fold_overflow),
	    cmocka_unit_test(test_embodied_like_idle),
	    cmocka_unit_test(test_rollups),
	    cmocka_unit_test(test_many_rows_grow),
	    cmocka_unit_test(test_same_labels_new_together),
	    cmocka_unit_test(test_owner_in_key),
	    cmocka_unit_test(test_parse_by),
	    cmocka_unit_test(test_pue_applied),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
