/* exporters/prometheus.c - the agent's /metrics endpoint (libmicrohttpd).
 *
 * Owns the HTTP(S) server of `carbonstat agent`: one libmicrohttpd daemon
 * with its own polling thread (epoll where available, else poll; never
 * select, whose 1024-fd limit the agent's kept-open cgroup files exceed),
 * at most PROM_CONN_LIMIT connections, each closed after PROM_CONN_TIMEOUT_S
 * idle seconds.
 *
 * A scrape never samples. The exposition is rendered once per cycle at most,
 * and only for a cycle somebody scrapes: the agent calls hold() before it
 * updates the rows and publish() after, and the first /metrics request
 * after publish() renders that snapshot (under render_mu, which hold()
 * holds until publish(), so a scrape waits out the rows update, a
 * millisecond, and never sees half a cycle). With a 5 s interval and a 15 s
 * scrape, two renders in three are never done. Without hold() (tests that
 * publish from their own loop) publish() renders at once. The rendered
 * snapshot goes into a buffer of a small pool, wrapped in
 * ONE MHD_Response per cycle, zero-copy: the buffer is lent to MHD and comes
 * back through the response's free callback once MHD destroyed the response,
 * i.e. when our reference was dropped (the next cycle replaced it) and the
 * last connection sending it finished. Each request queues the current
 * response under a mutex (MHD refcounts it). With two buffers the pool
 * alternates; a scraper still reading an old exposition when the next cycle
 * comes keeps its buffer busy and the pool grows, up to PROM_SLOTS_MAX; past
 * that (a swarm of stalled clients) the cycle is copied once from a spare
 * buffer instead. A buffer is freed when MHD releases it (the exposition
 * being served is the only one resident between scrapes); a render
 * allocates its buffer afresh (large: mmap, grown by mremap).
 *
 * Routes: GET/HEAD /metrics (503 "no sample yet" before the first publish),
 * /healthz (200 "ok" while the last publish is younger than
 * max(3 x interval, 30 s), else 503 with the age), /readyz (503 until the
 * first publish), / (a small HTML page), other paths 404, other methods 405
 * with Allow.
 *
 * Security (web-config, see webconfig.h): TLS from the PEM files held in
 * memory (MHD_OPTION_HTTPS_MEM_*), optional client certificates
 * (RequireAndVerifyClientCert; needs the build with GnuTLS, CS_HAVE_GNUTLS),
 * and HTTP basic auth against bcrypt hashes (crypt_rn from libxcrypt). bcrypt
 * is deliberately slow (~50-100 ms at cost 10), so the last
 * PROM_AUTH_CACHE successfully verified (user, password) pairs are cached
 * and compared in constant time, as node_exporter does; a wrong password
 * always pays the full bcrypt, and so does an unknown user (against a real
 * hash) so timing does not tell which users exist. bcrypt runs in the
 * server thread, so failed checks are rate-limited per client address
 * (PROM_FAIL_BURST at once, then one per PROM_FAIL_EVERY_S; 429 without a
 * bcrypt meanwhile, a success refills): a flood of wrong passwords costs a
 * few bcrypts a second, not one per attempt. Passwords are
 * never logged and are wiped from memory when dropped. Authentication (basic auth
 * and client certificate) covers every route except /healthz and /readyz:
 * kubelet probes cannot present a client certificate nor, without putting
 * the password in the pod spec, basic auth credentials, and the probes tell
 * nothing but liveness. node_exporter protects every route; this is the one
 * deliberate difference (docs/metrics.md).
 *
 * Listening: the socket is ours (made from cs_parse_hostport's host/port,
 * ":port" = dual-stack IPv6 with v4-mapped addresses, else IPv4 when the
 * host has no IPv6; names through getaddrinfo), accepted on by the gate
 * (http_gate.h: per-client limits, a deadline for the request head, prompt
 * 400s for TLS on the plain port and garbage), which hands each connection
 * with a complete head to the current daemon (MHD_add_connection; daemons
 * have no listening socket). That gives exact bind errors, and a reload
 * that changed the TLS/auth settings swaps the daemon behind the gate: no
 * window where the port is closed or can be taken.
 *
 * No global state: everything lives in prom_state / prom_server.
 */
#include "exporters/exporter.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef CS_HAVE_GNUTLS
#include <gnutls/gnutls.h>
#endif

#include "carbonstat/error.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/str.h"
#include "core/parse.h"
#include "core/why.h"
#include "exporters/http_gate.h"
#include "exporters/prom_render.h"
#include "exporters/webconfig.h"

#define PROM_CONN_LIMIT      64  /* Prometheus servers + curious humans; more is an attack */
#define PROM_CONN_PER_IP     8   /* connections one client address may hold in the server */
#define PROM_GATE_PER_IP     4   /* ... and have waiting at the gate (http_gate.h) */
#define PROM_GATE_PENDING    64  /* connections waiting at the gate */
#define PROM_HEAD_DEADLINE_S 5.0 /* for a connection's first request head */
#define PROM_CONN_TIMEOUT_S  10  /* idle seconds before a connection is closed */
#define PROM_BACKLOG         64
#define PROM_SLOTS_MAX       8   /* rendered expositions MHD may hold at once */
#define PROM_AUTH_CACHE      16  /* verified (user, password) pairs remembered */
#define PROM_PW_MAX          256 /* longer passwords are checked, not cached */
#define PROM_FAIL_CLIENTS    64  /* clients whose failed logins are tracked */
#define PROM_FAIL_BURST      5.0 /* failed logins a client may make at once... */
#define PROM_FAIL_EVERY_S    2.0 /* ...then one per this many seconds (429 meanwhile) */
#define PROM_LOG_BURST       20  /* MHD log lines per minute, then suppressed */
#define PROM_REALM           "carbonstat"

