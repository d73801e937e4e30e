/* Unit tests for plan/plan.c: hand-computed planning cases.
 *
 * The power figures are the source rows' (aws-instances.csv, Teads curves,
 * decimal commas as written there; ccf-use-gcp for GCP min/max), quoted in
 * the comments and written out below as literals; the arithmetic is done
 * here, independently of src/model. Grid intensities are read from the
 * region table (today's value in the comment), so the cases keep holding
 * whichever grid series the tables carry; the outcome of each case does not
 * depend on it. Throughput figures are the SPECpower medians of
 * src/data/gen_perf.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <carbonstat/carbonstat.h>

#include "plan/plan.h"

#define assert_close(a, b) assert_true(fabs((double)(a) - (double)(b)) <= 1e-9 * fmax(1.0, fabs((double)(b))))

#define HOURS    730.0
#define PUE_AWS  1.135
#define PUE_GCP  1.1
#define LIFE_H   35040.0 /* CCF: 4 years x 8760 h */
#define MEM_W_GB 0.392

/* SPECpower medians, ssj_ops per thread at 100 % (gen_perf.c). */
#define SSJ_BROADWELL 40760.781818181815
#define SSJ_SKYLAKE   54229.48171768708
#define SSJ_CASCADE   55122.8125
#define SSJ_GRAVITON2 25538.9609375

static plan_catalog catalog;

static int setup(void **state)
{
	(void)state;
	return plan_catalog_build(&catalog);
}

static int teardown(void **state)
{
	(void)state;
	plan_catalog_free(&catalog);
	return 0;
}

/* Linear interpolation of a Teads curve at 0/10/50/100 %, by hand. */
static double teads(const double w[4], double u)
{
	static const double at[4] = {0, 0.1, 0.5, 1};

	for (int i = 1; i < 4; i++)
		if (u <= at[i])
			return w[i - 1] + (w[i] - w[i - 1]) * (u - at[i - 1]) / (at[i] - at[i - 1]);
	return w[3];
}

/* Operational gCO2e a month of n instances drawing watts each. */
static double op_month(double watts, unsigned n, double pue, double intensity)
{
	return watts * HOURS / 1000.0 * pue * n * intensity;
}

/* CCF hourly embodied: platform kg x 1000 / 35,040 h x vCPU share. */
static double emb_h(double platform_kg, double vcpu, double platform_vcpu)
{
	return platform_kg * 1000.0 / LIFE_H * vcpu / platform_vcpu;
}

static double intensity(cs_provider p, const char *region)
{
	const cs_region *r = cs_region_find(p, region);
	assert_non_null(r);
	return cs_region_intensity_g_per_kwh(r);
}

static void load(const char *csv, plan_inventory *inv)
{
	char why[512] = "";
	int rc = plan_inventory_parse_csv(csv, strlen(csv), "fleet.csv", inv, why, sizeof why);
	if (rc)
		fail_msg("inventory: %s", why);
}

static void prices_file(plan_prices *pb, const plan_inventory *inv, const char *csv)
{
	char why[512] = "";
	plan_prices_init(pb);
	assert_int_equal(plan_prices_from_inventory(pb, inv), 0);
	if (csv && plan_prices_load_file(pb, "prices.csv", csv, strlen(csv), why, sizeof why))
		fail_msg("prices: %s", why);
}

static void run(const plan_inventory *inv, plan_opts *o, plan_result *r)
{
	char why[512] = "";
	o->catalog = &catalog;
	if (plan_run(inv, o, r, why, sizeof why))
		fail_msg("plan_run: %s", why);
	assert_int_equal(r->mismatches, 0); /* ranking figures == estimate's */
}

/* One planning case: the inventory, prices, --families and --regions as a
 * user gives them. */
typedef struct scenario {
	plan_inventory inv;
	plan_prices pb;
	plan_filter fam;
	const cs_region *regs[8];
	plan_opts o;
	plan_result r;
} scenario;

static void scenario_init(scenario *s, const char *inventory, const char *prices, const char *families, cs_provider rp,
                          const char *region_list)
{
	char why[512] = "", buf[256], *save = NULL;

	memset(s, 0, sizeof *s);
	load(inventory, &s->inv);
	prices_file(&s->pb, &s->inv, prices);
	plan_opts_init(&s->o);
	s->o.prices = &s->pb;
	if (families) {
		if (plan_filter_parse(&catalog, families, &s->fam, why, sizeof why))
			fail_msg("--families %s: %s", families, why);
		s->o.families = &s->fam;
	}
	if (region_list) {
		snprintf(buf, sizeof buf, "%s", region_list);
		for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			s->regs[s->o.nregions] = cs_region_find(rp, t);
			assert_non_null(s->regs[s->o.nregions]);
			s->o.nregions++;
		}
		s->o.regions = s->regs;
	}
}

