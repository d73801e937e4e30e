/* conf/config.c - the carbonstat INI configuration file, via libinih.
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
#include "conf/config.h"

#include <ctype.h>
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
	/* Writes the effective value (for --check-config). */
	void (*get)(const cs_config *c, char *buf, size_t cap);
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


/* ---- agent and exporter sections ----------------------------------------------- */

/* Seconds: a bare number ("5", "0.5") or a duration with units ("500ms", "1m"). */
static int cfg_dur(const char *v, double min, double max, double *out, char *why, size_t cap)
{
	double d;

	if (cs_parse_double(v, &d) != 0 && cs_parse_duration(v, &d) != 0)
		d = -1;
	if (d >= min && d <= max) {
		*out = d;
		return 0;
	}
	snprintf(why, cap, "expected a duration from %gs to %gs (\"5s\", \"500ms\", \"1m\"; a bare number is seconds)",
	         min, max);
	return CS_EINVAL;
}

static int cfg_str(char *dst, size_t dcap, const char *v, char *why, size_t cap)
{
	for (size_t i = 0; v[i]; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			snprintf(why, cap, "control characters are not allowed");
			return CS_EINVAL;
		}
	}
	if (cfg_copy(dst, dcap, v)) {
		snprintf(why, cap, "longer than %zu characters", dcap - 1);
		return CS_ERANGE;
	}
	return 0;
}

static int cfg_onoff(const char *v, bool *out, char *why, size_t cap)
{
	if (cfg_bool(v, out) == 0)
		return 0;
	snprintf(why, cap, "expected true or false");
	return CS_EINVAL;
}

static int cfg_hostport(char *dst, size_t dcap, const char *v, bool any_ok, char *why, size_t cap)
{
	char host[256];
	unsigned port;

	if (cs_parse_hostport(v, host, sizeof(host), &port) != 0 || (!any_ok && !host[0])) {
		snprintf(why, cap, "expected %s (port 1-65535)",
		         any_ok ? "host:port, [v6]:port or :port" : "host:port or [v6]:port");
		return CS_EINVAL;
	}
	return cfg_str(dst, dcap, v, why, cap);
}

static int cfg_http_url(char *dst, size_t dcap, const char *v, char *why, size_t cap)
{
	if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) {
		snprintf(why, cap, "expected an https:// (or http://) URL");
		return CS_EINVAL;
	}
	for (size_t i = 0; v[i]; i++) {
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f) {
			snprintf(why, cap, "expected a URL without blanks or control characters");
			return CS_EINVAL;
		}
	}
	return cfg_str(dst, dcap, v, why, cap);
}

static int set_agent_interval(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_dur(v, 0.1, 3600, &c->agent.interval_s, why, cap);
}

static int set_agent_node_name(cs_config *c, const char *v, char *why, size_t cap)
{
	/* a Kubernetes node name is a DNS subdomain; hostnames are a subset */
	for (size_t i = 0; v[i]; i++) {
		if (!(cfg_alnum(v[i]) || v[i] == '-' || v[i] == '.' || v[i] == '_')) {
			snprintf(why, cap, "expected a node name (letters, digits, '.', '-', '_')");
			return CS_EINVAL;
		}
	}
	return cfg_str(c->agent.node_name, sizeof(c->agent.node_name), v, why, cap);
}

static int set_agent_workloads(cs_config *c, const char *v, char *why, size_t cap)
{
	static const char *const ok[] = {"container", "pod", "namespace", "team", "none"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(v, ok[i]) == 0)
			return cfg_copy(c->agent.workloads, sizeof(c->agent.workloads), v);
	snprintf(why, cap, "expected container, pod, namespace, team or none");
	return CS_EINVAL;
}

static int set_agent_processes(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_onoff(v, &c->agent.processes, why, cap);
}

static int set_agent_max_series(cs_config *c, const char *v, char *why, size_t cap)
{
	if (cs_parse_uint_range(v, 100, 10000000, &c->agent.max_series) == 0)
		return 0;
	snprintf(why, cap, "expected a number of series from 100 to 10000000");
	return CS_EINVAL;
}

static int set_agent_refresh(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_dur(v, 1, 86400, &c->agent.refresh_s, why, cap);
}

