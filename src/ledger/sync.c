/* ledger/sync.c - see sync.h. */
#include "ledger/sync.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/clock.h"
#include "core/str.h"
#include "core/why.h"
#include "io/http.h"
#include "ledger/agg.h"
#include "ledger/grow.h"
#include "ledger/period.h"
#include "ledger/promapi.h"

#define GRAIN        "cluster,node,namespace,owner,owner_kind,team,kind"
#define INFO_LABELS  "cluster,node,provider,region,instance,exported_instance,instance_id,instance_name"
#define SYNC_MAX_PAR 12 /* queries of a window in flight at once */

/* What the sync knows of a node-hour beyond agg.h's fields. */
typedef struct nh_extra {
	double isum; /* intensity values seen (several sources in one hour) */
	int icount;
	double span_s; /* last - first agent cycle seen in the hour */
	double count;  /* samples of the node counter in the hour */
	double resets;
	bool has_energy;
} nh_extra;

typedef struct syncer {
	cs_lg_store *s;
	const cs_lg_sync_opts *o;
	cs_lg_sync_stats *st;
	char *why;
	size_t whycap;
	cs_http *http[SYNC_MAX_PAR]; /* one client (connection) per query in flight */
	char base[1024];             /* the URL without a trailing '/' */
	char shown[1024];            /* the same without credentials */
	int64_t src_id;
	cs_lg_agg agg;
	nh_extra *ex;
	size_t ex_cap;
	cs_lg_intern known;  /* "cluster\x1fnode" of nodes seen */
	int64_t hour_fixed;  /* the partial hour: samples map to it, not to t - 1h */
	const char *cur_key; /* [sci] key of the query running */
	char qerr[600];
} syncer;

/* ---- URLs and requests ---------------------------------------------------------------- */

static size_t url_encode(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '_' || c == '.' || c == '~') {
			if (o + 1 >= cap)
				return 0;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= cap)
				return 0;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}

static int fail(syncer *y, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(syncer *y, int code, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cs_set_why(y->why, y->whycap, "ledger sync: %s: %s; nothing was synced", y->shown, msg);
	return code;
}

typedef struct qdef {
	const char *fmt; /* @R = the range ("1h", "1800s") */
	const char *const *labels;
	int nlabels;
	cs_lg_prom_cb cb;
} qdef;

/* One query in flight: its request, then its answer. The window's queries
 * are fetched by a few workers, each query on its own client (the store works
 * on them in parallel, and the big answers overlap their transfer), and
 * parsed one after the other, in order, into the aggregation. The query goes
 * as a form in a POST body (the API's way for long queries: no URL length
 * limit, [sci] queries are the operator's). */
typedef struct qjob {
	const char *q; /* the PromQL, for messages */
	const char *path;
	char *url;     /* base + path */
	char *form;    /* query=...&start=...&end=...&step=3600, or &time=... */
	cs_http *http; /* borrowed; owns res.body until its next request */
	cs_http_result res;
	int rc;
	double secs;
} qjob;

static int job_url(syncer *y, qjob *j, const char *q, int64_t start, int64_t end)
{
	size_t fcap = 3 * strlen(q) + 96, ucap = strlen(y->base) + 32;

	j->q = q;
	j->path = start >= 0 ? "/api/v1/query_range" : "/api/v1/query";
	j->form = malloc(fcap);
	j->url = malloc(ucap);
	if (!j->form || !j->url)
		return fail(y, CS_ENOMEM, "out of memory");
	snprintf(j->url, ucap, "%s%s", y->base, j->path);
	memcpy(j->form, "query=", 6);
	url_encode(q, j->form + 6, fcap - 6);
	if (start >= 0)
		snprintf(j->form + strlen(j->form), fcap - strlen(j->form), "&start=%lld&end=%lld&step=3600",
		         (long long)start, (long long)end);
	else
		snprintf(j->form + strlen(j->form), fcap - strlen(j->form), "&time=%lld", (long long)end);
	return 0;
}

static void job_fetch(qjob *j)
{
	cs_http_req req = {.method = CS_HTTP_POST,
	                   .url = j->url,
	                   .accept = "application/json",
	                   .body = j->form,
	                   .body_len = strlen(j->form),
	                   .content_type = "application/x-www-form-urlencoded"};
	double t0 = cs_mono_s();

	j->rc = cs_http_do(j->http, &req, &j->res);
	j->secs = cs_mono_s() - t0;
}

/* Fetching a window's jobs: `par` workers take the next job in turn, each
 * on that job's own connection; the main thread parses job i as soon as it
 * is in, while the workers fetch the ones after it. */
typedef struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	qjob *jobs;
	bool *done;
	size_t next, n;
} pool;

