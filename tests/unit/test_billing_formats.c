/* test_billing_formats.c - every bill format, mapped, classified and summed.
 *
 * The fixtures in tests/fixtures/billing/ are hand-made from the public
 * schemas. cur_legacy.csv, cur2.csv and focus_aws.csv hold the same twelve
 * AWS line items in three formats, so they must give the same totals to the
 * last digit; the expected costs are summed by hand below, and the kWh of
 * each class is derived from the model's formulas with the arithmetic in
 * the comments.
 */
#include <math.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <carbonstat/error.h>
#include <carbonstat/model.h>

#include "billing/classify.h"
#include "data/tables.h" /* the CCF min/max W per vCPU of a type: no accessor */
#include "billing/format.h"
#include "billing/group.h"
#include "billing/ingest.h"
#include "bill_fixture.h"

#define FIX CS_FIXTURES_DIR "/billing/"

static unsigned reports;
static char last_report[512];

static void on_report(void *ctx, const char *line)
{
	(void)ctx;
	reports++;
	snprintf(last_report, sizeof last_report, "%s", line);
}

static cs_bill *read_one(const char *file, const char *tag)
{
	cs_bill_opts o;

	cs_bill_opts_init(&o);
	o.tag_key = tag;
	o.report = on_report;
	return tf_bill_read(&o, file);
}

static cs_money money(const char *s)
{
	cs_money v;
	assert_int_equal(cs_money_parse(s, strlen(s), &v, NULL, NULL), 0);
	return v;
}

/* Sum of a class's rows. */
static void class_sums(const cs_bill *b, cs_bill_class c, double *kwh, double *emb, cs_money *eff)
{
	size_t n;
	const cs_bill_row *r = cs_bill_rows(b, &n);

	*kwh = *emb = 0;
	*eff = 0;
	for (size_t i = 0; i < n; i++)
		if (r[i].cls == c) {
			*kwh += r[i].sum.kwh + r[i].sum.est_kwh;
			*emb += r[i].sum.emb_g;
			*eff += r[i].sum.eff;
		}
}

static double inst_w(const char *name)
{
	const cs_instance *it = cs_instance_find(CS_PROVIDER_UNKNOWN, name);
	cs_util u = {0.5, -1, -1};
	cs_power p;

	assert_non_null(it);
	assert_int_equal(cs_instance_power(it, &u, &p), 0);
	return p.total_w;
}

