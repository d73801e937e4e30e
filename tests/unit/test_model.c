/* Unit tests for model/model.c and the estimate pipeline, against values
 * computed by hand from the source tables (figures quoted in comments). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <carbonstat/carbonstat.h>

#include "data/tables.h" /* rows made by hand: the layout behind cs_instance */

/* Relative tolerance: the issue asks for 0.1 %; we hold ourselves to 1e-9
 * because the tables carry the source figures exactly. */
#define assert_close(a, b) assert_true(fabs((double)(a) - (double)(b)) <= 1e-9 * fmax(1.0, fabs((double)(b))))

/* A hand-made curve instance so the formula tests don't depend on tables
 * (its name and key, offset 0 of the pool, are ""). */
static const cs_instance curve_inst = {
    .provider = CS_PROVIDER_AWS,
    .method = CS_METHOD_CURVE,
    .vcpu = 2,
    .platform_vcpu = 96,
    .mem_gb = 8,
    .cpu_w = {1.21, 3.05, 7.16, 9.96},
    .mem_w = {1.20, 1.92, 4.96, 8.00},
    .gpu_w = {0, 0, 0, 0},
    .delta_w = 2.0,
    .embodied_g_per_h = 1.0,
};

static void test_curve_interp_points(void **state)
{
	(void)state;
	/* Exactly on the Teads points. */
	assert_close(cs_curve_interp(curve_inst.cpu_w, 0.0), 1.21);
	assert_close(cs_curve_interp(curve_inst.cpu_w, 0.1), 3.05);
	assert_close(cs_curve_interp(curve_inst.cpu_w, 0.5), 7.16);
	assert_close(cs_curve_interp(curve_inst.cpu_w, 1.0), 9.96);
	/* Between them: linear. 5 %: 1.21 + (3.05-1.21)*0.5 = 2.13 */
	assert_close(cs_curve_interp(curve_inst.cpu_w, 0.05), 2.13);
	/* 30 %: 3.05 + (7.16-3.05)*0.5 = 5.105 */
	assert_close(cs_curve_interp(curve_inst.cpu_w, 0.3), 5.105);
	/* 75 %: 7.16 + (9.96-7.16)*0.5 = 8.56 */
	assert_close(cs_curve_interp(curve_inst.cpu_w, 0.75), 8.56);
	/* Out of range clamps (callers validate; the curve never extrapolates). */
	assert_close(cs_curve_interp(curve_inst.cpu_w, -1), 1.21);
	assert_close(cs_curve_interp(curve_inst.cpu_w, 2), 9.96);
}

static void test_power_curve(void **state)
{
	cs_power p;
	(void)state;
	assert_int_equal(cs_instance_power(&curve_inst, &(cs_util){0.3, -1, -1}, &p), 0);
	assert_close(p.cpu_w, 5.105);
	assert_close(p.mem_w, 3.44); /* 1.92 + (4.96-1.92)*0.5 */
	assert_close(p.gpu_w, 0);
	assert_close(p.other_w, 2.0);
	assert_close(p.total_w, 10.545);
	assert_int_equal(p.method, CS_METHOD_CURVE);

	/* Memory utilisation given separately. */
	assert_int_equal(cs_instance_power(&curve_inst, &(cs_util){0.3, 0.1, -1}, &p), 0);
	assert_close(p.mem_w, 1.92);
	/* Idle total = Teads "Instance @ Idle" for m5.large (4.4 in the table,
	 * rounded): 1.21 + 1.20 + 0 + 2.0 = 4.41 */
	assert_int_equal(cs_instance_power(&curve_inst, &(cs_util){0, -1, -1}, &p), 0);
	assert_close(p.total_w, 4.41);
}

static void test_power_minmax(void **state)
{
	/* GCP-like: 4 vCPU, 16 GB, min 0.5 W/vCPU, max 2.5 W/vCPU. */
	cs_instance it = {.provider = CS_PROVIDER_GCP,
	                  .method = CS_METHOD_MINMAX,
	                  .vcpu = 4,
	                  .mem_gb = 16,
	                  .mem_rule = CS_MEM_FULL,
	                  .mem_charged_gb = 16,
	                  .vcpu_share = 1,
	                  .min_w_per_vcpu = 0.5,
	                  .max_w_per_vcpu = 2.5};
	cs_power p;
	(void)state;
	assert_int_equal(cs_instance_power(&it, &(cs_util){0.25, -1, -1}, &p), 0);
	/* 4 * (0.5 + 2.0*0.25) = 4.0; memory 16 * 0.392 = 6.272 */
	assert_close(p.cpu_w, 4.0);
	assert_close(p.mem_w, 6.272);
	assert_close(p.total_w, 10.272);
	assert_int_equal(p.method, CS_METHOD_MINMAX);
}

