/* test_ledger_store.c - the ledger store on a real database: SQLite always,
 * PostgreSQL too when tests/ledger/with_pg.sh runs it (CS_LEDGER_PG_URL).
 *
 * Covered: the schema is created by the first write and versioned (a newer
 * version is refused with a line naming both versions, a read of an empty
 * database says so); ids of sources and dims are stable across
 * transactions; a rollback leaves nothing; the daily rollup equals the facts
 * after inserts, additions (upserts), deleted hours and deleted node-hours in
 * any mix (cs_lg_verify_daily), and reads (daily, dim totals, node totals,
 * gaps, units, hours) give back what was written; billing unit prices by
 * period; the write lock: a second writer waits and then fails after the
 * lock timeout with "locked", and succeeds once the first commits; SQLite
 * only: a read-only file and a corrupt file each give one line saying so;
 * URLs with passwords are masked in every message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "fixture.h"
#include "ledger/db.h"
#include "ledger/store.h"
#include "ledger_fixture.h"

typedef struct tctx {
	char dir[256];
	char url[600];
} tctx;

static int setup(void **state)
{
	tctx *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	lf_fresh_db(t->url, sizeof(t->url), t->dir, sizeof(t->dir), "ledger_store");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tctx *t = *state;

	lf_cleanup(t->dir);
	free(t);
	return 0;
}

static cs_lg_store *open_w(const tctx *t)
{
	char why[700];
	cs_lg_store *s = NULL;

	if (cs_lg_open(t->url, CS_LG_WRITE, 5, &s, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	return s;
}

static void must(cs_lg_store *s, int rc)
{
	if (rc != 0)
		fail_msg("rc %d: %s", rc, cs_lg_why(s));
}

static int64_t verify(cs_lg_store *s)
{
	int64_t n = -1;

	must(s, cs_lg_begin_read(s));
	must(s, cs_lg_verify_daily(s, &n));
	cs_lg_end_read(s);
	return n;
}

static const int64_t H0 = 1793491200; /* 2026-11-01T00:00Z */

static cs_lg_fact fact(int64_t hour, int64_t src, int64_t dim, int comp, int64_t e, bool cost)
{
	cs_lg_fact f = {hour, src, dim, comp, e, e / 10, e / 100, 300.0, cost, cost ? e / 1000 : 0};

	return f;
}

static cs_lg_node_hour node_hour(int64_t hour, int64_t src, const char *node, int64_t e)
{
	cs_lg_node_hour n;

	memset(&n, 0, sizeof(n));
	n.hour = hour;
	n.source_id = src;
	n.cluster = "c1";
	n.node = node;
	n.provider = "aws";
	n.region = "eu-west-1";
	n.instance = "m5.large";
	n.energy_uj[0] = e;
	n.op_ug = e / 10;
	n.emb_ug = e / 100;
	n.intensity_g_per_kwh = 300;
	n.intensity_source = "static-region";
	n.pue = NAN;
	n.first_ms = hour * 1000 + 5000;
	n.last_ms = hour * 1000 + 3600000;
	n.samples = 720;
	n.covered_ms = 3600000;
	n.currency = "";
	n.price_source = "";
	n.cost_reason = "no price";
	return n;
}

/* ---- schema ------------------------------------------------------------------------ */

static void test_schema_created_and_versioned(void **state)
{
	tctx *t = *state;
	cs_lg_store *s;
	char why[700];
	int v;

	/* an empty database has no ledger: a read says so */
	if (!lf_is_pg()) {
		FILE *f;
		char path[600];

		tf_snprintf(path, sizeof(path), "%s", t->url + 7);
		f = fopen(path, "w");
		assert_non_null(f);
		fclose(f);
	} else {
		s = open_w(t);
		cs_lg_close(s);
	}
	assert_int_equal(cs_lg_open(t->url, CS_LG_READ, 5, &s, why, sizeof(why)), 0);
	assert_int_equal(cs_lg_begin_read(s), CS_ENODATA);
	assert_non_null(strstr(cs_lg_why(s), "holds no ledger yet"));
	cs_lg_close(s);

	s = open_w(t);
	must(s, cs_lg_begin(s));
	must(s, cs_lg_schema_version(s, &v));
	assert_int_equal(v, CS_LG_SCHEMA_VERSION);
	must(s, cs_lg_commit(s));
	/* opening again migrates nothing and keeps the version */
	must(s, cs_lg_begin(s));
	must(s, cs_lg_commit(s));
	cs_lg_close(s);

	/* a newer schema is refused, reading and writing */
	{
		cs_ldb *db;

		assert_int_equal(cs_ldb_open(t->url, 0, 5, &db, why, sizeof(why)), 0);
		assert_int_equal(cs_ldb_exec(db, "INSERT INTO schema_version (version, applied_ms) VALUES (99, 0)"), 0);
		cs_ldb_close(db);
	}
	s = open_w(t);
	assert_int_equal(cs_lg_begin(s), CS_ERANGE);
	assert_non_null(strstr(cs_lg_why(s), "schema version 99, newer than this carbonstat's 3"));
	cs_lg_close(s);
	assert_int_equal(cs_lg_open(t->url, CS_LG_READ, 5, &s, why, sizeof(why)), 0);
	assert_int_equal(cs_lg_begin_read(s), CS_ERANGE);
	cs_lg_close(s);
}

