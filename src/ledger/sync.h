/* ledger/sync.h - `carbonstat ledger sync --prometheus URL`: hourly increases
 * of the agents' counters from a Prometheus-compatible store.
 *
 * The store does the aggregation: every query is "sum by (the ledger grain)
 * (increase(counter[1h]))" evaluated at hour ends through /api/v1/query_range
 * (step 1h), so 40,000 containers' series come back as one series per node x
 * owner x component, never one by one. Per batch of hours (6 by default):
 *   rows    carbonstat_energy_joules_total by cluster, node, namespace,
 *           owner, owner_kind, team, kind, component; carbonstat_carbon_grams_
 *           total the same by scope (kind only tells the agent's system /
 *           idle / overflow buckets apart, which become owners of their own)
 *   nodes   carbonstat_node_energy_joules_total by component and
 *           carbonstat_node_carbon_grams_total by scope: the node totals the
 *           rows are checked against in the report
 *   context carbonstat_info (provider, region, instance: the price),
 *           grid intensity and its source, PUE
 *   quality samples and span of carbonstat_agent_last_cycle_timestamp_seconds
 *           (coverage of the hour), resets() of the node counter
 *   [sci]   each configured query, summed, per hour: functional units
 * Series without a cluster label get the configured cluster.
 *
 * Gaps are recorded, never filled: a node seen in the window (or in the
 * day before it) without data in an hour is "missing"; an hour with no
 * carbonstat data at all is "missing" for the whole source; an hour whose
 * cycles span less than 99 % of it is "partial"; a counter reset (an agent
 * restart: increase() cannot see the energy between its last scrape and the
 * restart) is "reset".
 *
 * Transactional and idempotent: the write lock is taken first (a second
 * sync waits, then redoes the same hours: replaced, not added), each synced
 * hour of the source is deleted and written again, and the watermark moves
 * to the end of the last complete hour only at COMMIT. An hour is complete
 * two minutes after it ends (the last scrape has landed); --partial also
 * syncs the hour in progress (evaluated at now), which the next sync
 * replaces. Any query error aborts the whole sync: nothing is written.
 *
 * Prometheus' increase() extrapolates to the window's ends, so rows and node
 * totals agree only to within a scrape interval's energy per series
 * (VictoriaMetrics' increase does not extrapolate); the JSON-lines path is
 * the exact one.
 */
#ifndef CS_LEDGER_SYNC_H
#define CS_LEDGER_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/cost.h"
#include "ledger/lconf.h"
#include "ledger/store.h"

#define CS_LG_SYNC_LAG_S     120 /* an hour is complete this long after it ends */
#define CS_LG_SYNC_BATCH_H   6
#define CS_LG_SYNC_DEFAULT_H 24           /* first sync without --from: the last day */
#define CS_LG_SYNC_PAR       3            /* queries in flight: the two large ones at once, the rest behind */
#define CS_LG_BODY_MAX       (512u << 20) /* a query answer larger than this is refused */

typedef struct cs_lg_sync_opts {
	const char *url;      /* API base: http://prometheus:9090 (a path prefix is kept) */
	const char *source;   /* NULL: "prometheus:" + the URL without credentials */
	const char *cluster;  /* for series without a cluster label */
	int64_t from_s, to_s; /* INT64_MIN: from the watermark / to the last complete hour */
	bool partial;         /* also the hour in progress */
	double now_s;
	double timeout_s;
	int batch_hours;      /* 0: CS_LG_SYNC_BATCH_H */
	int parallel;         /* queries in flight at once; 0: CS_LG_SYNC_PAR */
	cs_lg_pricer *pricer; /* NULL: no prices */
	cs_lg_split_mode split;
	const cs_lg_conf *conf; /* [sci]; may be NULL */
} cs_lg_sync_opts;

typedef struct cs_lg_sync_stats {
	char source[1100];
	int64_t from_hour, to_hour; /* what was synced: [from, to) */
	uint64_t node_hours, facts, series, samples, skipped, queries, bytes;
	uint64_t missing, partial, resets;
	uint64_t priced, unpriced;
	double total_s, query_s;
} cs_lg_sync_stats;

int cs_lg_sync(cs_lg_store *s, const cs_lg_sync_opts *o, cs_lg_sync_stats *st, char *why, size_t whycap);

#endif