static void check_aws_twelve(const char *file)
{
	cs_bill *b = read_one(file, "team");
	size_t n;
	const cs_bill_total *t = cs_bill_totals(b, &n);
	double kwh, emb;
	cs_money eff;

	assert_int_equal(n, 1);
	assert_string_equal(cs_bill_str(b, t[0].currency), "USD");
	/* billed = unblended: 0.96 + 0.384 - 0.384 + 0.3 + 6 + 108 + 8 + 23 + 9
	 * + 0.005 + 1.5 + 0.0294833333 */
	assert_true(t[0].out.billed == money("156.7944833333"));
	/* effective: 0.96 + 0.27 (SP) + 0 (negation) + 0.03 (unused SP) + 3.6
	 * (RI) + 2.0 (unused RI) + 8 + 23 + 9 + 0.005 + 1.5 + 0.0294833333 */
	assert_true(t[0].out.eff == money("48.3944833333"));
	assert_true(t[0].nonusage_eff == money("3.53"));     /* 0 + 0.03 + 2.0 + 1.5 */
	assert_true(t[0].out.unknown_eff == money("0.005")); /* S3 requests */

	/* compute: 14 h of m5.large (14.12 W at 50 %), 24 h of db.r5.large read
	 * as r5.large, 1769 GB-s of Lambda = 1 vCPU-s x 1769 / 1769... */
	class_sums(b, CS_BC_COMPUTE, &kwh, &emb, &eff);
	double lambda_w_per_gbs = (0.74 + (3.5 - 0.74) * 0.5) / 1.769 + 0.392; /* 1.590417 W */
	double expect = (14 * inst_w("m5.large") + 24 * inst_w("r5.large")) / 1000 * 1.135 +
	                1769 * lambda_w_per_gbs / 3600 / 1000 * 1.135;
	assert_true(fabs(kwh - expect) < 1e-9);
	assert_true(fabs(14 * inst_w("m5.large") / 1000 * 1.135 - 0.2243668) < 1e-6);
	assert_true(eff == money("4.8594833333")); /* 0.96 + 0.27 + 3.6 + 0.0294833333 */
	/* EBS gp3 100 GB-Mo: 100 x 730 / 1000 TBh x 1.2 Wh x 2 copies x 1.135 = 0.198852 kWh */
	class_sums(b, CS_BC_STORAGE_SSD, &kwh, &emb, &eff);
	assert_true(fabs(kwh - 0.198852) < 1e-9);
	/* S3 1000 GB-Mo: 730 TBh x 0.65 Wh x 3 x 1.135 = 1.6156725 kWh (CCF reads
	 * these GB-Mo as bytes: 1e-9 of it) */
	class_sums(b, CS_BC_STORAGE_HDD, &kwh, &emb, &eff);
	assert_true(fabs(kwh - 1.6156725) < 1e-9);
	/* 100 GB out x 0.001 kWh x 1.135 */
	class_sums(b, CS_BC_NETWORK, &kwh, &emb, &eff);
	assert_true(fabs(kwh - 0.1135) < 1e-12);
	/* unclassified S3 requests: 0.005 USD x S3's 1.6156725 kWh / 23 USD */
	class_sums(b, CS_BC_UNKNOWN, &kwh, &emb, &eff);
	assert_true(fabs(kwh - 0.005 * 1.6156725 / 23) < 1e-12);
	class_sums(b, CS_BC_NONUSAGE, &kwh, &emb, &eff);
	assert_true(kwh == 0);

	/* unit prices: m5.large 14 h for 1.23 USD in us-east-1 */
	const cs_bill_price *p = cs_bill_prices(b, &n);
	bool found = false;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(cs_instance_name(p[i].inst), "m5.large")) {
			assert_true(fabs(p[i].hours - 14) < 1e-12);
			assert_true(p[i].eff == money("1.23"));
			assert_string_equal(cs_bill_str(b, p[i].region), "us-east-1");
			found = true;
		}
	assert_true(found);

	/* --by tag:team: payments = l1 l7 l8 l9 l10 */
	cs_bill_row *g;
	assert_int_equal(cs_bill_group(b, CS_BY_TAG, &g, &n), 0);
	found = false;
	cs_money sum = 0;
	for (size_t i = 0; i < n; i++) {
		sum += g[i].sum.eff;
		if (!strcmp(cs_bill_str(b, g[i].tag), "payments")) {
			assert_true(g[i].sum.eff == money("40.965")); /* 0.96 + 8 + 23 + 9 + 0.005 */
			found = true;
		}
	}
	assert_true(found);
	assert_true(sum == money("48.3944833333"));
	free(g);
	cs_bill_free(b);
}

static void test_cur_legacy(void **state)
{
	(void)state;
	check_aws_twelve(FIX "cur_legacy.csv");
	check_aws_twelve(FIX "cur_legacy.csv.gz");
}

static void test_cur2(void **state)
{
	(void)state;
	check_aws_twelve(FIX "cur2.csv");
}

static void test_focus_aws(void **state)
{
	(void)state;
	check_aws_twelve(FIX "focus_aws.csv");
}

