/* pipeline/rows.c - per-series accumulators and snapshot rows; see rows.h. */
#include "pipeline/rows.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "attribution/cgroup_path.h"
#include "carbon/carbon.h"
#include "core/hash.h"
#include "core/index.h"
#include "core/mem.h"

typedef struct ag_row {
	uint64_t key;
	size_t src;                  /* index of its (first) workload or group this interval */
	bool seen;                   /* present this interval */
	bool live;                   /* exported now; false = ended, kept for CS_ROWS_RETAIN_S */
	bool folded;                 /* beyond the series guard: counted in overflow */
	double gone_s;               /* when it ended (cs_rows clock) */
	uint64_t e[CS_PART_COUNT];   /* this interval, µJ */
	uint64_t tot[CS_PART_COUNT]; /* since start, µJ */
	uint64_t idle_uj;            /* idle part of e, all components (embodied key) */
	double g[CS_SCOPE_N], tot_g[CS_SCOPE_N];
	char pname[48]; /* "comm[pid]" for processes */
} ag_row;

/* A bucket row (system, idle, overflow, or the "all" row). */
typedef struct ag_bucket {
	uint64_t e[CS_PART_COUNT], tot[CS_PART_COUNT];
	uint64_t idle_uj;
	double g[CS_SCOPE_N], tot_g[CS_SCOPE_N];
} ag_bucket;

struct cs_rows {
	cs_attr_by by;
	size_t max_rows;
	cs_pool pool; /* owns rows, snap and keys */
	ag_row *rows;
	size_t n, cap, admitted;
	cs_index index; /* rows by key */
	ag_bucket system, idle, overflow, all;
	bool any_folded;
	size_t folded;
	cs_snap_row *snap;
	size_t nsnap, snap_cap;
	uint64_t *keys; /* this update's item keys (hashed once, used twice) */
	size_t keys_cap;
	bool keys_ok; /* keys[] holds this update's */
	double g[CS_SCOPE_N], tot_g[CS_SCOPE_N];
	double now_s;            /* sum of the intervals seen: the retention clock */
	const cs_rows_input *in; /* during update only */
};

int cs_rows_open(cs_attr_by by, size_t max_rows, cs_rows **out)
{
	cs_rows *r;

	if (!out || (unsigned)by >= CS_BY_NKEYS || !(CS_ROWS_BY_MASK >> by & 1))
		return CS_EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return CS_ENOMEM;
	r->by = by;
	r->max_rows = max_rows ? max_rows : 1;
	*out = r;
	return 0;
}

void cs_rows_close(cs_rows *r)
{
	if (!r)
		return;
	cs_pool_free(&r->pool);
	cs_index_free(&r->index);
	free(r);
}

cs_attr_by cs_rows_granularity(const cs_rows *r)
{
	return r->by;
}

static bool row_has(const void *ctx, uint32_t i, const void *key)
{
	return ((const cs_rows *)ctx)->rows[i].key == *(const uint64_t *)key;
}

static void index_rebuild(cs_rows *r)
{
	cs_index_rebuild_u64(&r->index, r->rows, r->n, sizeof(*r->rows), offsetof(ag_row, key));
}

static int grow(cs_rows *r)
{
	size_t ncap = cs_grow_cap(r->cap, r->cap + 1, 64), cap = r->cap;

	/* r->cap moves only once the index holds as many */
	if (!ncap || ncap > CS_INDEX_MAX_ITEMS || cs_pool_grow(&r->pool, &r->rows, &cap, ncap, sizeof(*r->rows), 64) ||
	    cs_index_reserve(&r->index, ncap) < 0)
		return CS_ENOMEM;
	r->cap = ncap;
	index_rebuild(r);
	return 0;
}

static ag_row *row_find(cs_rows *r, uint64_t key)
{
	uint32_t i = cs_index_find(&r->index, cs_mix64(key), row_has, r, &key);

	return i != CS_INDEX_NONE ? &r->rows[i] : NULL;
}