/* GPU power (issue 12): CCF's per-GPU idle/max watts (tools/datagen/
 * gpu-models.csv, from CCF's ComputeProcessorTypes.ts) or a vendor TDP with
 * CCF's A100 idle ratio 46/407, times the GPUs of the type
 * (tools/datagen/gpu-instances.csv or the source's GPU column). */
static void test_gpu_power(void **state)
{
	cs_power p, q;
	cs_util u = {1.0, -1, 1.0};
	const cs_instance *it;
	(void)state;

	/* a2-highgpu-1g: 1 x A100 (gcp-instances.csv "Instance GPUs" 1), CCF
	 * A100 46/407 W. 100 % GPU: 46 + (407 - 46) x 1 = 407 W; 30 %:
	 * 46 + 361 x 0.3 = 154.3 W. */
	it = cs_instance_find(CS_PROVIDER_GCP, "a2-highgpu-1g");
	assert_non_null(it);
	assert_int_equal(cs_instance_gpu_modelled(it), 1);
	assert_string_equal(cs_gpu_name(cs_instance_gpu(it)), "NVIDIA A100");
	assert_int_equal(cs_instance_power(it, &u, &p), 0);
	assert_close(p.gpu_w, 407.0);
	u.gpu = 0.3;
	assert_int_equal(cs_instance_power(it, &u, &p), 0);
	assert_close(p.gpu_w, 154.3);
	/* the GPU load does not move the CPU term */
	u.gpu = 1.0;
	assert_int_equal(cs_instance_power(it, &u, &q), 0);
	assert_close(p.cpu_w, q.cpu_w);

	/* g5.xlarge: 1 x A10G (CCF 18/153) at 50 %: 18 + 135 x 0.5 = 85.5 W. */
	u = (cs_util){0.5, -1, -1};
	it = cs_instance_find(CS_PROVIDER_AWS, "g5.xlarge");
	assert_int_equal(cs_instance_power(it, &u, &p), 0);
	assert_close(p.gpu_w, 85.5);
	assert_int_equal(cs_instance_gpus(it), 1);

	/* p5.48xlarge idle: 8 x H100, vendor TDP 700 W, idle 700 x 46/407 =
	 * 79.115479115 W; 8 x that = 632.923832924 W. */
	u = (cs_util){0.0, -1, -1};
	it = cs_instance_find(CS_PROVIDER_AWS, "p5.48xlarge");
	assert_int_equal(cs_instance_power(it, &u, &p), 0);
	assert_close(p.gpu_w, 8 * 700.0 * 46.0 / 407.0);
	assert_close(p.gpu_w, 632.9238329238329);

	/* g6f.large: an eighth of an L4 (72 W TDP) at 50 %:
	 * 0.125 x (72 x 46/407 + (72 - 72 x 46/407) x 0.5)
	 * = 0.125 x (8.137592138 + 31.931203931) = 5.008599509 W. */
	u = (cs_util){0.5, -1, -1};
	it = cs_instance_find(CS_PROVIDER_AWS, "g6f.large");
	assert_close(cs_instance_gpu_units(it), 0.125);
	assert_int_equal(cs_instance_power(it, &u, &p), 0);
	assert_close(p.gpu_w, 5.008599508599509);

	/* p4de.24xlarge runs on p4d.24xlarge's host and takes its Teads curve:
	 * the same watts at every load (both 3,781.73 W at 50 %). */
	assert_int_equal(cs_instance_power(cs_instance_find(CS_PROVIDER_AWS, "p4de.24xlarge"), &u, &p), 0);
	assert_int_equal(cs_instance_power(cs_instance_find(CS_PROVIDER_AWS, "p4d.24xlarge"), &u, &q), 0);
	assert_close(p.total_w, q.total_w);
	assert_close(p.gpu_w, 2407.2);

	/* No GPU term: no GPU (m5.large), or an accelerator with no figures. */
	assert_int_equal(cs_instance_gpu_modelled(cs_instance_find(CS_PROVIDER_AWS, "m5.large")), 0);
	assert_int_equal(cs_instance_gpu_modelled(cs_instance_find(CS_PROVIDER_AWS, "inf2.xlarge")), 0);
	assert_null(cs_instance_gpu(cs_instance_find(CS_PROVIDER_AWS, "m5.large")));

	/* Azure NC6s_v3: 1 x V100 (azure-instances.csv), CCF 35/306 W, 50 %:
	 * 35 + 271 x 0.5 = 170.5 W. */
	it = cs_instance_find(CS_PROVIDER_AZURE, "Standard_NC6s_v3");
	assert_int_equal(cs_instance_power(it, &u, &p), 0);
	assert_close(p.gpu_w, 170.5);
}

