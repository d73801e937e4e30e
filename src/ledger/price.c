/* ledger/price.c - see price.h. A small RFC 4180 scanner (the file is a few
 * thousand lines at most) and strict field checks. */
#include "ledger/price.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "core/parse.h"
#include "core/str.h"
#include "core/why.h"
#include "io/fdio.h"
#include "ledger/clip.h"
#include "ledger/grow.h"

#define PF_FIELD_MAX 128
#define PF_MAX_COLS  64

enum { COL_PROVIDER, COL_INSTANCE, COL_REGION, COL_CURRENCY, COL_PRICE, N_COLS };
static const char *const col_names[N_COLS] = {"provider", "instance_type", "region", "currency", "price_per_hour"};

/* A CSV reader over one buffer. */
typedef struct csv {
	const char *p, *end;
	unsigned line;      /* of the record being read */
	unsigned next_line; /* where the next record starts */
} csv;

/* Reads one record into fields (each NUL-terminated in its
 * PF_FIELD_MAX buffer). Returns the field count, 0 at the end, -1 on a
 * malformed record (why set), -2 for a field too long. */
static int csv_record(csv *c, char fields[][PF_FIELD_MAX], int maxf, char *why, size_t whycap, const char *name)
{
	int nf = 0;
	size_t o = 0;
	bool quoted = false, after_quote = false;

	c->line = c->next_line;
	if (c->p >= c->end)
		return 0;
	for (;;) {
		int ch = c->p < c->end ? (unsigned char)*c->p : -1;

		if (nf >= maxf) {
			cs_set_why(why, whycap, "%s:%u: more than %d columns", name, c->line, maxf);
			return -1;
		}
		if (quoted) {
			if (ch < 0) {
				cs_set_why(why, whycap, "%s:%u: a quoted field is not closed; add the closing '\"'",
				           name, c->line);
				return -1;
			}
			c->p++;
			if (ch == '"') {
				if (c->p < c->end && *c->p == '"') {
					c->p++;
				} else {
					quoted = false;
					after_quote = true;
					continue;
				}
			} else if (ch == '\n') {
				c->next_line++;
			}
			if (o + 1 >= PF_FIELD_MAX)
				goto too_long;
			fields[nf][o++] = (char)ch;
			continue;
		}
		if (ch < 0 || ch == '\n' || ch == ',' || (ch == '\r' && c->p + 1 < c->end && c->p[1] == '\n') ||
		    (ch == '\r' && c->p + 1 == c->end)) {
			if (nf >= maxf) {
				cs_set_why(why, whycap, "%s:%u: more than %d columns", name, c->line, maxf);
				return -1;
			}
			fields[nf][o] = '\0';
			nf++;
			o = 0;
			after_quote = false;
			if (ch == ',') {
				c->p++;
				continue;
			}
			if (ch == '\r')
				c->p++;
			if (ch >= 0)
				c->p++;
			c->next_line++;
			return nf;
		}
		c->p++;
		if (after_quote) {
			cs_set_why(why, whycap, "%s:%u: text after a closing quote; quote the whole field", name,
			           c->line);
			return -1;
		}
		if (ch == '"' && o == 0) {
			quoted = true;
			continue;
		}
		if (o + 1 >= PF_FIELD_MAX)
			goto too_long;
		fields[nf][o++] = (char)ch;
	}
too_long:
	cs_set_why(why, whycap, "%s:%u: a field is longer than %d bytes", name, c->line, PF_FIELD_MAX - 1);
	return -2;
}

/* Skips a '#' comment line at the reader's position; true if it did. */
static bool skip_comment(csv *c)
{
	if (c->p >= c->end || *c->p != '#')
		return false;
	while (c->p < c->end && *c->p != '\n')
		c->p++;
	if (c->p < c->end)
		c->p++;
	c->next_line++;
	return true;
}

static void trim(char *s)
{
	size_t n = strlen(s), a = 0;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[a] == ' ' || s[a] == '\t')
		a++;
	if (a)
		memmove(s, s + a, n - a + 1);
}

