/* tests/support/fixture.c - shared helpers for the cmocka unit tests (see
 * fixture.h for what this owns). The I/O double's state is the one
 * file-static struct below: a test-only singleton, because cs_io_ops
 * callbacks get no context. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

/* ---- formatting and files ------------------------------------------------------- */

void tf_snprintf(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < cap);
}

int tf_mkdtemp(char *dir, size_t cap, const char *tag)
{
	tf_snprintf(dir, cap, "/tmp/cs_test_%s.XXXXXX", tag);
	return mkdtemp(dir) ? 0 : -1;
}

/* Copies one regular file's bytes. */
static int copy_file(const char *src, const char *dst)
{
	char buf[4096];
	ssize_t n;
	int rc = 0;
	int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (in < 0 || out < 0)
		rc = -1;
	while (rc == 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			rc = -1;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

/* Recreates the symlink src at dst with the same target. */
static int copy_link(const char *src, const char *dst)
{
	char target[PATH_MAX];
	ssize_t n = readlink(src, target, sizeof(target) - 1);

	if (n < 0)
		return -1;
	target[n] = '\0';
	return symlink(target, dst);
}

static bool is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

int tf_copy_tree(const char *src, const char *dst)
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

		if (is_dot(de->d_name))
			continue;
		tf_snprintf(s, sizeof(s), "%s/%s", src, de->d_name);
		tf_snprintf(t, sizeof(t), "%s/%s", dst, de->d_name);
		if (lstat(s, &st) != 0)
			rc = -1;
		else if (S_ISLNK(st.st_mode))
			rc = copy_link(s, t);
		else if (S_ISDIR(st.st_mode))
			rc = tf_copy_tree(s, t);
		else
			rc = copy_file(s, t);
	}
	closedir(d);
	return rc;
}

void tf_rm_tree(const char *path)
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

			if (is_dot(de->d_name))
				continue;
			tf_snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
			tf_rm_tree(p);
		}
		closedir(d);
	}
	rmdir(path);
}

static void join(char *out, size_t cap, const char *dir, const char *rel)
{
	if (dir)
		tf_snprintf(out, cap, "%s/%s", dir, rel);
	else
		tf_snprintf(out, cap, "%s", rel);
}

void tf_write_file(const char *dir, const char *rel, const char *text)
{
	char p[PATH_MAX];
	FILE *fp;

	join(p, sizeof(p), dir, rel);
	fp = fopen(p, "w"); /* in place: a kept-open fd sees the new bytes */
	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

void tf_write_u64(const char *dir, const char *rel, uint64_t v)
{
	char buf[32];

	tf_snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)v);
	tf_write_file(dir, rel, buf);
}

void tf_remove_file(const char *dir, const char *rel)
{
	char p[PATH_MAX];

	join(p, sizeof(p), dir, rel);
	assert_int_equal(unlink(p), 0);
}

/* ---- the I/O double ------------------------------------------------------------ */

/* The test-only singleton (see fixture.h). */
static tf_io_state io_state;

void tf_io_reset(void)
{
	memset(&io_state, 0, sizeof(io_state));
}

void tf_io_fail_open(const char *suffix, int err)
{
	io_state.fail_open = suffix;
	io_state.fail_open_err = err;
}

void tf_io_fail_read(const char *suffix, int err)
{
	io_state.fail_read = suffix;
	io_state.fail_read_err = err;
}

void tf_io_fail_nth_read(int n, int err)
{
	io_state.fail_read_in = n;
	io_state.fail_read_in_err = err;
}

void tf_io_serve(const char *text)
{
	io_state.serve = text;
}

