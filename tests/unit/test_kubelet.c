/* test_kubelet.c - unit tests for k8s/kubelet: the pod index and the client.
 *
 * The pod index: tests/fixtures/kubelet/pods.json (tests/support/pods_fixture.h), a kubelet /pods answer shaped like
 * a real one (3 namespaces, containerd ids, sidecar and init containers, an
 * ephemeral container, a static pod, a pending pod, RuntimeClass overhead),
 * and the pods.json + manifest.json of every tests/fixtures/node-* tree that
 * tests/fixtures/gen_node.py wrote (every container of every runtime/driver
 * must be named). The client: tests/fakes/fake_kubelet.py over TLS on
 * 127.0.0.1, with a throw-away self-signed certificate made with the openssl
 * CLI in a mkdtemp() directory; tests that need it skip with a message when
 * python3 or openssl is missing. The fake counts requests, which is how we
 * prove one refresh is one request, never one per namespace or container.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "carbonstat/error.h"
#include "attribution/pod_meta.h"
#include "conf/conf.h"
#include "k8s/kubelet.h"

#include "conf_fixture.h"
#include "fake_server.h"
#include "pods_fixture.h"
#include "require.h"
#include "text.h"
#include "wait.h"

/* The annotation is attribution/pod_meta.c's; this runs it on a kubelet the
 * way the node sampler does (a fresh scratch each time is fine in a test);
 * tf_pods_annotate does the same on a pod list. */
static size_t annotate_kubelet(cs_kubelet *k, cs_workload *w, size_t n)
{
	cs_podmeta pm = {0};
	size_t u = cs_podmeta_annotate_kubelet(&pm, k, w, n);

	cs_podmeta_free(&pm);
	return u;
}

#ifndef CS_FIXTURES_DIR
#error "CS_FIXTURES_DIR must be defined (tests/CMakeLists.txt does)"
#endif
#define FAKE_SCRIPT CS_FIXTURES_DIR "/../fakes/fake_kubelet.py"
#define TOKEN_A     "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlQQ"
#define TOKEN_B     "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJyb3RhdGVkIn0.c2lnbmF0dXJlQg"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MI           (1024.0 * 1024.0)
#define GI           (1024.0 * MI)

/* ---- helpers ---------------------------------------------------------------------- */

static void write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(data, f);
	assert_int_equal(fclose(f), 0);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- parsing the fixture ---------------------------------------------------------------- */

static void test_parse_fixture(void **state)
{
	cs_podlist pl;
	const cs_k8s_pod *p;
	const cs_k8s_container *c;
	uint32_t i;

	(void)state;
	tf_pods_load(&pl);
	assert_int_equal(pl.n_pods, 8);
	assert_int_equal(pl.skipped_pods, 0);
	assert_int_equal(pl.bad_quantities, 0);
	assert_string_equal(pl.node_name, "ip-10-0-3-17.eu-west-1.compute.internal");

	p = cs_podlist_find_pod(&pl, UID_CHECKOUT);
	assert_non_null(p);
	assert_string_equal(p->name, "checkout-api-7d9f8b6c5-x2x7k");
	assert_string_equal(p->namespace_, "payments");
	assert_int_equal(p->n_ctrs, 3);
	/* app + sidecar, not the finished init container */
	assert_true(fabs(p->cpu_request_cores - 0.6) < 1e-12);
	assert_true(p->mem_request_bytes == 384 * MI);
	assert_string_equal(cs_podlist_pod_label(&pl, p, "team"), "pay-core");
	assert_string_equal(cs_podlist_pod_label(&pl, p, "pod-template-hash"), "7d9f8b6c5");
	assert_null(cs_podlist_pod_label(&pl, p, "absent"));
	for (i = 0; i < p->n_ctrs; i++) {
		c = &pl.ctrs[p->first_ctr + i];
		assert_int_equal(c->pod, (uint32_t)(p - pl.pods));
	}
	c = cs_podlist_find_container(&pl, ID_API);
	assert_non_null(c);
	assert_string_equal(c->name, "api");
	assert_string_equal(c->runtime, "containerd");
	assert_int_equal(c->kind, CS_K8S_CTR_APP);
	assert_true(c->cpu_request_cores == 0.5 && c->mem_request_bytes == 256 * MI);
	c = cs_podlist_find_container(&pl, ID_ISTIO);
	assert_non_null(c);
	assert_int_equal(c->kind, CS_K8S_CTR_SIDECAR);
	c = cs_podlist_find_container(&pl, ID_MIGRATE);
	assert_non_null(c);
	assert_int_equal(c->kind, CS_K8S_CTR_INIT);
	assert_true(c->cpu_request_cores == 0.2);

	p = cs_podlist_find_pod(&pl, UID_LEDGER);
	assert_non_null(p);
	/* 2 cores + 250m kata overhead; 4Gi + 120Mi */
	assert_true(p->cpu_request_cores == 2.25);
	assert_true(p->mem_request_bytes == 4 * GI + 120 * MI);
	assert_string_equal(cs_podlist_pod_label(&pl, p, "app.kubernetes.io/part-of"), "ledger-suite");

	c = cs_podlist_find_container(&pl, ID_FRAUD);
	assert_non_null(c);
	assert_true(c->cpu_request_cores == 0.0015);
	assert_true(c->mem_request_bytes == 1288490188.8);

	p = cs_podlist_find_pod(&pl, UID_INDEXER);
	assert_non_null(p);
	assert_string_equal(p->namespace_, "search");
	assert_int_equal(p->n_ctrs, 3);
	assert_true(fabs(p->cpu_request_cores - 1.55) < 1e-12);
	assert_true(p->mem_request_bytes == 1.5 * GI + 32 * MI);
	c = cs_podlist_find_container(&pl, ID_DEBUG);
	assert_non_null(c);
	assert_int_equal(c->kind, CS_K8S_CTR_EPHEMERAL);
	assert_string_equal(c->name, "debugger-x7q2z");

	/* pending: the container has no id yet */
	p = cs_podlist_find_pod(&pl, UID_QUERY);
	assert_non_null(p);
	assert_int_equal(p->n_ctrs, 1);
	assert_string_equal(pl.ctrs[p->first_ctr].id, "");
	assert_true(pl.ctrs[p->first_ctr].mem_request_bytes == 128974848);

	/* BestEffort: no requests at all */
	p = cs_podlist_find_pod(&pl, UID_PROXY);
	assert_non_null(p);
	assert_true(p->cpu_request_cores == 0 && p->mem_request_bytes == 0);
	assert_string_equal(p->namespace_, "kube-system");

	/* static pod: the kubelet's 32-hex config hash as uid */
	p = cs_podlist_find_pod(&pl, UID_ETCD);
	assert_non_null(p);
	assert_string_equal(cs_podlist_find_container(&pl, ID_ETCD)->name, "etcd");

	assert_null(cs_podlist_find_pod(&pl, "00000000-0000-0000-0000-000000000000"));
	assert_null(cs_podlist_find_pod(&pl, ""));
	assert_null(cs_podlist_find_container(&pl, "feedface"));
	cs_podlist_free(&pl);
	cs_podlist_free(&pl); /* idempotent */
	cs_podlist_free(NULL);
}

