/* pipeline/node.h - the node attributor: one call per interval splits this
 * node's energy among its workloads, conserved to the microjoule.
 *
 * It wires the building blocks together and owns their state:
 *   host meter (platform/host.h)      the node's energy per attribution component
 *                                    (cs_host_sum.attr_energy_j: in-total channels
 *                                    only, so the components add up to the total);
 *   cgroup scanner (cgroup_scan.h)   workloads and their CPU time / working set;
 *   process scanner (proc_scan.h)    processes outside containers (by_process);
 *   /proc/stat, /proc/meminfo        node busy CPU time and memory in use
 *                                    (io/procstat.h readers, kept open);
 *   kubelet + teams (k8s/)           pod/container names, requests, teams;
 *   idle (attribute.h)               model mode: the model's 0 % point x dt;
 *                                    measured mode: a cs_idle_tracker fed with
 *                                    every interval's power and CPU utilisation;
 *   the split (attribute.h)          cs_attr_split, then an optional roll-up.
 *
 * cs_node_sample() is one interval: host sample, cgroup sample (and a re-walk
 * of the tree every refresh_s, or when cs_node_refresh() asked), process scan,
 * node CPU/memory, kubelet maybe-refresh + annotate, team resolution, split.
 * The first call only primes the counters (its interval has 0 J).
 *
 * Memory: the share, scratch and group buffers grow (geometrically) only when
 * the workload count grows past what they hold; a steady-state sample
 * allocates nothing of its own (by_process copies the cgroup and process
 * workloads into one array it keeps).
 *
 * Why this API is internal (not include/carbonstat/): its results are
 * cs_workload, cs_attr_share and cs_attr_result, which live in internal
 * headers; exporting them is the agent issue's decision. Everything returned
 * stays valid until the next cs_node_sample(), cs_node_rollup() or
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
#include "conf/conf.h"
#include "platform/host.h"

#define CS_NODE_DEFAULT_REFRESH_S 10.0

typedef enum cs_node_kubelet {
	CS_NODE_KUBELET_CONFIG = 0, /* as the config says ([kubelet] enabled, auto) */
	CS_NODE_KUBELET_ON,         /* always (url from kubelet_url or the config) */
	CS_NODE_KUBELET_OFF,        /* never: attribution by cgroup id only */
} cs_node_kubelet;

/* Options; a zeroed struct means every default. Strings are used during
 * cs_node_open only (copied where kept). */
typedef struct cs_node_opts {
	cs_host *host;            /* borrowed, already initialised (the caller samples
	                           * nothing itself); NULL = the node sets up its own
	                           * host from the roots below, without cloud detection */
	const char *sysfs_root;   /* own host only; NULL = "/sys" */
	const char *procfs_root;  /* own host only; NULL = "/proc" */
	const char *cgroup_root;  /* own host only; NULL = "/sys/fs/cgroup" */
	cs_cg_version cg_version; /* CS_CG_AUTO, V1, V2 */
	const char *cg_subtree;   /* walk only this subtree (NULL = all) */
	bool by_process;          /* also processes outside containers (proc_scan) */
	bool idle_policy_set;     /* idle_policy below wins over the config's */
	cs_idle_policy idle_policy;
	const cs_conf *config;   /* the configuration (copied); it must have [attribution],
	                          * [kubelet] and [teams]; NULL = their defaults */
	cs_node_kubelet kubelet; /* use the kubelet? */
	const char *kubelet_url; /* overrides [kubelet] url; implies ON unless OFF */
	double refresh_s;        /* cgroup tree re-walk; 0 = 10 s */
	unsigned memstat_every;  /* memory.stat every Nth sample (cgroup_scan.h); 0 = every */
} cs_node_opts;

typedef struct cs_node cs_node;

/* Sets everything up (host unless given, scanners, readers, config,
 * kubelet client) and walks the cgroup tree once. Returns 0; CS_EINVAL (bad
 * options or config), CS_EUNAVAIL (no cgroup hierarchy, no energy source),
 * CS_ENOMEM, or the config/host error; `why` (may be NULL) gets one line
 * naming the input and the fix. */
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
/* The cgroup scanner (version, root, stats). */
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

/* Frees everything it owns (not a borrowed host). NULL is a no-op. */
void cs_node_close(cs_node *n);

#endif
