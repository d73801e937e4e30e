/* core/config.c - the carbonstat INI configuration file, via libinih.
 *
 * libinih does the INI syntax; this file does the meaning. Sections are rows
 * of cfg_sections[]: a fixed list of keys with a setter each, or (maps) one
 * setter for any key. Adding a section is adding a row.
 *
 * Line numbers: Debian's libinih is built without INI_HANDLER_LINENO, so the
 * handler is not told its line. We feed libinih through ini_parse_stream with
 * our own line reader instead, which counts lines (libinih calls the handler
 * for a line before it reads the next), rejects NUL bytes and over-long lines
 * (libinih would silently split them), sees "[section]" headers (libinih
 * reports only name=value pairs, so an empty unknown section would go
 * unnoticed), and stops the parse at the first error so the first error is
 * the one reported.
 */
#include "core/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include <carbonstat/error.h>

#include "core/parse.h"

#define CFG_DEFAULT_TOKEN "/var/run/secrets/kubernetes.io/serviceaccount/token"
#define CFG_DEFAULT_CA    "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
/* libinih's line buffer (INI_MAX_LINE, 200 in Debian's build) holds the text,
 * "\r\n" and the NUL. */
#define CFG_LINE_MAX 197

/* ---- parse context ----------------------------------------------------------- */

#define CFG_SECRET 1u /* never echo the value (URLs may carry user:password) */

typedef struct cfg_ctx cfg_ctx;

typedef struct cfg_key {
	const char *name;
	/* Sets the value; on error writes what was expected to why. */
	int (*set)(cs_config *c, const char *value, char *why, size_t cap);
	unsigned flags;
} cfg_key;

typedef struct cfg_section {
	const char *name;
	const cfg_key *keys; /* NULL for a map section */
	size_t nkeys;
	/* map sections: any key; duplicates are the setter's business */
	int (*set_any)(cs_config *c, const char *key, const char *value, unsigned line, char *why, size_t cap);
} cfg_section;

struct cfg_ctx {
	const char *buf; /* the whole input */
	size_t len, pos;
	unsigned line;    /* line last handed to libinih (1-based) */
	const char *name; /* file name for messages */
	cs_config *c;     /* being filled */
	bool failed;      /* an error is recorded: stop */
	char *err;
	size_t errcap;
	uint32_t seen[16]; /* per section row: bit per key already set */
	bool label_keys_set;
};

__attribute__((format(printf, 2, 3))) static void cfg_fail(cfg_ctx *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (x->failed)
		return;
	x->failed = true;
	if (!x->err || !x->errcap)
		return;
	n = snprintf(x->err, x->errcap, "%s:%u: ", x->name, x->line);
	if (n < 0 || (size_t)n >= x->errcap)
		return;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errcap - (size_t)n, fmt, ap);
	va_end(ap);
}

/* ---- validators ------------------------------------------------------------- */

static bool cfg_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool cs_cfg_valid_team(const char *s)
{
	size_t n;

	if (!s)
		return false;
	for (n = 0; s[n]; n++)
		if (n >= CS_CFG_NAME_MAX - 1 || !(cfg_alnum(s[n]) || s[n] == '.' || s[n] == '_' || s[n] == '-'))
			return false;
	return n > 0;
}

