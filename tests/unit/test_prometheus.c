/* test_prometheus.c - the Prometheus exporter's HTTP server, end to end.
 *
 * The real server (libmicrohttpd) on 127.0.0.1:<free port>, driven through
 * cs_exporter_prometheus exactly as the agent drives it, and a real client
 * (libcurl): routes and status codes before and after the first publish,
 * the body equal to cs_prom_render's bytes, HEAD, 404/405, probes, scrapes
 * from several threads while publish() runs in a loop (every body complete
 * and equal to the render of the cycle it claims), basic auth, TLS with the
 * committed test certificate (tests/fixtures/webconfig, CN/SAN 127.0.0.1),
 * client certificates where built with GnuTLS, listen errors (bad address,
 * port in use, address not on this host), bad web-configs, and SIGHUP
 * reloads of the web-config. Nothing here depends on timing: every wait is
 * for a response, and the scrape counts are fixed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "conf/conf.h"
#include "conf_fixture.h"
#include "core/clock.h"
#include "exporters/exporter.h"
#include "exporters/http_gate.h"
#include "exporters/prom_render.h"
#include "fixture.h"
#include "snap_fixture.h"
#include "text.h"

#ifndef CS_FIXTURES_DIR
#error "CS_FIXTURES_DIR must be defined (tests/CMakeLists.txt does)"
#endif
#define WC_DIR CS_FIXTURES_DIR "/webconfig"

static const cs_exporter_ops *const prom = &cs_exporter_prometheus;

/* ---- helpers ---------------------------------------------------------------------- */

/* A port nobody listens on right now (the kernel's pick for port 0). */
static unsigned free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* One server under test. */
typedef struct srv {
	cs_conf *cfg;
	void *state;
	unsigned port;
	char why[512];
} srv;

/* Opens the exporter on exactly this listen address. Returns open's code. */
static int srv_open_exact(srv *s, const char *listen, const char *web_config)
{
	cs_export_env env;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = tf_conf_try(&s->cfg, s->why, sizeof(s->why), "[prometheus]\nlisten = %s\nweb_config = %s\n", listen,
	                 web_config ? web_config : "");
	if (rc)
		return rc;
	env = tf_export_env(s->cfg, prom);
	return prom->open(&env, &s->state, s->why, sizeof(s->why));
}

/* Opens the exporter on host:<a free port> (host "" = all addresses),
 * retried if someone takes the port in between. */
static int srv_open(srv *s, const char *host, const char *web_config)
{
	int rc = 0;

	for (int attempt = 0; attempt < 5; attempt++) {
		char listen[128];
		unsigned port = free_port();

		tf_snprintf(listen, sizeof(listen), "%s:%u", host, port);
		rc = srv_open_exact(s, listen, web_config);
		s->port = port;
		if (rc != -EADDRINUSE)
			break;
		cs_conf_free(s->cfg);
	}
	return rc;
}

static void srv_close(srv *s)
{
	prom->close(s->state);
	cs_conf_free(s->cfg);
}

/* What a request got back. */
typedef struct reply {
	CURLcode err;
	long code;
	tf_buf body; /* the body, NUL-terminated */
	char ctype[128], allow[64], auth[128];
	int nauth;      /* WWW-Authenticate headers */
	long long clen; /* Content-Length header, -1 if none */
} reply;

static void header_value(const char *line, size_t n, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name), vl;

	if (n <= nl || strncasecmp(line, name, nl) != 0)
		return;
	line += nl;
	n -= nl;
	while (n && *line == ' ')
		line++, n--;
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	vl = n < cap - 1 ? n : cap - 1;
	memcpy(out, line, vl);
	out[vl] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *cls)
{
	reply *r = cls;
	size_t len = size * n;
	char clen[32] = "";

	header_value(p, len, "Content-Type:", r->ctype, sizeof(r->ctype));
	header_value(p, len, "Allow:", r->allow, sizeof(r->allow));
	if (len > 17 && strncasecmp(p, "WWW-Authenticate:", 17) == 0)
		r->nauth++;
	header_value(p, len, "WWW-Authenticate:", r->auth, sizeof(r->auth));
	header_value(p, len, "Content-Length:", clen, sizeof(clen));
	if (clen[0])
		r->clen = atoll(clen);
	return len;
}

/* Request options beyond the URL. */
typedef struct req {
	const char *method;     /* NULL = GET; "HEAD"; "POST" */
	const char *userpwd;    /* "user:password" */
	const char *cainfo;     /* https: trust this certificate */
	const char *cert, *key; /* client certificate */
	CURL *reuse;            /* a keep-alive handle (not cleaned up) */
} req;

static reply fetch(const char *url, const req *o)
{
	static const req none = {0};
	reply r;
	CURL *c;

	if (!o)
		o = &none;
	memset(&r, 0, sizeof(r));
	r.clen = -1;
	c = o->reuse ? o->reuse : curl_easy_init();
	assert_non_null(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tf_buf_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	if (o->method && !strcmp(o->method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (o->method && !strcmp(o->method, "POST"))
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "x=1");
	if (o->userpwd)
		curl_easy_setopt(c, CURLOPT_USERPWD, o->userpwd);
	if (o->cainfo)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->cainfo);
	if (o->cert) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, o->cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, o->key);
	}
	r.err = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.code);
	if (!o->reuse)
		curl_easy_cleanup(c);
	return r;
}

static void reply_free(reply *r)
{
	tf_buf_free(&r->body);
}

static reply get(const srv *s, const char *path, const req *o)
{
	char url[128];

	tf_snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", s->port, path);
	return fetch(url, o);
}