const tf_io_state *tf_io_state_get(void)
{
	return &io_state;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int tf_open(const char *path, int flags)
{
	int fd;

	if (io_state.fail_open && ends_with(path, io_state.fail_open)) {
		io_state.failed_opens++;
		return io_state.fail_open_err;
	}
	fd = open(path, flags);
	if (fd < 0)
		return -errno;
	if (fd < TF_IO_MAX_FD)
		tf_snprintf(io_state.path[fd], sizeof(io_state.path[fd]), "%s", path);
	return fd;
}

/* Bytes of io_state.serve from off, like a file holding them. */
static ssize_t serve(void *buf, size_t n, off_t off)
{
	size_t len = strlen(io_state.serve), k;

	if ((size_t)off >= len)
		return 0;
	k = len - (size_t)off < n ? len - (size_t)off : n;
	memcpy(buf, io_state.serve + off, k);
	return (ssize_t)k;
}

static ssize_t tf_pread(int fd, void *buf, size_t n, off_t off)
{
	ssize_t r;

	/* counts every pread, so it goes first */
	if (io_state.fail_read_in > 0 && --io_state.fail_read_in == 0)
		return io_state.fail_read_in_err;
	if (fd >= 0 && fd < TF_IO_MAX_FD && io_state.path[fd][0]) {
		/* sysfs: once the attribute is gone, its open fds fail */
		if (access(io_state.path[fd], F_OK) != 0)
			return -ENODEV;
		if (io_state.fail_read && ends_with(io_state.path[fd], io_state.fail_read))
			return io_state.fail_read_err;
	}
	if (io_state.serve)
		return serve(buf, n, off);
	r = pread(fd, buf, n, off);
	return r < 0 ? -errno : r;
}

static int tf_close(int fd)
{
	if (fd >= 0 && fd < TF_IO_MAX_FD)
		io_state.path[fd][0] = '\0';
	return close(fd) < 0 ? -errno : 0;
}

const cs_io_ops tf_io_ops = {tf_open, tf_pread, tf_close, NULL, NULL};

/* ---- a sensor on a copied sysfs tree ------------------------------------------------ */

tf_sysfs *tf_sysfs_new(const char *tag)
{
	tf_sysfs *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	tf_io_reset();
	if (tf_mkdtemp(f->root, sizeof(f->root), tag) != 0) {
		free(f);
		return NULL;
	}
	return f;
}

void tf_sysfs_free(tf_sysfs *f)
{
	if (!f)
		return;
	if (f->s)
		f->s->ops->destroy(f->s);
	tf_rm_tree(f->root);
	free(f);
}

int tf_sysfs_teardown(void **state)
{
	tf_sysfs_free(*state);
	return 0;
}

void tf_sysfs_load(tf_sysfs *f, const char *name)
{
	char src[PATH_MAX];

	tf_snprintf(src, sizeof(src), "%s/%s", CS_FIXTURES_DIR, name);
	assert_int_equal(tf_copy_tree(src, f->root), 0);
	tf_snprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
	assert_int_equal(cs_io_init(&f->io, &tf_io_ops, f->sys, NULL, NULL), 0);
}

int tf_sysfs_init(tf_sysfs *f, const cs_sensor_ops *ops)
{
	cs_sensor_env env = {.io = &f->io, .model = NULL, .nvml_path = NULL};

	f->why[0] = '\0';
	return ops->init(&env, &f->s, f->why, sizeof(f->why));
}

int tf_sysfs_cycle(tf_sysfs *f, double now_s, double dt_s)
{
	uint64_t opens = f->io.opens, reads = f->io.reads;
	int rc = f->s->ops->read(f->s, now_s, dt_s);

	assert_int_equal(f->io.opens - opens, 0);
	assert_int_equal(f->io.reads - reads, f->s->nchannels);
	return rc;
}

/* ---- sensors ------------------------------------------------------------------- */

const cs_channel *tf_channel(const cs_sensor *s, const char *name)
{
	for (size_t i = 0; i < s->nchannels; i++)
		if (strcmp(s->channels[i].name, name) == 0)
			return &s->channels[i];
	fail_msg("no channel %s", name);
	return NULL;
}

double tf_total_j(const cs_sensor *s)
{
	double t = 0;

	for (size_t i = 0; i < s->nchannels; i++)
		if (s->channels[i].in_total)
			t += s->channels[i].energy_j;
	return t;
}

void tf_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof cmd);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}
