/* test_billing_util.c - the ledger's measured utilisation in the bill
 * (billing/util.h, `carbonstat billing --ledger`).
 *
 *   - the table: machine-days under their instance id and name, case folded,
 *     the last path element of a resource id, ambiguous names, bad rows;
 *   - every format's mapper keeps the line's resource id, so the fixtures'
 *     instance lines (tests/fixtures/billing/) are found: AWS CUR, CUR 2.0
 *     and FOCUS lineItem/ResourceId = ResourceId "i-0001", GCP resource.name
 *     "projects/1/instances/vm-1" (by the VM's name), Azure's ResourceId
 *     ".../virtualMachines/web-1" (by the whole id in other case, or the
 *     name), FOCUS (multi-cloud) "i-1"; the measured lines are priced at
 *     the measured utilisation and the rest at the default, with the
 *     arithmetic in the comments;
 *   - the join from a real (SQLite) ledger: node-hours written by the
 *     ledger's store are summed per machine and day (cs_lg_read_instance_days)
 *     and found by the bill's resource id.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <carbonstat/error.h>
#include <carbonstat/model.h>

#include "billing/ingest.h"
#include "billing/util.h"
#include "data/tables.h" /* the CCF min/max W per vCPU of a type: no accessor */
#include "ledger/store.h"
#include "bill_fixture.h"

#define FIX CS_FIXTURES_DIR "/billing/"

static cs_sv sv(const char *s)
{
	return cs_sv_of(s, (uint32_t)strlen(s));
}

/* The instance's power at util, all of it (W). */
static double inst_w(const char *name, double util)
{
	const cs_instance *it = cs_instance_find(CS_PROVIDER_UNKNOWN, name);
	cs_util u = {util, -1, -1};
	cs_power p;

	assert_non_null(it);
	assert_int_equal(cs_instance_power(it, &u, &p), 0);
	return p.total_w;
}

static void test_table(void **state)
{
	cs_bill_util *u;
	(void)state;

	assert_int_equal(cs_bill_util_new(&u), 0);
	assert_true(cs_bill_util_find(u, 20241101, sv("i-0abc")) < 0); /* empty */
	/* AWS: an id only; 25 % of the day's CPU time */
	assert_int_equal(cs_bill_util_add(u, 20241101, "i-0abc", "", 1800, 7200), 0);
	/* the same machine from another source that day: sums (busy 900 of 3600 more) */
	assert_int_equal(cs_bill_util_add(u, 20241101, "i-0ABC", NULL, 900, 3600), 0);
	assert_true(fabs(cs_bill_util_find(u, 20241101, sv("i-0abc")) - 0.25) < 1e-12);
	assert_true(fabs(cs_bill_util_find(u, 20241101, sv("I-0ABC")) - 0.25) < 1e-12);
	assert_true(cs_bill_util_find(u, 20241102, sv("i-0abc")) < 0); /* another day */
	assert_true(cs_bill_util_find(u, 20241101, cs_sv_of("i-0abcd", 5)) < 0);
	/* an ARN ending in the id: its last path element */
	assert_true(fabs(cs_bill_util_find(u, 20241101, sv("arn:aws:ec2:eu-west-1:1:instance/i-0abc")) - 0.25) < 1e-12);
	/* Azure: the resource id and the VM's name */
	assert_int_equal(cs_bill_util_add(u, 20241101,
	                                  "/subscriptions/s/resourceGroups/RG/providers/Microsoft.Compute/"
	                                  "virtualMachines/web-1",
	                                  "web-1", 600, 1000),
	                 0);
	assert_true(fabs(cs_bill_util_find(u, 20241101,
	                                   sv("/SUBSCRIPTIONS/S/RESOURCEGROUPS/rg/PROVIDERS/MICROSOFT.COMPUTE/"
	                                      "VIRTUALMACHINES/WEB-1")) -
	                 0.6) < 1e-12);
	/* a resource id the table lacks whole, found by its VM name */
	assert_true(fabs(cs_bill_util_find(u, 20241101,
	                                   sv("/subscriptions/s/resourceGroups/other/providers/Microsoft.Compute/"
	                                      "virtualMachines/web-1")) -
	                 0.6) < 1e-12);
	/* a second machine named web-1 that day: the name is ambiguous, the ids are not */
	assert_int_equal(cs_bill_util_add(u, 20241101, "/subscriptions/s/resourceGroups/B/virtualMachines/web-1",
	                                  "web-1", 100, 1000),
	                 0);
	assert_true(cs_bill_util_find(u, 20241101, sv("web-1")) < 0);
	assert_true(fabs(cs_bill_util_find(u, 20241101, sv("/subscriptions/s/resourceGroups/b/virtualMachines/web-1")) -
	                 0.1) < 1e-12);
	assert_int_equal(cs_bill_util_days(u), 3);
	/* rows no agent writes */
	assert_int_equal(cs_bill_util_add(u, 20241101, "", "", 1, 2), CS_EINVAL);
	assert_int_equal(cs_bill_util_add(u, 20241101, "i-1", "", 1, 0), CS_EINVAL);
	assert_int_equal(cs_bill_util_add(u, 20241101, "i-1", "", 3, 2), CS_EINVAL);
	assert_int_equal(cs_bill_util_add(u, 0, "i-1", "", 1, 2), CS_EINVAL);
	/* many machines: the index grows and keeps them */
	for (int i = 0; i < 5000; i++) {
		char id[32];

		snprintf(id, sizeof id, "i-%08x", i);
		assert_int_equal(cs_bill_util_add(u, 20241103, id, "", i % 100, 100), 0);
	}
	assert_true(fabs(cs_bill_util_find(u, 20241103, sv("i-00000f2d")) - 0.85) < 1e-12); /* 3885 % 100 */
	assert_true(fabs(cs_bill_util_find(u, 20241101, sv("i-0abc")) - 0.25) < 1e-12);
	cs_bill_util_free(u);
	cs_bill_util_free(NULL);
}

