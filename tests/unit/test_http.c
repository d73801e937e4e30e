/* test_http.c - unit tests for io/http, the one libcurl client.
 *
 * Against tests/fakes/fake_http.py on 127.0.0.1 (one fake for the whole
 * group; tests that need it skip when python3 is not there): methods and
 * headers as the server saw them, status codes and Retry-After, the body and
 * header caps, timeouts, refused connections, redirects, protocols, the
 * proxy policy, a captured response header, decompression, the abort flag,
 * and several requests on one multi under one deadline. The URL helpers and
 * the credential file reader need no server. Time bounds are upper bounds far above what is expected.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <carbonstat/error.h>

#include "core/clock.h"
#include "io/http.h"

#include "fake_server.h"
#include "require.h"

#ifndef CS_FIXTURES_DIR
#error "CS_FIXTURES_DIR must be defined (tests/CMakeLists.txt does)"
#endif
#define FAKE_SCRIPT CS_FIXTURES_DIR "/../fakes/fake_http.py"
#define DEAD_URL    "http://127.0.0.1:9/x" /* nobody listens: refused at once */

/* The test singleton: the group's fake (started by the group setup). */
static cs_fake fk;
static bool fk_up;

static int group_setup(void **state)
{
	char *argv[] = {(char *)"python3", (char *)FAKE_SCRIPT, (char *)"--exit-with-stdin", NULL};

	(void)state;
	fk_up = cs_fake_start(&fk, argv) == 0;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (fk_up)
		cs_fake_stop(&fk);
	return 0;
}

#define NEED_FAKE()                                                                                                    \
	do {                                                                                                           \
		if (!fk_up)                                                                                            \
			tf_skip_or_fail("python3", "python3 or %s not usable", FAKE_SCRIPT);                           \
	} while (0)

/* The fake's URL for path. */
static const char *at(const char *path)
{
	static char url[4][160];
	static int i;

	i = (i + 1) % 4;
	snprintf(url[i], sizeof(url[i]), "%s%s", fk.url, path);
	return url[i];
}

static cs_http *client(const cs_http_opts *o)
{
	cs_http *h = NULL;

	assert_int_equal(cs_http_open(o, &h), 0);
	assert_non_null(h);
	return h;
}

/* The /echo answer in res as JSON (caller decrefs). */
static json_t *echo_of(const cs_http_result *res)
{
	json_error_t e;
	json_t *j;

	assert_int_equal(res->err, CS_HTTP_OK);
	assert_int_equal(res->status, 200);
	j = json_loadb(res->body, res->len, 0, &e);
	assert_non_null(j);
	return j;
}

static const char *field(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *header_seen(json_t *j, const char *name)
{
	return field(json_object_get(j, "headers"), name);
}

/* ---- pure ----------------------------------------------------------------------- */

static void test_url_scheme(void **state)
{
	static const struct {
		const char *url;
		unsigned want;
	} rows[] = {
	    {"http://169.254.169.254", CS_HTTP_HTTP},
	    {"HTTPS://10.0.0.1:10250/pods", CS_HTTP_HTTPS},
	    {"https://api.electricitymap.org/v3", CS_HTTP_HTTPS},
	    {"http://[::1]:9090/api/v1/query?query=up", CS_HTTP_HTTP},
	    {"https://", 0},
	    {"https:///pods", 0},
	    {"ftp://host/x", 0},
	    {"host/x", 0},
	    {"https://ho st/x", 0},
	    {"https://host/x\r\nX-Evil: 1", 0},
	    {"https://h\x7f", 0},
	    {"", 0},
	};
	char *huge;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (cs_http_url_scheme(rows[i].url) != rows[i].want)
			fail_msg("'%s': %u, want %u", rows[i].url, cs_http_url_scheme(rows[i].url), rows[i].want);
	}
	assert_int_equal(cs_http_url_scheme(NULL), 0);
	huge = malloc(CS_HTTP_URL_MAX + 1);
	assert_non_null(huge);
	memset(huge, 'a', CS_HTTP_URL_MAX);
	memcpy(huge, "http://", 7);
	huge[CS_HTTP_URL_MAX] = '\0';
	assert_int_equal(cs_http_url_scheme(huge), 0); /* its NUL would not fit */
	huge[CS_HTTP_URL_MAX - 1] = '\0';
	assert_int_equal(cs_http_url_scheme(huge), CS_HTTP_HTTP);
	free(huge);
}

