/* test_grid_live.c - unit tests for carbon/grid_live (the Electricity Maps
 * client, its cache, the refresher thread and the fallback chain) and its
 * pure parser.
 *
 * The API is tests/fakes/fake_emaps.py, spawned on 127.0.0.1 per test and
 * switched between modes at run time (GET /_mode/<mode>); its request log
 * (GET /_requests) shows the query and whether an auth-token was sent. Tests
 * that need it are skipped when python3 is not there. Proxy variables are
 * cleared in main() so the client (which honours them) talks to the fake.
 *
 * No assertion depends on timing in the flaky direction: tests wait for
 * counters (with a generous deadline) rather than sleep, and the only
 * elapsed-time checks are upper bounds far above what is expected (get()
 * while a request hangs, close() during a hanging request).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include <carbonstat/dataset.h>
#include <carbonstat/error.h>

#include "carbon/grid_live.h"

#include "fake_server.h"
#include "require.h"
#include "text.h"
#include "wait.h"

#ifndef CS_FIXTURES_DIR
#error "CS_FIXTURES_DIR must be defined (tests/CMakeLists.txt does)"
#endif
#define FAKE_SCRIPT CS_FIXTURES_DIR "/../fakes/fake_emaps.py"
#define FAKE_KEY    "test-key-0123456789" /* what fake_emaps.py's "key" mode wants */
#define SECRET_KEY  "s3cr3t-XYZZY-never-printed"
#define DEAD_URL    "http://127.0.0.1:9" /* nobody listens: refused at once */
#define WAIT_S      tf_scaled_s(20.0)    /* deadline for anything we wait for */

/* ---- helpers ------------------------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The test singleton: the one running fake (tests run one at a time); the
 * per-test teardown (cs_fake_stop_all) stops it even when an assertion
 * longjmps out of the test. */
static cs_fake fk;

/* Starts fake_emaps.py in mode; 0, or -1 if python3 (or the script) is unusable. */
static int fake_start(const char *mode)
{
	char *argv[] = {(char *)"python3", (char *)FAKE_SCRIPT, (char *)mode, (char *)"--exit-with-stdin", NULL};

	return cs_fake_start(&fk, argv);
}

#define FAKE_OR_SKIP(mode)                                                                                             \
	do {                                                                                                           \
		if (fake_start(mode) != 0)                                                                             \
			tf_skip_or_fail("python3", "python3 or %s not usable", FAKE_SCRIPT);                           \
	} while (0)

/* GET a control endpoint of the fake into out; returns the HTTP status. */
static long fake_get(const char *path, tf_buf *out)
{
	char url[160];

	snprintf(url, sizeof(url), "%s%s", fk.url, path);
	return tf_http_get(url, out);
}

static void fake_mode(const char *mode)
{
	tf_buf b = {0};
	char path[64];

	snprintf(path, sizeof(path), "/_mode/%s", mode);
	assert_int_equal(fake_get(path, &b), 200);
	tf_buf_free(&b);
}

/* The fake's request log: a JSON array (caller decrefs). */
static json_t *fake_log(void)
{
	tf_buf b = {0};
	json_error_t e;
	json_t *j;

	assert_int_equal(fake_get("/_requests", &b), 200);
	j = json_loadb(b.data, b.len, 0, &e);
	tf_buf_free(&b);
	assert_non_null(j);
	assert_true(json_is_array(j));
	return j;
}

