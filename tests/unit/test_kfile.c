/* Unit tests for io/kfile.c: roots and path joins, kept-open reads at offset
 * 0, the reopen-once policy, strict counter parsing and the cs_io counters.
 * Real files in a mkdtemp() directory; failures the file system cannot
 * produce on demand (ENODEV, ESTALE, ESPIPE, EACCES as root, oversized
 * reads) come from a cs_io_ops double scripted per test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "io/kfile.h"

#include "fixture.h"

/* ---- temp dir ---------------------------------------------------------------- */

typedef struct tdir {
	char path[64];
} tdir;

static int setup(void **state)
{
	tdir *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	if (tf_mkdtemp(t->path, sizeof(t->path), "kfile") != 0) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tdir *t = *state;

	tf_rm_tree(t->path);
	free(t);
	return 0;
}

/* ---- scripted double ----------------------------------------------------------- */

/* Test-only state: the ops callbacks take no context (see kfile.h). */
static struct {
	int open_err;        /* returned by the next open() if set, then cleared */
	int open_err_sticky; /* returned by every open() if set */
	int pread_err[4];    /* returned by the next preads, in order, 0 = real */
	size_t npread_err;
	ssize_t pread_extra; /* added to a successful read's count (broken double) */
	unsigned opens, preads, closes;
} dbl;

static int dbl_open(const char *path, int flags)
{
	int fd, err;

	dbl.opens++;
	if (dbl.open_err_sticky)
		return dbl.open_err_sticky;
	if (dbl.open_err) {
		err = dbl.open_err;
		dbl.open_err = 0;
		return err;
	}
	fd = open(path, flags);
	return fd < 0 ? -errno : fd;
}

static ssize_t dbl_pread(int fd, void *buf, size_t n, off_t off)
{
	ssize_t r;

	dbl.preads++;
	if (dbl.npread_err > 0) {
		int err = dbl.pread_err[0];

		memmove(dbl.pread_err, dbl.pread_err + 1, sizeof(dbl.pread_err) - sizeof(dbl.pread_err[0]));
		dbl.npread_err--;
		if (err)
			return err;
	}
	r = pread(fd, buf, n, off);
	if (r < 0)
		return -errno;
	return r + dbl.pread_extra;
}

static int dbl_close(int fd)
{
	dbl.closes++;
	return close(fd) < 0 ? -errno : 0;
}

static const cs_io_ops dbl_ops = {dbl_open, dbl_pread, dbl_close, NULL, NULL};

static void dbl_reset(void)
{
	memset(&dbl, 0, sizeof(dbl));
}

/* ---- roots and paths ----------------------------------------------------------- */

static void test_io_init_defaults(void **state)
{
	cs_io io;

	(void)state;
	assert_int_equal(cs_io_init(&io, NULL, NULL, NULL, NULL), 0);
	assert_ptr_equal(io.ops, &cs_io_posix);
	assert_string_equal(io.sysfs_root, "/sys");
	assert_string_equal(io.procfs_root, "/proc");
	assert_string_equal(io.cgroup_root, "/sys/fs/cgroup");
	assert_true(io.opens == 0 && io.reads == 0 && io.bytes == 0 && io.errors == 0);
}

static void test_io_init_roots(void **state)
{
	cs_io io;
	char longroot[300];

	(void)state;
	assert_int_equal(cs_io_init(&io, &dbl_ops, "/tmp/fx/sys/", "/tmp/fx/proc", "/tmp/fx/cg//"), 0);
	assert_ptr_equal(io.ops, &dbl_ops);
	/* trailing slashes dropped so joins never give "//" */
	assert_string_equal(io.sysfs_root, "/tmp/fx/sys");
	assert_string_equal(io.cgroup_root, "/tmp/fx/cg");
	memset(longroot, 'a', sizeof(longroot) - 1);
	longroot[sizeof(longroot) - 1] = '\0';
	assert_int_equal(cs_io_init(&io, NULL, longroot, NULL, NULL), CS_ERANGE);
	assert_int_equal(cs_io_init(&io, NULL, NULL, NULL, longroot), CS_ERANGE);
}

