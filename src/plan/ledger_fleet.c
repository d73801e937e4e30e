/* plan/ledger_fleet.c - the ledger's observed fleet as a plan inventory (see
 * ledger_fleet.h): node totals of a month read in one snapshot, resolved to
 * built-in types and regions, sorted by (type, region) and folded into
 * groups, then priced from the bill's unit prices or the ledger's costs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>
#include <carbonstat/model.h>

#include "core/str.h"
#include "core/why.h"
#include "plan/buf.h"
#include "plan/ledger_fleet.h"

#define NOTE_EXAMPLES 3 /* node names quoted per reason left out */

/* One node's month, resolved. */
typedef struct lf_node {
	const cs_instance *inst;
	const cs_region *region;
	char provider[16], instance[128], region_name[64]; /* as the ledger spells them: unit price keys */
	int64_t cpu_uj, covered_ms, hours, cost_micro;
	bool all_priced; /* every node-hour has a cost */
} lf_node;

/* Why nodes were left out. */
enum { LF_NO_TYPE, LF_UNKNOWN_TYPE, LF_NO_REGION, LF_UNKNOWN_REGION, LF_NO_INTENSITY, LF_NO_DATA, LF_N };

static const char *const lf_reason[LF_N] = {
    [LF_NO_TYPE] = "no instance type",
    [LF_UNKNOWN_TYPE] = "an instance type not in the tables",
    [LF_NO_REGION] = "no region",
    [LF_UNKNOWN_REGION] = "a region not in the tables",
    [LF_NO_INTENSITY] = "a region without a grid intensity",
    [LF_NO_DATA] = "no sample covering any time",
};

typedef struct lf_ctx {
	lf_node *v;
	size_t n, cap;
	size_t nodes;       /* nodes seen */
	size_t out[LF_N];   /* nodes left out, by reason */
	char ex[LF_N][160]; /* the first few of them: "c1/n7 (m5.huge)" */
	int64_t out_hours;  /* their node-hours */
	int oom;
} lf_ctx;

int plan_cpu_for_watts(const cs_instance *inst, double cpu_w, double *u, int *clamped)
{
	cs_util x = {0, -1, -1};
	cs_power lo, hi, mid;
	double a = 0, b = 1;
	int rc;

	*clamped = 0;
	if ((rc = cs_instance_power(inst, &x, &lo)))
		return rc;
	x.cpu = 1;
	if ((rc = cs_instance_power(inst, &x, &hi)))
		return rc;
	if (!(cpu_w > lo.cpu_w)) {
		*clamped = cpu_w < lo.cpu_w;
		*u = 0;
		return 0;
	}
	if (!(cpu_w < hi.cpu_w)) {
		*clamped = cpu_w > hi.cpu_w;
		*u = 1;
		return 0;
	}
	/* cpu_w(u) is non-decreasing (Teads curves, CCF min/max): 60 halvings
	 * reach a double's resolution on [0, 1] */
	for (int i = 0; i < 60; i++) {
		x.cpu = (a + b) / 2;
		if ((rc = cs_instance_power(inst, &x, &mid)))
			return rc;
		if (mid.cpu_w < cpu_w)
			a = x.cpu;
		else
			b = x.cpu;
	}
	*u = (a + b) / 2;
	return 0;
}

static void left_out(lf_ctx *c, int why, const cs_lg_node_total *t, const char *what)
{
	c->out[why]++;
	c->out_hours += t->hours;
	if (c->out[why] <= NOTE_EXAMPLES)
		plan_appendf(c->ex[why], sizeof c->ex[why], "%s%s/%s%s%s%s", c->out[why] > 1 ? ", " : "", t->cluster,
		             t->node, *what ? " (" : "", what, *what ? ")" : "");
}

/* Finds a node's type and region in the tables: LF_N, or why it is left
 * out (*what: the name that was not found, or ""). */
static int node_place(const cs_lg_node_total *t, lf_node *n, const char **what)
{
	*what = "";
	if (!*t->instance)
		return LF_NO_TYPE;
	*what = t->instance;
	if (!(n->inst = cs_instance_find(cs_provider_parse(t->provider), t->instance)))
		return LF_UNKNOWN_TYPE;
	*what = "";
	if (!*t->region)
		return LF_NO_REGION;
	*what = t->region;
	if (!(n->region = cs_region_find(cs_instance_provider(n->inst), t->region)))
		return LF_UNKNOWN_REGION;
	if (!(cs_region_intensity_g_per_kwh(n->region) >= 0))
		return LF_NO_INTENSITY;
	*what = "";
	return t->covered_ms <= 0 || t->hours <= 0 ? LF_NO_DATA : LF_N;
}

