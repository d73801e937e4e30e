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

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

/* snprintf that fails the test instead of truncating a path. */
static void xsnprintf(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void xsnprintf(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < cap);
}

/* ---- fixture trees ------------------------------------------------------------ */

/* Copies a tree, keeping symlinks as symlinks (sysfs class/ entries are). */
static int copy_tree(const char *src, const char *dst)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (mkdir(dst, 0755) != 0 && errno != EEXIST)
		return -1;
	d = opendir(src);
	if (!d)
		return -1;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char s[PATH_MAX], t[PATH_MAX];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		xsnprintf(s, sizeof(s), "%s/%s", src, de->d_name);
		xsnprintf(t, sizeof(t), "%s/%s", dst, de->d_name);
		if (lstat(s, &st) != 0) {
			rc = -1;
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(s, target, sizeof(target) - 1);

			if (n < 0)
				rc = -1;
			else {
				target[n] = '\0';
				rc = symlink(target, t);
			}
		} else if (S_ISDIR(st.st_mode)) {
			rc = copy_tree(s, t);
		} else {
			char buf[4096];
			ssize_t n;
			int in = open(s, O_RDONLY), out = open(t, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (in < 0 || out < 0)
				rc = -1;
			while (rc == 0 && (n = read(in, buf, sizeof(buf))) > 0)
				if (write(out, buf, (size_t)n) != n)
					rc = -1;
			if (in >= 0)
				close(in);
			if (out >= 0)
				close(out);
		}
	}
	closedir(d);
	return rc;
}

static void rm_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	if (d) {
		while ((de = readdir(d)) != NULL) {
			char p[PATH_MAX];

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			xsnprintf(p, sizeof(p), "%s/%s", path, de->d_name);
			rm_tree(p);
		}
		closedir(d);
	}
	rmdir(path);
}

/* ---- sysfs-like I/O double --------------------------------------------------- */

/* Test-only state (the ops callbacks take no context, see kfile.h). */
#define MAX_FD 1024
static struct {
	char path[MAX_FD][512]; /* what each open fd names */
	const char *deny_open;  /* open() of a path ending so: -EACCES */
	const char *deny_read;  /* pread() of such a path: read_err */
	int read_err;           /* -EACCES, or -EPERM as a suspended amdgpu */
} sysfs;

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int sysfs_open(const char *path, int flags)
{
	int fd;

	if (sysfs.deny_open && ends_with(path, sysfs.deny_open))
		return -EACCES;
	fd = open(path, flags);
	if (fd < 0)
		return -errno;
	if (fd < MAX_FD)
		xsnprintf(sysfs.path[fd], sizeof(sysfs.path[fd]), "%s", path);
	return fd;
}

static ssize_t sysfs_pread(int fd, void *buf, size_t n, off_t off)
{
	ssize_t r;

	if (fd >= 0 && fd < MAX_FD && sysfs.path[fd][0]) {
		/* sysfs: once the attribute is gone, its open fds fail */
		if (access(sysfs.path[fd], F_OK) != 0)
			return -ENODEV;
		if (sysfs.deny_read && ends_with(sysfs.path[fd], sysfs.deny_read))
			return sysfs.read_err;
	}
	r = pread(fd, buf, n, off);
	return r < 0 ? -errno : r;
}

static int sysfs_close(int fd)
{
	if (fd >= 0 && fd < MAX_FD)
		sysfs.path[fd][0] = '\0';
	return close(fd) < 0 ? -errno : 0;
}

static const cs_io_ops sysfs_ops = {sysfs_open, sysfs_pread, sysfs_close, NULL};

/* ---- per-test fixture -------------------------------------------------------- */

typedef struct fx {
	char root[64];      /* the temp copy */
	char sys[PATH_MAX]; /* root/sys */
	cs_io io;
	cs_sensor *s;
	char why[512];
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	memset(&sysfs, 0, sizeof(sysfs));
	snprintf(f->root, sizeof(f->root), "/tmp/cs_test_hwmon.XXXXXX");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	if (f->s)
		f->s->ops->destroy(f->s);
	rm_tree(f->root);
	free(f);
	return 0;
}

static void fx_load(fx *f, const char *name)
{
	char src[PATH_MAX];

	xsnprintf(src, sizeof(src), "%s/%s", CS_FIXTURES_DIR, name);
	assert_int_equal(copy_tree(src, f->root), 0);
	xsnprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
	assert_int_equal(cs_io_init(&f->io, &sysfs_ops, f->sys, NULL, NULL), 0);
}