static void test_url_shown(void **state)
{
	static const struct {
		const char *url, *want;
	} rows[] = {
	    {"https://user:hunter2@api.example.com/v3", "https://api.example.com/v3"},
	    {"http://u@h:8080", "http://h:8080"},
	    {"http://h/p@q", "http://h/p@q"}, /* an '@' in the path is not userinfo */
	    {"http://a@b@h?x=@", "http://h?x=@"},
	    {"https://host/x", "https://host/x"},
	    {"not a url", "not a url"},
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cs_http_url_shown(rows[i].url, out, sizeof(out));
		assert_string_equal(out, rows[i].want);
	}
	cs_http_url_shown("https://user:pw@host/a-long-path", out, 12);
	assert_string_equal(out, "https://hos");
	cs_http_url_shown(NULL, out, sizeof(out));
	assert_string_equal(out, "");
	cs_http_url_shown("x", NULL, 0); /* nothing to write to: no crash */
}

static void test_bad_options(void **state)
{
	cs_http_opts o;
	cs_http *h = (cs_http *)(uintptr_t)1;
	cs_http_result res;

	(void)state;
	assert_int_equal(cs_http_open(NULL, NULL), CS_EINVAL);
	memset(&o, 0, sizeof(o));
	o.timeout_s = -1;
	assert_int_equal(cs_http_open(&o, &h), CS_EINVAL);
	assert_null(h);
	memset(&o, 0, sizeof(o));
	o.url = "ftp://host/x";
	assert_int_equal(cs_http_open(&o, &h), CS_EINVAL);
	o.url = "http://host/x";
	o.protocols = CS_HTTP_HTTPS; /* the URL's scheme is not allowed */
	assert_int_equal(cs_http_open(&o, &h), CS_EINVAL);
	memset(&o, 0, sizeof(o));
	o.protocols = 4;
	assert_int_equal(cs_http_open(&o, &h), CS_EINVAL);

	/* a request without a URL, or with one the client may not use */
	h = client(&(cs_http_opts){.protocols = CS_HTTP_HTTPS});
	assert_int_equal(cs_http_do(h, NULL, &res), CS_EINVAL);
	assert_int_equal(res.err, CS_HTTP_E_SETUP);
	assert_string_equal(res.body, "");
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = "http://127.0.0.1:9/"}, &res), CS_EINVAL);
	assert_int_equal(res.err, CS_HTTP_E_SETUP);
	assert_int_equal(cs_http_do(NULL, NULL, &res), CS_EINVAL);
	cs_http_close(h);
	cs_http_close(NULL);
}

