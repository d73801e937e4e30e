/* io/mountinfo.h - where a cgroup hierarchy is mounted, from
 * <procfs>/self/mountinfo.
 *
 * `carbonstat run` creates its command's cgroup next to its own, so it must
 * know where the cgroup2 hierarchy (or the v1 hierarchy with the cpuacct
 * controller) is mounted and which part of the hierarchy that mount shows (a
 * container sees a subtree: its mount root is not "/"). mountinfo is the
 * kernel's answer (proc(5)):
 *
 *   36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   (1)(2)(3)   (4)   (5)         (6)       (7...)   (8)(9)   (10)      (11)
 *
 * mount id, parent id, major:minor, root, mount point, mount options, zero
 * or more optional fields, "-", file system type, source, super options.
 * Paths escape blanks, tabs, newlines and backslashes as \ooo octal.
 *
 * The parsers are pure (buffer and length in, no NUL needed, nothing
 * allocated, output written only on success) and fuzzed
 * (tests/fuzz/fuzz_mountinfo.c); the reader goes through the io roots, so
 * --procfs-root is honoured.
 */
#ifndef CS_IO_MOUNTINFO_H
#define CS_IO_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

#include "io/kfile.h"

#define CS_MOUNT_PATH_MAX 1024

/* The fields of one mountinfo line that carbonstat uses. */
typedef struct cs_mount {
	char root[CS_MOUNT_PATH_MAX];  /* (4) the part of the file system shown, unescaped */
	char point[CS_MOUNT_PATH_MAX]; /* (5) where it is mounted, unescaped */
	char fstype[64];               /* (9) "cgroup2", "cgroup", "ext4"... */
	char super_opts[512];          /* (11) "rw,cpu,cpuacct" */
} cs_mount;

/* One line (len bytes, without its newline) into *out. 0; CS_EINVAL when a
 * field is missing (fewer than 5 before the "-", no type after it) or a path
 * is not absolute; CS_ERANGE when a field is longer than its slot. */
int cs_mountinfo_parse_line(const char *line, size_t len, cs_mount *out);

/* The first mount, in a whole mountinfo text, of the cgroup2 hierarchy (ctrl
 * NULL) or of the cgroup v1 hierarchy whose super options list the
 * controller ctrl ("cpuacct"). Malformed lines are skipped. 0, or
 * CS_ENOTFOUND. */
int cs_mountinfo_find_cgroup(const char *buf, size_t len, const char *ctrl, cs_mount *out);

/* The same on <procfs>/self/mountinfo, read through io. 0, CS_ENOTFOUND,
 * -errno when the file cannot be read, CS_ENOMEM. */
int cs_mountinfo_read_cgroup(cs_io *io, const char *ctrl, cs_mount *out);

/* True if the comma-separated list opts (len bytes) has the element want ("cpuacct" is
 * in "rw,cpu,cpuacct", not in "rw,cpuacctx"). */
bool cs_opts_has(const char *opts, size_t len, const char *want);

#endif
