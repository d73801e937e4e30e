/* ledger/report.c - see report.h. */
#include "ledger/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/str.h"
#include "ledger/intern.h"

/* The first capacity of a growing array, as every ledger table (ledger/grow.h). */
#define GROW_FIRST 64

/* The names of cs_lg_by, in its order: --by's words and the report's column. */
static const char *const by_names[] = {"team", "namespace", "owner", "node", "region"};

int cs_lg_by_parse(const char *s, cs_lg_by *out)
{
	int i = cs_name_index(by_names, sizeof(by_names) / sizeof(by_names[0]), s);

	if (i < 0)
		return CS_EINVAL;
	*out = (cs_lg_by)i;
	return 0;
}

const char *cs_lg_by_name(cs_lg_by by)
{
	return (size_t)by < sizeof(by_names) / sizeof(by_names[0]) ? by_names[by] : "team";
}

cs_lg_i128 cs_lg_energy_uj(const cs_lg_amounts *a)
{
	cs_lg_i128 t = 0;

	for (int c = 0; c < CS_PART_COUNT; c++)
		t += a->energy_uj[c];
	return t;
}

double cs_lg_kwh(const cs_lg_amounts *a)
{
	return (double)cs_lg_energy_uj(a) / 3.6e12;
}

double cs_lg_op_kg(const cs_lg_amounts *a)
{
	return (double)a->op_ug / 1e9;
}

double cs_lg_emb_kg(const cs_lg_amounts *a)
{
	return (double)a->emb_ug / 1e9;
}

double cs_lg_total_kg(const cs_lg_amounts *a)
{
	return (double)(a->op_ug + a->emb_ug) / 1e9;
}

double cs_lg_cost(const cs_lg_amounts *a)
{
	return (double)a->cost_micro / 1e6;
}

double cs_lg_change(const cs_lg_rep_row *r)
{
	if (!r->had_prev || r->prev_ug == 0)
		return NAN;
	return (double)(r->cur.op_ug + r->cur.emb_ug - r->prev_ug) / (double)r->prev_ug;
}

size_t cs_lg_report_over_budget(const cs_lg_report *r, bool projected)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nbudgets; i++)
		if (r->budgets[i].exceeded || (projected && r->budgets[i].projected_over))
			n++;
	return n;
}

void cs_lg_report_free(cs_lg_report *r)
{
	if (!r)
		return;
	cs_pool_free(&r->mem);
	memset(r, 0, sizeof(*r));
}

/* ---- groups: a key string -> a row ---------------------------------------------------- */

typedef struct groups {
	cs_lg_intern keys;
	cs_pool *mem; /* rows' owner: the report's (rows taken into it) or the build's */
	cs_lg_rep_row *rows;
	size_t cap;
} groups;

static int group_of(groups *g, const char *key, uint32_t *idx)
{
	bool created;

	if (cs_lg_intern_put(&g->keys, key, strlen(key), idx, &created) != 0)
		return CS_ENOMEM;
	if (created) {
		if (cs_pool_grow(g->mem, &g->rows, &g->cap, (size_t)*idx + 1, sizeof(*g->rows), GROW_FIRST))
			return CS_ENOMEM;
		memset(&g->rows[*idx], 0, sizeof(g->rows[*idx]));
		cs_strcpy_fit(g->rows[*idx].key, sizeof(g->rows[*idx].key), key);
	}
	return 0;
}

static void add_sums(cs_lg_amounts *a, const cs_lg_sums *v)
{
	for (int c = 0; c < CS_PART_COUNT; c++)
		a->energy_uj[c] += v->energy_uj[c];
	a->op_ug += v->op_ug;
	a->emb_ug += v->emb_ug;
	a->cost_micro += v->cost_micro;
	a->uncosted_uj += v->uncosted_uj;
	a->facts += v->rows;
}

/* What each dim id counts towards. */
typedef struct dim_map {
	uint32_t by, team, owner;
	int32_t sci; /* index of the [sci] owner key it belongs to, -1 none */
	bool known;
} dim_map;

typedef struct build {
	cs_lg_report *r;
	const cs_lg_conf *conf;
	cs_pool mem; /* what is only needed while building: team rows, regions, dims, sci_daily... */
	groups by, team, owner;
	cs_lg_intern node_region; /* "cluster\x1fnode" -> region label, via region_at */
	char (*regions)[160];
	size_t regions_cap;
	dim_map *dims;
	size_t dims_cap;
	cs_lg_i128 *sci_daily; /* [sci index * ndays + day] for owner keys */
	int err;
} build;

