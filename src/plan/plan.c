/* plan/plan.c - the planner (see plan.h).
 *
 * Per group: the candidate types (cached per current type), each type's
 * throughput (cached per type), each type's relevant regions (cached per
 * type: the lowest-intensity allowed region, plus for every distinct known
 * price the lowest-intensity region at that price; at an equal or unknown
 * price a dirtier region of the same type is never better on either axis),
 * then one ranking figure per (type, region) from the model's pure
 * functions, the front, the recommendation, and cs_estimate_run for every
 * option reported. A 10,000-group fleet against every family and region of
 * three providers is ~4 M power evaluations: bench/bench_plan.sh.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/mem.h"
#include "core/why.h"
#include "plan/buf.h"
#include "plan/geo.h"
#include "plan/plan.h"

#define COUNT_MAX 10000000u
/* A group's work is count x utilisation; a fit computed from it must not
 * add an instance for a rounding error: 2.0000000001 instances is 2. */
#define FIT_EPS 1e-9

void plan_opts_init(plan_opts *o)
{
	memset(o, 0, sizeof *o);
	o->max_slowdown = -1;
}

const char *plan_objective_name(plan_objective o)
{
	return plan_word(PLAN_WORDS_OBJECTIVE, o);
}

const char *plan_status_name(plan_status s)
{
	return plan_word(PLAN_WORDS_STATUS, s);
}

/* An option while a group is planned: what ranking needs, no more (a group
 * weighs hundreds of them; the reported few become plan_options with
 * estimate's figures). */
typedef struct cand {
	const cs_instance *inst;
	const cs_region *region;
	unsigned count;
	double cpu_percent, cpu, speed;
	double price_per_hour, cost;
	double key_g, op_g, emb_g; /* ranking figures, checked against estimate's once reported */
	uint8_t speed_src, price_src, status, moves;
	bool emb_known;
} cand;

/* A relevant region of a type, with the type's price there. */
typedef struct reg_price {
	const cs_region *region;
	double price; /* < 0: none */
	uint8_t src;
} reg_price;

typedef struct ctx {
	const plan_opts *o;
	size_t ninst;
	const cs_region **allowed[CS_PROVIDER_COUNT]; /* owned */
	size_t nallowed[CS_PROVIDER_COUNT];
	/* by instance number */
	plan_speed *speed;
	uint8_t *speed_done;
	uint32_t *regs_at, *regs_n;
	uint8_t *regs_done;
	uint32_t *cand_at, *cand_n;
	uint8_t *cand_done;
	/* storage the caches point into */
	reg_price *regs;
	size_t nregs, cap_regs;
	const cs_instance **cands;
	size_t ncands, cap_cands;
	const cs_instance **tmp; /* one candidate list being built */
	size_t cap_tmp;
	/* one group's options, and its priced ranked ones for the front */
	cand *opt;
	size_t nopt, cap_opt;
	const cand **priced;
	size_t npriced, cap_priced;
	cs_pool mem; /* owns every array above */
} ctx;

/* The regions options may use, per provider: --regions, or --near, or all;
 * always with a known intensity. */
static int allowed_regions(ctx *x, plan_result *r)
{
	const plan_opts *o = x->o;
	double lat = 0, lon = 0;

	if (o->near && cs_region_coords(o->near, &lat, &lon, NULL))
		return CS_ENODATA;
	for (int p = 0; p < CS_PROVIDER_COUNT; p++) {
		x->allowed[p] = cs_pool_calloc(&x->mem, (cs_region_count() + 1), sizeof *x->allowed[p]);
		if (!x->allowed[p])
			return CS_ENOMEM;
	}
	for (size_t i = 0; i < cs_region_count(); i++) {
		const cs_region *reg = cs_region_at(i);
		int p = (int)cs_region_provider(reg);
		double la, lo;

		if (!(cs_region_intensity_g_per_kwh(reg) >= 0))
			continue;
		if (o->regions) {
			bool in = false;
			for (size_t k = 0; k < o->nregions && !in; k++)
				in = o->regions[k] == reg;
			if (!in)
				continue;
		} else if (o->near) {
			if (cs_region_coords(reg, &la, &lo, NULL)) {
				r->no_coords++;
				continue;
			}
			if (plan_great_circle_km(lat, lon, la, lo) > o->max_km)
				continue;
		}
		x->allowed[p][x->nallowed[p]++] = reg;
	}
	for (int p = 0; p < CS_PROVIDER_COUNT; p++)
		r->allowed[p] = x->nallowed[p];
	return 0;
}

