/* cli/conf_file.c - carbonstat.ini for ledger and billing (see conf_file.h). */
#include "cli/conf_file.h"

#include <stdlib.h>

#include <carbonstat/error.h>

#include "agent/agent.h"
#include "core/why.h"
#include "ledger/lconf.h"

extern char **environ;

int cli_conf_load(const char *path, cs_conf **out, char *why, size_t whycap)
{
	const cs_conf_section *secs[CS_AGENT_SECTIONS_MAX + 8];
	size_t n = cs_agent_sections(secs, CS_AGENT_SECTIONS_MAX);
	cs_conf_layers l = {.path = path ? path : getenv("CARBONSTAT_CONFIG"), .envp = environ};

	if (n > CS_AGENT_SECTIONS_MAX) {
		cs_set_why(why, whycap, "internal: more than %d agent sections", CS_AGENT_SECTIONS_MAX);
		return CS_ERANGE;
	}
	n += cs_lg_sections(secs + n, 8);
	return cs_conf_build(secs, n, &l, out, why, whycap);
}