/* RFC 1123 label of n chars: [a-z0-9]([-a-z0-9]*[a-z0-9])? */
static bool cfg_dns_label(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

bool cs_cfg_valid_namespace(const char *s)
{
	return s && cfg_dns_label(s, strnlen(s, 64));
}

/* Label name part: [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, <= 63. */
static bool cfg_label_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 63 || !cfg_alnum(s[0]) || !cfg_alnum(s[n - 1]))
		return false;
	for (i = 0; i < n; i++)
		if (!(cfg_alnum(s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

bool cs_cfg_valid_label_key(const char *s)
{
	const char *slash;
	size_t n, i, start = 0;

	if (!s)
		return false;
	n = strnlen(s, CS_CFG_KEY_MAX);
	if (n >= CS_CFG_KEY_MAX)
		return false;
	slash = memchr(s, '/', n);
	if (!slash)
		return cfg_label_name(s, n);
	/* prefix: DNS subdomain, dot-separated labels, <= 253 */
	if (slash - s > 253)
		return false;
	for (i = 0; i <= (size_t)(slash - s); i++) {
		if (s + i == slash || s[i] == '.') {
			if (!cfg_dns_label(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return cfg_label_name(slash + 1, n - (size_t)(slash - s) - 1);
}

/* systemd unit name: [A-Za-z0-9:_.@\-]+ with a '.' (the type). */
static bool cfg_valid_unit(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if (n >= CS_CFG_UNIT_MAX - 1 || !(cfg_alnum(s[n]) || strchr(":_.@-\\", s[n]) != NULL))
			return false;
	return n > 0;
}

/* ---- setters ------------------------------------------------------------------ */

static int cfg_copy(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v);

	if (n >= cap)
		return CS_ERANGE;
	memcpy(dst, v, n + 1);
	return 0;
}

static int cfg_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return CS_EINVAL;
}

static int set_idle_policy(cs_config *c, const char *v, char *why, size_t cap)
{
	static const cs_cfg_idle_policy all[] = {CS_CFG_IDLE_REQUESTS, CS_CFG_IDLE_USAGE, CS_CFG_IDLE_EQUAL,
	                                         CS_CFG_IDLE_NONE};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(v, cs_cfg_idle_policy_name(all[i])) == 0) {
			c->attribution.idle_policy = all[i];
			return 0;
		}
	}
	snprintf(why, cap, "expected requests, usage, equal or none");
	return CS_EINVAL;
}

static int set_kubelet_enabled(cs_config *c, const char *v, char *why, size_t cap)
{
	bool b;

	if (strcmp(v, "auto") == 0) {
		c->kubelet.enabled = CS_CFG_AUTO;
		return 0;
	}
	if (cfg_bool(v, &b) == 0) {
		c->kubelet.enabled = b ? CS_CFG_ON : CS_CFG_OFF;
		return 0;
	}
	snprintf(why, cap, "expected auto, true or false");
	return CS_EINVAL;
}

static int set_kubelet_url(cs_config *c, const char *v, char *why, size_t cap)
{
	size_t i;

	if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) {
		snprintf(why, cap, "expected an https:// (or http://) URL");
		return CS_EINVAL;
	}
	for (i = 0; v[i]; i++) {
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f) {
			snprintf(why, cap, "expected a URL without blanks or control characters");
			return CS_EINVAL;
		}
	}
	if (cfg_copy(c->kubelet.url, sizeof(c->kubelet.url), v)) {
		snprintf(why, cap, "URL longer than %d characters", CS_CFG_PATH_MAX - 1);
		return CS_ERANGE;
	}
	return 0;
}

static int cfg_set_path(char *dst, size_t dcap, const char *v, char *why, size_t cap)
{
	if (v[0] != '/') {
		snprintf(why, cap, "expected an absolute path");
		return CS_EINVAL;
	}
	if (cfg_copy(dst, dcap, v)) {
		snprintf(why, cap, "path longer than %zu characters", dcap - 1);
		return CS_ERANGE;
	}
	return 0;
}

static int set_kubelet_token(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_set_path(c->kubelet.token_file, sizeof(c->kubelet.token_file), v, why, cap);
}

static int set_kubelet_ca(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_set_path(c->kubelet.ca_file, sizeof(c->kubelet.ca_file), v, why, cap);
}

static int set_kubelet_insecure(cs_config *c, const char *v, char *why, size_t cap)
{
	if (cfg_bool(v, &c->kubelet.insecure_skip_verify) == 0)
		return 0;
	snprintf(why, cap, "expected true or false");
	return CS_EINVAL;
}

static int cfg_seconds(const char *v, double min, bool min_open, double max, double *out, char *why, size_t cap)
{
	double d;

	if (cs_parse_double(v, &d) == 0 && (min_open ? d > min : d >= min) && d <= max) {
		*out = d;
		return 0;
	}
	snprintf(why, cap, "expected seconds, a number %s %g and <= %g", min_open ? ">" : ">=", min, max);
	return CS_EINVAL;
}

static int set_kubelet_refresh(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_seconds(v, 5, false, 86400, &c->kubelet.refresh_s, why, cap);
}

static int set_kubelet_timeout(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_seconds(v, 0, true, 60, &c->kubelet.timeout_s, why, cap);
}

static int set_label_keys(cs_config *c, const char *v, char *why, size_t cap)
{
	char tmp[CS_CFG_LABEL_KEYS_MAX][CS_CFG_KEY_MAX];
	size_t n = 0, i;
	const char *p = v;

	while (*p) {
		const char *e = strchr(p, ','), *a, *b;
		size_t len;

		if (!e)
			e = p + strlen(p);
		a = p;
		b = e;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		len = (size_t)(b - a);
		if (n >= CS_CFG_LABEL_KEYS_MAX) {
			snprintf(why, cap, "at most %d label keys", CS_CFG_LABEL_KEYS_MAX);
			return CS_ERANGE;
		}
		if (len == 0 || len >= CS_CFG_KEY_MAX) {
			snprintf(why, cap, "expected a comma-separated list of label keys");
			return CS_EINVAL;
		}
		memcpy(tmp[n], a, len);
		tmp[n][len] = '\0';
		if (!cs_cfg_valid_label_key(tmp[n])) {
			snprintf(why, cap, "'%s' is not a Kubernetes label key", tmp[n]);
			return CS_EINVAL;
		}
		for (i = 0; i < n; i++) {
			if (strcmp(tmp[i], tmp[n]) == 0) {
				snprintf(why, cap, "label key '%s' listed twice", tmp[n]);
				return CS_EINVAL;
			}
		}
		n++;
		p = *e ? e + 1 : e;
		if (*e && !*p) {
			snprintf(why, cap, "expected a comma-separated list of label keys");
			return CS_EINVAL;
		}
	}
	memcpy(c->teams.label_keys, tmp, sizeof(tmp));
	c->teams.n_label_keys = n;
	return 0;
}

static int set_default_team(cs_config *c, const char *v, char *why, size_t cap)
{
	if (!cs_cfg_valid_team(v)) {
		snprintf(why, cap, "expected a team name (1-63 of A-Z a-z 0-9 . _ -)");
		return CS_EINVAL;
	}
	return cfg_copy(c->teams.default_team, sizeof(c->teams.default_team), v);
}

static cs_cfg_map_entry *cfg_map_find(const cs_cfg_map *m, const char *key)
{
	size_t i;

	/* linear while loading (duplicates); sorted + bsearch once loaded */
	for (i = 0; i < m->n; i++)
		if (strcmp(m->v[i].key, key) == 0)
			return &m->v[i];
	return NULL;
}

static int cfg_map_add(cs_cfg_map *m, const char *key, const char *team, unsigned line, char *why, size_t cap)
{
	cs_cfg_map_entry *e = cfg_map_find(m, key);

	if (e) {
		snprintf(why, cap, "already mapped on line %u", e->line);
		return CS_EINVAL;
	}
	if (!cs_cfg_valid_team(team)) {
		snprintf(why, cap, "expected a team name (1-63 of A-Z a-z 0-9 . _ -)");
		return CS_EINVAL;
	}
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 16;
		cs_cfg_map_entry *g = realloc(m->v, ncap * sizeof(*g));

		if (!g) {
			snprintf(why, cap, "out of memory");
			return CS_ENOMEM;
		}
		m->v = g;
		m->cap = ncap;
	}
	e = &m->v[m->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	snprintf(e->team, sizeof(e->team), "%s", team);
	e->line = line;
	return 0;
}

static int set_namespace_team(cs_config *c, const char *key, const char *v, unsigned line, char *why, size_t cap)
{
	if (!cs_cfg_valid_namespace(key)) {
		snprintf(why, cap, "'%s' is not a namespace name (lower-case RFC 1123 label)", key);
		return CS_EINVAL;
	}
	return cfg_map_add(&c->teams.namespaces, key, v, line, why, cap);
}

static int set_service_team(cs_config *c, const char *key, const char *v, unsigned line, char *why, size_t cap)
{
	char unit[CS_CFG_UNIT_MAX];

	/* "nginx" means "nginx.service" */
	if (snprintf(unit, sizeof(unit), "%s%s", key, strchr(key, '.') ? "" : ".service") >= (int)sizeof(unit) ||
	    !cfg_valid_unit(unit)) {
		snprintf(why, cap, "not a systemd unit name");
		return CS_EINVAL;
	}
	return cfg_map_add(&c->teams.services, unit, v, line, why, cap);
}

/* ---- the table ---------------------------------------------------------------- */

static const cfg_key keys_attribution[] = {
    {"idle_policy", set_idle_policy, 0},
};
static const cfg_key keys_kubelet[] = {
    {"enabled", set_kubelet_enabled, 0},
    {"url", set_kubelet_url, CFG_SECRET},
    {"token_file", set_kubelet_token, 0},
    {"ca_file", set_kubelet_ca, 0},
    {"insecure_skip_verify", set_kubelet_insecure, 0},
    {"refresh_s", set_kubelet_refresh, 0},
    {"timeout_s", set_kubelet_timeout, 0},
};
static const cfg_key keys_teams[] = {
    {"label_keys", set_label_keys, 0},
    {"default_team", set_default_team, 0},
};

#define CFG_KEYS(a) a, sizeof(a) / sizeof(a[0])

static const cfg_section cfg_sections[] = {
    {"attribution", CFG_KEYS(keys_attribution), NULL},
    {"kubelet", CFG_KEYS(keys_kubelet), NULL},
    {"teams", CFG_KEYS(keys_teams), NULL},
    {"teams.namespaces", NULL, 0, set_namespace_team},
    {"teams.services", NULL, 0, set_service_team},
};
#define CFG_NSECTIONS (sizeof(cfg_sections) / sizeof(cfg_sections[0]))
_Static_assert(CFG_NSECTIONS <= 16, "cfg_ctx.seen has one word per section");

static const cfg_section *cfg_section_find(const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < CFG_NSECTIONS; i++) {
		if (strcmp(cfg_sections[i].name, name) == 0) {
			*idx = i;
			return &cfg_sections[i];
		}
	}
	return NULL;
}

