/* tests/unit/test_nvml.c - the NVML sensor against a scripted libnvidia-ml.
 *
 * The build makes tests/fakes/fake_nvml.c into a shared library and passes
 * its path as CS_FAKE_NVML_PATH; the sensor dlopen()s it as it would the
 * driver's library. Values are scripted through FAKE_NVML_* environment
 * variables (see the fake's header) and what the sensor did is read back from
 * the fake's fake_nvml_state. Without CS_FAKE_NVML_PATH only the "no library"
 * cases run and the rest are skipped.
 */
#include <dlfcn.h>
#include <errno.h>
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

#include "sensors/nvml.h"

#include "../fakes/fake_nvml.h"
#include "require.h"

#ifndef CS_FIXTURES_DIR
#define CS_FIXTURES_DIR "tests/fixtures"
#endif

#define assert_close(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-9)

static void *fake_dl;           /* held open so the fake's state persists */
static fake_nvml_state_t *fake; /* its counters */

static const char *fake_path(void)
{
#ifdef CS_FAKE_NVML_PATH
	return CS_FAKE_NVML_PATH;
#else
	return NULL;
#endif
}

static void clear_script(void)
{
	static const char *const per_gpu[] = {"FAKE_NVML_ENERGY_MJ", "FAKE_NVML_POWER_MW", "FAKE_NVML_RC",
	                                      "FAKE_NVML_PROC"};
	char name[64];

	unsetenv("FAKE_NVML_INIT_RC");
	unsetenv("FAKE_NVML_COUNT");
	for (size_t k = 0; k < 4; k++)
		for (int i = 0; i < 8; i++) {
			snprintf(name, sizeof name, "%s_%d", per_gpu[k], i);
			unsetenv(name);
		}
}

static int setup(void **state)
{
	(void)state;
	clear_script();
	if (!fake_path())
		return 0;
	fake_dl = dlopen(fake_path(), RTLD_NOW | RTLD_LOCAL);
	if (!fake_dl) {
		print_error("cannot load %s: %s\n", fake_path(), dlerror());
		return -1;
	}
	fake = dlsym(fake_dl, "fake_nvml_state");
	return fake ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	clear_script();
	if (fake_dl)
		dlclose(fake_dl);
	fake_dl = NULL;
	fake = NULL;
	return 0;
}

static void need_fake(void)
{
	if (!fake)
		tf_skip_or_fail("nvml", "no fake libnvidia-ml (the build defines CS_FAKE_NVML_PATH)");
	clear_script();
}

static cs_sensor *open_fake(void)
{
	cs_sensor_env env = {.io = NULL, .model = NULL, .nvml_path = fake_path()};
	cs_sensor *s = NULL;
	char why[256] = "";

	assert_int_equal(cs_nvml_ops.init(&env, &s, why, sizeof why), 0);
	assert_non_null(s);
	return s;
}

static void set(const char *name, const char *value)
{
	assert_int_equal(setenv(name, value, 1), 0);
}

/* ---- no library -------------------------------------------------------------- */

static void test_absent_library(void **state)
{
	cs_sensor_env env = {.nvml_path = "/nonexistent/libnvidia-ml.so.1"};
	cs_sensor *s = NULL;
	char why[256] = "";

	(void)state;
	assert_int_equal(cs_nvml_ops.init(&env, &s, why, sizeof why), CS_EUNAVAIL);
	assert_null(s);
	assert_string_equal(why, "/nonexistent/libnvidia-ml.so.1 not found: no NVIDIA driver");
	assert_string_equal(cs_nvml_ops.name, "nvml");
}

static void test_not_a_library(void **state)
{
	cs_sensor_env env = {.nvml_path = CS_FIXTURES_DIR "/proc-vm/stat"};
	cs_sensor *s = NULL;
	char why[512] = "";

	(void)state;
	assert_int_equal(cs_nvml_ops.init(&env, &s, why, sizeof why), -ELIBBAD);
	assert_null(s);
	assert_non_null(strstr(why, "cannot be loaded"));
}

/* ---- with the fake --------------------------------------------------------------- */

static void test_channels(void **state)
{
	cs_sensor *s;
	unsigned inits, shutdowns;

	(void)state;
	need_fake();
	inits = fake->init_calls;
	shutdowns = fake->shutdown_calls;
	s = open_fake();
	assert_int_equal(fake->init_calls, inits + 1);
	assert_int_equal(s->nchannels, 2);
	for (unsigned i = 0; i < 2; i++) {
		const cs_channel *c = &s->channels[i];
		char want[16];

		snprintf(want, sizeof want, "gpu-%u", i);
		assert_string_equal(c->name, want);
		assert_int_equal(c->comp, CS_COMP_GPU);
		assert_string_equal(c->source, "nvml");
		assert_true(c->measured);
		assert_true(c->in_total);
	}
	assert_string_equal(cs_nvml_device_name(s, 0), "Fake GPU 0 (energy counter)");
	assert_string_equal(cs_nvml_device_name(s, 1), "Fake GPU 1 (power only)");
	assert_null(cs_nvml_device_name(s, 2));
	s->ops->destroy(s);
	assert_int_equal(fake->shutdown_calls, shutdowns + 1);
}

