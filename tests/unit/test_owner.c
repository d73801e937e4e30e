/* test_owner.c - unit tests for k8s/owner (a pod's workload-level owner) and
 * the path that puts it on rows: the kubelet parser resolving it per pod
 * (tests/fixtures/kubelet/owners.json: Deployments with and without the
 * pod-template-hash label, a hand-made ReplicaSet, StatefulSet, DaemonSet,
 * CronJob and plain Jobs, bare pods (one with generateName), a static
 * pod and a mirror pod, an Argo Rollout, a ReplicationController, a custom
 * controller, references that are not controllers), attribution/pod_meta
 * copying it to workloads, and the owner group label of `top --by owner`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribution/attribute.h"
#include "attribution/pod_meta.h"
#include "carbonstat/error.h"
#include "k8s/kubelet.h"
#include "k8s/owner.h"
#include "text.h"

#define OWNERS_JSON CS_FIXTURES_DIR "/kubelet/owners.json"
#define PODS_JSON   CS_FIXTURES_DIR "/kubelet/pods.json"

static void parse_file(const char *path, cs_podlist *pl)
{
	size_t n;
	char *buf = tf_slurp(path, &n);

	assert_int_equal(cs_kubelet_parse_pods(buf, n, pl), 0);
	free(buf);
}

/* ---- the rules, one input at a time ------------------------------------------------- */

typedef struct rcase {
	cs_k8s_owner_in in;
	const char *kind, *name;
} rcase;

