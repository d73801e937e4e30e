/* attribution/attribute.c - the joule-conserving split (see attribute.h and
 * docs/attribution.md for the model).
 *
 * Arithmetic. Every split hands an integer E (uJ) to n workloads and one
 * bucket by integer weights w_i and a denominator D >= sum(w_i) (the bucket
 * weighs D - sum(w_i)). Share i is floor(E * w_i / D); E < 2^60 and weights
 * are scaled below 2^62, so the product needs 128 bits. A 128/64 division
 * per workload costs 25-90 cycles, so the quotient is estimated in double
 * precision (exact to +-1 while E < 2^50, i.e. up to ~1e9 J per interval) and
 * corrected with one 128-bit multiply; larger energies take the exact
 * division. The remainders r_i = E * w_i mod D add up to L * D where L is the
 * number of uJ the floors left over (L < number of non-zero remainders);
 * those go one each to the L largest remainders, ties to the lower workload
 * id (the bucket last). A 256-bucket histogram of the remainders' top bits
 * finds the boundary bucket; an introselect (heapsort fallback, O(n log n)
 * worst case) ranks only the remainders inside it. The weights are gathered
 * once per interval into the caller's compact scratch, so the seven splits
 * do not walk the ~1 KB cs_workload structs.
 */
#include "attribution/attribute.h"
#include "core/str.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/index.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

#define W_LIMIT   (UINT64_C(1) << 62) /* denominators are scaled to at most this */
#define FAST_E    (UINT64_C(1) << 50) /* below it the double estimate is within +-1 */
#define GPU_UNITS 1000000u            /* gpu_util 0..1 in parts per million */
#define CPU_UNITS 1e6                 /* request cores in micro-cores */
#define HIST_BITS 8                   /* remainder histogram: 256 buckets */
#define HIST_SIZE (1u << HIST_BITS)

const char *const cs_idle_policy_names[CS_IDLE_NPOLICY] = {"requests", "usage", "equal", "none"};
const char *const cs_attr_by_names[CS_BY_NKEYS] = {"process", "cgroup",    "container", "pod",
                                                   "owner",   "namespace", "team",      "none"};
static const char *const src_names[] = {"none", "observed", "config", "model"};

CS_DEFINE_NAME_PARSE(cs_idle_policy, cs_idle_policy_name, cs_idle_policy_parse, cs_idle_policy_names, CS_IDLE_NPOLICY)

const char *cs_idle_source_name(cs_idle_source s)
{
	return cs_name_at(src_names, sizeof(src_names) / sizeof(src_names[0]), (unsigned)s, "?");
}

uint64_t cs_attr_share_total_uj(const cs_attr_share *s)
{
	uint64_t t = 0;

	for (int c = 0; c < CS_PART_COUNT; c++)
		t += s->active_uj[c] + s->idle_uj[c];
	return t;
}

/* ---- weights ------------------------------------------------------------------ */

/* What a split shares by: an index into cs_attr_slot.w, or KEY_ONE. */
typedef enum key {
	KEY_CPU = 0, /* cpu_usec (0 when fresh), capped by cpu_total_usec */
	KEY_MEM,     /* mem_bytes, capped by mem_total_bytes */
	KEY_GPU,     /* gpu_util in ppm, 0..1e6 */
	KEY_CPU_REQ, /* cpu_request_cores in micro-cores */
	KEY_MEM_REQ, /* mem_request_bytes */
	KEY_ONE,     /* 1 each */
	NKEYS = KEY_ONE
} key;

/* Non-negative finite double -> uint64, rounded, capped at W_LIMIT. */
static uint64_t d2w(double v)
{
	if (!(v > 0.0)) /* NaN, negative, zero */
		return 0;
	if (v >= (double)W_LIMIT)
		return W_LIMIT;
	return (uint64_t)(v + 0.5); /* v > 0: half away from zero */
}

