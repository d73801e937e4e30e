/* ownership/teams.c - team resolution from pod labels and the config maps.
 * The rules and why are in teams.h. */
#include "ownership/teams.h"

#include <string.h>

static void teams_set(cs_workload *w, const char *team, const char *source)
{
	size_t n = strnlen(team, sizeof(w->team) - 1);

	memcpy(w->team, team, n);
	w->team[n] = '\0';
	n = strnlen(source, sizeof(w->team_source) - 1);
	memcpy(w->team_source, source, n);
	w->team_source[n] = '\0';
}

static void teams_one_pod(const cs_teams_conf *t, const cs_podlist *pods, cs_workload *w)
{
	const cs_k8s_pod *p = pods ? cs_podlist_find_pod(pods, w->ident.pod_uid) : NULL;
	const char *ns = w->namespace_, *team;
	size_t i;

	if (p) {
		for (i = 0; i < t->label_keys.n; i++) {
			const char *v = cs_podlist_pod_label(pods, p, t->label_keys.v[i]);

			if (v && cs_teams_valid_team(v)) {
				teams_set(w, v, "label");
				return;
			}
		}
		ns = p->namespace_;
	}
	team = ns[0] ? cs_conf_map_get(&t->namespaces, ns) : NULL;
	if (team)
		teams_set(w, team, "namespace-map");
	else if (ns[0])
		teams_set(w, ns, "namespace");
	else
		teams_set(w, "", "");
}

size_t cs_teams_resolve(const cs_teams_conf *t, const cs_podlist *pods, cs_workload *w, size_t n)
{
	size_t i, left = 0;

	if (!w || !t)
		return 0;
	for (i = 0; i < n; i++) {
		const char *team;

		if (w[i].ident.pod_uid[0]) {
			teams_one_pod(t, pods, &w[i]);
		} else if ((w[i].ident.kind == CS_WL_SERVICE || w[i].ident.kind == CS_WL_SESSION) &&
		           (team = cs_teams_service_team(t, w[i].ident.unit)) != NULL) {
			teams_set(&w[i], team, "service-map");
		} else {
			teams_set(&w[i], t->default_team, "default");
		}
		if (!w[i].team[0])
			left++;
	}
	return left;
}