static void scenario_run(scenario *s)
{
	plan_result_free(&s->r);
	run(&s->inv, &s->o, &s->r);
}

static void scenario_free(scenario *s)
{
	plan_result_free(&s->r);
	plan_filter_free(&s->fam);
	plan_prices_free(&s->pb);
	plan_inventory_free(&s->inv);
}

static bool is(const plan_option *o, const char *inst, const char *region)
{
	return !strcmp(cs_instance_name(o->inst), inst) && !strcmp(cs_region_name(o->region), region);
}

/* 1. A move to a lower-carbon region at equal cost.
 *
 * 4 x m5.large at 30 % in ap-south-1, priced 0.096 USD/h in every region
 * (price file "*"); options: the m5 family, regions ap-south-1 and
 * eu-north-1. m5.large (aws-instances.csv): PkgWatt 1,21/3,05/7,16/9,96,
 * RAMWatt 1,20/1,92/4,96/8,00, Delta 2,0. At 30 %:
 *   cpu 3.05 + (7.16 - 3.05) x 0.5 = 5.105; mem 1.92 + (4.96 - 1.92) x 0.5 =
 *   3.44; total 5.105 + 3.44 + 2.0 = 10.545 W.
 *   energy a month: 10.545 W x 730 h / 1000 x 1.135 x 4 = 34.948239 kWh.
 *   embodied: 1610.79 kg x 1000 / 35040 h x 2/96 = 0.957708 g/h,
 *             x 730 h x 4 = 2796.5 g (the same in both regions).
 *   operational: 34.948239 kWh x 708.32 (ap-south-1, ember-country IN 2024)
 *                = 24,754.5 g; 34.948239 kWh x 35.82 (eu-north-1, SE) = 1,251.8 g.
 *   cost: 0.096 x 730 x 4 = 280.32 USD in both.
 * So the recommendation is the same type, count and load in eu-north-1,
 * cost unchanged, and the whole change is the grid's. */
static void test_region_move_equal_cost(void **state)
{
	scenario s;
	double kwh = 10.545 * HOURS / 1000.0 * PUE_AWS * 4, emb = emb_h(1610.79, 2, 96) * HOURS * 4;
	double i_as = intensity(CS_PROVIDER_AWS, "ap-south-1"), i_en = intensity(CS_PROVIDER_AWS, "eu-north-1");
	(void)state;

	scenario_init(&s,
	              "provider,instance,region,count,cpu_percent,hours_per_month\naws,m5.large,ap-south-1,4,30,730\n",
	              "provider,instance_type,region,currency,price_per_hour\naws,m5.large,*,USD,0.096\n", "m5",
	              CS_PROVIDER_AWS, "ap-south-1,eu-north-1");
	scenario_run(&s);

	const plan_group_result *g = &s.r.groups[0];
	assert_true(is(&g->current, "m5.large", "ap-south-1"));
	assert_close(g->current.est.power.total_w, 10.545);
	assert_close(g->current.est.energy_kwh, kwh);
	assert_close(g->current.est.embodied_g, emb);
	assert_close(g->current.est.operational_g, kwh * i_as);
	assert_close(g->current.cost, 0.096 * 730 * 4);
	assert_true(is(&g->rec, "m5.large", "eu-north-1"));
	assert_int_equal(g->rec.count, 4);
	assert_close(g->rec.cpu_percent, 30);
	assert_close(g->rec.est.operational_g, kwh * i_en);
	assert_close(g->rec.est.embodied_g, emb);
	assert_close(g->rec.cost, g->current.cost); /* equal cost */
	assert_int_equal(g->rec.moves, PLAN_MOVE_REGION);
	/* all of the change is the grid's */
	assert_close(g->split.grid_g, kwh * (i_en - i_as));
	assert_close(g->split.hardware_g, 0);
	assert_close(g->split.rightsizing_g, 0);
	/* the front: the cleaner option is not dearer, so it dominates now */
	assert_int_equal(g->nfront, 1);
	assert_true(is(&s.r.options[g->front_at], "m5.large", "eu-north-1"));
	scenario_free(&s);
}