/* One pass over the (large) workload structs: every weight into the compact
 * scratch, their sums, and the count of impossible figures clamped. */
static size_t gather(const cs_attr_node *node, const cs_workload *wl, size_t n, cs_attr_slot *s, u128 W[NKEYS])
{
	size_t clamped = 0;

	for (int k = 0; k < NKEYS; k++)
		W[k] = 0;
	for (size_t i = 0; i < n; i++) {
		const cs_workload *w = &wl[i];
		uint64_t *v = s[i].w;

		v[KEY_CPU] = w->fresh ? 0 : w->cpu_usec;
		if (node->cpu_total_usec && v[KEY_CPU] > node->cpu_total_usec) {
			v[KEY_CPU] = node->cpu_total_usec;
			clamped++;
		}
		v[KEY_MEM] = w->mem_bytes;
		if (node->mem_total_bytes && v[KEY_MEM] > node->mem_total_bytes) {
			v[KEY_MEM] = node->mem_total_bytes;
			clamped++;
		}
		if (!(w->gpu_util > 0.0))
			v[KEY_GPU] = 0;
		else
			v[KEY_GPU] = w->gpu_util >= 1.0 ? GPU_UNITS : (uint64_t)(w->gpu_util * GPU_UNITS + 0.5);
		v[KEY_CPU_REQ] = d2w(w->cpu_request_cores * CPU_UNITS);
		v[KEY_MEM_REQ] = d2w(w->mem_request_bytes);
		s[i].id = w->id;
		for (int k = 0; k < NKEYS; k++)
			W[k] += v[k];
	}
	return clamped;
}

/* ---- remainder selection ----------------------------------------------------- */

/* a ranks before b: larger remainder, then lower id (bucket last), then index. */
static inline int before(const cs_attr_rank *a, const cs_attr_rank *b)
{
	if (a->rem != b->rem)
		return a->rem > b->rem;
	if (a->tie != b->tie)
		return a->tie < b->tie;
	return a->idx < b->idx;
}

#define BEFORE(a, i, j) before(&(a)[i].rank, &(a)[j].rank)

static inline void swap_rank(cs_attr_slot *a, size_t i, size_t j)
{
	cs_attr_rank t = a[i].rank;

	a[i].rank = a[j].rank;
	a[j].rank = t;
}

static void sift_down(cs_attr_slot *a, size_t root, size_t m)
{
	for (;;) {
		size_t c = 2 * root + 1;

		if (c >= m)
			return;
		/* max-heap on "ranks after" */
		if (c + 1 < m && BEFORE(a, c, c + 1))
			c++;
		if (!BEFORE(a, root, c))
			return;
		swap_rank(a, root, c);
		root = c;
	}
}

/* Sorts the ranks of a[0..m) in "before" order; O(m log m), no recursion.
 * The heap's root is the rank ranking last, which each round moves to the
 * end. */
static void heap_sort(cs_attr_slot *a, size_t m)
{
	for (size_t i = m / 2; i-- > 0;)
		sift_down(a, i, m);
	for (size_t end = m; end-- > 1;) {
		swap_rank(a, 0, end);
		sift_down(a, 0, end);
	}
}

static void insertion_sort(cs_attr_slot *a, size_t m)
{
	for (size_t i = 1; i < m; i++) {
		cs_attr_rank x = a[i].rank;
		size_t j = i;

		while (j > 0 && before(&x, &a[j - 1].rank)) {
			a[j].rank = a[j - 1].rank;
			j--;
		}
		a[j].rank = x;
	}
}

/* Rearranges the ranks of a[0..m) so that a[0..k) hold the k first in
 * "before" order (0 < k < m). The order is strict (indices differ), so a
 * plain Lomuto partition around a median-of-three pivot is exact; after
 * 2 log2(m) + 8 rounds without converging (adversarial input) the rest is
 * heap-sorted, so the worst case stays O(m log m). */
