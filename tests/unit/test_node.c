/* Unit tests for pipeline/node.c, the node attributor, on the committed
 * generated nodes (tests/fixtures/node-systemd-containerd-v2 and
 * node-cgroupfs-docker-v1) with a copy of the Intel 2-socket sysfs
 * (tests/fixtures/intel-2s: its RAPL energy_uj counters are advanced between
 * intervals so every interval has energy) and the VM procfs (proc-vm).
 *
 * Every scripted step (gen_node.py DIR --step k: containers appear, vanish,
 * restart) is one interval; after each, the split must be conserved to the
 * microjoule for every component, for the workloads and for the roll-up by
 * every key. Pod metadata comes from the fake kubelet over TLS on 127.0.0.1
 * (tests/fakes/fake_kubelet.py, serving the node's own pods.json, whose UIDs
 * match its cgroups); without python3 or openssl those are skipped
 * (capabilities python3, pki). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "k8s/kubelet.h"
#include "attribution/attribute.h"
#include "attribution/cgroup_path.h"
#include "pipeline/node.h"
#include "carbonstat/error.h"

#include "fake_server.h"
#include "fixture.h"
#include "require.h"

#define GEN  CS_FIXTURES_DIR "/gen_node.py"
#define FAKE CS_FIXTURES_DIR "/../fakes/fake_kubelet.py"

static bool have(const char *cmd)
{
	char c[128];

	snprintf(c, sizeof c, "command -v %s >/dev/null 2>&1", cmd);
	return system(c) == 0;
}

/* A temp dir with node/ (the node fixture), sys/ (intel-2s) and proc/ (proc-vm). */
typedef struct env {
	char dir[64];
	char node[128], cg[160], sys[128], proc[128];
	/* fake kubelet */
	cs_fake fake;
	char url[64], cert[160], key[160], token[160], ini[160];
} env;

static void env_new(env *e, const char *fixture)
{
	memset(e, 0, sizeof *e);
	snprintf(e->dir, sizeof e->dir, "/tmp/cs_test_node.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->node, sizeof e->node, "%s/node", e->dir);
	snprintf(e->cg, sizeof e->cg, "%s/cgroup", e->node);
	snprintf(e->sys, sizeof e->sys, "%s/sys", e->dir);
	snprintf(e->proc, sizeof e->proc, "%s/proc", e->dir);
	tf_sh("cp -a '%s/%s' '%s' && cp -a '%s/intel-2s/sys' '%s' && cp -a '%s/proc-vm' '%s'", CS_FIXTURES_DIR, fixture,
	      e->node, CS_FIXTURES_DIR, e->sys, CS_FIXTURES_DIR, e->proc);
}

/* The step bump_one advances by (nftw's callback takes no context). */
static int bump_k;

static int bump_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	unsigned long long v;
	FILE *f;

	(void)st;
	if (type != FTW_F || strcmp(path + ftw->base, "energy_uj") != 0)
		return 0;
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%llu", &v), 1);
	fclose(f);
	/* a different amount per step and per counter (its directory's path length) */
	tf_write_u64(NULL, path, v + 7654321ULL + 1000003ULL * (unsigned)bump_k + (unsigned)(ftw->base - 1));
	return 0;
}

/* Advance every RAPL counter in place (kept-open fds see it); symlinks
 * (class/powercap) are not followed, so each counter moves once. */
static void bump_energy(const env *e, int k)
{
	bump_k = k;
	assert_int_equal(nftw(e->sys, bump_one, 16, FTW_PHYS), 0);
}

static void env_free(env *e)
{
	cs_fake_stop(&e->fake);
	if (strncmp(e->dir, "/tmp/cs_test_node.", 18) == 0)
		tf_sh("rm -rf '%s'", e->dir);
}

/* Starts the fake kubelet over TLS on the node's pods.json and writes a
 * config for it. false (test skipped) without python3/openssl. */
static bool fake_start(env *e)
{
	char pods[200];
	FILE *f;

	if (!have("python3") || !have("openssl") || access(FAKE, R_OK) != 0)
		return false;
	snprintf(e->cert, sizeof e->cert, "%s/cert.pem", e->dir);
	snprintf(e->key, sizeof e->key, "%s/key.pem", e->dir);
	snprintf(e->token, sizeof e->token, "%s/token", e->dir);
	snprintf(e->ini, sizeof e->ini, "%s/cs.ini", e->dir);
	snprintf(pods, sizeof pods, "%s/pods.json", e->node);
	tf_sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 "
	      "-addext subjectAltName=IP:127.0.0.1 -keyout '%s' -out '%s' >/dev/null 2>&1",
	      e->key, e->cert);
	tf_sh("printf tok-node >'%s'", e->token);
	f = fopen(e->ini, "w");
	assert_non_null(f);
	fprintf(f, /* timeout: a first GnuTLS handshake under valgrind can take 2 s */
	        "[kubelet]\nenabled = true\ntoken_file = %s\nca_file = %s\ntimeout_s = 10\n\n"
	        "[teams.namespaces]\nsearch = team-search\n",
	        e->token, e->cert);
	fclose(f);
	{
		char *argv[] = {(char *)"python3",
		                (char *)FAKE,
		                (char *)"--pods",
		                pods,
		                (char *)"--cert",
		                e->cert,
		                (char *)"--key",
		                e->key,
		                (char *)"--token",
		                (char *)"tok-node",
		                NULL};

		if (cs_fake_start(&e->fake, argv) != 0)
			fail_msg("fake_kubelet.py did not start");
	}
	snprintf(e->url, sizeof e->url, "https://127.0.0.1:%d/pods", e->fake.port);
	return true;
}

