/* conf/conf.c - the value types of conf.h (parse, check, format, describe)
 * and the cs_conf object (defaults, copy, compare, free).
 *
 * Every value, whether from a default, the file, a variable or a flag, goes
 * through conf_set, so defaults are checked like user input and a module's
 * struct only ever holds values its key rows allow.
 */
#include "conf/conf_impl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <carbonstat/error.h>

#include "core/parse.h"
#include "core/str.h"
#include "core/why.h"

/* ---- small helpers ---------------------------------------------------------------- */

static bool conf_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static void *conf_field(const cs_conf_key *k, const void *data)
{
	return (char *)data + k->off;
}

static void conf_fmt_bytes(uint64_t b, char *buf, size_t cap)
{
	static const char sfx[] = "TGMK";

	for (int i = 0; i < 4; i++) {
		uint64_t u = 1ull << (10 * (4 - i));

		if (b && b % u == 0) {
			snprintf(buf, cap, "%llu%c", (unsigned long long)(b / u), sfx[i]);
			return;
		}
	}
	snprintf(buf, cap, "%llu", (unsigned long long)b);
}

static int conf_number(const cs_conf_key *k, const char *v, double *out);

/* v as the file would spell it, the shortest way that k's parser reads
 * back exactly: "5s", "1h", "250ms", "12.5%", "1.135", "64M". */
static void conf_fmt_number(const cs_conf_key *k, double v, char *buf, size_t cap)
{
	static const struct {
		const char *unit;
		double s;
	} units[] = {{"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}, {"ms", 0.001}};
	const char *sfx = k->type == CS_CONF_DURATION ? "s" : k->type == CS_CONF_PERCENT ? "%" : "";
	double shown = k->type == CS_CONF_PERCENT ? v * 100.0 : v, back;

	if (k->type == CS_CONF_BYTES) {
		conf_fmt_bytes((uint64_t)v, buf, cap);
		return;
	}
	for (size_t i = 0; k->type == CS_CONF_DURATION && v > 0 && i < CS_CONF_N(units); i++) {
		double q = v / units[i].s;

		if (q >= 1 && q == floor(q) && q < 1e15) {
			snprintf(buf, cap, "%.0f%s", q, units[i].unit);
			if (conf_number(k, buf, &back) == 0 && back == v)
				return;
		}
	}
	if (v == 0)
		sfx = k->type == CS_CONF_PERCENT ? "%" : "";
	if (shown == floor(shown) && fabs(shown) < 1e15) {
		snprintf(buf, cap, "%.0f%s", shown, sfx);
		if (conf_number(k, buf, &back) == 0 && back == v)
			return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g%s", prec, shown, sfx);
		if (conf_number(k, buf, &back) == 0 && back == v)
			return;
	}
}

/* "a, b or c" of an enum's accepted names. */
static void conf_enum_names(const cs_conf_key *k, char *buf, size_t cap)
{
	const char *ok[64];
	size_t m = 0, w = 0;

	for (size_t i = 0; i < k->nnames && m < CS_CONF_N(ok); i++)
		if (k->names[i] && k->names[i][0] && (!k->mask || (k->mask >> i & 1)))
			ok[m++] = k->names[i];
	buf[0] = '\0';
	for (size_t i = 0; i < m && w < cap; i++) {
		int n = snprintf(buf + w, cap - w, "%s%s", i == 0 ? "" : i + 1 == m ? " or " : ", ", ok[i]);

		w += n > 0 ? (size_t)n : 0;
	}
}

void conf_describe(const cs_conf_key *k, char *buf, size_t cap)
{
	static const char *const noun[] = {
	    [CS_CONF_UINT] = "a number",        [CS_CONF_BYTES] = "a size in bytes (K, M, G, T suffixes)",
	    [CS_CONF_DOUBLE] = "a number",      [CS_CONF_DURATION] = "a duration",
	    [CS_CONF_PERCENT] = "a percentage",
	};
	char lo[48], hi[48];

	switch (k->type) {
	case CS_CONF_BOOL: snprintf(buf, cap, "true or false"); break;
	case CS_CONF_TRISTATE: snprintf(buf, cap, "auto, true or false"); break;
	case CS_CONF_UINT:
	case CS_CONF_BYTES:
	case CS_CONF_DOUBLE:
	case CS_CONF_DURATION:
	case CS_CONF_PERCENT:
		conf_fmt_number(k, k->min, lo, sizeof(lo));
		conf_fmt_number(k, k->max, hi, sizeof(hi));
		snprintf(buf, cap, "%s from %s to %s%s", k->expect ? k->expect : noun[k->type], lo, hi,
		         k->flags & CS_CONF_ZERO ? ", or 0" : "");
		break;
	case CS_CONF_PATH: snprintf(buf, cap, "%s", k->expect ? k->expect : "a file path"); break;
	case CS_CONF_URL: snprintf(buf, cap, "%s", k->expect ? k->expect : "an https:// (or http://) URL"); break;
	case CS_CONF_HOSTPORT:
		snprintf(buf, cap, "%s",
		         k->flags & CS_CONF_ANYHOST ? "host:port, [v6]:port or :port" : "host:port or [v6]:port");
		break;
	case CS_CONF_ENUM: conf_enum_names(k, buf, cap); break;
	case CS_CONF_LIST:
		snprintf(buf, cap, "a comma-separated list of %s (at most %g)", k->expect ? k->expect : "names",
		         k->max);
		break;
	case CS_CONF_STRING:
	case CS_CONF_MAP:
	default: snprintf(buf, cap, "%s", k->expect ? k->expect : "text"); break;
	}
}

/* "expected ..." into why, unless the module's check already said more. */
static int conf_expected(const cs_conf_key *k, char *why, size_t cap)
{
	char d[256];

	if (why && cap && why[0])
		return CS_EINVAL;
	conf_describe(k, d, sizeof(d));
	cs_set_why(why, cap, "expected %s%s", d,
	           k->type == CS_CONF_DURATION ? " (\"5s\", \"500ms\", \"1m\"; a bare number is seconds)" : "");
	return CS_EINVAL;
}

/* ---- checks and parsers ------------------------------------------------------------ */

static int conf_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < CS_CONF_N(yes); i++) {
		if (strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
			*out = strcmp(v, yes[i]) == 0;
			return 0;
		}
	}
	return CS_EINVAL;
}