static void select_top(cs_attr_slot *a, size_t m, size_t k)
{
	size_t lo = 0, hi = m;
	unsigned budget = 8;

	for (size_t x = m; x > 1; x >>= 1)
		budget += 2;
	while (hi - lo > 16) {
		size_t mid = lo + (hi - lo) / 2, p = lo;

		if (budget-- == 0) {
			heap_sort(a + lo, hi - lo);
			return;
		}
		/* median of three to a[hi - 1] */
		if (BEFORE(a, mid, lo))
			swap_rank(a, mid, lo);
		if (BEFORE(a, hi - 1, lo))
			swap_rank(a, hi - 1, lo);
		if (BEFORE(a, mid, hi - 1))
			swap_rank(a, mid, hi - 1);
		for (size_t i = lo; i < hi - 1; i++)
			if (BEFORE(a, i, hi - 1))
				swap_rank(a, i, p++);
		swap_rank(a, p, hi - 1);
		if (p == k || p + 1 == k)
			return;
		if (k < p)
			hi = p;
		else
			lo = p + 1;
	}
	insertion_sort(a + lo, hi - lo);
}

/* ---- one split --------------------------------------------------------------- */

typedef struct split_env {
	size_t n;
	cs_attr_share *out;
	cs_attr_slot *s; /* weights gathered, ranks free */
	u128 W[NKEYS];   /* sums of the weights */
} split_env;

static inline uint64_t *dst(const split_env *e, size_t i, bool idle, int c)
{
	return idle ? &e->out[i].idle_uj[c] : &e->out[i].active_uj[c];
}

static void zero_all(const split_env *e, bool idle, int c)
{
	for (size_t i = 0; i < e->n; i++)
		*dst(e, i, idle, c) = 0;
}

static inline uint64_t wt(const split_env *e, size_t i, key k)
{
	return k == KEY_ONE ? 1 : e->s[i].w[k];
}

/* floor(E * w / D) and the remainder; w <= D <= W_LIMIT, inv = 1.0 / D. */
static inline uint64_t muldiv(uint64_t E, uint64_t w, uint64_t D, double inv, uint64_t *rem)
{
	u128 p = (u128)E * w;
	uint64_t q;

	if (E < FAST_E) {
		s128 r;

		q = (uint64_t)((double)E * (double)w * inv);
		r = (s128)(p - (u128)q * D);
		while (r < 0) {
			q--;
			r += D;
		}
		while (r >= (s128)D) {
			q++;
			r -= D;
		}
		*rem = (uint64_t)r;
		return q;
	}
	q = (uint64_t)(p / D);
	*rem = (uint64_t)(p - (u128)q * D);
	return q;
}

/* One more uJ to workload idx, or to the bucket (idx == n). */
static inline void give_one(const split_env *e, uint32_t idx, bool idle, int c, uint64_t *qb)
{
	if (idx == e->n)
		(*qb)++;
	else
		(*dst(e, idx, idle, c))++;
}

/* Shares E among the workloads by key k over max(node_d, sum of weights).
 * The remainder weight goes to *bucket, everything to *empty when the
 * denominator is 0. With need_weight, returns 1 without writing anything if
 * every weight is 0 (the caller falls back to another key). */
