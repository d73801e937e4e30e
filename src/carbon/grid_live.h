/* carbon/grid_live.h - the grid carbon intensity the agent converts with:
 * static tables, or live from Electricity Maps (CO2Signal-compatible).
 *
 * Fallback chain, best first (cs_grid_live_get):
 *   1. "electricitymaps"       the last request succeeded: its value;
 *   2. "electricitymaps-last"  requests failed since, but the last good value
 *                              is younger than [grid] max_stale;
 *   3. the static figure       "static-region" / "static-country" (the
 *                              tables, carbon/carbon.h, via cs_grid_static), or
 *                              "none".
 * Every value says where it came from (source, zone, dataset), so a figure
 * is never shown without its provenance.
 *
 * Threading: cs_grid_live_open starts ONE background thread that fetches at
 * once, then every ttl_s, and backs off after failures; cs_grid_live_get only
 * copies the cached value under a mutex, so the sampling loop never waits on
 * the network. cs_grid_live_close stops the thread promptly, even in the
 * middle of a request (libcurl's progress callback checks a stop flag; sleeps
 * are condition-variable waits).
 *
 * Request: GET {url}/carbon-intensity/latest?zone=Z (or ?lat=..&lon=..), with
 * "auth-token: KEY" when a key is set. TLS is verified, redirects are not
 * followed, only http/https are allowed, bodies are capped at
 * CS_GRID_BODY_MAX, and proxy environment variables are honoured (this is an
 * external API, unlike the metadata and kubelet clients). The key never
 * appears in a message.
 *
 * Failures (each one counts in cs_grid_live_errors and sets the one-line
 * cs_grid_live_last_error, cleared by the next success):
 *   401/403               -> retried only at the long backoff (backoff_max_s);
 *   429                   -> after Retry-After seconds when given, else backoff;
 *   5xx, other 4xx, timeout, refused, malformed or out-of-range answer
 *                         -> exponential backoff from backoff_min_s (min(30 s,
 *                            ttl)) doubling up to backoff_max_s (min(ttl, 1 h)),
 *                            with jitter from a per-object PRNG.
 * A success resets the backoff. The last good value is kept across failures.
 *
 * The parser (cs_grid_parse_latest) is pure and fuzzed by
 * tests/fuzz/fuzz_emaps.c.
 */
#ifndef CS_CARBON_GRID_LIVE_H
#define CS_CARBON_GRID_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "carbon/carbon.h"
#include "conf/conf.h"

#define CS_GRID_BODY_MAX      (64u * 1024u) /* largest answer accepted */
#define CS_GRID_MAX_G_PER_KWH 3000.0        /* above any real grid (coal is ~1000) */
#define CS_GRID_ZONE_MAX      64            /* zone names, including the NUL */
#define CS_GRID_KEY_MAX       256           /* API keys, including the NUL */

/* One intensity figure and its provenance. All strings are safe for metric
 * labels and log lines ([A-Za-z0-9] and a few punctuation characters). */
typedef struct cs_grid_value {
	double g_per_kwh;            /* gCO2eq/kWh; < 0: none */
	const char *source;          /* static string: "electricitymaps", "electricitymaps-last",
	                              * "static-region", "static-country", "none" */
	char zone[CS_GRID_ZONE_MAX]; /* "DE", "US-CAL-CISO"; static: "aws/eu-west-1", "DE"; "" */
	char dataset[192];           /* "Electricity Maps latest, zone DE, 2026-11-22T10:00:00.000Z,
	                              * lifecycle, estimated"; static: "ember-country (CC-BY-4.0,
	                              * 2024)"; "" for none */
	double age_s;                /* live: seconds since it was fetched; else 0 */
} cs_grid_value;

/* The static figure resolved at start (region table, else country table,
 * else none) as a grid value. c NULL -> none. */
void cs_grid_static(const cs_carbon *c, cs_grid_value *out);

/* ---- pure parser (fuzzed) --------------------------------------------------- */

/* What one "latest" answer says. */
typedef struct cs_grid_reading {
	double g_per_kwh;            /* finite, within [0, CS_GRID_MAX_G_PER_KWH] */
	char zone[CS_GRID_ZONE_MAX]; /* "zone" (v3) or "countryCode" (v1); "" if absent or odd */
	char datetime[40];           /* "2026-11-22T10:00:00.000Z"; "" if absent or odd */
	char factor_type[24];        /* v3 emissionFactorType: "lifecycle", "direct"; "" */
	int estimated;               /* v3 isEstimated: 1, 0, or -1 when not given */
	bool co2signal;              /* the CO2Signal v1 shape ({"countryCode", "data": {...}}) */
} cs_grid_reading;

