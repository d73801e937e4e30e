/* pipeline/node.h - the node sampler: the one attribution engine behind
 * `carbonstat agent`, `run`, `top` and the public meter. One call per
 * interval splits this node's energy among a set of workloads, conserved to
 * the microjoule.
 *
 * Each user chooses its workload set (cs_node_scope); everything else is the
 * same code, so the same workload gets the same share of the same interval
 * whoever asks (tests/unit/test_engine.c proves it on a fixture node):
 *   ALL        every cgroup workload (+ the processes outside them with
 *              by_process): the agent, `top --by`;
 *   CGROUP     the workloads of one cgroup subtree: `run` in the cgroup it
 *              made for the command;
 *   PROCESSES  every process, one workload each: `top`;
 *   TREE       a process and its descendants: `run` when it may not make a
 *              cgroup;
 *   SELF       <procfs>/self: the public meter's own process.
 * Under the hood, per interval:
 *   host meter (platform/host.h)     the node's energy per attribution part
 *                                    (cs_host_sum.attr_energy_j: in-total
 *                                    channels only, so the parts add up);
 *   cgroup scanner (cgroup_scan.h)   cgroup workloads, CPU time / working set;
 *   process scanner (proc_scan.h)    process workloads, CPU time;
 *   /proc/stat, /proc/meminfo        node busy CPU time and memory in use
 *                                    (io/procstat.h readers, kept open);
 *   kubelet (k8s/) + pod_meta        pod/container names and requests (cgroup
 *                                    scopes), teams (ownership/teams.h);
 *   GPU use (gpu_use.h)              per-process GPU utilisation -> gpu_util;
 *   idle (attribute.h)               model mode: the model's 0 % point x dt;
 *                                    measured mode: a cs_idle_tracker fed with
 *                                    every interval's power and CPU use;
 *   the split (attribute.h)          cs_attr_split, then an optional roll-up.
 * The host's carbon figures (carbon/carbon.h) are resolved once at open.
 *
 * cs_node_sample() is one interval: host sample, cgroup sample (and a re-walk
 * of the tree every refresh_s, or when cs_node_refresh() asked, or at once
 * when inotify saw a cgroup made or removed, with cg.watch), process scan,
 * kubelet maybe-refresh + annotate, teams, GPU use, node CPU/memory, split.
 * The first call only primes the counters (its interval has 0 J).
 *
 * Memory: the share, scratch and group buffers grow (geometrically) only when
 * the workload count grows past what they hold; a steady-state sample
 * allocates nothing of its own (with both scanners, their workloads are
 * copied into one array it keeps).
 *
 * Why this API is internal (not include/carbonstat/): its results are
 * cs_workload, cs_attr_share and cs_attr_result, which live in internal
 * headers; the public face is the meter (carbonstat/meter.h). Everything
 * returned stays valid until the next cs_node_sample(), cs_node_rollup() or
 * cs_node_close(). One thread per node.
 *
 * Conservation: after every sample, for every component,
 *   sum(shares) + system + idle_unattributed == result.node_uj exactly
 * (cs_attr_check_conservation; asserted by attribute.c in debug builds), and
 * the same holds for a roll-up's groups (cs_attr_check_groups).
 */
#ifndef CS_PIPELINE_NODE_H
#define CS_PIPELINE_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attribution/attribute.h"
#include "attribution/cgroup_scan.h"
#include "attribution/workload.h"
#include "carbon/carbon.h"
#include "conf/conf.h"
#include "platform/host.h"

#define CS_NODE_DEFAULT_REFRESH_S 10.0
/* The re-walk of a watched tree (cg.watch): only a safety net. */
#define CS_NODE_WATCHED_REFRESH_S 300.0

/* Which workloads the node splits among (see the header comment). */
typedef enum cs_node_scope {
	CS_NODE_ALL = 0,   /* every cgroup workload (+ processes outside them: by_process) */
	CS_NODE_CGROUP,    /* the cgroup subtree cg.subtree */
	CS_NODE_PROCESSES, /* every process */
	CS_NODE_TREE,      /* root_pid and its descendants */
	CS_NODE_SELF,      /* <procfs>/self */
} cs_node_scope;

typedef enum cs_node_kubelet {
	CS_NODE_KUBELET_CONFIG = 0, /* as the config says ([kubelet] enabled, auto) */
	CS_NODE_KUBELET_ON,         /* always (url from kubelet_url or the config) */
	CS_NODE_KUBELET_OFF,        /* never: attribution by cgroup id only */
} cs_node_kubelet;

/* Options; a zeroed struct means every default. Strings are used during
 * cs_node_open only (copied where kept). */
