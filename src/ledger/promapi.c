/* ledger/promapi.c - see promapi.h.
 *
 * A streaming reader, written for this one format because its size is the
 * point: one hour of 40,000 containers is two answers of ~16 MB each, which
 * jansson takes ~0.45 s apiece to build as a tree (bench/ledger_sync_bench.sh,
 * the whole sync has 5 s). This reader walks the bytes once and builds
 * nothing: it copies only the label values asked for (into one scratch
 * buffer reused for every series) and calls back per sample, ~10x faster.
 * It is a full JSON reader for what it skips (any member it does not know,
 * at any depth up to CS_LG_PROM_MAX_DEPTH) and strict for what it reads:
 * strings are decoded (escapes, \uXXXX with surrogate pairs) and must be
 * valid UTF-8 (labels go into text columns), numbers follow
 * the JSON grammar, members may come in any order (a series' "values" before
 * its "metric", "result" before "resultType": their positions are kept and
 * read when the rest is known), duplicates and trailing bytes are errors.
 * fuzz_prom_api replays and fuzzes it.
 */
#include "ledger/promapi.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/parse.h"
#include "core/why.h"
#include "ledger/clip.h"
#include "ledger/grow.h"

#define CS_LG_PROM_MAX_DEPTH 64

typedef struct rd {
	const char *p, *end, *start;
	char *why;
	size_t whycap;
	char *buf; /* scratch for decoded strings */
	size_t len, cap;
	bool failed;
} rd;

static int bad(rd *r, const char *what)
{
	if (!r->failed)
		cs_set_why(r->why, r->whycap, "the answer is not JSON of the query API (%s at byte %zu)", what,
		           (size_t)(r->p - r->start));
	r->failed = true;
	return CS_EINVAL;
}