static const char *or_none(const char *s)
{
	return s && *s ? s : "(none)";
}

static int node_cb(void *ud, const cs_lg_node_total *n)
{
	build *b = ud;
	char key[CS_LG_NODE_KEY_MAX];
	int k = cs_lg_node_key(n->cluster, n->node, key);
	uint32_t idx;
	bool created;

	if (k < 0)
		return 0;
	if (cs_lg_intern_put(&b->node_region, key, (size_t)k, &idx, &created) != 0)
		return CS_ENOMEM;
	if (cs_pool_grow(&b->mem, &b->regions, &b->regions_cap, (size_t)idx + 1, sizeof(*b->regions), GROW_FIRST))
		return CS_ENOMEM;
	if (n->region[0])
		snprintf(b->regions[idx], 160, "%s%s%s", n->provider, n->provider[0] ? "/" : "", n->region);
	else
		snprintf(b->regions[idx], 160, "(unknown)");
	return 0;
}

static const char *region_of(const build *b, const cs_lg_dims *d)
{
	char key[CS_LG_NODE_KEY_MAX];
	int k = cs_lg_node_key(d->cluster, d->node, key);
	int64_t idx = k > 0 ? cs_lg_intern_find(&b->node_region, key, (size_t)k) : -1;

	return idx < 0 ? "(unknown)" : b->regions[idx];
}

static void owner_key(const cs_lg_dims *d, char *out, size_t cap)
{
	if (!d->namespace_[0] && !d->owner[0])
		snprintf(out, cap, "(none)");
	else if (!d->namespace_[0] && d->owner_kind[0] && !strcmp(d->owner, d->owner_kind))
		snprintf(out, cap, "[%s]", d->owner); /* the agent's system / idle / overflow buckets */
	else
		snprintf(out, cap, "%s/%s%s%s%s", or_none(d->namespace_), or_none(d->owner),
		         d->owner_kind[0] ? " (" : "", d->owner_kind, d->owner_kind[0] ? ")" : "");
}

static int dim_cb(void *ud, int64_t id, const cs_lg_dims *d)
{
	build *b = ud;
	char key[2 * CS_LG_STR_MAX + 80], okey[2 * CS_LG_STR_MAX + 80];
	dim_map *m;
	int rc;

	if (id < 0 || id > (int64_t)UINT32_MAX)
		return 0;
	if ((size_t)id >= b->dims_cap) {
		size_t old = b->dims_cap;

		if (cs_pool_grow(&b->mem, &b->dims, &b->dims_cap, (size_t)id + 1, sizeof(*b->dims), 1024))
			return CS_ENOMEM;
		memset(b->dims + old, 0, (b->dims_cap - old) * sizeof(*b->dims));
	}
	m = &b->dims[id];
	owner_key(d, okey, sizeof(okey));
	switch (b->r->by) {
	case CS_LG_BY_TEAM: snprintf(key, sizeof(key), "%s", or_none(d->team)); break;
	case CS_LG_BY_NAMESPACE: snprintf(key, sizeof(key), "%s", or_none(d->namespace_)); break;
	case CS_LG_BY_OWNER: snprintf(key, sizeof(key), "%s", okey); break;
	case CS_LG_BY_NODE:
		snprintf(key, sizeof(key), "%s%s%s", d->cluster, d->cluster[0] ? "/" : "", or_none(d->node));
		break;
	case CS_LG_BY_REGION: snprintf(key, sizeof(key), "%s", region_of(b, d)); break;
	}
	if ((rc = group_of(&b->by, key, &m->by)) != 0 || (rc = group_of(&b->team, or_none(d->team), &m->team)) != 0 ||
	    (rc = group_of(&b->owner, okey, &m->owner)) != 0)
		return rc;
	m->sci = -1;
	for (size_t i = 0; b->conf && i < b->conf->nsci; i++) {
		const char *k = b->conf->sci[i].key;
		char want[2 * CS_LG_STR_MAX + 8];

		if (!cs_starts_with(k, "owner:"))
			continue;
		snprintf(want, sizeof(want), "%s/%s", d->namespace_, d->owner);
		if (!strcmp(k + 6, want))
			m->sci = (int32_t)i;
	}
	m->known = true;
	return 0;
}

