/* carbon/grid_live.c - live grid intensity: the Electricity Maps client, its
 * cache, the background refresher and the fallback chain (see grid_live.h).
 *
 * Shape: one object, one thread, one kept io/http client (connection and
 * TLS session reuse across hourly requests). The thread owns the client
 * and the PRNG; everything the sampling loop reads (the last
 * good value, the counters, the last error) sits behind one mutex that is
 * never held across a request, so cs_grid_live_get costs a lock and a copy.
 *
 * Stopping: close() sets `stop` under the mutex and wakes the condition
 * variable the thread sleeps on; a request in flight sees the same flag
 * (an atomic copy, the client's abort flag), which libcurl's progress
 * callback checks about once a second even on a silent connection, and
 * aborts. So close returns
 * within about a second, whatever the timeout.
 */
#include "carbon/grid_live.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <carbonstat/error.h>

#include "core/clock.h"
#include "io/http.h"

#define GL_PATH            "/carbon-intensity/latest"
#define GL_HDR_MAX         16384u                    /* response header bytes accepted */
#define GL_BACKOFF_MIN_S   30.0                      /* first retry, unless ttl is shorter */
#define GL_BACKOFF_MAX_S   3600.0                    /* longest retry, unless ttl is shorter */
#define GL_RETRY_AFTER_MAX CS_HTTP_RETRY_AFTER_MAX_S /* a Retry-After beyond a day is not believed */

struct cs_grid_live {
	/* fixed at open */
	char url[CS_CONF_PATH_MAX + 96];  /* full request URL */
	char shown[CS_CONF_PATH_MAX];     /* base URL for messages, without user:password@ */
	char want_zone[CS_GRID_ZONE_MAX]; /* zone asked for; "" when by coordinates */
	char where[64];                   /* "zone DE", "lat 52.52000 lon 13.40500" */
	char key_file[CS_CONF_PATH_MAX];  /* re-read before each request; "" = none */
	double ttl_s, timeout_s, max_stale_s;
	double backoff_min_s, backoff_max_s;

	bool idle; /* no key for a service that needs one: no thread, no request */

	/* the thread's own */
	cs_http *http;
	char key[CS_GRID_KEY_MAX]; /* current key ("" = none); wiped at close */
	double retry_after_s;      /* from the last answer; < 0 = not given */
	uint64_t prng;             /* splitmix64 state for the jitter */

	/* shared with the callers, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC; signalled on stop */
	bool stop;
	bool have;          /* a value was fetched once */
	cs_grid_value last; /* last good value (source unused) */
	double fetched_s;   /* monotonic time it was fetched */
	cs_grid_stats st;
	char err[320];

	atomic_bool abort_xfer; /* = stop, for the progress callback */
	_Atomic uint64_t errors;
	pthread_t thread;
};

__attribute__((format(printf, 3, 4))) static void gl_fmt(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!dst || !cap)
		return;
	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

/* ---- static figures ----------------------------------------------------------- */

void cs_grid_static(const cs_carbon *hc, cs_grid_value *out)
{
	const cs_dataset *d;

	memset(out, 0, sizeof(*out));
	out->g_per_kwh = -1.0;
	out->source = "none";
	if (!hc || !(hc->intensity_g_per_kwh >= 0) || !hc->location_kind)
		return;
	if (strcmp(hc->location_kind, "region") == 0 && hc->region) {
		out->source = "static-region";
		gl_fmt(out->zone, sizeof(out->zone), "%s/%s", cs_provider_name(cs_region_provider(hc->region)),
		       cs_region_name(hc->region));
	} else if (strcmp(hc->location_kind, "country") == 0 && hc->country) {
		/* also a region without its own figure: the number is its country's */
		out->source = "static-country";
		gl_fmt(out->zone, sizeof(out->zone), "%s", cs_country_iso2(hc->country));
	} else {
		return;
	}
	out->g_per_kwh = hc->intensity_g_per_kwh;
	d = hc->intensity_dataset;
	if (d)
		gl_fmt(out->dataset, sizeof(out->dataset), "%s (%s, %d)", cs_dataset_id(d), cs_dataset_license(d),
		       hc->intensity_year ? hc->intensity_year : cs_dataset_year(d));
}