static int split_one(const split_env *e, uint64_t E, key k, uint64_t node_d, bool idle, int c, uint64_t *bucket,
                     uint64_t *empty, bool need_weight)
{
	cs_attr_slot *s = e->s;
	u128 W = k == KEY_ONE ? (u128)e->n : e->W[k], Dw;
	uint64_t D, Wb, sumq = 0, qb = 0, rb = 0, left;
	unsigned shift = 0, hshift = 0;
	size_t n = e->n, m = 0;
	uint32_t hist[HIST_SIZE];
	double inv;

	if (need_weight && W == 0)
		return 1;
	Dw = W > node_d ? W : node_d;
	if (Dw == 0 || E == 0) {
		zero_all(e, idle, c);
		if (Dw == 0)
			*empty += E;
		return 0;
	}
	/* Scale weights and denominator down to W_LIMIT (only for absurd inputs:
	 * 2^62 us of CPU time is 146,000 years). */
	while ((Dw >> shift) > W_LIMIT)
		shift++;
	if (shift) {
		W = 0;
		for (size_t i = 0; i < n; i++)
			W += wt(e, i, k) >> shift;
		node_d >>= shift;
		Dw = W > node_d ? W : node_d;
	}
	D = (uint64_t)Dw;
	Wb = D - (uint64_t)W;
	inv = 1.0 / (double)D;
	/* Remainders are bucketed by their top HIST_BITS bits below D's width,
	 * so bucket order is remainder order; the winners are then every
	 * remainder in buckets above the boundary one plus a selection inside
	 * it (m / 256 entries for spread remainders, all of them when equal). */
	if (D - 1 >= HIST_SIZE) /* remainders are <= D - 1 */
		hshift = (unsigned)(64 - __builtin_clzll(D - 1)) - HIST_BITS;
	memset(hist, 0, sizeof(hist));
	for (size_t i = 0; i < n; i++) {
		uint64_t w = wt(e, i, k) >> shift, r, q;

		if (w == 0) {
			*dst(e, i, idle, c) = 0;
			continue;
		}
		q = muldiv(E, w, D, inv, &r);
		*dst(e, i, idle, c) = q;
		sumq += q;
		if (r) {
			s[m].rank.rem = r;
			s[m].rank.tie = s[i].id;
			s[m].rank.idx = (uint32_t)i;
			hist[r >> hshift]++;
			m++;
		}
	}
	if (Wb) {
		qb = muldiv(E, Wb, D, inv, &rb);
		if (rb) {
			s[m].rank.rem = rb;
			s[m].rank.tie = UINT64_MAX;
			s[m].rank.idx = (uint32_t)n;
			hist[rb >> hshift]++;
			m++;
		}
	}
	left = E - sumq - qb; /* = sum(r) / D < m */
	if (left >= m && left != 0) {
		/* cannot happen: the floors are within m of E */
		fprintf(stderr, "carbonstat: attribute: %llu uJ left over for %zu remainders\n",
		        (unsigned long long)left, m);
		abort();
	}
	if (left > 0) {
		size_t above = 0, kept = 0, bnd = HIST_SIZE;

		/* boundary bucket: the highest whose count takes us to `left` */
		while (bnd-- > 0 && above + hist[bnd] < left)
			above += hist[bnd];
		for (size_t j = 0; j < m; j++) {
			size_t b = (size_t)(s[j].rank.rem >> hshift);

			if (b > bnd)
				give_one(e, s[j].rank.idx, idle, c, &qb);
			else if (b == bnd)
				s[kept++].rank = s[j].rank;
		}
		/* left - above of the kept ones, by rank */
		if (left - above < kept)
			select_top(s, kept, (size_t)(left - above));
		for (size_t j = 0; j < left - above; j++)
			give_one(e, s[j].rank.idx, idle, c, &qb);
	}
	*bucket += qb;
	return 0;
}

/* ---- the split ------------------------------------------------------------------ */

static int to_uj(double j, uint64_t *out)
{
	if (!isfinite(j))
		return CS_EINVAL;
	if (j <= 0.0) {
		*out = 0;
		return 0;
	}
	if (j > CS_ATTR_MAX_ENERGY_J)
		return CS_ERANGE;
	*out = (uint64_t)llround(j * 1e6); /* half away from zero */
	return 0;
}

/* Active key and node denominator of a component (OTHER: CPU's). */
static key usage_key(const cs_attr_node *node, int c, uint64_t *node_d)
{
	switch (c) {
	case CS_PART_DRAM: *node_d = node->mem_used_bytes; return KEY_MEM;
	case CS_PART_GPU: *node_d = GPU_UNITS; return KEY_GPU;
	default: *node_d = node->cpu_busy_usec; return KEY_CPU;
	}
}