/* Parses an Electricity Maps v3 /carbon-intensity/latest answer
 *   {"zone":"DE","carbonIntensity":302,"datetime":"...","emissionFactorType":
 *    "lifecycle","isEstimated":true,...}
 * or a CO2Signal v1 one
 *   {"countryCode":"DE","data":{"carbonIntensity":302.5,"datetime":"..."},
 *    "units":{"carbonIntensity":"gCO2eq/kWh"}}.
 * body need not be NUL-terminated; at most len bytes are read. Returns 0 and
 * writes *out only on success; CS_EINVAL when it is not such a JSON object
 * (not JSON, duplicate keys, carbonIntensity missing or not a number, other
 * units), CS_ENODATA when carbonIntensity is null (no data for the zone),
 * CS_ERANGE when the number is outside [0, CS_GRID_MAX_G_PER_KWH]. Optional
 * fields with an unexpected type or characters are left empty, never copied. */
int cs_grid_parse_latest(const char *body, size_t len, cs_grid_reading *out);

/* True if s is a zone name we send: 1..63 of [A-Za-z0-9_-]. */
bool cs_grid_valid_zone(const char *s);

/* ---- [grid] ------------------------------------------------------------------ */

/* carbonstat.ini's [grid] section (grid_conf.c). */
typedef struct cs_grid_conf {
	bool live;                           /* false: static tables only */
	char base_url[CS_CONF_PATH_MAX];     /* "https://api.electricitymap.org/v3" */
	char api_key[CS_GRID_KEY_MAX];       /* secret; "" = none (free tier zones need one) */
	char api_key_file[CS_CONF_PATH_MAX]; /* read the key from a file (Kubernetes Secret) */
	char zone[CS_GRID_ZONE_MAX];         /* "DE", "US-CAL-CISO"; "" = the static location's country */
	double lat, lon;                     /* by coordinates when has_coords; NaN = unset */
	bool has_coords;                     /* both lat and lon given (derived) */
	double ttl_s;                        /* cache per zone, 3600 */
	double timeout_s;                    /* per request, 5 */
	double max_stale_s;                  /* keep the last live value after failures this
	                                      * long, then the static table; 86400 */
} cs_grid_conf;

extern const cs_conf_section cs_grid_section;

/* ---- live client ------------------------------------------------------------ */

typedef struct cs_grid_live cs_grid_live;

/* Knobs that are not configuration (tests, benchmarks). Zero = default. */
typedef struct cs_grid_opts {
	double backoff_min_s; /* first retry delay after a failure; 0 = min(30 s, ttl) */
	double backoff_max_s; /* longest retry delay (and the 401/403 retry); 0 = min(ttl, 1 h),
	                       * never below backoff_min_s */
	uint64_t seed;        /* jitter PRNG seed; 0 = from the clock and the object address */
} cs_grid_opts;

/* Validates cfg and starts the refresher. The zone asked for is cfg->zone,
 * else cfg->lat/lon when has_coords, else default_zone (the static location's
 * country ISO2; may be NULL or ""). The key is cfg->api_key, else the first
 * line of cfg->api_key_file (trailing newline and blanks stripped; the file
 * is re-read before every request, so a rotated Kubernetes Secret is picked
 * up). Returns without waiting for the network: 0, CS_EINVAL (bad url, zone,
 * ttl/timeout/max_stale, unreadable or invalid key file, no zone at all),
 * CS_ERANGE (lat/lon out of range, url too long) or CS_ENOMEM, with one line
 * in why naming the key and the fix ("grid: zone 'D E' ..."). */
int cs_grid_live_open(const cs_grid_conf *cfg, const char *default_zone, cs_grid_live **out, char *why, size_t cap);
/* Same with opts (NULL = defaults). */
int cs_grid_live_open_opts(const cs_grid_conf *cfg, const char *default_zone, const cs_grid_opts *opts,
                           cs_grid_live **out, char *why, size_t cap);

/* The figure to use now (see the chain above); never blocks on the network.
 * fallback NULL = none. g NULL -> *fallback. */
void cs_grid_live_get(cs_grid_live *g, const cs_grid_value *fallback, cs_grid_value *out);

/* Failed requests since open. */
uint64_t cs_grid_live_errors(const cs_grid_live *g);

/* "" when the last request succeeded (or none finished yet), else one line
 * without the API key, e.g. "Electricity Maps rejected the API key (HTTP 401);
 * set [grid] api_key or CARBONSTAT_GRID_API_KEY". No "grid: " prefix: the
 * caller's log line names the module. */
void cs_grid_live_last_error(const cs_grid_live *g, char *buf, size_t cap);

/* Counters of the refresher (self-metrics, tests). */
typedef struct cs_grid_stats {
	uint64_t requests;             /* finished requests, ok or not */
	uint64_t ok;                   /* successful ones */
	uint64_t errors;               /* failed ones (= cs_grid_live_errors) */
	unsigned consecutive_failures; /* since the last success */
	long last_status;              /* HTTP status of the last answer; 0 = no answer */
	double next_delay_s;           /* wait chosen after the last request */
	double last_duration_s;        /* wall time of the last request */
} cs_grid_stats;
void cs_grid_live_stats(const cs_grid_live *g, cs_grid_stats *out);

/* Stops the thread (aborting a request in flight) and frees g. NULL is a
 * no-op. */
void cs_grid_live_close(cs_grid_live *g);

#endif