/* "a, b, c" list of the known sections or of a section's keys. */
static void cfg_list(char *dst, size_t cap, const cfg_section *s)
{
	size_t i, w = 0, n = s ? s->nkeys : CFG_NSECTIONS;

	dst[0] = '\0';
	for (i = 0; i < n; i++) {
		int k = snprintf(dst + w, cap - w, "%s%s", i ? ", " : "", s ? s->keys[i].name : cfg_sections[i].name);

		if (k < 0 || (size_t)k >= cap - w)
			return;
		w += (size_t)k;
	}
}

static void cfg_unknown_section(cfg_ctx *x, const char *name)
{
	char known[256];

	cfg_list(known, sizeof(known), NULL);
	cfg_fail(x, "unknown section [%.64s]; known sections: %s", name, known);
}

static int cfg_handler(void *user, const char *section, const char *name, const char *value)
{
	cfg_ctx *x = user;
	const cfg_section *s;
	char why[192], known[256];
	size_t si, k;
	int rc;

	if (x->failed)
		return 0;
	if (!section[0]) {
		cfg_fail(x, "key '%.64s' outside any section; put it under a [section]", name);
		return 0;
	}
	s = cfg_section_find(section, &si);
	if (!s) {
		cfg_unknown_section(x, section);
		return 0;
	}
	why[0] = '\0';
	if (s->set_any) {
		rc = s->set_any(x->c, name, value, x->line, why, sizeof(why));
		if (rc) {
			cfg_fail(x, "[%s] %.128s = '%.64s': %s", section, name, value, why);
			return 0;
		}
		return 1;
	}
	for (k = 0; k < s->nkeys; k++)
		if (strcmp(s->keys[k].name, name) == 0)
			break;
	if (k == s->nkeys) {
		cfg_list(known, sizeof(known), s);
		cfg_fail(x, "unknown key '%.64s' in [%s]; known keys: %s", name, section, known);
		return 0;
	}
	if (x->seen[si] & (1u << k)) {
		cfg_fail(x, "key '%s' in [%s] given twice", name, section);
		return 0;
	}
	x->seen[si] |= 1u << k;
	rc = s->keys[k].set(x->c, value, why, sizeof(why));
	if (rc) {
		if (s->keys[k].flags & CFG_SECRET)
			cfg_fail(x, "[%s] %s: bad value (not shown): %s", section, name, why);
		else
			cfg_fail(x, "[%s] %s = '%.64s': %s", section, name, value, why);
		return 0;
	}
	return 1;
}