static int fx_init(fx *f, const cs_sensor_ops *ops)
{
	cs_sensor_env env = {.io = &f->io, .model = NULL, .nvml_path = NULL};

	f->why[0] = '\0';
	return ops->init(&env, &f->s, f->why, sizeof(f->why));
}

static void put(fx *f, const char *rel, const char *content)
{
	char p[PATH_MAX];
	FILE *fp;

	xsnprintf(p, sizeof(p), "%s/%s", f->sys, rel);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(content, fp);
	assert_int_equal(fclose(fp), 0);
}

static void put_u64(fx *f, const char *rel, uint64_t v)
{
	char buf[32];

	xsnprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)v);
	put(f, rel, buf);
}

static void del(fx *f, const char *rel)
{
	char p[PATH_MAX];

	xsnprintf(p, sizeof(p), "%s/%s", f->sys, rel);
	assert_int_equal(unlink(p), 0);
}

static const cs_channel *ch_named(const cs_sensor *s, const char *name)
{
	for (size_t i = 0; i < s->nchannels; i++)
		if (strcmp(s->channels[i].name, name) == 0)
			return &s->channels[i];
	fail_msg("no channel %s", name);
	return NULL;
}

static double host_total_j(const cs_sensor *s)
{
	double t = 0;

	for (size_t i = 0; i < s->nchannels; i++)
		if (s->channels[i].in_total)
			t += s->channels[i].energy_j;
	return t;
}

/* One read() cycle, checking the hot-path rules: no open, one pread per
 * channel. */
static int cycle(fx *f, double now_s, double dt_s)
{
	uint64_t opens = f->io.opens, reads = f->io.reads;
	int rc = f->s->ops->read(f->s, now_s, dt_s);

	assert_int_equal(f->io.opens - opens, 0);
	assert_int_equal(f->io.reads - reads, f->s->nchannels);
	return rc;
}

/* ---- amd_energy ----------------------------------------------------------------- */

#define AE "class/hwmon/hwmon1/"

static void test_amd_energy_channels(void **state)
{
	static const char *const names[] = {"core-000", "core-001", "core-002", "core-003", "package-0", "package-1"};
	fx *f = *state;

	fx_load(f, "amd-energy-hwmon");
	assert_int_equal(fx_init(f, &cs_amd_energy_ops), 0);
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

	fx_load(f, "amd-energy-hwmon");
	assert_int_equal(fx_init(f, &cs_amd_energy_ops), 0);
	assert_int_equal(cycle(f, 0.0, 0.0), 0);
	assert_true(host_total_j(f->s) == 0.0);
	put_u64(f, AE "energy1_input", 1029384756ULL + 2500000ULL);
	put_u64(f, AE "energy4_input", 1000200300ULL + 1000000ULL);
	put_u64(f, AE "energy5_input", 120394857610ULL + 110000000ULL);
	put_u64(f, AE "energy6_input", 118293847561ULL + 97750000ULL);
	assert_int_equal(cycle(f, 2.0, 2.0), 0);
	assert_true(ch_named(f->s, "core-000")->energy_j == 2.5);
	assert_true(ch_named(f->s, "core-003")->energy_j == 1.0);
	assert_true(ch_named(f->s, "core-001")->energy_j == 0.0);
	assert_true(ch_named(f->s, "package-0")->energy_j == 110.0);
	assert_true(ch_named(f->s, "package-0")->power_w == 55.0);
	assert_true(ch_named(f->s, "package-1")->energy_j == 97.75);
	assert_true(host_total_j(f->s) == 207.75);
}

/* The driver accumulates into 64 bits: any drop is a reset, never a wrap. */
static void test_amd_energy_reset(void **state)
{
	fx *f = *state;

	fx_load(f, "amd-energy-hwmon");
	assert_int_equal(fx_init(f, &cs_amd_energy_ops), 0);
	assert_int_equal(cycle(f, 0.0, 0.0), 0);
	put_u64(f, AE "energy5_input", 1000000ULL); /* driver reloaded */
	put_u64(f, AE "energy6_input", 118293847561ULL + 4000000ULL);
	assert_int_equal(cycle(f, 1.0, 1.0), 0);
	assert_true(ch_named(f->s, "package-0")->energy_j == 0.0);
	assert_int_equal(ch_named(f->s, "package-0")->wraps, 0);
	assert_int_equal(ch_named(f->s, "package-0")->status, 0);
	assert_true(ch_named(f->s, "package-1")->energy_j == 4.0);
	put_u64(f, AE "energy5_input", 6000000ULL);
	assert_int_equal(cycle(f, 2.0, 1.0), 0);
	assert_true(ch_named(f->s, "package-0")->energy_j == 5.0);
}