/* Status of one request (body dropped). */
static long status(const srv *s, const char *path, const req *o)
{
	reply r = get(s, path, o);
	long code = r.err == CURLE_OK ? r.code : -(long)r.err;

	reply_free(&r);
	return code;
}

static void publish(srv *s, cs_snapfix *f, size_t nw, uint64_t seq)
{
	char why[256] = "";

	assert_int_equal(cs_snapfix_build(f, nw, seq), 0);
	assert_int_equal(prom->publish(s->state, &f->snap, why, sizeof(why)), 0);
}

/* The bytes cs_prom_render makes for the fixture (nw workloads, seq). */
static void expected(cs_prom_buf *b, size_t nw, uint64_t seq)
{
	cs_snapfix f = {0};

	assert_int_equal(cs_snapfix_build(&f, nw, seq), 0);
	assert_int_equal(cs_prom_render(b, &f.snap), 0);
	cs_snapfix_free(&f);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected \"%s\" in \"%s\"", needle, hay);
}

/* ---- routes ----------------------------------------------------------------------- */

static void test_enabled(void **state)
{
	cs_conf *c = tf_conf(" ");

	(void)state;
	assert_string_equal(cs_exporter_name(prom), "prometheus");
	assert_true(cs_conf_enabled(c, prom->conf)); /* on by default */
	cs_conf_free(c);
	c = tf_conf("[prometheus]\nenabled = false\n");
	assert_false(cs_conf_enabled(c, prom->conf));
	cs_conf_free(c);
	assert_non_null(prom->open);
	assert_non_null(prom->publish);
	assert_non_null(prom->reopen);
	assert_non_null(prom->close);
}

static void test_routes(void **state)
{
	srv s;
	cs_snapfix f = {0};
	cs_prom_buf want;
	reply r;

	(void)state;
	cs_prom_buf_init(&want);
	assert_int_equal(srv_open(&s, "127.0.0.1", NULL), 0);

	/* before the first publish: no sample yet */
	r = get(&s, "/metrics", NULL);
	assert_int_equal(r.err, CURLE_OK);
	assert_int_equal(r.code, 503);
	assert_contains(r.body.data, "no sample yet");
	reply_free(&r);
	assert_int_equal(status(&s, "/readyz", NULL), 503);
	assert_int_equal(status(&s, "/healthz", NULL), 200); /* just started: not stale */

	r = get(&s, "/", NULL);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.ctype, "text/html; charset=utf-8");
	assert_contains(r.body.data, "href=\"/metrics\"");
	reply_free(&r);
	assert_int_equal(status(&s, "/nope", NULL), 404);
	assert_int_equal(status(&s, "/metrics/", NULL), 404);

	r = get(&s, "/metrics", &(req){.method = "POST"});
	assert_int_equal(r.code, 405);
	assert_string_equal(r.allow, "GET, HEAD");
	reply_free(&r);

	/* after: the rendered bytes, as they are */
	publish(&s, &f, 3, 1);
	expected(&want, 3, 1);
	r = get(&s, "/metrics", NULL);
	assert_int_equal(r.err, CURLE_OK);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.ctype, CS_PROM_CONTENT_TYPE);
	assert_int_equal(r.body.len, want.len);
	assert_memory_equal(r.body.data, want.p, want.len);
	reply_free(&r);

	r = get(&s, "/metrics", &(req){.method = "HEAD"});
	assert_int_equal(r.err, CURLE_OK);
	assert_int_equal(r.code, 200);
	assert_int_equal(r.body.len, 0);
	assert_int_equal(r.clen, (long long)want.len);
	assert_string_equal(r.ctype, CS_PROM_CONTENT_TYPE);
	reply_free(&r);

	assert_int_equal(status(&s, "/readyz", NULL), 200);
	assert_int_equal(status(&s, "/healthz", NULL), 200);
	assert_int_equal(status(&s, "/healthz", &(req){.method = "POST"}), 405);

	/* the next cycle replaces the body */
	publish(&s, &f, 3, 2);
	expected(&want, 3, 2);
	r = get(&s, "/metrics", NULL);
	assert_int_equal(r.body.len, want.len);
	assert_memory_equal(r.body.data, want.p, want.len);
	reply_free(&r);

	/* a keep-alive client sees each cycle too */
	{
		CURL *c = curl_easy_init();
		char url[64];

		tf_snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", s.port);
		for (uint64_t seq = 3; seq < 8; seq++) {
			publish(&s, &f, 3, seq);
			expected(&want, 3, seq);
			r = fetch(url, &(req){.reuse = c});
			assert_int_equal(r.code, 200);
			assert_int_equal(r.body.len, want.len);
			assert_memory_equal(r.body.data, want.p, want.len);
			reply_free(&r);
		}
		curl_easy_cleanup(c);
	}

	srv_close(&s);
	cs_snapfix_free(&f);
	cs_prom_buf_free(&want);
}

static void test_health_verdict(void **state)
{
	char body[128];

	(void)state;
	assert_true(cs_prom_stale_after_s(5) == 30.0);
	assert_true(cs_prom_stale_after_s(0.1) == 30.0);
	assert_true(cs_prom_stale_after_s(60) == 180.0);
	assert_int_equal(cs_prom_health(1, 10.0, 30.0, body, sizeof(body)), 200);
	assert_string_equal(body, "ok\n");
	assert_int_equal(cs_prom_health(0, 29.9, 30.0, body, sizeof(body)), 200);
	assert_int_equal(cs_prom_health(1, 95.25, 30.0, body, sizeof(body)), 503);
	assert_string_equal(body, "stale: last publish 95.2 s ago (limit 30 s)\n");
	assert_int_equal(cs_prom_health(0, 31.0, 30.0, body, sizeof(body)), 503);
	assert_contains(body, "no publish in the 31.0 s since start");
}