/* Memory rule (issue 12, item 2), CCF calculateGigabyteHours: on AWS and
 * Azure the SPECpower max watts already hold GB/Chip of memory per chip, so
 * only (largest size's GB / chips - GB/Chip) x GB / largest GB is charged at
 * 0.392 W/GB, chips = ceil(largest vCPU / 96); on GCP every GB. */
static void test_memory_rule(void **state)
{
	cs_power p;
	cs_util u = {0.5, -1, -1};
	const cs_instance *it;
	(void)state;

	/* c7a.xlarge (aws-instances-latest-2026.csv: 4 vCPU, 8 GiB, EPYC 4th
	 * Gen); family largest c7a.48xlarge 192 vCPU, 384 GiB -> 2 chips, 192
	 * GB per chip; coefficients-aws-use.csv EPYC 4th Gen GB/Chip
	 * 152.1951219512195. (192 - 152.1951219512195) x 8 / 384
	 * = 0.829268292682927 GB x 0.392 = 0.325073170731707 W (was 8 x 0.392
	 * = 3.136 W). */
	it = cs_instance_find(CS_PROVIDER_AWS, "c7a.xlarge");
	assert_int_equal(cs_instance_mem_rule(it), CS_MEM_ABOVE_BASELINE);
	assert_close(cs_instance_mem_charged_gb(it), 0.829268292682927);
	assert_int_equal(cs_instance_power(it, &u, &p), 0);
	assert_close(p.mem_w, 0.3250731707317073);

	/* Standard_D2s_v3 (azure-instances.csv: 8 GB; platform 64 vCPU, 256 GB;
	 * Haswell/Cascade Lake/Skylake/Broadwell). coefficients-azure-use.csv
	 * GB/Chip mean = (27.310344827586206 + 98.11764705882354 +
	 * 80.43037974683544 + 69.6470588235294) / 4 = 68.87635762876465;
	 * 1 chip: (256 - 68.87635762876465) x 8 / 256 = 5.847613824101105 GB
	 * x 0.392 = 2.292264619047633 W. */
	it = cs_instance_find(CS_PROVIDER_AZURE, "Standard_D2s_v3");
	assert_close(cs_instance_mem_charged_gb(it), 5.847613824101105);
	assert_int_equal(cs_instance_power(it, &u, &p), 0);
	assert_close(p.mem_w, 2.292264619047633);

	/* c7g.xlarge: Graviton3 (EPYC 2nd Gen figures, GB/Chip
	 * 129.77777777777777); c7g.16xlarge 64 vCPU, 128 GiB: 1 chip, 128 GB
	 * < 129.78 -> nothing above the baseline, 0 W. */
	it = cs_instance_find(CS_PROVIDER_AWS, "c7g.xlarge");
	assert_int_equal(cs_instance_power(it, &u, &p), 0);
	assert_close(p.mem_w, 0.0);

	/* GCP e2-standard-2: every GB, 8 x 0.392 = 3.136 W. */
	it = cs_instance_find(CS_PROVIDER_GCP, "e2-standard-2");
	assert_int_equal(cs_instance_mem_rule(it), CS_MEM_FULL);
	assert_int_equal(cs_instance_power(it, &u, &p), 0);
	assert_close(p.mem_w, 3.136);

	/* Teads types keep their memory curve. */
	assert_int_equal(cs_instance_mem_rule(cs_instance_find(CS_PROVIDER_AWS, "m5.large")), CS_MEM_CURVE);
}