static void write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_read_secret(void **state)
{
	static const struct {
		const char *text;
		int rc;
		const char *want;
	} rows[] = {
	    {"s3cr3t-token\n", 0, "s3cr3t-token"},
	    {"eyJhbG.x-_~+/=\r\n \t", 0, "eyJhbG.x-_~+/="},
	    {"0123456789abcde", 0, "0123456789abcde"},     /* cap - 1 characters */
	    {"0123456789abcde\n\n", 0, "0123456789abcde"}, /* and a few blanks past the buffer */
	    {"0123456789abcdef", CS_EINVAL, ""},           /* no room for the NUL */
	    {"0123456789abcdef0123", CS_EINVAL, ""},
	    {"", CS_EINVAL, ""},
	    {"\n\n", CS_EINVAL, ""},
	    {"abc\r\nX-Evil: 1", CS_EINVAL, ""}, /* would break the header */
	    {"two words", CS_EINVAL, ""},
	    {"caf\xc3\xa9", CS_EINVAL, ""},
	};
	char path[] = "/tmp/cs_http_secretXXXXXX";
	char out[16];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc;

		write_text(path, rows[i].text, strlen(rows[i].text));
		memset(out, 'x', sizeof(out));
		rc = cs_http_read_secret(path, out, sizeof(out));
		if (rc != rows[i].rc)
			fail_msg("row %zu: rc %d, want %d", i, rc, rows[i].rc);
		if (rc == 0)
			assert_string_equal(out, rows[i].want);
		else
			for (size_t k = 0; k < sizeof(out); k++)
				assert_int_equal(out[k], 0); /* wiped */
	}
	/* a long run of blanks after a full buffer is not a credential either */
	{
		char text[16 + 70];

		memcpy(text, "0123456789abcde", 15);
		memset(text + 15, '\n', sizeof(text) - 15);
		write_text(path, text, sizeof(text));
		assert_int_equal(cs_http_read_secret(path, out, sizeof(out)), CS_EINVAL);
	}
	unlink(path);
	assert_int_equal(cs_http_read_secret(path, out, sizeof(out)), -ENOENT);
	assert_int_equal(cs_http_read_secret("/", out, sizeof(out)), -EISDIR);
	assert_int_equal(cs_http_read_secret(NULL, out, sizeof(out)), CS_EINVAL);
	assert_int_equal(cs_http_read_secret(path, out, 1), CS_EINVAL);
}

/* ---- against the fake ------------------------------------------------------------ */

static void test_get_headers(void **state)
{
	static const char *const hdrs[] = {"Authorization: Bearer s3cr3t", "X-Custom: 1", NULL};
	cs_http_result res;
	cs_http *h;
	json_t *j;

	(void)state;
	NEED_FAKE();
	h = client(&(cs_http_opts){.url = at("/echo")});
	assert_int_equal(cs_http_do(h, &(cs_http_req){.headers = hdrs, .accept = "application/json"}, &res), 0);
	j = echo_of(&res);
	assert_string_equal(field(j, "method"), "GET");
	assert_string_equal(field(j, "path"), "/echo");
	assert_string_equal(header_seen(j, "authorization"), "Bearer s3cr3t");
	assert_string_equal(header_seen(j, "x-custom"), "1");
	assert_string_equal(header_seen(j, "accept"), "application/json");
	assert_true(strncmp(header_seen(j, "user-agent"), "carbonstat/", 11) == 0);
	assert_null(header_seen(j, "accept-encoding")); /* decompress off */
	json_decref(j);
	assert_string_equal(res.error, "");
	assert_string_equal(res.detail, "");
	assert_true(res.retry_after_s < 0);
	assert_true(res.duration_s >= 0 && res.duration_s < 5);

	/* the next request carries none of the last one's headers */
	assert_int_equal(cs_http_do(h, NULL, &res), 0);
	j = echo_of(&res);
	assert_null(header_seen(j, "authorization"));
	assert_string_equal(header_seen(j, "accept"), "*/*"); /* libcurl's own */
	json_decref(j);
	cs_http_close(h);
}