/* A new row at the end (the key is not present); NULL when out of memory. */
static ag_row *row_new(cs_rows *r, uint64_t key)
{
	ag_row *row;

	if (r->n == r->cap && grow(r) != 0)
		return NULL;
	row = &r->rows[r->n];
	memset(row, 0, sizeof(*row));
	row->key = key;
	row->live = true;
	row->folded = r->admitted >= r->max_rows;
	if (row->folded)
		r->any_folded = true;
	else
		r->admitted++;
	cs_index_add(&r->index, cs_mix64(key), (uint32_t)r->n);
	r->n++;
	return row;
}

static uint64_t wl_key(const cs_workload *w);

static uint64_t item_key(const cs_rows *r, size_t i)
{
	if (r->by == CS_BY_CONTAINER)
		return wl_key(&r->in->wl[i]);
	return r->in->groups[i].hash;
}

static uint64_t key_at(const cs_rows *r, size_t i)
{
	return r->keys_ok ? r->keys[i] : item_key(r, i);
}

static const cs_attr_share *item_share(const cs_rows *r, size_t i)
{
	return r->by == CS_BY_CONTAINER ? &r->in->shares[i] : &r->in->groups[i].share;
}

static void add_share(uint64_t e[CS_PART_COUNT], uint64_t *idle, const cs_attr_share *s)
{
	for (int c = 0; c < CS_PART_COUNT; c++) {
		e[c] += s->active_uj[c] + s->idle_uj[c];
		*idle += s->idle_uj[c];
	}
}

static void bucket_reset(ag_bucket *b)
{
	memset(b->e, 0, sizeof(b->e));
	b->idle_uj = 0;
	b->g[0] = b->g[1] = 0;
}

/* Operational carbon of one interval's energy, at the interval's intensity
 * and PUE (carbon/carbon.h: the one conversion). */
static double carbon_op(const uint64_t e[CS_PART_COUNT], const cs_rows_input *in)
{
	uint64_t sum = 0;

	for (int c = 0; c < CS_PART_COUNT; c++)
		sum += e[c];
	return cs_carbon_operational_g((double)sum, in->intensity_g_per_kwh, in->pue);
}

static void bucket_close(ag_bucket *b, const cs_rows_input *in, double emb_per_idle_uj)
{
	b->g[CS_SCOPE_OPERATIONAL] = carbon_op(b->e, in);
	b->g[CS_SCOPE_EMBODIED] += (double)b->idle_uj * emb_per_idle_uj;
	for (int c = 0; c < CS_PART_COUNT; c++)
		b->tot[c] += b->e[c];
	for (int s = 0; s < CS_SCOPE_N; s++)
		b->tot_g[s] += b->g[s];
}

/* The row's name label: the most specific human name the workload has
 * (buf holds it when it is made up: "comm[pid]", a short container id). */
static const char *wl_name(const cs_workload *w, char *buf, size_t cap)
{
	if (w->ident.kind == CS_WL_PROCESS) {
		snprintf(buf, cap, "%.31s[%d]", w->comm, w->pid);
		return buf;
	}
	if (w->container_name[0])
		return w->container_name;
	if (w->ident.kind == CS_WL_POD && w->pod_name[0])
		return w->pod_name;
	if (w->ident.container_id[0]) {
		/* no kubelet answer (yet): the short id, as `crictl ps` shows it */
		snprintf(buf, cap, "%.12s", w->ident.container_id);
		return buf;
	}
	if (w->ident.kind == CS_WL_POD && w->ident.pod_uid[0])
		return w->ident.pod_uid;
	if (w->ident.unit[0])
		return w->ident.unit;
	if (w->cgroup[0])
		return w->cgroup;
	return w->ident.container_id;
}

static uint64_t fnv_str(uint64_t h, const char *str)
{
	for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	h ^= 0xff; /* field separator: ("ab","c") != ("a","bc") */
	return h * 0x100000001b3ull;
}

