/* ledger/price.h - the price file: what an instance-hour costs.
 *
 * A CSV file (RFC 4180: quoted fields, "" inside quotes, CRLF or LF, an
 * optional UTF-8 BOM) whose header names at least these columns, in any
 * order (others are ignored):
 *
 *   provider,instance_type,region,currency,price_per_hour
 *   aws,m5.large,eu-west-1,USD,0.107
 *   aws,m5.large,*,USD,0.096          ; "*" or "": any region not listed
 *
 * Lines starting with '#' and blank lines are skipped. Strict, because a
 * price becomes every team's cost: provider lower-case letters/digits,
 * currency three upper-case letters (ISO 4217), price a plain decimal >= 0
 * and < 1,000,000; a (provider, instance type, region) given twice is an
 * error naming both lines. Names match case-insensitively. A missing price
 * is never invented: the lookup says "none" and the cost stays NULL.
 */
#ifndef CS_LEDGER_PRICE_H
#define CS_LEDGER_PRICE_H

#include <stddef.h>

#define CS_LG_PRICE_FILE_MAX (64u << 20) /* a price file larger than this is refused */

typedef struct cs_lg_price {
	char provider[32];
	char instance[128];
	char region[64]; /* "" = any region */
	char currency[4];
	double per_hour;
	unsigned line;
} cs_lg_price;

typedef struct cs_lg_prices {
	cs_lg_price *v; /* owned */
	size_t n;
	char name[256]; /* the file, for price sources: "file:prices.csv" */
} cs_lg_prices;

/* Parses buf[len] (name: what messages call it). On error *out is
 * untouched and why names name:line and the fix. */
int cs_lg_prices_parse(const char *buf, size_t len, const char *name, cs_lg_prices *out, char *why, size_t whycap);
int cs_lg_prices_load(const char *path, cs_lg_prices *out, char *why, size_t whycap);
void cs_lg_prices_free(cs_lg_prices *p); /* NULL is a no-op */

/* The price of an instance-hour: the exact region first, then "any". */
const cs_lg_price *cs_lg_prices_find(const cs_lg_prices *p, const char *provider, const char *instance,
                                     const char *region);

#endif
