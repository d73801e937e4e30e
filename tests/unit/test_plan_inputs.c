/* Unit tests for the planner's inputs: plan/inventory.c, plan/prices.c,
 * plan/perf.c and plan/csvin.c. Every bad input is one line naming
 * file:line:column and the fix; these pin the exact words. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <carbonstat/carbonstat.h>

#include "plan/inventory.h"
#include "plan/perf.h"
#include "plan/prices.h"

#define assert_close(a, b) assert_true(fabs((double)(a) - (double)(b)) <= 1e-12 * fmax(1.0, fabs((double)(b))))

#define HEAD        "provider,instance,region,count,cpu_percent,hours_per_month\n"
#define HEAD_PRICED "provider,instance,region,count,cpu_percent,hours_per_month,price_per_hour,currency\n"

static int parse(const char *csv, plan_inventory *inv, char *why, size_t cap)
{
	why[0] = '\0';
	return plan_inventory_parse_csv(csv, strlen(csv), "fleet.csv", inv, why, cap);
}

static void bad(const char *csv, const char *want)
{
	plan_inventory inv;
	char why[512];

	assert_int_equal(parse(csv, &inv, why, sizeof why), CS_EINVAL);
	assert_string_equal(why, want);
	assert_null(inv.g); /* nothing half-read */
}

/* Names as estimate resolves them: any spelling, provider found from the
 * type; columns in any order and case; comments, blanks, CRLF, BOM,
 * quotes, trailing blanks and a trailing comma. */
static void test_inventory_good(void **state)
{
	plan_inventory inv;
	char why[512];
	const char *csv = "\xef\xbb\xbf# my fleet\r\n"
	                  "Instance,Provider,Region,Count,CPU_Percent,Hours_per_Month,price_per_hour,currency\r\n"
	                  "\r\n"
	                  "m5.large,aws,us-east-1,12,35,730,0.096,USD\r\n"
	                  "\"D2s v3\",azure,West Europe,3,12.5%,730,,\r\n"
	                  "e2-standard-4,,europe-west1, 2 ,50 ,720.5,0.134,USD,\r\n"
	                  "# done\r\n";
	(void)state;

	assert_int_equal(parse(csv, &inv, why, sizeof why), 0);
	assert_int_equal(inv.n, 3);
	assert_string_equal(inv.name, "fleet.csv");
	assert_string_equal(inv.source, "csv");
	assert_string_equal(inv.currency, "USD");
	assert_int_equal(inv.priced, 2);
	assert_string_equal(cs_instance_name(inv.g[0].inst), "m5.large");
	assert_int_equal(inv.g[0].line, 4);
	assert_int_equal(inv.g[0].count, 12);
	assert_close(inv.g[0].cpu, 0.35);
	assert_close(inv.g[0].price_per_hour, 0.096);
	assert_string_equal(cs_instance_name(inv.g[1].inst), "Standard_D2s_v3");
	assert_string_equal(cs_region_name(inv.g[1].region), "westeurope");
	assert_close(inv.g[1].cpu, 0.125);
	assert_true(inv.g[1].price_per_hour < 0);
	assert_string_equal(inv.g[1].currency, "");
	assert_int_equal(cs_instance_provider(inv.g[2].inst), CS_PROVIDER_GCP);
	assert_int_equal(inv.g[2].count, 2);
	assert_close(inv.g[2].hours, 720.5);
	plan_inventory_free(&inv);
	plan_inventory_free(NULL);
}