/* Field of request i (0-based) in the log. */
static const char *log_field(json_t *log, size_t i, const char *key)
{
	json_t *v = json_object_get(json_array_get(log, i), key);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

/* The first API request the fake logged has `key` equal to want. */
static void assert_logged(const char *key, const char *want)
{
	json_t *log = fake_log();

	assert_string_equal(log_field(log, 0, key), want);
	json_decref(log);
}

/* True once the fake has logged at least *(size_t *)n API requests. */
static bool fake_has_requests(void *n)
{
	json_t *log = fake_log();
	size_t have = json_array_size(log);

	json_decref(log);
	return have >= *(size_t *)n;
}

/* Waits until the fake has logged at least n API requests. */
static void wait_fake_requests(size_t n)
{
	if (!tf_wait_for(fake_has_requests, &n, 20.0))
		fail_msg("the fake logged fewer than %zu requests in %.0f s", n, WAIT_S);
}

/* A config pointing at the fake (or url), zone DE, fast refresh. */
static cs_grid_conf cfg_for(const char *url)
{
	cs_grid_conf c;

	memset(&c, 0, sizeof(c));
	c.live = true;
	snprintf(c.base_url, sizeof(c.base_url), "%s", url);
	snprintf(c.zone, sizeof(c.zone), "DE");
	c.ttl_s = 0.2;
	c.timeout_s = 5;
	c.max_stale_s = 3600;
	return c;
}

static cs_grid_live *open_ok(const cs_grid_conf *c, const char *default_zone, const cs_grid_opts *o)
{
	cs_grid_live *g = NULL;
	char why[512] = "x";
	int rc = cs_grid_live_open_opts(c, default_zone, o, &g, why, sizeof(why));

	if (rc)
		print_message("open: %s\n", why);
	assert_int_equal(rc, 0);
	assert_non_null(g);
	assert_string_equal(why, "");
	return g;
}

typedef enum wait_what { CNT_OK, CNT_ERRORS, CNT_FAILS, CNT_REQUESTS } wait_what;

/* What wait_for waits on, and the stats when it came. */
typedef struct wait_ctx {
	cs_grid_live *g;
	wait_what w;
	uint64_t n;
	cs_grid_stats st;
} wait_ctx;

static bool counter_reached(void *ctx)
{
	wait_ctx *c = ctx;
	uint64_t v;

	cs_grid_live_stats(c->g, &c->st);
	v = c->w == CNT_OK       ? c->st.ok
	    : c->w == CNT_ERRORS ? c->st.errors
	    : c->w == CNT_FAILS  ? c->st.consecutive_failures
	                         : c->st.requests;
	return v >= c->n;
}

/* Waits until the counter reaches n; returns the stats at that point. */
static cs_grid_stats wait_for(cs_grid_live *g, wait_what w, uint64_t n)
{
	wait_ctx c = {.g = g, .w = w, .n = n};

	if (!tf_wait_for(counter_reached, &c, 20.0))
		fail_msg("counter %d did not reach %llu in %.0f s", (int)w, (unsigned long long)n, WAIT_S);
	return c.st;
}

/* A static fallback: country DE from the built-in table. */
static void static_de(cs_grid_value *v)
{
	cs_carbon hc;
	const cs_country *de = cs_country_find("DE");

	assert_non_null(de);
	memset(&hc, 0, sizeof(hc));
	hc.intensity_g_per_kwh = cs_country_intensity_g_per_kwh(de);
	hc.location_kind = "country";
	hc.country = de;
	hc.intensity_dataset = cs_country_dataset(de);
	hc.intensity_year = cs_country_year(de);
	cs_grid_static(&hc, v);
	assert_string_equal(v->source, "static-country");
}

/* Opens a client on c, waits for its first good answer, gets the value (with
 * fallback fb, may be NULL) into v and closes the client. */
static void first_value(const cs_grid_conf *c, const char *default_zone, const cs_grid_value *fb, cs_grid_value *v)
{
	cs_grid_live *g = open_ok(c, default_zone, NULL);

	wait_for(g, CNT_OK, 1);
	cs_grid_live_get(g, fb, v);
	cs_grid_live_close(g);
}

/* Opens a client on c, waits for a good answer, switches the fake to mode bad
 * and waits for the error it causes; the stats then go to *st if st. */
static cs_grid_live *open_then_fail(const cs_grid_conf *c, const char *bad, cs_grid_stats *st)
{
	cs_grid_live *g = open_ok(c, NULL, NULL);
	cs_grid_stats s;

	wait_for(g, CNT_OK, 1);
	fake_mode(bad);
	s = wait_for(g, CNT_ERRORS, 1);
	if (st)
		*st = s;
	return g;
}

static void assert_one_line(const char *s)
{
	assert_true(s[0] != '\0');
	assert_null(strchr(s, '\n'));
	assert_null(strchr(s, '\r'));
}

/* ---- static figures ------------------------------------------------------------- */

static void test_static_region(void **state)
{
	cs_carbon hc;
	cs_grid_value v;
	const cs_region *r = cs_region_find(CS_PROVIDER_AWS, "eu-west-1");
	const cs_dataset *d;
	char want[192];

	(void)state;
	assert_non_null(r);
	assert_true(cs_region_intensity_g_per_kwh(r) >= 0);
	d = cs_region_dataset(r);
	assert_non_null(d);
	memset(&hc, 0, sizeof(hc));
	hc.intensity_g_per_kwh = cs_region_intensity_g_per_kwh(r);
	hc.location_kind = "region";
	hc.region = r;
	hc.country = cs_country_find(cs_region_country(r));
	hc.intensity_dataset = d;
	hc.intensity_year = cs_region_year(r);
	cs_grid_static(&hc, &v);
	assert_string_equal(v.source, "static-region");
	assert_string_equal(v.zone, "aws/eu-west-1");
	assert_true(v.g_per_kwh == cs_region_intensity_g_per_kwh(r));
	snprintf(want, sizeof(want), "%s (%s, %d)", cs_dataset_id(d), cs_dataset_license(d), cs_region_year(r));
	assert_string_equal(v.dataset, want);
	assert_true(v.age_s == 0);
}

static void test_static_country(void **state)
{
	cs_grid_value v;
	const cs_country *de = cs_country_find("DE");
	const cs_dataset *d = cs_country_dataset(de);
	char want[192];

	(void)state;
	static_de(&v);
	assert_string_equal(v.zone, "DE");
	assert_true(v.g_per_kwh == cs_country_intensity_g_per_kwh(de));
	snprintf(want, sizeof(want), "%s (%s, %d)", cs_dataset_id(d), cs_dataset_license(d), cs_country_year(de));
	assert_string_equal(v.dataset, want);
}

static void test_static_none(void **state)
{
	cs_carbon hc;
	cs_grid_value v;

	(void)state;
	memset(&hc, 0, sizeof(hc));
	hc.intensity_g_per_kwh = -1;
	hc.location_kind = "none";
	cs_grid_static(&hc, &v);
	assert_string_equal(v.source, "none");
	assert_true(v.g_per_kwh < 0);
	assert_string_equal(v.zone, "");
	assert_string_equal(v.dataset, "");
	cs_grid_static(NULL, &v);
	assert_string_equal(v.source, "none");
	assert_true(v.g_per_kwh < 0);
}

/* ---- parser ------------------------------------------------------------------------ */

static int parse(const char *s, cs_grid_reading *r)
{
	return cs_grid_parse_latest(s, strlen(s), r);
}

static void test_parse_v3(void **state)
{
	cs_grid_reading r;

	(void)state;
	assert_int_equal(parse("{\"zone\":\"DE\",\"carbonIntensity\":302,\"datetime\":\"2026-11-22T10:00:00.000Z\","
	                       "\"updatedAt\":\"2026-11-22T10:12:04.341Z\",\"emissionFactorType\":\"lifecycle\","
	                       "\"isEstimated\":true,\"estimationMethod\":\"TIME_SLICER_AVERAGE\"}",
	                       &r),
	                 0);
	assert_true(r.g_per_kwh == 302);
	assert_string_equal(r.zone, "DE");
	assert_string_equal(r.datetime, "2026-11-22T10:00:00.000Z");
	assert_string_equal(r.factor_type, "lifecycle");
	assert_int_equal(r.estimated, 1);
	assert_false(r.co2signal);

	/* optional fields absent or odd: kept out, the figure still counts */
	assert_int_equal(parse("{\"carbonIntensity\":0}", &r), 0);
	assert_true(r.g_per_kwh == 0);
	assert_string_equal(r.zone, "");
	assert_int_equal(r.estimated, -1);
	assert_int_equal(parse("{\"zone\":\"D E\\n\",\"carbonIntensity\":3000,\"datetime\":7,\"isEstimated\":\"no\","
	                       "\"emissionFactorType\":\"a\\\"b\"}",
	                       &r),
	                 0);
	assert_true(r.g_per_kwh == 3000);
	assert_string_equal(r.zone, "");
	assert_string_equal(r.datetime, "");
	assert_string_equal(r.factor_type, "");
	assert_int_equal(r.estimated, -1);
	assert_int_equal(parse("{\"zone\":\"US-CAL-CISO\",\"carbonIntensity\":201.25,\"isEstimated\":false}", &r), 0);
	assert_string_equal(r.zone, "US-CAL-CISO");
	assert_true(r.g_per_kwh == 201.25);
	assert_int_equal(r.estimated, 0);
}

static void test_parse_co2signal(void **state)
{
	cs_grid_reading r;

	(void)state;
	assert_int_equal(parse("{\"_disclaimer\":\"x\",\"status\":\"ok\",\"countryCode\":\"DE\",\"data\":{\"datetime\":"
	                       "\"2026-11-22T10:00:00.000Z\",\"carbonIntensity\":302.5,\"fossilFuelPercentage\":41},"
	                       "\"units\":{\"carbonIntensity\":\"gCO2eq/kWh\"}}",
	                       &r),
	                 0);
	assert_true(r.co2signal);
	assert_true(r.g_per_kwh == 302.5);
	assert_string_equal(r.zone, "DE");
	assert_string_equal(r.datetime, "2026-11-22T10:00:00.000Z");
	/* other units would be silently wrong */
	assert_int_equal(parse("{\"countryCode\":\"DE\",\"data\":{\"carbonIntensity\":0.3},"
	                       "\"units\":{\"carbonIntensity\":\"kgCO2eq/kWh\"}}",
	                       &r),
	                 CS_EINVAL);
	assert_int_equal(parse("{\"countryCode\":\"DE\",\"data\":{}}", &r), CS_EINVAL);
	assert_int_equal(parse("{\"countryCode\":\"DE\",\"data\":{\"carbonIntensity\":null}}", &r), CS_ENODATA);
}

static void test_parse_rejects(void **state)
{
	static const struct {
		const char *body;
		int rc;
	} cases[] = {
	    {"", CS_EINVAL},
	    {"null", CS_EINVAL},
	    {"[302]", CS_EINVAL},
	    {"302", CS_EINVAL},
	    {"{\"zone\":\"DE\"}", CS_EINVAL},
	    {"{\"zone\":\"DE\",\"carbonIntensity\":\"302\"}", CS_EINVAL},
	    {"{\"zone\":\"DE\",\"carbonIntensity\":true}", CS_EINVAL},
	    {"{\"zone\":\"DE\",\"carbonIntensity\":NaN}", CS_EINVAL},
	    {"{\"zone\":\"DE\",\"carbonIntensity\":1e999}", CS_EINVAL},
	    {"{\"zone\":\"DE\",\"carbonIntensity\":302", CS_EINVAL},
	    {"{\"carbonIntensity\":302,\"carbonIntensity\":1}", CS_EINVAL},
	    {"{\"zone\":\"DE\",\"carbonIntensity\":null}", CS_ENODATA},
	    {"{\"zone\":\"DE\",\"carbonIntensity\":-5}", CS_ERANGE},
	    {"{\"zone\":\"DE\",\"carbonIntensity\":-0.001}", CS_ERANGE},
	    {"{\"zone\":\"DE\",\"carbonIntensity\":3000.01}", CS_ERANGE},
	    {"{\"zone\":\"DE\",\"carbonIntensity\":1000000}", CS_ERANGE},
	};
	cs_grid_reading r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0x5a, sizeof(r));
		assert_int_equal(parse(cases[i].body, &r), cases[i].rc);
		assert_int_equal(r.estimated, 0x5a5a5a5a); /* untouched on failure */
	}
	/* never reads past len: a valid prefix of a longer buffer */
	assert_int_equal(cs_grid_parse_latest("{\"carbonIntensity\":5}garbage", 21, &r), 0);
	assert_true(r.g_per_kwh == 5);
	assert_int_equal(cs_grid_parse_latest(NULL, 3, &r), CS_EINVAL);
}