/* 2. A faster family that lowers carbon despite a higher draw.
 *
 * 10 x m4.xlarge (Broadwell) at 50 % in us-east-1; options: the m5 family
 * (m5.xlarge, Skylake) in us-east-1, --target-cpu 60.
 * Throughput per vCPU: Skylake / Broadwell = 54,229.48 / 40,760.78 =
 * 1.330434; the work in m5.xlarge instances at 100 %:
 *   10 x 0.5 x 4 vCPU / (4 vCPU x 1.330434) = 3.758171;
 *   at <= 60 %: ceil(3.758171 / 0.6) = ceil(6.2636) = 7 instances,
 *   each at 3.758171 / 7 = 53.6882 %.
 * The m4 family itself, rightsized: ceil(10 x 0.5 / 0.6) = 9 at 55.5556 %.
 * Power (aws-instances.csv):
 *   m4.xlarge PkgWatt 1,94/5,55/11,41/15,62, RAMWatt 3,20/4,80/6,40/9,60,
 *     Delta 3,2: at 50 % 11.41 + 6.40 + 3.2 = 21.01 W
 *   m5.xlarge PkgWatt 2,41/6,11/14,32/19,92, RAMWatt 2,41/3,85/9,92/15,99,
 *     Delta 4,0: at 53.6882 %: 14.32 + 5.60 x 0.073763 = 14.7331,
 *     9.92 + 6.07 x 0.073763 = 10.3677, + 4.0 = 29.1008 W:
 *   more watts per instance (29.10 vs 21.01), but 7 x 29.10 = 203.7 W
 *   against 10 x 21.01 = 210.1 W, and embodied
 *   m4.xlarge 1433.12 kg x 1000 / 35040 x 4/72 = 2.272 g/h x 10,
 *   m5.xlarge 1610.79 kg x 1000 / 35040 x 4/96 = 1.915 g/h x 7.
 * The m4 rightsized to 9 draws 9 x 21.833 = 196.5 W, less than the m5s,
 * but carries 9 x 2.272 g/h of embodied against 7 x 1.915: the m5s win. */
static void test_faster_family_higher_draw(void **state)
{
	const double m4_cpu[4] = {1.94, 5.55, 11.41, 15.62}, m4_mem[4] = {3.20, 4.80, 6.40, 9.60};
	const double m5_cpu[4] = {2.41, 6.11, 14.32, 19.92}, m5_mem[4] = {2.41, 3.85, 9.92, 15.99};
	scenario s;
	double ratio = SSJ_SKYLAKE / SSJ_BROADWELL, work = 10 * 0.5 * 4 / (4 * ratio);
	double u = round(work / 7 * 100 * 1e6) / 1e6 / 100; /* as printed, 1e-6 % */
	double p4 = teads(m4_cpu, 0.5) + teads(m4_mem, 0.5) + 3.2;
	double p5 = teads(m5_cpu, u) + teads(m5_mem, u) + 4.0;
	double i = intensity(CS_PROVIDER_AWS, "us-east-1"); /* 321.47 g/kWh, ember-us-state (Virginia) */
	double now = op_month(p4, 10, PUE_AWS, i) + emb_h(1433.12, 4, 72) * HOURS * 10;
	double rec = op_month(p5, 7, PUE_AWS, i) + emb_h(1610.79, 4, 96) * HOURS * 7;
	(void)state;

	assert_close(p4, 21.01);
	assert_true(fabs(p5 - 29.1008) < 1e-3);
	scenario_init(&s,
	              "provider,instance,region,count,cpu_percent,hours_per_month\naws,m4.xlarge,us-east-1,10,50,730\n",
	              NULL, "m5", CS_PROVIDER_AWS, "us-east-1");
	s.o.target_cpu = 0.6;
	scenario_run(&s);

	const plan_group_result *g = &s.r.groups[0];
	assert_close(g->current.est.power.total_w, p4);
	assert_close(g->current.est.total_g, now);
	assert_true(is(&g->rec, "m5.xlarge", "us-east-1"));
	assert_int_equal(g->rec.count, 7);
	assert_close(g->rec.cpu_percent, round(work / 7 * 100 * 1e6) / 1e6);
	assert_close(g->rec.speed, ratio);
	assert_int_equal(g->rec.speed_src, PLAN_SPEED_BUILTIN);
	assert_close(g->rec.est.power.total_w, p5);
	assert_true(g->rec.est.power.total_w > g->current.est.power.total_w); /* a higher draw... */
	assert_close(g->rec.est.total_g, rec);
	assert_true(g->rec.key_g < g->current.key_g); /* ...and less carbon */
	/* grid 0 (same region); hardware: 10 m5.xlarge at 3.758171 / 10 = 37.58 %;
	 * rightsizing: 10 -> 7 of them */
	double u10 = round(work / 10 * 100 * 1e6) / 1e6 / 100;
	double mid = op_month(teads(m5_cpu, u10) + teads(m5_mem, u10) + 4.0, 10, PUE_AWS, i) +
	             emb_h(1610.79, 4, 96) * HOURS * 10;
	assert_close(g->split.grid_g, 0);
	assert_close(g->split.hardware_g, mid - now);
	assert_close(g->split.rightsizing_g, rec - mid);
	assert_int_equal(g->rec.moves, PLAN_MOVE_TYPE | PLAN_MOVE_COUNT);
	scenario_free(&s);
}

