/* Unit tests for sensors/rapl.c and the shared counter logic in
 * sensors/sensor.c (cs_counter_delta, cs_counter_read, component names) and
 * the registry order.
 *
 * Each test copies a real-shaped powercap fixture (tests/fixtures/<machine>)
 * into a mkdtemp() directory, then scripts the counters across cycles by
 * rewriting energy_uj in place between read() calls, as the kernel does.
 * I/O goes through a cs_io_ops double with sysfs semantics: a read on an fd
 * whose file was removed fails with ENODEV (a regular file system would keep
 * serving the old inode), and EACCES can be injected for open or read of a
 * given file name, as on kernels with the CVE-2020-8694 fix when not root.
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

#define PKG_MAX_UJ  262143328850ULL /* Intel package/core/uncore/psys */
#define DRAM_MAX_UJ 65712999613ULL  /* Intel server DRAM */
#define AMD_MAX_UJ  65532610987ULL  /* AMD Zen package/core */

/* ---- per-test fixture: a sensor on a copy of tests/fixtures/<name> --------------- */

typedef tf_sysfs fx;

static int setup(void **state)
{
	*state = tf_sysfs_new("rapl");
	return *state ? 0 : -1;
}

#define Z0  "class/powercap/intel-rapl:0/energy_uj"
#define Z00 "class/powercap/intel-rapl:0:0/energy_uj"
#define Z01 "class/powercap/intel-rapl:0:1/energy_uj"
#define Z1  "class/powercap/intel-rapl:1/energy_uj"
#define Z10 "class/powercap/intel-rapl:1:0/energy_uj"
#define ZM0 "class/powercap/intel-rapl-mmio:0/energy_uj"

/* ---- sensor.c ------------------------------------------------------------------ */

static void test_counter_delta(void **state)
{
	bool w = true;

	(void)state;
	/* forward */
	assert_true(cs_counter_delta(100, 250, PKG_MAX_UJ, &w) == 150 && !w);
	assert_true(cs_counter_delta(7, 7, PKG_MAX_UJ, &w) == 0 && !w);
	/* wrap: prev near max, cur small: (max - prev) + cur exactly */
	assert_true(cs_counter_delta(PKG_MAX_UJ - 1000000, 3000000, PKG_MAX_UJ, &w) == 4000000 && w);
	assert_true(cs_counter_delta(DRAM_MAX_UJ - 1, 0, DRAM_MAX_UJ, &w) == 1 && w);
	assert_true(cs_counter_delta(PKG_MAX_UJ, 5, PKG_MAX_UJ, &w) == 5 && w);
	/* a wrapped delta of exactly half the range is still a wrap; one uJ
	 * more is a reset (PKG_MAX_UJ is even) */
	assert_true(cs_counter_delta(PKG_MAX_UJ / 2 + 1, 1, PKG_MAX_UJ, &w) == PKG_MAX_UJ / 2 && w);
	assert_true(cs_counter_delta(PKG_MAX_UJ / 2, 0, PKG_MAX_UJ, &w) == PKG_MAX_UJ / 2 && w);
	assert_true(cs_counter_delta(PKG_MAX_UJ / 2 - 1, 0, PKG_MAX_UJ, &w) == 0 && !w);
	/* reset: a small step back is not 262 kJ of energy */
	assert_true(cs_counter_delta(47835316870ULL, 47830316870ULL, PKG_MAX_UJ, &w) == 0 && !w);
	assert_true(cs_counter_delta(1000, 0, PKG_MAX_UJ, &w) == 0 && !w);
	/* unknown range: every drop is a reset */
	assert_true(cs_counter_delta(1000, 10, 0, &w) == 0 && !w);
	/* readings above max: the range is wrong, no wrap explains it */
	assert_true(cs_counter_delta(PKG_MAX_UJ + 10, 5, PKG_MAX_UJ, &w) == 0 && !w);
	/* a 64-bit accumulator: no overflow in the arithmetic */
	assert_true(cs_counter_delta(UINT64_MAX - 1, 2, UINT64_MAX, &w) == 3 && w);
	assert_true(cs_counter_delta(0, UINT64_MAX, UINT64_MAX, &w) == UINT64_MAX && !w);
	/* wrapped may be NULL */
	assert_true(cs_counter_delta(PKG_MAX_UJ - 1, 1, PKG_MAX_UJ, NULL) == 2);
}

