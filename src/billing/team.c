/* billing/team.c - a bill's cost by team (see team.h). */
#include "billing/team.h"

#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "billing/group.h"

const char *cs_bill_team_key(const cs_teams_conf *t)
{
	return t && t->label_keys.n ? t->label_keys.v[0] : "team";
}

const char *cs_bill_team_of(const cs_teams_conf *t, const char *tag)
{
	const char *m;

	if (!tag || !*tag)
		return "";
	if (t && (m = cs_conf_map_get(&t->namespaces, tag)) != NULL)
		return m;
	return cs_teams_valid_team(tag) ? tag : "";
}

static int cmp_eff(const void *x, const void *y)
{
	const cs_bill_row *a = x, *b = y;

	return (a->sum.eff < b->sum.eff) - (a->sum.eff > b->sum.eff);
}

int cs_bill_group_team(const cs_bill *b, const cs_teams_conf *t, cs_bill_row **out, size_t *nout)
{
	cs_bill_row *g = NULL;
	size_t n = 0, ng = 0;
	int rc;

	/* by tag value first (few groups), then the values of one team merged */
	if ((rc = cs_bill_group(b, CS_BY_TAG, &g, &n)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const char *team = cs_bill_team_of(t, cs_bill_str(b, g[i].tag));
		size_t j;

		for (j = 0; j < ng; j++)
			if (g[j].currency == g[i].currency &&
			    !strcmp(cs_bill_team_of(t, cs_bill_str(b, g[j].tag)), team))
				break;
		if (j < ng)
			cs_bill_row_add(&g[j], &g[i]);
		else
			g[ng++] = g[i];
	}
	qsort(g, ng, sizeof *g, cmp_eff);
	*out = g;
	*nout = ng;
	return 0;
}