static void test_energy_and_power(void **state)
{
	cs_sensor *s;
	const cs_channel *g0, *g1;

	(void)state;
	need_fake();
	set("FAKE_NVML_ENERGY_MJ_0", "1000000");
	set("FAKE_NVML_POWER_MW_1", "100000");
	s = open_fake();
	g0 = &s->channels[0];
	g1 = &s->channels[1];

	assert_int_equal(s->ops->read(s, 0.0, 0.0), 0); /* primes */
	assert_close(g0->energy_j, 0);
	assert_close(g1->energy_j, 0);

	/* counter: +5000 mJ in 2 s; power-only: 100 W -> 150 W, trapezoid */
	set("FAKE_NVML_ENERGY_MJ_0", "1005000");
	set("FAKE_NVML_POWER_MW_1", "150000");
	assert_int_equal(s->ops->read(s, 2.0, 2.0), 0);
	assert_close(g0->energy_j, 5.0);
	assert_close(g0->power_w, 2.5);
	assert_close(g1->power_w, 125.0);
	assert_close(g1->energy_j, 250.0);
	assert_int_equal(g0->status, 0);

	/* driver reloaded: the counter restarts; 0 J, never negative or huge */
	set("FAKE_NVML_ENERGY_MJ_0", "1000");
	assert_int_equal(s->ops->read(s, 3.0, 1.0), 0);
	assert_close(g0->energy_j, 0);
	set("FAKE_NVML_ENERGY_MJ_0", "3000");
	assert_int_equal(s->ops->read(s, 4.0, 1.0), 0);
	assert_close(g0->energy_j, 2.0);
	assert_close(g1->energy_j, 150.0);

	/* dt = 0: nothing */
	set("FAKE_NVML_ENERGY_MJ_0", "3500");
	assert_int_equal(s->ops->read(s, 4.0, 0.0), 0);
	assert_close(g0->energy_j, 0);
	/* ...and the 500 mJ are not lost */
	assert_int_equal(s->ops->read(s, 5.0, 1.0), 0);
	assert_close(g0->energy_j, 0.5);
	s->ops->destroy(s);
}

static void test_errors_carry_over(void **state)
{
	cs_sensor *s;
	const cs_channel *g0, *g1;

	(void)state;
	need_fake();
	set("FAKE_NVML_ENERGY_MJ_0", "10000");
	set("FAKE_NVML_POWER_MW_1", "150000");
	s = open_fake();
	g0 = &s->channels[0];
	g1 = &s->channels[1];
	assert_int_equal(s->ops->read(s, 0.0, 0.0), 0);

	/* both GPUs fall off the bus for one read */
	set("FAKE_NVML_RC_0", "15");
	set("FAKE_NVML_RC_1", "15");
	assert_int_equal(s->ops->read(s, 2.0, 2.0), -ENODEV);
	assert_int_equal(g0->status, -ENODEV);
	assert_int_equal(g1->status, -ENODEV);
	assert_close(g0->energy_j, 0);
	assert_close(g1->energy_j, 0);

	/* back: the counter covers the gap by itself, the power-only GPU by
	 * carrying the 2 s over */
	unsetenv("FAKE_NVML_RC_0");
	unsetenv("FAKE_NVML_RC_1");
	set("FAKE_NVML_ENERGY_MJ_0", "16000");
	assert_int_equal(s->ops->read(s, 3.0, 1.0), 0);
	assert_int_equal(g0->status, 0);
	assert_close(g0->energy_j, 6.0);
	assert_close(g0->power_w, 2.0);
	assert_close(g1->energy_j, 150.0 * 3);
	assert_close(g1->power_w, 150.0);

	/* permission trouble maps to -EACCES */
	set("FAKE_NVML_RC_1", "4");
	assert_int_equal(s->ops->read(s, 4.0, 1.0), -EACCES);
	assert_int_equal(g0->status, 0);
	s->ops->destroy(s);
}

static const cs_sensor_ops other_ops = {.name = "other"};