static void test_component_names(void **state)
{
	(void)state;
	assert_string_equal(cs_component_name(CS_COMP_PACKAGE), "package");
	assert_string_equal(cs_component_name(CS_COMP_CORE), "core");
	assert_string_equal(cs_component_name(CS_COMP_UNCORE), "uncore");
	assert_string_equal(cs_component_name(CS_COMP_DRAM), "dram");
	assert_string_equal(cs_component_name(CS_COMP_PSYS), "psys");
	assert_string_equal(cs_component_name(CS_COMP_GPU), "gpu");
	assert_string_equal(cs_component_name(CS_COMP_CPU), "cpu");
	assert_string_equal(cs_component_name(CS_COMP_OTHER), "other");
	assert_string_equal(cs_component_name(CS_COMP_COUNT), "unknown");
	assert_string_equal(cs_component_name((cs_component)-1), "unknown");
}

static void test_registry_order(void **state)
{
	(void)state;
	assert_int_equal(cs_sensor_registry_len, 5);
	assert_ptr_equal(cs_sensor_registry[0], &cs_rapl_ops);
	assert_ptr_equal(cs_sensor_registry[1], &cs_amd_energy_ops);
	assert_ptr_equal(cs_sensor_registry[2], &cs_amdgpu_ops);
	assert_ptr_equal(cs_sensor_registry[3], &cs_nvml_ops);
	assert_ptr_equal(cs_sensor_registry[4], &cs_model_ops);
	for (size_t i = 0; i < cs_sensor_registry_len; i++) {
		assert_non_null(cs_sensor_registry[i]->name);
		assert_non_null(cs_sensor_registry[i]->init);
		assert_non_null(cs_sensor_registry[i]->read);
		assert_non_null(cs_sensor_registry[i]->destroy);
	}
	assert_string_equal(cs_rapl_ops.name, "rapl");
}

/* ---- intel-2s: two Xeon packages, each with a dram subzone ---------------------- */

static void test_intel_2s_channels(void **state)
{
	static const char *const names[] = {"package-0", "dram-0", "package-1", "dram-1"};
	static const cs_component comps[] = {CS_COMP_PACKAGE, CS_COMP_DRAM, CS_COMP_PACKAGE, CS_COMP_DRAM};
	fx *f = *state;

	tf_sysfs_load(f, "intel-2s");
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), 0);
	assert_ptr_equal(f->s->ops, &cs_rapl_ops);
	assert_int_equal(f->s->nchannels, 4);
	for (size_t i = 0; i < 4; i++) {
		const cs_channel *ch = &f->s->channels[i];

		assert_string_equal(ch->name, names[i]);
		assert_int_equal(ch->comp, comps[i]);
		assert_string_equal(ch->source, "rapl");
		/* no psys: packages and their dram siblings all count */
		assert_true(ch->in_total);
		assert_true(ch->measured);
	}
}

static void test_intel_2s_normal_increase(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "intel-2s");
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), 0);
	/* first cycle primes: 0 J everywhere */
	assert_int_equal(tf_sysfs_cycle(f, 100.0, 0.0), 0);
	for (size_t i = 0; i < f->s->nchannels; i++) {
		assert_int_equal(f->s->channels[i].status, 0);
		assert_true(f->s->channels[i].energy_j == 0.0);
	}
	/* fixture values + 150 J, 40.5 J, 162.25 J, 38 J over 2 s */
	tf_write_u64(f->sys, Z0, 47835316870ULL + 150000000ULL);
	tf_write_u64(f->sys, Z00, 8937125341ULL + 40500000ULL);
	tf_write_u64(f->sys, Z1, 51208345123ULL + 162250000ULL);
	tf_write_u64(f->sys, Z10, 9120033517ULL + 38000000ULL);
	assert_int_equal(tf_sysfs_cycle(f, 102.0, 2.0), 0);
	assert_true(tf_channel(f->s, "package-0")->energy_j == 150.0);
	assert_true(tf_channel(f->s, "package-0")->power_w == 75.0);
	assert_true(tf_channel(f->s, "dram-0")->energy_j == 40.5);
	assert_true(tf_channel(f->s, "package-1")->energy_j == 162.25);
	assert_true(tf_channel(f->s, "dram-1")->energy_j == 38.0);
	assert_true(tf_total_j(f->s) == 150.0 + 40.5 + 162.25 + 38.0);
	/* unchanged counters: 0 J, still ok */
	assert_int_equal(tf_sysfs_cycle(f, 103.0, 1.0), 0);
	assert_true(tf_total_j(f->s) == 0.0);
	for (size_t i = 0; i < f->s->nchannels; i++) {
		assert_int_equal(f->s->channels[i].status, 0);
		assert_int_equal(f->s->channels[i].wraps, 0);
	}
}