static void test_valid_zone(void **state)
{
	(void)state;
	assert_true(cs_grid_valid_zone("DE"));
	assert_true(cs_grid_valid_zone("US-CAL-CISO"));
	assert_true(cs_grid_valid_zone("IT-NO_X"));
	assert_false(cs_grid_valid_zone(""));
	assert_false(cs_grid_valid_zone(NULL));
	assert_false(cs_grid_valid_zone("D E"));
	assert_false(cs_grid_valid_zone("DE&lat=1"));
	assert_false(cs_grid_valid_zone("DE\n"));
	assert_false(cs_grid_valid_zone("0123456789012345678901234567890123456789012345678901234567890123"));
}

/* ---- configuration ------------------------------------------------------------------ */

static void expect_open_error(const cs_grid_conf *c, const char *default_zone, int rc, const char *needle)
{
	cs_grid_live *g = (cs_grid_live *)(uintptr_t)1;
	char why[512] = "";

	assert_int_equal(cs_grid_live_open(c, default_zone, &g, why, sizeof(why)), rc);
	assert_null(g);
	assert_one_line(why);
	assert_true(strncmp(why, "grid: ", 6) == 0);
	if (!strstr(why, needle))
		print_message("why: %s\n", why);
	assert_non_null(strstr(why, needle));
	assert_null(strstr(why, SECRET_KEY));
}

