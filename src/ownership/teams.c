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

static void teams_one_pod(const cs_config *cfg, const cs_podlist *pods, cs_workload *w)
{
	const cs_k8s_pod *p = pods ? cs_podlist_find_pod(pods, w->ident.pod_uid) : NULL;
	const char *ns = w->namespace_, *t;
	size_t i;

	if (p) {
		for (i = 0; i < cfg->teams.n_label_keys; i++) {
			const char *v = cs_podlist_pod_label(pods, p, cfg->teams.label_keys[i]);

			if (v && cs_cfg_valid_team(v)) {
				teams_set(w, v, "label");
				return;
			}
		}
		ns = p->namespace_;
	}
	t = cs_config_namespace_team(cfg, ns);
	if (t)
		teams_set(w, t, "namespace-map");
	else if (ns[0])
		teams_set(w, ns, "namespace");
	else
		teams_set(w, "", "");
}

size_t cs_teams_resolve(const cs_config *cfg, const cs_podlist *pods, cs_workload *w, size_t n)
{
	cs_config builtin;
	size_t i, left = 0;

	if (!w)
		return 0;
	if (!cfg) {
		cs_config_init(&builtin); /* no allocation */
		cfg = &builtin;
	}
	for (i = 0; i < n; i++) {
		const char *t;

		if (w[i].ident.pod_uid[0]) {
			teams_one_pod(cfg, pods, &w[i]);
		} else if ((w[i].ident.kind == CS_WL_SERVICE || w[i].ident.kind == CS_WL_SESSION) &&
		           (t = cs_config_service_team(cfg, w[i].ident.unit)) != NULL) {
			teams_set(&w[i], t, "service-map");
		} else {
			teams_set(&w[i], cfg->teams.default_team, "default");
		}
		if (!w[i].team[0])
			left++;
	}
	return left;
}
