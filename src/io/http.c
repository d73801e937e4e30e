/* io/http.c - the libcurl client and its multi runner; see http.h.
 *
 * What is fixed for a client's life (callbacks, caps, proxy, protocols,
 * redirects, TLS, user agent) is set once on its easy handle at open; what
 * a request changes (URL, method, headers, payload, timeouts) is set again
 * on every request, each option to a definite value, so one request never
 * inherits another's method or headers. The request's header list is the
 * client's until the request is over: then it is unhooked from the handle,
 * wiped (it may hold a bearer token or an API key) and freed.
 */
#include "io/http.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include <carbonstat/error.h>
#include <carbonstat/version.h>

#include "core/clock.h"
#include "io/fdio.h"
#include "io/http_body.h"

#define HTTP_TIMEOUT_DEFAULT_S 10.0

struct cs_http {
	CURL *e;
	char url[CS_HTTP_URL_MAX]; /* default URL; "" = none */
	char ca_file[CS_HTTP_URL_MAX];
	char ua[64];
	double timeout_s, connect_timeout_s;
	unsigned protocols;
	const atomic_bool *abort;
	cs_http_body body;
	size_t hdr_max; /* response header bytes accepted */

	/* the request in flight (or the last one) */
	struct curl_slist *hdrs; /* owned; wiped when the request ends */
	size_t hdr_bytes;
	bool hdr_overflow;
	double retry_after_s;
	const char *capture; /* header name to capture (the caller's string, during the request) */
	bool has_header;
	char header[CS_HTTP_HEADER_VALUE_MAX];
	double t0_s, req_timeout_s;
	char errbuf[CURL_ERROR_SIZE];

	cs_http_multi *multi; /* the multi it runs in; NULL = none */
	cs_http *next_in_multi;
};

struct cs_http_multi {
	CURLM *m;
	double deadline_s;
	int running;
	cs_http *list; /* clients with a request in flight */
};

/* ---- helpers -------------------------------------------------------------------- */

static char http_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive ASCII prefix test of s[0..n) against lit. */
static bool http_prefix_ci(const char *s, size_t n, const char *lit)
{
	for (size_t i = 0; lit[i]; i++)
		if (i >= n || http_lower(s[i]) != http_lower(lit[i]))
			return false;
	return true;
}

static bool http_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Copies s[0..n) into out[cap] as one printable line (anything else is '?'). */
static void http_printable(const char *s, size_t n, char *out, size_t cap)
{
	size_t i;

	if (!cap)
		return;
	for (i = 0; i < n && i + 1 < cap; i++)
		out[i] = ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f) ? '?' : s[i];
	out[i] = '\0';
}

static long http_ms(double s)
{
	double ms = ceil(s * 1000.0);

	if (!(ms >= 1))
		return 1;
	return ms > (double)0x7fffffff ? 0x7fffffffL : (long)ms;
}

/* ---- URLs ------------------------------------------------------------------------ */

unsigned cs_http_url_scheme(const char *url)
{
	size_t n, skip, i;
	unsigned scheme;

	if (!url)
		return 0;
	n = strnlen(url, CS_HTTP_URL_MAX);
	if (n >= CS_HTTP_URL_MAX)
		return 0;
	if (http_prefix_ci(url, n, "https://")) {
		skip = 8;
		scheme = CS_HTTP_HTTPS;
	} else if (http_prefix_ci(url, n, "http://")) {
		skip = 7;
		scheme = CS_HTTP_HTTP;
	} else {
		return 0;
	}
	if (n <= skip || url[skip] == '/')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
			return 0;
	return scheme;
}

void cs_http_url_shown(const char *url, char *out, size_t cap)
{
	const char *sep, *auth, *end, *at = NULL;

	if (!out || !cap)
		return;
	out[0] = '\0';
	if (!url)
		return;
	sep = strstr(url, "://");
	if (!sep) {
		snprintf(out, cap, "%s", url);
		return;
	}
	auth = sep + 3;
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p + 1;
	if (!at) {
		snprintf(out, cap, "%s", url);
		return;
	}
	snprintf(out, cap, "%.*s%s", (int)(auth - url), url, at);
}

/* ---- credentials -------------------------------------------------------------------- */