static void test_resolve_rules(void **state)
{
	const rcase cases[] = {
	    /* Deployment: the label, exactly */
	    {{.ref_kind = "ReplicaSet",
	      .ref_name = "web-7d4b9c8f6",
	      .pod_name = "web-7d4b9c8f6-x2x7k",
	      .template_hash = "7d4b9c8f6"},
	     "Deployment",
	     "web"},
	    /* the label wins over the shape: a legacy decimal hash */
	    {{.ref_kind = "ReplicaSet",
	      .ref_name = "web-3423545621",
	      .pod_name = "web-3423545621-x2x7k",
	      .template_hash = "3423545621"},
	     "Deployment",
	     "web"},
	    /* a label that the ReplicaSet's name does not end with: as given */
	    {{.ref_kind = "ReplicaSet",
	      .ref_name = "odd-7d4b9c8f6",
	      .pod_name = "odd-7d4b9c8f6-zz9xx",
	      .template_hash = "5d78c9869d"},
	     "ReplicaSet",
	     "odd-7d4b9c8f6"},
	    /* no label: the shape, 6..10 of [4-9bcdf] */
	    {{.ref_kind = "ReplicaSet", .ref_name = "api-5b7c9d", .pod_name = "api-5b7c9d-m9n8b"}, "Deployment", "api"},
	    {{.ref_kind = "ReplicaSet", .ref_name = "my-app-v2-5d78c9869d", .pod_name = "p"},
	     "Deployment",
	     "my-app-v2"},
	    {{.ref_kind = "ReplicaSet", .ref_name = "api-5b7c9", .pod_name = "p"}, "ReplicaSet", "api-5b7c9"},
	    {{.ref_kind = "ReplicaSet", .ref_name = "api-5b7c9d4b9cd", .pod_name = "p"},
	     "ReplicaSet",
	     "api-5b7c9d4b9cd"},
	    {{.ref_kind = "ReplicaSet", .ref_name = "api-7c6b5a4d3", .pod_name = "p"}, "ReplicaSet", "api-7c6b5a4d3"},
	    {{.ref_kind = "ReplicaSet", .ref_name = "cache-v2", .pod_name = "p"}, "ReplicaSet", "cache-v2"},
	    {{.ref_kind = "ReplicaSet", .ref_name = "-7d4b9c8f6", .pod_name = "p"}, "ReplicaSet", "-7d4b9c8f6"},
	    {{.ref_kind = "ReplicaSet", .ref_name = "7d4b9c8f6", .pod_name = "p"}, "ReplicaSet", "7d4b9c8f6"},
	    /* Argo Rollouts */
	    {{.ref_kind = "ReplicaSet",
	      .ref_name = "checkout-6f9d7c8b5",
	      .pod_name = "p",
	      .rollouts_hash = "6f9d7c8b5"},
	     "Rollout",
	     "checkout"},
	    /* CronJob: 8 digits of minutes since 2021 */
	    {{.ref_kind = "Job", .ref_name = "nightly-29312160", .pod_name = "p"}, "CronJob", "nightly"},
	    {{.ref_kind = "Job", .ref_name = "a-b-26824320", .pod_name = "p"}, "CronJob", "a-b"},
	    {{.ref_kind = "Job", .ref_name = "nightly-26824319", .pod_name = "p"}, "Job", "nightly-26824319"},
	    {{.ref_kind = "Job", .ref_name = "backup-20240101", .pod_name = "p"}, "Job", "backup-20240101"},
	    {{.ref_kind = "Job", .ref_name = "old-1609459200", .pod_name = "p"}, "Job", "old-1609459200"},
	    {{.ref_kind = "Job", .ref_name = "x-2931216", .pod_name = "p"}, "Job", "x-2931216"},
	    {{.ref_kind = "Job", .ref_name = "x-2931216a", .pod_name = "p"}, "Job", "x-2931216a"},
	    {{.ref_kind = "Job", .ref_name = "import-once", .pod_name = "p"}, "Job", "import-once"},
	    /* as given */
	    {{.ref_kind = "StatefulSet", .ref_name = "db", .pod_name = "db-0"}, "StatefulSet", "db"},
	    {{.ref_kind = "DaemonSet", .ref_name = "node-exporter", .pod_name = "node-exporter-x8k2p"},
	     "DaemonSet",
	     "node-exporter"},
	    {{.ref_kind = "ReplicationController", .ref_name = "legacy", .pod_name = "p"},
	     "ReplicationController",
	     "legacy"},
	    {{.ref_kind = "Workflow", .ref_name = "etl-flow", .pod_name = "p"}, "Workflow", "etl-flow"},
	    /* static pods: annotation, or a Node reference (the mirror) */
	    {{.pod_name = "kube-apiserver-node-a", .node_name = "node-a", .config_source = "file"},
	     "StaticPod",
	     "kube-apiserver"},
	    {{.pod_name = "etcd-node-a", .ref_kind = "Node", .ref_name = "node-a", .config_source = "api"},
	     "StaticPod",
	     "etcd"},
	    {{.pod_name = "web-node-b", .node_name = "node-a", .config_source = "http"}, "StaticPod", "web-node-b"},
	    {{.pod_name = "node-a", .node_name = "node-a", .config_source = "file"}, "StaticPod", "node-a"},
	    /* bare pods: themselves */
	    {{.pod_name = "debug-shell"}, "Pod", "debug-shell"},
	    {{.pod_name = "runner-x7k2p"}, "Pod", "runner-x7k2p"},
	    /* a reference that is not a valid kind or name: none */
	    {{.ref_kind = "Replica Set", .ref_name = "web-7d4b9c8f6", .pod_name = "web-1"}, "Pod", "web-1"},
	    {{.ref_kind = "ReplicaSet", .ref_name = "web/7d4b9c8f6", .pod_name = "web-1"}, "Pod", "web-1"},
	    {{.ref_kind = "", .ref_name = "x", .pod_name = "web-1"}, "Pod", "web-1"},
	};
	char kind[CS_K8S_OWNER_KIND_MAX], name[CS_K8S_OWNER_NAME_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cs_k8s_owner_resolve(&cases[i].in, kind, name), 0);
		if (strcmp(kind, cases[i].kind) || strcmp(name, cases[i].name))
			fail_msg("case %zu (%s %s, pod %s): got %s \"%s\", want %s \"%s\"", i,
			         cases[i].in.ref_kind ? cases[i].in.ref_kind : "-",
			         cases[i].in.ref_name ? cases[i].in.ref_name : "-", cases[i].in.pod_name, kind, name,
			         cases[i].kind, cases[i].name);
	}
	/* nothing to fall back on */
	{
		cs_k8s_owner_in none = {.ref_kind = "StatefulSet", .ref_name = "db"};

		assert_int_equal(cs_k8s_owner_resolve(&none, kind, name), CS_EINVAL);
		assert_string_equal(kind, "");
		assert_string_equal(name, "");
		none.pod_name = "bad name";
		assert_int_equal(cs_k8s_owner_resolve(&none, kind, name), CS_EINVAL);
	}
}

