/* ledger/promapi.c - see promapi.h. */
#include "ledger/promapi.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/parse.h"
#include "core/why.h"
#include "ledger/clip.h"

/* One [t, "v"] pair: 0 (passed on or skipped), CS_EINVAL, or what cb
 * returned. */
static int sample(const json_t *pair, const char *const *labels, cs_lg_prom_cb cb, void *ud, cs_lg_prom_stats *st,
                  char *why, size_t whycap)
{
	const json_t *t = json_array_get(pair, 0), *v = json_array_get(pair, 1);
	double tv, vv;

	if (!json_is_array(pair) || json_array_size(pair) != 2 || !json_is_number(t) || !json_is_string(v)) {
		cs_set_why(why, whycap, "a sample is not [time, \"value\"]");
		return CS_EINVAL;
	}
	tv = json_number_value(t);
	if (!isfinite(tv)) {
		cs_set_why(why, whycap, "a sample time is not finite");
		return CS_EINVAL;
	}
	st->samples++;
	if (cs_parse_double(json_string_value(v), &vv) != 0 || !isfinite(vv)) {
		st->skipped++;
		return 0;
	}
	return cb(ud, labels, tv, vv);
}

int cs_lg_prom_parse(const char *body, size_t len, const char *const *want, int nwant, cs_lg_prom_cb cb, void *ud,
                     cs_lg_prom_stats *st, char *why, size_t whycap)
{
	json_error_t err;
	json_t *root, *data, *result, *status;
	const char *type;
	const char *labels[CS_LG_PROM_MAX_LABELS];
	size_t i;
	int rc = 0;

	if (nwant < 0 || nwant > CS_LG_PROM_MAX_LABELS)
		return CS_EINVAL;
	root = json_loadb(body, len, 0, &err);
	if (!root) {
		char b[120];

		cs_set_why(why, whycap, "the answer is not JSON (%s at line %d); is this the Prometheus HTTP API?",
		           cs_lg_clip(err.text, 100, b, sizeof(b)), err.line);
		return CS_EINVAL;
	}
	status = json_object_get(root, "status");
	if (!json_is_string(status)) {
		cs_set_why(why, whycap, "the answer has no status; is this the Prometheus HTTP API?");
		rc = CS_EINVAL;
		goto out;
	}
	if (strcmp(json_string_value(status), "success") != 0) {
		const json_t *et = json_object_get(root, "errorType"), *em = json_object_get(root, "error");
		char b1[48], b2[300];

		cs_set_why(why, whycap, "%s: %s", cs_lg_clip(json_is_string(et) ? json_string_value(et) : "error", 40, b1, sizeof(b1)),
		           cs_lg_clip(json_is_string(em) ? json_string_value(em) : "(no message)", 280, b2, sizeof(b2)));
		rc = CS_EINVAL;
		goto out;
	}
	data = json_object_get(root, "data");
	result = json_object_get(data, "result");
	type = json_string_value(json_object_get(data, "resultType"));
	if (!json_is_object(data) || !json_is_array(result) || !type) {
		cs_set_why(why, whycap, "the answer has no data.result array");
		rc = CS_EINVAL;
		goto out;
	}
	if (strcmp(type, "vector") && strcmp(type, "matrix")) {
		char b[48];

		cs_set_why(why, whycap, "the answer is a %s, not a vector or matrix; the query must return series",
		           cs_lg_clip(type, 40, b, sizeof(b)));
		rc = CS_EINVAL;
		goto out;
	}
	for (i = 0; i < json_array_size(result) && !rc; i++) {
		const json_t *s = json_array_get(result, i), *metric = json_object_get(s, "metric");

		if (!json_is_object(s) || (metric && !json_is_object(metric))) {
			cs_set_why(why, whycap, "series %zu is not {\"metric\":{...}, ...}", i);
			rc = CS_EINVAL;
			break;
		}
		for (int k = 0; k < nwant; k++) {
			const json_t *l = metric ? json_object_get(metric, want[k]) : NULL;

			labels[k] = json_is_string(l) ? json_string_value(l) : "";
		}
		st->series++;
		if (!strcmp(type, "vector")) {
			rc = sample(json_object_get(s, "value"), labels, cb, ud, st, why, whycap);
		} else {
			const json_t *vals = json_object_get(s, "values"), *p;
			size_t j;

			if (!json_is_array(vals)) {
				cs_set_why(why, whycap, "series %zu of a matrix has no values array", i);
				rc = CS_EINVAL;
				break;
			}
			json_array_foreach(vals, j, p)
			{
				if ((rc = sample(p, labels, cb, ud, st, why, whycap)) != 0)
					break;
			}
		}
	}
out:
	json_decref(root);
	return rc;
}