typedef struct prom_state prom_state;

/* A buffer of the pool and whether an MHD response still points at it. */
typedef struct prom_slot {
	cs_prom_buf buf;
	atomic_bool busy; /* set before the response is made, cleared by its free callback */
} prom_slot;

/* A password verified by bcrypt, zero-padded so comparisons touch every byte. */
typedef struct prom_auth_entry {
	bool used;
	size_t user; /* index in the web-config's users */
	size_t len;
	char pw[PROM_PW_MAX];
} prom_auth_entry;

/* A client's failed-login budget (a token bucket): each failed basic-auth
 * check costs a bcrypt (~50-100 ms of CPU), so a client out of tokens gets
 * 429 without one. A success refills it. */
typedef struct prom_fail {
	unsigned char addr[16]; /* IPv4 (first 4) or IPv6 */
	int family;             /* 0 = free */
	double tokens, last_s;
} prom_fail;

/* One running daemon and the web-config it was started with; replaced as
 * a whole when a reload changes the web-config. */
typedef struct prom_server {
	prom_state *st;
	struct MHD_Daemon *d;
	cs_webconfig wc;
	pthread_mutex_t auth_mu;  /* the cache and the crypt scratch */
	struct crypt_data *crypt; /* crypt_rn work area (~32 KiB), NULL without users */
	prom_auth_entry cache[PROM_AUTH_CACHE];
	unsigned cache_next;               /* round-robin victim */
	prom_fail fail[PROM_FAIL_CLIENTS]; /* under auth_mu */
	cs_log_limiter fail_log;
} prom_server;

struct prom_state {
	char listen[128];                  /* as configured, for messages */
	char web_config[CS_CONF_PATH_MAX]; /* "" = plain HTTP, no auth */
	int listen_fd;                     /* ours; each daemon gets a dup */
	double stale_s;                    /* /healthz threshold */
	double opened_s;                   /* monotonic */
	prom_server *srv;                  /* the running daemon (changed by reopen only) */
	pthread_mutex_t srv_mu;            /* srv, for the gate's thread */
	cs_http_gate *gate;                /* accepts; hands complete requests to srv */

	pthread_mutex_t mu;           /* guards the four fields below */
	struct MHD_Response *metrics; /* current /metrics (our reference), NULL before publish */
	bool published;
	double last_publish_s; /* monotonic */

	/* lazy rendering: the snapshot published and not rendered yet, valid
	 * while the agent does not hold render_mu (hold() .. publish()) */
	pthread_mutex_t render_mu;
	const cs_snapshot *pending;
	bool lazy;                 /* hold() was called: render on the first scrape */
	bool held;                 /* render_mu is held by the agent (hold() .. publish()) */
	size_t last_len;           /* bytes of the last exposition: the next render's reservation */
	cs_log_limiter render_log; /* render failures (scrape thread) */

	prom_slot *slot[PROM_SLOTS_MAX]; /* the pool (render_mu holder only, plus busy flags) */
	size_t nslots;
	cs_prom_buf spare; /* every slot busy: render here, MHD copies */
	uint64_t copies;   /* cycles that had to copy */

	/* fixed answers, made at open, queued by reference */
	struct MHD_Response *r_index, *r_notfound, *r_method, *r_unauth, *r_forbidden, *r_nosample, *r_ok, *r_ready,
	    *r_notready, *r_toomany;

	/* MHD's log: captured while starting (it becomes the open error), else
	 * written to stderr, at most PROM_LOG_BURST lines a minute */
	pthread_mutex_t log_mu;
	bool log_capture;
	char log_last[256];
	time_t log_window;
	unsigned log_lines, log_dropped;
	cs_log_limiter log_kind[3]; /* limits, dropped connections, other */
};

/* ---- small helpers ---------------------------------------------------------------- */

/* libmicrohttpd's message, cleaned: its HTML error page cut out, one line,
 * no trailing period. */
static void mhd_clean(char *line)
{
	char *w = line;
	bool in_tag = false;

	for (char *r = line; *r; r++) {
		if (*r == '<')
			in_tag = true;
		else if (*r == '>')
			in_tag = false;
		else if (!in_tag)
			*w++ = *r == '\n' || *r == '\r' ? ' ' : *r;
	}
	*w = '\0';
	/* "(HTTP response code is 400 ('Request malformed'))" keeps its title;
	 * an emptied "('')" goes */
	while ((w = strstr(line, " ('')")) != NULL)
		memmove(w, w + 5, strlen(w + 5) + 1);
	for (size_t n = strlen(line); n && (line[n - 1] == ' ' || line[n - 1] == '.'); n--)
		line[n - 1] = '\0';
}

/* The kind of an MHD message: clients that went away and limits reached
 * are one fixed line each (never one per connection); others are
 * themselves, each line at most once per CS_LOG_REPEAT_S and at most
 * PROM_LOG_BURST a minute. */