static void test_open_bad_config(void **state)
{
	cs_grid_conf c;
	char path[] = "/tmp/cs_grid_keyXXXXXX";
	int fd;

	(void)state;
	c = cfg_for(DEAD_URL);
	snprintf(c.zone, sizeof(c.zone), "D E");
	expect_open_error(&c, NULL, CS_EINVAL, "zone 'D E'");
	snprintf(c.zone, sizeof(c.zone), "DE&x=1");
	expect_open_error(&c, NULL, CS_EINVAL, "[grid] zone");
	snprintf(c.zone, sizeof(c.zone), "D\nE"); /* echoed, but on one line */
	expect_open_error(&c, NULL, CS_EINVAL, "zone 'D?E'");

	c = cfg_for(DEAD_URL);
	c.zone[0] = '\0';
	c.has_coords = true;
	c.lat = 95;
	c.lon = 10;
	expect_open_error(&c, NULL, CS_ERANGE, "lat 95");
	c.lat = 45;
	c.lon = -180.5;
	expect_open_error(&c, NULL, CS_ERANGE, "lon -180.5");
	c.lon = NAN;
	expect_open_error(&c, NULL, CS_ERANGE, "[grid] lon");

	c = cfg_for("ftp://api.electricitymap.org/v3");
	expect_open_error(&c, NULL, CS_EINVAL, "url 'ftp://");
	c = cfg_for("api.electricitymap.org/v3");
	expect_open_error(&c, NULL, CS_EINVAL, "[grid] url");
	c = cfg_for("https://");
	expect_open_error(&c, NULL, CS_EINVAL, "[grid] url");
	c = cfg_for("https://host/v3?zone=FR");
	expect_open_error(&c, NULL, CS_EINVAL, "[grid] url");
	c = cfg_for("https://ho st/v3");
	expect_open_error(&c, NULL, CS_EINVAL, "[grid] url");
	c = cfg_for("https://host/v3\r\nX: y");
	expect_open_error(&c, NULL, CS_EINVAL, "url 'https://host/v3??X: y'");

	c = cfg_for(DEAD_URL);
	c.ttl_s = 0;
	expect_open_error(&c, NULL, CS_EINVAL, "[grid] ttl");
	c = cfg_for(DEAD_URL);
	c.timeout_s = -1;
	expect_open_error(&c, NULL, CS_EINVAL, "[grid] timeout");
	c = cfg_for(DEAD_URL);
	c.max_stale_s = NAN;
	expect_open_error(&c, NULL, CS_EINVAL, "[grid] max_stale");

	/* nothing to ask for */
	c = cfg_for(DEAD_URL);
	c.zone[0] = '\0';
	expect_open_error(&c, NULL, CS_EINVAL, "no zone");
	expect_open_error(&c, "", CS_EINVAL, "no zone");
	expect_open_error(&c, "D E", CS_EINVAL, "[grid] zone");

	/* keys: never echoed */
	c = cfg_for(DEAD_URL);
	snprintf(c.api_key, sizeof(c.api_key), "%s\r\nX-Injected: 1", SECRET_KEY);
	expect_open_error(&c, NULL, CS_EINVAL, "[grid] api_key");
	c = cfg_for(DEAD_URL);
	snprintf(c.api_key_file, sizeof(c.api_key_file), "/nonexistent/carbonstat/key");
	expect_open_error(&c, NULL, CS_EINVAL, "api_key_file /nonexistent/carbonstat/key");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\n\n", 2), 2);
	close(fd);
	snprintf(c.api_key_file, sizeof(c.api_key_file), "%s", path);
	expect_open_error(&c, NULL, CS_EINVAL, "does not hold a key");
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, SECRET_KEY " two words\n", strlen(SECRET_KEY) + 11),
	                 (ssize_t)strlen(SECRET_KEY) + 11);
	close(fd);
	expect_open_error(&c, NULL, CS_EINVAL, "does not hold a key");
	unlink(path);

	/* null arguments */
	assert_int_equal(cs_grid_live_open(NULL, "DE", &(cs_grid_live *){NULL}, NULL, 0), CS_EINVAL);
	c = cfg_for(DEAD_URL);
	assert_int_equal(cs_grid_live_open(&c, "DE", NULL, NULL, 0), CS_EINVAL);
}