/* ---- ids, rollback ------------------------------------------------------------------ */

static void test_ids_stable_and_rollback(void **state)
{
	tctx *t = *state;
	cs_lg_dims d1 = {"c1", "n1", "shop", "api", "Deployment", "checkout"};
	cs_lg_dims d2 = {"c1", "n1", "shop", "db", "StatefulSet", "checkout"};
	cs_lg_store *s = open_w(t);
	int64_t src, src2, wm, a, b, a2;

	must(s, cs_lg_begin(s));
	must(s, cs_lg_source(s, "jsonl:c1/n1", "jsonl", &src, &wm));
	assert_true(wm == INT64_MIN);
	must(s, cs_lg_dim(s, &d1, &a));
	must(s, cs_lg_dim(s, &d2, &b));
	assert_true(a != b);
	must(s, cs_lg_dim(s, &d1, &a2));
	assert_true(a == a2);
	must(s, cs_lg_set_watermark(s, src, 1234));
	must(s, cs_lg_commit(s));

	must(s, cs_lg_begin(s));
	must(s, cs_lg_source(s, "jsonl:c1/n1", "jsonl", &src2, &wm));
	assert_true(src2 == src);
	assert_true(wm == 1234);
	must(s, cs_lg_dim(s, &d2, &a2));
	assert_true(a2 == b);
	/* written then rolled back: gone */
	{
		cs_lg_fact f = fact(H0, src, a, 0, 1000000, false);

		must(s, cs_lg_put_fact(s, &f, false));
	}
	must(s, cs_lg_source(s, "other", "jsonl", &src2, NULL));
	cs_lg_rollback(s);

	must(s, cs_lg_begin(s));
	must(s, cs_lg_source(s, "other", "jsonl", &src2, &wm));
	assert_true(wm == INT64_MIN); /* created anew */
	must(s, cs_lg_commit(s));
	assert_int_equal(verify(s), 0);
	{
		int64_t n = 0;
		cs_ldb_stmt *st;

		must(s, cs_lg_begin_read(s));
		must(s, cs_ldb_prepare(cs_lg_db(s), "SELECT COUNT(*) FROM facts", &st));
		assert_int_equal(cs_ldb_step(st), 1);
		n = cs_ldb_col_int(st, 0);
		cs_ldb_finalize(st);
		cs_lg_end_read(s);
		assert_int_equal(n, 0);
	}
	cs_lg_close(s);
}

/* ---- the daily rollup follows every change ------------------------------------------ */

typedef struct tot {
	int64_t e, op, emb, cost, unc, rows;
} tot;

static int sum_cb(void *ud, int64_t day, int64_t dim, const cs_lg_sums *v)
{
	tot *x = ud;

	(void)day;
	(void)dim;
	for (int c = 0; c < CS_PART_COUNT; c++)
		x->e += v->energy_uj[c];
	x->op += v->op_ug;
	x->emb += v->emb_ug;
	x->cost += v->cost_micro;
	x->unc += v->uncosted_uj;
	x->rows += v->rows;
	return 0;
}