static void test_shapes(void **state)
{
	(void)state;
	assert_true(cs_k8s_is_template_hash("7d4b9c8f6", 9));
	assert_true(cs_k8s_is_template_hash("5b7c9d", 6));
	assert_true(cs_k8s_is_template_hash("5d78c9869d", 10));
	assert_false(cs_k8s_is_template_hash("5b7c9", 5));
	assert_false(cs_k8s_is_template_hash("5d78c9869d4", 11));
	assert_false(cs_k8s_is_template_hash("7c6b5a4d3", 9)); /* 'a', '3': never produced */
	assert_false(cs_k8s_is_template_hash("7d4b9\0c8f6", 10));
	assert_true(cs_k8s_is_cronjob_minutes("29312160", 8));
	assert_true(cs_k8s_is_cronjob_minutes("99999999", 8));
	assert_false(cs_k8s_is_cronjob_minutes("26824319", 8));
	assert_false(cs_k8s_is_cronjob_minutes("20991231", 8));
	assert_false(cs_k8s_is_cronjob_minutes("129312160", 9));
	assert_false(cs_k8s_is_cronjob_minutes("2931216x", 8));
}

/* ---- through the kubelet parser ------------------------------------------------------ */

static const struct {
	const char *pod, *kind, *owner;
} fixture_owners[] = {
    {"web-7d4b9c8f6-x2x7k", "Deployment", "web"},
    {"web-6c5f8d9b4-q8w2e", "Deployment", "web"},
    {"api-5b7c9d-m9n8b", "Deployment", "api"},
    {"cache-v2-p0o9i", "ReplicaSet", "cache-v2"},
    {"odd-7d4b9c8f6-zz9xx", "ReplicaSet", "odd-7d4b9c8f6"},
    {"db-0", "StatefulSet", "db"},
    {"db-1", "StatefulSet", "db"},
    {"node-exporter-x8k2p", "DaemonSet", "node-exporter"},
    {"nightly-29312160-abcde", "CronJob", "nightly"},
    {"backup-20240101-k2l3m", "Job", "backup-20240101"},
    {"import-once-7xk2p", "Job", "import-once"},
    {"debug-shell", "Pod", "debug-shell"},
    {"runner-x7k2p", "Pod", "runner-x7k2p"}, /* generateName: still itself */
    {"kube-apiserver-node-a", "StaticPod", "kube-apiserver"},
    {"etcd-node-a", "StaticPod", "etcd"},
    {"checkout-6f9d7c8b5-r4t5y", "Rollout", "checkout"},
    {"legacy-h7j8k", "ReplicationController", "legacy"},
    {"gc-only-q1w2e", "Pod", "gc-only-q1w2e"}, /* a reference, but no controller */
    {"second-is-controller", "StatefulSet", "second"},
    {"etl-flow-1234567890", "Workflow", "etl-flow"},
};
#define NFIX (sizeof(fixture_owners) / sizeof(fixture_owners[0]))

static const cs_k8s_pod *pod_named(const cs_podlist *pl, const char *name)
{
	for (size_t i = 0; i < pl->n_pods; i++)
		if (strcmp(pl->pods[i].name, name) == 0)
			return &pl->pods[i];
	return NULL;
}

