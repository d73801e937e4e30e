/* ledger/store.h - the ledger's tables and every read and write of them.
 *
 * The grain is one hour x cluster x node x namespace x owner x owner_kind x
 * team x component (cpu, dram, gpu, other), per source. A "source" is one
 * stream of data with its own watermark: one node's JSON lines
 * ("jsonl:<cluster>/<node>") or one Prometheus-compatible server
 * ("prometheus:<url>"); re-importing an hour of a source replaces that
 * source's hour and nothing else, so two sources never double count each
 * other and the same source never counts twice.
 *
 * Tables (schema version CS_LG_SCHEMA_VERSION; docs/ledger.md has them
 * column by column):
 *   schema_version  one row per applied migration
 *   sources         id, name, kind, watermark_ms
 *   dims            id -> (cluster, node, namespace, owner, owner_kind, team)
 *   facts           (hour, source, dim, component) -> energy_uj, op_ug,
 *                   emb_ug, intensity, cost_micro (NULL = no price)
 *   node_hours      (hour, source, cluster, node) -> the node's own totals
 *                   (what its rows must add up to), location, instance
 *                   type, instance id and name, busy and total CPU time
 *                   (schema 3),
 *                   intensity and its source, coverage (first/last sample,
 *                   samples, covered ms), cost with currency, price source
 *                   or the reason it is NULL
 *   gaps            (hour, source, cluster, node, kind) missing / partial /
 *                   reset hours, never zero-filled
 *   units           (hour, source, key) functional units for SCI
 *   daily           (day, dim) the facts summed per UTC day: what reports
 *                   read (a month is ~31 x dims rows, not 730 x dims x 2)
 *   nodes           (cluster, node) -> provider, region, instance (latest)
 *   unit_prices     effective cost per instance-hour by provider, type,
 *                   region and period: filled by the billing ingester
 *   bill_daily      the bill's daily rows by provider, account, service,
 *                   region, tag, team and class: cost, kWh, carbon
 *                   (schema 2; ledger/bills.h)
 *   meta            key -> value ("currency": the ledger's one currency)
 * Amounts are integers: energy in microjoules, carbon in micrograms CO2e,
 * cost in millionths of the currency unit, so sums are exact and a total
 * row equals the sum of its rows.
 *
 * Writes happen in one transaction (cs_lg_begin ... cs_lg_commit) under the
 * backend's write lock; migrations run there too. Bulk rows (facts,
 * node_hours, dims) are buffered and sent by the backend's bulk path at
 * commit (or every CS_LG_BATCH_ROWS rows). The daily rollup moves with the
 * facts: every fact written adds to an in-memory delta per (day, dim),
 * every fact deleted is read first and taken out of it, and at COMMIT the
 * deltas are bulk-loaded and merged into daily by one upsert; so daily is
 * always exactly the sum of its facts (cs_lg_verify_daily checks it), at
 * a cost proportional to what changed, not to what the days hold.
 */
#ifndef CS_LEDGER_STORE_H
#define CS_LEDGER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/db.h"
#include "sensors/sensor.h"

#define CS_LG_SCHEMA_VERSION 3
#define CS_LG_HOUR_S         3600
#define CS_LG_DAY_S          86400
#define CS_LG_STR_MAX        256 /* a label value (Kubernetes names are <= 253) */
#define CS_LG_BATCH_ROWS     65536

/* A node's key in the ledger's tables, "cluster\x1fnode", into
 * key[CS_LG_NODE_KEY_MAX]: its length, or -1 when the names are too long. */
#define CS_LG_NODE_KEY_MAX (2 * CS_LG_STR_MAX + 2)
int cs_lg_node_key(const char *cluster, const char *node, char key[CS_LG_NODE_KEY_MAX]);

/* One grain's labels (hour and component aside). */
typedef struct cs_lg_dims {
	const char *cluster, *node, *namespace_, *owner, *owner_kind, *team;
} cs_lg_dims;

/* One row of facts. */
typedef struct cs_lg_fact {
	int64_t hour; /* start of the hour, epoch s (a multiple of 3600) */
	int64_t source_id;
	int64_t dim_id;
	int component; /* cs_part */
	int64_t energy_uj;
	int64_t op_ug;              /* operational gCO2e x 1e6 */
	int64_t emb_ug;             /* embodied gCO2e x 1e6 */
	double intensity_g_per_kwh; /* energy-weighted over the hour; NAN = unknown */
	bool has_cost;
	int64_t cost_micro; /* currency units x 1e6 */
} cs_lg_fact;