static int ctx_init(ctx *x, const plan_opts *o, plan_result *r)
{
	memset(x, 0, sizeof *x);
	x->o = o;
	x->ninst = cs_instance_count();
	x->speed = cs_pool_calloc(&x->mem, x->ninst, sizeof *x->speed);
	x->speed_done = cs_pool_calloc(&x->mem, x->ninst, 1);
	x->regs_at = cs_pool_calloc(&x->mem, x->ninst, sizeof *x->regs_at);
	x->regs_n = cs_pool_calloc(&x->mem, x->ninst, sizeof *x->regs_n);
	x->regs_done = cs_pool_calloc(&x->mem, x->ninst, 1);
	x->cand_at = cs_pool_calloc(&x->mem, x->ninst, sizeof *x->cand_at);
	x->cand_n = cs_pool_calloc(&x->mem, x->ninst, sizeof *x->cand_n);
	x->cand_done = cs_pool_calloc(&x->mem, x->ninst, 1);
	x->cap_tmp = o->catalog->n + 2;
	x->tmp = cs_pool_calloc(&x->mem, x->cap_tmp, sizeof *x->tmp);
	if (!x->speed || !x->speed_done || !x->regs_at || !x->regs_n || !x->regs_done || !x->cand_at || !x->cand_n ||
	    !x->cand_done || !x->tmp)
		return CS_ENOMEM;
	return allowed_regions(x, r);
}

static const plan_speed *speed_of(ctx *x, const cs_instance *it, size_t num)
{
	if (!x->speed_done[num]) {
		plan_speed_of(x->o->perf, it, &x->speed[num]);
		x->speed_done[num] = 1;
	}
	return &x->speed[num];
}

static double price_of(const ctx *x, const cs_instance *it, const cs_region *reg, uint8_t *src)
{
	const plan_price *p = x->o->prices ? plan_prices_find(x->o->prices, it, reg) : NULL;

	*src = p ? p->src : PLAN_PRICE_NONE;
	return p ? p->per_hour : -1;
}

/* Lower intensity first; the table order breaks ties. */
static bool cleaner(const cs_region *a, const cs_region *b)
{
	return cs_region_intensity_g_per_kwh(a) < cs_region_intensity_g_per_kwh(b);
}

/* The relevant regions of a type (see the file comment), with its price
 * in each, cached. */
static int regions_of(ctx *x, const cs_instance *it, size_t num, const reg_price **out, size_t *n)
{
	if (!x->regs_done[num]) {
		int p = (int)cs_instance_provider(it);
		const cs_region *best = NULL;
		size_t at = x->nregs, k;

		for (size_t i = 0; i < x->nallowed[p]; i++) {
			const cs_region *reg = x->allowed[p][i];
			uint8_t src;
			double price = price_of(x, it, reg, &src);

			if (!best || cleaner(reg, best))
				best = reg;
			if (price < 0)
				continue;
			/* one region per distinct price: the cleanest */
			for (k = at; k < x->nregs && x->regs[k].price != price; k++)
				;
			if (k < x->nregs) {
				if (cleaner(reg, x->regs[k].region))
					x->regs[k] = (reg_price){reg, price, src};
				continue;
			}
			if (cs_pool_grow(&x->mem, &x->regs, &x->cap_regs, x->nregs + 1, sizeof *x->regs, 64))
				return CS_ENOMEM;
			x->regs[x->nregs++] = (reg_price){reg, price, src};
		}
		for (k = at; best && k < x->nregs && x->regs[k].region != best; k++)
			;
		if (best && k == x->nregs) {
			if (cs_pool_grow(&x->mem, &x->regs, &x->cap_regs, x->nregs + 1, sizeof *x->regs, 64))
				return CS_ENOMEM;
			x->regs[x->nregs++] = (reg_price){best, -1, PLAN_PRICE_NONE};
		}
		x->regs_at[num] = (uint32_t)at;
		x->regs_n[num] = (uint32_t)(x->nregs - at);
		x->regs_done[num] = 1;
	}
	*out = x->regs + x->regs_at[num];
	*n = x->regs_n[num];
	return 0;
}

