/* test_runtime_meta.c - container names from the runtimes' state files:
 * the Docker and OCI parsers, and the annotation of workloads from the
 * fixture roots in tests/fixtures/container-runtime. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribution/runtime_meta.h"
#include "carbonstat/error.h"
#include "text.h"

#define RT      CS_FIXTURES_DIR "/container-runtime"
#define DOCKER  "57fd14c1604d115cea325a65e19cbae530282bd36cb9d21f6be6abf0d7c1c1e2"
#define CRI     "d5a4fd12aabfe228f219e9cb0eb53f16947ccf25ec84d8dbc74254770f58904d"
#define NERDCTL "0b7e3f1c9a2d4e5f60718293a4b5c6d7e8f9012345678901234567890abcdef1"

static void test_parse_docker(void **state)
{
	cs_rtmeta_names nm;
	size_t n;
	char *buf = tf_slurp(RT "/docker/containers/" DOCKER "/config.v2.json", &n);

	(void)state;
	assert_int_equal(cs_rtmeta_parse_docker(buf, n, &nm), 0);
	free(buf);
	assert_string_equal(nm.container, "web-frontend");
	assert_string_equal(nm.pod, "");
	assert_int_equal(cs_rtmeta_parse_docker("{\"ID\":\"x\"}", 10, &nm), CS_ENODATA);
	assert_int_equal(cs_rtmeta_parse_docker("{\"Name\":\"/\"}", 12, &nm), CS_ENODATA);
	assert_int_equal(cs_rtmeta_parse_docker("{\"Name\":\"/a\\u0007b\"}", 20, &nm), CS_ENODATA);
	assert_int_equal(cs_rtmeta_parse_docker("{\"Name\":", 8, &nm), CS_EINVAL);
	assert_int_equal(cs_rtmeta_parse_docker("[]", 2, &nm), CS_EINVAL);
}

static void test_parse_oci(void **state)
{
	cs_rtmeta_names nm;
	size_t n;
	char *buf = tf_slurp(RT "/containerd/io.containerd.runtime.v2.task/k8s.io/" CRI "/config.json", &n);

	(void)state;
	assert_int_equal(cs_rtmeta_parse_oci(buf, n, &nm), 0);
	free(buf);
	assert_string_equal(nm.container, "server");
	assert_string_equal(nm.pod, "checkout-7d9f8b6c5-x2lqp");
	assert_string_equal(nm.namespace_, "shop");
	buf = tf_slurp(RT "/containerd/io.containerd.runtime.v2.task/default/" NERDCTL "/config.json", &n);
	assert_int_equal(cs_rtmeta_parse_oci(buf, n, &nm), 0);
	free(buf);
	assert_string_equal(nm.container, "cache");
	assert_string_equal(nm.namespace_, "");
	assert_int_equal(cs_rtmeta_parse_oci("{\"annotations\":{}}", 18, &nm), CS_ENODATA);
	assert_int_equal(cs_rtmeta_parse_oci("{\"annotations\":[1]}", 19, &nm), CS_ENODATA);
	assert_int_equal(cs_rtmeta_parse_oci("not json", 8, &nm), CS_EINVAL);
}

static void wl(cs_workload *w, cs_runtime rt, const char *id)
{
	memset(w, 0, sizeof *w);
	w->ident.kind = CS_WL_CONTAINER;
	w->ident.runtime = rt;
	snprintf(w->ident.container_id, sizeof w->ident.container_id, "%s", id);
}

static void test_annotate(void **state)
{
	cs_rtmeta_opts o = {RT "/docker", RT "/containerd"};
	cs_workload w[6];

	(void)state;
	wl(&w[0], CS_RT_DOCKER, DOCKER);
	wl(&w[1], CS_RT_CONTAINERD, CRI);
	wl(&w[2], CS_RT_CONTAINERD, NERDCTL);
	wl(&w[3], CS_RT_DOCKER, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"); /* no file */
	wl(&w[4], CS_RT_UNKNOWN, "../../" DOCKER);                                                   /* not an id */
	wl(&w[5], CS_RT_DOCKER, DOCKER);
	snprintf(w[5].container_name, sizeof w[5].container_name, "named-by-kubelet");
	assert_int_equal(cs_rtmeta_annotate(&o, w, 6), 3);
	assert_string_equal(w[0].container_name, "web-frontend");
	assert_string_equal(w[1].container_name, "server");
	assert_string_equal(w[1].pod_name, "checkout-7d9f8b6c5-x2lqp");
	assert_string_equal(w[1].namespace_, "shop");
	assert_string_equal(w[2].container_name, "cache");
	assert_string_equal(w[3].container_name, "");
	assert_string_equal(w[4].container_name, "");
	assert_string_equal(w[5].container_name, "named-by-kubelet");
	/* no such roots: nothing named, no error */
	o.docker_root = "/nonexistent/docker";
	o.containerd_root = "/nonexistent/containerd";
	wl(&w[0], CS_RT_DOCKER, DOCKER);
	assert_int_equal(cs_rtmeta_annotate(&o, w, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_docker),
	    cmocka_unit_test(test_parse_oci),
	    cmocka_unit_test(test_annotate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
