/* ledger/agg.c - see agg.h. */
#include "ledger/agg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "ledger/grow.h"

void cs_lg_agg_init(cs_lg_agg *a)
{
	memset(a, 0, sizeof(*a));
}

void cs_lg_agg_free(cs_lg_agg *a)
{
	if (!a)
		return;
	cs_lg_intern_free(&a->strs);
	cs_lg_intern_free(&a->nh_keys);
	cs_lg_intern_free(&a->cell_keys);
	free(a->nh);
	free(a->cells);
	memset(a, 0, sizeof(*a));
}

int cs_lg_agg_str(cs_lg_agg *a, const char *s, uint32_t *idx)
{
	return cs_lg_intern_str(&a->strs, s, idx);
}

/* A node-hour's key: fixed size, no padding. */
typedef struct nh_key {
	int64_t src, hour;
	uint32_t cluster, node;
} nh_key;

int64_t cs_lg_agg_find_node_hour(const cs_lg_agg *a, int64_t source_id, int64_t hour, const char *cluster,
                                 const char *node)
{
	nh_key key;
	int64_t c, n;

	memset(&key, 0, sizeof(key));
	key.src = source_id;
	key.hour = hour;
	if ((c = cs_lg_intern_find(&a->strs, cluster, strlen(cluster))) < 0 ||
	    (n = cs_lg_intern_find(&a->strs, node, strlen(node))) < 0)
		return -1;
	key.cluster = (uint32_t)c;
	key.node = (uint32_t)n;
	return cs_lg_intern_find(&a->nh_keys, &key, sizeof(key));
}

int cs_lg_agg_node_hour(cs_lg_agg *a, int64_t source_id, int64_t hour, const char *cluster, const char *node,
                        uint32_t *idx, bool *created)
{
	nh_key key;
	void *p;
	int rc;

	memset(&key, 0, sizeof(key));
	key.src = source_id;
	key.hour = hour;
	if ((rc = cs_lg_agg_str(a, cluster, &key.cluster)) != 0 || (rc = cs_lg_agg_str(a, node, &key.node)) != 0)
		return rc;
	if ((rc = cs_lg_intern_put(&a->nh_keys, &key, sizeof(key), idx, created)) != 0)
		return rc;
	if (!*created)
		return 0;
	if (!(p = cs_lg_grown(a->nh, &a->nh_cap, a->nh_keys.n, sizeof(*a->nh))))
		return CS_ENOMEM;
	a->nh = p;
	{
		cs_lg_agg_nh *n = &a->nh[*idx];

		memset(n, 0, sizeof(*n));
		n->source_id = source_id;
		n->hour = hour;
		n->cluster = key.cluster;
		n->node = key.node;
		n->provider = n->region = n->instance = n->isrc = n->instance_id = n->instance_name = CS_LG_NONE;
		n->pue = NAN;
		n->first_ms = INT64_MAX;
		n->last_ms = INT64_MIN;
		n->head = CS_LG_NONE;
	}
	return 0;
}

int cs_lg_agg_cell_of(cs_lg_agg *a, uint32_t nh, const char *ns, const char *owner, const char *owner_kind,
                      const char *team, uint32_t *idx)
{
	uint32_t key[5];
	void *p;
	bool created;
	int rc;

	key[0] = nh;
	if ((rc = cs_lg_agg_str(a, ns, &key[1])) != 0 || (rc = cs_lg_agg_str(a, owner, &key[2])) != 0 ||
	    (rc = cs_lg_agg_str(a, owner_kind, &key[3])) != 0 || (rc = cs_lg_agg_str(a, team, &key[4])) != 0)
		return rc;
	if ((rc = cs_lg_intern_put(&a->cell_keys, key, sizeof(key), idx, &created)) != 0)
		return rc;
	if (!created)
		return 0;
	if (!(p = cs_lg_grown(a->cells, &a->cells_cap, a->cell_keys.n, sizeof(*a->cells))))
		return CS_ENOMEM;
	a->cells = p;
	{
		cs_lg_agg_cell *c = &a->cells[*idx];
		cs_lg_agg_nh *n = &a->nh[nh];

		memset(c, 0, sizeof(*c));
		c->nh = nh;
		c->ns = key[1];
		c->owner = key[2];
		c->owner_kind = key[3];
		c->team = key[4];
		c->intensity_g_per_kwh = NAN;
		c->next = n->head;
		n->head = *idx;
		n->ncells++;
	}
	return 0;
}

int cs_lg_agg_set_isrc(cs_lg_agg *a, uint32_t nh, const char *src)
{
	cs_lg_agg_nh *n = &a->nh[nh];
	uint32_t k;
	int rc = cs_lg_agg_str(a, src, &k);

	if (rc)
		return rc;
	if (n->isrc == CS_LG_NONE)
		n->isrc = k;
	else if (n->isrc != k)
		n->isrc_mixed = true;
	return 0;
}

