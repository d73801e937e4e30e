/* ledger/import.c - see import.h. */
#include "ledger/import.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "carbonstat/error.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/str.h"
#include "core/why.h"
#include "ledger/agg.h"
#include "ledger/grow.h"
#include "ledger/jsonl_in.h"
#include "ledger/period.h"

#define READ_CHUNK  (1u << 20)
#define MISSING_MAX 10000 /* missing hours recorded per source and import */

/* ---- lines, from plain or gzip files -------------------------------------------------- */

typedef struct lreader {
	gzFile gz;
	const char *name;
	cs_win w; /* w.pos: start of the next line */
	bool eof;
	uint64_t lineno;
} lreader;

static int lr_open(lreader *r, const char *path, char *why, size_t whycap)
{
	memset(r, 0, sizeof(*r));
	r->name = path;
	if (!strcmp(path, "-")) {
		int fd = dup(STDIN_FILENO);

		r->gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
		if (!r->gz && fd >= 0)
			close(fd);
	} else {
		r->gz = gzopen(path, "rb");
	}
	if (!r->gz) {
		int err = errno ? errno : ENOMEM;

		cs_set_why(why, whycap, "ledger import: cannot open %s: %s; check the path", path, strerror(err));
		return -err;
	}
	gzbuffer(r->gz, 256 * 1024);
	r->w.cap = READ_CHUNK; /* the first read makes the window (cs_win_room) */
	return 0;
}

static void lr_close(lreader *r)
{
	if (r->gz)
		gzclose(r->gz);
	free(r->w.buf);
	r->gz = NULL;
	r->w.buf = NULL;
}

/* The next line (without its '\n'): 1, 0 at the end, < 0 on error. An
 * unterminated last line is returned with *terminated false. */
static int lr_next(lreader *r, const char **line, size_t *len, bool *terminated, char *why, size_t whycap)
{
	for (;;) {
		char *nl = r->w.len > r->w.pos ? memchr(r->w.buf + r->w.pos, '\n', r->w.len - r->w.pos) : NULL;
		int n, rc;

		if (nl) {
			*line = r->w.buf + r->w.pos;
			*len = (size_t)(nl - (r->w.buf + r->w.pos));
			*terminated = true;
			r->w.pos += *len + 1;
			r->lineno++;
			return 1;
		}
		if (r->eof) {
			if (r->w.len > r->w.pos) {
				*line = r->w.buf + r->w.pos;
				*len = r->w.len - r->w.pos;
				*terminated = false;
				r->w.pos = r->w.len;
				r->lineno++;
				return 1;
			}
			return 0;
		}
		/* doubled from READ_CHUNK, the buffer stops at CS_LG_LINE_MAX */
		if ((rc = cs_win_room(&r->w, CS_LG_LINE_MAX)) == CS_ERANGE) {
			cs_set_why(why, whycap,
			           "ledger import: %s:%llu: a line longer than %u MB; not the agent's JSON lines",
			           r->name, (unsigned long long)r->lineno + 1, CS_LG_LINE_MAX >> 20);
			return CS_EINVAL;
		}
		if (rc) {
			cs_set_why(why, whycap, "ledger import: out of memory");
			return CS_ENOMEM;
		}
		n = gzread(r->gz, r->w.buf + r->w.len, (unsigned)(r->w.cap - r->w.len));
		if (n < 0) {
			int e;
			const char *m = gzerror(r->gz, &e);

			cs_set_why(why, whycap, "ledger import: cannot read %s: %s; the file is damaged (a cut gzip?)",
			           r->name, e == Z_ERRNO ? strerror(errno) : m);
			return -EIO;
		}
		if (n == 0)
			r->eof = true;
		r->w.len += (size_t)n;
	}
}

/* ---- a set of uint64 keys (cycles seen in this import) -------------------------------- */

typedef struct u64set {
	uint64_t *v; /* 0 = empty; keys are stored + 1 */
	size_t n, cap;
} u64set;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