/* The candidate types of a current type, cached. */
static int cands_of(ctx *x, const cs_instance *a, size_t num, const cs_instance ***out, size_t *n)
{
	if (!x->cand_done[num]) {
		unsigned providers = x->o->providers ? x->o->providers : 1u << cs_instance_provider(a);
		size_t k = plan_candidates(x->o->catalog, x->o->families, a, providers, x->tmp, x->cap_tmp);

		if (cs_pool_grow(&x->mem, &x->cands, &x->cap_cands, x->ncands + k, sizeof *x->cands, 64))
			return CS_ENOMEM;
		if (k)
			memcpy(x->cands + x->ncands, x->tmp, k * sizeof *x->tmp);
		x->cand_at[num] = (uint32_t)x->ncands;
		x->cand_n[num] = (uint32_t)k;
		x->ncands += k;
		x->cand_done[num] = 1;
	}
	*out = x->cands + x->cand_at[num];
	*n = x->cand_n[num];
	return 0;
}

/* Count and utilisation (%) for a type whose one instance carries
 * cap_ratio current instances' worth of work at 100 %... inverted: the
 * group's work in units of the new type at 100 % is count x u x cap_ratio,
 * cap_ratio = vcpu_A / (vcpu_B r). False if more than COUNT_MAX. */
static bool fit(const plan_group *g, double cap_ratio, double target, unsigned *n_out, double *pct_out)
{
	double work = (double)g->count * g->cpu * cap_ratio, n, pct;

	if (target > 0)
		n = ceil(work / target - FIT_EPS);
	else
		n = work <= (double)g->count * (1 + FIT_EPS) ? (double)g->count : ceil(work - FIT_EPS);
	if (n < 1)
		n = 1;
	if (!(n <= COUNT_MAX))
		return false;
	pct = round(work / n * 100.0 * 1e6) / 1e6;
	*n_out = (unsigned)n;
	*pct_out = pct > 100.0 ? 100.0 : pct;
	return true;
}

static int push(ctx *x, const cand *c)
{
	if (cs_pool_grow(&x->mem, &x->opt, &x->cap_opt, x->nopt + 1, sizeof *x->opt, 64))
		return CS_ENOMEM;
	x->opt[x->nopt++] = *c;
	return 0;
}

static uint8_t moves_of(const plan_group *g, const cand *o)
{
	uint8_t m = 0;

	if (o->region != g->region)
		m |= PLAN_MOVE_REGION;
	if (o->inst != g->inst)
		m |= PLAN_MOVE_TYPE;
	if (cs_instance_provider(o->inst) != cs_instance_provider(g->inst))
		m |= PLAN_MOVE_PROVIDER;
	if (o->count != g->count)
		m |= PLAN_MOVE_COUNT;
	return m;
}

/* The request estimate gets for an option: the same words a user would
 * type (names, --cpu as printed, --duration <hours>h, --count). */
static void option_req(const plan_group *g, const plan_option *o, double cpu, cs_estimate_req *req)
{
	cs_estimate_req_init(req);
	req->provider = cs_instance_provider(o->inst);
	req->instance = cs_instance_name(o->inst);
	req->region = cs_region_name(o->region);
	req->cpu = cpu;
	req->duration_s = g->hours * 3600.0;
	req->count = o->count;
}

void plan_option_req(const plan_group *g, const plan_option *o, cs_estimate_req *req)
{
	option_req(g, o, o->cpu, req);
}

/* The reported option of a candidate: its figures by cs_estimate_run,
 * checked against the ranking figures. */
static int report(const plan_group *g, const cand *c, plan_option *o, plan_result *r, char *why, size_t cap)
{
	cs_estimate_req req;
	int rc;

	memset(o, 0, sizeof *o);
	o->inst = c->inst;
	o->region = c->region;
	o->count = c->count;
	o->cpu_percent = c->cpu_percent;
	o->cpu = c->cpu;
	o->speed = c->speed;
	o->speed_src = c->speed_src;
	o->price_src = c->price_src;
	o->status = c->status;
	o->moves = c->moves;
	o->emb_known = c->emb_known;
	o->price_per_hour = c->price_per_hour;
	o->cost = c->cost;
	o->key_g = c->key_g;
	option_req(g, o, c->cpu, &req);
	rc = cs_estimate_run(&req, &o->est);
	if (rc) {
		cs_set_why(why, cap, "estimate of %s %s in %s: %s", cs_provider_name(req.provider), req.instance,
		           req.region, cs_strerror(rc));
		return rc;
	}
	if (o->est.operational_g != c->op_g || o->est.embodied_g != c->emb_g)
		r->mismatches++;
	for (size_t i = 0; i < r->nintensity_sets; i++)
		if (r->intensity_sets[i] == o->est.prov.intensity)
			return 0;
	if (o->est.prov.intensity && r->nintensity_sets < sizeof r->intensity_sets / sizeof r->intensity_sets[0])
		r->intensity_sets[r->nintensity_sets++] = o->est.prov.intensity;
	return 0;
}

