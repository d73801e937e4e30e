/* fuzz_prom_api.c - libFuzzer target for the Prometheus HTTP API answer
 * reader of `ledger sync` (ledger/promapi.c, a hand-written streaming JSON
 * reader).
 *
 * The body is what a server (or anything at its URL) answers. Checks: no
 * crash or over-read; every sample passed on has a finite time and value and
 * as many NUL-terminated label values as asked; samples = passed + skipped;
 * a failure is CS_EINVAL with one line. And differentially, against jansson
 * (numbers as reals, as the reader reads them): whenever the reader accepts
 * a body, jansson parses it as JSON too (so the reader accepts no invalid
 * JSON or UTF-8), and when both take it as a success answer they pass on the
 * same samples, in the same order, with the same labels, times and values.
 */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/parse.h"
#include "ledger/promapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NW      3
#define MAX_REC 512

static const char *const want[NW] = {"node", "team", "component"};

typedef struct rec {
	char l[NW][64];
	double t, v;
} rec;

typedef struct recs {
	rec *r;
	size_t n;
	int truncated;
} recs;

static void add(recs *s, const char *const *labels, double t, double v)
{
	if (s->n >= MAX_REC) {
		s->truncated = 1;
		return;
	}
	for (int i = 0; i < NW; i++)
		snprintf(s->r[s->n].l[i], 64, "%s", labels[i]);
	s->r[s->n].t = t;
	s->r[s->n].v = v;
	s->n++;
}

static int cb(void *ud, const char *const *labels, double t, double v)
{
	if (!isfinite(t) || !isfinite(v))
		abort();
	for (int i = 0; i < NW; i++)
		if (!labels[i])
			abort();
	add(ud, labels, t, v);
	return 0;
}

/* The same answer read through a jansson tree: 1 success answer (samples in
 * out), 0 not one, -1 not JSON. */
static int reference(const uint8_t *data, size_t size, recs *out)
{
	json_t *root = json_loadb((const char *)data, size, JSON_DECODE_INT_AS_REAL, NULL), *d, *res, *s;
	const char *type, *st;
	size_t i;
	int ok = 0;

	if (!root)
		return -1;
	st = json_string_value(json_object_get(root, "status"));
	d = json_object_get(root, "data");
	res = json_object_get(d, "result");
	type = json_string_value(json_object_get(d, "resultType"));
	if (!st || strcmp(st, "success") || !json_is_object(d) || !json_is_array(res) || !type ||
	    (strcmp(type, "vector") && strcmp(type, "matrix")))
		goto out;
	json_array_foreach(res, i, s)
	{
		const json_t *m = json_object_get(s, "metric"), *vals;
		const char *lab[NW];
		size_t j, n;

		if (!json_is_object(s) || (m && !json_is_object(m) && !json_is_null(m)))
			goto out;
		for (int k = 0; k < NW; k++) {
			const json_t *x = json_is_object(m) ? json_object_get(m, want[k]) : NULL;

			lab[k] = json_is_string(x) ? json_string_value(x) : "";
		}
		vals = json_object_get(s, type[0] == 'm' ? "values" : "value");
		if (!vals)
			goto out;
		n = type[0] == 'm' ? json_array_size(vals) : 1;
		if (type[0] == 'm' && !json_is_array(vals))
			goto out;
		for (j = 0; j < n; j++) {
			const json_t *p = type[0] == 'm' ? json_array_get(vals, j) : vals;
			const json_t *t = json_array_get(p, 0), *v = json_array_get(p, 1);
			double tv, vv;

			if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_number(t) || !json_is_string(v))
				goto out;
			tv = json_number_value(t);
			if (!isfinite(tv))
				goto out;
			if (cs_parse_double(json_string_value(v), &vv) != 0 || !isfinite(vv))
				continue;
			add(out, lab, tv, vv);
		}
	}
	ok = 1;
out:
	json_decref(root);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rec *a = malloc(MAX_REC * sizeof(rec)), *b = malloc(MAX_REC * sizeof(rec));
	recs ours = {a, 0, 0}, ref = {b, 0, 0};
	cs_lg_prom_stats st = {0};
	char why[300];
	int rc, rr;

	if (!a || !b)
		abort();
	why[0] = '\0';
	rc = cs_lg_prom_parse((const char *)data, size, want, NW, cb, &ours, &st, why, sizeof(why));
	if (rc != 0 && (rc != CS_EINVAL || !why[0] || strchr(why, '\n')))
		abort();
	if (rc == 0 && !ours.truncated && st.samples != ours.n + st.skipped)
		abort();
	rr = reference(data, size, &ref);
	if (rc == 0 && rr == -1)
		abort(); /* the reader took something that is not JSON */
	if (rc == 0 && rr == 1 && !ours.truncated && !ref.truncated) {
		if (ours.n != ref.n)
			abort();
		for (size_t i = 0; i < ours.n; i++) {
			if (ours.r[i].t != ref.r[i].t || ours.r[i].v != ref.r[i].v)
				abort();
			for (int k = 0; k < NW; k++)
				if (strcmp(ours.r[i].l[k], ref.r[i].l[k]))
					abort();
		}
	}
	free(a);
	free(b);
	return 0;
}
