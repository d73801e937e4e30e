/* billing/jsonl.c - GCP billing JSON lines as records (see jsonl.h). */
#include "billing/jsonl.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/mem.h"
#include "core/why.h"

#define LINE_MAX_BYTES (16u << 20)
#define DEPTH_MAX      16

/* The flattened columns, in record order. "raw" ones keep the JSON text
 * of an array or object (the mapper searches it). */
static const struct {
	const char *path;
	bool raw;
} cols[] = {
    {"billing_account_id", false}, {"service.description", false},
    {"sku.description", false},    {"usage_start_time", false},
    {"project.id", false},         {"labels", true},
    {"system_labels", true},       {"location.region", false},
    {"location.location", false},  {"cost", false},
    {"currency", false},           {"usage.amount", false},
    {"usage.unit", false},         {"credits", true},
    {"cost_type", false},          {"resource.name", false},
};
#define NCOLS (sizeof cols / sizeof cols[0])

struct cs_jsonl {
	cs_bill_src *src;
	cs_win w; /* the bytes read; w.pos: start of the next line */
	bool eof, header_done;
	uint64_t line;
	/* the current record */
	const char *vp[NCOLS];
	uint32_t vn[NCOLS];
	uint8_t vq[NCOLS];
	char *out;
	size_t outcap;
	char *fptr[NCOLS];
	uint32_t flen[NCOLS];
	uint8_t fq[NCOLS];
};

int cs_jsonl_new(cs_bill_src *src, cs_jsonl **out)
{
	cs_jsonl *j = calloc(1, sizeof *j);

	if (!j)
		return CS_ENOMEM;
	j->src = src;
	j->w.cap = 1u << 20; /* the first fill makes the window, emit the record buffer */
	*out = j;
	return 0;
}

void cs_jsonl_free(cs_jsonl *j)
{
	if (!j)
		return;
	free(j->w.buf);
	free(j->out);
	free(j);
}

/* ---- the walker ---------------------------------------------------------- */

typedef struct walk {
	const char *p, *end;
	cs_jsonl *j;
	char path[256];
	size_t plen;
} walk;

static void ws(walk *w)
{
	while (w->p < w->end && (*w->p == ' ' || *w->p == '\t' || *w->p == '\r' || *w->p == '\n'))
		w->p++;
}

static int col_of(const char *path, size_t n)
{
	for (size_t i = 0; i < NCOLS; i++)
		if (strlen(cols[i].path) == n && !memcmp(cols[i].path, path, n))
			return (int)i;
	return -1;
}

static bool str(walk *w, const char **s, size_t *n)
{
	if (w->p >= w->end || *w->p != '"')
		return false;
	const char *q = ++w->p;
	while (q < w->end && *q != '"') {
		if ((unsigned char)*q < 0x20)
			return false;
		if (*q == '\\') {
			if (++q >= w->end)
				return false;
		}
		q++;
	}
	if (q >= w->end)
		return false;
	*s = w->p;
	*n = (size_t)(q - w->p);
	w->p = q + 1;
	return true;
}

static bool value(walk *w, int depth);

static void record(walk *w, const char *s, size_t n, bool quoted, bool raw_value)
{
	int c = col_of(w->path, w->plen);

	if (c < 0 || cols[c].raw != raw_value)
		return;
	w->j->vp[c] = s;
	w->j->vn[c] = (uint32_t)n;
	w->j->vq[c] = quoted;
}

/* Consumes c if it is the next byte. */
static bool eat(walk *w, char c)
{
	if (w->p < w->end && *w->p == c) {
		w->p++;
		return true;
	}
	return false;
}

static bool object(walk *w, int depth)
{
	size_t saved = w->plen;

	w->p++; /* '{' */
	ws(w);
	if (eat(w, '}'))
		return true;
	for (;;) {
		const char *k;
		size_t kn;

		ws(w);
		if (!str(w, &k, &kn))
			return false;
		ws(w);
		if (!eat(w, ':'))
			return false;
		ws(w);
		/* path: parent.key (only the first two levels matter) */
		w->plen = saved;
		if (saved && saved + 1 < sizeof w->path)
			w->path[w->plen++] = '.';
		if (w->plen + kn < sizeof w->path) {
			memcpy(w->path + w->plen, k, kn);
			w->plen += kn;
		}
		if (!value(w, depth + 1))
			return false;
		w->plen = saved;
		ws(w);
		if (eat(w, ','))
			continue;
		if (eat(w, '}'))
			return true;
		return false;
	}
}

static bool array(walk *w, int depth)
{
	w->p++; /* '[' */
	ws(w);
	if (eat(w, ']'))
		return true;
	for (;;) {
		char saved[sizeof w->path];
		size_t sl = w->plen;

		/* elements are not named columns */
		memcpy(saved, w->path, sl);
		w->plen = sizeof w->path - 1;
		memset(w->path, 0, 1);
		if (!value(w, depth + 1))
			return false;
		memcpy(w->path, saved, sl);
		w->plen = sl;
		ws(w);
		if (w->p < w->end && *w->p == ',') {
			w->p++;
			ws(w);
			continue;
		}
		if (eat(w, ']'))
			return true;
		return false;
	}
}

