/* tests/support/fixture.h - shared helpers for the cmocka unit tests.
 *
 * Owns what every fixture-driven test used to carry its own copy of:
 *   - checked formatting (tf_snprintf fails the test instead of truncating),
 *   - temp trees: a mkdtemp() directory, a copy of a tests/fixtures tree that
 *     keeps symlinks as symlinks (sysfs class/ entries are symlinks), and a
 *     recursive remove,
 *   - files rewritten in place (same inode, as a sysfs/procfs attribute
 *     changes under a kept-open fd) and removed,
 *   - tf_io_ops, an injectable cs_io_ops double with sysfs semantics,
 *   - tf_sysfs, the per-test state of a sensor run on a copied sysfs tree,
 *   - channel look-ups on a cs_sensor.
 *
 * Helpers that cannot fail usefully assert with cmocka, so they are for test
 * code only. Anything specific to one module's test stays in that test.
 *
 * The I/O double is a test-only singleton: cs_io_ops callbacks get no
 * context argument (see io/kfile.h), so its state lives in one file-static
 * struct in fixture.c, changed through tf_io_* and read through
 * tf_io_state(). tf_io_reset() clears it; tf_sysfs_new() calls it, and tests
 * that use tf_io_ops without a tf_sysfs call it themselves. Unit tests are
 * single-threaded, one executable per module, so one instance suffices.
 */
#ifndef CS_TESTS_SUPPORT_FIXTURE_H
#define CS_TESTS_SUPPORT_FIXTURE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/kfile.h"
#include "sensors/sensor.h"

/* ---- formatting and files ------------------------------------------------------- */

/* snprintf that fails the test instead of truncating (a path, mostly). */
void tf_snprintf(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Runs a shell command built like printf; a non-zero status fails the test. */
void tf_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* mkdtemp() of "/tmp/cs_test_<tag>.XXXXXX" into dir. 0, or -1 (errno set). */
int tf_mkdtemp(char *dir, size_t cap, const char *tag);

/* Copies the tree src to dst (created if missing), keeping symlinks as
 * symlinks. 0, or -1 on the first failure. */
int tf_copy_tree(const char *src, const char *dst);

/* Removes path and everything below it; symlinks are removed, not followed.
 * Missing paths are ignored. */
void tf_rm_tree(const char *path);

/* Writes text to dir/rel in place (truncate, same inode), asserting it
 * worked. dir NULL: rel is the whole path. */
void tf_write_file(const char *dir, const char *rel, const char *text);

/* tf_write_file of "<v>\n", as a sysfs counter reads. */
void tf_write_u64(const char *dir, const char *rel, uint64_t v);

/* unlink(dir/rel), asserting it worked. */
void tf_remove_file(const char *dir, const char *rel);

/* ---- the I/O double ------------------------------------------------------------ */

#define TF_IO_MAX_FD 1024

/* The double's state (the test-only singleton described above). Failures
 * are returned as given (a negative errno). */
typedef struct tf_io_state {
	char path[TF_IO_MAX_FD][512]; /* what each open fd names, "" when closed */
	const char *fail_open;        /* open() of a path ending so ... */
	int fail_open_err;            /* ... returns this */
	unsigned failed_opens;        /* opens refused so far */
	const char *fail_read;        /* pread() of a path ending so ... */
	int fail_read_err;            /* ... returns this */
	int fail_read_in;             /* fail the n-th pread from now (1 = next) */
	int fail_read_in_err;         /* with this; 0 = never */
	const char *serve;            /* if set, preads serve these bytes */
} tf_io_state;

/* The table: POSIX calls, plus sysfs semantics (a pread on an fd whose file
 * was removed fails with -ENODEV, where a regular file system would keep
 * serving the old inode) and the failures set below. */
extern const cs_io_ops tf_io_ops;

/* Clears every failure and the fd table. */
void tf_io_reset(void);
/* open() of a path ending in suffix returns err (e.g. -EACCES); NULL: none. */
void tf_io_fail_open(const char *suffix, int err);
/* pread() on an fd whose path ends in suffix returns err ("" matches every
 * file; NULL: none). */
void tf_io_fail_read(const char *suffix, int err);
/* The n-th pread from now (1 = the next one), on any file, returns err once. */
void tf_io_fail_nth_read(int n, int err);
/* Every pread serves text (from the offset asked for) instead of the file;
 * NULL: read the file again. */
void tf_io_serve(const char *text);
/* The state, for checks (e.g. that no fd was left open). */
const tf_io_state *tf_io_state_get(void);

/* ---- a sensor on a copied sysfs tree ------------------------------------------------ */

/* Per-test state: a mkdtemp copy of tests/fixtures/<name> whose sys/ is the
 * sysfs root of io, read through tf_io_ops. */
typedef struct tf_sysfs {
	char root[64];      /* the temp copy */
	char sys[PATH_MAX]; /* root/sys */
	cs_io io;           /* rooted at sys, through tf_io_ops */
	cs_sensor *s;       /* the sensor under test; destroyed by tf_sysfs_free */
	char why[512];      /* init's message */
} tf_sysfs;

/* A fresh state with an empty "/tmp/cs_test_<tag>.XXXXXX" and tf_io reset;
 * NULL on failure (for a cmocka setup function). */
tf_sysfs *tf_sysfs_new(const char *tag);
/* Destroys the sensor, removes the tree, frees f (NULL: no-op). */
void tf_sysfs_free(tf_sysfs *f);
/* cmocka teardown for a tf_sysfs in *state: tf_sysfs_free. */
int tf_sysfs_teardown(void **state);
/* Copies tests/fixtures/<name> in and points f->io at its sys/. */
void tf_sysfs_load(tf_sysfs *f, const char *name);
/* ops->init on f->io into f->s, f->why. Returns init's result. */
int tf_sysfs_init(tf_sysfs *f, const cs_sensor_ops *ops);
/* One read() cycle, checking the hot-path rules: no open, one pread per
 * channel. Returns read()'s result. */
int tf_sysfs_cycle(tf_sysfs *f, double now_s, double dt_s);

/* ---- sensors ------------------------------------------------------------------- */

/* The channel called name; fails the test if there is none. */
const cs_channel *tf_channel(const cs_sensor *s, const char *name);
/* Sum of energy_j over the channels counted in the host total. */
double tf_total_j(const cs_sensor *s);

#endif