static void test_process_util(void **state)
{
	cs_gpu_proc_util out[8];
	cs_sensor other = {0};
	cs_sensor *s;
	size_t n = 99;

	(void)state;
	need_fake();
	set("FAKE_NVML_PROC_0", "100:30:5:1000,200:60:10:1001");
	s = open_fake();
	assert_int_equal(s->ops->read(s, 0.0, 0.0), 0);
	assert_int_equal(fake->last_seen[0], 0);
	assert_int_equal(cs_nvml_process_util(s, 0, out, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].pid, 100);
	assert_int_equal(out[0].sm_pct, 30);
	assert_int_equal(out[0].mem_pct, 5);
	assert_int_equal(out[0].timestamp_us, 1000);
	assert_int_equal(out[1].pid, 200);
	assert_int_equal(out[1].sm_pct, 60);
	/* GPU 1 has no samples */
	assert_int_equal(cs_nvml_process_util(s, 1, out, 8, &n), 0);
	assert_int_equal(n, 0);

	/* next read asks only for samples after the newest seen */
	assert_int_equal(s->ops->read(s, 1.0, 1.0), 0);
	assert_int_equal(fake->last_seen[0], 1001);
	assert_int_equal(cs_nvml_process_util(s, 0, out, 8, &n), 0);
	assert_int_equal(n, 0);

	set("FAKE_NVML_PROC_0", "100:30:5:1000,200:60:10:1001,300:90:0:2000,400:10:0:2001");
	assert_int_equal(s->ops->read(s, 2.0, 1.0), 0);
	assert_int_equal(cs_nvml_process_util(s, 0, out, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].pid, 300);
	/* too small an array: the first ones, and the caller is told */
	assert_int_equal(cs_nvml_process_util(s, 0, out, 1, &n), CS_ENOMEM);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].pid, 300);

	assert_int_equal(cs_nvml_process_util(s, 2, out, 8, &n), CS_EINVAL);
	assert_int_equal(cs_nvml_process_util(s, 0, NULL, 8, &n), CS_EINVAL);
	other.ops = &other_ops; /* not an NVML sensor */
	assert_int_equal(cs_nvml_process_util(&other, 0, out, 8, &n), CS_EINVAL);
	assert_int_equal(cs_nvml_process_util(NULL, 0, out, 8, &n), CS_EINVAL);
	s->ops->destroy(s);
}

/* The channel carries, per process, the mean SM utilisation of its samples
 * in the interval (what attribution charges GPU energy by). */
static void test_channel_procs(void **state)
{
	cs_sensor *s;
	const cs_channel *c0, *c1;

	(void)state;
	need_fake();
	set("FAKE_NVML_PROC_0", "100:30:5:1000,200:60:10:1001,100:50:5:1002,300:250:0:1003");
	s = open_fake();
	assert_int_equal(s->ops->read(s, 0.0, 0.0), 0);
	c0 = &s->channels[0];
	c1 = &s->channels[1];
	assert_int_equal(c0->nprocs, 3);
	assert_int_equal(c0->procs[0].pid, 100);
	assert_true(fabs(c0->procs[0].util - 0.40) < 1e-12); /* (30 + 50) / 2 */
	assert_int_equal(c0->procs[1].pid, 200);
	assert_true(fabs(c0->procs[1].util - 0.60) < 1e-12);
	assert_int_equal(c0->procs[2].pid, 300);
	assert_true(fabs(c0->procs[2].util - 1.0) < 1e-12); /* a bogus 250 % is capped */
	assert_int_equal(c1->nprocs, 0);                    /* GPU 1: nobody */
	/* nothing newer: nobody used it this interval */
	assert_int_equal(s->ops->read(s, 1.0, 1.0), 0);
	assert_int_equal(c0->nprocs, 0);
	s->ops->destroy(s);
}

static void test_no_gpu_and_init_failures(void **state)
{
	cs_sensor_env env = {.nvml_path = fake_path()};
	cs_sensor *s = NULL;
	char why[256];
	unsigned inits, shutdowns;

	(void)state;
	need_fake();
	inits = fake->init_calls;
	shutdowns = fake->shutdown_calls;

	set("FAKE_NVML_COUNT", "0");
	assert_int_equal(cs_nvml_ops.init(&env, &s, why, sizeof why), CS_EUNAVAIL);
	assert_null(s);
	assert_non_null(strstr(why, "found no NVIDIA GPU"));
	assert_int_equal(fake->init_calls - inits, fake->shutdown_calls - shutdowns);
	unsetenv("FAKE_NVML_COUNT");

	set("FAKE_NVML_INIT_RC", "9");
	assert_int_equal(cs_nvml_ops.init(&env, &s, why, sizeof why), CS_EUNAVAIL);
	assert_non_null(strstr(why, "Driver Not Loaded"));
	set("FAKE_NVML_INIT_RC", "4");
	assert_int_equal(cs_nvml_ops.init(&env, &s, why, sizeof why), -EACCES);
	assert_non_null(strstr(why, "Insufficient Permissions"));
	set("FAKE_NVML_INIT_RC", "999");
	assert_int_equal(cs_nvml_ops.init(&env, &s, why, sizeof why), -EIO);
	assert_null(s);
	/* a failed nvmlInit is not shut down */
	assert_int_equal(fake->init_calls - inits, fake->shutdown_calls - shutdowns + 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_absent_library),    cmocka_unit_test(test_not_a_library),
	    cmocka_unit_test(test_channels),          cmocka_unit_test(test_energy_and_power),
	    cmocka_unit_test(test_errors_carry_over), cmocka_unit_test(test_process_util),
	    cmocka_unit_test(test_channel_procs),     cmocka_unit_test(test_no_gpu_and_init_failures),
	};

	return tf_exit(cmocka_run_group_tests(tests, setup, teardown));
}
