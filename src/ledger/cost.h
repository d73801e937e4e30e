/* ledger/cost.h - what a node-hour costs, and exact splits of integers.
 *
 * Prices, in order: the billing ingester's effective cost per
 * instance-hour (table unit_prices, valid for the hour), then the price
 * file, else none: the cost is NULL and the reason says which of
 * instance type, provider, price or currency was missing. Nothing is
 * converted or guessed. The ledger has one currency, set by the first
 * priced hour; a price in another currency leaves the cost NULL.
 *
 * A node-hour's cost is price x the time its samples cover (so a node that
 * ran half an hour costs half), in integer millionths of the currency.
 * It is then split among the node's rows; cs_lg_split is the one integer
 * split the ledger uses for cost (node -> rows -> components) and carbon
 * (row -> components): floor of the exact share, then the remainders to the
 * largest fractions (largest-remainder / Hamilton), so the parts always add
 * up to the whole exactly.
 */
#ifndef CS_LEDGER_COST_H
#define CS_LEDGER_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/intern.h"
#include "ledger/price.h"
#include "ledger/store.h"

/* How a node's cost is shared among its rows. */
typedef enum cs_lg_split_mode {
	CS_LG_SPLIT_ENERGY = 0, /* by the rows' energy: what the agent attributes (idle by requests) */
	CS_LG_SPLIT_CPU_MEMORY, /* OpenCost-style: a CPU part by CPU energy and a memory part by DRAM
	                         * energy, the parts weighted by vCPU x 0.031611 and GB x 0.004237 */
} cs_lg_split_mode;

/* OpenCost's default list prices, used only for the CPU/memory weights. */
#define CS_LG_OPENCOST_CPU_PER_VCPU_H 0.031611
#define CS_LG_OPENCOST_RAM_PER_GB_H   0.004237

/* What all-zero weights do. */
typedef enum cs_lg_zero {
	CS_LG_ZERO_FIRST = 0, /* everything to out[0] */
	CS_LG_ZERO_EQUAL,     /* equal shares (largest remainder) */
} cs_lg_zero;

/* out[0..n) = total (>= 0) split by weights w (>= 0). 0 or CS_ENOMEM /
 * CS_EINVAL (negative input). */
int cs_lg_split(int64_t total, const int64_t *w, size_t n, cs_lg_zero zero, int64_t *out);

/* The cost of one node-hour. */
typedef struct cs_lg_node_cost {
	bool has;
	int64_t cost_micro;
	char currency[8];
	char source[288]; /* "file:prices.csv", "billing:<source>" */
	char reason[200]; /* when !has */
} cs_lg_node_cost;

typedef struct cs_lg_pricer {
	const cs_lg_prices *file; /* NULL: no price file */
	cs_lg_store *store;       /* NULL: no billing prices (tests) */
	char currency[8];         /* the ledger's, "" until the first priced hour */
	bool currency_new;        /* set here: the caller stores it */
	cs_lg_intern keys;        /* billing lookups: provider \x1f instance \x1f region \x1f day */
	struct cs_lg_price_hit {
		bool found;
		double per_hour;
		char currency[8];
		char source[120];
	} * hits;
	size_t hits_cap;
} cs_lg_pricer;

/* store may be NULL (no billing prices). The caller fills currency with
 * the ledger's inside its transaction (cs_lg_get_currency). */
int cs_lg_pricer_init(cs_lg_pricer *p, const cs_lg_prices *file, cs_lg_store *store);
void cs_lg_pricer_free(cs_lg_pricer *p);

/* Prices a node-hour covering covered_ms of the hour. 0 (out->has says
 * if a price was found) or < 0 on a database error. */
int cs_lg_price_hour(cs_lg_pricer *p, const char *provider, const char *instance, const char *region, int64_t hour,
                     int64_t covered_ms, cs_lg_node_cost *out);

/* The CPU share of a node's cost under CS_LG_SPLIT_CPU_MEMORY, from the
 * instance type's vCPUs and memory; < 0 when the type is unknown. */
double cs_lg_cpu_cost_fraction(const char *provider, const char *instance);

#endif
