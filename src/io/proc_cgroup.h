/* io/proc_cgroup.h - which cgroup a process is in, from /proc/<pid>/cgroup.
 *
 * One line per hierarchy, "hierarchy-ID:controller-list:cgroup-path"
 * (cgroups(7)):
 *   0::/kubepods.slice/.../cri-containerd-<id>.scope      cgroup v2
 *   4:cpu,cpuacct:/docker/<id>                             cgroup v1
 *   1:name=systemd:/user.slice/...                         v1 named hierarchy
 * The path is relative to the hierarchy's root as the reader's cgroup
 * namespace sees it. Who reads it: `carbonstat run` (its own group, to create
 * the command's next to it), the process scanner (is this process inside a
 * container, service or session?) and the GPU mapping (which workload holds
 * the process NVML names).
 *
 * The parser is pure (buffer and length, no NUL needed, nothing allocated,
 * output written only on success) and fuzzed (tests/fuzz/fuzz_proc_cgroup.c);
 * the reader goes through the io roots, so --procfs-root is honoured.
 */
#ifndef CS_IO_PROC_CGROUP_H
#define CS_IO_PROC_CGROUP_H

#include <stddef.h>

#include "io/kfile.h"

/* The path of the v2 hierarchy (ctrl NULL: the "0::" line) or of the v1
 * hierarchy whose controller list names ctrl ("cpuacct" in "cpu,cpuacct"),
 * into path[cap]. Lines that are not "N:list:/path" are skipped. 0,
 * CS_ENOTFOUND, or CS_ERANGE when the path does not fit. */
int cs_proc_cgroup_find(const char *buf, size_t len, const char *ctrl, char *path, size_t cap);

/* Where the process's CPU time is counted: the v1 cpuacct hierarchy's path
 * when there is one (hybrid hosts list both), else the v2 path. Returns as
 * cs_proc_cgroup_find. */
int cs_proc_cgroup_cpu(const char *buf, size_t len, char *path, size_t cap);

/* cs_proc_cgroup_find (ctrl) or, with cpu set, cs_proc_cgroup_cpu, on
 * <procfs>/<pid>/cgroup ("self" or a number) read through io. Also -errno
 * when the file cannot be read (the process exited: -ENOENT). */
int cs_proc_cgroup_read(cs_io *io, const char *pid, const char *ctrl, int cpu, char *path, size_t cap);

#endif