int cs_attr_split(const cs_attr_node *node, const cs_workload *wl, size_t n, cs_attr_share *out, cs_attr_slot *scratch,
                  cs_attr_result *res)
{
	uint64_t E[CS_PART_COUNT], I[CS_PART_COUNT];
	split_env env;

	if (!node || !res || (n && (!wl || !out || !scratch)) || (unsigned)node->policy >= CS_IDLE_NPOLICY)
		return CS_EINVAL;
	if (n > CS_ATTR_MAX_WORKLOADS)
		return CS_ERANGE;
	/* malformed (CS_EINVAL) wins over out of range, whatever the component */
	for (int c = 0; c < CS_PART_COUNT; c++)
		if (!isfinite(node->energy_j[c]) || node->energy_j[c] < 0.0 || !isfinite(node->idle_j[c]))
			return CS_EINVAL;
	for (int c = 0; c < CS_PART_COUNT; c++) {
		int rc;

		if ((rc = to_uj(node->energy_j[c], &E[c])) != 0)
			return rc;
		/* idle is clamped to 0..E, never an error once finite */
		I[c] = 0;
		if (c == CS_PART_OTHER)
			I[c] = E[c];
		else if (node->idle_j[c] > 0.0)
			I[c] = node->idle_j[c] >= node->energy_j[c] ? E[c] : (uint64_t)llround(node->idle_j[c] * 1e6);
		if (I[c] > E[c])
			I[c] = E[c];
	}

	memset(res, 0, sizeof(*res));
	env.n = n;
	env.out = out;
	env.s = scratch;
	res->clamped = gather(node, wl, n, scratch, env.W);
	for (int c = 0; c < CS_PART_COUNT; c++) {
		uint64_t node_d, *unattr = &res->idle_unattributed_uj[c];
		key uk = usage_key(node, c, &node_d);
		cs_idle_policy pol = node->policy;

		res->node_uj[c] = E[c];
		res->node_idle_uj[c] = I[c];

		/* active: by usage, the rest of the node's usage -> system */
		split_one(&env, E[c] - I[c], uk, node_d, false, c, &res->system.active_uj[c], &res->system.active_uj[c],
		          false);

		/* idle: by policy */
		if (pol == CS_IDLE_REQUESTS) {
			key rk = c == CS_PART_DRAM ? KEY_MEM_REQ : KEY_CPU_REQ;
			uint64_t cap =
			    c == CS_PART_DRAM ? node->mem_total_bytes : d2w(node->cpu_capacity_cores * CPU_UNITS);

			/* GPUs have no request in the contract; a node without
			 * any request (no kubelet) falls back to usage */
			if (c != CS_PART_GPU && split_one(&env, I[c], rk, cap, true, c, unattr, unattr, true) == 0) {
				res->idle_used[c] = CS_IDLE_REQUESTS;
				continue;
			}
			pol = CS_IDLE_USAGE;
		}
		res->idle_used[c] = pol;
		switch (pol) {
		case CS_IDLE_USAGE:
			split_one(&env, I[c], uk, node_d, true, c, &res->system.idle_uj[c], unattr, false);
			break;
		case CS_IDLE_EQUAL: split_one(&env, I[c], KEY_ONE, 0, true, c, unattr, unattr, false); break;
		default:
			zero_all(&env, true, c);
			*unattr += I[c];
			break;
		}
	}
#ifndef NDEBUG
	{
		char why[256];

		if (cs_attr_check_conservation(res, out, n, why, sizeof(why)) != 0) {
			fprintf(stderr, "carbonstat: attribute: %s\n", why);
			abort();
		}
	}
#endif
	return 0;
}

/* Sums the n shares at share, stride bytes apart (a share array, or the share
 * in each group), and checks them against the node's joules. */
