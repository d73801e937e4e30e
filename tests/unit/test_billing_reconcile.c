/* test_billing_reconcile.c - provider carbon exports, side by side, and the
 * warehouse queries. Fixtures follow the public schemas: AWS Data Exports
 * CARBON_EMISSIONS, GCP carbon footprint export, Azure Cloud for
 * Sustainability EnrollmentEmission and Carbon Optimization ItemDetailsData.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <carbonstat/error.h>

#include "billing/ingest.h"
#include "billing/reconcile.h"
#include "billing/sql.h"

#define FIX CS_FIXTURES_DIR "/billing/"

static const cs_recon_row *find(const cs_recon *r, const char *service, const char *region)
{
	size_t n;
	const cs_recon_row *x = cs_recon_rows(r, &n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(x[i].service, service) && !strcmp(x[i].region, region))
			return &x[i];
	return NULL;
}

static void test_aws(void **state)
{
	cs_recon *r;
	char why[512];
	const cs_recon_row *x;
	(void)state;

	assert_int_equal(cs_recon_load(FIX "aws_carbon.csv", &r, why, sizeof why), 0);
	/* MTCO2e -> kg; RDS's two accounts summed: 0.0021 + 0.0009 t */
	x = find(r, "AmazonRDS", "us-west-2");
	assert_non_null(x);
	assert_int_equal(x->month, 202409);
	assert_true(fabs(x->location_kg - 3.0) < 1e-9);
	assert_true(fabs(x->market_kg - 0.0) < 1e-12);
	x = find(r, "AmazonEC2", "us-east-1");
	assert_true(fabs(x->location_kg - 0.4) < 1e-9 && fabs(x->market_kg - 0.1) < 1e-9);

	/* beside the bill of the same account */
	cs_bill *b;
	cs_recon_side *v;
	size_t n;
	bool seen = false;
	assert_int_equal(cs_bill_new(NULL, &b), 0);
	assert_int_equal(cs_bill_add_file(b, FIX "cur_legacy.csv", why, sizeof why), 0);
	assert_int_equal(cs_bill_finish(b), 0);
	assert_int_equal(cs_recon_join(r, b, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].service, "AmazonRDS") && !strcmp(v[i].region, "us-west-2")) {
			/* 24 h of db.r5.large on the bill's side */
			assert_true(v[i].have_provider && v[i].have_bill);
			assert_true(fabs(v[i].location_kg - 3.0) < 1e-9);
			assert_true(v[i].op_kg > 0 && v[i].emb_kg > 0);
			seen = true;
		}
	assert_true(seen);
	free(v);
	cs_bill_free(b);
	cs_recon_free(r);
}

static void test_gcp_azure(void **state)
{
	cs_recon *r;
	char why[512];
	const cs_recon_row *x;
	(void)state;

	assert_int_equal(cs_recon_load(FIX "gcp_carbon.csv", &r, why, sizeof why), 0);
	x = find(r, "Compute Engine", "us-central1");
	assert_non_null(x);
	assert_true(fabs(x->location_kg - 0.501) < 1e-12 && fabs(x->market_kg - 0.141) < 1e-12);
	cs_recon_free(r);

	/* Cloud for Sustainability: mtCO2e, scopes summed, one (market) basis */
	assert_int_equal(cs_recon_load(FIX "azure_emissions.json", &r, why, sizeof why), 0);
	x = find(r, "Virtual Machines", "West Europe");
	assert_non_null(x);
	assert_true(isnan(x->location_kg));
	assert_true(fabs(x->market_kg - 2.0) < 1e-9);
	/* matched with the bill's "westeurope" by normalised names */
	cs_bill *b;
	cs_recon_side *v;
	size_t n;
	bool seen = false;
	assert_int_equal(cs_bill_new(NULL, &b), 0);
	assert_int_equal(cs_bill_add_file(b, FIX "azure.csv", why, sizeof why), 0);
	assert_int_equal(cs_bill_finish(b), 0);
	assert_int_equal(cs_recon_join(r, b, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].service, "Virtual Machines") && !strcmp(v[i].region, "West Europe")) {
			assert_true(v[i].have_provider && v[i].have_bill);
			assert_true(fabs(v[i].market_kg - 2.0) < 1e-9);
			seen = true;
		}
	assert_true(seen);
	free(v);
	cs_bill_free(b);
	cs_recon_free(r);

	/* Carbon Optimization: kgCO2e per service, no month */
	assert_int_equal(cs_recon_load(FIX "azure_carbonopt.json", &r, why, sizeof why), 0);
	x = find(r, "Virtual Machines", "");
	assert_non_null(x);
	assert_true(fabs(x->market_kg - 1.5) < 1e-12);
	cs_recon_free(r);

	/* not a carbon export */
	assert_int_equal(cs_recon_load(FIX "cur_legacy.csv", &r, why, sizeof why), CS_EINVAL);
	assert_non_null(strstr(why, "not a provider carbon export"));
	assert_int_equal(cs_recon_parse("{\"x\": 1}", 8, "mem.json", &r, why, sizeof why), CS_EINVAL);
	assert_int_equal(cs_recon_parse("{", 1, "mem.json", &r, why, sizeof why), CS_EINVAL);
}

static void test_sql(void **state)
{
	char *q, why[256];
	(void)state;

	assert_int_equal(
	    cs_bill_sql("bigquery", CS_BILL_AUTO, "p.d.gcp_billing_export_resource_v1_X", "team", &q, why, sizeof why),
	    0);
	/* the columns the GCP mapper binds */
	assert_non_null(strstr(q, "AS service_description"));
	assert_non_null(strstr(q, "AS sku_description"));
	assert_non_null(strstr(q, "SUM(usage.amount) AS usage_amount"));
	assert_non_null(strstr(q, "WHERE key = 'team'"));
	assert_non_null(strstr(q, "FROM `p.d.gcp_billing_export_resource_v1_X`"));
	free(q);
	assert_int_equal(cs_bill_sql("athena", CS_BILL_AUTO, "cur.cur2", NULL, &q, why, sizeof why), 0);
	assert_non_null(strstr(q, "SUM(line_item_unblended_cost) AS line_item_unblended_cost"));
	assert_non_null(strstr(q, "SUM(savings_plan_savings_plan_effective_cost)"));
	assert_non_null(strstr(q, "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10\n"));
	free(q);
	assert_int_equal(cs_bill_sql("athena", CS_BILL_FOCUS, NULL, NULL, &q, why, sizeof why), 0);
	assert_non_null(strstr(q, "SUM(EffectiveCost) AS EffectiveCost"));
	free(q);
	assert_int_equal(cs_bill_sql("snowflake", CS_BILL_AUTO, NULL, NULL, &q, why, sizeof why), CS_EINVAL);
	assert_int_equal(cs_bill_sql("bigquery", CS_BILL_AZURE, NULL, NULL, &q, why, sizeof why), CS_EINVAL);
	assert_int_equal(cs_bill_sql("athena", CS_BILL_AUTO, "x; DROP TABLE y", NULL, &q, why, sizeof why), CS_EINVAL);
	assert_int_equal(cs_bill_sql("athena", CS_BILL_AUTO, NULL, "te'am", &q, why, sizeof why), CS_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aws),
	    cmocka_unit_test(test_gcp_azure),
	    cmocka_unit_test(test_sql),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
