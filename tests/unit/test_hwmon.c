/* Unit tests for the hwmon sensors: sensors/hwmon_amd_energy.c (per-socket
 * and per-core energy counters of AMD Zen) and sensors/hwmon_amdgpu.c (AMD
 * GPU power integrated over the interval).
 *
 * Same approach as test_rapl.c: a real-shaped fixture (tests/fixtures/
 * amd-energy-hwmon, amdgpu-hwmon, ...) copied into a mkdtemp() directory,
 * files rewritten in place between read() calls, and a cs_io_ops double
 * with sysfs semantics (a removed attribute fails reads on its open fds with
 * ENODEV) that can also inject EACCES or EPERM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "io/kfile.h"
#include "sensors/registry.h"
#include "sensors/sensor.h"

#include "fixture.h"

/* ---- per-test fixture: a sensor on a copy of tests/fixtures/<name> --------------- */

typedef tf_sysfs fx;

static int setup(void **state)
{
	*state = tf_sysfs_new("hwmon");
	return *state ? 0 : -1;
}

/* ---- amd_energy ----------------------------------------------------------------- */

#define AE "class/hwmon/hwmon1/"

static void test_amd_energy_channels(void **state)
{
	static const char *const names[] = {"core-000", "core-001", "core-002", "core-003", "package-0", "package-1"};
	fx *f = *state;

	tf_sysfs_load(f, "amd-energy-hwmon");
	assert_int_equal(tf_sysfs_init(f, &cs_amd_energy_ops), 0);
	assert_ptr_equal(f->s->ops, &cs_amd_energy_ops);
	assert_int_equal(f->s->nchannels, 6);
	for (size_t i = 0; i < 6; i++) {
		const cs_channel *ch = &f->s->channels[i];

		assert_string_equal(ch->name, names[i]);
		assert_string_equal(ch->source, "amd_energy");
		assert_true(ch->measured);
		/* sockets count; cores are inside them */
		assert_int_equal(ch->comp, i < 4 ? CS_COMP_CORE : CS_COMP_PACKAGE);
		assert_int_equal(ch->in_total, i >= 4);
	}
}

static void test_amd_energy_increase(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "amd-energy-hwmon");
	assert_int_equal(tf_sysfs_init(f, &cs_amd_energy_ops), 0);
	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	assert_true(tf_total_j(f->s) == 0.0);
	tf_write_u64(f->sys, AE "energy1_input", 1029384756ULL + 2500000ULL);
	tf_write_u64(f->sys, AE "energy4_input", 1000200300ULL + 1000000ULL);
	tf_write_u64(f->sys, AE "energy5_input", 120394857610ULL + 110000000ULL);
	tf_write_u64(f->sys, AE "energy6_input", 118293847561ULL + 97750000ULL);
	assert_int_equal(tf_sysfs_cycle(f, 2.0, 2.0), 0);
	assert_true(tf_channel(f->s, "core-000")->energy_j == 2.5);
	assert_true(tf_channel(f->s, "core-003")->energy_j == 1.0);
	assert_true(tf_channel(f->s, "core-001")->energy_j == 0.0);
	assert_true(tf_channel(f->s, "package-0")->energy_j == 110.0);
	assert_true(tf_channel(f->s, "package-0")->power_w == 55.0);
	assert_true(tf_channel(f->s, "package-1")->energy_j == 97.75);
	assert_true(tf_total_j(f->s) == 207.75);
}

/* The driver accumulates into 64 bits: any drop is a reset, never a wrap. */
static void test_amd_energy_reset(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "amd-energy-hwmon");
	assert_int_equal(tf_sysfs_init(f, &cs_amd_energy_ops), 0);
	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	tf_write_u64(f->sys, AE "energy5_input", 1000000ULL); /* driver reloaded */
	tf_write_u64(f->sys, AE "energy6_input", 118293847561ULL + 4000000ULL);
	assert_int_equal(tf_sysfs_cycle(f, 1.0, 1.0), 0);
	assert_true(tf_channel(f->s, "package-0")->energy_j == 0.0);
	assert_int_equal(tf_channel(f->s, "package-0")->wraps, 0);
	assert_int_equal(tf_channel(f->s, "package-0")->status, 0);
	assert_true(tf_channel(f->s, "package-1")->energy_j == 4.0);
	tf_write_u64(f->sys, AE "energy5_input", 6000000ULL);
	assert_int_equal(tf_sysfs_cycle(f, 2.0, 1.0), 0);
	assert_true(tf_channel(f->s, "package-0")->energy_j == 5.0);
}

static void test_amd_energy_garbage_and_gone(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "amd-energy-hwmon");
	assert_int_equal(tf_sysfs_init(f, &cs_amd_energy_ops), 0);
	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	tf_write_file(f->sys, AE "energy5_input", "-EIO\n");
	tf_remove_file(f->sys, AE "energy2_input");
	tf_write_u64(f->sys, AE "energy6_input", 118293847561ULL + 3000000ULL);
	assert_int_equal(f->s->ops->read(f->s, 1.0, 1.0), 0);
	assert_int_equal(tf_channel(f->s, "package-0")->status, CS_EINVAL);
	assert_true(tf_channel(f->s, "package-0")->energy_j == 0.0);
	assert_int_equal(tf_channel(f->s, "core-001")->status, -ENOENT);
	assert_true(tf_channel(f->s, "package-1")->energy_j == 3.0);
	assert_int_equal(tf_channel(f->s, "package-1")->status, 0);
	assert_true(tf_total_j(f->s) == 3.0);
}