/* Ranking figures of b at utilisation cpu (fraction) on n instances, in
 * region reg: what cs_estimate_run computes, from the same functions. */
static int rank_fig(const plan_group *g, const cs_instance *b, double cpu, unsigned n, const cs_region *reg,
                    double *op_g, double *emb_g)
{
	cs_util u = {cpu, -1, -1};
	cs_power pw;
	double dur_s = g->hours * 3600.0, kwh;
	int rc = cs_instance_power(b, &u, &pw);

	if (rc)
		return rc;
	kwh = cs_energy_kwh(pw.total_w, dur_s, cs_pue_default(cs_instance_provider(b)), n);
	*op_g = cs_operational_g(kwh, cs_region_intensity_g_per_kwh(reg));
	*emb_g = cs_embodied_g(cs_instance_embodied_g_per_h(b), dur_s, n);
	return 0;
}

/* Fills a candidate's ranking fields; price_per_hour < 0: none. */
static int make_cand(const plan_group *g, uint8_t basis, const cs_instance *b, const cs_region *reg, unsigned n,
                     double pct, double cpu, double price, uint8_t price_src, cand *c)
{
	int rc;

	memset(c, 0, sizeof *c);
	c->inst = b;
	c->region = reg;
	c->count = n;
	c->cpu_percent = pct;
	c->cpu = cpu;
	c->emb_known = cs_instance_embodied_dataset(b) != NULL;
	rc = rank_fig(g, b, cpu, n, reg, &c->op_g, &c->emb_g);
	if (rc)
		return rc;
	c->key_g = basis == PLAN_BASIS_TOTAL ? c->op_g + c->emb_g : c->op_g;
	c->price_per_hour = price;
	c->price_src = price >= 0 ? price_src : PLAN_PRICE_NONE;
	c->cost = price >= 0 ? price * g->hours * n : -1;
	c->moves = moves_of(g, c);
	return 0;
}

/* Orders options: lower carbon, then known and lower cost, then fewer
 * moves, then names. */
static int cand_cmp(const void *pa, const void *pb)
{
	const cand *a = pa, *b = pb;
	int c;

	if (a->key_g != b->key_g)
		return a->key_g < b->key_g ? -1 : 1;
	if ((a->cost >= 0) != (b->cost >= 0))
		return a->cost >= 0 ? -1 : 1;
	if (a->cost != b->cost)
		return a->cost < b->cost ? -1 : 1;
	if (a->moves != b->moves)
		return a->moves < b->moves ? -1 : 1;
	if ((c = strcmp(cs_instance_name(a->inst), cs_instance_name(b->inst))))
		return c;
	if ((c = strcmp(cs_region_name(a->region), cs_region_name(b->region))))
		return c;
	return a->count < b->count ? -1 : a->count > b->count;
}