static void test_inventory_bad(void **state)
{
	(void)state;
	/* unknown types and regions, with estimate's suggestions */
	bad(HEAD "aws,m5.lrage,us-east-1,3,20,730\n",
	    "fleet.csv:2:5: unknown aws instance type 'm5.lrage' (did you mean m5.large, c5.large, m1.large?); list "
	    "them with 'carbonstat instances --provider aws'");
	bad(HEAD "aws,m5,us-east-1,3,20,730\n",
	    "fleet.csv:2:5: unknown aws instance type 'm5' (did you mean m5.large, m5.xlarge, m5.2xlarge?); list them "
	    "with 'carbonstat instances --provider aws'");
	bad(HEAD ",nosuchtype,us-east-1,3,20,730\n",
	    "fleet.csv:2:2: unknown cloud instance type 'nosuchtype'; list them with 'carbonstat instances'");
	bad(HEAD "aws,m5.large,us-eats-1,3,20,730\n",
	    "fleet.csv:2:14: unknown aws region 'us-eats-1' (did you mean us-east-1, us-east-2, us-west-1?); list them "
	    "with 'carbonstat regions --provider aws'");
	bad(HEAD "amazn,m5.large,us-east-1,3,20,730\n",
	    "fleet.csv:2:1: provider 'amazn' is not aws, gcp or azure (leave it empty to find it from the instance "
	    "type)");
	/* numbers */
	bad(HEAD "aws,m5.large,us-east-1,-3,20,730\n",
	    "fleet.csv:2:24: count '-3' is not a whole number from 1 to 10000000");
	bad(HEAD "aws,m5.large,us-east-1,0,20,730\n",
	    "fleet.csv:2:24: count '0' is not a whole number from 1 to 10000000");
	bad(HEAD "aws,m5.large,us-east-1,3,120,730\n",
	    "fleet.csv:2:26: cpu_percent '120' is not a percentage: give a number from 0 to 100, e.g. 35");
	bad(HEAD "aws,m5.large,us-east-1,3,20,800\n",
	    "fleet.csv:2:29: hours_per_month '800' is not a number above 0 and at most 744 (a 31-day month), e.g. 730");
	bad(HEAD "aws,m5.large,us-east-1,3,20,\n",
	    "fleet.csv:2:29: hours_per_month '' is not a number above 0 and at most 744 (a 31-day month), e.g. 730");
	/* missing and unknown columns, extra fields */
	bad("provider,instance,region,count,cpu_percent\naws,m5.large,us-east-1,3,20\n",
	    "fleet.csv:1:43: no column 'hours_per_month'; the header is "
	    "provider,instance,region,count,cpu_percent,hours_per_month[,price_per_hour,currency]");
	bad("provider,instance,region,count,cpu,hours_per_month\naws,m5.large,us-east-1,3,20,730\n",
	    "fleet.csv:1:32: unknown column 'cpu'; the header is "
	    "provider,instance,region,count,cpu_percent,hours_per_month[,price_per_hour,currency]");
	bad("provider,instance,region,count,count,cpu_percent,hours_per_month\n",
	    "fleet.csv:1:32: column named twice: count");
	bad(HEAD "\"aws\",\"m5.large\",us-east-1,3,20,730,5\n",
	    "fleet.csv:2:37: more fields than the header has; remove it, or quote a value that has a comma");
	bad("provider,instance,region,count,cpu_percent,hours_per_month,price_per_hour\n",
	    "fleet.csv:1: price_per_hour and currency come together; the header is "
	    "provider,instance,region,count,cpu_percent,hours_per_month[,price_per_hour,currency]");
	/* prices */
	bad("provider,instance,region,count,cpu_percent,hours_per_month,price_per_hour,currency\n"
	    "aws,m5.large,us-east-1,3,20,730,0.1,\n",
	    "fleet.csv:2:37: a price needs its currency, e.g. USD");
	bad("provider,instance,region,count,cpu_percent,hours_per_month,price_per_hour,currency\n"
	    "aws,m5.large,us-east-1,3,20,730,-1,USD\n",
	    "fleet.csv:2:33: price_per_hour '-1' is not a price: a plain number >= 0, e.g. 0.096, or empty when "
	    "unknown");
	bad("provider,instance,region,count,cpu_percent,hours_per_month,price_per_hour,currency\n"
	    "aws,m5.large,us-east-1,3,20,730,0.1,usd\n",
	    "fleet.csv:2:37: currency 'usd' is not an ISO 4217 code such as USD");
	bad("provider,instance,region,count,cpu_percent,hours_per_month,price_per_hour,currency\n"
	    "aws,m5.large,us-east-1,3,20,730,0.1,USD\naws,m5.large,us-east-2,3,20,730,0.1,EUR\n",
	    "fleet.csv:3:37: currency EUR differs from USD above: a plan compares costs in one currency; convert the "
	    "prices first");
	/* empty inputs */
	bad("", "fleet.csv: empty: the first line must be the header "
	        "provider,instance,region,count,cpu_percent,hours_per_month[,price_per_hour,currency]");
	bad("# only a comment\n\n",
	    "fleet.csv: empty: the first line must be the header "
	    "provider,instance,region,count,cpu_percent,hours_per_month[,price_per_hour,currency]");
	bad(HEAD, "fleet.csv: no groups after the header; add one line per group: "
	          "provider,instance,region,count,cpu_percent,hours_per_month[,price_per_hour,currency]");
	/* a quoted newline: the column counts from the last line start */
	bad(HEAD "aws,\"m5.\nlarge\",us-east-1,0,20,730\n",
	    "fleet.csv:2:18: count '0' is not a whole number from 1 to 10000000");
}

