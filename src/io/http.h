/* io/http.h - the one HTTP client of carbonstat (libcurl underneath).
 *
 * Every network client (cloud metadata, kubelet, Electricity Maps, and the
 * JSON APIs to come: the ledger's Prometheus sync, billing exports) needs the
 * same things from libcurl, and getting one of them wrong is a security or
 * an availability bug: a body cap (what a server sends is untrusted), a
 * header cap, a timeout, no redirects unless asked, only http/https, TLS
 * verified unless the operator said otherwise, proxies only for external
 * APIs (host-local services must never go through one), secrets in request
 * headers wiped as soon as the request is over, and a failure reduced to one
 * kind the caller can explain (cs_http_err) plus one printable line. This
 * module is where that is done, once; nothing else includes curl.h.
 *
 * A cs_http is one client: a libcurl easy handle kept for its life (so the
 * connection and the TLS session are reused across requests), its typed
 * options and a growable body buffer (io/http_body.h) that is reused too. A
 * request (cs_http_req) gives the method, an optional URL other than the
 * client's, headers, a body for POST/PUT and per-request timeouts. The
 * answer (cs_http_result) is the status, the body (owned by the client,
 * valid until its next request), Retry-After, one captured response header
 * and, when anything went wrong, the error kind and line.
 *
 * cs_http_multi runs several clients' requests at once on one libcurl multi
 * handle under one monotonic deadline (the cloud metadata probe asks three
 * providers in parallel within 1 s): start requests, then take finished
 * ones one at a time, starting follow-up requests as answers come in.
 *
 * libcurl's global state: cs_http_open/cs_http_close and the multi's
 * open/close call curl_global_init/curl_global_cleanup as a pair (libcurl
 * reference-counts them); a multi-threaded program calls curl_global_init
 * itself first, as libcurl asks. A cs_http is used by one thread at a time.
 */
#ifndef CS_IO_HTTP_H
#define CS_IO_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* Allowed protocols (cs_http_opts.protocols), also what cs_http_url_scheme returns. */
#define CS_HTTP_HTTP  1u
#define CS_HTTP_HTTPS 2u

#define CS_HTTP_BODY_MAX_DEFAULT   (64u * 1024u) /* response body cap when opts say 0 */
#define CS_HTTP_HEADER_MAX_DEFAULT (64u * 1024u) /* response header bytes cap when opts say 0 */
#define CS_HTTP_RETRY_AFTER_MAX_S  86400.0       /* Retry-After beyond a day is reported as a day */
#define CS_HTTP_URL_MAX            2048          /* longest URL accepted, including the NUL */

/* Whether requests may go through a proxy. */
typedef enum cs_http_proxy {
	CS_HTTP_PROXY_NEVER = 0, /* never, whatever http_proxy/HTTPS_PROXY say: host-local services
	                          * (metadata, kubelet) must not leave the host */
	CS_HTTP_PROXY_ENV,       /* the environment's (libcurl's default: *_proxy, NO_PROXY): external APIs */
} cs_http_proxy;

/* A client's options; a zeroed struct is a safe default (no proxy, no
 * redirects, http and https, TLS verified against the system store, 64 KiB
 * caps, 10 s timeout). Strings are copied by cs_http_open. */
typedef struct cs_http_opts {
	const char *url;           /* default request URL; NULL = every request gives one */
	const char *user_agent;    /* NULL = "carbonstat/<version>" */
	double timeout_s;          /* whole request; 0 = 10 s */
	double connect_timeout_s;  /* connect phase; 0 = timeout_s */
	size_t body_max;           /* largest body accepted; 0 = CS_HTTP_BODY_MAX_DEFAULT */
	size_t header_max;         /* largest header block accepted; 0 = CS_HTTP_HEADER_MAX_DEFAULT */
	unsigned protocols;        /* CS_HTTP_HTTP | CS_HTTP_HTTPS allowed; 0 = both */
	unsigned max_redirects;    /* 0 = never follow a redirect (the answer is the 3xx) */
	cs_http_proxy proxy;       /* default CS_HTTP_PROXY_NEVER */
	const char *ca_file;       /* PEM bundle to verify servers with; NULL/"" = the system store */
	bool insecure_skip_verify; /* no certificate or host-name check (kind, minikube) */
	bool decompress;           /* ask for gzip/deflate/br and decode (the caps apply to decoded bytes) */
	const atomic_bool *abort;  /* when it turns true, a request in flight stops within about 1 s
	                            * (CS_HTTP_E_ABORTED); NULL = never */
} cs_http_opts;

typedef enum cs_http_method {
	CS_HTTP_GET = 0,
	CS_HTTP_POST,
	CS_HTTP_PUT,
} cs_http_method;

/* One request. A zeroed struct is a GET of the client's URL. */
typedef struct cs_http_req {
	cs_http_method method;
	const char *url;            /* NULL = the client's */
	const char *const *headers; /* "Name: value" lines, NULL-terminated; NULL = none. The
	                             * client's copies are wiped after the request (tokens). */
	const char *accept;         /* Accept header value ("application/json"); NULL = none */
	const char *body;           /* POST/PUT payload (need not be NUL-terminated); NULL = empty */
	size_t body_len;
	const char *content_type;   /* of the payload; NULL = no Content-Type header */
	const char *capture_header; /* response header whose value to return ("Metadata-Flavor") */
	double timeout_s;           /* > 0: this request's, instead of the client's */
	double connect_timeout_s;   /* > 0: this request's connect timeout */
} cs_http_req;

