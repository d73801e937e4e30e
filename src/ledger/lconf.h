/* ledger/lconf.h - the ledger's sections of carbonstat.ini, registered with
 * the configuration engine (conf/conf.h), and the view the ledger reads.
 *
 *   [ledger]
 *   db = sqlite:/var/lib/carbonstat/ledger.db   ; or postgresql://host/db (secret)
 *   cluster = prod-eu                ; for agent lines/series without one
 *                                    ; (default: [agent] cluster)
 *   prices = /etc/carbonstat/prices.csv
 *   cost_split = energy              ; energy | cpu-memory
 *   lock_timeout = 60s
 *   prometheus = http://prometheus:9090
 *
 *   [sci]                            ; SCI functional units (ISO/IEC 21031)
 *   functional_unit = request
 *   [sci.team]                       ; team = PromQL of its units per hour
 *   checkout = sum(increase(http_requests_total{namespace="checkout"}[1h]))
 *   [sci.owner]                      ; namespace/owner = PromQL
 *   shop/api = sum(increase(http_requests_total{job="api"}[1h]))
 *
 *   [budget.team]                    ; kgCO2e per calendar month
 *   checkout = 120
 *
 * The engine parses, layers (file < CARBONSTAT_LEDGER_DB ... < flags),
 * checks and documents these; cs_lg_conf_from turns a built configuration
 * into the flat view below (queries and budgets as arrays), which import,
 * sync and report take. The maps are [section.key] sections because that is
 * how the engine spells free-form name = value lists.
 */
#ifndef CS_LEDGER_LCONF_H
#define CS_LEDGER_LCONF_H

#include <stddef.h>

#include "conf/conf.h"
#include "ledger/store.h"

#define CS_LG_QUERY_MAX 4096

/* The sections' own structs (what the engine fills). */
typedef enum cs_lg_split_name { CS_LG_SPLIT_NAME_ENERGY = 0, CS_LG_SPLIT_NAME_CPU_MEMORY } cs_lg_split_name;

typedef struct cs_lg_ledger_conf {
	char db[CS_CONF_PATH_MAX * 2]; /* URL or path; "" = the default */
	char cluster[CS_LG_STR_MAX];
	char prices[CS_CONF_PATH_MAX];
	int cost_split; /* cs_lg_split_name */
	double lock_timeout_s;
	char prometheus[CS_CONF_PATH_MAX];
} cs_lg_ledger_conf;

typedef struct cs_lg_sci_conf {
	char functional_unit[64];
	cs_conf_map team, owner;
} cs_lg_sci_conf;

typedef struct cs_lg_budget_conf {
	cs_conf_map team;
} cs_lg_budget_conf;

extern const cs_conf_section cs_ledger_section, cs_sci_section, cs_budget_section;

/* The ledger's sections; writes up to cap, returns how many there are. */
size_t cs_lg_sections(const cs_conf_section **out, size_t cap);

/* ---- the view -------------------------------------------------------------------------- */

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
	char db[CS_CONF_PATH_MAX * 2];
	char cluster[CS_LG_STR_MAX];
	char prices[CS_CONF_PATH_MAX];
	char cost_split[16];
	double lock_timeout_s;
	char prometheus[CS_CONF_PATH_MAX];
	char functional_unit[64];
	cs_lg_sci *sci;
	size_t nsci;
	cs_lg_budget *budgets;
	size_t nbudgets;
} cs_lg_conf;

/* The defaults (those of the sections' tables). */
void cs_lg_conf_init(cs_lg_conf *c);
/* The view of a built configuration (c NULL = the defaults); out is
 * overwritten. 0 or CS_ENOMEM. */
int cs_lg_conf_from(const cs_conf *c, cs_lg_conf *out);
/* For tests and tools: the ledger's sections alone from INI text (name for
 * messages) into the view. 0, or the engine's error with one line in why. */
int cs_lg_conf_parse(const char *buf, size_t len, const char *name, cs_lg_conf *c, char *why, size_t whycap);
void cs_lg_conf_free(cs_lg_conf *c); /* NULL is a no-op; c is left empty (zeroed) */

#endif
