/* ledger/store.c - the ledger schema, its migrations, and every read and
 * write of it, in SQL that both backends run (see store.h for the tables,
 * db.h for what differs per backend).
 *
 * Write path, one transaction:
 *   begin      write lock, migrate, load sources and dims into interners
 *   source/dim ids come from the interners; new ones get max(id) + 1 and
 *              are buffered (the lock makes us the only writer, so ids
 *              assigned here cannot collide)
 *   put_*      new rows are buffered and bulk-loaded (COPY / prepared
 *              INSERT) every CS_LG_BATCH_ROWS rows and at commit; rows that
 *              add to stored ones go through an upsert at once (after the
 *              buffer is flushed, so order is kept)
 *   commit     flush, recompute daily for every day touched (DELETE +
 *              INSERT ... SELECT ... GROUP BY from facts), upsert nodes,
 *              COMMIT
 * Any error rolls the whole transaction back: the ledger is as before.
 */
#include "ledger/store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carbonstat/error.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/str.h"
#include "core/why.h"
#include "ledger/intern.h"

/* ---- schema ------------------------------------------------------------------------- */

/* Version 1. "%R" becomes " WITHOUT ROWID" on SQLite (clustered on the
 * primary key, as PostgreSQL's B-tree index makes it cheap to scan). */
static const char *const schema_v1[] = {
    "CREATE TABLE sources (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, "
    "watermark_ms BIGINT, updated_ms BIGINT NOT NULL)",
    "CREATE TABLE dims (id BIGINT PRIMARY KEY, cluster TEXT NOT NULL, node TEXT NOT NULL, "
    "namespace TEXT NOT NULL, owner TEXT NOT NULL, owner_kind TEXT NOT NULL, team TEXT NOT NULL, "
    "UNIQUE (cluster, node, namespace, owner, owner_kind, team))",
    "CREATE TABLE facts (hour BIGINT NOT NULL, source_id BIGINT NOT NULL, dim_id BIGINT NOT NULL, "
    "component BIGINT NOT NULL, energy_uj BIGINT NOT NULL, op_ug BIGINT NOT NULL, emb_ug BIGINT NOT NULL, "
    "intensity_g_per_kwh DOUBLE PRECISION, cost_micro BIGINT, "
    "PRIMARY KEY (hour, source_id, dim_id, component))%R",
    "CREATE TABLE node_hours (hour BIGINT NOT NULL, source_id BIGINT NOT NULL, cluster TEXT NOT NULL, "
    "node TEXT NOT NULL, provider TEXT NOT NULL, region TEXT NOT NULL, instance TEXT NOT NULL, "
    "energy_cpu_uj BIGINT NOT NULL, energy_dram_uj BIGINT NOT NULL, energy_gpu_uj BIGINT NOT NULL, "
    "energy_other_uj BIGINT NOT NULL, op_ug BIGINT NOT NULL, emb_ug BIGINT NOT NULL, "
    "intensity_g_per_kwh DOUBLE PRECISION, intensity_source TEXT NOT NULL, pue DOUBLE PRECISION, "
    "first_ms BIGINT NOT NULL, last_ms BIGINT NOT NULL, samples BIGINT NOT NULL, covered_ms BIGINT NOT NULL, "
    "cost_micro BIGINT, currency TEXT NOT NULL, price_source TEXT NOT NULL, cost_reason TEXT NOT NULL, "
    "PRIMARY KEY (hour, source_id, cluster, node))%R",
    "CREATE INDEX node_hours_source ON node_hours (source_id, hour)",
    "CREATE TABLE gaps (hour BIGINT NOT NULL, source_id BIGINT NOT NULL, cluster TEXT NOT NULL, "
    "node TEXT NOT NULL, kind TEXT NOT NULL, covered_s DOUBLE PRECISION NOT NULL, detail TEXT NOT NULL, "
    "PRIMARY KEY (hour, source_id, cluster, node, kind))%R",
    "CREATE TABLE units (hour BIGINT NOT NULL, source_id BIGINT NOT NULL, key TEXT NOT NULL, "
    "value DOUBLE PRECISION NOT NULL, PRIMARY KEY (hour, source_id, key))%R",
    "CREATE TABLE daily (day BIGINT NOT NULL, dim_id BIGINT NOT NULL, energy_cpu_uj BIGINT NOT NULL, "
    "energy_dram_uj BIGINT NOT NULL, energy_gpu_uj BIGINT NOT NULL, energy_other_uj BIGINT NOT NULL, "
    "op_ug BIGINT NOT NULL, emb_ug BIGINT NOT NULL, cost_micro BIGINT NOT NULL, uncosted_uj BIGINT NOT NULL, "
    "n_rows BIGINT NOT NULL, PRIMARY KEY (day, dim_id))%R",
    "CREATE TABLE nodes (cluster TEXT NOT NULL, node TEXT NOT NULL, provider TEXT NOT NULL, "
    "region TEXT NOT NULL, instance TEXT NOT NULL, last_hour BIGINT NOT NULL, PRIMARY KEY (cluster, node))%R",
    "CREATE TABLE unit_prices (provider TEXT NOT NULL, instance_type TEXT NOT NULL, region TEXT NOT NULL, "
    "currency TEXT NOT NULL, price_per_hour DOUBLE PRECISION NOT NULL, period_start BIGINT NOT NULL, "
    "period_end BIGINT NOT NULL, source TEXT NOT NULL, "
    "PRIMARY KEY (provider, instance_type, region, period_start))%R",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)%R",
    NULL,
};

/* Version 2: the bill's daily rows (carbonstat billing --ledger; ledger/bills.h).
 * Amounts as in the rest of the ledger (integers: uJ, ug, millionths of the
 * currency) plus the bill's exact decimal cost as text. */
static const char *const schema_v2[] = {
    "CREATE TABLE bill_daily (period_start BIGINT NOT NULL, provider TEXT NOT NULL, day BIGINT NOT NULL, "
    "account TEXT NOT NULL, service TEXT NOT NULL, region TEXT NOT NULL, tag_key TEXT NOT NULL, "
    "tag TEXT NOT NULL, team TEXT NOT NULL, class TEXT NOT NULL, currency TEXT NOT NULL, lines BIGINT NOT NULL, "
    "cost_micro BIGINT NOT NULL, billed_micro BIGINT NOT NULL, cost_exact TEXT NOT NULL, "
    "billed_exact TEXT NOT NULL, energy_uj BIGINT NOT NULL, est_energy_uj BIGINT NOT NULL, "
    "op_ug BIGINT NOT NULL, emb_ug BIGINT NOT NULL, source TEXT NOT NULL, "
    "PRIMARY KEY (period_start, provider, day, account, service, region, tag, class, currency))%R",
    "CREATE INDEX bill_daily_day ON bill_daily (day)",
    NULL,
};

/* Version 3: which machine a node-hour ran on (the cloud's instance id and
 * name, as the bill's resource id names it) and how busy its CPUs were
 * (busy and busy + idle CPU-milliseconds, all CPUs; NULL = not measured), so
 * `carbonstat billing --ledger` prices the bill's instance-hours with the
 * measured utilisation: sums of both over any period give its exact mean. */
static const char *const schema_v3[] = {
    "ALTER TABLE node_hours ADD COLUMN instance_id TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE node_hours ADD COLUMN instance_name TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE node_hours ADD COLUMN cpu_busy_ms BIGINT",
    "ALTER TABLE node_hours ADD COLUMN cpu_total_ms BIGINT",
    NULL,
};

/* Facts summed to daily's columns (after "day, dim_id"): the rollup's
 * definition, used to check it and by the no-rollup benchmark. */
#define FACT_SUMS                                                                                                      \
	"SUM(CASE WHEN component = 0 THEN energy_uj ELSE 0 END), "                                                     \
	"SUM(CASE WHEN component = 1 THEN energy_uj ELSE 0 END), "                                                     \
	"SUM(CASE WHEN component = 2 THEN energy_uj ELSE 0 END), "                                                     \
	"SUM(CASE WHEN component = 3 THEN energy_uj ELSE 0 END), SUM(op_ug), SUM(emb_ug), "                            \
	"COALESCE(SUM(cost_micro), 0), SUM(CASE WHEN cost_micro IS NULL THEN energy_uj ELSE 0 END), COUNT(*)"
#define DAILY_COLS                                                                                                     \
	"day, dim_id, energy_cpu_uj, energy_dram_uj, energy_gpu_uj, energy_other_uj, op_ug, emb_ug, cost_micro, "      \
	"uncosted_uj, n_rows"

/* migrations[v - 1] takes the schema from v - 1 to v. */
static const char *const *const migrations[] = {schema_v1, schema_v2, schema_v3};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))
_Static_assert(N_MIGRATIONS == CS_LG_SCHEMA_VERSION, "one migration per schema version");

/* ---- the handle ----------------------------------------------------------------------- */

/* A node hour waiting for the bulk load: its strings are interned in strs. */
typedef struct pend_nh {
	cs_lg_node_hour v;
	uint32_t s[11]; /* cluster node provider region instance intensity_source currency price_source reason
	                 * instance_id instance_name */
} pend_nh;