static int node_cb(void *ud, const cs_lg_node_total *t)
{
	lf_ctx *c = ud;
	lf_node n = {0};
	const char *what;
	int why;

	c->nodes++;
	if ((why = node_place(t, &n, &what)) != LF_N) {
		left_out(c, why, t, what);
		return 0;
	}
	cs_strcpy_fit(n.provider, sizeof n.provider, t->provider);
	cs_strcpy_fit(n.instance, sizeof n.instance, t->instance);
	cs_strcpy_fit(n.region_name, sizeof n.region_name, t->region);
	n.cpu_uj = t->energy_uj[CS_PART_CPU];
	n.covered_ms = t->covered_ms;
	n.hours = t->hours;
	n.cost_micro = t->cost_micro;
	n.all_priced = t->priced_hours == t->hours;
	if (plan_grow((void **)&c->v, &c->cap, c->n, sizeof *c->v)) {
		c->oom = 1;
		return CS_ENOMEM;
	}
	c->v[c->n++] = n;
	return 0;
}

/* By provider, type name, region name: the order groups are listed in. */
static int node_cmp(const void *pa, const void *pb)
{
	const lf_node *a = pa, *b = pb;
	int d = (int)cs_instance_provider(a->inst) - (int)cs_instance_provider(b->inst);

	if (!d)
		d = strcmp(cs_instance_name(a->inst), cs_instance_name(b->inst));
	if (!d)
		d = strcmp(cs_region_name(a->region), cs_region_name(b->region));
	return d;
}

/* The bill's unit price of a group valid at the end of the month, else at
 * its start: 1 found (in the plan's currency), 0 none, < 0 error. */