/* 1 if key was already there, 0 if added, CS_ENOMEM. */
static int u64set_add(u64set *s, uint64_t key)
{
	key++;
	if ((s->n + 1) * 2 > s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 4096;
		uint64_t *nv = calloc(nc, sizeof(*nv));

		if (!nv)
			return CS_ENOMEM;
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i]) {
				size_t j = mix(s->v[i]) & (nc - 1);

				while (nv[j])
					j = (j + 1) & (nc - 1);
				nv[j] = s->v[i];
			}
		free(s->v);
		s->v = nv;
		s->cap = nc;
	}
	for (size_t j = mix(key) & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
		if (s->v[j] == key)
			return 1;
		if (!s->v[j]) {
			s->v[j] = key;
			s->n++;
			return 0;
		}
	}
}

/* ---- per-source state ----------------------------------------------------------------- */

typedef struct cov {
	int64_t first_ms, last_ms, samples, covered_ms;
} cov;

typedef struct src_state {
	int64_t id;
	int64_t wm_ms;          /* stored watermark, INT64_MIN = none */
	int64_t in_min, in_max; /* hours with counted cycles in this import */
	int64_t last_ms;        /* latest cycle end counted */
	char cluster[CS_LG_STR_MAX], node[CS_LG_STR_MAX];
	int64_t *stored; /* stored hours, sorted after load */
	size_t nstored, stored_cap;
} src_state;

/* One row of the cycle being read, until the cycle is known whole. */
typedef struct pend_row {
	uint32_t cell;
	int64_t energy_uj[CS_PART_COUNT];
	double op_g, emb_g;
} pend_row;

typedef struct imp {
	cs_lg_store *s;
	const cs_lg_import_opts *o;
	cs_lg_import_stats *st;
	char *why;
	size_t whycap;
	cs_lg_agg agg;
	cs_lg_intern src_names; /* "cluster\x1fnode" -> index into src */
	src_state *src;
	size_t src_cap;
	cs_lg_intern cov_keys; /* (src index, hour) -> index into covs */
	cov *covs;
	size_t covs_cap;
	u64set seen; /* (src index, cycle ts) counted in this import */
	/* the open cycle */
	bool open;
	uint32_t cur_src, cur_nh;
	cs_lg_jline node; /* its node line */
	int64_t rows_seen;
	uint64_t open_line;
	pend_row *rows;
	size_t nrows, rows_cap;
	int64_t skip_left; /* rows of a skipped cycle still to pass over */
	cs_lg_jline row;   /* scratch */
} imp;

typedef struct cov_key {
	uint32_t src;
	uint32_t pad;
	int64_t hour;
} cov_key;

static int nomem(imp *m)
{
	cs_set_why(m->why, m->whycap, "ledger import: out of memory");
	return CS_ENOMEM;
}

static const cov *cov_find(const imp *m, uint32_t src, int64_t hour)
{
	cov_key k = {src, 0, hour};
	int64_t i = cs_lg_intern_find(&m->cov_keys, &k, sizeof(k));

	return i < 0 ? NULL : &m->covs[i];
}

typedef struct cov_load {
	imp *m;
	uint32_t src;
} cov_load;