/* Text a file can hold and the dump can write back: printable, no blank at
 * either end, no " ;" (libinih would read the rest as a comment). */
static int conf_text_ok(const cs_conf_key *k, const char *v, char *why, size_t cap)
{
	size_t n = strlen(v);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == 0x7f) {
			cs_set_why(why, cap, "control characters are not allowed");
			return CS_EINVAL;
		}
		if ((k->flags & CS_CONF_NOBLANK) && (c == ' ' || c >= 0x7f)) {
			cs_set_why(why, cap, "expected %s without blanks", k->expect ? k->expect : "a value");
			return CS_EINVAL;
		}
		if (k->chars && !conf_alnum((char)c) && !strchr(k->chars, c))
			return conf_expected(k, why, cap);
		if (c == ';' && i && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
			cs_set_why(why, cap, "\" ;\" starts a comment in the file; remove the blank");
			return CS_EINVAL;
		}
	}
	if (n && (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' || v[n - 1] == '\t')) {
		cs_set_why(why, cap, "leading or trailing blanks are not allowed");
		return CS_EINVAL;
	}
	if (k->valid && k->valid(v, why, cap) != 0)
		return conf_expected(k, why, cap);
	return 0;
}

/* Zero-padded, so a field's bytes depend on its value only. */
static int conf_copy(const cs_conf_key *k, void *data, const char *v, char *why, size_t cap)
{
	memset(conf_field(k, data), 0, k->size);
	if (!cs_strcpy_fit(conf_field(k, data), k->size, v)) {
		cs_set_why(why, cap, "longer than %zu characters", k->size - 1);
		((char *)conf_field(k, data))[0] = '\0';
		return CS_EINVAL;
	}
	return 0;
}