static void test_gcp(void **state)
{
	const char *files[] = {FIX "gcp.csv", FIX "gcp.jsonl"};
	(void)state;

	for (int k = 0; k < 2; k++) {
		cs_bill *b = read_one(files[k], "team");
		size_t n;
		const cs_bill_total *t = cs_bill_totals(b, &n);
		const cs_instance *e2 = cs_instance_find(CS_PROVIDER_GCP, "e2-standard-4");
		double kwh, emb, w;
		cs_money eff;

		assert_true(t[0].out.billed == money("2.459"));
		/* effective = cost + credits: 2.459 - 0.0174 */
		assert_true(t[0].out.eff == money("2.4416"));
		/* 14400 vCPU-s = 4 vCPU-h at e2-standard-4's own per-vCPU watts */
		class_sums(b, CS_BC_COMPUTE, &kwh, &emb, &eff);
		w = e2->min_w_per_vcpu + (e2->max_w_per_vcpu - e2->min_w_per_vcpu) * 0.5;
		assert_true(fabs(kwh - 4 * w / 1000 * 1.1) < 1e-12);
		assert_true(fabs(emb - 4 * cs_instance_embodied_g_per_h(e2) / 4) < 1e-9);
		/* RAM: 61847529062400 byte-s = 17.1798691 GB-h x 0.392 W x 1.1 */
		class_sums(b, CS_BC_MEMORY, &kwh, &emb, &eff);
		assert_true(fabs(kwh - 61847529062400e-9 / 3600 * 0.392 / 1000 * 1.1) < 1e-12);
		/* T4: (8 + 63 x 0.5) W for 1 h x 1.1 */
		class_sums(b, CS_BC_GPU, &kwh, &emb, &eff);
		assert_true(fabs(kwh - 39.5 / 1000 * 1.1) < 1e-12);
		/* 10 GiB out */
		class_sums(b, CS_BC_NETWORK, &kwh, &emb, &eff);
		assert_true(fabs(kwh - 10.737418240 * 0.001 * 1.1) < 1e-12);
		/* multi-region Cloud Storage: 3.8654705664e15 byte-s -> 1.4708 GB-Mo x6 */
		class_sums(b, CS_BC_STORAGE_HDD, &kwh, &emb, &eff);
		assert_true(fabs(kwh - 3865470566400000e-9 / (730 * 3600.0) * 730 / 1000 * 0.65 / 1000 * 6 * 1.1) <
		            1e-12);
		/* BigQuery analysis is unclassified; tax is not usage */
		assert_true(t[0].out.unknown_eff == money("0.5"));
		assert_true(t[0].nonusage_eff == money("0.2"));
		const cs_bill_cause *c = cs_bill_causes(b, &n);
		assert_int_equal(n, 1);
		assert_string_equal(cs_bill_str(b, c[0].service), "BigQuery");
		cs_bill_free(b);
	}
}

static void test_azure(void **state)
{
	cs_bill *b = read_one(FIX "azure.csv", "team");
	size_t n;
	const cs_bill_total *t = cs_bill_totals(b, &n);
	double kwh, emb;
	cs_money eff;
	(void)state;

	assert_string_equal(cs_bill_str(b, t[0].currency), "EUR");
	assert_true(t[0].out.eff == money("128.7772"));
	assert_true(t[0].nonusage_eff == money("100")); /* the reservation purchase */
	/* "10 Hours" x 2.4 = 24 h of Standard_D2s_v3 (from AdditionalInfo) */
	class_sums(b, CS_BC_COMPUTE, &kwh, &emb, &eff);
	assert_true(fabs(kwh - 24 * inst_w("Standard_D2s_v3") / 1000 * 1.185) < 1e-12);
	/* P10 = 128 GB for a month on SSD, x3 (LRS): 128 x 730 / 1000 x 1.2 Wh x 3 x 1.185 */
	class_sums(b, CS_BC_STORAGE_SSD, &kwh, &emb, &eff);
	assert_true(fabs(kwh - 128 * 0.730 * 1.2 / 1000 * 3 * 1.185) < 1e-12);
	/* 100 GB hot LRS blob: HDD x3 */
	class_sums(b, CS_BC_STORAGE_HDD, &kwh, &emb, &eff);
	assert_true(fabs(kwh - 100 * 0.730 * 0.65 / 1000 * 3 * 1.185) < 1e-12);
	class_sums(b, CS_BC_NETWORK, &kwh, &emb, &eff);
	assert_true(fabs(kwh - 50 * 0.001 * 1.185) < 1e-12);
	/* M/D/YYYY dates */
	const cs_bill_row *r = cs_bill_rows(b, &n);
	for (size_t i = 0; i < n; i++)
		assert_true(r[i].day >= 20240901 && r[i].day <= 20240903);
	cs_bill_free(b);
}

