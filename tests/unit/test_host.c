/* Unit tests for platform/host.c: the sensor policy (first CPU counter wins,
 * GPUs always added, the model only when no CPU counter is usable), the
 * aggregation (host total = sum of in_total channels, per component,
 * cumulative), the fallback notice, the carbon choice, and the
 * /proc/<pid>/stat parser.
 *
 * Real sensors run on copies of the powercap/hwmon fixture trees (so the
 * counters can be advanced between samples, as the kernel does) with the
 * procfs fixtures of other modules; EACCES is injected through a cs_io_ops
 * double, as on kernels with the CVE-2020-8694 fix when not root. A scripted
 * fake registry checks the policy and the arithmetic exactly. Cloud
 * detection is always off (no_detect): these tests never touch the network.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "carbonstat/meter.h"
#include "carbon/carbon.h"
#include "platform/host.h"
#include "sensors/registry.h"

#include "fixture.h"

#define EPS 1e-9

/* ---- per-test state --------------------------------------------------------------- */

typedef struct fx {
	char root[64];       /* mkdtemp copy of a fixture */
	char sys[PATH_MAX];  /* root/sys */
	char proc[PATH_MAX]; /* a procfs fixture (read-only, not copied) */
	cs_host_opts o;
	cs_host h;
	bool inited;
	char why[512];
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);

	if (!f)
		return -1;
	tf_io_reset();
	if (tf_mkdtemp(f->root, sizeof f->root, "host") != 0) {
		free(f);
		return -1;
	}
	tf_snprintf(f->proc, sizeof f->proc, "%s/proc-vm", CS_FIXTURES_DIR);
	cs_host_opts_init(&f->o);
	f->o.no_detect = true;
	f->o.procfs_root = f->proc;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	if (f->inited)
		cs_host_destroy(&f->h);
	tf_rm_tree(f->root);
	free(f);
	return 0;
}

/* Copy tests/fixtures/<name>/sys into the temp root and point sysfs at it. */
static void use_fixture(fx *f, const char *name)
{
	char src[PATH_MAX];

	tf_snprintf(src, sizeof src, "%s/%s/sys", CS_FIXTURES_DIR, name);
	tf_snprintf(f->sys, sizeof f->sys, "%s/sys", f->root);
	assert_int_equal(tf_copy_tree(src, f->sys), 0);
	f->o.sysfs_root = f->sys;
}

static void init_ok(fx *f)
{
	int rc = cs_host_init(&f->h, &f->o, f->why, sizeof f->why);

	if (rc)
		fail_msg("cs_host_init: %s (%s)", cs_strerror(rc), f->why);
	f->inited = true;
}

/* Add delta_uj to a powercap zone's counter, as the hardware would. */
static void bump(fx *f, const char *zone, uint64_t delta_uj)
{
	char path[PATH_MAX];
	unsigned long long v;
	FILE *fp;

	tf_snprintf(path, sizeof path, "%s/class/powercap/%s/energy_uj", f->sys, zone);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%llu", &v), 1);
	fclose(fp);
	tf_write_u64(NULL, path, v + delta_uj);
}

static const cs_host_probe *probe(const cs_host *h, const char *name)
{
	for (size_t i = 0; i < h->nprobes; i++)
		if (!strcmp(h->probes[i].ops->name, name))
			return &h->probes[i];
	fail_msg("no probe %s", name);
	return NULL;
}

/* The invariant every host keeps: total = sum of the in_total channels of
 * the used sensors, and each component = sum of its channels. */
static void check_sums(const cs_host *h)
{
	double total = 0, comp[CS_COMP_COUNT] = {0};

	for (size_t i = 0; i < h->nprobes; i++) {
		const cs_host_probe *p = &h->probes[i];

		if (!p->used)
			continue;
		for (size_t k = 0; k < p->sensor->nchannels; k++) {
			const cs_channel *ch = &p->sensor->channels[k];

			comp[ch->comp] += ch->energy_j;
			if (ch->in_total)
				total += ch->energy_j;
		}
	}
	assert_true(fabs(h->sum.energy_j - total) < 1e-6);
	for (int c = 0; c < CS_COMP_COUNT; c++)
		assert_true(fabs(h->sum.comp[c].energy_j - comp[c]) < 1e-6);
}

/* ---- real sensors on fixtures ----------------------------------------------------- */