static void test_amd_energy_labels(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "amd-energy-hwmon");
	tf_write_file(f->sys, AE "energy2_label", "Ecore\n");       /* no number */
	tf_write_file(f->sys, AE "energy3_label", "Esocket-1\n");   /* sign */
	tf_write_file(f->sys, AE "energy4_label", "Tctl\n");        /* not ours */
	tf_write_file(f->sys, AE "energy6_label", "Esocket0001\n"); /* leading zeros are fine */
	assert_int_equal(tf_sysfs_init(f, &cs_amd_energy_ops), 0);
	assert_int_equal(f->s->nchannels, 6);
	assert_string_equal(f->s->channels[1].name, "energy2");
	assert_string_equal(f->s->channels[2].name, "energy3");
	assert_string_equal(f->s->channels[3].name, "energy4");
	for (size_t i = 1; i <= 3; i++) {
		assert_int_equal(f->s->channels[i].comp, CS_COMP_OTHER);
		assert_false(f->s->channels[i].in_total); /* unknown: reported, not counted */
	}
	assert_string_equal(f->s->channels[5].name, "package-1");
	assert_true(f->s->channels[5].in_total);
}

static void test_amd_energy_missing_label(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "amd-energy-hwmon");
	tf_remove_file(f->sys, AE "energy5_label");
	assert_int_equal(tf_sysfs_init(f, &cs_amd_energy_ops), 0);
	assert_string_equal(f->s->channels[4].name, "energy5");
	assert_false(f->s->channels[4].in_total);
}

static void test_amd_energy_eacces(void **state)
{
	fx *f = *state;
	char want[1024];

	tf_sysfs_load(f, "amd-energy-hwmon");
	tf_io_fail_open("_input", -EACCES);
	assert_int_equal(tf_sysfs_init(f, &cs_amd_energy_ops), -EACCES);
	assert_null(f->s);
	tf_snprintf(want, sizeof(want),
	            "%s/class/hwmon/hwmon1/energy1_input is readable by root only: run carbonstat as root or grant "
	            "it CAP_DAC_READ_SEARCH (setcap cap_dac_read_search+ep $(command -v carbonstat))",
	            f->sys);
	assert_string_equal(f->why, want);
	for (int fd = 0; fd < TF_IO_MAX_FD; fd++)
		assert_int_equal(tf_io_state_get()->path[fd][0], '\0');
}

static void test_amd_energy_absent(void **state)
{
	static const char *const fixtures[] = {"vm-noperm", "intel-2s", "amdgpu-hwmon"};
	fx *f = *state;
	char want[PATH_MAX];

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		tf_sysfs_load(f, fixtures[i]);
		assert_int_equal(tf_sysfs_init(f, &cs_amd_energy_ops), CS_EUNAVAIL);
		assert_null(f->s);
		if (i == 0)
			tf_snprintf(want, sizeof(want), "no %s/class/hwmon: no hwmon devices here", f->sys);
		else
			tf_snprintf(want, sizeof(want),
			            "no hwmon device named amd_energy under %s/class/hwmon (module not loaded; on "
			            "Linux >= 5.8 the rapl sensor reads AMD energy from powercap)",
			            f->sys);
		assert_string_equal(f->why, want);
		tf_rm_tree(f->root);
		assert_int_equal(mkdir(f->root, 0700), 0);
	}
}

/* ---- amdgpu ----------------------------------------------------------------------- */

#define G0 "class/hwmon/hwmon2/"
#define G1 "class/hwmon/hwmon10/"

static void test_amdgpu_channels(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "amdgpu-hwmon");
	assert_int_equal(tf_sysfs_init(f, &cs_amdgpu_ops), 0);
	assert_ptr_equal(f->s->ops, &cs_amdgpu_ops);
	/* hwmon2 before hwmon10: numeric, not lexical, order */
	assert_int_equal(f->s->nchannels, 2);
	for (size_t i = 0; i < 2; i++) {
		const cs_channel *ch = &f->s->channels[i];

		assert_int_equal(ch->comp, CS_COMP_GPU);
		assert_string_equal(ch->source, "amdgpu");
		assert_true(ch->in_total);
		assert_true(ch->measured);
	}
	assert_string_equal(f->s->channels[0].name, "gpu-0");
	assert_string_equal(f->s->channels[1].name, "gpu-1");
}

