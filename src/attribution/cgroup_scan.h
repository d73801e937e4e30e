/* attribution/cgroup_scan.h - discover a node's workloads in its cgroup tree
 * and read their CPU time and working set every interval.
 *
 * Two calls with different costs, so a 10,000-container node pays for the
 * expensive one rarely:
 *   cs_cgscan_refresh()  walks the tree (readdir), adds new workloads (opening
 *                        their counter files once) and notices vanished ones.
 *                        The only call that allocates. Run it on a timer
 *                        (e.g. every 10 s) and when something unknown shows up.
 *   cs_cgscan_sample()   one pread per counter file of every known workload
 *                        into one reused buffer; opens nothing and allocates
 *                        nothing in steady state.
 *
 * Hierarchies: cgroup v2 (cgroup.controllers at the root, or in "unified/" of
 * a hybrid mount) reading cpu.stat usage_usec and memory.current minus
 * memory.stat inactive_file (the kubelet's and cAdvisor's working set); cgroup
 * v1 walking cpuacct/ (or cpu,cpuacct/) reading cpuacct.usage (ns -> us) and
 * memory/<same path>/memory.usage_in_bytes minus total_inactive_file.
 * memory.stat is the one costly file (the kernel flushes and formats ~40
 * counters for it), and inactive_file moves slowly: with memstat_every N it
 * is re-read every Nth sample per workload (phases spread by inode), usage
 * every sample in which the workload used CPU time (a workload that ran
 * no CPU time charged itself next to no memory; its usage is re-read with
 * its memory.stat).
 * Dynamic housekeeping (cAdvisor's, for the memory files), with
 * memstat_max: a workload whose working set moved less than 1 MiB and less
 * than 1 % between its last two memory readings doubles its own interval,
 * up to memstat_max samples; any larger move, a restart (its CPU counter
 * went backwards) or a new workload sets it back to memstat_every. Most
 * containers' working sets stand still for minutes.
 *
 * Which cgroups are workloads (leaves): containers, services and sessions
 * (their sub-cgroups are not visited: cgroup counters are hierarchical, so
 * they are included); pod cgroups with no container below them; and other
 * cgroups with no workload below them. Intermediate cgroups (slices, QoS
 * parents, the root) are never workloads, so nothing is counted twice; what
 * no workload accounts for is the node's "system" remainder.
 *
 * Deltas (per workload, per sample):
 *   - first sample after discovery: fresh=true, cpu_usec=0 (never the
 *     lifetime total); mem_bytes is the current working set;
 *   - counter went backwards (container restarted in a reused cgroup):
 *     cpu_usec=0 and the counter is re-primed (stats.resets);
 *   - files vanished (ENOENT/ENODEV on read, or the directory is gone at a
 *     refresh): gone=true with the previous interval's cpu_usec/mem_bytes kept
 *     for this interval; the workload is removed at the next refresh/sample;
 *   - other read errors (EACCES, EIO): cpu_usec=0 for this interval, counter
 *     kept, so the next good read covers both intervals (stats.read_errors).
 * A workload whose directory is recreated under the same name (new inode) is a
 * new workload; the old one is reported gone.
 *
 * File descriptors: up to 3 kept open per workload (1 with mem_on_cadence). cs_cgscan_open raises the
 * RLIMIT_NOFILE soft limit to the hard limit (unless told not to) and keeps at
 * most (soft limit - 256) descriptors; workloads beyond that budget, or whose
 * open fails with EMFILE/ENFILE, are read open-read-close each sample
 * (stats.transient_workloads / transient_opens), and are promoted to kept fds
 * at a later refresh when the budget allows. A file opened per read with no
 * directory descriptor is opened relative to an O_PATH descriptor on its
 * hierarchy's root (two for the scanner's life), not from "/". Callers that
 * use select() must not: descriptors above 1024 will exist.
 *
 * Pointers from cs_cgscan_workloads() are valid until the next refresh or
 * sample (both may move or compact the array). Metadata fields written by
 * others into the array (pod_name, team...) move with their workload.
 * A scanner belongs to one thread.
 */