static void test_null_safety(void **state)
{
	cs_grid_value fb, v;
	cs_grid_stats st;
	char buf[8] = "x";

	(void)state;
	static_de(&fb);
	cs_grid_live_get(NULL, &fb, &v);
	assert_string_equal(v.source, "static-country");
	cs_grid_live_get(NULL, NULL, &v);
	assert_string_equal(v.source, "none");
	assert_int_equal(cs_grid_live_errors(NULL), 0);
	cs_grid_live_last_error(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
	cs_grid_live_stats(NULL, &st);
	assert_int_equal(st.requests, 0);
	cs_grid_live_close(NULL);
}

/* ---- live: good answers ----------------------------------------------------------------- */

static void test_fresh_v3(void **state)
{
	cs_grid_conf c;
	cs_grid_live *g;
	cs_grid_value fb, v;
	cs_grid_stats st;
	json_t *log;
	char err[256];

	(void)state;
	FAKE_OR_SKIP("ok");
	c = cfg_for(fk.url);
	c.ttl_s = 3600; /* one request only */
	static_de(&fb);
	g = open_ok(&c, NULL, NULL);
	st = wait_for(g, CNT_OK, 1);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.last_status, 200);
	assert_true(st.next_delay_s == 3600);
	cs_grid_live_get(g, &fb, &v);
	assert_string_equal(v.source, "electricitymaps");
	assert_true(v.g_per_kwh == 110); /* 100 + 10 x request 1 */
	assert_string_equal(v.zone, "DE");
	assert_string_equal(v.dataset,
	                    "Electricity Maps latest, zone DE, 2026-11-22T10:00:00.000Z, lifecycle, estimated");
	assert_true(v.age_s >= 0 && v.age_s < 3600);
	assert_int_equal(cs_grid_live_errors(g), 0);
	cs_grid_live_last_error(g, err, sizeof(err));
	assert_string_equal(err, "");
	cs_grid_live_close(g);

	log = fake_log();
	assert_int_equal(json_array_size(log), 1);
	assert_string_equal(log_field(log, 0, "path"), "/carbon-intensity/latest");
	assert_string_equal(log_field(log, 0, "query"), "zone=DE");
	assert_string_equal(log_field(log, 0, "auth"), "no"); /* no key configured: no header */
	json_decref(log);
}

static void test_fresh_co2signal(void **state)
{
	cs_grid_conf c;
	cs_grid_value fb, v;

	(void)state;
	FAKE_OR_SKIP("co2signal");
	c = cfg_for(fk.url);
	c.ttl_s = 3600;
	snprintf(c.zone, sizeof(c.zone), "FR");
	static_de(&fb);
	first_value(&c, "DE", &fb, &v);
	assert_string_equal(v.source, "electricitymaps");
	assert_true(v.g_per_kwh == 110.5);
	assert_string_equal(v.zone, "FR"); /* the configured zone wins over the default */
	assert_string_equal(v.dataset, "CO2Signal latest, zone FR, 2026-11-22T10:00:00.000Z");
}

/* The refresher keeps refreshing: values follow the fake's request counter. */
static void test_refreshes(void **state)
{
	cs_grid_conf c;
	cs_grid_live *g;
	cs_grid_value v;
	cs_grid_stats st;

	(void)state;
	FAKE_OR_SKIP("ok");
	c = cfg_for(fk.url);
	c.ttl_s = 0.05;
	g = open_ok(&c, NULL, NULL);
	wait_for(g, CNT_OK, 3);
	cs_grid_live_get(g, NULL, &v);
	assert_string_equal(v.source, "electricitymaps");
	assert_true(v.g_per_kwh >= 130);
	st = wait_for(g, CNT_REQUESTS, 3);
	assert_int_equal(st.errors, 0);
	cs_grid_live_close(g);
}

static void test_coords_query(void **state)
{
	cs_grid_conf c;
	cs_grid_value v;

	(void)state;
	FAKE_OR_SKIP("ok");
	c = cfg_for(fk.url);
	c.ttl_s = 3600;
	c.zone[0] = '\0';
	c.has_coords = true;
	c.lat = 52.52;
	c.lon = 13.405;
	first_value(&c, "FR", NULL, &v); /* coordinates win over the default zone */
	assert_string_equal(v.source, "electricitymaps");
	assert_string_equal(v.zone, "DE"); /* what the answer says */
	assert_logged("query", "lat=52.52000&lon=13.40500");
}

static void test_default_zone_query(void **state)
{
	cs_grid_conf c;
	cs_grid_value v;

	(void)state;
	FAKE_OR_SKIP("ok");
	c = cfg_for(fk.url);
	snprintf(c.base_url, sizeof(c.base_url), "%s/", fk.url); /* a trailing '/' is fine */
	c.ttl_s = 3600;
	c.zone[0] = '\0';
	first_value(&c, "FR", NULL, &v);
	assert_string_equal(v.zone, "FR");
	assert_logged("path", "/carbon-intensity/latest");
	assert_logged("query", "zone=FR");
}

