/* test_ledger_import.c - `ledger import` of agent JSON lines into a real
 * database (SQLite; PostgreSQL through tests/ledger/with_pg.sh).
 *
 * Files are written with exact microjoules (ledger_fixture.h). Covered:
 * every joule of every whole cycle lands in facts and node_hours, the two
 * equal to the microjoule, the daily rollup equal to facts; re-importing
 * changes nothing; a growing file adds only the new cycles; an hour split
 * by rotation is whole whichever half comes first; --replace replaces;
 * a cycle cut off at the end is left for the next import, a line without
 * its newline too; the same cycle twice in one import counts once; rows
 * that do not add up to their node, a malformed line, or a line of an
 * unknown schema stop the import with file:line and leave the ledger as
 * it was; gzip input; partial and missing hours recorded as gaps; the
 * watermark; prices: node cost = price x covered time and the rows' costs
 * add up to it exactly, by energy and by the CPU/memory split; clusters from
 * the line or the default.
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
#include <unistd.h>
#include <zlib.h>

#include "carbonstat/error.h"
#include "fixture.h"
#include "ledger/cost.h"
#include "ledger/import.h"
#include "ledger/store.h"
#include "ledger_fixture.h"

typedef struct tctx {
	char dir[256];
	char url[600];
	char path[400], path2[400];
} tctx;

static const int64_t H0 = 1793491200; /* 2026-11-01T00:00Z */

static int setup(void **state)
{
	tctx *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	lf_fresh_db(t->url, sizeof(t->url), t->dir, sizeof(t->dir), "ledger_import");
	tf_snprintf(t->path, sizeof(t->path), "%s/energy.jsonl", t->dir);
	tf_snprintf(t->path2, sizeof(t->path2), "%s/energy.jsonl.1", t->dir);
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

/* Cycles [from, to) of node, 5 s apart, the first ending at H0 + 5 s. */
static void cycles(FILE *f, const char *node, int from, int to)
{
	for (int i = from; i < to; i++)
		lf_std_cycle(f, node, (H0 + 5 + 5LL * i) * 1000, i + 1);
}

static int64_t energy_of(int from, int to)
{
	int64_t e = 0;

	for (int i = from; i < to; i++)
		e += lf_std_energy(i + 1);
	return e;
}

static void write_cycles(const char *path, const char *mode, const char *node, int from, int to)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	cycles(f, node, from, to);
	fclose(f);
}

typedef struct result {
	int rc;
	char why[1200];
	cs_lg_import_stats st;
} result;