static cs_node *node_open(env *e, bool kubelet, cs_idle_policy pol, bool by_process)
{
	cs_node_opts o;
	cs_node *n = NULL;
	cs_conf *cfg = NULL;
	char why[512] = "";
	int rc;

	memset(&o, 0, sizeof o);
	o.sysfs_root = e->sys;
	o.procfs_root = e->proc;
	o.cgroup_root = e->cg;
	o.idle_policy_set = true;
	o.idle_policy = pol;
	o.by_process = by_process;
	if (kubelet) {
		cs_agent_opts ao = {.config_path = e->ini};

		if (cs_agent_config(&ao, &cfg, why, sizeof why) != 0)
			fail_msg("config: %s", why);
		o.config = cfg;
		o.kubelet_url = e->url;
	} else {
		o.kubelet = CS_NODE_KUBELET_OFF;
	}
	rc = cs_node_open(&o, &n, why, sizeof why);
	cs_conf_free(cfg); /* the node keeps a copy */
	if (rc)
		fail_msg("cs_node_open: %d %s", rc, why);
	return n;
}

/* Conservation of the last interval: workloads and every roll-up. */
static void check_conserved(cs_node *n, int step)
{
	const cs_attr_result *r = cs_node_result(n);
	const cs_attr_share *sh_;
	const cs_attr_group *g;
	const size_t *first;
	size_t ns, ng, nw;
	char why[256];
	uint64_t total = 0;

	sh_ = cs_node_shares(n, &ns);
	(void)cs_node_workloads(n, &nw);
	assert_int_equal(ns, nw);
	if (cs_attr_check_conservation(r, sh_, ns, why, sizeof why) != 0)
		fail_msg("step %d: %s", step, why);
	for (int c = 0; c < CS_PART_COUNT; c++) {
		uint64_t s = r->system.active_uj[c] + r->system.idle_uj[c] + r->idle_unattributed_uj[c];

		for (size_t i = 0; i < ns; i++)
			s += sh_[i].active_uj[c] + sh_[i].idle_uj[c];
		assert_int_equal(s, r->node_uj[c]);
		total += r->node_uj[c];
	}
	if (step > 0)
		assert_true(total > 0); /* the bumped RAPL counters give energy */
	for (int by = 0; by < CS_BY_NKEYS; by++) {
		assert_int_equal(cs_node_rollup(n, (cs_attr_by)by, &g, &first, &ng), 0);
		if (cs_attr_check_groups(r, g, ng, why, sizeof why) != 0)
			fail_msg("step %d by %s: %s", step, cs_attr_by_name((cs_attr_by)by), why);
		for (size_t i = 0; i < ng; i++)
			assert_true(first[i] < nw);
	}
}

/* Runs the node's scripted intervals; returns the number of steps. */
static int script(env *e, cs_node *n)
{
	char p[256];
	json_error_t je;
	json_t *m;
	int steps;

	snprintf(p, sizeof p, "%s/manifest.json", e->node);
	m = json_load_file(p, 0, &je);
	if (!m)
		fail_msg("%s: %s", p, je.text);
	steps = (int)json_array_size(json_object_get(m, "expected")); /* one per step, 0 included */
	json_decref(m);
	assert_true(steps >= 3);
	assert_int_equal(cs_node_sample(n), 0); /* primes */
	check_conserved(n, 0);
	for (int k = 1; k < steps; k++) {
		tf_sh("python3 '%s' '%s' --step %d", GEN, e->node, k);
		bump_energy(e, k);
		cs_node_refresh(n);
		assert_int_equal(cs_node_sample(n), 0);
		check_conserved(n, k);
	}
	return steps;
}