/* The latest location seen for a node in this transaction. */
typedef struct node_loc {
	uint32_t cluster, node, provider, region, instance; /* in strs */
	int64_t hour;
} node_loc;

struct cs_lg_store {
	cs_ldb *db;
	int mode;
	bool writing, reading;

	cs_lg_intern src; /* source names */
	struct src_ent {
		int64_t id, wm;
	} * srcs; /* by interned index */
	size_t src_cap;
	int64_t next_src;

	cs_lg_intern dims; /* composite keys, fields joined by \x1f */
	int64_t *dim_id;
	size_t dim_cap;
	int64_t next_dim;
	uint32_t *new_dims; /* interned dims to insert */
	size_t n_new_dims, new_dims_cap;

	cs_lg_intern strs; /* strings of pending node hours and nodes */
	cs_lg_fact *facts;
	size_t nfacts, facts_cap;
	pend_nh *nh;
	size_t nnh, nh_cap;

	cs_lg_intern delta_keys; /* (day, dim) -> index into deltas */
	cs_lg_sums *deltas;      /* what this transaction adds to daily */
	size_t deltas_cap;

	cs_lg_intern node_keys; /* cluster \x1f node */
	node_loc *nodes;
	size_t nodes_cap;

	cs_ldb_stmt *st_fact_add, *st_nh_add;
	cs_pool mem;                        /* owns srcs, dim_id, new_dims, facts, nh, deltas and nodes */
	char dimbuf[6 * CS_LG_STR_MAX + 8]; /* scratch: a dim's fields while it is bulk-loaded */
};

static int fail(cs_lg_store *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(cs_lg_store *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cs_vset_why(s->db->why, sizeof(s->db->why), fmt, ap);
	va_end(ap);
	return code;
}

static int oom(cs_lg_store *s)
{
	return fail(s, CS_ENOMEM, "ledger: out of memory");
}

#define GROW(s, arr, cap, need)                                                                                        \
	do {                                                                                                           \
		if (cs_pool_grow(&(s)->mem, &(arr), &(cap), (need), sizeof(*(arr)), 64))                               \
			return oom(s);                                                                                 \
	} while (0)

int cs_lg_node_key(const char *cluster, const char *node, char key[CS_LG_NODE_KEY_MAX])
{
	int n = snprintf(key, CS_LG_NODE_KEY_MAX, "%s\x1f%s", cluster, node);

	return n < 0 || n >= CS_LG_NODE_KEY_MAX ? -1 : n;
}

int cs_lg_open(const char *url, int mode, double lock_timeout_s, cs_lg_store **out, char *why, size_t whycap)
{
	cs_lg_store *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		cs_set_why(why, whycap, "ledger: out of memory");
		return CS_ENOMEM;
	}
	s->mode = mode;
	rc = cs_ldb_open(url, mode == CS_LG_WRITE ? CS_LDB_CREATE : CS_LDB_READONLY, lock_timeout_s, &s->db, why,
	                 whycap);
	if (rc) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* The transaction's prepared inserts, dropped before its end (a backend
 * may not end a transaction with statements pending). */
static void drop_stmts(cs_lg_store *s)
{
	cs_ldb_finalize(s->st_fact_add);
	cs_ldb_finalize(s->st_nh_add);
	s->st_fact_add = s->st_nh_add = NULL;
}

static void clear_tx(cs_lg_store *s)
{
	drop_stmts(s);
	cs_lg_intern_free(&s->src);
	cs_lg_intern_free(&s->dims);
	cs_lg_intern_free(&s->strs);
	cs_lg_intern_free(&s->node_keys);
	cs_lg_intern_free(&s->delta_keys);
	s->nfacts = s->nnh = s->n_new_dims = 0;
	s->writing = false;
}

void cs_lg_close(cs_lg_store *s)
{
	if (!s)
		return;
	if (s->writing || s->reading)
		cs_ldb_rollback(s->db);
	clear_tx(s);
	cs_pool_free(&s->mem);
	cs_ldb_close(s->db);
	free(s);
}

const char *cs_lg_why(const cs_lg_store *s)
{
	return s ? cs_ldb_why(s->db) : "";
}

cs_ldb *cs_lg_db(cs_lg_store *s)
{
	return s->db;
}

/* ---- schema version and migrations ----------------------------------------------------- */

static int table_exists(cs_lg_store *s, const char *table, bool *yes)
{
	const char *sql = !strcmp(cs_ldb_backend(s->db), "sqlite")
	                      ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
	                      : "SELECT count(*) FROM information_schema.tables WHERE table_name = $1 "
	                        "AND table_schema = current_schema()";
	cs_ldb_stmt *st;
	int rc = cs_ldb_prepare(s->db, sql, &st);

	if (rc)
		return rc;
	if ((rc = cs_ldb_bind(st, 1, cs_ldb_text(table))) == 0 && (rc = cs_ldb_step(st)) == 1) {
		*yes = cs_ldb_col_int(st, 0) > 0;
		rc = 0;
	}
	cs_ldb_finalize(st);
	return rc < 0 ? rc : 0;
}

int cs_lg_schema_version(cs_lg_store *s, int *version)
{
	bool yes = false;
	cs_ldb_stmt *st;
	int rc = table_exists(s, "schema_version", &yes);

	*version = 0;
	if (rc || !yes)
		return rc;
	if ((rc = cs_ldb_prepare(s->db, "SELECT COALESCE(MAX(version), 0) FROM schema_version", &st)) != 0)
		return rc;
	if ((rc = cs_ldb_step(st)) == 1) {
		*version = (int)cs_ldb_col_int(st, 0);
		rc = 0;
	}
	cs_ldb_finalize(st);
	return rc;
}

static int too_new(cs_lg_store *s, int v)
{
	return fail(s, CS_ERANGE,
	            "ledger: %s has schema version %d, newer than this carbonstat's %d; use the carbonstat that wrote "
	            "it or a newer one",
	            cs_ldb_name(s->db), v, CS_LG_SCHEMA_VERSION);
}

static int migrate(cs_lg_store *s)
{
	char ddl[2048];
	int v, rc;

	if ((rc = cs_ldb_exec(s->db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
	                             "applied_ms BIGINT NOT NULL)")) != 0)
		return rc;
	if ((rc = cs_lg_schema_version(s, &v)) != 0)
		return rc;
	if (v > CS_LG_SCHEMA_VERSION)
		return too_new(s, v);
	for (; v < CS_LG_SCHEMA_VERSION; v++) {
		cs_ldb_val args[2] = {cs_ldb_int(v + 1), cs_ldb_int((int64_t)(cs_real_s() * 1000))};

		for (const char *const *q = migrations[v]; *q; q++) {
			if (cs_ldb_ddl(s->db, *q, ddl, sizeof(ddl)) != 0)
				return fail(s, CS_ENOMEM, "ledger: internal: migration %d too long", v + 1);
			if ((rc = cs_ldb_exec(s->db, ddl)) != 0)
				return rc;
		}
		if ((rc = cs_ldb_run(s->db, "INSERT INTO schema_version (version, applied_ms) VALUES ($1, $2)", args,
		                     2)) != 0)
			return rc;
	}
	return 0;
}

/* ---- caches --------------------------------------------------------------------------- */

static int src_add(cs_lg_store *s, const char *name, int64_t id, int64_t wm, uint32_t *idx)
{
	if (cs_lg_intern_put(&s->src, name, strlen(name), idx, NULL) != 0)
		return oom(s);
	GROW(s, s->srcs, s->src_cap, s->src.n);
	s->srcs[*idx].id = id;
	s->srcs[*idx].wm = wm;
	if (id >= s->next_src)
		s->next_src = id + 1;
	return 0;
}

/* The composite key of a grain; fields must hold no \x1f (replaced by '?'). */
static int dim_key(const cs_lg_dims *d, char *out, size_t cap, size_t *len)
{
	const char *f[6] = {d->cluster, d->node, d->namespace_, d->owner, d->owner_kind, d->team};
	size_t o = 0;

	for (int i = 0; i < 6; i++) {
		const char *p = f[i] ? f[i] : "";

		if (i) {
			if (o + 1 >= cap)
				return CS_ERANGE;
			out[o++] = '\x1f';
		}
		for (; *p; p++) {
			if (o + 1 >= cap)
				return CS_ERANGE;
			out[o++] = *p == '\x1f' ? '?' : *p;
		}
	}
	out[o] = '\0';
	*len = o;
	return 0;
}

static int dim_add(cs_lg_store *s, const char *key, size_t len, int64_t id, uint32_t *idx, bool *created)
{
	if (cs_lg_intern_put(&s->dims, key, len, idx, created) != 0)
		return oom(s);
	GROW(s, s->dim_id, s->dim_cap, s->dims.n);
	if (*created) {
		s->dim_id[*idx] = id;
		if (id >= s->next_dim)
			s->next_dim = id + 1;
	}
	return 0;
}

