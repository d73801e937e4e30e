/* attribution/pod_meta.h - Kubernetes names and requests on workloads.
 *
 * The kubelet client (k8s/kubelet.h) keeps an index of this node's pods;
 * this module owns the rule that puts it on the workloads the scanners
 * found: pod name, namespace, owner (k8s/owner.h), container name, and the
 * CPU/memory requests the idle policy shares by. Rules:
 *   - a workload with a pod UID the index knows gets the pod's name,
 *     namespace and owner; one it does not know keeps what it had (a pod
 *     that vanished from the kubelet keeps its last names) and is counted as
 *     unknown;
 *   - a container workload whose id the pod lists gets that container's name
 *     and requests; one it does not list (the sandbox/pause container, or a
 *     container started since the last refresh) gets no name and no request,
 *     and, while it is fresh (just discovered), counts as unknown once: most
 *     likely a container restarted under a new id that the kubelet lists by
 *     now;
 *   - a pod-level workload gets the pod's requests minus those its container
 *     workloads carry, so a request is never counted twice.
 * Two hash lookups per workload; the per-pod scratch of the last rule grows
 * with the pod count and is reused, so a steady-state call allocates nothing.
 */
#ifndef CS_ATTRIBUTION_POD_META_H
#define CS_ATTRIBUTION_POD_META_H

#include <stdbool.h>
#include <stddef.h>

#include "attribution/workload.h"
#include "k8s/kubelet.h"

/* Called for each unknown (see above): ctr_id NULL for a pod UID the index
 * does not know, else the new container's id in a known pod. Returns whether
 * it counts (is worth a refresh). */
typedef bool (*cs_pod_unknown_fn)(void *ud, const char *uid, const char *ctr_id);

/* Scratch kept between calls: the requests carried by container workloads,
 * per pod of the index. Zero it before first use. */
typedef struct cs_podmeta {
	double *carry; /* 2 per pod: cpu cores, memory bytes */
	size_t cap;    /* pods it has room for */
} cs_podmeta;

/* Annotates w[0..n) from pl (see the rules above). unknown NULL counts every
 * unknown. Returns the unknowns counted. Out of memory for the scratch (a new
 * largest pod count), pod-level workloads get no request this time. */
size_t cs_podmeta_annotate(cs_podmeta *pm, const cs_podlist *pl, cs_workload *w, size_t n, cs_pod_unknown_fn unknown,
                           void *ud);

/* The same from the kubelet client's current index, counting unknowns as
 * cs_kubelet_note_unknown says: returns how many workloads are worth an
 * early refresh (cs_kubelet_maybe_refresh). */
size_t cs_podmeta_annotate_kubelet(cs_podmeta *pm, cs_kubelet *k, cs_workload *w, size_t n);

/* Frees the scratch; a zeroed or freed one is a no-op. */
void cs_podmeta_free(cs_podmeta *pm);

#endif