static void test_amd_energy_garbage_and_gone(void **state)
{
	fx *f = *state;

	fx_load(f, "amd-energy-hwmon");
	assert_int_equal(fx_init(f, &cs_amd_energy_ops), 0);
	assert_int_equal(cycle(f, 0.0, 0.0), 0);
	put(f, AE "energy5_input", "-EIO\n");
	del(f, AE "energy2_input");
	put_u64(f, AE "energy6_input", 118293847561ULL + 3000000ULL);
	assert_int_equal(f->s->ops->read(f->s, 1.0, 1.0), 0);
	assert_int_equal(ch_named(f->s, "package-0")->status, CS_EINVAL);
	assert_true(ch_named(f->s, "package-0")->energy_j == 0.0);
	assert_int_equal(ch_named(f->s, "core-001")->status, -ENOENT);
	assert_true(ch_named(f->s, "package-1")->energy_j == 3.0);
	assert_int_equal(ch_named(f->s, "package-1")->status, 0);
	assert_true(host_total_j(f->s) == 3.0);
}

static void test_amd_energy_labels(void **state)
{
	fx *f = *state;

	fx_load(f, "amd-energy-hwmon");
	put(f, AE "energy2_label", "Ecore\n");       /* no number */
	put(f, AE "energy3_label", "Esocket-1\n");   /* sign */
	put(f, AE "energy4_label", "Tctl\n");        /* not ours */
	put(f, AE "energy6_label", "Esocket0001\n"); /* leading zeros are fine */
	assert_int_equal(fx_init(f, &cs_amd_energy_ops), 0);
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

	fx_load(f, "amd-energy-hwmon");
	del(f, AE "energy5_label");
	assert_int_equal(fx_init(f, &cs_amd_energy_ops), 0);
	assert_string_equal(f->s->channels[4].name, "energy5");
	assert_false(f->s->channels[4].in_total);
}

static void test_amd_energy_eacces(void **state)
{
	fx *f = *state;
	char want[1024];

	fx_load(f, "amd-energy-hwmon");
	sysfs.deny_open = "_input";
	assert_int_equal(fx_init(f, &cs_amd_energy_ops), -EACCES);
	assert_null(f->s);
	xsnprintf(want, sizeof(want),
	          "%s/class/hwmon/hwmon1/energy1_input is readable by root only: run carbonstat as root or grant "
	          "it CAP_DAC_READ_SEARCH (setcap cap_dac_read_search+ep $(command -v carbonstat))",
	          f->sys);
	assert_string_equal(f->why, want);
	for (int fd = 0; fd < MAX_FD; fd++)
		assert_int_equal(sysfs.path[fd][0], '\0');
}

static void test_amd_energy_absent(void **state)
{
	static const char *const fixtures[] = {"vm-noperm", "intel-2s", "amdgpu-hwmon"};
	fx *f = *state;
	char want[PATH_MAX];

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		fx_load(f, fixtures[i]);
		assert_int_equal(fx_init(f, &cs_amd_energy_ops), CS_EUNAVAIL);
		assert_null(f->s);
		if (i == 0)
			xsnprintf(want, sizeof(want), "no %s/class/hwmon: no hwmon devices here", f->sys);
		else
			xsnprintf(want, sizeof(want),
			          "no hwmon device named amd_energy under %s/class/hwmon (module not loaded; on "
			          "Linux >= 5.8 the rapl sensor reads AMD energy from powercap)",
			          f->sys);
		assert_string_equal(f->why, want);
		rm_tree(f->root);
		assert_int_equal(mkdir(f->root, 0700), 0);
	}
}

/* ---- amdgpu ----------------------------------------------------------------------- */

#define G0 "class/hwmon/hwmon2/"
#define G1 "class/hwmon/hwmon10/"

static void test_amdgpu_channels(void **state)
{
	fx *f = *state;

	fx_load(f, "amdgpu-hwmon");
	assert_int_equal(fx_init(f, &cs_amdgpu_ops), 0);
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

	fx_load(f, "amdgpu-hwmon");
	assert_int_equal(fx_init(f, &cs_amdgpu_ops), 0);
	/* first cycle: power known, energy 0 (no interval yet) */
	assert_int_equal(cycle(f, 0.0, 0.0), 0);
	assert_true(ch_named(f->s, "gpu-0")->power_w == 15.0); /* power1_average */
	assert_true(ch_named(f->s, "gpu-1")->power_w == 62.0); /* power1_input */
	assert_true(host_total_j(f->s) == 0.0);
	put(f, G0 "power1_average", "20500000\n");
	assert_int_equal(cycle(f, 2.0, 2.0), 0);
	assert_true(ch_named(f->s, "gpu-0")->energy_j == 41.0);
	assert_true(ch_named(f->s, "gpu-1")->energy_j == 124.0);
	assert_true(host_total_j(f->s) == 165.0);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(f->s->channels[i].status, 0);
}