static void test_post_put_then_get(void **state)
{
	static const char payload[] = "{\"query\":\"up\"}";
	cs_http_result res;
	cs_http *h;
	json_t *j;

	(void)state;
	NEED_FAKE();
	h = client(&(cs_http_opts){.user_agent = "carbonstat-test"});
	/* a JSON API POST */
	assert_int_equal(cs_http_do(h,
	                            &(cs_http_req){.method = CS_HTTP_POST,
	                                           .url = at("/echo"),
	                                           .body = payload,
	                                           .body_len = strlen(payload),
	                                           .content_type = "application/json",
	                                           .accept = "application/json"},
	                            &res),
	                 0);
	j = echo_of(&res);
	assert_string_equal(field(j, "method"), "POST");
	assert_string_equal(field(j, "body"), payload);
	assert_string_equal(header_seen(j, "content-type"), "application/json");
	assert_string_equal(header_seen(j, "user-agent"), "carbonstat-test");
	json_decref(j);

	/* an empty PUT (the IMDSv2 token): no Content-Type at all */
	assert_int_equal(cs_http_do(h, &(cs_http_req){.method = CS_HTTP_PUT, .url = at("/echo")}, &res), 0);
	j = echo_of(&res);
	assert_string_equal(field(j, "method"), "PUT");
	assert_string_equal(field(j, "body"), "");
	assert_null(header_seen(j, "content-type"));
	assert_string_equal(header_seen(j, "content-length"), "0");
	json_decref(j);

	/* and a GET on the same client is a GET again, without a body */
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/echo")}, &res), 0);
	j = echo_of(&res);
	assert_string_equal(field(j, "method"), "GET");
	assert_null(header_seen(j, "content-length"));
	json_decref(j);
	cs_http_close(h);
}

static void test_status_and_retry_after(void **state)
{
	static const struct {
		const char *path;
		long status;
		double retry_after_s;
	} rows[] = {
	    {"/status/404", 404, -1},
	    {"/status/500", 500, -1},
	    {"/status/201", 201, -1},
	    {"/status/429?ra=7", 429, 7},
	    {"/status/503?ra=0", 503, 0},
	    {"/status/429?ra=999999999", 429, CS_HTTP_RETRY_AFTER_MAX_S},
	    {"/status/429?ra=Wed,%2021%20Oct%202015%2007:28:00%20GMT", 429, -1}, /* a date: not taken */
	    {"/status/429?ra=5x", 429, -1},
	};
	cs_http_result res;
	char line[256];
	cs_http *h;

	(void)state;
	NEED_FAKE();
	h = client(NULL);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at(rows[i].path)}, &res), 0);
		assert_int_equal(res.err, CS_HTTP_OK);
		assert_int_equal(res.status, rows[i].status);
		if (res.retry_after_s != rows[i].retry_after_s)
			fail_msg("%s: Retry-After %g, want %g", rows[i].path, res.retry_after_s, rows[i].retry_after_s);
		cs_http_describe(&res, line, sizeof(line));
		if (rows[i].status / 100 == 2) {
			assert_string_equal(res.error, "");
			assert_string_equal(line, "");
		} else {
			char want[32];

			snprintf(want, sizeof(want), "HTTP %ld", rows[i].status);
			assert_string_equal(res.error, want);
			assert_string_equal(line, want);
		}
	}
	cs_http_close(h);
}

static void test_caps(void **state)
{
	cs_http_result res;
	cs_http *h;

	(void)state;
	NEED_FAKE();
	h = client(&(cs_http_opts){.body_max = 4096, .header_max = 2048});
	/* exactly the cap: taken */
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/big/4096")}, &res), 0);
	assert_int_equal(res.len, 4096);
	assert_int_equal(strlen(res.body), 4096);
	/* one byte over (announced by Content-Length, or streamed): refused */
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/big/4097")}, &res), CS_EUNAVAIL);
	assert_int_equal(res.err, CS_HTTP_E_TOO_BIG);
	assert_non_null(strstr(res.error, "size cap (4096 bytes)"));
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/big/100000")}, &res), CS_EUNAVAIL);
	assert_int_equal(res.err, CS_HTTP_E_TOO_BIG);
	/* headers over their own cap */
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/bigheader/4000")}, &res), CS_EUNAVAIL);
	assert_int_equal(res.err, CS_HTTP_E_TOO_BIG);
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/bigheader/100")}, &res), 0);
	assert_int_equal(res.status, 200);
	cs_http_close(h);
}