static int check_sums(const cs_attr_result *res, const cs_attr_share *share, size_t n, size_t stride, const char *what,
                      char *why, size_t whycap)
{
	u128 act[CS_PART_COUNT] = {0}, idle[CS_PART_COUNT] = {0};
	const char *p = (const char *)share;

	for (size_t k = 0; k < n; k++, p += stride) {
		const cs_attr_share *s = (const cs_attr_share *)(const void *)p;

		for (int c = 0; c < CS_PART_COUNT; c++) {
			act[c] += s->active_uj[c];
			idle[c] += s->idle_uj[c];
		}
	}
	for (int c = 0; c < CS_PART_COUNT; c++) {
		u128 a = act[c] + res->system.active_uj[c];
		u128 i = idle[c] + res->system.idle_uj[c] + res->idle_unattributed_uj[c];

		if (a + i == res->node_uj[c] && i == res->node_idle_uj[c])
			continue;
		if (why && whycap)
			snprintf(
			    why, whycap,
			    "conservation: %s: %s %.0f + system %llu + idle-unattributed %llu = %.0f uJ, node %llu uJ "
			    "(idle %.0f of %llu)",
			    cs_part_name((cs_part)c), what, (double)(act[c] + idle[c]),
			    (unsigned long long)(res->system.active_uj[c] + res->system.idle_uj[c]),
			    (unsigned long long)res->idle_unattributed_uj[c], (double)(a + i),
			    (unsigned long long)res->node_uj[c], (double)i, (unsigned long long)res->node_idle_uj[c]);
		return CS_ERANGE;
	}
	return 0;
}

int cs_attr_check_conservation(const cs_attr_result *res, const cs_attr_share *shares, size_t n, char *why,
                               size_t whycap)
{
	if (!res || (n && !shares))
		return CS_EINVAL;
	return check_sums(res, shares, n, sizeof *shares, "workloads", why, whycap);
}

int cs_attr_check_groups(const cs_attr_result *res, const cs_attr_group *groups, size_t ngroups, char *why,
                         size_t whycap)
{
	if (!res || (ngroups && !groups))
		return CS_EINVAL;
	return check_sums(res, ngroups ? &groups->share : NULL, ngroups, sizeof *groups, "groups", why, whycap);
}

/* ---- idle power ------------------------------------------------------------------ */

int cs_attr_idle_from_model(const cs_host_model *m, double idle_w[CS_PART_COUNT])
{
	cs_power p;
	int rc;

	if (!m || !idle_w)
		return CS_EINVAL;
	if ((rc = cs_host_model_power(m, 0.0, 0.0, &p)) != 0)
		return rc;
	idle_w[CS_PART_CPU] = p.cpu_w;
	idle_w[CS_PART_DRAM] = p.mem_w;
	idle_w[CS_PART_GPU] = p.gpu_w;
	idle_w[CS_PART_OTHER] = p.other_w;
	return 0;
}

void cs_idle_tracker_init(cs_idle_tracker *t)
{
	memset(t, 0, sizeof(*t));
	t->low_util = 0.10;
	t->rise_per_h = 0.01;
	for (int c = 0; c < CS_PART_COUNT; c++) {
		t->config_w[c] = -1.0;
		t->est_w[c] = -1.0;
	}
}

