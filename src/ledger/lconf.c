/* ledger/lconf.c - see lconf.h. */
#include "ledger/lconf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "carbonstat/error.h"
#include "core/parse.h"
#include "core/str.h"
#include "core/why.h"
#include "ownership/teams.h"

static const char *const split_names[] = {"energy", "cpu-memory"};

static int db_ok(const char *v, char *why, size_t cap)
{
	if (cs_starts_with(v, "postgresql://") || cs_starts_with(v, "postgres://") || cs_starts_with(v, "sqlite:") ||
	    (!strstr(v, "://") && v[0]))
		return 0;
	cs_set_why(why, cap, "not sqlite:PATH, a path or postgresql://...");
	return CS_EINVAL;
}

static int query_ok(const char *v, char *why, size_t cap)
{
	if (v[0] && strlen(v) < CS_LG_QUERY_MAX)
		return 0;
	cs_set_why(why, cap, "a PromQL query of the functional units per hour is expected");
	return CS_EINVAL;
}

static int kg_ok(const char *v, char *why, size_t cap)
{
	double kg;

	if (cs_parse_double(v, &kg) == 0 && kg >= 0)
		return 0;
	cs_set_why(why, cap, "kgCO2e per month >= 0 is expected");
	return CS_EINVAL;
}

static int team_key(const char *name, char *out, size_t cap, char *why, size_t whycap)
{
	if (!cs_teams_valid_team(name)) {
		cs_set_why(why, whycap, "'%s' is not a team name (1-63 of A-Z a-z 0-9 . _ -)", name);
		return CS_EINVAL;
	}
	return cs_strcpy_fit(out, cap, name) ? 0 : CS_ERANGE;
}

static int owner_key(const char *name, char *out, size_t cap, char *why, size_t whycap)
{
	const char *slash = strchr(name, '/');

	if (!slash || slash == name || !slash[1] || strchr(slash + 1, '/') || strlen(name) >= CS_LG_STR_MAX) {
		cs_set_why(why, whycap, "'%s' is not NAMESPACE/OWNER", name);
		return CS_EINVAL;
	}
	return cs_strcpy_fit(out, cap, name) ? 0 : CS_ERANGE;
}

static const cs_conf_key ledger_keys[] = {
    {"db", CS_CONF_STRING, CS_CONF_AT(cs_lg_ledger_conf, db), .flags = CS_CONF_SECRET | CS_CONF_NOBLANK, .valid = db_ok,
     .expect = "sqlite:PATH or postgresql://...",
     .help = "the ledger: sqlite:PATH (default $XDG_DATA_HOME/carbonstat/ledger.db) or postgresql://..."},
    {"cluster", CS_CONF_STRING, CS_CONF_AT(cs_lg_ledger_conf, cluster), .chars = "._-",
     .help = "cluster of agent data that names none"},
    {"prices", CS_CONF_PATH, CS_CONF_AT(cs_lg_ledger_conf, prices),
     .help = "price file (CSV: provider,instance_type,region,currency,price_per_hour)"},
    {"cost_split", CS_CONF_ENUM, CS_CONF_AT(cs_lg_ledger_conf, cost_split), .def = "energy", .names = split_names,
     .nnames = CS_CONF_N(split_names), .help = "a node's cost shared by energy, or OpenCost-style by CPU and memory"},
    {"lock_timeout", CS_CONF_DURATION, CS_CONF_AT(cs_lg_ledger_conf, lock_timeout_s), .def = "60s", .min = 0,
     .max = 86400, .flags = CS_CONF_ZERO, .help = "how long an import or sync waits for another one"},
    {"prometheus", CS_CONF_URL, CS_CONF_AT(cs_lg_ledger_conf, prometheus), .flags = CS_CONF_SECRET,
     .help = "Prometheus-compatible HTTP API base for ledger sync"},
};

static const cs_conf_key sci_keys[] = {
    {"functional_unit", CS_CONF_STRING, CS_CONF_AT(cs_lg_sci_conf, functional_unit), .def = "unit", .chars = "_-",
     .help = "what SCI is per (request, order, job...)"},
    {"team", CS_CONF_MAP, CS_CONF_AT(cs_lg_sci_conf, team), .valid = query_ok, .map_key = team_key,
     .expect = "a PromQL query", .help = "team = PromQL of its functional units per hour"},
    {"owner", CS_CONF_MAP, CS_CONF_AT(cs_lg_sci_conf, owner), .valid = query_ok, .map_key = owner_key,
     .expect = "a PromQL query", .help = "namespace/owner = PromQL of its functional units per hour"},
};

static const cs_conf_key budget_keys[] = {
    {"team", CS_CONF_MAP, CS_CONF_AT(cs_lg_budget_conf, team), .valid = kg_ok, .map_key = team_key,
     .expect = "kgCO2e per month", .help = "team = its carbon budget, kgCO2e per calendar month"},
};