/* Median and shared-core rules (issue 12, item 3). */
static void test_median_and_shared_core(void **state)
{
	cs_power p;
	cs_util u = {0.5, -1, -1};
	const cs_instance *it;
	(void)state;

	/* n1-standard-4 (gcp-instances.csv: 4 vCPU on Skylake, Broadwell,
	 * Haswell, Ivy Bridge, Sandy Bridge). coefficients-gcp-use.csv has no
	 * Haswell/Ivy/Sandy row: each counts as the file mean of its 9 rows,
	 * min 0.7002499152328109, max 3.189850730386766. The group holds Sandy
	 * and Ivy Bridge, so CCF's getWattsByAverageOrMedian takes the median:
	 * min median(0.61299, 0.71283, 0.70025 x3) = 0.7002499152328109,
	 * max median(3.86795, 3.38575, 3.18985 x3) = 3.189850730386766;
	 * 4 x (0.70025 + (3.18985 - 0.70025) x 0.5) = 7.780201291239154 W
	 * (the mean gave 8.099927298587357 W). */
	it = cs_instance_find(CS_PROVIDER_GCP, "n1-standard-4");
	assert_int_equal(cs_instance_power(it, &u, &p), 0);
	assert_close(p.cpu_w, 7.780201291239154);

	/* e2-micro: 2 listed vCPU, 0.25 vCPU sustained (share 0.125).
	 * Mean over Skylake, Broadwell, Haswell (file mean), EPYC 2nd Gen:
	 * min 0.6250837866283979, max 3.0046953187174; CPU at 50 %:
	 * 2 x 0.125 x (min + (max - min) x 0.5) = 0.4537208250621405 W.
	 * Embodied: coefficients-gcp-embodied-mean.csv 1230.46 kg x 1000 /
	 * 35,040 h x 2/32 x 0.125 = 0.2743427154680365 g/h (e2-standard-2,
	 * 2 full vCPU: 2.194741723744292 g/h). Memory is not scaled. */
	it = cs_instance_find(CS_PROVIDER_GCP, "e2-micro");
	assert_close(cs_instance_vcpu_share(it), 0.125);
	assert_int_equal(cs_instance_power(it, &u, &p), 0);
	assert_close(p.cpu_w, 0.4537208250621405);
	assert_close(p.mem_w, 1 * 0.392);
	assert_close(cs_instance_embodied_g_per_h(it), 0.2743427154680365);
	assert_close(cs_instance_vcpu_share(cs_instance_find(CS_PROVIDER_GCP, "e2-standard-2")), 1.0);
}

static void test_power_rejects_bad_util(void **state)
{
	cs_power p;
	(void)state;
	assert_int_equal(cs_instance_power(&curve_inst, &(cs_util){1.01, -1, -1}, &p), CS_EINVAL);
	assert_int_equal(cs_instance_power(&curve_inst, &(cs_util){NAN, -1, -1}, &p), CS_EINVAL);
	assert_int_equal(cs_instance_power(&curve_inst, &(cs_util){0.5, 2, -1}, &p), CS_EINVAL);
	cs_instance none = curve_inst;
	none.method = CS_METHOD_NONE;
	assert_int_equal(cs_instance_power(&none, &(cs_util){0.5, -1, -1}, &p), CS_ENODATA);
}

static void test_energy_carbon_helpers(void **state)
{
	(void)state;
	/* 10.545 W for 730 h = 7.69785 kWh; x PUE 1.135 = 8.73705975 */
	assert_close(cs_energy_kwh(10.545, 730 * 3600.0, 1.135, 1), 8.73705975);
	assert_close(cs_energy_kwh(10.545, 730 * 3600.0, 1.135, 3), 3 * 8.73705975);
	assert_close(cs_operational_g(2.0, 316), 632.0);
	assert_close(cs_embodied_g(0.5, 7200, 4), 4.0);
	assert_close(cs_embodied_g(-1, 7200, 4), 0.0);
	assert_close(cs_pue_default(CS_PROVIDER_AWS), 1.135);
	assert_close(cs_pue_default(CS_PROVIDER_GCP), 1.1);
	assert_close(cs_pue_default(CS_PROVIDER_AZURE), 1.185);
}

/* End to end on the built-in tables, hand-computed from
 * cloud-carbon-footprint/aws-instances.csv (m5.large: Pkg 1.21/3.05/7.16/9.96,
 * RAM 1.20/1.92/4.96/8.00, delta 2.0, 2 of 96 vCPU), coefficients-aws-embodied
 * (m5.large total 1610.79 kg) and grid-emissions-factors-aws (eu-west-1
 * 0.000316 t/kWh, the ccf grid series; the default is Ember's Ireland 2024,
 * 279.7). */