static void test_intel_2s_rapl_total(void **state)
{
	fx *f = *state;

	use_fixture(f, "intel-2s");
	init_ok(f);
	assert_true(probe(&f->h, "rapl")->used);
	assert_string_equal(cs_host_probe_state(probe(&f->h, "amd_energy")), "absent");
	assert_false(probe(&f->h, "model")->probed); /* not needed */
	assert_string_equal(cs_host_probe_state(probe(&f->h, "model")), "not probed");
	assert_string_equal(f->h.sources_str, "rapl");
	assert_string_equal(f->h.notice, "");

	assert_int_equal(cs_host_sample_at(&f->h, 100.0), 0); /* prime */
	assert_true(f->h.sum.energy_j == 0.0);
	bump(f, "intel-rapl:0", 10000000);  /* package-0 10 J */
	bump(f, "intel-rapl:1", 20000000);  /* package-1 20 J */
	bump(f, "intel-rapl:0:0", 3000000); /* dram 3 J */
	bump(f, "intel-rapl:1:0", 4000000); /* dram 4 J */
	assert_int_equal(cs_host_sample_at(&f->h, 102.0), 0);
	assert_true(fabs(f->h.sum.energy_j - 37.0) < EPS);
	assert_true(fabs(f->h.sum.power_w - 18.5) < EPS);
	assert_true(fabs(f->h.sum.comp[CS_COMP_PACKAGE].energy_j - 30.0) < EPS);
	assert_true(fabs(f->h.sum.comp[CS_COMP_DRAM].energy_j - 7.0) < EPS);
	assert_true(fabs(f->h.sum.cpu_energy_j - 30.0) < EPS); /* dram is not CPU-side */
	assert_int_equal(f->h.sum.comp[CS_COMP_PACKAGE].nchannels, 2);
	assert_true(f->h.sum.measured);
	assert_false(f->h.sum.modelled);
	check_sums(&f->h);

	bump(f, "intel-rapl:0", 5000000);
	assert_int_equal(cs_host_sample_at(&f->h, 103.0), 0);
	assert_true(fabs(f->h.sum.energy_j - 5.0) < EPS);
	assert_true(fabs(f->h.sum.total_j - 42.0) < EPS);
	assert_true(fabs(f->h.sum.comp[CS_COMP_PACKAGE].total_j - 35.0) < EPS);
	assert_true(fabs(f->h.sum.elapsed_s - 3.0) < EPS);
	assert_int_equal(f->h.sum.samples, 3);
}

static void test_laptop_psys_is_the_total(void **state)
{
	fx *f = *state;

	use_fixture(f, "intel-laptop");
	init_ok(f);
	assert_true(probe(&f->h, "rapl")->used);
	assert_int_equal(cs_host_sample_at(&f->h, 1.0), 0);
	bump(f, "intel-rapl:1", 25000000);  /* psys 25 J */
	bump(f, "intel-rapl:0", 15000000);  /* package 15 J, inside psys */
	bump(f, "intel-rapl:0:0", 8000000); /* core, inside package */
	bump(f, "intel-rapl:0:1", 2000000); /* uncore, inside package */
	assert_int_equal(cs_host_sample_at(&f->h, 2.0), 0);
	assert_true(fabs(f->h.sum.energy_j - 25.0) < EPS);
	assert_true(f->h.sum.comp[CS_COMP_PSYS].in_total);
	assert_false(f->h.sum.comp[CS_COMP_PACKAGE].in_total);
	assert_false(f->h.sum.comp[CS_COMP_CORE].in_total);
	assert_true(fabs(f->h.sum.comp[CS_COMP_PACKAGE].energy_j - 15.0) < EPS);
	assert_true(fabs(f->h.sum.comp[CS_COMP_CORE].energy_j - 8.0) < EPS);
	assert_true(fabs(f->h.sum.cpu_energy_j - 25.0) < EPS);
	check_sums(&f->h);
}

