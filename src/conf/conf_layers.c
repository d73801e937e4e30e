/* conf/conf_layers.c - building a cs_conf: defaults, the file, the
 * CARBONSTAT_* environment, the flags, then the sections' own checks.
 *
 * Every layer writes into one fresh cs_conf, which the caller gets only when
 * all of them and the checks pass: nothing is ever half-applied.
 */
#include "conf/conf_impl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/why.h"

/* Sets k from a variable or flag; one line naming it on error. sep is what
 * goes between its name and the value in the message ("=" or " "). */
static int conf_set_from(cs_conf *c, size_t si, const cs_conf_key *k, const char *v, const char *what, const char *sep,
                         char *err, size_t cap)
{
	char why[384];
	int rc = conf_set(k, c->data[si], v, &(conf_origin){NULL, 0, what, NULL}, why, sizeof(why));

	if (rc == CS_ENOMEM)
		cs_set_why(err, cap, "%s: out of memory", what);
	else if (rc && (k->flags & CS_CONF_SECRET))
		cs_set_why(err, cap, "%s: bad value (not shown): %s", what, why);
	else if (rc)
		cs_set_why(err, cap, "%s%s'%.64s': %s", what, sep, v, why);
	return rc;
}

/* ---- environment ------------------------------------------------------------------- */

/* Kubernetes service links: a Service named carbonstat[-x] puts
 * CARBONSTAT[_X]_SERVICE_HOST, _SERVICE_PORT[_NAME], _PORT and
 * _PORT_<n>_<TCP|UDP|SCTP>[_PROTO|_PORT|_ADDR] in every pod of its namespace;
 * no config key looks like these, so they are not settings. */
static bool env_is_service_link(const char *name)
{
	const char *p;
	size_t n = strlen(name);

	if (strstr(name, "_SERVICE_HOST") || strstr(name, "_SERVICE_PORT"))
		return true;
	if (n >= 5 && strcmp(name + n - 5, "_PORT") == 0)
		return true;
	for (p = strstr(name, "_PORT_"); p; p = strstr(p + 1, "_PORT_")) {
		const char *q = p + 6;

		if (*q < '0' || *q > '9')
			continue;
		while (*q >= '0' && *q <= '9')
			q++;
		if (strncmp(q, "_TCP", 4) == 0 || strncmp(q, "_UDP", 4) == 0 || strncmp(q, "_SCTP", 5) == 0)
			return true;
	}
	return false;
}

/* The section whose CARBONSTAT_<SECTION>_ prefixes rest, the longest. */
static size_t env_section(const cs_conf *c, const char *rest, size_t *len)
{
	size_t best = (size_t)-1;

	*len = 0;
	for (size_t j = 0; j < c->n; j++) {
		const char *sn = c->secs[j]->name;
		size_t sl = strlen(sn), q;

		if (strlen(rest) <= sl + 1 || rest[sl] != '_' || sl <= *len)
			continue;
		for (q = 0; q < sl; q++)
			if (toupper((unsigned char)sn[q]) != rest[q] && !(sn[q] == '.' && rest[q] == '_'))
				break;
		if (q == sl) {
			best = j;
			*len = sl;
		}
	}
	return best;
}