static int load_caches(cs_lg_store *s)
{
	cs_ldb_stmt *st;
	int rc;

	s->next_src = s->next_dim = 1;
	if ((rc = cs_ldb_prepare(s->db, "SELECT id, name, watermark_ms FROM sources", &st)) != 0)
		return rc;
	while ((rc = cs_ldb_step(st)) == 1) {
		uint32_t idx;
		int64_t wm = cs_ldb_col_type(st, 2) == CS_LDB_NULL ? INT64_MIN : cs_ldb_col_int(st, 2);

		if ((rc = src_add(s, cs_ldb_col_text(st, 1), cs_ldb_col_int(st, 0), wm, &idx)) != 0)
			break;
	}
	cs_ldb_finalize(st);
	if (rc < 0)
		return rc;
	if ((rc = cs_ldb_prepare(s->db, "SELECT id, cluster, node, namespace, owner, owner_kind, team FROM dims",
	                         &st)) != 0)
		return rc;
	while ((rc = cs_ldb_step(st)) == 1) {
		char key[6 * CS_LG_STR_MAX + 8];
		cs_lg_dims d = {cs_ldb_col_text(st, 1), cs_ldb_col_text(st, 2), cs_ldb_col_text(st, 3),
		                cs_ldb_col_text(st, 4), cs_ldb_col_text(st, 5), cs_ldb_col_text(st, 6)};
		size_t len;
		uint32_t idx;
		bool created;

		if (dim_key(&d, key, sizeof(key), &len) != 0)
			continue; /* longer than any we write: never matched */
		if ((rc = dim_add(s, key, len, cs_ldb_col_int(st, 0), &idx, &created)) != 0)
			break;
	}
	cs_ldb_finalize(st);
	return rc < 0 ? rc : 0;
}

/* ---- transactions --------------------------------------------------------------------- */

int cs_lg_begin(cs_lg_store *s)
{
	int rc;

	if (s->mode != CS_LG_WRITE)
		return fail(s, CS_EINVAL, "ledger: internal: %s was opened for reading", cs_ldb_name(s->db));
	clear_tx(s);
	if ((rc = cs_ldb_begin_write(s->db)) != 0)
		return rc;
	s->writing = true;
	if ((rc = migrate(s)) != 0 || (rc = load_caches(s)) != 0)
		cs_lg_rollback(s);
	return rc;
}

void cs_lg_rollback(cs_lg_store *s)
{
	if (!s)
		return;
	drop_stmts(s);
	cs_ldb_rollback(s->db);
	clear_tx(s);
}

static int64_t day_of(int64_t hour)
{
	return hour - (((hour % CS_LG_DAY_S) + CS_LG_DAY_S) % CS_LG_DAY_S);
}

/* The rollup delta of (day, dim), created zero. */
static cs_lg_sums *delta_of(cs_lg_store *s, int64_t day, int64_t dim)
{
	int64_t key[2] = {day, dim};
	uint32_t idx;
	bool created;

	if (cs_lg_intern_put(&s->delta_keys, key, sizeof(key), &idx, &created) != 0)
		return NULL;
	if (created) {
		if (cs_pool_grow(&s->mem, &s->deltas, &s->deltas_cap, s->delta_keys.n, sizeof(*s->deltas), 64))
			return NULL;
		memset(&s->deltas[idx], 0, sizeof(s->deltas[idx]));
	}
	return &s->deltas[idx];
}

/* A fact's amounts, added (sign 1) or taken away (-1), into the delta. */
static int delta_fact(cs_lg_store *s, int64_t hour, int64_t dim, int comp, int64_t e, int64_t op, int64_t emb,
                      bool has_cost, int64_t cost, int64_t rows, int sign)
{
	cs_lg_sums *d = delta_of(s, day_of(hour), dim);

	if (!d)
		return oom(s);
	if (comp >= 0 && comp < CS_PART_COUNT)
		d->energy_uj[comp] += sign * e;
	d->op_ug += sign * op;
	d->emb_ug += sign * emb;
	if (has_cost)
		d->cost_micro += sign * cost;
	else
		d->uncosted_uj += sign * e;
	d->rows += sign * rows;
	return 0;
}

/* Takes the facts a DELETE is about to remove out of the deltas. where:
 * the DELETE's condition on facts, args its $1..$n. */
static int delta_deleted(cs_lg_store *s, const char *where, const cs_ldb_val *args, int nargs)
{
	char sql[1024];
	cs_ldb_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql),
	         "SELECT hour, dim_id, component, energy_uj, op_ug, emb_ug, cost_micro FROM facts WHERE %s", where);
	if ((rc = cs_ldb_prepare(s->db, sql, &st)) != 0)
		return rc;
	rc = cs_ldb_bind_all(st, args, nargs);
	while (!rc && (rc = cs_ldb_step(st)) == 1) {
		bool has_cost = cs_ldb_col_type(st, 6) != CS_LDB_NULL;

		rc = delta_fact(s, cs_ldb_col_int(st, 0), cs_ldb_col_int(st, 1), (int)cs_ldb_col_int(st, 2),
		                cs_ldb_col_int(st, 3), cs_ldb_col_int(st, 4), cs_ldb_col_int(st, 5), has_cost,
		                has_cost ? cs_ldb_col_int(st, 6) : 0, 1, -1);
	}
	cs_ldb_finalize(st);
	return rc < 0 ? rc : 0;
}

static const char *const dim_cols[] = {"id", "cluster", "node", "namespace", "owner", "owner_kind", "team"};
static const char *const fact_cols[] = {"hour",   "source_id",           "dim_id",    "component", "energy_uj", "op_ug",
                                        "emb_ug", "intensity_g_per_kwh", "cost_micro"};
static const char *const nh_cols[] = {
    "hour",        "source_id",           "cluster",          "node",          "provider",        "region",
    "instance",    "energy_cpu_uj",       "energy_dram_uj",   "energy_gpu_uj", "energy_other_uj", "op_ug",
    "emb_ug",      "intensity_g_per_kwh", "intensity_source", "pue",           "first_ms",        "last_ms",
    "samples",     "covered_ms",          "cost_micro",       "currency",      "price_source",    "cost_reason",
    "instance_id", "instance_name",       "cpu_busy_ms",      "cpu_total_ms"};
#define N_NH_COLS ((int)(sizeof(nh_cols) / sizeof(nh_cols[0])))

static cs_ldb_val real_or_null(double d)
{
	return isfinite(d) ? cs_ldb_real(d) : cs_ldb_null();
}

/* Energy per part then operational and embodied carbon, the columns
 * energy_cpu_uj..emb_ug of node_hours and daily, into v[0..CS_PART_COUNT+1]. */
static void amount_vals(const int64_t energy_uj[CS_PART_COUNT], int64_t op_ug, int64_t emb_ug, cs_ldb_val *v)
{
	for (int c = 0; c < CS_PART_COUNT; c++)
		v[c] = cs_ldb_int(energy_uj[c]);
	v[CS_PART_COUNT] = cs_ldb_int(op_ug);
	v[CS_PART_COUNT + 1] = cs_ldb_int(emb_ug);
}

static void fact_vals(const cs_lg_fact *f, cs_ldb_val v[9])
{
	v[0] = cs_ldb_int(f->hour);
	v[1] = cs_ldb_int(f->source_id);
	v[2] = cs_ldb_int(f->dim_id);
	v[3] = cs_ldb_int(f->component);
	v[4] = cs_ldb_int(f->energy_uj);
	v[5] = cs_ldb_int(f->op_ug);
	v[6] = cs_ldb_int(f->emb_ug);
	v[7] = real_or_null(f->intensity_g_per_kwh);
	v[8] = f->has_cost ? cs_ldb_int(f->cost_micro) : cs_ldb_null();
}

static void nh_vals(const cs_lg_node_hour *n, cs_ldb_val v[N_NH_COLS])
{
	v[0] = cs_ldb_int(n->hour);
	v[1] = cs_ldb_int(n->source_id);
	v[2] = cs_ldb_text(n->cluster);
	v[3] = cs_ldb_text(n->node);
	v[4] = cs_ldb_text(n->provider);
	v[5] = cs_ldb_text(n->region);
	v[6] = cs_ldb_text(n->instance);
	amount_vals(n->energy_uj, n->op_ug, n->emb_ug, v + 7);
	v[13] = real_or_null(n->intensity_g_per_kwh);
	v[14] = cs_ldb_text(n->intensity_source);
	v[15] = real_or_null(n->pue);
	v[16] = cs_ldb_int(n->first_ms);
	v[17] = cs_ldb_int(n->last_ms);
	v[18] = cs_ldb_int(n->samples);
	v[19] = cs_ldb_int(n->covered_ms);
	v[20] = n->has_cost ? cs_ldb_int(n->cost_micro) : cs_ldb_null();
	v[21] = cs_ldb_text(n->currency);
	v[22] = cs_ldb_text(n->price_source);
	v[23] = cs_ldb_text(n->cost_reason);
	v[24] = cs_ldb_text(n->instance_id ? n->instance_id : "");
	v[25] = cs_ldb_text(n->instance_name ? n->instance_name : "");
	v[26] = n->cpu_total_ms > 0 ? cs_ldb_int(n->cpu_busy_ms) : cs_ldb_null();
	v[27] = n->cpu_total_ms > 0 ? cs_ldb_int(n->cpu_total_ms) : cs_ldb_null();
}

