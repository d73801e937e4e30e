/* fuzz_config.c - libFuzzer target for carbonstat.ini: the conf engine
 * (libinih underneath) with every registered section (agent/registry.c).
 *
 * A failure must give exactly one line of error text naming the input and a
 * line number ("f.ini:12: ...") or, for a rule across keys, the section
 * ("[grid] lat given without lon ..."). A success must give values that pass
 * their own validators, sorted duplicate-free maps, and a --check-config
 * dump that reads back to the same dump.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "k8s/kubelet.h"
#include "ownership/teams.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_map(const cs_conf_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		if (!cs_teams_valid_team(m->v[i].value) || cs_conf_map_get(m, m->v[i].key) != m->v[i].value)
			abort();
		if (i && strcmp(m->v[i - 1].key, m->v[i].key) >= 0)
			abort();
	}
}

/* The dump of c into *buf (malloc'd). */
static void dump(const cs_conf *c, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	if (!f)
		abort();
	cs_conf_dump(c, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const cs_conf_section *secs[CS_AGENT_SECTIONS_MAX];
	size_t n = cs_agent_sections(secs, CS_AGENT_SECTIONS_MAX), len1, len2;
	cs_conf_layers l = {.text = (const char *)data, .text_len = size, .text_name = "f.ini"};
	const cs_teams_conf *t;
	const cs_kubelet_conf *k;
	cs_conf *c = NULL, *back = NULL;
	char err[768], *d1 = NULL, *d2 = NULL;

	if (cs_conf_build(secs, n, &l, &c, err, sizeof(err)) != 0) {
		if ((strncmp(err, "f.ini:", 6) != 0 && err[0] != '[') || strchr(err, '\n'))
			abort();
		return 0;
	}
	t = cs_conf_get(c, &cs_teams_section);
	k = cs_conf_get(c, &cs_kubelet_section);
	if (!cs_teams_valid_team(t->default_team) || t->label_keys.n > CS_TEAMS_LABEL_KEYS_MAX)
		abort();
	for (size_t i = 0; i < t->label_keys.n; i++)
		if (!cs_teams_valid_label_key(t->label_keys.v[i]))
			abort();
	if (!(k->refresh_s >= 5 && k->refresh_s <= 86400) || !(k->timeout_s > 0 && k->timeout_s <= 60))
		abort();
	check_map(&t->namespaces);
	check_map(&t->services);
	(void)cs_teams_service_team(t, "getty@tty1.service");

	/* the dump reads back, to the same dump (secrets aside: they are comments) */
	dump(c, &d1, &len1);
	l = (cs_conf_layers){.text = d1, .text_len = len1, .text_name = "f.ini"};
	if (cs_conf_build(secs, n, &l, &back, err, sizeof(err)) != 0) {
		fprintf(stderr, "dump does not read back: %s\n%s", err, d1);
		abort();
	}
	dump(back, &d2, &len2);
	if (!strstr(d1, "<set, hidden>") && strcmp(strchr(d1, '\n'), strchr(d2, '\n')) != 0) {
		fprintf(stderr, "dump changed on reading back:\n%s\n---\n%s", d1, d2);
		abort();
	}
	free(d1);
	free(d2);
	cs_conf_free(back);
	cs_conf_free(c);
	return 0;
}
