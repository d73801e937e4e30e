/* attribution/proc_scan.h - processes outside containers, for
 * `carbonstat top --by process` and the "system" remainder's breakdown.
 *
 * Each sample lists <procfs>/[0-9]* (getdents64 into a buffer kept in the
 * scanner: no allocation per sample) and reads /proc/<pid>/stat with
 * open-pread-close (procfs offers no cheaper way: a kept-open stat fd of a
 * reused pid would read nothing). A process seen for the first time also has
 * its /proc/<pid>/cgroup read once: if that cgroup is a container, pod,
 * service or session (attribution/cgroup_path.h) the process is attributed
 * through that cgroup and skipped from then on; otherwise it becomes a
 * CS_WL_PROCESS workload (cgroup "" per workload.h, pid, comm).
 *
 * Keyed by pid and start time: id = pid << 32 | (starttime & 0xffffffff), so
 * a reused pid is a new process. cpu_usec is the delta of utime+stime
 * (USER_HZ ticks -> us via sysconf(_SC_CLK_TCK)); a new process starts fresh
 * with delta 0, an exited one is reported gone once with its last delta and
 * removed at the next sample. Arrays grow geometrically and never shrink.
 * Pointers from cs_procscan_workloads() are valid until the next sample.
 */
#ifndef CS_ATTRIBUTION_PROC_SCAN_H
#define CS_ATTRIBUTION_PROC_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "attribution/workload.h"
#include "io/kfile.h"

typedef struct cs_procscan cs_procscan;

/* io->procfs_root is listed; io must outlive the scanner. 0 or CS_ENOMEM. */
int cs_procscan_open(cs_io *io, cs_procscan **out);
/* One pass. 0, or -errno if procfs cannot be listed (workloads unchanged). */
int cs_procscan_sample(cs_procscan *p);
cs_workload *cs_procscan_workloads(cs_procscan *p, size_t *n);
/* Processes skipped because their cgroup is a container/pod/service/session. */
size_t cs_procscan_skipped(const cs_procscan *p);
void cs_procscan_close(cs_procscan *p);

#endif