/* The one rule for paths: relative to where they were written, kept absolute. */
static int conf_path(const cs_conf_key *k, void *data, const char *v, const conf_origin *o, char *why, size_t cap)
{
	char cwd[CS_CONF_PATH_MAX], full[CS_CONF_PATH_MAX * 2];
	const char *base = o ? o->base : NULL;

	if (v[0] == '\0' || v[0] == '/')
		return conf_copy(k, data, v, why, cap);
	if (!base || !base[0]) {
		if (!getcwd(cwd, sizeof(cwd))) {
			cs_set_why(why, cap, "relative path and no working directory (%s); give an absolute path",
			           strerror(errno));
			return CS_EINVAL;
		}
		base = cwd;
	}
	snprintf(full, sizeof(full), "%s%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/", v);
	return conf_copy(k, data, full, why, cap);
}

static int conf_url(const cs_conf_key *k, void *data, const char *v, char *why, size_t cap)
{
	size_t pre = strncmp(v, "https://", 8) == 0 ? 8 : strncmp(v, "http://", 7) == 0 ? 7 : 0;

	if (v[0] && (!pre || !v[pre])) {
		cs_set_why(why, cap, "expected an https:// (or http://) URL");
		return CS_EINVAL;
	}
	for (size_t i = 0; v[i]; i++) {
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f) {
			cs_set_why(why, cap, "expected a URL without blanks or control characters");
			return CS_EINVAL;
		}
	}
	return conf_copy(k, data, v, why, cap);
}

/* Numbers of every kind as a double (u64 values below 2^53 are exact). */
static int conf_number(const cs_conf_key *k, const char *v, double *out)
{
	uint64_t u, mul = 1;
	char num[32];
	size_t n = strlen(v);

	switch (k->type) {
	case CS_CONF_UINT:
		if (cs_parse_u64(v, &u) != 0)
			return CS_EINVAL;
		*out = (double)u;
		return 0;
	case CS_CONF_BYTES:
		if (!n || n >= sizeof(num))
			return CS_EINVAL;
		memcpy(num, v, n + 1);
		if (strchr("KMGT", num[n - 1])) {
			mul = 1ull << (10 * (strchr("KMGT", num[n - 1]) - "KMGT" + 1));
			num[--n] = '\0';
		}
		if (cs_parse_u64(num, &u) != 0 || u > (1ull << 53) / mul)
			return CS_EINVAL;
		*out = (double)(u * mul);
		return 0;
	case CS_CONF_DURATION: return cs_parse_double(v, out) == 0 || cs_parse_duration(v, out) == 0 ? 0 : CS_EINVAL;
	case CS_CONF_PERCENT: return cs_parse_percent(v, out) == 0 ? 0 : CS_EINVAL;
	default: return cs_parse_double(v, out) == 0 ? 0 : CS_EINVAL;
	}
}

static int conf_set_number(const cs_conf_key *k, void *data, const char *v, char *why, size_t cap)
{
	void *f = conf_field(k, data);
	double d;

	if (v[0] == '\0' && (k->flags & CS_CONF_UNSET)) {
		d = NAN;
		memcpy(f, &d, sizeof(d));
		return 0;
	}
	if (conf_number(k, v, &d) != 0 || !((d >= k->min && d <= k->max) || (d == 0 && (k->flags & CS_CONF_ZERO))))
		return conf_expected(k, why, cap);
	if (k->type == CS_CONF_UINT) {
		unsigned u = (unsigned)d;

		memcpy(f, &u, sizeof(u));
	} else if (k->type == CS_CONF_BYTES) {
		uint64_t u = (uint64_t)d;

		memcpy(f, &u, sizeof(u));
	} else {
		memcpy(f, &d, sizeof(d));
	}
	return 0;
}

