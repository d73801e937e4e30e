/* tests/support/ledger_fixture.c - see ledger_fixture.h. */
#include "ledger_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "ledger/db.h"

static const char *const tables[] = {"facts", "node_hours", "daily",       "dims",       "sources", "gaps",
                                     "units", "nodes",      "unit_prices", "bill_daily", "meta",    "schema_version"};

bool lf_is_pg(void)
{
	const char *u = getenv("CS_LEDGER_PG_URL");

	return u && *u;
}

static void drop_all(const char *url)
{
	char why[600], sql[128];
	cs_ldb *db;

	if (cs_ldb_open(url, 0, 10, &db, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s CASCADE", tables[i]);
		assert_int_equal(cs_ldb_exec(db, sql), 0);
	}
	cs_ldb_close(db);
}

void lf_reset_db(char *url, size_t cap, const char *dir)
{
	static unsigned n; /* test-only counter: a new file name per reset */

	if (lf_is_pg()) {
		tf_snprintf(url, cap, "%s", getenv("CS_LEDGER_PG_URL"));
		drop_all(url);
	} else {
		tf_snprintf(url, cap, "sqlite:%s/ledger-%u.db", dir, ++n);
	}
}

void lf_fresh_db(char *url, size_t cap, char *dir, size_t dircap, const char *tag)
{
	assert_int_equal(tf_mkdtemp(dir, dircap, tag), 0);
	if (lf_is_pg()) {
		tf_snprintf(url, cap, "%s", getenv("CS_LEDGER_PG_URL"));
		drop_all(url);
	} else {
		tf_snprintf(url, cap, "sqlite:%s/ledger.db", dir);
	}
}

void lf_cleanup(const char *dir)
{
	if (dir && *dir)
		tf_rm_tree(dir);
}

void lf_rfc3339(int64_t ms, char out[80])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 80, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	         tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static void put_j(FILE *f, int64_t uj)
{
	/* what the exporter prints: uJ / 1e6 with 15 significant digits */
	fprintf(f, "%.15g", (double)uj / 1e6);
}

void lf_cycle(FILE *f, const char *cluster, const char *node, int64_t ts_ms, int64_t seq, double interval_s,
              const lf_row *rows, size_t nrows, double intensity, const char *provider, const char *region,
              const char *instance)
{
	char ts[80], cl[300] = "";
	int64_t cpu = 0, dram = 0;
	double op = 0, emb = 0;

	lf_rfc3339(ts_ms, ts);
	if (cluster)
		snprintf(cl, sizeof(cl), "\"cluster\":\"%s\",", cluster);
	for (size_t i = 0; i < nrows; i++) {
		cpu += rows[i].cpu_uj;
		dram += rows[i].dram_uj;
		op += rows[i].op_g;
		emb += rows[i].emb_g;
	}
	fprintf(f,
	        "{\"ts\":\"%s\",\"node\":\"%s\",%s\"seq\":%lld,\"interval_s\":%.15g,\"type\":\"node\",\"energy_j\":{"
	        "\"cpu\":",
	        ts, node, cl, (long long)seq, interval_s);
	put_j(f, cpu);
	fputs(",\"dram\":", f);
	put_j(f, dram);
	fprintf(f,
	        "},\"carbon_g\":{\"operational\":%.15g,\"embodied\":%.15g},\"intensity_g_per_kwh\":%.15g,"
	        "\"intensity_source\":\"static-region\",\"zone\":\"Z\",\"mode\":\"measured\",\"pue\":1.0,"
	        "\"provider\":\"%s\",\"region\":\"%s\",\"instance\":\"%s\",\"instance_id\":\"i-0123456789abcdef0\","
	        "\"instance_name\":\"\",\"cpu_busy_s\":%.15g,\"cpu_total_s\":%.15g,\"version\":\"t\",\"rows\":%zu}\n",
	        op, emb, intensity, provider, region, instance, interval_s * 0.5, interval_s * 2, nrows);
	for (size_t i = 0; i < nrows; i++) {
		const lf_row *r = &rows[i];

		fprintf(f,
		        "{\"ts\":\"%s\",\"node\":\"%s\",%s\"seq\":%lld,\"interval_s\":%.15g,\"type\":\"%s\",\"kind\":"
		        "\"%s\","
		        "\"name\":\"n\",\"namespace\":\"%s\",\"pod\":\"p\",\"container\":\"c\",\"team\":\"%s\",",
		        ts, node, cl, (long long)seq, interval_s, r->type,
		        !strcmp(r->type, "workload") ? "container" : r->type, r->ns, r->team);
		if (r->owner)
			fprintf(f, "\"owner\":\"%s\",\"owner_kind\":\"%s\",", r->owner,
			        r->owner_kind ? r->owner_kind : "");
		fputs("\"energy_j\":{\"cpu\":", f);
		put_j(f, r->cpu_uj);
		fputs(",\"dram\":", f);
		put_j(f, r->dram_uj);
		fprintf(f,
		        "},\"carbon_g\":{\"operational\":%.15g,\"embodied\":%.15g},\"intensity_g_per_kwh\":%.15g,"
		        "\"intensity_source\":\"static-region\",\"zone\":\"Z\",\"mode\":\"measured\"}\n",
		        r->op_g, r->emb_g, intensity);
	}
}

static void std_rows(int64_t seq, lf_row rows[5])
{
	rows[0] = (lf_row){"workload",        "shop",       "api", "Deployment", "checkout",
	                   1000003 + seq * 7, 200001 + seq, 0.001, 0.0005};
	rows[1] =
	    (lf_row){"workload", "shop", "db", "StatefulSet", "checkout", 2000011 + seq * 3, 400003, 0.002, 0.0005};
	rows[2] = (lf_row){"workload", "search", "idx", "Deployment", "search", 500009 + seq, 100007, 0.0005, 0.00025};
	rows[3] = (lf_row){"system", "", NULL, NULL, "", 300001, 50003, 0.0003, 0.0001};
	rows[4] = (lf_row){"idle", "", NULL, NULL, "", 700001 + seq % 5, 150001, 0.0007, 0.0002};
}

void lf_std_cycle(FILE *f, const char *node, int64_t ts_ms, int64_t seq)
{
	lf_row rows[5];

	std_rows(seq, rows);
	lf_cycle(f, NULL, node, ts_ms, seq, 5.0, rows, 5, 300.0, "aws", "eu-west-1", "m5.large");
}

int64_t lf_std_energy(int64_t seq)
{
	lf_row rows[5];
	int64_t t = 0;

	std_rows(seq, rows);
	for (int i = 0; i < 5; i++)
		t += rows[i].cpu_uj + rows[i].dram_uj;
	return t;
}