static int set_agent_memory_stat(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_dur(v, 0, 3600, &c->agent.memory_stat_s, why, cap);
}

static int set_agent_region(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_str(c->agent.region, sizeof(c->agent.region), v, why, cap);
}

static int set_agent_provider(cs_config *c, const char *v, char *why, size_t cap)
{
	if (strcmp(v, "aws") && strcmp(v, "gcp") && strcmp(v, "azure") && v[0]) {
		snprintf(why, cap, "expected aws, gcp or azure");
		return CS_EINVAL;
	}
	return cfg_copy(c->agent.provider, sizeof(c->agent.provider), v);
}

static int set_agent_instance(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_str(c->agent.instance, sizeof(c->agent.instance), v, why, cap);
}

static int set_agent_country(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_str(c->agent.country, sizeof(c->agent.country), v, why, cap);
}

static int set_agent_pue(cs_config *c, const char *v, char *why, size_t cap)
{
	double d;

	if (cs_parse_double(v, &d) == 0 && (d == 0 || (d >= 1 && d <= 3))) {
		c->agent.pue = d;
		return 0;
	}
	snprintf(why, cap, "expected a PUE from 1 to 3 (0 = the provider's default)");
	return CS_EINVAL;
}

static int set_agent_embodied(cs_config *c, const char *v, char *why, size_t cap)
{
	double d;

	if (cs_parse_double(v, &d) == 0 && d >= 0 && d <= 1e6) {
		c->agent.embodied_g_per_h = d;
		return 0;
	}
	snprintf(why, cap, "expected grams CO2e per hour, 0 to 1e6");
	return CS_EINVAL;
}

static int set_prom_enabled(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_onoff(v, &c->prometheus.enabled, why, cap);
}

static int set_prom_listen(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_hostport(c->prometheus.listen, sizeof(c->prometheus.listen), v, true, why, cap);
}

static int set_prom_web_config(cs_config *c, const char *v, char *why, size_t cap)
{
	if (!v[0]) {
		c->prometheus.web_config[0] = '\0';
		return 0;
	}
	return cfg_set_path(c->prometheus.web_config, sizeof(c->prometheus.web_config), v, why, cap);
}

static int set_statsd_enabled(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_onoff(v, &c->statsd.enabled, why, cap);
}

static int set_statsd_address(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_hostport(c->statsd.address, sizeof(c->statsd.address), v, false, why, cap);
}

static int set_statsd_prefix(cs_config *c, const char *v, char *why, size_t cap)
{
	for (size_t i = 0; v[i]; i++) {
		if (!(cfg_alnum(v[i]) || v[i] == '_' || v[i] == '.')) {
			snprintf(why, cap, "expected a metric prefix of letters, digits, '_' and '.'");
			return CS_EINVAL;
		}
	}
	return cfg_str(c->statsd.prefix, sizeof(c->statsd.prefix), v, why, cap);
}

static int set_statsd_tags(cs_config *c, const char *v, char *why, size_t cap)
{
	for (size_t i = 0; v[i]; i++) {
		if (!(cfg_alnum(v[i]) || strchr("_-:./,", v[i]))) {
			snprintf(why, cap, "expected comma-separated tags of letters, digits and _ - : . /");
			return CS_EINVAL;
		}
	}
	return cfg_str(c->statsd.tags, sizeof(c->statsd.tags), v, why, cap);
}

static int set_statsd_mtu(cs_config *c, const char *v, char *why, size_t cap)
{
	if (cs_parse_uint_range(v, 512, 65507, &c->statsd.mtu) == 0)
		return 0;
	snprintf(why, cap, "expected a payload size from 512 to 65507 bytes");
	return CS_EINVAL;
}

static int set_jsonl_enabled(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_onoff(v, &c->jsonl.enabled, why, cap);
}

static int set_jsonl_path(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_set_path(c->jsonl.path, sizeof(c->jsonl.path), v, why, cap);
}

static int set_jsonl_fsync(cs_config *c, const char *v, char *why, size_t cap)
{
	if (strcmp(v, "none") == 0)
		c->jsonl.fsync = CS_CFG_FSYNC_NONE;
	else if (strcmp(v, "cycle") == 0)
		c->jsonl.fsync = CS_CFG_FSYNC_CYCLE;
	else {
		snprintf(why, cap, "expected none or cycle");
		return CS_EINVAL;
	}
	return 0;
}

