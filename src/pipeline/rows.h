/* pipeline/rows.h - the agent's per-series accumulators: one row per exported
 * workload (or roll-up group), its counters since the agent started, and the
 * snapshot rows built from them every cycle.
 *
 * Each cycle the node attributor gives this interval's shares (integer µJ per
 * component, conserved). cs_rows_update() matches them to rows by their
 * exported label set (kind, name, namespace, pod, container, owner kind and
 * name, team; or the group label), adds the deltas to the row's totals, converts them to carbon
 * with THIS interval's intensity (so the gCO2e counters stay exact when the
 * intensity changes) and shares the node's embodied emissions like idle
 * energy. A series is thus one row for its whole life: a container that
 * restarts under a new id in the same pod continues its counters (both
 * workloads' energy is summed while they overlap). A row whose workloads are
 * gone stops being exported but is kept CS_ROWS_RETAIN_S, so a label set
 * that comes back (a crash-looping container, a name the kubelet gives back)
 * goes on from its total instead of restarting at 0. Counters therefore
 * never decrease, and the exported rows plus the ended ones add up to the
 * node's totals.
 *
 * Series guard: at most max_rows workload rows are exported; a row created
 * while that many exist is "folded" for its whole life: its energy and carbon
 * go to the single "overflow" row, so the sums still equal the node's.
 *
 * Memory: rows, the key index and the snapshot rows grow geometrically with
 * the workload count and are reused; a steady-state update allocates nothing.
 * Snapshot strings point into the node's workloads (valid until its next
 * sample) or into the rows.
 */
#ifndef CS_PIPELINE_ROWS_H
#define CS_PIPELINE_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attribution/attribute.h"
#include "attribution/workload.h"
#include "pipeline/snapshot.h"

#define CS_ROWS_RETAIN_S 900.0 /* ended rows kept this long (> kubelet refresh, > CrashLoopBackOff max) */

/* Granularity of the exported rows ([agent] workloads), a cs_attr_by:
 *   CS_BY_CONTAINER  each workload the node reports (default);
 *   CS_BY_POD, CS_BY_OWNER, CS_BY_NAMESPACE, CS_BY_TEAM  their roll-ups (an
 *                    owner's row takes its team from its first workload: the
 *                    pods of one controller share their labels);
 *   CS_BY_NONE       one "all" row for every workload together. */
#define CS_ROWS_BY_MASK                                                                                                \
	(1ul << CS_BY_CONTAINER | 1ul << CS_BY_POD | 1ul << CS_BY_OWNER | 1ul << CS_BY_NAMESPACE | 1ul << CS_BY_TEAM | \
	 1ul << CS_BY_NONE)

/* Whether a granularity's rows are roll-up groups (cs_rows_input.groups). */
static inline bool cs_rows_by_groups(cs_attr_by by)
{
	return by == CS_BY_POD || by == CS_BY_OWNER || by == CS_BY_NAMESPACE || by == CS_BY_TEAM;
}

/* This interval's input. groups/first are used when cs_rows_by_groups(). */
typedef struct cs_rows_input {
	const cs_workload *wl; /* workloads and their shares, n of them */
	const cs_attr_share *shares;
	size_t n;
	const cs_attr_group *groups; /* roll-up of the same interval (by pod...) */
	const size_t *first;         /* index in wl of each group's first member */
	size_t ngroups;
	const cs_attr_result *res;  /* node totals and buckets */
	double dt_s;                /* interval length */
	double intensity_g_per_kwh; /* < 0: unknown (operational carbon 0) */
	double pue;
	double embodied_g; /* node embodied emissions of this interval (>= 0) */
} cs_rows_input;

typedef struct cs_rows cs_rows;

/* max_rows: workload rows exported before folding (>= 1). */
int cs_rows_open(cs_attr_by by, size_t max_rows, cs_rows **out);
void cs_rows_close(cs_rows *r);
cs_attr_by cs_rows_granularity(const cs_rows *r);

/* One interval. 0 or CS_ENOMEM (the interval is then folded into overflow
 * as far as possible; totals never go backwards). */
int cs_rows_update(cs_rows *r, const cs_rows_input *in);

/* The snapshot rows of the last update (workloads in first-seen order, then
 * system, idle and, once anything was folded, overflow), and the node's
 * carbon this interval / since start (sum of the rows). */
const cs_snap_row *cs_rows_snapshot(const cs_rows *r, size_t *n);
void cs_rows_node_carbon(const cs_rows *r, double g[CS_SCOPE_N], double total_g[CS_SCOPE_N]);
/* Workload rows folded into overflow right now. */
size_t cs_rows_folded(const cs_rows *r);

#endif
