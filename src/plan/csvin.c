/* plan/csvin.c - header, comments, trimming and positioned errors over
 * billing's CSV scanner (see csvin.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <carbonstat/error.h>

#include "core/why.h"
#include "plan/csvin.h"

static bool blank_char(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* s trimmed in place (s is the scanner's writable copy of the field). */
static char *trim(char *s)
{
	char *e;

	while (blank_char(*s))
		s++;
	e = s + strlen(s);
	while (e > s && blank_char(e[-1]))
		*--e = '\0';
	return s;
}

static bool row_blank(const cs_csv_rec *r)
{
	for (size_t i = 0; i < r->nf; i++) {
		for (const char *p = r->f[i]; *p; p++)
			if (!blank_char(*p))
				return false;
	}
	return true;
}

static bool row_comment(const cs_csv_rec *r)
{
	const char *p = r->f[0];

	while (blank_char(*p))
		p++;
	return *p == '#' && !r->quoted[0];
}

/* Next record that is neither blank nor a comment: 1, 0 or < 0. */
static int next_record(plan_csv *c, char *why, size_t cap)
{
	for (;;) {
		int rc = cs_csv_next(c->csv, &c->rec, why, cap);

		if (rc <= 0)
			return rc;
		if (!row_blank(&c->rec) && !row_comment(&c->rec))
			return 1;
	}
}

/* Where field i starts in its line, 1-based: the scanner keeps every field
 * at its offset in the record's text (it NUL-terminates and unescapes in
 * place), so the distance back to the record's start, or to a newline
 * inside an earlier quoted field, is the column. */
static unsigned field_column(const cs_csv_rec *r, size_t i)
{
	const char *start, *p, *first;

	if (i >= r->nf) {
		/* past the last field: just after it */
		return field_column(r, r->nf - 1) + (unsigned)r->n[r->nf - 1] + (r->quoted[r->nf - 1] ? 2u : 0u);
	}
	first = r->f[0] - (r->quoted[0] ? 1 : 0);
	start = r->f[i] - (r->quoted[i] ? 1 : 0);
	for (p = start; p > first; p--) {
		if (p[-1] == '\n')
			break;
	}
	return (unsigned)(start - p) + 1u;
}

const char *plan_csv_name(const plan_csv *c)
{
	return cs_bill_src_name(c->src);
}

unsigned long plan_csv_line(const plan_csv *c)
{
	return (unsigned long)c->rec.line;
}

unsigned plan_csv_column(const plan_csv *c, size_t col)
{
	int i = col < c->ncols ? c->idx[col] : -1;

	return field_column(&c->rec, i < 0 ? c->rec.nf : (size_t)i);
}

int plan_csv_error(const plan_csv *c, size_t col, char *why, size_t cap, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cs_set_why(why, cap, "%s:%lu:%u: %s", plan_csv_name(c), plan_csv_line(c), plan_csv_column(c, col), msg);
	return CS_EINVAL;
}

/* "NAME:LINE:COLUMN: msg" at field index fi of the current record. */
static int field_error(const plan_csv *c, size_t fi, char *why, size_t cap, const char *msg, const char *arg)
{
	cs_set_why(why, cap, "%s:%lu:%u: %s%s", plan_csv_name(c), plan_csv_line(c), field_column(&c->rec, fi), msg,
	           arg ? arg : "");
	return CS_EINVAL;
}

static int read_header(plan_csv *c, bool strict, char *why, size_t cap)
{
	int rc = next_record(c, why, cap);

	if (rc < 0)
		return rc;
	if (rc == 0) {
		cs_set_why(why, cap, "%s: empty: the first line must be the header %s", plan_csv_name(c), c->header);
		return CS_EINVAL;
	}
	for (size_t k = 0; k < c->ncols; k++)
		c->idx[k] = -1;
	c->header_nf = c->rec.nf;
	for (size_t i = 0; i < c->rec.nf; i++) {
		const char *h = trim(c->rec.f[i]);
		size_t k;

		for (k = 0; k < c->ncols; k++)
			if (!strcasecmp(h, c->cols[k].name))
				break;
		if (k == c->ncols) {
			if (!strict || !*h)
				continue;
			cs_set_why(why, cap, "%s:%lu:%u: unknown column '%s'; the header is %s", plan_csv_name(c),
			           plan_csv_line(c), field_column(&c->rec, i), h, c->header);
			return CS_EINVAL;
		}
		if (c->idx[k] >= 0)
			return field_error(c, i, why, cap, "column named twice: ", c->cols[k].name);
		c->idx[k] = (int)i;
	}
	for (size_t k = 0; k < c->ncols; k++) {
		if (c->cols[k].required && c->idx[k] < 0) {
			cs_set_why(why, cap, "%s:%lu:%u: no column '%s'; the header is %s", plan_csv_name(c),
			           plan_csv_line(c), field_column(&c->rec, c->rec.nf), c->cols[k].name, c->header);
			return CS_EINVAL;
		}
	}
	return 0;
}

int plan_csv_open(plan_csv *c, const char *path, const char *buf, size_t len, const plan_col *cols, size_t ncols,
                  const char *header, bool strict, char *why, size_t cap)
{
	int rc;

	memset(c, 0, sizeof *c);
	if (ncols > PLAN_CSV_MAX_COLS)
		return CS_ERANGE;
	c->cols = cols;
	c->ncols = ncols;
	c->header = header;
	rc = buf ? cs_bill_src_open_mem(buf, len, path, &c->src, why, cap) : cs_bill_src_open(path, &c->src, why, cap);
	if (rc)
		return rc;
	rc = cs_csv_new(c->src, &c->csv);
	if (rc) {
		cs_set_why(why, cap, "%s: %s", path, cs_strerror(rc));
		return rc;
	}
	return read_header(c, strict, why, cap);
}

int plan_csv_next(plan_csv *c, char *why, size_t cap)
{
	int rc = next_record(c, why, cap);

	if (rc <= 0)
		return rc;
	for (size_t k = 0; k < c->ncols; k++) {
		int i = c->idx[k];
		c->val[k] = i >= 0 && (size_t)i < c->rec.nf ? trim(c->rec.f[i]) : NULL;
	}
	/* Fields past the header's must be empty (a trailing comma is fine). */
	for (size_t i = c->header_nf; i < c->rec.nf; i++) {
		if (*trim(c->rec.f[i]))
			return field_error(
			    c, i, why, cap,
			    "more fields than the header has; remove it, or quote a value that has a comma", NULL);
	}
	return 1;
}

const char *plan_csv_field(const plan_csv *c, size_t col)
{
	return col < c->ncols && c->val[col] ? c->val[col] : "";
}

bool plan_csv_has(const plan_csv *c, size_t col)
{
	return col < c->ncols && c->idx[col] >= 0;
}

void plan_csv_close(plan_csv *c)
{
	if (!c)
		return;
	cs_csv_free(c->csv);
	cs_bill_src_free(c->src);
	*c = (plan_csv){0};
}