#ifndef CS_ATTRIBUTION_CGROUP_SCAN_H
#define CS_ATTRIBUTION_CGROUP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attribution/workload.h"
#include "io/kfile.h"

/* ---- pure stat-file parsers (no I/O; fuzzed) ----------------------------- */

typedef struct cs_cgstat_cpu {
	uint64_t usage_usec;  /* always present in a valid cpu.stat */
	uint64_t user_usec;   /* 0 if absent */
	uint64_t system_usec; /* 0 if absent */
} cs_cgstat_cpu;

/* cgroup v2 cpu.stat ("key value\n" lines). Every line must be
 * "<name> <u64>"; usage_usec is required. len bytes, no NUL needed.
 * 0, CS_EINVAL (malformed, or no usage_usec) or CS_ERANGE (overflow). */
int cs_cgstat_parse_cpu(const char *buf, size_t len, cs_cgstat_cpu *out);

/* cgroup v1 cpuacct.usage (nanoseconds) into microseconds. 0 or CS_EINVAL. */
int cs_cgstat_parse_cpuacct(const char *buf, size_t len, uint64_t *out_usec);

/* The value of key in a memory.stat ("key value\n" lines; v2 "inactive_file",
 * v1 "total_inactive_file"). Only the matching line's number is validated, so
 * new kernel keys never break it. 0, CS_ENODATA (key absent) or CS_EINVAL
 * (the key's value is malformed or overflows). */
int cs_cgstat_parse_memstat(const char *buf, size_t len, const char *key, uint64_t *out);

/* ---- the scanner --------------------------------------------------------- */

typedef enum cs_cg_version {
	CS_CG_AUTO = 0, /* v2 at the root; else v1 (cpuacct/); else v2 in unified/ */
	CS_CG_V1,       /* cpuacct/ (or cpu,cpuacct/) of the root, or the root itself when it
	                 * is the cpuacct hierarchy (CPU only, then) */
	CS_CG_V2,       /* the root, or unified/ of a hybrid mount */
} cs_cg_version;

typedef struct cs_cgscan_opts {
	cs_cg_version version;
	const char *subtree;      /* walk only this path below the hierarchy root
	                           * (e.g. the cgroup `carbonstat run` made); NULL = all */
	unsigned max_depth;       /* directory levels walked; 0 = 16 */
	unsigned max_fds;         /* kept-open descriptor budget; 0 = soft RLIMIT_NOFILE - 256 */
	unsigned max_fds_per_kwl; /* with max_fds: the budget grows to this many
	                           * per 1,000 workloads when that is more (a node
	                           * with more containers can spare more); 0 = a
	                           * fixed max_fds. Never above the limit's */
	unsigned memstat_every;   /* read memory.stat (inactive_file) every Nth
	                           * sample per workload, memory.current every
	                           * sample; 0 or 1 = every sample */
	unsigned memstat_max;     /* a stable workload's longest memory interval
	                           * (dynamic housekeeping, above), rounded down to
	                           * memstat_every times a power of two;
	                           * <= memstat_every = no doubling */
	const char *mem_dir;      /* with subtree: the cgroup v1 memory directory that holds
	                           * the subtree's memory (its sub-groups below it, by the
	                           * same relative path), read with the v1 file names. For
	                           * a hybrid host whose cgroup2 has no memory controller
	                           * (`run` makes a group in both); NULL = the walked
	                           * hierarchy's own memory files */
	bool no_memory;           /* CPU only: one file per workload */
	bool mem_on_cadence;      /* memory.current (usage) too only when memory.stat
	                           * is due, both opened per read instead of kept:
	                           * a kept-open cgroup file pins a page of kernel
	                           * memory (its seq_file buffer), ~4.4 KiB in all,
	                           * which a long-lived sampler should not hold for
	                           * files it reads every 30 s (the agent) */
	unsigned dirs_per_file;   /* keep an O_PATH descriptor on the directory of
	                           * each workload that opens files per read (over
	                           * the budget; on v2 with mem_on_cadence, every
	                           * one: its memory files), this many counting as
	                           * one kept file against max_fds (their kernel
	                           * memory: ~213 bytes against ~4.4 KiB); those
	                           * files are opened relative to it. 0 = none kept */
	bool no_raise_nofile;     /* leave RLIMIT_NOFILE alone */
	bool watch;               /* inotify on the directories a refresh lists, so
	                           * cs_cgscan_changed() tells when to walk again */
} cs_cgscan_opts;

