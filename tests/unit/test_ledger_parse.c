/* test_ledger_parse.c - the ledger's parsers of what users and programs hand
 * it: agent JSON lines (ledger/jsonl_in.c), Prometheus API answers
 * (ledger/promapi.c), the price file (ledger/price.c), the configuration
 * sections registered with the engine (ledger/lconf.c) and times and periods
 * (ledger/period.c).
 *
 * Each accepts what it documents (the agent's real line, gzip-independent
 * numbers, matrix and vector answers, quoted CSV fields, BOM and CRLF,
 * [sci.team] queries longer than libinih's 200-byte lines) and refuses the rest
 * with one line naming what is wrong; energies come back as the exact
 * microjoules the agent counted.
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
#include "ledger/jsonl_in.h"
#include "agent/agent.h"
#include "ledger/lconf.h"
#include "ledger/period.h"
#include "ledger/price.h"
#include "ledger/promapi.h"

/* ---- JSON lines ------------------------------------------------------------------- */

/* Lines as src/exporters/jsonl.c writes them (docs/exporters.md). */
static const char node_line[] =
    "{\"ts\":\"2026-09-21T14:13:25.000Z\",\"node\":\"node-1\",\"seq\":1,\"interval_s\":5.0,\"type\":\"node\","
    "\"energy_j\":{\"cpu\":20.006,\"dram\":2.0,\"other\":1.0},\"energy_j_total\":{\"cpu\":20.006,\"dram\":2.0,"
    "\"other\":1.0},\"power_w\":4.6012,\"power_w_by_component\":{\"cpu\":4.0012,\"dram\":0.4,\"other\":0.2},"
    "\"carbon_g\":{\"operational\":0.00210888333333333,\"embodied\":0.0138888888888889},\"carbon_g_total\":{"
    "\"operational\":0.00210888333333333,\"embodied\":0.0138888888888889},\"intensity_g_per_kwh\":300.0,"
    "\"intensity_source\":\"static-region\",\"zone\":\"aws/eu-west-1\",\"source\":{\"cpu\":\"rapl\",\"dram\":\"rapl\","
    "\"other\":\"model:other\"},\"mode\":\"mixed\",\"pue\":1.1,\"embodied_g_per_h\":10.0,\"provider\":\"aws\","
    "\"region\":\"eu-west-1\",\"instance\":\"m5.large\",\"intensity_dataset\":\"ccf-aws-regions (Apache-2.0, 2021)\","
    "\"power_model\":\"\",\"version\":\"0.1.0\",\"rows\":4}";
static const char row_line[] =
    "{\"ts\":\"2026-09-21T14:13:25.000Z\",\"node\":\"node-1\",\"seq\":1,\"interval_s\":5.0,\"type\":\"workload\","
    "\"kind\":\"container\",\"name\":\"c-1\",\"namespace\":\"ns-1\",\"pod\":\"pod-0\",\"container\":\"c-1\","
    "\"team\":\"team-b\",\"container_id\":\"00\",\"cgroup\":\"kubepods.slice/x\",\"energy_j\":{\"cpu\":5.001,"
    "\"dram\":0.5,\"other\":0.25},\"energy_j_total\":{\"cpu\":5.001,\"dram\":0.5,\"other\":0.25},\"power_w\":1.1502,"
    "\"carbon_g\":{\"operational\":0.000527175,\"embodied\":0.00347222222222222},\"carbon_g_total\":{"
    "\"operational\":0.000527175,\"embodied\":0.00347222222222222},\"intensity_g_per_kwh\":300.0,"
    "\"intensity_source\":\"static-region\",\"zone\":\"aws/"
    "eu-west-1\",\"source\":{\"cpu\":\"rapl\"},\"mode\":\"mixed\"}";