static void test_rollup_follows_facts(void **state)
{
	tctx *t = *state;
	cs_lg_store *s = open_w(t);
	int64_t src, src_b, dims[6];
	unsigned seed = 12345;

	must(s, cs_lg_begin(s));
	must(s, cs_lg_source(s, "a", "jsonl", &src, NULL));
	must(s, cs_lg_source(s, "b", "jsonl", &src_b, NULL));
	for (int i = 0; i < 6; i++) {
		char owner[16];
		cs_lg_dims d = {"c1", i < 3 ? "n1" : "n2", "ns", owner, "Deployment", i % 2 ? "t1" : "t2"};

		snprintf(owner, sizeof(owner), "o%d", i);
		must(s, cs_lg_dim(s, &d, &dims[i]));
	}
	/* three days of hours, both sources */
	for (int h = 0; h < 72; h++)
		for (int i = 0; i < 6; i++)
			for (int c = 0; c < 2; c++) {
				cs_lg_fact f =
				    fact(H0 + h * 3600, h % 2 ? src : src_b, dims[i], c, 1000 + h * 10 + i, i != 2);

				must(s, cs_lg_put_fact(s, &f, false));
			}
	must(s, cs_lg_commit(s));
	assert_int_equal(verify(s), 0);

	/* random mixes of replace, add and node deletes */
	for (int round = 0; round < 6; round++) {
		int64_t h = H0 + (int64_t)(rand_r(&seed) % 72) * 3600;

		must(s, cs_lg_begin(s));
		switch (round % 3) {
		case 0: /* replace two hours of source a */
			must(s, cs_lg_delete_hours(s, src, h, h + 2 * 3600));
			for (int k = 0; k < 2; k++)
				for (int i = 0; i < 6; i++) {
					cs_lg_fact f = fact(h + k * 3600, src, dims[i], 1, 777 + i, true);

					must(s, cs_lg_put_fact(s, &f, false));
				}
			break;
		case 1: /* add to existing and new keys */
			for (int i = 0; i < 6; i++) {
				cs_lg_fact f = fact(h, src, dims[i], i % 4, 5000 + i, i % 2);

				must(s, cs_lg_put_fact(s, &f, true));
			}
			break;
		default: /* one node's hour gone */
			must(s, cs_lg_delete_node_hour(s, src, h, "c1", "n1"));
			must(s, cs_lg_delete_node_hour(s, src_b, h + 3600, "c1", "n2"));
			break;
		}
		must(s, cs_lg_commit(s));
		assert_int_equal(verify(s), 0);
	}
	/* a rolled-back change leaves the rollup as it was */
	{
		tot before = {0}, after = {0};

		must(s, cs_lg_begin_read(s));
		must(s, cs_lg_read_daily(s, H0, H0 + 3 * 86400, sum_cb, &before));
		cs_lg_end_read(s);
		must(s, cs_lg_begin(s));
		must(s, cs_lg_delete_hours(s, src, H0, H0 + 72 * 3600));
		cs_lg_rollback(s);
		must(s, cs_lg_begin_read(s));
		must(s, cs_lg_read_daily(s, H0, H0 + 3 * 86400, sum_cb, &after));
		cs_lg_end_read(s);
		assert_memory_equal(&before, &after, sizeof(before));
		assert_true(before.e > 0 && before.unc > 0 && before.cost > 0);
	}
	/* everything deleted: no daily row left */
	must(s, cs_lg_begin(s));
	must(s, cs_lg_delete_hours(s, src, H0 - 3600, H0 + 100 * 3600));
	must(s, cs_lg_delete_hours(s, src_b, H0 - 3600, H0 + 100 * 3600));
	must(s, cs_lg_commit(s));
	{
		tot x = {0};

		must(s, cs_lg_begin_read(s));
		must(s, cs_lg_read_daily(s, H0 - 86400, H0 + 10 * 86400, sum_cb, &x));
		cs_lg_end_read(s);
		assert_int_equal(x.rows, 0);
	}
	assert_int_equal(verify(s), 0);
	cs_lg_close(s);
}

/* ---- reads -------------------------------------------------------------------------- */

static int node_cb(void *ud, const cs_lg_node_total *n)
{
	tot *x = ud;

	x->e += n->energy_uj[0];
	x->rows += n->hours;
	x->cost += n->priced_hours;
	return 0;
}

static int gap_cb(void *ud, const cs_lg_gap *g, const char *src)
{
	int *n = ud;

	assert_string_equal(src, "a");
	assert_string_equal(g->kind, "partial");
	assert_true(fabs(g->covered_s - 1800) < 1e-9);
	(*n)++;
	return 0;
}

static int unit_cb(void *ud, int64_t hour, const char *key, double v)
{
	double *x = ud;

	(void)hour;
	assert_string_equal(key, "team:checkout");
	*x += v;
	return 0;
}