void cs_idle_tracker_observe(cs_idle_tracker *t, const double power_w[CS_PART_COUNT], const double util[CS_PART_COUNT],
                             double dt_s)
{
	double rise;

	if (!t || !power_w || !util || !(dt_s > 0.0) || !isfinite(dt_s))
		return;
	/* (1 + r)^(dt / 1 h): the same total rise whatever the sampling period */
	rise = t->rise_per_h > 0.0 && isfinite(t->rise_per_h) ? exp(log1p(t->rise_per_h) * dt_s / 3600.0) : 1.0;
	for (int c = 0; c < CS_PART_COUNT; c++) {
		double p = power_w[c], u = util[c];

		if (t->est_w[c] >= 0.0 && isfinite(t->est_w[c] * rise))
			t->est_w[c] *= rise;
		/* 0 W is a failed read, not an idle node: a 0 would never re-rise */
		if (!(p > 0.0) || !isfinite(p))
			continue;
		/* idle cannot exceed what was drawn at any load: this bounds the
		 * re-rise on a node that stays busy for weeks */
		if (t->est_w[c] > p)
			t->est_w[c] = p;
		if (!(u >= 0.0 && u <= 1.0) || u > t->low_util)
			continue;
		t->low_obs[c]++;
		if (t->est_w[c] < 0.0 || p < t->est_w[c])
			t->est_w[c] = p;
	}
}

void cs_idle_tracker_get(const cs_idle_tracker *t, double idle_w[CS_PART_COUNT], cs_idle_source src[CS_PART_COUNT])
{
	for (int c = 0; c < CS_PART_COUNT; c++) {
		cs_idle_source s = CS_IDLE_SRC_NONE;
		double w = 0.0;

		if (t->config_w[c] >= 0.0 && isfinite(t->config_w[c])) {
			w = t->config_w[c];
			s = CS_IDLE_SRC_CONFIG;
		} else if (t->est_w[c] >= 0.0) {
			w = t->est_w[c];
			s = CS_IDLE_SRC_OBSERVED;
		}
		idle_w[c] = w;
		if (src)
			src[c] = s;
	}
}

/* ---- roll-up ------------------------------------------------------------------ */

CS_DEFINE_NAME_PARSE(cs_attr_by, cs_attr_by_name, cs_attr_by_parse, cs_attr_by_names, CS_BY_NKEYS)

/* Bounded string builder: no snprintf on the roll-up path. */
typedef struct sbuf {
	char *p;
	size_t len, cap;
	bool over;
} sbuf;

static void sb_str(sbuf *b, const char *s, size_t max)
{
	size_t k = strnlen(s, max);

	if (b->len + k >= b->cap) {
		b->over = true;
		return;
	}
	memcpy(b->p + b->len, s, k);
	b->len += k;
	b->p[b->len] = '\0';
}

