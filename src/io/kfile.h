/* io/kfile.h - kept-open readers for sysfs/procfs files, relative to a root.
 *
 * Sensors read the same small kernel files every cycle. Re-opening them costs
 * more than the read itself, so a cs_kfile is opened once and re-read in place
 * with pread(fd, buf, cap, 0) each tick (reopened on ESPIPE/ESTALE, e.g. when a
 * hwmon device is re-bound). No allocation after open.
 *
 * Every system call goes through a cs_io_ops table held by the cs_io context
 * (as SQLite's os_unix.c does), so tests can inject EACCES, EIO, short reads
 * and garbage without root tricks. cs_io also counts what we do (opens, reads,
 * bytes, errors) for the self-metrics.
 */
#ifndef CS_IO_KFILE_H
#define CS_IO_KFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Each call returns what the system call returns on success (an fd, a byte
 * count, 0) and -errno on failure, like the raw kernel interface: doubles
 * return -EACCES rather than setting errno, and callers never read errno.
 * cs_io_posix retries EINTR. The callbacks get no context argument, so a
 * double that needs state keeps it in its own (test-only) file scope. */
typedef struct cs_io_ops {
	int (*open)(const char *path, int flags);                 /* fd or -errno */
	ssize_t (*pread)(int fd, void *buf, size_t n, off_t off); /* bytes or -errno */
	int (*close)(int fd);                                     /* 0 or -errno */
	void *user;                                               /* for test doubles; unused by the POSIX table */
	/* name relative to an open directory (O_PATH is enough): no path walk
	 * from the root. NULL (test doubles) = callers open the whole path. */
	int (*openat)(int dirfd, const char *name, int flags); /* fd or -errno */
} cs_io_ops;

/* The real system calls. */
extern const cs_io_ops cs_io_posix;

/* I/O context: roots of the trees we read and what we counted. One per
 * process or per test; never a global. */
typedef struct cs_io {
	const cs_io_ops *ops;  /* never NULL after cs_io_init */
	char sysfs_root[256];  /* "/sys" or a fixture tree */
	char procfs_root[256]; /* "/proc" or a fixture tree */
	char cgroup_root[256]; /* "/sys/fs/cgroup" or a fixture tree */
	uint64_t opens;        /* successful open() calls */
	uint64_t reads;        /* pread() calls */
	uint64_t bytes;        /* bytes read */
	uint64_t errors;       /* failed open/read */
} cs_io;

/* Roots may be NULL for the defaults; ops NULL for cs_io_posix.
 * CS_ERANGE if a root is too long. */
int cs_io_init(cs_io *io, const cs_io_ops *ops, const char *sysfs_root, const char *procfs_root,
               const char *cgroup_root);

/* Which root a path is relative to. */
typedef enum cs_root { CS_ROOT_SYSFS, CS_ROOT_PROCFS, CS_ROOT_CGROUP } cs_root;

/* root + "/" + rel into out; CS_ERANGE if it does not fit. */
int cs_io_path(const cs_io *io, cs_root root, const char *rel, char *out, size_t cap);

/* A kept-open file. */
typedef struct cs_kfile {
	cs_io *io;
	int fd;         /* -1 when closed */
	char path[320]; /* absolute path, for reopen and messages */
} cs_kfile;

/* Open root/rel read-only (O_RDONLY|O_CLOEXEC; symlinks are followed, as
 * sysfs class/ entries are symlinks). Returns 0 or -errno (e.g. -EACCES,
 * -ENOENT), or CS_ERANGE if the path does not fit. On failure f->fd is -1
 * and f->path still names the file, for messages. */
int cs_kfile_open(cs_kfile *f, cs_io *io, cs_root root, const char *rel);
/* Open an absolute path (already joined). */
int cs_kfile_open_abs(cs_kfile *f, cs_io *io, const char *abspath);

/* Read the whole file (up to cap - 1 bytes) from offset 0 into buf, NUL
 * terminated, with one pread. *len gets the byte count. Returns 0 or -errno.
 * On ESPIPE/ESTALE/ENODEV the file is reopened once and read again; if that
 * open fails the file stays closed (fd -1) and the next read tries to open
 * it again, so a zone that comes back (module reload) is picked up. */
int cs_kfile_read(cs_kfile *f, char *buf, size_t cap, size_t *len);

/* Read a single unsigned decimal counter ("12345\n"). Returns 0, -errno, or
 * CS_EINVAL for garbage (including a number that overflows 64 bits). */
int cs_kfile_read_u64(cs_kfile *f, uint64_t *out);

/* Close; safe on a closed or zeroed-then-(fd=-1) file. */
void cs_kfile_close(cs_kfile *f);

/* One-shot helpers for init-time reads (open, read, close). */
int cs_io_read_file(cs_io *io, cs_root root, const char *rel, char *buf, size_t cap, size_t *len);
int cs_io_read_u64(cs_io *io, cs_root root, const char *rel, uint64_t *out);
/* The whole file into a malloc'd, NUL-terminated *buf (free() it), for
 * start-up reads of files whose size is unknown (cpuinfo, mountinfo): the
 * buffer starts at 64 KiB and doubles until the file fits or reaches max
 * bytes (the first max - 1 are then returned: the caller parses what fits).
 * 0, -errno, or CS_ENOMEM (*buf NULL). */
int cs_io_read_alloc(cs_io *io, cs_root root, const char *rel, size_t max, char **buf, size_t *len);
/* Read a one-line string file, trailing newline/blanks trimmed. */
int cs_io_read_line(cs_io *io, cs_root root, const char *rel, char *buf, size_t cap);

#endif