static void test_timeout_and_refused(void **state)
{
	cs_http_result res;
	char line[512];
	cs_http *h;
	double t0;

	(void)state;
	NEED_FAKE();
	h = client(&(cs_http_opts){.timeout_s = 0.3});
	t0 = cs_mono_s();
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/slow/3")}, &res), CS_EUNAVAIL);
	assert_true(cs_mono_s() - t0 < 2.5);
	assert_int_equal(res.err, CS_HTTP_E_TIMEOUT);
	assert_string_equal(res.error, "no answer within 0.3 s");
	/* a request's own timeout wins */
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/slow/0.5"), .timeout_s = 5}, &res), 0);
	assert_int_equal(res.status, 200);

	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = DEAD_URL}, &res), CS_EUNAVAIL);
	assert_int_equal(res.err, CS_HTTP_E_CONNECT);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.error, "Couldn't connect to server");
	cs_http_describe(&res, line, sizeof(line));
	print_message("refused: %s\n", line);
	assert_true(strncmp(line, "Couldn't connect to server", 26) == 0);
	assert_null(strchr(line, '\n'));
	cs_http_close(h);
}

static void test_redirects(void **state)
{
	cs_http_result res;
	cs_http *h;
	json_t *j;

	(void)state;
	NEED_FAKE();
	h = client(NULL);
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/redirect")}, &res), 0);
	assert_int_equal(res.status, 302); /* not followed */
	cs_http_close(h);

	h = client(&(cs_http_opts){.max_redirects = 3});
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/redirect")}, &res), 0);
	j = echo_of(&res);
	assert_string_equal(field(j, "path"), "/echo");
	json_decref(j);
	cs_http_close(h);
}

static void test_proxy_policy(void **state)
{
	cs_http_result res;
	cs_http *h;

	(void)state;
	NEED_FAKE();
	/* a proxy that refuses everything, and nothing exempt */
	setenv("http_proxy", "http://127.0.0.1:9", 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	h = client(&(cs_http_opts){.url = at("/echo")}); /* CS_HTTP_PROXY_NEVER: straight to the server */
	assert_int_equal(cs_http_do(h, NULL, &res), 0);
	assert_int_equal(res.status, 200);
	cs_http_close(h);
	h = client(&(cs_http_opts){.url = at("/echo"), .proxy = CS_HTTP_PROXY_ENV}); /* through the proxy: refused */
	assert_int_equal(cs_http_do(h, NULL, &res), CS_EUNAVAIL);
	assert_int_equal(res.err, CS_HTTP_E_CONNECT);
	cs_http_close(h);
	unsetenv("http_proxy");
}

static void test_capture_and_decompress(void **state)
{
	cs_http_result res;
	cs_http *h;
	json_t *j;

	(void)state;
	NEED_FAKE();
	h = client(&(cs_http_opts){.decompress = true, .body_max = 8192});
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/flavor"), .capture_header = "metadata-flavor"}, &res),
	                 0);
	assert_true(res.has_header);
	assert_string_equal(res.header, "Google");
	assert_string_equal(res.body, "e2-standard-2");
	/* not asked for: not captured */
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/flavor")}, &res), 0);
	assert_false(res.has_header);
	assert_string_equal(res.header, "");
	/* asked for, absent */
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/echo"), .capture_header = "Metadata-Flavor"}, &res),
	                 0);
	assert_false(res.has_header);

	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/gzip")}, &res), 0);
	j = echo_of(&res);
	assert_true(json_is_true(json_object_get(j, "compressed")));
	json_decref(j);
	cs_http_close(h);
}

static void test_abort_flag(void **state)
{
	atomic_bool stop;
	cs_http_result res;
	cs_http *h;
	double t0;

	(void)state;
	NEED_FAKE();
	atomic_init(&stop, false);
	h = client(&(cs_http_opts){.abort = &stop, .timeout_s = 30});
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/echo")}, &res), 0);
	assert_int_equal(res.status, 200);
	atomic_store(&stop, true);
	t0 = cs_mono_s();
	assert_int_equal(cs_http_do(h, &(cs_http_req){.url = at("/slow/10")}, &res), CS_EUNAVAIL);
	assert_int_equal(res.err, CS_HTTP_E_ABORTED);
	assert_true(cs_mono_s() - t0 < 5);
	cs_http_close(h);
}