static void *worker(void *arg)
{
	pool *p = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->mu);
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			return NULL;
		job_fetch(&p->jobs[i]);
		pthread_mutex_lock(&p->mu);
		p->done[i] = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

static int consume(syncer *y, qjob *j, const char *const *labels, int nlabels, cs_lg_prom_cb cb);

/* The clients, opened here, before any worker thread (libcurl's global
 * init is not thread-safe): answers up to CS_LG_BODY_MAX, gzip accepted
 * (Prometheus compresses large answers), the environment's proxy settings
 * (the store may be anywhere), no redirects, TLS verified. */
static int open_clients(syncer *y)
{
	cs_http_opts ho = {.timeout_s = y->o->timeout_s > 0 ? y->o->timeout_s : 60,
	                   .body_max = CS_LG_BODY_MAX,
	                   .proxy = CS_HTTP_PROXY_ENV,
	                   .decompress = true};

	for (int i = 0; i < SYNC_MAX_PAR; i++) {
		int rc = cs_http_open(&ho, &y->http[i]);

		if (rc)
			return fail(y, rc, "cannot start the HTTP client (%s)", cs_strerror(rc));
	}
	return 0;
}

/* A query that got no answer, in the sync's words (fail() names the store). */
static int fetch_failed(syncer *y, const qjob *j)
{
	char line[CS_HTTP_ERROR_MAX + CS_HTTP_DETAIL_MAX + 4];

	switch (j->res.err) {
	case CS_HTTP_E_TOO_BIG:
		return fail(y, j->rc, "answered more than %u MB; sync fewer hours at a time (--from, --to)",
		            CS_LG_BODY_MAX >> 20);
	case CS_HTTP_E_TIMEOUT:
		return fail(y, j->rc, "did not answer within %.0f s; raise --timeout or sync fewer hours",
		            y->o->timeout_s > 0 ? y->o->timeout_s : 60);
	default:
		cs_http_describe(&j->res, line, sizeof(line));
		return fail(y, j->rc, "no answer (%s); check --prometheus", line);
	}
}

/* Fetches jobs[0..n) with at most par in flight and consumes each, in
 * order, as it arrives; the first error is returned (the rest are still
 * fetched and freed by the caller). */
static int fetch_consume(syncer *y, qjob *jobs, size_t n, const qdef *defs, int par)
{
	pthread_t th[SYNC_MAX_PAR];
	bool done[SYNC_MAX_PAR] = {false};
	pool p = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, jobs, done, 0, n};
	size_t nth = 0;
	double t0 = cs_mono_s();
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		jobs[i].http = y->http[i];
	for (int k = 0; k < par && (size_t)k < n; k++)
		if (pthread_create(&th[nth], NULL, worker, &p) == 0)
			nth++;
	if (!nth)
		worker(&p); /* no thread: fetch them all here */
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&p.mu);
		while (!done[i])
			pthread_cond_wait(&p.cv, &p.mu);
		pthread_mutex_unlock(&p.mu);
		if (i == n - 1)
			y->st->query_s += cs_mono_s() - t0; /* wall time to the last answer */
		if (!rc)
			rc = consume(y, &jobs[i], defs[i].labels, defs[i].nlabels, defs[i].cb);
	}
	for (size_t k = 0; k < nth; k++)
		pthread_join(th[k], NULL);
	return rc;
}