static void test_api_key_header(void **state)
{
	cs_grid_conf c;
	cs_grid_value v;

	(void)state;
	FAKE_OR_SKIP("key");
	c = cfg_for(fk.url);
	c.ttl_s = 3600;
	snprintf(c.api_key, sizeof(c.api_key), FAKE_KEY);
	first_value(&c, NULL, NULL, &v);
	assert_string_equal(v.source, "electricitymaps");
	assert_logged("auth", "yes");
}

static void test_api_key_file(void **state)
{
	cs_grid_conf c;
	cs_grid_live *g;
	cs_grid_value v;
	char path[] = "/tmp/cs_grid_keyXXXXXX";
	int fd;

	(void)state;
	FAKE_OR_SKIP("key");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, FAKE_KEY "\r\n", strlen(FAKE_KEY) + 2), (ssize_t)strlen(FAKE_KEY) + 2);
	close(fd);
	c = cfg_for(fk.url);
	c.ttl_s = 3600;
	snprintf(c.api_key_file, sizeof(c.api_key_file), "%s", path);
	g = open_ok(&c, NULL, NULL);
	unlink(path);
	wait_for(g, CNT_OK, 1); /* the fake answers 401 unless the stripped key matches */
	cs_grid_live_get(g, NULL, &v);
	assert_string_equal(v.source, "electricitymaps");
	assert_int_equal(cs_grid_live_errors(g), 0);
	cs_grid_live_close(g);
}

/* ---- live: failures and the fallback chain ----------------------------------------------- */

static void test_ok_then_500_keeps_last(void **state)
{
	cs_grid_conf c;
	cs_grid_live *g;
	cs_grid_value fb, v;
	cs_grid_stats st;
	char err[320];

	(void)state;
	FAKE_OR_SKIP("ok");
	c = cfg_for(fk.url);
	c.ttl_s = 0.05;
	static_de(&fb);
	g = open_then_fail(&c, "500", &st);
	cs_grid_live_get(g, &fb, &v);
	cs_grid_live_stats(g, &st);
	assert_string_equal(v.source, "electricitymaps-last");
	/* the last good value: requests are numbered in order and every good one
	 * came before the first 500 */
	assert_true(v.g_per_kwh == 100 + 10.0 * (double)st.ok);
	assert_string_equal(v.zone, "DE");
	assert_true(v.age_s >= 0);
	assert_int_equal(st.last_status, 500);
	assert_true(cs_grid_live_errors(g) >= 1);
	cs_grid_live_last_error(g, err, sizeof(err));
	assert_one_line(err);
	assert_non_null(strstr(err, "HTTP 500"));
	assert_non_null(strstr(err, "zone DE"));

	/* recovery: fresh again, error cleared */
	fake_mode("ok");
	wait_for(g, CNT_OK, st.ok + 1);
	cs_grid_live_get(g, &fb, &v);
	assert_string_equal(v.source, "electricitymaps");
	cs_grid_live_last_error(g, err, sizeof(err));
	assert_string_equal(err, "");
	cs_grid_live_close(g);
}

static void test_max_stale_zero(void **state)
{
	cs_grid_conf c;
	cs_grid_live *g;
	cs_grid_value fb, v;

	(void)state;
	FAKE_OR_SKIP("ok");
	c = cfg_for(fk.url);
	c.ttl_s = 0.05;
	c.max_stale_s = 0; /* never keep a value past a failure */
	static_de(&fb);
	g = open_then_fail(&c, "500", NULL);
	cs_grid_live_get(g, &fb, &v);
	assert_string_equal(v.source, "static-country");
	assert_true(v.g_per_kwh == fb.g_per_kwh);
	assert_string_equal(v.zone, "DE");
	assert_string_equal(v.dataset, fb.dataset);
	cs_grid_live_close(g);
}

static void test_max_stale_exceeded(void **state)
{
	cs_grid_conf c;
	cs_grid_live *g;
	cs_grid_value fb, v;
	double t0;

	(void)state;
	FAKE_OR_SKIP("ok");
	c = cfg_for(fk.url);
	c.ttl_s = 0.05;
	c.max_stale_s = 0.3;
	static_de(&fb);
	g = open_then_fail(&c, "500", NULL);
	/* "-last" for a while (maybe: the machine may be slow), then static */
	t0 = now_s();
	for (;;) {
		cs_grid_live_get(g, &fb, &v);
		if (strcmp(v.source, "static-country") == 0)
			break;
		assert_string_equal(v.source, "electricitymaps-last");
		assert_true(now_s() - t0 < WAIT_S);
		nap_ms(20);
	}
	assert_true(v.g_per_kwh == fb.g_per_kwh);
	assert_true(v.age_s == 0);
	cs_grid_live_close(g);
}