typedef struct cs_node_opts {
	cs_host *host;           /* borrowed, already initialised (the caller samples
	                          * nothing itself); NULL = the node sets up its own
	                          * host from the roots below, without cloud detection */
	const char *sysfs_root;  /* own host only; NULL = "/sys" */
	const char *procfs_root; /* own host only; NULL = "/proc" */
	const char *cgroup_root; /* own host only; NULL = "/sys/fs/cgroup" */
	cs_node_scope scope;     /* the workload set; 0 = ALL */
	cs_cgscan_opts cg;       /* the cgroup scanner's (cgroup scopes), passed through:
	                          * cg.subtree required in CGROUP, cg.mem_dir used only
	                          * there; with cg.watch the tree is re-walked when
	                          * inotify reports a new or removed cgroup, and every
	                          * CS_NODE_WATCHED_REFRESH_S as a safety net, instead
	                          * of every refresh_s (the fallback without inotify) */
	bool by_process;         /* ALL: also processes outside containers (proc_scan) */
	int root_pid;            /* TREE: the tree's root */
	int reaper_pid;          /* TREE: its children belong too (a child subreaper) */
	bool idle_policy_set;    /* idle_policy below wins over the config's */
	cs_idle_policy idle_policy;
	const cs_conf *config;       /* the configuration (copied); it must have [attribution],
	                              * [kubelet] and [teams]; NULL = their defaults */
	cs_node_kubelet kubelet;     /* use the kubelet? */
	const char *kubelet_url;     /* overrides [kubelet] url; implies ON unless OFF
	                              * (the kubelet is only asked in cgroup scopes) */
	double refresh_s;            /* cgroup tree re-walk; 0 = 10 s */
	bool runtime_names;          /* cgroup scopes, no kubelet: name containers from
	                              * Docker's/containerd's state files
	                              * (attribution/runtime_meta.h) */
	const char *docker_root;     /* NULL = /var/lib/docker */
	const char *containerd_root; /* NULL = /run/containerd */
} cs_node_opts;

typedef struct cs_node cs_node;

/* Sets everything up (host unless given, scanners, readers, config,
 * kubelet client) and, in the cgroup scopes, walks the cgroup tree once.
 * Returns 0; CS_EINVAL (bad options or config), CS_EUNAVAIL (no cgroup
 * hierarchy in a cgroup scope, no energy source), CS_ENOMEM, or the
 * config/host error; `why` (may be NULL) gets one line naming the input and
 * the fix. */
int cs_node_open(const cs_node_opts *o, cs_node **out, char *why, size_t whycap);

/* Re-walk the cgroup tree at the next sample (e.g. a new container is
 * expected). */
void cs_node_refresh(cs_node *n);

/* One interval (see the header comment). Returns 0, or the host's error
 * when no energy channel could be read (the split is then over 0 J and
 * still conserved); CS_EINVAL from the split only on a programming error. */
int cs_node_sample(cs_node *n);

/* The last interval's workloads and their shares (same index), n of them. */
const cs_workload *cs_node_workloads(const cs_node *n, size_t *count);
const cs_attr_share *cs_node_shares(const cs_node *n, size_t *count);
/* Node totals and the system / idle_unattributed buckets. */
const cs_attr_result *cs_node_result(const cs_node *n);
/* What the last split was given: the node's energy and idle part per
 * component, busy and total CPU time (0 = unknown: no /proc/stat), memory. */
const cs_attr_node *cs_node_input(const cs_node *n);
/* Where each component's idle figure came from in the last interval. */
cs_idle_source cs_node_idle_source(const cs_node *n, cs_part c);
/* The idle policy in use. */
cs_idle_policy cs_node_idle_policy(const cs_node *n);

/* Groups the last interval's shares by `by` (cs_attr_rollup). *groups and
 * *first (index of each group's first workload, for its identifiers; may be
 * NULL) stay valid until the next sample or roll-up. 0, CS_EINVAL, CS_ENOMEM. */
int cs_node_rollup(cs_node *n, cs_attr_by by, const cs_attr_group **groups, const size_t **first, size_t *ngroups);

/* The host meter (own or borrowed) and the last interval's length. */
cs_host *cs_node_host(cs_node *n);
/* The host's carbon figures (static intensity, PUE, embodied), resolved at
 * open from where the host is (carbon/carbon.h). */
const cs_carbon *cs_node_carbon(const cs_node *n);
/* The cgroup scanner (version, root, stats); NULL in the process scopes. */
cs_cgscan *cs_node_cgscan(cs_node *n);
/* "" when the kubelet is unused or its last request worked, else one line. */
const char *cs_node_kubelet_error(const cs_node *n);
/* Replaces the configuration the node uses from the next sample on: team
 * maps and label keys, the idle policy (unless the opts pinned one). The
 * kubelet client and the scanners keep their settings (a restart changes
 * those). 0, CS_EINVAL (c lacks [attribution], [kubelet] or [teams]) or
 * CS_ENOMEM; the old configuration stays on error. */
int cs_node_set_config(cs_node *n, const cs_conf *c);

/* Failed kubelet requests since open (0 without a kubelet). */
uint64_t cs_node_kubelet_failures(const cs_node *n);

/* Cgroup tree walks plus kubelet requests since open: it moves on the
 * samples that allocate (new workloads, a new pod index) and on no other,
 * so a long-lived caller can give freed memory back to the system then. */
uint64_t cs_node_alloc_epoch(const cs_node *n);

/* Frees everything it owns (not a borrowed host). NULL is a no-op. */
void cs_node_close(cs_node *n);

#endif