/* The answer of a fetched job into cb. */
static int consume(syncer *y, qjob *j, const char *const *labels, int nlabels, cs_lg_prom_cb cb)
{
	cs_lg_prom_stats ps = {0};
	char why[700];
	int rc;

	y->st->queries++;
	if (j->rc)
		return fetch_failed(y, j);
	y->st->bytes += j->res.len;
	if (j->res.status != 200 && j->res.status != 400 && j->res.status != 422)
		return fail(y, CS_EUNAVAIL,
		            "HTTP %ld to query %.120s; is --prometheus the Prometheus HTTP API base URL?",
		            j->res.status, j->q);
	y->qerr[0] = '\0';
	rc = cs_lg_prom_parse(j->res.body, j->res.len, labels, nlabels, cb, y, &ps, why, sizeof(why));
	y->st->series += ps.series;
	y->st->samples += ps.samples;
	y->st->skipped += ps.skipped;
	if (rc == CS_EINVAL)
		return fail(y, CS_EINVAL, "%s in query %.200s", why, j->q);
	if (rc && y->qerr[0])
		return fail(y, rc, "%s", y->qerr);
	if (rc)
		return fail(y, rc, "%s", cs_strerror(rc));
	return 0;
}

static void job_free(qjob *j)
{
	free(j->url);
	free(j->form);
	j->url = j->form = NULL;
}

/* Runs one query (fetch, then parse). */
static int run_query(syncer *y, const char *q, int64_t start, int64_t end, const char *const *labels, int nlabels,
                     cs_lg_prom_cb cb)
{
	qjob j;
	int rc;

	memset(&j, 0, sizeof(j));
	if ((rc = job_url(y, &j, q, start, end)) == 0) {
		j.http = y->http[0];
		job_fetch(&j);
		y->st->query_s += j.secs;
		rc = consume(y, &j, labels, nlabels, cb);
	}
	job_free(&j);
	return rc;
}

/* ---- from samples to node-hours --------------------------------------------------------- */

static int64_t hour_of_sample(const syncer *y, double t)
{
	return y->hour_fixed != INT64_MIN ? y->hour_fixed : cs_lg_hour_of(llround(t) - 1);
}

static int node_hour(syncer *y, const char *cluster, const char *node, double t, uint32_t *idx)
{
	const char *cl = cluster && *cluster ? cluster : y->o->cluster ? y->o->cluster : "";
	bool created;
	int rc = cs_lg_agg_node_hour(&y->agg, y->src_id, hour_of_sample(y, t), cl, node, idx, &created);

	if (rc)
		return rc;
	if (*idx >= y->ex_cap) {
		nh_extra *ne = cs_lg_grown(y->ex, &y->ex_cap, (size_t)*idx + 1, sizeof(*ne));

		if (!ne)
			return CS_ENOMEM;
		y->ex = ne;
	}
	if (created)
		memset(&y->ex[*idx], 0, sizeof(y->ex[*idx]));
	return 0;
}

static int64_t uj_of(double j)
{
	return j > 0 ? llround(j * 1e6) : 0;
}

static int part_of(const char *name)
{
	for (int c = 0; c < CS_PART_COUNT; c++)
		if (!strcmp(name, cs_part_name((cs_part)c)))
			return c;
	return -1;
}

static bool is_bucket(const char *kind)
{
	return !strcmp(kind, "system") || !strcmp(kind, "idle") || !strcmp(kind, "overflow");
}

/* labels: cluster node namespace owner owner_kind team kind (component|scope) */
static int cell_of(syncer *y, const char *const *l, double t, uint32_t *cell)
{
	uint32_t nh;
	bool bucket = is_bucket(l[6]);
	int rc = node_hour(y, l[0], l[1], t, &nh);

	if (rc)
		return rc;
	return cs_lg_agg_cell_of(&y->agg, nh, l[2], bucket && !l[3][0] ? l[6] : l[3], bucket && !l[4][0] ? l[6] : l[4],
	                         l[5], cell);
}

static int on_row_energy(void *ud, const char *const *l, double t, double v)
{
	syncer *y = ud;
	int c = part_of(l[7]);
	uint32_t cell;

	if (c < 0)
		return 0; /* a component this carbonstat does not know */
	if (cell_of(y, l, t, &cell) != 0)
		return CS_ENOMEM;
	y->agg.cells[cell].energy_uj[c] += uj_of(v);
	return 0;
}

/* A carbon increase of kind "operational" or "embodied" (others are not
 * this carbonstat's); a counter reset's negative increase counts as none. */
static void add_carbon(const char *kind, double v, double *op_g, double *emb_g)
{
	if (!strcmp(kind, "operational"))
		*op_g += v > 0 ? v : 0;
	else if (!strcmp(kind, "embodied"))
		*emb_g += v > 0 ? v : 0;
}

