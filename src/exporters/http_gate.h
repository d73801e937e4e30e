/* exporters/http_gate.h - the door of the agent's HTTP endpoint: accepts
 * connections on the listening socket and hands each to the HTTP server
 * (libmicrohttpd, prometheus.c) only once its first request head is
 * complete and well-formed, so a slow or hostile client never holds one of
 * the server's connection slots.
 *
 * One thread (epoll, edge-triggered) owns the connections it has not handed
 * over yet. It reads nothing: it peeks (MSG_PEEK) at what arrived, so the
 * server later reads the request itself. For each connection:
 *   - a client with per_client connections already waiting is refused at
 *     once (closed), as is any connection beyond max_pending;
 *   - plain HTTP: the head (request line and headers, up to CS_HTTP_HEAD_MAX
 *     bytes) must arrive within deadline_s of the accept; a TLS ClientHello
 *     gets a plain-text 400 "this port speaks plain HTTP" and is closed at
 *     once (the TLS client reports a protocol error instead of hanging); a
 *     request line that is not METHOD SP TARGET SP HTTP/1.x gets 400, a head
 *     too large 431, a deadline missed 408;
 *   - TLS (the server speaks HTTPS): the first byte must be a TLS handshake
 *     record, else a plain-text 400 "this port speaks HTTPS"; the handshake
 *     itself is the server's.
 * Refusals are counted and logged once per kind and per CS_LOG_REPEAT_S
 * (core/log.h), never per connection.
 * Later requests on a kept-alive connection are the server's (its idle
 * timeout and per-client limit): a client must send one complete request
 * before it can be slow.
 */
#ifndef CS_EXPORTERS_HTTP_GATE_H
#define CS_EXPORTERS_HTTP_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CS_HTTP_HEAD_MAX 8192

/* What a request head's first bytes say (pure; fuzzed). */
typedef enum cs_http_head {
	CS_HEAD_INCOMPLETE = 0, /* no blank line yet, nothing wrong so far */
	CS_HEAD_OK,             /* a complete head with a valid request line */
	CS_HEAD_TLS,            /* a TLS handshake record: HTTPS spoken to plain HTTP */
	CS_HEAD_BAD,            /* not an HTTP/1.x request line (400) */
	CS_HEAD_TOO_BIG,        /* no end within CS_HTTP_HEAD_MAX bytes (431) */
} cs_http_head;

/* Classifies the first len bytes a client sent. */
cs_http_head cs_http_head_check(const char *buf, size_t len);

/* Hands a connection over; the callee owns fd from then on (closes it on
 * failure too). */
typedef void (*cs_http_gate_pass)(void *ctx, int fd, const struct sockaddr *sa, socklen_t salen);

typedef struct cs_http_gate_opts {
	int listen_fd;       /* non-blocking, listening; the gate does not close it */
	bool tls;            /* the server speaks HTTPS */
	double deadline_s;   /* for the first request head */
	unsigned per_client; /* connections one address may have waiting */
	unsigned max_pending;
	cs_http_gate_pass pass;
	void *ctx;
	const char *log_prefix; /* "carbonstat agent: prometheus" */
} cs_http_gate_opts;

typedef struct cs_http_gate_stats {
	uint64_t passed, refused_client, refused_full, tls_on_plain, plain_on_tls, bad, too_big, timed_out;
} cs_http_gate_stats;

typedef struct cs_http_gate cs_http_gate;

/* Starts the gate's thread. 0, -errno or CS_ENOMEM. */
int cs_http_gate_start(const cs_http_gate_opts *o, cs_http_gate **out);

/* Switches TLS expectations (a reload changed the web-config). */
void cs_http_gate_set_tls(cs_http_gate *g, bool tls);

void cs_http_gate_stats_get(cs_http_gate *g, cs_http_gate_stats *out);

/* Stops the thread and closes the connections still waiting. NULL: no-op. */
void cs_http_gate_stop(cs_http_gate *g);

#endif
