/* attribution/pod_meta.c - pod index -> workload names and requests (see
 * pod_meta.h). Two passes: names and container requests (noting per pod
 * what its container workloads carry), then pod-level workloads. */
#include "attribution/pod_meta.h"

#include <stdlib.h>
#include <string.h>

#include "core/str.h"

/* Scratch for npods pods, zeroed; false when it cannot grow. */
static bool carry_ready(cs_podmeta *pm, size_t npods)
{
	if (npods > pm->cap) {
		size_t cap = pm->cap ? pm->cap : 64;
		double *c;

		while (cap < npods)
			cap *= 2;
		c = realloc(pm->carry, 2 * cap * sizeof(*c));
		if (!c)
			return false;
		pm->carry = c;
		pm->cap = cap;
	}
	if (npods)
		memset(pm->carry, 0, 2 * npods * sizeof(*pm->carry));
	return true;
}

size_t cs_podmeta_annotate(cs_podmeta *pm, const cs_podlist *pl, cs_workload *w, size_t n, cs_pod_unknown_fn unknown,
                           void *ud)
{
	bool carry;
	size_t unknowns = 0;

	if (!pm || !pl || (n && !w))
		return 0;
	carry = carry_ready(pm, pl->n_pods);
	/* pass 1: names, and container requests (noting what each pod's
	 * containers carry) */
	for (size_t i = 0; i < n; i++) {
		const cs_k8s_pod *p;
		const cs_k8s_container *c;
		size_t pi;

		if (!w[i].ident.pod_uid[0])
			continue;
		p = cs_podlist_find_pod(pl, w[i].ident.pod_uid);
		if (!p) {
			if (!unknown || unknown(ud, w[i].ident.pod_uid, NULL))
				unknowns++;
			continue;
		}
		pi = (size_t)(p - pl->pods);
		cs_strcpy_fit(w[i].pod_name, sizeof(w[i].pod_name), p->name);
		cs_strcpy_fit(w[i].namespace_, sizeof(w[i].namespace_), p->namespace_);
		cs_strcpy_fit(w[i].owner_kind, sizeof(w[i].owner_kind), p->owner_kind);
		cs_strcpy_fit(w[i].owner, sizeof(w[i].owner), p->owner);
		if (w[i].ident.kind == CS_WL_POD)
			continue;
		c = w[i].ident.container_id[0] ? cs_podlist_find_container(pl, w[i].ident.container_id) : NULL;
		if (c && c->pod == (uint32_t)pi) {
			cs_strcpy_fit(w[i].container_name, sizeof(w[i].container_name), c->name);
			w[i].cpu_request_cores = c->cpu_request_cores;
			w[i].mem_request_bytes = c->mem_request_bytes;
			if (carry) {
				pm->carry[2 * pi] += c->cpu_request_cores;
				pm->carry[2 * pi + 1] += c->mem_request_bytes;
			}
		} else {
			/* the sandbox (pause) container, or one started since the
			 * last refresh: it holds no request of its own */
			w[i].container_name[0] = '\0';
			w[i].cpu_request_cores = 0;
			w[i].mem_request_bytes = 0;
			/* Just discovered: most likely a container restarted with a
			 * new id (the kubelet lists it by now); once, while fresh,
			 * so a pod's sandbox (never listed) asks only once. */
			if (w[i].fresh && w[i].ident.container_id[0] &&
			    (!unknown || unknown(ud, w[i].ident.pod_uid, w[i].ident.container_id)))
				unknowns++;
		}
	}
	/* pass 2: pod-level workloads get what no container workload carries */
	for (size_t i = 0; i < n; i++) {
		const cs_k8s_pod *p;
		double cpu = 0, mem = 0;

		if (!w[i].ident.pod_uid[0] || w[i].ident.kind != CS_WL_POD)
			continue;
		p = cs_podlist_find_pod(pl, w[i].ident.pod_uid);
		if (!p)
			continue;
		if (carry) {
			size_t pi = (size_t)(p - pl->pods);

			cpu = p->cpu_request_cores - pm->carry[2 * pi];
			mem = p->mem_request_bytes - pm->carry[2 * pi + 1];
		}
		/* rounding of the sums must not leave crumbs */
		w[i].cpu_request_cores = cpu > p->cpu_request_cores * 1e-9 ? cpu : 0;
		w[i].mem_request_bytes = mem > p->mem_request_bytes * 1e-9 ? mem : 0;
		w[i].container_name[0] = '\0';
	}
	return unknowns;
}

static bool note_unknown(void *ud, const char *uid, const char *ctr_id)
{
	return cs_kubelet_note_unknown(ud, uid, ctr_id);
}

size_t cs_podmeta_annotate_kubelet(cs_podmeta *pm, cs_kubelet *k, cs_workload *w, size_t n)
{
	if (!k)
		return 0;
	return cs_podmeta_annotate(pm, cs_kubelet_pods(k), w, n, note_unknown, k);
}

void cs_podmeta_free(cs_podmeta *pm)
{
	if (!pm)
		return;
	free(pm->carry);
	*pm = (cs_podmeta){0};
}
