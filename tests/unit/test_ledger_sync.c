/* test_ledger_sync.c - `ledger sync` (ledger/sync.c over io/http) against
 * a scripted Prometheus API (tests/fakes/fake_prom.py), into a real
 * database (SQLite; PostgreSQL through with_pg.sh).
 *
 * Covered: every query asks the server to aggregate (sum/max by); each
 * hour's samples land in the hour they close; rows, node totals, carbon,
 * intensity (one source, or "mixed"), PUE, provider/region/instance and the
 * price follow; series without a cluster label get the configured one; a
 * node absent for an hour, an hour without any series, a half-covered hour
 * and a counter reset are recorded as gaps and never as zeros; [sci] units
 * per hour; the watermark moves to the last complete hour; a second sync of
 * the same hours replaces them (totals unchanged); without --from it starts
 * at the watermark; --partial syncs the hour in progress and keeps the
 * watermark; a PromQL error, a non-JSON answer, an HTTP 500, a server that
 * is not there and one too slow each fail with one line and leave the
 * ledger exactly as it was.
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

#include "carbonstat/error.h"
#include "fake_server.h"
#include "ledger/cost.h"
#include "ledger/lconf.h"
#include "ledger/store.h"
#include "ledger/sync.h"
#include "ledger_fixture.h"
#include "require.h"

#ifndef FAKE_PROM
#define FAKE_PROM CS_FIXTURES_DIR "/../fakes/fake_prom.py"
#endif

static const int64_t H0 = 1793491200; /* 2026-11-01T00:00Z */

static cs_fake fk; /* the running fake (test singleton; cs_fake_stop_all ends it) */

typedef struct tctx {
	char dir[256];
	char url[600];
	bool no_fake;
} tctx;

#define NEED_FAKE(t)                                                                                                   \
	do {                                                                                                           \
		if ((t)->no_fake)                                                                                      \
			tf_skip_or_fail("python3", "python3 not usable: the scripted Prometheus API needs it");        \
	} while (0)

static int setup(void **state)
{
	tctx *t = calloc(1, sizeof(*t));
	char h0[32];
	char *argv[] = {(char *)"python3", (char *)FAKE_PROM, h0, (char *)"--exit-with-stdin", NULL};

	assert_non_null(t);
	snprintf(h0, sizeof(h0), "%lld", (long long)H0);
	lf_fresh_db(t->url, sizeof(t->url), t->dir, sizeof(t->dir), "ledger_sync");
	*state = t;
	t->no_fake = cs_fake_start(&fk, argv) != 0;
	return 0;
}

static int teardown(void **state)
{
	tctx *t = *state;

	cs_fake_stop_all(NULL);
	lf_cleanup(t->dir);
	free(t);
	return 0;
}

typedef struct res {
	int rc;
	char why[1500];
	cs_lg_sync_stats st;
} res;

