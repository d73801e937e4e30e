/* Unit tests for attribution/cgroup_path.c: one table row per cgroup path
 * shape the kubelet (systemd and cgroupfs drivers), containerd, CRI-O, Docker,
 * podman and systemd produce, under cgroup v2 and under v1 controller
 * prefixes, plus look-alikes and garbage that must stay plain cgroups. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribution/cgroup_path.h"
#include "carbonstat/error.h"

#define ID64       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID64B      "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define UID        "2d3167d5-3e57-43dc-a8fa-36a1009aecac"
#define UID_       "2d3167d5_3e57_43dc_a8fa_36a1009aecac"
#define STATIC_UID "6ac4a9e7ae4e7b8b8e6e3a0c2d3f4e5a"

typedef struct row {
	const char *path;
	cs_wl_kind kind;
	cs_runtime rt;
	cs_qos qos;
	const char *uid;
	const char *cid;
	const char *unit;
} row;

#define K_CTR CS_WL_CONTAINER
#define K_POD CS_WL_POD
#define K_CG  CS_WL_CGROUP

static const row rows[] = {
    /* ---- systemd driver, containerd, all QoS classes ---- */
    {"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/cri-containerd-" ID64 ".scope",
     K_CTR, CS_RT_CONTAINERD, CS_QOS_BURSTABLE, UID, ID64, ""},
    {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID64 ".scope",
     K_CTR, CS_RT_CONTAINERD, CS_QOS_BESTEFFORT, UID, ID64, ""},
    {"kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID64 ".scope", K_CTR, CS_RT_CONTAINERD,
     CS_QOS_GUARANTEED, UID, ID64, ""},
    /* ---- systemd driver, CRI-O and Docker ---- */
    {"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/crio-" ID64 ".scope", K_CTR,
     CS_RT_CRIO, CS_QOS_BURSTABLE, UID, ID64, ""},
    {"kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" ID64 ".scope", K_POD, CS_RT_CRIO, CS_QOS_GUARANTEED, UID,
     "", "crio-conmon-" ID64 ".scope"},
    {"kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/docker-" ID64 ".scope", K_CTR,
     CS_RT_DOCKER, CS_QOS_BESTEFFORT, UID, ID64, ""},
    /* ---- pod level, systemd ---- */
    {"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice", K_POD, CS_RT_NONE,
     CS_QOS_BURSTABLE, UID, "", ""},
    {"kubepods.slice/kubepods-pod" UID_ ".slice", K_POD, CS_RT_NONE, CS_QOS_GUARANTEED, UID, "", ""},
    {"kubepods.slice/kubepods-pod" STATIC_UID ".slice", K_POD, CS_RT_NONE, CS_QOS_GUARANTEED, STATIC_UID, "", ""},
    /* kind (kubelet in a container): prefixed slices */
    {"kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" UID_
     ".slice/cri-containerd-" ID64 ".scope",
     K_CTR, CS_RT_CONTAINERD, CS_QOS_BESTEFFORT, UID, ID64, ""},
    /* ---- cgroupfs driver ---- */
    {"kubepods/burstable/pod" UID "/" ID64, K_CTR, CS_RT_CONTAINERD, CS_QOS_BURSTABLE, UID, ID64, ""},
    {"kubepods/besteffort/pod" UID "/" ID64, K_CTR, CS_RT_CONTAINERD, CS_QOS_BESTEFFORT, UID, ID64, ""},
    {"kubepods/pod" UID "/" ID64, K_CTR, CS_RT_CONTAINERD, CS_QOS_GUARANTEED, UID, ID64, ""},
    {"/kubepods/pod" UID "/crio-" ID64, K_CTR, CS_RT_CRIO, CS_QOS_GUARANTEED, UID, ID64, ""},
    {"kubepods/burstable/pod" UID, K_POD, CS_RT_NONE, CS_QOS_BURSTABLE, UID, "", ""},
    {"kubepods/pod" UID_, K_POD, CS_RT_NONE, CS_QOS_GUARANTEED, UID, "", ""}, /* '_' canonicalised */
    /* a container's own sub-cgroups belong to it */
    {"kubepods/pod" UID "/" ID64 "/init.scope", K_CTR, CS_RT_CONTAINERD, CS_QOS_GUARANTEED, UID, ID64, ""},
    /* ---- cgroup v1: the same shapes under a controller prefix ---- */
    {"cpu,cpuacct/kubepods/burstable/pod" UID "/" ID64, K_CTR, CS_RT_CONTAINERD, CS_QOS_BURSTABLE, UID, ID64, ""},
    {"memory/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID64 ".scope", K_CTR, CS_RT_CONTAINERD,
     CS_QOS_GUARANTEED, UID, ID64, ""},
    {"cpuacct/system.slice/docker-" ID64 ".scope", K_CTR, CS_RT_DOCKER, CS_QOS_NONE, "", ID64, ""},
    {"memory/system.slice/sshd.service", CS_WL_SERVICE, CS_RT_NONE, CS_QOS_NONE, "", "", "sshd.service"},
    /* ---- Docker outside Kubernetes, podman ---- */
    {"system.slice/docker-" ID64B ".scope", K_CTR, CS_RT_DOCKER, CS_QOS_NONE, "", ID64B, ""},
    {"/docker/" ID64, K_CTR, CS_RT_DOCKER, CS_QOS_NONE, "", ID64, ""},
    {"docker/" ID64 "/sub", K_CTR, CS_RT_DOCKER, CS_QOS_NONE, "", ID64, ""},
    {"machine.slice/libpod-" ID64 ".scope", K_CTR, CS_RT_UNKNOWN, CS_QOS_NONE, "", ID64, ""},
    /* ---- systemd services and sessions ---- */
    {"system.slice/nginx.service", CS_WL_SERVICE, CS_RT_NONE, CS_QOS_NONE, "", "", "nginx.service"},
    {"/system.slice/system-getty.slice/getty@tty1.service", CS_WL_SERVICE, CS_RT_NONE, CS_QOS_NONE, "", "",
     "getty@tty1.service"},
    {"system.slice/containerd.service/sub", CS_WL_SERVICE, CS_RT_NONE, CS_QOS_NONE, "", "", "containerd.service"},
    {"user.slice/user-1000.slice/session-3.scope", CS_WL_SESSION, CS_RT_NONE, CS_QOS_NONE, "", "", "session-3.scope"},
    {"user.slice/user-1000.slice/user@1000.service", CS_WL_SESSION, CS_RT_NONE, CS_QOS_NONE, "", "",
     "user@1000.service"},
    {"user.slice/user-1000.slice/user@1000.service/app.slice/foo.service", CS_WL_SESSION, CS_RT_NONE, CS_QOS_NONE, "",
     "", "user@1000.service"},
    /* ---- roots and plain cgroups ---- */
    {"", CS_WL_SYSTEM, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"/", CS_WL_SYSTEM, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"///", CS_WL_SYSTEM, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"init.scope", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"system.slice", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"user.slice/user-1000.slice", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"kubepods.slice", K_CG, CS_RT_NONE, CS_QOS_GUARANTEED, "", "", ""}, /* scaffolding */
    {"kubepods/burstable", K_CG, CS_RT_NONE, CS_QOS_BURSTABLE, "", "", ""},
    {"kubepods.slice/kubepods-besteffort.slice", K_CG, CS_RT_NONE, CS_QOS_BESTEFFORT, "", "", ""},
    /* ---- look-alikes and garbage ---- */
    {"system.slice/docker-.scope", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"system.slice/docker-xyz.scope", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"system.slice/cri-containerd-" ID64 "0.scope", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""}, /* 65 hex */
    {"kubepods/podnot-a-uid/" ID64, K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"kubepods/pod2d3167d5-3e57-43dc-a8fa-36a1009aecaZ", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"kubepods/pod2d3167d53e5743dca8fa36a1009aecac12", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""}, /* 34 hex */
    {"kubepods.slice/kubepods-pod.slice", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"kubepods/burstable/pod" UID "/not-a-container", K_POD, CS_RT_NONE, CS_QOS_BURSTABLE, UID, "", ""},
    {"kubepods/burstable/pod" UID "/" ID64 "0", K_POD, CS_RT_NONE, CS_QOS_BURSTABLE, UID, "", ""},
    {"docker/abc", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""}, /* bare ids must be 64 hex */
    {ID64, K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""},         /* bare id outside a pod */
    {"user.slice/session-.scope", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"system.slice/.service", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"foo.service", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""}, /* outside system.slice */
    {"user.slice/user-1000.slice/foo.service", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"crio-conmon-" ID64 ".scope", K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
    {"kubepods/weird/pod" UID, K_CG, CS_RT_NONE, CS_QOS_NONE, "", "", ""},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const row *r = &rows[i];
		cs_cgroup_ident id;

		memset(&id, 0x5a, sizeof(id));
		assert_int_equal(cs_cgroup_path_parse(r->path, &id), 0);
		if (id.kind != r->kind || id.runtime != r->rt || id.qos != r->qos || strcmp(id.pod_uid, r->uid) != 0 ||
		    strcmp(id.container_id, r->cid) != 0 || strcmp(id.unit, r->unit) != 0) {
			print_error("row %zu %s: got kind=%s rt=%s qos=%s uid=%s cid=%s unit=%s\n", i, r->path,
			            cs_wl_kind_name(id.kind), cs_runtime_name(id.runtime), cs_qos_name(id.qos),
			            id.pod_uid, id.container_id, id.unit);
			fail();
		}
	}
}