static void test_amd_powercap_cores_not_added(void **state)
{
	fx *f = *state;

	use_fixture(f, "amd-powercap");
	tf_snprintf(f->proc, sizeof f->proc, "%s/proc-amd", CS_FIXTURES_DIR);
	init_ok(f);
	assert_int_equal(cs_host_sample_at(&f->h, 1.0), 0);
	bump(f, "intel-rapl:0", 11000000);
	bump(f, "intel-rapl:1", 12000000);
	bump(f, "intel-rapl:0:0", 5000000);
	bump(f, "intel-rapl:1:0", 6000000);
	assert_int_equal(cs_host_sample_at(&f->h, 2.0), 0);
	assert_true(fabs(f->h.sum.energy_j - 23.0) < EPS);
	assert_true(fabs(f->h.sum.comp[CS_COMP_CORE].energy_j - 11.0) < EPS);
	check_sums(&f->h);
}

/* powercap and the amd_energy hwmon driver on one host: only the first. */
static void test_rapl_and_amd_energy_not_both(void **state)
{
	fx *f = *state;
	char src[PATH_MAX], dst[PATH_MAX];

	use_fixture(f, "amd-powercap");
	/* Graft the amd_energy hwmon device of its own fixture in as hwmon7. */
	tf_snprintf(src, sizeof src, "%s/amd-energy-hwmon/sys/devices/platform/amd_energy.0", CS_FIXTURES_DIR);
	tf_snprintf(dst, sizeof dst, "%s/devices", f->sys);
	mkdir(dst, 0755);
	tf_snprintf(dst, sizeof dst, "%s/devices/platform", f->sys);
	mkdir(dst, 0755);
	tf_snprintf(dst, sizeof dst, "%s/devices/platform/amd_energy.0", f->sys);
	assert_int_equal(tf_copy_tree(src, dst), 0);
	tf_snprintf(dst, sizeof dst, "%s/class/hwmon/hwmon7", f->sys);
	assert_int_equal(symlink("../../devices/platform/amd_energy.0/hwmon/hwmon1", dst), 0);
	init_ok(f);
	assert_true(probe(&f->h, "rapl")->used);
	assert_false(probe(&f->h, "amd_energy")->used);
	assert_int_equal(probe(&f->h, "amd_energy")->status, 0);
	assert_non_null(strstr(probe(&f->h, "amd_energy")->why, "twice"));
	assert_null(probe(&f->h, "amd_energy")->sensor); /* closed without keep_all */
	assert_string_equal(f->h.sources_str, "rapl");
}

static void test_amd_energy_alone(void **state)
{
	fx *f = *state;

	use_fixture(f, "amd-energy-hwmon");
	tf_snprintf(f->proc, sizeof f->proc, "%s/proc-amd", CS_FIXTURES_DIR);
	init_ok(f);
	assert_string_equal(cs_host_probe_state(probe(&f->h, "rapl")), "absent");
	assert_true(probe(&f->h, "amd_energy")->used);
	assert_true(f->h.sum.measured);
	assert_int_equal(cs_host_sample_at(&f->h, 1.0), 0);
	assert_int_equal(cs_host_sample_at(&f->h, 2.0), 0);
	check_sums(&f->h);
}

/* RAPL present but root-only: the model takes over and the notice says why
 * and how to fix it. */
static void test_rapl_eacces_falls_back_to_model(void **state)
{
	fx *f = *state;
	const cs_host_probe *rapl;

	use_fixture(f, "intel-2s");
	tf_io_fail_open("energy_uj", -EACCES);
	f->o.io_ops = &tf_io_ops;
	init_ok(f);
	assert_true(tf_io_state_get()->failed_opens > 0);
	rapl = probe(&f->h, "rapl");
	assert_false(rapl->used);
	assert_int_equal(rapl->status, -EACCES);
	assert_string_equal(cs_host_probe_state(rapl), "unusable");
	assert_non_null(strstr(rapl->why, "CAP_DAC_READ_SEARCH"));
	assert_true(probe(&f->h, "model")->used);
	assert_non_null(strstr(f->h.notice, "rapl present but unusable"));
	assert_non_null(strstr(f->h.notice, "using model:"));
	assert_int_equal(strncmp(f->h.sources_str, "model:", 6), 0);
	assert_false(f->h.sum.measured);
	assert_true(f->h.sum.modelled);
	assert_true(f->h.sum.comp[CS_COMP_CPU].nchannels == 1);

	assert_int_equal(cs_host_sample_at(&f->h, 10.0), 0);
	assert_int_equal(cs_host_sample_at(&f->h, 12.0), 0);
	assert_true(f->h.sum.energy_j > 0);
	assert_true(fabs(f->h.sum.power_w * 2.0 - f->h.sum.energy_j) < 1e-6);
	assert_true(f->h.sum.cpu_energy_j > 0);
	check_sums(&f->h);
}

