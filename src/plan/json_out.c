/* plan/json_out.c - see json_out.h. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/mem.h"
#include "plan/json_out.h"

static int reserve(plan_json_buf *b, size_t k)
{
	return cs_pool_grow(&b->mem, &b->p, &b->cap, b->n + k, 1, 64);
}

int plan_json_raw(plan_json_buf *b, const char *s, size_t n)
{
	if (reserve(b, n))
		return CS_ENOMEM;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	return 0;
}

void plan_json_buf_free(plan_json_buf *b)
{
	if (!b)
		return;
	cs_pool_free(&b->mem);
	*b = (plan_json_buf){0};
}

/* A string between quotes, escaped as jansson's dump_string does without
 * JSON_ENSURE_ASCII or JSON_ESCAPE_SLASH: the runs that need nothing are
 * copied whole. */
static int put_string(plan_json_buf *b, const char *s, size_t n)
{
	size_t run = 0;

	/* worst case: every byte as \u00XX */
	if (reserve(b, n * 6 + 2))
		return CS_ENOMEM;
	b->p[b->n++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[8];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		memcpy(b->p + b->n, s + run, i - run);
		b->n += i - run;
		run = i + 1;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			snprintf(u, sizeof u, "\\u%04X", c);
			esc = u;
			break;
		}
		memcpy(b->p + b->n, esc, strlen(esc));
		b->n += strlen(esc);
	}
	memcpy(b->p + b->n, s + run, n - run);
	b->n += n - run;
	b->p[b->n++] = '"';
	return 0;
}

/* jansson's jsonp_dtostr, in the C locale the CLI runs in: into t[64],
 * returns the length, or < 0. */
static int format_real(char t[64], double v, int precision)
{
	char *e;
	int len = snprintf(t, 61, "%.*g", precision, v);

	if (len < 0 || len >= 61)
		return -1;
	if (!strchr(t, '.') && !strchr(t, 'e')) {
		memcpy(t + len, ".0", 3);
		len += 2;
	}
	if ((e = strchr(t, 'e'))) {
		char *start = e + 1, *end = start + 1;

		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, (size_t)(len - (end - t)) + 1);
			len -= (int)(end - start);
		}
	}
	return len;
}

static int put_real(plan_json_buf *b, double v, int precision)
{
	plan_json_real_text *c = NULL;
	uint64_t bits;
	char t[64];
	int len;

	if (!isfinite(v))
		return CS_EINVAL;
	memcpy(&bits, &v, sizeof bits);
	if (!b->reals)
		b->reals = cs_pool_calloc(&b->mem, PLAN_JSON_REAL_CACHE, sizeof *b->reals);
	if (b->reals) {
		c = &b->reals[(bits ^ (bits >> 29) ^ (bits >> 47)) & (PLAN_JSON_REAL_CACHE - 1)];
		if (c->bits == bits && c->precision == precision)
			return plan_json_raw(b, c->text, c->len);
	}
	if ((len = format_real(t, v, precision)) < 0)
		return CS_EINVAL;
	if (c && len <= (int)sizeof c->text) {
		c->bits = bits;
		c->precision = (uint8_t)precision;
		c->len = (uint8_t)len;
		memcpy(c->text, t, (size_t)len);
	}
	return plan_json_raw(b, t, (size_t)len);
}

int plan_json_key(plan_json_buf *b, const char *key, bool first)
{
	if ((!first && plan_json_raw(b, ", ", 2)) || put_string(b, key, strlen(key)))
		return CS_ENOMEM;
	return plan_json_raw(b, ": ", 2);
}

int plan_json_str(plan_json_buf *b, const char *s)
{
	return s ? put_string(b, s, strlen(s)) : plan_json_raw(b, "null", 4);
}

int plan_json_int(plan_json_buf *b, long long v)
{
	char t[32];
	int len = snprintf(t, sizeof t, "%lld", v);

	return plan_json_raw(b, t, (size_t)len);
}

int plan_json_num(plan_json_buf *b, double v, bool known, int precision)
{
	if (!known || !isfinite(v))
		return plan_json_raw(b, "null", 4);
	return put_real(b, v, precision > 0 && precision < 32 ? precision : 17);
}

int plan_json_bool(plan_json_buf *b, bool v)
{
	return v ? plan_json_raw(b, "true", 4) : plan_json_raw(b, "false", 5);
}

static int put(plan_json_buf *b, const json_t *v, int precision)
{
	char t[32];
	int rc = 0, len;

	if (!v)
		return CS_EINVAL;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *val;
		bool first = true;

		if (plan_json_raw(b, "{", 1))
			return CS_ENOMEM;
		json_object_foreach((json_t *)v, key, val)
		{
			if ((!first && plan_json_raw(b, ", ", 2)) || put_string(b, key, strlen(key)) ||
			    plan_json_raw(b, ": ", 2))
				return CS_ENOMEM;
			if ((rc = put(b, val, precision)))
				return rc;
			first = false;
		}
		return plan_json_raw(b, "}", 1);
	}
	case JSON_ARRAY:
		if (plan_json_raw(b, "[", 1))
			return CS_ENOMEM;
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i && plan_json_raw(b, ", ", 2))
				return CS_ENOMEM;
			if ((rc = put(b, json_array_get(v, i), precision)))
				return rc;
		}
		return plan_json_raw(b, "]", 1);
	case JSON_STRING: return put_string(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		len = snprintf(t, sizeof t, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return plan_json_raw(b, t, (size_t)len);
	case JSON_REAL: return put_real(b, json_real_value(v), precision);
	case JSON_TRUE: return plan_json_raw(b, "true", 4);
	case JSON_FALSE: return plan_json_raw(b, "false", 5);
	case JSON_NULL: return plan_json_raw(b, "null", 4);
	}
	return CS_EINVAL;
}

int plan_json_append(plan_json_buf *b, const json_t *v, int precision)
{
	return put(b, v, precision > 0 && precision < 32 ? precision : 17);
}