static int conf_set_enum(const cs_conf_key *k, void *data, const char *v, char *why, size_t cap)
{
	for (size_t i = 0; i < k->nnames; i++) {
		if (k->names[i] && strcmp(v, k->names[i]) == 0 && (!k->mask || (k->mask >> i & 1))) {
			int e = (int)i;

			memcpy(conf_field(k, data), &e, sizeof(e));
			return 0;
		}
	}
	return conf_expected(k, why, cap);
}

static void conf_list_clear(cs_conf_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* "a, b, c": blanks around items dropped; no empty item, no repeat. */
static int conf_set_list(const cs_conf_key *k, void *data, const char *v, char *why, size_t cap)
{
	cs_conf_list nl = {NULL, 0}, *l = conf_field(k, data);
	const char *p = v;
	int rc = 0;

	nl.v = calloc((size_t)k->max + 1, sizeof(char *));
	if (!nl.v)
		return CS_ENOMEM;
	while (*p && !rc) {
		const char *e = strchr(p, ','), *a = p, *b;

		b = e ? e : p + strlen(p);
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (nl.n >= (size_t)k->max) {
			cs_set_why(why, cap, "at most %g %s", k->max, k->expect ? k->expect : "items");
			rc = CS_EINVAL;
		} else if (a == b || (e && !e[1])) {
			rc = conf_expected(k, why, cap);
		} else if (!(nl.v[nl.n] = strndup(a, (size_t)(b - a)))) {
			rc = CS_ENOMEM;
		} else if ((rc = conf_text_ok(k, nl.v[nl.n++], why, cap)) == 0) {
			for (size_t i = 0; i + 1 < nl.n && !rc; i++) {
				if (strcmp(nl.v[i], nl.v[nl.n - 1]) == 0) {
					cs_set_why(why, cap, "'%s' listed twice", nl.v[i]);
					rc = CS_EINVAL;
				}
			}
		}
		p = e ? e + 1 : p + strlen(p);
	}
	if (rc) {
		conf_list_clear(&nl);
		return rc;
	}
	conf_list_clear(l);
	*l = nl;
	return 0;
}

int conf_set(const cs_conf_key *k, void *data, const char *v, const conf_origin *o, char *why, size_t cap)
{
	void *f = conf_field(k, data);
	char host[256];
	unsigned port;
	bool b;
	int rc;

	if (why && cap)
		why[0] = '\0';
	switch (k->type) {
	case CS_CONF_BOOL:
		if (conf_bool(v, &b) != 0)
			return conf_expected(k, why, cap);
		memcpy(f, &b, sizeof(b));
		return 0;
	case CS_CONF_TRISTATE: {
		cs_tristate t = CS_AUTO;

		if (strcmp(v, "auto") != 0) {
			if (conf_bool(v, &b) != 0)
				return conf_expected(k, why, cap);
			t = b ? CS_ON : CS_OFF;
		}
		memcpy(f, &t, sizeof(t));
		return 0;
	}
	case CS_CONF_UINT:
	case CS_CONF_BYTES:
	case CS_CONF_DOUBLE:
	case CS_CONF_DURATION:
	case CS_CONF_PERCENT: return conf_set_number(k, data, v, why, cap);
	case CS_CONF_ENUM: return conf_set_enum(k, data, v, why, cap);
	case CS_CONF_LIST: return conf_set_list(k, data, v, why, cap);
	case CS_CONF_URL: return conf_url(k, data, v, why, cap);
	case CS_CONF_HOSTPORT:
		if (cs_parse_hostport(v, host, sizeof(host), &port) != 0 || (!host[0] && !(k->flags & CS_CONF_ANYHOST)))
			return conf_expected(k, why, cap);
		return conf_copy(k, data, v, why, cap);
	case CS_CONF_PATH:
		if ((rc = conf_text_ok(k, v, why, cap)) != 0)
			return rc;
		return conf_path(k, data, v, o, why, cap);
	case CS_CONF_STRING:
		if ((rc = conf_text_ok(k, v, why, cap)) != 0)
			return rc;
		return conf_copy(k, data, v, why, cap);
	case CS_CONF_MAP:
	default: cs_set_why(why, cap, "not a key: a section of its own"); return CS_EINVAL;
	}
}

/* ---- maps ------------------------------------------------------------------------- */

static cs_conf_pair *conf_map_find(const cs_conf_map *m, const char *name)
{
	/* linear while building (line numbers for duplicates); sorted after */
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].key, name) == 0)
			return &m->v[i];
	return NULL;
}