/* Row i of a bulk load into v. */
typedef void (*row_fn)(cs_lg_store *s, size_t i, cs_ldb_val *v);

/* n rows of fn into table by the backend's bulk path. */
static int bulk(cs_lg_store *s, const char *table, const char *const *cols, int ncols, size_t n, row_fn fn)
{
	cs_ldb_val v[N_NH_COLS];
	int rc;

	if (!n)
		return 0;
	if ((rc = cs_ldb_copy_begin(s->db, table, cols, ncols)) != 0)
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		fn(s, i, v);
		rc = cs_ldb_copy_row(s->db, v);
	}
	if (rc) {
		(void)cs_ldb_copy_end(s->db);
		return rc;
	}
	return cs_ldb_copy_end(s->db);
}

static void dim_row(cs_lg_store *s, size_t i, cs_ldb_val *v)
{
	uint32_t k = s->new_dims[i];
	char *f[6], *p = s->dimbuf;

	/* the six fields of the interned key, split in a scratch copy */
	cs_strcpy_fit(s->dimbuf, sizeof(s->dimbuf), cs_lg_intern_at(&s->dims, k));
	for (int j = 0; j < 6; j++) {
		f[j] = p;
		p = strchr(p, '\x1f');
		if (p)
			*p++ = '\0';
		else
			p = f[j] + strlen(f[j]);
	}
	v[0] = cs_ldb_int(s->dim_id[k]);
	for (int j = 0; j < 6; j++)
		v[1 + j] = cs_ldb_text(f[j]);
}

static void fact_row(cs_lg_store *s, size_t i, cs_ldb_val *v)
{
	fact_vals(&s->facts[i], v);
}

static void nh_row(cs_lg_store *s, size_t i, cs_ldb_val *v)
{
	pend_nh *p = &s->nh[i];
	const char **str[11] = {&p->v.cluster,     &p->v.node,         &p->v.provider,
	                        &p->v.region,      &p->v.instance,     &p->v.intensity_source,
	                        &p->v.currency,    &p->v.price_source, &p->v.cost_reason,
	                        &p->v.instance_id, &p->v.instance_name};

	for (int j = 0; j < 11; j++)
		*str[j] = cs_lg_intern_at(&s->strs, p->s[j]);
	nh_vals(&p->v, v);
}

/* Sends every buffered row (dims first, then facts, then node hours). */
static int flush(cs_lg_store *s)
{
	int rc;

	if ((rc = bulk(s, "dims", dim_cols, 7, s->n_new_dims, dim_row)) != 0)
		return rc;
	s->n_new_dims = 0;
	if ((rc = bulk(s, "facts", fact_cols, 9, s->nfacts, fact_row)) != 0)
		return rc;
	s->nfacts = 0;
	if ((rc = bulk(s, "node_hours", nh_cols, N_NH_COLS, s->nnh, nh_row)) != 0)
		return rc;
	s->nnh = 0;
	return 0;
}

static const char *const daily_cols[] = {"day",           "dim_id",          "energy_cpu_uj", "energy_dram_uj",
                                         "energy_gpu_uj", "energy_other_uj", "op_ug",         "emb_ug",
                                         "cost_micro",    "uncosted_uj",     "n_rows"};

/* Adds the transaction's deltas to daily: bulk-loaded into a temporary
 * table, merged by one upsert, and rows whose facts are all gone dropped.
 * The rollup thus moves exactly as facts did, without re-reading them. */
static void delta_row(cs_lg_store *s, size_t i, cs_ldb_val *v)
{
	const cs_lg_sums *d = &s->deltas[i];
	int64_t k[2];

	memcpy(k, cs_lg_intern_at(&s->delta_keys, (uint32_t)i), sizeof(k)); /* (day, dim) */
	v[0] = cs_ldb_int(k[0]);
	v[1] = cs_ldb_int(k[1]);
	amount_vals(d->energy_uj, d->op_ug, d->emb_ug, v + 2);
	v[8] = cs_ldb_int(d->cost_micro);
	v[9] = cs_ldb_int(d->uncosted_uj);
	v[10] = cs_ldb_int(d->rows);
}

static int apply_deltas(cs_lg_store *s)
{
	int rc;

	if (!s->delta_keys.n)
		return 0;
	if ((rc = cs_ldb_exec(s->db, "CREATE TEMP TABLE IF NOT EXISTS daily_delta (day BIGINT, dim_id BIGINT, "
	                             "energy_cpu_uj BIGINT, energy_dram_uj BIGINT, energy_gpu_uj BIGINT, "
	                             "energy_other_uj BIGINT, op_ug BIGINT, emb_ug BIGINT, cost_micro BIGINT, "
	                             "uncosted_uj BIGINT, n_rows BIGINT)")) != 0 ||
	    (rc = cs_ldb_exec(s->db, "DELETE FROM daily_delta")) != 0 ||
	    (rc = bulk(s, "daily_delta", daily_cols, 11, s->delta_keys.n, delta_row)) != 0)
		return rc;
	if ((rc = cs_ldb_exec(
	         s->db,
	         "INSERT INTO daily (" DAILY_COLS ") SELECT " DAILY_COLS " FROM daily_delta WHERE true "
	         "ON CONFLICT (day, dim_id) DO UPDATE SET "
	         "energy_cpu_uj = daily.energy_cpu_uj + excluded.energy_cpu_uj, "
	         "energy_dram_uj = daily.energy_dram_uj + excluded.energy_dram_uj, "
	         "energy_gpu_uj = daily.energy_gpu_uj + excluded.energy_gpu_uj, "
	         "energy_other_uj = daily.energy_other_uj + excluded.energy_other_uj, "
	         "op_ug = daily.op_ug + excluded.op_ug, emb_ug = daily.emb_ug + excluded.emb_ug, "
	         "cost_micro = daily.cost_micro + excluded.cost_micro, "
	         "uncosted_uj = daily.uncosted_uj + excluded.uncosted_uj, n_rows = daily.n_rows + excluded.n_rows")) !=
	        0 ||
	    (rc = cs_ldb_exec(s->db, "DELETE FROM daily WHERE n_rows <= 0")) != 0 ||
	    (rc = cs_ldb_exec(s->db, "DELETE FROM daily_delta")) != 0)
		return rc;
	return 0;
}

static int upsert_nodes(cs_lg_store *s)
{
	static const char sql[] =
	    "INSERT INTO nodes (cluster, node, provider, region, instance, last_hour) VALUES ($1, $2, $3, $4, $5, $6) "
	    "ON CONFLICT (cluster, node) DO UPDATE SET provider = excluded.provider, region = excluded.region, "
	    "instance = excluded.instance, last_hour = excluded.last_hour WHERE nodes.last_hour <= excluded.last_hour";
	cs_ldb_stmt *st;
	int rc = 0;

	if (!s->node_keys.n)
		return 0;
	if ((rc = cs_ldb_prepare(s->db, sql, &st)) != 0)
		return rc;
	for (size_t i = 0; i < s->node_keys.n && !rc; i++) {
		const node_loc *l = &s->nodes[i];
		cs_ldb_val v[6] = {cs_ldb_text(cs_lg_intern_at(&s->strs, l->cluster)),
		                   cs_ldb_text(cs_lg_intern_at(&s->strs, l->node)),
		                   cs_ldb_text(cs_lg_intern_at(&s->strs, l->provider)),
		                   cs_ldb_text(cs_lg_intern_at(&s->strs, l->region)),
		                   cs_ldb_text(cs_lg_intern_at(&s->strs, l->instance)),
		                   cs_ldb_int(l->hour)};

		cs_ldb_reset(st);
		if ((rc = cs_ldb_bind_all(st, v, 6)) == 0 && (rc = cs_ldb_step(st)) >= 0)
			rc = 0;
	}
	cs_ldb_finalize(st);
	return rc;
}

int cs_lg_commit(cs_lg_store *s)
{
	int rc;

	if (!s->writing)
		return fail(s, CS_EINVAL, "ledger: internal: commit outside a transaction");
	if ((rc = flush(s)) != 0 || (rc = apply_deltas(s)) != 0 || (rc = upsert_nodes(s)) != 0) {
		cs_lg_rollback(s);
		return rc;
	}
	drop_stmts(s);
	rc = cs_ldb_commit(s->db);
	clear_tx(s);
	return rc;
}

/* ---- writes --------------------------------------------------------------------------- */