static void test_reads(void **state)
{
	tctx *t = *state;
	cs_lg_store *s = open_w(t);
	int64_t src, dim;
	cs_lg_dims d = {"c1", "n1", "shop", "api", "Deployment", "checkout"};
	bool present[48] = {false};
	double units = 0;
	tot nodes = {0}, dimt = {0};
	int ngaps = 0;

	must(s, cs_lg_begin(s));
	must(s, cs_lg_source(s, "a", "jsonl", &src, NULL));
	must(s, cs_lg_dim(s, &d, &dim));
	for (int h = 0; h < 10; h++) {
		cs_lg_fact f = fact(H0 + h * 3600, src, dim, 0, 1000000, true);
		cs_lg_node_hour nh = node_hour(H0 + h * 3600, src, "n1", 1000000);

		must(s, cs_lg_put_fact(s, &f, false));
		must(s, cs_lg_put_node_hour(s, &nh, false));
		must(s, cs_lg_put_unit(s, H0 + h * 3600, src, "team:checkout", 10));
	}
	{
		cs_lg_gap g = {H0 + 3 * 3600, src, "c1", "n1", "partial", 1800, "half"};

		must(s, cs_lg_put_gap(s, &g));
	}
	must(s, cs_lg_commit(s));

	must(s, cs_lg_begin_read(s));
	must(s, cs_lg_read_node_totals(s, H0, H0 + 86400, node_cb, &nodes));
	must(s, cs_lg_read_dim_totals(s, H0, H0 + 86400, sum_cb, &dimt));
	must(s, cs_lg_read_gaps(s, H0, H0 + 86400, gap_cb, &ngaps));
	must(s, cs_lg_read_units(s, H0, H0 + 86400, unit_cb, &units));
	must(s, cs_lg_read_hours(s, H0, H0 + 48 * 3600, present));
	cs_lg_end_read(s);
	assert_int_equal(nodes.e, 10000000);
	assert_int_equal(nodes.rows, 10);
	assert_int_equal(nodes.cost, 0); /* not priced */
	assert_int_equal(dimt.e, 10000000);
	assert_int_equal(dimt.cost, 10000);
	assert_int_equal(ngaps, 1);
	assert_true(fabs(units - 100) < 1e-9);
	for (int h = 0; h < 48; h++)
		assert_int_equal(present[h], h < 10);
	cs_lg_close(s);
}

static void test_unit_prices(void **state)
{
	tctx *t = *state;
	cs_lg_store *s = open_w(t);
	char cur[8], src[64];
	double p = 0;

	must(s, cs_lg_begin(s));
	must(s, cs_lg_put_unit_price(s, "aws", "m5.large", "eu-west-1", "USD", 0.0961, H0, H0 + 30 * 86400,
	                             "cur:2026-11"));
	must(s, cs_lg_put_unit_price(s, "aws", "m5.large", "eu-west-1", "USD", 0.09, H0 + 30 * 86400, H0 + 61 * 86400,
	                             "cur:2026-12"));
	assert_int_equal(cs_lg_unit_price(s, "aws", "m5.large", "eu-west-1", H0 + 5 * 3600, &p, cur, src, sizeof(src)),
	                 1);
	assert_true(fabs(p - 0.0961) < 1e-12);
	assert_string_equal(cur, "USD");
	assert_string_equal(src, "cur:2026-11");
	assert_int_equal(
	    cs_lg_unit_price(s, "aws", "m5.large", "eu-west-1", H0 + 31 * 86400, &p, cur, src, sizeof(src)), 1);
	assert_true(fabs(p - 0.09) < 1e-12);
	assert_int_equal(cs_lg_unit_price(s, "aws", "m5.large", "us-east-1", H0, &p, cur, src, sizeof(src)), 0);
	assert_int_equal(cs_lg_unit_price(s, "aws", "m5.large", "eu-west-1", H0 - 1, &p, cur, src, sizeof(src)), 0);
	must(s, cs_lg_commit(s));
	cs_lg_close(s);
}

/* ---- the write lock ------------------------------------------------------------------ */

