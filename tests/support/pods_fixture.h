/* tests/support/pods_fixture.h - the kubelet fixture and workload records.
 *
 * tests/fixtures/kubelet/pods.json is a kubelet /pods answer shaped like a
 * real one (3 namespaces, containerd ids, sidecar and init containers, an
 * ephemeral container, a static pod, a pending pod, RuntimeClass overhead).
 * The k8s and ownership tests share its ids, its loading, and workload
 * records keyed the way the cgroup scanner makes them.
 */
#ifndef CS_TESTS_SUPPORT_PODS_FIXTURE_H
#define CS_TESTS_SUPPORT_PODS_FIXTURE_H

#include "attribution/pod_meta.h"
#include "attribution/workload.h"
#include "k8s/kubelet.h"

#define PODS_JSON CS_FIXTURES_DIR "/kubelet/pods.json"

/* ids from the fixture */
#define UID_CHECKOUT "3f1c2a9e-8b7d-4c61-a0e5-6d2f9b1c7e48"
#define UID_LEDGER   "c8e2d4f6-1a3b-4c5d-8e9f-0a1b2c3d4e5f"
#define UID_FRAUD    "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
#define UID_INDEXER  "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
#define UID_QUERY    "9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b"
#define UID_COREDNS  "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
#define UID_PROXY    "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
#define UID_ETCD     "5f9e2c8a7b6d4e3f2a1b0c9d8e7f6a5b"
#define ID_API       "9a7c1e0b5f3d2a8c4e6b1d9f7a3c5e2b8d0f4a6c1e3b5d7f9a2c4e6b8d0f1a3c"
#define ID_ISTIO     "5e4d3c2b1a0f9e8d7c6b5a49382716f5e4d3c2b1a0f9e8d7c6b5a49382716f5e"
#define ID_MIGRATE   "1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff001"
#define ID_LEDGER    "e1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f708192a3b4c5d6e7f80912"
#define ID_FRAUD     "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define ID_INDEXER   "aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112233"
#define ID_SHIPPER   "bb22cc33dd44ee55ff66001122334455667788990011aabbccddeeff00112233"
#define ID_DEBUG     "cc33dd44ee55ff66001122334455667788990011aabbccddeeff001122334455"
#define ID_COREDNS   "dd44ee55ff66001122334455667788990011aabbccddeeff0011223344556677"
#define ID_PROXY     "ee55ff66001122334455667788990011aabbccddeeff00112233445566778899"
#define ID_ETCD      "ff66001122334455667788990011aabbccddeeff00112233445566778899aabb"

/* pods.json parsed into pl (fails the test if it does not parse). */
void tf_pods_load(cs_podlist *pl);

/* attribution/pod_meta's annotation of w[0..n) from pl, as the node sampler
 * runs it (with a fresh scratch); returns how many it could not name. */
size_t tf_pods_annotate(cs_podlist *pl, cs_workload *w, size_t n);

/* A containerd container of pod uid. */
cs_workload tf_wl_container(const char *uid, const char *id);
/* A pod-level cgroup. */
cs_workload tf_wl_pod(const char *uid);
/* A systemd unit (service, session...) of the given kind. */
cs_workload tf_wl_unit(cs_wl_kind kind, const char *unit);

#endif