static int on_row_carbon(void *ud, const char *const *l, double t, double v)
{
	syncer *y = ud;
	uint32_t cell;

	if (cell_of(y, l, t, &cell) != 0)
		return CS_ENOMEM;
	add_carbon(l[7], v, &y->agg.cells[cell].op_g, &y->agg.cells[cell].emb_g);
	return 0;
}

static int on_node_energy(void *ud, const char *const *l, double t, double v)
{
	syncer *y = ud;
	int c = part_of(l[2]);
	uint32_t nh;

	if (c < 0)
		return 0;
	if (node_hour(y, l[0], l[1], t, &nh) != 0)
		return CS_ENOMEM;
	y->agg.nh[nh].energy_uj[c] += uj_of(v);
	y->ex[nh].has_energy = true;
	return 0;
}

static int on_node_carbon(void *ud, const char *const *l, double t, double v)
{
	syncer *y = ud;
	uint32_t nh;

	if (node_hour(y, l[0], l[1], t, &nh) != 0)
		return CS_ENOMEM;
	add_carbon(l[2], v, &y->agg.nh[nh].op_g, &y->agg.nh[nh].emb_g);
	return 0;
}

static int on_info(void *ud, const char *const *l, double t, double v)
{
	syncer *y = ud;
	cs_lg_agg_nh *n;
	uint32_t nh;

	/* Scraped without honor_labels, the agent's "instance" (the instance
	 * type) loses to the target's (host:port) and comes as
	 * exported_instance; an instance type never holds a ':'. */
	const char *type = l[5][0] ? l[5] : strchr(l[4], ':') ? "" : l[4];
	/* the machine's id and name (agents before them send neither) */
	const char *id = l[6], *name = l[7];

	(void)v;
	if (node_hour(y, l[0], l[1], t, &nh) != 0)
		return CS_ENOMEM;
	n = &y->agg.nh[nh];
	if ((l[2][0] && cs_lg_agg_str(&y->agg, l[2], &n->provider) != 0) ||
	    (l[3][0] && cs_lg_agg_str(&y->agg, l[3], &n->region) != 0) ||
	    (type[0] && cs_lg_agg_str(&y->agg, type, &n->instance) != 0) ||
	    (id[0] && cs_lg_agg_str(&y->agg, id, &n->instance_id) != 0) ||
	    (name[0] && cs_lg_agg_str(&y->agg, name, &n->instance_name) != 0))
		return CS_ENOMEM;
	return 0;
}

/* The node's CPU time in the hour by mode: busy, idle (milliseconds, all
 * CPUs; a counter reset's negative increase counts as none). */
static int on_node_cpu(void *ud, const char *const *l, double t, double v)
{
	syncer *y = ud;
	uint32_t nh;
	int64_t ms = v > 0 ? llround(v * 1000) : 0;

	if (strcmp(l[2], "busy") && strcmp(l[2], "idle"))
		return 0; /* a mode this carbonstat does not export */
	if (node_hour(y, l[0], l[1], t, &nh) != 0)
		return CS_ENOMEM;
	if (!strcmp(l[2], "busy"))
		y->agg.nh[nh].cpu_busy_ms += ms;
	y->agg.nh[nh].cpu_total_ms += ms;
	return 0;
}

static int on_intensity(void *ud, const char *const *l, double t, double v)
{
	syncer *y = ud;
	uint32_t nh;

	if (node_hour(y, l[0], l[1], t, &nh) != 0 || cs_lg_agg_set_isrc(&y->agg, nh, l[2][0] ? l[2] : "none") != 0)
		return CS_ENOMEM;
	if (v >= 0) {
		y->ex[nh].isum += v;
		y->ex[nh].icount++;
	}
	return 0;
}

/* A per-node figure of the hour: PUE, cycles' span, samples, resets. */
typedef enum node_fig { FIG_PUE, FIG_SPAN, FIG_COUNT, FIG_RESETS } node_fig;

static int node_figure(syncer *y, const char *const *l, double t, double v, node_fig fig)
{
	uint32_t nh;

	if (node_hour(y, l[0], l[1], t, &nh) != 0)
		return CS_ENOMEM;
	switch (fig) {
	case FIG_PUE: y->agg.nh[nh].pue = v; break;
	case FIG_SPAN: y->ex[nh].span_s = v; break;
	case FIG_COUNT: y->ex[nh].count = v; break;
	case FIG_RESETS: y->ex[nh].resets = v; break;
	}
	return 0;
}