static void test_401(void **state)
{
	cs_grid_conf c;
	cs_grid_live *g;
	cs_grid_value fb, v;
	cs_grid_stats st;
	char err[320];

	(void)state;
	FAKE_OR_SKIP("401");
	c = cfg_for(fk.url);
	c.ttl_s = 600;
	snprintf(c.api_key, sizeof(c.api_key), SECRET_KEY);
	static_de(&fb);
	g = open_ok(&c, NULL, &(cs_grid_opts){.backoff_min_s = 1, .backoff_max_s = 77});
	st = wait_for(g, CNT_ERRORS, 1);
	assert_int_equal(st.last_status, 401);
	assert_true(st.next_delay_s == 77); /* only the long backoff */
	cs_grid_live_get(g, &fb, &v);
	assert_string_equal(v.source, "static-country");
	assert_true(v.g_per_kwh == fb.g_per_kwh);
	cs_grid_live_last_error(g, err, sizeof(err));
	assert_one_line(err);
	assert_string_equal(err, "Electricity Maps rejected the API key (HTTP 401); set [grid] api_key or "
	                         "CARBONSTAT_GRID_API_KEY");
	assert_null(strstr(err, SECRET_KEY));
	cs_grid_live_close(g);
	assert_logged("auth", "yes");
}

static void test_401_without_key(void **state)
{
	cs_grid_conf c;
	cs_grid_live *g;
	char err[320];

	(void)state;
	FAKE_OR_SKIP("401");
	c = cfg_for(fk.url);
	g = open_ok(&c, NULL, NULL);
	wait_for(g, CNT_ERRORS, 1);
	cs_grid_live_last_error(g, err, sizeof(err));
	assert_non_null(strstr(err, "wants an API key (HTTP 401)"));
	cs_grid_live_close(g);
}

/* No key for Electricity Maps itself: no request at all, not even a name
 * lookup (before: `agent --grid-live` resolved and asked it, to get 401);
 * the static value is used and the reason is the last error. */
static void test_no_key_no_request(void **state)
{
	cs_grid_conf c = cfg_for("https://api.electricitymap.org/v3");
	cs_grid_value st = {.g_per_kwh = 123, .source = "static-country"}, v;
	cs_grid_stats gs;
	cs_grid_live *g;
	char err[320];

	(void)state;
	g = open_ok(&c, NULL, NULL);
	usleep(300 * 1000);
	cs_grid_live_stats(g, &gs);
	assert_int_equal(gs.requests, 0);
	cs_grid_live_get(g, &st, &v);
	assert_true(v.g_per_kwh == 123);
	assert_string_equal(v.source, "static-country");
	cs_grid_live_last_error(g, err, sizeof(err));
	assert_non_null(strstr(err, "no API key"));
	assert_non_null(strstr(err, "api_key"));
	cs_grid_live_close(g);
}

static void test_429_retry_after(void **state)
{
	cs_grid_conf c;
	cs_grid_live *g;
	cs_grid_value v;
	cs_grid_stats st;
	char err[320];

	(void)state;
	FAKE_OR_SKIP("429");
	c = cfg_for(fk.url);
	c.ttl_s = 0.05; /* the backoff alone would retry within 50 ms */
	g = open_ok(&c, NULL, NULL);
	st = wait_for(g, CNT_ERRORS, 1);
	assert_int_equal(st.last_status, 429);
	assert_true(st.next_delay_s == 1.0); /* Retry-After: 1 */
	cs_grid_live_get(g, NULL, &v);
	assert_string_equal(v.source, "none");
	cs_grid_live_last_error(g, err, sizeof(err));
	assert_non_null(strstr(err, "HTTP 429"));
	/* and it does come back after that */
	fake_mode("ok");
	wait_for(g, CNT_OK, 1);
	cs_grid_live_get(g, NULL, &v);
	assert_string_equal(v.source, "electricitymaps");
	cs_grid_live_close(g);
}

static void test_backoff(void **state)
{
	cs_grid_conf c;
	cs_grid_live *g;
	cs_grid_stats st;

	(void)state;
	FAKE_OR_SKIP("500");
	c = cfg_for(fk.url);
	c.ttl_s = 100;
	g = open_ok(&c, NULL, &(cs_grid_opts){.backoff_min_s = 0.01, .backoff_max_s = 0.04, .seed = 42});
	st = wait_for(g, CNT_ERRORS, 1);
	if (st.consecutive_failures == 1) /* first step: [min/2, min] */
		assert_true(st.next_delay_s >= 0.005 && st.next_delay_s <= 0.01);
	st = wait_for(g, CNT_FAILS, 5);
	/* doubled up to the cap, with jitter: [max/2, max] */
	assert_true(st.next_delay_s >= 0.02 && st.next_delay_s <= 0.04);
	fake_mode("ok");
	st = wait_for(g, CNT_OK, 1);
	cs_grid_live_stats(g, &st);
	assert_int_equal(st.consecutive_failures, 0); /* reset by the success */
	assert_true(st.next_delay_s == 100);          /* back to the ttl */
	cs_grid_live_close(g);
}