/* 3. A move that raises carbon because of embodied emissions.
 *
 * 4 x c5n.xlarge (Skylake, 4 vCPU, 10.5 GB) at 30 % in us-east-1 at
 * 0.216 USD/h; c6g.2xlarge (Graviton2 = Neoverse N1 cores; 8 vCPU, 16 GB: the
 * c6g family's smallest size with >= 10.5 GB) priced at 0.20 USD/h; the
 * objective is cost.
 * Throughput per vCPU: 25,538.96 / 54,229.48 = 0.470941 (SPECpower, N1);
 *   utilisation 30 % x 4 / (8 x 0.470941) = 31.8511 %, count kept at 4.
 * Power (aws-instances.csv):
 *   c5n.xlarge PkgWatt 2,81/7,49/16,29/23,54, RAMWatt 2,04/3,69/6,48/9,27,
 *     Delta 5,3: at 30 % 11.89 + 5.085 + 5.3 = 22.275 W
 *   c6g.2xlarge PkgWatt 2,18/5,97/14,10/19,10, RAMWatt 3,20/4,80/6,40/9,60,
 *     Delta 3,8: at 31.8511 % 5.97 + 8.13 x 0.546278 = 10.4412,
 *     4.80 + 1.60 x 0.546278 = 5.6740, + 3.8 = 19.8853 W
 *   so operational falls by 2.39 W per instance;
 * Embodied: c5n.xlarge 1344.29 kg x 1000 / 35040 x 4/72 = 2.1313 g/h,
 *   c6g.2xlarge 1155.46 kg x 1000 / 35040 x 8/64 = 4.1219 g/h: +1.99 g/h
 *   per instance, x 730 h = +1,453 g a month, more than the operational
 *   saving (2.39 W x 730 h x 1.135 / 1000 x 321.47 = 637 g).
 * Cost: 0.216 x 730 x 4 = 630.72 -> 0.20 x 730 x 4 = 584.00 USD. The cost
 * objective takes it; carbon rises, all of it in the hardware step. */