/* Checks a "[name]" header line (libinih reports only key=value pairs). */
static void cfg_check_header(cfg_ctx *x, const char *p, size_t n)
{
	const char *end;
	char name[72];
	size_t idx, len;

	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (!n || *p != '[')
		return;
	end = memchr(p, ']', n);
	if (!end)
		return; /* libinih reports the syntax error */
	len = (size_t)(end - p - 1);
	if (len >= sizeof(name)) {
		cfg_fail(x, "unknown section (name too long)");
		return;
	}
	memcpy(name, p + 1, len);
	name[len] = '\0';
	if (!cfg_section_find(name, &idx))
		cfg_unknown_section(x, name);
}

/* ini_reader over the buffer: one line per call, counted. */
static char *cfg_reader(char *str, int num, void *stream)
{
	cfg_ctx *x = stream;
	const char *p, *nl;
	size_t rest, n, text;

	if (x->failed || x->pos >= x->len || num < 4)
		return NULL;
	p = x->buf + x->pos;
	rest = x->len - x->pos;
	nl = memchr(p, '\n', rest);
	n = nl ? (size_t)(nl - p) + 1 : rest;
	x->line++;
	if (memchr(p, '\0', n)) {
		cfg_fail(x, "NUL byte: not a text file");
		return NULL;
	}
	text = n;
	while (text && (p[text - 1] == '\n' || p[text - 1] == '\r'))
		text--;
	if (text > CFG_LINE_MAX || n > (size_t)num - 1) {
		cfg_fail(x, "line longer than %d characters", CFG_LINE_MAX);
		return NULL;
	}
	cfg_check_header(x, p, text);
	if (x->failed)
		return NULL;
	x->pos += n;
	/* hand libinih the line without its indentation: an indented line would
	 * otherwise be read as the continuation of the previous value */
	while (n > 1 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	memcpy(str, p, n);
	str[n] = '\0';
	return str;
}

/* ---- public ------------------------------------------------------------------- */

const char *cs_cfg_idle_policy_name(cs_cfg_idle_policy p)
{
	switch (p) {
	case CS_CFG_IDLE_REQUESTS: return "requests";
	case CS_CFG_IDLE_USAGE: return "usage";
	case CS_CFG_IDLE_EQUAL: return "equal";
	case CS_CFG_IDLE_NONE: return "none";
	}
	return "?";
}

void cs_config_init(cs_config *c)
{
	memset(c, 0, sizeof(*c));
	c->attribution.idle_policy = CS_CFG_IDLE_REQUESTS;
	c->kubelet.enabled = CS_CFG_AUTO;
	snprintf(c->kubelet.token_file, sizeof(c->kubelet.token_file), "%s", CFG_DEFAULT_TOKEN);
	snprintf(c->kubelet.ca_file, sizeof(c->kubelet.ca_file), "%s", CFG_DEFAULT_CA);
	c->kubelet.refresh_s = 60;
	c->kubelet.timeout_s = 2;
	snprintf(c->teams.label_keys[0], sizeof(c->teams.label_keys[0]), "team");
	snprintf(c->teams.label_keys[1], sizeof(c->teams.label_keys[1]), "app.kubernetes.io/part-of");
	c->teams.n_label_keys = 2;
	snprintf(c->teams.default_team, sizeof(c->teams.default_team), "system");
	c->agent.interval_s = 5;
	snprintf(c->agent.workloads, sizeof(c->agent.workloads), "container");
	c->agent.max_series = 100000;
	c->agent.refresh_s = 10;
	c->agent.embodied_g_per_h = -1;
	c->prometheus.enabled = true;
	snprintf(c->prometheus.listen, sizeof(c->prometheus.listen), ":9875");
	snprintf(c->statsd.address, sizeof(c->statsd.address), "127.0.0.1:8125");
	snprintf(c->statsd.prefix, sizeof(c->statsd.prefix), "carbonstat");
	c->statsd.mtu = 1432;
	c->jsonl.fsync = CS_CFG_FSYNC_CYCLE;
	c->jsonl.keep = 5;
	c->out.top = 10;
	snprintf(c->grid.base_url, sizeof(c->grid.base_url), "https://api.electricitymap.org/v3");
	c->grid.ttl_s = 3600;
	c->grid.timeout_s = 5;
	c->grid.max_stale_s = 86400;
}

void cs_config_free(cs_config *c)
{
	if (!c)
		return;
	free(c->teams.namespaces.v);
	free(c->teams.services.v);
	cs_config_init(c);
}

static int cfg_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const cs_cfg_map_entry *)a)->key, ((const cs_cfg_map_entry *)b)->key);
}

