/* billing/group.h - roll-ups of the daily rows: --by service, account,
 * region, day, tag, class or provider.
 *
 * A group is a cs_bill_row whose dimensions not grouped on are 0 (the empty
 * string, day 0): the same sums, fewer keys. Currency is always kept apart,
 * since costs in two currencies do not add. Groups come sorted by effective
 * cost, largest first; their sums add up to the totals exactly (money) and
 * to rounding (doubles).
 */
#ifndef CS_BILLING_GROUP_H
#define CS_BILLING_GROUP_H

#include "billing/ingest.h"

typedef enum cs_bill_by {
	CS_BY_SERVICE = 0, /* provider + service */
	CS_BY_ACCOUNT,     /* provider + account */
	CS_BY_REGION,      /* provider + region */
	CS_BY_DAY,
	CS_BY_TAG, /* the tag value of the key the bill was read with */
	CS_BY_CLASS,
	CS_BY_PROVIDER,
	CS_BY_TEAM, /* the tag values mapped to teams: billing/team.h (cs_bill_group_team) */
} cs_bill_by;

/* "service", "account", "region", "day", "tag" (also "tag:KEY"), "class",
 * "provider", "team"; -1 if unknown. */
int cs_bill_by_parse(const char *s);
const char *cs_bill_by_name(cs_bill_by by);

/* Adds r's sums (lines, costs, energy, carbon) into t. */
void cs_bill_row_add(cs_bill_row *t, const cs_bill_row *r);

/* Groups of a finished bill (CS_BY_TEAM groups by tag value here: see
 * cs_bill_group_team); *out is malloc'ed (free it). */
int cs_bill_group(const cs_bill *b, cs_bill_by by, cs_bill_row **out, size_t *n);

#endif
