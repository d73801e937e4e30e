/* plan/inventory.h - the fleet the planner starts from.
 *
 * An inventory is a list of groups: identical instances of one type in one
 * region, how many, their average CPU utilisation, the hours they run in a
 * month and, when known, what an instance-hour costs. Names are resolved
 * exactly as `carbonstat estimate` resolves them (cs_instance_find,
 * cs_region_find: any spelling a user or a metadata service writes; the
 * provider may be left empty and is then found from the type) and the
 * numbers are parsed by the same strict parsers (cs_parse_percent, ...), so
 * a group's current figures equal estimate's for the same words.
 *
 * Where the groups come from is a source: the CSV file (plan_source_csv)
 * or the ledger's observed fleet of a month (plan/ledger_fleet.h: types,
 * regions, utilisation and effective prices), which fills the same struct.
 * Everything above the sources sees only plan_inventory.
 */
#ifndef CS_PLAN_INVENTORY_H
#define CS_PLAN_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include <carbonstat/dataset.h>

/* A group of identical instances. */
typedef struct plan_group {
	const cs_instance *inst;
	const cs_region *region;
	unsigned count;        /* instances, >= 1 */
	double cpu_percent;    /* average CPU utilisation as written, 0..100 */
	double cpu;            /* the same as the fraction cs_parse_percent gives (cpu_percent / 100) */
	double hours;          /* hours each instance runs in a month, > 0 */
	double price_per_hour; /* what one instance-hour costs; < 0 = not known */
	char currency[4];      /* ISO 4217 code of the price, "" when none */
	uint32_t line;         /* where the group was read (source line), 0 if not from a file */
} plan_group;

typedef struct plan_inventory {
	plan_group *g; /* owned */
	size_t n, cap;
	char name[256];   /* what the source was: "fleet.csv" */
	char source[16];  /* which source read it: "csv" */
	char currency[4]; /* the one currency of its prices, "" if none */
	size_t priced;    /* groups with a price */
	char note[640];   /* what the source did and left out (the ledger's), "" if nothing to say */
} plan_inventory;

/* A place groups come from. load fills inv (zeroed by the caller or by
 * plan_inventory_load) from spec (a path for the CSV source); on failure
 * returns a negative code and why says which input, where, and the fix. */
typedef struct plan_source_ops {
	const char *name;
	int (*load)(const char *spec, plan_inventory *inv, char *why, size_t cap);
} plan_source_ops;

/* The CSV inventory:
 *
 *   provider,instance,region,count,cpu_percent,hours_per_month[,price_per_hour,currency]
 *   aws,m5.large,us-east-1,12,35,730,0.096,USD
 *
 * Columns in any order, any case; an unknown column is an error (a typo
 * would otherwise drop a figure). '#' lines and blank lines are skipped.
 * count 1..10,000,000; cpu_percent 0..100 (a trailing % allowed);
 * hours_per_month > 0 and at most 744 (31 days); price_per_hour >= 0, empty
 * when unknown, with a three-letter currency; all priced rows share one
 * currency (nothing is converted). */
extern const plan_source_ops plan_source_csv;

int plan_inventory_load(const plan_source_ops *src, const char *spec, plan_inventory *inv, char *why, size_t cap);

/* The CSV source over len bytes of memory (tests, fuzzing); name is what
 * messages call it. */
int plan_inventory_parse_csv(const char *buf, size_t len, const char *name, plan_inventory *inv, char *why, size_t cap);

/* Appends a group (a source's building block). CS_ENOMEM. */
int plan_inventory_add(plan_inventory *inv, const plan_group *g);

void plan_inventory_free(plan_inventory *inv); /* NULL and zeroed: no-op */

/* Where a group was read, for reports: "fleet.csv:5" for a file,
 * "sqlite:ledger.db 2026-11 #3" for the ledger's groups. */
void plan_group_where(const plan_inventory *inv, const plan_group *g, char *buf, size_t cap);

/* Shared by the planner's inputs: a price and its ISO 4217 currency, as the
 * inventory and the price file spell them. */
int plan_parse_price(const char *s, double *out);
int plan_parse_currency(const char *s, char out[4]);

/* "unknown aws instance type 'x' (did you mean a, b?); list them with
 * 'carbonstat instances --provider aws'": the suggestions estimate gives. */
void plan_unknown_instance(cs_provider p, const char *name, char *msg, size_t cap);
void plan_unknown_region(cs_provider p, const char *name, char *msg, size_t cap);

#endif