static int parse_str(const char *json, cs_podlist *pl)
{
	return cs_kubelet_parse_pods(json, strlen(json), pl);
}

static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {
	    "",
	    "{",
	    "[]",
	    "null",
	    "\"PodList\"",
	    "{\"kind\":\"PodList\"}",
	    "{\"kind\":\"ConfigMap\",\"items\":[]}",
	    "{\"kind\":7,\"items\":[]}",
	    "{\"items\":{}}",
	    "{\"items\":[],\"items\":[]}",
	    "{\"items\":[]} trailing",
	    "<html>502</html>",
	};
	cs_podlist pl, keep;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		memset(&pl, 0xA5, sizeof(pl));
		keep = pl;
		if (parse_str(bad[i], &pl) != CS_EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_memory_equal(&pl, &keep, sizeof(pl)); /* untouched */
	}
	assert_int_equal(cs_kubelet_parse_pods(NULL, 3, &pl), CS_EINVAL);

	/* an empty node */
	assert_int_equal(parse_str("{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":null}", &pl), 0);
	assert_int_equal(pl.n_pods, 0);
	assert_null(cs_podlist_find_pod(&pl, UID_LEDGER));
	cs_podlist_free(&pl);
	assert_int_equal(parse_str("{\"items\":[]}", &pl), 0);
	cs_podlist_free(&pl);

	/* unusable items are skipped, not fatal; odd fields are ignored */
	assert_int_equal(
	    parse_str("{\"items\":["
	              "7,"
	              "{\"metadata\":{\"name\":\"no-uid\",\"namespace\":\"a\"}},"
	              "{\"metadata\":{\"uid\":\"u 1\",\"name\":\"x\",\"namespace\":\"a\"}},"
	              "{\"metadata\":{\"uid\":\"u1\",\"name\":\"\",\"namespace\":\"a\"}},"
	              "{\"metadata\":{\"uid\":\"u1\",\"name\":\"first\",\"namespace\":\"a\","
	              "  \"labels\":{\"team\":\"t\",\"n\":5}},"
	              " \"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":"
	              "  {\"cpu\":\"lots\",\"memory\":7}}},{\"noname\":1},"
	              "  {\"name\":\"d\",\"resources\":{\"requests\":{\"cpu\":\"-1\"}}}]},"
	              " \"status\":{\"containerStatuses\":[{\"name\":\"c\",\"containerID\":\"abc\"},"
	              "  {\"name\":\"d\",\"containerID\":\"containerd://dd\"}]}},"
	              "{\"metadata\":{\"uid\":\"u1\",\"name\":\"dup\",\"namespace\":\"a\"}},"
	              "{\"metadata\":{\"uid\":\"u_2\",\"name\":\"second\",\"namespace\":\"b\"},"
	              " \"spec\":{\"containers\":[{\"name\":\"e\"}]},"
	              " \"status\":{\"containerStatuses\":[{\"name\":\"e\",\"containerID\":\"containerd://dd\"}]}}"
	              "]}",
	              &pl),
	    0);
	assert_int_equal(pl.n_pods, 2);
	assert_int_equal(pl.skipped_pods, 5);
	assert_int_equal(pl.bad_quantities, 3);
	assert_string_equal(cs_podlist_find_pod(&pl, "u1")->name, "first");
	assert_string_equal(cs_podlist_find_pod(&pl, "u-2")->name, "second"); /* '_' -> '-' */
	assert_int_equal(cs_podlist_find_pod(&pl, "u1")->n_ctrs, 2);
	assert_int_equal(cs_podlist_find_pod(&pl, "u1")->n_labels, 1);
	assert_true(cs_podlist_find_pod(&pl, "u1")->cpu_request_cores == 0);
	/* "abc" has no scheme: no id; "dd" belongs to the first container that had it */
	assert_string_equal(pl.ctrs[0].id, "");
	assert_string_equal(cs_podlist_find_container(&pl, "dd")->name, "d");
	assert_string_equal(pl.ctrs[2].id, "");
	cs_podlist_free(&pl);
}

/* Every container of every gen_node.py tree is found and named. */
static void test_parse_generated_nodes(void **state)
{
	DIR *d = opendir(CS_FIXTURES_DIR);
	struct dirent *e;
	int trees = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char path[512];
		json_t *m, *pods, *pod, *ctrs, *c;
		json_error_t jerr;
		cs_podlist pl;
		size_t len, i, j;
		char *json;

		if (strncmp(e->d_name, "node-", 5) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/pods.json", CS_FIXTURES_DIR, e->d_name);
		if (access(path, R_OK) != 0)
			continue;
		json = tf_slurp(path, &len);
		assert_int_equal(cs_kubelet_parse_pods(json, len, &pl), 0);
		free(json);
		snprintf(path, sizeof(path), "%s/%s/manifest.json", CS_FIXTURES_DIR, e->d_name);
		m = json_load_file(path, 0, &jerr);
		assert_non_null(m);
		pods = json_object_get(m, "pods");
		json_array_foreach(pods, i, pod)
		{
			const char *uid = json_string_value(json_object_get(pod, "uid"));
			cs_workload w[1];

			assert_non_null(cs_podlist_find_pod(&pl, uid));
			ctrs = json_object_get(pod, "containers");
			json_array_foreach(ctrs, j, c)
			{
				w[0] = tf_wl_container(uid, json_string_value(json_object_get(c, "id")));
				assert_int_equal(tf_pods_annotate(&pl, w, 1), 0);
				assert_string_equal(w[0].container_name, json_string_value(json_object_get(c, "name")));
				assert_string_equal(w[0].pod_name, json_string_value(json_object_get(pod, "name")));
				assert_string_equal(w[0].namespace_,
				                    json_string_value(json_object_get(pod, "namespace")));
			}
		}
		json_decref(m);
		cs_podlist_free(&pl);
		trees++;
	}
	closedir(d);
	if (trees == 0)
		print_message("no tests/fixtures/node-*/pods.json yet: nothing to cross-check\n");
}