static void test_jsonl_agent_lines(void **state)
{
	cs_lg_jline j;
	char why[300];

	(void)state;
	assert_int_equal(cs_lg_jsonl_parse(node_line, strlen(node_line), &j, why, sizeof(why)), 0);
	assert_int_equal(j.type, CS_LG_J_NODE);
	assert_true(j.ts_ms == 1790000005000LL);
	assert_string_equal(j.node, "node-1");
	assert_string_equal(j.cluster, "");
	assert_true(j.energy_uj[CS_PART_CPU] == 20006000);
	assert_true(j.energy_uj[CS_PART_DRAM] == 2000000);
	assert_true(j.energy_uj[CS_PART_OTHER] == 1000000);
	assert_int_equal(j.comp_mask, (1u << CS_PART_CPU) | (1u << CS_PART_DRAM) | (1u << CS_PART_OTHER));
	assert_int_equal(j.rows, 4);
	assert_string_equal(j.instance, "m5.large");
	assert_true(fabs(j.pue - 1.1) < 1e-12);
	assert_true(fabs(j.intensity_g_per_kwh - 300) < 1e-12);

	assert_int_equal(cs_lg_jsonl_parse(row_line, strlen(row_line), &j, why, sizeof(why)), 0);
	assert_int_equal(j.type, CS_LG_J_WORKLOAD);
	assert_string_equal(j.namespace_, "ns-1");
	assert_string_equal(j.team, "team-b");
	assert_string_equal(j.owner, "");
	assert_true(j.energy_uj[CS_PART_CPU] == 5001000);
	assert_true(fabs(j.op_g - 0.000527175) < 1e-18);

	/* the members a later agent adds, a CR before the newline, null intensity */
	{
		static const char l[] =
		    "{\"ts\":\"2026-09-21T14:13:25Z\",\"node\":\"n\",\"cluster\":\"eu\",\"seq\":3,"
		    "\"interval_s\":5,\"type\":\"idle\",\"owner\":\"api\",\"owner_kind\":\"Deployment\","
		    "\"energy_j\":{\"cpu\":999999999.999999},\"carbon_g\":{\"operational\":0,"
		    "\"embodied\":0},\"intensity_g_per_kwh\":null,\"unknown_member\":[1,2]}\r";

		assert_int_equal(cs_lg_jsonl_parse(l, strlen(l), &j, why, sizeof(why)), 0);
		assert_string_equal(j.cluster, "eu");
		assert_string_equal(j.owner, "api");
		assert_string_equal(j.owner_kind, "Deployment");
		assert_true(j.energy_uj[CS_PART_CPU] == 999999999999999LL);
		assert_true(isnan(j.intensity_g_per_kwh));
	}
}

static void expect_bad(const char *line, const char *msg)
{
	cs_lg_jline j;
	char why[300] = "";

	assert_int_equal(cs_lg_jsonl_parse(line, strlen(line), &j, why, sizeof(why)), CS_EINVAL);
	if (!strstr(why, msg))
		fail_msg("'%s' not in '%s'", msg, why);
}

static void test_jsonl_refused(void **state)
{
	(void)state;
	expect_bad("{\"ts\": oops", "not JSON");
	expect_bad("[1,2]", "not a JSON object");
	expect_bad("{\"type\":\"node\"}", "member 'ts' is missing");
	expect_bad("{\"type\":\"boat\",\"ts\":\"x\"}", "not node, workload");
	expect_bad("{\"type\":\"node\",\"ts\":\"2026-13-01T00:00:00Z\",\"node\":\"n\"}", "not an RFC 3339");
	expect_bad("{\"type\":\"node\",\"ts\":\"2026-11-01T00:00:00Z\",\"node\":\"n\",\"seq\":1,\"interval_s\":5,"
	           "\"energy_j\":{\"cpu\":-1},\"carbon_g\":{\"operational\":0,\"embodied\":0},\"rows\":0}",
	           "energy_j.cpu' is -1");
	expect_bad("{\"type\":\"node\",\"ts\":\"2026-11-01T00:00:00Z\",\"node\":\"n\",\"seq\":1,\"interval_s\":5,"
	           "\"energy_j\":{\"fan\":1},\"carbon_g\":{\"operational\":0,\"embodied\":0},\"rows\":0}",
	           "unknown component 'fan'");
	expect_bad("{\"type\":\"node\",\"ts\":\"2026-11-01T00:00:00Z\",\"node\":\"n\",\"seq\":1,\"interval_s\":5,"
	           "\"energy_j\":{\"cpu\":1e13},\"carbon_g\":{\"operational\":0,\"embodied\":0},\"rows\":0}",
	           "outside");
	expect_bad("{\"schema\":7,\"type\":\"node\"}", "schema version 7");
	expect_bad("{\"type\":\"node\",\"type\":\"node\"}", "not JSON");
	{
		char big[1200];

		snprintf(big, sizeof(big), "{\"type\":\"node\",\"ts\":\"2026-11-01T00:00:00Z\",\"node\":\"%0300d\"}",
		         0);
		expect_bad(big, "longer than the ledger keeps");
	}
}

/* ---- Prometheus answers ------------------------------------------------------------- */

typedef struct got {
	int n;
	char labels[8][2][32];
	double t[8], v[8];
} got;