static void test_io_path(void **state)
{
	cs_io io;
	char out[64], tiny[12];

	(void)state;
	assert_int_equal(cs_io_init(&io, NULL, "/fx/sys", "/fx/proc", NULL), 0);
	assert_int_equal(cs_io_path(&io, CS_ROOT_SYSFS, "class/powercap", out, sizeof(out)), 0);
	assert_string_equal(out, "/fx/sys/class/powercap");
	assert_int_equal(cs_io_path(&io, CS_ROOT_PROCFS, "/stat", out, sizeof(out)), 0);
	assert_string_equal(out, "/fx/proc/stat");
	assert_int_equal(cs_io_path(&io, CS_ROOT_CGROUP, "a", out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/a");
	/* "/fx/sys/abc" + NUL is 12 bytes: fits exactly; one more does not */
	assert_int_equal(cs_io_path(&io, CS_ROOT_SYSFS, "abc", tiny, sizeof(tiny)), 0);
	assert_string_equal(tiny, "/fx/sys/abc");
	assert_int_equal(cs_io_path(&io, CS_ROOT_SYSFS, "abcd", tiny, sizeof(tiny)), CS_ERANGE);
}

static void test_io_root_slash(void **state)
{
	cs_io io;
	char out[64];

	(void)state;
	assert_int_equal(cs_io_init(&io, NULL, "/", NULL, NULL), 0);
	assert_int_equal(cs_io_path(&io, CS_ROOT_SYSFS, "sys/class", out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/class");
}

/* ---- kept-open reads ------------------------------------------------------------ */

static void test_kfile_read_in_place(void **state)
{
	tdir *t = *state;
	cs_io io;
	cs_kfile f;
	uint64_t v = 0;

	assert_int_equal(cs_io_init(&io, NULL, t->path, NULL, NULL), 0);
	tf_write_file(t->path, "energy_uj", "47835316870\n");
	assert_int_equal(cs_kfile_open(&f, &io, CS_ROOT_SYSFS, "energy_uj"), 0);
	assert_true(f.fd >= 0);
	assert_int_equal(io.opens, 1);
	assert_int_equal(cs_kfile_read_u64(&f, &v), 0);
	assert_true(v == 47835316870ULL);
	assert_int_equal(io.reads, 1);
	assert_int_equal(io.bytes, 12);
	/* new value, same inode: read again without reopening */
	tf_write_file(t->path, "energy_uj", "47985316870\n");
	assert_int_equal(cs_kfile_read_u64(&f, &v), 0);
	assert_true(v == 47985316870ULL);
	assert_int_equal(io.opens, 1);
	assert_int_equal(io.reads, 2);
	assert_int_equal(io.errors, 0);
	cs_kfile_close(&f);
	assert_int_equal(f.fd, -1);
	cs_kfile_close(&f); /* second close is a no-op */
}

static void test_kfile_read_bytes(void **state)
{
	tdir *t = *state;
	cs_io io;
	cs_kfile f;
	char buf[8];
	size_t len = 99;

	assert_int_equal(cs_io_init(&io, NULL, t->path, NULL, NULL), 0);
	tf_write_file(t->path, "name", "package-0\n");
	assert_int_equal(cs_kfile_open(&f, &io, CS_ROOT_SYSFS, "name"), 0);
	/* cap - 1 bytes at most, always NUL terminated */
	assert_int_equal(cs_kfile_read(&f, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 7);
	assert_string_equal(buf, "package");
	assert_int_equal(cs_kfile_read(&f, buf, 1, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	assert_int_equal(cs_kfile_read(&f, NULL, 8, &len), CS_EINVAL);
	cs_kfile_close(&f);
}

static void test_kfile_open_abs(void **state)
{
	tdir *t = *state;
	cs_io io;
	cs_kfile f;
	char p[PATH_MAX], longp[400];
	uint64_t v;

	assert_int_equal(cs_io_init(&io, NULL, "/nonexistent", NULL, NULL), 0);
	tf_write_file(t->path, "energy_uj", "7\n");
	snprintf(p, sizeof(p), "%s/energy_uj", t->path);
	assert_int_equal(cs_kfile_open_abs(&f, &io, p), 0);
	assert_string_equal(f.path, p);
	assert_int_equal(cs_kfile_read_u64(&f, &v), 0);
	assert_true(v == 7);
	cs_kfile_close(&f);
	memset(longp, 'x', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(cs_kfile_open_abs(&f, &io, longp), CS_ERANGE);
	assert_int_equal(f.fd, -1);
	/* a read on a file that never had a path is refused, not attempted */
	assert_int_equal(cs_kfile_read_u64(&f, &v), -EBADF);
}

static void test_kfile_open_missing(void **state)
{
	tdir *t = *state;
	cs_io io;
	cs_kfile f;

	assert_int_equal(cs_io_init(&io, NULL, t->path, NULL, NULL), 0);
	assert_int_equal(cs_kfile_open(&f, &io, CS_ROOT_SYSFS, "class/powercap/intel-rapl:0/energy_uj"), -ENOENT);
	assert_int_equal(f.fd, -1);
	/* the path is kept so the caller's message can name it */
	assert_non_null(strstr(f.path, "class/powercap/intel-rapl:0/energy_uj"));
	assert_int_equal(io.opens, 0);
	assert_int_equal(io.errors, 1);
	cs_kfile_close(&f);
}

static void test_kfile_garbage(void **state)
{
	static const char *const bad[] = {
	    "",                                       /* empty */
	    "\n",                                     /* blank line */
	    "garbage\n",                              /* letters */
	    "-5\n",                                   /* sign */
	    "+5\n",                                   /* sign */
	    "12a\n",                                  /* trailing garbage */
	    "1e9\n",                                  /* not a counter */
	    "0x10\n",                                 /* hex */
	    "12\n34\n",                               /* two lines: wrong file */
	    "18446744073709551616\n",                 /* 2^64: overflows */
	    "000000000000000000000000000000000001\n", /* longer than any counter */
	};
	tdir *t = *state;
	cs_io io;
	cs_kfile f;
	uint64_t v;

	assert_int_equal(cs_io_init(&io, NULL, t->path, NULL, NULL), 0);
	tf_write_file(t->path, "energy_uj", "1\n");
	assert_int_equal(cs_kfile_open(&f, &io, CS_ROOT_SYSFS, "energy_uj"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 42;
		tf_write_file(t->path, "energy_uj", bad[i]);
		assert_int_equal(cs_kfile_read_u64(&f, &v), CS_EINVAL);
		assert_true(v == 42); /* output untouched on failure */
	}
	/* accepted shapes: leading blanks, no newline, 2^64 - 1 */
	tf_write_file(t->path, "energy_uj", "  12");
	assert_int_equal(cs_kfile_read_u64(&f, &v), 0);
	assert_true(v == 12);
	tf_write_file(t->path, "energy_uj", "18446744073709551615\n");
	assert_int_equal(cs_kfile_read_u64(&f, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(io.opens, 1);
	cs_kfile_close(&f);
}

/* ESPIPE, ESTALE and ENODEV: one reopen, one more pread, success. */
static void test_kfile_reopen_once(void **state)
{
	static const int errs[] = {-ENODEV, -ESTALE, -ESPIPE};
	tdir *t = *state;
	cs_io io;
	cs_kfile f;
	uint64_t v;

	tf_write_file(t->path, "energy_uj", "123\n");
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		dbl_reset();
		assert_int_equal(cs_io_init(&io, &dbl_ops, t->path, NULL, NULL), 0);
		assert_int_equal(cs_kfile_open(&f, &io, CS_ROOT_SYSFS, "energy_uj"), 0);
		dbl.pread_err[0] = errs[i];
		dbl.npread_err = 1;
		assert_int_equal(cs_kfile_read_u64(&f, &v), 0);
		assert_true(v == 123);
		assert_int_equal(io.opens, 2);
		assert_int_equal(io.reads, 2);
		assert_int_equal(io.errors, 1);
		assert_int_equal(dbl.closes, 1);
		/* and only once: the same error twice is returned */
		dbl.pread_err[0] = errs[i];
		dbl.pread_err[1] = errs[i];
		dbl.npread_err = 2;
		assert_int_equal(cs_kfile_read_u64(&f, &v), errs[i]);
		assert_int_equal(io.opens, 3);
		assert_int_equal(io.reads, 4);
		cs_kfile_close(&f);
	}
}

/* Other errors are returned as they are, without reopening. */
static void test_kfile_no_reopen_on_eio(void **state)
{
	tdir *t = *state;
	cs_io io;
	cs_kfile f;
	uint64_t v;

	dbl_reset();
	tf_write_file(t->path, "energy_uj", "5\n");
	assert_int_equal(cs_io_init(&io, &dbl_ops, t->path, NULL, NULL), 0);
	assert_int_equal(cs_kfile_open(&f, &io, CS_ROOT_SYSFS, "energy_uj"), 0);
	dbl.pread_err[0] = -EIO;
	dbl.npread_err = 1;
	assert_int_equal(cs_kfile_read_u64(&f, &v), -EIO);
	assert_int_equal(io.opens, 1);
	assert_int_equal(io.reads, 1);
	assert_int_equal(io.errors, 1);
	assert_true(f.fd >= 0);
	assert_int_equal(cs_kfile_read_u64(&f, &v), 0);
	cs_kfile_close(&f);
}

/* The reopen fails (the file is gone): closed, error returned; each later
 * read tries to open again and succeeds once the file is back. */
static void test_kfile_reopen_fails_then_recovers(void **state)
{
	tdir *t = *state;
	cs_io io;
	cs_kfile f;
	uint64_t v;

	dbl_reset();
	tf_write_file(t->path, "energy_uj", "10\n");
	assert_int_equal(cs_io_init(&io, &dbl_ops, t->path, NULL, NULL), 0);
	assert_int_equal(cs_kfile_open(&f, &io, CS_ROOT_SYSFS, "energy_uj"), 0);
	dbl.pread_err[0] = -ENODEV;
	dbl.npread_err = 1;
	dbl.open_err_sticky = -ENOENT;
	assert_int_equal(cs_kfile_read_u64(&f, &v), -ENOENT);
	assert_int_equal(f.fd, -1);
	assert_int_equal(cs_kfile_read_u64(&f, &v), -ENOENT);
	assert_int_equal(io.reads, 1); /* no pread without an fd */
	dbl.open_err_sticky = 0;
	assert_int_equal(cs_kfile_read_u64(&f, &v), 0);
	assert_true(v == 10);
	assert_int_equal(io.opens, 2);
	cs_kfile_close(&f);
}

static void test_kfile_open_eacces(void **state)
{
	tdir *t = *state;
	cs_io io;
	cs_kfile f;
	uint64_t v = 0;

	dbl_reset();
	tf_write_file(t->path, "energy_uj", "10\n");
	assert_int_equal(cs_io_init(&io, &dbl_ops, t->path, NULL, NULL), 0);
	dbl.open_err = -EACCES;
	assert_int_equal(cs_kfile_open(&f, &io, CS_ROOT_SYSFS, "energy_uj"), -EACCES);
	assert_int_equal(f.fd, -1);
	assert_int_equal(io.errors, 1);
	assert_int_equal(cs_io_read_u64(&io, CS_ROOT_SYSFS, "energy_uj", &v), 0);
	assert_true(v == 10);
	dbl.open_err = -EACCES;
	assert_int_equal(cs_io_read_u64(&io, CS_ROOT_SYSFS, "energy_uj", &v), -EACCES);
}

/* A double that claims more bytes than it was given room for is refused. */
static void test_kfile_overlong_read(void **state)
{
	tdir *t = *state;
	cs_io io;
	cs_kfile f;
	char buf[8];
	size_t len;

	dbl_reset();
	tf_write_file(t->path, "energy_uj", "1234567\n");
	assert_int_equal(cs_io_init(&io, &dbl_ops, t->path, NULL, NULL), 0);
	assert_int_equal(cs_kfile_open(&f, &io, CS_ROOT_SYSFS, "energy_uj"), 0);
	dbl.pread_extra = 5;
	assert_int_equal(cs_kfile_read(&f, buf, sizeof(buf), &len), -EIO);
	cs_kfile_close(&f);
}

static void test_io_one_shot_helpers(void **state)
{
	tdir *t = *state;
	cs_io io;
	char line[32], small[4];
	uint64_t v;

	assert_int_equal(cs_io_init(&io, NULL, t->path, NULL, NULL), 0);
	tf_write_file(t->path, "name", "package-0  \nsecond line\n");
	assert_int_equal(cs_io_read_line(&io, CS_ROOT_SYSFS, "name", line, sizeof(line)), 0);
	assert_string_equal(line, "package-0");
	assert_int_equal(cs_io_read_line(&io, CS_ROOT_SYSFS, "name", small, sizeof(small)), 0);
	assert_string_equal(small, "pac");
	tf_write_file(t->path, "other", "");
	assert_int_equal(cs_io_read_line(&io, CS_ROOT_SYSFS, "other", line, sizeof(line)), 0);
	assert_string_equal(line, "");
	assert_int_equal(cs_io_read_line(&io, CS_ROOT_SYSFS, "missing", line, sizeof(line)), -ENOENT);
	tf_write_file(t->path, "energy_uj", "262143328850\n");
	assert_int_equal(cs_io_read_u64(&io, CS_ROOT_SYSFS, "energy_uj", &v), 0);
	assert_true(v == 262143328850ULL);
	/* every one-shot closes what it opened: 4 successful opens so far */
	assert_int_equal(io.opens, 4);
	assert_int_equal(io.errors, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_io_init_defaults),
	    cmocka_unit_test(test_io_init_roots),
	    cmocka_unit_test(test_io_path),
	    cmocka_unit_test(test_io_root_slash),
	    cmocka_unit_test_setup_teardown(test_kfile_read_in_place, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kfile_read_bytes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kfile_open_abs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kfile_open_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kfile_garbage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kfile_reopen_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kfile_no_reopen_on_eio, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kfile_reopen_fails_then_recovers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kfile_open_eacces, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kfile_overlong_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_io_one_shot_helpers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