static int bill_price(cs_lg_store *s, const lf_node *n, const cs_lg_period *p, char currency[4], double *price,
                      size_t *other_currency)
{
	const int64_t at[2] = {p->end - CS_LG_HOUR_S, p->start};
	char cur[8], src[160];

	for (int i = 0; i < 2; i++) {
		int rc =
		    cs_lg_unit_price(s, n->provider, n->instance, n->region_name, at[i], price, cur, src, sizeof src);
		if (rc <= 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		if (!(*price >= 0) || strlen(cur) != 3)
			continue;
		if (!currency[0])
			memcpy(currency, cur, 4);
		if (strcmp(currency, cur)) {
			(*other_currency)++;
			return 0;
		}
		return 1;
	}
	return 0;
}

int plan_inventory_from_store(cs_lg_store *s, const cs_lg_period *p, plan_inventory *inv, char *why, size_t cap)
{
	const double period_h = (double)(p->end - p->start) / CS_LG_HOUR_S;
	lf_ctx c = {0};
	char ledger_cur[8] = "";
	size_t from_bill = 0, from_costs = 0, other_currency = 0, clamped = 0, no_model = 0;
	int64_t hours_total = 0;
	int rc;

	memset(inv, 0, sizeof *inv);
	if ((rc = cs_lg_begin_read(s))) {
		cs_set_why(why, cap, "%s", cs_lg_why(s));
		return rc;
	}
	rc = cs_lg_get_currency(s, ledger_cur);
	if (!rc)
		rc = cs_lg_read_node_totals(s, p->start, p->end, node_cb, &c);
	if (rc) {
		cs_set_why(why, cap, "%s", c.oom ? "ledger: out of memory reading node totals" : cs_lg_why(s));
		goto out;
	}
	if (c.n)
		qsort(c.v, c.n, sizeof *c.v, node_cmp);
	for (size_t i = 0, j; i < c.n; i = j) {
		int64_t cpu_uj = 0, covered_ms = 0, hours = 0, cost = 0;
		bool all_priced = true;
		plan_group g = {0};
		double u = 0, price = -1;
		int clamp = 0, r;

		for (j = i; j < c.n && !node_cmp(&c.v[i], &c.v[j]); j++) {
			cpu_uj += c.v[j].cpu_uj;
			covered_ms += c.v[j].covered_ms;
			hours += c.v[j].hours;
			cost += c.v[j].cost_micro;
			all_priced &= c.v[j].all_priced;
		}
		g.inst = c.v[i].inst;
		g.region = c.v[i].region;
		r = plan_cpu_for_watts(g.inst, (double)cpu_uj / 1e6 / ((double)covered_ms / 1e3), &u, &clamp);
		if (r) { /* no power model: estimate could not compute it either */
			no_model += j - i;
			continue;
		}
		clamped += clamp ? 1 : 0;
		/* rounded to 1e-6 %, as the planner rounds its utilisations: the
		 * figure printed is the one computed with */
		g.cpu_percent = round(u * 1e8) / 1e6;
		g.cpu = g.cpu_percent / 100.0;
		g.count = (unsigned)ceil((double)hours / period_h - 1e-9);
		if (g.count < 1)
			g.count = 1;
		g.hours = (double)hours / g.count;
		g.price_per_hour = -1;
		g.line = (uint32_t)inv->n + 1;
		hours_total += hours;
		r = bill_price(s, &c.v[i], p, inv->currency, &price, &other_currency);
		if (r < 0) {
			rc = r;
			cs_set_why(why, cap, "%s", cs_lg_why(s));
			goto out;
		}
		if (r == 1) {
			from_bill++;
		} else if (all_priced && ledger_cur[0] && strlen(ledger_cur) == 3 && covered_ms > 0) {
			if (!inv->currency[0])
				memcpy(inv->currency, ledger_cur, 4);
			if (!strcmp(inv->currency, ledger_cur)) {
				price = (double)cost / 1e6 / ((double)covered_ms / 3.6e6);
				r = 1;
				from_costs++;
			} else {
				other_currency++;
			}
		}
		if (r == 1) {
			g.price_per_hour = price;
			memcpy(g.currency, inv->currency, sizeof g.currency);
		}
		if ((rc = plan_inventory_add(inv, &g))) {
			cs_set_why(why, cap, "ledger: out of memory");
			goto out;
		}
	}
	snprintf(inv->name, sizeof inv->name, "%s %s", cs_ldb_name(cs_lg_db(s)), p->label);
	cs_strcpy_fit(inv->source, sizeof inv->source, "ledger");
	if (inv->n == 0) {
		cs_set_why(why, cap,
		           "%s has no node-hours in %s with a known instance type and region (%zu nodes, %zu left "
		           "out); check --period, or import the agents' data first (carbonstat ledger import/sync)",
		           cs_ldb_name(cs_lg_db(s)), p->label, c.nodes, c.nodes - c.n);
		rc = CS_EINVAL;
		goto out;
	}
	plan_appendf(inv->note, sizeof inv->note,
	             "Fleet: the ledger's node-hours of %s (%.0f h): %zu node%s, %lld node-hours in %zu group%s; a "
	             "group's count is its node-hours over the month's hours, rounded up. CPU utilisation: the one "
	             "at which estimate's model draws the CPU power the ledger recorded (exact where the agent "
	             "modelled the node, approximate where it read RAPL)",
	             p->label, period_h, c.n, c.n == 1 ? "" : "s", (long long)hours_total, inv->n,
	             inv->n == 1 ? "" : "s");
	if (clamped)
		plan_appendf(inv->note, sizeof inv->note, "; %zu group%s outside the model's range, clamped", clamped,
		             clamped == 1 ? "" : "s");
	plan_appendf(inv->note, sizeof inv->note,
	             ". Prices, by group: %zu from the bill's unit prices, %zu from the ledger's costs, %zu unknown",
	             from_bill, from_costs, inv->n - from_bill - from_costs);
	if (other_currency)
		plan_appendf(inv->note, sizeof inv->note, " (%zu in another currency left out)", other_currency);
	plan_appendf(inv->note, sizeof inv->note, ".");
	if (c.nodes > c.n || no_model) {
		plan_appendf(inv->note, sizeof inv->note, " Left out (%lld node-hours):", (long long)c.out_hours);
		for (int k = 0; k < LF_N; k++)
			if (c.out[k])
				plan_appendf(inv->note, sizeof inv->note, " %zu with %s: %s%s;", c.out[k], lf_reason[k],
				             c.ex[k], c.out[k] > NOTE_EXAMPLES ? "..." : "");
		if (no_model)
			plan_appendf(inv->note, sizeof inv->note, " %zu of a type without a power model;", no_model);
	}
out:
	cs_lg_end_read(s);
	free(c.v);
	if (rc)
		plan_inventory_free(inv);
	return rc;
}

int plan_inventory_load_ledger(const plan_ledger_spec *spec, plan_inventory *inv, char *why, size_t cap)
{
	cs_lg_period p;
	cs_lg_store *s = NULL;
	int rc;

	memset(inv, 0, sizeof *inv);
	if (spec->period) {
		if (cs_lg_parse_period(spec->period, &p)) {
			cs_set_why(why, cap, "--period '%s' is not a month: use YYYY-MM, e.g. 2026-11", spec->period);
			return CS_EINVAL;
		}
	} else {
		/* the last whole month: this one is not over, and a part of a month
		 * would plan a part of the fleet's hours */
		int64_t y;
		unsigned m, d;
		char label[16];

		cs_lg_civil_from_days(cs_lg_day_of((int64_t)spec->now_s) / 86400, &y, &m, &d);
		if (m == 1) {
			y--;
			m = 12;
		} else {
			m--;
		}
		snprintf(label, sizeof label, "%04lld-%02u", (long long)y, m);
		if (cs_lg_parse_period(label, &p)) {
			cs_set_why(why, cap, "no last month before now; give --period YYYY-MM");
			return CS_EINVAL;
		}
	}
	if ((rc = cs_lg_open(spec->db, CS_LG_READ, 10, &s, why, cap)))
		return rc;
	rc = plan_inventory_from_store(s, &p, inv, why, cap);
	cs_lg_close(s);
	return rc;
}