static result import_files(const tctx *t, const char *const *files, size_t n, bool replace, cs_lg_pricer *pricer,
                           cs_lg_split_mode split, const char *cluster)
{
	cs_lg_store *s;
	cs_lg_import_opts o = {files, n, cluster, replace, pricer, split};
	result r;
	char why[700];

	memset(&r, 0, sizeof(r));
	if (cs_lg_open(t->url, CS_LG_WRITE, 5, &s, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	if (pricer)
		pricer->store = s;
	r.rc = cs_lg_import(s, &o, &r.st, r.why, sizeof(r.why));
	cs_lg_close(s);
	return r;
}

static result import1(const tctx *t, const char *path)
{
	const char *files[1] = {path};

	return import_files(t, files, 1, false, NULL, CS_LG_SPLIT_ENERGY, NULL);
}

/* Totals straight from the tables. */
typedef struct totals {
	int64_t facts_e, facts_op, facts_cost, facts_costed_rows, facts_rows;
	int64_t nodes_e, nodes_op, nodes_cost, node_hours, samples, covered_ms;
	int64_t gaps_missing, gaps_partial, rollup_mismatch, watermark;
} totals;

static int64_t q1(cs_ldb *db, const char *sql)
{
	cs_ldb_stmt *st;
	int64_t v = 0;

	assert_int_equal(cs_ldb_prepare(db, sql, &st), 0);
	assert_int_equal(cs_ldb_step(st), 1);
	v = cs_ldb_col_int(st, 0);
	cs_ldb_finalize(st);
	return v;
}

static totals totals_of(const tctx *t)
{
	cs_lg_store *s;
	char why[700];
	totals x;
	cs_ldb *db;

	memset(&x, 0, sizeof(x));
	if (cs_lg_open(t->url, CS_LG_READ, 5, &s, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	assert_int_equal(cs_lg_begin_read(s), 0);
	db = cs_lg_db(s);
	x.facts_e = q1(db, "SELECT COALESCE(SUM(energy_uj), 0) FROM facts");
	x.facts_op = q1(db, "SELECT COALESCE(SUM(op_ug), 0) FROM facts");
	x.facts_cost = q1(db, "SELECT COALESCE(SUM(cost_micro), 0) FROM facts");
	x.facts_costed_rows = q1(db, "SELECT COUNT(cost_micro) FROM facts");
	x.facts_rows = q1(db, "SELECT COUNT(*) FROM facts");
	x.nodes_e = q1(db, "SELECT COALESCE(SUM(energy_cpu_uj + energy_dram_uj + energy_gpu_uj + energy_other_uj), 0) "
	                   "FROM node_hours");
	x.nodes_op = q1(db, "SELECT COALESCE(SUM(op_ug), 0) FROM node_hours");
	x.nodes_cost = q1(db, "SELECT COALESCE(SUM(cost_micro), 0) FROM node_hours");
	x.node_hours = q1(db, "SELECT COUNT(*) FROM node_hours");
	x.samples = q1(db, "SELECT COALESCE(SUM(samples), 0) FROM node_hours");
	x.covered_ms = q1(db, "SELECT COALESCE(SUM(covered_ms), 0) FROM node_hours");
	x.gaps_missing = q1(db, "SELECT COUNT(*) FROM gaps WHERE kind = 'missing'");
	x.gaps_partial = q1(db, "SELECT COUNT(*) FROM gaps WHERE kind = 'partial'");
	x.watermark = q1(db, "SELECT COALESCE(MAX(watermark_ms), 0) FROM sources");
	assert_int_equal(cs_lg_verify_daily(s, &x.rollup_mismatch), 0);
	cs_lg_end_read(s);
	cs_lg_close(s);
	return x;
}

static void must_ok(const result *r)
{
	if (r->rc != 0)
		fail_msg("import failed: %s", r->why);
}

/* ---- tests -------------------------------------------------------------------------- */

static void test_every_joule_once(void **state)
{
	tctx *t = *state;
	result r;
	totals x;

	/* a whole hour (720 cycles) and 100 cycles of the next */
	write_cycles(t->path, "w", "n1", 0, 820);
	r = import1(t, t->path);
	must_ok(&r);
	assert_int_equal(r.st.cycles, 820);
	assert_int_equal(r.st.node_hours_new, 2);
	x = totals_of(t);
	assert_true(x.facts_e == energy_of(0, 820));
	assert_true(x.nodes_e == x.facts_e);
	assert_int_equal(x.node_hours, 2);
	assert_int_equal(x.samples, 820);
	assert_int_equal(x.covered_ms, 820 * 5000);
	assert_int_equal(x.rollup_mismatch, 0);
	assert_int_equal(x.gaps_partial, 1); /* the second hour, 500 s */
	assert_int_equal(x.gaps_missing, 0);
	assert_true(x.watermark == (H0 + 5 + 5LL * 819) * 1000);
	/* carbon: each row rounded once to ug, within half a ug per row of the nodes */
	assert_true(llabs(x.facts_op - x.nodes_op) <= x.facts_rows);
	/* no price configured: cost NULL everywhere */
	assert_int_equal(x.facts_costed_rows, 0);
	/* the machine and its CPU time (schema 3): 2 vCPUs busy a quarter of each
	 * 5 s cycle, 720 cycles in the first hour */
	{
		cs_lg_store *s;
		char why[700];

		if (cs_lg_open(t->url, CS_LG_READ, 5, &s, why, sizeof(why)) != 0)
			fail_msg("%s", why);
		assert_int_equal(q1(cs_lg_db(s), "SELECT COUNT(*) FROM node_hours WHERE instance_id = "
		                                 "'i-0123456789abcdef0'"),
		                 2);
		assert_true(q1(cs_lg_db(s), "SELECT cpu_busy_ms FROM node_hours WHERE hour = 1793491200") ==
		            720 * 2500);
		assert_true(q1(cs_lg_db(s), "SELECT cpu_total_ms FROM node_hours WHERE hour = 1793491200") ==
		            720 * 10000);
		cs_lg_close(s);
	}

	/* again: nothing changes */
	r = import1(t, t->path);
	must_ok(&r);
	assert_int_equal(r.st.cycles, 0);
	assert_int_equal(r.st.cycles_known, 820);
	{
		totals y = totals_of(t);

		assert_memory_equal(&x, &y, sizeof(x));
	}
}

static void test_growing_file_and_rotation(void **state)
{
	tctx *t = *state;
	totals whole, x;
	result r;

	/* the reference: all 900 cycles at once */
	write_cycles(t->path, "w", "n1", 0, 900);
	r = import1(t, t->path);
	must_ok(&r);
	whole = totals_of(t);

	/* a growing file: 0..760 first, then 760..900 appended */
	lf_reset_db(t->url, sizeof(t->url), t->dir);
	write_cycles(t->path, "w", "n1", 0, 760);
	r = import1(t, t->path);
	must_ok(&r);
	write_cycles(t->path, "a", "n1", 760, 900);
	r = import1(t, t->path);
	must_ok(&r);
	assert_int_equal(r.st.cycles, 140);
	assert_int_equal(r.st.cycles_known, 760);
	assert_int_equal(r.st.node_hours_added, 1);
	x = totals_of(t);
	assert_memory_equal(&x, &whole, sizeof(x));

	/* rotation: the newer half first, then the older one */
	lf_reset_db(t->url, sizeof(t->url), t->dir);
	write_cycles(t->path2, "w", "n1", 0, 300);
	write_cycles(t->path, "w", "n1", 300, 900);
	r = import1(t, t->path);
	must_ok(&r);
	r = import1(t, t->path2);
	must_ok(&r);
	x = totals_of(t);
	assert_memory_equal(&x, &whole, sizeof(x));

	/* both halves in one import, plus the same file twice: counted once */
	lf_reset_db(t->url, sizeof(t->url), t->dir);
	{
		const char *files[3] = {t->path2, t->path, t->path};

		r = import_files(t, files, 3, false, NULL, CS_LG_SPLIT_ENERGY, NULL);
		must_ok(&r);
		assert_int_equal(r.st.cycles, 900);
		assert_int_equal(r.st.cycles_known, 600);
	}
	x = totals_of(t);
	assert_memory_equal(&x, &whole, sizeof(x));
}

static void test_replace(void **state)
{
	tctx *t = *state;
	const char *files[1] = {t->path};
	FILE *f;
	result r;
	totals x;

	write_cycles(t->path, "w", "n1", 0, 100);
	r = import1(t, t->path);
	must_ok(&r);
	/* the same hour, other energies (as if the agent's file were corrected) */
	f = fopen(t->path, "w");
	assert_non_null(f);
	for (int i = 0; i < 50; i++) {
		lf_row rows[1] = {{"workload", "a", "o", "Deployment", "t", 1000000, 0, 0.1, 0}};

		lf_cycle(f, NULL, "n1", (H0 + 5 + 5LL * i) * 1000, i + 1, 5.0, rows, 1, 300, "", "", "");
	}
	fclose(f);
	/* without --replace: inside the stored coverage, already counted */
	r = import1(t, t->path);
	must_ok(&r);
	assert_int_equal(r.st.cycles, 0);
	r = import_files(t, files, 1, true, NULL, CS_LG_SPLIT_ENERGY, NULL);
	must_ok(&r);
	assert_int_equal(r.st.node_hours_replaced, 1);
	x = totals_of(t);
	assert_true(x.facts_e == 50 * 1000000LL);
	assert_true(x.nodes_e == x.facts_e);
	assert_int_equal(x.rollup_mismatch, 0);
}

static void test_incomplete_cycle_left_for_later(void **state)
{
	tctx *t = *state;
	char line[8192];
	FILE *f, *full;
	result r;
	totals x;
	long cut;

	/* 10 whole cycles, then 2 rows of the 11th (5 announced), no newline */
	write_cycles(t->path2, "w", "n1", 0, 11);
	full = fopen(t->path2, "r");
	f = fopen(t->path, "w");
	assert_non_null(full);
	assert_non_null(f);
	for (int i = 0; i < 10 * 6 + 3 && fgets(line, sizeof(line), full); i++)
		fputs(line, f);
	cut = ftell(f);
	fclose(f);
	fclose(full);
	assert_int_equal(truncate(t->path, cut - 1), 0); /* the last line loses its newline */
	r = import1(t, t->path);
	must_ok(&r);
	assert_int_equal(r.st.cycles, 10);
	assert_int_equal(r.st.cycles_incomplete, 1);
	x = totals_of(t);
	assert_true(x.facts_e == energy_of(0, 10));
	/* the agent finished writing: the 11th comes in */
	r = import1(t, t->path2);
	must_ok(&r);
	assert_int_equal(r.st.cycles, 1);
	x = totals_of(t);
	assert_true(x.facts_e == energy_of(0, 11));
	assert_int_equal(x.rollup_mismatch, 0);
}

/* Imports a file that must fail; the ledger must equal before. */
static void expect_refused(tctx *t, const char *contains)
{
	totals before = totals_of(t), after;
	result r = import1(t, t->path);

	assert_int_not_equal(r.rc, 0);
	if (!strstr(r.why, contains))
		fail_msg("'%s' not in: %s", contains, r.why);
	assert_null(strchr(r.why, '\n'));
	assert_non_null(strstr(r.why, "nothing was imported"));
	after = totals_of(t);
	assert_memory_equal(&before, &after, sizeof(before));
}

static void test_bad_input_changes_nothing(void **state)
{
	tctx *t = *state;
	FILE *f;
	result r;

	/* something in the ledger first */
	write_cycles(t->path, "w", "n0", 0, 20);
	r = import1(t, t->path);
	must_ok(&r);

	/* a malformed line after good cycles */
	write_cycles(t->path, "w", "n1", 0, 5);
	f = fopen(t->path, "a");
	fputs("{\"ts\": broken\n", f);
	fclose(f);
	write_cycles(t->path, "a", "n1", 5, 8);
	expect_refused(t, "energy.jsonl:31: not JSON");

	/* rows that do not add up to their node */
	f = fopen(t->path, "w");
	{
		lf_row rows[2] = {{"workload", "a", "o", "D", "t", 100, 0, 0, 0},
		                  {"system", "", NULL, NULL, "", 51, 0, 0, 0}};

		lf_cycle(f, NULL, "n1", (H0 + 5) * 1000, 1, 5, rows, 2, 300, "", "", "");
	}
	fclose(f);
	{
		/* edit the second row's energy */
		char buf[8192];
		size_t n;
		char *p;

		f = fopen(t->path, "r");
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		p = strstr(buf, "\"type\":\"system\"");
		assert_non_null(p);
		p = strstr(p, "\"cpu\":5.1e-05");
		assert_non_null(p);
		memcpy(p, "\"cpu\":6.1e-05", 13);
		f = fopen(t->path, "w");
		fwrite(buf, 1, n, f);
		fclose(f);
	}
	expect_refused(t, "add up to 161 uJ of cpu, the node line says 151");

	/* an unknown schema version */
	f = fopen(t->path, "w");
	fputs("{\"schema\":2,\"ts\":\"2026-11-01T00:00:05.000Z\",\"node\":\"n1\",\"seq\":1,\"interval_s\":5,\"type\":"
	      "\"node\","
	      "\"energy_j\":{},\"carbon_g\":{\"operational\":0,\"embodied\":0},\"rows\":0}\n",
	      f);
	fclose(f);
	expect_refused(t, "schema version 2 is not 1");

	/* a row before any node line */
	f = fopen(t->path, "w");
	fputs("{\"ts\":\"2026-11-01T00:00:05.000Z\",\"node\":\"n1\",\"seq\":1,\"interval_s\":5,\"type\":\"workload\","
	      "\"energy_j\":{},\"carbon_g\":{\"operational\":0,\"embodied\":0}}\n",
	      f);
	fclose(f);
	expect_refused(t, "no node line before it");

	/* a missing file */
	{
		const char *files[1] = {"/nonexistent/energy.jsonl"};

		r = import_files(t, files, 1, false, NULL, CS_LG_SPLIT_ENERGY, NULL);
		assert_int_not_equal(r.rc, 0);
		assert_non_null(strstr(r.why, "cannot open /nonexistent/energy.jsonl"));
	}
}

static void test_gzip(void **state)
{
	tctx *t = *state;
	char gz[420], line[8192];
	gzFile z;
	FILE *f;
	result r;
	totals x;

	write_cycles(t->path, "w", "n1", 0, 30);
	tf_snprintf(gz, sizeof(gz), "%s.2.gz", t->path);
	z = gzopen(gz, "wb");
	f = fopen(t->path, "r");
	assert_non_null(z);
	while (fgets(line, sizeof(line), f))
		gzputs(z, line);
	fclose(f);
	gzclose(z);
	r = import1(t, gz);
	must_ok(&r);
	assert_int_equal(r.st.cycles, 30);
	x = totals_of(t);
	assert_true(x.facts_e == energy_of(0, 30));
}

static void test_missing_hours(void **state)
{
	tctx *t = *state;
	FILE *f = fopen(t->path, "w");
	result r;
	totals x;

	assert_non_null(f);
	lf_std_cycle(f, "n1", (H0 + 5) * 1000, 1);
	lf_std_cycle(f, "n1", (H0 + 3 * 3600 + 5) * 1000, 2);
	fclose(f);
	r = import1(t, t->path);
	must_ok(&r);
	x = totals_of(t);
	assert_int_equal(x.gaps_missing, 2); /* hours 1 and 2 */
	assert_int_equal(x.gaps_partial, 2); /* 5 s of hours 0 and 3 */
	/* filling hour 1 later removes its missing gap */
	f = fopen(t->path, "w");
	lf_std_cycle(f, "n1", (H0 + 3600 + 5) * 1000, 3);
	fclose(f);
	r = import1(t, t->path);
	must_ok(&r);
	x = totals_of(t);
	assert_int_equal(x.gaps_missing, 1);
	assert_int_equal(x.gaps_partial, 3);
}

static void test_prices_split_exactly(void **state)
{
	tctx *t = *state;
	const char *files[1] = {t->path};
	char why[400];
	cs_lg_prices prices;
	cs_lg_pricer pr;
	result r;
	totals x;
	static const char csv[] = "provider,instance_type,region,currency,price_per_hour\n"
	                          "aws,m5.large,eu-west-1,USD,0.0963\n";

	assert_int_equal(cs_lg_prices_parse(csv, sizeof(csv) - 1, "prices.csv", &prices, why, sizeof(why)), 0);
	for (int mode = 0; mode < 2; mode++) {
		lf_reset_db(t->url, sizeof(t->url), t->dir);
		write_cycles(t->path, "w", "n1", 0, 1000);
		cs_lg_pricer_init(&pr, &prices, NULL);
		r = import_files(t, files, 1, false, &pr, mode ? CS_LG_SPLIT_CPU_MEMORY : CS_LG_SPLIT_ENERGY, NULL);
		must_ok(&r);
		assert_int_equal(r.st.priced, 2);
		x = totals_of(t);
		/* 1000 cycles x 5 s = 5000 s at 0.0963/h */
		assert_true(x.nodes_cost == llround(0.0963 * 1e6) + llround(0.0963 * 1e6 * 1400.0 / 3600.0));
		assert_true(x.facts_cost == x.nodes_cost);
		assert_true(x.facts_costed_rows == x.facts_rows);
		assert_int_equal(x.rollup_mismatch, 0);
		cs_lg_pricer_free(&pr);
	}
	/* a price in another currency than the ledger's: NULL, with the reason */
	{
		static const char eur[] =
		    "provider,instance_type,region,currency,price_per_hour\naws,m5.large,*,EUR,0.09\n";
		cs_lg_prices p2;

		assert_int_equal(cs_lg_prices_parse(eur, sizeof(eur) - 1, "eur.csv", &p2, why, sizeof(why)), 0);
		write_cycles(t->path, "w", "n1", 1000, 1100);
		cs_lg_pricer_init(&pr, &p2, NULL);
		r = import_files(t, files, 1, false, &pr, CS_LG_SPLIT_ENERGY, NULL);
		must_ok(&r);
		assert_int_equal(r.st.unpriced, 1);
		cs_lg_pricer_free(&pr);
		cs_lg_prices_free(&p2);
	}
	cs_lg_prices_free(&prices);
}

static void test_clusters(void **state)
{
	tctx *t = *state;
	const char *files[1] = {t->path};
	lf_row rows[1] = {{"workload", "a", "o", "Deployment", "t", 1000, 0, 0, 0}};
	FILE *f = fopen(t->path, "w");
	result r;
	cs_lg_store *s;
	char why[700];

	lf_cycle(f, NULL, "n1", (H0 + 5) * 1000, 1, 5, rows, 1, 300, "", "", "");
	lf_cycle(f, "eu", "n1", (H0 + 5) * 1000, 1, 5, rows, 1, 300, "", "", "");
	fclose(f);
	r = import_files(t, files, 1, false, NULL, CS_LG_SPLIT_ENERGY, "prod");
	must_ok(&r);
	assert_int_equal(r.st.sources, 2);
	assert_int_equal(cs_lg_open(t->url, CS_LG_READ, 5, &s, why, sizeof(why)), 0);
	assert_int_equal(cs_lg_begin_read(s), 0);
	assert_int_equal(q1(cs_lg_db(s), "SELECT COUNT(*) FROM sources WHERE name IN ('jsonl:prod/n1', 'jsonl:eu/n1')"),
	                 2);
	assert_int_equal(q1(cs_lg_db(s), "SELECT COUNT(*) FROM dims WHERE cluster IN ('prod', 'eu')"), 2);
	cs_lg_end_read(s);
	cs_lg_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_every_joule_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_growing_file_and_rotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_incomplete_cycle_left_for_later, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_input_changes_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_hours, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prices_split_exactly, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clusters, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