/* One node's hour, as the node itself counted it. */
typedef struct cs_lg_node_hour {
	int64_t hour, source_id;
	const char *cluster, *node, *provider, *region, *instance;
	int64_t energy_uj[CS_PART_COUNT];
	int64_t op_ug, emb_ug;
	double intensity_g_per_kwh;   /* NAN = unknown */
	const char *intensity_source; /* "static-region", "electricitymaps", "mixed", "none" */
	double pue;                   /* NAN = unknown */
	int64_t first_ms, last_ms;    /* ends of the first and last interval seen */
	int64_t samples;              /* agent cycles (JSON lines) or scrapes (Prometheus) */
	int64_t covered_ms;           /* time the samples cover, <= 3,600,000 */
	bool has_cost;
	int64_t cost_micro;
	const char *currency;     /* "" when no cost */
	const char *price_source; /* "file:prices.csv", "billing:2026-11", "" */
	const char *cost_reason;  /* why cost is NULL, "" when priced */
	/* Schema 3: the machine (the cloud's instance id and name, "" when
	 * unknown; NULL reads as "") and its CPU time in the hour, all CPUs:
	 * busy and busy + idle, in ms (cpu_total_ms 0 = not measured). */
	const char *instance_id, *instance_name;
	int64_t cpu_busy_ms, cpu_total_ms;
} cs_lg_node_hour;

/* A missing, partial or reset hour. */
typedef struct cs_lg_gap {
	int64_t hour, source_id;
	const char *cluster, *node; /* node "" = the whole source */
	const char *kind;           /* "missing", "partial", "reset" */
	double covered_s;           /* seconds the hour has data for */
	const char *detail;
} cs_lg_gap;

typedef struct cs_lg_store cs_lg_store;

enum { CS_LG_READ = 0, CS_LG_WRITE = 1 };

/* Opens the ledger at url (db.h). WRITE creates a SQLite file if absent
 * (the schema is created by the first cs_lg_begin). */
int cs_lg_open(const char *url, int mode, double lock_timeout_s, cs_lg_store **out, char *why, size_t whycap);
void cs_lg_close(cs_lg_store *s); /* rolls back what was not committed; NULL is a no-op */
const char *cs_lg_why(const cs_lg_store *s);
cs_ldb *cs_lg_db(cs_lg_store *s);

/* ---- writing ------------------------------------------------------------------------ */

/* Transaction + write lock; migrates the schema (refusing a newer one) and
 * loads the sources and dims. */
int cs_lg_begin(cs_lg_store *s);
/* Sends the buffered rows, recomputes the daily rollups of the days
 * touched, updates nodes, commits. On failure everything is rolled back. */
int cs_lg_commit(cs_lg_store *s);
void cs_lg_rollback(cs_lg_store *s);

/* The id of source name (created with kind if new) and its watermark
 * (INT64_MIN when none). */
int cs_lg_source(cs_lg_store *s, const char *name, const char *kind, int64_t *id, int64_t *watermark_ms);
int cs_lg_set_watermark(cs_lg_store *s, int64_t source_id, int64_t watermark_ms);
/* The id of a grain's labels (created if new). */
int cs_lg_dim(cs_lg_store *s, const cs_lg_dims *d, int64_t *id);

/* Calls cb for every stored node hour of a source: its coverage. */
typedef int (*cs_lg_coverage_cb)(void *ud, int64_t hour, const char *cluster, const char *node, int64_t first_ms,
                                 int64_t last_ms, int64_t samples, int64_t covered_ms);
int cs_lg_coverage(cs_lg_store *s, int64_t source_id, int64_t from_hour, int64_t to_hour, cs_lg_coverage_cb cb,
                   void *ud);

/* Deletes everything of source in hours [from_hour, to_hour): facts,
 * node_hours, gaps, units. */
int cs_lg_delete_hours(cs_lg_store *s, int64_t source_id, int64_t from_hour, int64_t to_hour);
/* Deletes one node's hour of a source (facts of the node's dims too). */
int cs_lg_delete_node_hour(cs_lg_store *s, int64_t source_id, int64_t hour, const char *cluster, const char *node);

/* add = false: new rows (the hour was deleted or never stored); add = true:
 * added to the stored rows of the same key (a later part of an hour). */
int cs_lg_put_fact(cs_lg_store *s, const cs_lg_fact *f, bool add);
int cs_lg_put_node_hour(cs_lg_store *s, const cs_lg_node_hour *nh, bool add);
int cs_lg_put_gap(cs_lg_store *s, const cs_lg_gap *g);
/* Deletes the gaps recorded for one node-hour of a source. */
int cs_lg_delete_gaps(cs_lg_store *s, int64_t source_id, int64_t hour, const char *cluster, const char *node);
int cs_lg_put_unit(cs_lg_store *s, int64_t hour, int64_t source_id, const char *key, double value);

/* The ledger's currency ("" when nothing is priced yet), and setting it
 * the first time. */
int cs_lg_get_currency(cs_lg_store *s, char out[8]);
int cs_lg_set_currency(cs_lg_store *s, const char *currency);

/* The billing ingester's effective price of an instance-hour valid at
 * hour, if any: 1 found, 0 none, < 0 error. source gets e.g.
 * "billing:aws-cur 2026-11". */
int cs_lg_unit_price(cs_lg_store *s, const char *provider, const char *instance, const char *region, int64_t hour,
                     double *price_per_hour, char currency[8], char *source, size_t source_cap);
