/* carbon/grid_parse.c - the pure parser of Electricity Maps / CO2Signal
 * "latest" answers, and the zone-name check.
 *
 * What the server sends is untrusted: the body is capped, duplicate keys are
 * refused (a body must not say two things at once), the figure must be a
 * finite JSON number in [0, CS_GRID_MAX_G_PER_KWH], and the strings we keep
 * (zone, datetime, emission factor type) end up in metric labels and log
 * lines, so they are copied only when short and made of a small safe
 * alphabet. Unknown members are ignored: the API adds fields over time.
 */
#include "carbon/grid_live.h"
#include "core/str.h"
#include "io/json.h"

#include <math.h>
#include <string.h>

#include <jansson.h>

#include <carbonstat/error.h>

static bool gp_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool gp_zone_char(char c)
{
	return gp_alnum(c) || c == '-' || c == '_';
}

/* ISO 8601 timestamps: digits, letters (T, Z), ':', '.', '+', '-'. */
static bool gp_time_char(char c)
{
	return gp_alnum(c) || c == ':' || c == '.' || c == '+' || c == '-';
}

static bool gp_factor_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

bool cs_grid_valid_zone(const char *s)
{
	return cs_str_valid(s, CS_GRID_ZONE_MAX, gp_zone_char);
}

/* Copies the string member key of obj into out when it is 1..cap-1 chars
 * all accepted by ok; otherwise leaves out "". */
static void gp_take(json_t *obj, const char *key, bool (*ok)(char), char *out, size_t cap)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n, i;

	out[0] = '\0';
	if (!json_is_string(v))
		return;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || n >= cap)
		return;
	for (i = 0; i < n; i++)
		if (!ok(s[i]))
			return;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* The figure itself: a finite number in range, or null (no data). */
static int gp_value(json_t *v, double *out)
{
	double d;

	if (json_is_null(v))
		return CS_ENODATA;
	if (!json_is_number(v)) /* absent, string, bool: not what we asked for */
		return CS_EINVAL;
	d = json_number_value(v);
	if (!isfinite(d) || d < 0 || d > CS_GRID_MAX_G_PER_KWH)
		return CS_ERANGE;
	*out = d;
	return 0;
}

int cs_grid_parse_latest(const char *body, size_t len, cs_grid_reading *out)
{
	json_t *root, *data, *units, *est;
	cs_grid_reading r;
	int rc = CS_EINVAL;

	if (!out || !(root = cs_json_object(body, len, CS_GRID_BODY_MAX)))
		return CS_EINVAL;
	memset(&r, 0, sizeof(r));
	r.estimated = -1;
	data = json_object_get(root, "data");
	if (json_is_object(data) && !json_object_get(root, "carbonIntensity")) {
		/* CO2Signal v1: the figure is in "data", the zone is "countryCode" */
		r.co2signal = true;
		units = json_object_get(root, "units");
		if (units) {
			json_t *u = json_is_object(units) ? json_object_get(units, "carbonIntensity") : NULL;

			/* a figure in other units would be silently wrong */
			if (u && !(json_is_string(u) && strcmp(json_string_value(u), "gCO2eq/kWh") == 0))
				goto out;
		}
		rc = gp_value(json_object_get(data, "carbonIntensity"), &r.g_per_kwh);
		if (rc)
			goto out;
		gp_take(root, "countryCode", gp_zone_char, r.zone, sizeof(r.zone));
		gp_take(data, "datetime", gp_time_char, r.datetime, sizeof(r.datetime));
	} else {
		rc = gp_value(json_object_get(root, "carbonIntensity"), &r.g_per_kwh);
		if (rc)
			goto out;
		gp_take(root, "zone", gp_zone_char, r.zone, sizeof(r.zone));
		gp_take(root, "datetime", gp_time_char, r.datetime, sizeof(r.datetime));
		gp_take(root, "emissionFactorType", gp_factor_char, r.factor_type, sizeof(r.factor_type));
		est = json_object_get(root, "isEstimated");
		if (json_is_boolean(est))
			r.estimated = json_is_true(est) ? 1 : 0;
	}
	*out = r;
	rc = 0;
out:
	json_decref(root);
	return rc;
}