/* The price book: the inventory first, then the file ("*" = any region),
 * the first price of a type and region wins, other currencies left out. */
static void test_prices(void **state)
{
	plan_inventory inv;
	plan_prices pb;
	char why[512];
	const cs_instance *m5 = cs_instance_find(CS_PROVIDER_AWS, "m5.large");
	const cs_instance *c5 = cs_instance_find(CS_PROVIDER_AWS, "c5.large");
	const cs_region *use1 = cs_region_find(CS_PROVIDER_AWS, "us-east-1"),
	                *euw1 = cs_region_find(CS_PROVIDER_AWS, "eu-west-1");
	const char *file = "# the price list\nprovider,instance_type,region,currency,price_per_hour,comment\n"
	                   "aws,m5.large,us-east-1,USD,0.5,ignored: the inventory priced it first\n"
	                   "aws,m5.large,*,USD,0.107,\n"
	                   "aws,c5.large,eu-west-1,EUR,0.08,another currency\n";
	(void)state;

	assert_int_equal(parse(HEAD_PRICED "aws,m5.large,us-east-1,3,20,730,0.096,USD\n", &inv, why, sizeof why), 0);
	plan_prices_init(&pb);
	assert_int_equal(plan_prices_from_inventory(&pb, &inv), 0);
	assert_int_equal(plan_prices_load_file(&pb, "prices.csv", file, strlen(file), why, sizeof why), 0);
	assert_string_equal(pb.currency, "USD");
	assert_close(plan_prices_find(&pb, m5, use1)->per_hour, 0.096);
	assert_int_equal(plan_prices_find(&pb, m5, use1)->src, PLAN_PRICE_INVENTORY);
	assert_close(plan_prices_find(&pb, m5, euw1)->per_hour, 0.107); /* any region */
	assert_int_equal(plan_prices_find(&pb, m5, euw1)->src, PLAN_PRICE_FILE);
	assert_null(plan_prices_find(&pb, c5, euw1)); /* EUR: left out, never converted */
	assert_int_equal(pb.other_currency, 1);
	assert_int_equal(pb.conflicts, 1);
	assert_string_equal(pb.file, "prices.csv");

	/* bad rows: positioned */
	const char *twice =
	    "provider,instance_type,region,currency,price_per_hour\naws,c5.large,*,USD,1\naws,c5.large,,USD,2\n";
	assert_int_equal(plan_prices_load_file(&pb, "p.csv", twice, strlen(twice), why, sizeof why), CS_EINVAL);
	assert_string_equal(why, "p.csv:3:5: aws c5.large in any region is priced twice (line 2 too); keep one");
	const char *badtype = "provider,instance_type,region,currency,price_per_hour\naws,c5.lrage,*,USD,1\n";
	assert_int_equal(plan_prices_load_file(&pb, "p.csv", badtype, strlen(badtype), why, sizeof why), CS_EINVAL);
	assert_true(strstr(why, "p.csv:2:5: unknown aws instance type 'c5.lrage' (did you mean c5.large") == why);
	const char *badprice = "provider,instance_type,region,currency,price_per_hour\naws,c5.large,*,USD,cheap\n";
	assert_int_equal(plan_prices_load_file(&pb, "p.csv", badprice, strlen(badprice), why, sizeof why), CS_EINVAL);
	assert_string_equal(why, "p.csv:2:20: price_per_hour 'cheap' is not a plain number >= 0, e.g. 0.096");
	const char *nocol = "provider,instance_type,region,price_per_hour\n";
	assert_int_equal(plan_prices_load_file(&pb, "p.csv", nocol, strlen(nocol), why, sizeof why), CS_EINVAL);
	assert_string_equal(why, "p.csv:1:45: no column 'currency'; the header is "
	                         "provider,instance_type,region,currency,price_per_hour");
	plan_prices_free(&pb);
	plan_prices_free(NULL);
	plan_inventory_free(&inv);
}

