/* test_ledger_report.c - the monthly report (ledger/report.c) and its four
 * forms (ledger/render.c, render_html.c), on a ledger written through the
 * store with known amounts (SQLite; PostgreSQL through with_pg.sh).
 *
 * Covered: rows by team, namespace, owner, node and region, largest first,
 * each the exact sum of its facts; the total row equals the sum of the rows
 * and the node totals; change against the previous month and the top
 * movers; costs and gCO2e per currency unit, and the energy without a
 * price; hours without data listed as missing ranges, recorded gaps; SCI per
 * functional unit from synced units; budgets with burn and a month-end
 * projection, exceeded and on course; the table, CSV (parsed back: rows sum
 * to TOTAL), JSON (parsed back: exact integers add up) and the HTML page
 * (inline SVG, no script, no URL, every label escaped).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "ledger/lconf.h"
#include "ledger/render.h"
#include "ledger/report.h"
#include "ledger/store.h"
#include "ledger_fixture.h"

typedef struct tctx {
	char dir[256];
	char url[600];
	cs_lg_period p;
	cs_lg_conf conf;
} tctx;

/* 2026-11: teams checkout (2 owners) and search (1), on two nodes; the
 * first 10 days have data (240 hours), 2026-10 has 5 days of half the
 * energy. checkout/api 1 kWh a day... see fill(). */
#define DAYS 10

static const struct {
	const char *node, *ns, *owner, *team;
	int64_t uj_per_hour; /* cpu; dram is a tenth */
} owners[] = {
    {"n1", "shop", "api", "checkout", 40000000000LL}, /* 40 kJ/h */
    {"n1", "shop", "db<x>", "checkout", 20000000000LL},
    {"n2", "search", "idx", "search", 10000000000LL},
};

static void put_month(cs_lg_store *s, int64_t src, int64_t start, int days, int scale_div, bool priced)
{
	int64_t dim[3];

	for (int o = 0; o < 3; o++) {
		cs_lg_dims d = {"prod", owners[o].node, owners[o].ns, owners[o].owner, "Deployment", owners[o].team};

		assert_int_equal(cs_lg_dim(s, &d, &dim[o]), 0);
	}
	for (int h = 0; h < days * 24; h++) {
		int64_t hour = start + (int64_t)h * 3600, node_e[2] = {0, 0}, node_op[2] = {0, 0};

		for (int o = 0; o < 3; o++)
			for (int c = 0; c < 2; c++) {
				int64_t e = owners[o].uj_per_hour / scale_div / (c ? 10 : 1);
				cs_lg_fact f = {hour,      src,        dim[o], c,      e,
				                e / 10000, e / 100000, 300,    priced, e / 1000000};

				assert_int_equal(cs_lg_put_fact(s, &f, false), 0);
				node_e[o == 2] += e;
				node_op[o == 2] += e / 10000 + e / 100000;
			}
		for (int n = 0; n < 2; n++) {
			cs_lg_node_hour nh;

			memset(&nh, 0, sizeof(nh));
			nh.hour = hour;
			nh.source_id = src;
			nh.cluster = "prod";
			nh.node = n ? "n2" : "n1";
			nh.provider = "aws";
			nh.region = n ? "us-east-1" : "eu-west-1";
			nh.instance = "m5.large";
			nh.energy_uj[0] = node_e[n];
			nh.op_ug = node_op[n];
			nh.intensity_g_per_kwh = 300;
			nh.intensity_source = "static-region";
			nh.pue = NAN;
			nh.samples = 720;
			nh.covered_ms = 3600000;
			nh.has_cost = priced;
			nh.currency = priced ? "USD" : "";
			nh.price_source = priced ? "file:p.csv" : "";
			nh.cost_reason = priced ? "" : "no price for aws m5.large";
			assert_int_equal(cs_lg_put_node_hour(s, &nh, false), 0);
		}
	}
}