/* A VM: no powercap at all. */
static void test_no_powercap_uses_model(void **state)
{
	fx *f = *state;

	use_fixture(f, "vm-noperm");
	init_ok(f);
	assert_string_equal(cs_host_probe_state(probe(&f->h, "rapl")), "absent");
	assert_true(probe(&f->h, "model")->used);
	assert_non_null(strstr(f->h.notice, "no CPU energy counter"));
	assert_non_null(strstr(f->h.notice, "rapl"));
	/* proc-vm is a Xeon Platinum 8375C VM (family 6 model 106): under a
	 * hypervisor its microarchitecture wins over its TDP row, with AWS's
	 * coefficient file while the provider is unknown */
	assert_string_equal(f->h.model.source, "model:ccf-microarch");
	assert_string_equal(f->h.sources_str, "model:ccf-microarch");
	assert_non_null(strstr(f->h.notice, "Intel Ice Lake-SP, family 6 model 106: CCF Ice Lake"));
	assert_non_null(strstr(f->h.notice, "(ccf-use-aws 2026; provider unknown: AWS file)"));
}

/* The configured provider picks the coefficient file (and its memory rule). */
static void test_model_provider_picks_file(void **state)
{
	fx *f = *state;

	use_fixture(f, "vm-noperm");
	f->o.provider = CS_PROVIDER_GCP;
	init_ok(f);
	assert_string_equal(f->h.model.source, "model:ccf-microarch");
	assert_string_equal(cs_dataset_id(f->h.model.coef_dataset), "ccf-use-gcp");
	assert_string_equal(f->h.model.mem_rule, "ccf-all-gb");
	assert_non_null(strstr(f->h.notice, "(ccf-use-gcp 2026)"));
}

/* keep_all (what `carbonstat sensors` uses): the model is opened too, but
 * only the counters are sampled. */
static void test_keep_all_keeps_model_unused(void **state)
{
	fx *f = *state;
	const cs_host_probe *m;

	use_fixture(f, "intel-2s");
	f->o.keep_all = true;
	init_ok(f);
	m = probe(&f->h, "model");
	assert_true(m->probed);
	assert_int_equal(m->status, 0);
	assert_false(m->used);
	assert_non_null(m->sensor);
	assert_string_equal(cs_host_probe_state(m), "not used");
	assert_string_equal(f->h.sources_str, "rapl");
}

/* ---- scripted registry: policy and arithmetic --------------------------------------- */

typedef struct fake_sensor {
	cs_sensor base;
	cs_channel ch[3];
	const double *joules; /* per channel, per read */
} fake_sensor;

/* Scripted behaviour per fake name (test-only state). */
static struct {
	int rapl_rc, amd_rc, nvml_rc;
	unsigned destroyed;
} fk;

static const double rapl_j[] = {10.0, 4.0, 2.0}; /* package, core (inside), dram */
static const double amd_j[] = {99.0};
static const double gpu_j[] = {5.0};

static int fake_read(cs_sensor *s, double now_s, double dt_s)
{
	fake_sensor *f = (fake_sensor *)s;

	(void)now_s;
	for (size_t i = 0; i < s->nchannels; i++) {
		f->ch[i].energy_j = dt_s > 0 ? f->joules[i] : 0.0;
		f->ch[i].power_w = dt_s > 0 ? f->joules[i] / dt_s : 0.0;
		f->ch[i].status = 0;
	}
	return 0;
}

static void fake_destroy(cs_sensor *s)
{
	fk.destroyed++;
	free(s);
}

static void add_ch(fake_sensor *f, const char *name, cs_component c, const char *src, bool in_total)
{
	cs_channel *ch = &f->ch[f->base.nchannels++];

	snprintf(ch->name, sizeof ch->name, "%s", name);
	ch->comp = c;
	ch->source = src;
	ch->in_total = in_total;
	ch->measured = true;
}

static int fake_rapl_init(const cs_sensor_env *env, cs_sensor **out, char *why, size_t cap);
static int fake_amd_init(const cs_sensor_env *env, cs_sensor **out, char *why, size_t cap);
static int fake_nvml_init(const cs_sensor_env *env, cs_sensor **out, char *why, size_t cap);