int conf_map_add(const cs_conf_key *k, void *data, const char *name, const char *v, unsigned line, char *why,
                 size_t cap)
{
	cs_conf_map *m = conf_field(k, data);
	char norm[CS_CONF_LINE_MAX + 1];
	cs_conf_pair *e, *g;

	if (why && cap)
		why[0] = '\0';
	if (k->map_key) {
		if (k->map_key(name, norm, sizeof(norm), why, cap) != 0)
			return CS_EINVAL;
	} else if (!cs_strcpy_fit(norm, sizeof(norm), name)) {
		cs_set_why(why, cap, "name too long");
		return CS_EINVAL;
	}
	if ((e = conf_map_find(m, norm)) != NULL) {
		cs_set_why(why, cap, "already mapped on line %u", e->line);
		return CS_EINVAL;
	}
	if (!v[0] || conf_text_ok(k, v, why, cap) != 0)
		return conf_expected(k, why, cap);
	g = realloc(m->v, (m->n + 1) * sizeof(*g));
	if (!g)
		return CS_ENOMEM;
	m->v = g;
	e = &m->v[m->n];
	e->key = strdup(norm);
	e->value = strdup(v);
	e->line = line;
	if (!e->key || !e->value) {
		free(e->key);
		free(e->value);
		return CS_ENOMEM;
	}
	m->n++;
	return 0;
}

static int conf_pair_cmp(const void *a, const void *b)
{
	return strcmp(((const cs_conf_pair *)a)->key, ((const cs_conf_pair *)b)->key);
}

void conf_map_sort(cs_conf_map *m)
{
	if (m->n)
		qsort(m->v, m->n, sizeof(*m->v), conf_pair_cmp);
}

const char *cs_conf_map_get(const cs_conf_map *m, const char *name)
{
	cs_conf_pair probe = {(char *)name, NULL, 0}, *e;

	if (!m || !m->n || !name)
		return NULL;
	e = bsearch(&probe, m->v, m->n, sizeof(*m->v), conf_pair_cmp);
	return e ? e->value : NULL;
}

static void conf_map_clear(cs_conf_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].value);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* ---- format ----------------------------------------------------------------------- */

bool conf_format(const cs_conf_key *k, const void *data, char *buf, size_t cap)
{
	const void *f = conf_field(k, data);
	double d;
	unsigned u;
	uint64_t b;
	int e;
	bool on;
	size_t w = 0;

	buf[0] = '\0';
	switch (k->type) {
	case CS_CONF_BOOL:
		memcpy(&on, f, sizeof(on));
		snprintf(buf, cap, "%s", on ? "true" : "false");
		break;
	case CS_CONF_TRISTATE:
		memcpy(&e, f, sizeof(e));
		snprintf(buf, cap, "%s", e == CS_AUTO ? "auto" : e == CS_ON ? "true" : "false");
		break;
	case CS_CONF_UINT:
		memcpy(&u, f, sizeof(u));
		snprintf(buf, cap, "%u", u);
		break;
	case CS_CONF_BYTES:
		memcpy(&b, f, sizeof(b));
		conf_fmt_bytes(b, buf, cap);
		break;
	case CS_CONF_DOUBLE:
	case CS_CONF_DURATION:
	case CS_CONF_PERCENT:
		memcpy(&d, f, sizeof(d));
		if (!isnan(d))
			conf_fmt_number(k, d, buf, cap);
		break;
	case CS_CONF_ENUM:
		memcpy(&e, f, sizeof(e));
		if (e >= 0 && (size_t)e < k->nnames && k->names[e])
			snprintf(buf, cap, "%s", k->names[e]);
		break;
	case CS_CONF_LIST: {
		const cs_conf_list *l = f;

		for (size_t i = 0; i < l->n && w < cap; i++) {
			int n = snprintf(buf + w, cap - w, "%s%s", i ? ", " : "", l->v[i]);

			w += n > 0 ? (size_t)n : 0;
		}
		break;
	}
	case CS_CONF_MAP: break;
	default: snprintf(buf, cap, "%s", (const char *)f); break;
	}
	return buf[0] != '\0';
}