/* A workload row's key: its exported label set, so a series is one row for
 * its whole life and a container that restarts under a new id (same pod,
 * same name) continues the same counters. */
static uint64_t wl_key(const cs_workload *w)
{
	char buf[48];
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv_str(h, cs_wl_kind_name(w->ident.kind));
	h = fnv_str(h, wl_name(w, buf, sizeof(buf)));
	h = fnv_str(h, w->namespace_);
	h = fnv_str(h, w->pod_name);
	h = fnv_str(h, w->container_name);
	h = fnv_str(h, w->owner_kind);
	h = fnv_str(h, w->owner);
	return fnv_str(h, w->team);
}

static int snap_reserve(cs_rows *r, size_t n)
{
	return cs_pool_grow(&r->pool, &r->snap, &r->snap_cap, n, sizeof(*r->snap), 64);
}

/* The next snapshot row, with its energy and carbon (interval and totals)
 * and the interval's mean power; names empty. */
static cs_snap_row *snap_next(cs_rows *r, cs_row_kind kind, const uint64_t *e, const uint64_t *tot, const double *g,
                              const double *tot_g, double dt)
{
	cs_snap_row *s = &r->snap[r->nsnap++];
	uint64_t sum = 0;

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->wl_kind = s->name = "";
	s->namespace_ = s->pod = s->container = s->team = s->owner_kind = s->owner = s->container_id = s->cgroup = "";
	memcpy(s->energy_uj, e, sizeof(s->energy_uj));
	memcpy(s->energy_uj_total, tot, sizeof(s->energy_uj_total));
	memcpy(s->carbon_g, g, sizeof(s->carbon_g));
	memcpy(s->carbon_g_total, tot_g, sizeof(s->carbon_g_total));
	for (int c = 0; c < CS_PART_COUNT; c++)
		sum += e[c];
	s->power_w = dt > 0 ? (double)sum / 1e6 / dt : 0.0;
	return s;
}

static cs_snap_row *snap_bucket(cs_rows *r, const ag_bucket *b, cs_row_kind kind, const char *name, double dt)
{
	cs_snap_row *s = snap_next(r, kind, b->e, b->tot, b->g, b->tot_g, dt);

	s->wl_kind = s->name = name;
	return s;
}

/* The Kubernetes labels a container's row and a pod's or owner's roll-up
 * take from their (first) workload. */
static void snap_k8s_labels(cs_snap_row *s, const cs_workload *w)
{
	s->namespace_ = w->namespace_;
	s->team = w->team;
	s->owner_kind = w->owner_kind;
	s->owner = w->owner;
}

static void snap_row(cs_rows *r, ag_row *row, double dt)
{
	const cs_rows_input *in = r->in;
	cs_snap_row *s = snap_next(r, CS_ROW_WORKLOAD, row->e, row->tot, row->g, row->tot_g, dt);

	if (r->by == CS_BY_CONTAINER) {
		const cs_workload *w = &in->wl[row->src];

		s->wl_kind = cs_wl_kind_name(w->ident.kind);
		s->name = wl_name(w, row->pname, sizeof(row->pname));
		snap_k8s_labels(s, w);
		s->pod = w->pod_name;
		s->container = w->container_name;
		s->container_id = w->ident.container_id;
		s->cgroup = w->cgroup;
	} else {
		const cs_attr_group *g = &in->groups[row->src];
		const cs_workload *w = &in->wl[in->first[row->src]];

		s->name = g->label;
		if (r->by == CS_BY_POD || r->by == CS_BY_OWNER) {
			/* as cs_attr_label: a workload with no owner known is
			 * grouped as its pod */
			if (r->by == CS_BY_OWNER && w->owner[0] && w->namespace_[0]) {
				s->wl_kind = "owner";
				s->name = w->owner;
			} else {
				s->wl_kind =
				    w->pod_name[0] || w->ident.pod_uid[0] ? "pod" : cs_wl_kind_name(w->ident.kind);
				if (w->pod_name[0])
					s->name = w->pod_name;
				s->pod = w->pod_name;
			}
			snap_k8s_labels(s, w);
		} else if (r->by == CS_BY_NAMESPACE) {
			s->wl_kind = "namespace";
			s->namespace_ = w->namespace_;
		} else {
			s->wl_kind = "team";
			s->team = g->label;
		}
	}
}