/* ---- annotate ----------------------------------------------------------------------- */

static void test_annotate(void **state)
{
	cs_podlist pl;
	cs_workload w[9];
	size_t i;

	(void)state;
	tf_pods_load(&pl);
	w[0] = tf_wl_container(UID_CHECKOUT, ID_API);
	w[1] = tf_wl_container(UID_CHECKOUT, ID_ISTIO);
	w[2] = tf_wl_pod(UID_CHECKOUT); /* with its containers */
	w[3] = tf_wl_container(UID_CHECKOUT,
	                       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"); /* sandbox */
	w[4] = tf_wl_pod(UID_LEDGER);                                           /* alone: all of it */
	w[5] = tf_wl_container("deadbeef-0000-4000-8000-000000000001", ID_API); /* unknown pod */
	w[6] = tf_wl_container(UID_LEDGER, ID_API);                             /* id of another pod */
	w[7] = tf_wl_unit(CS_WL_SERVICE, "kubelet.service");
	w[8] = tf_wl_pod("deadbeef-0000-4000-8000-000000000002");
	snprintf(w[5].pod_name, sizeof(w[5].pod_name), "kept");

	assert_int_equal(tf_pods_annotate(&pl, w, ARRAY_LEN(w)), 2);
	assert_string_equal(w[0].pod_name, "checkout-api-7d9f8b6c5-x2x7k");
	assert_string_equal(w[0].namespace_, "payments");
	assert_string_equal(w[0].container_name, "api");
	assert_true(w[0].cpu_request_cores == 0.5 && w[0].mem_request_bytes == 256 * MI);
	assert_string_equal(w[1].container_name, "istio-proxy");
	assert_true(w[1].cpu_request_cores == 0.1);
	/* the pod cgroup carries what its container workloads do not: nothing */
	assert_string_equal(w[2].pod_name, "checkout-api-7d9f8b6c5-x2x7k");
	assert_string_equal(w[2].container_name, "");
	assert_true(w[2].cpu_request_cores == 0 && w[2].mem_request_bytes == 0);
	assert_string_equal(w[3].container_name, "");
	assert_true(w[3].cpu_request_cores == 0);
	assert_string_equal(w[3].namespace_, "payments");
	assert_true(w[4].cpu_request_cores == 2.25 && w[4].mem_request_bytes == 4 * GI + 120 * MI);
	assert_string_equal(w[5].pod_name, "kept"); /* unknown: left alone */
	assert_string_equal(w[5].container_name, "");
	assert_string_equal(w[6].container_name, "");
	assert_string_equal(w[6].pod_name, "ledger-0");
	assert_string_equal(w[7].pod_name, "");
	assert_string_equal(w[7].namespace_, "");

	/* pod workload sharing the node with only one of its containers */
	w[0] = tf_wl_container(UID_CHECKOUT, ID_API);
	w[1] = tf_wl_pod(UID_CHECKOUT);
	assert_int_equal(tf_pods_annotate(&pl, w, 2), 0);
	assert_true(fabs(w[1].cpu_request_cores - 0.1) < 1e-12);
	assert_true(w[1].mem_request_bytes == 128 * MI);

	/* the requests annotated sum to the pods' own, never twice */
	{
		cs_workload all[16];
		double cpu = 0, want = 0;
		size_t n = 0;

		all[n++] = tf_wl_container(UID_CHECKOUT, ID_API);
		all[n++] = tf_wl_container(UID_CHECKOUT, ID_ISTIO);
		all[n++] = tf_wl_pod(UID_CHECKOUT);
		all[n++] = tf_wl_pod(UID_LEDGER);
		all[n++] = tf_wl_container(UID_LEDGER, ID_LEDGER);
		all[n++] = tf_wl_container(UID_INDEXER, ID_INDEXER);
		all[n++] = tf_wl_pod(UID_INDEXER);
		assert_int_equal(tf_pods_annotate(&pl, all, n), 0);
		for (i = 0; i < n; i++)
			cpu += all[i].cpu_request_cores;
		want = cs_podlist_find_pod(&pl, UID_CHECKOUT)->cpu_request_cores +
		       cs_podlist_find_pod(&pl, UID_LEDGER)->cpu_request_cores +
		       cs_podlist_find_pod(&pl, UID_INDEXER)->cpu_request_cores;
		assert_true(fabs(cpu - want) < 1e-9);
	}
	/* an empty index: everything with a pod UID is unknown */
	{
		cs_podlist empty;

		memset(&empty, 0, sizeof(empty));
		w[0] = tf_wl_container(UID_CHECKOUT, ID_API);
		assert_int_equal(tf_pods_annotate(&empty, w, 1), 1);
		assert_string_equal(w[0].pod_name, "");
	}
	cs_podlist_free(&pl);
}

/* ---- the fake kubelet ------------------------------------------------------------------ */

/* A throw-away PKI and token files, made once for the whole group. */
static struct {
	char dir[64];
	char cert[128], key[128];        /* the fake's self-signed certificate */
	char other[128], other_key[128]; /* a CA that did not sign it */
	char token[128];                 /* token file */
	char pods[128];                  /* the file the fake serves (a copy we may change) */
	bool ok;                         /* python3 + openssl usable */
	const char *cap;                 /* if not: the capability missing */
	char why[128];
} pki;

static int pki_setup(void **state)
{
	char cmd[1024];

	(void)state;
	snprintf(pki.dir, sizeof(pki.dir), "/tmp/cs-k8s-XXXXXX");
	if (!mkdtemp(pki.dir))
		return -1;
	snprintf(pki.cert, sizeof(pki.cert), "%s/cert.pem", pki.dir);
	snprintf(pki.key, sizeof(pki.key), "%s/key.pem", pki.dir);
	snprintf(pki.other, sizeof(pki.other), "%s/other.pem", pki.dir);
	snprintf(pki.other_key, sizeof(pki.other_key), "%s/other-key.pem", pki.dir);
	snprintf(pki.token, sizeof(pki.token), "%s/token", pki.dir);
	snprintf(pki.pods, sizeof(pki.pods), "%s/pods.json", pki.dir);
	if (system("command -v openssl >/dev/null 2>&1") != 0) {
		snprintf(pki.why, sizeof(pki.why), "openssl CLI not found");
		pki.cap = "pki";
		return 0;
	}
	if (system("command -v python3 >/dev/null 2>&1") != 0 || access(FAKE_SCRIPT, R_OK) != 0) {
		snprintf(pki.why, sizeof(pki.why), "python3 or %s not usable", FAKE_SCRIPT);
		pki.cap = "python3";
		return 0;
	}
	snprintf(cmd, sizeof(cmd),
	         "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
	         "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s >/dev/null 2>&1 && "
	         "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
	         "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s >/dev/null 2>&1",
	         pki.key, pki.cert, pki.other_key, pki.other);
	if (system(cmd) != 0) {
		snprintf(pki.why, sizeof(pki.why), "openssl could not make a test certificate");
		pki.cap = "pki";
		return 0;
	}
	pki.ok = true;
	return 0;
}

static int pki_teardown(void **state)
{
	char cmd[256];

	(void)state;
	if (pki.dir[0] && strncmp(pki.dir, "/tmp/cs-k8s-", 12) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pki.dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

/* Sends a control command to fake_kubelet.py; returns the reply's number (count/auth) or 0. */
static long fake_cmd(const cs_fake *f, const char *cmd)
{
	char line[128];
	const char *sp;

	cs_fake_send(f, cmd);
	cs_fake_line(f, line, sizeof(line));
	if (strncmp(line, "error", 5) == 0 || !line[0])
		fail_msg("fake: '%s' -> '%s'", cmd, line);
	sp = strchr(line, ' ');
	return sp ? atol(sp + 1) : 0;
}

static long fake_count(const cs_fake *f)
{
	return fake_cmd(f, "count");
}

#define NEED_PKI()                                                                                                     \
	do {                                                                                                           \
		if (!pki.ok)                                                                                           \
			tf_skip_or_fail(pki.cap, "%s (install openssl and python3)", pki.why);                         \
	} while (0)

/* Starts fake_kubelet.py serving a copy of pods_src, expecting token. */
/* The client timeout of the "slow" case: 3 s, stretched under sanitizers
 * and valgrind (a first GnuTLS handshake there alone can take 2 s); the
 * fake's slow answer comes after twice that. */
#define SLOW_TIMEOUT_S tf_scaled_s(3.0)

static void fake_start(cs_fake *f, const char *pods_src, const char *token)
{
	char slow_s[32];
	char *argv[] = {(char *)"python3",
	                (char *)FAKE_SCRIPT,
	                (char *)"--pods",
	                pki.pods,
	                (char *)"--cert",
	                pki.cert,
	                (char *)"--key",
	                pki.key,
	                (char *)"--token",
	                (char *)token,
	                (char *)"--slow-s",
	                slow_s,
	                NULL};
	size_t len;
	char *json;

	snprintf(slow_s, sizeof(slow_s), "%g", 2 * SLOW_TIMEOUT_S);
	json = tf_slurp(pods_src, &len);
	write_file(pki.pods, json);
	free(json);
	write_file(pki.token, token);
	if (cs_fake_start(f, argv) != 0)
		fail_msg("fake_kubelet.py did not start");
	snprintf(f->url, sizeof(f->url), "https://127.0.0.1:%d/pods", f->port);
}

static cs_kubelet *client(const cs_fake *f, const char *ca, bool insecure, double timeout_s)
{
	cs_kubelet_opts o;
	cs_kubelet *k = NULL;

	memset(&o, 0, sizeof(o));
	o.url = f ? f->url : "https://127.0.0.1:9/pods";
	o.token_file = pki.token;
	o.ca_file = ca;
	o.insecure_skip_verify = insecure;
	/* 0: a generous 10 s (scaled), not the 2 s default: under valgrind the
	 * process's first GnuTLS handshake alone can take 2 s */
	o.timeout_s = timeout_s > 0 ? timeout_s : tf_scaled_s(10.0);
	assert_int_equal(cs_kubelet_open(&o, &k), 0);
	return k;
}

/* The fake kubelet on the fixture's pods with a client that has fetched
 * them once (at t = 0 s). */
static cs_kubelet *primed_client(cs_fake *f)
{
	cs_kubelet *k;

	fake_start(f, PODS_JSON, TOKEN_A);
	k = client(f, pki.cert, false, 0);
	assert_int_equal(cs_kubelet_maybe_refresh(k, 0, false), 1);
	return k;
}

static void test_kubelet_tls_verified(void **state)
{
	cs_fake f;
	cs_kubelet *k;
	cs_kubelet_stats st;

	(void)state;
	NEED_PKI();
	fake_start(&f, PODS_JSON, TOKEN_A);
	k = client(&f, pki.cert, false, 0);
	assert_string_equal(cs_kubelet_url(k), f.url);
	assert_int_equal(cs_kubelet_pods(k)->n_pods, 0);
	assert_int_equal(cs_kubelet_refresh(k, 0, true), 1);
	assert_string_equal(cs_kubelet_last_error(k), "");
	assert_int_equal(cs_kubelet_pods(k)->n_pods, 8);
	assert_non_null(cs_podlist_find_container(cs_kubelet_pods(k), ID_ISTIO));
	assert_int_equal(fake_count(&f), 1);
	assert_int_equal(fake_cmd(&f, "auth"), 1);
	cs_kubelet_get_stats(k, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.pods, 8);
	assert_true(st.last_bytes > 30000);
	cs_kubelet_close(k);

	/* a CA that did not sign the kubelet's certificate */
	k = client(&f, pki.other, false, 0);
	assert_int_equal(cs_kubelet_refresh(k, 0, true), CS_EUNAVAIL);
	assert_non_null(strstr(cs_kubelet_last_error(k), f.url));
	assert_non_null(strstr(cs_kubelet_last_error(k), "TLS certificate not verified"));
	assert_non_null(strstr(cs_kubelet_last_error(k), "insecure_skip_verify"));
	assert_int_equal(cs_kubelet_pods(k)->n_pods, 0);
	cs_kubelet_close(k);

	/* kind/minikube: skip verification */
	k = client(&f, pki.other, true, 0);
	assert_int_equal(cs_kubelet_refresh(k, 0, true), 1);
	assert_int_equal(cs_kubelet_pods(k)->n_pods, 8);
	cs_kubelet_close(k);
	cs_fake_stop(&f);
}

static void expect_error(cs_kubelet *k, const cs_fake *f, const char *mode, const char *needle, double now)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "mode %s", mode);
	fake_cmd(f, cmd);
	assert_int_equal(cs_kubelet_refresh(k, now, true), CS_EUNAVAIL);
	if (!strstr(cs_kubelet_last_error(k), needle))
		fail_msg("mode %s: '%s' lacks '%s'", mode, cs_kubelet_last_error(k), needle);
	assert_non_null(strstr(cs_kubelet_last_error(k), f->url));
	assert_null(strchr(cs_kubelet_last_error(k), '\n'));
	assert_null(strstr(cs_kubelet_last_error(k), TOKEN_A)); /* secrets never printed */
	/* the last good index stays */
	assert_int_equal(cs_kubelet_pods(k)->n_pods, 8);
	assert_non_null(cs_podlist_find_pod(cs_kubelet_pods(k), UID_LEDGER));
}

static void test_kubelet_failures_keep_index(void **state)
{
	cs_fake f;
	cs_kubelet *k;
	cs_kubelet_stats st;
	cs_workload w[1];
	char within[64];
	double t0;

	(void)state;
	NEED_PKI();
	fake_start(&f, PODS_JSON, TOKEN_A);
	/* SLOW_TIMEOUT_S: the fake's "slow" answer takes twice that */
	k = client(&f, pki.cert, false, SLOW_TIMEOUT_S);
	assert_int_equal(cs_kubelet_refresh(k, 0, true), 1);
	expect_error(k, &f, "401", "HTTP 401", 1);
	assert_non_null(strstr(cs_kubelet_last_error(k), pki.token)); /* names the token file */
	assert_non_null(strstr(cs_kubelet_last_error(k), "authentication-token-webhook"));
	expect_error(k, &f, "403", "nodes/proxy", 2);
	expect_error(k, &f, "500", "HTTP 500", 3);
	expect_error(k, &f, "malformed", "not a PodList", 4);
	expect_error(k, &f, "truncated", "kubelet", 5);
	t0 = now_ms();
	snprintf(within, sizeof(within), "no answer within %g s", SLOW_TIMEOUT_S);
	expect_error(k, &f, "slow", within, 6);
	assert_true(now_ms() - t0 < 1000.0 * (SLOW_TIMEOUT_S + 1.5)); /* the timeout held */
	/* still usable for attribution by the last index */
	w[0] = tf_wl_container(UID_CHECKOUT, ID_API);
	assert_int_equal(annotate_kubelet(k, w, 1), 0);
	assert_string_equal(w[0].container_name, "api");
	cs_kubelet_get_stats(k, &st);
	assert_int_equal(st.failures, 6);
	assert_int_equal(st.consecutive_failures, 6);
	assert_true(st.last_ok_s == 0);
	fake_cmd(&f, "mode ok");
	assert_int_equal(cs_kubelet_refresh(k, 7, true), 1);
	assert_string_equal(cs_kubelet_last_error(k), "");
	cs_kubelet_get_stats(k, &st);
	assert_int_equal(st.consecutive_failures, 0);
	assert_true(st.last_ok_s == 7);
	cs_kubelet_close(k);

	/* over the size cap */
	{
		cs_kubelet_opts o;

		memset(&o, 0, sizeof(o));
		o.url = f.url;
		o.token_file = pki.token;
		o.ca_file = pki.cert;
		o.timeout_s = tf_scaled_s(10.0); /* as client(): not the 2 s default */
		o.body_max = 4096;
		assert_int_equal(cs_kubelet_open(&o, &k), 0);
		assert_int_equal(cs_kubelet_refresh(k, 0, true), CS_EUNAVAIL);
		assert_non_null(strstr(cs_kubelet_last_error(k), "larger than 4096 bytes"));
		cs_kubelet_close(k);
	}
	cs_fake_stop(&f);

	/* nobody listening */
	k = client(NULL, pki.cert, false, 0);
	assert_int_equal(cs_kubelet_refresh(k, 0, true), CS_EUNAVAIL);
	assert_non_null(strstr(cs_kubelet_last_error(k), "https://127.0.0.1:9/pods"));
	assert_non_null(strstr(cs_kubelet_last_error(k), "reachable"));
	w[0] = tf_wl_container(UID_CHECKOUT, ID_API);
	assert_int_equal(annotate_kubelet(k, w, 1), 1);
	cs_kubelet_close(k);
}

static void test_kubelet_token(void **state)
{
	cs_fake f;
	cs_kubelet *k;
	cs_kubelet_opts o;

	(void)state;
	NEED_PKI();
	fake_start(&f, PODS_JSON, TOKEN_A);
	k = client(&f, pki.cert, false, 0);
	assert_int_equal(cs_kubelet_refresh(k, 0, true), 1);
	/* the token rotates: the kubelet wants B, the file still says A */
	fake_cmd(&f, "token " TOKEN_B);
	assert_int_equal(cs_kubelet_refresh(k, 10, true), CS_EUNAVAIL);
	assert_null(strstr(cs_kubelet_last_error(k), TOKEN_B));
	/* the kubelet's projected token is rewritten: re-read on the next request */
	write_file(pki.token, TOKEN_B "\n");
	assert_int_equal(cs_kubelet_refresh(k, 20, true), 1);
	assert_int_equal(fake_cmd(&f, "auth"), 2);
	/* no token file */
	assert_int_equal(unlink(pki.token), 0);
	assert_int_equal(cs_kubelet_refresh(k, 30, true), CS_EUNAVAIL);
	assert_non_null(strstr(cs_kubelet_last_error(k), pki.token));
	assert_non_null(strstr(cs_kubelet_last_error(k), "token_file"));
	/* a token that could break the header */
	write_file(pki.token, "abc\r\nX-Evil: 1");
	assert_int_equal(cs_kubelet_refresh(k, 40, true), CS_EUNAVAIL);
	assert_non_null(strstr(cs_kubelet_last_error(k), "does not hold a bearer token"));
	assert_null(strstr(cs_kubelet_last_error(k), "Evil"));
	assert_int_equal(fake_count(&f), 3); /* neither of the last two reached the kubelet */
	cs_kubelet_close(k);

	/* http:// never carries the token (there is no TLS to protect it) */
	memset(&o, 0, sizeof(o));
	o.url = "http://127.0.0.1:9/pods";
	assert_int_equal(cs_kubelet_open(&o, &k), 0);
	assert_int_equal(cs_kubelet_refresh(k, 0, true), CS_EUNAVAIL);
	assert_null(strstr(cs_kubelet_last_error(k), "token"));
	cs_kubelet_close(k);
	cs_fake_stop(&f);
}

static void test_kubelet_rate_limit(void **state)
{
	cs_fake f;
	cs_kubelet *k;
	cs_kubelet_stats st;

	(void)state;
	NEED_PKI();
	fake_start(&f, PODS_JSON, TOKEN_A);
	k = client(&f, pki.cert, false, 0);
	/* first call: always */
	assert_int_equal(cs_kubelet_maybe_refresh(k, 100, false), 1);
	assert_int_equal(fake_count(&f), 1);
	/* unknown UIDs: at most once per 5 s */
	assert_int_equal(cs_kubelet_maybe_refresh(k, 101, true), 0);
	assert_int_equal(cs_kubelet_maybe_refresh(k, 104.9, true), 0);
	assert_int_equal(cs_kubelet_maybe_refresh(k, 105, true), 1);
	assert_int_equal(cs_kubelet_maybe_refresh(k, 106, false), 0);
	assert_int_equal(fake_count(&f), 2);
	/* the same answer again keeps the index (not parsed, names not
	 * written again); another answer replaces it */
	cs_kubelet_get_stats(k, &st);
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(cs_kubelet_generation(k), 1);
	assert_true(st.last_ok_s == 105);
	{
		size_t len;
		char *json = tf_slurp(PODS_JSON, &len);
		char *more = malloc(len + 2);

		assert_non_null(json);
		assert_non_null(more);
		memcpy(more, json, len);
		memcpy(more + len, "\n", 2); /* the same pods, other bytes (and the NUL) */
		write_file(pki.pods, more);
		free(more);
		free(json);
	}
	/* the timer: 60 s after the last request */
	assert_int_equal(cs_kubelet_maybe_refresh(k, 164.9, false), 0);
	assert_int_equal(cs_kubelet_maybe_refresh(k, 165, false), 1);
	assert_int_equal(fake_count(&f), 3);
	assert_int_equal(cs_kubelet_generation(k), 2);
	assert_int_equal(cs_kubelet_pods(k)->n_pods, 8);
	/* refresh without force honours the limit; force does not */
	assert_int_equal(cs_kubelet_refresh(k, 166, false), 0);
	assert_int_equal(cs_kubelet_refresh(k, 166, true), 1);
	assert_int_equal(cs_kubelet_refresh(k, 171, false), 1);
	assert_int_equal(fake_count(&f), 5);
	/* failures back off: 5, 10, 20, 40, then the timer's 60 */
	fake_cmd(&f, "mode 500");
	assert_int_equal(cs_kubelet_refresh(k, 200, true), CS_EUNAVAIL); /* 1 failure: 5 s */
	assert_int_equal(cs_kubelet_maybe_refresh(k, 204, true), 0);
	assert_int_equal(cs_kubelet_maybe_refresh(k, 205, true), CS_EUNAVAIL); /* 2: 10 s */
	assert_int_equal(cs_kubelet_maybe_refresh(k, 214, true), 0);
	assert_int_equal(cs_kubelet_maybe_refresh(k, 215, true), CS_EUNAVAIL); /* 3: 20 s */
	assert_int_equal(cs_kubelet_maybe_refresh(k, 234, true), 0);
	assert_int_equal(cs_kubelet_maybe_refresh(k, 235, true), CS_EUNAVAIL); /* 4: 40 s */
	assert_int_equal(cs_kubelet_maybe_refresh(k, 274, true), 0);
	assert_int_equal(cs_kubelet_maybe_refresh(k, 275, true), CS_EUNAVAIL); /* 5: 60 s */
	assert_int_equal(cs_kubelet_maybe_refresh(k, 334, true), 0);
	fake_cmd(&f, "mode ok");
	assert_int_equal(cs_kubelet_maybe_refresh(k, 335, false), 1);
	assert_int_equal(cs_kubelet_maybe_refresh(k, 340, true), 1); /* back to 5 s */
	assert_int_equal(fake_count(&f), 12);
	cs_kubelet_close(k);
	cs_fake_stop(&f);
}

/* Two pods start, one in each of two namespaces, with 7 containers between
 * them, next to 20 known containers of 3 namespaces: one request names them
 * all. A UID the kubelet still does not know afterwards does not cause a
 * request per cycle. */
static void test_kubelet_unknown_uid_one_request(void **state)
{
	static const char *const new_pods =
	    "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":["
	    "{\"metadata\":{\"uid\":\"aaaaaaaa-0000-4000-8000-000000000001\",\"name\":\"batch-1\","
	    "\"namespace\":\"search\"},\"spec\":{\"containers\":[{\"name\":\"c0\"},{\"name\":\"c1\"},"
	    "{\"name\":\"c2\"},{\"name\":\"c3\"}]},\"status\":{\"containerStatuses\":["
	    "{\"name\":\"c0\",\"containerID\":\"containerd://a0\"},{\"name\":\"c1\",\"containerID\":"
	    "\"containerd://a1\"},{\"name\":\"c2\",\"containerID\":\"containerd://a2\"},{\"name\":\"c3\","
	    "\"containerID\":\"containerd://a3\"}]}},"
	    "{\"metadata\":{\"uid\":\"aaaaaaaa-0000-4000-8000-000000000002\",\"name\":\"pay-job\","
	    "\"namespace\":\"payments\"},\"spec\":{\"containers\":[{\"name\":\"d0\"},{\"name\":\"d1\"},"
	    "{\"name\":\"d2\"}]},\"status\":{\"containerStatuses\":[{\"name\":\"d0\",\"containerID\":"
	    "\"cri-o://b0\"},{\"name\":\"d1\",\"containerID\":\"cri-o://b1\"},{\"name\":\"d2\","
	    "\"containerID\":\"cri-o://b2\"}]}}";
	cs_fake f;
	cs_kubelet *k;
	cs_workload w[32];
	size_t n = 0, i, len;
	char *fixture, *merged, id[8];
	double t;
	long before;

	(void)state;
	NEED_PKI();
	k = primed_client(&f);
	/* 20 known containers over payments, search, kube-system */
	for (i = 0; i < 20; i++) {
		static const char *const known[][2] = {
		    {UID_CHECKOUT, ID_API},    {UID_CHECKOUT, ID_ISTIO},  {UID_LEDGER, ID_LEDGER},
		    {UID_FRAUD, ID_FRAUD},     {UID_INDEXER, ID_INDEXER}, {UID_INDEXER, ID_SHIPPER},
		    {UID_COREDNS, ID_COREDNS}, {UID_PROXY, ID_PROXY},     {UID_ETCD, ID_ETCD},
		    {UID_INDEXER, ID_DEBUG},
		};
		w[n++] = tf_wl_container(known[i % 10][0], known[i % 10][1]);
	}
	for (i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "a%zu", i);
		w[n++] = tf_wl_container("aaaaaaaa-0000-4000-8000-000000000001", id);
	}
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "b%zu", i);
		w[n++] = tf_wl_container("aaaaaaaa-0000-4000-8000-000000000002", id);
	}
	assert_int_equal(annotate_kubelet(k, w, n), 7);
	/* the kubelet now knows the new pods too */
	fixture = tf_slurp(PODS_JSON, &len);
	merged = malloc(len + strlen(new_pods) + 8);
	assert_non_null(merged);
	strcpy(merged, new_pods);
	strcat(merged, ",");
	strcat(merged, strstr(fixture, "\"items\": [") + strlen("\"items\": ["));
	write_file(pki.pods, merged);
	free(merged);
	free(fixture);
	before = fake_count(&f);
	assert_int_equal(cs_kubelet_maybe_refresh(k, 5, true), 1);
	assert_int_equal(fake_count(&f) - before, 1); /* one request for 2 pods, 7 containers, 2 namespaces */
	assert_int_equal(annotate_kubelet(k, w, n), 0);
	for (i = 0; i < n; i++) {
		assert_true(w[i].container_name[0] != '\0');
		assert_true(w[i].namespace_[0] != '\0');
	}
	assert_string_equal(w[20].pod_name, "batch-1");
	assert_string_equal(w[26].container_name, "d2");
	assert_int_equal(cs_kubelet_pods(k)->n_pods, 10);

	/* an orphan cgroup the kubelet never lists: one early refresh, then
	 * only the timer, not a request every 5 s */
	w[n++] = tf_wl_pod("bbbbbbbb-0000-4000-8000-00000000dead");
	before = fake_count(&f);
	for (t = 10; t < 130; t += 1) {
		size_t unknown = annotate_kubelet(k, w, n);

		cs_kubelet_maybe_refresh(k, t, unknown > 0);
	}
	/* t=10: the early refresh; t=70: the timer, which forgets the orphan;
	 * t=75: its one early refresh again; the next timer would be t=135 */
	assert_int_equal(fake_count(&f) - before, 3);
	cs_kubelet_close(k);
	cs_fake_stop(&f);
}

