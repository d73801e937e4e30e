/* ledger/jsonl_in.h - one line of the agent's JSON lines, read back.
 *
 * The agent writes, per cycle, one "node" object and one object per row
 * (docs/exporters.md, src/exporters/jsonl.c). The ledger needs a subset of
 * the members, checked strictly, because what it reads becomes money and
 * carbon in a report:
 *   - energies are joules printed from integer microjoules with 15
 *     significant digits: converted back with round(x * 1e6), exact below
 *     1e9 J; finite, >= 0 and below 1e12 J, else the line is refused;
 *   - carbon grams finite and >= 0; intensity a number >= 0 or null;
 *   - ts an RFC 3339 UTC time ("2026-09-21T14:13:25.000Z");
 *   - strings fit CS_LG_STR_MAX - 1 bytes (a longer one is refused, never
 *     truncated: two owners must not merge);
 *   - the members the agent will gain ("owner", "owner_kind", "cluster")
 *     are read when present, "" when absent;
 *   - an optional "schema" member must be 1 (a later agent that changes
 *     the format bumps it, and an old ledger refuses it instead of
 *     misreading it).
 * Unknown members are ignored (the agent may add some). The parser
 * allocates only through jansson and keeps nothing between calls.
 */
#ifndef CS_LEDGER_JSONL_IN_H
#define CS_LEDGER_JSONL_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/store.h"

#define CS_LG_JSONL_SCHEMA 1
#define CS_LG_MAX_J        1e12 /* a larger figure in one line is not an agent's */

typedef enum cs_lg_jtype {
	CS_LG_J_NODE = 0,
	CS_LG_J_WORKLOAD,
	CS_LG_J_SYSTEM,
	CS_LG_J_IDLE,
	CS_LG_J_OVERFLOW,
} cs_lg_jtype;

typedef struct cs_lg_jline {
	cs_lg_jtype type;
	int64_t ts_ms; /* end of the interval */
	int64_t seq;
	double interval_s;
	char node[CS_LG_STR_MAX];
	char cluster[CS_LG_STR_MAX]; /* "" when absent */
	unsigned comp_mask;          /* components present in energy_j */
	int64_t energy_uj[CS_PART_COUNT];
	double op_g, emb_g;
	double intensity_g_per_kwh; /* NAN when null */
	char intensity_source[64];
	/* rows */
	char kind[32];
	char name[CS_LG_STR_MAX];
	char namespace_[CS_LG_STR_MAX];
	char team[CS_LG_STR_MAX];
	char owner[CS_LG_STR_MAX];
	char owner_kind[64];
	/* node */
	int64_t rows;
	char provider[32];
	char region[64];
	char instance[CS_LG_STR_MAX];
	double pue; /* NAN when absent */
	/* the machine (the cloud's instance id and name; "" when absent) and
	 * its CPU time in the interval, all CPUs: busy and busy + idle, in s
	 * (NAN when absent or null: agents before them, no /proc/stat) */
	char instance_id[CS_LG_STR_MAX];
	char instance_name[CS_LG_STR_MAX];
	double cpu_busy_s, cpu_total_s;
} cs_lg_jline;

/* Parses one line (len bytes, no newline needed, need not be
 * NUL-terminated) into *out. 0, or CS_EINVAL with one line in why saying
 * what is wrong ("member 'energy_j.cpu' is -1, not a number of joules >=
 * 0"); the caller prefixes file:line. *out is undefined on error. */
int cs_lg_jsonl_parse(const char *line, size_t len, cs_lg_jline *out, char *why, size_t whycap);

#endif