static void test_estimate_m5_large(void **state)
{
	cs_estimate_req req;
	cs_estimate e;
	(void)state;
	cs_estimate_req_init(&req);
	req.provider = CS_PROVIDER_AWS;
	req.instance = "M5.Large";
	req.region = "eu-west-1";
	req.cpu = 0.3;
	req.duration_s = 730 * 3600.0;
	assert_int_equal(cs_estimate_run(&req, &e), 0);
	assert_close(e.intensity_g_per_kwh, 279.7);
	assert_string_equal(cs_dataset_id(e.prov.intensity), "ember-country");
	req.grid_series = CS_GRID_CCF;
	assert_int_equal(cs_estimate_run(&req, &e), 0);
	assert_string_equal(cs_instance_name(e.instance), "m5.large");
	assert_close(e.power.total_w, 10.545);
	assert_close(e.pue, 1.135);
	assert_close(e.energy_kwh, 8.73705975);
	assert_close(e.intensity_g_per_kwh, 316.0);
	assert_close(e.operational_g, 8.73705975 * 316.0);
	/* 1610.79 kg * 1000 / (4 * 8760 h) * 2/96 = 0.9577107 g/h; x 730 h */
	double emb_h = 1610.79 * 1000.0 / (4 * 8760.0) * 2.0 / 96.0;
	assert_true(fabs(e.embodied_g - emb_h * 730) <= 1e-6 * emb_h * 730);
	assert_close(e.total_g, e.operational_g + e.embodied_g);
	assert_int_equal(e.prov.method, CS_METHOD_CURVE);
	assert_non_null(e.prov.power);
	assert_non_null(e.prov.intensity);
	assert_non_null(e.prov.embodied);
	assert_non_null(e.country);
	assert_string_equal(cs_country_iso2(e.country), "IE");

	/* count and PUE override scale linearly. */
	req.count = 4;
	req.pue = 1.5;
	assert_int_equal(cs_estimate_run(&req, &e), 0);
	assert_close(e.energy_kwh, 10.545 * 730 / 1000.0 * 1.5 * 4);
	assert_int_equal(e.prov.pue_overridden, 1);
}

/* Ember 2024: Germany 344.14 gCO2e/kWh, France 44.18. */
static void test_estimate_country(void **state)
{
	cs_estimate_req req;
	cs_estimate e;
	(void)state;
	cs_estimate_req_init(&req);
	req.instance = "m5.large"; /* provider found from the type */
	req.country = "DEU";
	req.cpu = 0.5;
	assert_int_equal(cs_estimate_run(&req, &e), 0);
	assert_close(e.intensity_g_per_kwh, 344.14);
	assert_string_equal(cs_country_iso2(e.country), "DE");
	assert_int_equal(e.prov.intensity_year, 2024);
	/* 50 %: 7.16 + 4.96 + 2.0 = 14.12 W for 1 h */
	assert_close(e.energy_kwh, 14.12 / 1000.0 * 1.135);
	req.country = "france";
	assert_int_equal(cs_estimate_run(&req, &e), 0);
	assert_close(e.intensity_g_per_kwh, 44.18);
}

static void test_estimate_errors(void **state)
{
	cs_estimate_req req;
	cs_estimate e;
	(void)state;
	cs_estimate_req_init(&req);
	req.provider = CS_PROVIDER_AWS;
	req.instance = "m5.larg";
	req.region = "eu-west-1";
	assert_int_equal(cs_estimate_run(&req, &e), CS_ENOTFOUND);
	req.instance = "m5.large";
	req.region = "eu-west-9";
	assert_int_equal(cs_estimate_run(&req, &e), CS_ENOTFOUND);
	req.region = NULL;
	assert_int_equal(cs_estimate_run(&req, &e), CS_EINVAL); /* no location */
	req.region = "eu-west-1";
	req.duration_s = 0;
	assert_int_equal(cs_estimate_run(&req, &e), CS_EINVAL);
	req.duration_s = 3600;
	req.count = 0;
	assert_int_equal(cs_estimate_run(&req, &e), CS_EINVAL);
	req.count = 1;
	req.pue = 0.5;
	assert_int_equal(cs_estimate_run(&req, &e), CS_ERANGE);
	req.pue = 0;
	req.cpu = 1.5;
	assert_int_equal(cs_estimate_run(&req, &e), CS_EINVAL);
}

static void test_intensity_override(void **state)
{
	cs_estimate_req req;
	cs_estimate e;
	(void)state;
	cs_estimate_req_init(&req);
	req.instance = "m5.large";
	req.intensity_override = 100;
	assert_int_equal(cs_estimate_run(&req, &e), 0);
	assert_close(e.intensity_g_per_kwh, 100);
	assert_null(e.prov.intensity);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_curve_interp_points),
	    cmocka_unit_test(test_power_curve),
	    cmocka_unit_test(test_power_minmax),
	    cmocka_unit_test(test_gpu_power),
	    cmocka_unit_test(test_memory_rule),
	    cmocka_unit_test(test_median_and_shared_core),
	    cmocka_unit_test(test_power_rejects_bad_util),
	    cmocka_unit_test(test_energy_carbon_helpers),
	    cmocka_unit_test(test_estimate_m5_large),
	    cmocka_unit_test(test_estimate_country),
	    cmocka_unit_test(test_estimate_errors),
	    cmocka_unit_test(test_intensity_override),
	};
	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