static const cs_sensor_ops fake_rapl = {"rapl", fake_rapl_init, fake_read, fake_destroy};
static const cs_sensor_ops fake_amd = {"amd_energy", fake_amd_init, fake_read, fake_destroy};
static const cs_sensor_ops fake_nvml = {"nvml", fake_nvml_init, fake_read, fake_destroy};

static fake_sensor *fake_new(const cs_sensor_ops *ops, const double *j)
{
	fake_sensor *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->base.ops = ops;
	f->base.channels = f->ch;
	f->joules = j;
	return f;
}

static int fake_rapl_init(const cs_sensor_env *env, cs_sensor **out, char *why, size_t cap)
{
	fake_sensor *f;

	(void)env;
	if (fk.rapl_rc) {
		snprintf(why, cap, "fake rapl: denied");
		return fk.rapl_rc;
	}
	f = fake_new(&fake_rapl, rapl_j);
	add_ch(f, "package-0", CS_COMP_PACKAGE, "rapl", true);
	add_ch(f, "core-0", CS_COMP_CORE, "rapl", false);
	add_ch(f, "dram-0", CS_COMP_DRAM, "rapl", true);
	*out = &f->base;
	return 0;
}

static int fake_amd_init(const cs_sensor_env *env, cs_sensor **out, char *why, size_t cap)
{
	fake_sensor *f;

	(void)env;
	if (fk.amd_rc) {
		snprintf(why, cap, "fake amd_energy: absent");
		return fk.amd_rc;
	}
	f = fake_new(&fake_amd, amd_j);
	add_ch(f, "socket-0", CS_COMP_PACKAGE, "amd_energy", true);
	*out = &f->base;
	return 0;
}

static int fake_nvml_init(const cs_sensor_env *env, cs_sensor **out, char *why, size_t cap)
{
	fake_sensor *f;

	(void)env;
	if (fk.nvml_rc) {
		snprintf(why, cap, "fake nvml: absent");
		return fk.nvml_rc;
	}
	f = fake_new(&fake_nvml, gpu_j);
	add_ch(f, "gpu-0", CS_COMP_GPU, "nvml", true);
	*out = &f->base;
	return 0;
}

static const cs_sensor_ops *const fake_registry[] = {&fake_rapl, &fake_amd, &fake_nvml, &cs_model_ops};

static void use_fakes(fx *f)
{
	memset(&fk, 0, sizeof fk);
	use_fixture(f, "vm-noperm");
	f->o.registry = fake_registry;
	f->o.registry_len = sizeof fake_registry / sizeof fake_registry[0];
}

static void test_policy_first_cpu_wins_gpu_added(void **state)
{
	fx *f = *state;

	use_fakes(f);
	init_ok(f);
	assert_true(probe(&f->h, "rapl")->used);
	assert_false(probe(&f->h, "amd_energy")->used);
	assert_int_equal(fk.destroyed, 1); /* amd_energy closed at once */
	assert_true(probe(&f->h, "nvml")->used);
	assert_false(probe(&f->h, "model")->used);
	assert_string_equal(f->h.sources_str, "rapl+nvml");
	assert_int_equal(f->h.nsources, 2);

	assert_int_equal(cs_host_sample_at(&f->h, 0.0), 0);
	assert_int_equal(cs_host_sample_at(&f->h, 0.5), 0);
	/* package 10 + dram 2 + gpu 5; core 4 is inside the package */
	assert_true(fabs(f->h.sum.energy_j - 17.0) < EPS);
	assert_true(fabs(f->h.sum.power_w - 34.0) < EPS);
	assert_true(fabs(f->h.sum.comp[CS_COMP_CORE].energy_j - 4.0) < EPS);
	assert_true(fabs(f->h.sum.comp[CS_COMP_GPU].energy_j - 5.0) < EPS);
	assert_true(fabs(f->h.sum.cpu_energy_j - 10.0) < EPS);
	assert_true(f->h.sum.measured);
	check_sums(&f->h);
	cs_host_destroy(&f->h);
	f->inited = false;
	assert_int_equal(fk.destroyed, 3);
}