/* Every kind of unusable answer: an error, the static fallback, one line. */
static void test_bad_answers(void **state)
{
	static const struct {
		const char *mode, *needle;
	} modes[] = {
	    {"malformed", "not a carbon-intensity JSON"},
	    {"nan", "not a carbon-intensity JSON"},
	    {"negative", "outside [0, 3000]"},
	    {"huge", "outside [0, 3000]"},
	    {"null", "no carbon intensity for zone DE"},
	    {"big", "larger than 65536 bytes"},
	};
	cs_grid_conf c;
	cs_grid_live *g;
	cs_grid_value fb, v;
	char err[320];
	size_t i;

	(void)state;
	FAKE_OR_SKIP("ok");
	static_de(&fb);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		fake_mode(modes[i].mode);
		c = cfg_for(fk.url);
		c.ttl_s = 0.05;
		g = open_ok(&c, NULL, NULL);
		wait_for(g, CNT_ERRORS, 1);
		cs_grid_live_get(g, &fb, &v);
		assert_string_equal(v.source, "static-country");
		cs_grid_live_last_error(g, err, sizeof(err));
		assert_one_line(err);
		if (!strstr(err, modes[i].needle))
			print_message("%s: %s\n", modes[i].mode, err);
		assert_non_null(strstr(err, modes[i].needle));
		cs_grid_live_close(g);
	}
	/* a bad answer after a good one keeps the good one */
	fake_mode("ok");
	c = cfg_for(fk.url);
	c.ttl_s = 0.05;
	g = open_then_fail(&c, "huge", NULL);
	cs_grid_live_get(g, &fb, &v);
	assert_string_equal(v.source, "electricitymaps-last");
	assert_true(v.g_per_kwh >= 110 && v.g_per_kwh <= 3000);
	cs_grid_live_close(g);
}

static void test_refused(void **state)
{
	cs_grid_conf c;
	cs_grid_live *g;
	cs_grid_value fb, v;
	char err[320];

	(void)state;
	c = cfg_for("http://user:hunter2@127.0.0.1:9/v3");
	static_de(&fb);
	g = open_ok(&c, NULL, NULL);
	wait_for(g, CNT_ERRORS, 1);
	cs_grid_live_get(g, &fb, &v);
	assert_string_equal(v.source, "static-country");
	cs_grid_live_last_error(g, err, sizeof(err));
	assert_one_line(err);
	assert_non_null(strstr(err, "http://127.0.0.1:9/v3"));
	assert_null(strstr(err, "hunter2")); /* userinfo is not shown */
	cs_grid_live_close(g);
}

static void test_client_timeout(void **state)
{
	cs_grid_conf c;
	cs_grid_live *g;
	char err[320];

	(void)state;
	FAKE_OR_SKIP("timeout");
	c = cfg_for(fk.url);
	c.timeout_s = 0.3;
	g = open_ok(&c, NULL, NULL);
	wait_for(g, CNT_ERRORS, 1);
	cs_grid_live_last_error(g, err, sizeof(err));
	assert_non_null(strstr(err, "no answer from"));
	assert_non_null(strstr(err, "[grid] timeout"));
	cs_grid_live_close(g);
}

/* get() never waits for the network, and close() aborts a hanging request. */
static void test_hanging_request(void **state)
{
	cs_grid_conf c;
	cs_grid_live *g;
	cs_grid_value fb, v;
	cs_grid_stats st;
	double t0, dt_get, dt_close;

	(void)state;
	FAKE_OR_SKIP("timeout");
	c = cfg_for(fk.url);
	c.timeout_s = 60; /* curl would wait a minute */
	static_de(&fb);
	g = open_ok(&c, NULL, NULL);
	wait_fake_requests(1); /* the thread is now inside the request */
	t0 = now_s();
	cs_grid_live_get(g, &fb, &v);
	dt_get = now_s() - t0;
	assert_string_equal(v.source, "static-country");
	cs_grid_live_stats(g, &st);
	assert_int_equal(st.requests, 0); /* still in flight */
	t0 = now_s();
	cs_grid_live_close(g);
	dt_close = now_s() - t0;
	print_message("get while a request hangs: %.6f s; close: %.3f s\n", dt_get, dt_close);
	assert_true(dt_get < tf_scaled_s(1.0));
	assert_true(dt_close < tf_scaled_s(5.0));
}

/* close() right after open, before or during the first request. */
static void test_close_at_once(void **state)
{
	cs_grid_conf c;
	int i;

	(void)state;
	c = cfg_for(DEAD_URL);
	for (i = 0; i < 20; i++)
		cs_grid_live_close(open_ok(&c, NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_static_region),
	    cmocka_unit_test(test_static_country),
	    cmocka_unit_test(test_static_none),
	    cmocka_unit_test(test_parse_v3),
	    cmocka_unit_test(test_parse_co2signal),
	    cmocka_unit_test(test_parse_rejects),
	    cmocka_unit_test(test_valid_zone),
	    cmocka_unit_test(test_open_bad_config),
	    cmocka_unit_test(test_null_safety),
	    cmocka_unit_test_teardown(test_fresh_v3, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_fresh_co2signal, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_refreshes, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_coords_query, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_default_zone_query, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_api_key_header, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_api_key_file, cs_fake_stop_all),
	    cmocka_unit_test(test_no_key_no_request),
	    cmocka_unit_test_teardown(test_ok_then_500_keeps_last, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_max_stale_zero, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_max_stale_exceeded, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_401, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_401_without_key, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_429_retry_after, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_backoff, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_bad_answers, cs_fake_stop_all),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test_teardown(test_client_timeout, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_hanging_request, cs_fake_stop_all),
	    cmocka_unit_test(test_close_at_once),
	};
	static const char *const proxies[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
	                                      "all_proxy",  "ALL_PROXY",  NULL};
	int rc;

	/* the client honours proxy variables; the fake is on loopback */
	for (size_t i = 0; proxies[i]; i++)
		unsetenv(proxies[i]);
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return tf_exit(rc);
}