static void test_intel_2s_wraparound(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "intel-2s");
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), 0);
	tf_write_u64(f->sys, Z0, PKG_MAX_UJ - 1000000);
	tf_write_u64(f->sys, Z00, DRAM_MAX_UJ - 2500000);
	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	tf_write_u64(f->sys, Z0, 3000000); /* 1 J to the top, 3 J after */
	tf_write_u64(f->sys, Z00, 500000); /* 2.5 J + 0.5 J, with dram's own range */
	assert_int_equal(tf_sysfs_cycle(f, 1.0, 1.0), 0);
	assert_true(tf_channel(f->s, "package-0")->energy_j == 4.0);
	assert_int_equal(tf_channel(f->s, "package-0")->wraps, 1);
	assert_true(tf_channel(f->s, "dram-0")->energy_j == 3.0);
	assert_int_equal(tf_channel(f->s, "dram-0")->wraps, 1);
	assert_int_equal(tf_channel(f->s, "package-1")->wraps, 0);
	assert_true(tf_total_j(f->s) == 7.0);
	/* and counting goes on from the wrapped value */
	tf_write_u64(f->sys, Z0, 13000000);
	assert_int_equal(tf_sysfs_cycle(f, 2.0, 1.0), 0);
	assert_true(tf_channel(f->s, "package-0")->energy_j == 10.0);
	assert_int_equal(tf_channel(f->s, "package-0")->wraps, 1);
}

static void test_intel_2s_reset(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "intel-2s");
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), 0);
	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	/* a 5 J step back: implausible as a wrap (that would be 262 kJ in 1 s) */
	tf_write_u64(f->sys, Z0, 47835316870ULL - 5000000ULL);
	tf_write_u64(f->sys, Z1, 51208345123ULL + 90000000ULL);
	assert_int_equal(tf_sysfs_cycle(f, 1.0, 1.0), 0);
	assert_true(tf_channel(f->s, "package-0")->energy_j == 0.0);
	assert_int_equal(tf_channel(f->s, "package-0")->status, 0);
	assert_int_equal(tf_channel(f->s, "package-0")->wraps, 0);
	assert_true(tf_channel(f->s, "package-1")->energy_j == 90.0);
	/* counted again from the reset value */
	tf_write_u64(f->sys, Z0, 47835316870ULL + 7000000ULL);
	assert_int_equal(tf_sysfs_cycle(f, 2.0, 1.0), 0);
	assert_true(tf_channel(f->s, "package-0")->energy_j == 12.0);
}

static void test_intel_2s_zone_disappears(void **state)
{
	fx *f = *state;
	uint64_t errors;

	tf_sysfs_load(f, "intel-2s");
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), 0);
	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	/* intel_rapl_msr unbinds socket 1: its attribute goes away */
	tf_remove_file(f->sys, Z1);
	tf_write_u64(f->sys, Z0, 47835316870ULL + 50000000ULL);
	tf_write_u64(f->sys, Z10, 9120033517ULL + 8000000ULL);
	errors = f->io.errors;
	/* the one reopen attempt fails, so no open is counted */
	assert_int_equal(tf_sysfs_cycle(f, 1.0, 1.0), 0);
	assert_true(f->io.errors > errors);
	assert_int_equal(tf_channel(f->s, "package-1")->status, -ENOENT);
	assert_true(tf_channel(f->s, "package-1")->energy_j == 0.0);
	assert_true(tf_channel(f->s, "package-0")->energy_j == 50.0);
	assert_int_equal(tf_channel(f->s, "package-0")->status, 0);
	assert_true(tf_channel(f->s, "dram-1")->energy_j == 8.0);
	assert_true(tf_total_j(f->s) == 58.0);
	/* still gone: still an error, and no pread without a file */
	assert_int_equal(f->s->ops->read(f->s, 2.0, 1.0), 0);
	assert_int_equal(tf_channel(f->s, "package-1")->status, -ENOENT);
	/* back (module reloaded, counter restarted): primes again, 0 J ... */
	tf_write_u64(f->sys, Z1, 1000000ULL);
	assert_int_equal(f->s->ops->read(f->s, 3.0, 1.0), 0);
	assert_int_equal(tf_channel(f->s, "package-1")->status, 0);
	assert_true(tf_channel(f->s, "package-1")->energy_j == 0.0);
	/* ... then counts, kept open again */
	tf_write_u64(f->sys, Z1, 21000000ULL);
	assert_int_equal(tf_sysfs_cycle(f, 4.0, 1.0), 0);
	assert_true(tf_channel(f->s, "package-1")->energy_j == 20.0);
}

