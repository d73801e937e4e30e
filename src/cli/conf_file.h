/* cli/conf_file.h - carbonstat.ini for the commands that read the agent's
 * configuration besides their own (ledger, billing): one file, so the
 * teams, cluster and prices a ledger uses are the agent's.
 */
#ifndef CS_CLI_CONF_FILE_H
#define CS_CLI_CONF_FILE_H

#include <stddef.h>

#include "conf/conf.h"

/* Every section the agent knows and the ledger's are registered (an unknown
 * one is an error); path (NULL: $CARBONSTAT_CONFIG, else none), then
 * CARBONSTAT_<SECTION>_<KEY>. 0, or a negative code with why. */
int cli_conf_load(const char *path, cs_conf **out, char *why, size_t whycap);

#endif
