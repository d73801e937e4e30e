/* test_billing_parquet.c - Parquet bills through a run-time loaded libduckdb.
 *
 * Needs DuckDB's C library, which Debian does not package: set
 * CS_DUCKDB_LIB to a libduckdb.so (DuckDB >= 0.10; tested with 1.5.6, the
 * one in npm's @duckdb/node-bindings-linux-x64). Without it the test exits
 * 77 (skipped) after checking that a Parquet file fails with the one-line
 * error naming the library. With it, DuckDB itself writes the CUR 2.0 and
 * FOCUS fixtures as Parquet (map columns included), and carbonstat must
 * read them to the same totals as the CSV files, to the last digit.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <carbonstat/error.h>

#include "billing/ingest.h"
#include "bill_fixture.h"

#include "require.h"

#define FIX CS_FIXTURES_DIR "/billing/"

typedef struct duck_result {
	uint64_t a, b, c;
	void *d;
	char *e;
	void *f;
} duck_result;

static const char *lib;
static char dir[] = "/tmp/cs_parquetXXXXXX";

/* DuckDB writes fixture csv as path (the test's own use of the library). */
static void to_parquet(const char *csv, const char *path, const char *select)
{
	void *so = dlopen(lib, RTLD_NOW | RTLD_LOCAL), *db = NULL, *conn = NULL;
	int (*open_db)(const char *, void **) = (int (*)(const char *, void **))dlsym(so, "duckdb_open");
	int (*connect)(void *, void **) = (int (*)(void *, void **))dlsym(so, "duckdb_connect");
	int (*query)(void *, const char *, duck_result *) =
	    (int (*)(void *, const char *, duck_result *))dlsym(so, "duckdb_query");
	void (*destroy)(duck_result *) = (void (*)(duck_result *))dlsym(so, "duckdb_destroy_result");
	void (*disconnect)(void **) = (void (*)(void **))dlsym(so, "duckdb_disconnect");
	void (*close_db)(void **) = (void (*)(void **))dlsym(so, "duckdb_close");
	char sql[2048];
	duck_result r;

	assert_non_null(open_db);
	assert_int_equal(open_db(NULL, &db), 0);
	assert_int_equal(connect(db, &conn), 0);
	snprintf(sql, sizeof sql, "COPY (SELECT %s FROM read_csv('%s', all_varchar=true)) TO '%s' (FORMAT PARQUET)",
	         select, csv, path);
	memset(&r, 0, sizeof r);
	assert_int_equal(query(conn, sql, &r), 0);
	destroy(&r);
	disconnect(&conn);
	close_db(&db);
	dlclose(so);
}

static cs_bill *read_file(const char *path)
{
	cs_bill_opts o;

	cs_bill_opts_init(&o);
	o.tag_key = "team";
	o.duckdb_lib = lib;
	return tf_bill_read(&o, path);
}

static void same_totals(const char *csv, const char *parquet)
{
	cs_bill *a = read_file(csv), *b = read_file(parquet);
	size_t na, nb;
	const cs_bill_total *ta = cs_bill_totals(a, &na), *tb = cs_bill_totals(b, &nb);

	assert_int_equal(na, nb);
	assert_true(ta[0].out.eff == tb[0].out.eff);
	assert_true(ta[0].out.billed == tb[0].out.billed);
	assert_true(ta[0].out.kwh == tb[0].out.kwh);
	assert_true(ta[0].out.op_g == tb[0].out.op_g);
	assert_int_equal(cs_bill_get_stats(a)->lines, cs_bill_get_stats(b)->lines);
	cs_bill_free(a);
	cs_bill_free(b);
}

static void test_cur2_parquet(void **state)
{
	char path[256];
	(void)state;

	snprintf(path, sizeof path, "%s/cur2.parquet", dir);
	/* the map columns as DuckDB MAPs, as AWS writes them */
	to_parquet(
	    FIX "cur2.csv", path,
	    "* REPLACE (CAST(json_transform(resource_tags, '{\"user_team\": \"VARCHAR\"}') AS MAP(VARCHAR, VARCHAR)) "
	    "AS resource_tags)");
	same_totals(FIX "cur2.csv", path);
	unlink(path);
}

static void test_focus_parquet(void **state)
{
	char path[256];
	(void)state;

	snprintf(path, sizeof path, "%s/focus.parquet", dir);
	to_parquet(FIX "focus_aws.csv", path, "*");
	same_totals(FIX "focus_aws.csv", path);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cur2_parquet),
	    cmocka_unit_test(test_focus_parquet),
	};
	char why[512];
	cs_bill_opts o;
	cs_bill *b;
	FILE *f;
	int rc;

	assert_non_null(mkdtemp(dir));
	lib = getenv("CS_DUCKDB_LIB");
	if (!lib || !*lib || !dlopen(lib, RTLD_NOW | RTLD_LOCAL)) {
		/* the absent-library error names it, in one line */
		char path[256];
		snprintf(path, sizeof path, "%s/fake.parquet", dir);
		f = fopen(path, "wb");
		fputs("PAR1 not really", f);
		fclose(f);
		cs_bill_opts_init(&o);
		o.duckdb_lib = "/nonexistent/libduckdb.so";
		cs_bill_new(&o, &b);
		rc = cs_bill_add_file(b, path, why, sizeof why);
		cs_bill_free(b);
		unlink(path);
		rmdir(dir);
		if (rc != CS_EUNAVAIL || !strstr(why, "DuckDB's C library (/nonexistent/libduckdb.so)") ||
		    strchr(why, '\n')) {
			printf("FAIL: missing libduckdb gave rc %d: %s\n", rc, why);
			return 1;
		}
		printf("%s: set CS_DUCKDB_LIB to a libduckdb.so to test reading Parquet (absent-library error "
		       "checked) (capability 'duckdb')\n",
		       tf_required("duckdb") ? "FAIL" : "SKIP");
		return tf_required("duckdb") ? 1 : 77;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