static const char *mhd_kind(const char *line)
{
	static const char *const aborted[] = {"reset",       "isconnect",         "closed",         "timed out",
	                                      "Broken pipe", "Failed to receive", "Failed to send", "aborted"};

	if (strstr(line, "limit"))
		return "connection limit reached: connections refused (a client with too many connections, "
		       "docs/agent.md)";
	for (size_t i = 0; i < sizeof(aborted) / sizeof(aborted[0]); i++)
		if (strstr(line, aborted[i]))
			return "clients dropped connections mid-request (not logged each time)";
	return NULL;
}

/* MHD's error log: captured while a daemon starts (the open error), else
 * one clean line per kind (a port scanner must not fill the journal). */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	prom_state *st = cls;
	char line[512];
	const char *kind;
	time_t now = time(NULL);

	vsnprintf(line, sizeof(line), fmt, ap);
	mhd_clean(line);
	kind = mhd_kind(line);
	pthread_mutex_lock(&st->log_mu);
	if (st->log_capture) {
		if (!st->log_last[0]) /* the first line says why; the next ones, that it failed */
			(void)cs_strcpy_fit(st->log_last, sizeof(st->log_last), line); /* cut if long */
	} else if (kind) {
		cs_log_limited(&st->log_kind[kind[0] == 'c' && kind[1] == 'o' ? 0 : 1], "carbonstat agent: prometheus",
		               "HTTP", kind);
	} else {
		if (now - st->log_window >= 60) {
			if (st->log_dropped)
				cs_log("carbonstat agent: prometheus", "HTTP: %u more server messages suppressed",
				       st->log_dropped);
			st->log_window = now;
			st->log_lines = st->log_dropped = 0;
		}
		if (st->log_lines++ < PROM_LOG_BURST)
			cs_log_limited(&st->log_kind[2], "carbonstat agent: prometheus", "HTTP", line);
		else
			st->log_dropped++;
	}
	pthread_mutex_unlock(&st->log_mu);
}

/* ---- authentication --------------------------------------------------------------- */

/* a == b over PROM_PW_MAX bytes, with no data-dependent branch. */
static bool ct_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char d = 0;

	for (size_t i = 0; i < PROM_PW_MAX; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return (d | (alen ^ blen)) == 0;
}

static bool ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* Is (user, pw) one of basic_auth_users? */
static bool auth_check(prom_server *srv, const char *user, const char *pw)
{
	const cs_webconfig_user *u = cs_webconfig_user_find(&srv->wc, user);
	size_t idx = u ? (size_t)(u - srv->wc.users) : 0, len = strlen(pw);
	char padded[PROM_PW_MAX];
	const char *h;
	bool ok = false, cacheable = len < PROM_PW_MAX;

	memset(padded, 0, sizeof(padded));
	if (cacheable)
		memcpy(padded, pw, len);
	pthread_mutex_lock(&srv->auth_mu);
	if (u && cacheable) {
		bool hit = false;

		for (size_t i = 0; i < PROM_AUTH_CACHE; i++) {
			const prom_auth_entry *e = &srv->cache[i];
			hit |= e->used & (e->user == idx) & ct_equal(e->pw, e->len, padded, len);
		}
		if (hit) {
			ok = true;
			goto out;
		}
	}
	/* an unknown user is checked against a real hash too: same cost */
	h = crypt_rn(pw, u ? u->hash : srv->wc.users[0].hash, srv->crypt, (int)sizeof(*srv->crypt));
	ok = u && h && ct_streq(h, u->hash);
	explicit_bzero(srv->crypt, sizeof(*srv->crypt));
	if (ok && cacheable) {
		prom_auth_entry *e = &srv->cache[srv->cache_next++ % PROM_AUTH_CACHE];

		explicit_bzero(e, sizeof(*e));
		e->used = true;
		e->user = idx;
		e->len = len;
		memcpy(e->pw, padded, sizeof(e->pw));
	}
out:
	pthread_mutex_unlock(&srv->auth_mu);
	explicit_bzero(padded, sizeof(padded));
	return ok;
}

/* The failed-login bucket of conn's client (the least recently used one
 * is reused for a new client). auth_mu held. */
static prom_fail *fail_slot(prom_server *srv, struct MHD_Connection *conn, double now)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	unsigned char addr[16] = {0};
	int family = 0;
	prom_fail *victim = &srv->fail[0];

	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, 4);
		family = AF_INET;
	} else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, 16);
		family = AF_INET6;
	}
	for (size_t i = 0; i < PROM_FAIL_CLIENTS; i++) {
		prom_fail *f = &srv->fail[i];

		if (f->family == family && !memcmp(f->addr, addr, sizeof(addr)))
			return f;
		if (!f->family || (victim->family && f->last_s < victim->last_s))
			victim = f;
	}
	memcpy(victim->addr, addr, sizeof(addr));
	victim->family = family ? family : -1;
	victim->tokens = PROM_FAIL_BURST;
	victim->last_s = now;
	return victim;
}