static void test_focus_multi(void **state)
{
	cs_bill *b = read_one(FIX "focus_multi.csv", NULL);
	size_t n;
	const cs_bill_total *t = cs_bill_totals(b, &n);
	double kwh, emb;
	cs_money eff;
	(void)state;

	/* instance type read from the charge description, NULL text, an extra
	 * unknown column, Oracle left unclassified */
	assert_true(t[0].out.eff == money("34.67"));
	class_sums(b, CS_BC_COMPUTE, &kwh, &emb, &eff);
	assert_true(fabs(kwh - 10 * inst_w("m5.large") / 1000 * 1.135) < 1e-12);
	class_sums(b, CS_BC_STORAGE_SSD, &kwh, &emb, &eff);
	assert_true(fabs(kwh - (100 * 0.730 * 1.2 / 1000 * 2 * 1.135 + 128 * 0.730 * 1.2 / 1000 * 3 * 1.185)) < 1e-12);
	assert_true(t[0].out.unknown_eff == money("1"));
	const cs_bill_cause *c = cs_bill_causes(b, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(c[0].note, "Oracle"));
	cs_bill_free(b);
}

/* Daily rows: a key's days in the month it was first seen go through its
 * day array, other months and undated lines through the full-key index; the
 * rows keep the order they were first seen in and their exact sums, and a
 * line added alone (cs_bill_add_line) lands at once. */
static void test_daily_rows(void **state)
{
	static const char text[] = "SubAccountId,ServiceName,ChargePeriodStart,EffectiveCost,BilledCost\n"
	                           "A,S,2024-09-05T00:00:00Z,1.1,1.1\n"
	                           "A,S,2024-10-05T00:00:00Z,2.2,2.2\n"
	                           "A,S,,3.3,3.3\n"
	                           "B,S,2024-10-05T00:00:00Z,4.4,4.4\n"
	                           "B,S,2024-09-05T00:00:00Z,5.5,5.5\n"
	                           "A,S,2024-09-05T00:00:00Z,0.1,0.1\n"
	                           "A,S,2024-10-05T00:00:00Z,0.2,0.2\n"
	                           "A,S,,0.3,0.3\n";
	static const struct {
		const char *acct;
		int day;
		const char *eff;
		uint64_t lines;
	} want[] = {{"A", 20240905, "1.2", 2}, {"A", 20241005, "2.4", 2}, {"A", 0, "3.6", 2},
	            {"B", 20241005, "4.4", 1}, {"B", 20240905, "5.5", 1}, {"B", 20240906, "0.5", 1}};
	cs_bill_opts o;
	cs_bill_src *src;
	cs_bill *b;
	cs_bill_line l;
	char why[512];
	size_t n;
	(void)state;

	cs_bill_opts_init(&o);
	assert_int_equal(cs_bill_new(&o, &b), 0);
	assert_int_equal(cs_bill_src_open_mem(text, sizeof text - 1, "rows.csv", &src, why, sizeof why), 0);
	assert_int_equal(cs_bill_add_src(b, src, why, sizeof why), 0);
	cs_bill_src_free(src);
	const cs_bill_row *r = cs_bill_rows(b, &n);
	assert_int_equal(n, 5);
	/* one line on its own: in its row before the next line or finish */
	memset(&l, 0, sizeof l);
	l.provider = l.region = l.unit = l.currency = l.resource = l.tag = l.usage = (cs_sv){"", 0};
	for (int i = 0; i < CS_BILL_KEY_FIELDS; i++)
		l.cls[i] = (cs_sv){"", 0};
	l.account = (cs_sv){"B", 1};
	l.service = (cs_sv){"S", 1};
	l.scheme = CS_SCHEME_FOCUS;
	l.day = 20240906;
	l.eff = l.billed = money("0.5");
	assert_int_equal(cs_bill_add_line(b, &l), 0);
	r = cs_bill_rows(b, &n);
	assert_int_equal(n, 6);
	assert_int_equal(r[5].lines, 1);
	assert_int_equal(cs_bill_finish(b), 0);
	assert_true(cs_bill_conserved(b));
	r = cs_bill_rows(b, &n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(cs_bill_str(b, r[i].account), want[i].acct);
		assert_int_equal(r[i].day, want[i].day);
		assert_true(r[i].sum.eff == money(want[i].eff));
		assert_true(r[i].sum.billed == money(want[i].eff));
		assert_int_equal(r[i].lines, want[i].lines);
	}
	cs_bill_free(b);
}

