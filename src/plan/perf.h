/* plan/perf.h - how much work a vCPU of one instance type does compared
 * with a vCPU of another: the performance factor of the planner.
 *
 * Two sources: the built-in table (cs_cpu_perf_*: SPECpower_ssj2008 ssj_ops
 * per hardware thread at 100 %, median per microarchitecture, see
 * docs/plan.md) and a user file (--perf FILE) with the user's own figures:
 *
 *   microarchitecture,throughput_per_vcpu,source
 *   Graviton4,1450,our checkout service: requests/s per vCPU at 60 % (2026-03 load test)
 *   Sapphire Rapids,1000,the same test
 *
 * The unit of a file is the user's (requests/s, jobs/h, ssj_ops...), the
 * same for every row of it. A ratio is therefore only ever taken between
 * two figures of one source: the user file when it covers both types, else
 * the built-in table when it covers both, else it is unknown. Figures of
 * the two sources are never mixed.
 *
 * A type on several microarchitectures (GCP n1: Skylake, Broadwell,
 * Haswell...) gets the mean of their figures, as CCF averages their watts;
 * if one of them has no figure the type has none. Two types on the same
 * microarchitecture(s) have a ratio of 1 whatever the tables say.
 */
#ifndef CS_PLAN_PERF_H
#define CS_PLAN_PERF_H

#include <stddef.h>

#include <carbonstat/dataset.h>

/* One row of a user file. */
typedef struct plan_perf_row {
	char arch[64];    /* as the instance tables spell it */
	double per_vcpu;  /* > 0, in the file's unit */
	char source[160]; /* what the figure is, printed with every ratio taken from it */
	unsigned line;
} plan_perf_row;

typedef struct plan_perf {
	plan_perf_row *v; /* owned */
	size_t n;
	char name[256]; /* the file */
} plan_perf;

/* Parses a user file from len bytes (name: for messages) or loads path.
 * Every microarchitecture must be one the instance tables or the built-in
 * table name (a typo is an error with suggestions), at most once. On error
 * *out is untouched and why names file:line:column and the fix. */
int plan_perf_parse(const char *buf, size_t len, const char *name, plan_perf *out, char *why, size_t cap);
int plan_perf_load(const char *path, plan_perf *out, char *why, size_t cap);
void plan_perf_free(plan_perf *p); /* NULL and zeroed: no-op */

/* Where a ratio came from. */
typedef enum plan_speed_src {
	PLAN_SPEED_UNKNOWN = 0,
	PLAN_SPEED_SAME,    /* the same microarchitecture(s): 1 by definition */
	PLAN_SPEED_USER,    /* both from the user file */
	PLAN_SPEED_BUILTIN, /* both from the SPECpower table */
} plan_speed_src;

/* Throughput per vCPU of one type in each source; < 0 where that source
 * does not cover all of its microarchitectures. */
typedef struct plan_speed {
	double user;
	double builtin;
} plan_speed;

void plan_speed_of(const plan_perf *user, const cs_instance *it, plan_speed *out);

/* Per-vCPU throughput of b over a's: the ratio and its source, or
 * PLAN_SPEED_UNKNOWN (ratio untouched). */
plan_speed_src plan_speed_ratio(const cs_instance *a, const plan_speed *sa, const cs_instance *b, const plan_speed *sb,
                                double *ratio);

const char *plan_speed_src_name(plan_speed_src s); /* "same microarchitecture", "user file", "SPECpower" */

/* Microarchitecture names the tables know (instance archs split at '/',
 * then the perf table's), for messages and --families. *n set. Static. */
const char *const *plan_arch_names(size_t *n);

#endif