int cs_http_read_secret(const char *path, char *out, size_t cap)
{
	char extra[64];
	size_t n = 0, more = 0;
	int fd, rc;

	if (!path || !out || cap < 2)
		return CS_EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = cs_fd_read_all(fd, out, cap, &n);
	if (rc == 0 && n == cap) {
		/* a full buffer is fine if only a few blanks follow (a newline) */
		rc = cs_fd_read_all(fd, extra, sizeof(extra), &more);
		if (rc == 0 && more == sizeof(extra))
			rc = CS_EINVAL;
		for (size_t i = 0; rc == 0 && i < more; i++)
			if (!http_blank(extra[i]))
				rc = CS_EINVAL;
	}
	close(fd);
	while (n > 0 && http_blank(out[n - 1]))
		n--;
	if (rc == 0 && (n == 0 || n >= cap))
		rc = CS_EINVAL;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if ((unsigned char)out[i] <= 0x20 || (unsigned char)out[i] >= 0x7f)
			rc = CS_EINVAL;
	memset(extra, 0, sizeof(extra));
	if (rc) {
		memset(out, 0, cap);
		return rc;
	}
	out[n] = '\0';
	return 0;
}

/* ---- callbacks -------------------------------------------------------------------- */

static void http_parse_retry_after(cs_http *h, const char *p, size_t n)
{
	size_t i = 0;
	double v = 0;

	/* delta-seconds only; an HTTP-date is left to the caller's own backoff */
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i >= n || p[i] < '0' || p[i] > '9')
		return;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		if (v <= CS_HTTP_RETRY_AFTER_MAX_S)
			v = v * 10 + (p[i] - '0');
	for (; i < n; i++)
		if (!http_blank(p[i]))
			return;
	h->retry_after_s = v < CS_HTTP_RETRY_AFTER_MAX_S ? v : CS_HTTP_RETRY_AFTER_MAX_S;
}

static size_t http_header_cb(char *p, size_t size, size_t nitems, void *ud)
{
	static const char retry[] = "retry-after:";
	cs_http *h = ud;
	size_t n = size * nitems, name;

	if (n > h->hdr_max - h->hdr_bytes) {
		h->hdr_overflow = true;
		return 0; /* aborts the transfer */
	}
	h->hdr_bytes += n;
	if (http_prefix_ci(p, n, "HTTP/")) {
		/* a new response (after a 100 Continue or a redirect) starts over */
		h->retry_after_s = -1;
		h->has_header = false;
		h->header[0] = '\0';
		return n;
	}
	if (http_prefix_ci(p, n, retry)) {
		http_parse_retry_after(h, p + sizeof(retry) - 1, n - (sizeof(retry) - 1));
		return n;
	}
	if (h->capture && (name = strlen(h->capture)) < n && http_prefix_ci(p, n, h->capture) && p[name] == ':') {
		size_t v = name + 1, e = n;

		while (v < e && http_blank(p[v]))
			v++;
		while (e > v && http_blank(p[e - 1]))
			e--;
		http_printable(p + v, e - v, h->header, sizeof(h->header));
		h->has_header = true;
	}
	return n;
}

static int http_progress_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	cs_http *h = ud;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load(h->abort) ? 1 : 0; /* non-zero aborts the transfer */
}

/* ---- open / close ------------------------------------------------------------------- */

#define HTTP_SETOPT(e, opt, val)                                                                                       \
	do {                                                                                                           \
		if (curl_easy_setopt((e), (opt), (val)) != CURLE_OK)                                                   \
			goto fail;                                                                                     \
	} while (0)

/* "http", "https" or "http,https" */
static const char *http_proto_str(unsigned p)
{
	return p == CS_HTTP_HTTP ? "http" : p == CS_HTTP_HTTPS ? "https" : "http,https";
}