static int cov_cb(void *ud, int64_t hour, const char *cluster, const char *node, int64_t first_ms, int64_t last_ms,
                  int64_t samples, int64_t covered_ms)
{
	cov_load *l = ud;
	imp *m = l->m;
	src_state *ss = &m->src[l->src];
	cov_key k = {l->src, 0, hour};
	uint32_t idx;
	bool created;
	void *p;

	(void)cluster;
	(void)node;
	if (cs_lg_intern_put(&m->cov_keys, &k, sizeof(k), &idx, &created) != 0)
		return CS_ENOMEM;
	if (!(p = cs_lg_grown(m->covs, &m->covs_cap, m->cov_keys.n, sizeof(cov))))
		return CS_ENOMEM;
	m->covs = p;
	m->covs[idx] = (cov){first_ms, last_ms, samples, covered_ms};
	if (!(p = cs_lg_grown(ss->stored, &ss->stored_cap, ss->nstored + 1, sizeof(int64_t))))
		return CS_ENOMEM;
	ss->stored = p;
	ss->stored[ss->nstored++] = hour;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The source of a node line's (cluster, node): looked up, or created with
 * its stored coverage loaded. */
static int source_of(imp *m, const char *cluster, const char *node, uint32_t *out)
{
	char key[CS_LG_NODE_KEY_MAX], name[2 * CS_LG_STR_MAX + 16];
	int n = cs_lg_node_key(cluster, node, key); /* the names are bounded on input: it fits */
	uint32_t idx;
	bool created;
	src_state *ss;
	cov_load l;
	void *p;
	int rc;

	if (cs_lg_intern_put(&m->src_names, key, (size_t)n, &idx, &created) != 0)
		return nomem(m);
	*out = idx;
	if (!created)
		return 0;
	if (!(p = cs_lg_grown(m->src, &m->src_cap, m->src_names.n, sizeof(src_state))))
		return nomem(m);
	m->src = p;
	ss = &m->src[idx];
	memset(ss, 0, sizeof(*ss));
	cs_strcpy_fit(ss->cluster, sizeof(ss->cluster), cluster);
	cs_strcpy_fit(ss->node, sizeof(ss->node), node);
	ss->in_min = INT64_MAX;
	ss->in_max = INT64_MIN;
	ss->last_ms = INT64_MIN;
	snprintf(name, sizeof(name), "jsonl:%s/%s", cluster, node);
	if ((rc = cs_lg_source(m->s, name, "jsonl", &ss->id, &ss->wm_ms)) != 0)
		goto dberr;
	l.m = m;
	l.src = idx;
	if ((rc = cs_lg_coverage(m->s, ss->id, INT64_MIN / 2, INT64_MAX / 2, cov_cb, &l)) != 0) {
		if (rc == CS_ENOMEM)
			return nomem(m);
		goto dberr;
	}
	if (ss->nstored > 1) /* qsort(NULL, 0) is undefined */
		qsort(ss->stored, ss->nstored, sizeof(int64_t), cmp_i64);
	m->st->sources++;
	return 0;
dberr:
	cs_set_why(m->why, m->whycap, "%s", cs_lg_why(m->s));
	return rc;
}

static int64_t hour_of_ts(int64_t ts_ms)
{
	/* the interval ends at ts: an end at 11:00:00.000 is still hour 10 */
	int64_t t = ts_ms - 1, h = t >= 0 ? t / 3600000 : -((-t + 3599999) / 3600000);

	return h * 3600;
}

static int bad(imp *m, const lreader *r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(imp *m, const lreader *r, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cs_set_why(m->why, m->whycap, "ledger import: %s:%llu: %s; nothing was imported", r->name,
	           (unsigned long long)r->lineno, msg);
	return CS_EINVAL;
}

static void bucket_names(const cs_lg_jline *j, const char **owner, const char **kind)
{
	const char *t = j->type == CS_LG_J_SYSTEM ? "system" : j->type == CS_LG_J_IDLE ? "idle" : "overflow";

	*owner = j->owner[0] ? j->owner : t;
	*kind = j->owner_kind[0] ? j->owner_kind : t;
}

/* The open cycle is whole: check it adds up, then count it. */
static int close_cycle(imp *m, const lreader *r)
{
	cs_lg_jline *nd = &m->node;
	int64_t sum[CS_PART_COUNT] = {0};
	cs_lg_agg_nh *nh;
	src_state *ss = &m->src[m->cur_src];
	double inten = nd->intensity_g_per_kwh;
	int64_t e_node = 0, hour;
	int rc;

	for (size_t i = 0; i < m->nrows; i++)
		for (int c = 0; c < CS_PART_COUNT; c++)
			sum[c] += m->rows[i].energy_uj[c];
	for (int c = 0; c < CS_PART_COUNT; c++)
		if (sum[c] != nd->energy_uj[c])
			return bad(
			    m, r,
			    "the rows of node %s's cycle %lld (line %llu) add up to %lld uJ of %s, the node line says "
			    "%lld; the file is damaged or not the agent's",
			    nd->node, (long long)nd->seq, (unsigned long long)m->open_line, (long long)sum[c],
			    cs_part_name((cs_part)c), (long long)nd->energy_uj[c]);
	nh = &m->agg.nh[m->cur_nh];
	for (int c = 0; c < CS_PART_COUNT; c++) {
		nh->energy_uj[c] += nd->energy_uj[c];
		e_node += nd->energy_uj[c];
	}
	nh->op_g += nd->op_g;
	nh->emb_g += nd->emb_g;
	if (isfinite(inten)) {
		nh->ei += inten * (double)e_node;
		nh->ei_uj += e_node;
	}
	if (isfinite(nd->pue))
		nh->pue = nd->pue;
	if (nd->provider[0] && (rc = cs_lg_agg_str(&m->agg, nd->provider, &nh->provider)) != 0)
		return nomem(m);
	if (nd->region[0] && (rc = cs_lg_agg_str(&m->agg, nd->region, &nh->region)) != 0)
		return nomem(m);
	if (nd->instance[0] && (rc = cs_lg_agg_str(&m->agg, nd->instance, &nh->instance)) != 0)
		return nomem(m);
	if ((nd->instance_id[0] && (rc = cs_lg_agg_str(&m->agg, nd->instance_id, &nh->instance_id)) != 0) ||
	    (nd->instance_name[0] && (rc = cs_lg_agg_str(&m->agg, nd->instance_name, &nh->instance_name)) != 0))
		return nomem(m);
	if (isfinite(nd->cpu_busy_s) && isfinite(nd->cpu_total_s)) {
		/* the machine's CPU time, for billing --ledger's measured utilisation */
		nh->cpu_busy_ms += llround(nd->cpu_busy_s * 1000);
		nh->cpu_total_ms += llround(nd->cpu_total_s * 1000);
	}
	if (cs_lg_agg_set_isrc(&m->agg, m->cur_nh, nd->intensity_source[0] ? nd->intensity_source : "none") != 0)
		return nomem(m);
	if (nd->ts_ms < nh->first_ms)
		nh->first_ms = nd->ts_ms;
	if (nd->ts_ms > nh->last_ms)
		nh->last_ms = nd->ts_ms;
	nh->samples++;
	nh->covered_ms += llround(nd->interval_s * 1000);
	for (size_t i = 0; i < m->nrows; i++) {
		cs_lg_agg_cell *c = &m->agg.cells[m->rows[i].cell];
		int64_t e = 0;

		for (int k = 0; k < CS_PART_COUNT; k++) {
			c->energy_uj[k] += m->rows[i].energy_uj[k];
			e += m->rows[i].energy_uj[k];
		}
		c->op_g += m->rows[i].op_g;
		c->emb_g += m->rows[i].emb_g;
		if (isfinite(inten)) {
			c->ei += inten * (double)e;
			c->ei_uj += e;
		}
	}
	hour = nh->hour;
	if (hour < ss->in_min)
		ss->in_min = hour;
	if (hour > ss->in_max)
		ss->in_max = hour;
	if (nd->ts_ms > ss->last_ms)
		ss->last_ms = nd->ts_ms;
	m->st->cycles++;
	m->open = false;
	m->nrows = 0;
	return 0;
}

static int on_node(imp *m, const lreader *r, const char *line, size_t len)
{
	cs_lg_jline *nd = &m->node;
	const char *cluster;
	char why[400];
	uint32_t src;
	int64_t hour;
	const cov *cv;
	bool created;
	int rc;

	if (cs_lg_jsonl_parse(line, len, nd, why, sizeof(why)) != 0)
		return bad(m, r, "%s", why);
	if (nd->type != CS_LG_J_NODE)
		return bad(m, r, "a %s row with no node line before it; the file is damaged or not the agent's",
		           nd->type == CS_LG_J_WORKLOAD ? "workload" : "bucket");
	cluster = nd->cluster[0] ? nd->cluster : m->o->cluster ? m->o->cluster : "";
	if ((rc = source_of(m, cluster, nd->node, &src)) != 0)
		return rc;
	hour = hour_of_ts(nd->ts_ms);
	/* already counted: in this import, or inside the stored coverage */
	rc = u64set_add(&m->seen, ((uint64_t)src << 43) | ((uint64_t)nd->ts_ms & ((1ULL << 43) - 1)));
	if (rc < 0)
		return nomem(m);
	cv = m->o->replace ? NULL : cov_find(m, src, hour);
	if (rc == 1 || (cv && nd->ts_ms >= cv->first_ms && nd->ts_ms <= cv->last_ms)) {
		m->st->cycles_known++;
		m->skip_left = nd->rows;
		return 0;
	}
	if ((rc = cs_lg_agg_node_hour(&m->agg, m->src[src].id, hour, cluster, nd->node, &m->cur_nh, &created)) != 0)
		return nomem(m);
	m->cur_src = src;
	m->open = true;
	m->open_line = r->lineno;
	m->rows_seen = 0;
	m->nrows = 0;
	if (nd->rows == 0)
		return close_cycle(m, r);
	return 0;
}

static int on_row(imp *m, const lreader *r, const char *line, size_t len)
{
	cs_lg_jline *j = &m->row, *nd = &m->node;
	const char *owner, *kind;
	char why[400];
	pend_row *p;
	void *vp;
	int rc;

	if (cs_lg_jsonl_parse(line, len, j, why, sizeof(why)) != 0)
		return bad(m, r, "%s", why);
	if (j->type == CS_LG_J_NODE)
		return bad(
		    m, r,
		    "node %s's cycle %lld (line %llu) announced %lld rows but the next node line came after %lld; "
		    "the file is damaged",
		    nd->node, (long long)nd->seq, (unsigned long long)m->open_line, (long long)nd->rows,
		    (long long)m->rows_seen);
	if (strcmp(j->node, nd->node) || j->ts_ms != nd->ts_ms || j->seq != nd->seq)
		return bad(m, r,
		           "a row of node %s cycle %lld at a node line of node %s cycle %lld (line %llu); the file "
		           "is damaged or two files were concatenated mid-cycle",
		           j->node, (long long)j->seq, nd->node, (long long)nd->seq, (unsigned long long)m->open_line);
	if (j->type == CS_LG_J_WORKLOAD) {
		owner = j->owner;
		kind = j->owner_kind;
	} else {
		bucket_names(j, &owner, &kind);
	}
	if (!(vp = cs_lg_grown(m->rows, &m->rows_cap, m->nrows + 1, sizeof(pend_row))))
		return nomem(m);
	m->rows = vp;
	p = &m->rows[m->nrows];
	if ((rc = cs_lg_agg_cell_of(&m->agg, m->cur_nh, j->namespace_, owner, kind, j->team, &p->cell)) != 0)
		return nomem(m);
	memcpy(p->energy_uj, j->energy_uj, sizeof(p->energy_uj));
	p->op_g = j->op_g;
	p->emb_g = j->emb_g;
	m->nrows++;
	if (++m->rows_seen == nd->rows)
		return close_cycle(m, r);
	return 0;
}

static int read_file(imp *m, const char *path)
{
	lreader r;
	const char *line;
	size_t len;
	bool term;
	int rc;

	if ((rc = lr_open(&r, path, m->why, m->whycap)) != 0)
		return rc;
	m->open = false;
	m->skip_left = 0;
	while ((rc = lr_next(&r, &line, &len, &term, m->why, m->whycap)) == 1) {
		m->st->lines++;
		if (!term) {
			rc = 0;
			break; /* being written: the next import takes it */
		}
		if (m->skip_left > 0) {
			m->skip_left--;
			continue;
		}
		if (len == 0 || (len == 1 && line[0] == '\r'))
			continue;
		rc = m->open ? on_row(m, &r, line, len) : on_node(m, &r, line, len);
		if (rc)
			break;
		rc = 1;
	}
	if (rc == 0 && m->open) {
		m->st->cycles_incomplete++;
		m->open = false;
		m->nrows = 0;
	}
	lr_close(&r);
	return rc < 0 ? rc : 0;
}

/* ---- after reading -------------------------------------------------------------------- */

static bool has_hour(const imp *m, uint32_t src, int64_t hour)
{
	const src_state *ss = &m->src[src];
	size_t lo = 0, hi = ss->nstored;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ss->stored[mid] < hour)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ss->nstored && ss->stored[lo] == hour;
}

/* Hours of source i with neither stored nor new data between its first and
 * last: "missing" gaps. new_hours: sorted hours counted in this import. */
static int record_missing(imp *m, uint32_t i, const int64_t *new_hours, size_t nnew)
{
	src_state *ss = &m->src[i];
	int64_t from = ss->in_min, to = ss->in_max;
	size_t recorded = 0, k = 0;
	int rc;

	if (!nnew)
		return 0;
	/* reach back to the stored hour before the input, and on to the one after */
	for (size_t j = 0; j < ss->nstored; j++) {
		if (ss->stored[j] < ss->in_min)
			from = ss->stored[j];
		else if (ss->stored[j] > ss->in_max) {
			to = ss->stored[j];
			break;
		}
	}
	for (int64_t h = from; h <= to && recorded < MISSING_MAX; h += CS_LG_HOUR_S) {
		cs_lg_gap g;

		while (k < nnew && new_hours[k] < h)
			k++;
		if ((k < nnew && new_hours[k] == h) || has_hour(m, i, h))
			continue;
		g = (cs_lg_gap){h, ss->id, ss->cluster, ss->node, "missing", 0.0, "no agent cycle in this hour"};
		if ((rc = cs_lg_put_gap(m->s, &g)) != 0)
			return rc;
		m->st->gaps++;
		recorded++;
	}
	return 0;
}

static int finish(imp *m)
{
	size_t n = cs_lg_agg_n(&m->agg);
	bool *keep = calloc(n ? n : 1, sizeof(bool));
	int64_t **hours = calloc(m->src_names.n ? m->src_names.n : 1, sizeof(int64_t *));
	size_t *nh_count = calloc(m->src_names.n ? m->src_names.n : 1, sizeof(size_t));
	cs_lg_write_stats ws = {0};
	cs_lg_write_opts wo = {m->o->pricer, m->o->split};
	int rc = 0;

	if (!keep || !hours || !nh_count) {
		rc = nomem(m);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		keep[i] = m->agg.nh[i].samples > 0;
	/* per source: which of its node-hours are new, added to, or replaced */
	for (uint32_t s = 0; s < m->src_names.n && !rc; s++) {
		src_state *ss = &m->src[s];
		size_t cnt = 0;

		for (size_t i = 0; i < n; i++)
			if (keep[i] && m->agg.nh[i].source_id == ss->id)
				cnt++;
		hours[s] = malloc((cnt ? cnt : 1) * sizeof(int64_t));
		if (!hours[s]) {
			rc = nomem(m);
			break;
		}
		for (size_t i = 0; i < n && !rc; i++) {
			cs_lg_agg_nh *nh = &m->agg.nh[i];
			const cov *cv;

			if (!keep[i] || nh->source_id != ss->id)
				continue;
			hours[s][nh_count[s]++] = nh->hour;
			cv = cov_find(m, s, nh->hour);
			if (!cv) {
				m->st->node_hours_new++;
			} else if (m->o->replace) {
				rc = cs_lg_delete_node_hour(m->s, ss->id, nh->hour, ss->cluster, ss->node);
				m->st->node_hours_replaced++;
			} else {
				nh->add = true;
				m->st->node_hours_added++;
			}
		}
		if (nh_count[s] > 1)
			qsort(hours[s], nh_count[s], sizeof(int64_t), cmp_i64);
	}
	if (rc)
		goto dberr;
	if ((rc = cs_lg_agg_write(&m->agg, m->s, &wo, keep, &ws)) != 0)
		goto dberr;
	m->st->facts = ws.facts;
	m->st->priced = ws.priced;
	m->st->unpriced = ws.unpriced;
	/* partial hours: what the hour now covers in all */
	for (size_t i = 0; i < n && !rc; i++) {
		cs_lg_agg_nh *nh = &m->agg.nh[i];
		const char *cl = cs_lg_agg_s(&m->agg, nh->cluster), *no = cs_lg_agg_s(&m->agg, nh->node);
		const cov *cv = NULL;
		int64_t covered;

		if (!keep[i])
			continue;
		for (uint32_t s = 0; nh->add && s < m->src_names.n; s++)
			if (m->src[s].id == nh->source_id)
				cv = cov_find(m, s, nh->hour);
		covered = nh->covered_ms + (cv ? cv->covered_ms : 0);
		if ((rc = cs_lg_delete_gaps(m->s, nh->source_id, nh->hour, cl, no)) != 0)
			break;
		if (covered < (int64_t)(CS_LG_FULL_HOUR * 3.6e6)) {
			char detail[96];
			cs_lg_gap g;

			snprintf(detail, sizeof(detail), "agent cycles cover %.0f s of 3600", (double)covered / 1000);
			g = (cs_lg_gap){nh->hour, nh->source_id, cl, no, "partial", (double)covered / 1000, detail};
			if ((rc = cs_lg_put_gap(m->s, &g)) != 0)
				break;
			m->st->gaps++;
		}
	}
	if (rc)
		goto dberr;
	for (uint32_t s = 0; s < m->src_names.n && !rc; s++) {
		src_state *ss = &m->src[s];

		if ((rc = record_missing(m, s, hours[s], nh_count[s])) != 0)
			break;
		if (ss->last_ms > ss->wm_ms || ss->wm_ms == INT64_MIN)
			if (ss->last_ms != INT64_MIN && (rc = cs_lg_set_watermark(m->s, ss->id, ss->last_ms)) != 0)
				break;
	}
	if (rc)
		goto dberr;
	if (m->o->pricer && m->o->pricer->currency_new && (rc = cs_lg_set_currency(m->s, m->o->pricer->currency)) != 0)
		goto dberr;
	goto out;
dberr:
	if (rc == CS_ENOMEM)
		nomem(m);
	else
		cs_set_why(m->why, m->whycap, "%s", cs_lg_why(m->s));
out:
	if (hours)
		for (uint32_t s = 0; s < m->src_names.n; s++)
			free(hours[s]);
	free(hours);
	free(nh_count);
	free(keep);
	return rc;
}

int cs_lg_import(cs_lg_store *s, const cs_lg_import_opts *o, cs_lg_import_stats *st, char *why, size_t whycap)
{
	imp m = {.s = s, .o = o, .st = st, .why = why, .whycap = whycap};
	double t0 = cs_mono_s(), t1;
	int rc;

	memset(st, 0, sizeof(*st));
	cs_lg_agg_init(&m.agg);
	if ((rc = cs_lg_begin(s)) != 0) {
		cs_set_why(why, whycap, "%s", cs_lg_why(s));
		goto out;
	}
	if (o->pricer && (rc = cs_lg_get_currency(s, o->pricer->currency)) != 0)
		cs_set_why(why, whycap, "%s", cs_lg_why(s));
	for (size_t i = 0; i < o->nfiles && !rc; i++)
		rc = read_file(&m, o->files[i]);
	t1 = cs_mono_s();
	st->read_s = t1 - t0;
	if (!rc)
		rc = finish(&m);
	if (!rc && (rc = cs_lg_commit(s)) != 0)
		cs_set_why(why, whycap, "%s", cs_lg_why(s));
	st->write_s = cs_mono_s() - t1;
out:
	if (rc)
		cs_lg_rollback(s);
	for (size_t i = 0; i < m.src_names.n && m.src; i++)
		free(m.src[i].stored);
	cs_lg_agg_free(&m.agg);
	cs_lg_intern_free(&m.src_names);
	cs_lg_intern_free(&m.cov_keys);
	free(m.src);
	free(m.covs);
	free(m.rows);
	free(m.seen.v);
	return rc;
}