static void test_edges(void **state)
{
	cs_bill_opts o;
	cs_bill *b;
	char why[512];
	(void)state;

	/* BOM + CRLF: the same two lines as focus_multi's first two */
	b = read_one(FIX "bom_crlf.csv", NULL);
	size_t n;
	assert_true(cs_bill_totals(b, &n)[0].out.eff == money("8.96"));
	cs_bill_free(b);
	/* quoted commas, newlines and "" in descriptions: 4 lines */
	b = read_one(FIX "quoted.csv", NULL);
	assert_int_equal(cs_bill_get_stats(b)->lines, 4);
	cs_bill_free(b);
	/* header only: nothing, no error */
	b = read_one(FIX "header_only.csv", NULL);
	assert_int_equal(cs_bill_get_stats(b)->lines, 0);
	cs_bill_free(b);
	/* empty: reported, not fatal */
	reports = 0;
	b = read_one(FIX "empty.csv", NULL);
	assert_int_equal(reports, 1);
	assert_non_null(strstr(last_report, "empty.csv: empty file"));
	cs_bill_free(b);
	/* ragged rows and a bad number: reported with file:line and skipped */
	reports = 0;
	b = read_one(FIX "ragged.csv", NULL);
	assert_int_equal(cs_bill_get_stats(b)->lines, 2);
	assert_int_equal(cs_bill_get_stats(b)->malformed, 3);
	assert_non_null(strstr(last_report, "ragged.csv:5: quantity 'one' is not a number"));
	cs_bill_free(b);
	/* ... or fatal with --strict */
	cs_bill_opts_init(&o);
	o.strict = true;
	assert_int_equal(cs_bill_new(&o, &b), 0);
	assert_int_equal(cs_bill_add_file(b, FIX "ragged.csv", why, sizeof why), CS_EINVAL);
	assert_non_null(strstr(why, "ragged.csv:3: 7 fields, the header has 10"));
	assert_int_equal(cs_bill_add_file(b, FIX "empty.csv", why, sizeof why), CS_EINVAL);
	cs_bill_free(b);
	/* not a bill; a truncated gzip */
	assert_int_equal(cs_bill_new(NULL, &b), 0);
	assert_int_equal(cs_bill_add_file(b, FIX "unknown_format.csv", why, sizeof why), CS_EINVAL);
	assert_non_null(strstr(why, "not a bill format"));
	assert_int_equal(cs_bill_add_file(b, FIX "truncated.csv.gz", why, sizeof why), -EBADMSG);
	assert_non_null(strstr(why, "truncated.csv.gz: truncated gzip"));
	cs_bill_free(b);
	/* --format forces a mapper: a FOCUS file read as a CUR names the column */
	cs_bill_opts_init(&o);
	o.format = CS_BILL_AWS_CUR;
	assert_int_equal(cs_bill_new(&o, &b), 0);
	assert_int_equal(cs_bill_add_file(b, FIX "focus_multi.csv", why, sizeof why), CS_EINVAL);
	assert_non_null(strstr(why, "not an AWS CUR: no lineitemusageaccountid column"));
	cs_bill_free(b);
}