static void test_amdgpu_prefers_average(void **state)
{
	fx *f = *state;

	fx_load(f, "amdgpu-hwmon");
	put(f, G0 "power1_input", "99000000\n");
	assert_int_equal(fx_init(f, &cs_amdgpu_ops), 0);
	assert_int_equal(cycle(f, 0.0, 0.0), 0);
	assert_true(ch_named(f->s, "gpu-0")->power_w == 15.0);
}

/* A card without a power file keeps its number: gpu-1 stays gpu-1. */
static void test_amdgpu_card_without_power(void **state)
{
	fx *f = *state;

	fx_load(f, "amdgpu-hwmon");
	del(f, G0 "power1_average");
	assert_int_equal(fx_init(f, &cs_amdgpu_ops), 0);
	assert_int_equal(f->s->nchannels, 1);
	assert_string_equal(f->s->channels[0].name, "gpu-1");
}

static void test_amdgpu_garbage_suspended_gone(void **state)
{
	fx *f = *state;

	fx_load(f, "amdgpu-hwmon");
	assert_int_equal(fx_init(f, &cs_amdgpu_ops), 0);
	assert_int_equal(cycle(f, 0.0, 0.0), 0);
	/* garbage */
	put(f, G0 "power1_average", "15 W\n");
	assert_int_equal(cycle(f, 1.0, 1.0), 0);
	assert_int_equal(ch_named(f->s, "gpu-0")->status, CS_EINVAL);
	assert_true(ch_named(f->s, "gpu-0")->energy_j == 0.0);
	assert_true(ch_named(f->s, "gpu-0")->power_w == 0.0);
	assert_true(ch_named(f->s, "gpu-1")->energy_j == 62.0);
	/* runtime-suspended: the kernel answers EPERM */
	put(f, G0 "power1_average", "15000000\n");
	sysfs.deny_read = "hwmon10/power1_input";
	sysfs.read_err = -EPERM;
	assert_int_equal(cycle(f, 2.0, 1.0), 0);
	assert_int_equal(ch_named(f->s, "gpu-1")->status, -EPERM);
	assert_true(ch_named(f->s, "gpu-1")->energy_j == 0.0);
	assert_true(ch_named(f->s, "gpu-0")->energy_j == 15.0);
	/* every card failing: read() says so ("" matches every file) */
	sysfs.deny_read = "";
	assert_int_equal(f->s->ops->read(f->s, 3.0, 1.0), -EPERM);
	sysfs.deny_read = NULL;
	/* a card unplugged (hot-unplug, driver unbind) */
	del(f, G1 "power1_input");
	assert_int_equal(f->s->ops->read(f->s, 4.0, 1.0), 0);
	assert_int_equal(ch_named(f->s, "gpu-1")->status, -ENOENT);
	assert_true(ch_named(f->s, "gpu-0")->energy_j == 15.0);
	assert_true(host_total_j(f->s) == 15.0);
}

static void test_amdgpu_absent(void **state)
{
	static const char *const fixtures[] = {"vm-noperm", "intel-2s", "amd-energy-hwmon"};
	fx *f = *state;

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		fx_load(f, fixtures[i]);
		assert_int_equal(fx_init(f, &cs_amdgpu_ops), CS_EUNAVAIL);
		assert_null(f->s);
		assert_non_null(strstr(f->why, "/class/hwmon"));
		rm_tree(f->root);
		assert_int_equal(mkdir(f->root, 0700), 0);
	}
}

static void test_amdgpu_no_power_files(void **state)
{
	fx *f = *state;
	char want[PATH_MAX];

	fx_load(f, "amdgpu-hwmon");
	del(f, G0 "power1_average");
	del(f, G1 "power1_input");
	assert_int_equal(fx_init(f, &cs_amdgpu_ops), CS_EUNAVAIL);
	xsnprintf(want, sizeof(want), "amdgpu devices under %s/class/hwmon have no power1_average or power1_input",
	          f->sys);
	assert_string_equal(f->why, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_amd_energy_channels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_increase, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_garbage_and_gone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_labels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_missing_label, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_eacces, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amd_energy_absent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amdgpu_channels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amdgpu_power_to_energy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amdgpu_prefers_average, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amdgpu_card_without_power, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amdgpu_garbage_suspended_gone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amdgpu_absent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_amdgpu_no_power_files, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