static int collect(void *ud, const char *const *labels, double t, double v)
{
	got *g = ud;

	if (g->n < 8) {
		snprintf(g->labels[g->n][0], 32, "%s", labels[0]);
		snprintf(g->labels[g->n][1], 32, "%s", labels[1]);
		g->t[g->n] = t;
		g->v[g->n] = v;
	}
	g->n++;
	return 0;
}

static void test_promapi(void **state)
{
	static const char *const want[2] = {"node", "team"};
	static const char vec[] = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
	                          "{\"metric\":{\"node\":\"n1\",\"team\":\"a\"},\"value\":[1700003600,\"12.5\"]},"
	                          "{\"metric\":{\"node\":\"n2\"},\"value\":[1700003600,\"NaN\"]}]}}";
	static const char mat[] =
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	    "{\"metric\":{\"node\":\"n1\"},\"values\":[[1700003600,\"1\"],[1700007200.5,\"+Inf\"],"
	    "[1700010800,\"2e3\"]]}]},\"warnings\":[\"x\"]}";
	cs_lg_prom_stats st = {0};
	char why[300];
	got g = {0};

	(void)state;
	assert_int_equal(cs_lg_prom_parse(vec, strlen(vec), want, 2, collect, &g, &st, why, sizeof(why)), 0);
	assert_int_equal(g.n, 1); /* NaN skipped, not zero */
	assert_string_equal(g.labels[0][0], "n1");
	assert_string_equal(g.labels[0][1], "a");
	assert_true(g.t[0] == 1700003600 && g.v[0] == 12.5);
	assert_int_equal(st.series, 2);
	assert_int_equal(st.skipped, 1);

	memset(&g, 0, sizeof(g));
	memset(&st, 0, sizeof(st));
	assert_int_equal(cs_lg_prom_parse(mat, strlen(mat), want, 2, collect, &g, &st, why, sizeof(why)), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.labels[1][1], "");
	assert_true(g.v[1] == 2000);

	{
		static const char err[] =
		    "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:5: parse error\"}";

		assert_int_equal(cs_lg_prom_parse(err, strlen(err), want, 2, collect, &g, &st, why, sizeof(why)),
		                 CS_EINVAL);
		assert_string_equal(why, "bad_data: 1:5: parse error");
	}
	assert_int_equal(cs_lg_prom_parse("<html>", 6, want, 2, collect, &g, &st, why, sizeof(why)), CS_EINVAL);
	assert_non_null(strstr(why, "not JSON"));
	{
		static const char sc[] =
		    "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"2\"]}}";

		assert_int_equal(cs_lg_prom_parse(sc, strlen(sc), want, 2, collect, &g, &st, why, sizeof(why)),
		                 CS_EINVAL);
		assert_non_null(strstr(why, "scalar"));
	}
	{
		static const char bad[] = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
		                          "{\"metric\":{},\"value\":[\"x\",\"1\"]}]}}";

		assert_int_equal(cs_lg_prom_parse(bad, strlen(bad), want, 2, collect, &g, &st, why, sizeof(why)),
		                 CS_EINVAL);
	}
}

/* ---- price file --------------------------------------------------------------------- */

static void test_prices(void **state)
{
	static const char csv[] = "\xef\xbb\xbf# list prices, 2026-11\r\n"
	                          "Region,Provider,Instance_Type,Currency,Price_Per_Hour,note\r\n"
	                          "eu-west-1,aws,m5.large,USD,0.107,\"eu, Ireland\"\r\n"
	                          "*,AWS,m5.large,USD,0.096,\r\n"
	                          "\r\n"
	                          "westeurope,azure,Standard_D2s_v3,EUR,0.11,\"quoted \"\"note\"\"\"\r\n";
	cs_lg_prices p;
	const cs_lg_price *e;
	char why[300];

	(void)state;
	assert_int_equal(cs_lg_prices_parse(csv, sizeof(csv) - 1, "prices.csv", &p, why, sizeof(why)), 0);
	assert_int_equal(p.n, 3);
	e = cs_lg_prices_find(&p, "aws", "M5.Large", "eu-west-1");
	assert_non_null(e);
	assert_true(e->per_hour == 0.107);
	e = cs_lg_prices_find(&p, "aws", "m5.large", "us-east-1");
	assert_non_null(e);
	assert_true(e->per_hour == 0.096);
	assert_string_equal(e->region, "");
	e = cs_lg_prices_find(&p, "azure", "standard_d2s_v3", "westeurope");
	assert_non_null(e);
	assert_string_equal(e->currency, "EUR");
	assert_null(cs_lg_prices_find(&p, "gcp", "e2-standard-2", "europe-west1"));
	assert_null(cs_lg_prices_find(&p, "aws", "", "eu-west-1"));
	cs_lg_prices_free(&p);
}