static int set_jsonl_max_bytes(cs_config *c, const char *v, char *why, size_t cap)
{
	/* bytes with an optional K/M/G (powers of 1024) suffix */
	char num[32];
	size_t n = strlen(v);
	uint64_t b, mul = 1;

	if (n && n < sizeof(num)) {
		memcpy(num, v, n + 1);
		switch (num[n - 1]) {
		case 'K': mul = 1ull << 10; num[--n] = '\0'; break;
		case 'M': mul = 1ull << 20; num[--n] = '\0'; break;
		case 'G': mul = 1ull << 30; num[--n] = '\0'; break;
		default: break;
		}
		if (cs_parse_u64(num, &b) == 0 && b <= (1ull << 50) / mul &&
		    (b * mul == 0 || b * mul >= 4096)) {
			c->jsonl.max_bytes = b * mul;
			return 0;
		}
	}
	snprintf(why, cap, "expected bytes >= 4096 with an optional K, M or G suffix (0 = never rotate)");
	return CS_EINVAL;
}

static int set_jsonl_keep(cs_config *c, const char *v, char *why, size_t cap)
{
	if (cs_parse_uint_range(v, 1, 1000, &c->jsonl.keep) == 0)
		return 0;
	snprintf(why, cap, "expected 1 to 1000 rotated files");
	return CS_EINVAL;
}

static int set_stdout_enabled(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_onoff(v, &c->out.enabled, why, cap);
}

static int set_stdout_top(cs_config *c, const char *v, char *why, size_t cap)
{
	if (cs_parse_uint_range(v, 0, 10000, &c->out.top) == 0)
		return 0;
	snprintf(why, cap, "expected 0 to 10000 lines");
	return CS_EINVAL;
}

static int set_grid_live(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_onoff(v, &c->grid.live, why, cap);
}

static int set_grid_url(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_http_url(c->grid.base_url, sizeof(c->grid.base_url), v, why, cap);
}

static int set_grid_api_key(cs_config *c, const char *v, char *why, size_t cap)
{
	for (size_t i = 0; v[i]; i++) {
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f) {
			snprintf(why, cap, "expected a key without blanks or control characters");
			return CS_EINVAL;
		}
	}
	return cfg_str(c->grid.api_key, sizeof(c->grid.api_key), v, why, cap);
}

static int set_grid_api_key_file(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_set_path(c->grid.api_key_file, sizeof(c->grid.api_key_file), v, why, cap);
}

static int set_grid_zone(cs_config *c, const char *v, char *why, size_t cap)
{
	for (size_t i = 0; v[i]; i++) {
		if (!(cfg_alnum(v[i]) || v[i] == '-' || v[i] == '_')) {
			snprintf(why, cap, "expected an Electricity Maps zone (\"DE\", \"US-CAL-CISO\")");
			return CS_EINVAL;
		}
	}
	return cfg_str(c->grid.zone, sizeof(c->grid.zone), v, why, cap);
}

static int set_grid_lat(cs_config *c, const char *v, char *why, size_t cap)
{
	double d;

	if (cs_parse_double(v, &d) == 0 && d >= -90 && d <= 90) {
		c->grid.lat = d;
		c->grid.has_lat = true;
		c->grid.has_coords = c->grid.has_lon;
		return 0;
	}
	snprintf(why, cap, "expected a latitude from -90 to 90");
	return CS_EINVAL;
}

static int set_grid_lon(cs_config *c, const char *v, char *why, size_t cap)
{
	double d;

	if (cs_parse_double(v, &d) == 0 && d >= -180 && d <= 180) {
		c->grid.lon = d;
		c->grid.has_lon = true;
		c->grid.has_coords = c->grid.has_lat;
		return 0;
	}
	snprintf(why, cap, "expected a longitude from -180 to 180");
	return CS_EINVAL;
}

static int set_grid_ttl(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_dur(v, 1, 86400, &c->grid.ttl_s, why, cap);
}

static int set_grid_timeout(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_dur(v, 0.1, 60, &c->grid.timeout_s, why, cap);
}

static int set_grid_max_stale(cs_config *c, const char *v, char *why, size_t cap)
{
	return cfg_dur(v, 0, 30 * 86400, &c->grid.max_stale_s, why, cap);
}