static int setup(void **state)
{
	tctx *t = calloc(1, sizeof(*t));
	char why[700];
	cs_lg_store *s;
	int64_t src;

	assert_non_null(t);
	lf_fresh_db(t->url, sizeof(t->url), t->dir, sizeof(t->dir), "ledger_report");
	assert_int_equal(cs_lg_parse_period("2026-11", &t->p), 0);
	if (cs_lg_open(t->url, CS_LG_WRITE, 5, &s, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	assert_int_equal(cs_lg_begin(s), 0);
	assert_int_equal(cs_lg_source(s, "jsonl:prod/n1", "jsonl", &src, NULL), 0);
	put_month(s, src, t->p.start, DAYS, 1, true);
	put_month(s, src, t->p.prev_start, 5, 2, false);
	assert_int_equal(cs_lg_set_currency(s, "USD"), 0);
	{
		cs_lg_gap g = {t->p.start + 5 * 3600, src, "prod", "n2", "partial", 1800, "half"};

		assert_int_equal(cs_lg_put_gap(s, &g), 0);
	}
	for (int h = 0; h < 48; h++)
		assert_int_equal(cs_lg_put_unit(s, t->p.start + h * 3600, src, "team:checkout", 1000), 0);
	assert_int_equal(cs_lg_commit(s), 0);
	cs_lg_close(s);

	cs_lg_conf_init(&t->conf);
	{
		static const char ini[] = "[sci]\nfunctional_unit = request\n[sci.team]\ncheckout = sum(x)\n"
		                          "[budget.team]\ncheckout = 1.5\nsearch = 0.5\nnobody = 1\n";

		assert_int_equal(cs_lg_conf_parse(ini, sizeof(ini) - 1, "t.ini", &t->conf, why, sizeof(why)), 0);
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tctx *t = *state;

	cs_lg_conf_free(&t->conf);
	lf_cleanup(t->dir);
	free(t);
	return 0;
}

static void build(tctx *t, cs_lg_by by, cs_lg_report *r)
{
	char why[700];
	cs_lg_store *s;

	if (cs_lg_open(t->url, CS_LG_READ, 5, &s, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	/* "now": the end of day 12 of the month */
	if (cs_lg_report_build(s, &t->p, by, &t->conf, t->p.start + 12 * 86400, r) != 0)
		fail_msg("%s", cs_lg_why(s));
	cs_lg_close(s);
}

static cs_lg_i128 total_uj(const cs_lg_amounts *a)
{
	return cs_lg_energy_uj(a);
}

static void test_rows_totals_nodes(void **state)
{
	tctx *t = *state;
	cs_lg_report r;
	cs_lg_i128 sum_e = 0, sum_c = 0, sum_cost = 0;
	const int64_t hours = DAYS * 24;

	build(t, CS_LG_BY_TEAM, &r);
	assert_int_equal(r.nrows, 2);
	assert_string_equal(r.rows[0].key, "checkout");
	assert_string_equal(r.rows[1].key, "search");
	assert_true(total_uj(&r.rows[0].cur) == (cs_lg_i128)hours * (60000000000LL + 6000000000LL));
	for (size_t i = 0; i < r.nrows; i++) {
		sum_e += total_uj(&r.rows[i].cur);
		sum_c += r.rows[i].cur.op_ug + r.rows[i].cur.emb_ug;
		sum_cost += r.rows[i].cur.cost_micro;
	}
	assert_true(sum_e == total_uj(&r.total));
	assert_true(sum_c == r.total.op_ug + r.total.emb_ug);
	assert_true(sum_cost == r.total.cost_micro);
	assert_true(total_uj(&r.nodes) == total_uj(&r.total));
	assert_int_equal(r.nnodes, 2);
	assert_int_equal(r.node_hours, 2 * hours);
	assert_string_equal(r.currency, "USD");
	assert_true(r.total.uncosted_uj == 0);
	/* previous month: half the energy over half the days */
	assert_true(r.had_prev);
	assert_true(fabs(cs_lg_change(&r.rows[0]) - (2.0 * 10 / 5 - 1)) < 1e-3);
	assert_int_equal(r.nmovers, 2);
	assert_int_equal(r.movers[0], 0);
	/* hours: 240 with data, 288 elapsed: 48 missing, one range */
	assert_int_equal(r.hours_with_data, hours);
	assert_int_equal(r.hours_elapsed, 12 * 24);
	assert_int_equal(r.nmissing, 48);
	assert_true(r.missing_hours[0] == t->p.start + hours * 3600);
	assert_int_equal(r.ngaps, 1);
	/* the daily chart: day 0 of checkout = 24 h of its carbon */
	assert_int_equal(r.nteams, 2);
	assert_true(r.daily_team_ug[0] == (r.rows[0].cur.op_ug + r.rows[0].cur.emb_ug) / DAYS);
	assert_true(r.daily_team_ug[(size_t)DAYS * 2] == 0);
	/* SCI: checkout's carbon of the 2 days with units over 48,000 requests */
	assert_int_equal(r.nsci, 1);
	assert_true(fabs(r.sci[0].units - 48000) < 1e-9);
	assert_true(r.sci[0].ug == 2 * r.daily_team_ug[0]);
	/* budgets: burn, projection over the 720 h from 240 h with data */
	assert_int_equal(r.nbudgets, 3);
	{
		double burn = cs_lg_total_kg(&r.rows[0].cur);
		const cs_lg_budget_row *co = NULL, *se = NULL, *no = NULL;

		for (size_t i = 0; i < r.nbudgets; i++) {
			if (!strcmp(r.budgets[i].team, "checkout"))
				co = &r.budgets[i];
			else if (!strcmp(r.budgets[i].team, "search"))
				se = &r.budgets[i];
			else if (!strcmp(r.budgets[i].team, "nobody"))
				no = &r.budgets[i];
		}
		assert_non_null(co);
		assert_non_null(se);
		assert_non_null(no);
		assert_true(fabs(co->burn_kg - burn) < 1e-9);
		assert_true(fabs(co->projected_kg - burn * 3) < 1e-9);
		assert_true(fabs(burn - 1.7424) < 1e-9); /* 7.26 g/h x 240 h */
		assert_true(co->exceeded);
		assert_false(se->exceeded);
		assert_true(se->projected_over); /* 0.2904 kg now, 0.8712 at month end */
		assert_true(no->burn_kg == 0);
	}
	assert_int_equal(cs_lg_report_over_budget(&r, false), 1);
	assert_int_equal(cs_lg_report_over_budget(&r, true), 2);
	cs_lg_report_free(&r);
}

static void test_other_keys(void **state)
{
	tctx *t = *state;
	cs_lg_report r;

	build(t, CS_LG_BY_OWNER, &r);
	assert_int_equal(r.nrows, 3);
	assert_string_equal(r.rows[0].key, "shop/api (Deployment)");
	cs_lg_report_free(&r);
	build(t, CS_LG_BY_NODE, &r);
	assert_string_equal(r.rows[0].key, "prod/n1");
	cs_lg_report_free(&r);
	build(t, CS_LG_BY_REGION, &r);
	assert_int_equal(r.nrows, 2);
	assert_string_equal(r.rows[0].key, "aws/eu-west-1");
	assert_string_equal(r.rows[1].key, "aws/us-east-1");
	cs_lg_report_free(&r);
	build(t, CS_LG_BY_NAMESPACE, &r);
	assert_string_equal(r.rows[1].key, "search");
	cs_lg_report_free(&r);
}

/* Renders r to a string (caller frees). */
static char *render(const cs_lg_report *r, cs_lg_fmt fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(cs_lg_render(r, fmt, f), 0);
	fclose(f);
	return buf;
}

static void test_formats(void **state)
{
	tctx *t = *state;
	cs_lg_report r;
	char *out;

	build(t, CS_LG_BY_OWNER, &r);
	/* table */
	out = render(&r, CS_LG_FMT_TABLE);
	assert_non_null(strstr(out, "TOTAL"));
	assert_non_null(strstr(out, "equal to the rows: energy to the microjoule"));
	assert_non_null(strstr(out, "gCO2e per request"));
	assert_non_null(strstr(out, "missing hours"));
	free(out);
	/* CSV: the rows add up to TOTAL */
	out = render(&r, CS_LG_FMT_CSV);
	{
		double kwh = 0, total = -1;
		char *line = strtok(out, "\n");

		assert_string_equal(line, "owner,kwh,operational_kgco2e,embodied_kgco2e,total_kgco2e,cost,currency,"
		                          "gco2e_per_currency_unit,share,change_vs_previous");
		while ((line = strtok(NULL, "\n")) != NULL) {
			char *comma = strrchr(line, '"') ? strrchr(line, '"') + 1 : strchr(line, ',');
			double v = strtod(comma + 1, NULL);

			if (!strncmp(line, "TOTAL,", 6))
				total = v;
			else
				kwh += v;
		}
		assert_true(fabs(kwh - total) < 1e-5);
	}
	free(out);
	/* JSON: exact integers */
	out = render(&r, CS_LG_FMT_JSON);
	{
		json_error_t e;
		json_t *j = json_loads(out, 0, &e), *rows, *row;
		json_int_t sum = 0;
		size_t i;

		assert_non_null(j);
		rows = json_object_get(j, "rows");
		json_array_foreach(rows, i, row) sum += json_integer_value(json_object_get(row, "energy_uj"));
		assert_true(sum == json_integer_value(json_object_get(json_object_get(j, "total"), "energy_uj")));
		assert_true(json_is_true(json_object_get(json_object_get(j, "node_totals"), "energy_equal")));
		assert_string_equal(json_string_value(json_object_get(j, "carbon_accounting")), "location-based");
		assert_int_equal(json_array_size(json_object_get(j, "missing_hours")), 1);
		assert_int_equal(json_array_size(json_object_get(json_object_get(j, "daily"), "days")), 30);
		json_decref(j);
	}
	free(out);
	/* HTML: self-contained and escaped */
	out = render(&r, CS_LG_FMT_HTML);
	assert_non_null(strstr(out, "<svg"));
	assert_non_null(strstr(out, "shop/db&lt;x&gt; (Deployment)"));
	assert_null(strstr(out, "db<x>"));
	assert_null(strstr(out, "<script"));
	assert_null(strstr(out, "http:"));
	assert_null(strstr(out, "https:"));
	assert_null(strstr(out, "url("));
	assert_null(strstr(out, "@import"));
	assert_null(strstr(out, "@font-face"));
	assert_null(strstr(out, "<img"));
	assert_null(strstr(out, "<link"));
	assert_null(strstr(out, "nan"));
	free(out);
	cs_lg_report_free(&r);
}

static void test_empty_month(void **state)
{
	tctx *t = *state;
	cs_lg_report r;
	char why[700], *out;
	cs_lg_store *s;
	cs_lg_period p;

	assert_int_equal(cs_lg_parse_period("2027-03", &p), 0);
	assert_int_equal(cs_lg_open(t->url, CS_LG_READ, 5, &s, why, sizeof(why)), 0);
	assert_int_equal(cs_lg_report_build(s, &p, CS_LG_BY_TEAM, NULL, p.start + 86400, &r), 0);
	cs_lg_close(s);
	assert_int_equal(r.nrows, 0);
	assert_int_equal(r.nmissing, 24);
	assert_false(r.had_prev);
	for (int f = 0; f < 4; f++) {
		out = render(&r, (cs_lg_fmt)f);
		assert_non_null(out);
		free(out);
	}
	cs_lg_report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rows_totals_nodes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_other_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_formats, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_month, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