static void test_policy_cpu_unusable_model_plus_gpu(void **state)
{
	fx *f = *state;

	use_fakes(f);
	fk.rapl_rc = -EACCES;
	fk.amd_rc = CS_EUNAVAIL;
	init_ok(f);
	assert_false(probe(&f->h, "rapl")->used);
	assert_true(probe(&f->h, "nvml")->used);
	assert_true(probe(&f->h, "model")->used);
	assert_true(f->h.model.gpu_measured);
	assert_non_null(strstr(f->h.notice, "rapl present but unusable: fake rapl: denied"));
	assert_non_null(strstr(f->h.sources_str, "nvml"));
	assert_non_null(strstr(f->h.sources_str, "model:"));
	/* measured GPU + modelled CPU: not "measured" */
	assert_false(f->h.sum.measured);
	assert_true(f->h.sum.modelled);
	assert_int_equal(cs_host_sample_at(&f->h, 0.0), 0);
	assert_int_equal(cs_host_sample_at(&f->h, 1.0), 0);
	assert_true(f->h.sum.energy_j > 5.0);
	check_sums(&f->h);
}

static void test_no_source_at_all(void **state)
{
	fx *f = *state;
	static const cs_sensor_ops *const only_rapl[] = {&fake_rapl};
	int rc;

	use_fakes(f);
	fk.rapl_rc = CS_EUNAVAIL;
	f->o.registry = only_rapl;
	f->o.registry_len = 1;
	rc = cs_host_init(&f->h, &f->o, f->why, sizeof f->why);
	assert_int_equal(rc, CS_EUNAVAIL);
	assert_non_null(strstr(f->why, "no energy source"));
	cs_host_destroy(&f->h); /* safe after a failed init */
}

/* ---- carbon -------------------------------------------------------------------------- */

/* Where the host is (platform) and what carbon makes of it (carbon/carbon.c). */
static void test_carbon_country(void **state)
{
	fx *f = *state;
	const cs_country *de = cs_country_find("DE");
	cs_carbon c;

	assert_non_null(de);
	use_fixture(f, "vm-noperm");
	f->o.country = "DEU";
	init_ok(f);
	assert_ptr_equal(f->h.site.country, de);
	assert_null(f->h.site.region);
	cs_carbon_resolve(&f->h.site, &c);
	assert_string_equal(c.location_kind, "country");
	assert_string_equal(c.location_from, "option");
	assert_string_equal(c.location, "DE");
	assert_true(fabs(c.intensity_g_per_kwh - cs_country_intensity_g_per_kwh(de)) < EPS);
	assert_true(fabs(c.pue - 1.0) < EPS);
	/* 1 kWh at PUE 1 = intensity grams */
	assert_true(fabs(cs_carbon_operational_g(3.6e12, c.intensity_g_per_kwh, c.pue) -
	                 cs_country_intensity_g_per_kwh(de)) < 1e-6);
	assert_true(c.embodied_g_per_h < 0);
	assert_non_null(strstr(c.why, "no embodied"));
	assert_true(cs_carbon_embodied_g(c.embodied_g_per_h, 3600) == 0.0);
}

static void test_carbon_region_instance_embodied(void **state)
{
	fx *f = *state;
	const cs_region *r = cs_region_find(CS_PROVIDER_AWS, "eu-west-1");
	const cs_instance *it = cs_instance_find(CS_PROVIDER_AWS, "m5.large");
	cs_carbon c;

	assert_non_null(r);
	assert_non_null(it);
	use_fixture(f, "vm-noperm");
	f->o.provider = CS_PROVIDER_AWS;
	f->o.region = "eu-west-1";
	f->o.instance = "m5.large";
	init_ok(f);
	assert_ptr_equal(f->h.site.region, r);
	assert_ptr_equal(f->h.site.instance, it);
	assert_string_equal(f->h.site.instance_from, "option");
	cs_carbon_resolve(&f->h.site, &c);
	assert_ptr_equal(c.region, r);
	assert_ptr_equal(c.instance, it);
	assert_string_equal(c.instance_from, "option");
	assert_true(fabs(c.pue - cs_pue_default(CS_PROVIDER_AWS)) < EPS);
	assert_non_null(strstr(c.intensity_source, "eu-west-1"));
	/* The instance drives the model too. */
	assert_int_equal(f->h.model.kind, CS_HOST_MODEL_INSTANCE);
	if (cs_instance_embodied_g_per_h(it) >= 0) {
		assert_true(
		    fabs(cs_carbon_embodied_g(c.embodied_g_per_h, 7200) - 2 * cs_instance_embodied_g_per_h(it)) < 1e-6);
		assert_null(strstr(c.why, "no embodied"));
	}
	assert_true(fabs(cs_carbon_operational_g(3.6e12, c.intensity_g_per_kwh, c.pue) -
	                 c.intensity_g_per_kwh * cs_pue_default(CS_PROVIDER_AWS)) < 1e-6);
}