typedef struct cs_cgscan_stats {
	uint64_t refreshes, samples;
	uint64_t added, removed;    /* workloads, over the scanner's life */
	uint64_t resets;            /* counters that went backwards */
	uint64_t read_errors;       /* failed reads that were not "gone" */
	uint64_t dirs_read;         /* directories listed by refreshes */
	uint64_t dirs_skipped;      /* too deep, path too long, or unreadable */
	uint64_t transient_opens;   /* open-read-close reads (over the fd budget; memory files with mem_on_cadence) */
	uint64_t memstat_reads;     /* memory.stat reads (see memstat_every) */
	uint64_t mem_idle_skips;    /* memory reads skipped: no CPU time, not due */
	uint64_t mem_stable_skips;  /* memory reads put off: due at memstat_every, but the
	                             * working set held still (a doubled interval) */
	size_t transient_workloads; /* workloads currently without kept fds */
	size_t kept_fds;            /* counter-file descriptors currently kept open */
	size_t kept_dirs;           /* directory descriptors kept (dirs_per_file) */
	size_t fd_budget;
} cs_cgscan_stats;

typedef struct cs_cgscan cs_cgscan;

/* Detect the hierarchy under io->cgroup_root (io must outlive the scanner)
 * and allocate an empty scanner; call cs_cgscan_refresh next. CS_EUNAVAIL if
 * no usable hierarchy (message: the root and what was looked for), CS_EINVAL
 * for bad options, CS_ENOMEM. */
int cs_cgscan_open(cs_io *io, const cs_cgscan_opts *o, cs_cgscan **out);

/* Walk the tree: add new workloads, mark vanished ones. 0, or -errno if the
 * hierarchy root itself cannot be listed (workloads are then left as they
 * were), CS_ENOMEM. Unreadable subdirectories are skipped and counted; while
 * any is, nothing is marked vanished by this refresh. */
int cs_cgscan_refresh(cs_cgscan *s);

/* Did a listed directory gain or lose a sub-cgroup since the last call
 * (opts.watch)? 1 yes (walk again), 0 no, -1 not watching (no inotify, or a
 * watch could not be added): walk on a timer. One non-blocking read. */
int cs_cgscan_changed(cs_cgscan *s);

/* Read every workload's counters and set cpu_usec, mem_bytes, fresh, gone.
 * 0 (per-workload errors are counted in stats, not returned). */
int cs_cgscan_sample(cs_cgscan *s);

/* The workloads (see the validity note above). */
cs_workload *cs_cgscan_workloads(cs_cgscan *s, size_t *n);

/* The workload for a path relative to the hierarchy root, or NULL. O(n). */
cs_workload *cs_cgscan_find(cs_cgscan *s, const char *cgroup_rel);

/* Changes memstat_every and memstat_max (see cs_cgscan_opts) from the
 * next sample on; workloads keep their doubled intervals, capped by the
 * new max. */
void cs_cgscan_set_memstat_every(cs_cgscan *s, unsigned every, unsigned max);

/* 1 or 2. */
int cs_cgscan_version(const cs_cgscan *s);
/* Absolute directory walked (v2 root, unified/, or the v1 cpuacct root). */
const char *cs_cgscan_root(const cs_cgscan *s);
void cs_cgscan_stats_get(const cs_cgscan *s, cs_cgscan_stats *out);
/* Bytes the scanner holds (arrays, index), for self-metrics and the bench. */
size_t cs_cgscan_mem_bytes(const cs_cgscan *s);

/* Closes every descriptor and frees. NULL is a no-op. */
void cs_cgscan_close(cs_cgscan *s);

/* Processes outside containers: attribution/proc_scan.h. */

#endif