static int http_setup(cs_http *h, const cs_http_opts *o)
{
	CURL *e = h->e;
	const char *protos = http_proto_str(h->protocols);

	HTTP_SETOPT(e, CURLOPT_PRIVATE, (void *)h);
	HTTP_SETOPT(e, CURLOPT_ERRORBUFFER, h->errbuf);
	HTTP_SETOPT(e, CURLOPT_WRITEFUNCTION, cs_http_body_write);
	HTTP_SETOPT(e, CURLOPT_WRITEDATA, (void *)&h->body);
	HTTP_SETOPT(e, CURLOPT_HEADERFUNCTION, http_header_cb);
	HTTP_SETOPT(e, CURLOPT_HEADERDATA, (void *)h);
	if (h->abort) {
		HTTP_SETOPT(e, CURLOPT_XFERINFOFUNCTION, http_progress_cb);
		HTTP_SETOPT(e, CURLOPT_XFERINFODATA, (void *)h);
		HTTP_SETOPT(e, CURLOPT_NOPROGRESS, 0L);
	}
	if (o->proxy == CS_HTTP_PROXY_NEVER) {
		HTTP_SETOPT(e, CURLOPT_PROXY, "");
		HTTP_SETOPT(e, CURLOPT_NOPROXY, "*");
	}
	HTTP_SETOPT(e, CURLOPT_FOLLOWLOCATION, o->max_redirects ? 1L : 0L);
	if (o->max_redirects)
		HTTP_SETOPT(e, CURLOPT_MAXREDIRS, (long)o->max_redirects);
#if LIBCURL_VERSION_NUM >= 0x075500
	HTTP_SETOPT(e, CURLOPT_PROTOCOLS_STR, protos);
	HTTP_SETOPT(e, CURLOPT_REDIR_PROTOCOLS_STR, protos);
#else
	(void)protos;
	HTTP_SETOPT(e, CURLOPT_PROTOCOLS,
	            (long)((h->protocols & CS_HTTP_HTTP ? CURLPROTO_HTTP : 0) |
	                   (h->protocols & CS_HTTP_HTTPS ? CURLPROTO_HTTPS : 0)));
	HTTP_SETOPT(e, CURLOPT_REDIR_PROTOCOLS,
	            (long)((h->protocols & CS_HTTP_HTTP ? CURLPROTO_HTTP : 0) |
	                   (h->protocols & CS_HTTP_HTTPS ? CURLPROTO_HTTPS : 0)));
#endif
	if (o->insecure_skip_verify) {
		HTTP_SETOPT(e, CURLOPT_SSL_VERIFYPEER, 0L);
		HTTP_SETOPT(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		HTTP_SETOPT(e, CURLOPT_SSL_VERIFYPEER, 1L);
		HTTP_SETOPT(e, CURLOPT_SSL_VERIFYHOST, 2L);
		if (h->ca_file[0])
			HTTP_SETOPT(e, CURLOPT_CAINFO, h->ca_file);
	}
	/* a thread, or a daemon with its own signal handling: no SIGALRM for DNS timeouts */
	HTTP_SETOPT(e, CURLOPT_NOSIGNAL, 1L);
	HTTP_SETOPT(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->body.max);
	HTTP_SETOPT(e, CURLOPT_USERAGENT, h->ua);
	if (o->decompress)
		HTTP_SETOPT(e, CURLOPT_ACCEPT_ENCODING, "");
	return 0;
fail:
	return CS_ENOMEM;
}

int cs_http_open(const cs_http_opts *o, cs_http **out)
{
	static const cs_http_opts def;
	cs_http *h;
	int rc;

	if (!out)
		return CS_EINVAL;
	*out = NULL;
	if (!o)
		o = &def;
	if (!(o->timeout_s >= 0) || !(o->connect_timeout_s >= 0) || o->timeout_s > 86400 ||
	    o->connect_timeout_s > 86400 || (o->protocols & ~(CS_HTTP_HTTP | CS_HTTP_HTTPS)) ||
	    (unsigned)o->proxy > CS_HTTP_PROXY_ENV || o->max_redirects > 50)
		return CS_EINVAL;
	if (o->url && o->url[0] && !(cs_http_url_scheme(o->url) & (o->protocols ? o->protocols : ~0u)))
		return CS_EINVAL;
	if (o->ca_file && strlen(o->ca_file) >= sizeof(h->ca_file))
		return CS_EINVAL;
	if (o->user_agent && strlen(o->user_agent) >= sizeof(h->ua))
		return CS_EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return CS_ENOMEM;
	snprintf(h->url, sizeof(h->url), "%s", o->url ? o->url : "");
	snprintf(h->ca_file, sizeof(h->ca_file), "%s", o->ca_file ? o->ca_file : "");
	snprintf(h->ua, sizeof(h->ua), "%s", o->user_agent ? o->user_agent : "carbonstat/" CARBONSTAT_VERSION);
	h->timeout_s = o->timeout_s > 0 ? o->timeout_s : HTTP_TIMEOUT_DEFAULT_S;
	h->connect_timeout_s = o->connect_timeout_s > 0 ? o->connect_timeout_s : h->timeout_s;
	h->protocols = o->protocols ? o->protocols : CS_HTTP_HTTP | CS_HTTP_HTTPS;
	h->abort = o->abort;
	h->hdr_max = o->header_max ? o->header_max : CS_HTTP_HEADER_MAX_DEFAULT;
	h->retry_after_s = -1;
	cs_http_body_init(&h->body, o->body_max ? o->body_max : CS_HTTP_BODY_MAX_DEFAULT);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(h);
		return CS_ENOMEM;
	}
	h->e = curl_easy_init();
	rc = h->e ? http_setup(h, o) : CS_ENOMEM;
	if (rc) {
		cs_http_close(h);
		return rc;
	}
	*out = h;
	return 0;
}