/* Short IDs are accepted only behind an explicit runtime prefix. */
static void test_short_ids(void **state)
{
	cs_cgroup_ident id;

	(void)state;
	assert_int_equal(cs_cgroup_path_parse("system.slice/docker-abc123.scope", &id), 0);
	assert_int_equal(id.kind, CS_WL_CONTAINER);
	assert_string_equal(id.container_id, "abc123");
	assert_int_equal(cs_cgroup_path_parse("kubepods/pod" UID "/abc123", &id), 0);
	assert_int_equal(id.kind, CS_WL_POD);
	assert_string_equal(id.container_id, "");
}

/* Overlong names and paths: classified, never overflowing a field. */
static void test_overlong(void **state)
{
	char big[8192];
	cs_cgroup_ident id;
	size_t n;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(cs_cgroup_path_parse(big, &id), 0);
	assert_int_equal(id.kind, CS_WL_CGROUP);

	/* A 200-character service name does not fit unit[128]: plain cgroup. */
	n = (size_t)snprintf(big, sizeof(big), "system.slice/");
	memset(big + n, 's', 200);
	memcpy(big + n + 200, ".service", 9);
	assert_int_equal(cs_cgroup_path_parse(big, &id), 0);
	assert_int_equal(id.kind, CS_WL_CGROUP);
	assert_string_equal(id.unit, "");

	/* A valid container deep under many slashes and slices. */
	n = 0;
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "//x%d.slice", i);
	snprintf(big + n, sizeof(big) - n, "/docker-" ID64 ".scope");
	assert_int_equal(cs_cgroup_path_parse(big, &id), 0);
	assert_int_equal(id.kind, CS_WL_CONTAINER);
	assert_string_equal(id.container_id, ID64);

	/* 100-hex "id" after a prefix: too long for an id. */
	n = (size_t)snprintf(big, sizeof(big), "crio-");
	memset(big + n, 'a', 100);
	memcpy(big + n + 100, ".scope", 7);
	assert_int_equal(cs_cgroup_path_parse(big, &id), 0);
	assert_int_equal(id.kind, CS_WL_CGROUP);
}

