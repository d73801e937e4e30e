/* carbon/grid_conf.c - carbonstat.ini's [grid] section: live grid intensity
 * from Electricity Maps or a CO2Signal-compatible API (grid_live.h). */
#include <math.h>

#include <carbonstat/error.h>

#include "carbon/grid_live.h"
#include "core/why.h"

static int grid_zone_ok(const char *v, char *why, size_t cap)
{
	(void)why;
	(void)cap;
	return !v[0] || cs_grid_valid_zone(v) ? 0 : CS_EINVAL;
}

/* lat and lon come together; a zone wins over them (grid_live.h). */
static int grid_check(void *data, char *why, size_t cap)
{
	cs_grid_conf *g = data;

	if (isnan(g->lat) != isnan(g->lon)) {
		cs_set_why(why, cap, "%s given without %s; set both (or a zone)", isnan(g->lon) ? "lat" : "lon",
		           isnan(g->lon) ? "lon" : "lat");
		return CS_EINVAL;
	}
	g->has_coords = !isnan(g->lat);
	return 0;
}

static const cs_conf_key grid_keys[] = {
    {"live", CS_CONF_BOOL, CS_CONF_AT(cs_grid_conf, live), .def = "false",
     .help = "live intensity from Electricity Maps (else the static tables)"},
    {"url", CS_CONF_URL, CS_CONF_AT(cs_grid_conf, base_url), .def = "https://api.electricitymap.org/v3",
     .help = "Electricity Maps-compatible API base URL"},
    {"api_key", CS_CONF_STRING, CS_CONF_AT(cs_grid_conf, api_key), .flags = CS_CONF_SECRET | CS_CONF_NOBLANK,
     .expect = "a key", .help = "API key (or api_key_file, or CARBONSTAT_GRID_API_KEY)"},
    {"api_key_file", CS_CONF_PATH, CS_CONF_AT(cs_grid_conf, api_key_file),
     .help = "file holding the key, re-read before each request (a mounted Kubernetes Secret)"},
    {"zone", CS_CONF_STRING, CS_CONF_AT(cs_grid_conf, zone), .valid = grid_zone_ok,
     .expect = "an Electricity Maps zone (\"DE\", \"US-CAL-CISO\")", .help = "zone; default: the location's country"},
    {"lat", CS_CONF_DOUBLE, CS_CONF_AT(cs_grid_conf, lat), .min = -90, .max = 90, .flags = CS_CONF_UNSET,
     .expect = "a latitude", .help = "by coordinates instead of a zone (with lon)"},
    {"lon", CS_CONF_DOUBLE, CS_CONF_AT(cs_grid_conf, lon), .min = -180, .max = 180, .flags = CS_CONF_UNSET,
     .expect = "a longitude", .help = "by coordinates instead of a zone (with lat)"},
    {"ttl", CS_CONF_DURATION, CS_CONF_AT(cs_grid_conf, ttl_s), .def = "1h", .min = 1, .max = 86400,
     .help = "a zone's figure is re-fetched after this long"},
    {"timeout", CS_CONF_DURATION, CS_CONF_AT(cs_grid_conf, timeout_s), .def = "5s", .min = 0.1, .max = 60,
     .help = "per request"},
    {"max_stale", CS_CONF_DURATION, CS_CONF_AT(cs_grid_conf, max_stale_s), .def = "24h", .min = 0, .max = 30 * 86400,
     .help = "the last live value is kept this long after failures, then the static table"},
};

static const cs_conf_flag grid_flags[] = {
    {"grid-live", NULL, "live", "true", false,
     "live grid intensity from Electricity Maps (key: [grid]\napi_key or CARBONSTAT_GRID_API_KEY)"},
    {"grid-url", "URL", "url", NULL, false, "Electricity Maps-compatible base URL"},
    {"grid-zone", "Z", "zone", NULL, false, "Electricity Maps zone (default: the location's country)"},
};

const cs_conf_section cs_grid_section =
    CS_CONF_SECTION("grid", cs_grid_conf, grid_keys, .check = grid_check, CS_CONF_FLAGS(grid_flags));