int cs_lg_source(cs_lg_store *s, const char *name, const char *kind, int64_t *id, int64_t *watermark_ms)
{
	int64_t k = cs_lg_intern_find(&s->src, name, strlen(name));
	uint32_t idx;
	int rc;

	if (k < 0) {
		cs_ldb_val v[4] = {cs_ldb_int(s->next_src), cs_ldb_text(name), cs_ldb_text(kind),
		                   cs_ldb_int((int64_t)(cs_real_s() * 1000))};

		if ((rc = cs_ldb_run(s->db,
		                     "INSERT INTO sources (id, name, kind, watermark_ms, updated_ms) "
		                     "VALUES ($1, $2, $3, NULL, $4)",
		                     v, 4)) != 0)
			return rc;
		if ((rc = src_add(s, name, s->next_src, INT64_MIN, &idx)) != 0)
			return rc;
		k = idx;
	}
	*id = s->srcs[k].id;
	if (watermark_ms)
		*watermark_ms = s->srcs[k].wm;
	return 0;
}

int cs_lg_set_watermark(cs_lg_store *s, int64_t source_id, int64_t watermark_ms)
{
	cs_ldb_val v[3] = {cs_ldb_int(watermark_ms), cs_ldb_int((int64_t)(cs_real_s() * 1000)), cs_ldb_int(source_id)};
	int rc = cs_ldb_run(s->db, "UPDATE sources SET watermark_ms = $1, updated_ms = $2 WHERE id = $3", v, 3);

	for (size_t i = 0; rc == 0 && i < s->src.n; i++)
		if (s->srcs[i].id == source_id)
			s->srcs[i].wm = watermark_ms;
	return rc;
}

int cs_lg_dim(cs_lg_store *s, const cs_lg_dims *d, int64_t *id)
{
	char key[6 * CS_LG_STR_MAX + 8];
	size_t len;
	uint32_t idx;
	bool created;
	int rc;

	if (dim_key(d, key, sizeof(key), &len) != 0)
		return fail(s, CS_ERANGE, "ledger: a label of node '%s' namespace '%s' is longer than %d bytes",
		            d->node ? d->node : "", d->namespace_ ? d->namespace_ : "", CS_LG_STR_MAX - 1);
	if ((rc = dim_add(s, key, len, s->next_dim, &idx, &created)) != 0)
		return rc;
	if (created) {
		GROW(s, s->new_dims, s->new_dims_cap, s->n_new_dims + 1);
		s->new_dims[s->n_new_dims++] = idx;
	}
	*id = s->dim_id[idx];
	return 0;
}

int cs_lg_coverage(cs_lg_store *s, int64_t source_id, int64_t from_hour, int64_t to_hour, cs_lg_coverage_cb cb,
                   void *ud)
{
	cs_ldb_stmt *st;
	cs_ldb_val v[3] = {cs_ldb_int(source_id), cs_ldb_int(from_hour), cs_ldb_int(to_hour)};
	int rc;

	if ((rc = cs_ldb_prepare(s->db,
	                         "SELECT hour, cluster, node, first_ms, last_ms, samples, covered_ms FROM node_hours "
	                         "WHERE source_id = $1 AND hour >= $2 AND hour < $3",
	                         &st)) != 0)
		return rc;
	if ((rc = cs_ldb_bind_all(st, v, 3)) == 0)
		while ((rc = cs_ldb_step(st)) == 1)
			if ((rc = cb(ud, cs_ldb_col_int(st, 0), cs_ldb_col_text(st, 1), cs_ldb_col_text(st, 2),
			             cs_ldb_col_int(st, 3), cs_ldb_col_int(st, 4), cs_ldb_col_int(st, 5),
			             cs_ldb_col_int(st, 6))) != 0)
				break;
	cs_ldb_finalize(st);
	return rc < 0 ? rc : 0;
}

int cs_lg_delete_hours(cs_lg_store *s, int64_t source_id, int64_t from_hour, int64_t to_hour)
{
	static const char *const del[] = {
	    "DELETE FROM facts WHERE hour >= $2 AND hour < $3 AND source_id = $1",
	    "DELETE FROM node_hours WHERE hour >= $2 AND hour < $3 AND source_id = $1",
	    "DELETE FROM gaps WHERE hour >= $2 AND hour < $3 AND source_id = $1",
	    "DELETE FROM units WHERE hour >= $2 AND hour < $3 AND source_id = $1",
	};
	cs_ldb_val v[3] = {cs_ldb_int(source_id), cs_ldb_int(from_hour), cs_ldb_int(to_hour)};
	int rc;

	if ((rc = flush(s)) != 0 || (rc = delta_deleted(s, "hour >= $2 AND hour < $3 AND source_id = $1", v, 3)) != 0)
		return rc;
	for (size_t i = 0; i < sizeof(del) / sizeof(del[0]); i++)
		if ((rc = cs_ldb_run(s->db, del[i], v, 3)) != 0)
			return rc;
	return 0;
}

int cs_lg_delete_node_hour(cs_lg_store *s, int64_t source_id, int64_t hour, const char *cluster, const char *node)
{
	static const char facts_where[] =
	    "hour = $1 AND source_id = $2 AND dim_id IN (SELECT id FROM dims WHERE cluster = $3 AND node = $4)";
	cs_ldb_val v[4] = {cs_ldb_int(hour), cs_ldb_int(source_id), cs_ldb_text(cluster), cs_ldb_text(node)};
	char sql[300];
	int rc;

	if ((rc = flush(s)) != 0 || (rc = delta_deleted(s, facts_where, v, 4)) != 0)
		return rc;
	snprintf(sql, sizeof(sql), "DELETE FROM facts WHERE %s", facts_where);
	if ((rc = cs_ldb_run(s->db, sql, v, 4)) != 0 ||
	    (rc = cs_ldb_run(s->db,
	                     "DELETE FROM node_hours WHERE hour = $1 AND source_id = $2 AND cluster = $3 AND node = $4",
	                     v, 4)) != 0 ||
	    (rc =
	         cs_ldb_run(s->db, "DELETE FROM gaps WHERE hour = $1 AND source_id = $2 AND cluster = $3 AND node = $4",
	                    v, 4)) != 0)
		return rc;
	return 0;
}

int cs_lg_put_fact(cs_lg_store *s, const cs_lg_fact *f, bool add)
{
	int rc;

	if (!add) {
		if ((rc = delta_fact(s, f->hour, f->dim_id, f->component, f->energy_uj, f->op_ug, f->emb_ug,
		                     f->has_cost, f->cost_micro, 1, 1)) != 0)
			return rc;
		GROW(s, s->facts, s->facts_cap, s->nfacts + 1);
		s->facts[s->nfacts++] = *f;
		return s->nfacts >= CS_LG_BATCH_ROWS ? flush(s) : 0;
	}
	if ((rc = flush(s)) != 0)
		return rc;
	/* Adding to a stored row: read it, merge in C, write the merged row.
	 * The rollup's delta is then exactly merged - stored, costed or not. */
	{
		cs_ldb_val k[4] = {cs_ldb_int(f->hour), cs_ldb_int(f->source_id), cs_ldb_int(f->dim_id),
		                   cs_ldb_int(f->component)};
		cs_lg_fact old = *f, m = *f;
		bool exists = false;
		cs_ldb_stmt *st;
		cs_ldb_val v[9];

		if ((rc = cs_ldb_prepare(s->db,
		                         "SELECT energy_uj, op_ug, emb_ug, intensity_g_per_kwh, cost_micro FROM facts "
		                         "WHERE hour = $1 AND source_id = $2 AND dim_id = $3 AND component = $4",
		                         &st)) != 0)
			return rc;
		if ((rc = cs_ldb_bind_all(st, k, 4)) == 0 && (rc = cs_ldb_step(st)) == 1) {
			exists = true;
			old.energy_uj = cs_ldb_col_int(st, 0);
			old.op_ug = cs_ldb_col_int(st, 1);
			old.emb_ug = cs_ldb_col_int(st, 2);
			old.intensity_g_per_kwh = cs_ldb_col_type(st, 3) == CS_LDB_NULL ? NAN : cs_ldb_col_real(st, 3);
			old.has_cost = cs_ldb_col_type(st, 4) != CS_LDB_NULL;
			old.cost_micro = old.has_cost ? cs_ldb_col_int(st, 4) : 0;
			rc = 0;
		}
		cs_ldb_finalize(st);
		if (rc < 0)
			return rc;
		if (exists) {
			int64_t e = old.energy_uj + f->energy_uj;
			bool io = isfinite(old.intensity_g_per_kwh), in = isfinite(f->intensity_g_per_kwh);

			m.energy_uj = e;
			m.op_ug = old.op_ug + f->op_ug;
			m.emb_ug = old.emb_ug + f->emb_ug;
			m.has_cost = old.has_cost || f->has_cost;
			m.cost_micro = old.cost_micro + f->cost_micro;
			if (io && in && e > 0)
				m.intensity_g_per_kwh = (old.intensity_g_per_kwh * (double)old.energy_uj +
				                         f->intensity_g_per_kwh * (double)f->energy_uj) /
				                        (double)e;
			else
				m.intensity_g_per_kwh = in ? f->intensity_g_per_kwh : old.intensity_g_per_kwh;
			if ((rc = delta_fact(s, old.hour, old.dim_id, old.component, old.energy_uj, old.op_ug,
			                     old.emb_ug, old.has_cost, old.cost_micro, 1, -1)) != 0)
				return rc;
		}
		if ((rc = delta_fact(s, m.hour, m.dim_id, m.component, m.energy_uj, m.op_ug, m.emb_ug, m.has_cost,
		                     m.cost_micro, 1, 1)) != 0)
			return rc;
		if (!s->st_fact_add &&
		    (rc = cs_ldb_prepare(
		         s->db,
		         "INSERT INTO facts (hour, source_id, dim_id, component, energy_uj, op_ug, emb_ug, "
		         "intensity_g_per_kwh, cost_micro) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
		         "ON CONFLICT (hour, source_id, dim_id, component) DO UPDATE SET "
		         "energy_uj = excluded.energy_uj, op_ug = excluded.op_ug, emb_ug = excluded.emb_ug, "
		         "intensity_g_per_kwh = excluded.intensity_g_per_kwh, "
		         "cost_micro = excluded.cost_micro",
		         &s->st_fact_add)) != 0)
			return rc;
		fact_vals(&m, v);
		cs_ldb_reset(s->st_fact_add);
		if ((rc = cs_ldb_bind_all(s->st_fact_add, v, 9)) != 0 || (rc = cs_ldb_step(s->st_fact_add)) < 0)
			return rc;
	}
	return 0;
}