/* ---- getters (--check-config) ---------------------------------------------------- */

#define CFG_GET_STR(fn, field)                                           \
	static void fn(const cs_config *c, char *b, size_t cap)          \
	{                                                                \
		snprintf(b, cap, "%s", c->field);                        \
	}
#define CFG_GET_BOOL(fn, field)                                          \
	static void fn(const cs_config *c, char *b, size_t cap)          \
	{                                                                \
		snprintf(b, cap, "%s", c->field ? "true" : "false");     \
	}
#define CFG_GET_NUM(fn, fmt, field)                                      \
	static void fn(const cs_config *c, char *b, size_t cap)          \
	{                                                                \
		snprintf(b, cap, fmt, c->field);                         \
	}

static void get_idle_policy(const cs_config *c, char *b, size_t cap)
{
	snprintf(b, cap, "%s", cs_cfg_idle_policy_name(c->attribution.idle_policy));
}

static void get_kubelet_enabled(const cs_config *c, char *b, size_t cap)
{
	snprintf(b, cap, "%s", c->kubelet.enabled == CS_CFG_AUTO ? "auto" : c->kubelet.enabled == CS_CFG_ON ? "true" : "false");
}

static void get_label_keys(const cs_config *c, char *b, size_t cap)
{
	size_t w = 0;

	b[0] = '\0';
	for (size_t i = 0; i < c->teams.n_label_keys && w < cap; i++) {
		int k = snprintf(b + w, cap - w, "%s%s", i ? ", " : "", c->teams.label_keys[i]);
		if (k < 0)
			return;
		w += (size_t)k;
	}
}

static void get_jsonl_fsync(const cs_config *c, char *b, size_t cap)
{
	snprintf(b, cap, "%s", c->jsonl.fsync == CS_CFG_FSYNC_NONE ? "none" : "cycle");
}

static void get_agent_embodied(const cs_config *c, char *b, size_t cap)
{
	if (c->agent.embodied_g_per_h >= 0)
		snprintf(b, cap, "%g", c->agent.embodied_g_per_h);
	else
		b[0] = '\0'; /* from the instance type */
}

static void get_grid_lat(const cs_config *c, char *b, size_t cap)
{
	if (c->grid.has_lat)
		snprintf(b, cap, "%g", c->grid.lat);
	else
		b[0] = '\0';
}

static void get_grid_lon(const cs_config *c, char *b, size_t cap)
{
	if (c->grid.has_lon)
		snprintf(b, cap, "%g", c->grid.lon);
	else
		b[0] = '\0';
}

CFG_GET_STR(get_kubelet_url, kubelet.url)
CFG_GET_STR(get_kubelet_token, kubelet.token_file)
CFG_GET_STR(get_kubelet_ca, kubelet.ca_file)
CFG_GET_BOOL(get_kubelet_insecure, kubelet.insecure_skip_verify)
CFG_GET_NUM(get_kubelet_refresh, "%g", kubelet.refresh_s)
CFG_GET_NUM(get_kubelet_timeout, "%g", kubelet.timeout_s)
CFG_GET_STR(get_default_team, teams.default_team)
CFG_GET_NUM(get_agent_interval, "%gs", agent.interval_s)
CFG_GET_STR(get_agent_node_name, agent.node_name)
CFG_GET_STR(get_agent_workloads, agent.workloads)
CFG_GET_BOOL(get_agent_processes, agent.processes)
CFG_GET_NUM(get_agent_max_series, "%u", agent.max_series)
CFG_GET_NUM(get_agent_refresh, "%gs", agent.refresh_s)
CFG_GET_NUM(get_agent_memory_stat, "%gs", agent.memory_stat_s)
CFG_GET_STR(get_agent_region, agent.region)
CFG_GET_STR(get_agent_provider, agent.provider)
CFG_GET_STR(get_agent_instance, agent.instance)
CFG_GET_STR(get_agent_country, agent.country)
CFG_GET_NUM(get_agent_pue, "%g", agent.pue)
CFG_GET_BOOL(get_prom_enabled, prometheus.enabled)
CFG_GET_STR(get_prom_listen, prometheus.listen)
CFG_GET_STR(get_prom_web_config, prometheus.web_config)
CFG_GET_BOOL(get_statsd_enabled, statsd.enabled)
CFG_GET_STR(get_statsd_address, statsd.address)
CFG_GET_STR(get_statsd_prefix, statsd.prefix)
CFG_GET_STR(get_statsd_tags, statsd.tags)
CFG_GET_NUM(get_statsd_mtu, "%u", statsd.mtu)
CFG_GET_BOOL(get_jsonl_enabled, jsonl.enabled)
CFG_GET_STR(get_jsonl_path, jsonl.path)
CFG_GET_NUM(get_jsonl_max_bytes, "%llu", jsonl.max_bytes)
CFG_GET_NUM(get_jsonl_keep, "%u", jsonl.keep)
CFG_GET_BOOL(get_stdout_enabled, out.enabled)
CFG_GET_NUM(get_stdout_top, "%u", out.top)
CFG_GET_BOOL(get_grid_live, grid.live)
CFG_GET_STR(get_grid_url, grid.base_url)
CFG_GET_STR(get_grid_api_key, grid.api_key)
CFG_GET_STR(get_grid_api_key_file, grid.api_key_file)
CFG_GET_STR(get_grid_zone, grid.zone)
CFG_GET_NUM(get_grid_ttl, "%gs", grid.ttl_s)
CFG_GET_NUM(get_grid_timeout, "%gs", grid.timeout_s)
CFG_GET_NUM(get_grid_max_stale, "%gs", grid.max_stale_s)

