/* attribution/proc_scan.h - processes as workloads: their CPU time from
 * <procfs>/<pid>/stat, for every command that accounts processes rather than
 * cgroups.
 *
 * Which processes (cs_procscan_mode), one per user of the engine:
 *   OUTSIDE  processes outside containers, pods, services and sessions (the
 *            agent's [agent] processes, `top --by process`): a process seen
 *            for the first time has its /proc/<pid>/cgroup read once; if that
 *            cgroup is a container, pod, service or session
 *            (attribution/cgroup_path.h) it is attributed through the cgroup
 *            and skipped from then on;
 *   ALL      every process (`top` without --by);
 *   TREE     a process and its descendants (`carbonstat run` without a
 *            cgroup): root_pid, every process whose parent is in the tree,
 *            and every child of reaper_pid (a child subreaper adopts the
 *            tree's orphans); a process stays in once it is in;
 *   ONE      the one process at <procfs>/<one> ("self": the public meter's
 *            own process).
 * Each sample lists <procfs>/[0-9]* (getdents64 into a buffer kept in the
 * scanner: no allocation per sample; ONE reads its one file) and reads
 * /proc/<pid>/stat with open-pread-close (procfs offers no cheaper way: a
 * kept-open stat fd of a reused pid would read nothing). Workloads are
 * CS_WL_PROCESS (cgroup "" per workload.h, pid, comm).
 *
 * Keyed by pid and start time: id = pid << 32 | (starttime & 0xffffffff), so
 * a reused pid is a new process. cpu_usec is the delta of utime+stime
 * (USER_HZ ticks -> us via sysconf(_SC_CLK_TCK)). On the first sample every
 * process starts fresh (delta 0: its past is not this interval's); a process
 * first seen at a later sample started since the previous one, so all its
 * CPU time is this interval's. An exited one is reported gone once with its
 * last delta and removed at the next sample. Arrays grow geometrically and
 * never shrink. Pointers from cs_procscan_workloads() are valid until the
 * next sample.
 */
#ifndef CS_ATTRIBUTION_PROC_SCAN_H
#define CS_ATTRIBUTION_PROC_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "attribution/workload.h"
#include "io/kfile.h"

typedef enum cs_procscan_mode {
	CS_PS_OUTSIDE = 0, /* outside containers, pods, services and sessions */
	CS_PS_ALL,         /* every process */
	CS_PS_TREE,        /* root_pid and its descendants */
	CS_PS_ONE,         /* <procfs>/<one> */
} cs_procscan_mode;

/* Options; a zeroed struct is OUTSIDE. */
typedef struct cs_procscan_opts {
	cs_procscan_mode mode;
	int root_pid;    /* TREE: the tree's root (> 0) */
	int reaper_pid;  /* TREE: its children belong too (adopted orphans); 0 = none */
	const char *one; /* ONE: the entry under procfs; NULL = "self" */
} cs_procscan_opts;

typedef struct cs_procscan cs_procscan;

/* io->procfs_root is listed; io must outlive the scanner. o NULL = OUTSIDE.
 * 0, CS_EINVAL (TREE without a root, a bad mode or name) or CS_ENOMEM. */
int cs_procscan_open(cs_io *io, const cs_procscan_opts *o, cs_procscan **out);
/* One pass. 0, or -errno if procfs cannot be listed (workloads unchanged). */
int cs_procscan_sample(cs_procscan *p);
cs_workload *cs_procscan_workloads(cs_procscan *p, size_t *n);
/* OUTSIDE: processes skipped because their cgroup is a
 * container/pod/service/session (0 in the other modes). */
size_t cs_procscan_skipped(const cs_procscan *p);
void cs_procscan_close(cs_procscan *p);

#endif