static void price_bad(const char *csv, const char *msg)
{
	cs_lg_prices p = {0};
	char why[300] = "";

	assert_int_equal(cs_lg_prices_parse(csv, strlen(csv), "p.csv", &p, why, sizeof(why)), CS_EINVAL);
	if (!strstr(why, msg))
		fail_msg("'%s' not in '%s'", msg, why);
	assert_null(p.v);
}

static void test_prices_refused(void **state)
{
	(void)state;
	price_bad("", "no header");
	price_bad("provider,instance_type,region,currency\n", "no column 'price_per_hour'");
	price_bad("provider,instance_type,region,currency,price_per_hour\naws,m5.large,x,USD,-1\n",
	          "p.csv:2: price_per_hour '-1'");
	price_bad("provider,instance_type,region,currency,price_per_hour\naws,m5.large,x,USD,1e3\n",
	          "not a plain decimal");
	price_bad("provider,instance_type,region,currency,price_per_hour\naws,m5.large,x,usd,1\n", "ISO 4217");
	price_bad("provider,instance_type,region,currency,price_per_hour\naws,m5.large,x,USD\n",
	          "4 fields where the header has 5");
	price_bad("provider,instance_type,region,currency,price_per_hour\naws,m5.large,x,USD,1\naws,M5.LARGE,X,USD,2\n",
	          "p.csv:3: aws M5.LARGE in X is priced twice (line 2 too)");
	price_bad("provider,instance_type,region,currency,price_per_hour\n\"aws,m5.large,x,USD,1\n", "not closed");
	price_bad("provider,instance_type,region,currency,price_per_hour\n\"aws\"x,m5.large,x,USD,1\n",
	          "after a closing quote");
	price_bad("provider,instance_type,region,currency,price_per_hour\na w s,m5.large,x,USD,1\n",
	          "provider 'a w s'");
}

/* ---- configuration ------------------------------------------------------------------- */

static void test_conf(void **state)
{
	char buf[2048], why[400], q[600];
	cs_lg_conf c;

	(void)state;
	memset(q, 'x', sizeof(q));
	memcpy(q, "sum(increase(http_requests_total{namespace=\"checkout\"}[1h]))", 60);
	q[sizeof(q) - 1] = '\0';
	snprintf(buf, sizeof(buf),
	         "[ledger]\ndb = postgresql://ledger@db/ledger ; the fleet's\ncluster = prod-eu\n"
	         "cost_split = cpu-memory\nlock_timeout = 2m\n\n[sci]\nfunctional_unit = request\n[sci.team]\ncheckout "
	         "= %s\n"
	         "[sci.owner]\nshop/api = sum(increase(x[1h]))\n\n[budget.team]\ncheckout = 120\nsearch = 0.5\n",
	         q);
	assert_int_equal(cs_lg_conf_parse(buf, strlen(buf), "c.ini", &c, why, sizeof(why)), 0);
	assert_string_equal(c.db, "postgresql://ledger@db/ledger");
	assert_string_equal(c.cluster, "prod-eu");
	assert_string_equal(c.cost_split, "cpu-memory");
	assert_true(c.lock_timeout_s == 120);
	assert_string_equal(c.functional_unit, "request");
	assert_int_equal(c.nsci, 2);
	assert_string_equal(c.sci[0].key, "team:checkout");
	assert_int_equal(strlen(c.sci[0].query), sizeof(q) - 1); /* longer than libinih's 200-byte lines */
	assert_string_equal(c.sci[1].key, "owner:shop/api");
	assert_string_equal(c.sci[1].query, "sum(increase(x[1h]))");
	assert_int_equal(c.nbudgets, 2);
	assert_string_equal(c.budgets[1].team, "search");
	assert_true(c.budgets[1].kg_per_month == 0.5);
	cs_lg_conf_free(&c);

	/* one carbonstat.ini: the agent's cluster is the ledger's default */
	{
		static const char *const ini[2] = {"[agent]\ncluster = edge-1\n",
		                                   "[agent]\ncluster = edge-1\n[ledger]\ncluster = prod-eu\n"};
		static const char *const want[2] = {"edge-1", "prod-eu"};

		for (int i = 0; i < 2; i++) {
			const cs_conf_section *secs[CS_AGENT_SECTIONS_MAX + 8];
			size_t n = cs_agent_sections(secs, CS_AGENT_SECTIONS_MAX);
			cs_conf_layers l = {.text = ini[i], .text_len = strlen(ini[i]), .text_name = "c.ini"};
			cs_conf *conf;

			n += cs_lg_sections(secs + n, 8);
			assert_int_equal(cs_conf_build(secs, n, &l, &conf, why, sizeof(why)), 0);
			assert_int_equal(cs_lg_conf_from(conf, &c), 0);
			assert_string_equal(c.cluster, want[i]);
			cs_lg_conf_free(&c);
			cs_conf_free(conf);
		}
	}

	/* the defaults */
	cs_lg_conf_init(&c);
	assert_string_equal(c.cost_split, "energy");
	assert_true(c.lock_timeout_s == 60);
	assert_string_equal(c.functional_unit, "unit");
	cs_lg_conf_free(&c);

	{
		static const char *const bad[][2] = {
		    {"[ledger]\ncolour = red\n", "unknown key 'colour' in [ledger]"},
		    {"[budget.team]\na = lots\n", "kgCO2e per month"},
		    {"[budget.team]\na b = 1\n", "not a team name"},
		    {"[sci.owner]\napi = sum(x)\n", "not NAMESPACE/OWNER"},
		    {"[ledger]\ncost_split = fair\n", "fair"},
		    {"[ledger]\ndb = mysql://x\n", "c.ini:2"},
		    {"[pricing]\nx = 1\n", "unknown section"},
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			memset(&c, 0, sizeof(c));
			assert_int_not_equal(
			    cs_lg_conf_parse(bad[i][0], strlen(bad[i][0]), "c.ini", &c, why, sizeof(why)), 0);
			if (!strstr(why, bad[i][1]))
				fail_msg("'%s' not in '%s'", bad[i][1], why);
			assert_null(strstr(why, "mysql")); /* db is a secret: never echoed */
			cs_lg_conf_free(&c);
		}
	}
}