static void test_move_raises_carbon_embodied(void **state)
{
	const double c5n_cpu[4] = {2.81, 7.49, 16.29, 23.54}, c5n_mem[4] = {2.04, 3.69, 6.48, 9.27};
	const double c6g_cpu[4] = {2.18, 5.97, 14.10, 19.10}, c6g_mem[4] = {3.20, 4.80, 6.40, 9.60};
	scenario s;
	double ratio = SSJ_GRAVITON2 / SSJ_SKYLAKE;
	double u = round(0.3 * 4 / (8 * ratio) * 100 * 1e6) / 1e6 / 100;
	double pa = teads(c5n_cpu, 0.3) + teads(c5n_mem, 0.3) + 5.3, pb_w = teads(c6g_cpu, u) + teads(c6g_mem, u) + 3.8;
	double i = intensity(CS_PROVIDER_AWS, "us-east-1");
	double ea = emb_h(1344.29, 4, 72) * HOURS * 4, eb = emb_h(1155.46, 8, 64) * HOURS * 4;
	(void)state;

	assert_close(pa, 22.275);
	assert_true(fabs(pb_w - 19.8853) < 1e-3);
	scenario_init(&s,
	              "provider,instance,region,count,cpu_percent,hours_per_month,price_per_hour,currency\n"
	              "aws,c5n.xlarge,us-east-1,4,30,730,0.216,USD\n",
	              "provider,instance_type,region,currency,price_per_hour\naws,c6g.2xlarge,*,USD,0.20\n", "c6g",
	              CS_PROVIDER_AWS, "us-east-1");
	s.o.objective = PLAN_OBJ_COST;
	scenario_run(&s);

	const plan_group_result *g = &s.r.groups[0];
	assert_true(is(&g->rec, "c6g.2xlarge", "us-east-1"));
	assert_int_equal(g->rec.count, 4);
	assert_close(g->rec.speed, ratio);
	assert_close(g->rec.cpu, u);
	assert_close(g->current.est.operational_g, op_month(pa, 4, PUE_AWS, i));
	assert_close(g->rec.est.operational_g, op_month(pb_w, 4, PUE_AWS, i));
	assert_close(g->current.est.embodied_g, ea);
	assert_close(g->rec.est.embodied_g, eb);
	assert_true(g->rec.est.operational_g < g->current.est.operational_g);           /* operational falls */
	assert_true(g->rec.key_g > g->current.key_g);                                   /* total rises */
	assert_true(eb - ea > g->current.est.operational_g - g->rec.est.operational_g); /* because of embodied */
	assert_close(g->rec.cost, 584.0);
	assert_close(g->current.cost, 630.72);
	assert_close(g->split.grid_g, 0);
	assert_close(g->split.hardware_g, g->rec.key_g - g->current.key_g);
	assert_close(g->split.rightsizing_g, 0);
	/* both are on the front: now is cleaner, the move cheaper */
	assert_int_equal(g->nfront, 2);

	/* on carbon the same options keep c5n.xlarge */
	s.o.objective = PLAN_OBJ_CARBON;
	scenario_run(&s);
	assert_true(is(&s.r.groups[0].rec, "c5n.xlarge", "us-east-1"));
	assert_int_equal(s.r.groups[0].rec.moves, 0);
	scenario_free(&s);
}

/* 4. An AWS-to-GCP migration of a small mixed fleet, rightsized to <= 60 %,
 * into europe-west1 on the n2 family (Cascade Lake), with the change split
 * into grid, hardware and rightsizing.
 *
 * Throughput per vCPU, Cascade Lake / Skylake = 55,122.81 / 54,229.48 =
 * 1.016473. ccf-use-gcp Cascade Lake: min 0.6902978 W, max 3.7548543 W per
 * vCPU; memory 0.392 W/GB; n2 embodied (coefficients-gcp-embodied-mean):
 * standard 1888.46 kg, highmem 2377.04 kg over 128 platform vCPUs.
 *  m5.large x 4 at 40 % (us-east-1) -> n2-standard-2 (2 vCPU, 8 GB):
 *    work 4 x 0.4 / 1.016473 = 1.574073; ceil(1.574073 / 0.6) = 3 at 52.4691 %
 *  m5.xlarge x 2 at 60 % (eu-west-1) -> n2-standard-4 (4, 16):
 *    work 2 x 0.6 / 1.016473 = 1.180553; ceil(1.9676) = 2 at 59.0277 %
 *  r5.large x 3 at 25 % (eu-west-1) -> n2-highmem-2 (2, 16; fewer vCPUs
 *    than n2-standard-4):
 *    work 3 x 0.25 / 1.016473 = 0.737846; ceil(1.2297) = 2 at 36.8923 %
 * For the first group, by hand:
 *   now: m5.large at 40 %: cpu 3.05 + 4.11 x 0.75 = 6.1325, mem 1.92 + 3.04 x
 *     0.75 = 4.20, + 2.0 = 12.3325 W; x 4
 *   grid: 12.3325 W x 730 / 1000 x 4 x (117.58 x 1.1 - 321.47 x 1.135)
 *   hardware: 4 x n2-standard-2 at 1.574073 / 4 = 39.3518 %:
 *     2 x (0.6903 + 3.0646 x 0.393518) + 8 x 0.392 = 6.9927 W, embodied
 *     1888.46 x 1000 / 35040 x 2/128 = 0.8421 g/h
 *   rightsizing: 4 -> 3 at 52.4691 %.
 * Prices (a price file): n2-standard-2 0.0971, n2-standard-4 0.1942,
 * n2-highmem-2 0.1310 USD/h in europe-west1. */