/* A fixture read with util; its totals (one currency). */
static cs_bill *read_with(const char *file, const cs_bill_util *u, const cs_bill_total **t)
{
	cs_bill_opts o;
	cs_bill *b;
	size_t n;

	cs_bill_opts_init(&o);
	o.util = u;
	b = tf_bill_read(&o, file);
	*t = cs_bill_totals(b, &n);
	assert_int_equal(n, 1);
	return b;
}

static cs_money money(const char *s)
{
	cs_money m;

	assert_int_equal(cs_money_parse(s, strlen(s), &m, NULL, NULL), 0);
	return m;
}

static void test_formats(void **state)
{
	static const char *const aws[] = {FIX "cur_legacy.csv", FIX "cur2.csv", FIX "focus_aws.csv"};
	cs_bill_util *u;
	const cs_bill_total *t;
	cs_bill *b;
	(void)state;

	assert_int_equal(cs_bill_util_new(&u), 0);
	assert_int_equal(cs_bill_util_add(u, 20240901, "i-0001", "", 25, 100), 0);
	assert_int_equal(cs_bill_util_add(u, 20240901, "i-1", "", 10, 100), 0);
	assert_int_equal(cs_bill_util_add(u, 20240901, "4520031799277581759", "vm-1", 75, 100), 0);
	assert_int_equal(cs_bill_util_add(u, 20240902,
	                                  "/SUBSCRIPTIONS/SUB-1/RESOURCEGROUPS/RG-WEB/PROVIDERS/MICROSOFT.COMPUTE/"
	                                  "VIRTUALMACHINES/WEB-1",
	                                  "web-1", 40, 100),
	                 0);

	/* AWS, three formats: the 10 m5.large hours of i-0001 on 2024-09-01 at
	 * 25 %: 10 x P(25 %) / 1000 x 1.135 kWh (the default's 10 x 14.12 W x
	 * 1.135 = 0.1603 kWh); i-0002's 4 h and db-0001's RDS hours are
	 * CPU-priced but unknown to the ledger, the Lambda GB-seconds follow the
	 * default (a function has no machine to measure). Their cost: the 0.96
	 * USD of i-0001, of 0.96 + 0.27 + 3.6 + 0.0294833333 CPU-priced. */
	for (size_t k = 0; k < sizeof aws / sizeof aws[0]; k++) {
		b = read_with(aws[k], u, &t);
		assert_int_equal(cs_bill_get_stats(b)->util_lines, 1);
		assert_int_equal(cs_bill_get_stats(b)->util_missed, 2);
		assert_true(fabs(t->out.cpu.v[CS_CPU_MEAS_KWH] - 10 * inst_w("m5.large", 0.25) / 1000 * 1.135) < 1e-12);
		assert_true(fabs(t->out.cpu.v[CS_CPU_MEAS_KWH_DEFAULT] - 10 * inst_w("m5.large", 0.5) / 1000 * 1.135) <
		            1e-12);
		assert_true(fabs(t->out.cpu.v[CS_CPU_MEAS_HOURS] - 10) < 1e-12 &&
		            fabs(t->out.cpu.v[CS_CPU_MEAS_BUSY_HOURS] - 2.5) < 1e-12);
		assert_true(t->out.cpu.meas_eff == money("0.96"));
		assert_true(t->out.cpu.eff == money("4.8594833333"));
		cs_bill_free(b);
	}
	/* FOCUS from several clouds: "i-1", 10 h of m5.large at 10 % */
	b = read_with(FIX "focus_multi.csv", u, &t);
	assert_int_equal(cs_bill_get_stats(b)->util_lines, 1);
	assert_true(fabs(t->out.cpu.v[CS_CPU_MEAS_KWH] - 10 * inst_w("m5.large", 0.1) / 1000 * 1.135) < 1e-12);
	cs_bill_free(b);
	/* GCP: resource.name "projects/1/instances/vm-1" by its last element, the
	 * VM's name: 14400 vCPU-s = 4 vCPU-h of e2-standard-4 at 75 % of its own
	 * min..max W per vCPU, x PUE 1.1; the RAM line of the same VM has no CPU
	 * model and keeps its kWh */
	{
		const cs_instance *e2 = cs_instance_find(CS_PROVIDER_GCP, "e2-standard-4");
		double w = e2->min_w_per_vcpu + (e2->max_w_per_vcpu - e2->min_w_per_vcpu) * 0.75;

		b = read_with(FIX "gcp.csv", u, &t);
		assert_int_equal(cs_bill_get_stats(b)->util_lines, 1);
		assert_true(fabs(t->out.cpu.v[CS_CPU_MEAS_KWH] - 4 * w / 1000 * 1.1) < 1e-12);
		assert_true(fabs(t->out.cpu.v[CS_CPU_MEAS_HOURS] - 4) < 1e-12);
		cs_bill_free(b);
	}
	/* Azure: the VM's ResourceId (the table's in upper case) on 9/2/2024:
	 * "10 Hours" x 2.4 = 24 h of Standard_D2s_v3 at 40 %, x 1.185; the VM
	 * line of 9/1 has no resource id, the disk's id names another resource */
	b = read_with(FIX "azure.csv", u, &t);
	assert_int_equal(cs_bill_get_stats(b)->util_lines, 1);
	assert_true(fabs(t->out.cpu.v[CS_CPU_MEAS_KWH] - 24 * inst_w("Standard_D2s_v3", 0.4) / 1000 * 1.185) < 1e-12);
	assert_true(t->out.cpu.meas_eff == money("2.7648"));
	cs_bill_free(b);

	/* without a table nothing is measured (nor counted: the hot path stays as
	 * it was) and the kWh are the default's */
	{
		const cs_bill_total *t0;
		cs_bill *b0 = read_with(FIX "cur_legacy.csv", NULL, &t0);

		b = read_with(FIX "cur_legacy.csv", u, &t);
		assert_int_equal(cs_bill_get_stats(b0)->util_lines, 0);
		assert_true(t0->out.cpu.meas_eff == 0 && t0->out.cpu.v[CS_CPU_MEAS_KWH] == 0);
		assert_true(t0->out.cpu.eff == 0); /* not told apart without a table */
		/* total kWh move by exactly the measured line's difference */
		assert_true(fabs((t0->out.kwh - t->out.kwh) -
		                 (t->out.cpu.v[CS_CPU_MEAS_KWH_DEFAULT] - t->out.cpu.v[CS_CPU_MEAS_KWH])) < 1e-12);
		cs_bill_free(b0);
		cs_bill_free(b);
	}
	cs_bill_util_free(u);
}

