/* plan/prices.h - what an instance-hour costs, where the planner knows it.
 *
 * The price book holds (instance type, region or any region) -> price per
 * instance-hour in the plan's one currency, each with where it came from.
 * Sources, consulted in this order (the first that has a price wins):
 *   1. the inventory: each priced group prices its own type and region;
 *   2. a price file (--prices FILE), the ledger's format (issue 11):
 *        provider,instance_type,region,currency,price_per_hour
 *        aws,m5.large,eu-west-1,USD,0.107
 *        aws,m5.large,*,USD,0.096        ("*" or empty: any region not listed)
 *   3. billing unit prices (--bill FILE...): the effective cost per
 *      instance-hour by type and region that `carbonstat billing` computes.
 * Nothing is converted between currencies and nothing is invented: a type
 * and region without a price has none, and the planner prints its cost as
 * unknown. A price in another currency than the plan's is left out and
 * counted (plan_prices.other_currency).
 *
 * Lookups are a hash on (instance row, region row): the planner asks for
 * every candidate, so they allocate nothing.
 */
#ifndef CS_PLAN_PRICES_H
#define CS_PLAN_PRICES_H

#include <stddef.h>
#include <stdint.h>

#include <carbonstat/dataset.h>

#include "core/index.h"

#include "plan/inventory.h"

typedef enum plan_price_src {
	PLAN_PRICE_NONE = 0,
	PLAN_PRICE_INVENTORY,
	PLAN_PRICE_FILE,
	PLAN_PRICE_BILL,
} plan_price_src;

typedef struct plan_price {
	const cs_instance *inst;
	const cs_region *region; /* NULL: any region */
	double per_hour;
	uint8_t src;   /* plan_price_src */
	uint32_t line; /* inventory or price file line, 0 for bills */
} plan_price;

typedef struct plan_prices {
	plan_price *v; /* owned */
	size_t n, cap;
	cs_index index;        /* (instance, region) -> price number */
	char currency[4];      /* the plan's currency, "" until a price is added */
	size_t other_currency; /* prices left out: another currency */
	size_t conflicts;      /* prices left out: the same type and region priced before */
	size_t from[4];        /* prices kept, by plan_price_src */
	char file[256];        /* --prices, "" if none */
	char bills[256];       /* --bill files, ", "-joined, "" if none */
} plan_prices;

void plan_prices_init(plan_prices *b);
void plan_prices_free(plan_prices *b); /* NULL-safe */

/* Adds one price; a second price for the same (type, region) is counted as
 * a conflict and left out. CS_ENOMEM. */
int plan_prices_add(plan_prices *b, const cs_instance *inst, const cs_region *region, double per_hour,
                    const char *currency, plan_price_src src, uint32_t line);

/* Source 1: every priced group of the inventory. */
int plan_prices_from_inventory(plan_prices *b, const plan_inventory *inv);

/* Source 2: a price file (path, or len bytes of buf when buf is not NULL).
 * Strict as the ledger's: a bad row is an error naming file:line:column. */
int plan_prices_load_file(plan_prices *b, const char *path, const char *buf, size_t len, char *why, size_t cap);

/* Source 3: the unit prices of bill files (billing/ingest.h). */
int plan_prices_load_bills(plan_prices *b, const char *const *paths, size_t n, char *why, size_t cap);

/* The price of an instance-hour of inst in region: the exact region, then
 * "any region"; NULL if none. */
const plan_price *plan_prices_find(const plan_prices *b, const cs_instance *inst, const cs_region *region);

const char *plan_price_src_name(plan_price_src s); /* "inventory", "price file", "bill" */

#endif