static double n2_watts(double vcpu, double mem_gb, double u)
{
	const double mn = 0.6902978319127387, mx = 3.754854273784877;
	return vcpu * (mn + (mx - mn) * u) + mem_gb * MEM_W_GB;
}

static void test_aws_to_gcp_migration(void **state)
{
	const double m5l_cpu[4] = {1.21, 3.05, 7.16, 9.96}, m5l_mem[4] = {1.20, 1.92, 4.96, 8.00};
	scenario s;
	const plan_result *r = &s.r;
	double ratio = SSJ_CASCADE / SSJ_SKYLAKE;
	double i_use1 = intensity(CS_PROVIDER_AWS, "us-east-1"), i_ew1 = intensity(CS_PROVIDER_GCP, "europe-west1");
	(void)state;

	scenario_init(&s,
	              "provider,instance,region,count,cpu_percent,hours_per_month,price_per_hour,currency\n"
	              "aws,m5.large,us-east-1,4,40,730,0.096,USD\n"
	              "aws,m5.xlarge,eu-west-1,2,60,730,0.214,USD\n"
	              "aws,r5.large,eu-west-1,3,25,730,0.141,USD\n",
	              "provider,instance_type,region,currency,price_per_hour\n"
	              "gcp,n2-standard-2,europe-west1,USD,0.0971\n"
	              "gcp,n2-standard-4,europe-west1,USD,0.1942\n"
	              "gcp,n2-highmem-2,europe-west1,USD,0.1310\n",
	              "n2", CS_PROVIDER_GCP, "europe-west1");
	s.o.providers = 1u << CS_PROVIDER_GCP;
	s.o.target_cpu = 0.6;
	scenario_run(&s);
	assert_int_equal(r->n, 3);

	/* every group moves to GCP n2 in europe-west1 */
	static const struct {
		const char *inst;
		unsigned count;
		double work;
	} want[3] = {{"n2-standard-2", 3, 4 * 0.4}, {"n2-standard-4", 2, 2 * 0.6}, {"n2-highmem-2", 2, 3 * 0.25}};
	for (int k = 0; k < 3; k++) {
		const plan_option *rec = &r->groups[k].rec;
		assert_true(is(rec, want[k].inst, "europe-west1"));
		assert_int_equal(rec->count, want[k].count);
		assert_close(rec->cpu_percent, round(want[k].work / ratio / want[k].count * 100 * 1e6) / 1e6);
		assert_int_equal(rec->moves & PLAN_MOVE_PROVIDER, PLAN_MOVE_PROVIDER);
		/* the three steps add up to the change */
		const plan_split *sp = &r->groups[k].split;
		assert_close(sp->grid_g + sp->hardware_g + sp->rightsizing_g, rec->key_g - r->groups[k].current.key_g);
	}

	/* the first group by hand */
	const plan_group_result *g = &r->groups[0];
	double p_now = teads(m5l_cpu, 0.4) + teads(m5l_mem, 0.4) + 2.0;
	double e_now = emb_h(1610.79, 2, 96) * HOURS * 4, e_n2 = emb_h(1888.46, 2, 128) * HOURS;
	double u4 = round(1.6 / ratio / 4 * 100 * 1e6) / 1e6 / 100, u3 = round(1.6 / ratio / 3 * 100 * 1e6) / 1e6 / 100;
	double c0 = op_month(p_now, 4, PUE_AWS, i_use1) + e_now;
	double c1 = op_month(p_now, 4, PUE_GCP, i_ew1) + e_now;
	double c2 = op_month(n2_watts(2, 8, u4), 4, PUE_GCP, i_ew1) + 4 * e_n2;
	double c3 = op_month(n2_watts(2, 8, u3), 3, PUE_GCP, i_ew1) + 3 * e_n2;
	assert_close(p_now, 12.3325);
	assert_close(g->current.key_g, c0);
	assert_close(g->rec.key_g, c3);
	assert_close(g->split.grid_g, c1 - c0);
	assert_close(g->split.hardware_g, c2 - c1);
	assert_close(g->split.rightsizing_g, c3 - c2);
	assert_true(g->split.grid_g < 0 && g->split.rightsizing_g < 0);

	/* the fleet: before and after by provider, costs from the inventory and
	 * the price file: 730 x (0.096 x 4 + 0.214 x 2 + 0.141 x 3) = 901.55 ->
	 * 730 x (0.0971 x 3 + 0.1942 x 2 + 0.1310 x 2) = 687.79 USD */
	assert_close(r->cost_before, 730 * (0.096 * 4 + 0.214 * 2 + 0.141 * 3));
	assert_close(r->cost_after, 730 * (0.0971 * 3 + 0.1942 * 2 + 0.1310 * 2));
	assert_int_equal(r->priced_both, 3);
	double sum_before = 0, sum_after = 0, d = 0;
	for (size_t k = 0; k < r->n; k++) {
		sum_before += r->groups[k].current.est.total_g;
		sum_after += r->groups[k].rec.est.total_g;
		d += r->groups[k].rec.key_g - r->groups[k].current.key_g;
	}
	assert_close(r->before.total_g, sum_before);
	assert_close(r->after.total_g, sum_after);
	assert_close(r->split.grid_g + r->split.hardware_g + r->split.rightsizing_g, d);
	/* places: us-east-1 and eu-west-1 before, europe-west1 after */
	assert_int_equal(r->nplaces, 3);
	for (size_t i = 0; i < r->nplaces; i++) {
		const plan_place *p = &r->places[i];
		if (cs_region_provider(p->region) == CS_PROVIDER_GCP) {
			assert_close(p->after.total_g, sum_after);
			assert_int_equal(p->before.groups, 0);
		} else {
			assert_int_equal(p->after.groups, 0);
		}
	}
	scenario_free(&s);
}