static void sb_int(sbuf *b, int v)
{
	char t[16];
	unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
	size_t k = sizeof(t) - 1;

	t[k] = '\0';
	do {
		t[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		t[--k] = '-';
	sb_str(b, t + k, sizeof(t));
}

#define FIELD(b, f) sb_str((b), (f), sizeof(f))

static void label_cgroup(sbuf *b, const cs_workload *w)
{
	if (w->ident.kind == CS_WL_PROCESS || w->cgroup[0] == '\0') {
		sb_str(b, "pid:", 8);
		sb_int(b, w->pid);
	} else {
		FIELD(b, w->cgroup);
	}
}

int cs_attr_label(const cs_workload *w, cs_attr_by by, char *buf, size_t cap)
{
	sbuf b = {buf, 0, cap, false};

	if (!w || !buf || !cap || (unsigned)by >= CS_BY_NKEYS)
		return CS_EINVAL;
	buf[0] = '\0';
	switch (by) {
	case CS_BY_PROCESS:
		if (w->ident.kind == CS_WL_PROCESS) {
			FIELD(&b, w->comm);
			sb_str(&b, "[", 2);
			sb_int(&b, w->pid);
			sb_str(&b, "]", 2);
		} else {
			label_cgroup(&b, w);
		}
		break;
	case CS_BY_OWNER:
	case CS_BY_CONTAINER:
	case CS_BY_POD:
		if (by == CS_BY_OWNER && w->namespace_[0] && w->owner[0]) {
			FIELD(&b, w->namespace_);
			sb_str(&b, "/", 2);
			FIELD(&b, w->owner_kind);
			sb_str(&b, "/", 2);
			FIELD(&b, w->owner);
			break;
		}
		if (by == CS_BY_OWNER)
			by = CS_BY_POD; /* no owner known (yet): as its pod */
		if (w->namespace_[0] && w->pod_name[0] && (by == CS_BY_POD || w->container_name[0])) {
			FIELD(&b, w->namespace_);
			sb_str(&b, "/", 2);
			FIELD(&b, w->pod_name);
			if (by == CS_BY_CONTAINER) {
				sb_str(&b, "/", 2);
				FIELD(&b, w->container_name);
			}
		} else if (by == CS_BY_CONTAINER && w->container_name[0]) {
			FIELD(&b, w->container_name); /* named by its runtime, no pod */
		} else if (by == CS_BY_CONTAINER && w->ident.container_id[0]) {
			FIELD(&b, w->ident.container_id);
		} else if (by == CS_BY_POD && w->ident.pod_uid[0]) {
			FIELD(&b, w->ident.pod_uid);
		} else if (w->ident.unit[0]) {
			FIELD(&b, w->ident.unit);
		} else {
			label_cgroup(&b, w);
		}
		break;
	case CS_BY_CGROUP: label_cgroup(&b, w); break;
	case CS_BY_NONE: sb_str(&b, "all", 4); break;
	case CS_BY_TEAM:
	case CS_BY_NAMESPACE:
		if (by == CS_BY_TEAM && w->team[0])
			FIELD(&b, w->team);
		else if (w->namespace_[0])
			FIELD(&b, w->namespace_);
		else
			sb_str(&b, "(none)", 8);
		break;
	default: break;
	}
	if (b.over) {
		buf[0] = '\0';
		return CS_ERANGE;
	}
	return (int)b.len;
}

static uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = UINT64_C(1469598103934665603);

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

typedef struct group_key {
	uint64_t hash;
	const char *label;
} group_key;

static bool group_is(const void *ctx, uint32_t i, const void *want)
{
	const cs_attr_group *g = &((const cs_attr_group *)ctx)[i];
	const group_key *k = want;

	return g->hash == k->hash && strcmp(g->label, k->label) == 0;
}

int cs_attr_rollup(const cs_workload *wl, const cs_attr_share *shares, size_t n, cs_attr_by by, cs_attr_group *groups,
                   size_t cap, uint32_t *index, size_t index_len, size_t *ngroups)
{
	cs_index ix = {index, index_len}; /* the caller's slots */
	size_t ng = 0, mask = index_len - 1;

	if ((n && (!wl || !shares)) || !groups || !index || !ngroups || (unsigned)by >= CS_BY_NKEYS || index_len == 0 ||
	    (index_len & mask) != 0 || index_len <= cap || cap >= UINT32_MAX)
		return CS_EINVAL;
	cs_index_clear(&ix);
	for (size_t i = 0; i < n; i++) {
		char label[CS_ATTR_LABEL_MAX];
		int len = cs_attr_label(&wl[i], by, label, sizeof(label));
		group_key k;
		uint32_t found;
		size_t slot;
		cs_attr_group *g;

		if (len < 0)
			return len; /* cannot happen: every label fits */
		k.hash = fnv1a(label, (size_t)len);
		k.label = label;
		slot = cs_index_probe(&ix, k.hash, group_is, groups, &k, &found);
		if (found != CS_INDEX_NONE) {
			g = &groups[found];
		} else {
			if (ng == cap)
				return CS_ENOMEM;
			g = &groups[ng];
			memcpy(g->label, label, (size_t)len + 1);
			g->hash = k.hash;
			g->members = 0;
			memset(&g->share, 0, sizeof(g->share));
			cs_index_set(&ix, slot, (uint32_t)ng++);
		}
		g->members++;
		for (int c = 0; c < CS_PART_COUNT; c++) {
			g->share.active_uj[c] += shares[i].active_uj[c];
			g->share.idle_uj[c] += shares[i].idle_uj[c];
		}
	}
	*ngroups = ng;
	return 0;
}