/* A copy of untrusted text fit for a one-line message: at most cap-1 bytes,
 * anything outside printable ASCII shown as '?'. */
static const char *gl_shown(const char *s, char *buf, size_t cap)
{
	size_t i;

	for (i = 0; s[i] && i < cap - 1; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f) ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

/* ---- configuration ------------------------------------------------------------ */

/* Base URL: http(s)://, printable, no blank, no query or fragment (we append
 * the path and query). Writes it without a trailing '/' into base, and a
 * copy without user:password@ into shown. */
static int gl_base_url(const char *u, char *base, size_t bcap, char *shown, size_t scap)
{
	size_t n;

	if (!cs_http_url_scheme(u) || strpbrk(u, "?#"))
		return CS_EINVAL;
	n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		n--;
	if (n >= bcap || n >= scap)
		return CS_ERANGE;
	memcpy(base, u, n);
	base[n] = '\0';
	cs_http_url_shown(base, shown, scap);
	return 0;
}

/* An API key goes into a request header: 1..255 printable, non-blank ASCII. */
static bool gl_valid_key(const char *k, size_t n)
{
	size_t i;

	if (n == 0 || n >= CS_GRID_KEY_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)k[i] <= 0x20 || (unsigned char)k[i] >= 0x7f)
			return false;
	return true;
}

/* Reads the key file (io/http.h: trailing blanks and newlines dropped, a
 * header-safe credential). 0, or a negative errno (unreadable), or CS_EINVAL
 * (empty, too long, not a key); key is written only on success, so a file
 * briefly unreadable leaves the last key. */
static int gl_read_key_file(const char *path, char *key, size_t cap)
{
	char buf[CS_GRID_KEY_MAX];
	int rc = cs_http_read_secret(path, buf, cap < sizeof(buf) ? cap : sizeof(buf));

	if (rc == 0)
		memcpy(key, buf, strlen(buf) + 1);
	memset(buf, 0, sizeof(buf));
	return rc;
}