/* All options of one group into x->opt, keep first; counts into gr. */
static int build_options(ctx *x, const plan_group *g, uint8_t basis, plan_group_result *gr)
{
	const plan_opts *o = x->o;
	const cs_instance *a = g->inst, **types;
	size_t na = plan_instance_number(o->catalog, a), nt;
	const plan_speed *sa;
	uint8_t keep_src = PLAN_PRICE_INVENTORY;
	/* the group's own price, else the book's for its type and region */
	double keep_price = g->price_per_hour >= 0 ? g->price_per_hour : price_of(x, a, g->region, &keep_src);
	cand c;
	int rc;

	x->nopt = 0;
	rc = make_cand(g, basis, a, g->region, g->count, g->cpu_percent, g->cpu, keep_price, keep_src, &c);
	if (rc)
		return rc;
	c.speed = 1;
	c.speed_src = PLAN_SPEED_SAME;
	if ((rc = push(x, &c)) || (rc = cands_of(x, a, na, &types, &nt)))
		return rc;
	sa = speed_of(x, a, na);
	for (size_t t = 0; t < nt; t++) {
		const cs_instance *b = types[t];
		size_t nb = plan_instance_number(o->catalog, b), nr;
		const reg_price *regs;
		double ratio = 1, pct;
		unsigned n;
		uint8_t status = PLAN_RANKED;
		plan_speed_src src = plan_speed_ratio(a, sa, b, speed_of(x, b, nb), &ratio);

		if (src == PLAN_SPEED_UNKNOWN) {
			status = PLAN_NO_PERF;
			ratio = 1; /* only to show what it would be at equal throughput */
		} else if (o->max_slowdown >= 0 && ratio < 1 - o->max_slowdown) {
			status = PLAN_TOO_SLOW;
		} else if (basis == PLAN_BASIS_TOTAL && !cs_instance_embodied_dataset(b)) {
			status = PLAN_NO_EMBODIED;
		}
		if (!fit(g, (double)cs_instance_vcpu(a) / ((double)cs_instance_vcpu(b) * ratio), o->target_cpu, &n,
		         &pct))
			continue;
		if ((rc = regions_of(x, b, nb, &regs, &nr)))
			return rc;
		for (size_t k = 0; k <= nr; k++) {
			/* the type's relevant regions, and its own region for the current type */
			reg_price rp = k < nr ? regs[k] : (reg_price){b == a ? g->region : NULL, keep_price, keep_src};
			bool dup = false;

			if (!rp.region)
				continue;
			for (size_t j = 0; k == nr && j < nr && !dup; j++)
				dup = regs[j].region == rp.region;
			if (dup || (b == a && rp.region == g->region && n == g->count))
				continue; /* that is keep */
			if (b == a && rp.region == g->region) {
				rp.price = keep_price; /* rightsized in place: the group's price */
				rp.src = keep_src;
			}
			if ((rc = make_cand(g, basis, b, rp.region, n, pct, pct / 100.0, rp.price, rp.src, &c)))
				return rc;
			c.speed = src == PLAN_SPEED_UNKNOWN ? -1 : ratio;
			c.speed_src = (uint8_t)src;
			c.status = status;
			gr->options++;
			gr->no_perf += status == PLAN_NO_PERF;
			gr->too_slow += status == PLAN_TOO_SLOW;
			gr->no_embodied += status == PLAN_NO_EMBODIED;
			if ((rc = push(x, &c)))
				return rc;
		}
	}
	return 0;
}

static int cand_ptr_cmp(const void *pa, const void *pb)
{
	return cand_cmp(*(const cand *const *)pa, *(const cand *const *)pb);
}

static bool before(const cand *a, const cand *b)
{
	return cand_cmp(a, b) < 0;
}

/* The recommended option (x->opt[0] is keep). */
static const cand *recommend(const ctx *x, plan_group_result *gr)
{
	const cand *keep = &x->opt[0], *best = NULL;
	plan_objective obj = x->o->objective;
	double best_v = 0;

	if (obj != PLAN_OBJ_CARBON && !(keep->cost > 0 && keep->key_g > 0)) {
		gr->rec_how = PLAN_REC_CARBON_NO_COST;
		obj = PLAN_OBJ_CARBON;
	}
	for (size_t i = 0; i < x->nopt; i++) {
		const cand *o = &x->opt[i];
		double v;

		if (o->status != PLAN_RANKED)
			continue;
		if (obj == PLAN_OBJ_CARBON)
			v = o->key_g;
		else if (o->cost < 0)
			continue;
		else if (obj == PLAN_OBJ_COST)
			v = o->cost;
		else
			v = o->key_g / keep->key_g + o->cost / keep->cost;
		if (!best || v < best_v || (v == best_v && before(o, best))) {
			best = o;
			best_v = v;
		}
	}
	return best ? best : keep;
}

static int add_front(plan_result *r, const plan_option *o)
{
	if (cs_pool_grow(&r->mem, &r->options, &r->cap_options, r->noptions + 1, sizeof *r->options, 64))
		return CS_ENOMEM;
	r->options[r->noptions++] = *o;
	return 0;
}

/* The exact figures of an option on the group's basis. */
static double basis_g(uint8_t basis, const cs_estimate *e)
{
	return basis == PLAN_BASIS_TOTAL ? e->total_g : e->operational_g;
}

