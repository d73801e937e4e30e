/* fuzz_attribute.c - libFuzzer target for the attribution split.
 *
 * Turns the input into one interval: the idle policy, the node's energy and
 * idle per component (raw IEEE bits or scaled integers, so NaN, infinities,
 * negatives, denormals and huge values all occur), node CPU/memory figures,
 * and up to 200 workloads with arbitrary usage, requests, ids (duplicates
 * included) and fresh/gone flags. Invariants, checked with abort() so they
 * hold in release builds too:
 *   - cs_attr_split returns 0 exactly when every energy is finite, >= 0 and
 *     <= CS_ATTR_MAX_ENERGY_J and every idle is finite; CS_EINVAL/CS_ERANGE
 *     otherwise, with the outputs untouched;
 *   - on success, conservation to the microjoule (cs_attr_check_conservation)
 *     and a second run gives identical bytes (determinism);
 *   - the roll-up by every key conserves too (cs_attr_check_groups);
 *   - the idle tracker never holds a negative, NaN or infinite estimate
 *     after observing the same figures.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribution/attribute.h"
#include "carbonstat/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WL 200

typedef struct reader {
	const uint8_t *p;
	size_t left;
} reader;

static uint64_t take(reader *r, size_t nbytes)
{
	uint64_t v = 0;

	for (size_t i = 0; i < nbytes; i++) {
		v <<= 8;
		if (r->left) {
			v |= *r->p++;
			r->left--;
		}
	}
	return v;
}

/* A double in one of several shapes, chosen by a tag byte. */
static double take_double(reader *r)
{
	uint8_t tag = (uint8_t)take(r, 1);
	uint64_t bits;
	double d;

	switch (tag % 5) {
	case 0: /* raw bits: NaN, inf, negative, denormal */
		bits = take(r, 8);
		memcpy(&d, &bits, sizeof(d));
		return d;
	case 1: return (double)take(r, 2) * 1e-6; /* a few uJ */
	case 2: return (double)take(r, 4) * 1e-3; /* up to ~4 MJ */
	case 3: return (double)take(r, 1);
	default: return 0.0;
	}
}

static uint64_t take_u64(reader *r)
{
	uint8_t tag = (uint8_t)take(r, 1);

	switch (tag % 4) {
	case 0: return 0;
	case 1: return take(r, 8);
	case 2: return take(r, 3);
	default: return UINT64_MAX - take(r, 1);
	}
}

static int expected_rc(const cs_attr_node *node)
{
	int rc = 0;

	for (int c = 0; c < CS_PART_COUNT; c++) {
		double e = node->energy_j[c];

		if (e < 0.0 || !isfinite(e) || !isfinite(node->idle_j[c]))
			return CS_EINVAL;
		if (e > CS_ATTR_MAX_ENERGY_J)
			rc = CS_ERANGE;
	}
	return rc;
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_attribute: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	reader r = {data, size};
	cs_attr_node node;
	cs_workload *wl;
	cs_attr_share *out, *out2;
	cs_attr_slot *scratch;
	cs_attr_group *groups;
	uint32_t index[512];
	cs_attr_result res, res2;
	cs_idle_tracker t;
	size_t n;
	int rc, want;
	char why[256];

	memset(&node, 0, sizeof(node));
	node.policy = (cs_idle_policy)(take(&r, 1) % (CS_IDLE_NPOLICY + 1)); /* one invalid */
	for (int c = 0; c < CS_PART_COUNT; c++) {
		node.energy_j[c] = take_double(&r);
		node.idle_j[c] = take_double(&r);
	}
	node.cpu_busy_usec = take_u64(&r);
	node.cpu_total_usec = take_u64(&r);
	node.mem_used_bytes = take_u64(&r);
	node.mem_total_bytes = take_u64(&r);
	node.cpu_capacity_cores = take_double(&r);
	n = (size_t)(take(&r, 1) % (MAX_WL + 1));

	wl = calloc(n ? n : 1, sizeof(*wl));
	out = malloc((n ? n : 1) * sizeof(*out));
	out2 = malloc((n ? n : 1) * sizeof(*out2));
	scratch = malloc(CS_ATTR_SCRATCH_LEN(n) * sizeof(*scratch));
	groups = malloc(256 * sizeof(*groups));
	if (!wl || !out || !out2 || !scratch || !groups)
		goto done;
	for (size_t i = 0; i < n; i++) {
		uint8_t flags = (uint8_t)take(&r, 1);

		wl[i].id = flags & 0x80 ? take(&r, 1) : take(&r, 8);
		wl[i].fresh = flags & 1;
		wl[i].gone = flags & 2;
		wl[i].ident.kind = (cs_wl_kind)((flags >> 2) % 7);
		wl[i].pid = (int)take(&r, 2);
		snprintf(wl[i].team, sizeof(wl[i].team), "t%u", (unsigned)(flags % 7));
		if (flags & 0x40)
			snprintf(wl[i].namespace_, sizeof(wl[i].namespace_), "ns%u", (unsigned)(flags % 3));
		snprintf(wl[i].cgroup, sizeof(wl[i].cgroup), "cg/%u", (unsigned)take(&r, 1));
		wl[i].cpu_usec = take_u64(&r);
		wl[i].mem_bytes = take_u64(&r);
		wl[i].gpu_util = take_double(&r);
		wl[i].cpu_request_cores = take_double(&r);
		wl[i].mem_request_bytes = take_double(&r);
	}

	want = (unsigned)node.policy >= CS_IDLE_NPOLICY ? CS_EINVAL : expected_rc(&node);
	memset(&res, 0x5a, sizeof(res));
	memset(out, 0x5a, (n ? n : 1) * sizeof(*out));
	res2 = res;
	memcpy(out2, out, (n ? n : 1) * sizeof(*out));
	rc = cs_attr_split(&node, wl, n, out, scratch, &res);
	if (rc != want)
		die("unexpected return code");
	if (rc != 0) {
		if (memcmp(&res, &res2, sizeof(res)) != 0 || memcmp(out, out2, (n ? n : 1) * sizeof(*out)) != 0)
			die("outputs written on error");
		goto done;
	}
	if (cs_attr_check_conservation(&res, out, n, why, sizeof(why)) != 0)
		die(why);
	if (cs_attr_split(&node, wl, n, out2, scratch, &res2) != 0 || memcmp(&res, &res2, sizeof(res)) != 0 ||
	    (n && memcmp(out, out2, n * sizeof(*out)) != 0))
		die("not deterministic");
	for (int by = 0; by < CS_BY_NKEYS; by++) {
		size_t ng = 0;

		if (cs_attr_rollup(wl, out, n, (cs_attr_by)by, groups, 256, index, 512, &ng) != 0)
			die("rollup failed");
		if (cs_attr_check_groups(&res, groups, ng, why, sizeof(why)) != 0)
			die(why);
	}

	cs_idle_tracker_init(&t);
	for (int k = 0; k < 3; k++) {
		double util[CS_PART_COUNT], idle_w[CS_PART_COUNT];

		for (int c = 0; c < CS_PART_COUNT; c++)
			util[c] = node.idle_j[c];
		cs_idle_tracker_observe(&t, node.energy_j, util, node.cpu_capacity_cores);
		cs_idle_tracker_get(&t, idle_w, NULL);
		for (int c = 0; c < CS_PART_COUNT; c++)
			if (!(idle_w[c] >= 0.0) || isnan(idle_w[c]))
				die("idle tracker estimate negative or NaN");
	}
done:
	free(wl);
	free(out);
	free(out2);
	free(scratch);
	free(groups);
	return 0;
}