/* Billing's unit prices: the effective cost per instance-hour of a bill. */
static void test_prices_from_bill(void **state)
{
	plan_prices pb;
	char why[512] = "";
	const char *bill = CS_FIXTURES_DIR "/billing/cur_legacy.csv";
	const plan_price *p;
	(void)state;

	plan_prices_init(&pb);
	if (plan_prices_load_bills(&pb, &bill, 1, why, sizeof why))
		fail_msg("%s", why);
	/* carbonstat billing --unit-prices: m5.large us-east-1, 14 h, 0.087857 USD/h */
	p = plan_prices_find(&pb, cs_instance_find(CS_PROVIDER_AWS, "m5.large"),
	                     cs_region_find(CS_PROVIDER_AWS, "us-east-1"));
	assert_non_null(p);
	assert_int_equal(p->src, PLAN_PRICE_BILL);
	assert_true(fabs(p->per_hour - 0.087857) < 1e-6);
	assert_string_equal(pb.currency, "USD");
	assert_string_equal(pb.bills, bill);
	plan_prices_free(&pb);
}

static void test_perf_file(void **state)
{
	plan_perf p;
	char why[512];
	const char *good = "microarchitecture,throughput_per_vcpu,source\n"
	                   "graviton4,1450,load test 2026-03\n\"EPYC 4th Gen\",1100,the same\n";
	(void)state;

	assert_int_equal(plan_perf_parse(good, strlen(good), "perf.csv", &p, why, sizeof why), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.v[0].arch, "Graviton4"); /* the tables' spelling */
	assert_close(p.v[0].per_vcpu, 1450);
	assert_string_equal(p.v[1].arch, "EPYC 4th Gen");
	assert_int_equal(p.v[1].line, 3);
	plan_perf_free(&p);
	plan_perf_free(NULL);

	static const struct {
		const char *csv, *why;
	} cases[] = {
	    {"microarchitecture,throughput_per_vcpu,source\nGravitom4,1,x\n",
	     "perf.csv:2:1: unknown microarchitecture 'Gravitom4' (did you mean Graviton4, Graviton, Graviton2?); the "
	     "names are those of 'carbonstat instances --json' (arch)"},
	    {"microarchitecture,throughput_per_vcpu,source\nGraviton4,1,x\ngraviton 4,2,y\n",
	     "perf.csv:3:1: Graviton4 is given twice (line 2 too); keep one"},
	    {"microarchitecture,throughput_per_vcpu,source\nGraviton4,0,x\n",
	     "perf.csv:2:11: throughput_per_vcpu '0' is not a number above 0 (any unit, the same in every row)"},
	    {"microarchitecture,throughput_per_vcpu,source\nGraviton4,12,\n",
	     "perf.csv:2:14: no source: say where the figure comes from (it is printed with every ratio)"},
	    {"microarchitecture,throughput_per_vcpu\n",
	     "perf.csv:1:38: no column 'source'; the header is microarchitecture,throughput_per_vcpu,source"},
	    {"microarchitecture,throughput_per_vcpu,source\n",
	     "perf.csv: no rows after the header microarchitecture,throughput_per_vcpu,source"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&p, 0x5a, sizeof p);
		assert_int_equal(plan_perf_parse(cases[i].csv, strlen(cases[i].csv), "perf.csv", &p, why, sizeof why),
		                 CS_EINVAL);
		assert_string_equal(why, cases[i].why);
	}
}

