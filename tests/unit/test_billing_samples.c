/* test_billing_samples.c - the real anonymised exports in ../shared.
 *
 * Not copied into the repository (PROVENANCE.md asks so): read from
 * ../shared/datasets/billing-samples at test time; exit 77 (skipped) when
 * that folder is absent. The expected costs are the files' own sums,
 * computed independently with Python's decimal module:
 *   aws-cur-legacy-anonymous.csv  1,281 lines, sum(lineItem/UnblendedCost) = 1.6823086974
 *   focus-1.0-sample-1000.csv     1,000 lines, sum(EffectiveCost) = 14.97651418586,
 *                                 sum(BilledCost) = 20.52022672899
 *   azure-ea-export-anonymous.csv    27 lines, sum(CostInBillingCurrency) = 1.26136926505726
 * and docs/billing.md explains the split by class line by line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "billing/group.h"
#include "billing/ingest.h"
#include "bill_fixture.h"

#include "require.h"

#ifndef CS_SAMPLES_DIR
#define CS_SAMPLES_DIR "../shared/datasets/billing-samples"
#endif

static cs_bill *read_sample(const char *name)
{
	char path[1024];
	cs_bill_opts o;

	snprintf(path, sizeof path, "%s/%s", CS_SAMPLES_DIR, name);
	cs_bill_opts_init(&o);
	o.strict = true; /* the real exports have no malformed row */
	return tf_bill_read(&o, path);
}

static cs_money money(const char *s)
{
	cs_money v;
	assert_int_equal(cs_money_parse(s, strlen(s), &v, NULL, NULL), 0);
	return v;
}

static cs_money class_eff(const cs_bill *b, cs_bill_class c)
{
	size_t n;
	const cs_bill_row *r = cs_bill_rows(b, &n);
	cs_money s = 0;

	for (size_t i = 0; i < n; i++)
		if (r[i].cls == c)
			s += r[i].sum.eff;
	return s;
}

static void test_aws_cur(void **state)
{
	cs_bill *b = read_sample("aws-cur-legacy-anonymous.csv");
	const cs_bill_stats *st = cs_bill_get_stats(b);
	size_t n;
	const cs_bill_total *t = cs_bill_totals(b, &n);
	(void)state;

	assert_int_equal(st->lines, 1281);
	assert_int_equal(n, 1);
	assert_true(t[0].out.eff == money("1.6823086974"));
	assert_true(t[0].out.billed == money("1.6823086974"));
	/* 12 tax lines (0.08 USD); the rest is S3/SQS/SNS/KMS requests and API
	 * calls (unclassified: no energy per request) and S3, Glacier, EFS and
	 * CloudWatch storage and inter-region transfer (classified) */
	assert_true(class_eff(b, CS_BC_NONUSAGE) == money("0.08"));
	assert_true(t[0].out.unknown_eff == money("1.4418965774"));
	assert_true(class_eff(b, CS_BC_STORAGE_HDD) == money("0.1593991544"));
	assert_true(class_eff(b, CS_BC_STORAGE_SSD) == money("0.0009452835"));
	assert_true(class_eff(b, CS_BC_NETWORK) == money("0.0000676821"));
	/* no EC2 instance-hours in this sample */
	assert_true(class_eff(b, CS_BC_COMPUTE) == 0);
	cs_bill_free(b);
}

static void test_focus(void **state)
{
	cs_bill *b = read_sample("focus-1.0-sample-1000.csv");
	size_t n;
	const cs_bill_total *t = cs_bill_totals(b, &n);
	(void)state;

	assert_int_equal(cs_bill_get_stats(b)->lines, 1000);
	assert_true(t[0].out.eff == money("14.97651418586"));
	assert_true(t[0].out.billed == money("20.52022672899"));
	/* the EC2 instance-hours named in their descriptions (37 compute lines,
	 * the g3.4xlarge and g5.4xlarge ones on GPU types: g5.4xlarge has one
	 * A10G since the GPU table of issue 12, its lines sum to 11), the
	 * Oracle rows unclassified (no model) */
	assert_true(class_eff(b, CS_BC_COMPUTE) == money("3"));
	assert_true(class_eff(b, CS_BC_GPU) == money("13"));
	assert_true(class_eff(b, CS_BC_NONUSAGE) == money("-3"));
	assert_true(t[0].out.unknown_eff == money("1.44212617722"));
	/* four providers in one file */
	cs_bill_row *g;
	assert_int_equal(cs_bill_group(b, CS_BY_PROVIDER, &g, &n), 0);
	assert_int_equal(n, 3); /* AWS, Microsoft, Oracle (Google has no rows here) */
	free(g);
	cs_bill_free(b);
}

static void test_azure(void **state)
{
	cs_bill *b = read_sample("azure-ea-export-anonymous.csv");
	size_t n;
	const cs_bill_total *t = cs_bill_totals(b, &n);
	(void)state;

	assert_int_equal(cs_bill_get_stats(b)->lines, 27);
	assert_string_equal(cs_bill_str(b, t[0].currency), "CAD");
	assert_true(t[0].out.eff == money("1.26136926505726"));
	/* DS4 v2 Spot and the other VM meters resolve to sizes */
	assert_true(class_eff(b, CS_BC_COMPUTE) == money("0.048259717"));
	assert_true(class_eff(b, CS_BC_NETWORK) == money("0.20361599835726"));
	cs_bill_free(b);
}

int main(void)
{
	struct stat st;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aws_cur),
	    cmocka_unit_test(test_focus),
	    cmocka_unit_test(test_azure),
	};

	if (stat(CS_SAMPLES_DIR "/PROVENANCE.md", &st) != 0) {
		printf("%s: %s not found (the shared datasets are beside the repository as ../shared) (capability "
		       "'datasets')\n",
		       tf_required("datasets") ? "FAIL" : "SKIP", CS_SAMPLES_DIR);
		return tf_required("datasets") ? 1 : 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