static int note_node(cs_lg_store *s, const cs_lg_node_hour *nh)
{
	char key[CS_LG_NODE_KEY_MAX];
	int n = cs_lg_node_key(nh->cluster, nh->node, key);
	uint32_t idx;
	bool created;
	node_loc *l;

	if (n < 0)
		return fail(s, CS_ERANGE, "ledger: node name '%s' is too long", nh->node);
	if (cs_lg_intern_put(&s->node_keys, key, (size_t)n, &idx, &created) != 0)
		return oom(s);
	GROW(s, s->nodes, s->nodes_cap, s->node_keys.n);
	l = &s->nodes[idx];
	if (!created && l->hour > nh->hour)
		return 0;
	if (cs_lg_intern_str(&s->strs, nh->cluster, &l->cluster) != 0 ||
	    cs_lg_intern_str(&s->strs, nh->node, &l->node) || cs_lg_intern_str(&s->strs, nh->provider, &l->provider) ||
	    cs_lg_intern_str(&s->strs, nh->region, &l->region) ||
	    cs_lg_intern_str(&s->strs, nh->instance, &l->instance))
		return oom(s);
	l->hour = nh->hour;
	return 0;
}

int cs_lg_put_node_hour(cs_lg_store *s, const cs_lg_node_hour *nh, bool add)
{
	int rc;

	if ((rc = note_node(s, nh)) != 0)
		return rc;
	if (!add) {
		pend_nh *p;
		const char *str[11] = {nh->cluster,
		                       nh->node,
		                       nh->provider,
		                       nh->region,
		                       nh->instance,
		                       nh->intensity_source,
		                       nh->currency,
		                       nh->price_source,
		                       nh->cost_reason,
		                       nh->instance_id ? nh->instance_id : "",
		                       nh->instance_name ? nh->instance_name : ""};

		GROW(s, s->nh, s->nh_cap, s->nnh + 1);
		p = &s->nh[s->nnh];
		p->v = *nh;
		for (int j = 0; j < 11; j++)
			if (cs_lg_intern_str(&s->strs, str[j], &p->s[j]) != 0)
				return oom(s);
		s->nnh++;
		return s->nnh >= CS_LG_BATCH_ROWS ? flush(s) : 0;
	}
	if ((rc = flush(s)) != 0)
		return rc;
	if (!s->st_nh_add &&
	    (rc = cs_ldb_prepare(
	         s->db,
	         "INSERT INTO node_hours (hour, source_id, cluster, node, provider, region, instance, energy_cpu_uj, "
	         "energy_dram_uj, energy_gpu_uj, energy_other_uj, op_ug, emb_ug, intensity_g_per_kwh, "
	         "intensity_source, pue, first_ms, last_ms, samples, covered_ms, cost_micro, currency, price_source, "
	         "cost_reason, instance_id, instance_name, cpu_busy_ms, cpu_total_ms) VALUES ($1, $2, $3, $4, $5, $6, "
	         "$7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, "
	         "$27, $28) ON CONFLICT (hour, source_id, cluster, node) DO UPDATE SET "
	         "intensity_g_per_kwh = CASE WHEN node_hours.energy_cpu_uj + node_hours.energy_dram_uj + "
	         "node_hours.energy_gpu_uj + node_hours.energy_other_uj + excluded.energy_cpu_uj + "
	         "excluded.energy_dram_uj + excluded.energy_gpu_uj + excluded.energy_other_uj > 0 THEN "
	         "(COALESCE(node_hours.intensity_g_per_kwh, 0) * (node_hours.energy_cpu_uj + "
	         "node_hours.energy_dram_uj + node_hours.energy_gpu_uj + node_hours.energy_other_uj) + "
	         "COALESCE(excluded.intensity_g_per_kwh, 0) * (excluded.energy_cpu_uj + excluded.energy_dram_uj + "
	         "excluded.energy_gpu_uj + excluded.energy_other_uj)) / (node_hours.energy_cpu_uj + "
	         "node_hours.energy_dram_uj + node_hours.energy_gpu_uj + node_hours.energy_other_uj + "
	         "excluded.energy_cpu_uj + excluded.energy_dram_uj + excluded.energy_gpu_uj + "
	         "excluded.energy_other_uj) ELSE COALESCE(excluded.intensity_g_per_kwh, "
	         "node_hours.intensity_g_per_kwh) END, "
	         "energy_cpu_uj = node_hours.energy_cpu_uj + excluded.energy_cpu_uj, "
	         "energy_dram_uj = node_hours.energy_dram_uj + excluded.energy_dram_uj, "
	         "energy_gpu_uj = node_hours.energy_gpu_uj + excluded.energy_gpu_uj, "
	         "energy_other_uj = node_hours.energy_other_uj + excluded.energy_other_uj, "
	         "op_ug = node_hours.op_ug + excluded.op_ug, emb_ug = node_hours.emb_ug + excluded.emb_ug, "
	         "intensity_source = CASE WHEN node_hours.intensity_source = excluded.intensity_source THEN "
	         "excluded.intensity_source ELSE 'mixed' END, "
	         "first_ms = CASE WHEN node_hours.first_ms < excluded.first_ms THEN node_hours.first_ms ELSE "
	         "excluded.first_ms END, "
	         "last_ms = CASE WHEN node_hours.last_ms > excluded.last_ms THEN node_hours.last_ms ELSE "
	         "excluded.last_ms END, "
	         "samples = node_hours.samples + excluded.samples, "
	         "covered_ms = node_hours.covered_ms + excluded.covered_ms, "
	         "cost_micro = CASE WHEN node_hours.cost_micro IS NULL AND excluded.cost_micro IS NULL THEN NULL "
	         "ELSE COALESCE(node_hours.cost_micro, 0) + COALESCE(excluded.cost_micro, 0) END, "
	         "currency = CASE WHEN excluded.currency <> '' THEN excluded.currency ELSE node_hours.currency END, "
	         "price_source = CASE WHEN excluded.price_source <> '' THEN excluded.price_source ELSE "
	         "node_hours.price_source END, "
	         "cost_reason = CASE WHEN excluded.cost_reason <> '' THEN excluded.cost_reason ELSE "
	         "node_hours.cost_reason END, "
	         "instance_id = CASE WHEN excluded.instance_id <> '' THEN excluded.instance_id ELSE "
	         "node_hours.instance_id END, "
	         "instance_name = CASE WHEN excluded.instance_name <> '' THEN excluded.instance_name ELSE "
	         "node_hours.instance_name END, "
	         "cpu_busy_ms = CASE WHEN node_hours.cpu_total_ms IS NULL AND excluded.cpu_total_ms IS NULL THEN NULL "
	         "ELSE COALESCE(node_hours.cpu_busy_ms, 0) + COALESCE(excluded.cpu_busy_ms, 0) END, "
	         "cpu_total_ms = CASE WHEN node_hours.cpu_total_ms IS NULL AND excluded.cpu_total_ms IS NULL THEN NULL "
	         "ELSE COALESCE(node_hours.cpu_total_ms, 0) + COALESCE(excluded.cpu_total_ms, 0) END",
	         &s->st_nh_add)) != 0)
		return rc;
	{
		cs_ldb_val v[N_NH_COLS];

		nh_vals(nh, v);
		cs_ldb_reset(s->st_nh_add);
		if ((rc = cs_ldb_bind_all(s->st_nh_add, v, N_NH_COLS)) != 0 || (rc = cs_ldb_step(s->st_nh_add)) < 0)
			return rc;
	}
	return 0;
}