static void test_amdgpu_power_to_energy(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "amdgpu-hwmon");
	assert_int_equal(tf_sysfs_init(f, &cs_amdgpu_ops), 0);
	/* first cycle: power known, energy 0 (no interval yet) */
	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	assert_true(tf_channel(f->s, "gpu-0")->power_w == 15.0); /* power1_average */
	assert_true(tf_channel(f->s, "gpu-1")->power_w == 62.0); /* power1_input */
	assert_true(tf_total_j(f->s) == 0.0);
	tf_write_file(f->sys, G0 "power1_average", "20500000\n");
	assert_int_equal(tf_sysfs_cycle(f, 2.0, 2.0), 0);
	assert_true(tf_channel(f->s, "gpu-0")->energy_j == 41.0);
	assert_true(tf_channel(f->s, "gpu-1")->energy_j == 124.0);
	assert_true(tf_total_j(f->s) == 165.0);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(f->s->channels[i].status, 0);
}

static void test_amdgpu_prefers_average(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "amdgpu-hwmon");
	tf_write_file(f->sys, G0 "power1_input", "99000000\n");
	assert_int_equal(tf_sysfs_init(f, &cs_amdgpu_ops), 0);
	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	assert_true(tf_channel(f->s, "gpu-0")->power_w == 15.0);
}

/* A card without a power file keeps its number: gpu-1 stays gpu-1. */
static void test_amdgpu_card_without_power(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "amdgpu-hwmon");
	tf_remove_file(f->sys, G0 "power1_average");
	assert_int_equal(tf_sysfs_init(f, &cs_amdgpu_ops), 0);
	assert_int_equal(f->s->nchannels, 1);
	assert_string_equal(f->s->channels[0].name, "gpu-1");
}

static void test_amdgpu_garbage_suspended_gone(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "amdgpu-hwmon");
	assert_int_equal(tf_sysfs_init(f, &cs_amdgpu_ops), 0);
	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	/* garbage */
	tf_write_file(f->sys, G0 "power1_average", "15 W\n");
	assert_int_equal(tf_sysfs_cycle(f, 1.0, 1.0), 0);
	assert_int_equal(tf_channel(f->s, "gpu-0")->status, CS_EINVAL);
	assert_true(tf_channel(f->s, "gpu-0")->energy_j == 0.0);
	assert_true(tf_channel(f->s, "gpu-0")->power_w == 0.0);
	assert_true(tf_channel(f->s, "gpu-1")->energy_j == 62.0);
	/* runtime-suspended: the kernel answers EPERM */
	tf_write_file(f->sys, G0 "power1_average", "15000000\n");
	tf_io_fail_read("hwmon10/power1_input", -EPERM);
	assert_int_equal(tf_sysfs_cycle(f, 2.0, 1.0), 0);
	assert_int_equal(tf_channel(f->s, "gpu-1")->status, -EPERM);
	assert_true(tf_channel(f->s, "gpu-1")->energy_j == 0.0);
	assert_true(tf_channel(f->s, "gpu-0")->energy_j == 15.0);
	/* every card failing: read() says so ("" matches every file) */
	tf_io_fail_read("", -EPERM);
	assert_int_equal(f->s->ops->read(f->s, 3.0, 1.0), -EPERM);
	tf_io_fail_read(NULL, 0);
	/* a card unplugged (hot-unplug, driver unbind) */
	tf_remove_file(f->sys, G1 "power1_input");
	assert_int_equal(f->s->ops->read(f->s, 4.0, 1.0), 0);
	assert_int_equal(tf_channel(f->s, "gpu-1")->status, -ENOENT);
	assert_true(tf_channel(f->s, "gpu-0")->energy_j == 15.0);
	assert_true(tf_total_j(f->s) == 15.0);
}

static void test_amdgpu_absent(void **state)
{
	static const char *const fixtures[] = {"vm-noperm", "intel-2s", "amd-energy-hwmon"};
	fx *f = *state;

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		tf_sysfs_load(f, fixtures[i]);
		assert_int_equal(tf_sysfs_init(f, &cs_amdgpu_ops), CS_EUNAVAIL);
		assert_null(f->s);
		assert_non_null(strstr(f->why, "/class/hwmon"));
		tf_rm_tree(f->root);
		assert_int_equal(mkdir(f->root, 0700), 0);
	}
}

static void test_amdgpu_no_power_files(void **state)
{
	fx *f = *state;
	char want[PATH_MAX];

	tf_sysfs_load(f, "amdgpu-hwmon");
	tf_remove_file(f->sys, G0 "power1_average");
	tf_remove_file(f->sys, G1 "power1_input");
	assert_int_equal(tf_sysfs_init(f, &cs_amdgpu_ops), CS_EUNAVAIL);
	tf_snprintf(want, sizeof(want), "amdgpu devices under %s/class/hwmon have no power1_average or power1_input",
	            f->sys);
	assert_string_equal(f->why, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_amd_energy_channels, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_increase, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_reset, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_garbage_and_gone, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_labels, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_missing_label, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_eacces, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_absent, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amdgpu_channels, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amdgpu_power_to_energy, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amdgpu_prefers_average, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amdgpu_card_without_power, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amdgpu_garbage_suspended_gone, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amdgpu_absent, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amdgpu_no_power_files, setup, tf_sysfs_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