/* May conn's client try a password now? Refills its bucket. */
static bool fail_allowed(prom_server *srv, struct MHD_Connection *conn)
{
	double now = cs_mono_s();
	prom_fail *f;
	bool ok;

	pthread_mutex_lock(&srv->auth_mu);
	f = fail_slot(srv, conn, now);
	f->tokens = fmin(PROM_FAIL_BURST, f->tokens + (now - f->last_s) / PROM_FAIL_EVERY_S);
	f->last_s = now;
	ok = f->tokens >= 1.0;
	pthread_mutex_unlock(&srv->auth_mu);
	if (!ok)
		cs_log_limited(&srv->fail_log, "carbonstat agent: prometheus", "HTTP",
		               "failed logins rate-limited (429) for a client trying passwords; one more every 2 s");
	return ok;
}

static void fail_count(prom_server *srv, struct MHD_Connection *conn, bool ok)
{
	prom_fail *f;

	pthread_mutex_lock(&srv->auth_mu);
	f = fail_slot(srv, conn, cs_mono_s());
	f->tokens = ok ? PROM_FAIL_BURST : f->tokens - 1.0;
	pthread_mutex_unlock(&srv->auth_mu);
}

static bool basic_auth_ok(prom_server *srv, struct MHD_Connection *conn)
{
	char *pw = NULL, *user = MHD_basic_auth_get_username_password(conn, &pw);
	bool ok = user && pw && auth_check(srv, user, pw);

	if (user && pw)
		fail_count(srv, conn, ok);

	if (pw) {
		explicit_bzero(pw, strlen(pw));
		MHD_free(pw);
	}
	if (user)
		MHD_free(user);
	return ok;
}

#ifdef CS_HAVE_GNUTLS
/* RequireAndVerifyClientCert: MHD asked for a certificate (it does when
 * given MHD_OPTION_HTTPS_MEM_TRUST) but accepts the handshake without one;
 * the verdict is ours, against the client CA. */
static bool client_cert_ok(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t s;
	unsigned status = 0, n = 0;

	if (!ci || !ci->tls_session)
		return false;
	s = (gnutls_session_t)ci->tls_session;
	if (gnutls_certificate_type_get(s) != GNUTLS_CRT_X509 || !gnutls_certificate_get_peers(s, &n) || n == 0)
		return false;
	return gnutls_certificate_verify_peers2(s, &status) == GNUTLS_E_SUCCESS && status == 0;
}
#endif

/* ---- requests --------------------------------------------------------------------- */

static void render_pending(prom_state *st);

static enum MHD_Result healthz(prom_state *st, struct MHD_Connection *conn)
{
	double now_s = cs_mono_s();
	struct MHD_Response *r;
	enum MHD_Result ret;
	char body[160];
	bool published;
	double age;
	int code;

	pthread_mutex_lock(&st->mu);
	published = st->published;
	age = now_s - (published ? st->last_publish_s : st->opened_s);
	pthread_mutex_unlock(&st->mu);
	code = cs_prom_health(published, age, st->stale_s, body, sizeof(body));
	if (code == MHD_HTTP_OK)
		return MHD_queue_response(conn, MHD_HTTP_OK, st->r_ok);
	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	ret = MHD_queue_response(conn, (unsigned)code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
	prom_server *srv = cls;
	prom_state *st = srv->st;
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
	bool probe;

	/* absolute form (RFC 9112 3.2.2), as proxies send it: the path is what counts */
	if (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8)) {
		const char *path = strchr(url + (url[4] == 's' ? 8 : 7), '/');

		url = path ? path : "/";
	}
	probe = !strcmp(url, "/healthz") || !strcmp(url, "/readyz");
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (!probe) {
#ifdef CS_HAVE_GNUTLS
		if (srv->wc.client_auth == CS_WEBCONFIG_REQUIRE_AND_VERIFY && !client_cert_ok(conn))
			return MHD_queue_response(conn, MHD_HTTP_FORBIDDEN, st->r_forbidden);
#endif
		/* not MHD_queue_basic_auth_fail_response: it adds its header to the
		 * response it is given, so a shared one would grow with every 401 */
		if (srv->wc.nusers && !fail_allowed(srv, conn))
			return MHD_queue_response(conn, MHD_HTTP_TOO_MANY_REQUESTS, st->r_toomany);
		if (srv->wc.nusers && !basic_auth_ok(srv, conn))
			return MHD_queue_response(conn, MHD_HTTP_UNAUTHORIZED, st->r_unauth);
	}
	if (!get)
		return MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, st->r_method);
	if (!strcmp(url, "/metrics")) {
		render_pending(st);
		pthread_mutex_lock(&st->mu);
		if (st->metrics)
			ret = MHD_queue_response(conn, MHD_HTTP_OK, st->metrics);
		else
			ret = MHD_queue_response(conn, MHD_HTTP_SERVICE_UNAVAILABLE, st->r_nosample);
		pthread_mutex_unlock(&st->mu);
		return ret;
	}
	if (!strcmp(url, "/healthz"))
		return healthz(st, conn);
	if (!strcmp(url, "/readyz")) {
		bool ready;

		pthread_mutex_lock(&st->mu);
		ready = st->published;
		pthread_mutex_unlock(&st->mu);
		return ready ? MHD_queue_response(conn, MHD_HTTP_OK, st->r_ready)
		             : MHD_queue_response(conn, MHD_HTTP_SERVICE_UNAVAILABLE, st->r_notready);
	}
	if (!strcmp(url, "/"))
		return MHD_queue_response(conn, MHD_HTTP_OK, st->r_index);
	return MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, st->r_notfound);
}