/* Unknowns never win: an option whose embodied figure is unknown (while
 * the current type's is known) is not ranked, however clean; one whose
 * throughput ratio is unknown neither; a group whose current type has no
 * embodied figure is ranked on operational carbon. */
static void test_unknowns_never_win(void **state)
{
	scenario s;
	(void)state;

	/* m8i.large: ccf-aws-latest, no platform embodied figure */
	assert_null(cs_instance_embodied_dataset(cs_instance_find(CS_PROVIDER_AWS, "m8i.large")));
	scenario_init(&s,
	              "provider,instance,region,count,cpu_percent,hours_per_month\naws,m5.large,us-east-1,4,30,730\n",
	              NULL, "m8i,m7g", CS_PROVIDER_AWS, NULL);
	scenario_run(&s);
	const plan_group_result *g = &s.r.groups[0];
	assert_int_equal(g->basis, PLAN_BASIS_TOTAL);
	assert_true(g->no_embodied > 0); /* m8i (Granite Rapids: faster, but no embodied figure) */
	assert_true(g->no_perf > 0);     /* m7g: Graviton3 has no SPECpower result */
	/* the recommendation is m5.large somewhere, never an unknown */
	assert_string_equal(cs_instance_name(g->rec.inst), "m5.large");
	assert_int_equal(g->rec.status, PLAN_RANKED);
	for (size_t i = 0; i < g->nfront; i++)
		assert_int_equal(s.r.options[g->front_at + i].status, PLAN_RANKED);
	/* the best of them is reported, with its reason */
	assert_non_null(g->unranked.inst);
	assert_true(g->unranked.key_g < g->rec.key_g);
	assert_true(g->unranked.status == PLAN_NO_EMBODIED || g->unranked.status == PLAN_NO_PERF);
	scenario_free(&s);

	/* current type without embodied: operational basis */
	scenario_init(&s,
	              "provider,instance,region,count,cpu_percent,hours_per_month\naws,m8i.large,us-east-1,1,30,730\n",
	              NULL, NULL, CS_PROVIDER_AWS, NULL);
	scenario_run(&s);
	assert_int_equal(s.r.groups[0].basis, PLAN_BASIS_OPERATIONAL);
	assert_close(s.r.groups[0].current.key_g, s.r.groups[0].current.est.operational_g);
	assert_int_equal(s.r.operational_basis, 1);
	scenario_free(&s);
}

/* --max-slowdown leaves slower options out; a user figure is used when it
 * covers both types, never mixed with SPECpower's. */