const cs_conf_section cs_ledger_section = CS_CONF_SECTION("ledger", cs_lg_ledger_conf, ledger_keys);
const cs_conf_section cs_sci_section = CS_CONF_SECTION("sci", cs_lg_sci_conf, sci_keys);
const cs_conf_section cs_budget_section = CS_CONF_SECTION("budget", cs_lg_budget_conf, budget_keys);

static const cs_conf_section *const lg_sections[] = {&cs_ledger_section, &cs_sci_section, &cs_budget_section};

size_t cs_lg_sections(const cs_conf_section **out, size_t cap)
{
	for (size_t i = 0; i < CS_CONF_N(lg_sections) && i < cap; i++)
		out[i] = lg_sections[i];
	return CS_CONF_N(lg_sections);
}

void cs_lg_conf_free(cs_lg_conf *c)
{
	if (!c)
		return;
	free(c->sci);
	free(c->budgets);
	*c = (cs_lg_conf){0};
}

static int add_sci(cs_lg_conf *c, const char *kind, const cs_conf_map *m)
{
	cs_lg_sci *nv;

	if (!m->n)
		return 0;
	nv = realloc(c->sci, (c->nsci + m->n) * sizeof(*nv));
	if (!nv)
		return CS_ENOMEM;
	c->sci = nv;
	for (size_t i = 0; i < m->n; i++) {
		cs_lg_sci *e = &c->sci[c->nsci++];

		memset(e, 0, sizeof(*e));
		snprintf(e->key, sizeof(e->key), "%s:%s", kind, m->v[i].key);
		cs_strcpy_fit(e->query, sizeof(e->query), m->v[i].value);
		e->line = m->v[i].line;
	}
	return 0;
}

int cs_lg_conf_from(const cs_conf *conf, cs_lg_conf *c)
{
	const cs_lg_ledger_conf *l = conf ? cs_conf_get(conf, &cs_ledger_section) : NULL;
	const cs_lg_sci_conf *s = conf ? cs_conf_get(conf, &cs_sci_section) : NULL;
	const cs_lg_budget_conf *b = conf ? cs_conf_get(conf, &cs_budget_section) : NULL;
	const cs_agent_conf *a = conf ? cs_conf_get(conf, &cs_agent_section) : NULL;

	memset(c, 0, sizeof(*c));
	cs_strcpy_fit(c->cost_split, sizeof(c->cost_split), "energy");
	cs_strcpy_fit(c->functional_unit, sizeof(c->functional_unit), "unit");
	c->lock_timeout_s = 60;
	if (l) {
		cs_strcpy_fit(c->db, sizeof(c->db), l->db);
		cs_strcpy_fit(c->cluster, sizeof(c->cluster), l->cluster);
		cs_strcpy_fit(c->prices, sizeof(c->prices), l->prices);
		cs_strcpy_fit(c->cost_split, sizeof(c->cost_split), split_names[l->cost_split ? 1 : 0]);
		c->lock_timeout_s = l->lock_timeout_s;
		cs_strcpy_fit(c->prometheus, sizeof(c->prometheus), l->prometheus);
	}
	/* one carbonstat.ini for a host's agent and ledger: the agent's cluster
	 * is the default for data that names none */
	if (!c->cluster[0] && a)
		cs_strcpy_fit(c->cluster, sizeof(c->cluster), a->cluster);
	if (s) {
		cs_strcpy_fit(c->functional_unit, sizeof(c->functional_unit), s->functional_unit);
		if (add_sci(c, "team", &s->team) != 0 || add_sci(c, "owner", &s->owner) != 0)
			goto nomem;
	}
	if (b && b->team.n) {
		c->budgets = calloc(b->team.n, sizeof(*c->budgets));
		if (!c->budgets)
			goto nomem;
		for (size_t i = 0; i < b->team.n; i++) {
			cs_lg_budget *e = &c->budgets[c->nbudgets++];

			cs_strcpy_fit(e->team, sizeof(e->team), b->team.v[i].key);
			(void)cs_parse_double(b->team.v[i].value, &e->kg_per_month); /* checked by kg_ok */
			e->line = b->team.v[i].line;
		}
	}
	return 0;
nomem:
	cs_lg_conf_free(c);
	return CS_ENOMEM;
}

void cs_lg_conf_init(cs_lg_conf *c)
{
	(void)cs_lg_conf_from(NULL, c);
}

int cs_lg_conf_parse(const char *buf, size_t len, const char *name, cs_lg_conf *c, char *why, size_t whycap)
{
	cs_conf_layers l = {.text = buf, .text_len = len, .text_name = name};
	cs_conf *conf;
	int rc = cs_conf_build(lg_sections, CS_CONF_N(lg_sections), &l, &conf, why, whycap);

	if (rc)
		return rc;
	rc = cs_lg_conf_from(conf, c);
	cs_conf_free(conf);
	if (rc)
		cs_set_why(why, whycap, "out of memory");
	return rc;
}