static void test_carbon_none(void **state)
{
	fx *f = *state;
	cs_carbon c;

	use_fixture(f, "vm-noperm");
	init_ok(f);
	assert_non_null(strstr(f->h.site.why, "no location: pass --country or --region to get gCO2e"));
	cs_carbon_resolve(&f->h.site, &c);
	assert_true(c.intensity_g_per_kwh < 0);
	assert_string_equal(c.location_kind, "none");
	assert_non_null(strstr(c.why, "no location: pass --country or --region to get gCO2e"));
	assert_true(cs_carbon_operational_g(1e12, c.intensity_g_per_kwh, c.pue) == 0.0);
}

static void test_unknown_names(void **state)
{
	fx *f = *state;

	use_fixture(f, "vm-noperm");
	f->o.country = "Atlantis";
	assert_int_equal(cs_host_init(&f->h, &f->o, f->why, sizeof f->why), CS_ENOTFOUND);
	assert_non_null(strstr(f->why, "Atlantis"));
	f->o.country = NULL;
	f->o.instance = "m99.huge";
	assert_int_equal(cs_host_init(&f->h, &f->o, f->why, sizeof f->why), CS_ENOTFOUND);
	assert_non_null(strstr(f->why, "m99.huge"));
	f->o.instance = NULL;
	f->o.provider = CS_PROVIDER_AWS;
	f->o.region = "mars-north-1";
	assert_int_equal(cs_host_init(&f->h, &f->o, f->why, sizeof f->why), CS_ENOTFOUND);
	assert_non_null(strstr(f->why, "mars-north-1"));
	f->o.country = "DE";
	assert_int_equal(cs_host_init(&f->h, &f->o, f->why, sizeof f->why), CS_EINVAL);
}

/* ---- /proc/<pid>/stat ----------------------------------------------------------------- */

static void test_pid_stat_parse(void **state)
{
	static const char line[] = "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
	                           "1234 567 89 -3 20 0 1 0 987654 1000000 100 18446744073709551615\n";
	static const char kthread[] = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 2 0 0";
	cs_pid_stat st;

	(void)state;
	assert_int_equal(cs_pid_stat_parse(line, strlen(line), &st), 0);
	assert_int_equal(st.pid, 4242);
	assert_string_equal(st.comm, "my (odd) cmd");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.utime, 1234);
	assert_int_equal(st.stime, 567);
	assert_int_equal(st.cutime, 89);
	assert_int_equal(st.cstime, 0); /* negative reads as 0 */
	assert_int_equal(st.starttime, 987654);
	assert_int_equal(cs_pid_stat_parse(kthread, strlen(kthread), &st), 0);
	assert_int_equal(st.ppid, 0);

	/* Truncated before starttime, no parentheses, garbage, pid 0. */
	assert_int_equal(cs_pid_stat_parse(line, 60, &st), CS_EINVAL);
	assert_int_equal(cs_pid_stat_parse("1 cmd S 0", 9, &st), CS_EINVAL);
	assert_int_equal(cs_pid_stat_parse("x (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19", 55, &st),
	                 CS_EINVAL);
	assert_int_equal(cs_pid_stat_parse("0 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19", 55, &st),
	                 CS_EINVAL);
	assert_int_equal(cs_pid_stat_parse("", 0, &st), CS_EINVAL);
	/* Control characters in the name are neutralised. */
	{
		char l2[] = "7 (a\tb) R 1 7 7 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 99";

		assert_int_equal(cs_pid_stat_parse(l2, strlen(l2), &st), 0);
		assert_string_equal(st.comm, "a?b");
	}
}

/* ---- the public meter ------------------------------------------------------------------ */