static bool literal(walk *w, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(w->end - w->p) < n || memcmp(w->p, lit, n))
		return false;
	w->p += n;
	return true;
}

static bool number(walk *w)
{
	const char *s = w->p;

	if (w->p < w->end && *w->p == '-')
		w->p++;
	if (w->p >= w->end || *w->p < '0' || *w->p > '9')
		return false;
	while (w->p < w->end && *w->p >= '0' && *w->p <= '9')
		w->p++;
	if (w->p < w->end && *w->p == '.') {
		w->p++;
		if (w->p >= w->end || *w->p < '0' || *w->p > '9')
			return false;
		while (w->p < w->end && *w->p >= '0' && *w->p <= '9')
			w->p++;
	}
	if (w->p < w->end && (*w->p == 'e' || *w->p == 'E')) {
		w->p++;
		if (w->p < w->end && (*w->p == '+' || *w->p == '-'))
			w->p++;
		if (w->p >= w->end || *w->p < '0' || *w->p > '9')
			return false;
		while (w->p < w->end && *w->p >= '0' && *w->p <= '9')
			w->p++;
	}
	record(w, s, (size_t)(w->p - s), false, false);
	return true;
}

static bool value(walk *w, int depth)
{
	const char *start = w->p;
	const char *s;
	size_t n;
	bool ok;

	if (depth > DEPTH_MAX || w->p >= w->end)
		return false;
	switch (*w->p) {
	case '{': ok = object(w, depth); break;
	case '[': ok = array(w, depth); break;
	case '"':
		if (!str(w, &s, &n))
			return false;
		record(w, s, n, true, false);
		return true;
	case 't': return literal(w, "true");
	case 'f': return literal(w, "false");
	case 'n': return literal(w, "null");
	default: return number(w);
	}
	if (ok)
		record(w, start, (size_t)(w->p - start), true, true);
	return ok;
}

/* ---- lines --------------------------------------------------------------- */

static int fill(cs_jsonl *j, char *why, size_t cap)
{
	size_t got = 0;
	int rc = cs_bill_win_fill(j->src, &j->w, LINE_MAX_BYTES, &got, why, cap);

	if (rc == CS_ERANGE)
		cs_set_why(why, cap, "%s:%llu: a JSON line longer than %u MiB; check the file",
		           cs_bill_src_name(j->src), (unsigned long long)j->line + 1, LINE_MAX_BYTES >> 20);
	if (rc)
		return rc;
	if (!got)
		j->eof = true;
	return 0;
}

static int emit(cs_jsonl *j, cs_csv_rec *rec, const char *const *v, const uint32_t *vn, const uint8_t *vq)
{
	size_t need = 0, off = 0;

	for (size_t i = 0; i < NCOLS; i++)
		need += vn[i] + 1;
	if (cs_grow(&j->out, &j->outcap, need, 1, 1u << 16))
		return CS_ENOMEM;
	for (size_t i = 0; i < NCOLS; i++) {
		if (vn[i])
			memcpy(j->out + off, v[i], vn[i]);
		j->out[off + vn[i]] = '\0';
		j->fptr[i] = j->out + off;
		j->flen[i] = vn[i];
		j->fq[i] = vq[i];
		off += vn[i] + 1;
	}
	rec->nf = NCOLS;
	rec->f = j->fptr;
	rec->n = j->flen;
	rec->quoted = j->fq;
	rec->line = j->line;
	return 1;
}

int cs_jsonl_next(cs_jsonl *j, cs_csv_rec *rec, char *why, size_t cap)
{
	int rc;

	if (!j->header_done) {
		const char *v[NCOLS];
		uint32_t vn[NCOLS];
		uint8_t vq[NCOLS];

		for (size_t i = 0; i < NCOLS; i++) {
			v[i] = cols[i].path;
			vn[i] = (uint32_t)strlen(cols[i].path);
			vq[i] = 0;
		}
		j->header_done = true;
		return emit(j, rec, v, vn, vq);
	}
	for (;;) {
		char *nl = j->w.pos < j->w.len ? memchr(j->w.buf + j->w.pos, '\n', j->w.len - j->w.pos) : NULL;
		size_t end;

		if (!nl && !j->eof) {
			if ((rc = fill(j, why, cap)))
				return rc;
			continue;
		}
		if (!nl && j->w.pos >= j->w.len)
			return 0;
		end = nl ? (size_t)(nl - j->w.buf) : j->w.len;
		j->line++;
		walk w = {j->w.buf + j->w.pos, j->w.buf + end, j, {0}, 0};
		j->w.pos = nl ? end + 1 : j->w.len;
		ws(&w);
		if (w.p >= w.end)
			continue; /* blank line */
		memset(j->vn, 0, sizeof j->vn);
		memset(j->vq, 0, sizeof j->vq);
		for (size_t i = 0; i < NCOLS; i++)
			j->vp[i] = "";
		if (*w.p != '{' || !object(&w, 0) || (ws(&w), w.p != w.end)) {
			cs_set_why(why, cap, "%s:%llu: not a JSON object (malformed JSON line)",
			           cs_bill_src_name(j->src), (unsigned long long)j->line);
			return CS_EINVAL;
		}
		return emit(j, rec, j->vp, j->vn, j->vq);
	}
}