/* Unhooks the request's header list from the handle, wipes and frees it. */
static void http_drop_headers(cs_http *h)
{
	if (!h->hdrs)
		return;
	curl_easy_setopt(h->e, CURLOPT_HTTPHEADER, NULL);
	for (struct curl_slist *l = h->hdrs; l; l = l->next)
		memset(l->data, 0, strlen(l->data));
	curl_slist_free_all(h->hdrs);
	h->hdrs = NULL;
}

static void http_multi_detach(cs_http_multi *m, cs_http *h)
{
	cs_http **pp;

	curl_multi_remove_handle(m->m, h->e);
	for (pp = &m->list; *pp; pp = &(*pp)->next_in_multi) {
		if (*pp == h) {
			*pp = h->next_in_multi;
			break;
		}
	}
	h->next_in_multi = NULL;
	h->multi = NULL;
	m->running--;
	h->capture = NULL;
	http_drop_headers(h);
}

void cs_http_close(cs_http *h)
{
	if (!h)
		return;
	if (h->multi)
		http_multi_detach(h->multi, h);
	http_drop_headers(h);
	if (h->e)
		curl_easy_cleanup(h->e);
	curl_global_cleanup(); /* paired with the init in open */
	cs_http_body_free(&h->body);
	free(h);
}

/* ---- a request ---------------------------------------------------------------------- */

/* Appends a copy of line to the request's header list. */
static int http_append(struct curl_slist **l, const char *line)
{
	struct curl_slist *n = curl_slist_append(*l, line);

	if (!n)
		return CS_ENOMEM;
	*l = n;
	return 0;
}

/* Appends "name: value". */
static int http_append_kv(struct curl_slist **l, const char *name, const char *value)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "%s: %s", name, value);

	if (n < 0 || (size_t)n >= sizeof(line))
		return CS_EINVAL;
	return http_append(l, line);
}

