/* agent/registry.c - the sections of carbonstat.ini, in file order: one
 * line per module section here, then every exporter's own section (one line
 * per exporter in exporters/registry.c). The agent's flags, environment
 * variables, --check-config and `--help-config` all come from this list. */
#include "agent/agent.h"
#include "attribution/attribute.h"
#include "carbon/grid_live.h"
#include "exporters/exporter.h"
#include "k8s/kubelet.h"
#include "ownership/teams.h"

static const cs_conf_section *const agent_module_sections[] = {
    &cs_agent_section, &cs_attr_section, &cs_kubelet_section, &cs_teams_section, &cs_grid_section,
};

size_t cs_agent_sections(const cs_conf_section **out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < CS_CONF_N(agent_module_sections); i++, n++)
		if (n < cap)
			out[n] = agent_module_sections[i];
	for (size_t i = 0; i < cs_exporters_len; i++, n++)
		if (n < cap)
			out[n] = cs_exporters[i]->conf;
	return n;
}
