/* io/kfile.c - kept-open, root-relative readers for sysfs/procfs/cgroup files.
 *
 * Owns the cs_io context (roots, syscall table, counters) and cs_kfile, the
 * open-once/pread-many file handle every sensor and reader uses on its hot
 * path. A read is exactly one pread(fd, buf, cap - 1, 0): sysfs and procfs
 * attributes are generated whole on each read at offset 0, so one call
 * returns the current value with no lseek and no re-open. Nothing here
 * allocates; every buffer is the caller's or lives in the cs_kfile.
 *
 * Every system call goes through io->ops (see kfile.h) and returns -errno, so
 * tests inject failures without root or fault-injection kernels. Counters in
 * cs_io are plain fields: a cs_io belongs to one thread, like the sensors
 * that use it.
 */
#include "io/kfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "core/parse.h"

/* ---- the POSIX table ------------------------------------------------------ */

static int posix_open(const char *path, int flags)
{
	int fd;

	do
		fd = open(path, flags);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

static int posix_openat(int dirfd, const char *name, int flags)
{
	int fd;

	do
		fd = openat(dirfd, name, flags);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

static ssize_t posix_pread(int fd, void *buf, size_t n, off_t off)
{
	ssize_t r;

	do
		r = pread(fd, buf, n, off);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

static int posix_close(int fd)
{
	/* No retry on EINTR: on Linux the fd is released even then, and a retry
	 * could close a descriptor another thread just got. */
	return close(fd) < 0 ? -errno : 0;
}

const cs_io_ops cs_io_posix = {
    .open = posix_open,
    .pread = posix_pread,
    .close = posix_close,
    .user = NULL,
    .openat = posix_openat,
};

/* ---- context and paths ---------------------------------------------------- */

/* Copies root (or the default) into dst; a trailing '/' is dropped so joins
 * never produce "//" (except for the root "/" itself, kept as ""). */
static int set_root(char *dst, size_t cap, const char *root, const char *def)
{
	size_t n;

	if (!root)
		root = def;
	n = strlen(root);
	if (n >= cap)
		return CS_ERANGE;
	memcpy(dst, root, n + 1);
	while (n > 0 && dst[n - 1] == '/')
		dst[--n] = '\0';
	return 0;
}

int cs_io_init(cs_io *io, const cs_io_ops *ops, const char *sysfs_root, const char *procfs_root,
               const char *cgroup_root)
{
	int rc;

	memset(io, 0, sizeof(*io));
	io->ops = ops ? ops : &cs_io_posix;
	rc = set_root(io->sysfs_root, sizeof(io->sysfs_root), sysfs_root, "/sys");
	if (rc == 0)
		rc = set_root(io->procfs_root, sizeof(io->procfs_root), procfs_root, "/proc");
	if (rc == 0)
		rc = set_root(io->cgroup_root, sizeof(io->cgroup_root), cgroup_root, "/sys/fs/cgroup");
	return rc;
}

static const char *root_of(const cs_io *io, cs_root root)
{
	switch (root) {
	case CS_ROOT_SYSFS: return io->sysfs_root;
	case CS_ROOT_PROCFS: return io->procfs_root;
	case CS_ROOT_CGROUP: return io->cgroup_root;
	}
	return NULL;
}

int cs_io_path(const cs_io *io, cs_root root, const char *rel, char *out, size_t cap)
{
	const char *base = root_of(io, root);
	size_t nb, nr;

	if (!base || !rel || !out || cap == 0)
		return CS_EINVAL;
	while (*rel == '/')
		rel++;
	nb = strlen(base);
	nr = strlen(rel);
	if (nb + 1 + nr + 1 > cap)
		return CS_ERANGE;
	memcpy(out, base, nb);
	out[nb] = '/';
	memcpy(out + nb + 1, rel, nr + 1);
	return 0;
}

/* ---- kept-open files ------------------------------------------------------ */

/* (Re)opens f->path. Counts a success in io->opens, a failure in io->errors. */
static int kfile_reopen(cs_kfile *f)
{
	int fd = f->io->ops->open(f->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		f->io->errors++;
		return fd;
	}
	f->io->opens++;
	f->fd = fd;
	return 0;
}

int cs_kfile_open_abs(cs_kfile *f, cs_io *io, const char *abspath)
{
	size_t n = strlen(abspath);

	f->io = io;
	f->fd = -1;
	if (n >= sizeof(f->path)) {
		f->path[0] = '\0';
		return CS_ERANGE;
	}
	memcpy(f->path, abspath, n + 1);
	return kfile_reopen(f);
}

int cs_kfile_open(cs_kfile *f, cs_io *io, cs_root root, const char *rel)
{
	int rc;

	f->io = io;
	f->fd = -1;
	rc = cs_io_path(io, root, rel, f->path, sizeof(f->path));
	if (rc) {
		f->path[0] = '\0';
		return rc;
	}
	return kfile_reopen(f);
}

void cs_kfile_close(cs_kfile *f)
{
	if (!f || f->fd < 0)
		return;
	f->io->ops->close(f->fd);
	f->fd = -1;
}

/* Errors after which the same path may work again with a fresh descriptor:
 * ESTALE (NFS-like handles), ENODEV (device unbound and maybe re-bound),
 * ESPIPE (the path now names something else). */
static int reopen_may_help(int err)
{
	return err == -ESPIPE || err == -ESTALE || err == -ENODEV;
}

/* One pread at offset 0; counts it. */
static ssize_t kfile_pread(cs_kfile *f, char *buf, size_t n)
{
	ssize_t r = f->io->ops->pread(f->fd, buf, n, 0);

	f->io->reads++;
	if (r < 0)
		f->io->errors++;
	else
		f->io->bytes += (uint64_t)r;
	return r;
}

int cs_kfile_read(cs_kfile *f, char *buf, size_t cap, size_t *len)
{
	ssize_t r;
	int rc;

	if (!f || !f->io || !buf || cap == 0)
		return CS_EINVAL;
	buf[0] = '\0';
	if (f->fd < 0) {
		/* Closed by a failed reopen: try again, the file may be back. */
		if (f->path[0] == '\0')
			return -EBADF;
		rc = kfile_reopen(f);
		if (rc)
			return rc;
	}
	r = kfile_pread(f, buf, cap - 1);
	if (r < 0 && reopen_may_help((int)r)) {
		cs_kfile_close(f);
		rc = kfile_reopen(f);
		if (rc)
			return rc;
		r = kfile_pread(f, buf, cap - 1);
	}
	if (r < 0)
		return (int)r;
	if ((size_t)r > cap - 1) /* a broken double; never trust it */
		return -EIO;
	buf[r] = '\0';
	if (len)
		*len = (size_t)r;
	return 0;
}

int cs_kfile_read_u64(cs_kfile *f, uint64_t *out)
{
	/* 20 digits + '\n' fit; a full buffer means the file is longer than
	 * any counter and is not one. */
	char buf[32];
	size_t len = 0;
	uint64_t v;
	int rc = cs_kfile_read(f, buf, sizeof(buf), &len);

	if (rc)
		return rc;
	if (len == sizeof(buf) - 1 || cs_parse_u64_buf(buf, len, &v) != 0)
		return CS_EINVAL;
	*out = v;
	return 0;
}

/* ---- one-shot helpers (init time) ----------------------------------------- */

int cs_io_read_file(cs_io *io, cs_root root, const char *rel, char *buf, size_t cap, size_t *len)
{
	cs_kfile f;
	int rc = cs_kfile_open(&f, io, root, rel);

	if (rc)
		return rc;
	rc = cs_kfile_read(&f, buf, cap, len);
	cs_kfile_close(&f);
	return rc;
}

int cs_io_read_alloc(cs_io *io, cs_root root, const char *rel, size_t max, char **buf, size_t *len)
{
	size_t cap = 64u << 10;
	char *b = NULL, *nb;
	int rc;

	*buf = NULL;
	*len = 0;
	if (max < cap)
		max = cap;
	for (;;) {
		nb = realloc(b, cap);
		if (!nb) {
			free(b);
			return CS_ENOMEM;
		}
		b = nb;
		rc = cs_io_read_file(io, root, rel, b, cap, len);
		if (rc) {
			free(b);
			return rc;
		}
		if (*len < cap - 1 || cap >= max)
			break;
		cap = cap * 2 > max ? max : cap * 2;
	}
	*buf = b;
	return 0;
}

int cs_io_read_u64(cs_io *io, cs_root root, const char *rel, uint64_t *out)
{
	cs_kfile f;
	int rc = cs_kfile_open(&f, io, root, rel);

	if (rc)
		return rc;
	rc = cs_kfile_read_u64(&f, out);
	cs_kfile_close(&f);
	return rc;
}

int cs_io_read_line(cs_io *io, cs_root root, const char *rel, char *buf, size_t cap)
{
	size_t len = 0;
	int rc = cs_io_read_file(io, root, rel, buf, cap, &len);

	if (rc)
		return rc;
	/* One line only: cut at the first newline, then trim trailing blanks. */
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n' || buf[i] == '\0') {
			len = i;
			break;
		}
	}
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	return 0;
}