/* Ratios: the same microarchitecture is 1; SPECpower when it covers both;
 * the user file when it covers both; never one of each. */
static void test_speed_ratio(void **state)
{
	plan_perf p;
	plan_speed sa, sb, sc;
	double r = 0;
	char why[256];
	const cs_instance *m5 = cs_instance_find(CS_PROVIDER_AWS, "m5.large");      /* Skylake */
	const cs_instance *c5 = cs_instance_find(CS_PROVIDER_AWS, "c5.large");      /* Skylake */
	const cs_instance *m6g = cs_instance_find(CS_PROVIDER_AWS, "m6g.large");    /* Graviton2 */
	const cs_instance *m7g = cs_instance_find(CS_PROVIDER_AWS, "m7g.large");    /* Graviton3 */
	const cs_instance *n1 = cs_instance_find(CS_PROVIDER_GCP, "n1-standard-2"); /* 5 microarchitectures */
	const char *file = "microarchitecture,throughput_per_vcpu,source\nGraviton3,3,x\nSkylake,2,y\n";
	(void)state;

	plan_speed_of(NULL, m5, &sa);
	plan_speed_of(NULL, m6g, &sb);
	assert_close(sa.builtin, 54229.48171768708);
	assert_close(sb.builtin, 25538.9609375); /* Neoverse N1, via Graviton2's row */
	assert_true(sa.user < 0);
	assert_int_equal(plan_speed_ratio(m5, &sa, c5, &sa, &r), PLAN_SPEED_SAME);
	assert_close(r, 1);
	assert_int_equal(plan_speed_ratio(m5, &sa, m6g, &sb, &r), PLAN_SPEED_BUILTIN);
	assert_close(r, 25538.9609375 / 54229.48171768708);
	plan_speed_of(NULL, m7g, &sc);
	assert_true(sc.builtin < 0); /* Graviton3: no SPECpower result */
	r = -7;
	assert_int_equal(plan_speed_ratio(m5, &sa, m7g, &sc, &r), PLAN_SPEED_UNKNOWN);
	assert_close(r, -7);
	/* n1: the mean of Skylake, Broadwell, Haswell, Ivy Bridge and Sandy Bridge */
	plan_speed_of(NULL, n1, &sc);
	assert_close(sc.builtin,
	             (54229.48171768708 + 40760.781818181815 + 45729.73333333333 + 43216.65 + 45806.65) / 5);

	assert_int_equal(plan_perf_parse(file, strlen(file), "perf.csv", &p, why, sizeof why), 0);
	plan_speed_of(&p, m5, &sa);
	plan_speed_of(&p, m7g, &sb);
	plan_speed_of(&p, m6g, &sc);
	assert_int_equal(plan_speed_ratio(m5, &sa, m7g, &sb, &r), PLAN_SPEED_USER);
	assert_close(r, 1.5);
	/* Graviton2 is not in the file: SPECpower for both, not 2 vs 25,539 */
	assert_int_equal(plan_speed_ratio(m5, &sa, m6g, &sc, &r), PLAN_SPEED_BUILTIN);
	assert_close(r, 25538.9609375 / 54229.48171768708);
	plan_perf_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inventory_good), cmocka_unit_test(test_inventory_bad),
	    cmocka_unit_test(test_prices),         cmocka_unit_test(test_prices_from_bill),
	    cmocka_unit_test(test_perf_file),      cmocka_unit_test(test_speed_ratio),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