int cs_rows_update(cs_rows *r, const cs_rows_input *in)
{
	const cs_attr_result *res = in->res;
	size_t nitems, i, w, n_old;
	uint64_t idle_den = 0;
	double emb_per_idle;
	bool removed = false;
	int rc = 0;

	r->in = in;
	bucket_reset(&r->system);
	bucket_reset(&r->idle);
	bucket_reset(&r->overflow);
	bucket_reset(&r->all);
	for (i = 0; i < r->n; i++)
		r->rows[i].seen = false;

	/* 1. this interval's deltas, by key: rows that go on, rows that come
	 * back (a label set seen within the retention time), rows that two
	 * workloads share (a restart: old and new container both this once) */
	nitems = r->by == CS_BY_CONTAINER ? in->n : r->by == CS_BY_NONE ? 0 : in->ngroups;
	/* keys hashed once (out of memory: twice, as they come) */
	r->keys_ok = cs_pool_grow(&r->pool, &r->keys, &r->keys_cap, nitems, sizeof(*r->keys), 64) == 0;
	for (i = 0; r->keys_ok && i < nitems; i++)
		r->keys[i] = item_key(r, i);
	for (i = 0; i < nitems; i++) {
		ag_row *row = row_find(r, key_at(r, i));

		if (!row)
			continue; /* new: step 2b */
		if (!row->seen) {
			memset(row->e, 0, sizeof(row->e));
			row->idle_uj = 0;
			row->seen = true;
			row->src = i;
			if (!row->live) {
				row->live = true;
				if (!row->folded)
					r->admitted++;
			}
		}
		add_share(row->e, &row->idle_uj, item_share(r, i));
	}
	if (r->by == CS_BY_NONE)
		for (i = 0; i < in->n; i++)
			add_share(r->all.e, &r->all.idle_uj, &in->shares[i]);

	/* 2. rows whose workloads are gone end (their series stop) but are kept
	 * for CS_ROWS_RETAIN_S, so the same label set continues its counters;
	 * older ones are freed (order kept) */
	r->now_s += in->dt_s > 0 ? in->dt_s : 0;
	for (i = 0, w = 0; i < r->n; i++) {
		ag_row *row = &r->rows[i];

		if (!row->seen && row->live) {
			row->live = false;
			row->gone_s = r->now_s;
			if (!row->folded)
				r->admitted--;
		}
		if (!row->live && r->now_s - row->gone_s > CS_ROWS_RETAIN_S) {
			removed = true;
			continue;
		}
		if (w != i)
			r->rows[w] = r->rows[i];
		w++;
	}
	r->n = w;
	if (removed)
		index_rebuild(r);

	/* 2b. new rows, in the order the workloads came; a second workload of
	 * a label set that is new this interval adds to the row the first one
	 * made (rows before n_old were counted in step 1) */
	n_old = r->n;
	for (i = 0; i < nitems; i++) {
		const cs_attr_share *sh = item_share(r, i);
		uint64_t key = key_at(r, i);
		ag_row *row = row_find(r, key);

		if (row) {
			if ((size_t)(row - r->rows) >= n_old)
				add_share(row->e, &row->idle_uj, sh);
			continue;
		}
		row = row_new(r, key);
		if (!row) {
			/* out of memory: this interval goes to overflow, conserved */
			add_share(r->overflow.e, &r->overflow.idle_uj, sh);
			r->any_folded = true;
			rc = CS_ENOMEM;
			continue;
		}
		row->seen = true;
		row->src = i;
		add_share(row->e, &row->idle_uj, sh);
	}

	/* 3. buckets */
	for (int c = 0; c < CS_PART_COUNT; c++) {
		r->system.e[c] = res->system.active_uj[c] + res->system.idle_uj[c];
		r->system.idle_uj += res->system.idle_uj[c];
		r->idle.e[c] = res->idle_unattributed_uj[c];
		r->idle.idle_uj += res->idle_unattributed_uj[c];
	}

	/* 4. carbon: this interval's intensity; embodied shared like idle */
	for (i = 0; i < r->n; i++)
		if (r->rows[i].live)
			idle_den += r->rows[i].idle_uj;
	idle_den += r->system.idle_uj + r->idle.idle_uj + r->overflow.idle_uj + r->all.idle_uj;
	emb_per_idle = idle_den > 0 && in->embodied_g > 0 ? in->embodied_g / (double)idle_den : 0.0;
	if (idle_den == 0 && in->embodied_g > 0)
		r->idle.g[CS_SCOPE_EMBODIED] = in->embodied_g; /* nothing idle to share it by */
	r->folded = 0;
	for (i = 0; i < r->n; i++) {
		ag_row *row = &r->rows[i];

		if (!row->live)
			continue;
		row->g[CS_SCOPE_OPERATIONAL] = carbon_op(row->e, in);
		row->g[CS_SCOPE_EMBODIED] = (double)row->idle_uj * emb_per_idle;
		if (row->folded) {
			r->folded++;
			for (int c = 0; c < CS_PART_COUNT; c++)
				r->overflow.e[c] += row->e[c];
			r->overflow.g[CS_SCOPE_EMBODIED] += row->g[CS_SCOPE_EMBODIED];
			continue;
		}
		for (int c = 0; c < CS_PART_COUNT; c++)
			row->tot[c] += row->e[c];
		for (int s = 0; s < CS_SCOPE_N; s++)
			row->tot_g[s] += row->g[s];
	}
	bucket_close(&r->system, in, emb_per_idle);
	bucket_close(&r->idle, in, emb_per_idle);
	bucket_close(&r->overflow, in, emb_per_idle);
	bucket_close(&r->all, in, emb_per_idle);

	/* 5. snapshot rows and node carbon (their sum) */
	r->nsnap = 0;
	if (snap_reserve(r, r->admitted + 4) != 0)
		return CS_ENOMEM;
	for (int s = 0; s < CS_SCOPE_N; s++)
		r->g[s] = r->system.g[s] + r->idle.g[s] + r->overflow.g[s] + r->all.g[s];
	for (i = 0; i < r->n; i++) {
		if (r->rows[i].folded || !r->rows[i].live)
			continue;
		snap_row(r, &r->rows[i], in->dt_s);
		for (int s = 0; s < CS_SCOPE_N; s++)
			r->g[s] += r->rows[i].g[s];
	}
	if (r->by == CS_BY_NONE)
		snap_bucket(r, &r->all, CS_ROW_WORKLOAD, "all", in->dt_s)->name = "workloads";
	snap_bucket(r, &r->system, CS_ROW_SYSTEM, "system", in->dt_s);
	snap_bucket(r, &r->idle, CS_ROW_IDLE, "idle", in->dt_s);
	if (r->any_folded)
		snap_bucket(r, &r->overflow, CS_ROW_OVERFLOW, "overflow", in->dt_s);
	for (int s = 0; s < CS_SCOPE_N; s++)
		r->tot_g[s] += r->g[s];
	r->in = NULL;
	return rc;
}

const cs_snap_row *cs_rows_snapshot(const cs_rows *r, size_t *n)
{
	*n = r->nsnap;
	return r->snap;
}

void cs_rows_node_carbon(const cs_rows *r, double g[CS_SCOPE_N], double total_g[CS_SCOPE_N])
{
	for (int s = 0; s < CS_SCOPE_N; s++) {
		g[s] = r->g[s];
		total_g[s] = r->tot_g[s];
	}
}

size_t cs_rows_folded(const cs_rows *r)
{
	return r->folded;
}