static bool valid_provider(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

static bool valid_currency(const char *s)
{
	return strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z';
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* A plain decimal: digits, at most one '.', no sign, exponent or blanks. */
static bool plain_decimal(const char *s)
{
	bool dot = false, dig = false;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			dig = true;
		else if (*s == '.' && !dot)
			dot = true;
		else
			return false;
	}
	return dig;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* why = "FILE:LINE: COLUMN 'VALUE' REASON", the value clipped. */
static void field_why(char *why, size_t whycap, const char *name, unsigned line, const char *column, const char *value,
                      const char *reason)
{
	char cb[48];

	cs_set_why(why, whycap, "%s:%u: %s '%s' %s", name, line, column, cs_lg_clip(value, 40, cb, sizeof(cb)), reason);
}

int cs_lg_prices_parse(const char *buf, size_t len, const char *name, cs_lg_prices *out, char *why, size_t whycap)
{
	char(*f)[PF_FIELD_MAX] = NULL; /* the record's fields */
	int col[N_COLS], nf, ncols = 0;
	csv c = {buf, buf + len, 1, 1};
	cs_lg_prices p = {0};
	size_t cap = 0;

	if (!name)
		name = "<prices>";
	f = calloc(PF_MAX_COLS, PF_FIELD_MAX);
	if (!f) {
		cs_set_why(why, whycap, "%s: out of memory", name);
		return CS_ENOMEM;
	}
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		c.p += 3;
	/* the header: the first record that is not a comment or blank */
	for (;;) {
		if (skip_comment(&c))
			continue;
		nf = csv_record(&c, f, PF_MAX_COLS, why, whycap, name);
		if (nf < 0)
			goto err;
		if (nf == 0) {
			cs_set_why(why, whycap, "%s: no header; the first line must name the columns %s,%s,%s,%s,%s",
			           name, col_names[0], col_names[1], col_names[2], col_names[3], col_names[4]);
			goto err;
		}
		if (nf == 1 && (trim(f[0]), f[0][0] == '\0'))
			continue;
		break;
	}
	ncols = nf;
	for (int k = 0; k < N_COLS; k++) {
		col[k] = -1;
		for (int i = 0; i < nf; i++) {
			trim(f[i]);
			if (!strcasecmp(f[i], col_names[k])) {
				if (col[k] >= 0) {
					cs_set_why(why, whycap, "%s:%u: column '%s' appears twice in the header", name,
					           c.line, col_names[k]);
					goto err;
				}
				col[k] = i;
			}
		}
		if (col[k] < 0) {
			cs_set_why(
			    why, whycap,
			    "%s:%u: the header has no column '%s'; it needs provider,instance_type,region,currency,"
			    "price_per_hour",
			    name, c.line, col_names[k]);
			goto err;
		}
	}
	for (;;) {
		cs_lg_price e;
		double d;
		char cb[48]; /* a field quoted in a message */

		if (skip_comment(&c))
			continue;
		nf = csv_record(&c, f, PF_MAX_COLS, why, whycap, name);
		if (nf < 0)
			goto err;
		if (nf == 0)
			break;
		if (nf == 1 && (trim(f[0]), f[0][0] == '\0'))
			continue;
		if (nf != ncols) {
			cs_set_why(why, whycap,
			           "%s:%u: %d fields where the header has %d; quote fields that hold a comma", name,
			           c.line, nf, ncols);
			goto err;
		}
		for (int i = 0; i < nf; i++)
			trim(f[i]);
		memset(&e, 0, sizeof(e));
		e.line = c.line;
		lower(f[col[COL_PROVIDER]]);
		if (!valid_provider(f[col[COL_PROVIDER]]) ||
		    !cs_strcpy_fit(e.provider, sizeof(e.provider), f[col[COL_PROVIDER]])) {
			field_why(why, whycap, name, c.line, "provider", f[col[COL_PROVIDER]],
			          "is not a short lower-case name (aws, gcp, azure ...)");
			goto err;
		}
		if (!valid_name(f[col[COL_INSTANCE]]) ||
		    !cs_strcpy_fit(e.instance, sizeof(e.instance), f[col[COL_INSTANCE]])) {
			field_why(why, whycap, name, c.line, "instance_type", f[col[COL_INSTANCE]],
			          "is empty, too long or holds control characters");
			goto err;
		}
		if (!strcmp(f[col[COL_REGION]], "*"))
			f[col[COL_REGION]][0] = '\0';
		if ((f[col[COL_REGION]][0] && !valid_name(f[col[COL_REGION]])) ||
		    !cs_strcpy_fit(e.region, sizeof(e.region), f[col[COL_REGION]])) {
			field_why(why, whycap, name, c.line, "region", f[col[COL_REGION]],
			          "is too long or holds control characters");
			goto err;
		}
		if (!valid_currency(f[col[COL_CURRENCY]])) {
			field_why(why, whycap, name, c.line, "currency", f[col[COL_CURRENCY]],
			          "is not an ISO 4217 code such as USD or EUR");
			goto err;
		}
		memcpy(e.currency, f[col[COL_CURRENCY]], 4);
		if (!plain_decimal(f[col[COL_PRICE]]) || cs_parse_double(f[col[COL_PRICE]], &d) != 0 || d >= 1e6) {
			field_why(why, whycap, name, c.line, "price_per_hour", f[col[COL_PRICE]],
			          "is not a plain decimal >= 0 and < 1000000 (e.g. 0.096)");
			goto err;
		}
		e.per_hour = d;
		for (size_t k = 0; k < p.n; k++)
			if (!strcmp(p.v[k].provider, e.provider) && !strcasecmp(p.v[k].instance, e.instance) &&
			    !strcasecmp(p.v[k].region, e.region)) {
				char b2[48];

				cs_set_why(why, whycap, "%s:%u: %s %s in %s is priced twice (line %u too); keep one",
				           name, c.line, e.provider, cs_lg_clip(e.instance, 40, cb, sizeof(cb)),
				           e.region[0] ? cs_lg_clip(e.region, 40, b2, sizeof(b2)) : "any region",
				           p.v[k].line);
				goto err;
			}
		{
			cs_lg_price *nv = cs_lg_grown(p.v, &cap, p.n + 1, sizeof(*nv));

			if (!nv) {
				cs_set_why(why, whycap, "%s: out of memory", name);
				goto err;
			}
			p.v = nv;
		}
		p.v[p.n++] = e;
	}
	free(f);
	cs_strcpy_fit(p.name, sizeof(p.name), name);
	*out = p;
	return 0;
err:
	free(f);
	free(p.v);
	return CS_EINVAL;
}

int cs_lg_prices_load(const char *path, cs_lg_prices *out, char *why, size_t whycap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	char *buf;
	size_t n;
	int rc;

	if (fd < 0) {
		rc = -errno;
		cs_set_why(why, whycap, "cannot open price file %s: %s; check --prices", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (unsigned long long)sb.st_size > CS_LG_PRICE_FILE_MAX) {
		close(fd);
		cs_set_why(why, whycap, "price file %s is not a regular file of at most %u MB", path,
		           CS_LG_PRICE_FILE_MAX >> 20);
		return CS_ERANGE;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		cs_set_why(why, whycap, "price file %s: out of memory", path);
		return CS_ENOMEM;
	}
	rc = cs_fd_read_all(fd, buf, (size_t)sb.st_size, &n);
	close(fd);
	buf[n] = '\0';
	if (rc)
		cs_set_why(why, whycap, "cannot read price file %s: %s", path, strerror(-rc));
	else
		rc = cs_lg_prices_parse(buf, n, path, out, why, whycap);
	free(buf);
	return rc;
}

void cs_lg_prices_free(cs_lg_prices *p)
{
	if (!p)
		return;
	free(p->v);
	*p = (cs_lg_prices){0};
}

const cs_lg_price *cs_lg_prices_find(const cs_lg_prices *p, const char *provider, const char *instance,
                                     const char *region)
{
	const cs_lg_price *any = NULL;

	if (!p || !provider || !instance || !*instance)
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		const cs_lg_price *e = &p->v[i];

		if (strcasecmp(e->provider, provider) || strcasecmp(e->instance, instance))
			continue;
		if (region && *region && !strcasecmp(e->region, region))
			return e;
		if (!e->region[0])
			any = e;
	}
	return any;
}