/* ---- times and periods -------------------------------------------------------------- */

static void test_period(void **state)
{
	cs_lg_period p;
	int64_t t, ms;
	char s[40];

	(void)state;
	assert_int_equal(cs_lg_parse_period("2026-11", &p), 0);
	assert_true(p.start == 1793491200 && p.end == 1793491200 + 30 * 86400);
	assert_string_equal(p.prev_label, "2026-10");
	assert_true(p.prev_end == p.start && p.prev_start == p.start - 31 * 86400);
	assert_int_equal(cs_lg_parse_period("2026-01", &p), 0);
	assert_string_equal(p.prev_label, "2025-12");
	assert_int_equal(cs_lg_parse_period("2028-02", &p), 0);
	assert_true(p.end - p.start == 29 * 86400);
	assert_int_equal(cs_lg_parse_period("2026-13", &p), CS_EINVAL);
	assert_int_equal(cs_lg_parse_period("2026-1", &p), CS_EINVAL);

	assert_int_equal(cs_lg_parse_rfc3339_ms("2026-11-01T00:00:00.5Z", &ms), 0);
	assert_true(ms == 1793491200500LL);
	assert_int_equal(cs_lg_parse_rfc3339_ms("2026-11-01T00:00:00+00:00", &ms), 0);
	assert_int_equal(cs_lg_parse_rfc3339_ms("2026-02-29T00:00:00Z", &ms), CS_EINVAL);
	assert_int_equal(cs_lg_parse_rfc3339_ms("2026-11-01 00:00:00Z", &ms), CS_EINVAL);
	assert_int_equal(cs_lg_parse_time("2026-11-05", 0, &t), 0);
	assert_true(t == 1793491200 + 4 * 86400);
	assert_int_equal(cs_lg_parse_time("2026-11-05T13", 0, &t), 0);
	assert_true(t == 1793491200 + 4 * 86400 + 13 * 3600);
	assert_int_equal(cs_lg_parse_time("2026-11-05T13:30Z", 0, &t), 0);
	assert_int_equal(cs_lg_parse_time("now", 42.9, &t), 0);
	assert_true(t == 42);
	assert_int_equal(cs_lg_parse_time("yesterday", 0, &t), CS_EINVAL);
	assert_true(cs_lg_hour_of(-1) == -3600 && cs_lg_day_of(86399) == 0);
	cs_lg_fmt_hour(1793491200 + 13 * 3600, s, sizeof(s));
	assert_string_equal(s, "2026-11-01T13:00Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jsonl_agent_lines),
	    cmocka_unit_test(test_jsonl_refused),
	    cmocka_unit_test(test_promapi),
	    cmocka_unit_test(test_prices),
	    cmocka_unit_test(test_prices_refused),
	    cmocka_unit_test(test_conf),
	    cmocka_unit_test(test_period),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