static void run_fixture(const char *fixture, bool kubelet, cs_idle_policy pol, bool by_process)
{
	env e;
	cs_node *n;

	env_new(&e, fixture);
	if (kubelet && !fake_start(&e)) {
		env_free(&e);
		tf_skip_or_fail(have("openssl") ? "python3" : "pki",
		                "python3 or openssl missing (install them for the kubelet tests)");
	}
	n = node_open(&e, kubelet, pol, by_process);
	assert_int_equal(cs_cgscan_version(cs_node_cgscan(n)), strstr(fixture, "-v1") ? 1 : 2);
	script(&e, n);
	if (kubelet) {
		size_t nw, named = 0;
		const cs_workload *w = cs_node_workloads(n, &nw);
		char label[CS_ATTR_LABEL_MAX], want[CS_ATTR_LABEL_MAX];

		assert_string_equal(cs_node_kubelet_error(n), "");
		for (size_t i = 0; i < nw; i++) {
			if (w[i].ident.kind != CS_WL_CONTAINER || !w[i].pod_name[0])
				continue;
			if (!w[i].container_name[0])
				continue; /* a container the kubelet does not list (yet) */
			named++;
			assert_true(w[i].namespace_[0] && w[i].team[0]);
			snprintf(want, sizeof want, "%s/%s/%s", w[i].namespace_, w[i].pod_name, w[i].container_name);
			assert_true(cs_attr_label(&w[i], CS_BY_CONTAINER, label, sizeof label) > 0);
			assert_string_equal(label, want);
			if (!strcmp(w[i].namespace_, "search"))
				assert_string_equal(w[i].team, "team-search"); /* namespace map */
			if (!strcmp(w[i].namespace_, "default") && !strncmp(w[i].pod_name, "web-", 4))
				assert_string_equal(w[i].team, "checkout"); /* team label */
			if (!strcmp(w[i].namespace_, "payments"))
				assert_string_equal(w[i].team, "shop-api"); /* app.kubernetes.io/part-of */
		}
		assert_true(named >= 3);
	}
	cs_node_close(n);
	env_free(&e);
}

static void test_v2_containerd_no_kubelet(void **state)
{
	(void)state;
	for (int p = 0; p < CS_IDLE_NPOLICY; p++)
		run_fixture("node-systemd-containerd-v2", false, (cs_idle_policy)p, false);
}

static void test_v1_docker_no_kubelet(void **state)
{
	(void)state;
	for (int p = 0; p < CS_IDLE_NPOLICY; p++)
		run_fixture("node-cgroupfs-docker-v1", false, (cs_idle_policy)p, false);
}

static void test_v2_containerd_kubelet_teams(void **state)
{
	(void)state;
	run_fixture("node-systemd-containerd-v2", true, CS_IDLE_REQUESTS, false);
}

static void test_v1_docker_kubelet_teams(void **state)
{
	(void)state;
	run_fixture("node-cgroupfs-docker-v1", true, CS_IDLE_REQUESTS, false);
}

static void test_by_process(void **state)
{
	(void)state;
	run_fixture("node-systemd-containerd-v2", false, CS_IDLE_USAGE, true);
}

static void test_measured_idle_and_errors(void **state)
{
	env e;
	cs_node *n;
	cs_node_opts o;
	char why[256] = "";

	(void)state;
	env_new(&e, "node-systemd-containerd-v2");
	n = node_open(&e, false, CS_IDLE_REQUESTS, false);
	/* RAPL measures: idle comes from the tracker, not the model. */
	assert_int_equal(cs_node_sample(n), 0);
	bump_energy(&e, 1);
	assert_int_equal(cs_node_sample(n), 0);
	assert_int_not_equal(cs_node_idle_source(n, CS_PART_CPU), CS_IDLE_SRC_MODEL);
	assert_true(cs_node_host(n)->sum.measured);
	cs_node_close(n);

	/* No cgroup hierarchy: one line naming the root and the fix. */
	memset(&o, 0, sizeof o);
	o.sysfs_root = e.sys;
	o.procfs_root = e.proc;
	o.cgroup_root = e.proc; /* not a cgroup mount */
	o.kubelet = CS_NODE_KUBELET_OFF;
	n = (cs_node *)1;
	assert_int_not_equal(cs_node_open(&o, &n, why, sizeof why), 0);
	assert_null(n);
	assert_non_null(strstr(why, "--cgroup-root"));
	/* A configuration without a section the node reads names it. */
	o.cgroup_root = e.cg;
	{
		const cs_conf_section *secs[] = {&cs_attr_section, &cs_kubelet_section};
		cs_conf *c = NULL;

		assert_int_equal(cs_conf_build(secs, 2, NULL, &c, why, sizeof why), 0);
		o.config = c;
		assert_int_equal(cs_node_open(&o, &n, why, sizeof why), CS_EINVAL);
		assert_string_equal(why, "the configuration has no [teams] section");
		cs_conf_free(c);
	}
	cs_node_close(NULL);
	env_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v2_containerd_no_kubelet),
	    cmocka_unit_test(test_v1_docker_no_kubelet),
	    cmocka_unit_test(test_v2_containerd_kubelet_teams),
	    cmocka_unit_test(test_v1_docker_kubelet_teams),
	    cmocka_unit_test(test_by_process),
	    cmocka_unit_test(test_measured_idle_and_errors),
	};

	return tf_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