static void test_intel_2s_all_zones_gone(void **state)
{
	fx *f = *state;
	int rc;

	tf_sysfs_load(f, "intel-2s");
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), 0);
	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	tf_remove_file(f->sys, Z0);
	tf_remove_file(f->sys, Z00);
	tf_remove_file(f->sys, Z1);
	tf_remove_file(f->sys, Z10);
	rc = f->s->ops->read(f->s, 1.0, 1.0);
	assert_int_equal(rc, -ENOENT);
	assert_true(tf_total_j(f->s) == 0.0);
}

static void test_intel_2s_garbage(void **state)
{
	static const char *const garbage[] = {"garbage\n",       "", "-1\n", "99999999999999999999999\n", "12 34\n",
	                                      "\xff\xfe\x00\x01"};
	fx *f = *state;

	tf_sysfs_load(f, "intel-2s");
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), 0);
	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		tf_write_file(f->sys, Z00, garbage[i]);
		tf_write_u64(f->sys, Z0, 47835316870ULL + (i + 1) * 1000000ULL);
		assert_int_equal(tf_sysfs_cycle(f, (double)i + 1, 1.0), 0);
		assert_int_equal(tf_channel(f->s, "dram-0")->status, CS_EINVAL);
		assert_true(tf_channel(f->s, "dram-0")->energy_j == 0.0);
		assert_true(tf_channel(f->s, "dram-0")->power_w == 0.0);
		assert_true(tf_channel(f->s, "package-0")->energy_j == 1.0);
		assert_int_equal(tf_channel(f->s, "package-0")->status, 0);
	}
	/* good again: the delta runs from the last good reading, so the energy of
	 * the garbage intervals is not lost */
	tf_write_u64(f->sys, Z00, 8937125341ULL + 20000000ULL);
	assert_int_equal(tf_sysfs_cycle(f, 10.0, 1.0), 0);
	assert_int_equal(tf_channel(f->s, "dram-0")->status, 0);
	assert_true(tf_channel(f->s, "dram-0")->energy_j == 20.0);
}

/* An unreadable max_energy_range_uj: the range is unknown, so a drop is
 * taken as a reset rather than a wrap of an invented size. */
static void test_garbage_max_range(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "intel-2s");
	tf_write_file(f->sys, "class/powercap/intel-rapl:0/max_energy_range_uj", "n/a\n");
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), 0);
	tf_write_u64(f->sys, Z0, PKG_MAX_UJ - 1000000);
	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	tf_write_u64(f->sys, Z0, 3000000);
	assert_int_equal(tf_sysfs_cycle(f, 1.0, 1.0), 0);
	assert_true(tf_channel(f->s, "package-0")->energy_j == 0.0);
	assert_int_equal(tf_channel(f->s, "package-0")->wraps, 0);
}

static const char root_only_fmt[] =
    "%s/class/powercap/intel-rapl:0/energy_uj is readable by root only: run carbonstat as root or grant it "
    "CAP_DAC_READ_SEARCH (setcap cap_dac_read_search+ep $(command -v carbonstat))";

static void test_eacces_on_open(void **state)
{
	fx *f = *state;
	char want[1024];

	tf_sysfs_load(f, "intel-2s");
	tf_io_fail_open("/energy_uj", -EACCES);
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), -EACCES);
	assert_null(f->s);
	tf_snprintf(want, sizeof(want), root_only_fmt, f->sys);
	assert_string_equal(f->why, want);
	assert_string_equal(cs_strerror(-EACCES), "Permission denied");
	/* nothing left open */
	for (int fd = 0; fd < TF_IO_MAX_FD; fd++)
		assert_int_equal(tf_io_state_get()->path[fd][0], '\0');
}

static void test_eacces_on_read(void **state)
{
	fx *f = *state;
	char want[1024];

	tf_sysfs_load(f, "intel-2s");
	tf_io_fail_read("/energy_uj", -EACCES);
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), -EACCES);
	assert_null(f->s);
	tf_snprintf(want, sizeof(want), root_only_fmt, f->sys);
	assert_string_equal(f->why, want);
	for (int fd = 0; fd < TF_IO_MAX_FD; fd++)
		assert_int_equal(tf_io_state_get()->path[fd][0], '\0');
}