static int64_t to_ug(double g)
{
	return g > 0 && isfinite(g) ? llround(g * 1e6) : 0;
}

static int64_t sum4(const int64_t e[CS_PART_COUNT])
{
	int64_t t = 0;

	for (int c = 0; c < CS_PART_COUNT; c++)
		t += e[c];
	return t;
}

/* Splits the node-hour's cost among its cells (cost[k] for the k-th cell
 * in list order). */
static int split_cost(cs_lg_agg *a, const cs_lg_agg_nh *n, int64_t cost, const cs_lg_write_opts *o, int64_t *w,
                      int64_t *out, int64_t *tmp)
{
	size_t k = 0;
	double f = -1;
	int rc;

	if (o->split == CS_LG_SPLIT_CPU_MEMORY)
		f = cs_lg_cpu_cost_fraction(cs_lg_agg_s(a, n->provider), cs_lg_agg_s(a, n->instance));
	if (f < 0) {
		for (uint32_t c = n->head; c != CS_LG_NONE; c = a->cells[c].next)
			w[k++] = sum4(a->cells[c].energy_uj);
		return cs_lg_split(cost, w, n->ncells, CS_LG_ZERO_EQUAL, out);
	}
	{
		int64_t parts[2], pw[2] = {0, 0};
		bool has_dram = false;

		for (uint32_t c = n->head; c != CS_LG_NONE; c = a->cells[c].next)
			has_dram |= a->cells[c].energy_uj[CS_PART_DRAM] > 0;
		/* the memory part follows DRAM energy when the node measures it,
		 * else the whole energy (a modelled node has no DRAM channel) */
		pw[0] = llround(f * 1e9);
		pw[1] = 1000000000 - pw[0];
		if ((rc = cs_lg_split(cost, pw, 2, CS_LG_ZERO_FIRST, parts)) != 0)
			return rc;
		k = 0;
		for (uint32_t c = n->head; c != CS_LG_NONE; c = a->cells[c].next)
			w[k++] = a->cells[c].energy_uj[CS_PART_CPU] ? a->cells[c].energy_uj[CS_PART_CPU] : 0;
		if ((rc = cs_lg_split(parts[0], w, n->ncells, CS_LG_ZERO_EQUAL, out)) != 0)
			return rc;
		k = 0;
		for (uint32_t c = n->head; c != CS_LG_NONE; c = a->cells[c].next)
			w[k++] = has_dram ? a->cells[c].energy_uj[CS_PART_DRAM] : sum4(a->cells[c].energy_uj);
		if ((rc = cs_lg_split(parts[1], w, n->ncells, CS_LG_ZERO_EQUAL, tmp)) != 0)
			return rc;
		for (k = 0; k < n->ncells; k++)
			out[k] += tmp[k];
	}
	return 0;
}

static int write_cell(cs_lg_agg *a, cs_lg_store *s, const cs_lg_agg_nh *n, const cs_lg_agg_cell *c, bool has_cost,
                      int64_t cost, cs_lg_write_stats *st)
{
	cs_lg_dims d = {cs_lg_agg_s(a, n->cluster), cs_lg_agg_s(a, n->node),       cs_lg_agg_s(a, c->ns),
	                cs_lg_agg_s(a, c->owner),   cs_lg_agg_s(a, c->owner_kind), cs_lg_agg_s(a, c->team)};
	int64_t op[CS_PART_COUNT], emb[CS_PART_COUNT], cst[CS_PART_COUNT], w[CS_PART_COUNT];
	int64_t op_ug = to_ug(c->op_g), emb_ug = to_ug(c->emb_g), total_e = sum4(c->energy_uj), dim;
	double intensity = c->ei_uj > 0 ? c->ei / (double)c->ei_uj : c->intensity_g_per_kwh;
	int rc;

	if (total_e == 0 && op_ug == 0 && emb_ug == 0 && (!has_cost || cost == 0))
		return 0; /* nothing to say */
	for (int k = 0; k < CS_PART_COUNT; k++)
		w[k] = c->energy_uj[k];
	if ((rc = cs_lg_split(op_ug, w, CS_PART_COUNT, CS_LG_ZERO_FIRST, op)) != 0 ||
	    (rc = cs_lg_split(emb_ug, w, CS_PART_COUNT, CS_LG_ZERO_FIRST, emb)) != 0 ||
	    (rc = cs_lg_split(has_cost ? cost : 0, w, CS_PART_COUNT, CS_LG_ZERO_FIRST, cst)) != 0)
		return rc;
	if ((rc = cs_lg_dim(s, &d, &dim)) != 0)
		return rc;
	for (int k = 0; k < CS_PART_COUNT; k++) {
		cs_lg_fact f;

		if (c->energy_uj[k] == 0 && !(total_e == 0 && k == 0))
			continue;
		f.hour = n->hour;
		f.source_id = n->source_id;
		f.dim_id = dim;
		f.component = k;
		f.energy_uj = c->energy_uj[k];
		f.op_ug = op[k];
		f.emb_ug = emb[k];
		f.intensity_g_per_kwh = intensity;
		f.has_cost = has_cost;
		f.cost_micro = cst[k];
		if ((rc = cs_lg_put_fact(s, &f, n->add)) != 0)
			return rc;
		st->facts++;
	}
	return 0;
}