/* ---- the object ------------------------------------------------------------------- */

static void conf_data_free(const cs_conf_section *s, void *data)
{
	if (!data)
		return;
	for (size_t i = 0; i < s->nkeys; i++) {
		if (s->keys[i].type == CS_CONF_LIST)
			conf_list_clear(conf_field(&s->keys[i], data));
		else if (s->keys[i].type == CS_CONF_MAP)
			conf_map_clear(conf_field(&s->keys[i], data));
	}
	free(data);
}

/* A deep copy of one module struct, or NULL. */
static void *conf_data_dup(const cs_conf_section *s, const void *src)
{
	void *d = malloc(s->size);

	if (!d)
		return NULL;
	memcpy(d, src, s->size);
	/* detach first, so a failure below frees only what was copied */
	for (size_t i = 0; i < s->nkeys; i++) {
		if (s->keys[i].type == CS_CONF_LIST)
			*(cs_conf_list *)conf_field(&s->keys[i], d) = (cs_conf_list){NULL, 0};
		else if (s->keys[i].type == CS_CONF_MAP)
			*(cs_conf_map *)conf_field(&s->keys[i], d) = (cs_conf_map){NULL, 0};
	}
	for (size_t i = 0; i < s->nkeys; i++) {
		const cs_conf_key *k = &s->keys[i];

		if (k->type == CS_CONF_LIST) {
			const cs_conf_list *from = conf_field(k, src);
			cs_conf_list *to = conf_field(k, d);

			if (from->n && !(to->v = calloc(from->n, sizeof(char *))))
				goto fail;
			for (; to->n < from->n; to->n++)
				if (!(to->v[to->n] = strdup(from->v[to->n])))
					goto fail;
		} else if (k->type == CS_CONF_MAP) {
			const cs_conf_map *from = conf_field(k, src);
			cs_conf_map *to = conf_field(k, d);

			if (from->n && !(to->v = calloc(from->n, sizeof(cs_conf_pair))))
				goto fail;
			for (; to->n < from->n; to->n++) {
				cs_conf_pair *p = &to->v[to->n];

				p->line = from->v[to->n].line;
				p->key = strdup(from->v[to->n].key);
				p->value = strdup(from->v[to->n].value);
				if (!p->key || !p->value) {
					to->n++;
					goto fail;
				}
			}
		}
	}
	return d;
fail:
	conf_data_free(s, d);
	return NULL;
}

void cs_conf_free(cs_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		conf_data_free(c->secs[i], c->data ? c->data[i] : NULL);
	free(c->data);
	free(c->secs);
	free(c);
}

static cs_conf *conf_alloc(const cs_conf_section *const *secs, size_t n)
{
	cs_conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->secs = calloc(n ? n : 1, sizeof(*c->secs));
	c->data = calloc(n ? n : 1, sizeof(*c->data));
	if (!c->secs || !c->data) {
		cs_conf_free(c);
		return NULL;
	}
	if (n)
		memcpy(c->secs, secs, n * sizeof(*secs));
	c->n = n;
	return c;
}