static void test_write_lock(void **state)
{
	tctx *t = *state;
	cs_lg_store *a = open_w(t), *b;
	char why[700];
	int64_t src;

	must(a, cs_lg_begin(a));
	must(a, cs_lg_commit(a)); /* schema exists */
	assert_int_equal(cs_lg_open(t->url, CS_LG_WRITE, 0.3, &b, why, sizeof(why)), 0);
	must(a, cs_lg_begin(a));
	must(a, cs_lg_source(a, "held", "jsonl", &src, NULL));
	assert_int_equal(cs_lg_begin(b), CS_EUNAVAIL);
	assert_non_null(strstr(cs_lg_why(b), "locked by another import or sync"));
	must(a, cs_lg_commit(a));
	must(b, cs_lg_begin(b));
	must(b, cs_lg_source(b, "held", "jsonl", &src, NULL)); /* sees a's commit */
	must(b, cs_lg_commit(b));
	cs_lg_close(a);
	cs_lg_close(b);
}

/* ---- SQLite files that cannot be used ---------------------------------------------- */

static void test_sqlite_readonly_and_corrupt(void **state)
{
	tctx *t = *state;
	char why[700], path[600], url[700];
	cs_lg_store *s;
	FILE *f;

	if (lf_is_pg())
		skip();
	s = open_w(t);
	must(s, cs_lg_begin(s));
	must(s, cs_lg_commit(s));
	cs_lg_close(s);
	tf_snprintf(path, sizeof(path), "%s", t->url + 7);
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0444), 0);
		assert_int_equal(cs_lg_open(t->url, CS_LG_WRITE, 1, &s, why, sizeof(why)), CS_EUNAVAIL);
		assert_non_null(strstr(why, "read-only"));
		assert_int_equal(chmod(path, 0644), 0);
	}
	/* a directory that is not a database file */
	tf_snprintf(url, sizeof(url), "sqlite:%s", t->dir);
	assert_int_equal(cs_lg_open(url, CS_LG_WRITE, 1, &s, why, sizeof(why)), CS_EINVAL);
	assert_non_null(strstr(why, "not a regular file"));
	/* garbage */
	tf_snprintf(path, sizeof(path), "%s/garbage.db", t->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 8192; i++)
		fputc((i * 7919) & 0xff, f);
	fclose(f);
	tf_snprintf(url, sizeof(url), "sqlite:%s", path);
	assert_int_equal(cs_lg_open(url, CS_LG_WRITE, 1, &s, why, sizeof(why)), CS_EINVAL);
	assert_non_null(strstr(why, "not a usable SQLite database"));
	assert_int_equal(cs_lg_open(url, CS_LG_READ, 1, &s, why, sizeof(why)), CS_EINVAL);
	/* missing, for a read */
	tf_snprintf(url, sizeof(url), "sqlite:%s/none.db", t->dir);
	assert_int_equal(cs_lg_open(url, CS_LG_READ, 1, &s, why, sizeof(why)), CS_EUNAVAIL);
	assert_non_null(strstr(why, "no ledger at"));
}

static void test_urls(void **state)
{
	char out[200], why[300];
	cs_ldb *db;

	(void)state;
	cs_ldb_mask_url("postgresql://me:s3cret@db.example/ledger?sslmode=require", out, sizeof(out));
	assert_string_equal(out, "postgresql://me:***@db.example/ledger?sslmode=require");
	cs_ldb_mask_url("postgresql://db/ledger?user=me&password=s3cret&x=1", out, sizeof(out));
	assert_string_equal(out, "postgresql://db/ledger?user=me&password=***&x=1");
	cs_ldb_mask_url("sqlite:/var/lib/x.db", out, sizeof(out));
	assert_string_equal(out, "sqlite:/var/lib/x.db");
	assert_int_equal(cs_ldb_open("mysql://x", 0, 1, &db, why, sizeof(why)), CS_EINVAL);
	assert_non_null(strstr(why, "unknown scheme"));
	assert_int_equal(cs_ldb_open("sqlite:", 0, 1, &db, why, sizeof(why)), CS_EINVAL);
	/* a server that is not there: one line, the password masked */
	assert_int_equal(
	    cs_ldb_open("postgresql://me:s3cret@127.0.0.1:1/x?connect_timeout=2", 0, 1, &db, why, sizeof(why)),
	    CS_EUNAVAIL);
	assert_null(strstr(why, "s3cret"));
	assert_null(strchr(why, '\n'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_schema_created_and_versioned, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ids_stable_and_rollback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollup_follows_facts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unit_prices, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_lock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sqlite_readonly_and_corrupt, setup, teardown),
	    cmocka_unit_test(test_urls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