/* ---- fixed responses -------------------------------------------------------------- */

static const char index_html[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>carbonstat agent</title></head>\n"
    "<body><h1>carbonstat agent</h1>\n"
    "<p>Energy and carbon of this node and its workloads, for Prometheus: <a href=\"/metrics\">/metrics</a></p>\n"
    "<p>Probes: <a href=\"/healthz\">/healthz</a> <a href=\"/readyz\">/readyz</a></p>\n"
    "</body></html>\n";

static struct MHD_Response *fixed(const char *body, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);

	if (r && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES) {
		MHD_destroy_response(r);
		r = NULL;
	}
	return r;
}

static int make_fixed(prom_state *st)
{
	const char *text = "text/plain; charset=utf-8";

	st->r_index = fixed(index_html, "text/html; charset=utf-8");
	st->r_notfound = fixed("not found; try /metrics\n", text);
	st->r_method = fixed("method not allowed; use GET or HEAD\n", text);
	st->r_unauth = fixed("unauthorized\n", text);
	st->r_forbidden = fixed("forbidden: a valid client certificate is required\n", text);
	st->r_nosample = fixed("no sample yet; the first one comes after one interval\n", text);
	st->r_ok = fixed("ok\n", text);
	st->r_ready = fixed("ready\n", text);
	st->r_notready = fixed("not ready: no sample yet\n", text);
	st->r_toomany = fixed("too many failed logins from this address; retry in a few seconds\n", text);
	if (!st->r_index || !st->r_notfound || !st->r_method || !st->r_unauth || !st->r_forbidden || !st->r_nosample ||
	    !st->r_ok || !st->r_ready || !st->r_notready || !st->r_toomany)
		return CS_ENOMEM;
	if (MHD_add_response_header(st->r_toomany, "Retry-After", "2") != MHD_YES)
		return CS_ENOMEM;
	if (MHD_add_response_header(st->r_method, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") != MHD_YES ||
	    MHD_add_response_header(st->r_unauth, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"" PROM_REALM "\"") !=
	        MHD_YES)
		return CS_ENOMEM;
	return 0;
}

static void free_fixed(prom_state *st)
{
	struct MHD_Response **all[] = {&st->r_index,     &st->r_notfound, &st->r_method, &st->r_unauth,
	                               &st->r_forbidden, &st->r_nosample, &st->r_ok,     &st->r_ready,
	                               &st->r_notready,  &st->r_toomany};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (*all[i]) {
			MHD_destroy_response(*all[i]);
			*all[i] = NULL;
		}
}

/* ---- the listening socket --------------------------------------------------------- */

/* socket + bind + listen on one address; the fd or a negative errno. */
static int bind_one(int family, const struct sockaddr *sa, socklen_t salen, int v6only)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1, err;

	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)); /* restart despite TIME_WAIT */
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) != 0)
		goto fail;
	if (bind(fd, sa, salen) != 0 || listen(fd, PROM_BACKLOG) != 0)
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	return -err;
}

/* The socket cfg's listen names. 0 and *fd, or an error with why set. */
static int open_listener(const char *spec, int *out, char *why, size_t whycap)
{
	char host[256], portstr[8];
	unsigned port;
	int rc = cs_parse_hostport(spec, host, sizeof(host), &port), fd;

	if (rc) {
		cs_set_why(why, whycap,
		           "prometheus: listen address '%s' is not host:port, [v6addr]:port or :port; set [prometheus] "
		           "listen or --listen",
		           spec);
		return CS_EINVAL;
	}
	if (!host[0]) {
		/* all addresses: one IPv6 socket that takes IPv4 too, else IPv4 */
		struct sockaddr_in6 a6;
		struct sockaddr_in a4;

		memset(&a6, 0, sizeof(a6));
		a6.sin6_family = AF_INET6;
		a6.sin6_addr = in6addr_any;
		a6.sin6_port = htons((uint16_t)port);
		fd = bind_one(AF_INET6, (const struct sockaddr *)&a6, sizeof(a6), 0);
		if (fd == -EAFNOSUPPORT || fd == -EPROTONOSUPPORT || fd == -EADDRNOTAVAIL) {
			memset(&a4, 0, sizeof(a4));
			a4.sin_family = AF_INET;
			a4.sin_addr.s_addr = htonl(INADDR_ANY);
			a4.sin_port = htons((uint16_t)port);
			fd = bind_one(AF_INET, (const struct sockaddr *)&a4, sizeof(a4), 0);
		}
	} else {
		struct addrinfo hints, *res = NULL, *ai;

		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
		snprintf(portstr, sizeof(portstr), "%u", port);
		rc = getaddrinfo(host, portstr, &hints, &res);
		if (rc) {
			cs_set_why(why, whycap,
			           "prometheus: cannot listen on %s: %s; set [prometheus] listen or --listen", spec,
			           rc == EAI_SYSTEM ? cs_strerror(-errno) : gai_strerror(rc));
			return CS_EINVAL;
		}
		fd = -EADDRNOTAVAIL;
		for (ai = res; ai; ai = ai->ai_next) {
			/* "[::]:port" takes IPv4 too (as Go's listeners do); any
			 * other IPv6 address is that address only */
			int v6only = !(ai->ai_family == AF_INET6 &&
			               IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr));

			fd = bind_one(ai->ai_family, ai->ai_addr, ai->ai_addrlen, v6only);
			if (fd >= 0)
				break;
		}
		freeaddrinfo(res);
	}
	if (fd < 0) {
		cs_set_why(why, whycap, "prometheus: cannot listen on %s: %s; set [prometheus] listen or --listen",
		           spec, cs_strerror(fd));
		return fd;
	}
	*out = fd;
	return 0;
}

