/* test_teams.c - unit tests for ownership/teams: which team a workload
 * belongs to (pod labels, the namespace and service maps, the default), on
 * the pods of tests/fixtures/kubelet/pods.json. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "k8s/kubelet.h"
#include "ownership/teams.h"

#include "conf_fixture.h"
#include "pods_fixture.h"

static void test_teams(void **state)
{
	static const char ini[] = "[teams]\n"
	                          "default_team = platform\n"
	                          "[teams.namespaces]\n"
	                          "search = team-search\n"
	                          "payments = team-pay\n"
	                          "[teams.services]\n"
	                          "nginx = web\n"
	                          "getty@.service = ops\n"
	                          "user@.service = desktop\n";
	cs_conf *cfg;
	const cs_teams_conf *t;
	cs_podlist pl;
	cs_workload w[14];
	size_t n = 0;

	(void)state;
	tf_pods_load(&pl);
	cfg = tf_conf("%s", ini);
	t = cs_conf_get(cfg, &cs_teams_section);
	w[n++] = tf_wl_container(UID_CHECKOUT, ID_API);                         /* 0 label team */
	w[n++] = tf_wl_container(UID_LEDGER, ID_LEDGER);                        /* 1 label part-of */
	w[n++] = tf_wl_container(UID_FRAUD, ID_FRAUD);                          /* 2 team "" -> part-of */
	w[n++] = tf_wl_container(UID_INDEXER, ID_INDEXER);                      /* 3 namespace map */
	w[n++] = tf_wl_container(UID_COREDNS, ID_COREDNS);                      /* 4 namespace name */
	w[n++] = tf_wl_container("deadbeef-0000-4000-8000-000000000009", "ab"); /* 5 unknown pod */
	w[n++] = tf_wl_unit(CS_WL_SERVICE, "nginx.service");                    /* 6 */
	w[n++] = tf_wl_unit(CS_WL_SERVICE, "getty@tty1.service");               /* 7 template */
	w[n++] = tf_wl_unit(CS_WL_SERVICE, "containerd.service");               /* 8 unmapped */
	w[n++] = tf_wl_unit(CS_WL_SESSION, "session-3.scope");                  /* 9 */
	w[n++] = tf_wl_unit(CS_WL_SESSION, "user@1000.service");                /* 10 */
	w[n++] = tf_wl_unit(CS_WL_SYSTEM, "");                                  /* 11 */
	w[n++] = tf_wl_unit(CS_WL_PROCESS, "");                                 /* 12 */
	w[n] = tf_wl_container("deadbeef-0000-4000-8000-00000000000a", "cd");   /* 13 unknown, named */
	snprintf(w[n++].namespace_, sizeof(w[0].namespace_), "payments");
	assert_int_equal(tf_pods_annotate(&pl, w, n), 2);
	assert_int_equal(cs_teams_resolve(t, &pl, w, n), 1);
	assert_string_equal(w[0].team, "pay-core");
	assert_string_equal(w[0].team_source, "label");
	assert_string_equal(w[1].team, "ledger-suite");
	assert_string_equal(w[1].team_source, "label");
	assert_string_equal(w[2].team, "risk");
	assert_string_equal(w[2].team_source, "label");
	assert_string_equal(w[3].team, "team-search");
	assert_string_equal(w[3].team_source, "namespace-map");
	assert_string_equal(w[4].team, "kube-system");
	assert_string_equal(w[4].team_source, "namespace");
	assert_string_equal(w[5].team, "");
	assert_string_equal(w[5].team_source, "");
	assert_string_equal(w[6].team, "web");
	assert_string_equal(w[6].team_source, "service-map");
	assert_string_equal(w[7].team, "ops");
	assert_string_equal(w[8].team, "platform");
	assert_string_equal(w[8].team_source, "default");
	assert_string_equal(w[9].team, "platform");
	assert_string_equal(w[10].team, "desktop");
	assert_string_equal(w[11].team, "platform");
	assert_string_equal(w[12].team, "platform");
	assert_string_equal(w[13].team, "team-pay"); /* namespace known from before */
	assert_string_equal(w[13].team_source, "namespace-map");
	cs_conf_free(cfg);

	/* label key order is the config's */
	{
		static const char ini2[] = "[teams]\nlabel_keys = app.kubernetes.io/part-of, team\n";

		cfg = tf_conf("%s", ini2);
		w[0] = tf_wl_container(UID_CHECKOUT, ID_API);
		w[1] = tf_wl_container(UID_FRAUD, ID_FRAUD);
		tf_pods_annotate(&pl, w, 2);
		cs_teams_resolve(cs_conf_get(cfg, &cs_teams_section), &pl, w, 2);
		assert_string_equal(w[0].team, "pay-core"); /* no part-of: team */
		assert_string_equal(w[1].team, "risk");
		cs_conf_free(cfg);
	}
	/* no label keys at all: namespaces only */
	{
		static const char ini3[] = "[teams]\nlabel_keys =\n";

		cfg = tf_conf("%s", ini3);
		t = cs_conf_get(cfg, &cs_teams_section);
		assert_int_equal(t->label_keys.n, 0);
		w[0] = tf_wl_container(UID_CHECKOUT, ID_API);
		tf_pods_annotate(&pl, w, 1);
		cs_teams_resolve(t, &pl, w, 1);
		assert_string_equal(w[0].team, "payments");
		assert_string_equal(w[0].team_source, "namespace");
		cs_conf_free(cfg);
	}
	/* built-in defaults and no kubelet */
	cfg = tf_conf(" ");
	t = cs_conf_get(cfg, &cs_teams_section);
	w[0] = tf_wl_container(UID_CHECKOUT, ID_API);
	tf_pods_annotate(&pl, w, 1);
	w[1] = tf_wl_unit(CS_WL_SERVICE, "nginx.service");
	cs_teams_resolve(t, &pl, w, 2);
	assert_string_equal(w[0].team, "pay-core");
	assert_string_equal(w[1].team, "system");
	assert_string_equal(w[1].team_source, "default");
	cs_teams_resolve(t, NULL, w, 1);
	assert_string_equal(w[0].team, "payments");
	assert_string_equal(w[0].team_source, "namespace");
	assert_int_equal(cs_teams_resolve(NULL, NULL, w, 1), 0);
	cs_conf_free(cfg);
	cs_podlist_free(&pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_teams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