static void test_meter_start_stop(void **state)
{
	fx *f = *state;
	const cs_instance *it = cs_instance_find(CS_PROVIDER_AWS, "m5.large");
	cs_meter_opts o;
	cs_meter_report r;
	cs_meter *m = NULL;
	char why[256] = "", proc[PATH_MAX], self[PATH_MAX + 8];
	volatile uint64_t x = 1;
	bool has_cpu = false;
	struct timespec t0, t1;

	use_fixture(f, "vm-noperm");
	/* The meter's process is <procfs>/self: the fixture's, pointing at ours. */
	tf_snprintf(proc, sizeof proc, "%s/proc", f->root);
	assert_int_equal(tf_copy_tree(f->proc, proc), 0);
	tf_snprintf(self, sizeof self, "%s/self", proc);
	assert_int_equal(symlink("/proc/self", self), 0);
	cs_meter_opts_init(&o);
	o.sysfs_root = f->sys;
	o.procfs_root = proc;
	o.country = "FR";
	o.provider = "aws";
	o.instance = "m5.large"; /* everything given: no cloud detection */
	o.interval_ms = 10;
	o.self_share = 1;
	o.why = why;
	o.why_cap = sizeof why;
	if (cs_meter_start(&o, &m) != 0)
		fail_msg("cs_meter_start: %s", why);
	assert_non_null(m);
	/* 50 ms of our own CPU: five USER_HZ ticks in <procfs>/self/stat */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			x = x * 6364136223846793005ULL + 1;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	} while ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9 < 0.05);
	usleep(30000);
	assert_int_equal(cs_meter_stop(m, &r), 0);
	assert_int_equal(cs_meter_stop(m, &r), CS_EINVAL); /* once only */
	cs_meter_free(m);

	assert_true(r.duration_s > 0.02);
	assert_true(r.samples >= 2);
	assert_true(r.host_energy_j > 0);
	assert_false(r.measured);
	assert_int_equal(strncmp(r.sources, "model:", 6), 0);
	for (unsigned i = 0; i < r.ncomponents; i++)
		has_cpu = has_cpu || !strcmp(r.components[i].name, "cpu");
	assert_true(has_cpu);
	assert_true(r.intensity_g_per_kwh > 0);
	assert_string_equal(r.location, "FR");
	assert_true(r.operational_g > 0);
	if (it && cs_instance_embodied_g_per_h(it) >= 0)
		assert_true(r.embodied_g > 0);
	assert_true(r.self_share >= 0 && r.self_share <= 1);
	assert_true(r.self_cpu_s > 0.02);
	assert_true(r.self_energy_j >= 0 && r.self_energy_j <= r.host_energy_j + 1e-9);
	assert_true(fabs(r.host_avg_power_w * r.duration_s - r.host_energy_j) < 1e-6);
}

static void test_meter_bad_options(void **state)
{
	fx *f = *state;
	cs_meter_opts o;
	cs_meter *m = (cs_meter *)&o; /* must be reset to NULL on failure */
	char why[256] = "";

	use_fixture(f, "vm-noperm");
	cs_meter_opts_init(&o);
	o.sysfs_root = f->sys;
	o.procfs_root = f->proc;
	o.why = why;
	o.why_cap = sizeof why;
	o.provider = "ibm";
	assert_int_equal(cs_meter_start(&o, &m), CS_EINVAL);
	assert_null(m);
	assert_non_null(strstr(why, "ibm"));
	o.provider = NULL;
	o.country = "Narnia";
	o.instance = "m5.large";
	assert_int_equal(cs_meter_start(&o, &m), CS_ENOTFOUND);
	assert_non_null(strstr(why, "Narnia"));
	o.country = "FR";
	o.interval_ms = 5;
	assert_int_equal(cs_meter_start(&o, &m), CS_EINVAL);
	assert_int_equal(cs_meter_start(&o, NULL), CS_EINVAL);
	assert_int_equal(cs_meter_stop(NULL, NULL), CS_EINVAL);
	cs_meter_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_intel_2s_rapl_total, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_laptop_psys_is_the_total, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amd_powercap_cores_not_added, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rapl_and_amd_energy_not_both, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rapl_eacces_falls_back_to_model, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_powercap_uses_model, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_model_provider_picks_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_keep_all_keeps_model_unused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_policy_first_cpu_wins_gpu_added, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_policy_cpu_unusable_model_plus_gpu, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_source_at_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_carbon_country, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_carbon_region_instance_embodied, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_carbon_none, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_names, setup, teardown),
	    cmocka_unit_test(test_pid_stat_parse),
	    cmocka_unit_test_setup_teardown(test_meter_start_stop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_meter_bad_options, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