/* A container restarted with a new id in a known pod: its first (fresh)
 * annotation asks for an early refresh, which the rate limit may defer but
 * not drop; then it has its name. A fresh id the kubelet never lists (a
 * pod's sandbox) asks once, not every cycle. */
static void test_kubelet_restarted_container(void **state)
{
	static const char new_id[] = "1111111111111111111111111111111111111111111111111111111111111111";
	cs_fake f;
	cs_kubelet *k;
	cs_workload w[2];
	char *json, *at;
	size_t len;
	long before;
	double t;

	(void)state;
	NEED_PKI();
	k = primed_client(&f);
	/* the kubelet now lists "api" under its new id */
	json = tf_slurp(PODS_JSON, &len);
	at = strstr(json, ID_API);
	assert_non_null(at);
	memcpy(at, new_id, strlen(new_id));
	write_file(pki.pods, json);
	free(json);

	w[0] = tf_wl_container(UID_CHECKOUT, new_id);
	w[0].fresh = true;
	assert_int_equal(annotate_kubelet(k, w, 1), 1);
	assert_string_equal(w[0].container_name, "");
	before = fake_count(&f);
	assert_int_equal(cs_kubelet_maybe_refresh(k, 2, true), 0); /* within the 5 s gap */
	w[0].fresh = false; /* the next cycles: the deferred refresh still comes */
	assert_int_equal(annotate_kubelet(k, w, 1), 0);
	assert_int_equal(cs_kubelet_maybe_refresh(k, 4, false), 0);
	assert_int_equal(cs_kubelet_maybe_refresh(k, 5, false), 1);
	assert_int_equal(fake_count(&f) - before, 1);
	assert_int_equal(annotate_kubelet(k, w, 1), 0);
	assert_string_equal(w[0].container_name, "api");

	/* a sandbox: one early refresh at discovery, then only the timer */
	w[1] = tf_wl_container(UID_CHECKOUT, "2222222222222222222222222222222222222222222222222222222222222222");
	w[1].fresh = true;
	before = fake_count(&f);
	for (t = 10; t < 60; t += 1) {
		size_t unknown = annotate_kubelet(k, w, 2);

		cs_kubelet_maybe_refresh(k, t, unknown > 0);
		w[1].fresh = false;
	}
	assert_int_equal(fake_count(&f) - before, 1);
	assert_string_equal(w[1].container_name, "");
	cs_kubelet_close(k);
	cs_fake_stop(&f);
}