static res sync_(const tctx *t, int64_t from, int64_t to, double now, bool partial, double timeout_s)
{
	static const char csv[] = "provider,instance_type,region,currency,price_per_hour\naws,m5.large,*,USD,0.096\n";
	char why[700];
	cs_lg_store *s;
	cs_lg_prices prices;
	cs_lg_pricer pr;
	cs_lg_conf conf;
	cs_lg_sync_opts o;
	res r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(cs_lg_prices_parse(csv, sizeof(csv) - 1, "p.csv", &prices, why, sizeof(why)), 0);
	cs_lg_conf_init(&conf);
	{
		static const char ini[] = "[sci.team]\ncheckout = sum(increase(http_requests_total[1h]))\n";

		assert_int_equal(cs_lg_conf_parse(ini, sizeof(ini) - 1, "t.ini", &conf, why, sizeof(why)), 0);
	}
	if (cs_lg_open(t->url, CS_LG_WRITE, 5, &s, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	cs_lg_pricer_init(&pr, &prices, s);
	memset(&o, 0, sizeof(o));
	o.url = fk.url;
	o.cluster = "prod";
	o.from_s = from;
	o.to_s = to;
	o.partial = partial;
	o.now_s = now;
	o.timeout_s = timeout_s;
	o.batch_hours = 4; /* several windows */
	o.pricer = &pr;
	o.conf = &conf;
	r.rc = cs_lg_sync(s, &o, &r.st, r.why, sizeof(r.why));
	cs_lg_pricer_free(&pr);
	cs_lg_prices_free(&prices);
	cs_lg_conf_free(&conf);
	cs_lg_close(s);
	return r;
}

static int64_t q1(const tctx *t, const char *sql)
{
	char why[700];
	cs_lg_store *s;
	cs_ldb_stmt *st;
	int64_t v;

	assert_int_equal(cs_lg_open(t->url, CS_LG_READ, 5, &s, why, sizeof(why)), 0);
	assert_int_equal(cs_lg_begin_read(s), 0);
	if (cs_ldb_prepare(cs_lg_db(s), sql, &st) != 0)
		fail_msg("%s", cs_lg_why(s));
	assert_int_equal(cs_ldb_step(st), 1);
	v = cs_ldb_col_type(st, 0) == CS_LDB_REAL ? llround(cs_ldb_col_real(st, 0)) : cs_ldb_col_int(st, 0);
	cs_ldb_finalize(st);
	cs_lg_end_read(s);
	cs_lg_close(s);
	return v;
}

static void must_ok(const res *r)
{
	if (r->rc)
		fail_msg("sync failed: %s", r->why);
}

/* A fingerprint of the ledger: counts and sums of every table. */
static void fingerprint(const tctx *t, int64_t out[8])
{
	out[0] = q1(t, "SELECT COUNT(*) + COALESCE(SUM(energy_uj), 0) + COALESCE(SUM(op_ug), 0) FROM facts");
	out[1] = q1(t, "SELECT COUNT(*) + COALESCE(SUM(samples), 0) + COALESCE(SUM(covered_ms), 0) FROM node_hours");
	out[2] = q1(t, "SELECT COUNT(*) FROM gaps");
	out[3] = q1(t, "SELECT COUNT(*) + COALESCE(SUM(value), 0) FROM units");
	out[4] = q1(t, "SELECT COALESCE(MAX(watermark_ms), 0) FROM sources");
	out[5] = q1(t, "SELECT COUNT(*) + COALESCE(SUM(op_ug), 0) FROM daily");
	out[6] = q1(t, "SELECT COUNT(*) FROM dims");
	out[7] = q1(t, "SELECT COALESCE(SUM(cost_micro), 0) FROM facts");
}

static void test_sync_hours(void **state)
{
	tctx *t = *state;
	int64_t fp1[8], fp2[8];
	res r;

	NEED_FAKE(t);
	r = sync_(t, H0, H0 + 6 * 3600, (double)H0 + 10 * 86400, false, 10);
	must_ok(&r);
	assert_true(r.st.from_hour == H0 && r.st.to_hour == H0 + 6 * 3600);
	assert_int_equal(r.st.node_hours, 9); /* n1: 5 hours, n2: 4 */
	/* every query aggregated by the server */
	{
		char body[65536];
		FILE *f;
		char cmd[256];
		size_t n;

		snprintf(cmd, sizeof(cmd), "curl -s %s/_requests", fk.url);
		f = popen(cmd, "r");
		assert_non_null(f);
		n = fread(body, 1, sizeof(body) - 1, f);
		body[n] = '\0';
		pclose(f);
		assert_non_null(strstr(body, "sum by (cluster,node,namespace,owner,owner_kind,team,kind,component) "
		                             "(increase(carbonstat_energy_joules_total[1h]))"));
		assert_null(strstr(body, "\"carbonstat_energy_joules_total\""));
	}
	/* amounts: n1 rows 4060 J an hour x 5, n2 1800 J x 4; node totals the same */
	assert_true(q1(t, "SELECT SUM(energy_uj) FROM facts") == (5 * 4060LL + 4 * 1800LL) * 1000000);
	assert_true(q1(t, "SELECT SUM(energy_cpu_uj + energy_dram_uj) FROM node_hours") ==
	            (5 * 4060LL + 4 * 1800LL) * 1000000);
	assert_true(q1(t, "SELECT SUM(op_ug) FROM facts") == 5 * 340000LL + 4 * 150000LL);
	assert_true(q1(t, "SELECT SUM(emb_ug) FROM facts") == 5 * 60000LL);
	/* the system bucket is an owner of its own */
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM dims WHERE owner = 'system' AND owner_kind = 'system'"), 1);
	/* clusters: the label, else the configured one */
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM node_hours WHERE cluster = 'prod' AND node = 'n2'"), 4);
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM node_hours WHERE cluster = 'eu' AND node = 'n1'"), 5);
	/* context */
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM node_hours WHERE node = 'n2' AND intensity_source = 'mixed' AND "
	                       "intensity_g_per_kwh > 254.99 AND intensity_g_per_kwh < 255.01"),
	                 4);
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM node_hours WHERE node = 'n1' AND instance = 'm5.large' AND "
	                       "pue > 1.13 AND intensity_source = 'static-region'"),
	                 5);
	/* the machine and its CPU time (schema 3): n1's id and 25 % of 2 vCPUs; n2 sends neither */
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM node_hours WHERE node = 'n1' AND instance_id = "
	                       "'i-0123456789abcdef0' AND cpu_busy_ms = 1800000 AND cpu_total_ms = 7200000"),
	                 5);
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM node_hours WHERE node = 'n2' AND instance_id = '' AND "
	                       "cpu_total_ms IS NULL"),
	                 4);
	/* costs: n1 priced (the whole hour, 0.096), n2 has no instance type */
	assert_true(q1(t, "SELECT SUM(cost_micro) FROM node_hours") == 5 * 96000);
	assert_true(q1(t, "SELECT SUM(cost_micro) FROM facts") == 5 * 96000);
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM node_hours WHERE cost_micro IS NULL AND cost_reason LIKE "
	                       "'instance type or provider%'"),
	                 4);
	/* gaps, never zeros */
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM gaps WHERE kind = 'missing' AND node = ''"), 1);
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM gaps WHERE kind = 'missing' AND node = 'n2'"), 1);
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM gaps WHERE kind = 'partial' AND node = 'n2'"), 1);
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM gaps WHERE kind = 'reset' AND node = 'n1'"), 1);
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM facts WHERE hour = 1793505600"), 0); /* hour 4 */
	assert_int_equal(q1(t, "SELECT SUM(covered_ms) FROM node_hours WHERE node = 'n2' AND hour = 1793502000"),
	                 1800000);
	/* units and watermark */
	assert_int_equal(q1(t, "SELECT SUM(value) FROM units WHERE key = 'team:checkout'"), 5000);
	assert_true(q1(t, "SELECT MAX(watermark_ms) FROM sources") == (H0 + 6 * 3600) * 1000);

	/* again: replaced, not added */
	fingerprint(t, fp1);
	r = sync_(t, H0, H0 + 6 * 3600, (double)H0 + 10 * 86400, false, 10);
	must_ok(&r);
	fingerprint(t, fp2);
	assert_memory_equal(fp1, fp2, sizeof(fp1));
}