static int conf_env(cs_conf *c, char *const *envp, char *err, size_t cap)
{
	const size_t pre = strlen(CS_CONF_ENV_PREFIX);

	for (size_t i = 0; envp[i]; i++) {
		const char *e = envp[i], *eq = strchr(e, '=');
		char name[128], key[96], what[160], known[512];
		const cs_conf_key *k;
		size_t n, si, sl;
		int rc;

		if (strncmp(e, CS_CONF_ENV_PREFIX, pre) != 0 || !eq || (n = (size_t)(eq - e)) >= sizeof(name))
			continue;
		memcpy(name, e, n);
		name[n] = '\0';
		if (strcmp(name, "CARBONSTAT_CONFIG") == 0 || env_is_service_link(name))
			continue; /* the file itself (the caller's), or a Kubernetes service link */
		si = env_section(c, name + pre, &sl);
		if (si == (size_t)-1) {
			cs_set_why(err, cap,
			           "environment %s: unknown setting; use CARBONSTAT_<SECTION>_<KEY> for a config key "
			           "(e.g. CARBONSTAT_AGENT_INTERVAL) or unset it",
			           name);
			return CS_EINVAL;
		}
		snprintf(key, sizeof(key), "%s", name + pre + sl + 1);
		for (char *p = key; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		k = conf_key(c->secs[si], key);
		snprintf(what, sizeof(what), "environment %s", name);
		if (!k || k->type == CS_CONF_MAP) {
			conf_known(c, c->secs[si], known, sizeof(known));
			cs_set_why(err, cap, "%s: unknown key '%s' in [%s]; known keys: %s", what, key,
			           c->secs[si]->name, known);
			return CS_EINVAL;
		}
		rc = conf_set_from(c, si, k, eq + 1, what, "=", err, cap);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- flags -------------------------------------------------------------------------- */

typedef struct flag_mark {
	const cs_conf_flag *by; /* the flag that set this key; NULL = none yet */
	const char *value;
} flag_mark;

static int conf_flag_set(cs_conf *c, size_t si, const cs_conf_flag *f, const char *key, const char *v, flag_mark *marks,
                         size_t mark0, char *err, size_t cap)
{
	const cs_conf_section *s = c->secs[si];
	const cs_conf_key *k = conf_key(s, key);
	char what[96];
	flag_mark *m;

	if (!k) {
		cs_set_why(err, cap, "--%s: no key [%s] %s (a table bug)", f->name, s->name, key);
		return CS_EINVAL;
	}
	m = &marks[mark0 + (size_t)(k - s->keys)];
	if (m->by && strcmp(m->value, v) != 0) {
		if (m->by == f)
			cs_set_why(err, cap, "--%s given twice with different values; give it once", f->name);
		else
			cs_set_why(err, cap, "--%s and --%s contradict each other; give one", m->by->name, f->name);
		return CS_EINVAL;
	}
	m->by = f;
	m->value = v;
	snprintf(what, sizeof(what), "--%s", f->name);
	return conf_set_from(c, si, k, v, what, " ", err, cap);
}

static int conf_args(cs_conf *c, const cs_conf_arg *args, size_t nargs, char *err, size_t cap)
{
	size_t nkeys = 0, *at = calloc(c->n + 1, sizeof(size_t));
	flag_mark *marks;
	int rc = 0;

	for (size_t i = 0; at && i < c->n; i++) {
		at[i] = nkeys;
		nkeys += c->secs[i]->nkeys;
	}
	marks = calloc(nkeys + 1, sizeof(*marks));
	if (!at || !marks) {
		free(at);
		free(marks);
		return CS_ENOMEM;
	}
	for (size_t i = 0; i < nargs && !rc; i++) {
		const cs_conf_arg *a = &args[i];
		size_t si = conf_index(c, a->sec);
		const char *v = a->flag->arg ? a->value : a->flag->value;

		if (si == (size_t)-1 || !v) {
			cs_set_why(err, cap, "--%s: %s", a->flag->name,
			           v ? "not a flag of this command" : "needs a value");
			rc = CS_EINVAL;
			break;
		}
		rc = conf_flag_set(c, si, a->flag, a->flag->key, v, marks, at[si], err, cap);
		if (!rc && a->flag->enable && a->sec->enabled)
			rc = conf_flag_set(c, si, a->flag, a->sec->enabled, "true", marks, at[si], err, cap);
	}
	/* A flag that turns its section off (--no-prometheus) makes every other
	 * flag of that section (--listen) a no-op the user did not mean. */
	for (size_t si = 0; si < c->n && !rc; si++) {
		const cs_conf_section *s = c->secs[si];
		const cs_conf_key *ek = s->enabled ? conf_key(s, s->enabled) : NULL;
		const flag_mark *off = ek ? &marks[at[si] + (size_t)(ek - s->keys)] : NULL;

		if (!off || !off->by || strcmp(off->value, "false") != 0)
			continue;
		for (size_t j = 0; j < s->nkeys && !rc; j++) {
			const flag_mark *m = &marks[at[si] + j];

			if (&s->keys[j] != ek && m->by) {
				cs_set_why(err, cap,
				           "--%s and --%s contradict each other (the section [%s] is off); give one",
				           off->by->name, m->by->name, s->name);
				rc = CS_EINVAL;
			}
		}
	}
	free(at);
	free(marks);
	return rc;
}

/* ---- checks ------------------------------------------------------------------------- */

static int conf_finish(cs_conf *c, char *err, size_t cap)
{
	for (size_t i = 0; i < c->n; i++) {
		const cs_conf_section *s = c->secs[i];
		char why[384], val[8];
		int rc;

		for (size_t j = 0; j < s->nkeys; j++) {
			const cs_conf_key *k = &s->keys[j];
			const cs_conf_flag *f;
			char up[64], how[256];

			if (k->type == CS_CONF_MAP)
				conf_map_sort((cs_conf_map *)((char *)c->data[i] + k->off));
			if (k->type == CS_CONF_MAP || !(k->flags & CS_CONF_REQUIRED) || !cs_conf_enabled(c, s) ||
			    conf_format(k, c->data[i], val, sizeof(val)))
				continue;
			snprintf(up, sizeof(up), "%s_%s", s->name, k->name);
			for (char *p = up; *p; p++)
				*p = *p == '.' ? '_' : (char)toupper((unsigned char)*p);
			f = conf_flag_of(s, k->name);
			snprintf(how, sizeof(how), "set [%s] %s, %s%s%s%s%s%s", s->name, k->name, CS_CONF_ENV_PREFIX,
			         up, f ? " or --" : "", f ? f->name : "", f && f->arg ? " " : "",
			         f && f->arg ? f->arg : "");
			if (s->enabled)
				cs_set_why(err, cap, "[%s] enabled without %s; %s", s->name, k->name, how);
			else
				cs_set_why(err, cap, "[%s] %s is required; %s", s->name, k->name, how);
			return CS_EINVAL;
		}
		why[0] = '\0';
		if (s->check && (rc = s->check(c->data[i], why, sizeof(why))) != 0) {
			cs_set_why(err, cap, "[%s] %s", s->name, why[0] ? why : "inconsistent settings");
			return rc;
		}
	}
	return 0;
}

/* ---- build -------------------------------------------------------------------------- */

int cs_conf_build(const cs_conf_section *const *secs, size_t n, const cs_conf_layers *l, cs_conf **out, char *err,
                  size_t errcap)
{
	cs_conf *c = NULL;
	int rc;

	if (err && errcap)
		err[0] = '\0';
	if (!out || (n && !secs))
		return CS_EINVAL;
	*out = NULL;
	rc = conf_new(secs, n, &c, err, errcap);
	if (!rc && l && l->path && l->path[0]) {
		rc = conf_ini_load(c, l->path, err, errcap);
	} else if (!rc && l && l->text) {
		rc = conf_ini_parse(c, l->text, l->text_len, l->text_name, NULL, err, errcap);
		if (!rc)
			snprintf(c->source, sizeof(c->source), "%s", l->text_name ? l->text_name : "<string>");
	}
	if (!rc && l && l->envp)
		rc = conf_env(c, l->envp, err, errcap);
	if (!rc && l && l->nargs)
		rc = conf_args(c, l->args, l->nargs, err, errcap);
	if (!rc)
		rc = conf_finish(c, err, errcap);
	if (rc) {
		if (rc == CS_ENOMEM && err && errcap && !err[0])
			cs_set_why(err, errcap, "out of memory");
		cs_conf_free(c);
		return rc;
	}
	*out = c;
	return 0;
}