/* Sets the per-request options of h for req, with these timeouts. */
static int http_prepare(cs_http *h, const cs_http_req *req, double timeout_s, double connect_s)
{
	static const cs_http_req get;
	const char *url;
	CURL *e = h->e;

	if (!req)
		req = &get;
	url = req->url ? req->url : h->url;
	if (!(cs_http_url_scheme(url) & h->protocols) || (unsigned)req->method > CS_HTTP_PUT ||
	    (req->body_len && !req->body))
		return CS_EINVAL;
	cs_http_body_reset(&h->body);
	http_drop_headers(h);
	h->hdr_bytes = 0;
	h->hdr_overflow = false;
	h->retry_after_s = -1;
	h->capture = req->capture_header && req->capture_header[0] ? req->capture_header : NULL;
	h->has_header = false;
	h->header[0] = '\0';
	h->errbuf[0] = '\0';
	h->req_timeout_s = timeout_s;
	for (size_t i = 0; req->headers && req->headers[i]; i++)
		if (http_append(&h->hdrs, req->headers[i]))
			goto fail;
	if (req->accept && http_append_kv(&h->hdrs, "Accept", req->accept))
		goto fail;
	/* a payload without a type gets no Content-Type rather than libcurl's form-encoded default */
	if (req->method != CS_HTTP_GET &&
	    (req->content_type ? http_append_kv(&h->hdrs, "Content-Type", req->content_type)
	                       : http_append(&h->hdrs, "Content-Type:")))
		goto fail;
	HTTP_SETOPT(e, CURLOPT_URL, url);
	HTTP_SETOPT(e, CURLOPT_HTTPHEADER, h->hdrs);
	if (req->method == CS_HTTP_GET) {
		HTTP_SETOPT(e, CURLOPT_HTTPGET, 1L);
		HTTP_SETOPT(e, CURLOPT_CUSTOMREQUEST, (char *)NULL);
	} else {
		HTTP_SETOPT(e, CURLOPT_POST, 1L);
		HTTP_SETOPT(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		HTTP_SETOPT(e, CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
		HTTP_SETOPT(e, CURLOPT_CUSTOMREQUEST, req->method == CS_HTTP_PUT ? "PUT" : (char *)NULL);
	}
	HTTP_SETOPT(e, CURLOPT_TIMEOUT_MS, http_ms(timeout_s));
	HTTP_SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, http_ms(connect_s < timeout_s ? connect_s : timeout_s));
	h->t0_s = cs_mono_s();
	return 0;
fail:
	h->capture = NULL;
	http_drop_headers(h);
	return CS_ENOMEM;
}

static cs_http_err http_classify(const cs_http *h, CURLcode rc)
{
	if (rc == CURLE_ABORTED_BY_CALLBACK && h->abort && atomic_load(h->abort))
		return CS_HTTP_E_ABORTED;
	if (h->hdr_overflow || h->body.overflow || rc == CURLE_FILESIZE_EXCEEDED)
		return CS_HTTP_E_TOO_BIG;
	if (h->body.oom)
		return CS_HTTP_E_SETUP;
	switch (rc) {
	case CURLE_OK: return CS_HTTP_OK;
	case CURLE_OPERATION_TIMEDOUT: return CS_HTTP_E_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: return CS_HTTP_E_CONNECT;
	case CURLE_PEER_FAILED_VERIFICATION:
#if LIBCURL_VERSION_NUM < 0x073e00
	case CURLE_SSL_CACERT:
#endif
	case CURLE_SSL_CACERT_BADFILE: return CS_HTTP_E_TLS_VERIFY;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER: return CS_HTTP_E_TLS;
	default: return CS_HTTP_E_OTHER;
	}
}

/* Fills res for the request h just finished with rc; ends the request. */
static int http_finish(cs_http *h, CURLcode rc, cs_http_result *res)
{
	long status = 0;
	size_t n;

	curl_easy_getinfo(h->e, CURLINFO_RESPONSE_CODE, &status);
	http_drop_headers(h);
	h->capture = NULL;
	memset(res, 0, sizeof(*res));
	res->err = http_classify(h, rc);
	res->status = status;
	res->body = h->body.data ? h->body.data : "";
	res->len = h->body.len;
	res->retry_after_s = h->retry_after_s;
	res->has_header = h->has_header;
	memcpy(res->header, h->header, sizeof(res->header));
	res->duration_s = cs_mono_s() - h->t0_s;
	switch (res->err) {
	case CS_HTTP_OK:
		if (status < 200 || status > 299)
			snprintf(res->error, sizeof(res->error), "HTTP %ld", status);
		return 0;
	case CS_HTTP_E_TOO_BIG:
		snprintf(res->error, sizeof(res->error), "answer over the size cap (%zu bytes)", h->body.max);
		break;
	case CS_HTTP_E_TIMEOUT:
		/* to the millisecond: a timeout cut to a deadline is 0.999973 s */
		snprintf(res->error, sizeof(res->error), "no answer within %g s", round(h->req_timeout_s * 1e3) / 1e3);
		break;
	case CS_HTTP_E_ABORTED: snprintf(res->error, sizeof(res->error), "aborted"); break;
	case CS_HTTP_E_SETUP: snprintf(res->error, sizeof(res->error), "out of memory receiving the answer"); break;
	default: snprintf(res->error, sizeof(res->error), "%s", curl_easy_strerror(rc)); break;
	}
	n = strnlen(h->errbuf, sizeof(h->errbuf));
	while (n > 0 && http_blank(h->errbuf[n - 1]))
		n--;
	http_printable(h->errbuf, n, res->detail, sizeof(res->detail));
	return res->err == CS_HTTP_E_SETUP ? CS_ENOMEM : CS_EUNAVAIL;
}

static void http_setup_failed(cs_http_result *res, int rc)
{
	memset(res, 0, sizeof(*res));
	res->err = CS_HTTP_E_SETUP;
	res->body = "";
	res->retry_after_s = -1;
	snprintf(res->error, sizeof(res->error), "%s",
	         rc == CS_EINVAL ? "invalid request (URL, method or payload)" : "could not set up the request");
}

int cs_http_do(cs_http *h, const cs_http_req *req, cs_http_result *res)
{
	double t, c;
	int rc;

	if (!h || !res || h->multi) {
		if (res)
			http_setup_failed(res, CS_EINVAL);
		return CS_EINVAL;
	}
	t = req && req->timeout_s > 0 ? req->timeout_s : h->timeout_s;
	c = req && req->connect_timeout_s > 0 ? req->connect_timeout_s : h->connect_timeout_s;
	rc = http_prepare(h, req, t, c);
	if (rc) {
		http_setup_failed(res, rc);
		return rc;
	}
	return http_finish(h, curl_easy_perform(h->e), res);
}

void cs_http_describe(const cs_http_result *res, char *out, size_t cap)
{
	if (!out || !cap)
		return;
	out[0] = '\0';
	if (!res || !res->error[0])
		return;
	if (res->detail[0] && strcmp(res->detail, res->error) != 0)
		snprintf(out, cap, "%s: %s", res->error, res->detail);
	else
		snprintf(out, cap, "%s", res->error);
}

/* ---- multi ------------------------------------------------------------------------- */

int cs_http_multi_open(double deadline_s, cs_http_multi **out)
{
	cs_http_multi *m;

	if (!out)
		return CS_EINVAL;
	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return CS_ENOMEM;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(m);
		return CS_ENOMEM;
	}
	m->m = curl_multi_init();
	if (!m->m) {
		curl_global_cleanup();
		free(m);
		return CS_ENOMEM;
	}
	m->deadline_s = deadline_s;
	*out = m;
	return 0;
}