/* What went wrong, as far as the caller needs to tell. */
typedef enum cs_http_err {
	CS_HTTP_OK = 0,       /* an answer came, whatever its status */
	CS_HTTP_E_TOO_BIG,    /* the body or the headers were over the cap: refused */
	CS_HTTP_E_TIMEOUT,    /* no (complete) answer within the timeout */
	CS_HTTP_E_CONNECT,    /* refused, unreachable, host or proxy name not resolved */
	CS_HTTP_E_TLS_VERIFY, /* the server's certificate was not verified, or the CA file unusable */
	CS_HTTP_E_TLS,        /* the TLS handshake failed otherwise */
	CS_HTTP_E_ABORTED,    /* the abort flag was raised */
	CS_HTTP_E_SETUP,      /* the request could not be set up (memory, option refused) */
	CS_HTTP_E_OTHER,      /* anything else libcurl reports */
} cs_http_err;

#define CS_HTTP_ERROR_MAX        160
#define CS_HTTP_DETAIL_MAX       256
#define CS_HTTP_HEADER_VALUE_MAX 128

/* The outcome of one request. */
typedef struct cs_http_result {
	cs_http_err err;
	long status;                           /* HTTP status of the answer; 0 = none */
	const char *body;                      /* the answer's body, NUL-terminated ("" if none):
	                                        * owned by the client, valid until its next request */
	size_t len;                            /* bytes in body */
	double retry_after_s;                  /* Retry-After (delta-seconds form), at most
	                                        * CS_HTTP_RETRY_AFTER_MAX_S; < 0 = not given */
	bool has_header;                       /* the captured header was in the answer */
	char header[CS_HTTP_HEADER_VALUE_MAX]; /* its value, blanks trimmed, non-printables as '?' */
	double duration_s;                     /* wall time of the request */
	char error[CS_HTTP_ERROR_MAX];         /* "" when err is OK and status 2xx; else one line:
	                                        * "HTTP 503", "answer over the size cap (65536 bytes)",
	                                        * "no answer within 2 s", or libcurl's text for the
	                                        * code ("Couldn't connect to server") */
	char detail[CS_HTTP_DETAIL_MAX];       /* libcurl's own explanation of a failure, printable,
	                                        * one line ("Failed to connect to 127.0.0.1 port 9 ...");
	                                        * "" when none */
} cs_http_result;

typedef struct cs_http cs_http;

/* Sets up a client (no request yet). Returns 0, CS_EINVAL (an option out of
 * range, a URL cs_http_url_scheme refuses or whose scheme is not allowed) or
 * CS_ENOMEM. */
int cs_http_open(const cs_http_opts *o, cs_http **out);

/* Frees the client (detaching it from a multi first). NULL is a no-op. */
void cs_http_close(cs_http *h);

/* Makes one request and waits for it. Returns 0 when an answer came (any
 * status: look at res->status), else the failure's negative code
 * (CS_EUNAVAIL; CS_ENOMEM or CS_EINVAL for CS_HTTP_E_SETUP) with res->err
 * and res->error saying what happened. res is always filled. */
int cs_http_do(cs_http *h, const cs_http_req *req, cs_http_result *res);

/* The one line of a result: "" for a 2xx answer, else res->error followed by
 * ": detail" when libcurl said more. For clients without anything more
 * specific to say. */
void cs_http_describe(const cs_http_result *res, char *out, size_t cap);

/* ---- several requests at once ----------------------------------------------- */

typedef struct cs_http_multi cs_http_multi;

/* A multi handle whose requests all end by deadline_s (cs_mono_s() clock). */
int cs_http_multi_open(double deadline_s, cs_http_multi **out);

/* Starts req on client h (which must not have a request in flight). The
 * request's timeouts are cut to what is left before the deadline. Returns 0,
 * CS_ERANGE when the deadline has passed, CS_EINVAL or CS_ENOMEM; nothing is
 * started then. */
int cs_http_multi_start(cs_http_multi *m, cs_http *h, const cs_http_req *req);

/* Runs the transfers until one finishes: returns 1 with *done and *res set
 * (res->body belongs to *done), or 0 when nothing is in flight or the
 * deadline has passed (requests still in flight are left running; close
 * the multi or start no more). Negative on a libcurl failure. */
int cs_http_multi_next(cs_http_multi *m, cs_http **done, cs_http_result *res);

/* Requests in flight. */
int cs_http_multi_running(const cs_http_multi *m);

/* Stops what is still in flight and frees the multi; the clients stay
 * usable. NULL is a no-op. */
void cs_http_multi_close(cs_http_multi *m);

/* ---- credentials --------------------------------------------------------------- */

/* A credential for a request header (a bearer token, an API key) from a
 * file, as Kubernetes mounts service-account tokens and Secrets: the content
 * without trailing blanks and newlines, which must then be 1 to cap-1
 * printable ASCII characters without blanks (it goes into a header: never a
 * CR or LF). Read it again before each request: mounted tokens rotate.
 * Returns 0 with out filled; -errno when the file cannot be read; CS_EINVAL
 * when it does not hold such a credential (empty, too long, blanks or
 * control characters inside). out is wiped on failure. */
int cs_http_read_secret(const char *path, char *out, size_t cap);

/* ---- URLs ---------------------------------------------------------------------- */

/* CS_HTTP_HTTP or CS_HTTP_HTTPS when url is http:// or https:// (any case)
 * with a host part, printable ASCII without blanks, shorter than
 * CS_HTTP_URL_MAX; 0 otherwise. */
unsigned cs_http_url_scheme(const char *url);

/* url without "user:password@" (for messages: credentials are never
 * shown), truncated to cap. */
void cs_http_url_shown(const char *url, char *out, size_t cap);

#endif