static int daily_cb(void *ud, int64_t day, int64_t dim_id, const cs_lg_sums *v)
{
	build *b = ud;
	cs_lg_report *r = b->r;
	const dim_map *m;
	int64_t di;

	if (dim_id < 0 || (size_t)dim_id >= b->dims_cap || !b->dims[dim_id].known)
		return 0; /* a dim written after our snapshot of dims: cannot happen in one snapshot */
	m = &b->dims[dim_id];
	add_sums(&b->by.rows[m->by].cur, v);
	add_sums(&b->team.rows[m->team].cur, v);
	add_sums(&b->owner.rows[m->owner].cur, v);
	add_sums(&r->total, v);
	di = (day - r->period.start) / CS_LG_DAY_S;
	if (di >= 0 && di < r->ndays) {
		r->daily_team_ug[(size_t)di * r->nteams + m->team] += v->op_ug + v->emb_ug;
		if (m->sci >= 0)
			b->sci_daily[(size_t)m->sci * (size_t)r->ndays + (size_t)di] += v->op_ug + v->emb_ug;
	}
	return 0;
}

static int prev_cb(void *ud, int64_t day, int64_t dim_id, const cs_lg_sums *v)
{
	build *b = ud;
	const dim_map *m;
	cs_lg_i128 ug = (cs_lg_i128)v->op_ug + v->emb_ug;

	(void)day;
	if (dim_id < 0 || (size_t)dim_id >= b->dims_cap || !b->dims[dim_id].known)
		return 0;
	m = &b->dims[dim_id];
	b->by.rows[m->by].prev_ug += ug;
	b->by.rows[m->by].had_prev = true;
	b->team.rows[m->team].prev_ug += ug;
	b->team.rows[m->team].had_prev = true;
	b->owner.rows[m->owner].prev_ug += ug;
	b->owner.rows[m->owner].had_prev = true;
	b->r->prev_total_ug += ug;
	b->r->had_prev = true;
	return 0;
}

static int nodes_total_cb(void *ud, const cs_lg_node_total *n)
{
	cs_lg_report *r = ud;

	for (int c = 0; c < CS_PART_COUNT; c++)
		r->nodes.energy_uj[c] += n->energy_uj[c];
	r->nodes.op_ug += n->op_ug;
	r->nodes.emb_ug += n->emb_ug;
	r->nodes.cost_micro += n->cost_micro;
	r->nnodes++;
	r->node_hours += n->hours;
	r->priced_node_hours += n->priced_hours;
	return 0;
}

static int gap_cb(void *ud, const cs_lg_gap *g, const char *source)
{
	cs_lg_report *r = ud;
	cs_lg_gap_row *row;

	if (r->ngaps >= CS_LG_GAPS_MAX)
		return 0;
	if (cs_pool_grow(&r->mem, &r->gaps, &r->gaps_cap, r->ngaps + 1, sizeof(*r->gaps), GROW_FIRST))
		return CS_ENOMEM;
	row = &r->gaps[r->ngaps++];
	memset(row, 0, sizeof(*row));
	row->hour = g->hour;
	cs_strcpy_fit(row->cluster, sizeof(row->cluster), g->cluster);
	cs_strcpy_fit(row->node, sizeof(row->node), g->node);
	cs_strcpy_fit(row->kind, sizeof(row->kind), g->kind);
	row->covered_s = g->covered_s;
	cs_strcpy_fit(row->source, sizeof(row->source), source);
	return 0;
}

static int bill_cb(void *ud, const cs_lg_bill_sum *v)
{
	cs_lg_report *r = ud;
	cs_lg_bill_line *x;

	if (cs_pool_grow(&r->mem, &r->bill, &r->bill_cap, r->nbill + 1, sizeof(*r->bill), GROW_FIRST))
		return CS_ENOMEM;
	x = &r->bill[r->nbill++];
	cs_strcpy_fit(x->provider, sizeof(x->provider), v->provider);
	cs_strcpy_fit(x->currency, sizeof(x->currency), v->currency);
	cs_strcpy_fit(x->team, sizeof(x->team), v->team);
	x->a = v->a;
	return 0;
}