/* rec - current, in three steps (plan.h, docs/plan.md). */
static int split(const plan_group *g, const plan_option *cur, const plan_option *rec, uint8_t basis, plan_split *s,
                 char *why, size_t cap)
{
	cs_estimate_req req;
	cs_estimate e1, e2;
	plan_option mid;
	double ratio, pct, k0 = basis_g(basis, &cur->est), k1, k2, k3 = basis_g(basis, &rec->est);
	unsigned n;
	int rc;

	memset(s, 0, sizeof *s);
	if (rec->inst == cur->inst && rec->region == cur->region && rec->count == cur->count)
		return 0;
	/* 1. grid: the current type, count and load under the new intensity and PUE */
	option_req(g, cur, g->cpu, &req);
	req.region = NULL;
	req.intensity_override = cs_region_intensity_g_per_kwh(rec->region);
	req.pue = cs_pue_default(cs_instance_provider(rec->inst));
	if ((rc = cs_estimate_run(&req, &e1)))
		goto fail;
	k1 = basis_g(basis, &e1);
	/* 2. hardware: the new type there, same count unless the work does not fit */
	ratio = rec->speed > 0 ? rec->speed : 1;
	mid = *rec;
	if (rec->inst == cur->inst) {
		k2 = k1;
	} else {
		if (!fit(g, (double)cs_instance_vcpu(cur->inst) / ((double)cs_instance_vcpu(rec->inst) * ratio), 0, &n,
		         &pct))
			return CS_ERANGE;
		mid.count = n;
		option_req(g, &mid, pct / 100.0, &req);
		if ((rc = cs_estimate_run(&req, &e2)))
			goto fail;
		k2 = basis_g(basis, &e2);
	}
	s->grid_g = k1 - k0;
	s->hardware_g = k2 - k1;
	s->rightsizing_g = k3 - k2;
	return 0;
fail:
	cs_set_why(why, cap, "decomposition of %s -> %s: %s", cs_instance_name(cur->inst), cs_instance_name(rec->inst),
	           cs_strerror(rc));
	return rc;
}

static void totals_add(plan_totals *t, const plan_option *o)
{
	t->op_g += o->est.operational_g;
	t->emb_g += o->est.embodied_g;
	t->total_g += o->est.total_g;
	t->groups++;
	if (o->cost >= 0)
		t->cost += o->cost;
	else
		t->unpriced++;
	if (!o->emb_known)
		t->no_embodied++;
}

static plan_place *place_of(plan_result *r, const cs_region *reg)
{
	for (size_t i = 0; i < r->nplaces; i++)
		if (r->places[i].region == reg)
			return &r->places[i];
	return NULL;
}

/* Whether an unranked option shows what one unknown hides: its other
 * figures are known. */
static bool unranked_shown(const cand *c, uint8_t basis)
{
	if (c->status == PLAN_NO_EMBODIED)
		return true;
	return c->status == PLAN_NO_PERF && (c->emb_known || basis == PLAN_BASIS_OPERATIONAL);
}

static int plan_group_run(ctx *x, const plan_group *g, plan_group_result *gr, plan_result *r, char *why, size_t cap)
{
	uint8_t basis = cs_instance_embodied_dataset(g->inst) ? PLAN_BASIS_TOTAL : PLAN_BASIS_OPERATIONAL;
	const cand *best = NULL, *unranked = NULL, *rec;
	double best_cost = INFINITY;
	plan_option o;
	int rc;

	memset(gr, 0, sizeof *gr);
	gr->g = g;
	gr->basis = basis;
	if ((rc = build_options(x, g, basis, gr))) {
		cs_set_why(why, cap, "%s line %u: %s", cs_instance_name(g->inst), g->line, cs_strerror(rc));
		return rc;
	}
	/* one pass: the cleanest ranked, the cleanest unranked shown, the priced ranked */
	x->npriced = 0;
	for (size_t i = 0; i < x->nopt; i++) {
		const cand *c = &x->opt[i];
		if (c->status != PLAN_RANKED) {
			if (unranked_shown(c, basis) && (!unranked || before(c, unranked)))
				unranked = c;
			continue;
		}
		if (!best || before(c, best))
			best = c;
		if (c->cost >= 0) {
			if (cs_pool_grow(&x->mem, &x->priced, &x->cap_priced, x->npriced + 1, sizeof *x->priced, 64))
				return CS_ENOMEM;
			x->priced[x->npriced++] = c;
		}
	}
	/* the front: priced options, each cheaper than every cleaner one; an
	 * unpriced option cleaner than all of them first, to show what carbon
	 * alone could reach */
	if (x->npriced > 1) /* qsort may not take the NULL of an empty array */
		qsort(x->priced, x->npriced, sizeof *x->priced, cand_ptr_cmp);
	gr->front_at = r->noptions;
	if (best && best->cost < 0) {
		if ((rc = report(g, best, &o, r, why, cap)) || (rc = add_front(r, &o)))
			return rc;
		gr->nfront++;
	}
	for (size_t i = 0; i < x->npriced; i++) {
		const cand *c = x->priced[i];
		if (!(c->cost < best_cost))
			continue;
		best_cost = c->cost;
		if ((rc = report(g, c, &o, r, why, cap)) || (rc = add_front(r, &o)))
			return rc;
		gr->nfront++;
	}
	if ((rc = report(g, &x->opt[0], &gr->current, r, why, cap)))
		return rc;
	rec = recommend(x, gr);
	if ((rc = report(g, rec, &gr->rec, r, why, cap)))
		return rc;
	if (unranked && unranked->key_g < rec->key_g && (rc = report(g, unranked, &gr->unranked, r, why, cap)))
		return rc;
	return split(g, &gr->current, &gr->rec, basis, &gr->split, why, cap);
}