/* Three requests on one multi: the fast ones come back in the order they
 * finish, the slow one is still running at the deadline, and its client
 * stays usable after the multi is closed. */
static void test_multi_deadline(void **state)
{
	cs_http *h[3], *done;
	cs_http_multi *m;
	cs_http_result res;
	double t0;

	(void)state;
	NEED_FAKE();
	for (int i = 0; i < 3; i++)
		h[i] = client(NULL);
	t0 = cs_mono_s();
	assert_int_equal(cs_http_multi_open(t0 + 1.0, &m), 0);
	assert_int_equal(cs_http_multi_start(m, h[0], &(cs_http_req){.url = at("/slow/0.3")}), 0);
	assert_int_equal(cs_http_multi_start(m, h[1], &(cs_http_req){.url = at("/slow/5")}), 0);
	assert_int_equal(cs_http_multi_start(m, h[2], &(cs_http_req){.url = at("/echo")}), 0);
	assert_int_equal(cs_http_multi_start(m, h[2], NULL), CS_EINVAL); /* already running */
	assert_int_equal(cs_http_do(h[2], NULL, &res), CS_EINVAL);       /* not while in a multi */
	assert_int_equal(cs_http_multi_running(m), 3);

	/* /echo and /slow/0.3 both finish, in either order: on a loaded
	 * machine the fake may answer /echo after 0.3 s */
	for (int k = 0, seen = 0; k < 2; k++) {
		assert_int_equal(cs_http_multi_next(m, &done, &res), 1);
		assert_true((done == h[2] && !(seen & 1)) || (done == h[0] && !(seen & 2)));
		seen |= done == h[2] ? 1 : 2;
		assert_int_equal(res.status, 200);
	}
	/* the last would take 5 s: its timeout was cut to the deadline, so it
	 * times out with it, or is still running when the deadline is seen */
	while (cs_http_multi_next(m, &done, &res) == 1) {
		assert_ptr_equal(done, h[1]);
		assert_int_equal(res.err, CS_HTTP_E_TIMEOUT);
	}
	assert_true(cs_mono_s() - t0 >= 0.9 && cs_mono_s() - t0 < 3.0);
	assert_true(cs_http_multi_running(m) <= 1);
	assert_int_equal(cs_http_multi_start(m, h[0], &(cs_http_req){.url = at("/echo")}), CS_ERANGE);
	cs_http_multi_close(m);

	assert_int_equal(cs_http_do(h[1], &(cs_http_req){.url = at("/echo")}, &res), 0);
	assert_int_equal(res.status, 200);

	/* a client closed while its request runs leaves the multi */
	assert_int_equal(cs_http_multi_open(cs_mono_s() + 5, &m), 0);
	assert_int_equal(cs_http_multi_start(m, h[1], &(cs_http_req){.url = at("/slow/5")}), 0);
	cs_http_close(h[1]);
	assert_int_equal(cs_http_multi_running(m), 0);
	assert_int_equal(cs_http_multi_next(m, &done, &res), 0);
	cs_http_multi_close(m);
	cs_http_multi_close(NULL);
	cs_http_close(h[0]);
	cs_http_close(h[2]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_scheme),
	    cmocka_unit_test(test_url_shown),
	    cmocka_unit_test(test_bad_options),
	    cmocka_unit_test(test_read_secret),
	    cmocka_unit_test(test_get_headers),
	    cmocka_unit_test(test_post_put_then_get),
	    cmocka_unit_test(test_status_and_retry_after),
	    cmocka_unit_test(test_caps),
	    cmocka_unit_test(test_timeout_and_refused),
	    cmocka_unit_test(test_redirects),
	    cmocka_unit_test(test_proxy_policy),
	    cmocka_unit_test(test_capture_and_decompress),
	    cmocka_unit_test(test_abort_flag),
	    cmocka_unit_test(test_multi_deadline),
	};

	signal(SIGPIPE, SIG_IGN);
	return tf_exit(cmocka_run_group_tests(tests, group_setup, group_teardown));
}