static void test_detect_and_helpers(void **state)
{
	cs_sv v;
	double q;
	bool null;
	(void)state;

	assert_int_equal(cs_bill_parse_day("2024-09-07T17:00:00Z", 20), 20240907);
	assert_int_equal(cs_bill_parse_day("9/2/2023", 8), 20230902);
	assert_int_equal(cs_bill_parse_day("20240101", 8), 20240101);
	assert_int_equal(cs_bill_parse_day("2024-13-01", 10), 0);
	assert_int_equal(cs_bill_parse_day("yesterday", 9), 0);
	assert_int_equal(cs_bill_parse_qty("1.5", 3, &q, &null), 0);
	assert_true(q == 1.5);
	assert_int_equal(cs_bill_parse_qty("5.64902E-05", 11, &q, &null), 0);
	assert_true(fabs(q - 5.64902e-05) < 1e-20);
	assert_int_equal(cs_bill_parse_qty("NULL", 4, &q, &null), 0);
	assert_true(null);
	assert_int_equal(cs_bill_parse_qty("1,5", 3, &q, &null), CS_EINVAL);
	assert_int_equal(cs_bill_parse_qty("nan", 3, &q, &null), CS_EINVAL);
	/* tags in every spelling the exports use */
	const char *json = "{\"user:team\": \"payments\", \"env\": \"prod\"}";
	assert_true(cs_bill_tag_lookup(json, strlen(json), "team", &v));
	assert_int_equal(v.n, 8);
	assert_memory_equal(v.p, "payments", 8);
	const char *gcp = "[{\"key\":\"team\",\"value\":\"ml\"}]";
	assert_true(cs_bill_tag_lookup(gcp, strlen(gcp), "team", &v));
	assert_memory_equal(v.p, "ml", 2);
	const char *azure = "\"team\": \"web\",\"env\": \"prod\"";
	assert_true(cs_bill_tag_lookup(azure, strlen(azure), "env", &v));
	assert_memory_equal(v.p, "prod", 4);
	const char *duck = "{user_team=data, user_env=dev}";
	assert_true(cs_bill_tag_lookup(duck, strlen(duck), "team", &v));
	assert_memory_equal(v.p, "data", 4);
	assert_false(cs_bill_tag_lookup(duck, strlen(duck), "owner", &v));
	assert_int_equal(cs_bill_format_parse("aws-cur2"), CS_BILL_AWS_CUR2);
	assert_int_equal(cs_bill_format_parse("xml"), -1);
	assert_int_equal(cs_bill_by_parse("tag:team"), CS_BY_TAG);
	assert_int_equal(cs_bill_by_parse("team"), CS_BY_TEAM);
	assert_int_equal(cs_bill_by_parse("teams"), -1);
}

/* Classification of single lines: the rule and class for usage types the
 * synthetic bills and real CURs carry. */
static void classify_aws(const char *svc, const char *ut, const char *unit, cs_bill_class want, const char *rule)
{
	cs_bill_model m;
	cs_bill_line l;
	cs_bill_usage u;

	cs_bill_model_init(&m);
	memset(&l, 0, sizeof l);
	l.prov = CS_PROVIDER_AWS;
	l.scheme = CS_SCHEME_AWS;
	l.cls[0] = (cs_sv){svc, (uint32_t)strlen(svc)};
	l.cls[1] = (cs_sv){ut, (uint32_t)strlen(ut)};
	l.cls[2] = (cs_sv){unit, (uint32_t)strlen(unit)};
	l.unit = l.cls[2];
	l.usage = l.cls[1];
	cs_bill_classify(&m, &l, &u);
	if (u.cls != want) {
		print_error("%s %s %s: class %s (%s), want %s\n", svc, ut, unit, cs_bill_class_name(u.cls), u.note,
		            cs_bill_class_name(want));
		fail();
	}
	if (rule)
		assert_string_equal(u.rule, rule);
}