/* ---- concurrency ------------------------------------------------------------------ */

#define CONC_THREADS   4
#define CONC_SCRAPES   25
#define CONC_WORKLOADS 200

typedef struct scraper {
	unsigned port;
	atomic_int *finished;
	int ok, failed;
	char first_error[256];
} scraper;

static void *scrape_loop(void *cls)
{
	scraper *sc = cls;
	CURL *c = curl_easy_init();
	cs_prom_buf want;
	char url[64];

	cs_prom_buf_init(&want);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", sc->port);
	for (int i = 0; i < CONC_SCRAPES; i++) {
		reply r;
		const char *m;
		unsigned long long cycles;
		cs_snapfix f = {0};
		bool same;

		r = fetch(url, &(req){.reuse = i % 2 ? c : NULL}); /* keep-alive and fresh connections */
		m = r.body.data ? strstr(r.body.data, "\ncarbonstat_agent_cycles_total{node=\"node-1\"} ") : NULL;
		if (r.err != CURLE_OK || r.code != 200 || !m || r.body.len == 0 ||
		    r.body.data[r.body.len - 1] != '\n' ||
		    sscanf(m + strlen("\ncarbonstat_agent_cycles_total{node=\"node-1\"} "), "%llu", &cycles) != 1) {
			if (!sc->failed++)
				snprintf(sc->first_error, sizeof(sc->first_error), "curl %d, HTTP %ld, %zu bytes",
				         (int)r.err, r.code, r.body.len);
			reply_free(&r);
			continue;
		}
		/* the body is exactly the render of the cycle it says it is */
		cs_snapfix_build(&f, CONC_WORKLOADS, cycles - 1);
		cs_prom_render(&want, &f.snap);
		same = want.len == r.body.len && memcmp(want.p, r.body.data, r.body.len) == 0;
		cs_snapfix_free(&f);
		if (same)
			sc->ok++;
		else if (!sc->failed++)
			snprintf(sc->first_error, sizeof(sc->first_error), "body of cycle %llu differs (%zu bytes)",
			         cycles, r.body.len);
		reply_free(&r);
	}
	cs_prom_buf_free(&want);
	curl_easy_cleanup(c);
	atomic_fetch_add(sc->finished, 1);
	return NULL;
}

/* ---- hostile clients (issue 15) -------------------------------------------------- */

/* A raw TCP connection to the server from source address src (127.0.0.x). */
static int raw_connect(const srv *s, const char *src)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, src, &a.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	a.sin_port = htons((uint16_t)s->port);
	assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &a.sin_addr), 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* What the server says to `data` within timeout_ms ("" if it closed, "TIMEOUT"
 * if it said nothing), and how long it took. */