static void test_watermark_and_partial(void **state)
{
	tctx *t = *state;
	res r;

	NEED_FAKE(t);
	r = sync_(t, H0, H0 + 6 * 3600, (double)H0 + 10 * 86400, false, 10);
	must_ok(&r);
	/* 8 h 10 min after H0: hours 6 and 7 are complete */
	r = sync_(t, INT64_MIN, INT64_MIN, (double)H0 + 8 * 3600 + 600, false, 10);
	must_ok(&r);
	assert_true(r.st.from_hour == H0 + 6 * 3600 && r.st.to_hour == H0 + 8 * 3600);
	assert_true(q1(t, "SELECT MAX(watermark_ms) FROM sources") == (H0 + 8 * 3600) * 1000);
	/* 8 h 30 min: hour 8 is in progress */
	r = sync_(t, INT64_MIN, INT64_MIN, (double)H0 + 8 * 3600 + 1800, true, 10);
	must_ok(&r);
	assert_true(q1(t, "SELECT MAX(watermark_ms) FROM sources") == (H0 + 8 * 3600) * 1000);
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM node_hours WHERE hour = 1793520000"), 2);
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM gaps WHERE hour = 1793520000 AND kind = 'partial' AND detail LIKE "
	                       "'hour in progress%'"),
	                 2);
	assert_int_equal(q1(t, "SELECT MAX(covered_ms) FROM node_hours WHERE hour = 1793520000"), 1800000);
	/* the next sync replaces the partial hour */
	r = sync_(t, INT64_MIN, INT64_MIN, (double)H0 + 9 * 3600 + 600, false, 10);
	must_ok(&r);
	assert_int_equal(q1(t, "SELECT COUNT(*) FROM gaps WHERE hour = 1793520000 AND kind = 'partial'"), 0);
	assert_int_equal(q1(t, "SELECT MAX(covered_ms) FROM node_hours WHERE hour = 1793520000"), 3600000);
}

static void mode(const char *m)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "curl -s %s/_mode/%s >/dev/null", fk.url, m);
	assert_int_equal(system(cmd), 0);
}

static void expect_fail(tctx *t, const char *m, double timeout_s, const char *msg)
{
	int64_t before[8], after[8];
	res r;

	fingerprint(t, before);
	mode(m);
	r = sync_(t, H0 + 6 * 3600, H0 + 12 * 3600, (double)H0 + 10 * 86400, false, timeout_s);
	mode("ok");
	assert_int_not_equal(r.rc, 0);
	if (!strstr(r.why, msg))
		fail_msg("'%s' not in '%s'", msg, r.why);
	assert_non_null(strstr(r.why, "nothing was synced"));
	assert_null(strchr(r.why, '\n'));
	fingerprint(t, after);
	assert_memory_equal(before, after, sizeof(before));
}

static void test_failures_change_nothing(void **state)
{
	tctx *t = *state;
	res r;

	NEED_FAKE(t);
	r = sync_(t, H0, H0 + 6 * 3600, (double)H0 + 10 * 86400, false, 10);
	must_ok(&r);
	expect_fail(t, "error", 10, "bad_data: 1:2: parse error: unexpected in query sum by");
	expect_fail(t, "garbage", 10, "not JSON");
	expect_fail(t, "500", 10, "HTTP 500");
	expect_fail(t, "slow", 1, "did not answer within 1 s");
	{
		char saved[64];

		memcpy(saved, fk.url, sizeof(saved));
		snprintf(fk.url, sizeof(fk.url), "http://user:pw@127.0.0.1:1");
		r = sync_(t, H0, H0 + 3600, (double)H0 + 10 * 86400, false, 2);
		memcpy(fk.url, saved, sizeof(saved));
		assert_int_not_equal(r.rc, 0);
		assert_non_null(strstr(r.why, "http://127.0.0.1:1: no answer ("));
		assert_null(strstr(r.why, "pw"));
		assert_null(strstr(r.why, "user"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sync_hours, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_watermark_and_partial, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failures_change_nothing, setup, teardown),
	};

	return tf_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
