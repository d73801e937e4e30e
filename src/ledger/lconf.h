/* ledger/lconf.h - the ledger's sections of the configuration file.
 *
 *   [ledger]
 *   db = sqlite:/var/lib/carbonstat/ledger.db   ; or postgresql://host/db
 *   cluster = prod-eu                ; for agent lines/series without one
 *   prices = /etc/carbonstat/prices.csv
 *   cost_split = energy              ; energy | cpu-memory
 *   lock_timeout = 60s
 *   prometheus = http://prometheus:9090
 *
 *   [sci]                            ; SCI functional units, per team or owner
 *   functional_unit = request
 *   team.checkout = sum(increase(http_requests_total{namespace="checkout"}[1h]))
 *   owner.shop/api = sum(increase(http_requests_total{job="api"}[1h]))
 *
 *   [budget]                         ; kgCO2e per month, per team
 *   checkout = 120
 *
 * Interim: the configuration engine (src/conf) is being rewritten into a
 * registry that modules add their sections to; until it lands, this reader
 * handles these three sections itself, behind cs_lg_conf_load, and ignores
 * the others (they are the agent's). It is a line reader, not libinih,
 * because Debian's libinih cuts lines at 200 bytes and a PromQL query is
 * often longer. Strict within its sections: an unknown key, a key given
 * twice, a bad value is one line naming file:line.
 */
#ifndef CS_LEDGER_LCONF_H
#define CS_LEDGER_LCONF_H

#include <stddef.h>

#include "ledger/store.h"

#define CS_LG_QUERY_MAX 4096

typedef struct cs_lg_sci {
	char key[CS_LG_STR_MAX + 8]; /* "team:checkout", "owner:shop/api" */
	char query[CS_LG_QUERY_MAX];
	unsigned line;
} cs_lg_sci;

typedef struct cs_lg_budget {
	char team[CS_LG_STR_MAX];
	double kg_per_month;
	unsigned line;
} cs_lg_budget;

typedef struct cs_lg_conf {
	char db[1024];
	char cluster[CS_LG_STR_MAX];
	char prices[1024];
	char cost_split[16];
	double lock_timeout_s;
	char prometheus[1024];
	char functional_unit[64];
	cs_lg_sci *sci;
	size_t nsci;
	cs_lg_budget *budgets;
	size_t nbudgets;
} cs_lg_conf;

/* Defaults: everything empty, lock_timeout 60 s, cost_split energy,
 * functional_unit "unit". */
void cs_lg_conf_init(cs_lg_conf *c);
/* Reads path's [ledger], [sci] and [budget] over the defaults; path NULL
 * or "" leaves the defaults. 0, or CS_EINVAL / -errno with one line. */
int cs_lg_conf_load(const char *path, cs_lg_conf *c, char *why, size_t whycap);
/* The same from a buffer (name for messages). */
int cs_lg_conf_parse(const char *buf, size_t len, const char *name, cs_lg_conf *c, char *why, size_t whycap);
void cs_lg_conf_free(cs_lg_conf *c); /* NULL is a no-op */

#endif
