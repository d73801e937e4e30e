/* billing/team.h - a bill's cost by team: the tag values of its lines
 * mapped to teams by the ownership configuration the agent uses
 * ([teams] label_keys, [teams.namespaces]), so the bill's teams are the
 * ledger's teams.
 *
 * The tag read is the first of [teams] label_keys ("team" by default: AWS
 * "user:team" / resourceTags/user:team, GCP and Azure "team", FOCUS Tags).
 * Its value gives the team: [teams.namespaces] maps it when it names a
 * namespace there (a bill tagged by namespace), else the value itself when
 * it is a valid team name, else no team ("" - shown as "(no team)"):
 * the same names a pod label gives in the agent.
 */
#ifndef CS_BILLING_TEAM_H
#define CS_BILLING_TEAM_H

#include <stddef.h>

#include "billing/ingest.h"
#include "ownership/teams.h"

/* The tag key whose values name teams (t may be NULL: "team"). */
const char *cs_bill_team_key(const cs_teams_conf *t);

/* The team of one tag value; "" when none (never NULL). t may be NULL. */
const char *cs_bill_team_of(const cs_teams_conf *t, const char *tag);

/* The bill's rows grouped by team and currency (read with the team key as
 * its tag key). Each group's tag is the id of one tag value of the team,
 * so cs_bill_team_of(t, cs_bill_str(b, g.tag)) names it. Sorted by
 * effective cost, largest first; *out is malloc'ed (free it). */
int cs_bill_group_team(const cs_bill *b, const cs_teams_conf *t, cs_bill_row **out, size_t *n);

#endif