/* A short why buffer is truncated, never overrun; NULL is allowed. */
static void test_why_buffer(void **state)
{
	fx *f = *state;
	cs_sensor_env env;
	char small[16];

	tf_sysfs_load(f, "intel-2s");
	env.io = &f->io;
	env.model = NULL;
	env.nvml_path = NULL;
	tf_io_fail_open("/energy_uj", -EACCES);
	memset(small, 'x', sizeof(small));
	assert_int_equal(cs_rapl_ops.init(&env, &f->s, small, sizeof(small)), -EACCES);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(cs_rapl_ops.init(&env, &f->s, NULL, 0), -EACCES);
	assert_null(f->s);
}

/* ---- intel-laptop: package (core, uncore), psys, and the MMIO twin ------------ */

static void test_intel_laptop_psys(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "intel-laptop");
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), 0);
	/* intel-rapl-mmio:0 duplicates package-0: dropped */
	assert_int_equal(f->s->nchannels, 4);
	assert_string_equal(f->s->channels[0].name, "package-0");
	assert_string_equal(f->s->channels[1].name, "core-0");
	assert_string_equal(f->s->channels[2].name, "uncore-0");
	assert_string_equal(f->s->channels[3].name, "psys");
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(f->s->channels[i].source, "rapl");
	assert_int_equal(tf_channel(f->s, "core-0")->comp, CS_COMP_CORE);
	assert_int_equal(tf_channel(f->s, "uncore-0")->comp, CS_COMP_UNCORE);
	assert_int_equal(tf_channel(f->s, "psys")->comp, CS_COMP_PSYS);
	/* psys covers the package: only psys counts */
	assert_false(tf_channel(f->s, "package-0")->in_total);
	assert_false(tf_channel(f->s, "core-0")->in_total);
	assert_false(tf_channel(f->s, "uncore-0")->in_total);
	assert_true(tf_channel(f->s, "psys")->in_total);

	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	tf_write_u64(f->sys, Z0, 18293741052ULL + 9000000ULL);
	tf_write_u64(f->sys, Z00, 9183746012ULL + 6000000ULL);
	tf_write_u64(f->sys, Z01, 1029384756ULL + 500000ULL);
	tf_write_u64(f->sys, Z1, 40129837465ULL + 14000000ULL);
	tf_write_u64(f->sys, ZM0, 18293741052ULL + 9000000ULL);
	assert_int_equal(tf_sysfs_cycle(f, 1.0, 1.0), 0);
	assert_true(tf_channel(f->s, "package-0")->energy_j == 9.0);
	assert_true(tf_channel(f->s, "core-0")->energy_j == 6.0);
	assert_true(tf_channel(f->s, "uncore-0")->energy_j == 0.5);
	assert_true(tf_total_j(f->s) == 14.0);
}

/* A psys zone whose counter cannot be opened does not take the package out
 * of the total: the total would be empty. */
static void test_intel_laptop_psys_unreadable(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "intel-laptop");
	tf_remove_file(f->sys, Z1);
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), 0);
	assert_int_equal(f->s->nchannels, 3);
	assert_true(tf_channel(f->s, "package-0")->in_total);
	assert_false(tf_channel(f->s, "core-0")->in_total);
	assert_false(tf_channel(f->s, "uncore-0")->in_total);
}

/* Without intel_rapl_msr only the MMIO package is left: it is used, and
 * counts, under its own source name. */
static void test_intel_laptop_mmio_only(void **state)
{
	fx *f = *state;
	char p[PATH_MAX];
	static const char *const msr[] = {"intel-rapl:0", "intel-rapl:0:0", "intel-rapl:0:1", "intel-rapl:1",
	                                  "intel-rapl"};

	tf_sysfs_load(f, "intel-laptop");
	for (size_t i = 0; i < sizeof(msr) / sizeof(msr[0]); i++) {
		tf_snprintf(p, sizeof(p), "%s/class/powercap/%s", f->sys, msr[i]);
		tf_rm_tree(p);
	}
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), 0);
	assert_int_equal(f->s->nchannels, 1);
	assert_string_equal(f->s->channels[0].name, "package-0");
	assert_string_equal(f->s->channels[0].source, "rapl-mmio");
	assert_true(f->s->channels[0].in_total);
	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	tf_write_u64(f->sys, ZM0, 18293741052ULL + 3500000ULL);
	assert_int_equal(tf_sysfs_cycle(f, 1.0, 1.0), 0);
	assert_true(tf_total_j(f->s) == 3.5);
}