/* The row's field has the size its type writes (a table bug otherwise). */
static bool conf_row_ok(const cs_conf_key *k)
{
	switch (k->type) {
	case CS_CONF_BOOL: return k->size == sizeof(bool);
	case CS_CONF_TRISTATE:
	case CS_CONF_ENUM: return k->size == sizeof(int) && (k->type != CS_CONF_ENUM || k->nnames);
	case CS_CONF_UINT: return k->size == sizeof(unsigned);
	case CS_CONF_BYTES: return k->size == sizeof(uint64_t);
	case CS_CONF_DOUBLE:
	case CS_CONF_DURATION:
	case CS_CONF_PERCENT: return k->size == sizeof(double);
	case CS_CONF_LIST: return k->size == sizeof(cs_conf_list) && k->max >= 1;
	case CS_CONF_MAP: return k->size == sizeof(cs_conf_map);
	default: return k->size > 1;
	}
}

int conf_new(const cs_conf_section *const *secs, size_t n, cs_conf **out, char *err, size_t cap)
{
	cs_conf *c = conf_alloc(secs, n);
	char why[256];

	*out = NULL;
	if (!c)
		return CS_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const cs_conf_section *s = secs[i];

		if (!(c->data[i] = calloc(1, s->size))) {
			cs_conf_free(c);
			return CS_ENOMEM;
		}
		for (size_t j = 0; j < s->nflags; j++) {
			const cs_conf_flag *f = &s->flags[j];

			if (!conf_key(s, f->key) || (!f->arg && !f->value) || (f->enable && !s->enabled)) {
				cs_set_why(err, cap, "[%s] --%s: no such key or value (a table bug)", s->name, f->name);
				cs_conf_free(c);
				return CS_EINVAL;
			}
		}
		for (size_t j = 0; j < s->nkeys; j++) {
			const cs_conf_key *k = &s->keys[j];
			int rc;

			if (!conf_row_ok(k) || k->off + k->size > s->size) {
				cs_set_why(err, cap, "[%s] %s: the row does not fit its field (a table bug)", s->name,
				           k->name);
				cs_conf_free(c);
				return CS_EINVAL;
			}
			if (!k->def && !(k->flags & CS_CONF_UNSET))
				continue;
			rc = conf_set(k, c->data[i], k->def ? k->def : "", NULL, why, sizeof(why));
			if (rc) {
				/* a table bug: its own default is refused (test_conf checks them) */
				cs_set_why(err, cap, "[%s] %s: the default '%s' is refused: %s", s->name, k->name,
				           k->def ? k->def : "", why);
				cs_conf_free(c);
				return rc;
			}
		}
	}
	*out = c;
	return 0;
}

int cs_conf_dup(const cs_conf *c, cs_conf **out)
{
	cs_conf *d;

	*out = NULL;
	if (!c || !(d = conf_alloc((const cs_conf_section *const *)c->secs, c->n)))
		return CS_ENOMEM;
	memcpy(d->source, c->source, sizeof(d->source));
	for (size_t i = 0; i < c->n; i++) {
		if (!(d->data[i] = conf_data_dup(c->secs[i], c->data[i]))) {
			cs_conf_free(d);
			return CS_ENOMEM;
		}
	}
	*out = d;
	return 0;
}

size_t conf_index(const cs_conf *c, const cs_conf_section *s)
{
	for (size_t i = 0; c && i < c->n; i++)
		if (c->secs[i] == s)
			return i;
	return (size_t)-1;
}

const void *cs_conf_get(const cs_conf *c, const cs_conf_section *s)
{
	size_t i = conf_index(c, s);

	return i == (size_t)-1 ? NULL : c->data[i];
}

bool cs_conf_enabled(const cs_conf *c, const cs_conf_section *s)
{
	const void *d = cs_conf_get(c, s);
	const cs_conf_key *k;
	bool on;

	if (!d)
		return false;
	if (!s->enabled || !(k = conf_key(s, s->enabled)))
		return true;
	if (k->type == CS_CONF_TRISTATE) {
		int t;

		memcpy(&t, conf_field(k, d), sizeof(t));
		return t != CS_OFF;
	}
	memcpy(&on, conf_field(k, d), sizeof(on));
	return on;
}