/* ---- daemons ---------------------------------------------------------------------- */

static void server_free(prom_server *srv)
{
	if (!srv)
		return;
	if (srv->d)
		MHD_stop_daemon(srv->d); /* it has no listening socket: the gate accepts */
	cs_webconfig_free(&srv->wc);
	if (srv->crypt) {
		explicit_bzero(srv->crypt, sizeof(*srv->crypt));
		free(srv->crypt);
	}
	explicit_bzero(srv->cache, sizeof(srv->cache));
	pthread_mutex_destroy(&srv->auth_mu);
	free(srv);
}

/* Starts a daemon on a dup of the listening socket with web-config *wc
 * (taken over, also on failure). */
static int server_start(prom_state *st, cs_webconfig *wc, prom_server **out, char *why, size_t whycap)
{
	prom_server *srv = calloc(1, sizeof(*srv));
	struct MHD_OptionItem opt[10];
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	int n = 0;

	if (!srv) {
		cs_webconfig_free(wc);
		cs_set_why(why, whycap, "prometheus: out of memory");
		return CS_ENOMEM;
	}
	srv->st = st;
	srv->wc = *wc;
	memset(wc, 0, sizeof(*wc));
	pthread_mutex_init(&srv->auth_mu, NULL);
	if (srv->wc.nusers && !(srv->crypt = calloc(1, sizeof(*srv->crypt)))) {
		server_free(srv);
		cs_set_why(why, whycap, "prometheus: out of memory");
		return CS_ENOMEM;
	}
#ifndef CS_HAVE_GNUTLS
	if (srv->wc.client_auth == CS_WEBCONFIG_REQUIRE_AND_VERIFY) {
		server_free(srv);
		cs_set_why(
		    why, whycap,
		    "prometheus: web-config %s: client_auth_type RequireAndVerifyClientCert needs carbonstat built "
		    "with GnuTLS (CS_HAVE_GNUTLS); use basic_auth_users instead, or rebuild",
		    st->web_config);
		return CS_EUNAVAIL;
	}
#endif
	if (srv->wc.tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		server_free(srv);
		cs_set_why(why, whycap,
		           "prometheus: web-config %s asks for TLS but this libmicrohttpd has no TLS support; install "
		           "Debian's libmicrohttpd12 (built with GnuTLS)",
		           st->web_config);
		return CS_EUNAVAIL;
	}
	flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL : MHD_USE_POLL;
	flags |= MHD_USE_NO_LISTEN_SOCKET; /* connections come from the gate (MHD_add_connection) */
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, PROM_CONN_LIMIT, NULL};
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, PROM_CONN_PER_IP, NULL};
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, PROM_CONN_TIMEOUT_S, NULL};
	if (srv->wc.tls) {
		flags |= MHD_USE_TLS;
		opt[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->wc.key_pem};
		opt[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, srv->wc.cert_pem};
		if (srv->wc.ca_pem)
			opt[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, srv->wc.ca_pem};
	}
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

	pthread_mutex_lock(&st->log_mu);
	st->log_capture = true;
	st->log_last[0] = '\0';
	pthread_mutex_unlock(&st->log_mu);
	srv->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, st,
	                          MHD_OPTION_ARRAY, opt, MHD_OPTION_END);
	pthread_mutex_lock(&st->log_mu);
	st->log_capture = false;
	pthread_mutex_unlock(&st->log_mu);
	if (!srv->d) {
		cs_set_why(why, whycap, "prometheus: cannot start the HTTP%s server on %s: %s%s",
		           srv->wc.tls ? "S" : "", st->listen,
		           st->log_last[0] ? st->log_last : "libmicrohttpd refused the settings",
		           srv->wc.tls ? "; check cert_file and key_file in the web-config" : "");
		server_free(srv);
		return CS_EINVAL;
	}
	*out = srv;
	return 0;
}

/* Reads the configured web-config (none: plain HTTP). */
static int load_webconfig(prom_state *st, cs_webconfig *wc, char *why, size_t whycap)
{
	char err[512];
	int rc;

	memset(wc, 0, sizeof(*wc));
	if (!st->web_config[0])
		return 0;
	rc = cs_webconfig_load(st->web_config, 0, wc, err, sizeof(err));
	if (rc)
		cs_set_why(why, whycap, "prometheus: %s", err);
	return rc;
}

/* ---- the exporter ------------------------------------------------------------------ */

/* [prometheus] */
typedef struct x_conf {
	bool enabled;
	char listen[128];                  /* "host:port", "[v6]:port", ":port" */
	char web_config[CS_CONF_PATH_MAX]; /* node_exporter web-config YAML; "" = plain HTTP */
} x_conf;