int cs_config_parse(const char *buf, size_t len, const char *name, cs_config *out, char *err, size_t errcap)
{
	cs_config *c;
	cfg_ctx x;
	int rc;

	if (err && errcap)
		err[0] = '\0';
	if ((!buf && len) || !out)
		return CS_EINVAL;
	c = malloc(sizeof(*c));
	if (!c)
		return CS_ENOMEM;
	cs_config_init(c);
	memset(&x, 0, sizeof(x));
	x.buf = buf;
	x.len = len;
	x.name = name ? name : "<string>";
	x.c = c;
	x.err = err;
	x.errcap = errcap;
	/* a UTF-8 BOM is fine; libinih skips it on the first line */
	rc = ini_parse_stream(cfg_reader, &x, cfg_handler, &x);
	/* libinih goes on after a syntax error, so a later line may have failed
	 * in our handler meanwhile: report whichever came first */
	if (rc != 0 && (!x.failed || (rc > 0 && (unsigned)rc < x.line))) {
		x.failed = false;
		if (rc > 0)
			x.line = (unsigned)rc;
		if (rc == -2)
			cfg_fail(&x, "out of memory");
		else
			cfg_fail(&x, "syntax error: expected [section], key = value or a ; comment");
	}
	if (x.failed) {
		cs_config_free(c);
		free(c);
		return CS_EINVAL;
	}
	snprintf(c->source, sizeof(c->source), "%s", x.name);
	if (c->teams.namespaces.n)
		qsort(c->teams.namespaces.v, c->teams.namespaces.n, sizeof(cs_cfg_map_entry), cfg_entry_cmp);
	if (c->teams.services.n)
		qsort(c->teams.services.v, c->teams.services.n, sizeof(cs_cfg_map_entry), cfg_entry_cmp);
	*out = *c;
	free(c);
	return 0;
}