int cs_http_multi_start(cs_http_multi *m, cs_http *h, const cs_http_req *req)
{
	double left, t, c;
	int rc;

	if (!m || !h || h->multi)
		return CS_EINVAL;
	left = m->deadline_s - cs_mono_s();
	if (left <= 0)
		return CS_ERANGE;
	t = req && req->timeout_s > 0 ? req->timeout_s : h->timeout_s;
	c = req && req->connect_timeout_s > 0 ? req->connect_timeout_s : h->connect_timeout_s;
	rc = http_prepare(h, req, t < left ? t : left, c < left ? c : left);
	if (rc)
		return rc;
	if (curl_multi_add_handle(m->m, h->e) != CURLM_OK) {
		h->capture = NULL;
		http_drop_headers(h);
		return CS_ENOMEM;
	}
	h->multi = m;
	h->next_in_multi = m->list;
	m->list = h;
	m->running++;
	return 0;
}

int cs_http_multi_next(cs_http_multi *m, cs_http **done, cs_http_result *res)
{
	if (!m || !done || !res)
		return CS_EINVAL;
	while (m->running > 0) {
		int still = 0, queued = 0;
		double left;
		CURLMsg *msg;

		if (curl_multi_perform(m->m, &still) != CURLM_OK)
			return CS_EUNAVAIL;
		while ((msg = curl_multi_info_read(m->m, &queued)) != NULL) {
			char *priv = NULL;
			CURLcode rc;
			cs_http *h;

			if (msg->msg != CURLMSG_DONE)
				continue;
			rc = msg->data.result; /* msg is invalid once the handle is removed */
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
			h = (cs_http *)(void *)priv;
			if (!h || h->multi != m)
				continue;
			http_finish(h, rc, res);
			http_multi_detach(m, h);
			*done = h;
			return 1;
		}
		left = m->deadline_s - cs_mono_s();
		if (left <= 0)
			return 0;
		if (curl_multi_poll(m->m, NULL, 0, (int)http_ms(left), NULL) != CURLM_OK)
			return CS_EUNAVAIL;
	}
	return 0;
}

int cs_http_multi_running(const cs_http_multi *m)
{
	return m ? m->running : 0;
}

void cs_http_multi_close(cs_http_multi *m)
{
	if (!m)
		return;
	while (m->list)
		http_multi_detach(m, m->list);
	curl_multi_cleanup(m->m);
	curl_global_cleanup();
	free(m);
}