int cs_lg_put_gap(cs_lg_store *s, const cs_lg_gap *g)
{
	cs_ldb_val v[7] = {cs_ldb_int(g->hour),   cs_ldb_int(g->source_id), cs_ldb_text(g->cluster),
	                   cs_ldb_text(g->node),  cs_ldb_text(g->kind),     cs_ldb_real(g->covered_s),
	                   cs_ldb_text(g->detail)};

	return cs_ldb_run(s->db,
	                  "INSERT INTO gaps (hour, source_id, cluster, node, kind, covered_s, detail) VALUES "
	                  "($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hour, source_id, cluster, node, kind) DO UPDATE "
	                  "SET covered_s = excluded.covered_s, detail = excluded.detail",
	                  v, 7);
}

int cs_lg_delete_gaps(cs_lg_store *s, int64_t source_id, int64_t hour, const char *cluster, const char *node)
{
	cs_ldb_val v[4] = {cs_ldb_int(hour), cs_ldb_int(source_id), cs_ldb_text(cluster), cs_ldb_text(node)};

	return cs_ldb_run(s->db, "DELETE FROM gaps WHERE hour = $1 AND source_id = $2 AND cluster = $3 AND node = $4",
	                  v, 4);
}

int cs_lg_put_unit(cs_lg_store *s, int64_t hour, int64_t source_id, const char *key, double value)
{
	cs_ldb_val v[4] = {cs_ldb_int(hour), cs_ldb_int(source_id), cs_ldb_text(key), cs_ldb_real(value)};

	return cs_ldb_run(s->db,
	                  "INSERT INTO units (hour, source_id, key, value) VALUES ($1, $2, $3, $4) "
	                  "ON CONFLICT (hour, source_id, key) DO UPDATE SET value = excluded.value",
	                  v, 4);
}

int cs_lg_get_currency(cs_lg_store *s, char out[8])
{
	cs_ldb_stmt *st;
	int rc = cs_ldb_prepare(s->db, "SELECT value FROM meta WHERE key = 'currency'", &st);

	out[0] = '\0';
	if (rc)
		return rc;
	if ((rc = cs_ldb_step(st)) == 1) {
		cs_strcpy_fit(out, 8, cs_ldb_col_text(st, 0));
		rc = 0;
	}
	cs_ldb_finalize(st);
	return rc;
}

int cs_lg_set_currency(cs_lg_store *s, const char *currency)
{
	cs_ldb_val v[1] = {cs_ldb_text(currency)};

	return cs_ldb_run(s->db, "INSERT INTO meta (key, value) VALUES ('currency', $1) ON CONFLICT (key) DO NOTHING",
	                  v, 1);
}

int cs_lg_unit_price(cs_lg_store *s, const char *provider, const char *instance, const char *region, int64_t hour,
                     double *price_per_hour, char currency[8], char *source, size_t source_cap)
{
	cs_ldb_stmt *st;
	cs_ldb_val v[4] = {cs_ldb_text(provider), cs_ldb_text(instance), cs_ldb_text(region), cs_ldb_int(hour)};
	int rc = cs_ldb_prepare(s->db,
	                        "SELECT price_per_hour, currency, source FROM unit_prices WHERE provider = $1 AND "
	                        "instance_type = $2 AND region = $3 AND period_start <= $4 AND period_end > $4 "
	                        "ORDER BY period_start DESC LIMIT 1",
	                        &st);

	if (rc)
		return rc;
	if ((rc = cs_ldb_bind_all(st, v, 4)) == 0 && (rc = cs_ldb_step(st)) == 1) {
		*price_per_hour = cs_ldb_col_real(st, 0);
		cs_strcpy_fit(currency, 8, cs_ldb_col_text(st, 1));
		cs_strcpy_fit(source, source_cap, cs_ldb_col_text(st, 2));
	}
	cs_ldb_finalize(st);
	return rc;
}

int cs_lg_put_unit_price(cs_lg_store *s, const char *provider, const char *instance, const char *region,
                         const char *currency, double price_per_hour, int64_t period_start, int64_t period_end,
                         const char *source)
{
	cs_ldb_val v[8] = {cs_ldb_text(provider),  cs_ldb_text(instance),       cs_ldb_text(region),
	                   cs_ldb_text(currency),  cs_ldb_real(price_per_hour), cs_ldb_int(period_start),
	                   cs_ldb_int(period_end), cs_ldb_text(source)};

	return cs_ldb_run(s->db,
	                  "INSERT INTO unit_prices (provider, instance_type, region, currency, price_per_hour, "
	                  "period_start, period_end, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
	                  "ON CONFLICT (provider, instance_type, region, period_start) DO UPDATE SET "
	                  "currency = excluded.currency, price_per_hour = excluded.price_per_hour, "
	                  "period_end = excluded.period_end, source = excluded.source",
	                  v, 8);
}

/* ---- reads ---------------------------------------------------------------------------- */

int cs_lg_verify_daily(cs_lg_store *s, int64_t *mismatches)
{
	static const char sql[] =
	    "SELECT COUNT(*) FROM (SELECT (hour / 86400) * 86400, dim_id, " FACT_SUMS
	    " FROM facts GROUP BY (hour / 86400) * 86400, dim_id EXCEPT SELECT " DAILY_COLS " FROM daily) x";
	static const char back[] =
	    "SELECT COUNT(*) FROM (SELECT " DAILY_COLS " FROM daily EXCEPT SELECT (hour / 86400) * "
	    "86400, dim_id, " FACT_SUMS " FROM facts GROUP BY (hour / 86400) * 86400, dim_id) x";
	const char *q[2] = {sql, back};

	*mismatches = 0;
	for (int i = 0; i < 2; i++) {
		cs_ldb_stmt *st;
		int rc = cs_ldb_prepare(s->db, q[i], &st);

		if (rc)
			return rc;
		if ((rc = cs_ldb_step(st)) == 1) {
			*mismatches += cs_ldb_col_int(st, 0);
			rc = 0;
		}
		cs_ldb_finalize(st);
		if (rc)
			return rc;
	}
	return 0;
}

int cs_lg_begin_read(cs_lg_store *s)
{
	int v, rc;

	if ((rc = cs_ldb_begin_read(s->db)) != 0)
		return rc;
	s->reading = true;
	if ((rc = cs_lg_schema_version(s, &v)) != 0)
		goto err;
	if (v == 0) {
		rc = fail(s, CS_ENODATA,
		          "ledger: %s holds no ledger yet; fill it with 'carbonstat ledger import' or 'ledger sync'",
		          cs_ldb_name(s->db));
		goto err;
	}
	if (v > CS_LG_SCHEMA_VERSION) {
		rc = too_new(s, v);
		goto err;
	}
	if (v < CS_LG_SCHEMA_VERSION) {
		rc = fail(s, CS_ERANGE,
		          "ledger: %s has schema version %d, older than %d; run 'carbonstat ledger migrate'",
		          cs_ldb_name(s->db), v, CS_LG_SCHEMA_VERSION);
		goto err;
	}
	return 0;
err:
	cs_lg_end_read(s);
	return rc;
}

void cs_lg_end_read(cs_lg_store *s)
{
	if (s->reading)
		cs_ldb_rollback(s->db);
	s->reading = false;
}

/* Runs sql with the int64 args, calling row(st, ud) per result row. */
static int each_row(cs_lg_store *s, const char *sql, const int64_t *args, int nargs,
                    int (*row)(cs_ldb_stmt *st, void *ud), void *ud)
{
	cs_ldb_stmt *st;
	int rc = cs_ldb_prepare(s->db, sql, &st);

	if (rc)
		return rc;
	for (int i = 0; i < nargs && !rc; i++)
		rc = cs_ldb_bind(st, i + 1, cs_ldb_int(args[i]));
	while (!rc && (rc = cs_ldb_step(st)) == 1)
		rc = row(st, ud);
	cs_ldb_finalize(st);
	return rc < 0 ? rc : rc > 0 ? rc : 0;
}

typedef struct cb_ctx {
	void *cb;
	void *ud;
} cb_ctx;

/* Rows of sql over [from, to) ($1, $2), each through row into the caller's cb. */
static int each_in(cs_lg_store *s, const char *sql, int64_t from, int64_t to, int (*row)(cs_ldb_stmt *st, void *ud),
                   void *cb, void *ud)
{
	int64_t a[2] = {from, to};
	cb_ctx c = {cb, ud};

	return each_row(s, sql, a, 2, row, &c);
}

static int dims_row(cs_ldb_stmt *st, void *ud)
{
	cb_ctx *c = ud;
	cs_lg_dims d = {cs_ldb_col_text(st, 1), cs_ldb_col_text(st, 2), cs_ldb_col_text(st, 3),
	                cs_ldb_col_text(st, 4), cs_ldb_col_text(st, 5), cs_ldb_col_text(st, 6)};

	return ((cs_lg_dims_cb)c->cb)(c->ud, cs_ldb_col_int(st, 0), &d);
}

int cs_lg_read_dims(cs_lg_store *s, cs_lg_dims_cb cb, void *ud)
{
	cb_ctx c = {(void *)cb, ud};

	return each_row(s, "SELECT id, cluster, node, namespace, owner, owner_kind, team FROM dims", NULL, 0, dims_row,
	                &c);
}