static int reason_cb(void *ud, const char *reason, int64_t n)
{
	cs_lg_report *r = ud;
	struct cs_lg_reason *nr;

	if (r->nreasons >= 16)
		return 0;
	if (cs_pool_grow(&r->mem, &r->reasons, &r->reasons_cap, r->nreasons + 1, sizeof(*r->reasons), 16))
		return CS_ENOMEM;
	nr = r->reasons;
	cs_strcpy_fit(nr[r->nreasons].reason, sizeof(nr[r->nreasons].reason), reason);
	nr[r->nreasons].node_hours = n;
	r->nreasons++;
	return 0;
}

typedef struct unit_ctx {
	build *b;
	double *units; /* [sci * ndays + day] */
} unit_ctx;

static int unit_cb(void *ud, int64_t hour, const char *key, double value)
{
	unit_ctx *u = ud;
	cs_lg_report *r = u->b->r;
	int64_t di = (hour - r->period.start) / CS_LG_DAY_S;

	if (di < 0 || di >= r->ndays || !isfinite(value))
		return 0;
	for (size_t i = 0; i < u->b->conf->nsci; i++)
		if (!strcmp(u->b->conf->sci[i].key, key))
			u->units[i * (size_t)r->ndays + (size_t)di] += value;
	return 0;
}

static int cmp_rows(const void *a, const void *b)
{
	const cs_lg_rep_row *x = a, *y = b;
	cs_lg_i128 tx = x->cur.op_ug + x->cur.emb_ug, ty = y->cur.op_ug + y->cur.emb_ug;

	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(x->key, y->key);
}

typedef struct mover {
	size_t i;
	cs_lg_i128 abs_delta;
	const char *key;
} mover;