int cs_lg_agg_write(cs_lg_agg *a, cs_lg_store *s, const cs_lg_write_opts *o, const bool *keep, cs_lg_write_stats *st)
{
	int64_t *w = NULL, *costs = NULL, *tmp = NULL;
	size_t cap = 0;
	int rc = 0;

	for (size_t i = 0; i < cs_lg_agg_n(a) && !rc; i++) {
		cs_lg_agg_nh *n = &a->nh[i];
		cs_lg_node_cost nc;
		cs_lg_node_hour row;
		size_t k = 0;

		if (keep && !keep[i])
			continue;
		if (n->ncells > cap) {
			size_t ncap = n->ncells * 2;
			int64_t *a1 = realloc(w, ncap * sizeof(*w)), *a2, *a3;

			if (!a1)
				goto nomem;
			w = a1;
			if (!(a2 = realloc(costs, ncap * sizeof(*costs))))
				goto nomem;
			costs = a2;
			if (!(a3 = realloc(tmp, ncap * sizeof(*tmp))))
				goto nomem;
			tmp = a3;
			cap = ncap;
		}
		memset(&nc, 0, sizeof(nc));
		if (o->pricer &&
		    (rc = cs_lg_price_hour(o->pricer, cs_lg_agg_s(a, n->provider), cs_lg_agg_s(a, n->instance),
		                           cs_lg_agg_s(a, n->region), n->hour, n->covered_ms, &nc)) != 0)
			break;
		if (!o->pricer)
			snprintf(nc.reason, sizeof(nc.reason), "no prices configured");
		if (nc.has && n->ncells && (rc = split_cost(a, n, nc.cost_micro, o, w, costs, tmp)) != 0)
			break;
		for (uint32_t c = n->head; c != CS_LG_NONE && !rc; c = a->cells[c].next, k++)
			rc = write_cell(a, s, n, &a->cells[c], nc.has, nc.has ? costs[k] : 0, st);
		if (rc)
			break;
		memset(&row, 0, sizeof(row));
		row.hour = n->hour;
		row.source_id = n->source_id;
		row.cluster = cs_lg_agg_s(a, n->cluster);
		row.node = cs_lg_agg_s(a, n->node);
		row.provider = cs_lg_agg_s(a, n->provider);
		row.region = cs_lg_agg_s(a, n->region);
		row.instance = cs_lg_agg_s(a, n->instance);
		row.instance_id = cs_lg_agg_s(a, n->instance_id);
		row.instance_name = cs_lg_agg_s(a, n->instance_name);
		row.cpu_busy_ms = n->cpu_busy_ms;
		row.cpu_total_ms = n->cpu_total_ms;
		memcpy(row.energy_uj, n->energy_uj, sizeof(row.energy_uj));
		row.op_ug = to_ug(n->op_g);
		row.emb_ug = to_ug(n->emb_g);
		row.intensity_g_per_kwh = n->ei_uj > 0 ? n->ei / (double)n->ei_uj : NAN;
		row.intensity_source = n->isrc_mixed           ? "mixed"
		                       : n->isrc == CS_LG_NONE ? "none"
		                                               : cs_lg_agg_s(a, n->isrc);
		row.pue = n->pue;
		row.first_ms = n->first_ms == INT64_MAX ? n->hour * 1000 : n->first_ms;
		row.last_ms = n->last_ms == INT64_MIN ? n->hour * 1000 : n->last_ms;
		row.samples = n->samples;
		row.covered_ms = n->covered_ms;
		row.has_cost = nc.has;
		row.cost_micro = nc.cost_micro;
		row.currency = nc.has ? nc.currency : "";
		row.price_source = nc.has ? nc.source : "";
		row.cost_reason = nc.has ? "" : nc.reason;
		if ((rc = cs_lg_put_node_hour(s, &row, n->add)) != 0)
			break;
		st->node_hours++;
		if (nc.has)
			st->priced++;
		else
			st->unpriced++;
	}
	free(w);
	free(costs);
	free(tmp);
	return rc;
nomem:
	free(w);
	free(costs);
	free(tmp);
	return CS_ENOMEM;
}
