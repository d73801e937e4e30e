/* tests/unit/test_billing_team.c - billing/team.c: a bill's tag values to
 * the agent's teams ([teams] label_keys, [teams.namespaces]), and the
 * bill's groups by team (cost conserved, values of one team merged). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "billing/group.h"
#include "billing/ingest.h"
#include "billing/team.h"

#define FIX CS_FIXTURES_DIR "/billing/"

/* [teams] label_keys = cost-team, team; [teams.namespaces] data = analytics */
static char *keys[] = {"cost-team", "team"};
static cs_conf_pair ns[] = {{.key = "data", .value = "analytics"}, {.key = "shop-prod", .value = "shop"}};

static cs_teams_conf conf(void)
{
	cs_teams_conf t;

	memset(&t, 0, sizeof t);
	t.label_keys = (cs_conf_list){keys, 2};
	t.namespaces = (cs_conf_map){ns, 2};
	return t;
}

static void test_team_of(void **state)
{
	cs_teams_conf t = conf();

	(void)state;
	assert_string_equal(cs_bill_team_key(NULL), "team");
	assert_string_equal(cs_bill_team_key(&t), "cost-team");
	assert_string_equal(cs_bill_team_of(NULL, "payments"), "payments");
	assert_string_equal(cs_bill_team_of(NULL, ""), "");
	assert_string_equal(cs_bill_team_of(NULL, NULL), "");
	/* not a team name: no team, never a made-up one */
	assert_string_equal(cs_bill_team_of(NULL, "pay ments"), "");
	assert_string_equal(cs_bill_team_of(&t, "shop-prod"), "shop");
	assert_string_equal(cs_bill_team_of(&t, "search"), "search");
}

/* cur_legacy.csv by team: "data" merges into "analytics", the untagged
 * cost is "(no team)", and the groups add up to the bill exactly. */
static void test_group_team(void **state)
{
	cs_teams_conf t = conf();
	cs_bill_opts o;
	cs_bill *b;
	cs_bill_row *g = NULL;
	size_t ng = 0, nt;
	char why[300];
	cs_money sum = 0;
	bool analytics = false, none = false;

	(void)state;
	cs_bill_opts_init(&o);
	o.tag_key = "team";
	assert_int_equal(cs_bill_new(&o, &b), 0);
	assert_int_equal(cs_bill_add_file(b, FIX "cur_legacy.csv", why, sizeof why), 0);
	assert_int_equal(cs_bill_finish(b), 0);
	assert_int_equal(cs_bill_group_team(b, &t, &g, &ng), 0);
	for (size_t i = 0; i < ng; i++) {
		const char *team = cs_bill_team_of(&t, cs_bill_str(b, g[i].tag));

		assert_string_not_equal(team, "data");
		analytics |= !strcmp(team, "analytics");
		none |= !*team;
		sum += g[i].sum.eff;
		if (i)
			assert_true(g[i - 1].sum.eff >= g[i].sum.eff);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(cs_bill_team_of(&t, cs_bill_str(b, g[j].tag)), team);
	}
	assert_true(analytics && none);
	assert_true(sum == cs_bill_totals(b, &nt)[0].out.eff);
	free(g);
	cs_bill_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_team_of),
	    cmocka_unit_test(test_group_team),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