/* Checks cfg and fills the fixed part of g; one line in why on error. */
static int gl_configure(cs_grid_live *g, const cs_grid_conf *cfg, const char *default_zone, const cs_grid_opts *o,
                        char *why, size_t cap)
{
	char base[CS_CONF_PATH_MAX], tmp[304];
	int rc;

	rc = gl_base_url(cfg->base_url, base, sizeof(base), g->shown, sizeof(g->shown));
	if (rc) {
		gl_fmt(why, cap,
		       "grid: url '%s' is not an http(s):// base URL (no blanks, query or fragment); set "
		       "[grid] url, e.g. https://api.electricitymap.org/v3",
		       gl_shown(cfg->base_url, tmp, 200));
		return rc;
	}
	if (!(cfg->ttl_s > 0) || cfg->ttl_s > 30 * 86400.0) {
		gl_fmt(why, cap, "grid: ttl %g s is not in (0 s, 30 d]; set [grid] ttl, e.g. 1h", cfg->ttl_s);
		return CS_EINVAL;
	}
	if (!(cfg->timeout_s > 0) || cfg->timeout_s > 600) {
		gl_fmt(why, cap, "grid: timeout %g s is not in (0 s, 600 s]; set [grid] timeout, e.g. 5s",
		       cfg->timeout_s);
		return CS_EINVAL;
	}
	if (!(cfg->max_stale_s >= 0) || !isfinite(cfg->max_stale_s)) {
		gl_fmt(why, cap, "grid: max_stale %g s is not a duration >= 0; set [grid] max_stale, e.g. 1d",
		       cfg->max_stale_s);
		return CS_EINVAL;
	}
	g->ttl_s = cfg->ttl_s;
	g->timeout_s = cfg->timeout_s;
	g->max_stale_s = cfg->max_stale_s;
	g->backoff_min_s = o && o->backoff_min_s > 0 ? o->backoff_min_s
	                                             : (cfg->ttl_s < GL_BACKOFF_MIN_S ? cfg->ttl_s : GL_BACKOFF_MIN_S);
	g->backoff_max_s = o && o->backoff_max_s > 0 ? o->backoff_max_s
	                                             : (cfg->ttl_s < GL_BACKOFF_MAX_S ? cfg->ttl_s : GL_BACKOFF_MAX_S);
	if (g->backoff_max_s < g->backoff_min_s)
		g->backoff_max_s = g->backoff_min_s;

	/* what to ask for: a zone, else coordinates, else the static country */
	if (cfg->zone[0]) {
		if (!cs_grid_valid_zone(cfg->zone)) {
			gl_fmt(why, cap,
			       "grid: zone '%s' is not an Electricity Maps zone name (1-63 of A-Z a-z 0-9 - _); "
			       "set [grid] zone, e.g. DE or US-CAL-CISO",
			       gl_shown(cfg->zone, tmp, 64));
			return CS_EINVAL;
		}
		gl_fmt(g->want_zone, sizeof(g->want_zone), "%s", cfg->zone);
		gl_fmt(g->where, sizeof(g->where), "zone %s", g->want_zone);
		gl_fmt(g->url, sizeof(g->url), "%s" GL_PATH "?zone=%s", base, g->want_zone);
	} else if (cfg->has_coords) {
		if (!isfinite(cfg->lat) || cfg->lat < -90 || cfg->lat > 90) {
			gl_fmt(why, cap, "grid: lat %g is outside [-90, 90]; set [grid] lat in decimal degrees",
			       cfg->lat);
			return CS_ERANGE;
		}
		if (!isfinite(cfg->lon) || cfg->lon < -180 || cfg->lon > 180) {
			gl_fmt(why, cap, "grid: lon %g is outside [-180, 180]; set [grid] lon in decimal degrees",
			       cfg->lon);
			return CS_ERANGE;
		}
		gl_fmt(g->where, sizeof(g->where), "lat %.5f lon %.5f", cfg->lat, cfg->lon);
		gl_fmt(g->url, sizeof(g->url), "%s" GL_PATH "?lat=%.5f&lon=%.5f", base, cfg->lat, cfg->lon);
	} else if (default_zone && default_zone[0]) {
		if (!cs_grid_valid_zone(default_zone)) {
			gl_fmt(why, cap, "grid: the static location's zone '%s' is not a zone name; set [grid] zone",
			       gl_shown(default_zone, tmp, 64));
			return CS_EINVAL;
		}
		gl_fmt(g->want_zone, sizeof(g->want_zone), "%s", default_zone);
		gl_fmt(g->where, sizeof(g->where), "zone %s", g->want_zone);
		gl_fmt(g->url, sizeof(g->url), "%s" GL_PATH "?zone=%s", base, g->want_zone);
	} else {
		gl_fmt(why, cap,
		       "grid: no zone to ask Electricity Maps for; set [grid] zone (e.g. DE, US-CAL-CISO) or "
		       "lat and lon, or a static location ([agent] country or region)");
		return CS_EINVAL;
	}

	/* the key: given, else from the file */
	if (cfg->api_key[0]) {
		size_t n = strnlen(cfg->api_key, sizeof(cfg->api_key));

		if (n >= sizeof(g->key) || !gl_valid_key(cfg->api_key, n)) {
			gl_fmt(why, cap,
			       "grid: api_key is not a valid key (printable ASCII, no blanks, < %d chars); check "
			       "[grid] api_key or CARBONSTAT_GRID_API_KEY",
			       CS_GRID_KEY_MAX);
			return CS_EINVAL;
		}
		memcpy(g->key, cfg->api_key, n);
		g->key[n] = '\0';
	} else if (cfg->api_key_file[0]) {
		gl_fmt(g->key_file, sizeof(g->key_file), "%s", cfg->api_key_file);
		rc = gl_read_key_file(g->key_file, g->key, sizeof(g->key));
		if (rc == CS_EINVAL) {
			gl_fmt(why, cap,
			       "grid: api_key_file %s does not hold a key (empty, over %d chars, blanks or "
			       "control characters); write the bare key into it",
			       gl_shown(g->key_file, tmp, sizeof(tmp)), CS_GRID_KEY_MAX - 1);
			return CS_EINVAL;
		}
		if (rc) {
			gl_fmt(why, cap, "grid: cannot read api_key_file %s: %s; check [grid] api_key_file",
			       gl_shown(g->key_file, tmp, sizeof(tmp)), strerror(-rc));
			return CS_EINVAL;
		}
	}
	return 0;
}