static void test_classify(void **state)
{
	(void)state;
	classify_aws("AmazonEC2", "USE1-BoxUsage:m5.large", "Hrs", CS_BC_COMPUTE, "aws:BoxUsage");
	classify_aws("AmazonEC2", "BoxUsage", "Hrs", CS_BC_COMPUTE, "aws:BoxUsage"); /* m1.small */
	classify_aws("AmazonEC2", "EUW2-SpotUsage:g4dn.xlarge", "Hrs", CS_BC_GPU, "aws:SpotUsage");
	classify_aws("AmazonEC2", "USE1-BoxUsage:zz9.huge", "Hrs", CS_BC_UNKNOWN, "aws:BoxUsage");
	classify_aws("AmazonEC2", "USE1-BoxUsage:m5.large", "GB", CS_BC_UNKNOWN, "aws:BoxUsage");
	classify_aws("AmazonRDS", "USW2-Multi-AZUsage:db.r5.large", "Hrs", CS_BC_COMPUTE,
	             "aws:RDS Multi-AZ (2 instances)");
	classify_aws("AmazonElastiCache", "NodeUsage:cache.m5.large", "Hrs", CS_BC_COMPUTE, NULL);
	classify_aws("AmazonECS", "USE1-Fargate-vCPU-Hours:perCPU", "hours", CS_BC_COMPUTE, "aws:Fargate vCPU");
	classify_aws("AmazonECS", "USE1-Fargate-GB-Hours", "hours", CS_BC_MEMORY, "aws:Fargate memory");
	classify_aws("AmazonECS", "USE1-ECS-EC2-vCPU-Hours", "hours", CS_BC_COMPUTE,
	             "aws:ECS on EC2 (counted in the EC2 lines)");
	classify_aws("AWSLambda", "USE1-Lambda-GB-Second-ARM", "Lambda-GB-Second", CS_BC_COMPUTE, NULL);
	classify_aws("AmazonEC2", "EBS:VolumeUsage.st1", "GB-Mo", CS_BC_STORAGE_HDD, "aws:EBS st1");
	classify_aws("AmazonEC2", "EBS:VolumeUsage", "GB-Mo", CS_BC_STORAGE_HDD, "aws:EBS magnetic");
	classify_aws("AmazonEC2", "EBS:SnapshotUsage", "GB-Mo", CS_BC_STORAGE_HDD, NULL);
	classify_aws("AmazonS3", "USW2-TimedStorage-GlacierByteHrs", "GB-Mo", CS_BC_STORAGE_HDD, "aws:S3 storage");
	classify_aws("AmazonS3", "TimedStorage-ZIA-ByteHrs", "GB-Mo", CS_BC_STORAGE_HDD, "aws:S3 One Zone-IA");
	classify_aws("AmazonDynamoDB", "TimedStorage-ByteHrs", "GB-Mo", CS_BC_STORAGE_SSD, "aws:DynamoDB storage");
	classify_aws("AmazonEFS", "USE2-TimedStorage-ByteHrs", "GB-Mo", CS_BC_STORAGE_SSD, "aws:EFS");
	classify_aws("AmazonRDS", "Aurora:StorageUsage", "GB-Mo", CS_BC_STORAGE_SSD, "aws:Aurora storage (6 copies)");
	classify_aws("AmazonS3", "USE1-CAN1-AWS-Out-Bytes", "GB", CS_BC_NETWORK, "aws:inter-region out");
	classify_aws("AmazonCloudFront", "US-DataTransfer-Out-Bytes", "GB", CS_BC_NETWORK, "aws:data transfer");
	classify_aws("AmazonEC2", "USE1-NatGateway-Bytes", "GB", CS_BC_UNKNOWN, NULL);
	classify_aws("AmazonS3", "Requests-Tier1", "Requests", CS_BC_UNKNOWN, "none");
	classify_aws("AmazonEC2", "USE1-UnusedBox:m5.large", "Hrs", CS_BC_NONUSAGE, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cur_legacy), cmocka_unit_test(test_cur2),
	    cmocka_unit_test(test_focus_aws),  cmocka_unit_test(test_gcp),
	    cmocka_unit_test(test_azure),      cmocka_unit_test(test_focus_multi),
	    cmocka_unit_test(test_edges),      cmocka_unit_test(test_detect_and_helpers),
	    cmocka_unit_test(test_classify),   cmocka_unit_test(test_daily_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