static int64_t hour_of(int y_m_d_h)
{
	/* 2024-09-01T00:00Z = 1725148800; hours after it */
	return 1725148800 + (int64_t)y_m_d_h * 3600;
}

/* The ledger's side of the join: node-hours with an instance id and CPU
 * time, written through the store, read back per machine and UTC day. */
static void test_ledger_join(void **state)
{
	char dir[] = "/tmp/cs-billutil.XXXXXX", url[128], why[512];
	cs_lg_store *s;
	cs_bill_util *u;
	int64_t src;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(url, sizeof url, "sqlite:%s/l.db", dir);
	assert_int_equal(cs_lg_open(url, CS_LG_WRITE, 5, &s, why, sizeof why), 0);
	/* no schema yet: no machine-days, no error */
	assert_int_equal(cs_bill_util_new(&u), 0);
	assert_int_equal(cs_bill_util_load(u, s, why, sizeof why), 0);
	assert_int_equal(cs_bill_util_days(u), 0);
	assert_int_equal(cs_lg_begin(s), 0);
	assert_int_equal(cs_lg_source(s, "prometheus:test", "prometheus", &src, &(int64_t){0}), 0);
	/* n1 (i-0001): 23:00 on 08-31 at 100 %, then 00:00 and 01:00 on 09-01 at
	 * 25 % and 75 % of 2 vCPUs -> 09-01: (1800 + 5400) / 14400 = 50 %;
	 * n2: no instance id (not in the table); n3: an id without CPU time */
	{
		static const struct {
			int h;
			const char *node, *id;
			int64_t busy, total;
		} rows[] = {
		    {-1, "n1", "i-0001", 7200000, 7200000},
		    {0, "n1", "i-0001", 1800000, 7200000},
		    {1, "n1", "i-0001", 5400000, 7200000},
		    {0, "n2", "", 3600000, 7200000},
		    {0, "n3", "i-0003", 0, 0},
		};
		for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
			cs_lg_node_hour nh;

			memset(&nh, 0, sizeof nh);
			nh.hour = hour_of(rows[i].h);
			nh.source_id = src;
			nh.cluster = "eu";
			nh.node = rows[i].node;
			nh.provider = "aws";
			nh.region = "eu-west-1";
			nh.instance = "m5.large";
			nh.intensity_g_per_kwh = NAN;
			nh.intensity_source = "none";
			nh.pue = NAN;
			nh.currency = nh.price_source = nh.cost_reason = "";
			nh.instance_id = rows[i].id;
			nh.cpu_busy_ms = rows[i].busy;
			nh.cpu_total_ms = rows[i].total;
			assert_int_equal(cs_lg_put_node_hour(s, &nh, false), 0);
		}
	}
	assert_int_equal(cs_lg_commit(s), 0);
	assert_int_equal(cs_bill_util_load(u, s, why, sizeof why), 0);
	assert_int_equal(cs_bill_util_days(u), 2); /* n1 on 08-31 and on 09-01 */
	assert_true(fabs(cs_bill_util_find(u, 20240901, sv("i-0001")) - 0.5) < 1e-12);
	assert_true(fabs(cs_bill_util_find(u, 20240831, sv("i-0001")) - 1.0) < 1e-12);
	assert_true(cs_bill_util_find(u, 20240901, sv("i-0003")) < 0);
	cs_bill_util_free(u);
	cs_lg_close(s);
	snprintf(why, sizeof why, "rm -rf %s", dir);
	assert_int_equal(system(why), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_ledger_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