int cs_config_load(const char *path, cs_config *out, char *err, size_t errcap)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	if (!err)
		errcap = 0;
	if (errcap)
		err[0] = '\0';
	if (!path || !out)
		return CS_EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errcap, "%s: cannot read the config file: %s; check the path (--config)", path,
		         strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)CS_CFG_FILE_MAX) {
		snprintf(err, errcap, "%s: not a regular file of at most %u bytes", path, CS_CFG_FILE_MAX);
		close(fd);
		return S_ISREG(st.st_mode) ? CS_ERANGE : CS_EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return CS_ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			snprintf(err, errcap, "%s: read error: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return rc;
		}
		if (r == 0)
			break; /* shrank while we read: parse what is there */
		len += (size_t)r;
	}
	close(fd);
	rc = cs_config_parse(buf, len, path, out, err, errcap);
	free(buf);
	return rc;
}

static const char *cfg_map_lookup(const cs_cfg_map *m, const char *key)
{
	cs_cfg_map_entry probe;
	const cs_cfg_map_entry *e;

	if (!m->n || strlen(key) >= sizeof(probe.key))
		return NULL;
	memcpy(probe.key, key, strlen(key) + 1);
	e = bsearch(&probe, m->v, m->n, sizeof(*m->v), cfg_entry_cmp);
	return e ? e->team : NULL;
}

const char *cs_config_namespace_team(const cs_config *c, const char *ns)
{
	if (!c || !ns || !ns[0])
		return NULL;
	return cfg_map_lookup(&c->teams.namespaces, ns);
}

const char *cs_config_service_team(const cs_config *c, const char *unit)
{
	const char *t, *at, *dot;
	char tmpl[CS_CFG_UNIT_MAX];

	if (!c || !unit || !unit[0])
		return NULL;
	t = cfg_map_lookup(&c->teams.services, unit);
	if (t)
		return t;
	/* "getty@tty1.service" -> "getty@.service" */
	at = strchr(unit, '@');
	dot = strrchr(unit, '.');
	if (!at || !dot || dot < at || (size_t)(at - unit) + 1 + strlen(dot) >= sizeof(tmpl))
		return NULL;
	snprintf(tmpl, sizeof(tmpl), "%.*s%s", (int)(at - unit + 1), unit, dot);
	return cfg_map_lookup(&c->teams.services, tmpl);
}