/* ---- the table ---------------------------------------------------------------- */

static const cfg_key keys_attribution[] = {
    {"idle_policy", set_idle_policy, 0, get_idle_policy},
};
static const cfg_key keys_kubelet[] = {
    {"enabled", set_kubelet_enabled, 0, get_kubelet_enabled},
    {"url", set_kubelet_url, CFG_SECRET, get_kubelet_url},
    {"token_file", set_kubelet_token, 0, get_kubelet_token},
    {"ca_file", set_kubelet_ca, 0, get_kubelet_ca},
    {"insecure_skip_verify", set_kubelet_insecure, 0, get_kubelet_insecure},
    {"refresh_s", set_kubelet_refresh, 0, get_kubelet_refresh},
    {"timeout_s", set_kubelet_timeout, 0, get_kubelet_timeout},
};
static const cfg_key keys_teams[] = {
    {"label_keys", set_label_keys, 0, get_label_keys},
    {"default_team", set_default_team, 0, get_default_team},
};
static const cfg_key keys_agent[] = {
    {"interval", set_agent_interval, 0, get_agent_interval},
    {"node_name", set_agent_node_name, 0, get_agent_node_name},
    {"workloads", set_agent_workloads, 0, get_agent_workloads},
    {"processes", set_agent_processes, 0, get_agent_processes},
    {"max_series", set_agent_max_series, 0, get_agent_max_series},
    {"refresh", set_agent_refresh, 0, get_agent_refresh},
    {"memory_stat", set_agent_memory_stat, 0, get_agent_memory_stat},
    {"region", set_agent_region, 0, get_agent_region},
    {"provider", set_agent_provider, 0, get_agent_provider},
    {"instance", set_agent_instance, 0, get_agent_instance},
    {"country", set_agent_country, 0, get_agent_country},
    {"pue", set_agent_pue, 0, get_agent_pue},
    {"embodied_g_per_h", set_agent_embodied, 0, get_agent_embodied},
};
static const cfg_key keys_prometheus[] = {
    {"enabled", set_prom_enabled, 0, get_prom_enabled},
    {"listen", set_prom_listen, 0, get_prom_listen},
    {"web_config", set_prom_web_config, 0, get_prom_web_config},
};
static const cfg_key keys_statsd[] = {
    {"enabled", set_statsd_enabled, 0, get_statsd_enabled},
    {"address", set_statsd_address, 0, get_statsd_address},
    {"prefix", set_statsd_prefix, 0, get_statsd_prefix},
    {"tags", set_statsd_tags, 0, get_statsd_tags},
    {"mtu", set_statsd_mtu, 0, get_statsd_mtu},
};
static const cfg_key keys_jsonl[] = {
    {"enabled", set_jsonl_enabled, 0, get_jsonl_enabled},
    {"path", set_jsonl_path, 0, get_jsonl_path},
    {"fsync", set_jsonl_fsync, 0, get_jsonl_fsync},
    {"max_bytes", set_jsonl_max_bytes, 0, get_jsonl_max_bytes},
    {"keep", set_jsonl_keep, 0, get_jsonl_keep},
};
static const cfg_key keys_stdout[] = {
    {"enabled", set_stdout_enabled, 0, get_stdout_enabled},
    {"top", set_stdout_top, 0, get_stdout_top},
};
static const cfg_key keys_grid[] = {
    {"live", set_grid_live, 0, get_grid_live},
    {"url", set_grid_url, 0, get_grid_url},
    {"api_key", set_grid_api_key, CFG_SECRET, get_grid_api_key},
    {"api_key_file", set_grid_api_key_file, 0, get_grid_api_key_file},
    {"zone", set_grid_zone, 0, get_grid_zone},
    {"lat", set_grid_lat, 0, get_grid_lat},
    {"lon", set_grid_lon, 0, get_grid_lon},
    {"ttl", set_grid_ttl, 0, get_grid_ttl},
    {"timeout", set_grid_timeout, 0, get_grid_timeout},
    {"max_stale", set_grid_max_stale, 0, get_grid_max_stale},
};