static int summarise(plan_result *r)
{
	size_t nreg = cs_region_count();

	r->places = cs_pool_calloc(&r->mem, nreg, sizeof *r->places);
	if (!r->places)
		return CS_ENOMEM;
	/* every region that has a group before or after, in table order */
	for (size_t i = 0; i < nreg; i++) {
		const cs_region *reg = cs_region_at(i);
		bool used = false;
		for (size_t k = 0; k < r->n && !used; k++)
			used = r->groups[k].current.region == reg || r->groups[k].rec.region == reg;
		if (used)
			r->places[r->nplaces++].region = reg;
	}
	for (size_t k = 0; k < r->n; k++) {
		const plan_group_result *gr = &r->groups[k];
		totals_add(&r->before, &gr->current);
		totals_add(&r->after, &gr->rec);
		totals_add(&place_of(r, gr->current.region)->before, &gr->current);
		totals_add(&place_of(r, gr->rec.region)->after, &gr->rec);
		if (gr->current.cost >= 0 && gr->rec.cost >= 0) {
			r->cost_before += gr->current.cost;
			r->cost_after += gr->rec.cost;
			r->priced_both++;
		}
		r->split.grid_g += gr->split.grid_g;
		r->split.hardware_g += gr->split.hardware_g;
		r->split.rightsizing_g += gr->split.rightsizing_g;
		r->key_before_g += basis_g(gr->basis, &gr->current.est);
		r->operational_basis += gr->basis == PLAN_BASIS_OPERATIONAL;
	}
	return 0;
}

int plan_run(const plan_inventory *inv, const plan_opts *o, plan_result *out, char *why, size_t cap)
{
	plan_result r;
	ctx x;
	int rc;

	memset(&r, 0, sizeof r);
	if (!o->catalog) {
		cs_set_why(why, cap, "plan: no catalog");
		return CS_EINVAL;
	}
	rc = ctx_init(&x, o, &r);
	if (rc == CS_ENODATA)
		cs_set_why(why, cap, "--near %s: the region table has no coordinates for it", cs_region_name(o->near));
	else if (rc)
		cs_set_why(why, cap, "plan: out of memory");
	if (!rc) {
		r.groups = cs_pool_calloc(&r.mem, inv->n, sizeof *r.groups);
		if (!r.groups) {
			rc = CS_ENOMEM;
			cs_set_why(why, cap, "plan: out of memory for %zu groups", inv->n);
		}
	}
	for (size_t i = 0; !rc && i < inv->n; i++) {
		rc = plan_group_run(&x, &inv->g[i], &r.groups[i], &r, why, cap);
		r.n += !rc;
	}
	if (!rc && (rc = summarise(&r)))
		cs_set_why(why, cap, "plan: out of memory");
	cs_pool_free(&x.mem);
	if (rc) {
		plan_result_free(&r);
		return rc;
	}
	*out = r;
	return 0;
}

void plan_result_free(plan_result *r)
{
	if (!r)
		return;
	cs_pool_free(&r->mem);
	*r = (plan_result){0};
}
