/* fuzz_config.c - libFuzzer target for conf/config (libinih underneath).
 *
 * A success must give a config whose every value passes its own validator and
 * whose maps are sorted and duplicate-free; a failure must give exactly one
 * line of error text that starts with the input's name and a line number.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_map(const cs_cfg_map *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (!cs_cfg_valid_team(m->v[i].team))
			abort();
		if (i && strcmp(m->v[i - 1].key, m->v[i].key) >= 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cs_config c;
	char err[512];
	size_t i;

	if (cs_config_parse((const char *)data, size, "f.ini", &c, err, sizeof(err)) != 0) {
		if (strncmp(err, "f.ini:", 6) != 0 || strchr(err, '\n'))
			abort();
		return 0;
	}
	if (!cs_cfg_valid_team(c.teams.default_team) || c.teams.n_label_keys > CS_CFG_LABEL_KEYS_MAX)
		abort();
	for (i = 0; i < c.teams.n_label_keys; i++)
		if (!cs_cfg_valid_label_key(c.teams.label_keys[i]))
			abort();
	if (!(c.kubelet.refresh_s >= 5 && c.kubelet.refresh_s <= 86400) ||
	    !(c.kubelet.timeout_s > 0 && c.kubelet.timeout_s <= 60))
		abort();
	check_map(&c.teams.namespaces);
	check_map(&c.teams.services);
	for (i = 0; i < c.teams.namespaces.n; i++)
		if (cs_config_namespace_team(&c, c.teams.namespaces.v[i].key) != c.teams.namespaces.v[i].team)
			abort();
	(void)cs_config_service_team(&c, "getty@tty1.service");
	cs_config_free(&c);
	return 0;
}