static void test_zones_without_counters(void **state)
{
	fx *f = *state;
	char want[PATH_MAX];

	tf_sysfs_load(f, "intel-laptop");
	tf_remove_file(f->sys, Z0);
	tf_remove_file(f->sys, Z00);
	tf_remove_file(f->sys, Z01);
	tf_remove_file(f->sys, Z1);
	tf_remove_file(f->sys, ZM0);
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), -ENOENT);
	assert_null(f->s);
	tf_snprintf(want, sizeof(want), "%s/" Z0 ": No such file or directory", f->sys);
	assert_string_equal(f->why, want);
}

/* ---- amd-powercap: EPYC, two packages with core subzones, no dram ------------ */

static void test_amd_powercap(void **state)
{
	fx *f = *state;

	tf_sysfs_load(f, "amd-powercap");
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), 0);
	assert_int_equal(f->s->nchannels, 4);
	assert_string_equal(f->s->channels[0].name, "package-0");
	assert_string_equal(f->s->channels[1].name, "core-0");
	assert_string_equal(f->s->channels[2].name, "package-1");
	assert_string_equal(f->s->channels[3].name, "core-1");
	assert_true(tf_channel(f->s, "package-0")->in_total);
	assert_true(tf_channel(f->s, "package-1")->in_total);
	assert_false(tf_channel(f->s, "core-0")->in_total);
	assert_false(tf_channel(f->s, "core-1")->in_total);

	/* package-0 wraps at AMD's range (2^32 - 1 units of 15.3 uJ) */
	tf_write_u64(f->sys, Z0, AMD_MAX_UJ - 2000000);
	assert_int_equal(tf_sysfs_cycle(f, 0.0, 0.0), 0);
	tf_write_u64(f->sys, Z0, 1000000);
	tf_write_u64(f->sys, Z00, 12093847561ULL + 2000000ULL);
	tf_write_u64(f->sys, Z1, 29384756102ULL + 95000000ULL);
	tf_write_u64(f->sys, Z10, 11293847560ULL + 60000000ULL);
	assert_int_equal(tf_sysfs_cycle(f, 1.0, 1.0), 0);
	assert_true(tf_channel(f->s, "package-0")->energy_j == 3.0);
	assert_int_equal(tf_channel(f->s, "package-0")->wraps, 1);
	assert_true(tf_channel(f->s, "package-1")->energy_j == 95.0);
	assert_true(tf_channel(f->s, "core-1")->energy_j == 60.0);
	/* cores are inside their packages */
	assert_true(tf_total_j(f->s) == 98.0);
}

/* ---- vm-noperm: a VM without powercap --------------------------------------- */

static void test_vm_no_powercap(void **state)
{
	fx *f = *state;
	char want[PATH_MAX];

	tf_sysfs_load(f, "vm-noperm");
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), CS_EUNAVAIL);
	assert_null(f->s);
	tf_snprintf(want, sizeof(want),
	            "no RAPL zones under %s/class/powercap (not an Intel/AMD host, intel_rapl_msr not loaded, or a VM)",
	            f->sys);
	assert_string_equal(f->why, want);
}

/* The real sysfs layout: class/powercap entries are symlinks. */
static void test_follows_symlinks(void **state)
{
	fx *f = *state;
	char p[PATH_MAX];
	struct stat st;

	tf_sysfs_load(f, "intel-2s");
	tf_snprintf(p, sizeof(p), "%s/class/powercap/intel-rapl:1:0", f->sys);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(tf_sysfs_init(f, &cs_rapl_ops), 0);
	assert_int_equal(f->s->nchannels, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counter_delta),
	    cmocka_unit_test(test_component_names),
	    cmocka_unit_test(test_registry_order),
	    cmocka_unit_test_setup_teardown(test_intel_2s_channels, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_intel_2s_normal_increase, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_intel_2s_wraparound, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_intel_2s_reset, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_intel_2s_zone_disappears, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_intel_2s_all_zones_gone, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_intel_2s_garbage, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_garbage_max_range, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_eacces_on_open, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_eacces_on_read, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_why_buffer, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_intel_laptop_psys, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_intel_laptop_psys_unreadable, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_intel_laptop_mmio_only, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_zones_without_counters, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_amd_powercap, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_vm_no_powercap, setup, tf_sysfs_teardown),
	    cmocka_unit_test_setup_teardown(test_follows_symlinks, setup, tf_sysfs_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