/* A gen_node.py tree's pods through the fake: names every container. */
static void test_kubelet_generated_node(void **state)
{
	static const char *const trees[] = {"node-systemd-containerd-v2", "node-systemd-crio-v2",
	                                    "node-cgroupfs-docker-v1"};
	size_t t;

	(void)state;
	NEED_PKI();
	for (t = 0; t < ARRAY_LEN(trees); t++) {
		char path[512];
		json_t *m, *pod, *c;
		json_error_t jerr;
		cs_workload w[256];
		size_t n = 0, i, j;
		cs_fake f;
		cs_kubelet *k;

		snprintf(path, sizeof(path), "%s/%s/pods.json", CS_FIXTURES_DIR, trees[t]);
		if (access(path, R_OK) != 0)
			fail_msg("%s is missing (committed fixture; tests/fixtures/gen_node.py makes it)", path);
		fake_start(&f, path, TOKEN_A);
		k = client(&f, pki.cert, false, 0);
		snprintf(path, sizeof(path), "%s/%s/manifest.json", CS_FIXTURES_DIR, trees[t]);
		m = json_load_file(path, 0, &jerr);
		assert_non_null(m);
		json_array_foreach(json_object_get(m, "pods"), i, pod)
		{
			json_array_foreach(json_object_get(pod, "containers"), j, c)
			{
				if (n < ARRAY_LEN(w))
					w[n++] = tf_wl_container(json_string_value(json_object_get(pod, "uid")),
					                         json_string_value(json_object_get(c, "id")));
			}
		}
		assert_true(n > 0);
		assert_int_equal(annotate_kubelet(k, w, n), n);
		assert_int_equal(cs_kubelet_maybe_refresh(k, 0, true), 1);
		assert_int_equal(annotate_kubelet(k, w, n), 0);
		for (i = 0; i < n; i++)
			assert_true(w[i].container_name[0] && w[i].pod_name[0] && w[i].namespace_[0]);
		assert_int_equal(fake_count(&f), 1);
		json_decref(m);
		cs_kubelet_close(k);
		cs_fake_stop(&f);
	}
}