/* What the billing ingester calls (defined now so both sides agree). */
int cs_lg_put_unit_price(cs_lg_store *s, const char *provider, const char *instance, const char *region,
                         const char *currency, double price_per_hour, int64_t period_start, int64_t period_end,
                         const char *source);

/* ---- reading ------------------------------------------------------------------------ */

/* A consistent snapshot; CS_ENODATA (with the why line) if the ledger has
 * no schema yet, CS_ERANGE if its schema is newer than this carbonstat. */
int cs_lg_begin_read(cs_lg_store *s);
void cs_lg_end_read(cs_lg_store *s);

typedef int (*cs_lg_dims_cb)(void *ud, int64_t id, const cs_lg_dims *d);
int cs_lg_read_dims(cs_lg_store *s, cs_lg_dims_cb cb, void *ud);

/* A daily rollup row (or a sum of them). */
typedef struct cs_lg_sums {
	int64_t energy_uj[CS_PART_COUNT];
	int64_t op_ug, emb_ug;
	int64_t cost_micro;  /* of the rows that have a cost */
	int64_t uncosted_uj; /* energy of the rows without one */
	int64_t rows;
} cs_lg_sums;

typedef int (*cs_lg_daily_cb)(void *ud, int64_t day, int64_t dim_id, const cs_lg_sums *v);
/* Daily rows with day in [from_day, to_day). */
int cs_lg_read_daily(cs_lg_store *s, int64_t from_day, int64_t to_day, cs_lg_daily_cb cb, void *ud);
/* Summed per dim over [from_day, to_day) (day always 0). */
int cs_lg_read_dim_totals(cs_lg_store *s, int64_t from_day, int64_t to_day, cs_lg_daily_cb cb, void *ud);
/* The same straight from facts, hours [from, to): what the rollup saves
 * (benchmarks compare the two). */
int cs_lg_read_dim_totals_facts(cs_lg_store *s, int64_t from_hour, int64_t to_hour, cs_lg_daily_cb cb, void *ud);

/* Node totals over hours [from, to), per node, from node_hours. */
typedef struct cs_lg_node_total {
	const char *cluster, *node, *provider, *region, *instance;
	int64_t energy_uj[CS_PART_COUNT];
	int64_t op_ug, emb_ug;
	int64_t cost_micro, hours, priced_hours;
	int64_t covered_ms;
} cs_lg_node_total;
typedef int (*cs_lg_node_cb)(void *ud, const cs_lg_node_total *n);
int cs_lg_read_node_totals(cs_lg_store *s, int64_t from_hour, int64_t to_hour, cs_lg_node_cb cb, void *ud);
/* Every known node's latest location (totals zero). */
int cs_lg_read_nodes(cs_lg_store *s, cs_lg_node_cb cb, void *ud);

typedef int (*cs_lg_gap_cb)(void *ud, const cs_lg_gap *g, const char *source_name);
int cs_lg_read_gaps(cs_lg_store *s, int64_t from_hour, int64_t to_hour, cs_lg_gap_cb cb, void *ud);

typedef int (*cs_lg_unit_cb)(void *ud, int64_t hour, const char *key, double value);
int cs_lg_read_units(cs_lg_store *s, int64_t from_hour, int64_t to_hour, cs_lg_unit_cb cb, void *ud);

/* Hours of [from, to) that have any node data: fills present[(h - from) /
 * 3600] = true. */
int cs_lg_read_hours(cs_lg_store *s, int64_t from_hour, int64_t to_hour, bool *present);

/* Why costs are NULL over [from, to): reason and node-hours. */
typedef int (*cs_lg_reason_cb)(void *ud, const char *reason, int64_t node_hours);
int cs_lg_read_cost_reasons(cs_lg_store *s, int64_t from_hour, int64_t to_hour, cs_lg_reason_cb cb, void *ud);

/* Rows where daily differs from facts summed by day and dim (both ways):
 * 0 when the rollup is exact. Reads every fact: for tests and repairs. */
int cs_lg_verify_daily(cs_lg_store *s, int64_t *mismatches);

/* One machine's CPU time on one UTC day, summed over its node-hours (every
 * source): what `carbonstat billing --ledger` prices the bill's lines of
 * that instance and day with. */
typedef struct cs_lg_instance_day {
	int64_t day; /* start of the UTC day, epoch s */
	const char *provider, *instance_id, *instance_name;
	int64_t cpu_busy_ms, cpu_total_ms; /* total > 0 */
} cs_lg_instance_day;
typedef int (*cs_lg_instance_day_cb)(void *ud, const cs_lg_instance_day *d);
/* Every day of every machine with an instance id or name and a measured CPU
 * time (schema 3; an older schema has none: 0 and no call). */
int cs_lg_read_instance_days(cs_lg_store *s, cs_lg_instance_day_cb cb, void *ud);

/* The schema version stored (0 = none). */
int cs_lg_schema_version(cs_lg_store *s, int *version);

#endif
