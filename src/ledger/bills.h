/* ledger/bills.h - the cloud bill's daily rows in the ledger, beside what
 * the agents measured (issue 13, `carbonstat billing FILE... --ledger DB`).
 *
 * Table bill_daily (schema 2): one row per UTC day x provider x account x
 * service x region x tag value x class x currency, with the bill's
 * effective and billed cost (exact decimal text, and millionths of the
 * currency for sums, as the rest of the ledger), the modelled energy (and
 * the part estimated by cost for unclassified usage), operational and
 * embodied carbon, and the team the tag maps to.
 *
 * Idempotent per billing period: a bill replaces, in one transaction, every
 * row of its provider in each calendar month it has rows for (and the unit
 * prices it derived, keyed by their source name); so ingesting November's
 * AWS bill twice, or a corrected one, leaves one copy, and other providers'
 * bills for the month stay. The billing ingester (billing/to_ledger.c)
 * writes; the report reads the sums (cs_lg_bill_read).
 */
#ifndef CS_LEDGER_BILLS_H
#define CS_LEDGER_BILLS_H

#include <stdbool.h>
#include <stdint.h>

#include "ledger/store.h"

/* One daily row of a bill. */
typedef struct cs_lg_bill_row {
	int64_t day; /* epoch s of the UTC day's start */
	const char *provider, *account, *service, *region, *tag_key, *tag, *team, *cls, *currency;
	int64_t lines;
	int64_t cost_micro, billed_micro;      /* effective and billed, currency x 1e6 (rounded) */
	const char *cost_exact, *billed_exact; /* the same, exact decimals as the bill wrote them */
	int64_t energy_uj, est_energy_uj;      /* modelled (PUE included), estimated by cost */
	int64_t op_ug, emb_ug;                 /* location-based operational, embodied */
	const char *source;                    /* what wrote it: "billing:aws-cur" */
} cs_lg_bill_row;

/* In a write transaction (cs_lg_begin): deletes provider's bill rows of
 * the month starting period_start, and the unit prices whose source is
 * price_source (NULL: none). */
int cs_lg_bill_clear(cs_lg_store *s, const char *provider, int64_t period_start, const char *price_source);

/* Bulk insert of bill rows (after the clears): begin, rows, end. A row's
 * period is the month holding its day. */
int cs_lg_bill_put_begin(cs_lg_store *s);
int cs_lg_bill_put(cs_lg_store *s, const cs_lg_bill_row *r);
int cs_lg_bill_put_end(cs_lg_store *s);

/* The month starting at or before day (epoch s): its first second. */
int64_t cs_lg_month_of(int64_t t_s);

/* Sums over days [from_day, to_day) per provider and currency, and per team
 * too when by_team (else team is ""). */
typedef struct cs_lg_bill_amounts {
	int64_t lines, cost_micro, billed_micro, energy_uj, est_energy_uj, op_ug, emb_ug;
} cs_lg_bill_amounts;
typedef struct cs_lg_bill_sum {
	const char *provider, *currency, *team;
	cs_lg_bill_amounts a;
} cs_lg_bill_sum;
typedef int (*cs_lg_bill_cb)(void *ud, const cs_lg_bill_sum *v);
/* In a read snapshot (cs_lg_begin_read). */
int cs_lg_bill_read(cs_lg_store *s, int64_t from_day, int64_t to_day, bool by_team, cs_lg_bill_cb cb, void *ud);

#endif