#define CFG_KEYS(a) a, sizeof(a) / sizeof(a[0])

static const cfg_section cfg_sections[] = {
    {"attribution", CFG_KEYS(keys_attribution), NULL},
    {"kubelet", CFG_KEYS(keys_kubelet), NULL},
    {"teams", CFG_KEYS(keys_teams), NULL},
    {"teams.namespaces", NULL, 0, set_namespace_team},
    {"teams.services", NULL, 0, set_service_team},
    {"agent", CFG_KEYS(keys_agent), NULL},
    {"prometheus", CFG_KEYS(keys_prometheus), NULL},
    {"statsd", CFG_KEYS(keys_statsd), NULL},
    {"jsonl", CFG_KEYS(keys_jsonl), NULL},
    {"stdout", CFG_KEYS(keys_stdout), NULL},
    {"grid", CFG_KEYS(keys_grid), NULL},
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
	char why[192], known[512];
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
	c->agent.memory_stat_s = 30;
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

static int cfg_map_copy(cs_cfg_map *dst, const cs_cfg_map *src)
{
	dst->v = NULL;
	dst->n = dst->cap = 0;
	if (!src->n)
		return 0;
	dst->v = malloc(src->n * sizeof(*dst->v));
	if (!dst->v)
		return CS_ENOMEM;
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = dst->cap = src->n;
	return 0;
}

int cs_config_copy(cs_config *dst, const cs_config *src)
{
	*dst = *src;
	if (cfg_map_copy(&dst->teams.namespaces, &src->teams.namespaces) != 0 ||
	    cfg_map_copy(&dst->teams.services, &src->teams.services) != 0) {
		free(dst->teams.namespaces.v);
		dst->teams.namespaces.v = NULL;
		cs_config_init(dst);
		return CS_ENOMEM;
	}
	return 0;
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

/* ---- layering: environment and flags --------------------------------------------- */

static const cfg_key *cfg_key_find(const cfg_section *s, const char *key)
{
	for (size_t k = 0; s->keys && k < s->nkeys; k++)
		if (strcmp(s->keys[k].name, key) == 0)
			return &s->keys[k];
	return NULL;
}

int cs_config_set(cs_config *c, const char *section, const char *key, const char *value, const char *origin,
                  char *err, size_t errcap)
{
	const cfg_section *s;
	const cfg_key *k;
	char why[192], known[512];
	size_t si;
	int rc;

	if (err && errcap)
		err[0] = '\0';
	if (!err)
		errcap = 0;
	if (!c || !section || !key || !value)
		return CS_EINVAL;
	if (!origin)
		origin = "setting";
	s = cfg_section_find(section, &si);
	if (!s || !s->keys) {
		snprintf(err, errcap, "%s: no settable section [%.64s]", origin, section);
		return CS_EINVAL;
	}
	k = cfg_key_find(s, key);
	if (!k) {
		cfg_list(known, sizeof(known), s);
		snprintf(err, errcap, "%s: unknown key '%.64s' in [%s]; known keys: %s", origin, key, section, known);
		return CS_EINVAL;
	}
	why[0] = '\0';
	rc = k->set(c, value, why, sizeof(why));
	if (rc) {
		if (k->flags & CFG_SECRET)
			snprintf(err, errcap, "%s: bad value (not shown): %s", origin, why);
		else
			snprintf(err, errcap, "%s = '%.64s': %s", origin, value, why);
	}
	return rc;
}

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

int cs_config_apply_env(cs_config *c, char *const *envp, char *err, size_t errcap)
{
	if (err && errcap)
		err[0] = '\0';
	if (!c || !envp)
		return CS_EINVAL;
	for (size_t i = 0; envp[i]; i++) {
		const char *e = envp[i], *eq = strchr(e, '=');
		char name[128], sec[64], key[64];
		const cfg_section *s = NULL;
		size_t n, best = 0;
		int rc;

		if (strncmp(e, CS_CONFIG_ENV_PREFIX, strlen(CS_CONFIG_ENV_PREFIX)) != 0 || !eq)
			continue;
		n = (size_t)(eq - e);
		if (n >= sizeof(name))
			continue;
		memcpy(name, e, n);
		name[n] = '\0';
		if (strcmp(name, "CARBONSTAT_CONFIG") == 0 || env_is_service_link(name))
			continue; /* the file itself (the caller's), or a Kubernetes service link */
		/* CARBONSTAT_<SECTION>_<KEY>: the longest section name that fits */
		for (size_t j = 0; j < CFG_NSECTIONS; j++) {
			const cfg_section *t = &cfg_sections[j];
			size_t sl = strlen(t->name), q;
			const char *rest = name + strlen(CS_CONFIG_ENV_PREFIX);

			if (!t->keys || strlen(rest) <= sl + 1 || rest[sl] != '_' || sl <= best)
				continue;
			for (q = 0; q < sl; q++)
				if (toupper((unsigned char)t->name[q]) != rest[q] && !(t->name[q] == '.' && rest[q] == '_'))
					break;
			if (q == sl) {
				s = t;
				best = sl;
			}
		}
		if (!s) {
			snprintf(err, errcap,
			         "environment %s: unknown setting; use CARBONSTAT_<SECTION>_<KEY> for a config key "
			         "(e.g. CARBONSTAT_AGENT_INTERVAL) or unset it",
			         name);
			return CS_EINVAL;
		}
		snprintf(sec, sizeof(sec), "%s", s->name);
		snprintf(key, sizeof(key), "%s", name + strlen(CS_CONFIG_ENV_PREFIX) + best + 1);
		for (char *p = key; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		{
			char origin[160];

			snprintf(origin, sizeof(origin), "environment %s", name);
			rc = cs_config_set(c, sec, key, eq + 1, origin, err, errcap);
		}
		if (rc)
			return rc;
	}
	return 0;
}

void cs_config_dump(const cs_config *c, FILE *f)
{
	char val[1024];

	fprintf(f, "; effective configuration (defaults < %s < environment < flags)\n",
	        c->source[0] ? c->source : "no file");
	for (size_t i = 0; i < CFG_NSECTIONS; i++) {
		const cfg_section *s = &cfg_sections[i];
		const cs_cfg_map *m = NULL;

		fprintf(f, "\n[%s]\n", s->name);
		if (!s->keys) {
			m = strcmp(s->name, "teams.namespaces") == 0 ? &c->teams.namespaces : &c->teams.services;
			for (size_t k = 0; k < m->n; k++)
				fprintf(f, "%s = %s\n", m->v[k].key, m->v[k].team);
			continue;
		}
		for (size_t k = 0; k < s->nkeys; k++) {
			val[0] = '\0';
			if (s->keys[k].get)
				s->keys[k].get(c, val, sizeof(val));
			/* unset and secret values are comments, so the dump reads back */
			if ((s->keys[k].flags & CFG_SECRET) && val[0])
				fprintf(f, "; %s = <set, hidden>\n", s->keys[k].name);
			else if (!val[0])
				fprintf(f, "; %s = (unset)\n", s->keys[k].name);
			else
				fprintf(f, "%s = %s\n", s->keys[k].name, val);
		}
	}
}