const char *cs_conf_source(const cs_conf *c)
{
	return c ? c->source : "";
}

bool cs_conf_same(const cs_conf *a, const cs_conf *b, const cs_conf_section *s)
{
	const char *da = cs_conf_get(a, s), *db = cs_conf_get(b, s);

	if (!da || !db)
		return da == db;
	for (size_t i = 0; i < s->nkeys; i++) {
		const cs_conf_key *k = &s->keys[i];

		if (k->type == CS_CONF_LIST) {
			const cs_conf_list *x = conf_field(k, da), *y = conf_field(k, db);

			if (x->n != y->n)
				return false;
			for (size_t j = 0; j < x->n; j++)
				if (strcmp(x->v[j], y->v[j]) != 0)
					return false;
		} else if (k->type == CS_CONF_MAP) {
			const cs_conf_map *x = conf_field(k, da), *y = conf_field(k, db);

			if (x->n != y->n)
				return false;
			for (size_t j = 0; j < x->n; j++)
				if (strcmp(x->v[j].key, y->v[j].key) || strcmp(x->v[j].value, y->v[j].value))
					return false;
		} else if (memcmp(da + k->off, db + k->off, k->size) != 0) {
			return false;
		}
	}
	return true;
}

int cs_conf_keep(cs_conf *dst, const cs_conf *src, const cs_conf_section *s)
{
	size_t i = conf_index(dst, s);
	const void *from = cs_conf_get(src, s);
	void *d;

	if (i == (size_t)-1 || !from)
		return CS_EINVAL;
	if (!(d = conf_data_dup(s, from)))
		return CS_ENOMEM;
	conf_data_free(s, dst->data[i]);
	dst->data[i] = d;
	return 0;
}

/* ---- lookups ---------------------------------------------------------------------- */

const cs_conf_key *conf_key(const cs_conf_section *s, const char *name)
{
	for (size_t i = 0; i < s->nkeys; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return &s->keys[i];
	return NULL;
}

int conf_find(const cs_conf *c, const char *name, const cs_conf_key **map)
{
	*map = NULL;
	for (size_t i = 0; i < c->n; i++) {
		const cs_conf_section *s = c->secs[i];
		size_t n = strlen(s->name);
		const cs_conf_key *k;

		if (strcmp(s->name, name) == 0)
			return (int)i;
		if (strncmp(s->name, name, n) == 0 && name[n] == '.' && (k = conf_key(s, name + n + 1)) &&
		    k->type == CS_CONF_MAP) {
			*map = k;
			return (int)i;
		}
	}
	return -1;
}

void conf_known(const cs_conf *c, const cs_conf_section *s, char *buf, size_t cap)
{
	size_t w = 0;

#define CONF_ADD(...)                                                                                                  \
	do {                                                                                                           \
		int n_ = w < cap ? snprintf(buf + w, cap - w, __VA_ARGS__) : 0;                                        \
		w += n_ > 0 ? (size_t)n_ : 0;                                                                          \
	} while (0)
	buf[0] = '\0';
	for (size_t i = 0; !s && i < c->n; i++) {
		CONF_ADD("%s%s", w ? ", " : "", c->secs[i]->name);
		for (size_t j = 0; j < c->secs[i]->nkeys; j++)
			if (c->secs[i]->keys[j].type == CS_CONF_MAP)
				CONF_ADD(", %s.%s", c->secs[i]->name, c->secs[i]->keys[j].name);
	}
	for (size_t j = 0; s && j < s->nkeys; j++)
		if (s->keys[j].type != CS_CONF_MAP)
			CONF_ADD("%s%s", w ? ", " : "", s->keys[j].name);
#undef CONF_ADD
}

const cs_conf_flag *conf_flag_of(const cs_conf_section *s, const char *key)
{
	for (size_t i = 0; i < s->nflags; i++)
		if (strcmp(s->flags[i].key, key) == 0)
			return &s->flags[i];
	return NULL;
}