static void ws(rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static bool peek(rd *r, char c)
{
	ws(r);
	return r->p < r->end && *r->p == c;
}

static bool eat(rd *r, char c)
{
	if (!peek(r, c))
		return false;
	r->p++;
	return true;
}

/* Takes c (after white space), or says it was expected there. */
static int expect(rd *r, char c)
{
	char what[] = "'?' expected";

	if (eat(r, c))
		return 0;
	what[1] = c;
	return bad(r, what);
}

static int put(rd *r, const char *s, size_t n)
{
	char *nb = cs_lg_grown(r->buf, &r->cap, r->len + n + 1, 1);

	if (!nb)
		return CS_ENOMEM;
	r->buf = nb;
	memcpy(r->buf + r->len, s, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return 0;
}

static int hex4(rd *r, unsigned *out)
{
	unsigned v = 0;

	if (r->end - r->p < 4)
		return bad(r, "a cut \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = r->p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return bad(r, "a bad \\u escape");
	}
	r->p += 4;
	*out = v;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (< end), 0 if invalid (as RFC
 * 3629: no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, const unsigned char *end)
{
	unsigned char c = s[0];
	size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	unsigned char lo = 0x80, hi = 0xbf;

	if (!n || (size_t)(end - s) < n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A string at r->p (after whitespace). keep: decoded into r->buf from
 * offset *at (appended, NUL-terminated); else only checked. */
static int string(rd *r, bool keep, size_t *at)
{
	ws(r);
	if (r->p >= r->end || *r->p != '"')
		return bad(r, "a string expected");
	r->p++;
	if (keep)
		*at = r->len;
	for (;;) {
		const char *q = r->p;
		int rc;

		while (q < r->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20) {
			if ((unsigned char)*q >= 0x80) {
				size_t n = utf8_len((const unsigned char *)q, (const unsigned char *)r->end);

				if (!n) {
					r->p = q;
					return bad(r, "invalid UTF-8 in a string");
				}
				q += n;
			} else {
				q++;
			}
		}
		if (keep && q > r->p && (rc = put(r, r->p, (size_t)(q - r->p))) != 0)
			return rc;
		r->p = q;
		if (r->p >= r->end)
			return bad(r, "a string not closed");
		if (*r->p == '"') {
			r->p++;
			if (keep) {
				/* NUL-terminated and kept: strings are stored back to back */
				if ((rc = put(r, "", 0)) != 0)
					return rc;
				r->len++;
			}
			return 0;
		}
		if ((unsigned char)*r->p < 0x20)
			return bad(r, "a control character in a string");
		/* an escape */
		if (++r->p >= r->end)
			return bad(r, "a cut escape");
		{
			char c = *r->p++, o[4];
			size_t n = 1;
			unsigned u, lo;

			switch (c) {
			case '"': o[0] = '"'; break;
			case '\\': o[0] = '\\'; break;
			case '/': o[0] = '/'; break;
			case 'b': o[0] = '\b'; break;
			case 'f': o[0] = '\f'; break;
			case 'n': o[0] = '\n'; break;
			case 'r': o[0] = '\r'; break;
			case 't': o[0] = '\t'; break;
			case 'u':
				if ((rc = hex4(r, &u)) != 0)
					return rc;
				if (u >= 0xd800 && u <= 0xdbff) {
					if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
						return bad(r, "a lone surrogate");
					r->p += 2;
					if ((rc = hex4(r, &lo)) != 0)
						return rc;
					if (lo < 0xdc00 || lo > 0xdfff)
						return bad(r, "a lone surrogate");
					u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				} else if (u >= 0xdc00 && u <= 0xdfff) {
					return bad(r, "a lone surrogate");
				}
				if (u == 0)
					return bad(r, "a NUL in a string");
				if (u < 0x80) {
					o[0] = (char)u;
				} else if (u < 0x800) {
					o[0] = (char)(0xc0 | (u >> 6));
					o[1] = (char)(0x80 | (u & 0x3f));
					n = 2;
				} else if (u < 0x10000) {
					o[0] = (char)(0xe0 | (u >> 12));
					o[1] = (char)(0x80 | ((u >> 6) & 0x3f));
					o[2] = (char)(0x80 | (u & 0x3f));
					n = 3;
				} else {
					o[0] = (char)(0xf0 | (u >> 18));
					o[1] = (char)(0x80 | ((u >> 12) & 0x3f));
					o[2] = (char)(0x80 | ((u >> 6) & 0x3f));
					o[3] = (char)(0x80 | (u & 0x3f));
					n = 4;
				}
				break;
			default: return bad(r, "a bad escape");
			}
			if (keep && (rc = put(r, o, n)) != 0)
				return rc;
		}
	}
}

/* A JSON number at r->p into *out. */
static int number(rd *r, double *out)
{
	const char *s, *q;
	char tmp[64];

	ws(r);
	s = q = r->p;
	if (q < r->end && *q == '-')
		q++;
	if (q >= r->end || *q < '0' || *q > '9')
		return bad(r, "a number expected");
	if (*q == '0')
		q++;
	else
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	if (q < r->end && *q == '.') {
		if (++q >= r->end || *q < '0' || *q > '9')
			return bad(r, "a bad number");
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < r->end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < r->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= r->end || *q < '0' || *q > '9')
			return bad(r, "a bad number");
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	}
	if ((size_t)(q - s) >= sizeof(tmp))
		return bad(r, "a number too long");
	memcpy(tmp, s, (size_t)(q - s));
	tmp[q - s] = '\0';
	*out = strtod(tmp, NULL);
	if (!isfinite(*out))
		return bad(r, "a number out of range");
	r->p = q;
	return 0;
}

static int skip(rd *r, int depth);

static int skip_lit(rd *r, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n))
		return bad(r, "a bad literal");
	r->p += n;
	return 0;
}

/* Any JSON value, checked and skipped. */
static int skip(rd *r, int depth)
{
	double d;
	int rc;

	if (depth > CS_LG_PROM_MAX_DEPTH)
		return bad(r, "nesting too deep");
	ws(r);
	if (r->p >= r->end)
		return bad(r, "a value expected");
	switch (*r->p) {
	case '"': return string(r, false, NULL);
	case '{':
		r->p++;
		if (eat(r, '}'))
			return 0;
		do {
			if ((rc = string(r, false, NULL)) != 0)
				return rc;
			if ((rc = expect(r, ':')) != 0)
				return rc;
			if ((rc = skip(r, depth + 1)) != 0)
				return rc;
		} while (eat(r, ','));
		return expect(r, '}');
	case '[':
		r->p++;
		if (eat(r, ']'))
			return 0;
		do {
			if ((rc = skip(r, depth + 1)) != 0)
				return rc;
		} while (eat(r, ','));
		return expect(r, ']');
	case 't': return skip_lit(r, "true");
	case 'f': return skip_lit(r, "false");
	case 'n': return skip_lit(r, "null");
	default: return number(r, &d);
	}
}

/* A member name, decoded into name[cap] (longer ones are cut: none we read
 * is long); r->buf is used as scratch. */
static int key(rd *r, char *name, size_t cap)
{
	size_t at;
	int rc;

	r->len = 0;
	if ((rc = string(r, true, &at)) != 0)
		return rc;
	snprintf(name, cap, "%s", r->buf + at);
	return expect(r, ':');
}

typedef struct series_ctx {
	const char *const *want;
	int nwant;
	cs_lg_prom_cb cb;
	void *ud;
	cs_lg_prom_stats *st;
	const char *labels[CS_LG_PROM_MAX_LABELS];
	size_t off[CS_LG_PROM_MAX_LABELS];
} series_ctx;

/* One [t, "v"] pair. */
static int sample(rd *r, series_ctx *c)
{
	double t, v;
	size_t at, save = r->len;
	int rc;

	if (!eat(r, '['))
		return bad(r, "a sample is not [time, \"value\"]");
	if ((rc = number(r, &t)) != 0)
		return rc;
	if (!eat(r, ','))
		return bad(r, "a sample is not [time, \"value\"]");
	if ((rc = string(r, true, &at)) != 0)
		return rc;
	if (!eat(r, ']'))
		return bad(r, "a sample is not [time, \"value\"]");
	if (!isfinite(t))
		return bad(r, "a sample time is not finite");
	c->st->samples++;
	if (cs_parse_double(r->buf + at, &v) != 0 || !isfinite(v)) {
		c->st->skipped++;
		r->len = save;
		return 0;
	}
	r->len = save;
	for (int k = 0; k < c->nwant; k++)
		c->labels[k] = r->buf + c->off[k];
	return c->cb(c->ud, c->labels, t, v);
}

/* One series object. */
static int series(rd *r, series_ctx *c, bool matrix)
{
	const char *vals = NULL;
	bool had_metric = false, had_vals = false;
	char name[32];
	int rc;

	if (!eat(r, '{'))
		return bad(r, "a series is not an object");
	r->len = 0;
	if (put(r, "", 0) != 0) /* offset 0: the empty string, for labels not there */
		return CS_ENOMEM;
	r->len = 1;
	for (int k = 0; k < c->nwant; k++)
		c->off[k] = 0;
	if (!eat(r, '}')) {
		do {
			size_t keep_len = r->len;

			/* the member name must not clobber labels kept so far */
			{
				size_t at;

				if ((rc = string(r, true, &at)) != 0)
					return rc;
				snprintf(name, sizeof(name), "%s", r->buf + at);
				r->len = keep_len;
				if ((rc = expect(r, ':')) != 0)
					return rc;
			}
			if (!strcmp(name, "metric")) {
				if (had_metric)
					return bad(r, "a duplicate metric");
				had_metric = true;
				if (peek(r, 'n')) {
					if ((rc = skip_lit(r, "null")) != 0)
						return rc;
					continue;
				}
				if (!eat(r, '{'))
					return bad(r, "metric is not an object");
				if (eat(r, '}'))
					continue;
				do {
					size_t kat, vat;
					int which = -1;

					if ((rc = string(r, true, &kat)) != 0)
						return rc;
					for (int k = 0; k < c->nwant; k++)
						if (!strcmp(r->buf + kat, c->want[k]))
							which = k;
					r->len = kat; /* the label name is not kept */
					if ((rc = expect(r, ':')) != 0)
						return rc;
					if (!peek(r, '"'))
						return bad(r, "a label value is not a string");
					if ((rc = string(r, which >= 0, &vat)) != 0)
						return rc;
					if (which >= 0) {
						if (c->off[which])
							return bad(r, "a duplicate label");
						c->off[which] = vat;
					}
				} while (eat(r, ','));
				if ((rc = expect(r, '}')) != 0)
					return rc;
			} else if (!strcmp(name, matrix ? "values" : "value")) {
				if (had_vals)
					return bad(r, "duplicate samples");
				had_vals = true;
				ws(r);
				vals = r->p; /* read after the metric: members come in any order */
				if ((rc = skip(r, 2)) != 0)
					return rc;
			} else if ((rc = skip(r, 2)) != 0) {
				return rc;
			}
		} while (eat(r, ','));
		if ((rc = expect(r, '}')) != 0)
			return rc;
	}
	if (!had_vals)
		return bad(r, matrix ? "a series of a matrix has no values array" : "a series has no value");
	c->st->series++;
	{
		const char *after = r->p;

		r->p = vals;
		if (matrix) {
			if (!eat(r, '['))
				return bad(r, "values is not an array");
			if (!eat(r, ']'))
				do {
					if ((rc = sample(r, c)) != 0)
						return rc;
				} while (eat(r, ','));
			/* the array was checked by skip(): its end is here */
			(void)eat(r, ']');
		} else if ((rc = sample(r, c)) != 0) {
			return rc;
		}
		r->p = after;
	}
	return 0;
}

int cs_lg_prom_parse(const char *body, size_t len, const char *const *want, int nwant, cs_lg_prom_cb cb, void *ud,
                     cs_lg_prom_stats *st, char *why, size_t whycap)
{
	rd r = {body, body + len, body, why, whycap, NULL, 0, 0, false};
	series_ctx c = {want, nwant, cb, ud, st, {0}, {0}};
	const char *result = NULL;
	char name[32], status[16] = "", type[16] = "", etype[48] = "", emsg[300] = "";
	bool had_status = false, had_data = false;
	int rc = 0;

	if (nwant < 0 || nwant > CS_LG_PROM_MAX_LABELS)
		return CS_EINVAL;
	if (!eat(&r, '{')) {
		rc = bad(&r, "no JSON object; is this the Prometheus HTTP API?");
		goto out;
	}
	if (!eat(&r, '}'))
		do {
			size_t at;

			if ((rc = key(&r, name, sizeof(name))) != 0)
				goto out;
			if (!strcmp(name, "status") || !strcmp(name, "errorType") || !strcmp(name, "error")) {
				char *dst = name[0] == 's' ? status : name[5] ? etype : emsg;
				size_t cap = name[0] == 's' ? sizeof(status) : name[5] ? sizeof(etype) : sizeof(emsg);

				if (name[0] == 's' && had_status) {
					rc = bad(&r, "a duplicate status");
					goto out;
				}
				if (!peek(&r, '"')) {
					if ((rc = skip(&r, 1)) != 0)
						goto out;
					continue;
				}
				r.len = 0;
				if ((rc = string(&r, true, &at)) != 0)
					goto out;
				cs_lg_clip(r.buf + at, cap - 1, dst, cap);
				if (name[0] == 's')
					had_status = true;
			} else if (!strcmp(name, "data")) {
				if (had_data) {
					rc = bad(&r, "a duplicate data");
					goto out;
				}
				had_data = true;
				if (peek(&r, 'n')) {
					if ((rc = skip_lit(&r, "null")) != 0)
						goto out;
					continue;
				}
				if (!eat(&r, '{')) {
					rc = bad(&r, "data is not an object");
					goto out;
				}
				if (!eat(&r, '}'))
					do {
						if ((rc = key(&r, name, sizeof(name))) != 0)
							goto out;
						if (!strcmp(name, "resultType") && peek(&r, '"')) {
							r.len = 0;
							if ((rc = string(&r, true, &at)) != 0)
								goto out;
							cs_lg_clip(r.buf + at, sizeof(type) - 1, type, sizeof(type));
						} else if (!strcmp(name, "result")) {
							ws(&r);
							result = r.p;
							if ((rc = skip(&r, 2)) != 0)
								goto out;
						} else if ((rc = skip(&r, 2)) != 0) {
							goto out;
						}
					} while (eat(&r, ','));
				if ((rc = expect(&r, '}')) != 0)
					goto out;
			} else if ((rc = skip(&r, 1)) != 0) {
				goto out;
			}
		} while (eat(&r, ','));
	if ((rc = expect(&r, '}')) != 0)
		goto out;
	ws(&r);
	if (r.p != r.end) {
		rc = bad(&r, "bytes after the answer");
		goto out;
	}
	if (!had_status) {
		cs_set_why(why, whycap, "the answer has no status; is this the Prometheus HTTP API?");
		rc = CS_EINVAL;
		goto out;
	}
	if (strcmp(status, "success") != 0) {
		cs_set_why(why, whycap, "%s: %s", etype[0] ? etype : "error", emsg[0] ? emsg : "(no message)");
		rc = CS_EINVAL;
		goto out;
	}
	if (!result || !type[0]) {
		cs_set_why(why, whycap, "the answer has no data.result array");
		rc = CS_EINVAL;
		goto out;
	}
	if (strcmp(type, "vector") && strcmp(type, "matrix")) {
		cs_set_why(why, whycap, "the answer is a %s, not a vector or matrix; the query must return series",
		           type);
		rc = CS_EINVAL;
		goto out;
	}
	r.p = result;
	if (!eat(&r, '[')) {
		cs_set_why(why, whycap, "the answer has no data.result array");
		rc = CS_EINVAL;
		goto out;
	}
	if (!eat(&r, ']'))
		do {
			if ((rc = series(&r, &c, type[0] == 'm')) != 0)
				goto out;
		} while (eat(&r, ','));
out:
	free(r.buf);
	return rc;
}