/* ---- HTTP --------------------------------------------------------------------- */

/* The client: no redirects, http(s) only, TLS verified, bodies capped, and
 * proxy variables honoured (an external API, unlike metadata and kubelet);
 * close() aborts a request in flight through abort_xfer. */
static int gl_http_open(cs_grid_live *g)
{
	cs_http_opts o;

	memset(&o, 0, sizeof(o));
	o.url = g->url;
	o.timeout_s = g->timeout_s;
	o.body_max = CS_GRID_BODY_MAX;
	o.header_max = GL_HDR_MAX;
	o.protocols = CS_HTTP_HTTP | CS_HTTP_HTTPS;
	o.proxy = CS_HTTP_PROXY_ENV;
	o.decompress = true;
	o.abort = &g->abort_xfer;
	return cs_http_open(&o, &g->http);
}

/* What one request came to. */
typedef enum gl_outcome {
	GL_OK = 0,
	GL_ABORTED,   /* close() interrupted it: not an error */
	GL_AUTH,      /* 401/403: retry at the long backoff */
	GL_RATELIMIT, /* 429: Retry-After, else backoff */
	GL_FAIL,      /* the rest: exponential backoff */
} gl_outcome;

/* One-line diagnosis of a transfer that did not give a 200 (no key in it). */
static gl_outcome gl_explain(cs_grid_live *g, const cs_http_result *r, char *err, size_t cap)
{
	switch (r->err) {
	case CS_HTTP_OK: break;
	case CS_HTTP_E_TOO_BIG:
		gl_fmt(err, cap, "the answer from %s for %s is larger than %u bytes; refused; check [grid] url",
		       g->shown, g->where, CS_GRID_BODY_MAX);
		return GL_FAIL;
	case CS_HTTP_E_TIMEOUT:
		gl_fmt(err, cap,
		       "no answer from %s within %g s (%s); check this node's access to it (HTTPS_PROXY) or "
		       "raise [grid] timeout",
		       g->shown, g->timeout_s, g->where);
		return GL_FAIL;
	case CS_HTTP_E_CONNECT:
		gl_fmt(err, cap, "%s: %s (%s); check this node's access to it (HTTPS_PROXY, NO_PROXY) and [grid] url",
		       g->shown, r->error, g->where);
		return GL_FAIL;
	case CS_HTTP_E_TLS_VERIFY:
	case CS_HTTP_E_TLS:
		gl_fmt(err, cap,
		       "TLS with %s failed: %s; check the system CA certificates (ca-certificates) or a "
		       "TLS-intercepting proxy",
		       g->shown, r->error);
		return GL_FAIL;
	default: gl_fmt(err, cap, "%s: %s (%s)", g->shown, r->error, g->where); return GL_FAIL;
	}
	if (r->status == 401 || r->status == 403) {
		if (g->key[0])
			gl_fmt(err, cap,
			       "Electricity Maps rejected the API key (HTTP %ld); set [grid] api_key or "
			       "CARBONSTAT_GRID_API_KEY",
			       r->status);
		else
			gl_fmt(err, cap,
			       "Electricity Maps wants an API key (HTTP %ld); set [grid] api_key, api_key_file or "
			       "CARBONSTAT_GRID_API_KEY",
			       r->status);
		return GL_AUTH;
	}
	if (r->status == 429) {
		gl_fmt(err, cap,
		       "Electricity Maps rate limit reached (HTTP 429); raise [grid] ttl or check the plan's "
		       "request quota");
		return GL_RATELIMIT;
	}
	if (r->status >= 400 && r->status < 500)
		gl_fmt(err, cap,
		       "Electricity Maps answered HTTP %ld for %s; check [grid] zone (e.g. DE, US-CAL-CISO) or "
		       "lat/lon, and [grid] url",
		       r->status, g->where);
	else
		gl_fmt(err, cap, "%s answered HTTP %ld for %s; retrying with backoff", g->shown, r->status, g->where);
	return GL_FAIL;
}