static const cs_conf_key x_keys[] = {
    {"enabled", CS_CONF_BOOL, CS_CONF_AT(x_conf, enabled), .def = "true", .help = "serve /metrics"},
    {"listen", CS_CONF_HOSTPORT, CS_CONF_AT(x_conf, listen), .def = ":9875", .flags = CS_CONF_ANYHOST,
     .help = "listen address; \":port\" is every address"},
    {"web_config", CS_CONF_PATH, CS_CONF_AT(x_conf, web_config),
     .help = "TLS and basic auth, node_exporter's web-config YAML; empty: plain HTTP"},
};

static const cs_conf_flag x_flags[] = {
    {"listen", "ADDR", "listen", NULL, false, "Prometheus listen address (:9875, 127.0.0.1:9875, [::1]:9875)"},
    {"web-config", "FILE", "web_config", NULL, false, "TLS and basic auth, node_exporter's web-config format"},
    {"no-prometheus", NULL, "enabled", "false", false, "no HTTP endpoint"},
};

static const cs_conf_section x_section =
    CS_CONF_SECTION("prometheus", x_conf, x_keys, .enabled = "enabled", CS_CONF_FLAGS(x_flags));

static void x_close(void *state);

/* The gate's hand-over: a connection with a complete request head. */
static void prom_pass(void *ctx, int fd, const struct sockaddr *sa, socklen_t salen)
{
	prom_state *st = ctx;

	pthread_mutex_lock(&st->srv_mu);
	if (st->srv && st->srv->d)
		(void)MHD_add_connection(st->srv->d, fd, sa, salen); /* closes fd on failure */
	else
		close(fd);
	pthread_mutex_unlock(&st->srv_mu);
}

static int x_open(const cs_export_env *env, void **state, char *why, size_t whycap)
{
	const x_conf *cfg = env->conf;
	prom_state *st = calloc(1, sizeof(*st));
	cs_webconfig wc;
	int rc;

	if (!st) {
		cs_set_why(why, whycap, "prometheus: out of memory");
		return CS_ENOMEM;
	}
	st->listen_fd = -1;
	pthread_mutex_init(&st->mu, NULL);
	pthread_mutex_init(&st->log_mu, NULL);
	pthread_mutex_init(&st->render_mu, NULL);
	pthread_mutex_init(&st->srv_mu, NULL);
	snprintf(st->listen, sizeof(st->listen), "%s", cfg->listen);
	snprintf(st->web_config, sizeof(st->web_config), "%s", cfg->web_config);
	st->stale_s = cs_prom_stale_after_s(env->interval_s);
	st->opened_s = cs_mono_s();
	if (make_fixed(st) != 0) {
		cs_set_why(why, whycap, "prometheus: out of memory");
		rc = CS_ENOMEM;
		goto fail;
	}
	/* the web-config first: a bad file is reported even if the port is taken */
	rc = load_webconfig(st, &wc, why, whycap);
	if (rc)
		goto fail;
	rc = open_listener(st->listen, &st->listen_fd, why, whycap);
	if (rc) {
		cs_webconfig_free(&wc);
		goto fail;
	}
	rc = server_start(st, &wc, &st->srv, why, whycap);
	if (rc)
		goto fail;
	{
		cs_http_gate_opts go = {.listen_fd = st->listen_fd,
		                        .tls = st->srv->wc.tls,
		                        .deadline_s = PROM_HEAD_DEADLINE_S,
		                        .per_client = PROM_GATE_PER_IP,
		                        .max_pending = PROM_GATE_PENDING,
		                        .pass = prom_pass,
		                        .ctx = st,
		                        .log_prefix = "carbonstat agent: prometheus"};

		rc = cs_http_gate_start(&go, &st->gate);
		if (rc) {
			cs_set_why(why, whycap, "prometheus: cannot start the HTTP server on %s: %s", st->listen,
			           cs_strerror(rc));
			goto fail;
		}
	}
	*state = st;
	return 0;
fail:
	x_close(st);
	return rc;
}

/* MHD is done with a response built on a slot's buffer. */
static void slot_release(void *cls)
{
	prom_slot *slot = cls;

	/* its bytes go now, not at the next render: an exposition of 1,000
	 * containers is ~1.5 MB, and a cycle nobody scrapes needs no second
	 * copy resident (RssAnon) */
	cs_prom_buf_free(&slot->buf);
	atomic_store_explicit(&slot->busy, false, memory_order_release);
}

/* A slot MHD does not hold, growing the pool if needed; NULL when full. */
static prom_slot *free_slot(prom_state *st)
{
	prom_slot *s;

	for (size_t i = 0; i < st->nslots; i++)
		if (!atomic_load_explicit(&st->slot[i]->busy, memory_order_acquire))
			return st->slot[i];
	if (st->nslots == PROM_SLOTS_MAX)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	cs_prom_buf_init(&s->buf);
	atomic_init(&s->busy, false);
	st->slot[st->nslots++] = s;
	return s;
}