static int sums_row(cs_ldb_stmt *st, void *ud)
{
	cb_ctx *c = ud;
	cs_lg_sums v;

	for (int k = 0; k < CS_PART_COUNT; k++)
		v.energy_uj[k] = cs_ldb_col_int(st, 2 + k);
	v.op_ug = cs_ldb_col_int(st, 6);
	v.emb_ug = cs_ldb_col_int(st, 7);
	v.cost_micro = cs_ldb_col_int(st, 8);
	v.uncosted_uj = cs_ldb_col_int(st, 9);
	v.rows = cs_ldb_col_int(st, 10);
	return ((cs_lg_daily_cb)c->cb)(c->ud, cs_ldb_col_int(st, 0), cs_ldb_col_int(st, 1), &v);
}

int cs_lg_read_daily(cs_lg_store *s, int64_t from_day, int64_t to_day, cs_lg_daily_cb cb, void *ud)
{
	return each_in(s, "SELECT " DAILY_COLS " FROM daily WHERE day >= $1 AND day < $2", from_day, to_day, sums_row,
	               (void *)cb, ud);
}

int cs_lg_read_dim_totals(cs_lg_store *s, int64_t from_day, int64_t to_day, cs_lg_daily_cb cb, void *ud)
{
	return each_in(s,
	               "SELECT 0, dim_id, SUM(energy_cpu_uj), SUM(energy_dram_uj), SUM(energy_gpu_uj), "
	               "SUM(energy_other_uj), SUM(op_ug), SUM(emb_ug), SUM(cost_micro), SUM(uncosted_uj), "
	               "SUM(n_rows) FROM daily WHERE day >= $1 AND day < $2 GROUP BY dim_id",
	               from_day, to_day, sums_row, (void *)cb, ud);
}

int cs_lg_read_dim_totals_facts(cs_lg_store *s, int64_t from_hour, int64_t to_hour, cs_lg_daily_cb cb, void *ud)
{
	return each_in(s, "SELECT 0, dim_id, " FACT_SUMS " FROM facts WHERE hour >= $1 AND hour < $2 GROUP BY dim_id",
	               from_hour, to_hour, sums_row, (void *)cb, ud);
}

static int node_row(cs_ldb_stmt *st, void *ud)
{
	cb_ctx *c = ud;
	cs_lg_node_total n;

	memset(&n, 0, sizeof(n));
	n.cluster = cs_ldb_col_text(st, 0);
	n.node = cs_ldb_col_text(st, 1);
	n.provider = cs_ldb_col_text(st, 2);
	n.region = cs_ldb_col_text(st, 3);
	n.instance = cs_ldb_col_text(st, 4);
	for (int k = 0; k < CS_PART_COUNT; k++)
		n.energy_uj[k] = cs_ldb_col_int(st, 5 + k);
	n.op_ug = cs_ldb_col_int(st, 9);
	n.emb_ug = cs_ldb_col_int(st, 10);
	n.cost_micro = cs_ldb_col_int(st, 11);
	n.hours = cs_ldb_col_int(st, 12);
	n.priced_hours = cs_ldb_col_int(st, 13);
	n.covered_ms = cs_ldb_col_int(st, 14);
	return ((cs_lg_node_cb)c->cb)(c->ud, &n);
}

int cs_lg_read_node_totals(cs_lg_store *s, int64_t from_hour, int64_t to_hour, cs_lg_node_cb cb, void *ud)
{
	return each_in(s,
	               "SELECT cluster, node, MAX(provider), MAX(region), MAX(instance), SUM(energy_cpu_uj), "
	               "SUM(energy_dram_uj), SUM(energy_gpu_uj), SUM(energy_other_uj), SUM(op_ug), SUM(emb_ug), "
	               "COALESCE(SUM(cost_micro), 0), COUNT(*), COUNT(cost_micro), SUM(covered_ms) FROM node_hours "
	               "WHERE hour >= $1 AND hour < $2 GROUP BY cluster, node",
	               from_hour, to_hour, node_row, (void *)cb, ud);
}

int cs_lg_read_nodes(cs_lg_store *s, cs_lg_node_cb cb, void *ud)
{
	cb_ctx c = {(void *)cb, ud};

	return each_row(s, "SELECT cluster, node, provider, region, instance, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM nodes",
	                NULL, 0, node_row, &c);
}

static int gap_row(cs_ldb_stmt *st, void *ud)
{
	cb_ctx *c = ud;
	cs_lg_gap g = {
	    .hour = cs_ldb_col_int(st, 0),
	    .source_id = cs_ldb_col_int(st, 1),
	    .cluster = cs_ldb_col_text(st, 2),
	    .node = cs_ldb_col_text(st, 3),
	    .kind = cs_ldb_col_text(st, 4),
	    .covered_s = cs_ldb_col_real(st, 5),
	    .detail = cs_ldb_col_text(st, 6),
	};

	return ((cs_lg_gap_cb)c->cb)(c->ud, &g, cs_ldb_col_text(st, 7));
}

int cs_lg_read_gaps(cs_lg_store *s, int64_t from_hour, int64_t to_hour, cs_lg_gap_cb cb, void *ud)
{
	return each_in(s,
	               "SELECT g.hour, g.source_id, g.cluster, g.node, g.kind, g.covered_s, g.detail, s.name "
	               "FROM gaps g JOIN sources s ON s.id = g.source_id WHERE g.hour >= $1 AND g.hour < $2 "
	               "ORDER BY g.hour, g.cluster, g.node, g.kind",
	               from_hour, to_hour, gap_row, (void *)cb, ud);
}

static int unit_row(cs_ldb_stmt *st, void *ud)
{
	cb_ctx *c = ud;

	return ((cs_lg_unit_cb)c->cb)(c->ud, cs_ldb_col_int(st, 0), cs_ldb_col_text(st, 1), cs_ldb_col_real(st, 2));
}

int cs_lg_read_units(cs_lg_store *s, int64_t from_hour, int64_t to_hour, cs_lg_unit_cb cb, void *ud)
{
	return each_in(s, "SELECT hour, key, value FROM units WHERE hour >= $1 AND hour < $2", from_hour, to_hour,
	               unit_row, (void *)cb, ud);
}

typedef struct hours_ctx {
	int64_t from;
	size_t n;
	bool *present;
} hours_ctx;

static int hour_row(cs_ldb_stmt *st, void *ud)
{
	hours_ctx *h = ud;
	int64_t k = (cs_ldb_col_int(st, 0) - h->from) / CS_LG_HOUR_S;

	if (k >= 0 && (size_t)k < h->n)
		h->present[k] = true;
	return 0;
}

int cs_lg_read_hours(cs_lg_store *s, int64_t from_hour, int64_t to_hour, bool *present)
{
	int64_t a[2] = {from_hour, to_hour};
	hours_ctx h = {from_hour, (size_t)((to_hour - from_hour) / CS_LG_HOUR_S), present};

	return each_row(s, "SELECT DISTINCT hour FROM node_hours WHERE hour >= $1 AND hour < $2", a, 2, hour_row, &h);
}

static int reason_row(cs_ldb_stmt *st, void *ud)
{
	cb_ctx *c = ud;

	return ((cs_lg_reason_cb)c->cb)(c->ud, cs_ldb_col_text(st, 0), cs_ldb_col_int(st, 1));
}

static int instance_day_row(cs_ldb_stmt *st, void *ud)
{
	cb_ctx *c = ud;
	cs_lg_instance_day d = {cs_ldb_col_int(st, 0),  cs_ldb_col_text(st, 1), cs_ldb_col_text(st, 2),
	                        cs_ldb_col_text(st, 3), cs_ldb_col_int(st, 4),  cs_ldb_col_int(st, 5)};

	return ((cs_lg_instance_day_cb)c->cb)(c->ud, &d);
}

int cs_lg_read_instance_days(cs_lg_store *s, cs_lg_instance_day_cb cb, void *ud)
{
	cb_ctx c = {(void *)cb, ud};
	int v, rc;

	if ((rc = cs_lg_schema_version(s, &v)) != 0)
		return rc;
	if (v < 3)
		return 0; /* no instance ids or CPU time before schema 3 */
	return each_row(s,
	                "SELECT hour - hour % 86400, provider, instance_id, instance_name, SUM(cpu_busy_ms), "
	                "SUM(cpu_total_ms) FROM node_hours WHERE cpu_total_ms > 0 AND (instance_id <> '' OR "
	                "instance_name <> '') GROUP BY hour - hour % 86400, provider, instance_id, instance_name "
	                "ORDER BY 1, 2, 3, 4",
	                NULL, 0, instance_day_row, &c);
}

int cs_lg_read_cost_reasons(cs_lg_store *s, int64_t from_hour, int64_t to_hour, cs_lg_reason_cb cb, void *ud)
{
	return each_in(s,
	               "SELECT cost_reason, COUNT(*) FROM node_hours WHERE hour >= $1 AND hour < $2 AND "
	               "cost_micro IS NULL GROUP BY cost_reason ORDER BY COUNT(*) DESC",
	               from_hour, to_hour, reason_row, (void *)cb, ud);
}