static double raw_exchange(const srv *s, const void *data, size_t len, int timeout_ms, char *out, size_t cap)
{
	int fd = raw_connect(s, "127.0.0.1");
	double t0 = cs_mono_s();
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t r = 0;

	assert_int_equal(send(fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
	out[0] = '\0';
	if (poll(&p, 1, timeout_ms) == 1) {
		r = recv(fd, out, cap - 1, 0);
		out[r > 0 ? r : 0] = '\0';
	} else {
		tf_snprintf(out, cap, "TIMEOUT");
	}
	close(fd);
	return cs_mono_s() - t0;
}

/* A TLS client hello, a garbage request line, a binary one: a prompt 400 each
 * (before: a hang until the timeout, or a close without an answer); the
 * absolute form is served (before: 404). */
static void test_malformed_requests(void **state)
{
	static const unsigned char hello[] = {0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03,
	                                      0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a};
	srv s;
	cs_snapfix f = {0};
	char out[2048];

	(void)state;
	assert_int_equal(srv_open(&s, "127.0.0.1", NULL), 0);
	publish(&s, &f, 3, 1);
	assert_true(raw_exchange(&s, hello, sizeof(hello), 3000, out, sizeof(out)) < 1.0);
	assert_contains(out, "HTTP/1.1 400 Bad Request");
	assert_contains(out, "plain HTTP");
	assert_true(raw_exchange(&s, "GARBAGE\r\n\r\n", 11, 3000, out, sizeof(out)) < 1.0);
	assert_contains(out, "HTTP/1.1 400 Bad Request");
	assert_true(raw_exchange(&s, "\x00\x01\x02 zz\r\n\r\n", 11, 3000, out, sizeof(out)) < 1.0);
	assert_contains(out, "HTTP/1.1 400 Bad Request");
	{
		static const char abs_form[] = "GET http://node:9875/metrics HTTP/1.1\r\nHost: node\r\n\r\n";

		raw_exchange(&s, abs_form, sizeof(abs_form) - 1, 3000, out, sizeof(out));
	}
	assert_contains(out, "HTTP/1.1 200 OK");
	assert_contains(out, "carbonstat_");
	srv_close(&s);
	cs_snapfix_free(&f);
}

/* Slow-loris from one client (request heads that never end): it gets a few
 * connections, the rest are closed at once, and scrapes from elsewhere keep
 * being served; the slow ones get 408 at the deadline (before: 64 slow
 * connections from one client blocked every scrape). */
static void test_slow_clients(void **state)
{
	enum { SLOW = 80 };
	int fd[SLOW], open_now = 0;
	srv s;
	cs_snapfix f = {0};
	char out[512];
	double t0;

	(void)state;
	assert_int_equal(srv_open(&s, "127.0.0.1", NULL), 0);
	publish(&s, &f, 3, 1);
	for (int i = 0; i < SLOW; i++) {
		fd[i] = raw_connect(&s, "127.0.0.2");
		(void)send(fd[i], "GET /metrics HTTP/1.1\r\nX-Slow: ", 31, MSG_NOSIGNAL);
	}
	usleep(300 * 1000);
	for (int i = 0; i < SLOW; i++) {
		struct pollfd p = {.fd = fd[i], .events = POLLIN};

		open_now += poll(&p, 1, 0) == 0; /* still waiting, not closed */
	}
	assert_true(open_now <= 8);
	t0 = cs_mono_s();
	for (int k = 0; k < 5; k++)
		assert_int_equal(status(&s, "/metrics", NULL), 200);
	assert_true(cs_mono_s() - t0 < 2.0);
	/* the deadline: the waiting ones are answered 408 and closed */
	for (int i = 0; i < SLOW; i++) {
		struct pollfd p = {.fd = fd[i], .events = POLLIN};
		ssize_t r;

		if (poll(&p, 1, 8000) == 1 && (r = recv(fd[i], out, sizeof(out) - 1, 0)) > 0) {
			out[r] = '\0';
			assert_contains(out, "408");
		}
		close(fd[i]);
	}
	srv_close(&s);
	cs_snapfix_free(&f);
}

/* The gate on its own, its thread held up: connections whose request heads
 * have all arrived are never refused as "waiting", even when the gate
 * accepts them before it handles their data (before: under load a client
 * with per_client complete requests queued got its next connection closed,
 * which wrk reported as a read error in agent/load-wrk). */
typedef struct gate_sink {
	atomic_int passed;
	int fd[8];
} gate_sink;

static void gate_pass(void *ctx, int fd, const struct sockaddr *sa, socklen_t salen)
{
	gate_sink *k = ctx;
	int i = atomic_fetch_add(&k->passed, 1);

	(void)sa;
	(void)salen;
	if (i == 0)
		usleep(300 * 1000); /* holds the gate's thread while the next ones queue up */
	if (i < 8)
		k->fd[i] = fd;
	else
		close(fd);
}

static void test_gate_settles_before_refusing(void **state)
{
	static const char head[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), c[4];
	gate_sink k = {0};
	cs_http_gate *g;
	cs_http_gate_stats st;

	(void)state;
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lfd, 16), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(cs_http_gate_start(&(cs_http_gate_opts){.listen_fd = lfd,
	                                                         .deadline_s = 5.0,
	                                                         .per_client = 2,
	                                                         .max_pending = 8,
	                                                         .pass = gate_pass,
	                                                         .ctx = &k,
	                                                         .log_prefix = "test gate"},
	                                    &g),
	                 0);
	for (int i = 0; i < 4; i++) { /* the first is passed, then the gate sleeps in gate_pass */
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_int_equal(connect(c[i], (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(send(c[i], head, sizeof(head) - 1, MSG_NOSIGNAL), (ssize_t)(sizeof(head) - 1));
		if (i == 0)
			usleep(100 * 1000);
	}
	for (int t = 0; t < 200 && atomic_load(&k.passed) < 4; t++)
		usleep(10 * 1000);
	cs_http_gate_stats_get(g, &st);
	assert_int_equal(atomic_load(&k.passed), 4);
	assert_int_equal(st.refused_client, 0);
	cs_http_gate_stop(g);
	for (int i = 0; i < 4; i++) {
		close(c[i]);
		close(k.fd[i]);
	}
	close(lfd);
}

/* The server's own messages under a crowd from one client (kept-alive
 * connections past the per-client limit, connections reset mid-request):
 * no HTML, no line per connection, one line per kind (before: MHD's
 * messages raw, with their HTML page, one per refused or aborted
 * connection). */
static void test_server_log_lines(void **state)
{
	static const char req_ka[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	enum { CROWD = 16 };
	int fd[CROWD], saved, lines = 0, limit_lines = 0;
	char path[] = "/tmp/cs-test-promlog-XXXXXX", buf[8192];
	FILE *f;
	srv s;
	cs_snapfix sf = {0};

	(void)state;
	assert_int_equal(srv_open(&s, "127.0.0.1", NULL), 0);
	publish(&s, &sf, 3, 1);
	saved = dup(2);
	{
		int lf = mkstemp(path);

		assert_true(lf >= 0);
		fflush(stderr);
		dup2(lf, 2);
		close(lf);
	}
	for (int i = 0; i < CROWD; i++) {
		fd[i] = raw_connect(&s, "127.0.0.3");
		(void)send(fd[i], req_ka, sizeof(req_ka) - 1, MSG_NOSIGNAL);
		usleep(20 * 1000);
	}
	for (int i = 0; i < CROWD; i++) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0}; /* close = reset */

		(void)setsockopt(fd[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd[i]);
	}
	usleep(300 * 1000);
	assert_int_equal(status(&s, "/metrics", NULL), 200);
	srv_close(&s);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(buf, sizeof(buf), f)) {
		print_message("log: %s", buf);
		lines++;
		limit_lines += strstr(buf, "limit") != NULL;
		assert_null(strchr(buf, '<'));
	}
	fclose(f);
	unlink(path);
	assert_true(limit_lines <= 1);
	assert_true(lines <= 3);
	cs_snapfix_free(&sf);
}

/* The gate's request-head check, on string literals. */
#define HEAD(lit) cs_http_head_check(lit, sizeof(lit) - 1)

static void test_head_check(void **state)
{
	(void)state;
	assert_int_equal(HEAD(""), CS_HEAD_INCOMPLETE);
	assert_int_equal(HEAD("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), CS_HEAD_OK);
	assert_int_equal(HEAD("GET /metrics HTTP/1.0\n\n"), CS_HEAD_OK);
	assert_int_equal(HEAD("GET /metrics HTTP/1.1\r\nHost: x\r\n"), CS_HEAD_INCOMPLETE);
	assert_int_equal(HEAD("GET /met"), CS_HEAD_INCOMPLETE);
	assert_int_equal(HEAD("\x16\x03\x01"), CS_HEAD_TLS);
	assert_int_equal(HEAD("GARBAGE\r\n"), CS_HEAD_BAD);
	assert_int_equal(HEAD("get / HTTP/1.1\r\n"), CS_HEAD_BAD);
	assert_int_equal(HEAD("GET / HTTP/2.0\r\n"), CS_HEAD_BAD);
	assert_int_equal(HEAD("GET  / HTTP/1.1\r\n"), CS_HEAD_BAD);
	assert_int_equal(HEAD("GET / HTTP/1.1\r\nA\x01: b\r\n\r\n"), CS_HEAD_BAD);
	{
		static char big[CS_HTTP_HEAD_MAX];

		memcpy(big, "GET / HTTP/1.1\r\n", 16);
		memset(big + 16, 'a', sizeof(big) - 16);
		assert_int_equal(cs_http_head_check(big, sizeof(big)), CS_HEAD_TOO_BIG);
	}
}

/* hold() .. publish(), as the agent calls them: a cycle is rendered by the
 * first scrape after it, once (a later scrape does not render again, even if
 * the snapshot's memory changed), and a cycle nobody scraped is never
 * rendered. */
static void test_lazy_render(void **state)
{
	srv s;
	cs_snapfix f = {0};
	cs_prom_buf want;
	reply r;

	(void)state;
	cs_prom_buf_init(&want);
	assert_non_null(prom->hold);
	assert_int_equal(srv_open(&s, "127.0.0.1", NULL), 0);
	prom->hold(s.state);
	publish(&s, &f, 3, 1);
	assert_int_equal(status(&s, "/readyz", NULL), 200);
	expected(&want, 3, 1);
	r = get(&s, "/metrics", NULL);
	assert_int_equal(r.code, 200);
	assert_int_equal(r.body.len, want.len);
	assert_memory_equal(r.body.data, want.p, want.len);
	reply_free(&r);
	/* rendered once: the same bytes though the snapshot now says seq 9 */
	assert_int_equal(cs_snapfix_build(&f, 3, 9), 0);
	r = get(&s, "/metrics", NULL);
	assert_int_equal(r.body.len, want.len);
	assert_memory_equal(r.body.data, want.p, want.len);
	reply_free(&r);
	/* two cycles, one scrape: the last cycle's */
	prom->hold(s.state);
	publish(&s, &f, 3, 2);
	prom->hold(s.state);
	publish(&s, &f, 4, 3);
	expected(&want, 4, 3);
	r = get(&s, "/metrics", NULL);
	assert_int_equal(r.body.len, want.len);
	assert_memory_equal(r.body.data, want.p, want.len);
	reply_free(&r);
	srv_close(&s);
	cs_snapfix_free(&f);
	cs_prom_buf_free(&want);
}
static void test_concurrent_scrapes(void **state)
{
	srv s;
	cs_snapfix f = {0};
	scraper sc[CONC_THREADS];
	pthread_t th[CONC_THREADS];
	uint64_t seq = 1;
	int total = 0;
	atomic_int finished = 0;

	(void)state;
	assert_int_equal(srv_open(&s, "127.0.0.1", NULL), 0);
	publish(&s, &f, CONC_WORKLOADS, seq);
	memset(sc, 0, sizeof(sc));
	for (int i = 0; i < CONC_THREADS; i++) {
		sc[i].port = s.port;
		sc[i].finished = &finished;
		assert_int_equal(pthread_create(&th[i], NULL, scrape_loop, &sc[i]), 0);
	}
	/* publish as fast as we can while they scrape: bounded by the
	 * scrapers' fixed counts, not by time */
	while (atomic_load(&finished) < CONC_THREADS) {
		publish(&s, &f, CONC_WORKLOADS, ++seq);
		if (seq % 16 == 0)
			usleep(1000); /* let the scrapers in */
	}
	for (int i = 0; i < CONC_THREADS; i++) {
		pthread_join(th[i], NULL);
		if (sc[i].failed)
			fail_msg("scraper %d: %d failed, first: %s", i, sc[i].failed, sc[i].first_error);
		total += sc[i].ok;
	}
	assert_int_equal(total, CONC_THREADS * CONC_SCRAPES);
	print_message("%d scrapes while %llu cycles were published\n", total, (unsigned long long)seq);
	srv_close(&s);
	cs_snapfix_free(&f);
}

/* ---- basic auth and TLS ----------------------------------------------------------- */

static void test_basic_auth(void **state)
{
	srv s;
	cs_snapfix f = {0};
	reply r;

	(void)state;
	assert_int_equal(srv_open(&s, "127.0.0.1", WC_DIR "/auth.yml"), 0);
	publish(&s, &f, 3, 1);

	r = get(&s, "/metrics", NULL);
	assert_int_equal(r.code, 401);
	assert_string_equal(r.auth, "Basic realm=\"carbonstat\"");
	reply_free(&r);
	assert_int_equal(r.nauth, 1);
	assert_int_equal(status(&s, "/metrics", &(req){.userpwd = "prometheus:wrong"}), 401);
	assert_int_equal(status(&s, "/metrics", &(req){.userpwd = "nobody:s3cret"}), 401);
	assert_int_equal(status(&s, "/metrics", &(req){.userpwd = "prometheus:"}), 401);
	assert_int_equal(status(&s, "/metrics", &(req){.userpwd = "alice:s3cret"}), 401); /* another user's */
	/* the right password; the second time from the cache */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(status(&s, "/metrics", &(req){.userpwd = "prometheus:s3cret"}), 200);
		assert_int_equal(status(&s, "/metrics", &(req){.userpwd = "alice:wonderland"}), 200); /* $2y$ */
		/* a cached password does not open a prefix or an extension of it */
		assert_int_equal(status(&s, "/metrics", &(req){.userpwd = "prometheus:s3cre"}), 401);
		assert_int_equal(status(&s, "/metrics", &(req){.userpwd = "prometheus:s3cret!"}), 401);
	}
	/* still one challenge after many refusals (the 401 response is shared) */
	r = get(&s, "/metrics", NULL);
	assert_int_equal(r.code, 401);
	assert_int_equal(r.nauth, 1);
	reply_free(&r);
	/* every route but the probes asks */
	assert_int_equal(status(&s, "/", NULL), 401);
	assert_int_equal(status(&s, "/nope", NULL), 401);
	assert_int_equal(status(&s, "/metrics", &(req){.method = "POST"}), 401);
	assert_int_equal(status(&s, "/nope", &(req){.userpwd = "prometheus:s3cret"}), 404);
	assert_int_equal(status(&s, "/healthz", NULL), 200);
	assert_int_equal(status(&s, "/readyz", NULL), 200);
	srv_close(&s);
	cs_snapfix_free(&f);
}

/* Wrong passwords from one client: a few are checked (a bcrypt each), then
 * 429 without one (before: every attempt cost a full bcrypt, 300 attempts
 * 14 s of CPU); another client still gets in. */
static void test_auth_rate_limit(void **state)
{
	static const char right_from_elsewhere[] =
	    "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic cHJvbWV0aGV1czpzM2NyZXQ=\r\n\r\n";
	srv s;
	cs_snapfix f = {0};
	int n401 = 0, n429 = 0;
	double t0;
	char out[256];

	(void)state;
	assert_int_equal(srv_open(&s, "127.0.0.1", WC_DIR "/auth.yml"), 0);
	publish(&s, &f, 3, 1);
	t0 = cs_mono_s();
	for (int i = 0; i < 30; i++) {
		long c = status(&s, "/metrics", &(req){.userpwd = "prometheus:guess"});

		n401 += c == 401;
		n429 += c == 429;
	}
	assert_int_equal(n401 + n429, 30);
	assert_true(n401 <= 5 + (int)((cs_mono_s() - t0) / 2.0) + 1);
	assert_true(n429 >= 20);
	{
		int fd = raw_connect(&s, "127.0.0.2");
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r = 0;

		assert_int_equal(send(fd, right_from_elsewhere, sizeof(right_from_elsewhere) - 1, MSG_NOSIGNAL),
		                 (ssize_t)sizeof(right_from_elsewhere) - 1);
		if (poll(&p, 1, 5000) == 1)
			r = recv(fd, out, sizeof(out) - 1, 0);
		out[r > 0 ? r : 0] = '\0';
		close(fd);
		assert_contains(out, "HTTP/1.1 200 OK");
	}
	srv_close(&s);
	cs_snapfix_free(&f);
}

static long https_status(const srv *s, const char *path, const req *o)
{
	char url[128];
	reply r;
	long code;

	tf_snprintf(url, sizeof(url), "https://127.0.0.1:%u%s", s->port, path);
	r = fetch(url, o);
	code = r.err == CURLE_OK ? r.code : -(long)r.err;
	reply_free(&r);
	return code;
}

static void test_tls(void **state)
{
	srv s;
	cs_snapfix f = {0};
	cs_prom_buf want;
	char url[128];
	reply r;

	(void)state;
	cs_prom_buf_init(&want);
	assert_int_equal(srv_open(&s, "127.0.0.1", WC_DIR "/tls.yml"), 0);
	publish(&s, &f, 3, 4);
	expected(&want, 3, 4);
	tf_snprintf(url, sizeof(url), "https://127.0.0.1:%u/metrics", s.port);
	r = fetch(url, &(req){.cainfo = WC_DIR "/server.crt"});
	assert_int_equal(r.err, CURLE_OK);
	assert_int_equal(r.code, 200);
	assert_int_equal(r.body.len, want.len);
	assert_memory_equal(r.body.data, want.p, want.len);
	reply_free(&r);
	/* a client that does not trust the certificate gets nowhere */
	assert_true(https_status(&s, "/metrics", NULL) < 0);
	/* plain HTTP to the TLS port is not served */
	assert_true(status(&s, "/metrics", NULL) != 200);
	srv_close(&s);

	/* TLS + basic auth */
	assert_int_equal(srv_open(&s, "127.0.0.1", WC_DIR "/tls_auth.yml"), 0);
	publish(&s, &f, 3, 4);
	assert_int_equal(https_status(&s, "/metrics", &(req){.cainfo = WC_DIR "/server.crt"}), 401);
	assert_int_equal(
	    https_status(&s, "/metrics", &(req){.cainfo = WC_DIR "/server.crt", .userpwd = "prometheus:s3cret"}), 200);
	assert_int_equal(https_status(&s, "/healthz", &(req){.cainfo = WC_DIR "/server.crt"}), 200);
	srv_close(&s);
	cs_snapfix_free(&f);
	cs_prom_buf_free(&want);
}

static void test_client_certs(void **state)
{
	srv s;
	cs_snapfix f = {0};
	int rc;

	(void)state;
	rc = srv_open(&s, "127.0.0.1", WC_DIR "/mtls.yml");
#ifdef CS_HAVE_GNUTLS
	assert_int_equal(rc, 0);
	publish(&s, &f, 3, 1);
	assert_int_equal(
	    https_status(
	        &s, "/metrics",
	        &(req){.cainfo = WC_DIR "/server.crt", .cert = WC_DIR "/client.crt", .key = WC_DIR "/client.key"}),
	    200);
	/* no certificate, or one no trusted CA signed: the handshake is
	 * allowed (MHD only requests a certificate), the request refused */
	assert_int_equal(https_status(&s, "/metrics", &(req){.cainfo = WC_DIR "/server.crt"}), 403);
	assert_int_equal(
	    https_status(
	        &s, "/metrics",
	        &(req){.cainfo = WC_DIR "/server.crt", .cert = WC_DIR "/intruder.crt", .key = WC_DIR "/intruder.key"}),
	    403);
	/* probes need no certificate */
	assert_int_equal(https_status(&s, "/healthz", &(req){.cainfo = WC_DIR "/server.crt"}), 200);
	srv_close(&s);
#else
	assert_int_equal(rc, CS_EUNAVAIL);
	assert_contains(s.why, "RequireAndVerifyClientCert needs carbonstat built with GnuTLS");
	cs_conf_free(s.cfg);
	print_message("client certificates: built without CS_HAVE_GNUTLS, checked that open refuses them\n");
#endif
	cs_snapfix_free(&f);
}

/* ---- errors ------------------------------------------------------------------------ */

static void test_listen_errors(void **state)
{
	srv s;
	int fd, one = 1;
	struct sockaddr_in a;
	char want[256];

	(void)state;
	/* not an address */
	assert_int_equal(srv_open_exact(&s, "nonsense", NULL), CS_EINVAL);
	assert_string_equal(s.why,
	                    "test.ini:2: [prometheus] listen = 'nonsense': expected host:port, [v6]:port or :port");
	cs_conf_free(s.cfg);

	/* a port someone else holds */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	{
		socklen_t len = sizeof(a);
		char listen_at[64];
		void *st = NULL;
		cs_conf *c;
		cs_export_env env;

		assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
		tf_snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%u", ntohs(a.sin_port));
		c = tf_conf("[prometheus]\nlisten = %s\n", listen_at);
		env = tf_export_env(c, prom);
		assert_int_equal(prom->open(&env, &st, s.why, sizeof(s.why)), -EADDRINUSE);
		tf_snprintf(
		    want, sizeof(want),
		    "prometheus: cannot listen on %s: Address already in use; set [prometheus] listen or --listen",
		    listen_at);
		assert_string_equal(s.why, want);
		/* ":port" too (dual stack or IPv4: both collide) */
		cs_conf_free(c);
		c = tf_conf("[prometheus]\nlisten = :%u\n", ntohs(a.sin_port));
		env = tf_export_env(c, prom);
		assert_int_equal(prom->open(&env, &st, s.why, sizeof(s.why)), -EADDRINUSE);
		assert_contains(s.why, "Address already in use");
		cs_conf_free(c);
	}
	close(fd);

	/* an address this host does not have (TEST-NET-1: never routed, no packet sent) */
	assert_true(srv_open(&s, "192.0.2.1", NULL) < 0);
	assert_contains(s.why, "prometheus: cannot listen on 192.0.2.1:");
	assert_contains(s.why, "Cannot assign requested address; set [prometheus] listen or --listen");
	cs_conf_free(s.cfg);
}

/* Can this host bind [::1]? (containers often have no IPv6) */
static bool have_ipv6_loopback(void)
{
	struct sockaddr_in6 a;
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	a.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static void test_listen_forms(void **state)
{
	srv s;
	cs_snapfix f = {0};
	char url[128];
	reply r;

	(void)state;
	/* ":port": every address; reached over IPv4 loopback (v4-mapped when dual stack) */
	assert_int_equal(srv_open(&s, "", NULL), 0);
	publish(&s, &f, 3, 1);
	assert_int_equal(status(&s, "/metrics", NULL), 200);
	if (have_ipv6_loopback()) {
		tf_snprintf(url, sizeof(url), "http://[::1]:%u/metrics", s.port);
		r = fetch(url, NULL);
		assert_int_equal(r.code, 200);
		reply_free(&r);
	}
	srv_close(&s);

	/* a name, through getaddrinfo */
	assert_int_equal(srv_open(&s, "localhost", NULL), 0);
	publish(&s, &f, 3, 1);
	tf_snprintf(url, sizeof(url), "http://localhost:%u/readyz", s.port);
	r = fetch(url, NULL);
	assert_int_equal(r.code, 200);
	reply_free(&r);
	srv_close(&s);

	if (have_ipv6_loopback()) {
		assert_int_equal(srv_open(&s, "[::1]", NULL), 0);
		tf_snprintf(url, sizeof(url), "http://[::1]:%u/readyz", s.port);
		r = fetch(url, NULL);
		assert_int_equal(r.code, 503);
		reply_free(&r);
		assert_true(status(&s, "/readyz", NULL) < 0); /* IPv6 only: not on 127.0.0.1 */
		srv_close(&s);
		/* "[::]": every address, IPv4 included */
		assert_int_equal(srv_open(&s, "[::]", NULL), 0);
		assert_int_equal(status(&s, "/readyz", NULL), 503);
		srv_close(&s);
	} else {
		print_message("skipping [::1]: no IPv6 loopback on this host\n");
	}
	cs_snapfix_free(&f);
}

static void test_bad_webconfig(void **state)
{
	static const struct {
		const char *file, *want;
		int rc;
	} cases[] = {
	    {"unknown_key.yml", "unknown_key.yml:4: tls_server_config key 'min_version' is not supported by carbonstat",
	     CS_EINVAL},
	    {"missing_cert.yml", "missing_cert.yml:2: cannot read cert_file " WC_DIR "/no-such.crt: No such file",
	     -ENOENT},
	    {"wrong_key.yml", "wrong_key.yml:4: key_file " WC_DIR "/client.crt holds no private key", CS_EINVAL},
	    {"no-such.yml",
	     "no-such.yml: cannot read: No such file or directory; fix [prometheus] web_config or "
	     "--web-config",
	     -ENOENT},
	    {"mismatch.yml", "cannot start the HTTPS server on 127.0.0.1:", CS_EINVAL},
	};
	srv s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[512];

		tf_snprintf(path, sizeof(path), "%s/%s", WC_DIR, cases[i].file);
		assert_int_equal(srv_open(&s, "127.0.0.1", path), cases[i].rc);
		assert_contains(s.why, cases[i].want);
		assert_non_null(strstr(s.why, "prometheus: ") == s.why ? s.why : NULL);
		assert_null(strchr(s.why, '\n'));
		cs_conf_free(s.cfg);
	}
	/* the mismatch says what GnuTLS said */
	assert_int_equal(srv_open(&s, "127.0.0.1", WC_DIR "/mismatch.yml"), CS_EINVAL);
	assert_contains(s.why, "do not match");
	assert_contains(s.why, "check cert_file and key_file");
	cs_conf_free(s.cfg);
	/* an empty web-config is plain HTTP */
	assert_int_equal(srv_open(&s, "127.0.0.1", WC_DIR "/empty.yml"), 0);
	assert_int_equal(status(&s, "/readyz", NULL), 503);
	srv_close(&s);
}

/* ---- reload ------------------------------------------------------------------------ */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_reopen(void **state)
{
	char dir[256], web[512], why[512];
	char *auth = tf_slurp(WC_DIR "/auth.yml", NULL), *tls_auth = tf_slurp(WC_DIR "/tls_auth.yml", NULL);
	srv s;
	cs_snapfix f = {0};
	const req ok_creds = {.userpwd = "prometheus:s3cret"};
	const req tls_creds = {.userpwd = "prometheus:s3cret", .cainfo = WC_DIR "/server.crt"};

	(void)state;
	assert_int_equal(tf_mkdtemp(dir, sizeof(dir), "prom"), 0);
	assert_int_equal(tf_copy_tree(WC_DIR, dir), 0);
	tf_snprintf(web, sizeof(web), "%s/web.yml", dir);
	write_text(web, auth);
	assert_int_equal(srv_open(&s, "127.0.0.1", web), 0);
	publish(&s, &f, 3, 1);
	assert_int_equal(status(&s, "/metrics", &ok_creds), 200);

	/* unchanged: nothing happens */
	assert_int_equal(prom->reopen(s.state, why, sizeof(why)), 0);
	assert_int_equal(status(&s, "/metrics", &ok_creds), 200);

	/* broken: the old settings stay */
	write_text(web, "basic_auth_users:\n  prometheus: plaintext\n");
	assert_int_equal(prom->reopen(s.state, why, sizeof(why)), CS_EINVAL);
	assert_contains(why, "web.yml:2: the password of user 'prometheus' is not a bcrypt hash");
	assert_contains(why, "(still serving with the previous web-config)");
	assert_int_equal(status(&s, "/metrics", &ok_creds), 200);
	assert_int_equal(status(&s, "/metrics", NULL), 401);

	/* TLS now: same port, new daemon; the last cycle is still served */
	write_text(web, tls_auth);
	assert_int_equal(prom->reopen(s.state, why, sizeof(why)), 0);
	assert_int_equal(https_status(&s, "/metrics", &tls_creds), 200);
	assert_true(status(&s, "/metrics", &ok_creds) != 200);
	publish(&s, &f, 3, 2);
	assert_int_equal(https_status(&s, "/metrics", &tls_creds), 200);

	/* and back to no auth at all */
	write_text(web, "# nothing\n");
	assert_int_equal(prom->reopen(s.state, why, sizeof(why)), 0);
	assert_int_equal(status(&s, "/metrics", NULL), 200);
	srv_close(&s);

	/* no web-config: reopen is a no-op */
	assert_int_equal(srv_open(&s, "127.0.0.1", NULL), 0);
	assert_int_equal(prom->reopen(s.state, why, sizeof(why)), 0);
	srv_close(&s);

	tf_rm_tree(dir);
	free(auth);
	free(tls_auth);
	cs_snapfix_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_enabled),
	    cmocka_unit_test(test_health_verdict),
	    cmocka_unit_test(test_routes),
	    cmocka_unit_test(test_concurrent_scrapes),
	    cmocka_unit_test(test_basic_auth),
	    cmocka_unit_test(test_tls),
	    cmocka_unit_test(test_client_certs),
	    cmocka_unit_test(test_listen_errors),
	    cmocka_unit_test(test_listen_forms),
	    cmocka_unit_test(test_bad_webconfig),
	    cmocka_unit_test(test_reopen),
	    cmocka_unit_test(test_lazy_render),
	    cmocka_unit_test(test_malformed_requests),
	    cmocka_unit_test(test_slow_clients),
	    cmocka_unit_test(test_gate_settles_before_refusing),
	    cmocka_unit_test(test_head_check),
	    cmocka_unit_test(test_auth_rate_limit),
	    cmocka_unit_test(test_server_log_lines),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_ALL);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