static void test_fixture_owners(void **state)
{
	cs_podlist pl;

	(void)state;
	parse_file(OWNERS_JSON, &pl);
	assert_int_equal(pl.n_pods, NFIX);
	assert_int_equal(pl.skipped_pods, 0);
	for (size_t i = 0; i < NFIX; i++) {
		const cs_k8s_pod *p = pod_named(&pl, fixture_owners[i].pod);

		assert_non_null(p);
		if (strcmp(p->owner_kind, fixture_owners[i].kind) || strcmp(p->owner, fixture_owners[i].owner))
			fail_msg("%s: owner %s \"%s\", want %s \"%s\"", p->name, p->owner_kind, p->owner,
			         fixture_owners[i].kind, fixture_owners[i].owner);
	}
	cs_podlist_free(&pl);

	/* the shared fixture: a Deployment with and without the label, a
	 * StatefulSet, a DaemonSet, a static pod (etcd, config.source file) */
	parse_file(PODS_JSON, &pl);
	{
		static const struct {
			const char *pod, *kind, *owner;
		} want[] = {
		    {"checkout-api-7d9f8b6c5-x2x7k", "Deployment", "checkout-api"},
		    {"ledger-0", "StatefulSet", "ledger"},
		    {"fraud-scorer-5b7c9d-q8w2e", "Deployment", "fraud-scorer"},
		    {"query-7c6b5a4d3-p0o9i", "Deployment", "query"},
		    {"coredns-5d78c9869d-7xkqz", "Deployment", "coredns"},
		    {"kube-proxy-8xk2w", "DaemonSet", "kube-proxy"},
		    {"etcd-ip-10-0-3-17.eu-west-1.compute.internal", "StaticPod", "etcd"},
		};

		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			const cs_k8s_pod *p = pod_named(&pl, want[i].pod);

			assert_non_null(p);
			assert_string_equal(p->owner_kind, want[i].kind);
			assert_string_equal(p->owner, want[i].owner);
		}
	}
	cs_podlist_free(&pl);
}

/* Hostile ownerReferences: not an array, members of the wrong types, a
 * controller that is not true, names and kinds with characters no object
 * has: never fatal, the pod falls back to being its own owner. */
static void test_odd_references(void **state)
{
	static const char *const refs[] = {
	    "\"ownerReferences\": {}",
	    "\"ownerReferences\": [1, null, \"x\"]",
	    "\"ownerReferences\": [{\"kind\": 5, \"name\": \"db\", \"controller\": true}]",
	    "\"ownerReferences\": [{\"kind\": \"StatefulSet\", \"name\": \"db\", \"controller\": \"true\"}]",
	    "\"ownerReferences\": [{\"kind\": \"StatefulSet\", \"name\": \"d b\", \"controller\": true}]",
	    "\"ownerReferences\": [{\"kind\": \"Stateful\\nSet\", \"name\": \"db\", \"controller\": true}]",
	    "\"ownerReferences\": [{\"kind\": \"StatefulSet\", \"controller\": true}]",
	    "\"generateName\": 7, \"labels\": {\"pod-template-hash\": 1}, \"annotations\": []",
	};
	char json[1024];
	cs_podlist pl;

	(void)state;
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		snprintf(json, sizeof(json),
		         "{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"solo-1\",\"namespace\":\"ns\","
		         "\"uid\":\"u-1\",%s},\"spec\":{\"nodeName\":7}}]}",
		         refs[i]);
		assert_int_equal(cs_kubelet_parse_pods(json, strlen(json), &pl), 0);
		assert_int_equal(pl.n_pods, 1);
		if (strcmp(pl.pods[0].owner_kind, "Pod") || strcmp(pl.pods[0].owner, "solo-1"))
			fail_msg("case %zu: %s \"%s\"", i, pl.pods[0].owner_kind, pl.pods[0].owner);
		cs_podlist_free(&pl);
	}
}

/* ---- onto workloads, and grouped ----------------------------------------------------- */

static cs_workload container_of(const cs_podlist *pl, const char *pod, size_t ctr)
{
	const cs_k8s_pod *p = pod_named(pl, pod);
	cs_workload w;

	assert_non_null(p);
	assert_true(ctr < p->n_ctrs);
	memset(&w, 0, sizeof(w));
	w.ident.kind = CS_WL_CONTAINER;
	snprintf(w.ident.pod_uid, sizeof(w.ident.pod_uid), "%s", p->uid);
	snprintf(w.ident.container_id, sizeof(w.ident.container_id), "%s", pl->ctrs[p->first_ctr + ctr].id);
	return w;
}

