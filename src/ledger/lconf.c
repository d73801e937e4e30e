/* ledger/lconf.c - see lconf.h. */
#include "ledger/lconf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "carbonstat/error.h"
#include "core/parse.h"
#include "core/str.h"
#include "core/why.h"

#define CONF_FILE_MAX (1u << 20)

void cs_lg_conf_init(cs_lg_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->lock_timeout_s = 60;
	cs_strcpy_fit(c->cost_split, sizeof(c->cost_split), "energy");
	cs_strcpy_fit(c->functional_unit, sizeof(c->functional_unit), "unit");
}

void cs_lg_conf_free(cs_lg_conf *c)
{
	if (!c)
		return;
	free(c->sci);
	free(c->budgets);
	c->sci = NULL;
	c->budgets = NULL;
	c->nsci = c->nbudgets = 0;
}

static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Cuts an inline comment: ';' or '#' after a blank, outside quotes. */
static void cut_comment(char *s)
{
	bool q = false;

	for (char *p = s; *p; p++) {
		if (*p == '"')
			q = !q;
		else if (!q && (*p == ';' || *p == '#') && p > s && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

typedef struct seen_keys {
	char k[64][80];
	unsigned line[64];
	size_t n;
} seen_keys;

static int set_ledger(cs_lg_conf *c, const char *key, const char *val, char *why, size_t whycap)
{
	if (!strcmp(key, "db")) {
		if (!cs_strcpy_fit(c->db, sizeof(c->db), val))
			goto too_long;
	} else if (!strcmp(key, "cluster")) {
		if (!cs_strcpy_fit(c->cluster, sizeof(c->cluster), val))
			goto too_long;
	} else if (!strcmp(key, "prices")) {
		if (!cs_strcpy_fit(c->prices, sizeof(c->prices), val))
			goto too_long;
	} else if (!strcmp(key, "prometheus")) {
		if (!cs_strcpy_fit(c->prometheus, sizeof(c->prometheus), val))
			goto too_long;
	} else if (!strcmp(key, "cost_split")) {
		if (strcmp(val, "energy") && strcmp(val, "cpu-memory")) {
			cs_set_why(why, whycap, "cost_split '%s' is not energy or cpu-memory", val);
			return CS_EINVAL;
		}
		cs_strcpy_fit(c->cost_split, sizeof(c->cost_split), val);
	} else if (!strcmp(key, "lock_timeout")) {
		double s;

		if (cs_parse_duration(val, &s) != 0 || s > 86400) {
			cs_set_why(why, whycap, "lock_timeout '%s' is not a duration up to 24h (e.g. 60s)", val);
			return CS_EINVAL;
		}
		c->lock_timeout_s = s;
	} else {
		cs_set_why(why, whycap, "unknown key '%s' in [ledger]; known: db, cluster, prices, cost_split, "
		                        "lock_timeout, prometheus",
		           key);
		return CS_EINVAL;
	}
	return 0;
too_long:
	cs_set_why(why, whycap, "[ledger] %s is too long", key);
	return CS_EINVAL;
}

static int set_sci(cs_lg_conf *c, const char *key, const char *val, unsigned line, char *why, size_t whycap)
{
	cs_lg_sci *e, *nv;
	const char *name;

	if (!strcmp(key, "functional_unit")) {
		if (!*val || !cs_strcpy_fit(c->functional_unit, sizeof(c->functional_unit), val)) {
			cs_set_why(why, whycap, "functional_unit must be a short name such as request");
			return CS_EINVAL;
		}
		return 0;
	}
	if (cs_starts_with(key, "team."))
		name = key + 5;
	else if (cs_starts_with(key, "owner."))
		name = key + 6;
	else {
		cs_set_why(why, whycap,
		           "key '%s' in [sci] is not functional_unit, team.NAME or owner.NAMESPACE/OWNER = a PromQL query",
		           key);
		return CS_EINVAL;
	}
	if (!*name || !*val) {
		cs_set_why(why, whycap, "[sci] %s needs a name and a PromQL query", key);
		return CS_EINVAL;
	}
	nv = realloc(c->sci, (c->nsci + 1) * sizeof(*nv));
	if (!nv) {
		cs_set_why(why, whycap, "out of memory");
		return CS_ENOMEM;
	}
	c->sci = nv;
	e = &c->sci[c->nsci];
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s:%s", key[0] == 't' ? "team" : "owner", name);
	if (!cs_strcpy_fit(e->query, sizeof(e->query), val) || strlen(name) >= CS_LG_STR_MAX) {
		cs_set_why(why, whycap, "[sci] %s is too long", key);
		return CS_EINVAL;
	}
	e->line = line;
	c->nsci++;
	return 0;
}

static int set_budget(cs_lg_conf *c, const char *key, const char *val, unsigned line, char *why, size_t whycap)
{
	cs_lg_budget *b, *nv;
	double kg;

	if (cs_parse_double(val, &kg) != 0 || kg < 0) {
		cs_set_why(why, whycap, "budget of team '%s' is '%s', not kgCO2e per month >= 0", key, val);
		return CS_EINVAL;
	}
	nv = realloc(c->budgets, (c->nbudgets + 1) * sizeof(*nv));
	if (!nv) {
		cs_set_why(why, whycap, "out of memory");
		return CS_ENOMEM;
	}
	c->budgets = nv;
	b = &c->budgets[c->nbudgets];
	memset(b, 0, sizeof(*b));
	if (!cs_strcpy_fit(b->team, sizeof(b->team), key)) {
		cs_set_why(why, whycap, "budget team name '%s' is too long", key);
		return CS_EINVAL;
	}
	b->kg_per_month = kg;
	b->line = line;
	c->nbudgets++;
	return 0;
}

int cs_lg_conf_parse(const char *buf, size_t len, const char *name, cs_lg_conf *c, char *why, size_t whycap)
{
	enum { S_OTHER, S_LEDGER, S_SCI, S_BUDGET } sec = S_OTHER;
	char *copy, *p, *end;
	seen_keys *seen;
	unsigned line = 0;
	char msg[400];
	int rc = 0;

	if (!name)
		name = "<config>";
	if (memchr(buf, '\0', len)) {
		cs_set_why(why, whycap, "%s: holds a NUL byte; not a text configuration file", name);
		return CS_EINVAL;
	}
	copy = malloc(len + 1);
	seen = calloc(1, sizeof(*seen));
	if (!copy || !seen) {
		free(copy);
		free(seen);
		cs_set_why(why, whycap, "%s: out of memory", name);
		return CS_ENOMEM;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	p = copy;
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	for (; *p && !rc; p = end) {
		char *l, *eq, *key, *val;

		end = strchr(p, '\n');
		if (end)
			*end++ = '\0';
		else
			end = p + strlen(p);
		line++;
		l = trim(p);
		if (!*l || *l == ';' || *l == '#')
			continue;
		if (*l == '[') {
			char *close = strchr(l, ']');

			if (!close || *trim(close + 1)) {
				snprintf(msg, sizeof(msg), "'%s' is not a [section] header", l);
				rc = CS_EINVAL;
				break;
			}
			*close = '\0';
			l = trim(l + 1);
			sec = !strcmp(l, "ledger") ? S_LEDGER : !strcmp(l, "sci") ? S_SCI : !strcmp(l, "budget") ? S_BUDGET : S_OTHER;
			continue;
		}
		if (sec == S_OTHER)
			continue;
		eq = strchr(l, '=');
		if (!eq) {
			snprintf(msg, sizeof(msg), "'%.60s' is not key = value", l);
			rc = CS_EINVAL;
			break;
		}
		*eq = '\0';
		key = trim(l);
		val = eq + 1;
		cut_comment(val);
		val = trim(val);
		{
			char full[80];

			snprintf(full, sizeof(full), "%d.%.70s", (int)sec, key);
			for (size_t i = 0; i < seen->n; i++)
				if (!strcmp(seen->k[i], full)) {
					snprintf(msg, sizeof(msg), "key '%s' given twice (line %u too); keep one", key, seen->line[i]);
					rc = CS_EINVAL;
				}
			if (rc)
				break;
			if (seen->n < 64) {
				cs_strcpy_fit(seen->k[seen->n], sizeof(seen->k[0]), full);
				seen->line[seen->n++] = line;
			}
		}
		msg[0] = '\0';
		if (sec == S_LEDGER)
			rc = set_ledger(c, key, val, msg, sizeof(msg));
		else if (sec == S_SCI)
			rc = set_sci(c, key, val, line, msg, sizeof(msg));
		else
			rc = set_budget(c, key, val, line, msg, sizeof(msg));
	}
	if (rc)
		cs_set_why(why, whycap, "%s:%u: %s", name, line, msg);
	free(copy);
	free(seen);
	return rc;
}

int cs_lg_conf_load(const char *path, cs_lg_conf *c, char *why, size_t whycap)
{
	FILE *f;
	struct stat sb;
	char *buf;
	size_t n;
	int rc;

	if (!path || !*path)
		return 0;
	f = fopen(path, "rb");
	if (!f) {
		int err = errno;

		cs_set_why(why, whycap, "cannot read configuration %s: %s; check --config or CARBONSTAT_CONFIG", path,
		           strerror(err));
		return -err;
	}
	if (fstat(fileno(f), &sb) != 0 || (unsigned long long)sb.st_size > CONF_FILE_MAX) {
		fclose(f);
		cs_set_why(why, whycap, "configuration %s is larger than 1 MB", path);
		return CS_ERANGE;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		fclose(f);
		cs_set_why(why, whycap, "out of memory");
		return CS_ENOMEM;
	}
	n = fread(buf, 1, (size_t)sb.st_size, f);
	fclose(f);
	rc = cs_lg_conf_parse(buf, n, path, c, why, whycap);
	free(buf);
	return rc;
}