static void test_same_pod_and_names(void **state)
{
	cs_cgroup_ident a, b, c;

	(void)state;
	assert_int_equal(
	    cs_cgroup_path_parse("kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID64 ".scope", &a), 0);
	assert_int_equal(cs_cgroup_path_parse("kubepods/pod" UID "/" ID64B, &b), 0);
	assert_int_equal(cs_cgroup_path_parse("system.slice/a.service", &c), 0);
	assert_int_equal(cs_cgroup_ident_same_pod(&a, &b), 1);
	assert_int_equal(cs_cgroup_ident_same_pod(&a, &c), 0);
	assert_int_equal(cs_cgroup_ident_same_pod(&c, &c), 0);
	assert_int_equal(cs_cgroup_ident_same_pod(NULL, &a), 0);
	assert_int_equal(cs_cgroup_path_parse(NULL, &a), CS_EINVAL);
	assert_int_equal(cs_cgroup_path_parse("x", NULL), CS_EINVAL);
	assert_string_equal(cs_wl_kind_name(CS_WL_CONTAINER), "container");
	assert_string_equal(cs_runtime_name(CS_RT_CRIO), "cri-o");
	assert_string_equal(cs_qos_name(CS_QOS_BESTEFFORT), "besteffort");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_short_ids),
	    cmocka_unit_test(test_overlong),
	    cmocka_unit_test(test_same_pod_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
