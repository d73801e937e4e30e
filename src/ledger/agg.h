/* ledger/agg.h - one import's or sync's figures, summed to the ledger grain
 * in memory, then written with their costs.
 *
 * Both ways in (the agent's JSON lines, PromQL answers) produce the same
 * two things per hour: the node's own totals (a "node-hour") and its rows
 * at the ledger grain (namespace, owner, owner_kind, team: a "cell").
 * Cells hang off their node-hour. Strings are interned once; keys are
 * fixed-size tuples of interned indexes, so summing millions of agent rows
 * costs a hash lookup each and no allocation once the tables have grown.
 *
 * cs_lg_agg_write turns them into ledger rows, for every node-hour:
 *   1. its cost: the pricer's price x the time it covers (cost.h);
 *   2. that cost split among its cells by their energy (or, in
 *      CS_LG_SPLIT_CPU_MEMORY, a CPU part by CPU energy and a memory part by
 *      DRAM energy), largest remainder: cells add up to the node exactly;
 *   3. each cell's carbon rounded once to integer micrograms, and its
 *      carbon and cost split among its components by their energy, largest
 *      remainder: components add up to the cell exactly;
 *   4. one fact per component with energy (or one for cpu when the cell has
 *      carbon or cost but no energy), and the node-hour row.
 * Node-hours marked add are added to what the ledger holds for them (the
 * rest of an hour); others are new (the caller deleted what they replace).
 */
#ifndef CS_LEDGER_AGG_H
#define CS_LEDGER_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/cost.h"
#include "ledger/intern.h"
#include "ledger/store.h"

#define CS_LG_NONE UINT32_MAX

typedef struct cs_lg_agg_nh {
	int64_t source_id, hour;
	uint32_t cluster, node;                    /* interned */
	uint32_t provider, region, instance, isrc; /* interned; isrc = intensity source */
	uint32_t instance_id, instance_name;       /* interned: the cloud's id and name of the machine */
	int64_t cpu_busy_ms, cpu_total_ms;         /* the node's CPU time in the hour (total 0 = unknown) */
	bool isrc_mixed;
	int64_t energy_uj[CS_PART_COUNT];
	double op_g, emb_g;
	double ei;     /* sum of energy_uj x intensity over samples with a known intensity */
	int64_t ei_uj; /* the energy of those samples */
	double pue;    /* NAN = unknown */
	int64_t first_ms, last_ms, samples, covered_ms;
	bool add;      /* add to the stored node-hour */
	uint32_t head; /* first cell, CS_LG_NONE if none */
	uint32_t ncells;
} cs_lg_agg_nh;

typedef struct cs_lg_agg_cell {
	uint32_t nh;
	uint32_t ns, owner, owner_kind, team; /* interned */
	int64_t energy_uj[CS_PART_COUNT];
	double op_g, emb_g;
	double ei;
	int64_t ei_uj;
	double intensity_g_per_kwh; /* when ei_uj is 0: the node's (Prometheus); NAN = unknown */
	uint32_t next;
} cs_lg_agg_cell;

typedef struct cs_lg_agg {
	cs_lg_intern strs;
	cs_lg_intern nh_keys, cell_keys;
	cs_lg_agg_nh *nh;
	size_t nh_cap;
	cs_lg_agg_cell *cells;
	size_t cells_cap;
} cs_lg_agg;

void cs_lg_agg_init(cs_lg_agg *a);
void cs_lg_agg_free(cs_lg_agg *a); /* NULL is a no-op */

int cs_lg_agg_str(cs_lg_agg *a, const char *s, uint32_t *idx);
static inline const char *cs_lg_agg_s(const cs_lg_agg *a, uint32_t idx)
{
	return idx == CS_LG_NONE ? "" : cs_lg_intern_at(&a->strs, idx);
}

/* The node-hour (source, hour, cluster, node), created zeroed if new (*created). */
int cs_lg_agg_node_hour(cs_lg_agg *a, int64_t source_id, int64_t hour, const char *cluster, const char *node,
                        uint32_t *idx, bool *created);
/* The node-hour's index, or -1 if the aggregation has none. */
int64_t cs_lg_agg_find_node_hour(const cs_lg_agg *a, int64_t source_id, int64_t hour, const char *cluster,
                                 const char *node);
static inline size_t cs_lg_agg_n(const cs_lg_agg *a)
{
	return a->nh_keys.n;
}

/* The cell of a node-hour for a grain, created zeroed if new. */
int cs_lg_agg_cell_of(cs_lg_agg *a, uint32_t nh, const char *ns, const char *owner, const char *owner_kind,
                      const char *team, uint32_t *idx);

/* Sets the node-hour's intensity source; a different one makes it "mixed". */
int cs_lg_agg_set_isrc(cs_lg_agg *a, uint32_t nh, const char *src);

typedef struct cs_lg_write_opts {
	cs_lg_pricer *pricer;
	cs_lg_split_mode split;
} cs_lg_write_opts;

typedef struct cs_lg_write_stats {
	uint64_t facts, node_hours, priced, unpriced;
} cs_lg_write_stats;

/* Writes every node-hour (those with keep[i] false skipped when keep is
 * not NULL). */
int cs_lg_agg_write(cs_lg_agg *a, cs_lg_store *s, const cs_lg_write_opts *o, const bool *keep, cs_lg_write_stats *st);

#endif