static int cmp_movers(const void *a, const void *b)
{
	const mover *x = a, *y = b;

	if (x->abs_delta != y->abs_delta)
		return x->abs_delta > y->abs_delta ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Takes the groups' rows out, sorted; keeps only rows with any amount. */
static cs_lg_rep_row *take_rows(groups *g, size_t *n)
{
	cs_lg_rep_row *rows = g->rows;
	size_t k = 0;

	for (size_t i = 0; i < g->keys.n; i++) {
		const cs_lg_rep_row *x = &rows[i];

		if (cs_lg_energy_uj(&x->cur) == 0 && x->cur.op_ug == 0 && x->cur.emb_ug == 0 &&
		    x->cur.cost_micro == 0 && !x->had_prev)
			continue;
		rows[k++] = rows[i];
	}
	if (k > 1)
		qsort(rows, k, sizeof(*rows), cmp_rows);
	g->rows = NULL;
	g->cap = 0;
	*n = k;
	return rows;
}

/* The index of team key in r->teams, or -1. */
static int64_t team_index(const cs_lg_report *r, const char *key)
{
	int64_t found = -1;

	for (size_t t = 0; t < r->nteams; t++)
		if (!strcmp(r->teams[t].key, key))
			found = (int64_t)t;
	return found;
}

/* SCI: carbon of the days that have units, over those units. units and
 * sci_daily: [sci index * ndays + day]; a "team:" key takes its team's days. */
static int sci_rows(cs_lg_report *r, const cs_lg_conf *conf, const double *units, const cs_lg_i128 *sci_daily)
{
	if (!(r->sci = cs_pool_calloc(&r->mem, conf->nsci, sizeof(*r->sci))))
		return CS_ENOMEM;
	for (size_t i = 0; i < conf->nsci; i++) {
		cs_lg_sci_row *row = &r->sci[r->nsci++];
		const char *k = conf->sci[i].key;
		int64_t team_i = cs_starts_with(k, "team:") ? team_index(r, k + 5) : -1;

		cs_strcpy_fit(row->key, sizeof(row->key), k);
		for (int64_t d = 0; d < r->ndays; d++) {
			double u = units[i * (size_t)r->ndays + (size_t)d];

			if (u <= 0)
				continue;
			row->units += u;
			row->hours += 24;
			if (team_i >= 0)
				row->ug += r->daily_team_ug[(size_t)d * r->nteams + (size_t)team_i];
			else
				row->ug += sci_daily[i * (size_t)r->ndays + (size_t)d];
		}
	}
	return 0;
}

/* Each budget beside its team's burn so far and projected to the period's end. */
static int budget_rows(cs_lg_report *r, const cs_lg_conf *conf)
{
	if (!(r->budgets = cs_pool_calloc(&r->mem, conf->nbudgets, sizeof(*r->budgets))))
		return CS_ENOMEM;
	for (size_t i = 0; i < conf->nbudgets; i++) {
		cs_lg_budget_row *br = &r->budgets[r->nbudgets++];
		int64_t t;

		cs_strcpy_fit(br->team, sizeof(br->team), conf->budgets[i].team);
		br->budget_kg = conf->budgets[i].kg_per_month;
		if ((t = team_index(r, br->team)) >= 0)
			br->burn_kg = cs_lg_total_kg(&r->teams[t].cur);
		br->projected_kg = r->hours_with_data > 0
		                       ? br->burn_kg * (double)r->period_hours / (double)r->hours_with_data
		                       : br->burn_kg;
		br->exceeded = br->burn_kg > br->budget_kg;
		br->projected_over = br->projected_kg > br->budget_kg;
	}
	return 0;
}

int cs_lg_report_build(cs_lg_store *s, const cs_lg_period *p, cs_lg_by by, const cs_lg_conf *conf, int64_t now_s,
                       cs_lg_report *out)
{
	build b;
	cs_lg_report *r = out;
	bool *present;
	double *units = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&b, 0, sizeof(b));
	r->period = *p;
	r->by = by;
	r->now_s = now_s;
	cs_strcpy_fit(r->db_name, sizeof(r->db_name), cs_ldb_name(cs_lg_db(s)));
	cs_strcpy_fit(r->functional_unit, sizeof(r->functional_unit), conf ? conf->functional_unit : "unit");
	r->ndays = (p->end - p->start) / CS_LG_DAY_S;
	r->period_hours = (p->end - p->start) / CS_LG_HOUR_S;
	b.r = r;
	b.conf = conf;
	b.by.mem = b.owner.mem = &r->mem; /* their rows become the report's */
	b.team.mem = &b.mem;
	present = cs_pool_calloc(&b.mem, (size_t)r->period_hours, sizeof(bool));
	if (conf && conf->nsci) {
		b.sci_daily = cs_pool_calloc(&b.mem, conf->nsci * (size_t)r->ndays, sizeof(cs_lg_i128));
		units = cs_pool_calloc(&b.mem, conf->nsci * (size_t)r->ndays, sizeof(double));
	}
	if (!present || (conf && conf->nsci && (!b.sci_daily || !units))) {
		rc = CS_ENOMEM;
		goto out;
	}
	if ((rc = cs_lg_begin_read(s)) != 0)
		goto out;
	if ((rc = cs_lg_get_currency(s, r->currency)) != 0 || (rc = cs_lg_read_nodes(s, node_cb, &b)) != 0 ||
	    (rc = cs_lg_read_dims(s, dim_cb, &b)) != 0)
		goto end;
	/* every team is known now: the day x team matrix of the chart */
	r->nteams = b.team.keys.n;
	r->daily_team_ug = cs_pool_calloc(&b.mem, (size_t)r->ndays * (r->nteams ? r->nteams : 1), sizeof(cs_lg_i128));
	if (!r->daily_team_ug) {
		rc = CS_ENOMEM;
		goto end;
	}
	if ((rc = cs_lg_read_daily(s, p->start, p->end, daily_cb, &b)) != 0 ||
	    (rc = cs_lg_read_dim_totals(s, p->prev_start, p->prev_end, prev_cb, &b)) != 0 ||
	    (rc = cs_lg_read_node_totals(s, p->start, p->end, nodes_total_cb, r)) != 0 ||
	    (rc = cs_lg_read_hours(s, p->start, p->end, present)) != 0 ||
	    (rc = cs_lg_read_gaps(s, p->start, p->end, gap_cb, r)) != 0 ||
	    (rc = cs_lg_read_cost_reasons(s, p->start, p->end, reason_cb, r)) != 0 ||
	    (rc = cs_lg_bill_read(s, p->start, p->end, by == CS_LG_BY_TEAM, bill_cb, r)) != 0)
		goto end;
	if (conf && conf->nsci) {
		unit_ctx u = {&b, units};

		if ((rc = cs_lg_read_units(s, p->start, p->end, unit_cb, &u)) != 0)
			goto end;
	}
	/* hours: with data, elapsed, missing */
	{
		int64_t now_h = now_s - ((now_s % CS_LG_HOUR_S) + CS_LG_HOUR_S) % CS_LG_HOUR_S;
		int64_t last = now_h < p->end ? now_h : p->end;

		for (int64_t i = 0; i < r->period_hours; i++)
			r->hours_with_data += present[i];
		r->hours_elapsed = last > p->start ? (last - p->start) / CS_LG_HOUR_S : 0;
		r->missing_hours =
		    cs_pool_calloc(&r->mem, (size_t)(r->hours_elapsed ? r->hours_elapsed : 1), sizeof(int64_t));
		if (!r->missing_hours) {
			rc = CS_ENOMEM;
			goto end;
		}
		for (int64_t i = 0; i < r->hours_elapsed; i++)
			if (!present[i])
				r->missing_hours[r->nmissing++] = p->start + i * CS_LG_HOUR_S;
	}
	/* teams in row order, the matrix's columns with them; teams with no
	 * amount in the period (nor before) are dropped like empty rows */
	{
		size_t n = r->nteams, k = 0, *order = cs_pool_calloc(&b.mem, (n ? n : 1), sizeof(size_t));
		cs_lg_i128 *m = cs_pool_calloc(&r->mem, (size_t)r->ndays * (n ? n : 1), sizeof(*m));
		cs_lg_rep_row *tr = b.team.rows;

		r->teams = cs_pool_calloc(&r->mem, (n ? n : 1), sizeof(*r->teams));
		if (!order || !m || !r->teams) {
			rc = CS_ENOMEM;
			goto end;
		}
		for (size_t i = 0; i < n; i++) {
			const cs_lg_amounts *a = &tr[i].cur;

			if (cs_lg_energy_uj(a) || a->op_ug || a->emb_ug || a->cost_micro || tr[i].had_prev)
				order[k++] = i;
		}
		for (size_t i = 1; i < k; i++) /* insertion sort: teams are few */
			for (size_t j = i; j > 0 && cmp_rows(&tr[order[j - 1]], &tr[order[j]]) > 0; j--) {
				size_t t = order[j];

				order[j] = order[j - 1];
				order[j - 1] = t;
			}
		for (int64_t d = 0; d < r->ndays; d++)
			for (size_t i = 0; i < k; i++)
				m[(size_t)d * k + i] = r->daily_team_ug[(size_t)d * n + order[i]];
		for (size_t i = 0; i < k; i++)
			r->teams[i] = tr[order[i]];
		r->nteams = k;
		r->daily_team_ug = m;
	}
	if (conf && conf->nsci && (rc = sci_rows(r, conf, units, b.sci_daily)) != 0)
		goto end;
	/* rows, top owners, movers */
	r->rows = take_rows(&b.by, &r->nrows);
	{
		size_t n;
		cs_lg_rep_row *own = take_rows(&b.owner, &n);

		r->top_owners = own;
		r->ntop_owners = n < CS_LG_TOP_OWNERS ? n : CS_LG_TOP_OWNERS;
	}
	{
		mover *mv = cs_pool_calloc(&b.mem, (r->nrows ? r->nrows : 1), sizeof(*mv));

		r->movers = cs_pool_calloc(&r->mem, (r->nrows ? r->nrows : 1), sizeof(size_t));
		if (!mv || !r->movers) {
			rc = CS_ENOMEM;
			goto end;
		}
		for (size_t i = 0; i < r->nrows; i++) {
			cs_lg_i128 d = r->rows[i].cur.op_ug + r->rows[i].cur.emb_ug - r->rows[i].prev_ug;

			if (!r->had_prev)
				continue;
			mv[r->nmovers++] = (mover){i, d < 0 ? -d : d, r->rows[i].key};
		}
		if (r->nmovers > 1)
			qsort(mv, r->nmovers, sizeof(*mv), cmp_movers);
		if (r->nmovers > CS_LG_TOP_MOVERS)
			r->nmovers = CS_LG_TOP_MOVERS;
		for (size_t i = 0; i < r->nmovers; i++)
			r->movers[i] = mv[i].i;
	}
	if (conf && conf->nbudgets && (rc = budget_rows(r, conf)) != 0)
		goto end;
end:
	cs_lg_end_read(s);
out:
	if (rc == CS_ENOMEM)
		cs_ldb_fail(cs_lg_db(s), CS_ENOMEM, "ledger report: out of memory");
	cs_lg_intern_free(&b.by.keys);
	cs_lg_intern_free(&b.team.keys);
	cs_lg_intern_free(&b.owner.keys);
	cs_lg_intern_free(&b.node_region);
	cs_pool_free(&b.mem);
	if (rc)
		cs_lg_report_free(r);
	return rc;
}
