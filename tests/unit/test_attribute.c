/* tests/unit/test_attribute.c - the attribution model (attribution/attribute).
 *
 * Hand-computed splits for every idle policy and both buckets; rounding and
 * tie-breaking; fresh, gone and counter-reset workloads; bad input; the idle
 * tracker and the model's idle point; roll-ups; and a property test: 10,000
 * random intervals (fixed-seed PRNG) with random workloads (zeros, huge
 * weights, fresh/gone, all-zero weights, zero energy), each checked for
 * conservation to the microjoule and, on the CPU split, for the
 * largest-remainder property itself (every share is the floor of its exact
 * quota or one more, and the extra microjoules went to the largest
 * remainders, ties to the lower id).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <carbonstat/error.h>

#include "attribution/attribute.h"

typedef unsigned __int128 u128;

/* ---- helpers --------------------------------------------------------------- */

static cs_workload *wl_new(size_t n)
{
	cs_workload *w = calloc(n ? n : 1, sizeof(*w));

	assert_non_null(w);
	for (size_t i = 0; i < n; i++)
		w[i].id = 100 + i;
	return w;
}

static void node_init(cs_attr_node *node, cs_idle_policy pol)
{
	memset(node, 0, sizeof(*node));
	node->policy = pol;
}

/* Split and check conservation; returns the result. */
static void split_ok(const cs_attr_node *node, const cs_workload *wl, size_t n, cs_attr_share *out, cs_attr_result *res)
{
	cs_attr_slot *scratch = calloc(CS_ATTR_SCRATCH_LEN(n), sizeof(*scratch));
	char why[256] = "";

	assert_non_null(scratch);
	assert_int_equal(cs_attr_split(node, wl, n, out, scratch, res), 0);
	if (cs_attr_check_conservation(res, out, n, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	free(scratch);
}

/* ---- hand-computed splits ---------------------------------------------------- */

/* 10 J CPU, 4 J idle; node busy 1 s of CPU time, workloads 0.5/0.3/0.1 s:
 * active 6 J -> 3.0/1.8/0.6 J, system 0.6 J (0.1 s not in any workload);
 * usage idle 4 J -> 2.0/1.2/0.4, system 0.4. */
static void test_cpu_usage(void **state)
{
	cs_workload *w = wl_new(3);
	cs_attr_share out[3];
	cs_attr_result res;
	cs_attr_node node;

	(void)state;
	node_init(&node, CS_IDLE_USAGE);
	node.energy_j[CS_PART_CPU] = 10.0;
	node.idle_j[CS_PART_CPU] = 4.0;
	node.cpu_busy_usec = 1000000;
	w[0].cpu_usec = 500000;
	w[1].cpu_usec = 300000;
	w[2].cpu_usec = 100000;
	split_ok(&node, w, 3, out, &res);
	assert_int_equal(res.node_uj[CS_PART_CPU], 10000000);
	assert_int_equal(res.node_idle_uj[CS_PART_CPU], 4000000);
	assert_int_equal(out[0].active_uj[CS_PART_CPU], 3000000);
	assert_int_equal(out[1].active_uj[CS_PART_CPU], 1800000);
	assert_int_equal(out[2].active_uj[CS_PART_CPU], 600000);
	assert_int_equal(res.system.active_uj[CS_PART_CPU], 600000);
	assert_int_equal(out[0].idle_uj[CS_PART_CPU], 2000000);
	assert_int_equal(out[1].idle_uj[CS_PART_CPU], 1200000);
	assert_int_equal(out[2].idle_uj[CS_PART_CPU], 400000);
	assert_int_equal(res.system.idle_uj[CS_PART_CPU], 400000);
	assert_int_equal(res.idle_unattributed_uj[CS_PART_CPU], 0);
	assert_int_equal(res.idle_used[CS_PART_CPU], CS_IDLE_USAGE);
	assert_int_equal(cs_attr_share_comp_uj(&out[0], CS_PART_CPU), 5000000);
	assert_int_equal(cs_attr_share_total_uj(&out[1]), 3000000);
	/* workloads saw more than /proc/stat (read skew): no negative system */
	node.cpu_busy_usec = 800000;
	split_ok(&node, w, 3, out, &res);
	assert_int_equal(res.system.active_uj[CS_PART_CPU], 0);
	assert_int_equal(out[0].active_uj[CS_PART_CPU], 3333333);
	assert_int_equal(out[1].active_uj[CS_PART_CPU], 2000000);
	assert_int_equal(out[2].active_uj[CS_PART_CPU], 666667);
	free(w);
}

/* DRAM by working set over memory in use; GPU by util over max(1, sum). */
static void test_dram_gpu_other(void **state)
{
	cs_workload *w = wl_new(2);
	cs_attr_share out[2];
	cs_attr_result res;
	cs_attr_node node;

	(void)state;
	node_init(&node, CS_IDLE_USAGE);
	node.energy_j[CS_PART_DRAM] = 3.0;
	node.idle_j[CS_PART_DRAM] = 1.0;
	node.mem_used_bytes = UINT64_C(8) << 30;
	node.energy_j[CS_PART_GPU] = 100.0;
	node.idle_j[CS_PART_GPU] = 50.0;
	node.energy_j[CS_PART_OTHER] = 7.0;
	node.idle_j[CS_PART_OTHER] = 0.0; /* ignored: OTHER is all idle */
	node.cpu_busy_usec = 100;
	w[0].mem_bytes = UINT64_C(4) << 30; /* half of the memory in use */
	w[1].mem_bytes = UINT64_C(2) << 30;
	w[0].gpu_util = 0.6;
	w[1].gpu_util = 0.2;
	w[0].cpu_usec = 75;
	w[1].cpu_usec = 25;
	split_ok(&node, w, 2, out, &res);
	assert_int_equal(out[0].active_uj[CS_PART_DRAM], 1000000);
	assert_int_equal(out[1].active_uj[CS_PART_DRAM], 500000);
	assert_int_equal(res.system.active_uj[CS_PART_DRAM], 500000);
	assert_int_equal(out[0].active_uj[CS_PART_GPU], 30000000);
	assert_int_equal(out[1].active_uj[CS_PART_GPU], 10000000);
	assert_int_equal(res.system.active_uj[CS_PART_GPU], 10000000);
	/* OTHER: nothing active, idle by CPU usage */
	assert_int_equal(res.node_idle_uj[CS_PART_OTHER], 7000000);
	assert_int_equal(out[0].active_uj[CS_PART_OTHER], 0);
	assert_int_equal(out[0].idle_uj[CS_PART_OTHER], 5250000);
	assert_int_equal(out[1].idle_uj[CS_PART_OTHER], 1750000);
	/* GPU utilisations adding up to more than 1 share all of it */
	w[0].gpu_util = 1.5; /* read as 1 */
	w[1].gpu_util = 1.0;
	split_ok(&node, w, 2, out, &res);
	assert_int_equal(out[0].active_uj[CS_PART_GPU], 25000000);
	assert_int_equal(res.system.active_uj[CS_PART_GPU], 0);
	w[0].gpu_util = NAN;
	split_ok(&node, w, 2, out, &res);
	assert_int_equal(out[0].active_uj[CS_PART_GPU], 0);
	free(w);
}

/* requests: 4 cores of capacity, requests 1 / 0.5 / none: 4 J idle ->
 * 1 J / 0.5 J / 0, unrequested 2.5 J -> idle_unattributed. */
static void test_requests(void **state)
{
	cs_workload *w = wl_new(3);
	cs_attr_share out[3];
	cs_attr_result res;
	cs_attr_node node;

	(void)state;
	node_init(&node, CS_IDLE_REQUESTS);
	node.energy_j[CS_PART_CPU] = 4.0;
	node.idle_j[CS_PART_CPU] = 4.0;
	node.energy_j[CS_PART_DRAM] = 2.0;
	node.idle_j[CS_PART_DRAM] = 2.0;
	node.energy_j[CS_PART_GPU] = 1.0;
	node.idle_j[CS_PART_GPU] = 1.0;
	node.cpu_capacity_cores = 4.0;
	node.mem_total_bytes = 1000;
	node.mem_used_bytes = 500;
	node.cpu_busy_usec = 10;
	w[0].cpu_request_cores = 1.0;
	w[1].cpu_request_cores = 0.5;
	w[0].mem_request_bytes = 250;
	w[2].mem_request_bytes = 250;
	w[2].cpu_usec = 10; /* a BestEffort-like workload: uses, requests no CPU */
	w[1].gpu_util = 0.5;
	split_ok(&node, w, 3, out, &res);
	assert_int_equal(res.idle_used[CS_PART_CPU], CS_IDLE_REQUESTS);
	assert_int_equal(out[0].idle_uj[CS_PART_CPU], 1000000);
	assert_int_equal(out[1].idle_uj[CS_PART_CPU], 500000);
	assert_int_equal(out[2].idle_uj[CS_PART_CPU], 0);
	assert_int_equal(res.idle_unattributed_uj[CS_PART_CPU], 2500000);
	assert_int_equal(res.idle_unattributed_uj[CS_PART_DRAM], 1000000);
	assert_int_equal(out[0].idle_uj[CS_PART_DRAM], 500000);
	assert_int_equal(out[2].idle_uj[CS_PART_DRAM], 500000);
	/* GPUs have no request: idle by usage, the unused 0.5 to system */
	assert_int_equal(res.idle_used[CS_PART_GPU], CS_IDLE_USAGE);
	assert_int_equal(out[1].idle_uj[CS_PART_GPU], 500000);
	assert_int_equal(res.system.idle_uj[CS_PART_GPU], 500000);
	/* capacity unknown: requests share all of it, 2/3 and 1/3 of 4 J:
	 * 2666666.67 and 1333333.33 -> the spare uJ to the larger remainder */
	node.cpu_capacity_cores = 0;
	split_ok(&node, w, 3, out, &res);
	assert_int_equal(out[0].idle_uj[CS_PART_CPU], 2666667);
	assert_int_equal(out[1].idle_uj[CS_PART_CPU], 1333333);
	assert_int_equal(res.idle_unattributed_uj[CS_PART_CPU], 0);
	/* no requests on the node (no kubelet): usage */
	for (int i = 0; i < 3; i++)
		w[i].cpu_request_cores = w[i].mem_request_bytes = 0;
	split_ok(&node, w, 3, out, &res);
	assert_int_equal(res.idle_used[CS_PART_CPU], CS_IDLE_USAGE);
	assert_int_equal(out[2].idle_uj[CS_PART_CPU], 4000000);
	/* NaN and negative requests count as none */
	w[0].cpu_request_cores = NAN;
	w[1].cpu_request_cores = -2;
	split_ok(&node, w, 3, out, &res);
	assert_int_equal(res.idle_used[CS_PART_CPU], CS_IDLE_USAGE);
	free(w);
}

/* equal: 10 uJ among ids 7, 3, 5 -> 3 each and the spare one to id 3;
 * none: everything to idle_unattributed. */
static void test_equal_none_ties(void **state)
{
	cs_workload *w = wl_new(3);
	cs_attr_share out[3];
	cs_attr_result res;
	cs_attr_node node;

	(void)state;
	w[0].id = 7;
	w[1].id = 3;
	w[2].id = 5;
	node_init(&node, CS_IDLE_EQUAL);
	node.energy_j[CS_PART_CPU] = 10e-6;
	node.idle_j[CS_PART_CPU] = 10e-6;
	split_ok(&node, w, 3, out, &res);
	assert_int_equal(out[0].idle_uj[CS_PART_CPU], 3);
	assert_int_equal(out[1].idle_uj[CS_PART_CPU], 4);
	assert_int_equal(out[2].idle_uj[CS_PART_CPU], 3);
	assert_int_equal(res.idle_used[CS_PART_CPU], CS_IDLE_EQUAL);

	node.policy = CS_IDLE_NONE;
	split_ok(&node, w, 3, out, &res);
	assert_int_equal(res.idle_unattributed_uj[CS_PART_CPU], 10);
	assert_int_equal(out[1].idle_uj[CS_PART_CPU], 0);

	/* a workload and the system bucket with the same remainder: 1 uJ over
	 * busy 2 us, workload 1 us -> 0.5 each; the workload wins the tie */
	node.policy = CS_IDLE_NONE;
	node.energy_j[CS_PART_CPU] = 1e-6;
	node.idle_j[CS_PART_CPU] = 0;
	node.cpu_busy_usec = 2;
	w[0].cpu_usec = 1;
	split_ok(&node, w, 3, out, &res);
	assert_int_equal(out[0].active_uj[CS_PART_CPU], 1);
	assert_int_equal(res.system.active_uj[CS_PART_CPU], 0);
	/* two workloads tied: the lower id wins, wherever it sits */
	w[2].cpu_usec = 1;
	split_ok(&node, w, 3, out, &res);
	assert_int_equal(out[0].active_uj[CS_PART_CPU], 0);
	assert_int_equal(out[2].active_uj[CS_PART_CPU], 1);
	/* no workloads: equal gives all idle to idle_unattributed */
	node.policy = CS_IDLE_EQUAL;
	node.idle_j[CS_PART_CPU] = 1e-6;
	split_ok(&node, w, 0, NULL, &res);
	assert_int_equal(res.idle_unattributed_uj[CS_PART_CPU], 1);
	free(w);
}

/* Joules -> uJ once, half away from zero; idle clamped to 0..energy. */
static void test_rounding(void **state)
{
	cs_attr_result res;
	cs_attr_node node;

	(void)state;
	node_init(&node, CS_IDLE_NONE);
	node.energy_j[CS_PART_CPU] = 0.25e-6; /* 0.25 uJ -> 0 */
	node.energy_j[CS_PART_DRAM] = 0.75e-6;
	node.energy_j[CS_PART_GPU] = 1.0;
	node.idle_j[CS_PART_GPU] = 2.0; /* more than the energy: all idle */
	node.energy_j[CS_PART_OTHER] = 1234.5678904;
	node.idle_j[CS_PART_CPU] = -1.0; /* negative idle: none */
	split_ok(&node, NULL, 0, NULL, &res);
	assert_int_equal(res.node_uj[CS_PART_CPU], 0);
	assert_int_equal(res.node_uj[CS_PART_DRAM], 1);
	assert_int_equal(res.node_uj[CS_PART_GPU], 1000000);
	assert_int_equal(res.node_idle_uj[CS_PART_GPU], 1000000);
	assert_int_equal(res.node_uj[CS_PART_OTHER], 1234567890);
	/* a half: 2.5 uJ (0.0000025 J x 1e6 is 2.5 in binary) -> 3, away from 0 */
	node.energy_j[CS_PART_CPU] = 2.5e-6;
	split_ok(&node, NULL, 0, NULL, &res);
	assert_int_equal(res.node_uj[CS_PART_CPU], 2.5e-6 * 1e6 == 2.5 ? 3 : (uint64_t)llround(2.5e-6 * 1e6));
	/* no system and no workloads: the active part goes to system */
	node.energy_j[CS_PART_CPU] = 5.0;
	split_ok(&node, NULL, 0, NULL, &res);
	assert_int_equal(res.system.active_uj[CS_PART_CPU], 5000000);
	/* the maximum energy, and a 1 uJ over-split among many */
	node.energy_j[CS_PART_CPU] = CS_ATTR_MAX_ENERGY_J;
	split_ok(&node, NULL, 0, NULL, &res);
	assert_int_equal(res.node_uj[CS_PART_CPU], UINT64_C(1000000000000000000));
}

/* fresh counts no CPU time whatever its counter says; gone keeps its delta;
 * a counter reset (a huge wrapped delta) is clamped to what the node could
 * run, or at worst takes the interval, but never breaks conservation. */
static void test_lifecycle_and_resets(void **state)
{
	cs_workload *w = wl_new(3);
	cs_attr_share out[3];
	cs_attr_result res;
	cs_attr_node node;

	(void)state;
	node_init(&node, CS_IDLE_USAGE);
	node.energy_j[CS_PART_CPU] = 1.0;
	node.cpu_busy_usec = 1000;
	node.cpu_total_usec = 4000;
	w[0].fresh = true;
	w[0].cpu_usec = 123456789; /* a lifetime total a scanner forgot to drop */
	w[1].gone = true;
	w[1].cpu_usec = 500;
	w[2].cpu_usec = 500;
	split_ok(&node, w, 3, out, &res);
	assert_int_equal(out[0].active_uj[CS_PART_CPU], 0);
	assert_int_equal(out[1].active_uj[CS_PART_CPU], 500000);
	assert_int_equal(out[2].active_uj[CS_PART_CPU], 500000);
	assert_int_equal(res.clamped, 0);

	/* a wrapped delta (prev > cur computed unsigned) */
	w[0].fresh = false;
	w[0].cpu_usec = UINT64_MAX - 41;
	split_ok(&node, w, 3, out, &res);
	assert_int_equal(res.clamped, 1);
	assert_int_equal(out[0].active_uj[CS_PART_CPU], 800000); /* 4000 of 5000 */
	/* without the node's capacity: still conserved, no overflow */
	node.cpu_total_usec = 0;
	w[1].cpu_usec = UINT64_MAX;
	w[2].cpu_usec = UINT64_MAX;
	split_ok(&node, w, 3, out, &res);
	assert_int_equal(res.clamped, 0);
	assert_true(out[0].active_uj[CS_PART_CPU] <= 333334);
	/* a working set above MemTotal */
	node.energy_j[CS_PART_DRAM] = 1.0;
	node.mem_total_bytes = 100;
	node.mem_used_bytes = 50;
	w[0].mem_bytes = UINT64_MAX;
	split_ok(&node, w, 3, out, &res);
	assert_int_equal(res.clamped, 1);
	assert_int_equal(out[0].active_uj[CS_PART_DRAM], 1000000);
	free(w);
}

static void test_bad_input(void **state)
{
	cs_workload *w = wl_new(1);
	cs_attr_share out[1];
	cs_attr_slot scratch[2];
	cs_attr_result res, before;
	cs_attr_node node;
	cs_idle_policy p = CS_IDLE_NONE;

	(void)state;
	memset(&res, 0x5a, sizeof(res));
	memset(out, 0x5a, sizeof(out));
	before = res;
	node_init(&node, CS_IDLE_USAGE);
	node.energy_j[CS_PART_DRAM] = NAN;
	assert_int_equal(cs_attr_split(&node, w, 1, out, scratch, &res), CS_EINVAL);
	node.energy_j[CS_PART_DRAM] = -1.0;
	assert_int_equal(cs_attr_split(&node, w, 1, out, scratch, &res), CS_EINVAL);
	node.energy_j[CS_PART_DRAM] = INFINITY;
	assert_int_equal(cs_attr_split(&node, w, 1, out, scratch, &res), CS_EINVAL);
	node.energy_j[CS_PART_DRAM] = 2e12;
	assert_int_equal(cs_attr_split(&node, w, 1, out, scratch, &res), CS_ERANGE);
	node.energy_j[CS_PART_DRAM] = 1.0;
	node.idle_j[CS_PART_GPU] = NAN;
	assert_int_equal(cs_attr_split(&node, w, 1, out, scratch, &res), CS_EINVAL);
	node.idle_j[CS_PART_GPU] = 0;
	node.policy = CS_IDLE_NPOLICY;
	assert_int_equal(cs_attr_split(&node, w, 1, out, scratch, &res), CS_EINVAL);
	node.policy = CS_IDLE_USAGE;
	assert_int_equal(cs_attr_split(&node, w, 1, out, NULL, &res), CS_EINVAL);
	assert_int_equal(cs_attr_split(&node, NULL, 1, out, scratch, &res), CS_EINVAL);
	assert_int_equal(cs_attr_split(NULL, w, 1, out, scratch, &res), CS_EINVAL);
	assert_int_equal(cs_attr_split(&node, w, 1, out, scratch, NULL), CS_EINVAL);
	assert_memory_equal(&res, &before, sizeof(res));
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(((unsigned char *)out)[i], 0x5a);

	/* policy names */
	assert_int_equal(cs_idle_policy_parse("requests", &p), 0);
	assert_int_equal(p, CS_IDLE_REQUESTS);
	assert_int_equal(cs_idle_policy_parse("equal", &p), 0);
	assert_int_equal(p, CS_IDLE_EQUAL);
	assert_int_equal(cs_idle_policy_parse("Usage", &p), CS_EINVAL);
	assert_int_equal(cs_idle_policy_parse("", &p), CS_EINVAL);
	assert_int_equal(cs_idle_policy_parse(NULL, &p), CS_EINVAL);
	assert_int_equal(p, CS_IDLE_EQUAL);
	for (int i = 0; i < CS_IDLE_NPOLICY; i++) {
		assert_int_equal(cs_idle_policy_parse(cs_idle_policy_name((cs_idle_policy)i), &p), 0);
		assert_int_equal(p, i);
	}
	assert_string_equal(cs_idle_policy_name(CS_IDLE_NPOLICY), "?");
	assert_string_equal(cs_part_name(CS_PART_DRAM), "dram");
	assert_int_equal(cs_part_of(CS_COMP_PSYS), CS_PART_CPU);
	assert_int_equal(cs_part_of(CS_COMP_CORE), CS_PART_CPU);
	assert_int_equal(cs_part_of(CS_COMP_DRAM), CS_PART_DRAM);
	assert_int_equal(cs_part_of(CS_COMP_GPU), CS_PART_GPU);
	assert_int_equal(cs_part_of(CS_COMP_OTHER), CS_PART_OTHER);

	/* the check catches a lost microjoule */
	node_init(&node, CS_IDLE_USAGE);
	node.energy_j[CS_PART_CPU] = 1.0;
	node.cpu_busy_usec = 1;
	w[0].cpu_usec = 1;
	split_ok(&node, w, 1, out, &res);
	out[0].active_uj[CS_PART_CPU]--;
	{
		char why[256];

		assert_int_equal(cs_attr_check_conservation(&res, out, 1, why, sizeof(why)), CS_ERANGE);
		assert_non_null(strstr(why, "cpu"));
		/* same total, wrong idle part */
		out[0].idle_uj[CS_PART_CPU]++;
		assert_int_equal(cs_attr_check_conservation(&res, out, 1, why, sizeof(why)), CS_ERANGE);
	}
	free(w);
}

/* ---- property test --------------------------------------------------------- */

static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t rnd(void) /* splitmix64 */
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static double rnd_unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* A weight from a mix of shapes: zero, small, realistic, huge, max. */
static uint64_t rnd_weight(void)
{
	switch (rnd_below(8)) {
	case 0: return 0;
	case 1: return rnd_below(4);
	case 2: return UINT64_MAX - rnd_below(3);
	case 3: return rnd() >> rnd_below(64);
	default: return rnd_below(2000000);
	}
}

static double rnd_energy(void)
{
	switch (rnd_below(6)) {
	case 0: return 0.0;
	case 1: return (double)rnd_below(20) * 1e-6;
	case 2: return rnd_unit() * CS_ATTR_MAX_ENERGY_J;
	default: return rnd_unit() * 500.0;
	}
}

/* The CPU active split against exact arithmetic (when no clamp or scaling
 * applies): each share is floor(q) or floor(q) + 1, and the winners' remainders
 * rank before every loser's. */
static void check_hamilton_cpu(const cs_attr_node *node, const cs_workload *w, size_t n, const cs_attr_share *out,
                               const cs_attr_result *res)
{
	uint64_t E = res->node_uj[CS_PART_CPU] - res->node_idle_uj[CS_PART_CPU];
	u128 W = 0, D;
	uint64_t min_win_r = UINT64_MAX, max_lose_r = 0, min_win_id = UINT64_MAX, max_lose_id = 0;
	bool any_win = false, any_lose = false;

	for (size_t i = 0; i < n; i++)
		W += w[i].fresh ? 0 : w[i].cpu_usec;
	D = W > node->cpu_busy_usec ? W : node->cpu_busy_usec;
	if (D == 0 || D > ((u128)1 << 62) || node->cpu_total_usec)
		return;
	for (size_t i = 0; i < n; i++) {
		uint64_t wi = w[i].fresh ? 0 : w[i].cpu_usec;
		u128 p = (u128)E * wi;
		uint64_t q = (uint64_t)(p / D), r = (uint64_t)(p % D), got = out[i].active_uj[CS_PART_CPU];

		assert_true(got == q || got == q + 1);
		if (r == 0) {
			assert_true(got == q);
			continue;
		}
		if (got == q + 1) {
			if (!any_win || r < min_win_r || (r == min_win_r && w[i].id > min_win_id)) {
				min_win_r = r;
				min_win_id = w[i].id;
			}
			any_win = true;
		} else {
			if (!any_lose || r > max_lose_r || (r == max_lose_r && w[i].id < max_lose_id)) {
				max_lose_r = r;
				max_lose_id = w[i].id;
			}
			any_lose = true;
		}
	}
	if (any_win && any_lose)
		assert_true(min_win_r > max_lose_r || (min_win_r == max_lose_r && min_win_id < max_lose_id));
}

static void test_property_random(void **state)
{
	enum { MAXN = 300, INTERVALS = 10000 };
	cs_workload *w = wl_new(MAXN);
	cs_attr_share *out = calloc(MAXN, sizeof(*out));
	cs_attr_slot *scratch = calloc(CS_ATTR_SCRATCH_LEN(MAXN), sizeof(*scratch));
	unsigned long total_workloads = 0;

	(void)state;
	assert_non_null(out);
	assert_non_null(scratch);
	for (int it = 0; it < INTERVALS; it++) {
		size_t n = rnd_below(8) == 0 ? 0 : (size_t)rnd_below(rnd_below(4) == 0 ? MAXN : 12) + 1;
		bool all_zero = rnd_below(10) == 0;
		cs_attr_node node;
		cs_attr_result res;
		char why[256];

		node_init(&node, (cs_idle_policy)rnd_below(CS_IDLE_NPOLICY));
		for (int c = 0; c < CS_PART_COUNT; c++) {
			node.energy_j[c] = rnd_energy();
			node.idle_j[c] = rnd_below(3) == 0 ? node.energy_j[c] * (rnd_unit() * 1.4 - 0.2) : rnd_energy();
		}
		node.cpu_busy_usec = rnd_weight();
		node.cpu_total_usec = rnd_below(3) == 0 ? rnd_weight() : 0;
		node.mem_used_bytes = rnd_weight();
		node.mem_total_bytes = rnd_below(3) == 0 ? rnd_weight() : 0;
		node.cpu_capacity_cores = rnd_below(3) == 0 ? 0.0 : rnd_unit() * 256;
		for (size_t i = 0; i < n; i++) {
			memset(&w[i], 0, sizeof(w[i]));
			/* ids: mostly distinct, sometimes repeated (a caller bug must
			 * still conserve and stay deterministic) */
			w[i].id = rnd_below(20) == 0 ? 42 : rnd();
			w[i].fresh = rnd_below(10) == 0;
			w[i].gone = rnd_below(10) == 0;
			if (all_zero)
				continue;
			w[i].cpu_usec = rnd_weight();
			w[i].mem_bytes = rnd_weight();
			w[i].gpu_util = rnd_below(4) == 0 ? 0.0 : rnd_unit() * 1.2;
			w[i].cpu_request_cores = rnd_below(2) ? 0.0 : rnd_unit() * 8;
			w[i].mem_request_bytes = rnd_below(2) ? 0.0 : (double)rnd_weight();
		}
		assert_int_equal(cs_attr_split(&node, w, n, out, scratch, &res), 0);
		if (cs_attr_check_conservation(&res, out, n, why, sizeof(why)) != 0)
			fail_msg("interval %d: %s", it, why);
		check_hamilton_cpu(&node, w, n, out, &res);
		if (all_zero) {
			for (size_t i = 0; i < n; i++)
				assert_int_equal(out[i].active_uj[CS_PART_CPU] + out[i].active_uj[CS_PART_DRAM] +
				                     out[i].active_uj[CS_PART_GPU],
				                 0);
			if (node.policy == CS_IDLE_NONE)
				for (int c = 0; c < CS_PART_COUNT; c++)
					assert_int_equal(res.idle_unattributed_uj[c], res.node_idle_uj[c]);
		}
		total_workloads += n;
	}
	assert_true(total_workloads > 10000);
	free(w);
	free(out);
	free(scratch);
}

/* Many equal weights: every share within 1 uJ, spare ones to the lowest ids;
 * the same input gives the same output whatever the order of workloads. */
static void test_large_equal_and_order(void **state)
{
	enum { N = 10000 };
	cs_workload *w = wl_new(N), *rev = wl_new(N);
	cs_attr_share *out = calloc(N, sizeof(*out)), *out2 = calloc(N, sizeof(*out2));
	cs_attr_result res, res2;
	cs_attr_node node;
	uint64_t lo = UINT64_MAX, hi = 0;

	(void)state;
	assert_non_null(out);
	assert_non_null(out2);
	node_init(&node, CS_IDLE_EQUAL);
	node.energy_j[CS_PART_CPU] = 12.3456789;
	node.idle_j[CS_PART_CPU] = 12.3456789;
	for (size_t i = 0; i < N; i++) {
		w[i].id = (i * 7919) % N; /* shuffled ids */
		w[i].cpu_usec = rnd_below(1000);
		w[i].mem_bytes = rnd();
		rev[N - 1 - i] = w[i];
	}
	node.energy_j[CS_PART_DRAM] = 77.0;
	node.mem_used_bytes = 1;
	split_ok(&node, w, N, out, &res);
	split_ok(&node, rev, N, out2, &res2);
	assert_memory_equal(&res, &res2, sizeof(res));
	for (size_t i = 0; i < N; i++) {
		uint64_t v = out[i].idle_uj[CS_PART_CPU];

		assert_memory_equal(&out[i], &out2[N - 1 - i], sizeof(out[i]));
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		/* 12345679 uJ / 10000 = 1234 r 5679: ids 0..5678 get 1235 */
		assert_int_equal(v, w[i].id < 5679 ? 1235 : 1234);
	}
	assert_true(hi - lo <= 1);
	free(w);
	free(rev);
	free(out);
	free(out2);
}

/* ---- idle power -------------------------------------------------------------- */

static void test_idle_tracker(void **state)
{
	cs_idle_tracker t;
	double p[CS_PART_COUNT] = {50, 10, 0, 0}, u[CS_PART_COUNT] = {0.5, 0.5, 0.0, 0.5}, w[CS_PART_COUNT];
	cs_idle_source src[CS_PART_COUNT];

	(void)state;
	cs_idle_tracker_init(&t);
	cs_idle_tracker_get(&t, w, src);
	assert_int_equal(src[CS_PART_CPU], CS_IDLE_SRC_NONE);
	assert_true(w[CS_PART_CPU] == 0.0);
	/* busy intervals teach nothing */
	cs_idle_tracker_observe(&t, p, u, 1.0);
	cs_idle_tracker_get(&t, w, src);
	assert_int_equal(src[CS_PART_CPU], CS_IDLE_SRC_NONE);
	/* low utilisation: the minimum */
	u[CS_PART_CPU] = u[CS_PART_DRAM] = 0.05;
	p[CS_PART_CPU] = 30;
	cs_idle_tracker_observe(&t, p, u, 1.0);
	p[CS_PART_CPU] = 40;
	cs_idle_tracker_observe(&t, p, u, 1.0);
	cs_idle_tracker_get(&t, w, src);
	assert_int_equal(src[CS_PART_CPU], CS_IDLE_SRC_OBSERVED);
	assert_float_equal(w[CS_PART_CPU], 30.0 * pow(1.01, 1.0 / 3600), 1e-9);
	assert_int_equal(t.low_obs[CS_PART_CPU], 2);
	/* GPU at 0 W (a failed read) is ignored; GPU util is its own */
	assert_int_equal(src[CS_PART_GPU], CS_IDLE_SRC_NONE);
	/* an hour of busy intervals: +1 %, whatever the sampling period */
	u[CS_PART_CPU] = 0.9;
	for (int i = 0; i < 360; i++)
		cs_idle_tracker_observe(&t, p, u, 10.0);
	cs_idle_tracker_get(&t, w, NULL);
	assert_float_equal(w[CS_PART_CPU], 30.0 * pow(1.01, 1.0 + 1.0 / 3600), 1e-6);
	/* a one-off low is forgotten: ~70 h to double back from 15 to 30 W */
	u[CS_PART_CPU] = 0.0;
	p[CS_PART_CPU] = 15;
	cs_idle_tracker_observe(&t, p, u, 1.0);
	u[CS_PART_CPU] = 0.9;
	p[CS_PART_CPU] = 60;
	cs_idle_tracker_observe(&t, p, u, 70 * 3600.0);
	cs_idle_tracker_get(&t, w, NULL);
	assert_true(w[CS_PART_CPU] > 30.0 && w[CS_PART_CPU] < 31.0);
	/* ...but never above what the node draws, whatever the load: a node
	 * busy for a year keeps a bounded figure */
	p[CS_PART_CPU] = 25;
	cs_idle_tracker_observe(&t, p, u, 8760 * 3600.0);
	cs_idle_tracker_get(&t, w, NULL);
	assert_true(w[CS_PART_CPU] == 25.0);
	p[CS_PART_CPU] = 60;
	cs_idle_tracker_observe(&t, p, u, 1e300); /* (1.01)^huge: no infinity */
	cs_idle_tracker_get(&t, w, NULL);
	assert_true(w[CS_PART_CPU] == 25.0);
	/* bad figures change nothing */
	{
		cs_idle_tracker before = t;
		double bad_p[CS_PART_COUNT] = {NAN, -1, INFINITY, 5}, bad_u[CS_PART_COUNT] = {0, 0, 0, 2.0};

		cs_idle_tracker_observe(&t, bad_p, bad_u, 1.0);
		cs_idle_tracker_observe(&t, p, u, 0.0);
		cs_idle_tracker_observe(&t, p, u, NAN);
		cs_idle_tracker_observe(&t, p, u, -5.0);
		/* the first call re-rose the estimate by one second; compare the rest */
		assert_int_equal(t.low_obs[CS_PART_OTHER], before.low_obs[CS_PART_OTHER]);
		assert_int_equal(t.low_obs[CS_PART_CPU], before.low_obs[CS_PART_CPU]);
		assert_true(t.est_w[CS_PART_GPU] < 0);
	}
	/* configured watts win */
	t.config_w[CS_PART_CPU] = 12.5;
	cs_idle_tracker_get(&t, w, src);
	assert_int_equal(src[CS_PART_CPU], CS_IDLE_SRC_CONFIG);
	assert_true(w[CS_PART_CPU] == 12.5);
	assert_string_equal(cs_idle_source_name(CS_IDLE_SRC_OBSERVED), "observed");
}

static void test_idle_from_model(void **state)
{
	cs_host_model m;
	double w[CS_PART_COUNT];

	(void)state;
	memset(&m, 0, sizeof(m));
	m.kind = CS_HOST_MODEL_GENERIC;
	m.ncpu = 4;
	m.sockets = 1;
	m.mem_total_gb = 8;
	assert_int_equal(cs_attr_idle_from_model(&m, w), 0);
	assert_float_equal(w[CS_PART_CPU], 4 * CS_GENERIC_MIN_W_PER_CPU, 1e-12);
	assert_float_equal(w[CS_PART_DRAM], 8 * CS_MEM_W_PER_GB, 1e-12);
	assert_true(w[CS_PART_GPU] == 0.0 && w[CS_PART_OTHER] == 0.0);
	m.kind = CS_HOST_MODEL_TDP;
	m.tdp_w = 100;
	m.sockets = 2;
	assert_int_equal(cs_attr_idle_from_model(&m, w), 0);
	assert_float_equal(w[CS_PART_CPU], 2 * 100 * 0.12, 1e-9);
	assert_int_equal(cs_attr_idle_from_model(NULL, w), CS_EINVAL);
}

/* ---- roll-up ------------------------------------------------------------------- */

static void test_labels_and_rollup(void **state)
{
	cs_workload *w = wl_new(5);
	cs_attr_share out[5];
	cs_attr_group groups[8];
	uint32_t index[16];
	cs_attr_result res;
	cs_attr_node node;
	size_t ng = 0;
	char buf[CS_ATTR_LABEL_MAX], why[256];
	cs_attr_by by;

	(void)state;
	strcpy(w[0].namespace_, "shop");
	strcpy(w[0].pod_name, "web-1");
	strcpy(w[0].container_name, "nginx");
	strcpy(w[0].team, "storefront");
	strcpy(w[0].cgroup, "kubepods.slice/x/cri-containerd-abc.scope");
	strcpy(w[0].ident.container_id, "abc");
	w[1] = w[0];
	w[1].id = 101;
	strcpy(w[1].container_name, "sidecar");
	strcpy(w[2].namespace_, "batch"); /* no team: falls back to the namespace */
	strcpy(w[2].ident.pod_uid, "1234-5678");
	strcpy(w[2].ident.container_id, "def");
	strcpy(w[2].cgroup, "kubepods/burstable/pod1234-5678/def");
	w[3].ident.kind = CS_WL_SERVICE;
	strcpy(w[3].ident.unit, "nginx.service");
	strcpy(w[3].cgroup, "system.slice/nginx.service");
	w[4].ident.kind = CS_WL_PROCESS;
	w[4].pid = 4242;
	strcpy(w[4].comm, "make");

	assert_int_equal(cs_attr_label(&w[0], CS_BY_CONTAINER, buf, sizeof(buf)), 16);
	assert_string_equal(buf, "shop/web-1/nginx");
	cs_attr_label(&w[0], CS_BY_POD, buf, sizeof(buf));
	assert_string_equal(buf, "shop/web-1");
	cs_attr_label(&w[2], CS_BY_CONTAINER, buf, sizeof(buf));
	assert_string_equal(buf, "def");
	cs_attr_label(&w[2], CS_BY_POD, buf, sizeof(buf));
	assert_string_equal(buf, "1234-5678");
	cs_attr_label(&w[2], CS_BY_TEAM, buf, sizeof(buf));
	assert_string_equal(buf, "batch");
	cs_attr_label(&w[3], CS_BY_POD, buf, sizeof(buf));
	assert_string_equal(buf, "nginx.service");
	cs_attr_label(&w[3], CS_BY_TEAM, buf, sizeof(buf));
	assert_string_equal(buf, "(none)");
	cs_attr_label(&w[3], CS_BY_PROCESS, buf, sizeof(buf));
	assert_string_equal(buf, "system.slice/nginx.service");
	cs_attr_label(&w[4], CS_BY_PROCESS, buf, sizeof(buf));
	assert_string_equal(buf, "make[4242]");
	cs_attr_label(&w[4], CS_BY_CGROUP, buf, sizeof(buf));
	assert_string_equal(buf, "pid:4242");
	cs_attr_label(&w[4], CS_BY_CONTAINER, buf, sizeof(buf));
	assert_string_equal(buf, "pid:4242");
	assert_int_equal(cs_attr_label(&w[0], CS_BY_CONTAINER, buf, 5), CS_ERANGE);
	assert_string_equal(buf, "");
	assert_int_equal(cs_attr_label(&w[0], CS_BY_NKEYS, buf, sizeof(buf)), CS_EINVAL);
	assert_int_equal(cs_attr_by_parse("namespace", &by), 0);
	assert_int_equal(by, CS_BY_NAMESPACE);
	assert_int_equal(cs_attr_by_parse("teams", &by), CS_EINVAL);
	for (int i = 0; i < CS_BY_NKEYS; i++) {
		assert_int_equal(cs_attr_by_parse(cs_attr_by_name((cs_attr_by)i), &by), 0);
		assert_int_equal(by, i);
	}

	node_init(&node, CS_IDLE_EQUAL);
	node.energy_j[CS_PART_CPU] = 10.0;
	node.idle_j[CS_PART_CPU] = 3.0;
	node.cpu_busy_usec = 10;
	for (int i = 0; i < 5; i++)
		w[i].cpu_usec = (uint64_t)i + 1;
	split_ok(&node, w, 5, out, &res);

	assert_int_equal(cs_attr_rollup(w, out, 5, CS_BY_TEAM, groups, 8, index, 16, &ng), 0);
	assert_int_equal(ng, 3);
	assert_string_equal(groups[0].label, "storefront");
	assert_int_equal(groups[0].members, 2);
	assert_int_equal(groups[0].share.active_uj[CS_PART_CPU],
	                 out[0].active_uj[CS_PART_CPU] + out[1].active_uj[CS_PART_CPU]);
	assert_string_equal(groups[1].label, "batch");
	assert_string_equal(groups[2].label, "(none)");
	assert_int_equal(groups[2].members, 2);
	if (cs_attr_check_groups(&res, groups, ng, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	/* by process: five groups; too few slots -> CS_ENOMEM */
	assert_int_equal(cs_attr_rollup(w, out, 5, CS_BY_PROCESS, groups, 8, index, 16, &ng), 0);
	assert_int_equal(ng, 4); /* the two containers share their cgroup path */
	assert_int_equal(cs_attr_check_groups(&res, groups, ng, NULL, 0), 0);
	assert_int_equal(cs_attr_rollup(w, out, 5, CS_BY_CONTAINER, groups, 3, index, 16, &ng), CS_ENOMEM);
	/* bad tables */
	assert_int_equal(cs_attr_rollup(w, out, 5, CS_BY_POD, groups, 8, index, 12, &ng), CS_EINVAL);
	assert_int_equal(cs_attr_rollup(w, out, 5, CS_BY_POD, groups, 8, index, 8, &ng), CS_EINVAL);
	/* a lost group is caught */
	assert_int_equal(cs_attr_rollup(w, out, 5, CS_BY_POD, groups, 8, index, 16, &ng), 0);
	assert_int_equal(cs_attr_check_groups(&res, groups, ng - 1, why, sizeof(why)), CS_ERANGE);
	free(w);
}

/* 10,000 workloads into 500 teams: groups conserve, in first-seen order. */
static void test_rollup_many(void **state)
{
	enum { N = 10000, G = 500 };
	cs_workload *w = wl_new(N);
	cs_attr_share *out = calloc(N, sizeof(*out));
	cs_attr_group *groups = calloc(G, sizeof(*groups));
	uint32_t *index = calloc(1024, sizeof(*index));
	cs_attr_result res;
	cs_attr_node node;
	size_t ng;

	(void)state;
	assert_non_null(out);
	assert_non_null(groups);
	assert_non_null(index);
	for (size_t i = 0; i < N; i++) {
		snprintf(w[i].team, sizeof(w[i].team), "team-%zu", i % G);
		w[i].cpu_usec = rnd_below(100000);
		w[i].mem_bytes = rnd_below(1u << 30);
	}
	node_init(&node, CS_IDLE_USAGE);
	for (int c = 0; c < CS_PART_COUNT; c++) {
		node.energy_j[c] = 100.0 + c;
		node.idle_j[c] = 40.0;
	}
	node.cpu_busy_usec = UINT64_C(1) << 40;
	node.mem_used_bytes = UINT64_C(1) << 50;
	split_ok(&node, w, N, out, &res);
	assert_int_equal(cs_attr_rollup(w, out, N, CS_BY_TEAM, groups, G, index, 1024, &ng), 0);
	assert_int_equal(ng, G);
	assert_string_equal(groups[7].label, "team-7");
	assert_int_equal(groups[7].members, N / G);
	assert_int_equal(cs_attr_check_groups(&res, groups, ng, NULL, 0), 0);
	assert_int_equal(cs_attr_rollup(w, out, N, CS_BY_TEAM, groups, G - 1, index, 1024, &ng), CS_ENOMEM);
	free(w);
	free(out);
	free(groups);
	free(index);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cpu_usage),
	    cmocka_unit_test(test_dram_gpu_other),
	    cmocka_unit_test(test_requests),
	    cmocka_unit_test(test_equal_none_ties),
	    cmocka_unit_test(test_rounding),
	    cmocka_unit_test(test_lifecycle_and_resets),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_property_random),
	    cmocka_unit_test(test_large_equal_and_order),
	    cmocka_unit_test(test_idle_tracker),
	    cmocka_unit_test(test_idle_from_model),
	    cmocka_unit_test(test_labels_and_rollup),
	    cmocka_unit_test(test_rollup_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
