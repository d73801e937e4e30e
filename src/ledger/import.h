/* ledger/import.h - `carbonstat ledger import FILE...`: the agent's JSON lines
 * into the ledger.
 *
 * Each node's lines are one source, "jsonl:<cluster>/<node>". The whole
 * import is one transaction under the write lock: files are read (plain or
 * gzip, "-" = stdin), cycles checked and summed to the ledger grain
 * (agg.h), priced, written, and committed at the end; any error, or a kill
 * at any point, leaves the ledger as it was.
 *
 * A cycle is the agent's node line and the `rows` row lines after it. It
 * counts only whole: its rows must add up to the node's energy per
 * component to the microjoule (the agent's invariant; a file where they do
 * not is damaged, and the import stops naming file:line); a cycle cut off
 * at the end of the input (the agent writing while we read) is left for the
 * next import. A cycle belongs to the hour holding the end of its interval
 * (an interval ending at 11:00:00.000 is hour 10).
 *
 * Idempotent and resumable, per source and hour: the ledger keeps each
 * node-hour's coverage (its first and last cycle). A cycle inside the
 * stored coverage of its hour is already counted and is skipped without
 * being parsed (re-importing a file changes nothing, and re-reading a
 * growing file each hour costs a line scan); a cycle outside it is added
 * (the rest of a growing hour, the other half of an hour split by log
 * rotation, in either order). With replace, every hour the input holds is
 * replaced by the input's cycles instead. The source's watermark is the end
 * of the last cycle it has.
 *
 * Gaps: a node-hour whose cycles cover less than 99 % of it is recorded
 * "partial"; an hour with no cycle between two that have some, or between
 * the ledger's last hour of the source and the input's first, is recorded
 * "missing". Nothing is zero-filled.
 */
#ifndef CS_LEDGER_IMPORT_H
#define CS_LEDGER_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/cost.h"
#include "ledger/store.h"

#define CS_LG_LINE_MAX  (16u << 20) /* a longer line is not the agent's */
#define CS_LG_FULL_HOUR 0.99        /* coverage below this is a partial hour */

typedef struct cs_lg_import_opts {
	const char *const *files; /* "-" = stdin */
	size_t nfiles;
	const char *cluster; /* for lines without "cluster" ("" if NULL) */
	bool replace;
	cs_lg_pricer *pricer; /* NULL: no prices */
	cs_lg_split_mode split;
} cs_lg_import_opts;

typedef struct cs_lg_import_stats {
	uint64_t lines;             /* lines read */
	uint64_t cycles;            /* whole cycles counted */
	uint64_t cycles_known;      /* skipped: already in the ledger */
	uint64_t cycles_incomplete; /* cut off at the end of the input: left for next time */
	uint64_t node_hours_new, node_hours_added, node_hours_replaced;
	uint64_t facts;
	uint64_t sources;
	uint64_t gaps;
	uint64_t priced, unpriced; /* node-hours */
	double read_s, write_s;    /* wall time reading+summing / writing+committing */
} cs_lg_import_stats;

/* Imports; 0 or a negative code with one line in why naming the input
 * (file:line) or the database, and the fix. */
int cs_lg_import(cs_lg_store *s, const cs_lg_import_opts *o, cs_lg_import_stats *st, char *why, size_t whycap);

#endif
