/* fuzz_kubelet_json.c - libFuzzer target for the kubelet /pods parser.
 *
 * Parses the input as a PodList, checks the index's invariants (every pod and
 * container is found by its key, container slices stay inside the arrays,
 * label strings inside the pool, requests finite and non-negative, every
 * pod has an owner (k8s/owner.h) of valid characters, a bare pod itself), then
 * annotates workloads built from what was parsed and resolves their teams,
 * so the whole metadata path runs on hostile input.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attribution/pod_meta.h"
#include "attribution/workload.h"
#include "conf/conf.h"
#include "k8s/kubelet.h"
#include "ownership/teams.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An owner kind and name as k8s/owner.c writes them: not empty, NUL-ended
 * inside its array, letters, digits and "-._" only (so no label escaping). */
static void check_owner(const cs_k8s_pod *p)
{
	size_t nk = strnlen(p->owner_kind, sizeof(p->owner_kind)), nn = strnlen(p->owner, sizeof(p->owner));

	if (nk == 0 || nk == sizeof(p->owner_kind) || nn == 0 || nn == sizeof(p->owner))
		abort();
	if (strspn(p->owner, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") != nn)
		abort();
	if (strcmp(p->owner_kind, "Pod") == 0 && strcmp(p->owner, p->name) != 0)
		abort();
}

static void check_req(double cpu, double mem)
{
	if (!isfinite(cpu) || !isfinite(mem) || cpu < 0 || mem < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cs_podlist pl;
	cs_workload w[16];
	cs_podmeta pm = {0};
	size_t i, n = 0;
	uint32_t j;

	if (cs_kubelet_parse_pods((const char *)data, size, &pl) != 0)
		return 0;
	for (i = 0; i < pl.n_pods; i++) {
		const cs_k8s_pod *p = &pl.pods[i];

		if (cs_podlist_find_pod(&pl, p->uid) != p)
			abort();
		if ((size_t)p->first_ctr + p->n_ctrs > pl.n_ctrs || (size_t)p->first_label + p->n_labels > pl.n_labels)
			abort();
		check_req(p->cpu_request_cores, p->mem_request_bytes);
		check_owner(p);
		for (j = 0; j < p->n_labels; j++) {
			const cs_k8s_label *l = &pl.labels[p->first_label + j];

			if (l->key >= pl.pool_len || l->value >= pl.pool_len)
				abort();
			if (cs_podlist_pod_label(&pl, p, pl.pool + l->key) == NULL)
				abort();
		}
		for (j = 0; j < p->n_ctrs; j++) {
			const cs_k8s_container *c = &pl.ctrs[p->first_ctr + j];

			if (c->pod != i)
				abort();
			check_req(c->cpu_request_cores, c->mem_request_bytes);
			if (c->id[0] && cs_podlist_find_container(&pl, c->id) != c)
				abort();
			if (n < sizeof(w) / sizeof(w[0])) {
				memset(&w[n], 0, sizeof(w[n]));
				w[n].ident.kind = (n % 3 == 2) ? CS_WL_POD : CS_WL_CONTAINER;
				memcpy(w[n].ident.pod_uid, p->uid, sizeof(w[n].ident.pod_uid));
				memcpy(w[n].ident.container_id, c->id, sizeof(w[n].ident.container_id));
				n++;
			}
		}
	}
	if (n < sizeof(w) / sizeof(w[0])) {
		memset(&w[n], 0, sizeof(w[n]));
		w[n].ident.kind = CS_WL_SERVICE;
		memcpy(w[n].ident.unit, "nginx.service", 14);
		n++;
	}
	if (cs_podmeta_annotate(&pm, &pl, w, n, NULL, NULL) != 0)
		abort(); /* every uid came from the index */
	cs_podmeta_free(&pm);
	for (i = 0; i < n; i++)
		check_req(w[i].cpu_request_cores, w[i].mem_request_bytes);
	{
		/* the built-in [teams] */
		static const cs_conf_section *const secs[] = {&cs_teams_section};
		cs_conf *tc = NULL;

		if (cs_conf_build(secs, 1, NULL, &tc, NULL, 0) != 0)
			abort();
		cs_teams_resolve(cs_conf_get(tc, &cs_teams_section), &pl, w, n);
		cs_conf_free(tc);
	}
	for (i = 0; i < n; i++)
		if (!memchr(w[i].team, '\0', sizeof(w[i].team)) || (w[i].team[0] && !cs_teams_valid_team(w[i].team)))
			abort();
	cs_podlist_free(&pl);
	return 0;
}
