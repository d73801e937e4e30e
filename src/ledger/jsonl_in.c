/* ledger/jsonl_in.c - see jsonl_in.h. Parsed with jansson (never by hand):
 * json_loadb on the line, then each member looked up and checked. */
#include "ledger/jsonl_in.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/str.h"
#include "core/why.h"
#include "ledger/clip.h"
#include "ledger/period.h"

/* Copies string member key of o into out[cap]; absent = "" unless
 * required. 0 or CS_EINVAL (why set). */
static int get_str(const json_t *o, const char *key, bool required, char *out, size_t cap, char *why, size_t whycap)
{
	const json_t *v = json_object_get(o, key);
	const char *s;
	size_t n;

	if (!v || json_is_null(v)) {
		if (required) {
			cs_set_why(why, whycap, "member '%s' is missing", key);
			return CS_EINVAL;
		}
		out[0] = '\0';
		return 0;
	}
	if (!json_is_string(v)) {
		cs_set_why(why, whycap, "member '%s' is not a string", key);
		return CS_EINVAL;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (n >= cap || memchr(s, '\0', n)) {
		cs_set_why(why, whycap, "member '%s' is %s", key,
		           n >= cap ? "longer than the ledger keeps" : "a string with a NUL byte");
		return CS_EINVAL;
	}
	memcpy(out, s, n + 1);
	return 0;
}

/* A number member (integer or real), finite and within [lo, hi]. */
static int get_num(const json_t *o, const char *key, const char *path, double lo, double hi, double *out, char *why,
                   size_t whycap)
{
	const json_t *v = json_object_get(o, key);
	double d;

	if (!v) {
		cs_set_why(why, whycap, "member '%s' is missing", path);
		return CS_EINVAL;
	}
	if (!json_is_number(v)) {
		cs_set_why(why, whycap, "member '%s' is not a number", path);
		return CS_EINVAL;
	}
	d = json_number_value(v);
	if (!isfinite(d) || d < lo || d > hi) {
		cs_set_why(why, whycap, "member '%s' is %.17g, outside [%g, %g]", path, d, lo, hi);
		return CS_EINVAL;
	}
	*out = d;
	return 0;
}

/* An optional number of seconds: NAN when absent or null. */
static int opt_num(const json_t *o, const char *key, double *out, char *why, size_t whycap)
{
	const json_t *v = json_object_get(o, key);

	*out = NAN;
	return !v || json_is_null(v) ? 0 : get_num(o, key, key, 0, 1e9, out, why, whycap);
}

static int get_int(const json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *out, char *why, size_t whycap)
{
	const json_t *v = json_object_get(o, key);
	json_int_t i;

	if (!v || !json_is_integer(v)) {
		cs_set_why(why, whycap, "member '%s' is %s", key, v ? "not an integer" : "missing");
		return CS_EINVAL;
	}
	i = json_integer_value(v);
	if (i < lo || i > hi) {
		cs_set_why(why, whycap, "member '%s' is %lld, outside [%lld, %lld]", key, (long long)i, (long long)lo,
		           (long long)hi);
		return CS_EINVAL;
	}
	*out = i;
	return 0;
}

static int part_of_name(const char *k)
{
	for (int c = 0; c < CS_PART_COUNT; c++)
		if (!strcmp(k, cs_part_name((cs_part)c)))
			return c;
	return -1;
}

static int get_energy(const json_t *o, cs_lg_jline *out, char *why, size_t whycap)
{
	const json_t *e = json_object_get(o, "energy_j");
	const char *k;
	const json_t *v;

	out->comp_mask = 0;
	memset(out->energy_uj, 0, sizeof(out->energy_uj));
	if (!e || !json_is_object(e)) {
		cs_set_why(why, whycap, "member 'energy_j' is %s", e ? "not an object" : "missing");
		return CS_EINVAL;
	}
	json_object_foreach((json_t *)e, k, v)
	{
		int c = part_of_name(k);
		double j;
		char path[48];

		if (c < 0) {
			char b[48];

			cs_set_why(why, whycap,
			           "member 'energy_j' has an unknown component '%s' (cpu, dram, gpu, other)",
			           cs_lg_clip(k, 40, b, sizeof(b)));
			return CS_EINVAL;
		}
		snprintf(path, sizeof(path), "energy_j.%s", k);
		if (get_num(e, k, path, 0, CS_LG_MAX_J, &j, why, whycap) != 0)
			return CS_EINVAL;
		out->energy_uj[c] = (int64_t)llround(j * 1e6);
		out->comp_mask |= 1u << c;
	}
	return 0;
}

static int get_carbon(const json_t *o, cs_lg_jline *out, char *why, size_t whycap)
{
	const json_t *g = json_object_get(o, "carbon_g");

	if (!g || !json_is_object(g)) {
		cs_set_why(why, whycap, "member 'carbon_g' is %s", g ? "not an object" : "missing");
		return CS_EINVAL;
	}
	if (get_num(g, "operational", "carbon_g.operational", 0, CS_LG_MAX_J, &out->op_g, why, whycap) != 0 ||
	    get_num(g, "embodied", "carbon_g.embodied", 0, CS_LG_MAX_J, &out->emb_g, why, whycap) != 0)
		return CS_EINVAL;
	return 0;
}

static int parse_obj(const json_t *o, cs_lg_jline *out, char *why, size_t whycap)
{
	char type[16], ts[48], b[48];
	const json_t *v;
	int64_t schema = CS_LG_JSONL_SCHEMA;

	if (!json_is_object(o)) {
		cs_set_why(why, whycap, "not a JSON object");
		return CS_EINVAL;
	}
	if ((v = json_object_get(o, "schema")) != NULL &&
	    (get_int(o, "schema", 0, INT32_MAX, &schema, why, whycap) != 0 || schema != CS_LG_JSONL_SCHEMA)) {
		cs_set_why(why, whycap,
		           "schema version %lld is not %d, the one this carbonstat reads; import it with a matching "
		           "carbonstat",
		           (long long)schema, CS_LG_JSONL_SCHEMA);
		return CS_EINVAL;
	}
	if (get_str(o, "type", true, type, sizeof(type), why, whycap) != 0)
		return CS_EINVAL;
	if (!strcmp(type, "node"))
		out->type = CS_LG_J_NODE;
	else if (!strcmp(type, "workload"))
		out->type = CS_LG_J_WORKLOAD;
	else if (!strcmp(type, "system"))
		out->type = CS_LG_J_SYSTEM;
	else if (!strcmp(type, "idle"))
		out->type = CS_LG_J_IDLE;
	else if (!strcmp(type, "overflow"))
		out->type = CS_LG_J_OVERFLOW;
	else {
		cs_set_why(why, whycap, "member 'type' is '%s', not node, workload, system, idle or overflow",
		           cs_lg_clip(type, 40, b, sizeof(b)));
		return CS_EINVAL;
	}
	if (get_str(o, "ts", true, ts, sizeof(ts), why, whycap) != 0)
		return CS_EINVAL;
	if (cs_lg_parse_rfc3339_ms(ts, &out->ts_ms) != 0) {
		cs_set_why(why, whycap, "member 'ts' is '%s', not an RFC 3339 UTC time",
		           cs_lg_clip(ts, 40, b, sizeof(b)));
		return CS_EINVAL;
	}
	if (get_str(o, "node", true, out->node, sizeof(out->node), why, whycap) != 0 ||
	    get_str(o, "cluster", false, out->cluster, sizeof(out->cluster), why, whycap) != 0 ||
	    get_int(o, "seq", 0, INT64_MAX, &out->seq, why, whycap) != 0 ||
	    get_num(o, "interval_s", "interval_s", 0, 86400, &out->interval_s, why, whycap) != 0 ||
	    get_energy(o, out, why, whycap) != 0 || get_carbon(o, out, why, whycap) != 0 ||
	    get_str(o, "intensity_source", false, out->intensity_source, sizeof(out->intensity_source), why, whycap) !=
	        0)
		return CS_EINVAL;
	if (!out->node[0]) {
		cs_set_why(why, whycap, "member 'node' is empty; every agent line names its node");
		return CS_EINVAL;
	}
	v = json_object_get(o, "intensity_g_per_kwh");
	if (!v || json_is_null(v))
		out->intensity_g_per_kwh = NAN;
	else if (get_num(o, "intensity_g_per_kwh", "intensity_g_per_kwh", 0, 1e5, &out->intensity_g_per_kwh, why,
	                 whycap) != 0)
		return CS_EINVAL;
	if (out->type == CS_LG_J_NODE) {
		out->kind[0] = out->name[0] = out->namespace_[0] = out->team[0] = out->owner[0] = out->owner_kind[0] =
		    '\0';
		if (get_int(o, "rows", 0, 100000000, &out->rows, why, whycap) != 0 ||
		    get_str(o, "provider", false, out->provider, sizeof(out->provider), why, whycap) != 0 ||
		    get_str(o, "region", false, out->region, sizeof(out->region), why, whycap) != 0 ||
		    get_str(o, "instance", false, out->instance, sizeof(out->instance), why, whycap) != 0)
			return CS_EINVAL;
		v = json_object_get(o, "pue");
		if (!v || json_is_null(v))
			out->pue = NAN;
		else if (get_num(o, "pue", "pue", 0, 100, &out->pue, why, whycap) != 0)
			return CS_EINVAL;
		if (get_str(o, "instance_id", false, out->instance_id, sizeof(out->instance_id), why, whycap) != 0 ||
		    get_str(o, "instance_name", false, out->instance_name, sizeof(out->instance_name), why, whycap) !=
		        0 ||
		    opt_num(o, "cpu_busy_s", &out->cpu_busy_s, why, whycap) != 0 ||
		    opt_num(o, "cpu_total_s", &out->cpu_total_s, why, whycap) != 0)
			return CS_EINVAL;
		if (out->cpu_busy_s > out->cpu_total_s) {
			cs_set_why(why, whycap, "member 'cpu_busy_s' is %g, more than 'cpu_total_s' %g",
			           out->cpu_busy_s, out->cpu_total_s);
			return CS_EINVAL;
		}
		return 0;
	}
	out->rows = 0;
	out->provider[0] = out->region[0] = out->instance[0] = out->instance_id[0] = out->instance_name[0] = '\0';
	out->pue = NAN;
	out->cpu_busy_s = out->cpu_total_s = NAN;
	if (get_str(o, "kind", false, out->kind, sizeof(out->kind), why, whycap) != 0 ||
	    get_str(o, "name", false, out->name, sizeof(out->name), why, whycap) != 0 ||
	    get_str(o, "namespace", false, out->namespace_, sizeof(out->namespace_), why, whycap) != 0 ||
	    get_str(o, "team", false, out->team, sizeof(out->team), why, whycap) != 0 ||
	    get_str(o, "owner", false, out->owner, sizeof(out->owner), why, whycap) != 0 ||
	    get_str(o, "owner_kind", false, out->owner_kind, sizeof(out->owner_kind), why, whycap) != 0)
		return CS_EINVAL;
	return 0;
}

int cs_lg_jsonl_parse(const char *line, size_t len, cs_lg_jline *out, char *why, size_t whycap)
{
	json_error_t err;
	json_t *o;
	int rc;

	/* a CR before the newline (a file that went through Windows) is not data */
	if (len && line[len - 1] == '\r')
		len--;
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	if (!o) {
		char b[120];

		cs_set_why(why, whycap, "not JSON (%s at column %d)", cs_lg_clip(err.text, 100, b, sizeof(b)),
		           err.column);
		return CS_EINVAL;
	}
	rc = parse_obj(o, out, why, whycap);
	json_decref(o);
	return rc;
}