/* The provenance line of a live value. */
static void gl_dataset(const cs_grid_reading *r, const char *zone, char *out, size_t cap)
{
	const char *part[4];
	size_t w, i, n = 0;

	gl_fmt(out, cap, "%s latest", r->co2signal ? "CO2Signal" : "Electricity Maps");
	if (r->datetime[0])
		part[n++] = r->datetime;
	if (r->factor_type[0])
		part[n++] = r->factor_type;
	if (r->estimated >= 0)
		part[n++] = r->estimated ? "estimated" : "measured";
	w = strlen(out);
	if (zone[0] && w < cap)
		w += (size_t)snprintf(out + w, cap - w, ", zone %s", zone);
	for (i = 0; i < n && w < cap; i++)
		w += (size_t)snprintf(out + w, cap - w, ", %s", part[i]);
}

/* Makes one request; on GL_OK fills *val (g_per_kwh, zone, dataset). */
static gl_outcome gl_fetch(cs_grid_live *g, cs_grid_value *val, long *status, char *err, size_t cap)
{
	char auth[CS_GRID_KEY_MAX + 16];
	const char *hdrs[] = {auth, NULL};
	cs_http_req req = {.accept = "application/json"};
	cs_http_result res;
	cs_grid_reading r;
	int prc;

	err[0] = '\0';
	/* a rotated Secret: take the new key; if the file is briefly unreadable,
	 * the last key read is as good as anything */
	if (g->key_file[0])
		(void)gl_read_key_file(g->key_file, g->key, sizeof(g->key));
	if (g->key[0]) {
		gl_fmt(auth, sizeof(auth), "auth-token: %s", g->key);
		req.headers = hdrs;
	}
	/* the client wipes its own copy of the headers when the request ends */
	cs_http_do(g->http, &req, &res);
	memset(auth, 0, sizeof(auth));
	*status = res.status;
	g->retry_after_s = res.retry_after_s;
	if (res.err == CS_HTTP_E_ABORTED)
		return GL_ABORTED;
	if (res.err != CS_HTTP_OK || res.status != 200)
		return gl_explain(g, &res, err, cap);
	prc = res.len ? cs_grid_parse_latest(res.body, res.len, &r) : CS_EINVAL;
	if (prc == CS_ERANGE) {
		gl_fmt(err, cap,
		       "the answer from %s for %s has a carbonIntensity outside [0, %g] gCO2eq/kWh; refused, "
		       "keeping the last value",
		       g->shown, g->where, CS_GRID_MAX_G_PER_KWH);
	} else if (prc == CS_ENODATA) {
		gl_fmt(err, cap, "Electricity Maps has no carbon intensity for %s right now (null)", g->where);
	} else if (prc) {
		gl_fmt(err, cap,
		       "the answer from %s for %s (%zu bytes) is not a carbon-intensity JSON; check that [grid] "
		       "url is the Electricity Maps v3 API",
		       g->shown, g->where, res.len);
	} else {
		memset(val, 0, sizeof(*val));
		val->g_per_kwh = r.g_per_kwh;
		gl_fmt(val->zone, sizeof(val->zone), "%s", r.zone[0] ? r.zone : g->want_zone);
		gl_dataset(&r, val->zone, val->dataset, sizeof(val->dataset));
		return GL_OK;
	}
	return GL_FAIL;
}

/* ---- the refresher -------------------------------------------------------------- */