static int on_pue(void *ud, const char *const *l, double t, double v)
{
	return node_figure(ud, l, t, v, FIG_PUE);
}

static int on_span(void *ud, const char *const *l, double t, double v)
{
	return node_figure(ud, l, t, v, FIG_SPAN);
}

static int on_count(void *ud, const char *const *l, double t, double v)
{
	return node_figure(ud, l, t, v, FIG_COUNT);
}

static int on_resets(void *ud, const char *const *l, double t, double v)
{
	return node_figure(ud, l, t, v, FIG_RESETS);
}

static int on_units(void *ud, const char *const *l, double t, double v)
{
	syncer *y = ud;
	int rc;

	(void)l;
	if ((rc = cs_lg_put_unit(y->s, hour_of_sample(y, t), y->src_id, y->cur_key, v)) != 0) {
		snprintf(y->qerr, sizeof(y->qerr), "%s", cs_lg_why(y->s));
		return rc;
	}
	return 0;
}

/* ---- one window of hours ---------------------------------------------------------------- */

static const char *const L_ROW_E[] = {"cluster",    "node", "namespace", "owner",
                                      "owner_kind", "team", "kind",      "component"};
static const char *const L_ROW_C[] = {"cluster", "node", "namespace", "owner", "owner_kind", "team", "kind", "scope"};
static const char *const L_NODE_E[] = {"cluster", "node", "component"};
static const char *const L_NODE_C[] = {"cluster", "node", "scope"};
static const char *const L_INFO[] = {"cluster",           "node",        "provider",     "region", "instance",
                                     "exported_instance", "instance_id", "instance_name"};
static const char *const L_NODE_CPU[] = {"cluster", "node", "mode"};
static const char *const L_INT[] = {"cluster", "node", "source"};
static const char *const L_NODE[] = {"cluster", "node"};

static const qdef queries[] = {
    {"sum by (" GRAIN ",component) (increase(carbonstat_energy_joules_total[@R]))", L_ROW_E, 8, on_row_energy},
    {"sum by (" GRAIN ",scope) (increase(carbonstat_carbon_grams_total[@R]))", L_ROW_C, 8, on_row_carbon},
    {"sum by (cluster,node,component) (increase(carbonstat_node_energy_joules_total[@R]))", L_NODE_E, 3,
     on_node_energy},
    {"sum by (cluster,node,scope) (increase(carbonstat_node_carbon_grams_total[@R]))", L_NODE_C, 3, on_node_carbon},
    {"max by (" INFO_LABELS ") (max_over_time(carbonstat_info[@R]))", L_INFO, 8, on_info},
    {"sum by (cluster,node,mode) (increase(carbonstat_node_cpu_seconds_total[@R]))", L_NODE_CPU, 3, on_node_cpu},
    {"max by (cluster,node,source) (avg_over_time(carbonstat_grid_intensity_grams_per_kwh[@R]))", L_INT, 3,
     on_intensity},
    {"max by (cluster,node) (avg_over_time(carbonstat_pue[@R]))", L_NODE, 2, on_pue},
    {"max by (cluster,node) (max_over_time(carbonstat_agent_last_cycle_timestamp_seconds[@R]) - "
     "min_over_time(carbonstat_agent_last_cycle_timestamp_seconds[@R]))",
     L_NODE, 2, on_span},
    {"max by (cluster,node) (count_over_time(carbonstat_node_energy_joules_total[@R]))", L_NODE, 2, on_count},
    {"max by (cluster,node) (resets(carbonstat_node_energy_joules_total[@R]))", L_NODE, 2, on_resets},
};