/* Renders s and makes it the /metrics response. render_mu held. */
static int render_now(prom_state *st, const cs_snapshot *s, char *why, size_t whycap)
{
	prom_slot *slot = free_slot(st);
	cs_prom_buf *b = slot ? &slot->buf : &st->spare;
	struct MHD_Response *r, *old;
	int rc;

	/* the size of the last exposition and a little more, faulted in at
	 * once (measured: ~0.15 ms less per render at 1,000 containers): the
	 * buffer was given back after its last send, so each render starts
	 * from fresh pages */
	(void)cs_prom_buf_reserve(b, st->last_len + st->last_len / 16);
	rc = cs_prom_render(b, s);
	if (rc) {
		cs_set_why(why, whycap, "prometheus: cannot render %zu rows: %s; still serving the previous cycle",
		           s->nrows, cs_strerror(rc));
		return rc;
	}
	st->last_len = b->len;
	if (slot) {
		atomic_store_explicit(&slot->busy, true, memory_order_relaxed);
		r = MHD_create_response_from_buffer_with_free_callback_cls(b->len, b->p, slot_release, slot);
		if (!r)
			atomic_store_explicit(&slot->busy, false, memory_order_relaxed);
	} else {
		/* every buffer is still being sent to someone: copy this cycle */
		r = MHD_create_response_from_buffer(b->len, b->p, MHD_RESPMEM_MUST_COPY);
		st->copies++;
	}
	if (r && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CS_PROM_CONTENT_TYPE) != MHD_YES) {
		MHD_destroy_response(r); /* runs slot_release */
		r = NULL;
	}
	if (!r) {
		cs_set_why(why, whycap, "prometheus: out of memory for the response; still serving the previous cycle");
		return CS_ENOMEM;
	}
	pthread_mutex_lock(&st->mu);
	old = st->metrics;
	st->metrics = r;
	pthread_mutex_unlock(&st->mu);
	if (old)
		MHD_destroy_response(old); /* MHD frees it (and releases its slot) after the last send */
	return 0;
}

/* A /metrics request: renders the last published cycle if nobody has yet
 * (scrape thread). A failure keeps the previous exposition, one log line. */
static void render_pending(prom_state *st)
{
	char why[256] = "";

	pthread_mutex_lock(&st->render_mu);
	if (st->pending) {
		int rc = render_now(st, st->pending, why, sizeof(why));

		st->pending = NULL;
		cs_log_limited(&st->render_log, "carbonstat agent", "prometheus", rc ? why : "");
	}
	pthread_mutex_unlock(&st->render_mu);
}

static void x_describe(void *state, char *out, size_t cap)
{
	prom_state *st = state;

	snprintf(out, cap, "prometheus on %s%s", st->listen, st->srv && st->srv->wc.tls ? " (HTTPS)" : "");
}

static void x_hold(void *state)
{
	prom_state *st = state;

	pthread_mutex_lock(&st->render_mu);
	st->pending = NULL; /* its rows are about to change */
	st->lazy = st->held = true;
}

static int x_publish(void *state, const cs_snapshot *s, char *why, size_t whycap)
{
	prom_state *st = state;
	int rc = 0;

	if (!st->held)
		pthread_mutex_lock(&st->render_mu);
	if (st->lazy)
		st->pending = s;
	else
		rc = render_now(st, s, why, whycap);
	st->held = false;
	pthread_mutex_unlock(&st->render_mu);
	if (rc)
		return rc;
	pthread_mutex_lock(&st->mu);
	st->published = true;
	st->last_publish_s = cs_mono_s();
	pthread_mutex_unlock(&st->mu);
	return 0;
}

static int x_reopen(void *state, char *why, size_t whycap)
{
	prom_state *st = state;
	prom_server *srv, *old;
	cs_webconfig wc;
	char err[640];
	int rc;

	if (!st->web_config[0])
		return 0;
	rc = load_webconfig(st, &wc, err, sizeof(err));
	if (rc) {
		cs_set_why(why, whycap, "%s (still serving with the previous web-config)", err);
		return rc;
	}
	if (cs_webconfig_equal(&wc, &st->srv->wc)) {
		cs_webconfig_free(&wc);
		return 0;
	}
	rc = server_start(st, &wc, &srv, err, sizeof(err));
	if (rc) {
		cs_set_why(why, whycap, "%s (still serving with the previous web-config)", err);
		return rc;
	}
	/* new connections go to the new daemon; the old one's are closed */
	pthread_mutex_lock(&st->srv_mu);
	old = st->srv;
	st->srv = srv;
	pthread_mutex_unlock(&st->srv_mu);
	cs_http_gate_set_tls(st->gate, srv->wc.tls);
	server_free(old);
	return 0;
}

static void x_close(void *state)
{
	prom_state *st = state;

	if (!st)
		return;
	cs_http_gate_stop(st->gate); /* no more hand-overs */
	server_free(st->srv);        /* closes every connection: MHD drops their references */
	st->srv = NULL;
	if (st->metrics)
		MHD_destroy_response(st->metrics);
	st->metrics = NULL;
	free_fixed(st);
	for (size_t i = 0; i < st->nslots; i++) {
		cs_prom_buf_free(&st->slot[i]->buf);
		free(st->slot[i]);
	}
	cs_prom_buf_free(&st->spare);
	if (st->listen_fd >= 0)
		close(st->listen_fd);
	pthread_mutex_destroy(&st->mu);
	pthread_mutex_destroy(&st->log_mu);
	pthread_mutex_destroy(&st->render_mu);
	pthread_mutex_destroy(&st->srv_mu);
	free(st);
}

const cs_exporter_ops cs_exporter_prometheus = {
    .conf = &x_section,
    .open = x_open,
    .publish = x_publish,
    .hold = x_hold,
    .describe = x_describe,
    .reopen = x_reopen,
    .close = x_close,
};
