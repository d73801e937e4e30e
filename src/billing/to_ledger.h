/* billing/to_ledger.h - a finished bill into the ledger
 * (`carbonstat billing FILE... --ledger DB`).
 *
 * In one write transaction: for each provider and calendar month the bill
 * has rows for, the ledger's rows of that provider and month are replaced
 * by the bill's daily rows (ledger/bills.h), and its unit prices (effective
 * cost per instance-hour by type, region and currency, over the whole bill)
 * are stored for each of those months with the source "<provider> <month>"
 * (table unit_prices): the ledger prices node-hours with them first
 * (ledger/cost.h). Re-running the same bill changes nothing; a corrected
 * bill replaces its months. Lines without a usage date belong to no month:
 * they are counted (no_day_lines) and not stored.
 */
#ifndef CS_BILLING_TO_LEDGER_H
#define CS_BILLING_TO_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "billing/ingest.h"
#include "ledger/store.h"
#include "ownership/teams.h"

typedef struct cs_bill_ledger_stats {
	uint64_t rows, periods, prices;
	uint64_t no_day_lines;
	int64_t first_day, last_day; /* epoch s of the first and last day stored */
} cs_bill_ledger_stats;

/* tag_key: the tag key the bill was read with (NULL: none). When it is
 * cs_bill_team_key(teams), each row's team is named from its tag by teams
 * (may be NULL: billing/team.h); else rows have no team. 0 or a negative
 * code with why (the store's line). */
int cs_bill_to_ledger(const cs_bill *b, cs_lg_store *s, const cs_teams_conf *teams, const char *tag_key,
                      cs_bill_ledger_stats *st, char *why, size_t whycap);

#endif