static void test_slowdown_and_user_perf(void **state)
{
	scenario s;
	plan_perf perf;
	char why[256];
	const char *file = "microarchitecture,throughput_per_vcpu,source\n"
	                   "Graviton3,1200,our API: requests/s per vCPU\nSkylake,1000,the same test\n";
	(void)state;

	scenario_init(&s,
	              "provider,instance,region,count,cpu_percent,hours_per_month\naws,m5.large,us-east-1,4,30,730\n",
	              NULL, "m6g,m7g", CS_PROVIDER_AWS, NULL);
	s.o.max_slowdown = 0.10; /* Graviton2 is 0.47x Skylake per vCPU: out */
	scenario_run(&s);
	assert_true(s.r.groups[0].too_slow > 0);
	assert_true(s.r.groups[0].no_perf > 0); /* m7g: Graviton3, unknown */
	assert_string_equal(cs_instance_name(s.r.groups[0].rec.inst), "m5.large");

	assert_int_equal(plan_perf_parse(file, strlen(file), "perf.csv", &perf, why, sizeof why), 0);
	s.o.perf = &perf;
	scenario_run(&s);
	/* m7g.large now has a ratio: 1200 / 1000 from the user file */
	assert_int_equal(s.r.groups[0].no_perf, 0);
	assert_string_equal(cs_instance_name(s.r.groups[0].rec.inst), "m7g.large");
	assert_close(s.r.groups[0].rec.speed, 1.2);
	assert_int_equal(s.r.groups[0].rec.speed_src, PLAN_SPEED_USER);
	scenario_free(&s);
	plan_perf_free(&perf);
}

/* Work that does not fit at 100 % on a slower type takes more instances;
 * the count is kept otherwise. */
static void test_fit(void **state)
{
	scenario s;
	(void)state;

	/* 2 x m5.large at 90 %: on m6g.large (Graviton2, 0.470941x) the work is
	 * 2 x 0.9 / 0.470941 = 3.822 instances at 100 %: 4 of them at 95.55 %.
	 * A (test) price makes m6g.large the cost objective's pick. */
	scenario_init(&s,
	              "provider,instance,region,count,cpu_percent,hours_per_month,price_per_hour,currency\n"
	              "aws,m5.large,us-east-1,2,90,730,0.096,USD\n",
	              "provider,instance_type,region,currency,price_per_hour\naws,m6g.large,us-east-1,USD,0.01\n",
	              "m6g", CS_PROVIDER_AWS, NULL);
	s.o.objective = PLAN_OBJ_COST;
	scenario_run(&s);
	const plan_option *m6g = &s.r.groups[0].rec;
	assert_true(is(m6g, "m6g.large", "us-east-1"));
	assert_int_equal(m6g->count, 4);
	assert_close(m6g->cpu_percent, round(2 * 0.9 / (SSJ_GRAVITON2 / SSJ_SKYLAKE) / 4 * 100 * 1e6) / 1e6);
	assert_close(m6g->cost, 0.01 * 730 * 4);
	/* the split: the hardware step already needs the 4 (the work does not
	 * fit on 2), so nothing is left for rightsizing */
	assert_close(s.r.groups[0].split.rightsizing_g, 0);
	scenario_free(&s);
}

/* A group's own price is its cost, even when another group prices the
 * same type and region differently (a discount, another account). */
static void test_group_price(void **state)
{
	scenario s;
	(void)state;

	scenario_init(&s,
	              "provider,instance,region,count,cpu_percent,hours_per_month,price_per_hour,currency\n"
	              "aws,m5.large,us-east-1,2,30,730,0.096,USD\n"
	              "aws,m5.large,us-east-1,3,30,730,0.060,USD\n"
	              "aws,m5.large,us-east-1,1,30,730,,\n",
	              NULL, NULL, CS_PROVIDER_AWS, NULL);
	assert_int_equal(s.pb.conflicts, 1);
	scenario_run(&s);
	assert_close(s.r.groups[0].current.cost, 0.096 * 730 * 2);
	assert_close(s.r.groups[1].current.cost, 0.060 * 730 * 3);
	/* no price of its own: the book's, the first row's */
	assert_close(s.r.groups[2].current.cost, 0.096 * 730 * 1);
	assert_int_equal(s.r.groups[2].current.price_src, PLAN_PRICE_INVENTORY);
	scenario_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_region_move_equal_cost),
	    cmocka_unit_test(test_faster_family_higher_draw),
	    cmocka_unit_test(test_move_raises_carbon_embodied),
	    cmocka_unit_test(test_aws_to_gcp_migration),
	    cmocka_unit_test(test_unknowns_never_win),
	    cmocka_unit_test(test_slowdown_and_user_perf),
	    cmocka_unit_test(test_fit),
	    cmocka_unit_test(test_group_price),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