static void test_kubelet_options(void **state)
{
	cs_kubelet *k = NULL;
	cs_kubelet_opts o;
	cs_conf *cfg;
	cs_kubelet_conf kc;
	static const char ini[] = "[kubelet]\nurl = https://10.9.8.7:10250/pods\ntoken_file = /t\n"
	                          "ca_file = /c\ninsecure_skip_verify = yes\nrefresh_s = 30\ntimeout_s = 0.5\n";
	char *saved = getenv("NODE_IP") ? strdup(getenv("NODE_IP")) : NULL;

	(void)state;
	memset(&o, 0, sizeof(o));
	setenv("NODE_IP", "10.1.2.3", 1);
	assert_int_equal(cs_kubelet_open(&o, &k), 0);
	assert_string_equal(cs_kubelet_url(k), "https://10.1.2.3:10250/pods");
	cs_kubelet_close(k);
	setenv("NODE_IP", "fd00::17", 1);
	assert_int_equal(cs_kubelet_open(NULL, &k), 0);
	assert_string_equal(cs_kubelet_url(k), "https://[fd00::17]:10250/pods");
	cs_kubelet_close(k);
	setenv("NODE_IP", "evil/host?x", 1);
	assert_int_equal(cs_kubelet_open(NULL, &k), 0);
	assert_string_equal(cs_kubelet_url(k), "https://127.0.0.1:10250/pods");
	cs_kubelet_close(k);
	unsetenv("NODE_IP");
	assert_int_equal(cs_kubelet_open(NULL, &k), 0);
	assert_string_equal(cs_kubelet_url(k), "https://127.0.0.1:10250/pods");
	cs_kubelet_close(k);
	if (saved) {
		setenv("NODE_IP", saved, 1);
		free(saved);
	}
	o.url = "ftp://x/pods";
	assert_int_equal(cs_kubelet_open(&o, &k), CS_EINVAL);
	o.url = "https://a b/pods";
	assert_int_equal(cs_kubelet_open(&o, &k), CS_EINVAL);
	o.url = "https://";
	assert_int_equal(cs_kubelet_open(&o, &k), CS_EINVAL);
	o.url = NULL;
	o.timeout_s = -1;
	assert_int_equal(cs_kubelet_open(&o, &k), CS_EINVAL);
	cs_kubelet_close(NULL);

	cfg = tf_conf("%s", ini);
	kc = *(const cs_kubelet_conf *)cs_conf_get(cfg, &cs_kubelet_section);
	cs_conf_free(cfg);
	cs_kubelet_opts_from_conf(&kc, &o);
	assert_string_equal(o.url, "https://10.9.8.7:10250/pods");
	assert_string_equal(o.token_file, "/t");
	assert_string_equal(o.ca_file, "/c");
	assert_true(o.insecure_skip_verify);
	assert_true(o.refresh_s == 30 && o.timeout_s == 0.5);
	assert_true(cs_kubelet_wanted(&kc)); /* a url is set */
	kc.enabled = CS_OFF;
	assert_false(cs_kubelet_wanted(&kc));
	cfg = tf_conf("[kubelet]\ntoken_file = /nonexistent/token\n");
	kc = *(const cs_kubelet_conf *)cs_conf_get(cfg, &cs_kubelet_section);
	cs_conf_free(cfg);
	saved = getenv("KUBERNETES_SERVICE_HOST") ? strdup(getenv("KUBERNETES_SERVICE_HOST")) : NULL;
	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_false(cs_kubelet_wanted(&kc));
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	assert_true(cs_kubelet_wanted(&kc));
	if (saved) {
		setenv("KUBERNETES_SERVICE_HOST", saved, 1);
		free(saved);
	} else {
		unsetenv("KUBERNETES_SERVICE_HOST");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_fixture),
	    cmocka_unit_test(test_parse_rejects),
	    cmocka_unit_test(test_parse_generated_nodes),
	    cmocka_unit_test(test_annotate),
	    cmocka_unit_test(test_kubelet_options),
	    cmocka_unit_test_teardown(test_kubelet_tls_verified, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_kubelet_failures_keep_index, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_kubelet_token, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_kubelet_rate_limit, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_kubelet_unknown_uid_one_request, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_kubelet_restarted_container, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_kubelet_generated_node, cs_fake_stop_all),
	};

	return tf_exit(cmocka_run_group_tests(tests, pki_setup, pki_teardown));
}
