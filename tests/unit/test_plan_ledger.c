/* tests/unit/test_plan_ledger.c - the ledger's observed fleet as a plan
 * inventory (src/plan/ledger_fleet.c), on a real ledger (SQLite, or
 * PostgreSQL under tests/ledger/with_pg.sh): groups by type and region,
 * count x hours from node-hours, the utilisation whose modelled CPU power is
 * the recorded one (so the group's current figure reproduces the ledger's
 * CPU energy), prices from the bill's unit prices then the ledger's costs,
 * nodes left out with their reasons, the default period, errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <carbonstat/error.h>
#include <carbonstat/model.h>

#include "ledger_fixture.h"
#include "plan/ledger_fleet.h"

#define NOV   ((int64_t)1793491200) /* 2026-11-01T00:00Z */
#define NOV_H 720

typedef struct tctx {
	char url[1024], dir[512];
} tctx;

static int setup(void **state)
{
	tctx *t = calloc(1, sizeof *t);

	lf_fresh_db(t->url, sizeof t->url, t->dir, sizeof t->dir, "plan");
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

static void must(cs_lg_store *s, int rc)
{
	if (rc)
		fail_msg("ledger: %d %s", rc, cs_lg_why(s));
}

/* The CPU microjoules of an hour of inst at utilisation u, as the agent's
 * model sensor would write them. */
static int64_t cpu_uj(const char *prov, const char *type, double u)
{
	const cs_instance *it = cs_instance_find(cs_provider_parse(prov), type);
	cs_util x = {u, -1, -1};
	cs_power p;

	assert_non_null(it);
	assert_int_equal(cs_instance_power(it, &x, &p), 0);
	return (int64_t)llround(p.cpu_w * 3600 * 1e6);
}

/* Node-hours [from, to) of a node; price_micro < 0: not priced. */
static void put_node(cs_lg_store *s, int64_t src, const char *node, const char *prov, const char *region,
                     const char *type, double u, int from, int to, int64_t price_micro)
{
	int64_t e = *type && strcmp(type, "m5.huge") ? cpu_uj(prov, type, u) : 1000000;

	for (int h = from; h < to; h++) {
		cs_lg_node_hour n = {0};

		n.hour = NOV + h * 3600;
		n.source_id = src;
		n.cluster = "c1";
		n.node = node;
		n.provider = prov;
		n.region = region;
		n.instance = type;
		n.energy_uj[CS_PART_CPU] = e;
		n.intensity_g_per_kwh = 300;
		n.intensity_source = "static-region";
		n.pue = NAN;
		n.first_ms = n.hour * 1000;
		n.last_ms = n.hour * 1000 + 3600000;
		n.samples = 360;
		n.covered_ms = 3600000;
		n.has_cost = price_micro >= 0;
		n.cost_micro = price_micro >= 0 ? price_micro : 0;
		n.currency = price_micro >= 0 ? "USD" : "";
		n.price_source = price_micro >= 0 ? "file:prices.csv" : "";
		n.cost_reason = price_micro >= 0 ? "" : "no price for the instance type";
		must(s, cs_lg_put_node_hour(s, &n, false));
	}
}

/* A month of a small fleet:
 *   aws m5.xlarge us-east-1: n1, n2 the whole month, n3 half of it, 35 % CPU,
 *     priced by the ledger at 0.192 USD/h;
 *   gcp n2-standard-4 europe-west1: g1 the whole month at 20 %, priced by the
 *     ledger at 0.25 but by the bill at 0.2 (the bill wins);
 *   azure Standard_D2s_v3 westeurope: z1 a week at 60 %, never priced;
 *   left out: x1 with no type, x2 of type m5.huge, x3 with no region;
 *   old1: m5.large in October (another month). */
static void fill(const tctx *t)
{
	cs_lg_store *s;
	char why[600];
	int64_t src;

	assert_int_equal(cs_lg_open(t->url, CS_LG_WRITE, 5, &s, why, sizeof why), 0);
	must(s, cs_lg_begin(s));
	must(s, cs_lg_set_currency(s, "USD"));
	must(s, cs_lg_source(s, "jsonl:c1", "jsonl", &src, NULL));
	put_node(s, src, "n1", "aws", "us-east-1", "m5.xlarge", 0.35, 0, NOV_H, 192000);
	put_node(s, src, "n2", "aws", "us-east-1", "m5.xlarge", 0.35, 0, NOV_H, 192000);
	put_node(s, src, "n3", "aws", "us-east-1", "m5.xlarge", 0.35, 0, NOV_H / 2, 192000);
	put_node(s, src, "g1", "gcp", "europe-west1", "n2-standard-4", 0.20, 0, NOV_H, 250000);
	put_node(s, src, "z1", "azure", "westeurope", "Standard_D2s_v3", 0.60, 0, 168, -1);
	put_node(s, src, "x1", "", "", "", 0, 0, 10, -1);
	put_node(s, src, "x2", "aws", "us-east-1", "m5.huge", 0, 0, 10, -1);
	put_node(s, src, "x3", "aws", "", "m5.large", 0.1, 0, 10, -1);
	put_node(s, src, "old1", "aws", "us-east-1", "m5.large", 0.5, -48, 0, -1);
	must(s, cs_lg_put_unit_price(s, "gcp", "n2-standard-4", "europe-west1", "USD", 0.2, NOV, NOV + NOV_H * 3600,
	                             "billing:gcp 2026-11"));
	must(s, cs_lg_commit(s));
	cs_lg_close(s);
}

static void test_fleet_from_ledger(void **state)
{
	tctx *t = *state;
	plan_ledger_spec spec = {t->url, "2026-11", 0};
	plan_inventory inv;
	char why[1024] = "";
	const plan_group *g;
	cs_estimate_req req;
	cs_estimate est;

	fill(t);
	if (plan_inventory_load_ledger(&spec, &inv, why, sizeof why))
		fail_msg("%s", why);
	assert_string_equal(inv.source, "ledger");
	assert_non_null(strstr(inv.name, "2026-11"));
	assert_int_equal(inv.n, 3);
	assert_string_equal(inv.currency, "USD");
	assert_int_equal(inv.priced, 2);

	/* aws: 1800 node-hours in a 720-hour month = 3 instances x 600 h */
	g = &inv.g[0];
	assert_string_equal(cs_instance_name(g->inst), "m5.xlarge");
	assert_string_equal(cs_region_name(g->region), "us-east-1");
	assert_int_equal(g->count, 3);
	assert_true(fabs(g->hours - 600) < 1e-9);
	assert_true(fabs(g->cpu_percent - 35) < 1e-6);
	assert_true(g->cpu == g->cpu_percent / 100.0);
	assert_true(fabs(g->price_per_hour - 0.192) < 1e-12);
	assert_string_equal(g->currency, "USD");
	assert_int_equal(g->line, 1);

	/* the group's current figures are the ledger's CPU energy again: what
	 * estimate computes for the same words */
	cs_estimate_req_init(&req);
	req.provider = CS_PROVIDER_AWS;
	req.instance = "m5.xlarge";
	req.region = "us-east-1";
	req.cpu = g->cpu;
	req.count = g->count;
	req.duration_s = g->hours * 3600;
	assert_int_equal(cs_estimate_run(&req, &est), 0);
	assert_true(fabs(est.power.cpu_w * g->hours * g->count * 3600 * 1e6 -
	                 1800.0 * (double)cpu_uj("aws", "m5.xlarge", 0.35)) <
	            1e-6 * 1800.0 * (double)cpu_uj("aws", "m5.xlarge", 0.35));

	/* gcp: the bill's unit price wins over the ledger's cost */
	g = &inv.g[1];
	assert_string_equal(cs_instance_name(g->inst), "n2-standard-4");
	assert_int_equal(g->count, 1);
	assert_true(fabs(g->hours - 720) < 1e-9);
	assert_true(fabs(g->cpu_percent - 20) < 1e-6);
	assert_true(fabs(g->price_per_hour - 0.2) < 1e-12);

	/* azure: a week is one instance for 168 h, no price */
	g = &inv.g[2];
	assert_string_equal(cs_instance_name(g->inst), "Standard_D2s_v3");
	assert_int_equal(g->count, 1);
	assert_true(fabs(g->hours - 168) < 1e-9);
	assert_true(fabs(g->cpu_percent - 60) < 1e-6);
	assert_true(g->price_per_hour < 0);
	assert_string_equal(g->currency, "");

	/* what was done and left out, said */
	assert_non_null(strstr(inv.note, "2026-11 (720 h)"));
	assert_non_null(
	    strstr(inv.note, "Prices, by group: 1 from the bill's unit prices, 1 from the ledger's costs, 1 unknown"));
	assert_non_null(strstr(inv.note, "1 with no instance type: c1/x1"));
	assert_non_null(strstr(inv.note, "1 with an instance type not in the tables: c1/x2 (m5.huge)"));
	assert_non_null(strstr(inv.note, "1 with no region: c1/x3"));
	assert_null(strstr(inv.note, "old1"));
	plan_inventory_free(&inv);

	/* October holds only old1 */
	spec.period = "2026-10";
	assert_int_equal(plan_inventory_load_ledger(&spec, &inv, why, sizeof why), 0);
	assert_int_equal(inv.n, 1);
	assert_int_equal(inv.g[0].count, 1);
	assert_true(fabs(inv.g[0].hours - 48) < 1e-9);
	assert_true(fabs(inv.g[0].cpu_percent - 50) < 1e-6);
	assert_true(inv.g[0].price_per_hour < 0);
	plan_inventory_free(&inv);

	/* no --period: the last whole month before now (2026-12-05) */
	spec.period = NULL;
	spec.now_s = (double)NOV + 34 * 86400;
	assert_int_equal(plan_inventory_load_ledger(&spec, &inv, why, sizeof why), 0);
	assert_int_equal(inv.n, 3);
	plan_inventory_free(&inv);
}

static void test_errors(void **state)
{
	tctx *t = *state;
	plan_ledger_spec spec = {t->url, "2026-13", 0};
	plan_inventory inv;
	char why[1024] = "";

	fill(t);
	assert_int_equal(plan_inventory_load_ledger(&spec, &inv, why, sizeof why), CS_EINVAL);
	assert_non_null(strstr(why, "--period '2026-13' is not a month"));
	spec.period = "2026-09";
	assert_int_equal(plan_inventory_load_ledger(&spec, &inv, why, sizeof why), CS_EINVAL);
	assert_non_null(strstr(why, "no node-hours in 2026-09"));
	assert_int_equal(inv.n, 0);
	if (!lf_is_pg()) {
		char url[1100];

		snprintf(url, sizeof url, "sqlite:%s/none.db", t->dir);
		spec.db = url;
		assert_true(plan_inventory_load_ledger(&spec, &inv, why, sizeof why) < 0);
		assert_non_null(strstr(why, "none.db"));
	}
}

/* The inversion: exact on CCF's straight line, within the Teads curve,
 * clamped outside the model's range. */
static void test_cpu_for_watts(void **state)
{
	const cs_instance *teads = cs_instance_find(CS_PROVIDER_AWS, "m5.large");
	const cs_instance *ccf = cs_instance_find(CS_PROVIDER_GCP, "n2-standard-4");
	double us[] = {0, 0.05, 0.1, 0.35, 0.5, 0.77, 1};
	int clamped;
	double u;

	(void)state;
	for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
		const cs_instance *its[2] = {teads, ccf};
		for (int k = 0; k < 2; k++) {
			cs_util x = {us[i], -1, -1};
			cs_power p;
			assert_int_equal(cs_instance_power(its[k], &x, &p), 0);
			assert_int_equal(plan_cpu_for_watts(its[k], p.cpu_w, &u, &clamped), 0);
			assert_true(fabs(u - us[i]) < 1e-12);
			assert_int_equal(clamped, 0);
		}
	}
	assert_int_equal(plan_cpu_for_watts(teads, 0.01, &u, &clamped), 0);
	assert_true(u == 0 && clamped);
	assert_int_equal(plan_cpu_for_watts(teads, 1e6, &u, &clamped), 0);
	assert_true(u == 1 && clamped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_fleet_from_ledger, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test(test_cpu_for_watts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