static void test_annotate_and_group(void **state)
{
	cs_podlist pl;
	cs_podmeta pm = {0};
	cs_workload w[7];
	cs_attr_share sh[7];
	cs_attr_group groups[8];
	uint32_t index[16];
	size_t ng;
	char label[CS_ATTR_LABEL_MAX];

	(void)state;
	parse_file(OWNERS_JSON, &pl);
	w[0] = container_of(&pl, "web-7d4b9c8f6-x2x7k", 0);
	w[1] = container_of(&pl, "web-7d4b9c8f6-x2x7k", 1);
	w[2] = container_of(&pl, "web-6c5f8d9b4-q8w2e", 0); /* the other ReplicaSet, mid-rollout */
	w[3] = container_of(&pl, "nightly-29312160-abcde", 0);
	w[4] = container_of(&pl, "kube-apiserver-node-a", 0);
	memset(&w[5], 0, sizeof(w[5]));
	w[5].ident.kind = CS_WL_SERVICE;
	snprintf(w[5].ident.unit, sizeof(w[5].ident.unit), "kubelet.service");
	memset(&w[6], 0, sizeof(w[6]));
	w[6].ident.kind = CS_WL_POD; /* a pod the kubelet does not list (yet) */
	snprintf(w[6].ident.pod_uid, sizeof(w[6].ident.pod_uid), "ffffffff-0000-4000-8000-000000000000");
	assert_int_equal(cs_podmeta_annotate(&pm, &pl, w, 7, NULL, NULL), 1);
	assert_string_equal(w[0].owner_kind, "Deployment");
	assert_string_equal(w[0].owner, "web");
	assert_string_equal(w[2].owner, "web");
	assert_string_equal(w[3].owner_kind, "CronJob");
	assert_string_equal(w[3].owner, "nightly");
	assert_string_equal(w[4].owner_kind, "StaticPod");
	assert_string_equal(w[5].owner, "");
	assert_string_equal(w[6].owner, "");

	assert_int_equal(cs_attr_label(&w[0], CS_BY_OWNER, label, sizeof(label)), 19);
	assert_string_equal(label, "shop/Deployment/web");
	cs_attr_label(&w[4], CS_BY_OWNER, label, sizeof(label));
	assert_string_equal(label, "kube-system/StaticPod/kube-apiserver");
	cs_attr_label(&w[5], CS_BY_OWNER, label, sizeof(label)); /* no owner: as by pod */
	assert_string_equal(label, "kubelet.service");
	cs_attr_label(&w[6], CS_BY_OWNER, label, sizeof(label));
	assert_string_equal(label, "ffffffff-0000-4000-8000-000000000000");
	assert_int_equal(cs_attr_by_parse("owner", &(cs_attr_by){0}), 0);

	memset(sh, 0, sizeof(sh));
	for (size_t i = 0; i < 7; i++)
		sh[i].active_uj[CS_PART_CPU] = 1000 * (i + 1);
	assert_int_equal(cs_attr_rollup(w, sh, 7, CS_BY_OWNER, groups, 8, index, 16, &ng), 0);
	assert_int_equal(ng, 5); /* web (3 containers, 2 ReplicaSets), nightly, apiserver, kubelet, the unknown pod */
	assert_string_equal(groups[0].label, "shop/Deployment/web");
	assert_int_equal(groups[0].members, 3);
	assert_int_equal(groups[0].share.active_uj[CS_PART_CPU], 1000 + 2000 + 3000);
	assert_string_equal(groups[1].label, "batch/CronJob/nightly");
	cs_podmeta_free(&pm);
	cs_podlist_free(&pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resolve_rules),      cmocka_unit_test(test_shapes),
	    cmocka_unit_test(test_fixture_owners),     cmocka_unit_test(test_odd_references),
	    cmocka_unit_test(test_annotate_and_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