/* Uniform in [0, 1) from the object's own splitmix64 state. */
static double gl_uniform(cs_grid_live *g)
{
	uint64_t z = (g->prng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53;
}

/* The wait before the next request. Called under mu, after st is updated. */
static double gl_delay(cs_grid_live *g, gl_outcome o)
{
	double step;
	unsigned i;

	switch (o) {
	case GL_OK: return g->ttl_s;
	case GL_AUTH: return g->backoff_max_s; /* a wrong key will not fix itself soon */
	case GL_RATELIMIT:
		if (g->retry_after_s >= 0) {
			double d = g->retry_after_s > GL_RETRY_AFTER_MAX ? GL_RETRY_AFTER_MAX : g->retry_after_s;

			return d > g->backoff_min_s ? d : g->backoff_min_s;
		}
		break;
	case GL_ABORTED:
	case GL_FAIL: break;
	}
	step = g->backoff_min_s;
	for (i = 1; i < g->st.consecutive_failures && step < g->backoff_max_s; i++)
		step *= 2;
	if (step > g->backoff_max_s)
		step = g->backoff_max_s;
	/* "equal jitter": half fixed, half random, so a fleet that failed
	 * together does not retry together */
	return step / 2 + step / 2 * gl_uniform(g);
}

static void *gl_main(void *arg)
{
	cs_grid_live *g = arg;
	cs_grid_value val;
	char err[sizeof(g->err)];
	struct timespec until;
	gl_outcome o;
	long status;
	double t0, delay;

	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		pthread_mutex_unlock(&g->mu);
		t0 = cs_mono_s();
		o = gl_fetch(g, &val, &status, err, sizeof(err));
		pthread_mutex_lock(&g->mu);
		if (o == GL_ABORTED)
			break;
		g->st.requests++;
		g->st.last_status = status;
		g->st.last_duration_s = cs_mono_s() - t0;
		if (o == GL_OK) {
			g->st.ok++;
			g->st.consecutive_failures = 0;
			g->last = val;
			g->fetched_s = cs_mono_s();
			g->have = true;
			g->err[0] = '\0';
		} else {
			g->st.errors++;
			g->st.consecutive_failures++;
			atomic_fetch_add(&g->errors, 1);
			memcpy(g->err, err, sizeof(g->err));
		}
		delay = gl_delay(g, o);
		g->st.next_delay_s = delay;
		until = cs_timespec_of(cs_mono_s() + delay);
		while (!g->stop)
			if (pthread_cond_timedwait(&g->cv, &g->mu, &until) == ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

/* ---- public ------------------------------------------------------------------------ */

/* Electricity Maps' and CO2Signal's own services need a key; a compatible
 * service elsewhere (a proxy, a mirror) may not. */
static bool gl_needs_key(const char *base_url)
{
	static const char *const hosts[] = {"://api.electricitymap.org", "://api.electricitymaps.com",
	                                    "://api-access.electricitymaps.com", "://api.co2signal.com"};

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		if (strstr(base_url, hosts[i]))
			return true;
	return false;
}

int cs_grid_live_open(const cs_grid_conf *cfg, const char *default_zone, cs_grid_live **out, char *why, size_t cap)
{
	return cs_grid_live_open_opts(cfg, default_zone, NULL, out, why, cap);
}

int cs_grid_live_open_opts(const cs_grid_conf *cfg, const char *default_zone, const cs_grid_opts *opts,
                           cs_grid_live **out, char *why, size_t cap)
{
	pthread_condattr_t ca;
	cs_grid_live *g;
	bool mu = false, cv = false;
	int rc;

	if (why && cap)
		why[0] = '\0';
	if (!out) {
		gl_fmt(why, cap, "grid: no output object");
		return CS_EINVAL;
	}
	*out = NULL;
	if (!cfg) {
		gl_fmt(why, cap, "grid: no configuration");
		return CS_EINVAL;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		gl_fmt(why, cap, "grid: out of memory");
		return CS_ENOMEM;
	}
	rc = gl_configure(g, cfg, default_zone, opts, why, cap);
	if (rc)
		goto fail;
	g->prng = opts && opts->seed
	              ? opts->seed
	              : ((uint64_t)time(NULL) << 20) ^ (uint64_t)(uintptr_t)g ^ (uint64_t)(cs_mono_s() * 1e9);
	atomic_init(&g->abort_xfer, false);
	atomic_init(&g->errors, 0);
	rc = CS_ENOMEM;
	if (pthread_mutex_init(&g->mu, NULL) != 0)
		goto fail_oom;
	mu = true;
	if (pthread_condattr_init(&ca) != 0)
		goto fail_oom;
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 || pthread_cond_init(&g->cv, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		goto fail_oom;
	}
	pthread_condattr_destroy(&ca);
	cv = true;
	if (!g->key[0] && !g->key_file[0] && gl_needs_key(cfg->base_url)) {
		/* Electricity Maps answers nothing without a key: do not even
		 * resolve its name (a node may not be allowed to); static values */
		g->idle = true;
		gl_fmt(g->err, sizeof(g->err),
		       "no API key for %s: live intensity off, static tables used; set [grid] api_key, api_key_file "
		       "or CARBONSTAT_GRID_API_KEY",
		       g->shown);
		*out = g;
		return 0;
	}
	if (gl_http_open(g) != 0)
		goto fail_oom;
	rc = pthread_create(&g->thread, NULL, gl_main, g);
	if (rc != 0) {
		gl_fmt(why, cap, "grid: cannot start the refresher thread: %s", strerror(rc));
		rc = CS_ENOMEM;
		goto fail;
	}
	*out = g;
	return 0;
fail_oom:
	gl_fmt(why, cap, "grid: out of memory setting up the Electricity Maps client");
fail:
	cs_http_close(g->http);
	if (cv)
		pthread_cond_destroy(&g->cv);
	if (mu)
		pthread_mutex_destroy(&g->mu);
	memset(g->key, 0, sizeof(g->key));
	free(g);
	return rc;
}

void cs_grid_live_get(cs_grid_live *g, const cs_grid_value *fallback, cs_grid_value *out)
{
	cs_grid_value none;
	double age;

	if (!fallback) {
		cs_grid_static(NULL, &none);
		fallback = &none;
	}
	if (g) {
		pthread_mutex_lock(&g->mu);
		if (g->have) {
			age = cs_mono_s() - g->fetched_s;
			if (g->st.consecutive_failures == 0 || age < g->max_stale_s) {
				*out = g->last;
				out->source =
				    g->st.consecutive_failures == 0 ? "electricitymaps" : "electricitymaps-last";
				out->age_s = age > 0 ? age : 0;
				pthread_mutex_unlock(&g->mu);
				return;
			}
		}
		pthread_mutex_unlock(&g->mu);
	}
	*out = *fallback;
}

uint64_t cs_grid_live_errors(const cs_grid_live *g)
{
	return g ? atomic_load(&((cs_grid_live *)g)->errors) : 0;
}

/* The mutex is the object's own mutable state, even through a const pointer. */
void cs_grid_live_last_error(const cs_grid_live *g, char *buf, size_t cap)
{
	cs_grid_live *m = (cs_grid_live *)g;

	if (!buf || !cap)
		return;
	buf[0] = '\0';
	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	gl_fmt(buf, cap, "%s", m->err);
	pthread_mutex_unlock(&m->mu);
}

void cs_grid_live_stats(const cs_grid_live *g, cs_grid_stats *out)
{
	cs_grid_live *m = (cs_grid_live *)g;

	memset(out, 0, sizeof(*out));
	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	*out = m->st;
	pthread_mutex_unlock(&m->mu);
}

void cs_grid_live_close(cs_grid_live *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = true;
	atomic_store(&g->abort_xfer, true);
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	if (!g->idle)
		pthread_join(g->thread, NULL);
	cs_http_close(g->http);
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	memset(g->key, 0, sizeof(g->key));
	free(g);
}