/* fmt with every "@R" replaced by range (the queries are ours: they fit). */
static void subst_range(const char *fmt, const char *range, char *out, size_t cap)
{
	size_t o = 0, rl = strlen(range);

	for (const char *p = fmt; *p && o + rl + 1 < cap; p++) {
		if (p[0] == '@' && p[1] == 'R') {
			memcpy(out + o, range, rl);
			o += rl;
			p++;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

static int note_known(syncer *y, const char *cluster, const char *node)
{
	char key[CS_LG_NODE_KEY_MAX];
	int n = cs_lg_node_key(cluster, node, key);
	uint32_t idx;

	if (n < 0)
		return 0;
	return cs_lg_intern_put(&y->known, key, (size_t)n, &idx, NULL);
}

static int known_cb(void *ud, int64_t hour, const char *cluster, const char *node, int64_t first_ms, int64_t last_ms,
                    int64_t samples, int64_t covered_ms)
{
	(void)hour;
	(void)first_ms;
	(void)last_ms;
	(void)samples;
	(void)covered_ms;
	return note_known(ud, cluster, node);
}

static int put_gap(syncer *y, int64_t hour, const char *cluster, const char *node, const char *kind, double covered_s,
                   const char *detail)
{
	cs_lg_gap g = {hour, y->src_id, cluster, node, kind, covered_s, detail};
	int rc = cs_lg_put_gap(y->s, &g);

	if (rc)
		cs_set_why(y->why, y->whycap, "%s", cs_lg_why(y->s));
	return rc;
}

/* Queries hours [h0, h1) (or the partial hour h0 when partial), then
 * writes them. */
static int window(syncer *y, int64_t h0, int64_t h1, bool partial)
{
	char range[32], q[CS_LG_QUERY_MAX + 16], *present = NULL;
	int64_t nh_hours = (h1 - h0) / CS_LG_HOUR_S;
	int64_t start = partial ? -1 : h0 + CS_LG_HOUR_S, end = partial ? (int64_t)y->o->now_s : h1;
	cs_lg_write_stats ws = {0};
	cs_lg_write_opts wo = {y->o->pricer, y->o->split};
	bool *keep = NULL;
	size_t n;
	int rc = 0;

	cs_lg_agg_init(&y->agg);
	y->hour_fixed = partial ? h0 : INT64_MIN;
	if (partial)
		snprintf(range, sizeof(range), "%llds", (long long)(end - h0 > 1 ? end - h0 : 1));
	else
		snprintf(range, sizeof(range), "1h");
	{
		enum { NQ = sizeof(queries) / sizeof(queries[0]) };
		char qs[NQ][1024];
		qjob jobs[NQ];

		_Static_assert(NQ <= SYNC_MAX_PAR, "a connection per query");
		memset(jobs, 0, sizeof(jobs));
		for (size_t i = 0; i < NQ && !rc; i++) {
			subst_range(queries[i].fmt, range, qs[i], sizeof(qs[i]));
			rc = job_url(y, &jobs[i], qs[i], start, end);
		}
		if (!rc)
			rc = fetch_consume(y, jobs, NQ, queries,
			                   y->o->parallel > 0
			                       ? (y->o->parallel < SYNC_MAX_PAR ? y->o->parallel : SYNC_MAX_PAR)
			                       : CS_LG_SYNC_PAR);
		for (size_t i = 0; i < NQ; i++)
			job_free(&jobs[i]);
	}
	if (rc)
		goto out;
	n = cs_lg_agg_n(&y->agg);
	keep = calloc(n ? n : 1, sizeof(bool));
	present = calloc((size_t)(nh_hours ? nh_hours : 1), 1);
	if (!keep || !present) {
		rc = fail(y, CS_ENOMEM, "out of memory");
		goto out;
	}
	/* finish each node-hour: intensity, coverage; note the nodes */
	for (size_t i = 0; i < n; i++) {
		cs_lg_agg_nh *nh = &y->agg.nh[i];
		nh_extra *ex = &y->ex[i];
		int64_t e = 0;
		double covered;

		if (!ex->has_energy)
			continue;
		keep[i] = true;
		present[(nh->hour - h0) / CS_LG_HOUR_S] = 1;
		for (int c = 0; c < CS_PART_COUNT; c++)
			e += nh->energy_uj[c];
		if (ex->icount) {
			double inten = ex->isum / ex->icount;

			nh->ei = inten * (double)e;
			nh->ei_uj = e;
			for (uint32_t c = nh->head; c != CS_LG_NONE; c = y->agg.cells[c].next)
				y->agg.cells[c].intensity_g_per_kwh = inten;
		}
		/* the cycles span first..last; one more interval covers the hour */
		covered = ex->count >= 2 ? ex->span_s * ex->count / (ex->count - 1) : 0;
		if (partial && covered > (double)(end - h0))
			covered = (double)(end - h0);
		if (covered > CS_LG_HOUR_S)
			covered = CS_LG_HOUR_S;
		nh->samples = (int64_t)ex->count;
		nh->covered_ms = llround(covered * 1000);
		nh->first_ms = nh->hour * 1000;
		nh->last_ms = nh->hour * 1000 + nh->covered_ms;
		if (note_known(y, cs_lg_agg_s(&y->agg, nh->cluster), cs_lg_agg_s(&y->agg, nh->node)) != 0) {
			rc = fail(y, CS_ENOMEM, "out of memory");
			goto out;
		}
	}
	/* replace the source's hours, then write */
	if ((rc = cs_lg_delete_hours(y->s, y->src_id, h0, h1)) != 0 ||
	    (rc = cs_lg_agg_write(&y->agg, y->s, &wo, keep, &ws)) != 0) {
		cs_set_why(y->why, y->whycap, "%s", cs_lg_why(y->s));
		goto out;
	}
	y->st->node_hours += ws.node_hours;
	y->st->facts += ws.facts;
	y->st->priced += ws.priced;
	y->st->unpriced += ws.unpriced;
	/* gaps: partial and reset node-hours, missing nodes and hours */
	for (size_t i = 0; i < n && !rc; i++) {
		cs_lg_agg_nh *nh = &y->agg.nh[i];
		const char *cl = cs_lg_agg_s(&y->agg, nh->cluster), *no = cs_lg_agg_s(&y->agg, nh->node);
		char detail[160];

		if (!keep[i])
			continue;
		if (nh->covered_ms < (int64_t)(0.99 * 3.6e6)) {
			snprintf(detail, sizeof(detail), "%s: agent cycles span %.0f s of 3600 (%g samples)",
			         partial ? "hour in progress" : "scrapes missing", (double)nh->covered_ms / 1000,
			         y->ex[i].count);
			rc = put_gap(y, nh->hour, cl, no, "partial", (double)nh->covered_ms / 1000, detail);
			y->st->partial++;
		}
		if (!rc && y->ex[i].resets > 0) {
			snprintf(detail, sizeof(detail),
			         "node counter reset %g times (agent restart): energy between the last scrape and the "
			         "restart is not in Prometheus",
			         y->ex[i].resets);
			rc = put_gap(y, nh->hour, cl, no, "reset", (double)nh->covered_ms / 1000, detail);
			y->st->resets++;
		}
	}
	for (int64_t h = h0; h < h1 && !rc; h += CS_LG_HOUR_S) {
		if (!present[(h - h0) / CS_LG_HOUR_S]) {
			rc = put_gap(
			    y, h, "", "", "missing", 0,
			    "no carbonstat series in this hour: Prometheus down, agents not scraped, or retention");
			y->st->missing++;
			continue;
		}
		for (size_t k = 0; k < y->known.n && !rc; k++) {
			char key[2 * CS_LG_STR_MAX + 2], *sep;
			int64_t found;

			cs_strcpy_fit(key, sizeof(key), cs_lg_intern_at(&y->known, (uint32_t)k));
			sep = strchr(key, '\x1f');
			if (!sep)
				continue;
			*sep = '\0';
			found = cs_lg_agg_find_node_hour(&y->agg, y->src_id, h, key, sep + 1);
			if (found >= 0 && keep[found])
				continue;
			rc = put_gap(y, h, key, sep + 1, "missing", 0,
			             "node seen in the window but without data in this hour");
			y->st->missing++;
		}
	}
	if (rc)
		goto out;
	/* SCI functional units, per hour */
	for (size_t i = 0; y->o->conf && i < y->o->conf->nsci && !rc; i++) {
		snprintf(q, sizeof(q), "sum(%s)", y->o->conf->sci[i].query);
		y->cur_key = y->o->conf->sci[i].key;
		if (strlen(y->o->conf->sci[i].query) + 6 >= sizeof(q)) {
			rc = fail(y, CS_EINVAL, "[sci] %s query too long", y->cur_key);
			break;
		}
		rc = run_query(y, q, start, end, NULL, 0, on_units);
	}
out:
	free(keep);
	free(present);
	cs_lg_agg_free(&y->agg);
	return rc;
}

int cs_lg_sync(cs_lg_store *s, const cs_lg_sync_opts *o, cs_lg_sync_stats *st, char *why, size_t whycap)
{
	syncer y = {.s = s, .o = o, .st = st, .why = why, .whycap = whycap};
	double t0 = cs_mono_s();
	int64_t wm, now_h, complete_end, from, to, batch;
	size_t blen;
	int rc;

	memset(st, 0, sizeof(*st));
	cs_strcpy_fit(y.base, sizeof(y.base), o->url);
	blen = strlen(y.base);
	while (blen && y.base[blen - 1] == '/')
		y.base[--blen] = '\0';
	cs_http_url_shown(y.base, y.shown, sizeof(y.shown));
	if (!cs_http_url_scheme(y.base)) {
		cs_set_why(why, whycap, "ledger sync: --prometheus '%s' is not an http:// or https:// URL", y.shown);
		rc = CS_EINVAL;
		goto out;
	}
	if (o->source && *o->source)
		cs_strcpy_fit(st->source, sizeof(st->source), o->source);
	else
		snprintf(st->source, sizeof(st->source), "prometheus:%s", y.shown);
	if ((rc = open_clients(&y)) != 0)
		goto out;
	/* the lock first: a second sync waits here, then sees our watermark */
	if ((rc = cs_lg_begin(s)) != 0 || (rc = cs_lg_source(s, st->source, "prometheus", &y.src_id, &wm)) != 0) {
		cs_set_why(why, whycap, "%s", cs_lg_why(s));
		goto out;
	}
	if (o->pricer && (rc = cs_lg_get_currency(s, o->pricer->currency)) != 0) {
		cs_set_why(why, whycap, "%s", cs_lg_why(s));
		goto out;
	}
	now_h = cs_lg_hour_of((int64_t)o->now_s);
	complete_end = cs_lg_hour_of((int64_t)o->now_s - CS_LG_SYNC_LAG_S);
	to = o->to_s != INT64_MIN ? cs_lg_hour_of(o->to_s + CS_LG_HOUR_S - 1) : complete_end;
	if (to > complete_end)
		to = complete_end;
	from = o->from_s != INT64_MIN ? cs_lg_hour_of(o->from_s)
	       : wm != INT64_MIN      ? cs_lg_hour_of(wm / 1000)
	                              : to - CS_LG_SYNC_DEFAULT_H * CS_LG_HOUR_S;
	st->from_hour = from;
	st->to_hour = from > to ? from : to;
	/* nodes of the day before: a node that stops reporting is missing, not gone */
	if ((rc = cs_lg_coverage(s, y.src_id, from - 24 * CS_LG_HOUR_S, from, known_cb, &y)) != 0) {
		cs_set_why(why, whycap, "%s", cs_lg_why(s));
		goto out;
	}
	batch = (o->batch_hours > 0 ? o->batch_hours : CS_LG_SYNC_BATCH_H) * (int64_t)CS_LG_HOUR_S;
	for (int64_t h = from; h < to && !rc; h += batch)
		rc = window(&y, h, h + batch < to ? h + batch : to, false);
	if (!rc && o->partial && to < now_h + CS_LG_HOUR_S) {
		/* the hours between the last complete one and now, the last in progress */
		for (int64_t h = to > from ? to : from; h < now_h && !rc; h += CS_LG_HOUR_S)
			rc = window(&y, h, h + CS_LG_HOUR_S, false);
		if (!rc)
			rc = window(&y, now_h, now_h + CS_LG_HOUR_S, true);
		st->to_hour = now_h + CS_LG_HOUR_S;
	}
	if (rc)
		goto out;
	if (to > from && (wm == INT64_MIN || to * 1000 > wm) &&
	    (rc = cs_lg_set_watermark(s, y.src_id, to * 1000)) != 0) {
		cs_set_why(why, whycap, "%s", cs_lg_why(s));
		goto out;
	}
	if (o->pricer && o->pricer->currency_new && (rc = cs_lg_set_currency(s, o->pricer->currency)) != 0) {
		cs_set_why(why, whycap, "%s", cs_lg_why(s));
		goto out;
	}
	if ((rc = cs_lg_commit(s)) != 0)
		cs_set_why(why, whycap, "%s", cs_lg_why(s));
out:
	if (rc)
		cs_lg_rollback(s);
	st->total_s = cs_mono_s() - t0;
	for (int i = 0; i < SYNC_MAX_PAR; i++)
		cs_http_close(y.http[i]);
	cs_lg_intern_free(&y.known);
	free(y.ex);
	return rc;
}
